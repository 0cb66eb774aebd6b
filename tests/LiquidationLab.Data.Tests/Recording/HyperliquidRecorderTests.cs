using System.Globalization;
using System.Text.Json;
using LiquidationLab.Data.Recording;
using LiquidationLab.Data.Store;
using Microsoft.Extensions.Time.Testing;

namespace LiquidationLab.Data.Tests.Recording;

/// <summary><c>data record hyperliquid</c>'s recorder against a loopback stand-in of Hyperliquid's websocket and info endpoint,
/// with payloads in the venue's documented shapes (numbers as strings, signed <c>szi</c>, <c>leverage {type, value}</c>,
/// <c>liquidationPx</c> null or a string).</summary>
public sealed class HyperliquidRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-hl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string AccountA = "0x8c3f1e02a4f2ad9b1d55e3b4b7b1ef0d3a6c9e21";
    private const string AccountB = "0x00000000000000000000000000000000000000b2";
    private static readonly DateTimeOffset Start = new(2026, 1, 26, 12, 0, 0, TimeSpan.Zero); // 1769428800000 ms
    private const long T0 = 1_769_428_800_000;

    private static string Trades(params string[] trades) => $$"""{"channel":"trades","data":[{{string.Join(",", trades)}}]}""";

    private static string Trade(string coin, long tid, string side, string px, string sz, long ms) =>
        $$"""{"coin":"{{coin}}","side":"{{side}}","px":"{{px}}","sz":"{{sz}}","hash":"0x0a4cc891f222c1cf0bc60432f4991e02013400778d25e0a1ae1573e4b1269bb9","time":{{ms}},"tid":{{tid}},"users":["0xb08ed6f6ad7b22138d4db6d0549efcf1f5e51767","0x13558be785661958932ceac35ba20de187275a42"]}""";

    private const string MetaAndAssetCtxs = """
        [{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40,"marginTableId":56},{"name":"ETH","szDecimals":4,"maxLeverage":25,"marginTableId":55},
                      {"name":"SOL","szDecimals":2,"maxLeverage":20,"marginTableId":54}]},
         [{"funding":"0.0000125","openInterest":"31877.18136","prevDayPx":"88123.0","dayNtlVlm":"2551623034.7","premium":"0.00012","oraclePx":"88050.0","markPx":"88060.0","midPx":"88061.5","impactPxs":["88060.0","88063.0"],"dayBaseVlm":"28900.1"},
          {"funding":"-0.0000032","openInterest":"612004.0","prevDayPx":"2950.1","dayNtlVlm":"1100000000.0","premium":"-0.0001","oraclePx":"2931.0","markPx":"2930.5","midPx":"2930.6","impactPxs":["2930.4","2930.7"],"dayBaseVlm":"371000.0"},
          {"funding":"0.0000125","openInterest":"1882.55","prevDayPx":"130.0","dayNtlVlm":"9000000.0","premium":"0.0003","oraclePx":"128.0","markPx":"128.1","midPx":"128.1","impactPxs":["128.0","128.2"],"dayBaseVlm":"70000.0"}]]
        """;

    // Account A: a cross BTC long with a liquidation price, and a cross ETH short whose liquidationPx is null (the account's
    // collateral covers it); account B: an isolated ETH long.
    private static string ClearinghouseA => """
        {"marginSummary":{"accountValue":"1250000.5","totalNtlPos":"2100000.0","totalRawUsd":"1300000.0","totalMarginUsed":"105000.0"},
         "crossMarginSummary":{"accountValue":"1250000.5","totalNtlPos":"2100000.0","totalRawUsd":"1300000.0","totalMarginUsed":"105000.0"},
         "crossMaintenanceMarginUsed":"26250.0","withdrawable":"1100000.0",
         "assetPositions":[
          {"type":"oneWay","position":{"coin":"BTC","szi":"12.5","leverage":{"type":"cross","value":20},"entryPx":"86500.0","positionValue":"1100750.0","unrealizedPnl":"19500.0","returnOnEquity":"0.36","liquidationPx":"41234.5","marginUsed":"55037.5","maxLeverage":40,"cumFunding":{"allTime":"-1200.0","sinceOpen":"-300.0","sinceChange":"-300.0"}}},
          {"type":"oneWay","position":{"coin":"ETH","szi":"-341.2","leverage":{"type":"cross","value":10},"entryPx":"2990.0","positionValue":"999886.6","unrealizedPnl":"20301.4","returnOnEquity":"0.2","liquidationPx":null,"marginUsed":"99988.66","maxLeverage":25,"cumFunding":{"allTime":"10.0","sinceOpen":"5.0","sinceChange":"5.0"}}}],
         "time":1769428801234}
        """;

    private static string ClearinghouseB => """
        {"marginSummary":{"accountValue":"5100.0","totalNtlPos":"29305.0","totalRawUsd":"-24205.0","totalMarginUsed":"2930.5"},
         "crossMarginSummary":{"accountValue":"0.0","totalNtlPos":"0.0","totalRawUsd":"0.0","totalMarginUsed":"0.0"},
         "crossMaintenanceMarginUsed":"0.0","withdrawable":"2169.5",
         "assetPositions":[
          {"type":"oneWay","position":{"coin":"ETH","szi":"10.0","leverage":{"type":"isolated","value":10,"rawUsd":"-26374.5"},"entryPx":"2900.0","positionValue":"29305.0","unrealizedPnl":"305.0","returnOnEquity":"0.105","liquidationPx":"2660.12","marginUsed":"2930.5","maxLeverage":25,"cumFunding":{"allTime":"1.0","sinceOpen":"1.0","sinceChange":"1.0"}}}],
         "time":1769428802000}
        """;

    private static async Task Until(Func<bool> condition, string what, Task run, HyperliquidRecorder? recorder = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (run.IsCompleted) await run; // surfaces an exception of the recorder
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}" + (recorder is null ? "" :
                $": messages {string.Join(", ", recorder.Stats.MessagesByStream.Select(k => $"{k.Key} {k.Value}"))}, connections {recorder.Stats.Connections}, " +
                $"requests sent {recorder.RequestsSent}, waiting {recorder.RequestsWaiting}, last error {recorder.Stats.LastError}, last reject {recorder.Stats.LastReject}"));
            await Task.Delay(10);
        }
    }

    private static object?[] Row(LabStore s, string sql)
    {
        using var cmd = s.Command(sql);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read(), $"no row: {sql}");
        var values = new object?[r.FieldCount];
        for (var i = 0; i < values.Length; i++) values[i] = r.IsDBNull(i) ? null : r.GetValue(i);
        Assert.False(r.Read(), $"more than one row: {sql}");
        return values;
    }

    [Fact]
    public async Task Trades_open_interest_funding_and_positions_are_stored_across_a_disconnect_with_bad_messages_set_aside()
    {
        // Connection 1: three good trades, a trade with px "NaN", a frame that is not JSON, then the connection drops.
        // Connection 2: a trade of connection 1 again (stored once), a new one, and the same tid with another price.
        var first = new[]
        {
            Trades(Trade("BTC", 907188554740561, "B", "88058.0", "0.00012", T0 - 5_000), Trade("BTC", 907188554740562, "A", "88057.5", "0.5", T0 - 4_000)),
            Trades(Trade("ETH", 42, "A", "2931.25", "3.2", T0 - 3_000), Trade("BTC", 907188554740563, "A", "NaN", "0.1", T0 - 2_500),
                Trade("BTC", 907188554740564, "B", "88059.0", "0.25", T0 - 2_000)),
            """{"channel":"trades","data":[{"coin":"BTC",""",
        };
        var second = new[]
        {
            Trades(Trade("BTC", 907188554740562, "A", "88057.5", "0.5", T0 - 4_000), Trade("BTC", 907188554740565, "B", "88061.0", "1.0", T0 - 1_000)),
            Trades(Trade("BTC", 907188554740565, "B", "99999.0", "1.0", T0 - 1_000)),
        };
        using var server = new HyperliquidLoopbackServer([(first, true), (second, false)], coins: 2);
        server.Answers["metaAndAssetCtxs"] = _ => (200, MetaAndAssetCtxs);
        server.Answers["clearinghouseState"] = r => (200, r.GetProperty("user").GetString() == AccountA ? ClearinghouseA : ClearinghouseB);
        var path = Path.Combine(_dir, "lab.duckdb");
        var clock = new FakeTimeProvider(Start);
        var options = new HyperliquidRecorderOptions(path, ["BTC", "ETH"], [AccountA, AccountB.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)],
            server.WebSocketUrl, server.InfoUrl, BatchInterval: TimeSpan.FromMilliseconds(200), MarketInterval: TimeSpan.FromSeconds(60),
            BackoffBase: TimeSpan.FromMilliseconds(20), BackoffMax: TimeSpan.FromMilliseconds(100));
        using var http = new HttpClient();
        var recorder = new HyperliquidRecorder(options, http, clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // The second connection's frames wait until the first connection's trades are in the store, so the trade sent
        // again is recognised against a stored row, not merely within one batch.
        var secondFrames = new TaskCompletionSource();
        server.Gates[2] = secondFrames.Task;
        var run = recorder.RunAsync(stop.Token);
        await Until(() => recorder.Stats.Connections >= 2, "the second connection", run, recorder);
        var batches = recorder.Stats.Batches;
        await Until(() => recorder.Stats.Batches > batches, "a batch with the first connection's trades", run, recorder);
        secondFrames.SetResult();
        await Until(() => recorder.Stats.MessagesByStream.GetValueOrDefault("trades") >= 4 && recorder.Stats.Connections >= 2
                          && recorder.Stats.MessagesByStream.GetValueOrDefault("metaAndAssetCtxs") >= 1 && recorder.Stats.MessagesByStream.GetValueOrDefault("clearinghouseState") >= 2,
            "both connections' trades and the first polls", run, recorder);
        await stop.CancelAsync();
        await run;

        using var s = LabStore.Open(path, readOnly: true);
        var fileId = s.Scalar<long>("SELECT id FROM ingest_log WHERE kind = 'hyperliquid-recording'");
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM ingest_log"));
        Assert.Equal(5, s.Scalar<long>("SELECT count(*) FROM trades WHERE venue = 'hyperliquid'"));
        Assert.Equal(4, s.Scalar<long>("SELECT count(*) FROM trades WHERE symbol = 'BTC'"));
        // Every column of one trade: side "A" means the taker sold, so the buyer was the maker.
        Assert.Equal(new object?[] { "hyperliquid", "BTC", 907188554740562L, 88057.5, 0.5, 88057.5 * 0.5, DateTime.UnixEpoch.AddMilliseconds(T0 - 4_000), true, null, fileId },
            Row(s, "SELECT venue, symbol, trade_id, price, quantity, quote_quantity, transact_time, is_buyer_maker, order_type, file_id FROM trades WHERE trade_id = 907188554740562"));
        Assert.Equal(88061.0, s.Scalar<double>("SELECT price FROM trades WHERE trade_id = 907188554740565")); // the first delivery is kept
        // Open interest and funding of the poll at the (fake) clock's time: OI in coins and in USD at the mark price.
        var at = Start.UtcDateTime;
        Assert.Equal(new object?[] { "hyperliquid", "BTC", "hyperliquid-info", "poll", at, 31877.18136, 31877.18136 * 88060.0, null, null, null, fileId },
            Row(s, "SELECT venue, symbol, source, interval, time, oi_base, oi_usd, oi_usd_open, oi_usd_high, oi_usd_low, file_id FROM open_interest WHERE symbol = 'BTC'"));
        Assert.Equal(new object?[] { "hyperliquid", "ETH", "hyperliquid-info", "1h", at, -0.0000032, 2930.5, fileId },
            Row(s, "SELECT venue, symbol, source, interval, funding_time, funding_rate, mark_price, file_id FROM funding_rates WHERE symbol = 'ETH'"));
        Assert.Equal(0, s.Scalar<long>("SELECT count(*) FROM open_interest WHERE symbol = 'SOL'")); // not asked for
        // Positions: every column of one, the null liquidation price kept as NULL, the accounts stored as hashes only.
        var hashA = HyperliquidRecorderOptions.AccountHash(AccountA);
        Assert.Equal(new object?[] { DateTime.UnixEpoch.AddMilliseconds(T0 + 1_234), "hyperliquid", "hyperliquid-clearinghouseState", hashA, "BTC", "long", 12.5, 1100750.0, 86500.0, 20.0, 41234.5, "cross", fileId },
            Row(s, "SELECT time, venue, source, account_hash, coin, side, size, notional_usd, entry_price, leverage, liquidation_price, margin_mode, file_id FROM position_levels WHERE coin = 'BTC'"));
        Assert.Equal(new object?[] { "short", 341.2, null, "cross" },
            Row(s, $"SELECT side, size, liquidation_price, margin_mode FROM position_levels WHERE account_hash = '{hashA}' AND coin = 'ETH'"));
        Assert.Equal(new object?[] { HyperliquidRecorderOptions.AccountHash(AccountB), "long", 2660.12, "isolated", 10.0 },
            Row(s, $"SELECT account_hash, side, liquidation_price, margin_mode, leverage FROM position_levels WHERE account_hash <> '{hashA}'"));
        Assert.Equal(64, hashA.Length);
        Assert.Equal(0, s.Scalar<long>($"SELECT count(*) FROM recording_rejects WHERE raw ILIKE '%{AccountA[2..]}%' OR problem ILIKE '%{AccountA[2..]}%'"));
        // Set aside, naming the field: the NaN price, the frame that is not JSON, the same tid with another price.
        Assert.Equal("BTC", s.Scalar<string>("SELECT symbol FROM recording_rejects WHERE problem = 'trades BTC tid 907188554740563: field px: ''NaN'' is not a finite number'"));
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM recording_rejects WHERE problem LIKE 'not valid JSON%'"));
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM recording_rejects WHERE problem LIKE 'trades BTC tid 907188554740565: delivered again with other values%' AND raw LIKE '%99999.0%'"));
        Assert.Equal(3, s.Scalar<long>($"SELECT count(*) FROM recording_rejects WHERE venue = 'hyperliquid' AND session = '{recorder.Session}'"));
        // Gaps: the disconnection of each coin's stream, and the malformed frame.
        Assert.Equal(2, s.Scalar<long>("SELECT count(DISTINCT symbol) FROM recording_gaps WHERE kind = 'disconnected' AND stream = 'trades'"));
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM recording_gaps WHERE kind = 'malformed'"));
        Assert.Equal(recorder.Stats.RowsStored, s.Scalar<long>("SELECT rows FROM ingest_log"));
        Assert.Equal(4, server.Subscriptions.Count); // BTC and ETH, on each connection
        Assert.Contains("""{"method":"subscribe","subscription":{"type":"trades","coin":"ETH"}}""", server.Subscriptions);
        Assert.Equal([AccountA, AccountB], server.Users.ToArray()); // asked for lower-cased, in the order given
    }

    [Fact]
    public async Task Position_polls_wait_for_the_request_budget_on_the_injected_clock()
    {
        // 60 weight a minute (one token a second), a bucket of 4: two clearinghouseState requests (weight 2) at once, then
        // one more every two seconds of the clock — advanced by the test, never slept.
        using var server = new HyperliquidLoopbackServer([], coins: 0);
        server.Answers["clearinghouseState"] = _ => (200, ClearinghouseB);
        var accounts = Enumerable.Range(1, 5).Select(i => "0x" + i.ToString("x40", CultureInfo.InvariantCulture)).ToArray();
        var clock = new FakeTimeProvider(Start);
        var options = new HyperliquidRecorderOptions(Path.Combine(_dir, "budget.duckdb"), [], accounts, server.WebSocketUrl, server.InfoUrl,
            PositionsInterval: TimeSpan.FromMinutes(10), WeightPerMinute: 60, WeightBurst: 4);
        using var http = new HttpClient();
        var recorder = new HyperliquidRecorder(options, http, clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = recorder.RunAsync(stop.Token);
        int Sent() => server.Requests.GetValueOrDefault("clearinghouseState");
        await Until(() => Sent() == 2 && recorder.RequestsWaiting == 1, "two requests and the third waiting", run);
        clock.Advance(TimeSpan.FromSeconds(1)); // one token: not enough for a weight-2 request
        Assert.Equal(1, recorder.RequestsWaiting);
        Assert.Equal(2, recorder.RequestsSent);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Until(() => Sent() == 3, "the third request", run, recorder);
        clock.Advance(TimeSpan.FromSeconds(4));
        await Until(() => Sent() == 5 && recorder.Stats.MessagesByStream.GetValueOrDefault("clearinghouseState") == 5, "all five accounts", run);
        Assert.Equal(5, recorder.RequestsSent); // the next round waits for the 10-minute interval
        await stop.CancelAsync();
        await run;
        using var s = LabStore.Open(options.StorePath, readOnly: true);
        Assert.Equal(5, s.Scalar<long>("SELECT count(DISTINCT account_hash) FROM position_levels"));
    }

    [Fact]
    public async Task An_info_answer_over_the_size_cap_is_set_aside_with_a_gap_and_the_next_account_is_still_read()
    {
        using var server = new HyperliquidLoopbackServer([], coins: 0);
        var big = "{\"assetPositions\":[],\"pad\":\"" + new string('x', 4_000) + "\"}";
        server.Answers["clearinghouseState"] = r => (200, r.GetProperty("user").GetString() == AccountA ? big : ClearinghouseB);
        var clock = new FakeTimeProvider(Start);
        var options = new HyperliquidRecorderOptions(Path.Combine(_dir, "cap.duckdb"), [], [AccountA, AccountB], server.WebSocketUrl, server.InfoUrl)
        {
            MaxInfoBytes = 1_024,
        };
        using var http = new HttpClient();
        var recorder = new HyperliquidRecorder(options, http, clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = recorder.RunAsync(stop.Token);
        await Until(() => recorder.Stats.MessagesByStream.GetValueOrDefault("clearinghouseState") == 1 && recorder.Stats.Rejected == 1, "the second account after the refused first", run, recorder);
        await stop.CancelAsync();
        await run;
        using var s = LabStore.Open(options.StorePath, readOnly: true);
        var a = HyperliquidRecorderOptions.AccountHash(AccountA)[..12];
        Assert.Equal(new object?[] { $"clearinghouseState account {a}: a 4,030-byte body, over the 1,024-byte cap", 4_030L, "" },
            Row(s, "SELECT problem, raw_bytes, raw FROM recording_rejects"));
        Assert.Equal(1, s.Scalar<long>($"SELECT count(*) FROM recording_gaps WHERE kind = 'poll-failed' AND stream = 'clearinghouseState' AND detail LIKE '%account {a}%'"));
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM position_levels"));
    }

    [Fact]
    public async Task A_heartbeat_ping_is_sent_and_the_pong_keeps_a_quiet_connection_open()
    {
        using var server = new HyperliquidLoopbackServer([], coins: 1);
        var options = new HyperliquidRecorderOptions(Path.Combine(_dir, "beat.duckdb"), ["ETH"], WebSocketUrl: server.WebSocketUrl, InfoUrl: server.InfoUrl)
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(50), SilenceTimeout = TimeSpan.FromSeconds(30),
        };
        using var http = new HttpClient();
        var recorder = new HyperliquidRecorder(options, http);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = recorder.RunAsync(stop.Token);
        await Until(() => recorder.Stats.MessagesByStream.GetValueOrDefault("pong") >= 3, "three pongs", run, recorder);
        await stop.CancelAsync();
        await run;
        Assert.True(server.Pings >= 3);
        Assert.Equal(1, recorder.Stats.Connections);
        Assert.Equal(0, recorder.Stats.Rejected);
    }

    [Fact]
    public void A_bad_position_is_set_aside_naming_its_field_and_the_others_of_the_account_are_kept()
    {
        var path = Path.Combine(_dir, "bad.duckdb");
        using var http = new HttpClient();
        var recorder = new HyperliquidRecorder(new HyperliquidRecorderOptions(path, ["BTC"]), http);
        var body = ClearinghouseA.Replace("\"szi\":\"12.5\"", "\"szi\":\"0\"", StringComparison.Ordinal);
        recorder.Positions(body, HyperliquidRecorderOptions.AccountHash(AccountA), Start.UtcDateTime);
        recorder.Positions(ClearinghouseB.Replace("\"isolated\"", "\"portfolio\"", StringComparison.Ordinal), HyperliquidRecorderOptions.AccountHash(AccountB), Start.UtcDateTime);
        recorder.Positions("<html>502 Bad Gateway</html>", HyperliquidRecorderOptions.AccountHash(AccountB), Start.UtcDateTime);
        recorder.Market(MetaAndAssetCtxs.Replace("\"openInterest\":\"31877.18136\"", "\"openInterest\":\"1e300\"", StringComparison.Ordinal), Start.UtcDateTime);
        recorder.Flush();
        using var s = LabStore.Open(path, readOnly: true);
        Assert.Equal(["ETH"], Strings(s, "SELECT coin FROM position_levels"));
        var a = HyperliquidRecorderOptions.AccountHash(AccountA)[..12];
        var b = HyperliquidRecorderOptions.AccountHash(AccountB)[..12];
        Assert.Equal(new[]
            {
                $"clearinghouseState account {a} BTC: field szi: '0' is not a non-zero number within ±1E+15",
                $"clearinghouseState account {b} ETH: field leverage.type: expected \"cross\" or \"isolated\"",
                $"clearinghouseState account {b}: not valid JSON ('<' is an invalid start of a value.)",
                "metaAndAssetCtxs BTC: field openInterest: '1e300' is not a number from 0 to 1E+15",
            }.Order(StringComparer.Ordinal),
            Strings(s, "SELECT problem FROM recording_rejects ORDER BY problem"));
        Assert.Equal(0, s.Scalar<long>("SELECT count(*) FROM open_interest")); // BTC set aside; ETH and SOL were not asked for
    }

    private static string[] Strings(LabStore s, string sql)
    {
        using var cmd = s.Command(sql);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return [.. list];
    }

    [Theory]
    [InlineData("0x123", "Accounts")]
    [InlineData("8c3f1e02a4f2ad9b1d55e3b4b7b1ef0d3a6c9e21", "Accounts")]
    [InlineData("0x8c3f1e02a4f2ad9b1d55e3b4b7b1ef0d3a6c9e2g", "Accounts")]
    public void An_address_that_is_not_0x_and_40_hex_digits_is_refused_naming_the_accounts(string address, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => new HyperliquidRecorderOptions("x.duckdb", ["BTC"], [address]).Validate());
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains("0x followed by 40 hexadecimal digits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accounts_the_budget_cannot_poll_within_the_interval_are_refused_before_anything_starts()
    {
        var accounts = Enumerable.Range(1, 1000).Select(i => "0x" + i.ToString("x40", CultureInfo.InvariantCulture)).ToArray();
        var e = Assert.Throws<ArgumentException>(() =>
            new HyperliquidRecorderOptions("x.duckdb", ["BTC"], accounts, PositionsInterval: TimeSpan.FromSeconds(60), WeightPerMinute: 600).Validate());
        Assert.Equal("Accounts", e.ParamName);
        Assert.StartsWith("1,000 accounts (weight 2 each)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BTC-USD")]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU")]
    public void A_coin_outside_the_grammar_is_refused_naming_the_coins(string coin)
    {
        var e = Assert.Throws<ArgumentException>(() => new HyperliquidRecorderOptions("x.duckdb", [coin]).Validate());
        Assert.Equal("Coins", e.ParamName);
    }

    [Fact]
    public void An_accounts_file_names_the_line_of_a_bad_address()
    {
        var file = Path.Combine(_dir, "accounts.txt");
        File.WriteAllText(file, $"# top accounts\n{AccountA}\n\n{AccountB}, 0xnothex\n");
        var e = Assert.Throws<FormatException>(() => HyperliquidAccountList.Read(file));
        Assert.Equal($"{file} line 4: '0xnothex' is not an account address (0x followed by 40 hexadecimal digits).", e.Message);
        File.WriteAllText(file, $"# top accounts\n{AccountA.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)}\n{AccountB}\n");
        Assert.Equal([AccountA, AccountB], HyperliquidAccountList.Read(file));
    }

    [Fact]
    public void An_accounts_file_over_the_size_cap_is_refused_before_it_is_read()
    {
        var file = Path.Combine(_dir, "big.txt");
        using (var f = File.Create(file)) f.SetLength(HyperliquidAccountList.MaxFileBytes + 1);
        var e = Assert.Throws<FormatException>(() => HyperliquidAccountList.Read(file));
        Assert.Contains("more than an accounts list can be", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_account_hash_is_the_sha256_of_the_lower_cased_address()
    {
        // echo -n 0x00000000000000000000000000000000000000b2 | sha256sum, computed independently of the code under test.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("0x00000000000000000000000000000000000000b2"u8));
        Assert.Equal(expected, HyperliquidRecorderOptions.AccountHash("0x00000000000000000000000000000000000000B2"));
        Assert.NotEqual(expected, HyperliquidRecorderOptions.AccountHash(AccountA));
        _ = JsonDocument.Parse(ClearinghouseA); // the fixture is valid JSON
    }
}
