using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiquidationLab.Server.Tests.Recording;

/// <summary>
/// A local stand-in for Binance USDⓈ-M (Kestrel on 127.0.0.1): the combined-stream websocket at <c>/stream</c> and the REST
/// <c>/fapi/v1/depth</c> and <c>/fapi/v1/openInterest</c>, replaying real market data from the repository's snapshot as
/// Binance's messages, as fast as the client reads. Scripts: a malformed frame after message <see cref="MalformedAfter"/>,
/// a dropped connection after <see cref="DisconnectAfter"/> (the next connection resumes <see cref="ResumeOverlap"/>
/// messages earlier, so the client receives some twice), and a depth diff left out (the <c>dropDepthAt</c>-th) to make a
/// sequence gap. Depth diffs after a connection's first message wait until the first REST depth snapshot has been served,
/// as a live stream (100 ms diffs) never runs minutes ahead of the client's snapshot: so even an unpaced replay starts its
/// book at the snapshot and applies the diffs that follow it.
/// </summary>
internal sealed class BinanceReplayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(long Ms, string Line, string Kind)> _messages;
    private readonly List<(long LastUpdateId, long Ms, List<(decimal P, decimal S)> Bids, List<(decimal P, decimal S)> Asks)> _books;
    private int _position;
    private int _connections;

    // Completed by the first /fapi/v1/depth answer (a Kestrel request thread); awaited by the stream loop before it sends a
    // depth diff.
    private readonly TaskCompletionSource _snapshotServed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BinanceReplayServer(WebApplication app, List<(long, string, string)> messages, List<(long, long, List<(decimal, decimal)>, List<(decimal, decimal)>)> books)
    {
        _app = app;
        _messages = messages;
        _books = books;
    }

    public int MalformedAfter { get; init; } = -1;
    public int DisconnectAfter { get; init; } = -1;
    /// <summary>Messages re-sent on a reconnect. Everything by default: an aborted connection loses whatever was in flight in
    /// the socket buffers (thousands of messages at replay speed), so the replay starts over and every message arrives at
    /// least once — the earlier ones twice.</summary>
    public int ResumeOverlap { get; init; } = int.MaxValue;

    /// <summary>A millisecond's pause after every this many messages (0: as fast as the socket takes them).</summary>
    public int PauseEvery { get; init; } = 10;

    /// <summary>True once a connection has sent the last message and no disconnect is still scripted.</summary>
    public bool Finished { get; private set; }

    /// <summary>Every message the replay holds, in order (the test's "recording as a file"), and the book snapshots.</summary>
    public IReadOnlyList<(long Ms, string Line, string Kind)> Messages => _messages;

    /// <summary>Messages sent so far (all connections).</summary>
    public int Sent;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The REST snapshot of the first book, as <c>/fapi/v1/depth</c> serves it.</summary>
    public string FirstSnapshotLine => Json(null, D(("lastUpdateId", _books[0].LastUpdateId + 1), ("E", _books[0].Ms), ("T", _books[0].Ms), ("bids", _books[0].Bids.Select(L)), ("asks", _books[0].Asks.Select(L))));

    public int Connections => _connections;

    /// <summary>Builds the message list from the store: BTCUSDT aggTrades, books and a markPrice per second (with a
    /// five-second hole), and every ETHUSDT liquidation print as a forceOrder message.</summary>
    public static async Task<BinanceReplayServer> StartAsync(string storePath, int dropDepthAt, int malformedAfter, int disconnectAfter, int pauseEvery = 10)
    {
        var messages = new List<(long Ms, string Line, string Kind)>();
        var books = new List<(long, long, List<(decimal, decimal)>, List<(decimal, decimal)>)>();
        using (var store = LabStore.Open(storePath, readOnly: true))
        {
            var from = new DateTime(2024, 7, 18, 23, 57, 0, DateTimeKind.Utc);
            var to = new DateTime(2024, 7, 19, 0, 6, 0, DateTimeKind.Utc);
            long Ms(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
            using (var cmd = store.Command("SELECT agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time, is_buyer_maker FROM agg_trades " +
                                           "WHERE symbol = 'BTCUSDT' AND transact_time >= $1 AND transact_time < $2 ORDER BY agg_trade_id", from, to))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    var ms = Ms(r.GetDateTime(5));
                    messages.Add((ms, Json("btcusdt@aggTrade", D(("e", "aggTrade"), ("E", ms + 5), ("s", "BTCUSDT"), ("a", r.GetInt64(0)), ("p", F(r.GetDouble(1))), ("q", F(r.GetDouble(2))),
                        ("f", r.GetInt64(3)), ("l", r.GetInt64(4)), ("T", ms), ("m", r.GetBoolean(6)))), "aggTrade"));
                }
            // Books sampled every second → a REST snapshot and one diff per second (U = u = previous + 1).
            var samples = new SortedDictionary<DateTime, (List<(decimal, decimal)> Bids, List<(decimal, decimal)> Asks)>();
            using (var cmd = store.Command("SELECT time, side, price, size FROM book_snapshots WHERE venue = 'binance-usdm' AND instrument_id = 'BTCUSDT' AND time >= $1 AND time < $2 ORDER BY time, side, level", from, to))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    var t = r.GetDateTime(0);
                    if (!samples.TryGetValue(t, out var b)) samples[t] = b = ([], []);
                    (r.GetString(1) == "bid" ? b.Bids : b.Asks).Add((r.GetDecimal(2), r.GetDecimal(3)));
                }
            long id = 5_000_000;
            (List<(decimal, decimal)> Bids, List<(decimal, decimal)> Asks)? previous = null;
            var diffIndex = 0;
            foreach (var (t, book) in samples)
            {
                var ms = Ms(t);
                if (previous is null)
                {
                    books.Add((id, ms, book.Bids, book.Asks));
                    previous = book;
                    continue;
                }
                var bids = Diff(previous.Value.Bids, book.Bids);
                var asks = Diff(previous.Value.Asks, book.Asks);
                // Each diff spans two update ids (U = previous + 1, u = previous + 2), as Binance's events span many: a snapshot
                // of book k then carries id u_k + 1, inside diff k + 1's [U, u], the straddle Binance's sync procedure expects.
                var u = id + 2;
                books.Add((u, ms, book.Bids, book.Asks));
                if (diffIndex++ != dropDepthAt)
                    messages.Add((ms, Json("btcusdt@depth@100ms", new Dictionary<string, object>(StringComparer.Ordinal) { ["e"] = "depthUpdate", ["E"] = ms, ["T"] = ms, ["s"] = "BTCUSDT", ["U"] = id + 1, ["u"] = u, ["pu"] = id, ["b"] = bids, ["a"] = asks }), "depth"));
                id = u;
                previous = book;
            }
            // markPrice every second over the window (the last trade's price; the funding rate Binance showed), a 5-second hole at 00:01.
            var last = 0.0;
            var trades = messages.Where(m => m.Kind == "aggTrade").Select(m => (m.Ms, Price: JsonDocument.Parse(m.Line).RootElement.GetProperty("data").GetProperty("p").GetString()!)).ToList();
            var k = 0;
            for (var ms = Ms(from) + 1_000; ms < Ms(to); ms += 1_000)
            {
                while (k < trades.Count && trades[k].Ms <= ms) last = double.Parse(trades[k++].Price, CultureInfo.InvariantCulture);
                if (last == 0 || (ms >= Ms(from.AddMinutes(4)) && ms < Ms(from.AddMinutes(4).AddSeconds(5)))) continue;
                messages.Add((ms, Json("btcusdt@markPrice@1s", D(("e", "markPriceUpdate"), ("E", ms), ("s", "BTCUSDT"), ("p", F(last)), ("i", F(last)), ("P", F(last)), ("r", "0.00010000"), ("T", ms + 3_600_000))), "markPrice"));
            }
            // The ETH hour's liquidations (Binance's own prints among them), as forceOrder messages.
            using (var cmd = store.Command("SELECT symbol, side, price, quantity, time, average_price FROM liquidation_orders WHERE symbol = 'ETHUSDT' AND venue = 'binance-usdm' ORDER BY time"))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    var ms = Ms(r.GetDateTime(4));
                    messages.Add((Ms(from) + messages.Count % 400_000, Json("!forceOrder@arr", D(("e", "forceOrder"), ("E", ms + 3), ("o", D(("s", r.GetString(0)), ("S", r.GetString(1)), ("o", "LIMIT"), ("f", "IOC"), ("q", F(r.GetDouble(3))),
                        ("p", F(r.GetDouble(2))), ("ap", r.IsDBNull(5) ? F(r.GetDouble(2)) : F(r.GetDouble(5))), ("X", "FILLED"), ("l", F(r.GetDouble(3))),
                        ("z", F(r.GetDouble(3))), ("T", ms))))), "forceOrder"));
                }
        }
        messages.Sort((x, y) => x.Ms.CompareTo(y.Ms));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets();
        var server = new BinanceReplayServer(app, messages, books) { MalformedAfter = malformedAfter, DisconnectAfter = disconnectAfter, PauseEvery = pauseEvery };
        app.Map("/stream", server.Stream);
        app.MapGet("/fapi/v1/depth", (string symbol) =>
        {
            // The book as of the replay's position: the last sample at or before the last message sent, its id one update into
            // the next diff (Binance's snapshots fall inside a diff's [U, u]).
            var sentMs = server._messages[Math.Clamp(server._position - 1, 0, server._messages.Count - 1)].Ms;
            var b = server._books.LastOrDefault(x => x.Ms <= sentMs);
            if (b.Bids is null) b = server._books[0];
            var body = Json(null, D(("lastUpdateId", b.LastUpdateId + 1), ("E", b.Ms), ("T", b.Ms), ("bids", b.Bids.Select(L)), ("asks", b.Asks.Select(L))));
            server._snapshotServed.TrySetResult(); // the position is read: diffs may follow
            return Results.Text(body, "application/json");
        });
        app.MapGet("/fapi/v1/openInterest", (string symbol) =>
            Results.Text($$"""{"symbol":"{{symbol}}","openInterest":"{{(81234.5 + server._position / 100.0).ToString("0.000", CultureInfo.InvariantCulture)}}","time":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""", "application/json"));
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return server;
    }

    private static string[] L((decimal P, decimal S) x) => [x.P.ToString(CultureInfo.InvariantCulture), x.S.ToString(CultureInfo.InvariantCulture)];

    private static List<string[]> Diff(List<(decimal P, decimal S)> before, List<(decimal P, decimal S)> after)
    {
        var now = after.ToDictionary(x => x.P, x => x.S);
        var changes = after.Where(x => !before.Contains(x)).Select(L).ToList();
        changes.AddRange(before.Where(x => !now.ContainsKey(x.P)).Select(x => L((x.P, 0m)))); // levels gone: size 0
        return changes;
    }

    private static Dictionary<string, object> D(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static string F(double v) => v.ToString("0.########", CultureInfo.InvariantCulture);

    private static string Json(string? stream, object data) =>
        stream is null ? JsonSerializer.Serialize(data) : JsonSerializer.Serialize(new { stream, data });

    private async Task Stream(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = 400;
            return;
        }
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var connection = Interlocked.Increment(ref _connections);
        // A live server answers the client's pings (ASP.NET Core does while a receive is pending): without this the recorder's
        // keep-alive would drop a connection that stayed open past its ping interval plus pong timeout.
        _ = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                    if ((await socket.ReceiveAsync(buffer, ctx.RequestAborted)).MessageType == WebSocketMessageType.Close) return;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // the connection ended
            }
        });
        if (connection > 1) _position = (int)Math.Max(0, (long)_position - ResumeOverlap); // a reconnect: messages arrive again
        var sentHere = 0;
        while (_position < _messages.Count && socket.State == WebSocketState.Open)
        {
            // A depth diff waits for the first REST snapshot (the client asks for it after its first message).
            if (sentHere > 0 && _messages[_position].Kind == "depth" && !_snapshotServed.Task.IsCompleted)
                await _snapshotServed.Task.WaitAsync(ctx.RequestAborted);
            sentHere++;
            var i = _position++;
            await socket.SendAsync(Encoding.UTF8.GetBytes(_messages[i].Line), WebSocketMessageType.Text, true, ctx.RequestAborted);
            Interlocked.Increment(ref Sent);
            if (i == MalformedAfter && (DisconnectAfter < 0 || connection > 1)) // on the connection that stays: delivered for sure
                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTr"), WebSocketMessageType.Text, true, ctx.RequestAborted);
            // Paced (a millisecond's pause every 10 messages, a few thousand a second: faster than Binance sends these
            // streams): the client keeps up, so a REST snapshot fetched after a gap reflects about where the client is, as live.
            if (PauseEvery > 0 && i % PauseEvery == PauseEvery - 1) await Task.Delay(1, ctx.RequestAborted);
            if (i == DisconnectAfter && connection == 1)
            {
                ctx.Abort(); // the connection drops without a close frame
                return;
            }
        }
        if (_position >= _messages.Count && (DisconnectAfter < 0 || connection > 1)) Finished = true;
        try
        {
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted); // idle: Binance keeps the stream open
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
