using System.Globalization;
using System.Text.Json;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>
/// Records OKX USDT perpetual swaps (<c>liqlab data record okx</c>) from the v5 public websocket
/// (<c>wss://ws.okx.com:8443/ws/v5/public</c>) into the store, venue <c>okx-swap</c>, symbols as OKX names them
/// (<c>BTC-USDT-SWAP</c>). OKX counts swaps in contracts; every quantity is stored in base units as contracts ×
/// <c>ctVal</c> (<see cref="OkxContractValues"/>). Message shapes and field meanings are those of OKX's v5 documentation
/// (https://www.okx.com/docs-v5/en/, read 2026-12-08):
/// <list type="bullet">
/// <item><c>liquidation-orders</c>, instType <c>SWAP</c> (#public-data-websocket-liquidation-orders-channel: every swap's
/// liquidations, "not … the total number of liquidations on OKX"; <c>data[].instId</c> and <c>details[]</c> of <c>side</c>
/// "order side" buy/sell, <c>posSide</c> "position mode side" <c>long</c>/<c>short</c> in hedge mode or <c>net</c>,
/// <c>bkPx</c> "the price of the transaction with the system's liquidation account", <c>sz</c> "for SWAP, the unit is
/// contract", <c>ts</c>) → <c>liquidation_orders</c> for the recorded instruments (other instruments' prints are skipped):
/// <c>liquidated_side</c> is <c>posSide</c> when it is <c>long</c> or <c>short</c> (whose closing order must then be a sell or a
/// buy, else the message is set aside) and, in net mode, the side the order closes (<c>sell</c> closes a long, <c>buy</c> a
/// short); <c>side</c> the order's side upper-cased; <c>price</c> = <c>average_price</c> = <c>bkPx</c>; <c>quantity</c> =
/// <c>filled_quantity</c> = <c>sz</c> × ctVal; <c>source</c> <c>okx-liquidation-orders</c>.</item>
/// <item><c>trades</c> (#order-book-trading-market-data-ws-trades-channel: one message per taker order, price and source,
/// <c>tradeId</c> the last trade id of the <c>count</c> aggregated, <c>px</c>, <c>sz</c> in contracts, <c>side</c> "trade side
/// of taker") → <c>trades</c>: <c>trade_id</c> = <c>tradeId</c>, quantity = <c>sz</c> × ctVal, <c>is_buyer_maker</c> for a
/// taker <c>sell</c>. A row can therefore stand for several matches of one taker order at one price.</item>
/// <item><c>open-interest</c> (#public-data-websocket-open-interest-channel: <c>oi</c> in contracts, <c>oiCcy</c> in the base
/// currency, <c>oiUsd</c>, <c>ts</c>) → <c>open_interest</c> (source <c>okx-open-interest-ws</c>, interval <c>tick</c>,
/// <c>oi_base</c> = <c>oi</c> × ctVal, checked against <c>oiCcy</c>; <c>oi_usd</c> = <c>oiUsd</c>) whenever <c>oi</c>
/// changes.</item>
/// <item><c>funding-rate</c> (#public-data-websocket-funding-rate-channel, pushed every 30–90 s: <c>fundingRate</c> the current
/// rate, <c>fundingTime</c> the settlement it applies to, <c>nextFundingTime</c>, <c>ts</c>) → <c>funding_rates</c> (source
/// <c>okx-funding-rate-ws</c>, time = <c>ts</c>, interval <c>nextFundingTime − fundingTime</c> in hours, e.g. <c>8h</c>)
/// whenever the rate changes.</item>
/// </list>
/// The recorder sends the text <c>ping</c> every <see cref="VenueRecorderOptions.PingInterval"/> (OKX closes a connection
/// that receives nothing for 30 s) and takes OKX's <c>pong</c>; an <c>error</c> event (a refused subscription) is set aside
/// with OKX's code and message.
/// </summary>
/// <param name="options">Settings (instruments <c>[A-Z0-9]{1,20}-USDT-SWAP</c> with a known contract value).</param>
public sealed class OkxRecorder(VenueRecorderOptions options) : VenueRecorder(options, "okx")
{
    /// <summary>The streams: <c>liquidation-orders</c>, <c>trades</c>, <c>open-interest</c>, <c>funding-rate</c>.</summary>
    public static IReadOnlyList<string> KnownStreams { get; } = ["liquidation-orders", "trades", "open-interest", "funding-rate"];

    private const string LiquidationSource = "okx-liquidation-orders";
    private const string OpenInterestSource = "okx-open-interest-ws";
    private const string FundingSource = "okx-funding-rate-ws";

