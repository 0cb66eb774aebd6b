using System.Globalization;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Liquidity;

/// <summary>Which prices a venue allows in its order books.</summary>
public enum PriceDomain
{
    /// <summary>Any positive price (Binance and other exchanges quoting in USD).</summary>
    Positive,

    /// <summary>Prediction-market outcome shares: prices strictly inside (0, 1) pUSD (Polymarket CLOB).</summary>
    Probability,
}

/// <summary>An order book that failed validation; the message names the field (<c>bids[3].size</c>) and the source.</summary>
public sealed class OrderBookException(string message) : Exception(message);

/// <summary>
/// A validated limit-order book at one instant: bids best (highest) first, asks best (lowest) first, prices and
/// sizes exact (<see cref="decimal"/>, as the venue sent them). Depth is in the quote currency — USD on Binance, pUSD
/// on Polymarket, where <c>size</c> counts outcome shares and a level holds <c>price × size</c> pUSD.
/// </summary>
/// <remarks>
/// Depth is <c>Σ price · size</c> per side. The seed's pseudocode for the ask side summed <c>size</c> alone (shares,
/// not pUSD); that mixes units (a 0.95 ask and a 0.05 ask of 1,000 shares would weigh the same) and is treated as a
/// defect: both sides are priced here.
/// </remarks>
public sealed class OrderBook
{
    private OrderBook(BookLevel[] bids, BookLevel[] asks, long timestampMs)
    {
        Bids = bids;
        Asks = asks;
        TimestampMs = timestampMs;
        BidDepthUsd = Sum(bids);
        AskDepthUsd = Sum(asks);
    }

    /// <summary>Bids, best (highest price) first; no two levels share a price.</summary>
    public IReadOnlyList<BookLevel> Bids { get; }

    /// <summary>Asks, best (lowest price) first; no two levels share a price.</summary>
    public IReadOnlyList<BookLevel> Asks { get; }

    /// <summary>Snapshot time as Unix epoch milliseconds (the venue's timestamp).</summary>
    public long TimestampMs { get; }

    /// <summary>Bid depth, quote currency (pUSD on Polymarket): Σ price · size over every bid level.</summary>
    public decimal BidDepthUsd { get; }

    /// <summary>Ask depth, quote currency: Σ price · size over every ask level.</summary>
    public decimal AskDepthUsd { get; }

    /// <summary>True when neither side has a level.</summary>
    public bool IsEmpty => Bids.Count == 0 && Asks.Count == 0;

    /// <summary>Best bid, or null when the bid side is empty.</summary>
    public decimal? BestBid => Bids.Count > 0 ? Bids[0].Price : null;

    /// <summary>Best ask, or null when the ask side is empty.</summary>
    public decimal? BestAsk => Asks.Count > 0 ? Asks[0].Price : null;

    /// <summary>(best bid + best ask) / 2; the only best price when one side is empty; null for an empty book.</summary>
    public decimal? Mid => (BestBid, BestAsk) switch
    {
        ({ } b, { } a) => (b + a) / 2,
        ({ } b, null) => b,
        (null, { } a) => a,
        _ => null,
    };

    /// <summary>Best ask − best bid, or null when a side is empty.</summary>
    public decimal? Spread => BestBid is { } b && BestAsk is { } a ? a - b : null;

    /// <summary>
    /// Depth per side within a band around the mid: bids priced ≥ mid − <paramref name="halfWidth"/> and asks priced
    /// ≤ mid + <paramref name="halfWidth"/> (inclusive), in quote currency. An empty book gives (0, 0).
    /// </summary>
    /// <param name="halfWidth">Half-width of the band in price units (0.05 = ±5¢ on Polymarket); ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="halfWidth"/> is negative.</exception>
    public (decimal BidUsd, decimal AskUsd) DepthWithinBand(decimal halfWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(halfWidth);
        if (Mid is not { } mid) return (0, 0);
        decimal bid = 0, ask = 0;
        foreach (var l in Bids)
        {
            if (l.Price < mid - halfWidth) break;
            bid += l.Price * l.Size;
        }
        foreach (var l in Asks)
        {
            if (l.Price > mid + halfWidth) break;
            ask += l.Price * l.Size;
        }
        return (bid, ask);
    }

    /// <summary>
    /// Validates and builds a book. Levels may arrive in any order (Polymarket's <c>/book</c> lists bids ascending); they are
    /// sorted best first. Zero-size levels are dropped (a venue's way of saying "level removed").
    /// </summary>
    /// <param name="bids">Bid levels.</param>
    /// <param name="asks">Ask levels.</param>
    /// <param name="timestampMs">Snapshot time, Unix epoch milliseconds (&gt; 0).</param>
    /// <param name="domain">Allowed prices.</param>
    /// <param name="source">Where the book came from (file, URL, market), quoted in errors.</param>
    /// <exception cref="OrderBookException">A price outside the domain, a negative size, a price twice on one side, a crossed
    /// book (best bid ≥ best ask) or a non-positive timestamp; the message names the field and <paramref name="source"/>.</exception>
    public static OrderBook Create(IEnumerable<BookLevel> bids, IEnumerable<BookLevel> asks, long timestampMs, PriceDomain domain, string source)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        if (timestampMs <= 0) throw new OrderBookException($"{source}: timestamp {timestampMs} is not a positive epoch time in milliseconds.");
        var b = Check(bids, "bids", domain, source, descending: true);
        var a = Check(asks, "asks", domain, source, descending: false);
        if (b.Length > 0 && a.Length > 0 && b[0].Price >= a[0].Price)
            throw new OrderBookException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: crossed book: best bid {b[0].Price} ≥ best ask {a[0].Price}."));
        return new OrderBook(b, a, timestampMs);
    }

    /// <summary>Builds a book from a stored snapshot (levels best first, as the store returns them).</summary>
    /// <exception cref="OrderBookException">As <see cref="Create"/>.</exception>
    public static OrderBook FromSnapshot(BookSnapshot snapshot, PriceDomain domain, string source)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var ms = new DateTimeOffset(DateTime.SpecifyKind(snapshot.Time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        return Create(snapshot.Bids, snapshot.Asks, ms, domain, source);
    }

    private static BookLevel[] Check(IEnumerable<BookLevel> levels, string side, PriceDomain domain, string source, bool descending)
    {
        var list = new List<BookLevel>();
        var i = 0;
        foreach (var l in levels)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"{source}: {side}[{i++}]");
            if (l.Size < 0) throw new OrderBookException(string.Create(CultureInfo.InvariantCulture, $"{field}.size {l.Size} is negative."));
            if (domain == PriceDomain.Probability ? l.Price <= 0 || l.Price >= 1 : l.Price <= 0)
                throw new OrderBookException(string.Create(CultureInfo.InvariantCulture,
                    $"{field}.price {l.Price} is outside {(domain == PriceDomain.Probability ? "(0, 1)" : "(0, ∞)")}."));
            if (l.Size > 0) list.Add(l);
        }
        var arr = list.ToArray();
        Array.Sort(arr, (x, y) => descending ? y.Price.CompareTo(x.Price) : x.Price.CompareTo(y.Price));
        for (var k = 1; k < arr.Length; k++)
            if (arr[k].Price == arr[k - 1].Price)
                throw new OrderBookException(string.Create(CultureInfo.InvariantCulture, $"{source}: {side} list price {arr[k].Price} twice."));
        return arr;
    }

    private static decimal Sum(BookLevel[] levels)
    {
        decimal s = 0;
        foreach (var l in levels) s += l.Price * l.Size;
        return s;
    }
}
