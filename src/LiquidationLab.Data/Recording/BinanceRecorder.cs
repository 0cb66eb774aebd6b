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
/// <param name="Symbols">Symbols (e.g. BTCUSDT), each with <paramref name="Streams"/>.</param>
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
public sealed record RecorderOptions(string StorePath, IReadOnlyList<string> Symbols, IReadOnlyList<string> Streams, bool AllMarketLiquidations = false,
    Uri? WebSocketBase = null, Uri? RestBase = null, string? RawDirectory = null, TimeSpan? BatchInterval = null, int BatchMessages = 20_000,
    TimeSpan? OpenInterestInterval = null, TimeSpan? MaxConnectionAge = null, TimeSpan? BackoffBase = null, TimeSpan? BackoffMax = null)
{
    /// <summary>The per-symbol streams the recorder knows.</summary>
    public static IReadOnlyList<string> KnownStreams { get; } = ["forceOrder", "aggTrade", "trade", "markPrice", "depth"];

    internal Uri Ws => WebSocketBase ?? new Uri("wss://fstream.binance.com");
    internal Uri Rest => RestBase ?? new Uri("https://fapi.binance.com");
    internal TimeSpan Batch => BatchInterval ?? TimeSpan.FromSeconds(5);
    internal TimeSpan MaxAge => MaxConnectionAge ?? TimeSpan.FromHours(23.5);
    internal TimeSpan Backoff0 => BackoffBase ?? TimeSpan.FromSeconds(1);
    internal TimeSpan BackoffCap => BackoffMax ?? TimeSpan.FromSeconds(60);

    /// <summary>The stream names of the subscription, e.g. <c>btcusdt@depth@100ms</c>.</summary>
    public IReadOnlyList<string> StreamNames() =>
        [.. Symbols.SelectMany(s => Streams.Select(k => s.ToLowerInvariant() + "@" + k switch
        {
            "markPrice" => "markPrice@1s",
            "depth" => "depth@100ms",
            _ => k,
        })), .. AllMarketLiquidations ? ["!forceOrder@arr"] : Array.Empty<string>()];
}

/// <summary>Counters of a running recorder (thread-safe reads).</summary>
public sealed class RecorderStats
{
    internal readonly ConcurrentDictionary<string, long> Messages = new(StringComparer.Ordinal);
    internal long _malformed, _connections, _gaps, _batches, _rowsStored;
    internal double _lagMs;

    /// <summary>Messages received per stream kind (aggTrade, depth, …).</summary>
    public IReadOnlyDictionary<string, long> MessagesByStream => Messages;

    /// <summary>All messages received.</summary>
    public long TotalMessages => Messages.Values.Sum();

    /// <summary>Frames that were not a stream message (invalid JSON or no <c>stream</c>/<c>data</c>): skipped and recorded as gaps.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

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

/// <summary>
/// Records Binance USDⓈ-M streams into the store as they happen (<c>liqlab data record binance</c>): one combined-stream
/// websocket for every symbol and stream, REST depth snapshots for book sync (at each connection and after a sequence
/// break), open interest polled from REST. Messages are buffered as lines of the websocket-recording format
/// (<c>&lt;local ms&gt; &lt;json&gt;</c>) and written in short batches, one file per symbol, through the same importer and
/// row identities as <c>data ingest</c> of a recording — so a recorded message and the same message from a file are one
/// row, and a message delivered again after a reconnect is not stored twice. The store is opened for each batch only,
/// so a running <c>serve</c> can read between batches. Runs until cancelled; reconnects with jittered exponential
/// backoff and before Binance's 24-hour connection limit; gaps (disconnections, depth-sequence breaks, missing
/// markPrice seconds, malformed frames) go to <c>recording_gaps</c>.
/// </summary>
/// <param name="options">Settings.</param>
/// <param name="http">HTTP client for REST (snapshots, open interest).</param>
public sealed class BinanceRecorder(RecorderOptions options, HttpClient http)
{
    private const string AllMarket = "ALL";
    private readonly object _gate = new();
    private Dictionary<string, List<string>> _pending = new(StringComparer.Ordinal);
    private int _pendingCount;
    private readonly List<(string Symbol, string Stream, string Kind, DateTime Start, DateTime End, string Detail)> _gaps = [];
    private readonly Dictionary<string, long> _lastDepthU = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastMarkMs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resync = new(StringComparer.Ordinal);
    private readonly string _session = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private long _sequence;

    /// <summary>Live counters.</summary>
    public RecorderStats Stats { get; } = new();

    /// <summary>The session id written with every gap.</summary>
    public string Session => _session;

