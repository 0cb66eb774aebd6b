using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Recording;

/// <summary>
/// Records Hyperliquid's public market data into the store as it happens (<c>liqlab data record hyperliquid</c>): the
/// websocket <c>trades</c> stream of each coin into <c>trades</c> (venue <c>hyperliquid</c>, the coin as symbol), the info
/// endpoint's <c>metaAndAssetCtxs</c> polled into <c>open_interest</c> and <c>funding_rates</c> (source
/// <c>hyperliquid-info</c>), and — with accounts — each account's <c>clearinghouseState</c> polled into
/// <c>position_levels</c> (the venue's own liquidation price of every open position). Rows are written in short batches,
/// one transaction each, through the typed writers, under one <c>ingest_log</c> entry per session; the store is open only
/// while a batch is written.
/// </summary>
/// <remarks>
/// <para>Sources of the wire formats (read 2026-12-08): websocket and its <c>trades</c> subscription
/// (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/subscriptions: <c>{"method":"subscribe",
/// "subscription":{"type":"trades","coin":"BTC"}}</c>, answered by a <c>subscriptionResponse</c>, then messages
/// <c>{"channel":"trades","data":[WsTrade…]}</c> with <c>WsTrade {coin, side: "A"|"B", px: string, sz: string, hash, time:
/// ms, tid: number, users: [buyer, seller]}</c>); heartbeats (…/websocket/timeouts-and-heartbeats: the server closes a
/// connection that sent it nothing for 60 s; <c>{"method":"ping"}</c> is answered by <c>{"channel":"pong"}</c>); the info
/// endpoint (…/api/info-endpoint/perpetuals); rate limits (…/api/rate-limits).</para>
/// <para>What it cannot see: the public <c>trades</c> stream does not mark liquidations (a liquidation is an ordinary
/// trade there). Hyperliquid flags them only in a user's own fills (a <c>liquidation</c> object on the fill of the
/// liquidated user, in <c>userFills</c>/<c>userEvents</c>, for one user per subscription and at most 10 users per IP
/// address), so this recorder writes no <c>liquidation_orders</c>: realised Hyperliquid liquidations come from
/// Hyperliquid's published files (<c>hyperliquid-liquidations</c> importer).</para>
/// <para>Nothing a server sends ends a session or costs it other rows: a frame that is not JSON, a channel not asked for,
/// a trade of a coin not subscribed, an impossible value (NaN, ∞, 1e300, a time outside 2009 … now + 1 h), an info body
/// that is not the expected JSON, is set aside in <c>recording_rejects</c> with the field named, and everything else is
/// stored. A trade delivered again (after a reconnect) is stored once (its <c>tid</c> per coin).</para>
/// </remarks>
/// <param name="options">Settings (checked by <see cref="HyperliquidRecorderOptions.Validate"/> when the run starts).</param>
/// <param name="http">HTTP client for the info endpoint.</param>
/// <param name="clock">Clock of the request budget and the poll schedules (tests pass a fake one); default the system clock.</param>
public sealed partial class HyperliquidRecorder(HyperliquidRecorderOptions options, HttpClient http, TimeProvider? clock = null)
{
    /// <summary>The <c>venue</c> of every row.</summary>
    public const string Venue = "hyperliquid";

    /// <summary>The <c>source</c> of the open-interest and funding rows.</summary>
    public const string InfoSource = "hyperliquid-info";

    /// <summary>The <c>source</c> of the position rows.</summary>
    public const string PositionsSource = "hyperliquid-clearinghouseState";

    /// <summary>The <c>kind</c> of the session's <c>ingest_log</c> entry.</summary>
    public const string Kind = "hyperliquid-recording";

    /// <summary>The symbol of gaps and rejects that concern no single coin.</summary>
    internal const string AllCoins = "ALL";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly HashSet<string> _coins = new(options.Coins, StringComparer.Ordinal);
    private readonly string _session = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
                                       Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Live counters (messages per channel and poll kind, gaps, rejects, batches, rows).</summary>
    public RecorderStats Stats { get; } = new();

