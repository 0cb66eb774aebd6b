using System.Globalization;
using System.Text.Json;
using LiquidationLab.Data.Recording;
using LiquidationLab.Data.Store;
using static LiquidationLab.Server.Tests.Recording.ScriptedVenueServer;

namespace LiquidationLab.Server.Tests.Recording;

/// <summary>
/// <c>data record bybit</c> and <c>data record okx</c> against a loopback server sending the venues' message shapes (taken
/// from Bybit's and OKX's v5 documentation): every column of the stored rows, the side and unit conventions, a ticker
/// snapshot followed by deltas, a malformed frame, impossible values, a refused subscription, a disconnection (the same
/// trades sent again on the new connection), and the venues' application pings.
/// </summary>
public sealed class VenueRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-venue-record-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "live.duckdb");

    private static readonly long T0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;

    private static DateTime At(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);

    private VenueRecorderOptions Options(Uri ws, params string[] symbols) =>
        new(Db, symbols, WebSocketUrl: ws, BatchInterval: TimeSpan.FromMilliseconds(100), BackoffBase: TimeSpan.FromMilliseconds(50), BackoffMax: TimeSpan.FromMilliseconds(200))
        {
            PingInterval = TimeSpan.FromMilliseconds(100),
        };

    /// <summary>Runs the recorder until <paramref name="done"/> holds (checked every 20 ms, for at most a minute), then stops
    /// it (a final batch) and returns whether the condition was met.</summary>
    private static async Task<bool> RunUntil(VenueRecorder recorder, Func<bool> done)
    {
        using var stop = new CancellationTokenSource();
        var run = recorder.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!done() && !run.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(20);
        var met = done();
        await stop.CancelAsync();
        await run;
        return met;
    }

    private List<object?[]> Rows(string sql)
    {
        using var s = LabStore.Open(Db, readOnly: true);
        using var cmd = s.Command(sql);
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < r.FieldCount; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private long Count(string sql) => Convert.ToInt64(Rows(sql)[0][0], CultureInfo.InvariantCulture);

    private List<(string? Symbol, string? Stream, string Problem, string Raw)> Rejects() =>
        [.. Rows("SELECT symbol, stream, problem, raw FROM recording_rejects ORDER BY received_at, problem").Select(r => ((string?)r[0], (string?)r[1], (string)r[2]!, (string)r[3]!))];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // ---- Bybit v5 shapes (bybit-exchange/docs docs/v5/websocket/public/*.mdx) ----

    private static string BybitLiquidations(long ts, string price = "66120.50") => Invariant(
        $$"""{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":{{ts}},"data":[{"T":{{ts - 100}},"s":"BTCUSDT","S":"Buy","v":"0.250","p":"{{price}}"},{"T":{{ts - 50}},"s":"BTCUSDT","S":"Sell","v":"0.010","p":"67010.00"}]}""");

    private static string BybitTrades(long ts, params (string Id, string Side, string Size, string Price)[] trades) =>
        Invariant($$"""{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":{{ts}},"data":[""") +
        string.Join(",", trades.Select((t, i) => Invariant($$"""{"T":{{ts - i}},"s":"BTCUSDT","S":"{{t.Side}}","v":"{{t.Size}}","p":"{{t.Price}}","L":"PlusTick","i":"{{t.Id}}","BT":false}"""))) + "]}";

    private static string BybitTickerSnapshot(long ts, string oi, string rate) => Invariant(
        $$"""{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"17216.00","prevPrice24h":"16926.50","highPrice24h":"17281.50","lowPrice24h":"16915.00","prevPrice1h":"17238.00","markPrice":"17217.33","indexPrice":"17227.36","openInterest":"{{oi}}","openInterestValue":"1183601235.91","turnover24h":"1570383121.943499","volume24h":"91705.276","nextFundingTime":"1673280000000","fundingRate":"{{rate}}","bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020"},"cs":24987956059,"ts":{{ts}}}""");

    private static string BybitTickerDelta(long ts, string fields) =>
        Invariant($$"""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",{{fields}}},"cs":24987956060,"ts":{{ts}}}""");

    private const string BybitPong = """{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}""";

    [Fact]
    public async Task Bybit_prints_trades_and_ticker_deltas_are_stored_with_every_column_and_bad_messages_set_aside()
    {
        const string a = "20f43950-d8dd-5b31-9112-a178eb6023af", b = "8b1c2f4e-7a55-5d0e-9c1a-3f0e6d2b7c11", c = "c3d9a0b2-1e4f-5a6b-8c7d-9e0f1a2b3c4d";
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            if (n == 1)
            {
                await Send(ws, """{"success":true,"ret_msg":"","conn_id":"0970e817","req_id":"","op":"subscribe"}""", ct);
                await Send(ws, BybitLiquidations(T0), ct);
                await Send(ws, BybitTrades(T0 + 10, (a, "Buy", "0.001", "66578.50"), (b, "Sell", "0.020", "66578.00")), ct);
                await Send(ws, BybitTickerSnapshot(T0 + 20, "68744.761", "-0.000212"), ct);
                await Send(ws, BybitTickerDelta(T0 + 120, "\"openInterest\":\"68750.100\",\"bid1Price\":\"17215.00\""), ct); // OI changed, value not sent
                await Send(ws, BybitTickerDelta(T0 + 220, "\"markPrice\":\"17220.00\",\"fundingRate\":\"-0.000200\""), ct);
                await Send(ws, BybitTickerDelta(T0 + 320, "\"openInterestValue\":\"1183700000.00\""), ct); // no OI change: no row
                await Send(ws, BybitTickerDelta(T0 + 420, "\"openInterest\":\"-5\""), ct); // impossible: set aside, state kept
                await Send(ws, BybitLiquidations(T0 + 500, price: "NaN"), ct);
                await Send(ws, "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{\"T\":", ct); // cut short: not JSON
                await Send(ws, BybitTrades(T0 + 600, (c, "Buy", "1", "1")).Replace("publicTrade.BTCUSDT", "publicTrade.ETHUSDT", StringComparison.Ordinal), ct);
                await Send(ws, """{"success":false,"ret_msg":"error:handler not found,topic:tickers.BTCUSDX","conn_id":"0970e817","req_id":"","op":"subscribe"}""", ct);
                await ws.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", ct); // a disconnection
            }
            else if (n == 2)
            {
                await Send(ws, BybitTrades(T0 + 10, (a, "Buy", "0.001", "66578.50"), (b, "Sell", "0.020", "66578.00")), ct); // delivered again
                await Send(ws, BybitTrades(T0 + 700, (c, "Buy", "0.500", "66590.00")), ct);
                await Send(ws, BybitTickerSnapshot(T0 + 800, "68750.100", "-0.000200"), ct); // nothing changed: no new row
            }
        }, text => text.Contains("\"ping\"", StringComparison.Ordinal) ? BybitPong : null);
        var recorder = new BybitRecorder(Options(server.Url, "BTCUSDT"));

        var met = await RunUntil(recorder, () => recorder.Stats.MessagesByStream.GetValueOrDefault("publicTrade") >= 3 && recorder.Stats.MessagesByStream.GetValueOrDefault("tickers") >= 6
                                                 && server.Received.Contains("""{"op":"ping"}""") && server.Received.Count(t => t.Contains("subscribe", StringComparison.Ordinal)) >= 2);

        Assert.True(met, $"stalled: {recorder.Stats.LastError}; {string.Join(" ", recorder.Stats.MessagesByStream)}; connections {server.Connections}/{recorder.Stats.Connections}; the server received {string.Join(" | ", server.Received.Where(t => !t.Contains("ping", StringComparison.Ordinal)))}");
        var file = Count("SELECT id FROM ingest_log WHERE kind = 'bybit-ws-recording'");
        // Liquidations: S = Buy means a long was liquidated (all-liquidation.mdx); closed by a SELL at the bankruptcy price p.
        var prints = Rows("SELECT venue, symbol, time, side, price, quantity, order_type, trade_id, file_id, liquidated_side, average_price, filled_quantity, source FROM liquidation_orders ORDER BY time");
        Assert.Equal(2, prints.Count);
        Assert.Equal(new object?[] { "bybit-linear", "BTCUSDT", At(T0 - 100), "SELL", 66120.5, 0.25, "LIQUIDATION", null, file, "long", 66120.5, 0.25, "bybit-allLiquidation" }, prints[0]);
        Assert.Equal(new object?[] { "BUY", "short", 67010.0, 0.01 }, new[] { prints[1][3], prints[1][9], prints[1][4], prints[1][5] });
        // Trades: the taker's side; Bybit's UUID trade ids do not fit the store's integer id; the re-delivered two are stored once.
        var trades = Rows("SELECT venue, symbol, trade_id, price, quantity, quote_quantity, transact_time, is_buyer_maker, order_type, file_id FROM trades ORDER BY transact_time, price");
        Assert.Equal(3, trades.Count);
        Assert.Equal(new object?[] { "bybit-linear", "BTCUSDT", null, 66578.0, 0.02, 66578.0 * 0.02, At(T0 + 9), true, null, file }, trades[0]);
        Assert.Equal(new object?[] { false, 0.001 }, new[] { trades[1][7], trades[1][4] });
        // Tickers: the snapshot, then a delta's changed fields over the last values; a row where OI or the rate changes.
        var oi = Rows("SELECT venue, symbol, source, interval, time, oi_base, oi_usd, oi_usd_open, oi_usd_high, oi_usd_low, file_id FROM open_interest ORDER BY time");
        Assert.Equal(2, oi.Count);
        Assert.Equal(new object?[] { "bybit-linear", "BTCUSDT", "bybit-tickers-ws", "tick", At(T0 + 20), 68744.761, 1183601235.91, null, null, null, file }, oi[0]);
        Assert.Equal(new object?[] { At(T0 + 120), 68750.1, 1183601235.91 }, new[] { oi[1][4], oi[1][5], oi[1][6] });
        var funding = Rows("SELECT venue, symbol, source, interval, funding_time, funding_rate, mark_price, file_id FROM funding_rates ORDER BY funding_time");
        Assert.Equal(2, funding.Count);
        Assert.Equal(new object?[] { "bybit-linear", "BTCUSDT", "bybit-tickers-ws", null, At(T0 + 20), -0.000212, 17217.33, file }, funding[0]);
        Assert.Equal(new object?[] { At(T0 + 220), -0.0002, 17220.0 }, new[] { funding[1][4], funding[1][5], funding[1][6] });
        // Every bad message set aside whole, naming what was wrong; the session went on.
        var rejects = Rejects();
        Assert.Equal(recorder.Stats.Rejected, rejects.Count);
        Assert.Equal(5, rejects.Count);
        Assert.Contains(rejects, r => r is { Symbol: "BTCUSDT", Stream: "tickers.BTCUSDT" } && r.Problem.Contains("field openInterest: '-5'", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r is { Symbol: "BTCUSDT", Stream: "allLiquidation.BTCUSDT" } && r.Problem.Contains("field p: 'NaN'", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Problem.StartsWith("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Problem.Contains("'publicTrade.ETHUSDT' is not one the recorder subscribed to", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Problem.Contains("Bybit refused 'subscribe': error:handler not found", StringComparison.Ordinal));
        Assert.All(rejects, r => Assert.StartsWith("{", r.Raw, StringComparison.Ordinal));
        Assert.Equal(1, Count("SELECT count(*) FROM recording_gaps WHERE venue = 'bybit-linear' AND kind = 'malformed'"));
        Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE venue = 'bybit-linear' AND symbol = 'BTCUSDT' AND kind = 'disconnected'") >= 1);
        // Each connection subscribed to every topic and pinged as Bybit asks.
        var subscriptions = server.Received.Where(t => t.Contains("\"subscribe\"", StringComparison.Ordinal)).ToList();
        Assert.True(subscriptions.Count >= 2);
        Assert.Equal(["allLiquidation.BTCUSDT", "publicTrade.BTCUSDT", "tickers.BTCUSDT"],
            JsonDocument.Parse(subscriptions[0]).RootElement.GetProperty("args").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal));
        Assert.Contains("""{"op":"ping"}""", server.Received);
        Assert.Equal(9, Count("SELECT rows FROM ingest_log WHERE kind = 'bybit-ws-recording'")); // 2 prints + 3 trades + 2 OI + 2 funding
    }

    [Fact]
    public async Task A_connection_that_answers_no_ping_is_dropped_and_its_gap_recorded_and_one_that_answers_is_kept()
    {
        await using (var mute = await StartAsync((_, _, _) => Task.CompletedTask, _ => null, answerPings: false))
        {
            var recorder = new BybitRecorder(Options(mute.Url, "BTCUSDT") with { PongTimeout = TimeSpan.FromMilliseconds(200) });
            Assert.True(await RunUntil(recorder, () => mute.Connections >= 3 && recorder.Stats.Gaps >= 1), "a connection that answers nothing was waited on for ever");
            Assert.Contains("not even a pong", recorder.Stats.LastError, StringComparison.Ordinal);
            Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE kind = 'disconnected'") >= 1);
        }
        await using var live = await StartAsync((_, _, _) => Task.CompletedTask, t => t == "ping" ? "pong" : null);
        var okx = new OkxRecorder(Options(live.Url, "BTC-USDT-SWAP") with { PongTimeout = TimeSpan.FromMilliseconds(200) });
        // Ten pings answered take three times the silence limit (100 + 200 ms): the connection must still be the first.
        Assert.True(await RunUntil(okx, () => live.Received.Count(t => t == "ping") >= 10));
        Assert.Equal(1, live.Connections);
        Assert.Equal(0, okx.Stats.Rejected); // OKX's "pong" is not a message to set aside
    }

    // ---- OKX v5 shapes (https://www.okx.com/docs-v5/en/) ----

    private static string OkxLiquidations(long ts) => Invariant(
        $$"""{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0","bkPx":"66010.5","ccy":"","posSide":"long","side":"sell","sz":"25","ts":"{{ts}}"},{"bkLoss":"0","bkPx":"67500.1","ccy":"","posSide":"net","side":"buy","sz":"3","ts":"{{ts + 1}}"}],"instFamily":"BTC-USDT","instId":"BTC-USDT-SWAP","instType":"SWAP","uly":"BTC-USDT"},{"details":[{"bkLoss":"0","bkPx":"0.007831","ccy":"","posSide":"short","side":"buy","sz":"13","ts":"{{ts}}"}],"instFamily":"IOST-USDT","instId":"IOST-USDT-SWAP","instType":"SWAP","uly":"IOST-USDT"}]}""");

    private static string OkxTrade(long ts, long id, string side = "buy", string size = "12", string price = "66219.9") => Invariant(
        $$"""{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","tradeId":"{{id}}","px":"{{price}}","sz":"{{size}}","side":"{{side}}","ts":"{{ts}}","count":"3","source":"0","seqId":1234}]}""");

    private static string OkxOpenInterest(long ts, string oi, string oiCcy) => Invariant(
        $$"""{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","oi":"{{oi}}","oiCcy":"{{oiCcy}}","oiUsd":"2433776053.94","ts":"{{ts}}"}]}""");

    private static string OkxFunding(long ts, long settle) => Invariant(
        $$"""{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"formulaType":"noRate","fundingRate":"0.0001875391284828","fundingTime":"{{settle}}","impactValue":"","instId":"BTC-USDT-SWAP","instType":"SWAP","interestRate":"","method":"current_period","maxFundingRate":"0.00375","minFundingRate":"-0.00375","nextFundingRate":"","nextFundingTime":"{{settle + 28_800_000}}","premium":"0.0001233824646391","settFundingRate":"0.0001699799259033","settState":"settled","ts":"{{ts}}"}]}""");

    [Fact]
    public async Task Okx_contracts_become_base_units_and_the_liquidated_side_is_stated_in_hedge_and_net_mode()
    {
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            if (n == 1)
            {
                await Send(ws, """{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}""", ct);
                await Send(ws, OkxLiquidations(T0), ct);
                await Send(ws, OkxTrade(T0 + 10, 130639474), ct);
                await Send(ws, OkxOpenInterest(T0 + 20, "2660239.59", "26602.3959"), ct);
                await Send(ws, OkxOpenInterest(T0 + 30, "2660239.59", "266023.959"), ct); // oiCcy ≠ oi × 0.01: the contract value would be wrong
                await Send(ws, OkxFunding(T0 + 40, T0 + 3_600_000), ct);
                await Send(ws, OkxTrade(T0 + 50, 130639480, side: "hold"), ct);
                await Send(ws, OkxLiquidations(T0 + 60).Replace("\"posSide\":\"long\",\"side\":\"sell\"", "\"posSide\":\"long\",\"side\":\"buy\"", StringComparison.Ordinal), ct);
                await Send(ws, """{"event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\"}","connId":"a4d3ae55"}""", ct);
                await Send(ws, "\u0000\u0001 not json", ct);
                await ws.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", ct);
            }
            else if (n == 2)
            {
                await Send(ws, OkxTrade(T0 + 10, 130639474), ct); // delivered again: one row
                await Send(ws, OkxTrade(T0 + 70, 130639475, side: "sell", size: "1"), ct);
            }
        }, t => t == "ping" ? "pong" : null);
        var recorder = new OkxRecorder(Options(server.Url, "BTC-USDT-SWAP"));

        var met = await RunUntil(recorder, () => recorder.Stats.MessagesByStream.GetValueOrDefault("trades") >= 3 && server.Received.Contains("ping"));

        Assert.True(met, $"stalled: {recorder.Stats.LastError}; {string.Join(" ", recorder.Stats.MessagesByStream)}");
        var file = Count("SELECT id FROM ingest_log WHERE kind = 'okx-ws-recording'");
        // A hedge-mode long closed by a sell, and a net-mode buy closing a short; sz 25 contracts × 0.01 BTC; IOST not recorded.
        var prints = Rows("SELECT venue, symbol, time, side, price, quantity, order_type, trade_id, file_id, liquidated_side, average_price, filled_quantity, source FROM liquidation_orders ORDER BY time");
        Assert.Equal(2, prints.Count);
        Assert.Equal(new object?[] { "okx-swap", "BTC-USDT-SWAP", At(T0), "SELL", 66010.5, 0.25, "LIQUIDATION", null, file, "long", 66010.5, 0.25, "okx-liquidation-orders" }, prints[0]);
        Assert.Equal(new object?[] { "BUY", "short", 67500.1 }, new[] { prints[1][3], prints[1][9], prints[1][4] });
        Assert.Equal(0.03, (double)prints[1][5]!, 12);
        var trades = Rows("SELECT venue, symbol, trade_id, price, quantity, quote_quantity, transact_time, is_buyer_maker, order_type, file_id FROM trades ORDER BY trade_id");
        Assert.Equal(2, trades.Count);
        Assert.Equal(new object?[] { "okx-swap", "BTC-USDT-SWAP", 130639474L, 66219.9, At(T0 + 10), false, null, file }, new[] { trades[0][0], trades[0][1], trades[0][2], trades[0][3], trades[0][6], trades[0][7], trades[0][8], trades[0][9] });
        Assert.Equal(0.12, (double)trades[0][4]!, 12);
        Assert.Equal(66219.9 * 0.12, (double)trades[0][5]!, 6);
        Assert.Equal(new object?[] { 130639475L, true }, new[] { trades[1][2], trades[1][7] });
        var oi = Rows("SELECT venue, symbol, source, interval, time, oi_base, oi_usd, file_id FROM open_interest");
        Assert.Single(oi);
        Assert.Equal(new object?[] { "okx-swap", "BTC-USDT-SWAP", "okx-open-interest-ws", "tick", At(T0 + 20), 2433776053.94, file }, new[] { oi[0][0], oi[0][1], oi[0][2], oi[0][3], oi[0][4], oi[0][6], oi[0][7] });
        Assert.Equal(26602.3959, (double)oi[0][5]!, 9);
        var funding = Rows("SELECT venue, symbol, source, interval, funding_time, funding_rate, mark_price, file_id FROM funding_rates");
        Assert.Equal(new object?[] { "okx-swap", "BTC-USDT-SWAP", "okx-funding-rate-ws", "8h", At(T0 + 40), 0.0001875391284828, null, file }, Assert.Single(funding));
        var rejects = Rejects();
        Assert.Equal(recorder.Stats.Rejected, rejects.Count);
        Assert.Equal(5, rejects.Count);
        Assert.Contains(rejects, r => r is { Symbol: "BTC-USDT-SWAP", Stream: "open-interest:BTC-USDT-SWAP" } && r.Problem.Contains("field oiCcy", StringComparison.Ordinal) && r.Problem.Contains("out of date", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r is { Stream: "trades:BTC-USDT-SWAP" } && r.Problem.Contains("field side: 'hold'", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r is { Symbol: "BTC-USDT-SWAP", Stream: "liquidation-orders:SWAP" } && r.Problem.Contains("a buy order cannot close a long position", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Problem.Contains("OKX refused a request: code 60012", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Problem.StartsWith("not valid JSON", StringComparison.Ordinal));
        Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE venue = 'okx-swap' AND kind = 'disconnected'") >= 1);
        var subscribe = JsonDocument.Parse(server.Received.First(t => t.Contains("subscribe", StringComparison.Ordinal))).RootElement.GetProperty("args");
        Assert.Contains(subscribe.EnumerateArray(), x => x.GetProperty("channel").GetString() == "liquidation-orders" && x.GetProperty("instType").GetString() == "SWAP");
        Assert.Contains(subscribe.EnumerateArray(), x => x.GetProperty("channel").GetString() == "open-interest" && x.GetProperty("instId").GetString() == "BTC-USDT-SWAP");
        Assert.Contains("ping", server.Received);
    }

    [Fact]
    public async Task An_oversized_message_is_cut_at_the_cap_and_the_connection_opened_again()
    {
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            if (n == 1) await Send(ws, BybitTrades(T0, ("x", "Buy", "1", new string('9', 8_000))), ct);
            else await Send(ws, BybitTrades(T0 + 1, ("y", "Buy", "0.5", "66000")), ct);
        }, _ => null);
        var recorder = new BybitRecorder(Options(server.Url, "BTCUSDT") with { MaxMessageBytes = 4096 });

        Assert.True(await RunUntil(recorder, () => recorder.Stats.MessagesByStream.GetValueOrDefault("publicTrade") >= 1 && recorder.Stats.Rejected >= 1));

        Assert.True(server.Connections >= 2);
        Assert.Equal(1, Count("SELECT count(*) FROM trades"));
        var cut = Assert.Single(Rejects());
        Assert.Contains("4,096-byte cap", cut.Problem, StringComparison.Ordinal);
        Assert.InRange(cut.Raw.Length, 1, 4096);
    }

    [Theory]
    [InlineData("bybit", "../ESCAPE")]
    [InlineData("bybit", "btcusdt")]
    [InlineData("bybit", "BTC-USDT-SWAP")]
    [InlineData("okx", "BTCUSDT")]
    [InlineData("okx", "BTC-USD-SWAP")]
    [InlineData("okx", "DOGE-USDT-SWAP")] // the grammar's, but no contract value is known
    public async Task A_symbol_outside_the_venues_grammar_is_refused_before_any_connection(string venue, string symbol)
    {
        var options = new VenueRecorderOptions(Db, [symbol], WebSocketUrl: new Uri("ws://127.0.0.1:9/"));
        VenueRecorder recorder = venue == "bybit" ? new BybitRecorder(options) : new OkxRecorder(options);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => recorder.RunAsync(CancellationToken.None));
        Assert.Equal("Symbols", e.ParamName);
        Assert.Equal(0, recorder.Stats.Connections);
        Assert.False(File.Exists(Db));
    }
}
