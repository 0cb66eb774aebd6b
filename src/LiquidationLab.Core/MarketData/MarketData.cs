namespace LiquidationLab.Core.MarketData;

/// <summary>
/// One OHLC bar with the open interest at its time, as models consume them. Analytics use <see cref="double"/>
/// (docs/architecture.md, numbers).
/// </summary>
/// <param name="OpenTime">Bar open time, UTC.</param>
/// <param name="Open">Open price, quote currency.</param>
/// <param name="High">High price.</param>
/// <param name="Low">Low price.</param>
/// <param name="Close">Close price.</param>
/// <param name="VolumeBase">Traded volume in base units, NaN when the source has none.</param>
/// <param name="TakerBuyVolumeBase">Taker-buy volume in base units, NaN when unknown.</param>
/// <param name="OpenInterestUsd">Open interest in USD at the bar time, NaN when unknown.</param>
public readonly record struct Candle(
    DateTime OpenTime, double Open, double High, double Low, double Close,
    double VolumeBase, double TakerBuyVolumeBase, double OpenInterestUsd);

/// <summary>An aggregate trade.</summary>
/// <param name="Time">Transact time, UTC.</param>
/// <param name="Price">Price, quote currency.</param>
/// <param name="QuantityBase">Quantity, base units.</param>
/// <param name="IsBuyerMaker">True when the buyer was the maker, i.e. the taker sold.</param>
public readonly record struct AggTrade(DateTime Time, double Price, double QuantityBase, bool IsBuyerMaker)
{
    /// <summary>Notional in quote currency: price × quantity.</summary>
    public double NotionalUsd => Price * QuantityBase;
}

/// <summary>Liquidated notional in one period.</summary>
/// <param name="PeriodStart">Period start, UTC.</param>
/// <param name="LongUsd">Long positions liquidated, USD.</param>
/// <param name="ShortUsd">Short positions liquidated, USD.</param>
public readonly record struct LiquidationTotal(DateTime PeriodStart, double LongUsd, double ShortUsd)
{
    /// <summary>Long + short, USD.</summary>
    public double TotalUsd => LongUsd + ShortUsd;
}

/// <summary>A funding rate observation.</summary>
/// <param name="Time">Funding (or observation) time, UTC.</param>
/// <param name="Rate">Rate per funding interval as a fraction (0.0001 = 0.01 %).</param>
public readonly record struct FundingRate(DateTime Time, double Rate);

/// <summary>One price level of an order book; prices and sizes are exact as the venue sent them.</summary>
/// <param name="Price">Price.</param>
/// <param name="Size">Size at the price (base units, or outcome shares on Polymarket).</param>
public readonly record struct BookLevel(decimal Price, decimal Size);

/// <summary>An order-book snapshot.</summary>
/// <param name="Time">Snapshot time, UTC.</param>
/// <param name="Bids">Bids, best (highest) first.</param>
/// <param name="Asks">Asks, best (lowest) first.</param>
public sealed record BookSnapshot(DateTime Time, IReadOnlyList<BookLevel> Bids, IReadOnlyList<BookLevel> Asks);
