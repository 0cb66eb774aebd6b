using System.Text.Json;
using LiquidationLab.Liquidity;
using StackExchange.Redis;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// A pre-trade consumer of the service's reports (the service specification's (docs/liquidity-service.md) integration case "forecast consumed by LiquidityGuard"):
/// subscribes to the report channel on Redis and keeps a <see cref="LiquidityGuard"/> fed, so a strategy asks
/// <see cref="Check"/> before it sizes an order. It receives and advises only; nothing here can sign or submit an order.
/// </summary>
public sealed class LiquidityGuardSubscriber : IAsyncDisposable
{
    // _gate: the Redis callback thread (Observe) and callers of Check/Received touch _guard and _received only under it.
    private readonly Lock _gate = new();
    private readonly LiquidityGuard _guard;
    private readonly ISubscriber _subscriber;
    private readonly RedisChannel _channel;
    private readonly Func<long> _clock;
    private long _received, _malformed;

    private LiquidityGuardSubscriber(ISubscriber subscriber, RedisChannel channel, LiquidityGuard guard, Func<long> clock)
    {
        (_subscriber, _channel, _guard, _clock) = (subscriber, channel, guard, clock);
    }

    /// <summary>Subscribes to <paramref name="channel"/> on the state store's connection.</summary>
    /// <param name="redis">A connected state store.</param>
    /// <param name="options">Guard parameters (default share 0.8, reports up to 60 s old).</param>
    /// <param name="channel">Report channel; default <see cref="RedisLiquidityState.ReportChannel"/>.</param>
    /// <param name="clock">Wall clock in Unix ms; default the system clock.</param>
    public static async Task<LiquidityGuardSubscriber> SubscribeAsync(RedisLiquidityState redis, LiquidityGuardOptions? options = null,
        string channel = RedisLiquidityState.ReportChannel, Func<long>? clock = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var s = new LiquidityGuardSubscriber(redis.Connection.GetSubscriber(), RedisChannel.Literal(channel), new LiquidityGuard(options),
            clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await s._subscriber.SubscribeAsync(s._channel, (_, value) => s.Observe(value.ToString())).ConfigureAwait(false);
        return s;
    }

    /// <summary>Reports received (malformed ones excluded).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages on the channel that were not ObservationReports (ignored).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    private void Observe(string json)
    {
        ObservationReport report;
        try
        {
            report = ObservationReport.FromJson(json);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _malformed);
            return;
        }
        lock (_gate) _guard.Observe(report);
        Interlocked.Increment(ref _received);
    }

    /// <summary>How much of <paramref name="intendedPusd"/> may be submitted now on <paramref name="conditionId"/> (see
    /// <see cref="LiquidityGuard.Check"/>).</summary>
    public GuardDecision Check(string conditionId, double intendedPusd, double holdHorizonSeconds)
    {
        lock (_gate) return _guard.Check(conditionId, intendedPusd, holdHorizonSeconds, _clock());
    }

    /// <summary>Unsubscribes.</summary>
    public async ValueTask DisposeAsync() => await _subscriber.UnsubscribeAsync(_channel).ConfigureAwait(false);
}
