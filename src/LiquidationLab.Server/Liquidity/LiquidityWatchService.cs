using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
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
}

/// <summary>
/// The LiquidityForecastModel signal service (<c>liqlab liquidity watch</c>): polls every market's book from a
/// CLOB-compatible endpoint, forecasts its depth (<see cref="LiquidityForecastModel"/>), keeps per-market state in Redis,
/// appends reports to DuckDB and publishes them on Redis channel <c>polytraders.reports.observation</c>. It observes
/// only: it never signs or submits an order.
/// <para>Scheduling: markets are staggered evenly over the poll interval; each is queued when due unless its previous poll
/// is still running (coalesced); at most
/// <see cref="LiquidityWatchOptions.MaxInFlight"/> requests run at once with a 10 s timeout; when the queue is full the
/// poll is dropped (drop-after-buffer backpressure, counted in <c>liquidityforecastmodel_polls_dropped_total</c>).</para>
/// <para>Emission: a report is emitted once per (condition_id, snapshot_ts_ms) — the idempotency key is claimed in Redis
/// (and checked in memory, so a Redis outage cannot cause duplicates) — never while the kill switch is set (read each
/// scheduler tick, and checked atomically with the idempotency claim in one Lua call, so nothing is emitted once Redis holds
/// the switch; while Redis is unreachable the last value read holds), never from a
/// book older than <c>staleness_threshold_s</c>. If Redis is down, reports are still appended to DuckDB, queued for
/// publication and published when Redis returns; state is rewritten on the next poll, so a Redis restart loses nothing.</para>
/// <para>Health (<c>/internal/health/liquidityforecastmodel</c>): green when Redis is connected, the scheduler ran within three
/// poll intervals (at least 5 s) and at least one market has a fresh book (or none is configured); red otherwise (HTTP 503). The kill
/// switch is reported but does not turn health red: it is a deliberate state.</para>
/// </summary>
public sealed class LiquidityWatchService : IAsyncDisposable
{
    private sealed class MarketState(WatchMarket market, LiquidityForecastModel model)
    {
        public WatchMarket Market { get; } = market;
        public LiquidityForecastModel Model { get; } = model;
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public OrderBook? LastBook;
        public long LastTradePollMs;
        public long LastTradeSeenMs = long.MinValue;
        public int Queued; // 1 while a poll is queued or running
        public string? LastError;
        public ForecastStatus? LastStatus;
        public IReadOnlyList<string> LastCodes = [];
    }

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
    private readonly Counter _emitted, _lowForecast, _polls, _dropped, _stale, _suppressed;
    private readonly Gauge _forecast, _redisUp;
    private readonly Histogram _lag, _parse, _evaluate;
    private WebApplication? _app;
    private volatile bool _killSwitch;
    private long _lastTickMs;
    private long _published, _unpublished;

    /// <summary>Creates the service (call <see cref="StartAsync"/>).</summary>
    /// <param name="options">Endpoint, markets, parameters.</param>
    /// <param name="redis">Connected state store.</param>
    /// <param name="writer">DuckDB report writer, or null to keep reports out of the store.</param>
    /// <param name="clock">Wall clock in Unix ms; default the system clock.</param>
    /// <exception cref="LiquidityConfigurationException">A model parameter beyond its hard limit.</exception>
    /// <exception cref="ArgumentException">No markets, or a bad interval or concurrency.</exception>
    public LiquidityWatchService(LiquidityWatchOptions options, RedisLiquidityState redis, LiquidityReportWriter? writer, Func<long>? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _writer = writer;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (options.Markets.Count == 0) throw new ArgumentException("No markets to watch.", nameof(options));
        if (!(options.PollIntervalSeconds > 0)) throw new ArgumentException($"The poll interval must be > 0 s, got {options.PollIntervalSeconds}.", nameof(options));
        if (options.MaxInFlight < 1) throw new ArgumentException($"MaxInFlight must be ≥ 1, got {options.MaxInFlight}.", nameof(options));
        options.Model.EnsureValid();
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
        _emitted = f.CreateCounter("liquidityforecastmodel_observations_emitted_total", "ObservationReports emitted.");
        _forecast = f.CreateGauge("liquidityforecastmodel_forecast_pusd", "Latest forecast depth per market, pUSD (absent while stale).", "condition_id");
        _lowForecast = f.CreateCounter("liquidityforecastmodel_low_forecast_total", "Emitted reports with low_forecast = true.");
        _polls = f.CreateCounter("liquidityforecastmodel_polls_total", "Book polls by outcome.", "outcome");
        _dropped = f.CreateCounter("liquidityforecastmodel_polls_dropped_total", "Polls dropped because the buffer was full.");
        _stale = f.CreateCounter("liquidityforecastmodel_stale_total", "Evaluations without a fresh book (STALE_DATA).");
        _suppressed = f.CreateCounter("liquidityforecastmodel_suppressed_total", "Reports suppressed by the kill switch.");
        _redisUp = f.CreateGauge("liquidityforecastmodel_redis_connected", "1 while Redis is connected.");
        _lag = f.CreateHistogram("liquidityforecastmodel_poll_lag_seconds", "Scheduled poll time to evaluation done.",
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        var computeBuckets = new HistogramConfiguration { Buckets = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3] };
        _parse = f.CreateHistogram("liquidityforecastmodel_book_parse_seconds", "Parsing and validating a /book response, per poll.", computeBuckets);
        _evaluate = f.CreateHistogram("liquidityforecastmodel_evaluate_seconds", "Model evaluation (depth, forecast, report), per poll.", computeBuckets);
    }

