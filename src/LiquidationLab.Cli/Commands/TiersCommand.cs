using System.CommandLine;
using System.Globalization;
using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Tiers;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab tiers</c>: the leverage-bracket tables (list them, import a saved <c>leverageBracket</c> response).</summary>
internal static class TiersCommand
{
    public static Command Create()
    {
        var cmd = new Command("tiers", "Leverage-bracket (maintenance-margin tier) tables: list them, import a saved Binance leverageBracket response.");
        cmd.Add(List());
        cmd.Add(Import());
        return cmd;
    }

    private static Option<string?> TiersOption() => new("--tiers") { Description = "Tier-table directory (default: LIQLAB_TIERS, beside the binary, or data/tiers/binance-usdm above the current directory)." };

    private static Command List()
    {
        var tiers = TiersOption();
        var cmd = new Command("list", "The symbols with a table: brackets, maximum leverage and notional, effective date, source.") { tiers };
        cmd.SetAction((parse, _) =>
        {
            var store = LeverageBracketTableStore.Locate(parse.GetValue(tiers));
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumn("Symbol");
            t.AddColumn("Brackets", c => c.RightAligned());
            t.AddColumn("Max leverage", c => c.RightAligned());
            t.AddColumn("Max notional (USDT)", c => c.RightAligned());
            t.AddColumn("Effective");
            foreach (var symbol in store.Symbols)
            {
                var table = store.Get(symbol);
                t.AddRow(symbol, table.Brackets.Count.ToString(CultureInfo.InvariantCulture), $"{table.MaxInitialLeverage}x",
                    table.MaxNotionalUsd.ToString("N0", CultureInfo.InvariantCulture), table.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            console.Write(t);
            console.MarkupLine(Markup.Escape($"Tables in {store.Directory}"));
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Import()
    {
        var file = new Argument<string>("FILE") { Description = $"A saved GET /fapi/v1/leverageBracket response (one symbol or all), or CCXT leverage tiers (e.g. freqtrade's binance_leverage_tiers.json); at most {LeverageBracketResponse.MaxFileBytes / (1024 * 1024)} MiB." };
        var symbols = new Option<string[]>("--symbol")
        {
            Description = "Symbols to import, comma-separated or repeated (default: every symbol in the file).",
            AllowMultipleArgumentsPerToken = true,
        };
        var effective = new Option<string?>("--effective-date") { Description = "yyyy-MM-dd the response was taken (default: today, UTC)." };
        var source = new Option<string?>("--source") { Description = "Provenance written into each table (default: the endpoint and the file name)." };
        var output = new Option<string?>("--out") { Description = "Directory to write <SYMBOL>.json into (default: the tier directory in use)." };
        var tiers = TiersOption();
        var force = new Option<bool>("--force") { Description = "Replace tables that already exist." };
        var cmd = new Command("import", "Turns a saved leverageBracket response into validated table files, one per symbol.")
        {
            file, symbols, effective, source, output, tiers, force,
        };
        cmd.SetAction((parse, _) =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
            var date = parse.GetValue(effective) is { } d
                ? DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed
                    : throw new FormatException($"--effective-date: expected yyyy-MM-dd, found '{d}'.")
                : DateOnly.FromDateTime(DateTime.UtcNow);
            var provenance = parse.GetValue(source)
                ?? $"Binance USDⓈ-M GET /fapi/v1/leverageBracket response saved as {Path.GetFileName(path)}, imported with 'liqlab tiers import'.";
            var entries = LeverageBracketResponse.ReadFile(path); // size-capped, every symbol checked against the exchange's grammar
            var wanted = (parse.GetValue(symbols) ?? [])
                .SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(s => s.ToUpperInvariant()).Distinct().ToArray();
            var missing = wanted.Where(w => entries.All(e => e.Symbol != w)).ToArray();
            if (missing.Length > 0)
                throw new KeyNotFoundException($"{path} has no brackets for {string.Join(", ", missing)} ({entries.Count} symbols in the file, e.g. {string.Join(", ", entries.Take(5).Select(e => e.Symbol))}).");
            var chosen = wanted.Length == 0 ? entries : entries.Where(e => wanted.Contains(e.Symbol)).ToList();
            // Every table is validated before anything is written: a bad bracket anywhere leaves the directory as it was.
            var tables = chosen.Select(e => LeverageBracketResponse.ToTable(e, date, provenance, path)).ToList();
            var directory = parse.GetValue(output) is { } o ? Path.GetFullPath(o) : LeverageBracketTableStore.Locate(parse.GetValue(tiers)).Directory;
            Directory.CreateDirectory(directory);
            var targets = tables.ToDictionary(t => t.Symbol, t => TargetPath(directory, t.Symbol), StringComparer.Ordinal);
            var existing = tables.Where(t => File.Exists(targets[t.Symbol])).Select(t => t.Symbol).ToArray();
            if (existing.Length > 0 && !parse.GetValue(force))
                throw new IOException($"{directory} already has tables for {string.Join(", ", existing)}; pass --force to replace them.");
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            foreach (var table in tables)
            {
                var target = targets[table.Symbol];
                var text = LeverageBracketTableJson.Serialize(table);
                LeverageBracketTableJson.Parse(text, target); // the written form must read back as the same validated table
                var temp = target + ".tmp";
                File.WriteAllText(temp, text);
                File.Move(temp, target, overwrite: true);
                console.MarkupLine(Markup.Escape(
                    $"{table.Symbol}: {table.Brackets.Count} brackets, up to {table.MaxInitialLeverage}x, notional cap {table.MaxNotionalUsd:N0} USDT → {target}"));
                if (table.Source.Contains("notionalCoef", StringComparison.Ordinal))
                    console.MarkupLine(Markup.Escape($"warning: {table.Symbol}'s response carried an account-specific notionalCoef; its caps are not Binance's default table."));
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// <c>&lt;directory&gt;/&lt;SYMBOL&gt;.json</c>, refused unless the symbol matches the exchange's grammar and the final full
    /// path lies directly in <paramref name="directory"/> (the parser already refuses other symbols: this is the second lock).
    /// </summary>
    /// <exception cref="ArgumentException">The symbol would name a file elsewhere.</exception>
    internal static string TargetPath(string directory, string symbol)
    {
        var full = Path.GetFullPath(Path.Combine(directory, symbol + ".json"));
        if (!LeverageBracketResponse.IsSymbol(symbol)
            || !string.Equals(Path.GetDirectoryName(full), Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), StringComparison.Ordinal))
            throw new ArgumentException($"--out {directory}: refusing to write the table of symbol '{symbol}' ({full}): symbols are [A-Z0-9]{{2,30}} and tables stay inside --out.");
        return full;
    }
}
