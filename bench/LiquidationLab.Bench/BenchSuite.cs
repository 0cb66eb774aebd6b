using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LiquidationLab.Data.Bench;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Bench;

/// <summary>
/// <c>liqlab bench suite</c>: the performance targets of the data path and the process, each measured as whole processes
/// run alternately with their reference (the machine is shared: a ratio of medians over alternating pairs is what can be
/// compared, not one absolute time), printed as a table anyone can rerun. Also the two reference commands it times,
/// <c>bench scan</c> (a bare DuckDB scan of stored trades) and <c>bench plain-insert</c> (DuckDB's own read_csv insert).
/// </summary>
internal static class BenchSuite
{
    private sealed record Run(double Seconds, long PeakBytes);

    private sealed record Case(string Name, string Target, string[] Ours, string[]? Reference, Func<Run, Run?, double>? Ratio, Func<double, double, bool>? Met,
        Action<int>? BeforeEach = null);

    private static readonly string[] Headers = ["case", "ours: median (min–max) s", "peak MB", "reference: median s", "ratio: median (min–max)", "target", "met"];

    public static IEnumerable<Command> Create(BenchHost host)
    {
        yield return Suite(host);
        yield return Scan(host);
        yield return PlainInsert();
    }

    private static Command Suite(BenchHost host)
    {
        var runs = new Option<int>("--runs") { Description = "Alternating pairs per case (the report case runs at most 3).", DefaultValueFactory = _ => 5 };
        var only = new Option<string?>("--only") { Description = "Comma-separated cases: ingest, map, map-real, levels, heatmap, report (default: all)." };
        var rows = new Option<long>("--rows") { Description = "Rows of the generated aggTrades file.", DefaultValueFactory = _ => 10_000_000 };
        var work = new Option<string?>("--work") { Description = "Working folder for the generated file and stores (default: a temporary folder, deleted)." };
        var cmd = new Command("suite", "Performance targets as paired whole-process runs against their references: ingest vs DuckDB's read_csv, map over stored trades vs a bare scan, " +
                                       "levels, heatmap, report. Prints medians, min–max and ratios.")
        {
            runs, only, rows, work,
        };
        cmd.SetAction((parse, _) =>
        {
            var console = host.Console(parse.InvocationConfiguration.Output);
            var n = Math.Max(1, parse.GetValue(runs));
            var wanted = (parse.GetValue(only) ?? "ingest,map,map-real,levels,heatmap,report").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            var keep = parse.GetValue(work) is not null;
            var dir = Path.GetFullPath(parse.GetValue(work) ?? Directory.CreateTempSubdirectory("liqlab-bench-suite-").FullName);
            Directory.CreateDirectory(dir);
            try
            {
                var cases = Cases(host, console, dir, parse.GetValue(rows), wanted);
                var table = new Table().Border(TableBorder.Rounded);
                foreach (var h in Headers) table.AddColumn(h);
                foreach (var c in cases)
                {
                    var pairs = new List<(Run Ours, Run? Reference)>();
                    var count = c.Name.StartsWith("report", StringComparison.Ordinal) ? Math.Min(n, 3) : n;
                    for (var i = 0; i < count; i++)
                    {
                        c.BeforeEach?.Invoke(i);
                        var ours = Time(c.Ours);
                        var reference = c.Reference is null ? null : Time(c.Reference);
                        pairs.Add((ours, reference));
                        var line = string.Create(CultureInfo.InvariantCulture, $"  {c.Name} #{i + 1}: {ours.Seconds:0.000} s, {ours.PeakBytes / 1e6:0} MB");
                        if (reference is not null) line += string.Create(CultureInfo.InvariantCulture, $"; reference {reference.Seconds:0.000} s");
                        console.MarkupLine(Markup.Escape(line));
                    }
                    var ourTimes = pairs.Select(p => p.Ours.Seconds).ToArray();
                    var ratios = c.Ratio is null ? [] : pairs.Select(p => c.Ratio(p.Ours, p.Reference)).ToArray();
                    var metric = ratios.Length > 0 ? Median(ratios) : Median(ourTimes);
                    var peak = pairs.Max(p => p.Ours.PeakBytes) / 1e6;
                    table.AddRow(c.Name, Range(ourTimes), peak.ToString("0", CultureInfo.InvariantCulture),
                        c.Reference is null ? "—" : Median(pairs.Select(p => p.Reference!.Seconds).ToArray()).ToString("0.000", CultureInfo.InvariantCulture),
                        ratios.Length == 0 ? "—" : Range(ratios), Markup.Escape(c.Target), c.Met is null ? "—" : c.Met(metric, peak) ? "[green]yes[/]" : "[red]no[/]");
                }
                console.Write(table);
                console.MarkupLine(Markup.Escape($"{Environment.ProcessorCount} cores; each row: {n} alternating runs (report: ≤ 3); work folder {dir}{(keep ? "" : " (deleted)")}."));
                console.MarkupLine(Markup.Escape(IsReadyToRun(Path.Combine(AppContext.BaseDirectory, "liqlab.dll"))
                    ? $"Measured: the ReadyToRun build in {AppContext.BaseDirectory} (what ./liqlab runs)."
                    : $"Measured: the plain (JIT) build in {AppContext.BaseDirectory}; ./liqlab bench suite measures the ReadyToRun build users run."));
            }
            finally
            {
                if (!keep) Directory.Delete(dir, recursive: true);
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static List<Case> Cases(BenchHost host, IAnsiConsole console, string dir, long rows, HashSet<string> wanted)
    {
        var self = host.Launcher();
        string[] Liqlab(params string[] args) => [.. self, .. args];
        var cases = new List<Case>();
        string? csv = null;
        if (wanted.Contains("ingest") || wanted.Contains("map"))
        {
            csv = Path.Combine(dir, "BTCUSDT-aggTrades-2024-01-02.csv");
            if (!File.Exists(csv))
            {
                console.MarkupLine(Markup.Escape($"Generating {rows:N0} aggTrades (1.4 % of them ≥ 100k USD, as in the real BTCUSDT recordings) → {csv}"));
                Generate(csv, rows);
            }
        }
        if (wanted.Contains("ingest"))
        {
            cases.Add(new Case(string.Create(CultureInfo.InvariantCulture, $"ingest {rows / 1e6:0.#} M aggTrades"), "≥ 85 % of DuckDB read_csv insert",
                Liqlab("data", "ingest", csv!, "--db", Path.Combine(dir, "ingest-current.duckdb")),
                Liqlab("bench", "plain-insert", "--csv", csv!, "--db", Path.Combine(dir, "plain-current.duckdb")),
                (ours, reference) => reference!.Seconds / ours.Seconds, (ratio, _) => ratio >= 0.85,
                BeforeEach: _ =>
                {
                    // Both write a fresh database each run.
                    foreach (var f in Directory.EnumerateFiles(dir, "*-current.duckdb*")) File.Delete(f);
                }));
        }
        if (wanted.Contains("map"))
        {
            var store = Path.Combine(dir, "trades.duckdb");
            if (!File.Exists(store))
            {
                console.MarkupLine(Markup.Escape($"Ingesting {csv} → {store} for the map case"));
                var r = Time(Liqlab("data", "ingest", csv!, "--db", store));
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"  ingested in {r.Seconds:0.0} s")));
            }
            cases.Add(new Case(string.Create(CultureInfo.InvariantCulture, $"map over {rows / 1e6:0.#} M stored trades"), "≤ 2× a bare DuckDB scan, < 500 MB",
                Liqlab("map", "--db", store, "--out", Path.Combine(dir, "map.html")),
                Liqlab("bench", "scan", "--db", store),
                (ours, reference) => ours.Seconds / reference!.Seconds, (ratio, peak) => ratio <= 2 && peak < 500));
        }
        if ((wanted.Contains("heatmap") || wanted.Contains("report") || wanted.Contains("map-real")) && host.WorkspacePath(["data", "real"]) is { } real)
        {
            Time(Liqlab("data", "ingest", real)); // the in-repo data in the default store (a no-op when already there)
            if (wanted.Contains("map-real"))
                cases.Add(new Case("map, every real BTCUSDT trade in the store", "— (no target)",
                    Liqlab("map", "--threshold", "0", "--out", Path.Combine(dir, "map-real.html")), null, null, null));
        }
        if (wanted.Contains("levels"))
            cases.Add(new Case("levels (whole process)", "< 0.3 s", Liqlab("levels", "--entry", "67000"), null, null, (s, _) => s < 0.3));
        if (wanted.Contains("heatmap"))
        {
            cases.Add(new Case("heatmap, hourly series (2,821 candles)", "< 0.8 s",
                Liqlab("heatmap", "--interval", "1h", "--market", "spot", "--out", Path.Combine(dir, "heatmap-1h.html")), null, null, (s, _) => s < 0.8));
            cases.Add(new Case("heatmap, 4 weeks of real 5m perp candles", "— (no target)",
                Liqlab("heatmap", "--interval", "5m", "--from", "2026-05-25", "--to", "2026-06-22", "--out", Path.Combine(dir, "heatmap-4w.html")), null, null, null));
            // A year of 5-minute candles with open interest (a seeded random walk: a performance case, not a market claim).
            var year = Path.Combine(dir, "year-5m.duckdb");
            if (!File.Exists(year))
            {
                var csv5m = Path.Combine(dir, "bars-5m-year.csv");
                GenerateYearOfBars(csv5m);
                Time(Liqlab("data", "ingest", csv5m, "--map", "ts=time,o=open,h=high,l=low,c=close,oi=oi_usd", "--symbol", "BTCUSDT",
                    "--venue", "binance-usdm", "--interval", "5m", "--db", year));
            }
            cases.Add(new Case("heatmap, a year of 5m candles (105,120)", "< 1.5 s",
                Liqlab("heatmap", "--db", year, "--out", Path.Combine(dir, "heatmap-year.html")), null, null, (s, _) => s < 1.5));
            // The turnover inventory (issue 29): ~40 positions opened per candle, decayed in O(1) a candle, compacted when they double.
            cases.Add(new Case("heatmap, hourly series, turnover model", "— (no target)",
                Liqlab("heatmap", "--interval", "1h", "--market", "spot", "--model", "time-evolving-turnover", "--out", Path.Combine(dir, "heatmap-1h-turnover.html")), null, null, null));
            cases.Add(new Case("heatmap, a year of 5m candles, turnover model", "— (no target)",
                Liqlab("heatmap", "--db", year, "--model", "time-evolving-turnover", "--out", Path.Combine(dir, "heatmap-year-turnover.html")), null, null, null));
        }
        if (wanted.Contains("report"))
        {
            cases.Add(new Case("report, warm store", "< 10 s", Liqlab("report", "--out", Path.Combine(dir, "report")), null, null, (s, _) => s < 10));
            var empty = Path.Combine(dir, "empty.duckdb");
            cases.Add(new Case("report, empty store", "< 15 s", Liqlab("report", "--out", Path.Combine(dir, "report-empty"), "--db", empty), null, null, (s, _) => s < 15,
                BeforeEach: _ =>
                {
                    foreach (var f in Directory.EnumerateFiles(dir, "empty.duckdb*")) File.Delete(f);
                }));
        }
        return cases;
    }

    /// <summary>Whether an assembly carries ReadyToRun native code (a managed-native header in its CLI header).</summary>
    internal static bool IsReadyToRun(string assembly)
    {
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>Runs a process to completion: wall time and peak resident memory (VmHWM, read just before it exits).</summary>
    private static Run Time(string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {argv[0]}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.WaitForExit(15)) peak = Math.Max(peak, PeakResident(p.Id));
        var seconds = watch.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', argv)} exited with {p.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}".Trim());
        return new Run(seconds, peak);
    }

    // VmHWM (the high-water mark of resident memory) of a running process, from /proc; 0 elsewhere or once it has gone.
    private static long PeakResident(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }

    private static double Median(double[] values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string Range(double[] values) => string.Create(CultureInfo.InvariantCulture, $"{Median(values):0.000} ({values.Min():0.000}–{values.Max():0.000})");

    /// <summary>A Binance Vision aggTrades CSV: ids and 8 ms steps increasing, prices around 42k, a heavy-tailed quantity (1.4 % ≥ 100k USD).</summary>
    private static void Generate(string path, long rows) => BenchData.WriteAggTradesCsv(path, rows);

    /// <summary>A year of 5-minute bars (2025) with open interest in USD: a seeded log-random walk around 60k, OHLC consistent.</summary>
    private static void GenerateYearOfBars(string path) => BenchData.WriteYearOfFiveMinuteBarsCsv(path);

    private static Command Scan(BenchHost host)
    {
        var db = host.DbOption();
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => "BTCUSDT", Description = "Symbol." };
        var cmd = new Command("scan", "Reference for the map case: a bare DuckDB scan of a symbol's stored aggTrades (count, notional, time span), nothing else.") { db, symbol };
        cmd.Hidden = true;
        cmd.SetAction((parse, _) =>
        {
            using var store = host.OpenReadOnly(host.ExistingStore(parse.GetValue(db)));
            var (trades, notional) = BenchData.ScanAggTrades(store, parse.GetValue(symbol)!);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{trades} trades, {notional} USD"));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command PlainInsert()
    {
        var csv = new Option<string>("--csv") { Required = true, Description = "Binance Vision aggTrades CSV with a header." };
        var db = new Option<string>("--db") { Required = true, Description = "New DuckDB file." };
        var cmd = new Command("plain-insert", "Reference for the ingest case: DuckDB's own read_csv of the file into a new table, nothing else.") { csv, db };
        cmd.Hidden = true;
        cmd.SetAction((parse, _) =>
        {
            var rows = BenchData.PlainInsert(parse.GetValue(db)!, parse.GetValue(csv)!);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows} rows"));
            return Task.FromResult(0);
        });
        return cmd;
    }
}
