using System.Security.Cryptography;
using LiquidationLab.Liquidity;
using Prometheus;

namespace LiquidationLab.Liquidity.Service;

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
/// <para>Parts (one job each): <see cref="LiquidityWatchOptions"/>; the scheduler (<c>PollScheduler</c>); the market workers
/// (<c>MarketWorker</c>, with the CLOB client <c>ClobClient</c>); the publisher (<c>ReportPublisher</c>: DuckDB writer and
/// Redis channels); the Prometheus collectors (<c>WatchMetrics</c>); the web host (<c>WatchEndpoints</c>); the health rules
/// (<c>WatchHealth</c>). This class composes them, restores state at start and stops them in order.</para>
/// </summary>
public sealed class LiquidityWatchService : IAsyncDisposable
{
    private readonly LiquidityWatchOptions _options;
    private readonly RedisLiquidityState _redis;
    private readonly LiquidityReportWriter? _writer;
    private readonly Func<long> _clock;
    private readonly Dictionary<string, MarketState> _markets;
    private readonly WatchMetrics _metrics = new();
    private readonly WatchStatus _status = new();
    private readonly ClobClient _clob;
    private readonly ReportPublisher _publisher;
    private readonly PollScheduler _scheduler;
    private readonly MarketWorker _worker;
    private readonly WatchEndpoints _endpoints;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];

    /// <summary>Creates the service (call <see cref="StartAsync"/>).</summary>
    /// <param name="options">Endpoint, markets, parameters.</param>
    /// <param name="redis">Connected state store.</param>
    /// <param name="writer">DuckDB report writer, or null to keep reports out of the store.</param>
    /// <param name="clock">Wall clock in Unix ms; default the system clock. Everything the service dates or schedules
    /// (due polls, staleness, health, the kill-switch read interval) reads this clock, so tests can drive it.</param>
    /// <exception cref="LiquidityConfigurationException">A model parameter beyond its hard limit.</exception>
    /// <exception cref="ArgumentException">No markets, a bad interval, concurrency, limit or channel list.</exception>
    public LiquidityWatchService(LiquidityWatchOptions options, RedisLiquidityState redis, LiquidityReportWriter? writer, Func<long>? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _writer = writer;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        options.Validate();
        ControlToken = options.ControlToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _markets = options.Markets.ToDictionary(m => m.ConditionId, m => new MarketState(m, new LiquidityForecastModel(m.ConditionId, options.Model)), StringComparer.Ordinal);
        _clob = new ClobClient(options, _metrics, _status, _clock);
        _publisher = new ReportPublisher(options, redis, writer, _metrics);
        _scheduler = new PollScheduler(options, _markets.Values.ToList(), redis, _status, _metrics, _clock);
        _worker = new MarketWorker(options, _clob, redis, writer, _publisher, _metrics, _status, _clock);
        _endpoints = new WatchEndpoints(this, options, _metrics.Registry, ControlToken);
    }

    /// <summary>The bearer token of the state-changing endpoints (the configured one, or generated at construction).</summary>
    public string ControlToken { get; }

    /// <summary>HTTP base URL once started with a port.</summary>
    public Uri? HttpBaseUrl { get; private set; }

    /// <summary>Reports emitted (appended and queued for publication).</summary>
    public long Emitted => _publisher.Emitted;

    /// <summary>Reports published on Redis so far (one per report, whatever the number of channels).</summary>
    public long Published => _publisher.Published;

    /// <summary>Reports waiting for Redis to come back.</summary>
    public long Unpublished => _publisher.Unpublished;

    /// <summary>Markets whose state was restored from Redis at start (same estimator, not dated ahead of the clock).</summary>
    public int RestoredMarkets { get; private set; }

    /// <summary>Raised after every poll with its lag in seconds (scheduled time → evaluation done); for benchmarks, and for
    /// tests that await a condition instead of sleeping. Raised on a worker's thread: keep handlers short and non-throwing.</summary>
    public event Action<double>? PollCompleted
    {
        add => _worker.PollCompleted += value;
        remove => _worker.PollCompleted -= value;
    }

    /// <summary>Raised after each report is published on Redis (on the publisher's thread): keep handlers short and
    /// non-throwing.</summary>
    public event Action? ReportPublished
    {
        add => _publisher.ReportPublished += value;
        remove => _publisher.ReportPublished -= value;
    }

    /// <summary>The kill switch as last read from Redis.</summary>
    public bool KillSwitchActive => _status.KillSwitch;

    /// <summary>Polls dropped by backpressure.</summary>
    public long Dropped => (long)_metrics.Dropped.Value;

    /// <summary>Polls completed by the workers (whatever their outcome).</summary>
    public long PollsCompleted => _worker.PollsCompleted;

    /// <summary>Polls so far with this outcome (<c>ok</c>, <c>http_503</c>, <c>rejected</c>, <c>too_large</c>, <c>exception</c>, …).</summary>
    public long Polls(string outcome) => (long)_metrics.Polls.WithLabels(outcome).Value;

    /// <summary>Trade polls so far with this outcome (<c>ok</c>, <c>invalid</c>, <c>too_large</c>, …).</summary>
    public long TradePolls(string outcome) => (long)_metrics.TradePolls.WithLabels(outcome).Value;

    /// <summary>Books rejected so far for this reason (<c>future_timestamp</c>, <c>bounds</c>).</summary>
    public long Rejected(string reason) => (long)_metrics.Rejected.WithLabels(reason).Value;

    /// <summary>Reports suppressed by the kill switch so far.</summary>
    public long Suppressed => (long)_metrics.Suppressed.Value;

    /// <summary>Latest outcome of a market (<see cref="MarketOutcome.None"/> before its first poll).</summary>
    /// <exception cref="KeyNotFoundException">Unknown condition id.</exception>
    public MarketOutcome Outcome(string conditionId) =>
        _markets.TryGetValue(conditionId, out var m) ? m.Outcome : throw new KeyNotFoundException($"Unknown condition_id {conditionId}.");

    /// <summary>Latest status and reason codes of a market, read from one immutable outcome (null before its first evaluation).</summary>
    public (ForecastStatus? Status, IReadOnlyList<string> Codes) LastOutcome(string conditionId) =>
        _markets.TryGetValue(conditionId, out var m) ? (m.Outcome.Status, m.Outcome.Codes) : (null, []);

    /// <summary>The Prometheus registry (metrics text: <c>/metrics</c>).</summary>
    public CollectorRegistry Registry => _metrics.Registry;

    /// <summary>True when the service watches <paramref name="conditionId"/>.</summary>
    internal bool Watches(string conditionId) => _markets.ContainsKey(conditionId);

    /// <summary>The market's servable forecast now (null forecast: stale) and its snapshot time; null for an unknown market.</summary>
    internal (double? ForecastPusd, long SnapshotMs)? ServeableForecast(string conditionId)
    {
        if (!_markets.TryGetValue(conditionId, out var m)) return null;
        var f = m.Model.ServeableForecast(_clock());
        return (f, m.Model.LastSnapshotMs);
    }

    /// <summary>Restores state from Redis, starts polling, and starts HTTP when a port is configured.</summary>
    public async Task StartAsync()
    {
        var now = _clock();
        _status.StartedMs = now;
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
                        _metrics.Rejected.WithLabels("future_timestamp").Inc();
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
            _status.KillSwitch = await _redis.KillSwitchAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            _status.KillSwitch = true; // unknown at start: the safe assumption until the scheduler reads it
        }
        if (_options.HttpPort is { } port) HttpBaseUrl = await _endpoints.StartAsync(port).ConfigureAwait(false);
        var stop = _stop.Token;
        _tasks.Add(Task.Run(() => _scheduler.RunAsync(stop)));
        for (var i = 0; i < _options.MaxInFlight; i++) _tasks.Add(Task.Run(() => _worker.RunAsync(_scheduler.Due, stop)));
        _tasks.Add(Task.Run(() => _publisher.RunAsync(stop)));
    }

    /// <summary>Polls and evaluates one market now (the recompute endpoint).</summary>
    /// <exception cref="KeyNotFoundException">Unknown condition id.</exception>
    public Task<ForecastResult> RecomputeAsync(string conditionId, CancellationToken ct = default) =>
        _markets.TryGetValue(conditionId, out var m) ? _worker.PollAsync(m, ct) : throw new KeyNotFoundException($"Unknown condition_id {conditionId}.");

    /// <summary>
    /// The service specification's (docs/liquidity-service.md) healthcheck: green when the latest forecast is under 5 min old AND Redis is reachable AND the CLOB's
    /// latest <c>/book</c> answer was HTTP 200; red when there has been no forecast for over 15 min (counted from start
    /// before the first) OR Redis is unreachable; degraded otherwise (e.g. a CLOB outage of a few minutes). A scheduler
    /// that stopped ticking is reported as a reason (forecasts stop, so red follows within 15 min).
    /// </summary>
    public LiquidityHealth Health() =>
        WatchHealth.Evaluate(_clock(), _status, _redis.IsConnected, _options.PollIntervalSeconds, _markets.Values, Emitted, Unpublished, Dropped, _writer?.LastError);

    /// <summary>Stops polling and HTTP; reports already emitted stay queued for the writer (dispose it after this). Never
    /// throws for a task that failed: everything is stopped and released regardless.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _scheduler.Complete();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stopping: a task that ended with an error must not keep the rest from being released
        }
        // Publish what is still queued (Redis permitting, within 5 s): reports are in DuckDB already.
        await _publisher.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _endpoints.DisposeAsync().ConfigureAwait(false);
        _clob.Dispose();
        _stop.Dispose();
        foreach (var m in _markets.Values) m.Gate.Dispose();
    }
}
