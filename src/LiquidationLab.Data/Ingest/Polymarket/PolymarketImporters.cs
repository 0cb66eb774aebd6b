using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Polymarket;

/// <summary>
/// Polymarket CLOB JSON: order-book series (arrays of <c>{bids, asks, timestamp, …}</c>), single <c>/book</c> responses
/// and websocket <c>book</c> messages → <c>book_snapshots</c>; trade series, <c>last_trade_price</c> prints and user-channel
/// trades → <c>book_trades</c>; CLOB <c>/markets</c> pages and market-metadata JSONL (optionally gzip) → <c>instruments</c>.
/// Prices and sizes arrive as strings and are stored as exact decimals. Book levels are numbered from the best price
/// (bids descending, asks ascending). Instrument ids are the CLOB token (<c>asset_id</c>); for the l2-collector files,
/// which carry none, <c>&lt;asset&gt;-updown-&lt;window&gt;-&lt;epoch&gt;-&lt;up|down&gt;</c> from the path.
/// </summary>
public sealed partial class PolymarketJsonImporter : IImporter
{
    private const string Venue = "polymarket";

    /// <inheritdoc />
    public string Kind => "polymarket-json";

    /// <inheritdoc />
    public string Description => "Polymarket CLOB JSON: book series/snapshots, trades and last_trade_price prints, /markets pages, market-metadata JSONL.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe)
    {
        var name = probe.FileName;
        var json = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                   || name.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase);
        if (!json) return false;
        var h = probe.Head;
        return h.Contains("\"bids\"", StringComparison.Ordinal) || h.Contains("\"asks\"", StringComparison.Ordinal)
            || h.Contains("\"last_trade_price\"", StringComparison.Ordinal) || h.Contains("\"taker_order_id\"", StringComparison.Ordinal)
            || (h.Contains("\"condition_id\"", StringComparison.Ordinal) && (h.Contains("\"tokens\"", StringComparison.Ordinal) || h.Contains("\"token_ids\"", StringComparison.Ordinal)))
            || (h.TrimStart().StartsWith('[') && h.Contains("\"price\"", StringComparison.Ordinal) && h.Contains("\"side\"", StringComparison.Ordinal));
    }

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var w = new Writer(context);
        try
        {
            if (context.Probe.FileName.Contains(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                using var reader = ImportFiles.OpenText(context.Path);
                string? line;
                var n = 0;
                while ((line = reader.ReadLine()) is not null)
                {
                    n++;
                    if (line.Length == 0) continue;
                    using var doc = ParseOrThrow(line, context.Path, $"line {n}");
                    w.Where = $"line {n}";
                    w.MarketMetadata(doc.RootElement);
                }
            }
            else
            {
                using var reader = ImportFiles.OpenText(context.Path);
                using var doc = ParseOrThrow(reader.ReadToEnd(), context.Path, "document");
                w.Document(doc.RootElement);
            }
        }
        finally
        {
            w.Dispose();
        }
        return new ImportOutcome(w.Rows, w.First, w.Last, w.Detail());
    }

    private static JsonDocument ParseOrThrow(string text, string path, string where)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new IngestException(path, $"{where}: invalid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"(?:^|[/\\])(\d+[mh])[/\\](\w+)[/\\](?:orderbooks|trades)[/\\](\d+)(up|down)\.json$", RegexOptions.IgnoreCase)]
    private static partial Regex CollectorPath();

    private sealed class Writer(ImportContext context) : IDisposable
    {
        private TableWriter<BookSnapshotRow>? _books;
        private TableWriter<BookTradeRow>? _trades;
        private TableWriter<InstrumentRow>? _instruments;
        public long BookRows, Snapshots, TradeRows, InstrumentRows;
        public DateTime? First, Last;
        public string Where = "document";

        public long Rows => BookRows + TradeRows + InstrumentRows;

        public string Detail() => $"book_snapshots +{BookRows} ({Snapshots} books); book_trades +{TradeRows}; instruments +{InstrumentRows}";

        private TableWriter<BookSnapshotRow> Books => _books ??= new(context.Store.Connection);
        private TableWriter<BookTradeRow> Trades => _trades ??= new(context.Store.Connection);
        private TableWriter<InstrumentRow> Instruments => _instruments ??= new(context.Store.Connection);

        private IngestException Bad(string problem) => new(context.Path, $"{Where}: {problem}");

        private string FallbackInstrument()
        {
            var m = CollectorPath().Match(context.Path);
            return m.Success
                ? $"{m.Groups[2].Value.ToLowerInvariant()}-updown-{m.Groups[1].Value.ToLowerInvariant()}-{m.Groups[3].Value}-{m.Groups[4].Value.ToLowerInvariant()}"
                : Path.GetFileNameWithoutExtension(context.Path);
        }

        public void Document(JsonElement root)
        {
            if (root.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var e in root.EnumerateArray())
                {
                    Where = $"element {i++}";
                    Element(e);
                }
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var m in data.EnumerateArray())
                {
                    Where = $"data[{i++}]";
                    MarketMetadata(m);
                }
            }
            else
            {
                Element(root);
            }
        }

        private void Element(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Bad($"expected an object, found {e.ValueKind}.");
            if (e.TryGetProperty("bids", out _) || e.TryGetProperty("asks", out _)) Book(e);
            else if (e.TryGetProperty("price", out _) && e.TryGetProperty("size", out _)) Trade(e);
            else if (e.TryGetProperty("condition_id", out _)) MarketMetadata(e);
            else throw Bad("not a book, trade or market object.");
        }

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null } : null;

        private decimal Dec(JsonElement e, string name, string where)
        {
            var s = Str(e, name) ?? throw Bad($"{where}.{name} is missing.");
            if (!decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw Bad($"{where}.{name} is not a number: '{s}'.");
            return d;
        }

        // Epoch unit per field and per file, from its first value (timestamp: ms; match_time: seconds): a value in another
        // unit later in the file lands outside the time bounds instead of being guessed right.
        private readonly Dictionary<string, bool> _seconds = new(StringComparer.Ordinal);

        private DateTime Time(JsonElement e)
        {
            var name = Str(e, "timestamp") is not null ? "timestamp" : "match_time";
            var s = Str(e, name) ?? throw Bad("timestamp is missing.");
            if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) throw Bad($"{name} is not an integer: '{s}'.");
            if (!_seconds.TryGetValue(name, out var seconds)) _seconds[name] = seconds = EpochUnits.Of(v) == EpochUnit.Seconds;
            if (Math.Abs(v) >= 9_000_000_000_000_000 / (seconds ? 1000 : 1)) throw Bad($"{name} {v} is no time in {(seconds ? "seconds" : "milliseconds")}.");
            var t = seconds ? DateTime.UnixEpoch.AddSeconds(v) : DateTime.UnixEpoch.AddMilliseconds(v);
            if (!TimeBounds.Contains(t)) throw Bad($"{name} {v} read in {(seconds ? "seconds" : "milliseconds")} (the unit of the file's first {name}): {TimeBounds.Describe(t)}.");
            if (First is null || t < First) First = t;
            if (Last is null || t > Last) Last = t;
            return t;
        }

        private void Book(JsonElement e)
        {
            var instrument = Str(e, "asset_id") ?? FallbackInstrument();
            var time = Time(e);
            foreach (var (side, descending) in new[] { ("bids", true), ("asks", false) })
            {
                if (!e.TryGetProperty(side, out var levels) || levels.ValueKind != JsonValueKind.Array) continue;
                var parsed = new List<(decimal Price, decimal Size)>(levels.GetArrayLength());
                var j = 0;
                foreach (var l in levels.EnumerateArray())
                {
                    var where = $"{side}[{j++}]";
                    var price = Dec(l, "price", where);
                    var size = Dec(l, "size", where);
                    if (price <= 0 || price >= 1) throw Bad($"{where}.price {price} is outside (0, 1).");
                    if (size < 0) throw Bad($"{where}.size {size} is negative.");
                    parsed.Add((price, size));
                }
                parsed.Sort((a, b) => descending ? b.Price.CompareTo(a.Price) : a.Price.CompareTo(b.Price));
                var level = 0;
                foreach (var (price, size) in parsed)
                {
                    Books.Append(new BookSnapshotRow(Venue, instrument, time, side == "bids" ? "bid" : "ask", ++level, price, size, context.FileId));
                    BookRows++;
                }
            }
            Snapshots++;
        }

        private void Trade(JsonElement e)
        {
            var instrument = Str(e, "asset_id") ?? FallbackInstrument();
            var side = Str(e, "side")?.ToUpperInvariant();
            var price = Dec(e, "price", "trade");
            var size = Dec(e, "size", "trade");
            if (price <= 0 || price >= 1) throw Bad($"trade.price {price} is outside (0, 1).");
            if (size <= 0) throw Bad($"trade.size {size} is not positive.");
            Trades.Append(new BookTradeRow(Venue, instrument, Time(e), price, size, side, Str(e, "id"), context.FileId));
            TradeRows++;
        }

        public void MarketMetadata(JsonElement m)
        {
            var condition = Str(m, "condition_id") ?? throw Bad("condition_id is missing.");
            var description = Str(m, "question") ?? Str(m, "slug");
            DateTime? starts = m.TryGetProperty("start_sec", out var s) && s.TryGetInt64(out var ss) ? DateTime.UnixEpoch.AddSeconds(ss) : null;
            DateTime? ends = m.TryGetProperty("end_sec", out var en) && en.TryGetInt64(out var es) ? DateTime.UnixEpoch.AddSeconds(es)
                : Str(m, "end_date_iso") is { } iso && DateTime.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d) ? d : null;
            var tokens = new List<(string Id, string? Outcome)>();
            if (m.TryGetProperty("tokens", out var tk) && tk.ValueKind == JsonValueKind.Array)
                foreach (var t in tk.EnumerateArray()) if (Str(t, "token_id") is { Length: > 0 } id) tokens.Add((id, Str(t, "outcome")));
            if (m.TryGetProperty("token_ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
            {
                var k = 0;
                foreach (var t in ids.EnumerateArray()) tokens.Add((t.GetString()!, k++ == 0 ? "Up" : "Down"));
            }
            if (tokens.Count == 0) tokens.Add((condition, null));
            foreach (var (id, outcome) in tokens)
            {
                Instruments.Append(new InstrumentRow(Venue, id, condition, outcome is null ? "market" : "outcome-token",
                    outcome is null ? description : $"{description} [{outcome}]", starts, ends, m.GetRawText(), context.FileId));
                InstrumentRows++;
            }
        }

        public void Dispose()
        {
            _books?.Dispose();
            _trades?.Dispose();
            _instruments?.Dispose();
        }
    }
}