    /// <summary>HTTP base URL once started with a port.</summary>
    public Uri? HttpBaseUrl { get; private set; }

    /// <summary>Reports emitted (appended and queued for publication).</summary>
    public long Emitted => (long)_emitted.Value;

    /// <summary>Reports published on Redis so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Reports waiting for Redis to come back.</summary>
    public long Unpublished => Interlocked.Read(ref _unpublished);

    /// <summary>Markets whose state was restored from Redis at start (same estimator).</summary>
    public int RestoredMarkets { get; private set; }

    /// <summary>Raised after every poll with its lag in seconds (scheduled time → evaluation done); for benchmarks.</summary>
    public event Action<double>? PollCompleted;

    /// <summary>The kill switch as last read from Redis.</summary>
    public bool KillSwitchActive => _killSwitch;

    /// <summary>Polls dropped by backpressure.</summary>
    public long Dropped => (long)_dropped.Value;

    /// <summary>Latest status and reason codes of a market (null before its first evaluation).</summary>
    public (ForecastStatus? Status, IReadOnlyList<string> Codes) LastOutcome(string conditionId) =>
        _markets.TryGetValue(conditionId, out var m) ? (m.LastStatus, m.LastCodes) : (null, []);

    /// <summary>The Prometheus registry (metrics text: <c>/metrics</c>).</summary>
    public CollectorRegistry Registry => _registry;

    /// <summary>Restores state from Redis, starts polling, and starts HTTP when a port is configured.</summary>
    public async Task StartAsync()
    {
        foreach (var m in _markets.Values)
        {
            try
            {
                if (await _redis.LoadAsync(m.Market.ConditionId).ConfigureAwait(false) is { } state && state.Estimator == _options.Model.Estimator)
                {
                    m.Model.Restore(state);
                    m.LastTradeSeenMs = state.LastTradeMs;
                    RestoredMarkets++;
                }
            }
            catch (Exception e) when (e is FormatException or StackExchange.Redis.RedisException or TimeoutException)
            {
                m.LastError = $"state not restored: {e.Message}";
            }
        }
        _killSwitch = await _redis.KillSwitchAsync().ConfigureAwait(false);
        if (_options.HttpPort is { } port) await StartHttpAsync(port).ConfigureAwait(false);
        _tasks.Add(Task.Run(SchedulerAsync));
        for (var i = 0; i < _options.MaxInFlight; i++) _tasks.Add(Task.Run(WorkerAsync));
        _tasks.Add(Task.Run(PublisherAsync));
    }

