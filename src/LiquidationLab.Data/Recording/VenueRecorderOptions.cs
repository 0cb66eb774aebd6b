using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Data.Recording;

/// <summary>Settings of a <see cref="VenueRecorder"/> (<see cref="BybitRecorder"/>, <see cref="OkxRecorder"/>).</summary>
/// <param name="StorePath">The DuckDB store rows go to.</param>
/// <param name="Symbols">The venue's instruments: Bybit symbols (<c>BTCUSDT</c>, <c>[A-Z0-9]{2,30}</c>), OKX swap ids
/// (<c>BTC-USDT-SWAP</c>, <c>[A-Z0-9]{1,20}-USDT-SWAP</c>); checked against <see cref="VenueInfo.IsInstrument"/>.</param>
/// <param name="Streams">The streams to record per instrument; empty means all the venue's
/// (<see cref="BybitRecorder.KnownStreams"/>, <see cref="OkxRecorder.KnownStreams"/>).</param>
/// <param name="WebSocketUrl">The public websocket, default the venue's (<c>wss://stream.bybit.com/v5/public/linear</c>,
/// <c>wss://ws.okx.com:8443/ws/v5/public</c>).</param>
/// <param name="BatchInterval">Batches are written at least this often; default 5 s.</param>
/// <param name="BatchMessages">…or when this many messages wait; default 20,000.</param>
/// <param name="BackoffBase">First reconnect delay (doubled per failed attempt, with jitter); default 1 s.</param>
/// <param name="BackoffMax">Longest reconnect delay; default 60 s.</param>
public sealed record VenueRecorderOptions(string StorePath, IReadOnlyList<string> Symbols, IReadOnlyList<string>? Streams = null,
    Uri? WebSocketUrl = null, TimeSpan? BatchInterval = null, int BatchMessages = 20_000, TimeSpan? BackoffBase = null, TimeSpan? BackoffMax = null)
{
    /// <summary>Largest websocket message kept, bytes; default 1 MiB (these venues' messages are a few KB). A larger one is set
    /// aside (its first <see cref="RecorderOptions.KeptRawBytes"/> kept) and the connection closed (1009) and opened again.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Longest wait for the websocket handshake; default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The venue's application ping (Bybit <c>{"op":"ping"}</c>, OKX <c>ping</c>) is sent this often; default 20 s
    /// (both venues ask for one within 30 s, Bybit recommends 20 s).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A connection that delivers nothing — not even the pong to a ping — for <see cref="PingInterval"/> plus this is
    /// dead: dropped, its gap recorded and opened again; default 10 s.</summary>
    public TimeSpan PongTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect before this age (a venue may close old connections); default 23.5 h.</summary>
    public TimeSpan MaxConnectionAge { get; init; } = TimeSpan.FromHours(23.5);

    internal TimeSpan Batch => BatchInterval ?? TimeSpan.FromSeconds(5);
    internal TimeSpan Backoff0 => BackoffBase ?? TimeSpan.FromSeconds(1);
    internal TimeSpan BackoffCap => BackoffMax ?? TimeSpan.FromSeconds(60);

    /// <summary>Checks every setting against <paramref name="venue"/>; the message names the setting.</summary>
    /// <param name="venue">The venue whose instrument grammar the symbols must match.</param>
    /// <param name="knownStreams">The venue's streams.</param>
    /// <exception cref="ArgumentException">No symbol, a symbol outside the venue's grammar, an unknown stream, a non-positive size or time.</exception>
    public void Validate(Venue venue, IReadOnlyList<string> knownStreams)
    {
        ArgumentNullException.ThrowIfNull(knownStreams);
        if (Symbols is null || Symbols.Count == 0) throw Invalid("Give at least one symbol.", nameof(Symbols));
        if (Symbols.Count > 100) throw Invalid("At most 100 symbols per recorder.", nameof(Symbols));
        foreach (var s in Symbols)
            if (!VenueInfo.IsInstrument(venue, s))
                throw Invalid($"Symbol '{(s is { Length: > 40 } ? s[..40] + "…" : s)}' is not a valid {VenueInfo.Name(venue)} instrument ({Grammar(venue)}).", nameof(Symbols));
        foreach (var k in Streams ?? [])
            if (!knownStreams.Contains(k, StringComparer.Ordinal))
                throw Invalid($"Unknown stream '{(k.Length > 40 ? k[..40] + "…" : k)}'; known: {string.Join(", ", knownStreams)}.", nameof(Streams));
        if (BatchMessages < 1) throw Invalid("At least one message per batch.", nameof(BatchMessages));
        if (MaxMessageBytes < 1024) throw Invalid("The message-size cap must be at least 1 KiB.", nameof(MaxMessageBytes));
        foreach (var (name, value) in new (string, TimeSpan)[]
                 {
                     (nameof(BatchInterval), Batch), (nameof(BackoffBase), Backoff0), (nameof(BackoffMax), BackoffCap), (nameof(ConnectTimeout), ConnectTimeout),
                     (nameof(PingInterval), PingInterval), (nameof(PongTimeout), PongTimeout), (nameof(MaxConnectionAge), MaxConnectionAge),
                 })
            if (value <= TimeSpan.Zero) throw Invalid($"{name} must be positive.", name);
    }

    // The setting's name is the exception's parameter name (what a front end maps to its option).
    private static ArgumentException Invalid(string message, string setting) => new(message, setting);

    /// <summary>The instrument grammar of <paramref name="venue"/> in words, for messages.</summary>
    public static string Grammar(Venue venue) => venue switch
    {
        Venue.OkxSwap => "an OKX USDT swap id such as BTC-USDT-SWAP: 1–20 upper-case letters and digits, then -USDT-SWAP",
        Venue.Hyperliquid => "a Hyperliquid coin such as BTC: 1–20 letters and digits",
        _ => "2–30 upper-case letters and digits, e.g. BTCUSDT",
    };
}
