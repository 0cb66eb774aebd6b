using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Hyperliquid;

/// <summary>
/// Real liquidation levels of the largest Hyperliquid accounts, as published by <c>kittycapital/liquidation-heatmap</c>
/// (one snapshot per line: <c>{commit, commit_unix, lastUpdated, tradersCount, coins: {COIN: {currentPrice, totalLongValue,
/// totalShortValue, positionCount, longLiquidations: [{price, value, cumulative, 10x, 25x, 50x, 100x}], shortLiquidations:
/// […]}}}</c>), into <c>position_level_buckets</c>: one row per snapshot, coin, side, price bucket and leverage class with a
/// non-zero value. <c>cumulative</c> (a running sum) and the totals are derived values and not stored.
/// </summary>
/// <remarks>
/// Every line is checked: the snapshot time (<c>lastUpdated</c>, ISO-8601 UTC) within <see cref="TimeBounds"/>; prices
/// finite and positive; values finite, non-negative and at most 10¹⁵; the four classes summing to <c>value</c>; long buckets
/// below <c>currentPrice</c> and short buckets above it. One bad value refuses the file naming the line and the field. A line
/// longer than <see cref="MaxLineChars"/> is refused before it is read whole. A snapshot (coin, time) the store already holds
/// from another file, or that the same file repeats, is not stored again (counted in the detail).
/// </remarks>
public sealed partial class TopTraderLevelsImporter : IImporter
{
    /// <summary>The <c>source</c> of the rows.</summary>
    public const string Source = "kittycapital-hl-top-traders";

    /// <summary>The <c>venue</c> of the rows.</summary>
    public const string Venue = "hyperliquid";

    /// <summary>Longest line accepted, in characters: 1 MiB (a real snapshot line is about 5,600).</summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>Most buckets accepted per coin and side: 10,000 (the real file has at most a few dozen).</summary>
    public const int MaxBuckets = 10_000;

    /// <summary>The publisher's leverage classes (field names and the stored class).</summary>
    private static readonly (string Field, int Class)[] Classes = [("10x", 10), ("25x", 25), ("50x", 50), ("100x", 100)];

    /// <inheritdoc />
    public string Kind => "hyperliquid-top-trader-levels";

