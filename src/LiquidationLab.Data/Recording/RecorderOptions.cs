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
