using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.Notebooks.Export;
using LiquidationLab.Notebooks.Ipynb;
using LiquidationLab.Notebooks.Running;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary>
/// <c>liqlab report</c>, the main job: find the data, ingest what is new, run every notebook headless with that data,
/// and write the executed notebooks, their HTML and an index.
/// </summary>
internal static class ReportCommand
{
    /// <summary>Environment variable naming the data root.</summary>
    public const string DataEnvironmentVariable = "LIQLAB_DATA";

    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = $"Data root (default: ${DataEnvironmentVariable}, else the repository's data/real snapshot)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default: the repository's artifacts/report)." };
        var notebooks = new Option<string?>("--notebooks") { Description = "Folder of the notebooks to run, *.ipynb in name order (default: the repository's notebooks/)." };
        var timeout = new Option<int>("--cell-timeout") { DefaultValueFactory = _ => 600, Description = "Seconds a cell may run." };
        var db = new Option<string?>("--db") { Description = $"DuckDB file (default: ${LabStore.EnvironmentVariable}, else the repository's {LabStore.DefaultRelativePath})." };
        var parallel = new Option<int>("--parallel")
        {
            Description = "Notebooks run at once after the first (which runs alone: it may write the store; the others only read it). 1 runs them one by one.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var cmd = new Command("report", "The main job: ingest the real data, run every notebook headless, write executed notebooks, HTML and an index.")
        {
            data, output, notebooks, timeout, db, parallel,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var dataRoot = FindDataRoot(parse.GetValue(data));
            var dbPath = Workspace.ResolveStore(parse.GetValue(db));
            var outDir = Path.GetFullPath(parse.GetValue(output) ?? Workspace.Path("artifacts", "report") ?? "artifacts/report");
            var nbDir = Path.GetFullPath(parse.GetValue(notebooks) ?? Workspace.Path("notebooks")
                ?? throw new DirectoryNotFoundException($"Not inside a LiquidationLab clone ({Directory.GetCurrentDirectory()}): pass --notebooks DIR."));
            if (!Directory.Exists(nbDir)) throw new DirectoryNotFoundException($"Notebook folder not found: {nbDir}");
            Directory.CreateDirectory(outDir);
            console.MarkupLine($"Data: {Markup.Escape(dataRoot)}\nStore: {Markup.Escape(dbPath)}");

            Workspace.CheckStore(dbPath, parse.GetValue(db) is { } given ? $"--db {given}" : $"store {dbPath}", StoreUse.Create);
            using (var store = Workspace.OpenStore(dbPath, readOnly: false))
            {
                var results = new Ingestor(store).Ingest([dataRoot]);
                console.MarkupLine($"Ingest: {results.Count(r => r.Status == IngestStatus.Ingested)} new files " +
                                   $"({results.Sum(r => r.Rows):N0} rows), {results.Count(r => r.Status == IngestStatus.AlreadyIngested)} already in the store.");
            }

            // The first notebook runs alone (the quickstart may write the store); the rest only read it and run concurrently,
            // each in its own session (console output is routed per session). The working directory is the notebooks'
            // folder for the whole run, set once: per-notebook switching would race.
            var paths = Directory.EnumerateFiles(nbDir, "*.ipynb").Order(StringComparer.Ordinal).ToList();
            var degree = Math.Max(1, parse.GetValue(parallel));
            var previousDirectory = Directory.GetCurrentDirectory();
            Directory.SetCurrentDirectory(nbDir);
            var wall = System.Diagnostics.Stopwatch.StartNew();
            List<(string Name, bool Ok, TimeSpan Elapsed, string Message, List<string> Lines)> rows;
            try
            {
                async Task<(string Name, bool Ok, TimeSpan Elapsed, string Message, List<string> Lines)> RunOne(string path)
                {
                    var name = Path.GetFileNameWithoutExtension(path);
                    var lines = new List<string> { $"[bold]{Markup.Escape(name)}[/]" };
                    var notebook = NotebookDocument.Load(path);
                    var result = await NotebookRunner.RunAsync(notebook, path, new RunOptions
                    {
                        Parameters = new Dictionary<string, string> { ["dataRoot"] = dataRoot, ["db"] = dbPath },
                        CellTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))),
                        WorkingDirectory = nbDir,
                    }, p =>
                    {
                        lock (lines) lines.Add(NotebookCommand.ProgressLine(p));
                    }, ct).ConfigureAwait(false);
                    result.Notebook.Save(Path.Combine(outDir, name + ".ipynb"));
                    await File.WriteAllTextAsync(Path.Combine(outDir, name + ".html"), HtmlExporter.Render(result.Notebook), ct).ConfigureAwait(false);
                    if (!result.Succeeded) lines.Add($"  [red]{Markup.Escape(result.Message)}[/]");
                    return (name, result.Succeeded, result.Elapsed, result.Message, lines);
                }

                void Print((string Name, bool Ok, TimeSpan Elapsed, string Message, List<string> Lines) r)
                {
                    foreach (var line in r.Lines) console.MarkupLine(line);
                }

                rows = [];
                if (paths.Count > 0)
                {
                    var first = await RunOne(paths[0]).ConfigureAwait(false);
                    Print(first);
                    rows.Add(first);
                }
                using var gate = new SemaphoreSlim(degree);
                var rest = paths.Skip(1).Select(path => Task.Run(async () =>
                {
                    await gate.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        return await RunOne(path).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, ct)).ToList();
                foreach (var task in rest) // printed in notebook order, each as one block
                {
                    var r = await task.ConfigureAwait(false);
                    Print(r);
                    rows.Add(r);
                }
            }
            finally
            {
                if (Directory.Exists(previousDirectory)) Directory.SetCurrentDirectory(previousDirectory);
            }
            var index = Path.Combine(outDir, "index.html");
            await File.WriteAllTextAsync(index, Index(rows.Select(r => (r.Name, r.Ok, r.Elapsed, r.Message)).ToList(), dataRoot), ct).ConfigureAwait(false);
            var failed = rows.Count(r => !r.Ok);
            console.MarkupLine($"Report: {Markup.Escape(index)} — {rows.Count - failed} of {rows.Count} notebooks succeeded in " +
                               $"{wall.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s " +
                               $"({rows.Sum(r => r.Elapsed.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)} s of notebook time, {degree} at once after the first)");
            if (failed > 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"liqlab: report: {failed} notebook(s) failed: {string.Join("; ", rows.Where(r => !r.Ok).Select(r => $"{r.Name}: {r.Message}"))}").ConfigureAwait(false);
                return 1;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>--data, else LIQLAB_DATA, else the repository's <c>data/real</c> snapshot (found from the current directory or the binaries).</summary>
    /// <exception cref="DirectoryNotFoundException">None exists; the message says how to get data.</exception>
    internal static string FindDataRoot(string? explicitRoot)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot))
            return Directory.Exists(explicitRoot) ? Path.GetFullPath(explicitRoot) : throw new DirectoryNotFoundException($"--data {explicitRoot}: no such directory.");
        if (Environment.GetEnvironmentVariable(DataEnvironmentVariable) is { Length: > 0 } env)
            return Directory.Exists(env) ? Path.GetFullPath(env) : throw new DirectoryNotFoundException($"{DataEnvironmentVariable}={env}: no such directory.");
        if (Workspace.Path("data", "real") is { } snapshot && Directory.Exists(snapshot)) return snapshot;
        throw new DirectoryNotFoundException(
            $"No market data found: not inside a LiquidationLab clone with data/real ({Directory.GetCurrentDirectory()}); pass --data DIR or set {DataEnvironmentVariable}. To download Binance archives: " +
            "liqlab data fetch binance --symbol BTCUSDT --kinds aggTrades,metrics,fundingRate,klines:5m --from 2024-01-01 --to 2024-01-31 --dest data/real");
    }

    private static string Index(IReadOnlyList<(string Name, bool Ok, TimeSpan Elapsed, string Message)> rows, string dataRoot)
    {
        var sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LiquidationLab report</title><style>")
            .Append("body{font:16px/1.6 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;max-width:960px;margin:40px auto;padding:0 24px;color:#1f2328}")
            .Append("table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d1d9e0;padding:8px 10px;text-align:left}")
            .Append(".ok{color:#1a7f37;font-weight:600}.error{color:#cf222e;font-weight:600}.muted{color:#59636e;font-size:14px}</style></head><body>")
            .Append("<h1>LiquidationLab report</h1><p class=\"muted\">Generated ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
            .Append(" UTC from ").Append(WebUtility.HtmlEncode(dataRoot)).Append(".</p><table><tr><th>Notebook</th><th>Status</th><th>Run time</th><th>Files</th></tr>");
        foreach (var r in rows)
        {
            var n = WebUtility.HtmlEncode(r.Name);
            sb.Append("<tr><td><a href=\"").Append(n).Append(".html\">").Append(n).Append("</a></td><td class=\"").Append(r.Ok ? "ok\">ok" : "error\">failed")
              .Append(r.Ok ? "" : $"<div class=\"muted\">{WebUtility.HtmlEncode(r.Message)}</div>").Append("</td><td>")
              .Append(r.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(" s</td><td><a href=\"").Append(n).Append(".ipynb\">.ipynb</a></td></tr>");
        }
        return sb.Append("</table></body></html>\n").ToString();
    }
}
