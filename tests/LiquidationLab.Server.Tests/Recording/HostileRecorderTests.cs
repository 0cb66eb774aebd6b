using System.Net.WebSockets;
using System.Text;
using LiquidationLab.Data.Recording;
using LiquidationLab.Data.Store;
using static LiquidationLab.Server.Tests.Recording.HostileBinanceServer;

namespace LiquidationLab.Server.Tests.Recording;

/// <summary>
/// The recorder against a server that sends what the hostile-input trial sent: impossible values, unexpected streams,
/// path-like stream names, HTML from REST, oversized and unfinished frames, a handshake that never completes, a connection
/// that goes silent. Every case: the session goes on, every good message is stored, every bad one is kept raw in
/// <c>recording_rejects</c> with its problem, and nothing is written outside the raw folder.
/// </summary>
public sealed class HostileRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-hostile-record-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "live.duckdb");

    private string Raw => Path.Combine(_dir, "raw");

    private RecorderOptions Options(Uri ws, Uri rest, IReadOnlyList<string> streams) =>
        new(Db, ["BTCUSDT"], streams, WebSocketBase: ws, RestBase: rest, RawDirectory: Raw, BatchInterval: TimeSpan.FromMilliseconds(100),
            BackoffBase: TimeSpan.FromMilliseconds(50), BackoffMax: TimeSpan.FromMilliseconds(200));

    /// <summary>Runs the recorder until <paramref name="done"/> holds (checked every 20 ms, for at most a minute), then stops it
    /// (a final batch) and returns whether the condition was met. The recorder's own exceptions propagate.</summary>
    private static async Task<bool> RunUntil(BinanceRecorder recorder, Func<bool> done)
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

    private long Count(string sql)
    {
        using var s = LabStore.Open(Db, readOnly: true);
        return s.Scalar<long>(sql);
    }

    private List<(string? Stream, string Problem, string Raw, long RawBytes)> Rejects()
    {
        using var s = LabStore.Open(Db, readOnly: true);
        using var cmd = s.Command("SELECT stream, problem, raw, raw_bytes FROM recording_rejects ORDER BY received_at, problem");
        using var r = cmd.ExecuteReader();
        var list = new List<(string?, string, string, long)>();
        while (r.Read()) list.Add((r.IsDBNull(0) ? null : r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)));
        return list;
    }

    [Fact]
    public async Task One_bad_value_costs_only_its_own_message_and_later_batches_are_stored()
    {
        var phaseB = new TaskCompletionSource();
        var sentB = new TaskCompletionSource();
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            if (n > 1) return;
            var t = NowMs;
            foreach (var id in new long[] { 1, 2, 3 }) await Send(ws, AggTrade(id, t + id), ct);
            await Send(ws, ForceOrder(t, price: "NaN"), ct);
            await Send(ws, ForceOrder(t, price: "Infinity"), ct);
            await Send(ws, ForceOrder(t, price: "1e300"), ct);
            await Send(ws, ForceOrder(t, tradeMs: 4_102_444_800_000), ct); // 2100-01-01
            await Send(ws, ForceOrder(t, averagePrice: "NaN"), ct);
            await Send(ws, MarkPrice(t), ct);
            await phaseB.Task.WaitAsync(ct); // a batch holding the bad values has been written: the next must be stored too
            foreach (var id in new long[] { 4, 5, 6 }) await Send(ws, AggTrade(id, t + id), ct);
            await Send(ws, ForceOrder(t + 10), ct);
            await Send(ws, MarkPrice(t + 1_000, rate: "0.00020000"), ct);
            sentB.SetResult();
        }, openInterest: () => $$"""{"symbol":"BTCUSDT","openInterest":"NaN","time":{{NowMs}}}""");
        var options = Options(server.WsUrl, server.BaseUrl, ["forceOrder", "aggTrade", "markPrice"]) with { OpenInterestInterval = TimeSpan.FromMilliseconds(100) };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () =>
        {
            if (recorder.Stats.Batches >= 1 && recorder.Stats.MessagesByStream.GetValueOrDefault("markPrice") >= 1) phaseB.TrySetResult();
            return sentB.Task.IsCompleted && recorder.Stats.MessagesByStream.GetValueOrDefault("markPrice") >= 2;
        });

        Assert.True(met, $"the session ended or stalled: {recorder.Stats.LastError}");
        Assert.Equal(6, Count("SELECT count(*) FROM agg_trades"));
        Assert.Equal(1, Count("SELECT count(*) FROM liquidation_orders"));
        Assert.Equal(2, Count("SELECT count(*) FROM funding_rates"));
        Assert.Equal(0, Count("SELECT count(*) FROM open_interest"));
        var rejects = Rejects();
        Assert.Equal(recorder.Stats.Rejected, rejects.Count);
        Assert.Equal(5, rejects.Count(r => r.Stream == "btcusdt@forceOrder"));
        foreach (var field in new[] { "field p: 'NaN'", "field p: 'Infinity'", "field p: '1e300'", "field o.T", "field ap: 'NaN'" })
            Assert.Contains(rejects, r => r.Problem.Contains(field, StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Stream == "btcusdt@openInterest" && r.Problem.Contains("field o: 'NaN'", StringComparison.Ordinal));
        Assert.All(rejects, r => Assert.StartsWith("{", r.Raw, StringComparison.Ordinal)); // the message itself, kept raw
        Assert.NotEmpty(Directory.EnumerateFiles(Raw, "*.gz", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Messages_that_ended_the_recorder_are_set_aside_and_the_session_goes_on()
    {
        var escape = "liqlab-escape-" + Guid.NewGuid().ToString("N");
        var absolute = Path.Combine(_dir, "absolute-" + Guid.NewGuid().ToString("N"));
        var sent = new TaskCompletionSource();
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            if (n > 1) return;
            var t = NowMs;
            await Send(ws, AggTrade(1, t), ct);
            await Send(ws, AggTrade(2, t, stream: "ethusdt@aggTrade", symbol: "ETHUSDT"), ct); // not subscribed
            await Send(ws, AggTrade(3, t, stream: $"../../{escape}@aggTrade"), ct);
            await Send(ws, AggTrade(4, t, stream: $"{absolute}@aggTrade"), ct);
            await Send(ws, AggTrade(5, t, symbol: "ETHUSDT"), ct); // another symbol on BTCUSDT's stream
            await Send(ws, MarkPrice(t, time: "9000000000000000000"), ct);
            await Send(ws, MarkPrice(t, time: "-5"), ct);
            await Send(ws, MarkPrice(t, mark: "1e300"), ct);
            await Send(ws, "[1,2,3]", ct);
            await Send(ws, "\"just a string\"", ct);
            await Send(ws, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":" + t + ",\"s\":\"BTCUSDT\",\"U\":\"x\",\"u\":null,\"pu\":[],\"b\":[],\"a\":[]}}", ct);
            await Send(ws, AggTrade(6, t + 1), ct);
            await Send(ws, MarkPrice(t + 1), ct);
            sent.SetResult();
        }, depth: () => ("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"));
        var options = Options(server.WsUrl, server.BaseUrl, ["aggTrade", "markPrice", "depth"]);
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () => sent.Task.IsCompleted && recorder.Stats.MessagesByStream.GetValueOrDefault("markPrice") >= 4
                                                 && Directory.Exists(Raw) && recorder.Stats.Rejected >= 11);

        Assert.True(met, $"the session ended or stalled: {recorder.Stats.LastError}; {recorder.Stats.Rejected} set aside");
        Assert.Equal(1, recorder.Stats.Connections); // never dropped by what it received
        Assert.Equal(2, Count("SELECT count(*) FROM agg_trades"));
        Assert.Equal(1, Count("SELECT count(*) FROM funding_rates"));
        var rejects = Rejects();
        Assert.Equal(3, rejects.Count(r => r.Problem.Contains("is not one the recorder subscribed to", StringComparison.Ordinal)));
        Assert.Contains(rejects, r => r.Stream == "btcusdt@aggTrade" && r.Problem.Contains("field s", StringComparison.Ordinal));
        Assert.Equal(2, rejects.Count(r => r.Stream == "btcusdt@markPrice@1s" && r.Problem.Contains("field E", StringComparison.Ordinal)));
        Assert.Contains(rejects, r => r.Stream == "btcusdt@markPrice@1s" && r.Problem.Contains("field p: '1e300'", StringComparison.Ordinal));
        Assert.Equal(2, rejects.Count(r => r.Problem.StartsWith("not a combined-stream message", StringComparison.Ordinal)));
        Assert.True(rejects.Any(r => r.Stream == "btcusdt@depth@100ms" && r.Problem.Contains("pu and u", StringComparison.Ordinal)), string.Join("\n", rejects.Select(r => $"{r.Stream} {r.Problem}")));
        Assert.Contains(rejects, r => r.Stream == "btcusdt@depth@100ms" && r.Raw.Contains("502 Bad Gateway", StringComparison.Ordinal));
        Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE kind = 'snapshot-failed'") >= 1);
        // Stream names never reach the file system: only the subscribed symbol's folder exists, nothing escaped.
        Assert.Equal("btcusdt", string.Join(",", Directory.EnumerateDirectories(Raw).Select(Path.GetFileName)));
        Assert.False(Directory.Exists(absolute));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetTempPath(), escape + "*"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Path.GetTempPath().TrimEnd('/'))!, escape + "*"));
    }

    [Fact]
    public async Task Oversized_and_unfinished_frames_are_cut_at_the_cap_and_the_connection_opened_again()
    {
        const int cap = 256 << 10;
        await using var server = await StartAsync(async (n, ws, ct) =>
        {
            var t = NowMs;
            switch (n)
            {
                case 1:
                    await Send(ws, AggTrade(1, t), ct);
                    await Send(ws, "{\"stream\":\"btcusdt@aggTrade\",\"data\":\"" + new string('x', 3 << 20) + "\"}", ct); // one 3 MiB frame
                    break;
                case 2:
                    var fragment = Encoding.UTF8.GetBytes(new string('y', 64 << 10));
                    for (var i = 0; i < 40; i++) await ws.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage: false, ct); // 2.5 MiB, never finished
                    break;
                default:
                    await Send(ws, AggTrade(2, t), ct);
                    break;
            }
        });
        var options = Options(server.WsUrl, server.BaseUrl, ["aggTrade"]) with { MaxMessageBytes = cap };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () => recorder.Stats.MessagesByStream.GetValueOrDefault("aggTrade") >= 2 && recorder.Stats.Rejected >= 2);

        Assert.True(met, $"stalled: {recorder.Stats.LastError}");
        Assert.True(server.Connections >= 3);
        Assert.Equal(2, Count("SELECT count(*) FROM agg_trades"));
        var cut = Rejects().Where(r => r.Problem.Contains("-byte cap", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cut.Count);
        Assert.All(cut, r =>
        {
            Assert.InRange(r.RawBytes, cap + 1, cap + (64 << 10)); // reading stopped at the cap: memory stays bounded
            Assert.InRange(r.Raw.Length, 1, RecorderOptions.KeptRawBytes);
        });
        Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE kind = 'disconnected'") >= 1);
    }

    [Fact]
    public async Task A_server_that_never_completes_the_handshake_is_timed_out_and_tried_again()
    {
        using var mute = new MuteTcpServer();
        var options = Options(mute.Url, new Uri("http://127.0.0.1:9/"), ["aggTrade"]) with { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () => mute.Accepted >= 3);

        Assert.True(met, $"{mute.Accepted} connection attempts: the first handshake was waited on for ever");
        Assert.Contains("handshake", recorder.Stats.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_that_stops_answering_pings_is_dropped_and_the_gap_recorded()
    {
        await using var server = await StartAsync((n, ws, ct) => Send(ws, AggTrade(1, NowMs), ct), answerPings: false);
        var options = Options(server.WsUrl, server.BaseUrl, ["aggTrade"]) with { PingInterval = TimeSpan.FromMilliseconds(200), PongTimeout = TimeSpan.FromMilliseconds(300) };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () => server.Connections >= 2 && recorder.Stats.Connections >= 2);

        Assert.True(met, "the silent connection was waited on for ever");
        Assert.Equal(1, Count("SELECT count(*) FROM agg_trades")); // the message sent again on the new connection is one row
        Assert.True(Count("SELECT count(*) FROM recording_gaps WHERE kind = 'disconnected'") >= 1);
    }

    [Fact]
    public async Task A_connection_that_answers_pings_but_sends_no_mark_price_is_dropped()
    {
        await using var server = await StartAsync((n, ws, ct) => Task.CompletedTask);
        var options = Options(server.WsUrl, server.BaseUrl, ["markPrice"]) with { SilenceTimeout = TimeSpan.FromMilliseconds(500) };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        var met = await RunUntil(recorder, () => server.Connections >= 2);

        Assert.True(met, "a stream that stopped was waited on for ever");
        Assert.Contains("no message for", recorder.Stats.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_raw_folder_the_sessions_temporary_batches_are_gone_when_it_stops()
    {
        await using var server = await StartAsync((n, ws, ct) => Send(ws, AggTrade(1, NowMs), ct));
        var options = Options(server.WsUrl, server.BaseUrl, ["aggTrade"]) with { RawDirectory = null };
        using var http = new HttpClient();
        var recorder = new BinanceRecorder(options, http);

        Assert.True(await RunUntil(recorder, () => recorder.Stats.Batches >= 1));

        Assert.Equal(1, Count("SELECT count(*) FROM agg_trades"));
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "liqlab-record-" + recorder.Session)));
    }

    [Fact]
    public void A_raw_folder_that_is_a_file_is_refused_before_any_connection()
    {
        var file = Path.Combine(_dir, "afile");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<ArgumentException>(() => new RecorderOptions(Db, ["BTCUSDT"], ["aggTrade"], RawDirectory: file).Validate());
        Assert.Contains("is a file, not a folder", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../ESCAPE")]
    [InlineData("/tmp/X")]
    [InlineData("BTC/USDT")]
    [InlineData("btcusdt")]
    [InlineData("B")]
    [InlineData("BTCUSDT\nX")]
    public void Symbols_outside_binance_grammar_are_refused_before_any_connection(string symbol)
    {
        var e = Assert.Throws<ArgumentException>(() => new RecorderOptions(Db, [symbol], ["aggTrade"]).Validate());
        Assert.Contains("is not a Binance symbol", e.Message, StringComparison.Ordinal);
    }
}
