namespace LiquidationLab.Data.Store.Tables;

/// <summary>A row of <c>book_snapshots</c>: one price level of one side of an order book at one time.</summary>
/// <param name="Venue">Venue (<c>polymarket</c>, <c>binance-usdm</c>, …).</param>
/// <param name="InstrumentId">The book's instrument (a Polymarket token id, a Binance symbol).</param>
/// <param name="Time">Snapshot time (UTC).</param>
/// <param name="Side"><c>bid</c> or <c>ask</c>.</param>
/// <param name="Level">1 = best price of the side.</param>
/// <param name="Price">Level price (exact decimal, as the venue sent it).</param>
/// <param name="Size">Level size (exact decimal).</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file (or recording session) the row came from.</param>
public readonly record struct BookSnapshotRow(
    string Venue, string InstrumentId, DateTime Time, string Side, int Level, decimal Price, decimal Size, long FileId) : ITableRow<BookSnapshotRow>
{
    /// <inheritdoc />
    public static TableDeclaration<BookSnapshotRow> Table { get; } = new TableDeclaration<BookSnapshotRow>("book_snapshots")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("instrument_id", "VARCHAR NOT NULL", r => r.InstrumentId)
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("side", "VARCHAR NOT NULL", r => r.Side)
        .Column("level", "INTEGER NOT NULL", r => r.Level)
        .Column("price", "DECIMAL(38,18) NOT NULL", r => r.Price)
        .Column("size", "DECIMAL(38,18) NOT NULL", r => r.Size)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>A row of <c>book_trades</c>: one trade of a venue whose prices are exact decimals (Polymarket).</summary>
/// <param name="Venue">Venue.</param>
/// <param name="InstrumentId">Instrument (token id).</param>
/// <param name="Time">Trade time (UTC).</param>
/// <param name="Price">Price (exact decimal).</param>
/// <param name="Size">Size (exact decimal).</param>
/// <param name="Side">Taker side (<c>BUY</c>/<c>SELL</c>), where given.</param>
/// <param name="TradeId">The venue's trade id, where given.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct BookTradeRow(
    string Venue, string InstrumentId, DateTime Time, decimal Price, decimal Size, string? Side, string? TradeId, long FileId) : ITableRow<BookTradeRow>
{
    /// <inheritdoc />
    public static TableDeclaration<BookTradeRow> Table { get; } = new TableDeclaration<BookTradeRow>("book_trades")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("instrument_id", "VARCHAR NOT NULL", r => r.InstrumentId)
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("price", "DECIMAL(38,18) NOT NULL", r => r.Price)
        .Column("size", "DECIMAL(38,18) NOT NULL", r => r.Size)
        .Column("side", "VARCHAR", r => r.Side)
        .Column("trade_id", "VARCHAR", r => r.TradeId)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>A row of <c>book_state</c>: one level of the last order book of a recording, so the next recording continues it.</summary>
/// <param name="Venue">Venue.</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="LastUpdateId">The book's last applied update id.</param>
/// <param name="Time">The book's time (UTC).</param>
/// <param name="Side"><c>bid</c> or <c>ask</c>.</param>
/// <param name="Price">Level price.</param>
/// <param name="Size">Level size.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the recording.</param>
/// <param name="AwaitingFirst">The book is a REST snapshot whose straddling update has not arrived yet (schema v5).</param>
public readonly record struct BookStateRow(
    string Venue, string Symbol, long LastUpdateId, DateTime Time, string Side, decimal Price, decimal Size, long FileId, bool? AwaitingFirst)
    : ITableRow<BookStateRow>
{
    /// <inheritdoc />
    public static TableDeclaration<BookStateRow> Table { get; } = new TableDeclaration<BookStateRow>("book_state")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("symbol", "VARCHAR NOT NULL", r => r.Symbol)
        .Column("last_update_id", "BIGINT NOT NULL", r => r.LastUpdateId)
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("side", "VARCHAR NOT NULL", r => r.Side)
        .Column("price", "DECIMAL(38,18) NOT NULL", r => r.Price)
        .Column("size", "DECIMAL(38,18) NOT NULL", r => r.Size)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId)
        .Column("awaiting_first", "BOOLEAN", r => r.AwaitingFirst);
}

/// <summary>A row of <c>instruments</c>: a market or outcome token a venue described.</summary>
/// <param name="Venue">Venue.</param>
/// <param name="InstrumentId">Instrument id (token id, or the market's condition id).</param>
/// <param name="Symbol">Symbol or the market's condition id.</param>
/// <param name="Kind"><c>market</c> or <c>outcome-token</c>.</param>
/// <param name="Description">The market's question, with the outcome in brackets for a token.</param>
/// <param name="StartsAt">Market start (UTC), where known.</param>
/// <param name="EndsAt">Market end (UTC), where known.</param>
/// <param name="Metadata">The venue's description as JSON text.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct InstrumentRow(
    string Venue, string InstrumentId, string? Symbol, string? Kind, string? Description, DateTime? StartsAt, DateTime? EndsAt, string? Metadata,
    long FileId) : ITableRow<InstrumentRow>
{
    /// <inheritdoc />
    public static TableDeclaration<InstrumentRow> Table { get; } = new TableDeclaration<InstrumentRow>("instruments")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("instrument_id", "VARCHAR NOT NULL", r => r.InstrumentId)
        .Column("symbol", "VARCHAR", r => r.Symbol)
        .Column("kind", "VARCHAR", r => r.Kind)
        .Column("description", "VARCHAR", r => r.Description)
        .Column("starts_at", "TIMESTAMP", r => r.StartsAt)
        .Column("ends_at", "TIMESTAMP", r => r.EndsAt)
        .Column("metadata", "JSON", r => r.Metadata)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}
