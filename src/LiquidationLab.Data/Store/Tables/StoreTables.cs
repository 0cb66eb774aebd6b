namespace LiquidationLab.Data.Store.Tables;

/// <summary>
/// Every table of the store with its columns as the current schema has them (after all of <see cref="Schema.Migrations"/>).
/// Tables that rows are appended to are declared by their row record (<see cref="ITableRow{TRow}"/>), which ties each column
/// to a field; the others (filled inside DuckDB, from files) are declared here by name and type. A test compares the whole
/// list with <c>information_schema.columns</c> of a freshly created store, so neither side can change alone.
/// </summary>
/// <remarks>
/// The migrations stay written out: they are the history an older store is brought forward by and must not change once
/// released, so they cannot be generated from the current declarations (a column added to a declaration would reach new
/// stores through an edited old migration and never reach existing ones). A new column is a new migration plus the
/// declaration's entry; the schema test fails until both agree.
/// </remarks>
public static class StoreTables
{
    /// <summary><c>schema_version</c>: the migrations applied (<see cref="LabStore"/>).</summary>
    public static TableDeclaration SchemaVersion { get; } = Declare("schema_version",
        ("version", "INTEGER NOT NULL"), ("applied_at", "TIMESTAMP NOT NULL"));

    /// <summary><c>series</c>: the (venue, symbol) pairs the <c>*_data</c> tables refer to by id.</summary>
    public static TableDeclaration Series { get; } = Declare("series",
        ("id", "INTEGER NOT NULL"), ("venue", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"));

    /// <summary><c>klines</c>: candles (filled from files inside DuckDB).</summary>
    public static TableDeclaration Klines { get; } = Declare("klines",
        ("venue", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"), ("market", "VARCHAR NOT NULL"), ("interval", "VARCHAR NOT NULL"),
        ("open_time", "TIMESTAMP NOT NULL"), ("open", "DOUBLE NOT NULL"), ("high", "DOUBLE NOT NULL"), ("low", "DOUBLE NOT NULL"),
        ("close", "DOUBLE NOT NULL"), ("volume", "DOUBLE"), ("quote_volume", "DOUBLE"), ("trade_count", "BIGINT"), ("taker_buy_volume", "DOUBLE"),
        ("taker_buy_quote_volume", "DOUBLE"), ("file_id", "BIGINT NOT NULL"));

    /// <summary><c>open_interest</c> (filled from files inside DuckDB, and from a recording's polls).</summary>
    public static TableDeclaration OpenInterest { get; } = Declare("open_interest",
        ("venue", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"), ("source", "VARCHAR NOT NULL"), ("interval", "VARCHAR NOT NULL"),
        ("time", "TIMESTAMP NOT NULL"), ("oi_base", "DOUBLE"), ("oi_usd", "DOUBLE"), ("oi_usd_open", "DOUBLE"), ("oi_usd_high", "DOUBLE"),
        ("oi_usd_low", "DOUBLE"), ("file_id", "BIGINT NOT NULL"));

    /// <summary><c>liquidation_totals</c>: liquidated notional per period (filled from files inside DuckDB).</summary>
    public static TableDeclaration LiquidationTotals { get; } = Declare("liquidation_totals",
        ("source", "VARCHAR NOT NULL"), ("exchange_scope", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"), ("interval", "VARCHAR NOT NULL"),
        ("period_start", "TIMESTAMP NOT NULL"), ("long_usd", "DOUBLE NOT NULL"), ("short_usd", "DOUBLE NOT NULL"), ("file_id", "BIGINT NOT NULL"));

    /// <summary><c>book_depth_bands</c>: Binance Vision bookDepth (filled from files inside DuckDB).</summary>
    public static TableDeclaration BookDepthBands { get; } = Declare("book_depth_bands",
        ("venue", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"), ("time", "TIMESTAMP NOT NULL"), ("percentage", "DOUBLE NOT NULL"),
        ("depth", "DOUBLE NOT NULL"), ("notional", "DOUBLE NOT NULL"), ("file_id", "BIGINT NOT NULL"));

    /// <summary><c>long_short_ratios</c> (filled from files inside DuckDB).</summary>
    public static TableDeclaration LongShortRatios { get; } = Declare("long_short_ratios",
        ("venue", "VARCHAR NOT NULL"), ("symbol", "VARCHAR NOT NULL"), ("kind", "VARCHAR NOT NULL"), ("interval", "VARCHAR NOT NULL"),
        ("time", "TIMESTAMP NOT NULL"), ("long_fraction", "DOUBLE"), ("short_fraction", "DOUBLE"), ("ratio", "DOUBLE"), ("buy_volume", "DOUBLE"),
        ("sell_volume", "DOUBLE"), ("file_id", "BIGINT NOT NULL"));

    /// <summary><c>redeliveries</c>: which file's rows a file re-delivered (not stored twice).</summary>
    public static TableDeclaration Redeliveries { get; } = Declare("redeliveries",
        ("file_id", "BIGINT NOT NULL"), ("table_name", "VARCHAR NOT NULL"), ("stored_file_id", "BIGINT NOT NULL"), ("rows", "BIGINT NOT NULL"));

    /// <summary>The keyed time-series tables by name (<see cref="Schema.RevisedTables"/>).</summary>
    private static IEnumerable<TableDeclaration> Revised => [Klines, OpenInterest, FundingRateRow.Table, LiquidationTotals, LongShortRatios];

    /// <summary>
    /// The revision twin of a keyed time-series table (schema v3, <c>CREATE TABLE … AS SELECT</c>): the table's columns,
    /// all nullable, then <c>status</c>, <c>other_file_id</c> and <c>reason</c>.
    /// </summary>
    public static TableDeclaration RevisionsOf(TableDeclaration table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new TableDeclaration(Schema.RevisionTable(table.Name),
            table.Columns.Select(c => c with { IsNullable = true })
                .Concat([new ColumnDeclaration("status", "VARCHAR", true), new ColumnDeclaration("other_file_id", "BIGINT", true), new ColumnDeclaration("reason", "VARCHAR", true)]));
    }

    /// <summary>Every table of a store of the current schema version, in no particular order (temporary staging tables excluded).</summary>
    public static IReadOnlyList<TableDeclaration> All { get; } =
    [
        SchemaVersion, IngestLog.Table, Series, InstrumentRow.Table, AggTradeRow.Table, TradeRow.Table, Klines, OpenInterest, FundingRateRow.Table,
        LiquidationTotals, LiquidationOrderRow.Table, BookSnapshotRow.Table, BookTradeRow.Table, BookDepthBands, LongShortRatios, BookStateRow.Table,
        LiquidityReportRow.Table, .. Revised.Select(RevisionsOf), Redeliveries, PeerLiquidationBandRow.Table, RecordingGapRow.Table,
        RecordingRejectRow.Table, PositionLevelRow.Table, PositionLevelBucketRow.Table,
    ];

    /// <summary>The declaration of the table <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No table of the store has that name.</exception>
    public static TableDeclaration Named(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"The store has no table {name}.", nameof(name));

    private static TableDeclaration Declare(string name, params (string Name, string Type)[] columns) =>
        new(name, columns.Select(c => ColumnDeclaration.Parse(c.Name, c.Type)));
}
