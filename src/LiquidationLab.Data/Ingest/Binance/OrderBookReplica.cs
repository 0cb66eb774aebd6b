namespace LiquidationLab.Data.Ingest.Binance;

/// <summary>
/// A local copy of a Binance USDⓈ-M order book maintained from a REST depth snapshot and <c>@depth</c> diff
/// updates, following Binance's "How to manage a local order book correctly" (USDⓈ-M futures websocket docs):
/// drop updates with <c>u</c> &lt; snapshot <c>lastUpdateId</c>; the first applied update must satisfy
/// <c>U ≤ lastUpdateId ≤ u</c>; every later update's <c>pu</c> must equal the previous update's <c>u</c>, otherwise
/// the book has a gap and stays invalid until the next snapshot. Quantities are absolute; 0 removes the level.
/// </summary>
public sealed class OrderBookReplica
{
    private readonly SortedDictionary<decimal, decimal> _bids = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));
    private readonly SortedDictionary<decimal, decimal> _asks = new();
    private long _snapshotId;
    private bool _awaitingFirst;

    /// <summary>True while the book is synchronised (a snapshot was applied and no gap was seen since).</summary>
    public bool IsValid { get; private set; }

    /// <summary>The <c>u</c> of the last applied update (or the snapshot's lastUpdateId).</summary>
    public long LastUpdateId { get; private set; }

    /// <summary>True after a snapshot until the first update that straddles it (Binance: U ≤ lastUpdateId ≤ u) is applied.</summary>
    public bool AwaitingFirst => _awaitingFirst;

    /// <summary>Number of sequence gaps detected.</summary>
    public int Gaps { get; private set; }

    /// <summary>Updates applied.</summary>
    public long Applied { get; private set; }

    /// <summary>Updates dropped because the book had applied them already (the same update id delivered again).</summary>
    public long Redelivered { get; private set; }

    /// <summary>Bids, best (highest) first.</summary>
    public IEnumerable<KeyValuePair<decimal, decimal>> Bids => _bids;

    /// <summary>Asks, best (lowest) first.</summary>
    public IEnumerable<KeyValuePair<decimal, decimal>> Asks => _asks;

    /// <summary>Replaces the book with a REST snapshot.</summary>
    public void ApplySnapshot(long lastUpdateId, IEnumerable<(decimal Price, decimal Size)> bids, IEnumerable<(decimal Price, decimal Size)> asks)
    {
        _bids.Clear();
        _asks.Clear();
        foreach (var (p, s) in bids) if (s > 0) _bids[p] = s;
        foreach (var (p, s) in asks) if (s > 0) _asks[p] = s;
        _snapshotId = lastUpdateId;
        LastUpdateId = lastUpdateId;
        _awaitingFirst = true;
        IsValid = true;
    }

    /// <summary>Continues from a stored book whose last applied update was <paramref name="lastUpdateId"/> (the next
    /// update's <c>pu</c> must equal it) — or, when <paramref name="awaitingFirst"/>, a stored REST snapshot still waiting for
    /// the update that straddles it.</summary>
    public void Resume(long lastUpdateId, IEnumerable<(decimal Price, decimal Size)> bids, IEnumerable<(decimal Price, decimal Size)> asks, bool awaitingFirst = false)
    {
        ApplySnapshot(lastUpdateId, bids, asks);
        if (awaitingFirst) return;
        _awaitingFirst = false;
    }

    /// <summary>Applies one diff update. Returns false when it was dropped (stale, or the book is invalid).</summary>
    public bool Apply(long firstUpdateId, long finalUpdateId, long previousFinalUpdateId, IEnumerable<(decimal Price, decimal Size)> bids, IEnumerable<(decimal Price, decimal Size)> asks)
    {
        if (!IsValid) return false;
        if (_awaitingFirst)
        {
            if (finalUpdateId < _snapshotId) return false;                 // older than the snapshot
            if (firstUpdateId > _snapshotId)                                 // the snapshot is too old: updates were missed
            {
                MarkGap();
                return false;
            }
            _awaitingFirst = false;
        }
        else if (finalUpdateId <= LastUpdateId)
        {
            Redelivered++;                                                  // applied already: a re-delivery, not a gap
            return false;
        }
        else if (previousFinalUpdateId != LastUpdateId)
        {
            MarkGap();
            return false;
        }
        foreach (var (p, s) in bids) Set(_bids, p, s);
        foreach (var (p, s) in asks) Set(_asks, p, s);
        LastUpdateId = finalUpdateId;
        Applied++;
        return true;
    }

    private void MarkGap()
    {
        Gaps++;
        IsValid = false;
    }

    private static void Set(SortedDictionary<decimal, decimal> side, decimal price, decimal size)
    {
        if (size == 0) side.Remove(price);
        else side[price] = size;
    }
}