    /// <summary>The session id written with every gap and reject, and named in the session's <c>ingest_log</c> entry.</summary>
    public string Session => _session;

    /// <summary>Info requests waiting for the request budget (the token bucket), for progress lines and tests.</summary>
    public long RequestsWaiting => _budget?.Waiting ?? 0;

    /// <summary>Info requests sent.</summary>
    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    private long _requestsSent;
    private RequestBudget? _budget;

    /// <summary>Records until <paramref name="cancellationToken"/> is cancelled, then writes what is buffered and returns.</summary>
    /// <exception cref="ArgumentException">A setting is invalid (<see cref="HyperliquidRecorderOptions.Validate"/>).</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        // The request budget: a token bucket of WeightBurst, WeightPerMinute coming back per minute, on the injected clock
        // (a test advances time instead of waiting).
        using var budget = new RequestBudget(options.WeightPerMinute, options.WeightBurst, _clock);
        _budget = budget;
        using var flushStop = new CancellationTokenSource();
        var flusher = Task.Run(() => FlushLoop(flushStop.Token), CancellationToken.None);
        var tasks = new List<Task>();
        if (options.MarketInterval is { } every && options.Coins.Count > 0)
            tasks.Add(Task.Run(() => PollMarket(every, cancellationToken), CancellationToken.None));
        if (options.AccountList.Count > 0)
            tasks.Add(Task.Run(() => PollPositions(cancellationToken), CancellationToken.None));
        if (options.Coins.Count > 0)
            tasks.Add(Task.Run(() => StreamTrades(cancellationToken), CancellationToken.None));
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            await flushStop.CancelAsync().ConfigureAwait(false);
            await flusher.ConfigureAwait(false);
            Flush(); // everything received is written before the recorder returns
            _budget = null;
        }
    }

    private async Task StreamTrades(CancellationToken token)
    {
        var attempt = 0;
        DateTime? disconnectedAt = null;
        while (!token.IsCancellationRequested)
        {
            var connectedAt = DateTime.UtcNow;
            try
            {
                using var socket = new ClientWebSocket();
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    handshake.CancelAfter(options.ConnectTimeout);
                    try
                    {
                        await socket.ConnectAsync(options.Ws, handshake.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        throw new RecordingConnectionException($"no websocket handshake within {options.ConnectTimeout.TotalSeconds:0.#} s");
                    }
                }
                foreach (var coin in options.Coins)
                    await Send(socket, JsonSerializer.Serialize(new { method = "subscribe", subscription = new { type = "trades", coin } }), token).ConfigureAwait(false);
                Interlocked.Increment(ref Stats._connections);
                attempt = 0;
                if (disconnectedAt is { } lost)
                    foreach (var coin in options.Coins) AddGap(coin, "trades", "disconnected", lost, DateTime.UtcNow, "websocket reconnected and resubscribed");
                disconnectedAt = null;
                connectedAt = DateTime.UtcNow;
                // The heartbeat task is the only sender once the subscriptions are out; Receive is the only receiver.
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(token);
                var heartbeat = Task.Run(() => Heartbeat(socket, beat.Token), CancellationToken.None);
                try
                {
                    await Receive(socket, token).ConfigureAwait(false);
                }
                finally
                {
                    await beat.CancelAsync().ConfigureAwait(false);
                    await heartbeat.ConfigureAwait(false);
                }
                disconnectedAt = DateTime.UtcNow; // the server closed the connection
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
            {
                Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {e.Message}";
                disconnectedAt ??= connectedAt;
            }
            // Exponential backoff with jitter: base × 2^attempt, capped, times a uniform factor in [0.5, 1].
            var delay = TimeSpan.FromTicks((long)(Math.Min(options.BackoffCap.Ticks, options.Backoff0.Ticks * Math.Pow(2, Math.Min(attempt++, 30))) * (0.5 + Random.Shared.NextDouble() / 2)));
            try
            {
                await Task.Delay(delay, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static Task Send(ClientWebSocket socket, string text, CancellationToken token) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, token);

    private async Task Heartbeat(ClientWebSocket socket, CancellationToken token)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false) && socket.State == WebSocketState.Open)
                await Send(socket, """{"method":"ping"}""", token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // stopping, or the connection is gone: the receive side notices and reconnects
        }
    }

    private async Task Receive(ClientWebSocket socket, CancellationToken token)
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(token);
        while (socket.State == WebSocketState.Open && !token.IsCancellationRequested)
        {
            WebSocketReceiveResult result;
            message.SetLength(0);
            long received = 0;
            do
            {
                silence.CancelAfter(options.SilenceTimeout);
                try
                {
                    result = await socket.ReceiveAsync(buffer, silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    socket.Abort();
                    throw new RecordingConnectionException($"nothing received for {options.SilenceTimeout.TotalSeconds:0.#} s although a heartbeat is answered: connection dropped");
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                received += result.Count;
                if (received > options.MaxMessageBytes)
                {
                    // Memory stays bounded whatever the server sends: the head is kept, the connection closed (1009) and reopened.
                    var head = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)Math.Min(message.Length, RecorderOptions.KeptRawBytes));
                    AddReject(null, null, DateTime.UtcNow, string.Create(CultureInfo.InvariantCulture,
                        $"message over the {options.MaxMessageBytes:N0}-byte cap ({received:N0} bytes and more): connection closed (1009) and opened again"), head, received);
                    using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", closing.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
                    {
                        // a courtesy; the socket is dropped either way
                    }
                    socket.Abort();
                    throw new RecordingConnectionException(string.Create(CultureInfo.InvariantCulture, $"a message over {options.MaxMessageBytes:N0} bytes"));
                }
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            Route(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length), DateTime.UtcNow);
        }
    }

    /// <summary>Reads one websocket message: trades are buffered (each checked alone: one bad trade is set aside, the others
    /// kept), acknowledgements and pongs counted, anything else set aside.</summary>
    internal void Route(string text, DateTime receivedAt)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            Interlocked.Increment(ref Stats._malformed);
            var problem = $"not valid JSON ({e.Message.Split(" LineNumber", 2)[0]})";
            AddGap(AllCoins, "*", "malformed", receivedAt, receivedAt, $"{problem}: {Cut(text, 120)}");
            AddReject(null, null, receivedAt, problem, text, Encoding.UTF8.GetByteCount(text));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            var channel = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : null;
            switch (channel)
            {
                case "trades":
                    Count("trades");
                    if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                    {
                        AddReject(null, "trades", receivedAt, "trades: field data: expected an array of trades", text, Encoding.UTF8.GetByteCount(text));
                        return;
                    }
                    foreach (var trade in data.EnumerateArray()) Trade(trade, receivedAt);
                    return;
                case "subscriptionResponse" or "pong":
                    Count(channel);
                    return;
                case "error":
                    var said = root.TryGetProperty("data", out var d) ? (d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText()) : "";
                    Stats.LastError = $"{receivedAt:HH:mm:ss} server error: {Cut(said ?? "", 200)}";
                    AddReject(null, null, receivedAt, $"the server answered with an error: {Cut(said ?? "", 500)}", text, Encoding.UTF8.GetByteCount(text));
                    return;
                default:
                    AddReject(null, null, receivedAt, channel is null ? "not a channel message (no string field channel)" : $"channel '{Cut(channel, 60)}' was not subscribed to",
                        text, Encoding.UTF8.GetByteCount(text));
                    return;
            }
        }
    }

    private void Trade(JsonElement t, DateTime receivedAt)
    {
        string? coin = null;
        try
        {
            if (t.ValueKind != JsonValueKind.Object) throw new FormatException("trades: expected an object per trade");
            coin = t.TryGetProperty("coin", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (coin is null || !_coins.Contains(coin))
            {
                var named = coin;
                coin = null;
                throw new FormatException(named is null ? "trades: field coin: missing or not a string" : $"trades: field coin: '{Cut(named, 40)}' was not subscribed to");
            }
            var tid = Integer(t, "tid", "trades");
            var label = string.Create(CultureInfo.InvariantCulture, $"trades {coin} tid {tid}");
            var side = t.TryGetProperty("side", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (side is not ("A" or "B")) throw new FormatException($"{label}: field side: expected \"A\" (the taker sold) or \"B\" (the taker bought)");
            var px = Number(t, "px", label, Rule.Positive, MaxPrice);
            var sz = Number(t, "sz", label, Rule.Positive, MaxQuantity);
            var time = Time(t, "time", label);
            Volatile.Write(ref Stats._lagMs, (receivedAt - time).TotalMilliseconds);
            // side A: the taker sold into a resting bid, so the buyer was the maker.
            AddTrade(new PendingTrade(coin, tid, px, sz, time, side == "A", t.GetRawText()));
        }
        catch (FormatException e)
        {
            var raw = t.GetRawText();
            AddReject(coin, "trades", receivedAt, e.Message, raw, Encoding.UTF8.GetByteCount(raw));
        }
    }

    private void Count(string kind) => Stats.Messages.AddOrUpdate(kind, 1, (_, n) => n + 1);

    // ---- value checks shared by the stream and the polls (the field is named in every message) ----

    internal const double MaxPrice = 1e12;
    internal const double MaxQuantity = 1e15;

    internal enum Rule
    {
        Positive,
        NonNegative,
        NonZero,
        FundingRate,
    }

    /// <summary>A number Hyperliquid sends as a string (or, leniently, as a JSON number), checked against the rule and the bound.</summary>
    internal static double Number(JsonElement o, string field, string label, Rule rule, double max)
    {
        if (!o.TryGetProperty(field, out var v)) throw new FormatException($"{label}: field {field} is missing");
        var text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new FormatException($"{label}: field {field}: expected a number as a string, found {v.ValueKind.ToString().ToLowerInvariant()}"),
        };
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
            throw new FormatException($"{label}: field {field}: '{Cut(text, 40)}' is not a finite number");
        var ok = rule switch
        {
            Rule.Positive => x > 0 && x <= max,
            Rule.NonNegative => x >= 0 && x <= max,
            Rule.NonZero => x != 0 && Math.Abs(x) <= max,
            _ => Math.Abs(x) < 1,
        };
        if (!ok)
            throw new FormatException(rule switch
            {
                Rule.Positive => string.Create(CultureInfo.InvariantCulture, $"{label}: field {field}: '{Cut(text, 40)}' is not a positive number up to {max:G3}"),
                Rule.NonNegative => string.Create(CultureInfo.InvariantCulture, $"{label}: field {field}: '{Cut(text, 40)}' is not a number from 0 to {max:G3}"),
                Rule.NonZero => string.Create(CultureInfo.InvariantCulture, $"{label}: field {field}: '{Cut(text, 40)}' is not a non-zero number within ±{max:G3}"),
                _ => $"{label}: field {field}: '{Cut(text, 40)}' is not a funding rate (a fraction strictly between -1 and 1)",
            });
        return x;
    }

    internal static long Integer(JsonElement o, string field, string label)
    {
        if (!o.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 0)
            throw new FormatException($"{label}: field {field}: expected a non-negative integer");
        return n;
    }

    internal static DateTime Time(JsonElement o, string field, string label)
    {
        var ms = Integer(o, field, label);
        if (ms > 253_402_300_799_999) throw new FormatException($"{label}: field {field}: {TimeBounds.Describe(ms.ToString(CultureInfo.InvariantCulture) + " ms")}");
        var time = DateTime.UnixEpoch.AddMilliseconds(ms);
        if (!TimeBounds.Contains(time)) throw new FormatException($"{label}: field {field}: {TimeBounds.Describe(time)}");
        return time;
    }

    internal static string Cut(string s, int n) => s.Length <= n ? s : s[..n] + "…";
}
