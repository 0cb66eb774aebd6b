using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>
/// What a <c>--map</c> declares for a bar CSV of an unknown layout: source column → canonical name, plus the
/// identity of the series.
/// </summary>
/// <param name="Columns">Source column → canonical name: <c>time</c> (required: epoch s/ms/µs or an ISO date-time, UTC),
/// <c>open high low close volume</c> (→ klines, all four prices needed), <c>oi_usd oi_base</c> (→ open_interest),
/// <c>funding_rate</c> (fraction → funding_rates), <c>long_usd short_usd</c> (→ liquidation_totals).</param>
/// <param name="Symbol">Symbol of the series, e.g. <c>BTCUSDT</c>.</param>
/// <param name="Venue">Venue, e.g. <c>binance-usdm</c>; also the liquidation exchange scope unless <paramref name="Scope"/> is set.</param>
/// <param name="Market"><c>perp</c> or <c>spot</c>, for klines.</param>
/// <param name="Source">Source label stored with OI, funding and liquidation rows.</param>
/// <param name="Interval">Bar interval label, or <c>null</c> to read it from the file name or the row spacing.</param>
/// <param name="Scope">Exchange scope of liquidation totals, or <c>null</c> for <paramref name="Venue"/>.</param>
public sealed record BarMapping(
    IReadOnlyDictionary<string, string> Columns, string Symbol, string Venue = "custom", string Market = "perp",
    string Source = "custom", string? Interval = null, string? Scope = null)
{
    /// <summary>The canonical names a mapping may target.</summary>
    public static IReadOnlySet<string> CanonicalNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "time", "open", "high", "low", "close", "volume", "oi_usd", "oi_base", "funding_rate", "long_usd", "short_usd",
    };

    /// <summary>Parses <c>col=name,col=name,…</c>.</summary>
    /// <exception cref="FormatException">A pair without '=', an unknown canonical name, a name mapped twice, or no <c>time</c>.</exception>
    public static Dictionary<string, string> ParsePairs(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1) throw new FormatException($"--map: '{pair}' is not column=name.");
            var (column, name) = (pair[..eq].Trim(), pair[(eq + 1)..].Trim());
            if (!CanonicalNames.Contains(name))
                throw new FormatException($"--map: '{name}' is not one of {string.Join(", ", CanonicalNames)}.");
            if (map.ContainsValue(name)) throw new FormatException($"--map: '{name}' is mapped twice.");
            map[column] = name;
        }
        if (!map.ContainsValue("time")) throw new FormatException("--map: one column must map to 'time'.");
        return map;
    }
}

/// <summary>
/// Imports a bar CSV of any layout through a <see cref="BarMapping"/>: the mapping becomes a <see cref="BarLayout"/>
/// for the file's header, and <see cref="BarCsvImporter"/> does the rest (read_csv with explicit types, overlap-aware merge).
/// </summary>
public sealed class MappedBarImporter(BarMapping mapping) : IImporter
{
    private static readonly string[] Ohlc = ["open", "high", "low", "close"];

    /// <inheritdoc />
    public string Kind => "mapped";

    /// <inheritdoc />
    public string Description => "Bar CSV with a header, through --map col=name,… (time, open, high, low, close, volume, oi_usd, oi_base, funding_rate, long_usd, short_usd).";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine is not null && mapping.Columns.Keys.All(c => Header(probe).Contains(c));

    private static string[] Header(FileProbe probe) => probe.FirstLine!.Split(',').Select(h => h.Trim().Trim('"')).ToArray();

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        if (context.Probe.FirstLine is null) throw new IngestException(context.Path, "the file is empty.");
        var header = Header(context.Probe);
        var missing = mapping.Columns.Keys.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new IngestException(context.Path, $"line 1: --map names column(s) {string.Join(", ", missing)} that the header lacks ({string.Join(",", header)}).");
        var names = mapping.Columns.Values.ToHashSet(StringComparer.Ordinal);
        var complete = Ohlc.All(names.Contains) || names.Contains("oi_usd") || names.Contains("oi_base")
                       || names.Contains("funding_rate") || (names.Contains("long_usd") && names.Contains("short_usd"));
        if (!complete)
            throw new IngestException(context.Path, "--map maps no complete target: give open,high,low,close or oi_usd/oi_base or funding_rate or long_usd,short_usd.");
        var canon = mapping.Columns.ToDictionary(kv => kv.Value, kv => Sql.Identifier(kv.Key));
        var columns = header.Select(h => (h, mapping.Columns.TryGetValue(h, out var n) && n != "time" ? "DOUBLE" : "VARCHAR")).ToArray();
        // The time format is decided once per file from its first row: integer epochs (unit by magnitude) or date-times.
        var timeSource = mapping.Columns.First(kv => kv.Value == "time").Key;
        var timeKind = EpochUnits.Detect(context.Probe.Head, hasHeader: true, Array.IndexOf(header, timeSource)) is null ? BarTime.Zoned : BarTime.Epoch;
        static string S(string v) => Sql.Literal(v);
        string? C(string name) => canon.TryGetValue(name, out var c) ? c : null;
        var layout = new BarLayout("mapped", "mapped by --map", context.Probe.FirstLine.Trim(), ".", columns, timeSource, timeKind, interval =>
        {
            var list = new List<BarProjection>();
            if (C("open") is { } o && C("high") is { } h && C("low") is { } l && C("close") is { } cl)
                list.Add(new("klines", ["venue", "symbol", "market", "interval", "open_time"], "open_time",
                [
                    ("venue", S(mapping.Venue)), ("symbol", S(mapping.Symbol)), ("market", S(mapping.Market)), ("interval", S(interval)),
                    ("open_time", "ts"), ("open", o), ("high", h), ("low", l), ("close", cl), ("volume", C("volume") ?? "NULL"),
                ]));
            if (C("oi_usd") is not null || C("oi_base") is not null)
                list.Add(new("open_interest", ["venue", "symbol", "source", "interval", "time"], "time",
                [
                    ("venue", S(mapping.Venue)), ("symbol", S(mapping.Symbol)), ("source", S(mapping.Source)), ("interval", S(interval)),
                    ("time", "ts"), ("oi_usd", C("oi_usd") ?? "NULL"), ("oi_base", C("oi_base") ?? "NULL"),
                ]));
            if (C("funding_rate") is { } f)
                list.Add(new("funding_rates", ["venue", "symbol", "source", "funding_time"], "funding_time",
                [
                    ("venue", S(mapping.Venue)), ("symbol", S(mapping.Symbol)), ("source", S(mapping.Source)), ("interval", S(interval)),
                    ("funding_time", "ts"), ("funding_rate", f),
                ]));
            if (C("long_usd") is { } lu && C("short_usd") is { } su)
                list.Add(new("liquidation_totals", ["source", "exchange_scope", "symbol", "interval", "period_start"], "period_start",
                [
                    ("source", S(mapping.Source)), ("exchange_scope", S(mapping.Scope ?? mapping.Venue)), ("symbol", S(mapping.Symbol)),
                    ("interval", S(interval)), ("period_start", "ts"), ("long_usd", lu), ("short_usd", su),
                ]));
            return list.ToArray();
        });
        return new BarCsvImporter(layout, mapping.Interval).Import(context);
    }
}
