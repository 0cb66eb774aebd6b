using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using LiquidationLab.Notebooks.Engine;
using LiquidationLab.Notebooks.Ipynb;

namespace LiquidationLab.Benchmarks;

/// <summary>
/// Targets (docs/performance.md): cold start (process start → first trivial cell done, through <c>liqlab notebook run</c>) and warm
/// per-cell overhead over 200 trivial cells (target &lt; 20 ms per cell; the figure is the mean ÷ 200).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class NotebookBenchmarks
{
    private string _dir = null!;
    private string _notebook = null!;
    private ScriptSession _session = null!;
    private string _liqlab = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("liqlab-nbbench-").FullName;
        var nb = NotebookDocument.Create();
        nb.Cells.Add(NotebookDocument.CodeCell("1 + 1"));
        _notebook = Path.Combine(_dir, "trivial.ipynb");
        nb.Save(_notebook);
        _liqlab = CliBuild.LiqlabDll();
    }

    /// <summary>A fresh session per iteration, warmed with 10 cells: Roslyn's submission chain makes each cell a little
    /// slower than the one before, so reusing one session across iterations would measure cells 1,000+.</summary>
    [IterationSetup(Target = nameof(WarmCells))]
    public void FreshSession()
    {
        _session = new ScriptSession(_dir);
        _session.ExecuteAsync("var counter = 0;").GetAwaiter().GetResult();
        for (var i = 0; i < 10; i++) _session.ExecuteAsync("counter++;").GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    [Benchmark(Description = "200 trivial cells in a warm session (divide by 200 for per-cell)")]
    public async Task<int> WarmCells()
    {
        for (var i = 0; i < 200; i++) await _session.ExecuteAsync("counter++;");
        return _session.ExecutionCount;
    }

    [Benchmark(Description = "cold start: dotnet liqlab.dll notebook run (one trivial cell)")]
    public int ColdStart()
    {
        using var p = Process.Start(new ProcessStartInfo("dotnet", ["exec", _liqlab, "notebook", "run", _notebook, "-o", Path.Combine(_dir, "out.ipynb")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? 0 : throw new InvalidOperationException(p.StandardError.ReadToEnd());
    }
}
