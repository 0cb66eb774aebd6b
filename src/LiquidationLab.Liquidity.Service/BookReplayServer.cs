using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

using LiquidationLab.Data.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>Options of <see cref="BookReplayServer"/>.</summary>
public sealed record BookReplayOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Copies of every recording, served as separate markets (<c>&lt;id&gt;~k</c> for k ≥ 1) with staggered replay
    /// positions — for load tests (500 markets from 2 recordings). Default 1.</summary>
    public int Copies { get; init; } = 1;

    /// <summary>Replay speed: recorded seconds per wall second; default 1.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Serve only the Up tokens (the Down book mirrors the Up book on Polymarket); default true.</summary>
    public bool UpTokensOnly { get; init; } = true;
}

/// <summary>Faults the replay server can inject, as a hostile or broken upstream would (tests and drills).</summary>
public sealed record ReplayFaults
{
    /// <summary>Added to every served book's timestamp, ms (e.g. 10 days ahead); 0 for none.</summary>
    public long BookTimestampOffsetMs { get; init; }

    /// <summary><c>/trades</c> answers HTTP 200 with a JSON object (<c>{"error":"rate limited"}</c>) instead of an array.</summary>
    public bool TradesAsObject { get; init; }

    /// <summary>Every book gets one extra bid level of this size (shares), e.g. 7.9e28; null for none.</summary>
    public decimal? HugeLevelSize { get; init; }

    /// <summary><c>/book</c> bodies are padded to at least this many bytes (whitespace inside the JSON); 0 for none.</summary>
    public int PadBookBodyToBytes { get; init; }

    /// <summary>No fault.</summary>
    public static readonly ReplayFaults None = new();
}

/// <summary>A market the replay server serves: condition id and the token its <c>/book</c> is keyed by.</summary>
/// <param name="ConditionId">Market id.</param>
/// <param name="TokenId">Token id.</param>
public sealed record ReplayMarket(string ConditionId, string TokenId);

/// <summary>
/// A CLOB-compatible HTTP server on 127.0.0.1 that replays recorded real books (<see cref="BookRecordings"/>) in wall-clock
/// time: <c>GET /book?token_id=…</c> returns the recorded snapshot that is current at the replay position, in the
/// CLOB's <c>/book</c> JSON, with its timestamp moved to wall time (a snapshot recorded 12 s before the replay position
/// is served as 12 s old, so staleness behaves as it did live). A recording loops when it ends.
/// <c>GET /trades?token_id=…&amp;after_ms=…</c> returns the prints of the current loop up to now (a replay-server
/// extension: the public CLOB's trade endpoints need authentication). Test controls: <c>POST /replay/outage?on=true|false</c>
/// (every data request answers 503), <c>POST /replay/delay?ms=…</c> (a slow exchange), <c>POST /replay/empty?token_id=…&amp;on=true|false</c> (that token's book is served
/// empty), <c>POST /replay/fault?future_ms=…&amp;trades_object=…&amp;huge_size=…&amp;pad_bytes=…</c> (<see cref="ReplayFaults"/>;
/// no argument clears them), <c>GET /replay/markets</c>, <c>GET /replay/stats</c>.
/// </summary>
public sealed class BookReplayServer : IAsyncDisposable
{
    private sealed record Series(ReplayMarket Market, long[] TimesMs, string[] Bids, string[] Asks, BookRecording Recording, long OffsetMs)
    {
        public long SpanMs => Math.Max(1000, TimesMs[^1] - TimesMs[0] + 1000);
    }

    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _empty = new(StringComparer.Ordinal);
    private readonly BookReplayOptions _options;
    private readonly long _startMs;
    private readonly Func<long> _clock;
    private WebApplication? _app;
    private volatile bool _outage;
    private volatile int _delayMs;
    private ReplayFaults _faults = ReplayFaults.None; // swapped whole (Volatile); read by every request
    private long _bookRequests, _tradeRequests, _refused;

