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

/// <summary>Settings of <see cref="BinanceRecorder"/>.</summary>
/// <param name="StorePath">The DuckDB store rows go to.</param>
/// <param name="Symbols">Symbols (e.g. BTCUSDT: 2–30 upper-case letters and digits), each with <paramref name="Streams"/>.</param>
/// <param name="Streams">Per-symbol streams: <c>forceOrder</c>, <c>aggTrade</c>, <c>trade</c>, <c>markPrice</c> (1 s), <c>depth</c> (100 ms diffs).</param>
/// <param name="AllMarketLiquidations">Also subscribe to <c>!forceOrder@arr</c> (every symbol's liquidations).</param>
/// <param name="WebSocketBase">Stream endpoint base, default <c>wss://fstream.binance.com</c>.</param>
/// <param name="RestBase">REST base for depth snapshots and open interest, default <c>https://fapi.binance.com</c>.</param>
/// <param name="RawDirectory">When set, every batch is also kept as a gzip recording (<c>&lt;local ms&gt; &lt;json&gt;</c> per line) there.</param>
/// <param name="BatchInterval">Batches are written at least this often.</param>
/// <param name="BatchMessages">…or when this many messages wait.</param>
/// <param name="OpenInterestInterval">Open interest is polled this often per symbol (null: not polled).</param>
/// <param name="MaxConnectionAge">Reconnect before Binance's 24-hour limit closes the connection.</param>
/// <param name="BackoffBase">First reconnect delay (doubled per failed attempt, with jitter).</param>
/// <param name="BackoffMax">Longest reconnect delay.</param>
public sealed partial record RecorderOptions(string StorePath, IReadOnlyList<string> Symbols, IReadOnlyList<string> Streams, bool AllMarketLiquidations = false,
    Uri? WebSocketBase = null, Uri? RestBase = null, string? RawDirectory = null, TimeSpan? BatchInterval = null, int BatchMessages = 20_000,
    TimeSpan? OpenInterestInterval = null, TimeSpan? MaxConnectionAge = null, TimeSpan? BackoffBase = null, TimeSpan? BackoffMax = null)
{
    /// <summary>The per-symbol streams the recorder knows.</summary>
    public static IReadOnlyList<string> KnownStreams { get; } = ["forceOrder", "aggTrade", "trade", "markPrice", "depth"];

    /// <summary>Largest websocket message kept, bytes; default 1 MiB (Binance's messages on these streams are a few KB). A
    /// larger one is set aside (its first <see cref="KeptRawBytes"/> kept) and the connection is closed with status 1009
    /// (message too big) and opened again: memory stays bounded whatever a server sends.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Largest REST response read (depth snapshot, open interest), bytes; default 8 MiB (a 1,000-level snapshot is about 70 KB).</summary>
    public int MaxRestBytes { get; init; } = 8 << 20;

    /// <summary>Longest wait for the websocket handshake; default 10 s. A server that never completes it counts as a failed connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for one REST response; default 15 s.</summary>
    public TimeSpan RestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The recorder pings the server this often (RFC 6455 ping frames); default 20 s.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A ping not answered within this time means the connection is dead: it is dropped, the gap recorded and the
    /// connection opened again; default 10 s.</summary>
    public TimeSpan PongTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With <c>markPrice</c> subscribed (Binance sends it every second whatever the market does), a connection that delivers
    /// no message for this long is dead even if it answers pings: dropped and opened again; default 30 s. Without
    /// <c>markPrice</c> a quiet stream is legitimate (no liquidation for minutes) and only the ping decides.
    /// </summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes of an oversized message kept in <c>recording_rejects</c>: 64 KiB.</summary>
    public const int KeptRawBytes = 64 << 10;

    internal Uri Ws => WebSocketBase ?? new Uri("wss://fstream.binance.com");
    internal Uri Rest => RestBase ?? new Uri("https://fapi.binance.com");
    internal TimeSpan Batch => BatchInterval ?? TimeSpan.FromSeconds(5);
    internal TimeSpan MaxAge => MaxConnectionAge ?? TimeSpan.FromHours(23.5);
    internal TimeSpan Backoff0 => BackoffBase ?? TimeSpan.FromSeconds(1);
    internal TimeSpan BackoffCap => BackoffMax ?? TimeSpan.FromSeconds(60);

    /// <summary>The stream names of the subscription, e.g. <c>btcusdt@depth@100ms</c>.</summary>
    public IReadOnlyList<string> StreamNames() => [.. Subscription().Keys];

    /// <summary>Each subscribed stream name with the symbol its rows are filed under (<c>ALL</c> for the all-market
    /// stream) and its kind (<c>aggTrade</c>, <c>depth</c>, …).</summary>
    internal IReadOnlyDictionary<string, (string Symbol, string Kind)> Subscription()
    {
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var s in Symbols)
            foreach (var k in Streams)
                map[s.ToLowerInvariant() + "@" + k switch { "markPrice" => "markPrice@1s", "depth" => "depth@100ms", _ => k }] = (s, k);
        if (AllMarketLiquidations) map["!forceOrder@arr"] = (BinanceRecorder.AllMarket, "forceOrder");
        return map;
    }

    /// <summary>Checks every setting; the message names the setting. Creates <see cref="RawDirectory"/> when it does not exist yet.</summary>
    /// <exception cref="ArgumentException">A symbol outside Binance's grammar (<c>[A-Z0-9]{2,30}</c>), an unknown stream, nothing to record,
    /// a non-positive size or time, or a raw folder that is a file or cannot be created.</exception>
    public void Validate()
    {
        if (RawDirectory is not null)
        {
            if (File.Exists(RawDirectory))
                throw new ArgumentException($"The raw-recording folder {RawDirectory} is a file, not a folder.", nameof(RawDirectory));
            try
            {
                Directory.CreateDirectory(RawDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new ArgumentException($"The raw-recording folder {RawDirectory} cannot be created: {e.Message}", nameof(RawDirectory), e);
            }
        }
        if (Symbols.Count == 0 && !AllMarketLiquidations) throw new ArgumentException("Give at least one symbol, or the all-market liquidation stream.", nameof(Symbols));
        foreach (var s in Symbols)
            if (!SymbolGrammar().IsMatch(s))
                throw new ArgumentException($"Symbol '{(s.Length > 40 ? s[..40] + "…" : s)}' is not a Binance symbol (2–30 upper-case letters and digits, e.g. BTCUSDT).", nameof(Symbols));
        foreach (var k in Streams)
            if (!KnownStreams.Contains(k)) throw new ArgumentException($"Unknown stream '{k}'; known: {string.Join(", ", KnownStreams)}.", nameof(Streams));
        if (BatchMessages < 1) throw new ArgumentException("At least one message per batch.", nameof(BatchMessages));
        if (MaxMessageBytes < 1024) throw new ArgumentException("The message-size cap must be at least 1 KiB.", nameof(MaxMessageBytes));
        if (MaxRestBytes < 1024) throw new ArgumentException("The REST response cap must be at least 1 KiB.", nameof(MaxRestBytes));
        foreach (var (name, value) in new (string, TimeSpan)[]
                 {
                     (nameof(BatchInterval), Batch), (nameof(MaxConnectionAge), MaxAge), (nameof(BackoffBase), Backoff0), (nameof(BackoffMax), BackoffCap),
                     (nameof(ConnectTimeout), ConnectTimeout), (nameof(RestTimeout), RestTimeout), (nameof(PingInterval), PingInterval),
                     (nameof(PongTimeout), PongTimeout), (nameof(SilenceTimeout), SilenceTimeout), (nameof(OpenInterestInterval), OpenInterestInterval ?? TimeSpan.FromSeconds(1)),
                 })
            if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive.", name);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z0-9]{2,30}$")]
    private static partial System.Text.RegularExpressions.Regex SymbolGrammar();
}

