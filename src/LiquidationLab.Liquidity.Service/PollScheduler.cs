using System.Threading.Channels;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// Decides when each market is polled and hands due polls to the workers through a bounded queue; also the only reader of
/// the Redis kill switch during the run (it writes <see cref="WatchStatus.KillSwitch"/>).
/// <para>Markets are staggered evenly over the poll interval; each is queued when due unless its previous poll is still
/// running (coalesced); when the queue is full the poll is dropped (drop-after-buffer backpressure, counted in
/// <c>polls_dropped_total</c>).</para>
/// </summary>
internal sealed class PollScheduler
{
    private readonly LiquidityWatchOptions _options;
    private readonly IReadOnlyList<MarketState> _markets;
    private readonly RedisLiquidityState _redis;
    private readonly WatchStatus _status;
    private readonly WatchMetrics _metrics;
    private readonly Func<long> _clock;

    // Queue: written by the scheduler task only, read by the workers (MaxInFlight readers); bounded, never waited on.
    private readonly Channel<(MarketState Market, long ScheduledMs)> _queue;

    public PollScheduler(LiquidityWatchOptions options, IReadOnlyList<MarketState> markets, RedisLiquidityState redis, WatchStatus status, WatchMetrics metrics, Func<long> clock)
    {
        _options = options;
        _markets = markets;
        _redis = redis;
        _status = status;
        _metrics = metrics;
        _clock = clock;
        _queue = Channel.CreateBounded<(MarketState, long)>(new BoundedChannelOptions(options.BufferCapacity ?? Math.Max(1, markets.Count))
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the poll is dropped and counted
        });
    }

    /// <summary>Due polls with their scheduled time (Unix ms), for the workers.</summary>
    public ChannelReader<(MarketState Market, long ScheduledMs)> Due => _queue.Reader;

    /// <summary>Ends the queue: workers finish once it is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>The scheduler task: ticks until <paramref name="stop"/> is cancelled; no exception ends it.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        // Markets are staggered evenly over the poll interval (market i is due at start + i/N of it), so a poll cycle is not
        // one burst of N requests; the scheduler ticks every 5–20 ms and queues the markets due. The kill switch is read from
        // Redis at most every 100 ms (a switch takes effect within that); this loop is its only writer.
        var intervalMs = _options.PollIntervalSeconds * 1000;
        var slice = TimeSpan.FromMilliseconds(Math.Clamp(intervalMs / 50, 5, 20));
        long killReadMs = 0;
        var start = _clock();
        var due = _markets.Select((m, i) => (Market: m, Due: start + i * intervalMs / _markets.Count)).ToArray();
        using var timer = new PeriodicTimer(slice);
        do
        {
            try
            {
                var now = _clock();
                _status.LastTickMs = now;
                _metrics.RedisUp.Set(_redis.IsConnected ? 1 : 0);
                if (now - killReadMs >= 100)
                {
                    killReadMs = now;
                    try
                    {
                        _status.KillSwitch = await _redis.KillSwitchAsync().ConfigureAwait(false);
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
                        _metrics.Dropped.Inc();
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing may end the scheduler: count and go on with the next tick.
                _metrics.Polls.WithLabels("scheduler_exception").Inc();
            }
        }
        while (await WaitTick(timer, stop).ConfigureAwait(false));
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
