using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>
/// The connection loop shared by the recorders of venues whose public websocket takes subscription messages and an
/// application-level ping (<see cref="BybitRecorder"/>, <see cref="OkxRecorder"/>): connect (handshake timeout), subscribe,
/// ping every <see cref="VenueRecorderOptions.PingInterval"/>, read messages up to a size cap, hand each to the venue's
/// parser, reconnect with jittered exponential backoff, and record every disconnection in <c>recording_gaps</c>. The parsed
/// rows are written in short transactional batches through the typed writers (<see cref="VenueRecorder"/>'s <c>Flush</c>).
/// </summary>
/// <remarks>
/// <para>Nothing a server sends ends a session or costs it other rows: a message that cannot be stored (not JSON, a topic the
/// recorder did not subscribe to, another symbol, an impossible value, a refused subscription) is set aside whole — kept raw
/// with the field that was wrong in <c>recording_rejects</c> — and every other message is stored. A message of several
/// prints is stored whole or set aside whole. Sizes are capped before they are buffered; a connection that delivers
/// nothing (not even the pong to a ping) for <see cref="VenueRecorderOptions.PingInterval"/> +
/// <see cref="VenueRecorderOptions.PongTimeout"/> is dropped and opened again.</para>
/// <para>Threads: the receive loop (one task) parses and buffers; the ping task only sends (one send at a time, under
/// <c>_send</c>); the batch writer (flush timer, or the receive loop when a batch fills) swaps the buffers under
/// <c>_gate</c> and writes outside it. Rows go to the store under one <c>ingest_log</c> entry per session.</para>
/// </remarks>
public abstract partial class VenueRecorder
{
    private protected readonly VenueRecorderOptions Options;
    private readonly string _session;

    /// <summary>Creates the recorder; settings are checked when it runs.</summary>
    private protected VenueRecorder(VenueRecorderOptions options, string sessionPrefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _session = sessionPrefix + "-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
                   Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
    }

    /// <summary>Live counters.</summary>
    public RecorderStats Stats { get; } = new();

    /// <summary>The session id written with every gap and reject.</summary>
    public string Session => _session;

    /// <summary>The venue, for its symbol grammar.</summary>
    private protected abstract Venue VenueKind { get; }

    /// <summary>The store's name of the venue (<see cref="VenueInfo.TierFolder"/>: <c>bybit-linear</c>, <c>okx-swap</c>).</summary>
    private protected string StoreVenue => VenueInfo.TierFolder(VenueKind);

    /// <summary>The venue's public websocket.</summary>
    private protected abstract Uri DefaultUrl { get; }

    /// <summary>The venue's streams (what <see cref="VenueRecorderOptions.Streams"/> may name).</summary>
    private protected abstract IReadOnlyList<string> Known { get; }

    /// <summary>The streams recorded: the options' or all.</summary>
    private protected IReadOnlyList<string> Streams => Options.Streams is { Count: > 0 } s ? s : Known;

    /// <summary>The subscription requests sent after each connection.</summary>
    private protected abstract IEnumerable<string> SubscribeMessages();

    /// <summary>The application ping the venue asks for.</summary>
    private protected abstract string PingText { get; }

    /// <summary>Further checks of the instruments before the first connection (OKX: a known contract value).</summary>
    /// <exception cref="ArgumentException">An instrument cannot be recorded; the message says why.</exception>
    private protected virtual void ValidateInstruments()
    {
    }

    /// <summary>Called at each connection before the subscription (stream state such as a ticker's last snapshot is reset).</summary>
    private protected virtual void OnConnected()
    {
    }

    /// <summary>Parses one message into <paramref name="rows"/> (kept only if the whole message parses) or throws
    /// <see cref="FormatException"/> naming the field; control messages (pong, subscription answers) add no rows. A
    /// <see cref="RejectException"/> carries the symbol and stream when they are known.</summary>
    private protected abstract void Parse(JsonElement root, DateTime receivedAt, ParsedRows rows);