    /// <summary>Creates the server (not yet listening).</summary>
    /// <param name="recordings">Recorded series (at least one with two snapshots or more).</param>
    /// <param name="options">Port, copies, speed.</param>
    /// <param name="clock">Wall clock in Unix ms (tests pass their own); default the system clock.</param>
    /// <exception cref="ArgumentException">No usable recording, or copies/speed out of range.</exception>
    public BookReplayServer(IReadOnlyList<BookRecording> recordings, BookReplayOptions options, Func<long>? clock = null)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Copies < 1) throw new ArgumentException($"Copies must be ≥ 1, got {options.Copies}.", nameof(options));
        if (!(options.Speed > 0)) throw new ArgumentException($"Speed must be > 0, got {options.Speed}.", nameof(options));
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _startMs = _clock();
        var usable = recordings.Where(r => r.Books.Count >= 2 && (!options.UpTokensOnly || !r.TokenId.EndsWith("-down", StringComparison.Ordinal))).ToList();
        if (usable.Count == 0) throw new ArgumentException("No recorded book series with at least two snapshots to replay.", nameof(recordings));
        foreach (var r in usable)
        {
            var times = r.Books.Select(b => b.TimestampMs).ToArray();
            var arrays = r.Books.Select(ClobBookJson.LevelArrays).ToArray();
            var span = Math.Max(1000, times[^1] - times[0] + 1000);
            for (var k = 0; k < options.Copies; k++)
            {
                var suffix = k == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"~{k}");
                var market = new ReplayMarket(r.ConditionId + suffix, r.TokenId + suffix);
                _series[market.TokenId] = new Series(market, times, arrays.Select(a => a.Bids).ToArray(), arrays.Select(a => a.Asks).ToArray(), r,
                    span * k / options.Copies);
            }
        }
    }

    /// <summary>The markets served, one per (copy of a) recorded token.</summary>
    public IReadOnlyList<ReplayMarket> Markets => _series.Values.Select(s => s.Market).OrderBy(m => m.TokenId, StringComparer.Ordinal).ToList();

    /// <summary>Base URL (<c>http://127.0.0.1:port</c>) once started.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary><c>/book</c> requests answered so far.</summary>
    public long BookRequests => Interlocked.Read(ref _bookRequests);

    /// <summary>Simulates an exchange outage: every data request answers 503 while true.</summary>
    public bool Outage { get => _outage; set => _outage = value; }

    /// <summary>Delay added to every data response (a slow exchange), milliseconds; 0 by default.</summary>
    public int DelayMs { get => _delayMs; set => _delayMs = Math.Max(0, value); }

    /// <summary>The faults injected now (<see cref="ReplayFaults.None"/> by default).</summary>
    public ReplayFaults Faults { get => Volatile.Read(ref _faults); set => Volatile.Write(ref _faults, value ?? ReplayFaults.None); }

    /// <summary>Serves the token's book empty (both sides) while true.</summary>
    public void SetEmpty(string tokenId, bool empty)
    {
        if (empty) _empty[tokenId] = true;
        else _empty.TryRemove(tokenId, out _);
    }

    /// <summary>Starts listening on 127.0.0.1.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        (_app, BaseUrl) = await LoopbackHttp.StartAsync(_options.Port, Map, cancellationToken).ConfigureAwait(false);
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/book", (HttpContext c) => Book(c));
        app.MapGet("/trades", (HttpContext c) => Trades(c));
        app.MapPost("/replay/outage", (bool on) => { Outage = on; return Results.Ok(new { outage = on }); });
        app.MapPost("/replay/delay", (int ms) => { DelayMs = ms; return Results.Ok(new { delay_ms = DelayMs }); });
        app.MapPost("/replay/empty", (string token_id, bool on) =>
        {
            if (!_series.ContainsKey(token_id)) return Results.NotFound(new { error = $"unknown token_id {token_id}" });
            SetEmpty(token_id, on);
            return Results.Ok(new { token_id, empty = on });
        });
        app.MapPost("/replay/fault", (long? future_ms, bool? trades_object, decimal? huge_size, int? pad_bytes) =>
        {
            Faults = new ReplayFaults
            {
                BookTimestampOffsetMs = future_ms ?? 0, TradesAsObject = trades_object ?? false, HugeLevelSize = huge_size, PadBookBodyToBytes = pad_bytes ?? 0,
            };
            return Results.Ok(Faults);
        });
        app.MapGet("/replay/markets", () => Results.Json(Markets.Select(m => new { condition_id = m.ConditionId, token_id = m.TokenId })));
        app.MapGet("/replay/stats", () => Results.Json(new { book_requests = BookRequests, trade_requests = Interlocked.Read(ref _tradeRequests), refused = Interlocked.Read(ref _refused), outage = Outage }));
    }

    /// <summary>Replay position of a series at wall time <paramref name="nowMs"/>: (recorded time, wall time at which this loop began).</summary>
    private (long ReplayMs, long LoopStartWallMs) Position(Series s, long nowMs)
    {
        var elapsed = (long)((nowMs - _startMs) * _options.Speed) + s.OffsetMs;
        var within = elapsed % s.SpanMs;
        return (s.TimesMs[0] + within, nowMs - (long)(within / _options.Speed));
    }

    private async Task Book(HttpContext c)
    {
        if (_delayMs > 0) await Task.Delay(_delayMs, c.RequestAborted).ConfigureAwait(false);
        if (!TryResolve(c, out var s)) return;
        Interlocked.Increment(ref _bookRequests);
        var now = _clock();
        var (replay, _) = Position(s!, now);
        var i = Array.BinarySearch(s!.TimesMs, replay);
        if (i < 0) i = Math.Max(0, ~i - 1);
        var wallTs = now - (long)((replay - s.TimesMs[i]) / _options.Speed);
        var empty = _empty.ContainsKey(s.Market.TokenId);
        var faults = Faults;
        var bids = empty ? "[]" : s.Bids[i];
        if (faults.HugeLevelSize is { } huge && !empty)
            bids = string.Create(CultureInfo.InvariantCulture, $"[{{\"price\":\"0.001\",\"size\":\"{huge}\"}}") + (bids.Length > 2 ? "," + bids[1..] : "]");
        var body = string.Create(CultureInfo.InvariantCulture,
            $"{{\"market\":\"{s.Market.ConditionId}\",\"asset_id\":\"{s.Market.TokenId}\",\"timestamp\":\"{(empty ? now : wallTs) + faults.BookTimestampOffsetMs}\",\"bids\":{bids},\"asks\":{(empty ? "[]" : s.Asks[i])}}}");
        if (faults.PadBookBodyToBytes > body.Length) body = body[..^1] + new string(' ', faults.PadBookBodyToBytes - body.Length) + "}";
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync(body, Encoding.UTF8).ConfigureAwait(false);
    }

    private async Task Trades(HttpContext c)
    {
        if (!TryResolve(c, out var s)) return;
        Interlocked.Increment(ref _tradeRequests);
        var now = _clock();
        if (Faults.TradesAsObject)
        {
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync("{\"error\":\"rate limited\"}", Encoding.UTF8).ConfigureAwait(false);
            return;
        }
        long.TryParse(c.Request.Query["after_ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var after);
        var (replay, loopStart) = Position(s!, now);
        var sb = new StringBuilder("[");
        foreach (var t in s!.Recording.Trades)
        {
            if (t.TimeMs < s.TimesMs[0] || t.TimeMs > replay) continue;
            var wall = loopStart + (long)((t.TimeMs - s.TimesMs[0]) / _options.Speed);
            if (wall <= after) continue;
            if (sb.Length > 1) sb.Append(',');
            sb.Append(CultureInfo.InvariantCulture, $"{{\"price\":\"{t.Price}\",\"size\":\"{t.Size}\",\"timestamp\":\"{wall}\"}}");
        }
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync(sb.Append(']').ToString(), Encoding.UTF8).ConfigureAwait(false);
    }

    private bool TryResolve(HttpContext c, out Series? s)
    {
        s = null;
        if (_outage)
        {
            Interlocked.Increment(ref _refused);
            c.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return false;
        }
        var token = c.Request.Query["token_id"].ToString();
        if (!_series.TryGetValue(token, out s))
        {
            c.Response.StatusCode = StatusCodes.Status404NotFound;
            return false;
        }
        return true;
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