    /// <summary>Records until <paramref name="cancellationToken"/> is cancelled, then writes what is buffered and returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (options.Symbols.Count == 0 && !options.AllMarketLiquidations) throw new ArgumentException("Give at least one symbol, or the all-market liquidation stream.");
        foreach (var k in options.Streams)
            if (!RecorderOptions.KnownStreams.Contains(k)) throw new ArgumentException($"Unknown stream '{k}'; known: {string.Join(", ", RecorderOptions.KnownStreams)}.");
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
                try
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20); // pings; Binance's pings are answered by the client
                    var url = new Uri(options.Ws, "/stream?streams=" + string.Join('/', options.StreamNames()));
                    await socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref Stats._connections);
                    attempt = 0;
                    if (disconnectedAt is { } lost)
                        foreach (var s in options.Symbols.DefaultIfEmpty(AllMarket))
                            AddGap(s, "*", "disconnected", lost, DateTime.UtcNow, "websocket reconnected");
                    disconnectedAt = null;
                    // Book sync: diffs are buffered from here; the snapshot comes after the subscription (Binance's procedure).
                    foreach (var s in options.Symbols.Where(_ => options.Streams.Contains("depth"))) _resync.Add(s);
                    using var ageLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    ageLimit.CancelAfter(options.MaxAge);
                    await Receive(socket, ageLimit.Token).ConfigureAwait(false);
                    if (!cancellationToken.IsCancellationRequested && ageLimit.IsCancellationRequested)
                    {
                        disconnectedAt = DateTime.UtcNow; // planned: before the 24-hour limit
                        continue;
                    }
                    disconnectedAt = DateTime.UtcNow;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
                {
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {e.GetType().Name}: {e.Message}";
                    disconnectedAt ??= connectedAt;
                }
                // Jittered exponential backoff: base × 2^attempt, capped, times a uniform factor in [0.5, 1].
                var delay = TimeSpan.FromTicks((long)(Math.Min(options.BackoffCap.Ticks, options.Backoff0.Ticks * Math.Pow(2, attempt++)) * (0.5 + Random.Shared.NextDouble() / 2)));
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
        }
    }

    private async Task Receive(ClientWebSocket socket, CancellationToken token)
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (socket.State == WebSocketState.Open && !token.IsCancellationRequested)
        {
            WebSocketReceiveResult result;
            message.SetLength(0);
            do
            {
                result = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            var local = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            Route(text, local);
            foreach (var symbol in _resync.ToArray())
            {
                _resync.Remove(symbol);
                await Snapshot(symbol, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Files one message under its symbol, tracks sequence and time gaps, counts it.</summary>
    internal void Route(string text, long localMs)
    {
        string stream;
        string? symbol;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (!root.TryGetProperty("stream", out var s) || s.GetString() is not { Length: > 0 } name || !root.TryGetProperty("data", out var data))
                throw new JsonException("not a combined-stream message");
            stream = name;
            var at = stream.IndexOf('@', StringComparison.Ordinal);
            symbol = stream.StartsWith('!') ? AllMarket : stream[..at].ToUpperInvariant();
            var kind = stream.StartsWith('!') ? "forceOrder" : stream[(at + 1)..].Split('@')[0];
            Stats.Messages.AddOrUpdate(kind, 1, (_, n) => n + 1);
            if (data.TryGetProperty("E", out var e) && e.TryGetInt64(out var eventMs)) Volatile.Write(ref Stats._lagMs, localMs - eventMs);
            if (kind == "depth" && data.TryGetProperty("pu", out var pu) && data.TryGetProperty("u", out var u))
            {
                if (_lastDepthU.TryGetValue(symbol, out var last) && pu.GetInt64() != last)
                {
                    var t = DateTime.UnixEpoch.AddMilliseconds(data.GetProperty("E").GetInt64());
                    AddGap(symbol, "depth", "depth-sequence", t, t, $"pu {pu.GetInt64()} after u {last}: book resynchronised from a new snapshot");
                    _resync.Add(symbol);
                }
                _lastDepthU[symbol] = u.GetInt64();
            }
            if (kind == "markPrice" && data.TryGetProperty("E", out var me))
            {
                var ms = me.GetInt64();
                if (_lastMarkMs.TryGetValue(symbol, out var prev) && ms - prev > 1_500)
                    AddGap(symbol, "markPrice", "missing-seconds", DateTime.UnixEpoch.AddMilliseconds(prev), DateTime.UnixEpoch.AddMilliseconds(ms),
                        string.Create(CultureInfo.InvariantCulture, $"{(ms - prev) / 1000 - 1} s without a message"));
                _lastMarkMs[symbol] = ms;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            Interlocked.Increment(ref Stats._malformed);
            var now = DateTime.UtcNow;
            AddGap(AllMarket, "*", "malformed", now, now, $"{ex.Message}: {Truncate(text, 120)}");
            return;
        }
        Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{localMs} {text}"));
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + "…";

    private void Add(string symbol, string line)
    {
        bool full;
        lock (_gate)
        {
            if (!_pending.TryGetValue(symbol, out var list)) _pending[symbol] = list = [];
            list.Add(line);
            full = ++_pendingCount >= options.BatchMessages;
        }
        if (full) Flush();
    }

    private void AddGap(string symbol, string stream, string kind, DateTime start, DateTime end, string detail)
    {
        lock (_gate) _gaps.Add((symbol, stream, kind, start, end, detail));
        Interlocked.Increment(ref Stats._gaps);
    }

    private async Task Snapshot(string symbol, CancellationToken token)
    {
        var body = await http.GetStringAsync(new Uri(options.Rest, $"/fapi/v1/depth?symbol={symbol}&limit=1000"), token).ConfigureAwait(false);
        using (JsonDocument.Parse(body)) { } // a malformed snapshot fails here, not inside a batch
        Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {body.ReplaceLineEndings("")}"));
        _lastDepthU.Remove(symbol);
    }

    private async Task PollOpenInterest(TimeSpan every, CancellationToken token)
    {
        using var timer = new PeriodicTimer(every);
        do
        {
            foreach (var symbol in options.Symbols)
            {
                try
                {
                    var body = await http.GetStringAsync(new Uri(options.Rest, $"/fapi/v1/openInterest?symbol={symbol}"), token).ConfigureAwait(false);
                    using var doc = JsonDocument.Parse(body);
                    var r = doc.RootElement;
                    var line = JsonSerializer.Serialize(new
                    {
                        stream = symbol.ToLowerInvariant() + "@openInterest",
                        data = new { e = "openInterest", E = r.GetProperty("time").GetInt64(), s = r.GetProperty("symbol").GetString(), o = r.GetProperty("openInterest").GetString() },
                    });
                    Stats.Messages.AddOrUpdate("openInterest", 1, (_, n) => n + 1);
                    Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {line}"));
                }
                catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} openInterest {symbol}: {e.Message}";
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
        while (await WaitTick(timer, token).ConfigureAwait(false))
        {
            try
            {
                Flush();
            }
            catch (Exception e) when (e is IOException or IngestException or InvalidOperationException)
            {
                Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} batch: {e.Message}"; // the lines stay buffered for the next batch
            }
        }
    }

    private readonly object _flushGate = new();

    /// <summary>Writes the buffered messages: one recording file per symbol through the recording importer, gaps to the store.</summary>
    public void Flush()
    {
        lock (_flushGate)
        {
            Dictionary<string, List<string>> batch;
            List<(string, string, string, DateTime, DateTime, string)> gaps;
            lock (_gate)
            {
                if (_pendingCount == 0 && _gaps.Count == 0) return;
                batch = _pending;
                _pending = new(StringComparer.Ordinal);
                _pendingCount = 0;
                gaps = [.. _gaps];
                _gaps.Clear();
            }
            var folder = options.RawDirectory ?? Path.Combine(Path.GetTempPath(), "liqlab-record-" + _session);
            var files = new List<string>();
            try
            {
                foreach (var (symbol, lines) in batch)
                {
                    if (lines.Count == 0) continue;
                    var dir = Path.Combine(folder, symbol.ToLowerInvariant());
                    Directory.CreateDirectory(dir);
                    var file = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
                        $"{symbol.ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'.'fff}-{Interlocked.Increment(ref _sequence):D6}.gz"));
                    using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
                    using (var w = new StreamWriter(gz, new UTF8Encoding(false)))
                        foreach (var l in lines) w.Write(l + "\n");
                    files.Add(file);
                }
                using var store = LabStore.Open(options.StorePath, readOnly: false, TimeSpan.FromSeconds(30));
                var ingestor = new Ingestor(store);
                foreach (var f in files)
                {
                    var r = ingestor.IngestFile(f);
                    Interlocked.Add(ref Stats._rowsStored, r.Rows);
                }
                foreach (var (symbol, stream, kind, start, end, detail) in gaps)
                    store.Execute("INSERT INTO recording_gaps SELECT 'binance-usdm', $1, $2, $3, $4, $5, $6, $7, now() WHERE NOT EXISTS (" +
                                  "SELECT 1 FROM recording_gaps WHERE symbol = $1 AND stream = $2 AND kind = $3 AND gap_start = $4 AND gap_end = $5)", // a hole seen again in a re-delivery is one gap
                        symbol, stream, kind, start, end, detail, _session);
                Interlocked.Increment(ref Stats._batches);
            }
            catch
            {
                lock (_gate) // keep everything for the next batch: nothing received is lost to a failed write
                {
                    foreach (var (symbol, lines) in batch)
                    {
                        if (!_pending.TryGetValue(symbol, out var list)) _pending[symbol] = list = [];
                        list.InsertRange(0, lines);
                        _pendingCount += lines.Count;
                    }
                    _gaps.InsertRange(0, gaps);
                }
                foreach (var f in files.Where(File.Exists)) File.Delete(f);
                throw;
            }
            finally
            {
                if (options.RawDirectory is null)
                    foreach (var f in files.Where(File.Exists)) File.Delete(f);
            }
        }
    }
}
