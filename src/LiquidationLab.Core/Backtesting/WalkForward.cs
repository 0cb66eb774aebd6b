using LiquidationLab.Core.Models;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A forecast series with its name, aligned with the actual series.</summary>
/// <param name="Name">Model or baseline name.</param>
/// <param name="Predicted">Forecast per period (NaN where none: warm-up periods).</param>
public sealed record Forecast(string Name, double[] Predicted);

/// <summary>
/// Walk-forward evaluation: the series is split into consecutive test windows after an initial training span; for each
/// window anything fitted (here the scale from a model's raw output to observed liquidations) is estimated only on the
/// periods before the window — never on the window itself.
/// </summary>
public static class WalkForward
{
    /// <summary>
    /// Scales <paramref name="raw"/> (e.g. a model's consumed notional per period) to <paramref name="actual"/> with a
    /// least-squares slope through the origin, fitted on all periods before each test window (expanding window).
    /// Periods before <paramref name="trainPeriods"/> get NaN.
    /// </summary>
    /// <param name="raw">Model output per period.</param>
    /// <param name="actual">Observed value per period.</param>
    /// <param name="trainPeriods">Initial training span, ≥ 1.</param>
    /// <param name="testPeriods">Length of each test window, ≥ 1.</param>
    /// <returns>Out-of-sample forecasts and the slope used in each window.</returns>
    /// <exception cref="ArgumentException">Different lengths or spans below 1.</exception>
    public static (double[] Forecast, double[] Slopes) ScaledForecast(IReadOnlyList<double> raw, IReadOnlyList<double> actual, int trainPeriods, int testPeriods)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(actual);
        if (raw.Count != actual.Count) throw new ArgumentException($"raw has {raw.Count} values, actual {actual.Count}.");
        if (trainPeriods < 1 || testPeriods < 1) throw new ArgumentException("Training and test spans must be ≥ 1 period.");
        var forecast = Enumerable.Repeat(double.NaN, raw.Count).ToArray();
        var slopes = new List<double>();
        double sxy = 0, sxx = 0;
        var fitted = 0;
        for (var start = trainPeriods; start < raw.Count; start += testPeriods)
        {
            for (; fitted < start; fitted++) // add only periods before the window
            {
                if (double.IsNaN(raw[fitted]) || double.IsNaN(actual[fitted])) continue;
                sxy += raw[fitted] * actual[fitted];
                sxx += raw[fitted] * raw[fitted];
            }
            var slope = sxx > 0 ? sxy / sxx : 0;
            slopes.Add(slope);
            for (var i = start; i < Math.Min(raw.Count, start + testPeriods); i++) forecast[i] = double.IsNaN(raw[i]) ? double.NaN : slope * raw[i];
        }
        return (forecast, slopes.ToArray());
    }

    /// <summary>Persistence baseline: next period = this period's actual.</summary>
    public static double[] Persistence(IReadOnlyList<double> actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var f = new double[actual.Count];
        f[0] = double.NaN;
        for (var i = 1; i < f.Length; i++) f[i] = actual[i - 1];
        return f;
    }

    /// <summary>Moving-average baseline: mean of the previous <paramref name="window"/> actual values (NaN until available).</summary>
    public static double[] MovingAverage(IReadOnlyList<double> actual, int window)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var f = new double[actual.Count];
        double sum = 0;
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = i >= window ? sum / window : double.NaN;
            sum += actual[i];
            if (i >= window) sum -= actual[i - window];
        }
        return f;
    }

    /// <summary>
    /// Open-interest-change heuristic: liquidations come with falling open interest, so the raw signal is the OI drop
    /// max(0, OI[t−1] − OI[t]) in USD, scaled walk-forward like a model (<see cref="ScaledForecast"/>).
    /// </summary>
    public static double[] OpenInterestDrop(IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var raw = new double[candles.Count];
        raw[0] = double.NaN;
        for (var i = 1; i < raw.Length; i++)
        {
            var a = candles[i - 1].OpenInterestUsd;
            var b = candles[i].OpenInterestUsd;
            raw[i] = double.IsFinite(a) && double.IsFinite(b) ? Math.Max(0, a - b) : double.NaN;
        }
        return raw;
    }
}