    /// <summary>Records until <paramref name="cancellationToken"/> is cancelled, then writes what is buffered and returns.</summary>
    /// <exception cref="ArgumentException">A setting is invalid (<see cref="VenueRecorderOptions.Validate"/>).</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Options.Validate(VenueKind, Known);
        ValidateInstruments();
        using var flushStop = new CancellationTokenSource();
        var flusher = Task.Run(() => FlushLoop(flushStop.Token), CancellationToken.None);
        var attempt = 0;
        DateTime? disconnectedAt = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var connectedAt = DateTime.UtcNow;
                using var ageLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                try
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.Zero; // the venue's own ping (below) keeps the connection and proves it alive
                    using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        handshake.CancelAfter(Options.ConnectTimeout);
                        try
                        {
                            await socket.ConnectAsync(Options.WebSocketUrl ?? DefaultUrl, handshake.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            throw new RecordingConnectionException($"no websocket handshake within {Options.ConnectTimeout.TotalSeconds:0.#} s");
                        }
                    }
                    Interlocked.Increment(ref Stats._connections);
                    attempt = 0;
                    if (disconnectedAt is { } lost)
                        foreach (var s in Options.Symbols) AddGap(s, "*", "disconnected", lost, DateTime.UtcNow, "websocket reconnected");
                    disconnectedAt = null;
                    OnConnected();
                    using var send = new SemaphoreSlim(1, 1);
                    foreach (var request in SubscribeMessages()) await Send(socket, send, request, ageLimit.Token).ConfigureAwait(false);
                    ageLimit.CancelAfter(Options.MaxConnectionAge);
                    connectedAt = DateTime.UtcNow;
                    using var pingStop = CancellationTokenSource.CreateLinkedTokenSource(ageLimit.Token);
                    var pinger = Task.Run(() => PingLoop(socket, send, pingStop.Token), CancellationToken.None);
                    try
                    {
                        await Receive(socket, send, ageLimit.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        await pingStop.CancelAsync().ConfigureAwait(false);
                        await pinger.ConfigureAwait(false);
                    }
                    disconnectedAt = DateTime.UtcNow; // the server closed the connection
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (OperationCanceledException) when (ageLimit.IsCancellationRequested)
                {
                    disconnectedAt = DateTime.UtcNow; // planned: before the connection grows too old
                    continue;
                }
                catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or TimeoutException or InvalidOperationException)
                {
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {e.Message}";
                    disconnectedAt ??= connectedAt;
                }
                // Jittered exponential backoff: base × 2^attempt, capped, times a uniform factor in [0.5, 1].
                var delay = TimeSpan.FromTicks((long)(Math.Min(Options.BackoffCap.Ticks, Options.Backoff0.Ticks * Math.Pow(2, Math.Min(attempt++, 30))) * (0.5 + Random.Shared.NextDouble() / 2)));
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            await flushStop.CancelAsync().ConfigureAwait(false);
            await flusher.ConfigureAwait(false);
            Flush(); // everything received is written before the recorder returns
        }
    }

    private static async Task Send(ClientWebSocket socket, SemaphoreSlim send, string text, CancellationToken token)
    {
        await send.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
        }
        finally
        {
            send.Release();
        }
    }

    private async Task PingLoop(ClientWebSocket socket, SemaphoreSlim send, CancellationToken token)
    {
        try
        {
            using var timer = new PeriodicTimer(Options.PingInterval);
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false) && socket.State == WebSocketState.Open)
                await Send(socket, send, PingText, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the connection ended; the receive loop reports why
        }
    }

    private async Task Receive(ClientWebSocket socket, SemaphoreSlim send, CancellationToken token)
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(token);
        var quiet = Options.PingInterval + Options.PongTimeout;
        while (socket.State == WebSocketState.Open && !token.IsCancellationRequested)
        {
            WebSocketReceiveResult result;
            message.SetLength(0);
            long received = 0;
            do
            {
                silence.CancelAfter(quiet);
                try
                {
                    result = await socket.ReceiveAsync(buffer, silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested && silence.IsCancellationRequested)
                {
                    socket.Abort();
                    throw new RecordingConnectionException($"nothing received for {quiet.TotalSeconds:0.#} s, not even a pong: connection dropped");
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                received += result.Count;
                if (received > Options.MaxMessageBytes)
                {
                    // Bounded memory whatever the server sends: the message's first MaxMessageBytes (at most KeptRawBytes of them)
                    // are kept, the connection closed (1009).
                    message.Write(buffer, 0, (int)Math.Max(0, Options.MaxMessageBytes - (received - result.Count)));
                    var head = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)Math.Min(message.Length, RecorderOptions.KeptRawBytes));
                    AddReject(null, null, DateTime.UtcNow, string.Create(CultureInfo.InvariantCulture,
                        $"message over the {Options.MaxMessageBytes:N0}-byte cap ({received:N0} bytes and more): connection closed (1009) and opened again"), head, received);
                    using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    try
                    {
                        await send.WaitAsync(closing.Token).ConfigureAwait(false);
                        await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", closing.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
                    {
                        // the close is a courtesy; the socket is dropped either way
                    }
                    socket.Abort();
                    throw new RecordingConnectionException(string.Create(CultureInfo.InvariantCulture, $"a message over {Options.MaxMessageBytes:N0} bytes"));
                }
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            Route(text, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>Parses one message received at <paramref name="localMs"/> (epoch ms): its rows are buffered, or it is set aside
    /// with its problem (<see cref="RecorderStats.Rejected"/>).</summary>
    internal void Route(string text, long localMs)
    {
        var receivedAt = DateTime.UnixEpoch.AddMilliseconds(localMs);
        if (IsPong(text)) return;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            Malformed(text, receivedAt, $"not valid JSON ({ex.Message.Split(" LineNumber", 2)[0]})");
            return;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                Malformed(text, receivedAt, "not a JSON object");
                return;
            }
            var rows = new ParsedRows();
            try
            {
                Parse(doc.RootElement, receivedAt, rows);
            }
            catch (RejectException ex)
            {
                AddReject(ex.Symbol, ex.Stream, receivedAt, ex.Message, text, Encoding.UTF8.GetByteCount(text));
                return;
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or OverflowException or KeyNotFoundException)
            {
                AddReject(null, null, receivedAt, ex.Message, text, Encoding.UTF8.GetByteCount(text));
                return;
            }
            Add(rows);
        }
    }

    /// <summary>True for the venue's answer to <see cref="PingText"/> when it is not JSON (OKX's <c>pong</c>).</summary>
    private protected virtual bool IsPong(string text) => false;

    private void Malformed(string text, DateTime receivedAt, string problem)
    {
        Interlocked.Increment(ref Stats._malformed);
        foreach (var s in Options.Symbols) AddGap(s, "*", "malformed", receivedAt, receivedAt, $"{problem}: {Cut(text, 120)}");
        AddReject(null, null, receivedAt, problem, text, Encoding.UTF8.GetByteCount(text));
    }

    /// <summary>A message that is set aside whole, with the symbol and stream it named (when they are known).</summary>
    private protected sealed class RejectException(string? symbol, string? stream, string message) : FormatException(message)
    {
        public string? Symbol { get; } = symbol;

        public string? Stream { get; } = stream;
    }

    /// <summary>Counts one message of <paramref name="kind"/> and its lag behind the venue's time <paramref name="venueMs"/>.</summary>
    private protected void Count(string kind, long? venueMs, DateTime receivedAt)
    {
        Stats.Messages.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (venueMs is { } ms) Volatile.Write(ref Stats._lagMs, (receivedAt - DateTime.UnixEpoch).TotalMilliseconds - ms);
    }

    // ---- Field readers: every one names the field it could not read. ----

    /// <summary>A string field, or a <see cref="FormatException"/> naming it.</summary>
    private protected static string Text(JsonElement e, string field) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new FormatException($"field {field}: {(e.TryGetProperty(field, out var x) ? $"{Cut(x.ToString(), 40)} where a string is expected" : "missing")}.");

    /// <summary>A decimal-number string field as a finite double of at most 1e15: positive, or ≥ 0 with <paramref name="zeroAllowed"/>.</summary>
    private protected static double Number(JsonElement e, string field, bool zeroAllowed = false)
    {
        var text = Text(e, field);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v <= RowRules.MaxMagnitude && (v > 0 || (zeroAllowed && v == 0))
            ? v : throw new FormatException($"field {field}: '{Cut(text, 40)}' is not a finite {(zeroAllowed ? "non-negative" : "positive")} number of at most 1e15.");
    }

    /// <summary>A funding-rate string field: a finite fraction strictly between -1 and 1.</summary>
    private protected static double Rate(JsonElement e, string field)
    {
        var text = Text(e, field);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && Math.Abs(v) < 1
            ? v : throw new FormatException($"field {field}: '{Cut(text, 40)}' is not a funding rate (a fraction strictly between -1 and 1).");
    }

    /// <summary>An epoch-millisecond field (a JSON number or a string of digits) as a time within
    /// <see cref="TimeBounds"/>, or a <see cref="FormatException"/> naming it.</summary>
    private protected static DateTime Time(JsonElement e, string field, out long ms)
    {
        if (!e.TryGetProperty(field, out var v)) throw new FormatException($"field {field}: missing.");
        var ok = v.ValueKind == JsonValueKind.Number ? v.TryGetInt64(out ms)
            : v.ValueKind == JsonValueKind.String ? long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out ms) : (ms = 0) != 0;
        if (!ok || ms < PrintStageEarliestMs || ms > 253_402_300_799_999 || !TimeBounds.Contains(DateTime.UnixEpoch.AddMilliseconds(ms)))
            throw new FormatException($"field {field}: {Cut(v.ToString(), 40)} is not a time in {TimeBounds.Earliest:yyyy-MM-dd} … now + 1 h (epoch milliseconds).");
        return DateTime.UnixEpoch.AddMilliseconds(ms);
    }

    private static readonly long PrintStageEarliestMs = (long)(TimeBounds.Earliest - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>The array field <paramref name="field"/>, or a <see cref="FormatException"/> naming it.</summary>
    private protected static JsonElement Array(JsonElement e, string field) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Array ? v
            : throw new FormatException($"field {field}: {(e.TryGetProperty(field, out _) ? "not an array" : "missing")}.");

    private protected static string Cut(string s, int n) => s.Length <= n ? s : s[..n] + "…";
}
