using System.Text.Json;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>
/// Records Bybit linear USDT perpetuals (<c>liqlab data record bybit</c>) from the v5 public websocket
/// (<c>wss://stream.bybit.com/v5/public/linear</c>) into the store, venue <c>bybit-linear</c>, symbols as Bybit names them
/// (<c>BTCUSDT</c>). Message shapes and field meanings are those of Bybit's v5 documentation (bybit-exchange/docs,
/// <c>docs/v5/websocket/public/*.mdx</c>, read 2026-12-08):
/// <list type="bullet">
/// <item><c>allLiquidation.{symbol}</c> (<c>all-liquidation.mdx</c>: every liquidation, pushed every 500 ms; <c>data</c> an
/// array of <c>T</c> time ms, <c>s</c> symbol, <c>S</c> "Position side … When you receive a <c>Buy</c> update, this means that
/// a long position has been liquidated", <c>v</c> executed size, <c>p</c> bankruptcy price) → <c>liquidation_orders</c>:
/// <c>liquidated_side</c> <c>long</c> for <c>S = Buy</c> and <c>short</c> for <c>Sell</c>; <c>side</c> the closing order's
/// side (a long is closed by a <c>SELL</c>); <c>price</c> = <c>average_price</c> = <c>p</c> (the bankruptcy price, the price
/// Bybit fills the liquidation at); <c>quantity</c> = <c>filled_quantity</c> = <c>v</c> in base units (linear contracts are
/// quoted in the base coin); <c>order_type</c> <c>LIQUIDATION</c>; <c>source</c> <c>bybit-allLiquidation</c>.</item>
/// <item><c>publicTrade.{symbol}</c> (<c>trade.mdx</c>: <c>T</c> fill time, <c>S</c> side, <c>v</c> size, <c>p</c> price, <c>i</c>
/// trade id; <c>market/recent-trade.mdx</c> names the side "Side of taker") → <c>trades</c>: <c>is_buyer_maker</c> true for
/// a taker <c>Sell</c>; quantity in base units. Bybit's trade id is a UUID, which the store's integer <c>trade_id</c> cannot
/// hold: it is left NULL, and a trade delivered twice in one session (the same UUID) is stored once.</item>
/// <item><c>tickers.{symbol}</c> (<c>ticker.mdx</c>: a <c>snapshot</c>, then <c>delta</c> messages that carry only the fields
/// that changed, every 100 ms) → <c>open_interest</c> (source <c>bybit-tickers-ws</c>, interval <c>tick</c>, time = the
/// message's <c>ts</c>, <c>oi_base</c> = <c>openInterest</c> "open interest size" in base units, <c>oi_usd</c> =
/// <c>openInterestValue</c>) whenever <c>openInterest</c> changes, and <c>funding_rates</c> (source <c>bybit-tickers-ws</c>,
/// time = <c>ts</c>, the live <c>fundingRate</c> and <c>markPrice</c>) whenever the rate changes. A delta's missing fields
/// keep their last value; the state starts again from the snapshot of each connection.</item>
/// </list>
/// The recorder sends <c>{"op":"ping"}</c> every <see cref="VenueRecorderOptions.PingInterval"/> (Bybit: "we recommend
/// sending the ping heartbeat packet every 20 seconds"); a refused subscription (<c>"success":false</c>) is set aside with
/// Bybit's message.
/// </summary>
/// <param name="options">Settings (symbols <c>[A-Z0-9]{2,30}</c>).</param>
public sealed class BybitRecorder(VenueRecorderOptions options) : VenueRecorder(options, "bybit")
{
    /// <summary>The streams: <c>allLiquidation</c>, <c>publicTrade</c>, <c>tickers</c>.</summary>
    public static IReadOnlyList<string> KnownStreams { get; } = ["allLiquidation", "publicTrade", "tickers"];

    /// <summary>Trade ids remembered per symbol to store a re-delivered trade once (Bybit's ids are not integers).</summary>
    public const int RememberedTradeIds = 100_000;

    private const string LiquidationSource = "bybit-allLiquidation";
    private const string TickerSource = "bybit-tickers-ws";

