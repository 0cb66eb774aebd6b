using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using LiquidationLab.Core.Liquidity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Prometheus;

using LiquidationLab.Data.Liquidity;

namespace LiquidationLab.Server.Liquidity;

/// <summary>A market to watch: the condition id reports are keyed by and the token whose <c>/book</c> is polled.</summary>
/// <param name="ConditionId">Market id.</param>
/// <param name="TokenId">Outcome token.</param>
public sealed record WatchMarket(string ConditionId, string TokenId)
{
    /// <summary>
    /// Reads markets from text: one per line, <c>condition_id token_id</c> (whitespace, comma or <c>=</c> separated), or a
    /// single id used as both; blank lines and <c>#</c> comments skipped. A JSON array of <c>{condition_id, token_id}</c>
    /// (what the replay server's <c>/replay/markets</c> returns) is accepted too.
    /// </summary>
    /// <exception cref="FormatException">A malformed line (named by number) or a duplicate condition id.</exception>
    public static IReadOnlyList<WatchMarket> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<WatchMarket>();
        if (text.TrimStart().StartsWith('['))
        {
            using var doc = JsonDocument.Parse(text);
            var i = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var c = e.TryGetProperty("condition_id", out var cv) ? cv.GetString() : null;
                var t = e.TryGetProperty("token_id", out var tv) ? tv.GetString() : null;
                if (string.IsNullOrWhiteSpace(c) || string.IsNullOrWhiteSpace(t)) throw new FormatException($"{source}: element {i}: condition_id and token_id are required.");
                list.Add(new WatchMarket(c, t));
                i++;
            }
        }
        else
        {
            var n = 0;
            foreach (var raw in text.Split('\n'))
            {
                n++;
                var line = raw.Split('#')[0].Trim();
                if (line.Length == 0) continue;
                var parts = line.Split([' ', '\t', ',', '='], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 2) throw new FormatException($"{source}: line {n}: expected 'condition_id token_id', found {parts.Length} fields.");
                list.Add(new WatchMarket(parts[0], parts.Length == 2 ? parts[1] : parts[0]));
            }
        }
        var dup = list.GroupBy(m => m.ConditionId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FormatException($"{source}: condition_id {dup.Key} is listed twice.");
        return list;
    }
}

/// <summary>Options of <see cref="LiquidityWatchService"/>.</summary>
public sealed record LiquidityWatchOptions
{
    /// <summary>Host names the HTTP endpoints answer to by default: loopback only (DNS-rebinding defence).</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["127.0.0.1", "localhost", "::1", "[::1]"];

    /// <summary>Base URL of a CLOB-compatible endpoint (<c>GET {base}/book?token_id=…</c>).</summary>
    public required Uri ClobBaseUrl { get; init; }

    /// <summary>Markets to poll.</summary>
    public required IReadOnlyList<WatchMarket> Markets { get; init; }

    /// <summary>Model parameters.</summary>
    public LiquidityForecastOptions Model { get; init; } = new();

    /// <summary>Seconds between polls of each market; default 1.</summary>
    public double PollIntervalSeconds { get; init; } = 1;

    /// <summary>Requests in flight at most (the spec's 25).</summary>
    public int MaxInFlight { get; init; } = 25;

    /// <summary>Request timeout (the spec's 10 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Polls queued beyond the ones in flight; a poll that finds the buffer full is dropped (and counted).
    /// Default: one per market.</summary>
    public int? BufferCapacity { get; init; }

    /// <summary>Seconds between trade polls per market (for the fill rate); 0 turns trade polling off. Default 10.</summary>
    public double TradePollIntervalSeconds { get; init; } = 10;

    /// <summary>HTTP port on 127.0.0.1 for metrics, health and recompute; 0 picks a free port, null serves no HTTP.</summary>
    public int? HttpPort { get; init; }

    /// <summary>Largest <c>/book</c> or <c>/trades</c> response body read, bytes; a larger one is abandoned unread and
    /// counted (<c>too_large</c>). Default 4 MiB (a full Polymarket ladder is a few tens of KB).</summary>
    public long MaxResponseBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Sanity bounds on a polled book (sizes, notional, clock skew).</summary>
    public BookLimits Limits { get; init; } = new();

    /// <summary>Bearer token the state-changing endpoints (<c>POST …/recompute</c>) require. Null: the service generates
    /// one at start (<see cref="LiquidityWatchService.ControlToken"/>; the CLI prints it).</summary>
    public string? ControlToken { get; init; }

    /// <summary>Host header values the HTTP endpoints accept (port ignored); default loopback only. Other hosts get 403.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = LoopbackHosts;

    /// <summary><c>watch --record-books</c>: every new polled book is also written to the service's store through the report
    /// writer (<see cref="LiquidityReportWriter.EnqueueBook"/>), for backtests at the spec's hour horizon.</summary>
    public bool RecordBooks { get; init; }

