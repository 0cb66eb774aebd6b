namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// The few values the service's parts share across threads, each with its one writer: the kill switch (the scheduler, and
/// the start before it runs), the scheduler's last tick, the start time, the latest forecast and the CLOB's latest HTTP
/// status (the polls). Read by health and the polls.
/// </summary>
internal sealed class WatchStatus
{
    private volatile bool _killSwitch; // written by the scheduler only (and by the start before the scheduler runs); read by every poll
    private long _lastTickMs, _startedMs, _lastForecastMs, _lastClobStatus; // Interlocked

    public bool KillSwitch { get => _killSwitch; set => _killSwitch = value; }

    public long LastTickMs { get => Interlocked.Read(ref _lastTickMs); set => Interlocked.Exchange(ref _lastTickMs, value); }

    public long StartedMs { get => Interlocked.Read(ref _startedMs); set => Interlocked.Exchange(ref _startedMs, value); }

    public long LastForecastMs => Interlocked.Read(ref _lastForecastMs);

    /// <summary>Latest <c>/book</c> HTTP status; 0 before the first HTTP answer.</summary>
    public int LastClobStatus { get => (int)Interlocked.Read(ref _lastClobStatus); set => Interlocked.Exchange(ref _lastClobStatus, value); }

    /// <summary>Raises <see cref="LastForecastMs"/> to <paramref name="ms"/> (never lowers it: polls finish out of order).</summary>
    public void ForecastAt(long ms)
    {
        var current = Interlocked.Read(ref _lastForecastMs);
        while (ms > current)
        {
            var seen = Interlocked.CompareExchange(ref _lastForecastMs, ms, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
