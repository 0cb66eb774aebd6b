using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Binance;

/// <summary>
/// Binance USDⓈ-M websocket recordings: gzip text, one message per line <c>&lt;local_timestamp&gt; &lt;raw JSON&gt;</c>
/// (the format of the nkaz001/hftbacktest recordings, see data/real/SOURCES.md; local timestamps in µs or ns, detected by magnitude).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>@trade</c> with order type <c>X = MARKET</c> → <c>trades</c>, and → <c>agg_trades</c> by merging consecutive
/// trades with equal transact time, price and maker flag (aggregate id = first trade id; quantities summed exactly).</item>
/// <item><c>@trade</c> with any other <c>X</c> (<c>INSURANCE_FUND</c>, <c>LIQUIDATION</c>, …) → <c>liquidation_orders</c>;
/// the side is that of the liquidation order, inferred from the print against the last market trade: above it → BUY
/// (a short was liquidated), below → SELL (a long was liquidated); the trade stream itself carries no order side.</item>
/// <item>REST depth snapshot + <c>@depth</c> diffs → <see cref="OrderBookReplica"/>, sampled every
/// <see cref="SampleIntervalMs"/> of exchange event time into <c>book_snapshots</c> (top <see cref="Levels"/> per side).
/// A file without a snapshot continues the book stored by the previous recording of the symbol when the sequence
/// (<c>pu</c>) connects; gaps stop sampling and are counted in the ingest log.</item>
/// <item><c>@markPrice</c> → <c>funding_rates</c> (source <c>binance-markPrice-ws</c>, the live funding rate and mark
/// price, stored where the rate changes). <c>@bookTicker</c> is not stored.</item>
/// </list>
/// Every row is written with DuckDB's appender inside the file's transaction.
/// </remarks>
public sealed partial class WebSocketRecordingImporter : IImporter
{
    private const string Venue = "binance-usdm";

    /// <summary>Creates the importer.</summary>
    /// <param name="sampleIntervalMs">Book sampling interval in milliseconds of exchange time, ≥ 1; default 1000.</param>
    /// <param name="levels">Levels per side stored per sample, ≥ 1; default 20.</param>
    public WebSocketRecordingImporter(int sampleIntervalMs = 1000, int levels = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleIntervalMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        SampleIntervalMs = sampleIntervalMs;
        Levels = levels;
    }

    /// <summary>Book sampling interval, ms.</summary>
    public int SampleIntervalMs { get; }

    /// <summary>Levels per side per sample.</summary>
    public int Levels { get; }

    /// <inheritdoc />
    public string Kind => "binance-ws-recording";

