namespace LiquidationLab.Liquidity;

/// <summary>
/// The observed fill rate of one market over a trailing window: traded notional ÷ mean displayed depth (bid + ask, quote
/// currency) in the window, capped at 1 — the fraction of displayed depth that converted to trades. Depth that is shown but
/// never trades (spoofed or stale size) drives it down. NaN when the window holds no book, or when no trade feed has been
/// attached (<see cref="HasTradeFeed"/> false): an unknown fill rate is not a zero fill rate.
/// </summary>
/// <param name="windowSeconds">Trailing window, seconds (&gt; 0).</param>
public sealed class FillRateTracker(double windowSeconds)
{
    private readonly long _windowMs = windowSeconds > 0 ? (long)Math.Round(windowSeconds * 1000)
        : throw new ArgumentOutOfRangeException(nameof(windowSeconds), windowSeconds, "The fill-rate window must be > 0 seconds.");
    private readonly Queue<(long T, double V)> _depth = new(), _trades = new();
    private double _depthSum, _tradeSum;
    private long _lastTradeMs = long.MinValue;

    /// <summary>True once any trade (or an explicit empty trade poll) has been recorded.</summary>
    public bool HasTradeFeed { get; private set; }

    /// <summary>Time of the newest trade recorded, Unix ms (<see cref="long.MinValue"/> before any).</summary>
    public long LastTradeMs => _lastTradeMs;

    /// <summary>Records the displayed depth (bid + ask) of one book.</summary>
    public void ObserveDepth(long timeMs, double totalDepthUsd)
    {
        DepthEstimators.CheckDepth(totalDepthUsd);
        _depth.Enqueue((timeMs, totalDepthUsd));
        _depthSum += totalDepthUsd;
        Trim(timeMs);
    }

    /// <summary>Records one trade; trades at or before the newest recorded one are ignored (re-polled prints).</summary>
    /// <param name="timeMs">Trade time, Unix ms.</param>
    /// <param name="notionalUsd">price × size, quote currency (≥ 0).</param>
    /// <returns>True when the trade was new.</returns>
    public bool ObserveTrade(long timeMs, double notionalUsd)
    {
        DepthEstimators.CheckDepth(notionalUsd);
        HasTradeFeed = true;
        if (timeMs <= _lastTradeMs) return false;
        _lastTradeMs = timeMs;
        _trades.Enqueue((timeMs, notionalUsd));
        _tradeSum += notionalUsd;
        return true;
    }

    /// <summary>Marks that the trade feed was polled (possibly with no trades), so a quiet market reads 0 rather than unknown.</summary>
    public void MarkTradeFeedPolled() => HasTradeFeed = true;

    /// <summary>The fill rate in [0, 1] at <paramref name="nowMs"/>, or NaN (see the type's remarks).</summary>
    public double FillRate(long nowMs)
    {
        Trim(nowMs);
        if (!HasTradeFeed || _depth.Count == 0) return double.NaN;
        var meanDepth = _depthSum / _depth.Count;
        if (meanDepth <= 0) return double.NaN;
        return Math.Min(1, Math.Max(0, _tradeSum) / meanDepth);
    }

    private void Trim(long nowMs)
    {
        while (_depth.Count > 0 && _depth.Peek().T <= nowMs - _windowMs) _depthSum -= _depth.Dequeue().V;
        while (_trades.Count > 0 && _trades.Peek().T <= nowMs - _windowMs) _tradeSum -= _trades.Dequeue().V;
        if (_depth.Count == 0) _depthSum = 0;
        if (_trades.Count == 0) _tradeSum = 0;
    }
}

/// <summary>
/// Fill-rate weighting, the spec's defence against spoofed size: the depth forecast is multiplied by
/// w(f) = floor + (1 − floor) · min(1, f / fullCredit). A market whose trades turn over at least <c>fullCredit</c> of
/// its displayed depth within the window keeps all of it; a book that never trades keeps only <c>floor</c>.
/// An unknown fill rate (NaN) gives w = 1: without a trade feed nothing is discounted.
/// </summary>
public static class FillRateWeighting
{
    /// <summary>w(f) as described on the type.</summary>
    /// <param name="fillRate">Fill rate in [0, 1], or NaN.</param>
    /// <param name="floor">Weight of depth that never trades, in [0, 1].</param>
    /// <param name="fullCredit">Fill rate at which the weight reaches 1, in (0, 1].</param>
    public static double Weight(double fillRate, double floor, double fullCredit)
    {
        if (double.IsNaN(fillRate)) return 1;
        return floor + (1 - floor) * Math.Min(1, Math.Max(0, fillRate) / fullCredit);
    }
}