/// <summary>Counters of a running recorder (thread-safe reads).</summary>
public sealed class RecorderStats
{
    internal readonly ConcurrentDictionary<string, long> Messages = new(StringComparer.Ordinal);
    internal long _malformed, _connections, _gaps, _batches, _rowsStored, _rejected;
    internal double _lagMs;

    /// <summary>Messages received per stream kind (aggTrade, depth, …).</summary>
    public IReadOnlyDictionary<string, long> MessagesByStream => Messages;

    /// <summary>All messages received.</summary>
    public long TotalMessages => Messages.Values.Sum();

    /// <summary>Frames that were not a stream message (invalid JSON or no <c>stream</c>/<c>data</c>): set aside and recorded as gaps.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages and REST responses set aside (written, or waiting to be written, to <c>recording_rejects</c>): malformed
    /// frames, unexpected streams, impossible values, oversized frames, bad REST bodies. Everything else is stored.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The last set-aside message's problem, for the progress line.</summary>
    public string? LastReject { get; internal set; }

    /// <summary>Connections opened (the first and every reconnect).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Gaps written (or waiting to be written) to <c>recording_gaps</c>.</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Batches written.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Rows the batches added to the store.</summary>
    public long RowsStored => Interlocked.Read(ref _rowsStored);

    /// <summary>Last local receive time minus the message's event time, ms (the stream's lag).</summary>
    public double LagMs => Volatile.Read(ref _lagMs);