    /// <inheritdoc />
    public string Description => "Hyperliquid top-trader liquidation levels (kittycapital liquidation-heatmap snapshots, one JSON per line) into position_level_buckets.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) =>
        probe.Head.TrimStart().StartsWith('{') && probe.Head.Contains("\"tradersCount\"", StringComparison.Ordinal)
        && probe.Head.Contains("\"longLiquidations\"", StringComparison.Ordinal);

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var store = context.Store;
        var stored = StoredSnapshots(store);
        var seen = new HashSet<(string Coin, DateTime Time)>();
        long rows = 0, repeated = 0, snapshots = 0;
        DateTime? first = null, last = null;
        using (var writer = new TableWriter<PositionLevelBucketRow>(store.Connection))
        using (var reader = ImportFiles.OpenText(context.Path))
        {
            long number = 0;
            while (ReadLine(reader, context.Path, number + 1) is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object.");
                    var time = Time(root);
                    var traders = Integer(root, "tradersCount", 1, 1_000_000);
                    var coins = Property(root, "coins", JsonValueKind.Object, "coins");
                    foreach (var coin in coins.EnumerateObject())
                    {
                        var name = coin.Name;
                        if (!CoinName().IsMatch(name)) throw new FormatException($"field coins: '{Cut(name)}' is not a coin name (1–20 letters or digits).");
                        var c = coin.Value;
                        if (c.ValueKind != JsonValueKind.Object) throw new FormatException($"field coins.{name}: expected an object.");
                        var reference = Positive(c, "currentPrice", $"coins.{name}.currentPrice");
                        int? positions = c.TryGetProperty("positionCount", out _) ? Integer(c, "positionCount", 0, 100_000_000, $"coins.{name}.positionCount") : null;
                        var buckets = new List<PositionLevelBucketRow>();
                        foreach (var (side, field) in new[] { ("long", "longLiquidations"), ("short", "shortLiquidations") })
                        {
                            var path = $"coins.{name}.{field}";
                            var array = Property(c, field, JsonValueKind.Array, path);
                            if (array.GetArrayLength() > MaxBuckets)
                                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"field {path}: {array.GetArrayLength():N0} buckets (at most {MaxBuckets:N0})."));
                            var i = 0;
                            foreach (var b in array.EnumerateArray())
                            {
                                var at = string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]");
                                if (b.ValueKind != JsonValueKind.Object) throw new FormatException($"field {at}: expected an object.");
                                var price = Positive(b, "price", at + ".price");
                                if (side == "long" ? price >= reference : price <= reference)
                                    throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                                        $"field {at}.price: {price} is {(side == "long" ? "at or above" : "at or below")} currentPrice {reference}, where no {side} is liquidated."));
                                var value = NonNegative(b, "value", at + ".value");
                                double sum = 0;
                                foreach (var (classField, leverage) in Classes)
                                {
                                    var v = NonNegative(b, classField, $"{at}.{classField}");
                                    sum += v;
                                    if (v > 0) buckets.Add(new PositionLevelBucketRow(time, Venue, Source, name, reference, side, price, leverage, v, traders, positions, context.FileId));
                                }
                                if (Math.Abs(sum - value) > 1e-6 * Math.Max(1, value))
                                    throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                                        $"field {at}.value: {value} is not the sum of its leverage classes 10x + 25x + 50x + 100x ({sum})."));
                            }
                        }
                        if (stored.Contains((name, time)) || !seen.Add((name, time)))
                        {
                            repeated++;
                            continue;
                        }
                        snapshots++;
                        foreach (var row in buckets) writer.Append(row);
                        rows += buckets.Count;
                        first = first is { } f && f < time ? f : time;
                        last = last is { } l && l > time ? l : time;
                    }
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
                {
                    throw new IngestException(context.Path, string.Create(CultureInfo.InvariantCulture, $"line {number}: {ex.Message}"), ex);
                }
            }
        }
        context.CheckedTables.Add("position_level_buckets");
        var detail = string.Create(CultureInfo.InvariantCulture, $"position_level_buckets +{rows} ({snapshots} coin snapshots") +
                     (repeated > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {repeated} already stored, not stored again)") : ")");
        return new ImportOutcome(rows, first, last, detail);
    }

    /// <summary>The (coin, time) snapshots of this source the store holds already.</summary>
    private static HashSet<(string, DateTime)> StoredSnapshots(LabStore store)
    {
        var set = new HashSet<(string, DateTime)>();
        using var cmd = store.Command("SELECT DISTINCT coin, time FROM position_level_buckets WHERE source = $1", Source);
        using var r = cmd.ExecuteReader();
        while (r.Read()) set.Add((r.GetString(0), r.GetDateTime(1)));
        return set;
    }

    /// <summary>Reads one line, refusing (before reading it whole) a line longer than <see cref="MaxLineChars"/>.</summary>
    private static string? ReadLine(StreamReader reader, string path, long number)
    {
        if (reader.Peek() < 0) return null;
        var sb = new StringBuilder();
        int ch;
        while ((ch = reader.Read()) >= 0)
        {
            if (ch == '\n') break;
            if (sb.Length >= MaxLineChars)
                throw new IngestException(path, string.Create(CultureInfo.InvariantCulture, $"line {number}: longer than {MaxLineChars:N0} characters (a snapshot line is a few thousand)."));
            sb.Append((char)ch);
        }
        if (sb.Length > 0 && sb[^1] == '\r') sb.Length--;
        return sb.ToString();
    }

    private static DateTime Time(JsonElement root)
    {
        var v = Property(root, "lastUpdated", JsonValueKind.String, "lastUpdated");
        var text = v.GetString()!;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            throw new FormatException($"field lastUpdated: '{Cut(text)}' is not an ISO-8601 UTC time.");
        time = DateTime.SpecifyKind(time, DateTimeKind.Utc);
        if (!TimeBounds.Contains(time)) throw new FormatException($"field lastUpdated: {TimeBounds.Describe(time)}.");
        // The store keeps microseconds (TIMESTAMP): drop the finer ticks so a re-read compares equal.
        return new DateTime(time.Ticks - time.Ticks % 10, DateTimeKind.Utc);
    }

    private static JsonElement Property(JsonElement o, string name, JsonValueKind kind, string path) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == kind ? v
            : throw new FormatException(o.TryGetProperty(name, out var w)
                ? $"field {path}: expected {(kind == JsonValueKind.Array ? "an array" : kind == JsonValueKind.Object ? "an object" : "a string")}, found {Cut(w.GetRawText())}."
                : $"field {path}: missing.");

    private static double Number(JsonElement o, string name, string path)
    {
        if (!o.TryGetProperty(name, out var v)) throw new FormatException($"field {path}: missing.");
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? d
            : throw new FormatException($"field {path}: expected a number, found {Cut(v.GetRawText())}.");
    }

    private static double Positive(JsonElement o, string name, string path)
    {
        var v = Number(o, name, path);
        return double.IsFinite(v) && v > 0 && v <= RowRules.MaxMagnitude ? v
            : throw new FormatException($"field {path}: {Cut(o.GetProperty(name).GetRawText())} is not a finite positive number of at most 1e15.");
    }

    private static double NonNegative(JsonElement o, string name, string path)
    {
        var v = Number(o, name, path);
        return double.IsFinite(v) && v >= 0 && v <= RowRules.MaxMagnitude ? v
            : throw new FormatException($"field {path}: {Cut(o.GetProperty(name).GetRawText())} is not a finite non-negative number of at most 1e15.");
    }

    private static int Integer(JsonElement o, string name, int min, int max, string? path = null)
    {
        path ??= name;
        if (!o.TryGetProperty(name, out var v)) throw new FormatException($"field {path}: missing.");
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= min && i <= max ? i
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"field {path}: {Cut(v.GetRawText())} is not a whole number in {min} … {max:N0}."));
    }

    private static string Cut(string text) => text.Length > 60 ? text[..60] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9]{1,20}$")]
    private static partial Regex CoinName();
}
