using LiquidationLab.Liquidity.Service;

namespace LiquidationLab.Liquidity.Service.Tests;

/// <summary>A clock the test drives, in Unix ms: the watch service and the replay server both read it, so time passes only
/// when the test says so (staleness, scheduling, health and the replayed books all follow it).</summary>
internal sealed class DrivenClock(long startMs)
{
    private long _nowMs = startMs;

    /// <summary>A clock starting at the wall time now (books and Redis TTLs stay plausible).</summary>
    public static DrivenClock AtWallTime() => new(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public long Now() => Interlocked.Read(ref _nowMs);

    public void Advance(long ms) => Interlocked.Add(ref _nowMs, ms);
}

/// <summary>A signal re-checked condition: <see cref="Until"/> returns once the condition holds, re-checking it each time
/// something that may change it happens (<see cref="Pulse"/>) — never on a timer. A guard turns a hang into a failure that
/// names what was awaited (it bounds a broken test, it times nothing).</summary>
internal sealed class ConditionSignal
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Something changed: wake the waiters (they re-check their condition).</summary>
    public void Pulse() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task Until(Func<bool> condition, string what)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task; // taken before the check: a pulse after it is not missed
            if (condition()) return;
            try
            {
                await changed.WaitAsync(Guard);
            }
            catch (TimeoutException)
            {
                if (condition()) return;
                throw new TimeoutException($"Nothing changed for {Guard.TotalSeconds:0} s while waiting for: {what}");
            }
        }
    }
}

/// <summary>
/// Drives a started <see cref="LiquidityWatchService"/> by its clock: <see cref="Step"/> moves the clock one poll interval
/// on and awaits the poll of every market it makes due (the service raises <see cref="LiquidityWatchService.PollCompleted"/>);
/// <see cref="StepUntil"/> steps until a condition holds. Other threads' progress (the publisher, a Redis subscriber) is
/// awaited through <see cref="Signal"/>.
/// </summary>
internal sealed class WatchDriver
{
    private readonly DrivenClock _clock;
    private readonly LiquidityWatchService _service;
    private readonly int _markets;
    private readonly long _intervalMs;

    private WatchDriver(DrivenClock clock, LiquidityWatchService service, int markets, double intervalSeconds, ConditionSignal signal)
    {
        _clock = clock;
        _service = service;
        _markets = markets;
        _intervalMs = (long)Math.Round(intervalSeconds * 1000);
        Signal = signal;
    }

    public ConditionSignal Signal { get; }

    /// <summary>Hooks the service's events to a signal, starts it, and awaits the first poll (market 0 is due at start), so
    /// every later step polls each market exactly once.</summary>
    public static async Task<WatchDriver> StartAsync(DrivenClock clock, LiquidityWatchService service, int markets, double intervalSeconds, ConditionSignal? signal = null)
    {
        var driver = new WatchDriver(clock, service, markets, intervalSeconds, signal ?? new ConditionSignal());
        service.PollCompleted += _ => driver.Signal.Pulse();
        service.ReportPublished += driver.Signal.Pulse;
        await service.StartAsync();
        await driver.Signal.Until(() => service.PollsCompleted >= 1, "the poll due at start");
        return driver;
    }

    /// <summary>One poll interval on: every market is due once; returns when all their polls have completed.</summary>
    public async Task Step()
    {
        var target = _service.PollsCompleted + _markets;
        _clock.Advance(_intervalMs);
        await Signal.Until(() => _service.PollsCompleted >= target, $"one poll of each of the {_markets} markets");
    }

    /// <summary>Steps until <paramref name="condition"/> holds, at most <paramref name="maxSteps"/> poll intervals of the
    /// driven clock.</summary>
    public async Task StepUntil(Func<bool> condition, string what, int maxSteps = 200)
    {
        for (var i = 0; !condition(); i++)
        {
            if (i == maxSteps) throw new TimeoutException($"Not true after {maxSteps} poll intervals: {what}");
            await Step();
        }
    }

    /// <summary>Awaits a condition other threads make true without the clock moving (publication, subscription).</summary>
    public Task Until(Func<bool> condition, string what) => Signal.Until(condition, what);
}
