using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Binning;

/// <summary>
/// What a liquidation map's price axis needs to know of the trades it will hold, gathered without holding them: their
/// number, lowest and highest price and largest notional. Minimum and maximum are exact, so an extent gathered trade by
/// trade in memory equals one aggregated inside the store over the same trades.
/// </summary>
/// <param name="Count">Trades, ≥ 0.</param>
/// <param name="MinPrice">Lowest price, quote currency (+∞ without trades).</param>
/// <param name="MaxPrice">Highest price (−∞ without trades).</param>
/// <param name="MaxNotionalUsd">Largest notional, price × quantity, USD (0 without trades).</param>
public readonly record struct TradeExtent(long Count, double MinPrice, double MaxPrice, double MaxNotionalUsd)
{
    /// <summary>No trades: the identity of <see cref="Including"/>.</summary>
    public static TradeExtent Empty { get; } = new(0, double.PositiveInfinity, double.NegativeInfinity, 0);

    /// <summary>This extent with one more trade.</summary>
    public TradeExtent Including(in AggTrade trade) =>
        new(Count + 1, Math.Min(MinPrice, trade.Price), Math.Max(MaxPrice, trade.Price), Math.Max(MaxNotionalUsd, trade.NotionalUsd));

    /// <summary>The extent of every trade of <paramref name="trades"/>.</summary>
    public static TradeExtent Of(ReadOnlySpan<AggTrade> trades)
    {
        var extent = Empty;
        foreach (ref readonly var t in trades) extent = extent.Including(t);
        return extent;
    }
}
