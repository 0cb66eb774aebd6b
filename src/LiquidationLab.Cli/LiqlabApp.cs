using System.CommandLine;
using LiquidationLab.Cli.Commands;

namespace LiquidationLab.Cli;

/// <summary>The <c>liqlab</c> command tree.</summary>
public static class LiqlabApp
{
    /// <summary>Exit code of a command that failed on bad input or a domain error.</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("LiquidationLab: liquidation risk and order-book liquidity research for crypto derivatives.");
        root.Add(LevelsCommand.Create());
        root.Add(DataCommand.Create());
        root.Add(TiersCommand.Create());
        root.Add(ServeCommand.Create());
        root.Add(ChartCommands.Heatmap());
        root.Add(ChartCommands.Map());
        root.Add(BacktestCommand.Create());
        root.Add(NotebookCommand.Create());
        root.Add(ReportCommand.Create());
        root.Add(KernelCommand.Create());
        root.Add(LiquidityCommand.Create());
        root.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parse = Build().Parse(args);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (Exception e) when (CommandErrors.IsUserFacing(e))
        {
            await stderr.WriteLineAsync($"liqlab: {CommandErrors.Describe(e)}").ConfigureAwait(false);
            return ErrorExitCode;
        }
    }
}
