using System.Data.Common;
using DuckDB.NET.Data;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using Microsoft.Data.Analysis;

namespace LiquidationLab.Data.Query;

/// <summary>Trades a <see cref="TradeFilter"/> selected in a window, with what the window held.</summary>
/// <param name="Selected">The selected trades, by time.</param>
/// <param name="TradeCount">Trades in the window.</param>
/// <param name="FirstTime">The window's first trade time (UTC), if any.</param>
/// <param name="LastTime">Its last trade time.</param>
/// <param name="LastPrice">The last trade's price (NaN without trades), the map's current price.</param>
public sealed record TradeSelection(AggTrade[] Selected, long TradeCount, DateTime? FirstTime, DateTime? LastTime, double LastPrice);

/// <summary>What a <see cref="TradeFilter"/> selects in a window, counted and measured in the store without reading the
/// trades (<see cref="MarketDataReader.SummarizeAggTradeSelection"/>); <see cref="MarketDataReader.ReadSelectedAggTrades"/>
/// streams them.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="From">Window start, inclusive, UTC.</param>
/// <param name="To">Window end, exclusive, UTC.</param>
/// <param name="Filter">The selection.</param>
/// <param name="TradeCount">Trades in the window.</param>
/// <param name="FirstTime">The window's first trade time (UTC), if any.</param>
/// <param name="LastTime">Its last trade time.</param>
/// <param name="LastPrice">The last trade's price (NaN without trades), the map's current price.</param>
/// <param name="Selected">Count, price range and largest notional of the selected trades.</param>
public sealed record TradeSelectionSummary(string Symbol, DateTime From, DateTime To, TradeFilter Filter, long TradeCount, DateTime? FirstTime,
    DateTime? LastTime, double LastPrice, TradeExtent Selected)
{
    /// <summary>Trades the filter selects.</summary>
    public long SelectedCount => Selected.Count;
}

/// <summary>One liquidation print as stored.</summary>
/// <param name="Time">Event time, UTC.</param>
/// <param name="OrderSide">The liquidation order's side: <c>SELL</c> (closes a liquidated long) or <c>BUY</c>.</param>
/// <param name="Price">The price the source gives for the order (Binance <c>p</c>: a limit beyond the market; a fill for trade-stream prints).</param>
/// <param name="QuantityBase">Quantity in base units.</param>
/// <param name="Venue">Venue, e.g. <c>binance-usdm</c>, <c>okx</c>, <c>hyperliquid</c>.</param>
/// <param name="LiquidatedSide"><c>long</c> or <c>short</c>: the position liquidated.</param>
/// <param name="AveragePrice">The average fill price (Binance <c>ap</c>) when the source has it.</param>
/// <param name="Source">The format the row came from.</param>
public sealed record LiquidationPrint(DateTime Time, string OrderSide, double Price, double QuantityBase, string Venue, string LiquidatedSide, double? AveragePrice, string Source)
{
    /// <summary>Whether a long position was liquidated.</summary>
    public bool LongLiquidated => LiquidatedSide == "long";

    /// <summary>Where the position was actually closed: the average fill when known, else the order's price.</summary>
    public double FillPrice => AveragePrice ?? Price;

    /// <summary>Notional at the fill, USD.</summary>
    public double NotionalUsd => FillPrice * QuantityBase;

    /// <summary>The print as price-level scoring takes it: time, fill price, notional, the liquidated side.</summary>
    public LiquidationLab.Core.Backtesting.LiquidationPrintPoint ToPoint() =>
        new(Time, FillPrice, NotionalUsd, LongLiquidated ? LiquidationLab.Core.Margin.PositionSide.Long : LiquidationLab.Core.Margin.PositionSide.Short);
}

/// <summary>One band of a peer model's predicted liquidation map.</summary>
/// <param name="ReportTime">When the peer made the map, UTC.</param>
/// <param name="ReferencePrice">The price then, USDT.</param>
/// <param name="Band">The peer's band number (its distance from the price).</param>
/// <param name="Price">The band's price level, USDT.</param>
/// <param name="LiquidatedSide"><c>long</c> (below the price) or <c>short</c> (above).</param>
/// <param name="NotionalUsd">Predicted liquidation notional there, USD.</param>
public sealed record PeerBand(DateTime ReportTime, double ReferencePrice, int Band, double Price, string LiquidatedSide, double NotionalUsd);


/// <summary>One snapshot of real liquidation levels (<c>position_level_buckets</c>) of one coin.</summary>
/// <param name="Time">Snapshot time, UTC.</param>
/// <param name="Venue">Venue whose positions were read (<c>hyperliquid</c>).</param>
/// <param name="Source">The publisher.</param>
/// <param name="Coin">The venue's coin.</param>
/// <param name="ReferencePrice">The coin's price at the snapshot, USD.</param>
/// <param name="TraderCount">Accounts the publisher scanned (the sample: the largest accounts of the venue, not the market).</param>
/// <param name="PositionCount">Positions in the coin the publisher counted, where given.</param>
/// <param name="Buckets">The non-zero buckets, by side, price and leverage class.</param>
public sealed record PositionLevelSnapshot(DateTime Time, string Venue, string Source, string Coin, double ReferencePrice, int TraderCount, int? PositionCount,
    PositionLevelBucket[] Buckets)
{
    /// <summary>Total USD notional of the snapshot's buckets of one side (<c>long</c> or <c>short</c>).</summary>
    public double TotalUsd(string liquidatedSide) => Buckets.Where(b => b.LiquidatedSide == liquidatedSide).Sum(b => b.ValueUsd);
}

/// <summary>USD notional of real positions whose liquidation price falls in one price bucket, for one leverage class.</summary>
/// <param name="LiquidatedSide"><c>long</c> (below the price) or <c>short</c> (above).</param>
/// <param name="Price">The bucket's price (the publisher's bucket edges), USD.</param>
/// <param name="LeverageClass">The publisher's leverage class: 10, 25, 50 or 100 (x).</param>
/// <param name="ValueUsd">USD notional, ≥ 0.</param>
public sealed record PositionLevelBucket(string LiquidatedSide, double Price, int LeverageClass, double ValueUsd);

/// <summary>One open-interest value of a venue's instrument.</summary>
/// <param name="Time">Bar time, UTC.</param>
/// <param name="OiUsd">Open interest, USD.</param>
/// <param name="Source">The store's <c>source</c> of the row (e.g. <c>coinglass</c>, <c>group-m-hourly</c>).</param>
public readonly record struct OpenInterestPoint(DateTime Time, double OiUsd, string Source);