    // Receive-loop state (touched only by the task running the receive loop).
    private readonly Dictionary<string, double> _lastOi = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _lastRate = new(StringComparer.Ordinal);

    private protected override Venue VenueKind => Venue.OkxSwap;

    private protected override Uri DefaultUrl => new("wss://ws.okx.com:8443/ws/v5/public");

    private protected override IReadOnlyList<string> Known => KnownStreams;

    private protected override string PingText => "ping";

    private protected override string RecordingKind => "okx-ws-recording";

    private protected override bool IsPong(string text) => text == "pong";

    private protected override void ValidateInstruments()
    {
        foreach (var s in Options.Symbols)
        {
            try
            {
                OkxContractValues.Of(s);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(e.Message.Split(" (Parameter", 2)[0], nameof(VenueRecorderOptions.Symbols), e);
            }
        }
    }

    private protected override IEnumerable<string> SubscribeMessages()
    {
        var args = new List<Dictionary<string, string>>();
        foreach (var channel in Streams)
        {
            if (channel == "liquidation-orders") args.Add(new() { ["channel"] = channel, ["instType"] = "SWAP" });
            else args.AddRange(Options.Symbols.Select(s => new Dictionary<string, string> { ["channel"] = channel, ["instId"] = s }));
        }
        return args.Chunk(20).Select(a => JsonSerializer.Serialize(new Dictionary<string, object> { ["op"] = "subscribe", ["args"] = a }));
    }