    private async Task SchedulerAsync()
    {
        // Markets are staggered evenly over the poll interval (market i is due at start + i/N of it), so a poll cycle is not
        // one burst of N requests; the scheduler ticks every 5–20 ms and queues the markets due. The kill switch is read from
        // Redis at most every 100 ms (a switch takes effect within that).
        var intervalMs = _options.PollIntervalSeconds * 1000;
        var slice = TimeSpan.FromMilliseconds(Math.Clamp(intervalMs / 50, 5, 20));
        long killReadMs = 0;
        var start = _clock();
        var due = _markets.Values.Select((m, i) => (Market: m, Due: start + i * intervalMs / _markets.Count)).ToArray();
        using var timer = new PeriodicTimer(slice);
        do
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
                finally
                {
                    Volatile.Write(ref m.Queued, 0);
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

    /// <summary>Fetches the market's book (and trades when due), evaluates, emits; returns the evaluation.</summary>
    private async Task<ForecastResult> PollAsync(MarketState m, CancellationToken ct)
    {
        var book = await FetchBookAsync(m, ct).ConfigureAwait(false);
        if (_options.TradePollIntervalSeconds > 0 && _clock() - m.LastTradePollMs >= _options.TradePollIntervalSeconds * 1000)
            await FetchTradesAsync(m, ct).ConfigureAwait(false);
        await m.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (book is not null && (m.LastBook is null || book.TimestampMs >= m.LastBook.TimestampMs)) m.LastBook = book;
            return await EvaluateAsync(m).ConfigureAwait(false);
        }
        finally
        {
            m.Gate.Release();
        }
    }

    private async Task<OrderBook?> FetchBookAsync(MarketState m, CancellationToken ct)
    {
        var url = "book?token_id=" + Uri.EscapeDataString(m.Market.TokenId);
        try
        {
            using var response = await _http.GetAsync(url, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                _polls.WithLabels("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)).Inc();
                m.LastError = $"GET {url}: HTTP {(int)response.StatusCode}";
                return null;
            }
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            var book = ClobJson.ParseBook(body, $"{_options.ClobBaseUrl}{url}");
            _parse.Observe(sw.Elapsed.TotalSeconds);
            _polls.WithLabels("ok").Inc();
            m.LastError = null;
            return book;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OrderBookException && !ct.IsCancellationRequested)
        {
            _polls.WithLabels(e is TaskCanceledException ? "timeout" : e is OrderBookException ? "invalid" : "error").Inc();
            m.LastError = e.Message;
            return null;
        }
    }

    private async Task FetchTradesAsync(MarketState m, CancellationToken ct)
    {
        m.LastTradePollMs = _clock();
        var url = string.Create(CultureInfo.InvariantCulture, $"trades?token_id={Uri.EscapeDataString(m.Market.TokenId)}&after_ms={Math.Max(0, m.LastTradeSeenMs)}");
        try
        {
            using var response = await _http.GetAsync(url, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) return; // endpoint without trades: fill rate stays unknown
            if (!response.IsSuccessStatusCode) return;
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            await m.Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                m.Model.MarkTradeFeedPolled();
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    var t = ClobJson.ParseTrade(e, url);
                    if (m.Model.ObserveTrade(t.TimeMs, t.NotionalUsd)) m.LastTradeSeenMs = Math.Max(m.LastTradeSeenMs, t.TimeMs);
                }
            }
            finally
            {
                m.Gate.Release();
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or OrderBookException && !ct.IsCancellationRequested)
        {
            // trades are optional: the fill rate keeps its cached value
        }
    }

    private async Task<ForecastResult> EvaluateAsync(MarketState m)
    {
        var condition = m.Market.ConditionId;
        var now = _clock();
        var kill = _killSwitch;
        var started = Stopwatch.GetTimestamp();
        var result = m.Model.Evaluate(m.LastBook, now, kill, ActivityTraceId.CreateRandom().ToHexString());
        _evaluate.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        (m.LastStatus, m.LastCodes) = (result.Status, result.ReasonCodes);
        if (result.Status == ForecastStatus.Stale)
        {
            _stale.Inc();
            _forecast.RemoveLabelled(condition); // never serve a stale forecast
        }
        else
        {
            _forecast.WithLabels(condition).Set(result.Report!.ForecastPusd);
        }
        if (result.Status == ForecastStatus.Suppressed && result.SnapshotIsNew) _suppressed.Inc();

        var lockTaken = true;
        try
        {
            lockTaken = await _redis.TryLockAsync(condition).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Redis down: this instance goes on alone; the in-memory idempotency check still holds.
        }
        if (!lockTaken) return result; // another instance is computing this market
        try
        {
            if (result.Status == ForecastStatus.Emit && result.SnapshotIsNew)
            {
                // Claim the idempotency key and check the kill switch in one atomic step; if Redis is unreachable the
                // in-memory checks (new snapshot, last switch value read) decide alone.
                var claim = 1;
                try
                {
                    claim = await _redis.ClaimUnlessKilledAsync(condition, m.Model.LastSnapshotMs).ConfigureAwait(false);
                }
                catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
                {
                    claim = _killSwitch ? -1 : 1;
                }
                if (claim == 1) Emit(m, result.Report!);
                else if (claim == -1)
                {
                    _killSwitch = true;
                    _suppressed.Inc();
                    (m.LastStatus, m.LastCodes) = (ForecastStatus.Suppressed, [.. result.ReasonCodes, LiquidityReasonCodes.KillSwitchActive]);
                }
            }
            try
            {
                if (m.Model.LastSnapshotMs > 0) await _redis.SaveAsync(condition, m.Model.SaveState()).ConfigureAwait(false); // nothing to keep before a first book
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // the state is rewritten on the next poll once Redis is back
            }
        }
        finally
        {
            try
            {
                await _redis.ReleaseLockAsync(condition).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // expires by itself
            }
        }
        return result;
    }

    private void Emit(MarketState m, ObservationReport report)
    {
        _writer?.Enqueue(report, m.Model.LastSnapshotMs, m.Market.TokenId);
        Interlocked.Increment(ref _unpublished);
        _outbox.Writer.TryWrite(report.ToJson());
        _emitted.Inc();
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

    /// <summary>Publishes the oldest queued report; false (report kept) when Redis refuses.</summary>
    private async Task<bool> PublishNextAsync()
    {
        if (!_outbox.Reader.TryPeek(out var json)) return true;
        try
        {
            await _redis.PublishAsync(json).ConfigureAwait(false);
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

    /// <summary>Health as the endpoint reports it: (green, details).</summary>
    public (bool Green, object Details) Health()
    {
        var now = _clock();
        var fresh = _markets.Values.Count(m => m.Model.ServeableForecast(now) is not null);
        var tickAge = now - Interlocked.Read(ref _lastTickMs);
        var schedulerOk = tickAge <= Math.Max(3 * _options.PollIntervalSeconds * 1000, 5000);
        var green = _redis.IsConnected && schedulerOk && (fresh > 0 || _markets.Count == 0);
        var reasons = new List<string>();
        if (!_redis.IsConnected) reasons.Add("redis disconnected");
        if (!schedulerOk) reasons.Add($"scheduler last ran {tickAge} ms ago");
        if (fresh == 0) reasons.Add($"{LiquidityReasonCodes.StaleData}: no market has a book younger than {_options.Model.StalenessThresholdSeconds} s");
        return (green, new
        {
            status = green ? "green" : "red",
            reasons,
            redis_connected = _redis.IsConnected,
            kill_switch_active = _killSwitch,
            markets = _markets.Count,
            fresh_markets = fresh,
            stale_markets = _markets.Values.Where(m => m.Model.ServeableForecast(now) is null).Select(m => m.Market.ConditionId).Take(20).ToArray(),
            observations_emitted = Emitted,
            unpublished = Unpublished,
            dropped_polls = Dropped,
            writer_error = _writer?.LastError,
        });
    }

    private async Task StartHttpAsync(int port)
    {
        (_app, HttpBaseUrl) = await LoopbackHttp.StartAsync(port, MapEndpoints).ConfigureAwait(false);
    }

    private void MapEndpoints(WebApplication app)
    {
        app.MapGet("/metrics", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await _registry.CollectAndExportAsTextAsync(c.Response.Body, c.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/internal/health/liquidityforecastmodel", () =>
        {
            var (green, details) = Health();
            return Results.Json(details, statusCode: green ? 200 : 503);
        });
        app.MapPost("/internal/liquidityforecastmodel/recompute", async (string? condition_id, CancellationToken ct) =>
        {
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

    /// <summary>Stops polling and HTTP; reports already emitted stay queued for the writer (dispose it after this).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
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
