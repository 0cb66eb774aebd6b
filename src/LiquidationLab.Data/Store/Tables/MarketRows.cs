namespace LiquidationLab.Data.Store.Tables;

/// <summary>A row of <c>agg_trades_data</c> (read through the view <c>agg_trades</c>): one aggregate trade.</summary>
/// <param name="SeriesId">The (venue, symbol) series (<see cref="LabStore.SeriesId"/>).</param>
/// <param name="AggTradeId">The exchange's aggregate trade id.</param>
/// <param name="Price">Price (quote currency per base unit).</param>
/// <param name="Quantity">Quantity in base units.</param>
/// <param name="FirstTradeId">First trade id aggregated.</param>
/// <param name="LastTradeId">Last trade id aggregated.</param>
/// <param name="TransactTime">Trade time (UTC).</param>
/// <param name="IsBuyerMaker">The buyer was the maker (the taker sold).</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct AggTradeRow(
    int SeriesId, long? AggTradeId, double Price, double Quantity, long? FirstTradeId, long? LastTradeId, DateTime TransactTime,
    bool IsBuyerMaker, long FileId) : ITableRow<AggTradeRow>
{
    /// <inheritdoc />
    public static TableDeclaration<AggTradeRow> Table { get; } = new TableDeclaration<AggTradeRow>("agg_trades_data")
        .Column("series_id", "INTEGER NOT NULL", r => r.SeriesId)
        .Column("agg_trade_id", "BIGINT", r => r.AggTradeId)
        .Column("price", "DOUBLE NOT NULL", r => r.Price)
        .Column("quantity", "DOUBLE NOT NULL", r => r.Quantity)
        .Column("first_trade_id", "BIGINT", r => r.FirstTradeId)
        .Column("last_trade_id", "BIGINT", r => r.LastTradeId)
        .Column("transact_time", "TIMESTAMP NOT NULL", r => r.TransactTime)
        .Column("is_buyer_maker", "BOOLEAN NOT NULL", r => r.IsBuyerMaker)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>A row of <c>trades_data</c> (read through the view <c>trades</c>): one trade.</summary>
/// <param name="SeriesId">The (venue, symbol) series (<see cref="LabStore.SeriesId"/>).</param>
/// <param name="TradeId">The exchange's trade id.</param>
/// <param name="Price">Price (quote currency per base unit).</param>
/// <param name="Quantity">Quantity in base units.</param>
/// <param name="QuoteQuantity">Price × quantity (quote currency).</param>
/// <param name="TransactTime">Trade time (UTC).</param>
/// <param name="IsBuyerMaker">The buyer was the maker (the taker sold).</param>
/// <param name="OrderType">The exchange's order type (<c>MARKET</c>, …), where the source gives it.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct TradeRow(
    int SeriesId, long? TradeId, double Price, double Quantity, double? QuoteQuantity, DateTime TransactTime, bool IsBuyerMaker,
    string? OrderType, long FileId) : ITableRow<TradeRow>
{
    /// <inheritdoc />
    public static TableDeclaration<TradeRow> Table { get; } = new TableDeclaration<TradeRow>("trades_data")
        .Column("series_id", "INTEGER NOT NULL", r => r.SeriesId)
        .Column("trade_id", "BIGINT", r => r.TradeId)
        .Column("price", "DOUBLE NOT NULL", r => r.Price)
        .Column("quantity", "DOUBLE NOT NULL", r => r.Quantity)
        .Column("quote_quantity", "DOUBLE", r => r.QuoteQuantity)
        .Column("transact_time", "TIMESTAMP NOT NULL", r => r.TransactTime)
        .Column("is_buyer_maker", "BOOLEAN NOT NULL", r => r.IsBuyerMaker)
        .Column("order_type", "VARCHAR", r => r.OrderType)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>A row of <c>liquidation_orders</c>: one liquidation print (schema v4 added the last four columns).</summary>
/// <param name="Venue">Venue (<c>binance-usdm</c>, …).</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="Time">Print time (UTC).</param>
/// <param name="Side">The liquidation order's side (<c>SELL</c> closes a liquidated long).</param>
/// <param name="Price">The order's price (for a fill: the fill's price).</param>
/// <param name="Quantity">The order's quantity in base units.</param>
/// <param name="OrderType">The order's type (<c>LIMIT</c>, <c>LIQUIDATION</c>, …).</param>
/// <param name="TradeId">The trade id of a trade-stream print; null otherwise.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
/// <param name="LiquidatedSide">The liquidated position's side (<c>long</c> or <c>short</c>).</param>
/// <param name="AveragePrice">Average fill price; null while unknown.</param>
/// <param name="FilledQuantity">Filled quantity in base units; null while unknown.</param>
/// <param name="Source">The format the row came from (<c>binance-forceOrder</c>, <c>binance-trade-stream</c>, …).</param>
public readonly record struct LiquidationOrderRow(
    string Venue, string Symbol, DateTime Time, string Side, double Price, double Quantity, string OrderType, long? TradeId, long FileId,
    string? LiquidatedSide, double? AveragePrice, double? FilledQuantity, string? Source) : ITableRow<LiquidationOrderRow>
{
    /// <inheritdoc />
    public static TableDeclaration<LiquidationOrderRow> Table { get; } = new TableDeclaration<LiquidationOrderRow>("liquidation_orders")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("symbol", "VARCHAR NOT NULL", r => r.Symbol)
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("side", "VARCHAR NOT NULL", r => r.Side)
        .Column("price", "DOUBLE NOT NULL", r => r.Price)
        .Column("quantity", "DOUBLE NOT NULL", r => r.Quantity)
        .Column("order_type", "VARCHAR NOT NULL", r => r.OrderType)
        .Column("trade_id", "BIGINT", r => r.TradeId)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId)
        .Column("liquidated_side", "VARCHAR", r => r.LiquidatedSide)
        .Column("average_price", "DOUBLE", r => r.AveragePrice)
        .Column("filled_quantity", "DOUBLE", r => r.FilledQuantity)
        .Column("source", "VARCHAR", r => r.Source);
}