    /// <summary>The spec's <c>publish_to</c>: Redis channels every emitted report is published on; default
    /// <c>polytraders.reports.observation</c>.</summary>
    public IReadOnlyList<string> PublishTo { get; init; } = [RedisLiquidityState.ReportChannel];
}

/// <summary>Health status of the service (the service specification's (docs/liquidity-service.md) runbook healthcheck).</summary>
public enum HealthStatus
{
    /// <summary>Last forecast under 5 min ago, Redis reachable, the CLOB answering 200.</summary>
    Green,

    /// <summary>Neither green nor red: e.g. a CLOB outage shorter than 15 min, or no forecast for 5–15 min. HTTP 200, so a
    /// load balancer keeps the instance; alerting keys on the status field.</summary>
    Degraded,

    /// <summary>No forecast for more than 15 min, or Redis unreachable. HTTP 503.</summary>
    Red,
}

/// <summary>The health endpoint's answer (<c>/internal/health/liquidityforecastmodel</c>), serialised in snake_case.</summary>
/// <param name="Status">Green, degraded or red.</param>
/// <param name="Reasons">Why it is not green (empty when green).</param>
/// <param name="RedisConnected">Redis reachable now.</param>
/// <param name="ClobOk">The latest <c>/book</c> response was HTTP 200.</param>
/// <param name="LastClobHttpStatus">Status code of the latest <c>/book</c> response (null: none yet or no HTTP answer).</param>
/// <param name="LastForecastAgeSeconds">Seconds since the latest forecast of any market (null: none yet).</param>
/// <param name="KillSwitchActive">The kill switch as last read (reported; a deliberate state, not a failure).</param>
/// <param name="Markets">Markets watched.</param>
/// <param name="FreshMarkets">Markets whose forecast may be served now.</param>
/// <param name="StaleMarkets">Up to 20 markets without a servable forecast.</param>
/// <param name="ObservationsEmitted">Reports emitted since start.</param>
/// <param name="Unpublished">Reports waiting for Redis.</param>
/// <param name="DroppedPolls">Polls dropped by backpressure.</param>
/// <param name="WriterError">The report writer's latest error, if any.</param>
public sealed record LiquidityHealth(
    HealthStatus Status, IReadOnlyList<string> Reasons, bool RedisConnected, bool ClobOk, int? LastClobHttpStatus, double? LastForecastAgeSeconds,
    bool KillSwitchActive, int Markets, int FreshMarkets, IReadOnlyList<string> StaleMarkets, long ObservationsEmitted, long Unpublished,
    long DroppedPolls, string? WriterError)
{
    /// <summary>Green at most this long after the latest forecast (the spec's 5 min).</summary>
    public static readonly TimeSpan GreenForecastAge = TimeSpan.FromMinutes(5);

    /// <summary>Red after this long without a forecast (the spec's 15 min; counted from start before the first one).</summary>
    public static readonly TimeSpan RedForecastAge = TimeSpan.FromMinutes(15);
}

/// <summary>The latest outcome of one market, published as one immutable value (never read torn).</summary>
/// <param name="Status">Latest evaluation status (null before the first).</param>
/// <param name="Codes">Its reason codes.</param>
/// <param name="LastError">Latest fetch or evaluation error (null after a clean poll).</param>
/// <param name="AtMs">When it was published, Unix ms.</param>
public sealed record MarketOutcome(ForecastStatus? Status, IReadOnlyList<string> Codes, string? LastError, long AtMs)
{
    /// <summary>Before the first poll.</summary>
    public static readonly MarketOutcome None = new(null, [], null, 0);
}

/// <summary>
/// The LiquidityForecastModel signal service (<c>liqlab liquidity watch</c>): polls every market's book from a
/// CLOB-compatible endpoint, forecasts its depth (<see cref="LiquidityForecastModel"/>), keeps per-market state in Redis,
/// appends reports to DuckDB and publishes them on the <see cref="LiquidityWatchOptions.PublishTo"/> channels. It observes
/// only: it never signs or submits an order.
/// <para>Scheduling: markets are staggered evenly over the poll interval; each is queued when due unless its previous poll
/// is still running (coalesced); at most <see cref="LiquidityWatchOptions.MaxInFlight"/> requests run at once with a 10 s
/// timeout; when the queue is full the poll is dropped (drop-after-buffer backpressure, counted).</para>
/// <para>Untrusted upstream: a response body over <see cref="LiquidityWatchOptions.MaxResponseBytes"/> is abandoned; a book
/// that breaks <see cref="LiquidityWatchOptions.Limits"/> (absurd sizes or notional, a timestamp ahead of the clock) is
/// rejected with <see cref="LiquidityReasonCodes.BookRejected"/> — counted, never evaluated, stored or persisted; a
/// <c>/trades</c> reply that is not an array is counted and ignored. No exception ends a poll worker: it is counted
/// (<c>polls_total{outcome="exception"}</c>), recorded as the market's last error, and polling goes on.</para>
/// <para>Emission: a report is emitted once per (condition_id, snapshot_ts_ms) — the spec's idempotency key, claimed in
/// Redis with SET NX (and checked in memory, so a Redis outage cannot cause duplicates) — never while the kill switch is set
/// (read every 100 ms, and checked atomically with the claim in one Lua call), never from a book older than
/// <c>staleness_threshold_s</c>. If Redis is down, reports are still appended to DuckDB and queued for publication.</para>
/// <para>Concurrency: a market's model and last book are touched only under its gate, which is held for the in-memory
/// evaluation only; Redis and HTTP I/O happen outside it, on values copied out under it. A market's latest outcome is an
/// immutable <see cref="MarketOutcome"/> swapped in whole. The kill-switch flag has one writer (the scheduler).</para>
/// <para>Health: see <see cref="Health"/>. Control: every endpoint checks the Host header
/// (<see cref="LiquidityWatchOptions.AllowedHosts"/>, 403 otherwise); <c>POST …/recompute</c> also needs
/// <c>Authorization: Bearer &lt;token&gt;</c> (401 otherwise).</para>
/// </summary>
public sealed class LiquidityWatchService : IAsyncDisposable
{
    private sealed class MarketState(WatchMarket market, LiquidityForecastModel model)
    {
        public WatchMarket Market { get; } = market;