    // Receive-loop state (touched only by the task running the receive loop: Parse and OnConnected run on it).
    private readonly Dictionary<string, Dictionary<string, string>> _ticker = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _lastOi = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _lastRate = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HashSet<string> Set, Queue<string> Order)> _seenTrades = new(StringComparer.Ordinal);

    private protected override Venue VenueKind => Venue.BybitLinear;

    private protected override Uri DefaultUrl => new("wss://stream.bybit.com/v5/public/linear");

    private protected override IReadOnlyList<string> Known => KnownStreams;

    private protected override string PingText => """{"op":"ping"}""";

    private protected override string RecordingKind => "bybit-ws-recording";

    /// <summary>The topics subscribed, e.g. <c>allLiquidation.BTCUSDT</c>.</summary>
    public IReadOnlyList<string> Topics() => [.. Streams.SelectMany(k => Options.Symbols.Select(s => k + "." + s))];

    private protected override IEnumerable<string> SubscribeMessages() =>
        Topics().Chunk(10).Select(args => JsonSerializer.Serialize(new Dictionary<string, object> { ["op"] = "subscribe", ["args"] = args }));

    private protected override void OnConnected() => _ticker.Clear(); // a new snapshot comes with the new subscription

    private protected override void Parse(JsonElement root, DateTime receivedAt, ParsedRows rows)
    {
        if (root.TryGetProperty("op", out var op))
        {
            // Answers to our requests: {"success":true,"ret_msg":"pong","op":"ping",…}, {"success":true,"op":"subscribe",…}.
            if (root.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.False)
                throw new FormatException($"Bybit refused '{Cut(op.ToString(), 20)}': {(root.TryGetProperty("ret_msg", out var m) ? Cut(m.ToString(), 200) : "no ret_msg")}.");
            return;
        }
        var topic = Text(root, "topic");
        var dot = topic.IndexOf('.', StringComparison.Ordinal);
        var kind = dot > 0 ? topic[..dot] : topic;
        var symbol = dot > 0 ? topic[(dot + 1)..] : "";
        if (!Streams.Contains(kind, StringComparer.Ordinal) || !Options.Symbols.Contains(symbol, StringComparer.Ordinal))
            throw new RejectException(null, null, $"topic '{Cut(topic, 80)}' is not one the recorder subscribed to");
        try
        {
            Time(root, "ts", out var tsMs);
            Count(kind, tsMs, receivedAt);
            switch (kind)
            {
                case "allLiquidation":
                    foreach (var d in Items(root)) rows.Liquidations.Add(Liquidation(d, symbol));
                    break;
                case "publicTrade":
                    Trades(root, symbol, rows);
                    break;
                default:
                    Ticker(root, symbol, rows);
                    break;
            }
        }
        catch (FormatException e) when (e is not RejectException)
        {
            throw new RejectException(symbol, topic, e.Message);
        }
    }

    // data is an array of items (allLiquidation, publicTrade) per the docs; one object is read as one item.
    private static List<JsonElement> Items(JsonElement root)
    {
        if (!root.TryGetProperty("data", out var data)) throw new FormatException("field data: missing.");
        if (data.ValueKind == JsonValueKind.Object) return [data];
        if (data.ValueKind != JsonValueKind.Array) throw new FormatException("field data: not an array of objects.");
        var items = data.EnumerateArray().ToList();
        return items.All(i => i.ValueKind == JsonValueKind.Object) ? items : throw new FormatException("field data: not an array of objects.");
    }

    private LiquidationOrderRow Liquidation(JsonElement d, string symbol)
    {
        CheckSymbol(d, "s", symbol);
        var time = Time(d, "T", out _);
        var side = Text(d, "S");
        var liquidated = side switch { "Buy" => "long", "Sell" => "short", _ => throw new FormatException($"field S: '{Cut(side, 20)}' is not Buy or Sell (the liquidated position's side).") };
        var size = Number(d, "v");
        var price = Number(d, "p");
        if (size * price > Ingest.RowRules.MaxMagnitude) throw new FormatException($"fields v × p: a notional of {size * price:G4} is over 1e15.");
        return new LiquidationOrderRow(StoreVenue, symbol, time, liquidated == "long" ? "SELL" : "BUY", price, size, "LIQUIDATION", null, 0,
            liquidated, price, size, LiquidationSource);
    }

    private void Trades(JsonElement root, string symbol, ParsedRows rows)
    {
        var parsed = new List<(string Id, TradeRow Row)>();
        foreach (var d in Items(root))
        {
            CheckSymbol(d, "s", symbol);
            var time = Time(d, "T", out _);
            var side = Text(d, "S");
            var buyerMaker = side switch { "Sell" => true, "Buy" => false, _ => throw new FormatException($"field S: '{Cut(side, 20)}' is not Buy or Sell (the taker's side).") };
            var size = Number(d, "v");
            var price = Number(d, "p");
            if (size * price > Ingest.RowRules.MaxMagnitude) throw new FormatException($"fields v × p: a notional of {size * price:G4} is over 1e15.");
            var id = Text(d, "i");
            if (id.Length is 0 or > 64) throw new FormatException($"field i: '{Cut(id, 70)}' is not a trade id (1–64 characters).");
            parsed.Add((id, new TradeRow(0, null, price, size, price * size, time, buyerMaker, null, 0)));
        }
        if (!_seenTrades.TryGetValue(symbol, out var seen)) _seenTrades[symbol] = seen = (new HashSet<string>(StringComparer.Ordinal), new Queue<string>());
        foreach (var (id, row) in parsed)
        {
            if (!seen.Set.Add(id)) continue; // delivered again (a reconnect): stored once
            seen.Order.Enqueue(id);
            if (seen.Order.Count > RememberedTradeIds) seen.Set.Remove(seen.Order.Dequeue());
            rows.Trades.Add((symbol, row));
        }
    }

    private void Ticker(JsonElement root, string symbol, ParsedRows rows)
    {
        var type = Text(root, "type");
        if (type is not ("snapshot" or "delta")) throw new FormatException($"field type: '{Cut(type, 20)}' is not snapshot or delta.");
        if (!root.TryGetProperty("data", out var d) || d.ValueKind != JsonValueKind.Object) throw new FormatException("field data: not an object.");
        var time = Time(root, "ts", out _);
        CheckSymbol(d, "symbol", symbol);
        // Every value the message carries is checked before the state changes: a rejected delta leaves the state as it was.
        double? oi = d.TryGetProperty("openInterest", out _) ? Number(d, "openInterest", zeroAllowed: true) : null;
        double? oiValue = d.TryGetProperty("openInterestValue", out _) ? Number(d, "openInterestValue", zeroAllowed: true) : null;
        double? rate = d.TryGetProperty("fundingRate", out _) ? Rate(d, "fundingRate") : null;
        double? mark = d.TryGetProperty("markPrice", out _) ? Number(d, "markPrice") : null;
        if (type == "snapshot" || !_ticker.TryGetValue(symbol, out var state)) _ticker[symbol] = state = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in d.EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.String && p.Name is "openInterest" or "openInterestValue" or "fundingRate" or "markPrice")
                state[p.Name] = p.Value.GetString()!;
        double? Known(string field, double? now) => now ?? (state.TryGetValue(field, out var t) && double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null);
        if (oi is { } o && (!_lastOi.TryGetValue(symbol, out var lastOi) || lastOi != o))
        {
            rows.OpenInterest.Add(new OpenInterestObservation(symbol, TickerSource, time, o, Known("openInterestValue", oiValue)));
            _lastOi[symbol] = o;
        }
        if (rate is { } r && (!_lastRate.TryGetValue(symbol, out var lastRate) || lastRate != r))
        {
            rows.Funding.Add(new FundingRateRow(StoreVenue, symbol, TickerSource, null, time, r, Known("markPrice", mark), 0));
            _lastRate[symbol] = r;
        }
    }

    private static void CheckSymbol(JsonElement d, string field, string symbol)
    {
        var s = Text(d, field);
        if (s != symbol) throw new FormatException($"field {field}: '{Cut(s, 40)}' is not {symbol}, the symbol of the topic.");
    }
}
