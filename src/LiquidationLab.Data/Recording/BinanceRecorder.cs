using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Recording;

/// <summary>
/// Records Binance USDⓈ-M streams into the store as they happen (<c>liqlab data record binance</c>): one combined-stream
/// websocket for every symbol and stream, REST depth snapshots for book sync (at each connection and after a sequence
/// break), open interest polled from REST. Messages are buffered as lines of the websocket-recording format
/// (<c>&lt;local ms&gt; &lt;json&gt;</c>) and written in short batches, one file per symbol, through the same importer and
/// row identities as <c>data ingest</c> of a recording — so a recorded message and the same message from a file are one
/// row, and a message delivered again after a reconnect is not stored twice. The store is opened for each batch only,
/// so a running <c>serve</c> can read between batches. Runs until cancelled; reconnects with jittered exponential
/// backoff and before Binance's 24-hour connection limit; gaps (disconnections, depth-sequence breaks, missing
/// markPrice seconds, malformed frames, failed snapshots) go to <c>recording_gaps</c>.
/// </summary>
/// <remarks>
/// <para>Nothing a server sends ends a session or costs it other rows. A message that cannot be stored — not JSON, a stream
/// the recorder did not subscribe to, a symbol other than its stream's, an impossible value (NaN, ∞, 1e300, a time outside
/// 2009 … now + 1 h), a REST body that is not the expected JSON — is set aside: kept raw with its problem in
/// <c>recording_rejects</c>, counted in <see cref="RecorderStats.Rejected"/>, and every other message is stored. Sizes
/// are capped (<see cref="RecorderOptions.MaxMessageBytes"/>, <see cref="RecorderOptions.MaxRestBytes"/>), a handshake
/// or REST call that does not finish times out, and a connection that stops answering pings (or, with markPrice,
/// stops sending) is dropped, its gap recorded and the connection opened again.</para>
/// <para>Stream names never reach the file system: a message is filed under the symbol of the subscribed stream it
/// names, and symbols are checked against Binance's grammar before the first connection.</para>
/// </remarks>
/// <param name="options">Settings.</param>
/// <param name="http">HTTP client for REST (snapshots, open interest).</param>
public sealed partial class BinanceRecorder(RecorderOptions options, HttpClient http)
{
    internal const string AllMarket = "ALL";
    private const string Venue = "binance-usdm";

    // _gate guards _pending, _pendingCount, _gaps and _rejects: the receive loop (Route, Snapshot), the open-interest poller
    // and Flush (batch writer, on the flush timer or the receive loop when a batch fills) all touch them. No I/O under it.
    private readonly object _gate = new();
    private Dictionary<string, List<string>> _pending = new(StringComparer.Ordinal);
    private int _pendingCount;
    private readonly List<(string Symbol, string Stream, string Kind, DateTime Start, DateTime End, string Detail)> _gaps = [];
    private readonly List<Reject> _rejects = [];

    // Receive-loop state: touched only by the task running Receive (Route and Snapshot run on it).
    private readonly Dictionary<string, long> _lastDepthU = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastMarkMs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _resyncDue = new(StringComparer.Ordinal); // symbol → when to fetch its snapshot
    private readonly Dictionary<string, int> _snapshotFailures = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, (string Symbol, string Kind)> _subscription = options.Subscription();

    private readonly string _session = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private long _sequence;

    private sealed record Reject(string? Symbol, string? Stream, DateTime ReceivedAt, string Problem, string Raw, long RawBytes);

    /// <summary>Live counters.</summary>
    public RecorderStats Stats { get; } = new();

    /// <summary>The session id written with every gap and reject.</summary>
    public string Session => _session;