    /// <inheritdoc />
    public string Description => "Binance USDⓈ-M websocket recording (gzip, '<local ts> <json>' per line): trades, aggTrades, liquidations, book snapshots, funding.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine is { } l && RecordingLine().IsMatch(l);

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var store = context.Store;
        var state = new State(this, context);
        using var reader = ImportFiles.OpenText(context.Path);
        try
        {
            using (var trades = new TableWriter<TradeRow>(store.Connection))
            using (var aggs = new TableWriter<AggTradeRow>(store.Connection))
            using (var liqs = new TableWriter<LiquidationOrderRow>(store.Connection))
            using (var books = new TableWriter<BookSnapshotRow>(store.Connection))
            using (var funding = new TableWriter<FundingRateRow>(store.Connection))
            {
                state.Trades = trades;
                state.Aggs = aggs;
                state.Liquidations = liqs;
                state.Books = books;
                state.Funding = funding;
                var lineNumber = 0;
                string? line;
                while ((line = reader.ReadLine()) is not null)
                {
                    lineNumber++;
                    if (line.Length == 0) continue;
                    string problem;
                    Exception error;
                    try
                    {
                        state.Line(line);
                        continue;
                    }
                    catch (JsonException e)
                    {
                        (problem, error) = (JsonProblem(line, e), e);
                    }
                    catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or OverflowException or ArgumentException)
                    {
                        (problem, error) = (e.Message, e);
                    }
                    // Every handler checks all of a message's values before it appends a row, so a refused line left nothing behind.
                    if (!context.QuarantineLines) throw new IngestException(context.Path, $"line {lineNumber}: {problem}", error);
                    state.Rejected.Add(new RejectedLine(lineNumber, line, problem));
                }
                state.FlushAggregate();
            }
        }
        catch
        {
            state.Prints?.Dispose(); // the staged prints die with the file's transaction
            state.Prints = null;
            throw;
        }
        state.SaveBookState();
        var extras = state.FinishExtras();
        var rows = state.TradeRows + state.AggRows + state.LiquidationRows + state.BookRows + state.FundingRows + state.OpenInterestRows;
        var detail = $"trades +{state.TradeRows}; agg_trades +{state.AggRows}; liquidation_orders +{state.LiquidationRows}; " +
                     $"book_snapshots +{state.BookRows} ({state.Samples} samples of {Levels} levels every {SampleIntervalMs} ms; {state.BookStart}); " +
                     $"depth updates applied {state.Book?.Applied ?? 0}, gaps {state.Book?.Gaps ?? 0}" +
                     (state.Book?.Redelivered > 0 || state.StaleSnapshots > 0 ? $", already applied (re-delivered) {state.Book?.Redelivered ?? 0} updates and {state.StaleSnapshots} snapshots" : "") +
                     $"; funding_rates +{state.FundingRows}; open_interest +{state.OpenInterestRows}{extras}; " +
                     $"local timestamps in {state.LocalUnit}";
        return new ImportOutcome(rows, state.First, state.Last, detail, Rejected: state.Rejected);
    }

    /// <summary>A JSON syntax error named by the field it hit (the last <c>"name":</c> before the error's byte position).</summary>
    private static string JsonProblem(string line, JsonException e)
    {
        var json = line.AsSpan(line.IndexOf(' ', StringComparison.Ordinal) + 1);
        var upTo = (int)Math.Clamp(e.BytePositionInLine ?? json.Length, 0, json.Length);
        var names = JsonName().Matches(json[..upTo].ToString());
        var field = names.Count > 0 ? $"field {names[^1].Groups[1].Value}: " : "";
        return $"{field}not valid JSON at character {upTo + 1} of the message ({e.Message.Split(" LineNumber", 2)[0]})";
    }

    [GeneratedRegex(@"""(\w+)""\s*:")]
    private static partial Regex JsonName();

    [GeneratedRegex(@"^\d{13,19} \{")]
    private static partial Regex RecordingLine();

    private sealed partial class State(WebSocketRecordingImporter owner, ImportContext context)
    {
        public TableWriter<TradeRow> Trades = null!;
        public TableWriter<AggTradeRow> Aggs = null!;
        public TableWriter<LiquidationOrderRow> Liquidations = null!;
        public TableWriter<BookSnapshotRow> Books = null!;
        public TableWriter<FundingRateRow> Funding = null!;
        public long TradeRows, AggRows, LiquidationRows, BookRows, FundingRows, Samples, StaleSnapshots, ForceOrders, OpenInterestRows;
        public TableWriter<PrintStageRow>? Prints;
        public readonly List<RejectedLine> Rejected = [];
        private double _lastMarkPrice = double.NaN;
        private readonly List<(string Symbol, DateTime Time, double Oi, double? OiUsd)> _openInterest = [];
        public DateTime? First, Last;
        public string LocalUnit = "?";
        public string BookStart = "no book";
        public OrderBookReplica? Book;
        private string? _symbol;
        private long _nextSampleMs = long.MinValue;
        private double _lastMarketPrice = double.NaN;
        private double? _lastFundingRate;
        private bool _fundingLookedUp;
        // pending aggregate
        private bool _aggOpen;
        private long _aggFirstId, _aggLastId, _aggTime;
        private string _aggPrice = "";
        private decimal _aggQty;
        private bool _aggMaker;

        public void Line(string line)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var local))
                throw new FormatException("field local timestamp: a recording line is '<local timestamp> <JSON message>'.");
            if (LocalUnit == "?") LocalUnit = local > 100_000_000_000_000_000 ? "ns" : local > 100_000_000_000_000 ? "µs" : "ms";
            using var doc = JsonDocument.Parse(line.AsMemory(space + 1));
            var root = doc.RootElement;
            if (root.TryGetProperty("lastUpdateId", out var lastId))
            {
                Snapshot(lastId.GetInt64(), root, LocalToMs(local));
                return;
            }
            if (!root.TryGetProperty("stream", out var streamEl)) return;
            var stream = streamEl.GetString() ?? "";
            var data = root.GetProperty("data");
            if (stream.EndsWith("@trade", StringComparison.Ordinal)) Trade(data);
            else if (stream.EndsWith("@aggTrade", StringComparison.Ordinal)) AggTrade(data);
            else if (stream.Contains("@depth", StringComparison.Ordinal)) Depth(data);
            else if (stream.Contains("@markPrice", StringComparison.Ordinal)) MarkPrice(data);
            else if (stream.Contains("forceOrder", StringComparison.Ordinal)) ForceOrder(data, local);
            else if (stream.EndsWith("@openInterest", StringComparison.Ordinal)) OpenInterest(data);
        }

        private int? _seriesId;

        // A recording holds one symbol (its rows share one series id and one book): the first message's symbol.
        private string SymbolOf(JsonElement d, string what)
        {
            var symbol = Text(d, "s", what);
            _symbol ??= symbol;
            return symbol == _symbol ? symbol
                : throw new FormatException($"{what}: field s: '{Truncate(symbol)}' in a recording of {_symbol} (one symbol per recording).");
        }

        /// <summary>A string field, or a <see cref="FormatException"/> naming it when it is missing, null or not a string.</summary>
        private static string Text(JsonElement d, string field, string what) =>
            d.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw new FormatException($"{what}: field {field}: {(d.TryGetProperty(field, out var x) ? $"{x.ValueKind.ToString().ToLowerInvariant()} where a string is expected" : "missing")}.");

        /// <summary>A decimal-number string field as a finite double within <see cref="RowRules.MaxMagnitude"/>: positive, or ≥ 0 with <paramref name="zeroAllowed"/>.</summary>
        private static double Number(JsonElement d, string field, string what, bool zeroAllowed = false)
        {
            var text = Text(d, field, what);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v <= RowRules.MaxMagnitude && (v > 0 || (zeroAllowed && v == 0))
                ? v : throw new FormatException($"{what}: field {field}: '{Truncate(text)}' is not a finite {(zeroAllowed ? "non-negative" : "positive")} number of at most 1e15.");
        }

        /// <summary>An integer field, or a <see cref="FormatException"/> naming it.</summary>
        private static long Long(JsonElement d, string field, string what) =>
            d.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x
                : throw new FormatException($"{what}: field {field}: {(d.TryGetProperty(field, out var y) ? $"'{Truncate(y.ToString())}' is not an integer" : "missing")}.");

        /// <summary>A boolean field, or a <see cref="FormatException"/> naming it.</summary>
        private static bool Bool(JsonElement d, string field, string what) =>
            d.TryGetProperty(field, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
                : throw new FormatException($"{what}: field {field}: {(d.TryGetProperty(field, out _) ? "not true or false" : "missing")}.");

        private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

        // One recording holds one symbol; the series id is looked up once.
        private int Series(string symbol) => _seriesId ??= context.Store.SeriesId(Venue, symbol);

        private static DateTime ExchangeTime(long ms, string field)
        {
            if (ms < -62_135_596_800_000 || ms > 253_402_300_799_999 || !TimeBounds.Contains(DateTime.UnixEpoch.AddMilliseconds(ms)))
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field}: {ms} ms is not a time in {TimeBounds.Earliest:yyyy-MM-dd} … now + 1 h."));
            return DateTime.UnixEpoch.AddMilliseconds(ms);
        }

        private long LocalToMs(long local) => LocalUnit switch { "ns" => local / 1_000_000, "µs" => local / 1_000, _ => local };

        private void Seen(long ms)
        {
            var t = DateTime.UnixEpoch.AddMilliseconds(ms);
            if (First is null || t < First) First = t;
            if (Last is null || t > Last) Last = t;
        }

        private void Trade(JsonElement d)
        {
            var symbol = SymbolOf(d, "trade");
            var time = Long(d, "T", "trade");
            var id = Long(d, "t", "trade");
            var priceText = Text(d, "p", $"trade {id}");
            var qtyText = Text(d, "q", $"trade {id}");
            var price = double.TryParse(priceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p
                : throw new FormatException($"trade {id}: field p: '{priceText}' is not a number.");
            var qty = Decimal(qtyText, $"trade {id}: field q");
            var maker = Bool(d, "m", "trade");
            var type = d.TryGetProperty("X", out var x) ? x.GetString() ?? "MARKET" : "MARKET";
            if (!(double.IsFinite(price) && price > 0 && price <= RowRules.MaxMagnitude))
                throw new FormatException($"trade {id}: field p: '{priceText}' is not a finite positive price.");
            if (!(qty > 0 && (double)qty <= RowRules.MaxMagnitude))
                throw new FormatException($"trade {id}: field q: '{qtyText}' is not a finite positive quantity.");
            if (price * (double)qty > RowRules.MaxMagnitude)
                throw new FormatException($"trade {id}: fields p × q: a notional of {price * (double)qty:G4} is over 1e15.");
            var ts = ExchangeTime(time, $"trade {id}: field T");
            Seen(time);
            if (type != "MARKET")
            {
                var side = double.IsNaN(_lastMarketPrice) ? (maker ? "SELL" : "BUY") : price > _lastMarketPrice ? "BUY" : "SELL";
                // A trade-stream print is a fill: its price is the fill's, so it is the average price too (schema v4).
                Liquidations.Append(new LiquidationOrderRow(Venue, symbol, ts, side, price, (double)qty, type, id, context.FileId,
                    side == "SELL" ? "long" : "short", price, (double)qty, "binance-trade-stream"));
                LiquidationRows++;
                return;
            }
            _lastMarketPrice = price;
            Trades.Append(new TradeRow(Series(symbol), id, price, (double)qty, price * (double)qty, ts, maker, type, context.FileId));
            TradeRows++;
            if (_aggOpen && _aggTime == time && _aggPrice == priceText && _aggMaker == maker)
            {
                _aggQty += qty;
                _aggLastId = id;
                return;
            }
            FlushAggregate();
            (_aggOpen, _aggFirstId, _aggLastId, _aggTime, _aggPrice, _aggQty, _aggMaker) = (true, id, id, time, priceText, qty, maker);
        }

        // @aggTrade: stored as sent (Binance's own aggregate id, first and last trade ids); a stream that also has @trade
        // aggregates the same trades under the same id, so either source gives one row per id.
        private void AggTrade(JsonElement d)
        {
            var symbol = SymbolOf(d, "aggTrade");
            var id = Long(d, "a", "aggTrade");
            var price = Number(d, "p", $"aggTrade {id}");
            var qty = Decimal(Text(d, "q", $"aggTrade {id}"), $"aggTrade {id}: field q");
            var time = Long(d, "T", "aggTrade");
            if (!(qty > 0 && (double)qty <= RowRules.MaxMagnitude)) throw new FormatException($"aggTrade {id}: field q: {qty} is not a positive quantity of at most 1e15.");
            var ts = ExchangeTime(time, $"aggTrade {id}: field T");
            var (first, last, maker) = (Long(d, "f", "aggTrade"), Long(d, "l", "aggTrade"), Bool(d, "m", "aggTrade"));
            var series = Series(symbol);
            Seen(time);
            Aggs.Append(new AggTradeRow(series, id, price, (double)qty, first, last, ts, maker, context.FileId));
            AggRows++;
        }

        // forceOrder (a symbol's stream or !forceOrder@arr): the order price p, average fill ap, quantities; staged so an
        // identical print from another file or an earlier segment is one row.
        private void ForceOrder(JsonElement d, long local)
        {
            var o = d.GetProperty("o");
            var side = Text(o, "S", "forceOrder: o").ToUpperInvariant();
            var liquidated = side switch { "SELL" => "long", "BUY" => "short", _ => throw new FormatException($"forceOrder: field o.S: '{Truncate(side)}' is not BUY or SELL.") };
            var price = Number(o, "p", "forceOrder: o");
            var qty = Number(o, "q", "forceOrder: o");
            // ap (average fill price) and z (filled quantity) are 0 while nothing has filled: stored as unknown (NULL); any
            // other value must be a real price or quantity (a "NaN" is refused, not stored as NULL).
            double? ap = o.TryGetProperty("ap", out _) && Number(o, "ap", "forceOrder: o", zeroAllowed: true) is var a and > 0 ? a : null;
            double? z = o.TryGetProperty("z", out _) && Number(o, "z", "forceOrder: o", zeroAllowed: true) is var f and > 0 ? f : null;
            var symbol = Text(o, "s", "forceOrder: o").ToUpperInvariant();
            if (symbol.Length is < 2 or > 30 || !symbol.All(char.IsAsciiLetterOrDigit))
                throw new FormatException($"forceOrder: field o.s: '{Truncate(symbol)}' is not a symbol (2–30 letters and digits).");
            var orderType = o.TryGetProperty("o", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : "LIMIT";
            var time = Long(o, "T", "forceOrder: o");
            ExchangeTime(time, "forceOrder: field o.T");
            Seen(time);
            if (Prints is null)
            {
                context.Store.Execute(Ingest.Liquidations.PrintStage.Create);
                Prints = Ingest.Liquidations.PrintStage.Writer(context.Store);
            }
            Prints.Append(new PrintStageRow(Venue, symbol, DateTime.UnixEpoch.AddMilliseconds(time), side, price, qty, orderType,
                liquidated, ap, z, "binance-forceOrder", local));
            ForceOrders++;
        }

        // @openInterest: the recorder's poll of GET /fapi/v1/openInterest ({"e":"openInterest","E":time,"s":symbol,"o":"…"}),
        // in base units; in USD at the last mark price seen in the recording.
        private void OpenInterest(JsonElement d)
        {
            var symbol = Text(d, "s", "openInterest");
            var time = Long(d, "E", "openInterest");
            var oi = Number(d, "o", "openInterest", zeroAllowed: true);
            var ts = ExchangeTime(time, "openInterest: field E");
            Seen(time);
            _openInterest.Add((symbol, ts, oi, double.IsNaN(_lastMarkPrice) ? null : oi * _lastMarkPrice));
        }

        /// <summary>Writes the polled open interest (new times only) and the staged forceOrder prints.</summary>
        public string FinishExtras()
        {
            var store = context.Store;
            foreach (var (symbol, time, oi, usd) in _openInterest)
                OpenInterestRows += store.Execute(
                    "INSERT INTO open_interest (venue, symbol, source, interval, time, oi_base, oi_usd, file_id) SELECT $1, $2, 'binance-openInterest-rest', 'poll', $3, $4, $5, $6 " +
                    "WHERE NOT EXISTS (SELECT 1 FROM open_interest WHERE venue = $1 AND symbol = $2 AND source = 'binance-openInterest-rest' AND interval = 'poll' AND time = $3)",
                    Venue, symbol, time, oi, usd, context.FileId);
            if (Prints is null) return "";
            Prints.Dispose();
            Prints = null;
            var outcome = Ingest.Liquidations.PrintStage.Commit(context, "forceOrder messages");
            LiquidationRows += outcome.Rows;
            return "; forceOrder " + ForceOrders.ToString(CultureInfo.InvariantCulture) + " messages: " + outcome.Detail;
        }

        public void FlushAggregate()
        {
            if (!_aggOpen) return;
            Aggs.Append(new AggTradeRow(Series(_symbol!), _aggFirstId, double.Parse(_aggPrice, CultureInfo.InvariantCulture), (double)_aggQty,
                _aggFirstId, _aggLastId, DateTime.UnixEpoch.AddMilliseconds(_aggTime), _aggMaker, context.FileId));
            AggRows++;
            _aggOpen = false;
        }

        private static IEnumerable<(decimal, decimal)> Levels(JsonElement array)
        {
            foreach (var level in array.EnumerateArray())
            {
                var price = Decimal(level[0].GetString(), "book level price");
                var size = Decimal(level[1].GetString(), "book level size");
                if (price <= 0 || (double)price > RowRules.MaxMagnitude) throw new FormatException($"book level price {price} is not a positive price of at most 1e15.");
                if (size < 0 || (double)size > RowRules.MaxMagnitude) throw new FormatException($"book level size {size} is not a size in 0 … 1e15.");
                yield return (price, size);
            }
        }

        private static decimal Decimal(string? text, string field) =>
            decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v
                : throw new FormatException($"{field}: '{text}' is not a decimal number.");

        private void MarkPrice(JsonElement d)
        {
            var symbol = Text(d, "s", "markPrice");
            var rateText = Text(d, "r", "markPrice");
            var rate = double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : double.NaN;
            var time = Long(d, "E", "markPrice");
            ExchangeTime(time, "markPrice: field E");
            if (!(double.IsFinite(rate) && Math.Abs(rate) < 1)) throw new FormatException($"markPrice: field r: '{Truncate(rateText)}' is not a funding rate (a fraction strictly between -1 and 1).");
            var mark = Number(d, "p", "markPrice");
            Seen(time);
            _lastMarkPrice = mark;
            if (!_fundingLookedUp)
            {
                // A recording in pieces (the live recorder's batches) continues the rate the store already holds, so an
                // unchanged rate is not stored again at the start of every piece.
                _fundingLookedUp = true;
                _lastFundingRate = context.Store.Scalar<double?>(
                    "SELECT funding_rate FROM funding_rates WHERE venue = $1 AND symbol = $2 AND source = 'binance-markPrice-ws' AND funding_time < $3 ORDER BY funding_time DESC LIMIT 1",
                    Venue, symbol, DateTime.UnixEpoch.AddMilliseconds(time));
            }
            if (_lastFundingRate == rate) return;
            _lastFundingRate = rate;
            Funding.Append(new FundingRateRow(Venue, symbol, "binance-markPrice-ws", null, DateTime.UnixEpoch.AddMilliseconds(time), rate, mark, context.FileId));
            FundingRows++;
        }

    }
}
