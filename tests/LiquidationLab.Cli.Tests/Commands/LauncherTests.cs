using System.Diagnostics;
using LiquidationLab.Bench;
using LiquidationLab.Cli.Commands;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary>The repository's <c>./liqlab</c> launcher: a ReadyToRun publish of the command, made on first use and reused.</summary>
public sealed class LauncherTests
{
    [Fact]
    public void ReadyToRun_code_is_recognised()
    {
        Assert.True(BenchSuite.IsReadyToRun(typeof(object).Assembly.Location)); // the shared framework ships precompiled
        Assert.False(BenchSuite.IsReadyToRun(typeof(BenchCommand).Assembly.Location)); // this test's plain build of liqlab.dll
    }

    [Fact]
    public void The_launcher_runs_a_ReadyToRun_publish_and_publishes_only_when_sources_changed()
    {
        var root = RealSnapshot.RepositoryRoot;
        var first = Run(root, "levels", "--entry", "67000", "--leverage", "10", "--side", "long", "--json");
        Assert.True(first.Exit == 0, first.Err);
        Assert.Contains("\"leverage\": 10", first.Out, StringComparison.Ordinal);
        var published = Path.Combine(root, "artifacts", "liqlab", "liqlab.dll");
        Assert.True(BenchSuite.IsReadyToRun(published), $"{published} has no ReadyToRun code");

        var second = Run(root, "levels", "--entry", "67000", "--leverage", "10", "--side", "long", "--json");
        Assert.Equal(first.Out, second.Out);
        Assert.DoesNotContain("compiling", second.Err, StringComparison.Ordinal); // up to date: no second publish
    }

    private static (int Exit, string Out, string Err) Run(string root, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        psi.ArgumentList.Add(Path.Combine(root, "liqlab"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "./liqlab did not finish in 5 minutes");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
