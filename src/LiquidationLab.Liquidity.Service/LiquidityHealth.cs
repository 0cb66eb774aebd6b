using LiquidationLab.Liquidity;

namespace LiquidationLab.Liquidity.Service;

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

/// <summary>The health rules (the service specification's healthcheck, docs/liquidity-service.md), applied to one reading of
/// the service's shared status.</summary>
internal static class WatchHealth
{
    /// <summary>Green when the latest forecast is under 5 min old AND Redis is reachable AND the CLOB's latest <c>/book</c>
    /// answer was HTTP 200; red when there has been no forecast for over 15 min (counted from start before the first) OR
    /// Redis is unreachable; degraded otherwise. A scheduler that stopped ticking is reported as a reason.</summary>
    public static LiquidityHealth Evaluate(long now, WatchStatus status, bool redis, double pollIntervalSeconds, IReadOnlyCollection<MarketState> markets,
        long emitted, long unpublished, long dropped, string? writerError)
    {
        var lastForecast = status.LastForecastMs;
        double? forecastAge = lastForecast > 0 ? (now - lastForecast) / 1000.0 : null;
        var sinceStart = (now - status.StartedMs) / 1000.0;
        var clobStatus = status.LastClobStatus;
        var clobOk = clobStatus == 200;
        var reasons = new List<string>();
        if (!redis) reasons.Add("redis unreachable");
        if (!clobOk) reasons.Add(clobStatus == 0 ? "no HTTP answer from the CLOB yet (or only transport errors)" : $"CLOB answered HTTP {clobStatus}");
        var red = !redis || (forecastAge ?? sinceStart) > LiquidityHealth.RedForecastAge.TotalSeconds;
        if ((forecastAge ?? double.PositiveInfinity) >= LiquidityHealth.GreenForecastAge.TotalSeconds)
            reasons.Add(forecastAge is { } a ? $"{LiquidityReasonCodes.StaleData}: last forecast {a:0} s ago" : $"{LiquidityReasonCodes.StaleData}: no forecast since start {sinceStart:0} s ago");
        var tickAge = now - status.LastTickMs;
        if (tickAge > Math.Max(3 * pollIntervalSeconds * 1000, 5000)) reasons.Add($"scheduler last ran {tickAge} ms ago");
        var green = !red && redis && clobOk && forecastAge < LiquidityHealth.GreenForecastAge.TotalSeconds;
        var stale = markets.Where(m => m.Model.ServeableForecast(now) is null).Select(m => m.Market.ConditionId).ToList();
        return new LiquidityHealth(red ? HealthStatus.Red : green ? HealthStatus.Green : HealthStatus.Degraded, reasons, redis, clobOk,
            clobStatus == 0 ? null : clobStatus, forecastAge is { } x ? Math.Round(x, 3) : null, status.KillSwitch, markets.Count, markets.Count - stale.Count,
            stale.Take(20).ToList(), emitted, unpublished, dropped, writerError);
    }
}