/// <summary>
/// A row of the temporary staging table <c>print_stage</c>: a liquidation print before it is merged into
/// <c>liquidation_orders</c> (identical prints are one row), with the line it came from for messages.
/// </summary>
/// <param name="Venue">Venue.</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="Time">Print time (UTC).</param>
/// <param name="Side">The order's side (<c>BUY</c>/<c>SELL</c>).</param>
/// <param name="Price">The order's price.</param>
/// <param name="Quantity">The order's quantity in base units.</param>
/// <param name="OrderType">The order's type.</param>
/// <param name="LiquidatedSide">The liquidated position's side (<c>long</c> or <c>short</c>).</param>
/// <param name="AveragePrice">Average fill price; null while unknown.</param>
/// <param name="FilledQuantity">Filled quantity; null while unknown.</param>
/// <param name="Source">The format the row came from.</param>
/// <param name="SourceLine">The line (or record id) in the file, for messages and to keep the first of repeated prints.</param>
public readonly record struct PrintStageRow(
    string Venue, string Symbol, DateTime Time, string Side, double Price, double Quantity, string? OrderType, string LiquidatedSide,
    double? AveragePrice, double? FilledQuantity, string Source, long SourceLine) : ITableRow<PrintStageRow>
{
    /// <inheritdoc />
    public static TableDeclaration<PrintStageRow> Table { get; } = new TableDeclaration<PrintStageRow>("print_stage")
        .Column("venue", "VARCHAR", r => r.Venue)
        .Column("symbol", "VARCHAR", r => r.Symbol)
        .Column("time", "TIMESTAMP", r => r.Time)
        .Column("side", "VARCHAR", r => r.Side)
        .Column("price", "DOUBLE", r => r.Price)
        .Column("quantity", "DOUBLE", r => r.Quantity)
        .Column("order_type", "VARCHAR", r => r.OrderType)
        .Column("liquidated_side", "VARCHAR", r => r.LiquidatedSide)
        .Column("average_price", "DOUBLE", r => r.AveragePrice)
        .Column("filled_quantity", "DOUBLE", r => r.FilledQuantity)
        .Column("source", "VARCHAR", r => r.Source)
        .Column("source_line", "BIGINT", r => r.SourceLine);
}

/// <summary>A row of <c>funding_rates</c>: one funding rate (or a change of it seen in a live stream).</summary>
/// <param name="Venue">Venue.</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="Source">The series the row belongs to (<c>binance-markPrice-ws</c>, …).</param>
/// <param name="Interval">The funding interval, where the source gives one.</param>
/// <param name="FundingTime">Funding time (UTC).</param>
/// <param name="FundingRate">The rate per interval, a fraction in (-1, 1).</param>
/// <param name="MarkPrice">Mark price at that time, where known.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct FundingRateRow(
    string Venue, string Symbol, string Source, string? Interval, DateTime FundingTime, double FundingRate, double? MarkPrice, long FileId)
    : ITableRow<FundingRateRow>
{
    /// <inheritdoc />
    public static TableDeclaration<FundingRateRow> Table { get; } = new TableDeclaration<FundingRateRow>("funding_rates")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("symbol", "VARCHAR NOT NULL", r => r.Symbol)
        .Column("source", "VARCHAR NOT NULL", r => r.Source)
        .Column("interval", "VARCHAR", r => r.Interval)
        .Column("funding_time", "TIMESTAMP NOT NULL", r => r.FundingTime)
        .Column("funding_rate", "DOUBLE NOT NULL", r => r.FundingRate)
        .Column("mark_price", "DOUBLE", r => r.MarkPrice)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>A row of <c>peer_liquidation_bands</c>: another project's predicted liquidation notional at one price band.</summary>
/// <param name="Source">The project (<c>liqmap</c>).</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="ReportTime">Report time (UTC).</param>
/// <param name="ReferencePrice">The price the bands are around.</param>
/// <param name="Band">Band number.</param>
/// <param name="Price">The band's price.</param>
/// <param name="LiquidatedSide">Positions liquidated there (<c>long</c> below the price, <c>short</c> above).</param>
/// <param name="NotionalUsd">Predicted notional (USD).</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct PeerLiquidationBandRow(
    string Source, string Symbol, DateTime ReportTime, double ReferencePrice, int Band, double Price, string LiquidatedSide, double NotionalUsd,
    long FileId) : ITableRow<PeerLiquidationBandRow>
{
    /// <inheritdoc />
    public static TableDeclaration<PeerLiquidationBandRow> Table { get; } = new TableDeclaration<PeerLiquidationBandRow>("peer_liquidation_bands")
        .Column("source", "VARCHAR NOT NULL", r => r.Source)
        .Column("symbol", "VARCHAR NOT NULL", r => r.Symbol)
        .Column("report_time", "TIMESTAMP NOT NULL", r => r.ReportTime)
        .Column("reference_price", "DOUBLE NOT NULL", r => r.ReferencePrice)
        .Column("band", "INTEGER NOT NULL", r => r.Band)
        .Column("price", "DOUBLE NOT NULL", r => r.Price)
        .Column("liquidated_side", "VARCHAR NOT NULL", r => r.LiquidatedSide)
        .Column("notional_usd", "DOUBLE NOT NULL", r => r.NotionalUsd)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}