    /// <summary>Records until <paramref name="cancellationToken"/> is cancelled, then writes what is buffered and returns.</summary>
    /// <exception cref="ArgumentException">A setting is invalid (<see cref="RecorderOptions.Validate"/>).</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        using var flushStop = new CancellationTokenSource();
        var flusher = Task.Run(() => FlushLoop(flushStop.Token), CancellationToken.None);
        var poller = options.OpenInterestInterval is { } every && options.Symbols.Count > 0
            ? Task.Run(() => PollOpenInterest(every, cancellationToken), CancellationToken.None) : Task.CompletedTask;
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
                    // Our pings, answered by any live server; no pong within PongTimeout aborts the socket (a dead connection).
                    socket.Options.KeepAliveInterval = options.PingInterval;
                    socket.Options.KeepAliveTimeout = options.PongTimeout;
                    var url = new Uri(options.Ws, "/stream?streams=" + string.Join('/', options.StreamNames()));
                    using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        handshake.CancelAfter(options.ConnectTimeout);
                        try
                        {
                            await socket.ConnectAsync(url, handshake.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            throw new RecordingConnectionException($"no websocket handshake within {options.ConnectTimeout.TotalSeconds:0.#} s");
                        }
                    }
                    Interlocked.Increment(ref Stats._connections);
                    attempt = 0;
                    if (disconnectedAt is { } lost)
                        foreach (var s in options.Symbols.DefaultIfEmpty(AllMarket))
                            AddGap(s, "*", "disconnected", lost, DateTime.UtcNow, "websocket reconnected");
                    disconnectedAt = null;
                    // Book sync: diffs are buffered from here; the snapshot comes after the subscription (Binance's procedure).
                    _resyncDue.Clear();
                    _snapshotFailures.Clear();
                    foreach (var s in options.Symbols.Where(_ => options.Streams.Contains("depth"))) _resyncDue[s] = DateTime.MinValue;
                    ageLimit.CancelAfter(options.MaxAge);
                    connectedAt = DateTime.UtcNow;
                    await Receive(socket, ageLimit.Token).ConfigureAwait(false);
                    disconnectedAt = DateTime.UtcNow; // the server closed the connection
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (OperationCanceledException) when (ageLimit.IsCancellationRequested)
                {
                    disconnectedAt = DateTime.UtcNow; // planned: before Binance's 24-hour limit
                    continue;
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
                {
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {e.Message}";
                    disconnectedAt ??= connectedAt;
                }
                // Jittered exponential backoff: base × 2^attempt, capped, times a uniform factor in [0.5, 1].
                var delay = TimeSpan.FromTicks((long)(Math.Min(options.BackoffCap.Ticks, options.Backoff0.Ticks * Math.Pow(2, Math.Min(attempt++, 30))) * (0.5 + Random.Shared.NextDouble() / 2)));
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
            await poller.ConfigureAwait(false);
            await flushStop.CancelAsync().ConfigureAwait(false);
            await flusher.ConfigureAwait(false);
            Flush(); // everything received is written before the recorder returns
            if (options.RawDirectory is null) DeleteTempFolder();
        }
    }

    // Without a raw folder the batches pass through a per-session temporary folder: gone when the session ends.
    private void DeleteTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "liqlab-record-" + _session);
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} temporary folder {folder} not removed: {e.Message}";
        }
    }

    private bool SilenceMatters => options.Streams.Contains("markPrice") && options.Symbols.Count > 0;

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
                if (SilenceMatters) silence.CancelAfter(options.SilenceTimeout);
                try
                {
                    result = await socket.ReceiveAsync(buffer, silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested && silence.IsCancellationRequested)
                {
                    socket.Abort();
                    throw new RecordingConnectionException($"no message for {options.SilenceTimeout.TotalSeconds:0.#} s although markPrice is sent every second: connection dropped");
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
                    // Bounded memory whatever the server sends: the start of the message is kept, the connection closed (1009).
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
                        // the close is a courtesy; the socket is dropped either way
                    }
                    socket.Abort();
                    throw new RecordingConnectionException(string.Create(CultureInfo.InvariantCulture, $"a message over {options.MaxMessageBytes:N0} bytes"));
                }
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            var local = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            Route(text, local);
            if (_resyncDue.Count > 0) await ResyncDue(token).ConfigureAwait(false);
        }
    }

    private async Task ResyncDue(CancellationToken token)
    {
        var now = DateTime.UtcNow;
        foreach (var (symbol, due) in _resyncDue.ToArray())
        {
            if (due > now) continue;
            if (await Snapshot(symbol, token).ConfigureAwait(false))
            {
                _resyncDue.Remove(symbol);
                _snapshotFailures.Remove(symbol);
            }
            else
            {
                // Tried again after a backoff (not on every message): a broken REST endpoint is not hammered.
                var failures = _snapshotFailures[symbol] = _snapshotFailures.GetValueOrDefault(symbol) + 1;
                _resyncDue[symbol] = DateTime.UtcNow + TimeSpan.FromTicks(Math.Min(options.BackoffCap.Ticks, options.Backoff0.Ticks * (1L << Math.Min(failures, 20))));
            }
        }
    }

    /// <summary>Files one message under the symbol of the subscribed stream it names, tracks sequence and time gaps, counts
    /// it; a message that cannot be stored is set aside (<see cref="RecorderStats.Rejected"/>).</summary>
    internal void Route(string text, long localMs)
    {
        var receivedAt = DateTime.UnixEpoch.AddMilliseconds(localMs);
        string? streamName = null;
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
            string symbol, kind;
            try
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("stream", out var s) || s.ValueKind != JsonValueKind.String
                    || s.GetString() is not { Length: > 0 } name || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                {
                    Malformed(text, receivedAt, "not a combined-stream message ({\"stream\":…,\"data\":{…}})");
                    return;
                }
                streamName = name;
                if (!_subscription.TryGetValue(name, out var subscribed))
                {
                    AddReject(null, null, receivedAt, $"stream '{Cut(name, 80)}' is not one the recorder subscribed to", text, Encoding.UTF8.GetByteCount(text));
                    return;
                }
                (symbol, kind) = subscribed;
                Stats.Messages.AddOrUpdate(kind, 1, (_, n) => n + 1);
                if (symbol != AllMarket && data.TryGetProperty("s", out var sym) && (sym.ValueKind != JsonValueKind.String || sym.GetString() != symbol))
                    throw new FormatException($"field s: {Cut(sym.ToString(), 40)} is not {symbol}, the symbol of stream {name}");
                long? eventMs = null;
                if (data.TryGetProperty("E", out var e))
                    eventMs = e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var ms) && ms is >= 1_230_940_800_000 and <= 253_402_300_799_999 && TimeBounds.Contains(DateTime.UnixEpoch.AddMilliseconds(ms)) ? ms
                        : throw new FormatException($"field E: {Cut(e.ToString(), 40)} is not a time in {TimeBounds.Earliest:yyyy-MM-dd} … now + 1 h (epoch milliseconds)");
                if (eventMs is { } at) Volatile.Write(ref Stats._lagMs, localMs - at);
                if (kind == "depth")
                {
                    if (!(data.TryGetProperty("pu", out var pu) && pu.ValueKind == JsonValueKind.Number && pu.TryGetInt64(out var previous)
                          && data.TryGetProperty("u", out var u) && u.ValueKind == JsonValueKind.Number && u.TryGetInt64(out var final) && eventMs is not null))
                        throw new FormatException("a depth update needs integer fields pu and u and a time E");
                    if (_lastDepthU.TryGetValue(symbol, out var last) && previous != last)
                    {
                        var t = DateTime.UnixEpoch.AddMilliseconds(eventMs.Value);
                        AddGap(symbol, "depth", "depth-sequence", t, t, $"pu {previous} after u {last}: book resynchronised from a new snapshot");
                        _resyncDue.TryAdd(symbol, DateTime.MinValue);
                    }
                    _lastDepthU[symbol] = final;
                }
                if (kind == "markPrice" && eventMs is { } mark)
                {
                    if (_lastMarkMs.TryGetValue(symbol, out var prev) && mark - prev > 1_500)
                        AddGap(symbol, "markPrice", "missing-seconds", DateTime.UnixEpoch.AddMilliseconds(prev), DateTime.UnixEpoch.AddMilliseconds(mark),
                            string.Create(CultureInfo.InvariantCulture, $"{(mark - prev) / 1000 - 1} s without a message"));
                    if (!_lastMarkMs.TryGetValue(symbol, out var latest) || mark > latest) _lastMarkMs[symbol] = mark;
                }
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or OverflowException)
            {
                var (sym, _) = _subscription.GetValueOrDefault(streamName ?? "");
                AddReject(sym, streamName, receivedAt, ex.Message, text, Encoding.UTF8.GetByteCount(text));
                return;
            }
            Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{localMs} {text}"));
        }
    }

    private void Malformed(string text, DateTime receivedAt, string problem)
    {
        Interlocked.Increment(ref Stats._malformed);
        AddGap(AllMarket, "*", "malformed", receivedAt, receivedAt, $"{problem}: {Cut(text, 120)}");
        AddReject(null, null, receivedAt, problem, text, Encoding.UTF8.GetByteCount(text));
    }

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..n] + "…";

    private void Add(string symbol, string line)
    {
        bool full;
        lock (_gate)
        {
            if (!_pending.TryGetValue(symbol, out var list)) _pending[symbol] = list = [];
            list.Add(line);
            full = ++_pendingCount >= options.BatchMessages;
        }
        if (full) TryFlush();
    }

    private void AddGap(string symbol, string stream, string kind, DateTime start, DateTime end, string detail)
    {
        lock (_gate) _gaps.Add((symbol, stream, kind, start, end, detail));
        Interlocked.Increment(ref Stats._gaps);
    }

    private void AddReject(string? symbol, string? stream, DateTime receivedAt, string problem, string raw, long rawBytes)
    {
        var kept = raw.Length <= RecorderOptions.KeptRawBytes ? raw : raw[..RecorderOptions.KeptRawBytes];
        lock (_gate)
        {
            _rejects.Add(new Reject(symbol, stream, receivedAt, problem, kept, rawBytes));
            _pendingCount++;
        }
        Interlocked.Increment(ref Stats._rejected);
        Stats.LastReject = $"{receivedAt:HH:mm:ss} {(stream is null ? "" : stream + ": ")}{Cut(problem, 200)}";
    }
}
