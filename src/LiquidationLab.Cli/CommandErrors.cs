using LiquidationLab.Core.Margin;

namespace LiquidationLab.Cli;

/// <summary>Which exceptions are the user's input problems (shown as one clear line) rather than bugs (stack trace).</summary>
internal static class CommandErrors
{
    public static bool IsUserFacing(Exception e) => e is ArgumentException or FormatException or IOException or KeyNotFoundException
        or LeverageBracketTableNotFoundException or UnauthorizedAccessException or InvalidOperationException
        or Liquidity.LiquidityConfigurationException or Liquidity.OrderBookException or Liquidity.Service.RedisUnavailableException;

    /// <summary>One line for the terminal: the message without .NET's "(Parameter 'x')" and "Actual value was" lines.</summary>
    public static string Describe(Exception e)
    {
        var message = e.Message;
        // The application layer names API parameters (candles_per_column); the CLI's options are their dashed forms.
        if (e is Analysis.QueryParameterException q && !q.Parameter.StartsWith("--", StringComparison.Ordinal))
            return $"--{q.Parameter.Replace('_', '-')}: {q.Problem}".ReplaceLineEndings(" ");
        if (e is ArgumentException { ParamName: { } name })
        {
            var suffix = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (suffix >= 0) message = message[..suffix];
            if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
                message += $" (got {Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture)})";
        }
        return message.ReplaceLineEndings(" ");
    }
}
