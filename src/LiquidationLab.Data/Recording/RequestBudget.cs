namespace LiquidationLab.Data.Recording;

/// <summary>
/// A token bucket of request weight on an injected clock: <paramref name="weightPerMinute"/> comes back per minute, at most
/// <paramref name="burst"/> is held, and a request of weight w waits until w is there. Callers are served one at a time, in
/// the order they asked (a heavy request is not starved by light ones). Kept in exact integer ticks of the clock, so a test
/// advancing a fake clock by w minutes / rate releases the request at that instant, not a rounding error later.
/// </summary>
/// <remarks>Written here rather than taken from System.Threading.RateLimiting: its token bucket replenishes from
/// <c>Environment.TickCount</c>, not from a <see cref="TimeProvider"/>, so it cannot be tested without waiting real time.</remarks>
/// <param name="weightPerMinute">Weight returned per minute, &gt; 0.</param>
/// <param name="burst">Most weight held (the bucket starts full), &gt; 0.</param>
/// <param name="clock">The clock.</param>
internal sealed class RequestBudget(int weightPerMinute, int burst, TimeProvider clock) : IDisposable
{
    // Credit is weight × ticks-per-minute, so a tick of time adds exactly weightPerMinute credit (no fractions).
    private readonly long _full = burst * TimeSpan.TicksPerMinute;

    // _gate guards _credit and _last (the requester holding _turn and nobody else touches them; the lock documents that).
    private readonly object _gate = new();
    private long _credit = burst * TimeSpan.TicksPerMinute;
    private long _last = clock.GetTimestamp();

    // One requester at a time, first come first served (SemaphoreSlim queues its async waiters in order).
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _waiting;

    /// <summary>Releases the turn semaphore (after the requesters have stopped).</summary>
    public void Dispose() => _turn.Dispose();

    /// <summary>Requests waiting for their turn or their weight.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    /// <summary>Waits until <paramref name="weight"/> is available and takes it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is not within 1 … burst.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="token"/> was cancelled while waiting.</exception>
    public async Task AcquireAsync(int weight, CancellationToken token)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, burst);
        var needed = weight * TimeSpan.TicksPerMinute;
        Interlocked.Increment(ref _waiting);
        try
        {
            await _turn.WaitAsync(token).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    long missing;
                    lock (_gate)
                    {
                        var now = clock.GetTimestamp();
                        var elapsed = Math.Min(clock.GetElapsedTime(_last, now).Ticks, _full); // capped: no overflow after a long pause
                        _last = now;
                        _credit = Math.Min(_full, _credit + Math.Max(0, elapsed) * weightPerMinute);
                        if (_credit >= needed)
                        {
                            _credit -= needed;
                            return;
                        }
                        missing = needed - _credit;
                    }
                    await Task.Delay(TimeSpan.FromTicks((missing + weightPerMinute - 1) / weightPerMinute), clock, token).ConfigureAwait(false);
                }
            }
            finally
            {
                _turn.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