        // Gate: guards Model, LastBook, LastTradePollMs and LastTradeSeenMs; held by one poll (worker or recompute) for the
        // in-memory part of an evaluation only, never across I/O.
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public LiquidityForecastModel Model { get; } = model;
        public OrderBook? LastBook;
        public long LastTradePollMs;
        public long LastTradeSeenMs = long.MinValue;

        // Queued: set by the scheduler thread, cleared by the worker that ran the poll (Interlocked/Volatile).
        public int Queued;

        // Outcome: written by the poll that owns the market at the time, read by any thread (health, tests): swapped whole.
        private MarketOutcome _outcome = MarketOutcome.None;

        public MarketOutcome Outcome => Volatile.Read(ref _outcome);

        public void Publish(Func<MarketOutcome, MarketOutcome> change)
        {
            while (true)
            {
                var old = Volatile.Read(ref _outcome);
                if (Interlocked.CompareExchange(ref _outcome, change(old), old) == old) return;
            }
        }
    }

    private const string Prefix = "polytraders_intel_liquidityforecastmodel_";

    private readonly LiquidityWatchOptions _options;
    private readonly RedisLiquidityState _redis;
    private readonly LiquidityReportWriter? _writer;
    private readonly Func<long> _clock;
    private readonly Dictionary<string, MarketState> _markets;
    private readonly HttpClient _http;
    private readonly Channel<(MarketState Market, long ScheduledMs)> _queue;
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _emitted, _lowForecast, _polls, _tradePolls, _rejected, _dropped, _stale, _suppressed;
    private readonly Gauge _forecast, _redisUp;
    private readonly Histogram _lag, _parse, _evaluate;
    private readonly byte[] _token;
    private WebApplication? _app;
    private volatile bool _killSwitch; // written by the scheduler only; read by every poll
    private long _lastTickMs, _startedMs, _lastForecastMs, _lastClobStatus; // Interlocked
    private long _published, _unpublished;

    /// <summary>Creates the service (call <see cref="StartAsync"/>).</summary>
    /// <param name="options">Endpoint, markets, parameters.</param>
    /// <param name="redis">Connected state store.</param>
    /// <param name="writer">DuckDB report writer, or null to keep reports out of the store.</param>
    /// <param name="clock">Wall clock in Unix ms; default the system clock.</param>
    /// <exception cref="LiquidityConfigurationException">A model parameter beyond its hard limit.</exception>
    /// <exception cref="ArgumentException">No markets, a bad interval, concurrency, limit or channel list.</exception>
    public LiquidityWatchService(LiquidityWatchOptions options, RedisLiquidityState redis, LiquidityReportWriter? writer, Func<long>? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _writer = writer;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (options.Markets.Count == 0) throw new ArgumentException("No markets to watch.", nameof(options));
        if (!(options.PollIntervalSeconds > 0)) throw new ArgumentException($"The poll interval must be > 0 s, got {options.PollIntervalSeconds}.", nameof(options));
        if (options.MaxInFlight < 1) throw new ArgumentException($"MaxInFlight must be ≥ 1, got {options.MaxInFlight}.", nameof(options));
        if (options.MaxResponseBytes < 1024) throw new ArgumentException($"MaxResponseBytes must be ≥ 1024, got {options.MaxResponseBytes}.", nameof(options));
        if (options.PublishTo.Count == 0 || options.PublishTo.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("publish_to needs at least one non-empty channel name.", nameof(options));
        if (options.ControlToken is { Length: < 16 }) throw new ArgumentException("The control token must have at least 16 characters.", nameof(options));
        options.Model.EnsureValid();
        ControlToken = options.ControlToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _token = Encoding.UTF8.GetBytes(ControlToken);
        _markets = options.Markets.ToDictionary(m => m.ConditionId, m => new MarketState(m, new LiquidityForecastModel(m.ConditionId, options.Model)), StringComparer.Ordinal);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxInFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = options.ClobBaseUrl,
            Timeout = options.RequestTimeout,
        };
        _queue = Channel.CreateBounded<(MarketState, long)>(new BoundedChannelOptions(options.BufferCapacity ?? Math.Max(1, options.Markets.Count))
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the poll is dropped and counted
        });

