using System.CommandLine;
using System.Globalization;
using LiquidationLab.Data.Download;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Snapshot;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Validation;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab data …</c>: ingest, status, validate.</summary>
internal static class DataCommand
{
    /// <summary>
    /// How long a data command waits for another process's lock (a running <c>liqlab serve</c> holds the file for one query
    /// at a time): 10 s, or <c>LIQLAB_LOCK_WAIT</c> seconds.
    /// </summary>
    internal static TimeSpan WriterLockWait =>
        double.TryParse(Environment.GetEnvironmentVariable("LIQLAB_LOCK_WAIT"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var data = new Command("data", "The DuckDB store: ingest exchange data, inspect and validate it.");
        data.Add(Ingest());
        data.Add(Status());
        data.Add(Validate());
        data.Add(Fetch());
        data.Add(Export());
        data.Add(Revert());
        data.Add(RecordCommand.Create());
        return data;
    }

    internal static Option<string?> DbOption() => new("--db")
    {
        Description = $"DuckDB file (default: ${LabStore.EnvironmentVariable}, else {LabStore.DefaultRelativePath}).",
    };

    private static Command Ingest()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or directories (recursive).", Arity = ArgumentArity.OneOrMore };
        var kind = new Option<string?>("--kind") { Description = "Force an importer kind instead of detecting it (see --list-kinds)." };
        var map = new Option<string?>("--map") { Description = "Bar CSV of another layout: col=name,… with names time, open, high, low, close, volume, oi_usd, oi_base, funding_rate, long_usd, short_usd." };
        var symbol = new Option<string?>("--symbol") { Description = "With --map: the series' symbol (required)." };
        var venue = new Option<string>("--venue") { Description = "With --map: venue (and liquidation scope).", DefaultValueFactory = _ => "custom" };
        var market = new Option<string>("--market") { Description = "With --map: perp or spot.", DefaultValueFactory = _ => "perp" };
        market.AcceptOnlyFromAmong("perp", "spot");
        var interval = new Option<string?>("--interval") { Description = "With --map: bar interval (default: from the file name or row spacing)." };
        var listKinds = new Option<bool>("--list-kinds") { Description = "List the importer kinds and exit." };
        var maxUnzipped = new Option<long>("--max-unzipped-bytes") { Description = "Most bytes a .zip entry may expand to.", DefaultValueFactory = _ => ArchiveLimits.Default.MaxBytes };
        var maxRatio = OptionRules.Number("--max-unzip-ratio", ArchiveLimits.Default.MaxRatio, 1, 1_000_000, "Most expansion of a .zip entry (uncompressed ÷ compressed), a zip-bomb defence.");
        var replace = new Option<bool>("--replace")
        {
            Description = "Where a file's value differs from the stored one for the same key (bar, open interest, funding, liquidation totals), this file's wins; " +
                          "the old rows are kept in <table>_revisions and `data revert FILE` restores them. Default: the stored value stays and the file's is kept as a revision.",
        };
        var setAside = new Option<bool>("--set-aside-bad-lines")
        {
            Description = "For message recordings (the recorder's --raw-dir files, websocket recordings): store every good line and list the bad ones " +
                          "instead of refusing the file. Without it a file with one bad value is refused whole, naming its line and field.",
        };
        var db = DbOption();
        var cmd = new Command("ingest", "Ingest files into the store; each file in one transaction, skipped when its SHA-256 was ingested before.")
        {
            paths, kind, map, symbol, venue, market, interval, listKinds, maxUnzipped, maxRatio, replace, setAside, db,
        };
        paths.Arity = ArgumentArity.ZeroOrMore;
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            if (parse.GetValue(listKinds))
            {
                foreach (var i in BuiltInImporters.All.Append(new MappedBarImporter(new BarMapping(new Dictionary<string, string>(), ""))))
                    console.MarkupLine($"[bold]{Markup.Escape(i.Kind)}[/]  {Markup.Escape(i.Description)}");
                return Task.FromResult(0);
            }
            if (parse.GetValue(paths) is not { Length: > 0 })
                throw new ArgumentException("data ingest: give at least one file or directory.");
            IReadOnlyList<IImporter>? importers = null;
            var forcedKind = parse.GetValue(kind);
            if (parse.GetValue(map) is { } mapText)
            {
                var mapping = new BarMapping(BarMapping.ParsePairs(mapText),
                    parse.GetValue(symbol) ?? throw new ArgumentException("--map needs --symbol."),
                    parse.GetValue(venue)!, parse.GetValue(market)!, parse.GetValue(venue)!, parse.GetValue(interval));
                importers = [new MappedBarImporter(mapping)];
                forcedKind = "mapped";
            }
            using var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Create), readOnly: false, WriterLockWait);
            var ingestor = new Ingestor(store, importers)
            {
                ArchiveLimits = ArchiveLimits.Default with { MaxBytes = parse.GetValue(maxUnzipped), MaxRatio = parse.GetValue(maxRatio) },
                ConflictPolicy = parse.GetValue(replace) ? ConflictPolicy.Replace : ConflictPolicy.Keep,
                QuarantineLines = parse.GetValue(setAside),
            };
            long rows = 0, conflicts = 0;
            int ingested = 0, skipped = 0, unknown = 0;
            var results = ingestor.Ingest(parse.GetValue(paths)!, forcedKind, r =>
            {
                var name = Markup.Escape(Path.GetRelativePath(Directory.GetCurrentDirectory(), r.Path));
                switch (r.Status)
                {
                    case IngestStatus.Ingested:
                        ingested++;
                        rows += r.Rows;
                        console.MarkupLine($"[green]ingested[/] {name} [grey]({r.Kind}, {r.Rows:N0} rows, {r.Elapsed.TotalSeconds:0.00} s: {Markup.Escape(r.Detail ?? "")})[/]");
                        foreach (var bad in (r.Rejected ?? []).Take(20))
                            console.MarkupLine($"[yellow]  set aside line {bad.Line}: {Markup.Escape(bad.Problem)}[/]");
                        if (r.Rejected is { Count: > 20 } many) console.MarkupLine($"[yellow]  … and {many.Count - 20:N0} more lines set aside[/]");
                        if (r.Conflicts > 0)
                        {
                            conflicts += r.Conflicts;
                            console.MarkupLine(parse.GetValue(replace)
                                ? $"[yellow]  {r.Conflicts:N0} stored rows replaced by this file's different values; `liqlab data revert {name}` restores them.[/]"
                                : $"[yellow]  {r.Conflicts:N0} rows differ from the stored values for the same key: the stored values were kept and this file's saved as revisions " +
                                  "(`liqlab data validate` lists them; ingest with --replace to make this file win).[/]");
                        }
                        break;
                    case IngestStatus.AlreadyIngested:
                        skipped++;
                        console.MarkupLine($"[grey]unchanged {name} (already ingested as {r.Kind})[/]");
                        break;
                    default:
                        unknown++;
                        console.MarkupLine($"[grey]skipped   {name} (not a data file LiquidationLab knows)[/]");
                        break;
                }
            });
            console.MarkupLine($"{ingested} files ingested ({rows:N0} rows), {skipped} unchanged, {unknown} not recognised → {Markup.Escape(store.Path)}" +
                               (conflicts > 0 ? $"; {conflicts:N0} conflicting rows" : ""));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Revert()
    {
        var file = new Argument<string>("file") { Description = "The ingested file: its path (as ingested, or a unique ending) or its SHA-256." };
        var db = DbOption();
        var cmd = new Command("revert", "Undo one ingested file: remove its rows, bring back the values it replaced (or kept out), and forget it so it can be ingested again.")
        {
            file, db,
        };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Update), readOnly: false, WriterLockWait);
            var r = IngestRevert.Revert(store, parse.GetValue(file)!);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Reverted {r.FilePath} ({r.Sha256[..12]}…): {r.RowsRemoved:N0} rows removed, {r.RowsRestored:N0} earlier values restored.")));
            foreach (var (other, rows) in r.RedeliveredBy)
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"  {other} had re-delivered {rows:N0} of its rows (stored once, so now gone): revert and ingest it again to get them back.")));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Export()
    {
        var output = new Option<string>("--out") { Description = "Snapshot folder (its *.parquet and manifest.json are replaced; other files kept).", DefaultValueFactory = _ => "data/real" };
        var sourceRoot = new Option<string?>("--source-root") { Description = "Raw-data root the store was ingested from; source paths are written relative to it (default: the folder all ingested files share)." };
        var db = DbOption();
        var cmd = new Command("export", "Write the store's data tables as a compact snapshot (zstd Parquet per table + manifest.json with every source file's path and SHA-256); `data ingest` loads it.")
        {
            output, sourceRoot, db,
        };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            SnapshotManifest manifest;
            using (var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Read), readOnly: true))
                manifest = StoreSnapshot.Export(store, folder, parse.GetValue(sourceRoot));
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Table");
            t.AddColumn("Rows", c => c.RightAligned());
            t.AddColumn("Bytes", c => c.RightAligned());
            long total = 0;
            foreach (var table in manifest.Tables)
            {
                var bytes = new FileInfo(Path.Combine(folder, table.File)).Length;
                total += bytes;
                t.AddRow(table.Table, table.Rows.ToString("N0", CultureInfo.InvariantCulture), bytes.ToString("N0", CultureInfo.InvariantCulture));
            }
            console.Write(t);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Snapshot {folder}: {manifest.Tables.Count} tables, {manifest.Tables.Sum(x => x.Rows):N0} rows, {manifest.Sources.Count} source files, {total / 1e6:0.00} MB of Parquet.")));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Status()
    {
        var db = DbOption();
        var cmd = new Command("status", "Per table: rows, symbols, first and last time.") { db };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            // An existing store only (reading never creates one); opened for writing as before, so an older schema is migrated.
            using var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Update), readOnly: false, WriterLockWait);
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Table");
            t.AddColumn("Rows", c => c.RightAligned());
            t.AddColumn("Symbols / instruments");
            t.AddColumn("First (UTC)");
            t.AddColumn("Last (UTC)");
            foreach (var s in StoreStatus.Read(store))
                t.AddRow(s.Table, s.Rows.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(s.Symbols),
                    s.FirstTime?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                    s.LastTime?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-");
            console.MarkupLine($"Store {Markup.Escape(store.Path)} (schema v{store.SchemaVersion})");
            console.Write(t);
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Validate()
    {
        var db = DbOption();
        var cmd = new Command("validate", "Check the store: gaps, duplicates, non-positive prices or sizes, inconsistent OHLC, non-monotonic time, crossed books. Exit code 1 on errors.") { db };
        cmd.SetAction((parse, _) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            // An existing store only (reading never creates one); opened for writing as before, so an older schema is migrated.
            using var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Update), readOnly: false, WriterLockWait);
            var findings = StoreValidator.Validate(store);
            if (findings.Count == 0)
            {
                console.MarkupLine("[green]No findings.[/]");
                return Task.FromResult(0);
            }
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Severity");
            t.AddColumn("Table");
            t.AddColumn("Check");
            t.AddColumn("Count", c => c.RightAligned());
            t.AddColumn("Example");
            foreach (var f in findings)
                t.AddRow(f.Severity == FindingSeverity.Error ? "[red]error[/]" : "[yellow]warning[/]", f.Table, Markup.Escape(f.Check),
                    f.Count.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(f.Example));
            console.Write(t);
            var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
            console.MarkupLine($"{errors} error(s), {findings.Count - errors} warning(s).");
            return Task.FromResult(errors > 0 ? 1 : 0);
        });
        return cmd;
    }

    private static Command Fetch()
    {
        var fetch = new Command("fetch", "Download exchange archives.");
        var symbol = new Option<string>("--symbol")
        {
            Description = "USDⓈ-M symbol, as Binance spells it (2 to 30 capital letters and digits).",
            DefaultValueFactory = _ => "BTCUSDT",
        };
        symbol.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>() ?? "";
            if (!BinanceVisionDownloader.IsSymbol(text.ToUpperInvariant()))
                r.AddError($"--symbol: expected a Binance USDⓈ-M symbol (2 to 30 letters and digits, e.g. BTCUSDT), found '{(text.Length > 40 ? text[..40] + "…" : text)}'.");
        });
        var kinds = new Option<string>("--kinds")
        {
            Description = "Comma-separated: aggTrades, trades, klines:<interval>, metrics, fundingRate, bookDepth, liquidationSnapshot. " +
                          "Liquidation prints with the market data to map before each one: liquidationSnapshot,klines:5m,metrics (see docs/data.md).",
            DefaultValueFactory = _ => "aggTrades,metrics,fundingRate,klines:5m",
        };
        var from = new Option<string>("--from") { Description = "First day, yyyy-MM-dd (UTC).", Required = true };
        var to = new Option<string>("--to") { Description = "Last day, yyyy-MM-dd (UTC), inclusive.", Required = true };
        var baseUrl = OptionRules.Url("--base-url", "https://data.binance.vision/", "Archive server.", "https", "http");
        var dest = new Option<string>("--dest") { Description = "Where archives are kept (resumable); nothing is written outside it.", DefaultValueFactory = _ => "data/binance-vision" };
        var attempts = new Option<int>("--attempts")
        {
            Description = "Attempts per request, with exponential backoff; 1–20.",
            DefaultValueFactory = _ => 4,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 20) return n;
                r.AddError($"--attempts: expected a whole number from 1 to 20, found '{text}'.");
                return 4;
            },
        };
        var maxUnzipped = OptionRules.Number("--max-unzipped-bytes", ArchiveLimits.Default.MaxBytes, 1 << 20, 1e15, "Most bytes a .zip entry may expand to.");
        var maxRatio = OptionRules.Number("--max-unzip-ratio", ArchiveLimits.Default.MaxRatio, 1, 1_000_000, "Most expansion of a .zip entry (uncompressed ÷ compressed), a zip-bomb defence.");
        var noIngest = new Option<bool>("--no-ingest") { Description = "Only download; do not ingest into the store." };
        var db = DbOption();
        var binance = new Command("binance",
            "Binance Vision USDⓈ-M daily/monthly archives, verified against their .CHECKSUM (zip CRC-32 where Binance publishes none), then ingested. " +
            "liquidationSnapshot comes from data3/liquidationSnapshot/ (mid-2023 to 2024-03-31).")
        {
            symbol, kinds, from, to, baseUrl, dest, attempts, maxUnzipped, maxRatio, noIngest, db,
        };
        binance.SetAction(async (parse, ct) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var plan = BinanceVisionDownloader.Plan(parse.GetValue(symbol)!.ToUpperInvariant(),
                parse.GetValue(kinds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                BinanceVisionDownloader.ParseDate(parse.GetValue(from)!, "--from"), BinanceVisionDownloader.ParseDate(parse.GetValue(to)!, "--to"));
            var baseUri = new Uri(parse.GetValue(baseUrl)!.ToString().TrimEnd('/') + "/");
            var limits = ArchiveLimits.Default with { MaxBytes = (long)parse.GetValue(maxUnzipped), MaxRatio = parse.GetValue(maxRatio) };
            using var http = new HttpClient();
            var downloader = new BinanceVisionDownloader(http, new DownloaderOptions
            {
                BaseUrl = baseUri,
                Destination = Path.GetFullPath(parse.GetValue(dest)!),
                Attempts = parse.GetValue(attempts),
                ArchiveLimits = limits,
            });
            console.MarkupLine($"Fetching {plan.Count} archives from {Markup.Escape(baseUri.ToString())}");
            IReadOnlyList<FetchResult> results = [];
            if (console.Profile.Capabilities.Interactive)
            {
                await console.Progress().StartAsync(async p =>
                {
                    var task = p.AddTask("archives", maxValue: plan.Count);
                    results = await downloader.FetchAllAsync(plan, new Progress<(FetchResult Result, int Done, int Total)>(x => task.Value = x.Done), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                foreach (var r in results) Report(console, r);
            }
            else
            {
                results = await downloader.FetchAllAsync(plan, new InlineProgress(x => Report(console, x.Result, $"[{x.Done}/{x.Total}] ")), ct).ConfigureAwait(false);
            }
            var bad = results.Count(r => r.Status is FetchStatus.ChecksumMismatch or FetchStatus.Failed);
            var missing = results.Count(r => r.Status == FetchStatus.Missing);
            var files = results.Where(r => r.LocalPath is not null).Select(r => r.LocalPath!).ToList();
            console.MarkupLine($"{results.Count(r => r.Status == FetchStatus.Downloaded)} downloaded, {results.Count(r => r.Status == FetchStatus.AlreadyPresent)} already present, " +
                               $"{missing} missing, {bad} rejected or failed.");
            if (!parse.GetValue(noIngest) && files.Count > 0)
            {
                using var store = Workspace.OpenStore(Workspace.StorePath(parse.GetValue(db), StoreUse.Create), readOnly: false, WriterLockWait);
                var ingested = new Ingestor(store) { ArchiveLimits = limits }.Ingest(files);
                console.MarkupLine($"Ingested {ingested.Count(r => r.Status == IngestStatus.Ingested)} files " +
                                   $"({ingested.Sum(r => r.Rows):N0} rows), {ingested.Count(r => r.Status == IngestStatus.AlreadyIngested)} unchanged → {Markup.Escape(store.Path)}");
            }
            return bad > 0 ? 1 : 0;
        });
        fetch.Add(binance);
        return fetch;
    }

    private static void Report(IAnsiConsole console, FetchResult r, string prefix = "")
    {
        var colour = r.Status switch
        {
            FetchStatus.Downloaded => "green",
            FetchStatus.AlreadyPresent => "grey",
            FetchStatus.Missing => "yellow",
            _ => "red",
        };
        console.MarkupLine($"{Markup.Escape(prefix)}[{colour}]{r.Status.ToString().ToLowerInvariant()}[/] {Markup.Escape(r.Message)}");
    }

    /// <summary>Reports synchronously on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<(FetchResult Result, int Done, int Total)> report) : IProgress<(FetchResult Result, int Done, int Total)>
    {
        public void Report((FetchResult Result, int Done, int Total) value) => report(value);
    }
}
