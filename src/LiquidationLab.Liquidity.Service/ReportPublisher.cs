using System.Threading.Channels;
using LiquidationLab.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// Where an emitted report goes: appended to DuckDB through the report writer (at once), queued in memory (the outbox) and
/// published on every <see cref="LiquidityWatchOptions.PublishTo"/> channel by one publisher task, oldest first. While
/// Redis refuses, the report stays at the head of the outbox and is retried every 250 ms: a Redis outage loses no report.
/// </summary>
internal sealed class ReportPublisher
{
    private readonly LiquidityWatchOptions _options;
    private readonly RedisLiquidityState _redis;
    private readonly LiquidityReportWriter? _writer;
    private readonly WatchMetrics _metrics;

    // Outbox: written by any poll (Emit), read by the publisher task only (SingleReader), and by DrainAsync once that task
    // has ended.
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private long _emitted, _published, _unpublished; // Interlocked

    public ReportPublisher(LiquidityWatchOptions options, RedisLiquidityState redis, LiquidityReportWriter? writer, WatchMetrics metrics)
    {
        _options = options;
        _redis = redis;
        _writer = writer;
        _metrics = metrics;
    }

    public long Emitted => Interlocked.Read(ref _emitted);

    public long Published => Interlocked.Read(ref _published);

    public long Unpublished => Interlocked.Read(ref _unpublished);

    /// <summary>Raised on the publisher's thread after each report is published.</summary>
    public event Action? ReportPublished;

    /// <summary>Appends the report to the store and queues it for publication. Called by a poll that claimed the report's
    /// idempotency key; never blocks (the writer's queue and the outbox are unbounded).</summary>
    public void Emit(WatchMarket market, ObservationReport report, long snapshotMs)
    {
        _writer?.Enqueue(report, snapshotMs, market.TokenId);
        Interlocked.Increment(ref _unpublished);
        _outbox.Writer.TryWrite(report.ToJson());
        _metrics.Emitted.WithLabels(market.ConditionId).Inc();
        Interlocked.Increment(ref _emitted);
        if (report.LowForecast) _metrics.LowForecast.Inc();
    }

    /// <summary>The publisher task: publishes until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (_outbox.Reader.TryPeek(out _))
                    if (!await PublishNextAsync().ConfigureAwait(false))
                        await Task.Delay(250, stop).ConfigureAwait(false); // Redis down: keep the report, retry
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>After the publisher task has ended: publishes what is still queued, Redis permitting, for at most
    /// <paramref name="within"/> (the reports are in DuckDB already).</summary>
    public async Task DrainAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (_outbox.Reader.TryPeek(out _) && DateTime.UtcNow < deadline)
            if (!await PublishNextAsync().ConfigureAwait(false))
                await Task.Delay(250).ConfigureAwait(false);
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
        ReportPublished?.Invoke();
        return true;
    }
}