        var f = Metrics.WithCustomRegistry(_registry);
        _emitted = f.CreateCounter(Prefix + "observations_emitted_total", "ObservationReports emitted per tracked market.", "condition_id");
        _forecast = f.CreateGauge(Prefix + "forecast_pusd", "Latest liquidity forecast per tracked market, pUSD (absent while stale).", "condition_id");
        _lowForecast = f.CreateCounter(Prefix + "low_forecast_total", "Low-liquidity forecast events emitted.");
        _polls = f.CreateCounter(Prefix + "polls_total", "Book polls by outcome (ok, http_<code>, timeout, error, invalid, too_large, rejected, exception).", "outcome");
        _tradePolls = f.CreateCounter(Prefix + "trade_polls_total", "Trade polls by outcome (ok, http_<code>, timeout, error, invalid, too_large, not_found).", "outcome");
        _rejected = f.CreateCounter(Prefix + "books_rejected_total", "Books rejected by the sanity bounds (future_timestamp, bounds).", "reason");
        _dropped = f.CreateCounter(Prefix + "polls_dropped_total", "Polls dropped because the buffer was full.");
        _stale = f.CreateCounter(Prefix + "stale_total", "Evaluations without a fresh book (STALE_DATA).");
        _suppressed = f.CreateCounter(Prefix + "suppressed_total", "Reports suppressed by the kill switch.");
        _redisUp = f.CreateGauge(Prefix + "redis_connected", "1 while Redis is connected.");
        _lag = f.CreateHistogram(Prefix + "poll_lag_seconds", "Scheduled poll time to evaluation done.",
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        var computeBuckets = new HistogramConfiguration { Buckets = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3] };
        _parse = f.CreateHistogram(Prefix + "book_parse_seconds", "Parsing and validating a /book response, per poll.", computeBuckets);
        _evaluate = f.CreateHistogram(Prefix + "evaluate_seconds", "Model evaluation (depth, forecast, report), per poll.", computeBuckets);
    }

    /// <summary>The bearer token of the state-changing endpoints (the configured one, or generated at construction).</summary>
    public string ControlToken { get; }

    /// <summary>HTTP base URL once started with a port.</summary>
    public Uri? HttpBaseUrl { get; private set; }

    /// <summary>Reports emitted (appended and queued for publication).</summary>
    public long Emitted => Interlocked.Read(ref _emittedCount);

    private long _emittedCount;

    /// <summary>Reports published on Redis so far (one per report, whatever the number of channels).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Reports waiting for Redis to come back.</summary>
    public long Unpublished => Interlocked.Read(ref _unpublished);

    /// <summary>Markets whose state was restored from Redis at start (same estimator, not dated ahead of the clock).</summary>
    public int RestoredMarkets { get; private set; }

    /// <summary>Raised after every poll with its lag in seconds (scheduled time → evaluation done); for benchmarks.</summary>
    public event Action<double>? PollCompleted;

    /// <summary>The kill switch as last read from Redis.</summary>
    public bool KillSwitchActive => _killSwitch;

    /// <summary>Polls dropped by backpressure.</summary>
    public long Dropped => (long)_dropped.Value;

    /// <summary>Polls completed by the workers (whatever their outcome).</summary>
    public long PollsCompleted => Interlocked.Read(ref _pollsCompleted);

    private long _pollsCompleted;

    /// <summary>Polls so far with this outcome (<c>ok</c>, <c>http_503</c>, <c>rejected</c>, <c>too_large</c>, <c>exception</c>, …).</summary>
    public long Polls(string outcome) => (long)_polls.WithLabels(outcome).Value;

    /// <summary>Trade polls so far with this outcome (<c>ok</c>, <c>invalid</c>, <c>too_large</c>, …).</summary>
    public long TradePolls(string outcome) => (long)_tradePolls.WithLabels(outcome).Value;

    /// <summary>Books rejected so far for this reason (<c>future_timestamp</c>, <c>bounds</c>).</summary>
    public long Rejected(string reason) => (long)_rejected.WithLabels(reason).Value;

    /// <summary>Reports suppressed by the kill switch so far.</summary>
    public long Suppressed => (long)_suppressed.Value;

    /// <summary>Latest outcome of a market (<see cref="MarketOutcome.None"/> before its first poll).</summary>
    /// <exception cref="KeyNotFoundException">Unknown condition id.</exception>
    public MarketOutcome Outcome(string conditionId) =>
        _markets.TryGetValue(conditionId, out var m) ? m.Outcome : throw new KeyNotFoundException($"Unknown condition_id {conditionId}.");

    /// <summary>Latest status and reason codes of a market, read from one immutable outcome (null before its first evaluation).</summary>
    public (ForecastStatus? Status, IReadOnlyList<string> Codes) LastOutcome(string conditionId) =>
        _markets.TryGetValue(conditionId, out var m) ? (m.Outcome.Status, m.Outcome.Codes) : (null, []);

    /// <summary>The Prometheus registry (metrics text: <c>/metrics</c>).</summary>
    public CollectorRegistry Registry => _registry;

    /// <summary>Restores state from Redis, starts polling, and starts HTTP when a port is configured.</summary>
    public async Task StartAsync()
    {
        var now = _clock();
        Interlocked.Exchange(ref _startedMs, now);
        var skewMs = (long)(_options.Limits.MaxClockSkewSeconds * 1000);
        foreach (var m in _markets.Values)
        {
            try
            {
                if (await _redis.LoadAsync(m.Market.ConditionId).ConfigureAwait(false) is { } state && state.Estimator == _options.Model.Estimator)
                {
                    if (state.LastSnapshotMs > now + skewMs)
                    {
                        // A state that names a book from the future would pin the market: ignore it (and count it).
                        _rejected.WithLabels("future_timestamp").Inc();
                        m.Publish(o => o with { LastError = $"stored state ignored: last_snapshot_ms {state.LastSnapshotMs} is ahead of the clock", AtMs = now });
                        continue;
                    }
                    m.Model.Restore(state);
                    m.LastTradeSeenMs = state.LastTradeMs;
                    RestoredMarkets++;
                }
            }
            catch (Exception e) when (e is FormatException or ArgumentException or StackExchange.Redis.RedisException or TimeoutException)
            {
                m.Publish(o => o with { LastError = $"state not restored: {e.Message}", AtMs = now });
            }
        }
        try
        {
            _killSwitch = await _redis.KillSwitchAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            _killSwitch = true; // unknown at start: the safe assumption until the scheduler reads it
        }
        if (_options.HttpPort is { } port) await StartHttpAsync(port).ConfigureAwait(false);
        _tasks.Add(Task.Run(SchedulerAsync));
        for (var i = 0; i < _options.MaxInFlight; i++) _tasks.Add(Task.Run(WorkerAsync));
        _tasks.Add(Task.Run(PublisherAsync));
    }

    private async Task SchedulerAsync()
    {
        // Markets are staggered evenly over the poll interval (market i is due at start + i/N of it), so a poll cycle is not
        // one burst of N requests; the scheduler ticks every 5–20 ms and queues the markets due. The kill switch is read from
        // Redis at most every 100 ms (a switch takes effect within that); this loop is its only writer.
        var intervalMs = _options.PollIntervalSeconds * 1000;
        var slice = TimeSpan.FromMilliseconds(Math.Clamp(intervalMs / 50, 5, 20));
        long killReadMs = 0;
        var start = _clock();
        var due = _markets.Values.Select((m, i) => (Market: m, Due: start + i * intervalMs / _markets.Count)).ToArray();
        using var timer = new PeriodicTimer(slice);
        do
        {
            try
            {
                var now = _clock();
                Interlocked.Exchange(ref _lastTickMs, now);
                _redisUp.Set(_redis.IsConnected ? 1 : 0);
                if (now - killReadMs >= 100)
                {
                    killReadMs = now;
                    try
                    {
                        _killSwitch = await _redis.KillSwitchAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
                    {
                        // Redis unreachable: keep the last known kill-switch state.
                    }
                }
                for (var i = 0; i < due.Length; i++)
                {
                    var (m, at) = due[i];
                    if (at > now) continue;
                    var next = at + intervalMs;
                    due[i].Due = next > now ? next : now + intervalMs; // fell behind: skip the missed slots
                    if (Interlocked.CompareExchange(ref m.Queued, 1, 0) != 0) continue; // previous poll still running: coalesce
                    if (!_queue.Writer.TryWrite((m, (long)at)))
                    {
                        Volatile.Write(ref m.Queued, 0);
                        _dropped.Inc();
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing may end the scheduler: count and go on with the next tick.
                _polls.WithLabels("scheduler_exception").Inc();
            }
        }
        while (await WaitTick(timer).ConfigureAwait(false));
    }

    private async Task<bool> WaitTick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task WorkerAsync()
    {
        try
        {
            await foreach (var (m, scheduled) in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await PollAsync(m, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // No exception ends a worker: count it, keep it as the market's last error, poll on.
                    _polls.WithLabels("exception").Inc();
                    var now = _clock();
                    m.Publish(o => o with { LastError = $"{e.GetType().Name}: {e.Message}", AtMs = now });
                }
                finally
                {
                    Volatile.Write(ref m.Queued, 0);
                    Interlocked.Increment(ref _pollsCompleted);
                    var lag = Math.Max(0, _clock() - scheduled) / 1000.0;
                    _lag.Observe(lag);
                    PollCompleted?.Invoke(lag);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Fetches the market's book (and trades when due), evaluates in memory under the gate, then does the Redis I/O.</summary>
    private async Task<ForecastResult> PollAsync(MarketState m, CancellationToken ct)
    {
        var (book, error) = await FetchBookAsync(m, ct).ConfigureAwait(false);

        bool tradesDue;
        long after;
        await m.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            tradesDue = _options.TradePollIntervalSeconds > 0 && _clock() - m.LastTradePollMs >= _options.TradePollIntervalSeconds * 1000;
            if (tradesDue) m.LastTradePollMs = _clock();
            after = Math.Max(0, m.LastTradeSeenMs);
        }
        finally
        {
            m.Gate.Release();
        }
        IReadOnlyList<TradePrint>? trades = null;
        if (tradesDue)
        {
            string? tradeError;
            (trades, tradeError) = await FetchTradesAsync(m, after, ct).ConfigureAwait(false);
            error ??= tradeError;
        }

        ForecastResult result;
        MarketForecastState? state = null;
        long snapshotMs, now;
        bool kill;
        await m.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (trades is not null)
            {
                m.Model.MarkTradeFeedPolled();
                foreach (var t in trades)
                    if (m.Model.ObserveTrade(t.TimeMs, t.NotionalUsd)) m.LastTradeSeenMs = Math.Max(m.LastTradeSeenMs, t.TimeMs);
            }
            if (book is not null && (m.LastBook is null || book.TimestampMs >= m.LastBook.TimestampMs)) m.LastBook = book;
            now = _clock();
            kill = _killSwitch;
            var started = Stopwatch.GetTimestamp();
            result = m.Model.Evaluate(m.LastBook, now, kill, ActivityTraceId.CreateRandom().ToHexString());
            _evaluate.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            snapshotMs = m.Model.LastSnapshotMs;
            if (result.SnapshotIsNew)
            {
                state = m.Model.SaveState(); // nothing new to keep otherwise
                if (_options.RecordBooks && m.LastBook is { } recorded) _writer?.EnqueueBook(m.Market.TokenId, recorded);
            }
        }
        finally
        {
            m.Gate.Release();
        }

        m.Publish(_ => new MarketOutcome(result.Status, result.ReasonCodes, error, now));
        var condition = m.Market.ConditionId;
        if (result.Status == ForecastStatus.Stale)
        {
            _stale.Inc();
            _forecast.RemoveLabelled(condition); // never serve a stale forecast
        }
        else
        {
            _forecast.WithLabels(condition).Set(result.Report!.ForecastPusd);
            InterlockedMax(ref _lastForecastMs, now);
        }
        if (result.Status == ForecastStatus.Suppressed && result.SnapshotIsNew) _suppressed.Inc();

        if (result.Status == ForecastStatus.Emit && result.SnapshotIsNew)
        {
            // Claim the idempotency key and check the kill switch in one atomic step; if Redis is unreachable the in-memory
            // checks (new snapshot, last switch value read) decide alone.
            int claim;
            try
            {
                claim = await _redis.ClaimUnlessKilledAsync(condition, snapshotMs).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                claim = kill ? -1 : 1;
            }
            if (claim == 1) Emit(m, result.Report!, snapshotMs);
            else if (claim == -1)
            {
                _suppressed.Inc();
                result = result with { Status = ForecastStatus.Suppressed, ReasonCodes = [.. result.ReasonCodes, LiquidityReasonCodes.KillSwitchActive] };
                m.Publish(_ => new MarketOutcome(result.Status, result.ReasonCodes, error, now));
            }
        }
        if (state is not null)
        {
            try
            {
                await _redis.SaveAsync(condition, state).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // the state is rewritten on the next new snapshot once Redis is back
            }
        }
        return result;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>GET with a bounded body: (body, null) or (null, outcome label and message).</summary>
    private async Task<(string? Body, int? Status, string? Outcome, string? Error)> GetBoundedAsync(string url, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                return (null, status, "http_" + status.ToString(CultureInfo.InvariantCulture), $"GET {url}: HTTP {status}");
            var max = _options.MaxResponseBytes;
            if (response.Content.Headers.ContentLength is { } declared && declared > max)
                return (null, status, "too_large", $"GET {url}: body of {declared} bytes exceeds the {max}-byte limit");
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > max) return (null, status, "too_large", $"GET {url}: body exceeds the {max}-byte limit");
                buffer.Write(chunk, 0, n);
            }
            return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), status, null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return (null, null, e is TaskCanceledException ? "timeout" : "error", $"GET {url}: {e.Message}");
        }
    }

    private async Task<(OrderBook? Book, string? Error)> FetchBookAsync(MarketState m, CancellationToken ct)
    {
        var url = "book?token_id=" + Uri.EscapeDataString(m.Market.TokenId);
        var (body, status, outcome, error) = await GetBoundedAsync(url, ct).ConfigureAwait(false);
        if (status is { } code) Interlocked.Exchange(ref _lastClobStatus, code);
        if (body is null)
        {
            _polls.WithLabels(outcome!).Inc();
            return (null, error);
        }
        OrderBook book;
        var sw = Stopwatch.StartNew();
        try
        {
            book = ClobJson.ParseBook(body, $"{_options.ClobBaseUrl}{url}");
        }
        catch (OrderBookException e)
        {
            _polls.WithLabels("invalid").Inc();
            return (null, e.Message);
        }
        _parse.Observe(sw.Elapsed.TotalSeconds);
        if (_options.Limits.Violation(book, _clock()) is { } violation)
        {
            var future = violation.StartsWith("timestamp", StringComparison.Ordinal);
            _polls.WithLabels("rejected").Inc();
            _rejected.WithLabels(future ? "future_timestamp" : "bounds").Inc();
            return (null, $"{LiquidityReasonCodes.BookRejected}: GET {url}: {violation}");
        }
        _polls.WithLabels("ok").Inc();
        return (book, null);
    }

    private async Task<(IReadOnlyList<TradePrint>? Trades, string? Error)> FetchTradesAsync(MarketState m, long afterMs, CancellationToken ct)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"trades?token_id={Uri.EscapeDataString(m.Market.TokenId)}&after_ms={afterMs}");
        var (body, status, outcome, error) = await GetBoundedAsync(url, ct).ConfigureAwait(false);
        if (body is null)
        {
            if (status == (int)HttpStatusCode.NotFound)
            {
                _tradePolls.WithLabels("not_found").Inc(); // an endpoint without trades: the fill rate stays unknown
                return (null, null);
            }
            _tradePolls.WithLabels(outcome!).Inc();
            return (null, error);
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                _tradePolls.WithLabels("invalid").Inc();
                var head = body.Length <= 80 ? body : body[..80] + "…";
                return (null, $"GET {url}: expected a JSON array of trades, got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()} {head}");
            }
            var trades = new List<TradePrint>(doc.RootElement.GetArrayLength());
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var t = ClobJson.ParseTrade(e, url);
                if (t.Price * t.Size > _options.Limits.MaxLevelNotionalPusd)
                    throw new OrderBookException($"{url}: trade notional {t.Price * t.Size} exceeds {_options.Limits.MaxLevelNotionalPusd} pUSD.");
                trades.Add(t);
            }
            _tradePolls.WithLabels("ok").Inc();
            return (trades, null);
        }
        catch (Exception e) when (e is JsonException or OrderBookException or InvalidOperationException or FormatException)
        {
            _tradePolls.WithLabels("invalid").Inc();
            return (null, e.Message);
        }
    }

    private void Emit(MarketState m, ObservationReport report, long snapshotMs)
    {
        _writer?.Enqueue(report, snapshotMs, m.Market.TokenId);
        Interlocked.Increment(ref _unpublished);
        _outbox.Writer.TryWrite(report.ToJson());
        _emitted.WithLabels(m.Market.ConditionId).Inc();
        Interlocked.Increment(ref _emittedCount);
        if (report.LowForecast) _lowForecast.Inc();
    }

    private async Task PublisherAsync()
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (_outbox.Reader.TryPeek(out _))
                    if (!await PublishNextAsync().ConfigureAwait(false))
                        await Task.Delay(250, _stop.Token).ConfigureAwait(false); // Redis down: keep the report, retry
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Publishes the oldest queued report on every channel; false (report kept) when Redis refuses.</summary>
    private async Task<bool> PublishNextAsync()
    {
        if (!_outbox.Reader.TryPeek(out var json)) return true;
        try
        {
            foreach (var channel in _options.PublishTo) await _redis.PublishAsync(json, channel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return false;
        }
        _outbox.Reader.TryRead(out _);
        Interlocked.Increment(ref _published);
        Interlocked.Decrement(ref _unpublished);
        return true;
    }

    /// <summary>Polls and evaluates one market now (the recompute endpoint).</summary>
    /// <exception cref="KeyNotFoundException">Unknown condition id.</exception>
    public Task<ForecastResult> RecomputeAsync(string conditionId, CancellationToken ct = default) =>
        _markets.TryGetValue(conditionId, out var m) ? PollAsync(m, ct) : throw new KeyNotFoundException($"Unknown condition_id {conditionId}.");

    /// <summary>
    /// The service specification's (docs/liquidity-service.md) healthcheck: green when the latest forecast is under 5 min old AND Redis is reachable AND the CLOB's
    /// latest <c>/book</c> answer was HTTP 200; red when there has been no forecast for over 15 min (counted from start
    /// before the first) OR Redis is unreachable; degraded otherwise (e.g. a CLOB outage of a few minutes). A scheduler
    /// that stopped ticking is reported as a reason (forecasts stop, so red follows within 15 min).
    /// </summary>
    public LiquidityHealth Health()
    {
        var now = _clock();
        var lastForecast = Interlocked.Read(ref _lastForecastMs);
        double? forecastAge = lastForecast > 0 ? (now - lastForecast) / 1000.0 : null;
        var sinceStart = (now - Interlocked.Read(ref _startedMs)) / 1000.0;
        var clobStatus = (int)Interlocked.Read(ref _lastClobStatus);
        var clobOk = clobStatus == 200;
        var redis = _redis.IsConnected;
        var reasons = new List<string>();
        if (!redis) reasons.Add("redis unreachable");
        if (!clobOk) reasons.Add(clobStatus == 0 ? "no HTTP answer from the CLOB yet (or only transport errors)" : $"CLOB answered HTTP {clobStatus}");
        var red = !redis || (forecastAge ?? sinceStart) > LiquidityHealth.RedForecastAge.TotalSeconds;
        if ((forecastAge ?? double.PositiveInfinity) >= LiquidityHealth.GreenForecastAge.TotalSeconds)
            reasons.Add(forecastAge is { } a ? $"{LiquidityReasonCodes.StaleData}: last forecast {a:0} s ago" : $"{LiquidityReasonCodes.StaleData}: no forecast since start {sinceStart:0} s ago");
        var tickAge = now - Interlocked.Read(ref _lastTickMs);
        if (tickAge > Math.Max(3 * _options.PollIntervalSeconds * 1000, 5000)) reasons.Add($"scheduler last ran {tickAge} ms ago");
        var green = !red && redis && clobOk && forecastAge < LiquidityHealth.GreenForecastAge.TotalSeconds;
        var stale = _markets.Values.Where(m => m.Model.ServeableForecast(now) is null).Select(m => m.Market.ConditionId).ToList();
        return new LiquidityHealth(red ? HealthStatus.Red : green ? HealthStatus.Green : HealthStatus.Degraded, reasons, redis, clobOk,
            clobStatus == 0 ? null : clobStatus, forecastAge is { } x ? Math.Round(x, 3) : null, _killSwitch, _markets.Count, _markets.Count - stale.Count,
            stale.Take(20).ToList(), Emitted, Unpublished, Dropped, _writer?.LastError);
    }

    private async Task StartHttpAsync(int port)
    {
        (_app, HttpBaseUrl) = await LoopbackHttp.StartAsync(port, MapEndpoints).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions HealthJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>True when <paramref name="host"/> (the Host header without its port) is allowed.</summary>
    internal bool HostAllowed(string host) => _options.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the request carries <c>Authorization: Bearer &lt;token&gt;</c> with this service's token (fixed-time compare).</summary>
    internal bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    private void MapEndpoints(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // DNS-rebinding defence: a browser page on another origin that resolves to 127.0.0.1 still sends its own Host.
            if (!HostAllowed(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = $"Host '{context.Request.Host.Host}' is not allowed" }).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/metrics", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await _registry.CollectAndExportAsTextAsync(c.Response.Body, c.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/internal/health/liquidityforecastmodel", () =>
        {
            var h = Health();
            return Results.Json(h, HealthJson, statusCode: h.Status == HealthStatus.Red ? 503 : 200);
        });
        app.MapPost("/internal/liquidityforecastmodel/recompute", async (HttpRequest request, string? condition_id, CancellationToken ct) =>
        {
            if (!Authorized(request)) return Results.Json(new { error = "missing or wrong bearer token (Authorization: Bearer <token>)" }, statusCode: 401);
            if (string.IsNullOrEmpty(condition_id)) return Results.BadRequest(new { error = "condition_id is required" });
            if (!_markets.ContainsKey(condition_id)) return Results.NotFound(new { error = $"unknown condition_id {condition_id}" });
            var r = await RecomputeAsync(condition_id, ct).ConfigureAwait(false);
            return Results.Json(new
            {
                condition_id,
                status = r.Status.ToString(),
                reason_codes = r.ReasonCodes,
                report = r.Report is null ? (JsonElement?)null : JsonDocument.Parse(r.Report.ToJson()).RootElement,
            });
        });
        app.MapGet("/internal/liquidityforecastmodel/forecast", (string? condition_id) =>
        {
            if (condition_id is null || !_markets.TryGetValue(condition_id, out var m)) return Results.NotFound(new { error = $"unknown condition_id {condition_id}" });
            var f = m.Model.ServeableForecast(_clock());
            return f is null
                ? Results.Json(new { condition_id, reason_code = LiquidityReasonCodes.StaleData }, statusCode: 404)
                : Results.Json(new { condition_id, forecast_pusd = f.Value, horizon_s = _options.Model.ForecastHorizonSeconds, snapshot_ts_ms = m.Model.LastSnapshotMs });
        });
    }

    /// <summary>Stops polling and HTTP; reports already emitted stay queued for the writer (dispose it after this). Never
    /// throws for a task that failed: everything is stopped and released regardless.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stopping: a task that ended with an error must not keep the rest from being released
        }
        // Publish what is still queued (Redis permitting, within 5 s): reports are in DuckDB already.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_outbox.Reader.TryPeek(out _) && DateTime.UtcNow < deadline)
            if (!await PublishNextAsync().ConfigureAwait(false))
                await Task.Delay(250).ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        _http.Dispose();
        _stop.Dispose();
        foreach (var m in _markets.Values) m.Gate.Dispose();
    }
}