    /// <summary>Error of the last failed connection, poll or batch, for the progress line.</summary>
    public string? LastError { get; internal set; }
}

/// <summary>A connection that must be dropped and opened again: a silent server, an oversized message.</summary>
internal sealed class RecordingConnectionException(string message) : IOException(message);

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
public sealed class BinanceRecorder(RecorderOptions options, HttpClient http)
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

    /// <summary>GET with the REST timeout and size cap; the body, or null with the problem set aside as a reject.</summary>
    private async Task<string?> RestGet(string pathAndQuery, string symbol, string stream, CancellationToken token)
    {
        var received = DateTime.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.RestTimeout);
        string problem;
        var body = "";
        long bytes = 0;
        try
        {
            using var response = await http.GetAsync(new Uri(options.Rest, pathAndQuery), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is > 0 and var declared && declared > options.MaxRestBytes)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: a {declared:N0}-byte body, over the {options.MaxRestBytes:N0}-byte cap");
                bytes = declared;
            }
            else
            {
                await using var stream0 = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                using var copy = new MemoryStream();
                var chunk = new byte[1 << 16];
                int n;
                while ((n = await stream0.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    bytes += n;
                    if (bytes > options.MaxRestBytes) break;
                    copy.Write(chunk, 0, n);
                }
                body = Encoding.UTF8.GetString(copy.GetBuffer(), 0, (int)copy.Length);
                if (bytes > options.MaxRestBytes)
                    problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: body over the {options.MaxRestBytes:N0}-byte cap");
                else if (!response.IsSuccessStatusCode)
                    problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: HTTP {(int)response.StatusCode}");
                else
                    return body;
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            problem = $"REST {pathAndQuery}: no answer within {options.RestTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            problem = $"REST {pathAndQuery}: {e.Message}";
        }
        Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {problem}";
        if (body.Length > 0 || bytes > 0) AddReject(symbol, stream, received, problem, body, bytes);
        return null;
    }

    /// <summary>Fetches the REST depth snapshot; true when it is buffered, false (a reject and a gap) when it failed.</summary>
    private async Task<bool> Snapshot(string symbol, CancellationToken token)
    {
        var stream = symbol.ToLowerInvariant() + "@depth@100ms";
        var started = DateTime.UtcNow;
        var body = await RestGet($"/fapi/v1/depth?symbol={symbol}&limit=1000", symbol, stream, token).ConfigureAwait(false);
        string problem;
        if (body is null)
        {
            problem = "the REST depth snapshot failed (see the reject or the last error)";
        }
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("lastUpdateId", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out _)
                    && root.TryGetProperty("bids", out var bids) && bids.ValueKind == JsonValueKind.Array && root.TryGetProperty("asks", out var asks) && asks.ValueKind == JsonValueKind.Array)
                {
                    Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {body.ReplaceLineEndings("")}"));
                    _lastDepthU.Remove(symbol);
                    return true;
                }
                problem = "REST depth snapshot: not an order book (needs an integer lastUpdateId and bids/asks arrays)";
            }
            catch (JsonException e)
            {
                problem = $"REST depth snapshot: not valid JSON ({e.Message.Split(" LineNumber", 2)[0]})";
            }
            AddReject(symbol, stream, started, problem, body, Encoding.UTF8.GetByteCount(body));
        }
        AddGap(symbol, "depth", "snapshot-failed", started, DateTime.UtcNow, problem + ": the book waits for the next snapshot");
        return false;
    }

    private async Task PollOpenInterest(TimeSpan every, CancellationToken token)
    {
        using var timer = new PeriodicTimer(every);
        do
        {
            foreach (var symbol in options.Symbols)
            {
                if (token.IsCancellationRequested) return;
                var stream = symbol.ToLowerInvariant() + "@openInterest";
                var received = DateTime.UtcNow;
                string? body;
                try
                {
                    body = await RestGet($"/fapi/v1/openInterest?symbol={symbol}", symbol, stream, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return; // stopping
                }
                if (body is null) continue;
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    var r = doc.RootElement;
                    var time = r.GetProperty("time").GetInt64();
                    if (r.GetProperty("symbol").GetString() != symbol) throw new FormatException($"field symbol is not {symbol}");
                    var oi = r.GetProperty("openInterest").GetString() ?? throw new FormatException("field openInterest is null");
                    // The values are checked where every recording line is: the importer (a bad one is set aside there).
                    var line = JsonSerializer.Serialize(new { stream, data = new { e = "openInterest", E = time, s = symbol, o = oi } });
                    Stats.Messages.AddOrUpdate("openInterest", 1, (_, n) => n + 1);
                    Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {line}"));
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    var problem = $"REST openInterest: {(e is JsonException j ? "not valid JSON (" + j.Message.Split(" LineNumber", 2)[0] + ")" : e.Message)}";
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {problem}";
                    AddReject(symbol, stream, received, problem, body, Encoding.UTF8.GetByteCount(body));
                }
            }
        }
        while (await WaitTick(timer, token).ConfigureAwait(false));
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task FlushLoop(CancellationToken token)
    {
        using var timer = new PeriodicTimer(options.Batch);
        while (await WaitTick(timer, token).ConfigureAwait(false)) TryFlush();
    }

    // A failed batch (the store locked by another writer, a full disk) stays buffered for the next one: no exception ends the
    // loop that calls this, and nothing received is dropped.
    private void TryFlush()
    {
        try
        {
            Flush();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} batch: {e.Message}";
        }
    }

    private readonly object _flushGate = new();

    /// <summary>
    /// Writes the buffered messages: one recording file per symbol through the recording importer (bad lines set aside,
    /// the rest stored), then the gaps and the set-aside messages. A file the importer refuses whole is set aside line by
    /// line. When the store cannot be written (locked, disk full), everything not yet stored stays buffered and the
    /// exception propagates.
    /// </summary>
    public void Flush()
    {
        // _flushGate: one batch at a time (the flush timer and a full buffer can both ask); _gate is taken only to swap buffers.
        lock (_flushGate)
        {
            Dictionary<string, List<string>> batch;
            List<(string, string, string, DateTime, DateTime, string)> gaps;
            List<Reject> rejects;
            lock (_gate)
            {
                if (_pendingCount == 0 && _gaps.Count == 0) return;
                batch = _pending;
                _pending = new(StringComparer.Ordinal);
                _pendingCount = 0;
                gaps = [.. _gaps];
                _gaps.Clear();
                rejects = [.. _rejects];
                _rejects.Clear();
            }
            var folder = options.RawDirectory ?? Path.Combine(Path.GetTempPath(), "liqlab-record-" + _session);
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            var stored = new HashSet<string>(StringComparer.Ordinal);
            var newRejects = new List<Reject>();
            try
            {
                foreach (var (symbol, lines) in batch)
                {
                    if (lines.Count == 0) continue;
                    // symbol is a validated option symbol (or ALL): never text from a message.
                    var dir = Path.Combine(folder, symbol.ToLowerInvariant());
                    Directory.CreateDirectory(dir);
                    var file = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
                        $"{symbol.ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'.'fff}-{Interlocked.Increment(ref _sequence):D6}.gz"));
                    using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
                    using (var w = new StreamWriter(gz, new UTF8Encoding(false)))
                        foreach (var l in lines) w.Write(l + "\n");
                    files[symbol] = file;
                }
                using var store = LabStore.Open(options.StorePath, readOnly: false, TimeSpan.FromSeconds(30));
                var ingestor = new Ingestor(store) { QuarantineLines = true };
                foreach (var (symbol, file) in files)
                {
                    try
                    {
                        var r = ingestor.IngestFile(file, kind: "binance-ws-recording");
                        Interlocked.Add(ref Stats._rowsStored, r.Rows);
                        foreach (var bad in r.Rejected ?? [])
                            newRejects.Add(RejectOfLine(symbol, bad.Text, bad.Problem));
                    }
                    catch (IngestException e)
                    {
                        // Refused whole (a problem no single line carries): every line is kept raw with the reason.
                        foreach (var line in batch[symbol]) newRejects.Add(RejectOfLine(symbol, line, "batch refused whole: " + e.Problem));
                    }
                    stored.Add(symbol);
                }
                var all = rejects.Concat(newRejects).ToList();
                Interlocked.Add(ref Stats._rejected, newRejects.Count);
                if (newRejects.Count > 0)
                    Stats.LastReject = $"{newRejects[^1].ReceivedAt:HH:mm:ss} {newRejects[^1].Stream}: {Cut(newRejects[^1].Problem, 200)}";
                using (var tx = store.Connection.BeginTransaction())
                {
                    foreach (var (symbol, stream, kind, start, end, detail) in gaps)
                        store.Execute("INSERT INTO recording_gaps SELECT $1, $2, $3, $4, $5, $6, $7, $8, now() WHERE NOT EXISTS (" +
                                      "SELECT 1 FROM recording_gaps WHERE symbol = $2 AND stream = $3 AND kind = $4 AND gap_start = $5 AND gap_end = $6)", // a hole seen again in a re-delivery is one gap
                            Venue, symbol, stream, kind, start, end, detail, _session);
                    foreach (var x in all)
                        store.Execute("INSERT INTO recording_rejects VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())",
                            Venue, x.Symbol, x.Stream, x.ReceivedAt, x.Problem, x.Raw, x.RawBytes, _session);
                    tx.Commit();
                }
                Interlocked.Increment(ref Stats._batches);
            }
            catch
            {
                lock (_gate) // keep everything not yet stored for the next batch: nothing received is lost to a failed write
                {
                    foreach (var (symbol, lines) in batch)
                    {
                        if (stored.Contains(symbol)) continue;
                        if (!_pending.TryGetValue(symbol, out var list)) _pending[symbol] = list = [];
                        list.InsertRange(0, lines);
                        _pendingCount += lines.Count;
                    }
                    _gaps.InsertRange(0, gaps);
                    _rejects.InsertRange(0, rejects.Concat(newRejects));
                    _pendingCount += rejects.Count + newRejects.Count;
                }
                foreach (var (symbol, f) in files)
                    if (!stored.Contains(symbol) && File.Exists(f)) File.Delete(f);
                throw;
            }
            finally
            {
                if (options.RawDirectory is null)
                    foreach (var f in files.Values.Where(File.Exists)) File.Delete(f);
            }
        }
    }

    // A set-aside recording line ("<local ms> <json>"): its receive time and stream read back from it where they can be.
    private static Reject RejectOfLine(string symbol, string line, string problem)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var received = space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 253_402_300_799_999
            ? DateTime.UnixEpoch.AddMilliseconds(ms) : DateTime.UtcNow;
        var json = space > 0 ? line[(space + 1)..] : line;
        string? stream = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.String) stream = s.GetString();
            else if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("lastUpdateId", out _)) stream = symbol.ToLowerInvariant() + "@depth@100ms";
        }
        catch (JsonException)
        {
            // the problem says what is wrong; the stream stays unknown
        }
        var raw = json.Length <= RecorderOptions.KeptRawBytes ? json : json[..RecorderOptions.KeptRawBytes];
        return new Reject(symbol, stream, received, problem, raw, Encoding.UTF8.GetByteCount(json));
    }
}
