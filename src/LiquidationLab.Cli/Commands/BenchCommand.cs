using System.CommandLine;
using LiquidationLab.Bench;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab bench …</c>: wiring only. The whole-process benchmarks live in LiquidationLab.Bench (bench/); this
/// hands them the CLI's console, launcher, workspace, <c>--db</c> / <c>--data</c> options and kernel installer.</summary>
internal static class BenchCommand
{
    private static BenchHost Host() => new(
        Terminal.Console,
        KernelCommand.Launcher,
        parts => Workspace.Path(parts),
        DataCommand.DbOption,
        db => Workspace.StorePath(db, StoreUse.Read),
        db => Workspace.StorePath(db, StoreUse.ReadWhenPresent),
        path => Workspace.OpenStore(path, readOnly: true),
        RecordedBooks.DataOption,
        RecordedBooks.Load,
        dir => KernelCommand.Install(dir));

    public static Command Create()
    {
        var host = Host();
        var bench = new Command("bench", "Performance measurements that print their figures.");
        foreach (var c in BenchSuite.Create(host)) bench.Add(c);
        bench.Add(ApiBench.Create(host));
        bench.Add(KernelBench.Create(host, KernelCommand.KernelName));
        bench.Add(LiquidityBench.Create(host));
        return bench;
    }
}