    private protected override void Parse(JsonElement root, DateTime receivedAt, ParsedRows rows)
    {
        if (root.TryGetProperty("event", out var ev))
        {
            // Answers and notices: {"event":"subscribe",…}, {"event":"error","code":"60012","msg":"…"}, {"event":"notice",…}.
            if (ev.ValueKind == JsonValueKind.String && ev.GetString() == "error")
                throw new FormatException($"OKX refused a request: code {(root.TryGetProperty("code", out var c) ? Cut(c.ToString(), 20) : "?")}: " +
                                          $"{(root.TryGetProperty("msg", out var m) ? Cut(m.ToString(), 200) : "no msg")}.");
            return;
        }
        if (!root.TryGetProperty("arg", out var arg) || arg.ValueKind != JsonValueKind.Object)
            throw new FormatException("field arg: missing (not a push message {\"arg\":{…},\"data\":[…]}).");
        var channel = Text(arg, "channel");
        if (!Streams.Contains(channel, StringComparer.Ordinal))
            throw new RejectException(null, null, $"channel '{Cut(channel, 80)}' is not one the recorder subscribed to");
        string? symbol = null;
        if (channel != "liquidation-orders")
        {
            symbol = Text(arg, "instId");
            if (!Options.Symbols.Contains(symbol, StringComparer.Ordinal))
                throw new RejectException(null, null, $"channel {channel} of '{Cut(symbol, 40)}' is not one the recorder subscribed to");
        }
        var stream = symbol is null ? channel + ":SWAP" : channel + ":" + symbol;
        try
        {
            var data = Array(root, "data");
            long? lastMs = null;
            foreach (var d in data.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Object) throw new FormatException("field data: not an array of objects.");
                var instId = Text(d, "instId");
                if (symbol is not null)
                {
                    if (instId != symbol) throw new FormatException($"field data[].instId: '{Cut(instId, 40)}' is not {symbol}, the instrument of the channel.");
                    var ctVal = (double)OkxContractValues.Of(symbol);
                    switch (channel)
                    {
                        case "trades":
                            rows.Trades.Add((symbol, Trade(d, ctVal, out var t)));
                            lastMs = t;
                            break;
                        case "open-interest":
                            OpenInterest(d, symbol, ctVal, rows, out var o);
                            lastMs = o;
                            break;
                        default:
                            Funding(d, symbol, rows, out var f);
                            lastMs = f;
                            break;
                    }
                }
                else if (Options.Symbols.Contains(instId, StringComparer.Ordinal))
                {
                    symbol = instId; // for the reject's symbol, if a detail is bad
                    var ctVal = (double)OkxContractValues.Of(instId);
                    foreach (var detail in Array(d, "details").EnumerateArray())
                    {
                        if (detail.ValueKind != JsonValueKind.Object) throw new FormatException("field details: not an array of objects.");
                        rows.Liquidations.Add(Liquidation(detail, instId, ctVal, out var l));
                        lastMs = l;
                    }
                    symbol = null;
                }
                // a liquidation of an instrument not recorded: skipped (the channel sends every swap's)
            }
            Count(channel, lastMs, receivedAt);
        }
        catch (FormatException e) when (e is not RejectException)
        {
            throw new RejectException(symbol, stream, e.Message);
        }
    }

    private static TradeRow Trade(JsonElement d, double ctVal, out long ms)
    {
        var time = Time(d, "ts", out ms);
        var idText = Text(d, "tradeId");
        var id = long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new FormatException($"field tradeId: '{Cut(idText, 40)}' is not a trade id (digits).");
        var price = Number(d, "px");
        var quantity = Number(d, "sz") * ctVal;
        var buyerMaker = Text(d, "side") switch
        {
            "sell" => true,
            "buy" => false,
            var s => throw new FormatException($"field side: '{Cut(s, 20)}' is not buy or sell (the taker's side)."),
        };
        if (price * quantity > Ingest.RowRules.MaxMagnitude) throw new FormatException($"fields px × sz: a notional of {price * quantity:G4} is over 1e15.");
        return new TradeRow(0, id, price, quantity, price * quantity, time, buyerMaker, null, 0);
    }

    private void OpenInterest(JsonElement d, string symbol, double ctVal, ParsedRows rows, out long ms)
    {
        var time = Time(d, "ts", out ms);
        var contracts = Number(d, "oi", zeroAllowed: true);
        var oiBase = contracts * ctVal;
        if (d.TryGetProperty("oiCcy", out _))
        {
            var ccy = Number(d, "oiCcy", zeroAllowed: true);
            if (Math.Abs(ccy - oiBase) > 1e-9 * Math.Max(1, Math.Abs(ccy)))
                throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"field oiCcy: {ccy:R} is not oi {contracts:R} × ctVal {ctVal:R} = {oiBase:R}: the contract value of {symbol} in OkxContractValues is out of date."));
        }
        double? usd = d.TryGetProperty("oiUsd", out _) ? Number(d, "oiUsd", zeroAllowed: true) : null;
        if (_lastOi.TryGetValue(symbol, out var last) && last == oiBase) return;
        rows.OpenInterest.Add(new OpenInterestObservation(symbol, OpenInterestSource, time, oiBase, usd));
        _lastOi[symbol] = oiBase;
    }

    private void Funding(JsonElement d, string symbol, ParsedRows rows, out long ms)
    {
        var time = Time(d, "ts", out ms);
        var rate = Rate(d, "fundingRate");
        string? interval = null;
        // Settlement times lie ahead (up to a funding interval), so they are not held to the "now + 1 h" of a message's time;
        // the interval is stated only when both are whole epoch milliseconds a whole number of hours apart.
        if (SettlementMs(d, "fundingTime") is { } settle && SettlementMs(d, "nextFundingTime") is { } next && next > settle && (next - settle) % 3_600_000 == 0)
            interval = ((next - settle) / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h";
        if (_lastRate.TryGetValue(symbol, out var last) && last == rate) return;
        rows.Funding.Add(new FundingRateRow(StoreVenue, symbol, FundingSource, interval, time, rate, null, 0));
        _lastRate[symbol] = rate;
    }

    private static long? SettlementMs(JsonElement d, string field) =>
        d.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
        && ms is > 0 and <= 253_402_300_799_999 ? ms : null;

    private LiquidationOrderRow Liquidation(JsonElement d, string symbol, double ctVal, out long ms)
    {
        var time = Time(d, "ts", out ms);
        var side = Text(d, "side");
        if (side is not ("buy" or "sell")) throw new FormatException($"field side: '{Cut(side, 20)}' is not buy or sell (the liquidation order's side).");
        var posSide = Text(d, "posSide");
        var liquidated = posSide switch
        {
            "long" or "short" => posSide == (side == "sell" ? "long" : "short") ? posSide
                : throw new FormatException($"field side: a {side} order cannot close a {posSide} position (posSide {posSide})."),
            "net" => side == "sell" ? "long" : "short",
            _ => throw new FormatException($"field posSide: '{Cut(posSide, 20)}' is not long, short or net."),
        };
        var price = Number(d, "bkPx");
        var quantity = Number(d, "sz") * ctVal;
        if (price * quantity > Ingest.RowRules.MaxMagnitude) throw new FormatException($"fields bkPx × sz: a notional of {price * quantity:G4} is over 1e15.");
        return new LiquidationOrderRow(StoreVenue, symbol, time, side.ToUpperInvariant(), price, quantity, "LIQUIDATION", null, 0, liquidated, price, quantity, LiquidationSource);
    }
}
