using System.Diagnostics;
using System.Threading.Channels;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// Polls markets: takes due polls from the scheduler's queue (<see cref="RunAsync"/>, one task per
/// <see cref="LiquidityWatchOptions.MaxInFlight"/>) or one market on demand (<see cref="PollAsync"/>, the recompute
/// endpoint), fetches the book (and the trades when due), evaluates the market's model, and claims, emits or suppresses
/// the report. No exception ends a worker: it is counted (<c>polls_total{outcome="exception"}</c>), kept as the market's
/// last error, and polling goes on.
/// <para>Emission: a report is emitted once per (condition_id, snapshot_ts_ms) — the spec's idempotency key, claimed in
/// Redis with SET NX (and checked in memory, so a Redis outage cannot cause duplicates) — never while the kill switch is set
/// (checked atomically with the claim in one Lua call), never from a book older than <c>staleness_threshold_s</c>.</para>
/// </summary>
internal sealed class MarketWorker
{
    private readonly LiquidityWatchOptions _options;
    private readonly ClobClient _clob;
    private readonly RedisLiquidityState _redis;
    private readonly LiquidityReportWriter? _writer;
    private readonly ReportPublisher _publisher;
    private readonly WatchMetrics _metrics;
    private readonly WatchStatus _status;
    private readonly Func<long> _clock;
    private long _pollsCompleted; // Interlocked: every worker increments it

    public MarketWorker(LiquidityWatchOptions options, ClobClient clob, RedisLiquidityState redis, LiquidityReportWriter? writer,
        ReportPublisher publisher, WatchMetrics metrics, WatchStatus status, Func<long> clock)
    {
        _options = options;
        _clob = clob;
        _redis = redis;
        _writer = writer;
        _publisher = publisher;
        _metrics = metrics;
        _status = status;
        _clock = clock;
    }

    /// <summary>Polls completed by the workers (whatever their outcome).</summary>
    public long PollsCompleted => Interlocked.Read(ref _pollsCompleted);

    /// <summary>Raised on the worker's thread after every queued poll with its lag in seconds.</summary>
    public event Action<double>? PollCompleted;

    /// <summary>One worker: runs the queued polls until the queue completes or <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(ChannelReader<(MarketState Market, long ScheduledMs)> due, CancellationToken stop)
    {
        try
        {
            await foreach (var (m, scheduled) in due.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await PollAsync(m, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // No exception ends a worker: count it, keep it as the market's last error, poll on.
                    _metrics.Polls.WithLabels("exception").Inc();
                    var now = _clock();
                    m.Publish(o => o with { LastError = $"{e.GetType().Name}: {e.Message}", AtMs = now });
                }
                finally
                {
                    // Queued is cleared here, by the worker that ran the poll; the scheduler may queue the market again.
                    Volatile.Write(ref m.Queued, 0);
                    Interlocked.Increment(ref _pollsCompleted);
                    var lag = Math.Max(0, _clock() - scheduled) / 1000.0;
                    _metrics.Lag.Observe(lag);
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
    public async Task<ForecastResult> PollAsync(MarketState m, CancellationToken ct)
    {
        var (book, error) = await _clob.FetchBookAsync(m.Market, ct).ConfigureAwait(false);

        // Gate (1/2): read and advance the trade-poll cursor; no I/O inside.
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
            (trades, tradeError) = await _clob.FetchTradesAsync(m.Market, after, ct).ConfigureAwait(false);
            error ??= tradeError;
        }

        // Gate (2/2): the in-memory evaluation; the values the I/O below needs are copied out (state, snapshot, kill switch).
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
            kill = _status.KillSwitch;
            var started = Stopwatch.GetTimestamp();
            result = m.Model.Evaluate(m.LastBook, now, kill, ActivityTraceId.CreateRandom().ToHexString());
            _metrics.Evaluate.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
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
            _metrics.Stale.Inc();
            _metrics.Forecast.RemoveLabelled(condition); // never serve a stale forecast
        }
        else
        {
            _metrics.Forecast.WithLabels(condition).Set(result.Report!.ForecastPusd);
            _status.ForecastAt(now);
        }
        if (result.Status == ForecastStatus.Suppressed && result.SnapshotIsNew) _metrics.Suppressed.Inc();

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
            if (claim == 1) _publisher.Emit(m.Market, result.Report!, snapshotMs);
            else if (claim == -1)
            {
                _metrics.Suppressed.Inc();
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
}
