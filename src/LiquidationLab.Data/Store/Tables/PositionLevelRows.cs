namespace LiquidationLab.Data.Store.Tables;

/// <summary>
/// A row of <c>position_levels</c> (schema v7): one open position of one account at one time, with the liquidation price
/// the venue reports for it (Hyperliquid's <c>clearinghouseState</c> <c>liquidationPx</c>). Written by a per-account
/// position recorder; aggregated snapshots go to <c>position_level_buckets</c> (<see cref="PositionLevelBucketRow"/>).
/// </summary>
/// <param name="Time">When the position was read (UTC).</param>
/// <param name="Venue">Venue (<c>hyperliquid</c>, …).</param>
/// <param name="Source">The series the row belongs to (the recorder or publisher).</param>
/// <param name="AccountHash">A hash of the account's address (never the address itself); null when the source names no account.</param>
/// <param name="Coin">The venue's coin or instrument (<c>BTC</c>).</param>
/// <param name="Side">The position's side: <c>long</c> or <c>short</c>.</param>
/// <param name="Size">Position size in base units, &gt; 0.</param>
/// <param name="NotionalUsd">Position value in USD at the time, where the source gives it.</param>
/// <param name="EntryPrice">Average entry price (quote per base unit), &gt; 0.</param>
/// <param name="Leverage">Leverage (e.g. 20 for 20x), where known.</param>
/// <param name="LiquidationPrice">The venue's liquidation price; null when the venue reports none (no liquidation risk).</param>
/// <param name="MarginMode"><c>cross</c> or <c>isolated</c>, where known.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct PositionLevelRow(
    DateTime Time, string Venue, string Source, string? AccountHash, string Coin, string Side, double Size, double? NotionalUsd, double EntryPrice,
    double? Leverage, double? LiquidationPrice, string? MarginMode, long FileId) : ITableRow<PositionLevelRow>
{
    /// <inheritdoc />
    public static TableDeclaration<PositionLevelRow> Table { get; } = new TableDeclaration<PositionLevelRow>("position_levels")
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("source", "VARCHAR NOT NULL", r => r.Source)
        .Column("account_hash", "VARCHAR", r => r.AccountHash)
        .Column("coin", "VARCHAR NOT NULL", r => r.Coin)
        .Column("side", "VARCHAR NOT NULL", r => r.Side)
        .Column("size", "DOUBLE NOT NULL", r => r.Size)
        .Column("notional_usd", "DOUBLE", r => r.NotionalUsd)
        .Column("entry_price", "DOUBLE NOT NULL", r => r.EntryPrice)
        .Column("leverage", "DOUBLE", r => r.Leverage)
        .Column("liquidation_price", "DOUBLE", r => r.LiquidationPrice)
        .Column("margin_mode", "VARCHAR", r => r.MarginMode)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}

/// <summary>
/// A row of <c>position_level_buckets</c> (schema v7): a publisher's aggregate of real liquidation prices — the USD notional
/// of the positions (of the accounts it scanned) whose liquidation price falls in one price bucket, for one leverage class.
/// It cannot be split back into positions; see <see cref="PositionLevelRow"/> for those.
/// </summary>
/// <param name="Time">Snapshot time (UTC).</param>
/// <param name="Venue">Venue whose positions were read (<c>hyperliquid</c>).</param>
/// <param name="Source">The publisher (<c>kittycapital-hl-top-traders</c>).</param>
/// <param name="Coin">The venue's coin (<c>BTC</c>, <c>ETH</c>).</param>
/// <param name="ReferencePrice">The coin's price at the snapshot (USD), &gt; 0.</param>
/// <param name="LiquidatedSide">Positions liquidated at the bucket: <c>long</c> (below the price) or <c>short</c> (above).</param>
/// <param name="Price">The bucket's price (the publisher's own bucket edges), USD, &gt; 0.</param>
/// <param name="LeverageClass">The publisher's leverage class: 10, 25, 50 or 100 (x).</param>
/// <param name="ValueUsd">USD notional of the class's positions in the bucket, ≥ 0.</param>
/// <param name="TraderCount">Accounts the publisher scanned for the snapshot (not the accounts holding this bucket).</param>
/// <param name="PositionCount">Positions in the coin the snapshot counted, where given.</param>
/// <param name="FileId">The <c>ingest_log</c> id of the file the row came from.</param>
public readonly record struct PositionLevelBucketRow(
    DateTime Time, string Venue, string Source, string Coin, double ReferencePrice, string LiquidatedSide, double Price, int LeverageClass,
    double ValueUsd, int TraderCount, int? PositionCount, long FileId) : ITableRow<PositionLevelBucketRow>
{
    /// <inheritdoc />
    public static TableDeclaration<PositionLevelBucketRow> Table { get; } = new TableDeclaration<PositionLevelBucketRow>("position_level_buckets")
        .Column("time", "TIMESTAMP NOT NULL", r => r.Time)
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("source", "VARCHAR NOT NULL", r => r.Source)
        .Column("coin", "VARCHAR NOT NULL", r => r.Coin)
        .Column("reference_price", "DOUBLE NOT NULL", r => r.ReferencePrice)
        .Column("liquidated_side", "VARCHAR NOT NULL", r => r.LiquidatedSide)
        .Column("price", "DOUBLE NOT NULL", r => r.Price)
        .Column("leverage_class", "INTEGER NOT NULL", r => r.LeverageClass)
        .Column("value_usd", "DOUBLE NOT NULL", r => r.ValueUsd)
        .Column("trader_count", "INTEGER NOT NULL", r => r.TraderCount)
        .Column("position_count", "INTEGER", r => r.PositionCount)
        .Column("file_id", "BIGINT NOT NULL", r => r.FileId);
}
