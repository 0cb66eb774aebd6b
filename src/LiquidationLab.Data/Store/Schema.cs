namespace LiquidationLab.Data.Store;

/// <summary>
/// The DuckDB schema, as ordered migrations. <see cref="LabStore"/> applies the ones newer than the store's
/// <c>schema_version</c> on open, each in its own transaction.
/// </summary>
/// <remarks>
/// Conventions: times are <c>TIMESTAMP</c> in UTC (microsecond precision); market data is <c>DOUBLE</c> except
/// order-book prices and sizes, which are <c>DECIMAL(38,18)</c> so Polymarket's string prices and sizes keep their
/// full precision; every data row carries <c>file_id</c>, the <c>ingest_log.id</c> of the file it came from.
/// The two tables that hold millions of rows per file (<c>agg_trades</c>, <c>trades</c>) store an integer
/// <c>series_id</c> (→ <c>series</c>: venue, symbol) in <c>*_data</c> tables and are read through views of the plain
/// names: writing two constant strings per row cost 60 % of the ingest time of a 10-million-row file.
/// </remarks>
public static class Schema
{
    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Count;

    /// <summary>Migration i (0-based) brings the store from version i to i + 1.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE SEQUENCE ingest_log_id START 1;
        CREATE TABLE ingest_log (
            id           BIGINT PRIMARY KEY DEFAULT nextval('ingest_log_id'),
            file_path    VARCHAR NOT NULL,
            sha256       VARCHAR NOT NULL UNIQUE,
            kind         VARCHAR NOT NULL,
            rows         BIGINT NOT NULL,
            first_time   TIMESTAMP,
            last_time    TIMESTAMP,
            ingested_at  TIMESTAMP NOT NULL,
            detail       VARCHAR
        );
        CREATE TABLE instruments (
            venue VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, symbol VARCHAR, kind VARCHAR,
            description VARCHAR, starts_at TIMESTAMP, ends_at TIMESTAMP, metadata JSON, file_id BIGINT NOT NULL
        );
        CREATE SEQUENCE series_id START 1;
        CREATE TABLE series (
            id INTEGER PRIMARY KEY DEFAULT nextval('series_id'), venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, UNIQUE (venue, symbol)
        );
        CREATE TABLE agg_trades_data (
            series_id INTEGER NOT NULL, agg_trade_id BIGINT, price DOUBLE NOT NULL, quantity DOUBLE NOT NULL,
            first_trade_id BIGINT, last_trade_id BIGINT, transact_time TIMESTAMP NOT NULL, is_buyer_maker BOOLEAN NOT NULL,
            file_id BIGINT NOT NULL
        );
        CREATE VIEW agg_trades AS
            SELECT s.venue, s.symbol, d.agg_trade_id, d.price, d.quantity, d.first_trade_id, d.last_trade_id, d.transact_time,
                   d.is_buyer_maker, d.file_id
            FROM agg_trades_data d JOIN series s ON s.id = d.series_id;
        CREATE TABLE trades_data (
            series_id INTEGER NOT NULL, trade_id BIGINT, price DOUBLE NOT NULL, quantity DOUBLE NOT NULL,
            quote_quantity DOUBLE, transact_time TIMESTAMP NOT NULL, is_buyer_maker BOOLEAN NOT NULL, order_type VARCHAR,
            file_id BIGINT NOT NULL
        );
        CREATE VIEW trades AS
            SELECT s.venue, s.symbol, d.trade_id, d.price, d.quantity, d.quote_quantity, d.transact_time, d.is_buyer_maker,
                   d.order_type, d.file_id
            FROM trades_data d JOIN series s ON s.id = d.series_id;
        CREATE TABLE klines (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, market VARCHAR NOT NULL, interval VARCHAR NOT NULL,
            open_time TIMESTAMP NOT NULL, open DOUBLE NOT NULL, high DOUBLE NOT NULL, low DOUBLE NOT NULL, close DOUBLE NOT NULL,
            volume DOUBLE, quote_volume DOUBLE, trade_count BIGINT, taker_buy_volume DOUBLE, taker_buy_quote_volume DOUBLE,
            file_id BIGINT NOT NULL
        );
        CREATE TABLE open_interest (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, source VARCHAR NOT NULL, interval VARCHAR NOT NULL,
            time TIMESTAMP NOT NULL, oi_base DOUBLE, oi_usd DOUBLE, oi_usd_open DOUBLE, oi_usd_high DOUBLE, oi_usd_low DOUBLE,
            file_id BIGINT NOT NULL
        );
        CREATE TABLE funding_rates (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, source VARCHAR NOT NULL, interval VARCHAR,
            funding_time TIMESTAMP NOT NULL, funding_rate DOUBLE NOT NULL, mark_price DOUBLE, file_id BIGINT NOT NULL
        );
        CREATE TABLE liquidation_totals (
            source VARCHAR NOT NULL, exchange_scope VARCHAR NOT NULL, symbol VARCHAR NOT NULL, interval VARCHAR NOT NULL,
            period_start TIMESTAMP NOT NULL, long_usd DOUBLE NOT NULL, short_usd DOUBLE NOT NULL, file_id BIGINT NOT NULL
        );
        CREATE TABLE liquidation_orders (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, time TIMESTAMP NOT NULL, side VARCHAR NOT NULL,
            price DOUBLE NOT NULL, quantity DOUBLE NOT NULL, order_type VARCHAR NOT NULL, trade_id BIGINT, file_id BIGINT NOT NULL
        );
        CREATE TABLE book_snapshots (
            venue VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, time TIMESTAMP NOT NULL, side VARCHAR NOT NULL,
            level INTEGER NOT NULL, price DECIMAL(38,18) NOT NULL, size DECIMAL(38,18) NOT NULL, file_id BIGINT NOT NULL
        );
        CREATE TABLE book_trades (
            venue VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, time TIMESTAMP NOT NULL, price DECIMAL(38,18) NOT NULL,
            size DECIMAL(38,18) NOT NULL, side VARCHAR, trade_id VARCHAR, file_id BIGINT NOT NULL
        );
        CREATE TABLE book_depth_bands (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, time TIMESTAMP NOT NULL, percentage DOUBLE NOT NULL,
            depth DOUBLE NOT NULL, notional DOUBLE NOT NULL, file_id BIGINT NOT NULL
        );
        CREATE TABLE long_short_ratios (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, kind VARCHAR NOT NULL, interval VARCHAR NOT NULL, time TIMESTAMP NOT NULL,
            long_fraction DOUBLE, short_fraction DOUBLE, ratio DOUBLE, buy_volume DOUBLE, sell_volume DOUBLE, file_id BIGINT NOT NULL
        );
        CREATE TABLE book_state (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, last_update_id BIGINT NOT NULL, time TIMESTAMP NOT NULL,
            side VARCHAR NOT NULL, price DECIMAL(38,18) NOT NULL, size DECIMAL(38,18) NOT NULL, file_id BIGINT NOT NULL
        );
        """,
        // v2: ObservationReports of the LiquidityForecastModel service (`liqlab liquidity watch`). One row per market and
        // book snapshot: (condition_id, snapshot_ts_ms) is the spec's idempotency key.
        """
        CREATE TABLE liquidity_reports (
            report_id VARCHAR NOT NULL, trace_id VARCHAR NOT NULL, condition_id VARCHAR NOT NULL, token_id VARCHAR,
            snapshot_ts_ms BIGINT NOT NULL, emitted_at TIMESTAMP NOT NULL, emitted_at_ms BIGINT NOT NULL,
            current_bid_depth_pusd DOUBLE NOT NULL, current_ask_depth_pusd DOUBLE NOT NULL, forecast_pusd DOUBLE NOT NULL,
            horizon_s DOUBLE NOT NULL, low_forecast BOOLEAN NOT NULL, book_empty BOOLEAN NOT NULL, severity VARCHAR NOT NULL,
            reason_codes VARCHAR NOT NULL, report_json JSON NOT NULL,
            PRIMARY KEY (condition_id, snapshot_ts_ms)
        );
        """,
        // v3: revisions of keyed time series. When a file brings a value for a key the store already holds with a different
        // value, the row not in the table is kept here, typed as the table's own row: status 'kept' holds the incoming row
        // the store refused (the default), 'replaced' the stored row an explicit --replace superseded. other_file_id is
        // the file whose row is in the table; reason says why ('conflict', '--replace', or 'unclosed': the last bar of an
        // export, not yet closed when exported, superseded by a file that continues past it). `liqlab data revert` brings
        // rows back from here.
        RevisionTables(),
        // v4: liquidation prints as data. The order's price (Binance's p: a limit beyond the market) and the average fill
        // price (ap) are kept apart; the liquidated position's side is stored (an order SELL closes a liquidated long);
        // quantities are base units (a COIN-M contract count is converted at import), with the filled amount beside the
        // order's; source names the format the row came from. Rows stored before v4 came from fills (the trade stream's
        // LIQUIDATION prints, Binance Vision's average price): their price and quantity are the fill's (Backfills[3]).
        """
        ALTER TABLE liquidation_orders ADD COLUMN liquidated_side VARCHAR;
        ALTER TABLE liquidation_orders ADD COLUMN average_price DOUBLE;
        ALTER TABLE liquidation_orders ADD COLUMN filled_quantity DOUBLE;
        ALTER TABLE liquidation_orders ADD COLUMN source VARCHAR;
        CREATE TABLE peer_liquidation_bands (
            source VARCHAR NOT NULL, symbol VARCHAR NOT NULL, report_time TIMESTAMP NOT NULL, reference_price DOUBLE NOT NULL,
            band INTEGER NOT NULL, price DOUBLE NOT NULL, liquidated_side VARCHAR NOT NULL, notional_usd DOUBLE NOT NULL, file_id BIGINT NOT NULL
        );
        """ + Backfills[3],
        // v5: what a live recording (`liqlab data record binance`) missed: disconnections, depth-sequence breaks (the book is
        // resynchronised from a new REST snapshot), seconds without a markPrice message, frames that were not valid messages.
        // book_state.awaiting_first: the stored book is a REST snapshot whose straddling update has not arrived yet (a live
        // recorder's batch can end between the two).
        """
        CREATE TABLE recording_gaps (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, stream VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            gap_start TIMESTAMP NOT NULL, gap_end TIMESTAMP NOT NULL, detail VARCHAR, session VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL
        );
        ALTER TABLE book_state ADD COLUMN awaiting_first BOOLEAN;
        """,
        // v6: messages a live recording set aside (quarantined) instead of storing: kept raw with what was wrong, so one bad
        // value never costs a session its other rows and nothing received is thrown away unseen. stream and symbol are
        // NULL when the message named none the recorder subscribed to; raw is the message as received (cut to the
        // recorder's message-size cap, with raw_bytes the size received).
        """
        CREATE TABLE recording_rejects (
            venue VARCHAR NOT NULL, symbol VARCHAR, stream VARCHAR, received_at TIMESTAMP NOT NULL, problem VARCHAR NOT NULL,
            raw VARCHAR NOT NULL, raw_bytes BIGINT NOT NULL, session VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL
        );
        """,
        // v7: true liquidation levels (issue 32). Two tables, because an aggregated snapshot and a position are different
        // things: position_levels holds one open position per row (a per-account recorder: the account as a hash, size,
        // entry, leverage, liquidation price, margin mode); position_level_buckets holds a publisher's aggregated levels
        // (USD notional of the positions whose liquidation price falls in a price bucket, per leverage class, with the
        // number of accounts scanned), which can never be split back into positions. Summing one into the other would
        // count the same positions twice, so they stay apart.
        """
        CREATE TABLE position_levels (
            time TIMESTAMP NOT NULL, venue VARCHAR NOT NULL, source VARCHAR NOT NULL, account_hash VARCHAR, coin VARCHAR NOT NULL,
            side VARCHAR NOT NULL, size DOUBLE NOT NULL, notional_usd DOUBLE, entry_price DOUBLE NOT NULL, leverage DOUBLE,
            liquidation_price DOUBLE, margin_mode VARCHAR, file_id BIGINT NOT NULL
        );
        CREATE TABLE position_level_buckets (
            time TIMESTAMP NOT NULL, venue VARCHAR NOT NULL, source VARCHAR NOT NULL, coin VARCHAR NOT NULL, reference_price DOUBLE NOT NULL,
            liquidated_side VARCHAR NOT NULL, price DOUBLE NOT NULL, leverage_class INTEGER NOT NULL, value_usd DOUBLE NOT NULL,
            trader_count INTEGER NOT NULL, position_count INTEGER, file_id BIGINT NOT NULL
        );
        """,
    ];

    /// <summary>
    /// Per migration index, idempotent statements that derive the migration's new columns for rows written under an older
    /// schema: run by the migration on the store's rows, and again after importing a snapshot exported from an older schema
    /// (its Parquet files lack the new columns, which import as NULL).
    /// </summary>
    public static IReadOnlyDictionary<int, string> Backfills => new Dictionary<int, string>
    {
        [3] = """
            UPDATE liquidation_orders SET
                liquidated_side = CASE WHEN upper(side) = 'SELL' THEN 'long' ELSE 'short' END,
                average_price = price, filled_quantity = quantity,
                source = CASE WHEN trade_id IS NOT NULL THEN 'binance-trade-stream' ELSE 'binance-vision-liquidationSnapshot' END
            WHERE liquidated_side IS NULL;
            """,
    };

    /// <summary>The keyed time-series tables; each has a <c>&lt;table&gt;_revisions</c> twin (schema v3).</summary>
    public static IReadOnlyList<string> RevisedTables => ["klines", "open_interest", "funding_rates", "liquidation_totals", "long_short_ratios"];

    /// <summary>The revision table of a keyed time-series table.</summary>
    public static string RevisionTable(string table) => table + "_revisions";

    /// <summary>The key columns of each keyed time-series table: one row per key.</summary>
    public static IReadOnlyDictionary<string, string[]> SeriesKeys => new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["klines"] = ["venue", "symbol", "market", "interval", "open_time"],
        ["open_interest"] = ["venue", "symbol", "source", "interval", "time"],
        ["funding_rates"] = ["venue", "symbol", "source", "funding_time"],
        ["liquidation_totals"] = ["source", "exchange_scope", "symbol", "interval", "period_start"],
        ["long_short_ratios"] = ["venue", "symbol", "kind", "interval", "time"],
    };

    // Also: which file's rows a file re-delivered (rows not stored twice), so reverting the first can say what went with it.
    private static string RevisionTables() => string.Join("\n", RevisedTables.Select(t =>
        $"CREATE TABLE {RevisionTable(t)} AS SELECT *, CAST(NULL AS VARCHAR) AS status, CAST(NULL AS BIGINT) AS other_file_id, " +
        $"CAST(NULL AS VARCHAR) AS reason FROM {t} LIMIT 0;")) +
        "\nCREATE TABLE redeliveries (file_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, stored_file_id BIGINT NOT NULL, rows BIGINT NOT NULL);";

    /// <summary>The data tables (everything but the log and the book continuation state), for status and validation.</summary>
    public static IReadOnlyList<string> DataTables { get; } =
    [
        "agg_trades", "trades", "klines", "open_interest", "funding_rates", "liquidation_totals", "liquidation_orders",
        "book_snapshots", "book_trades", "book_depth_bands", "long_short_ratios", "instruments", "liquidity_reports", "peer_liquidation_bands", "recording_gaps",
        "recording_rejects", "position_levels", "position_level_buckets",
    ];

    /// <summary>Every table holding rows of ingested files (<c>file_id</c>): the data tables (physical names), the book continuation state and the revisions.</summary>
    public static IReadOnlyList<string> FileTables { get; } =
    [
        "agg_trades_data", "trades_data", "klines", "open_interest", "funding_rates", "liquidation_totals", "liquidation_orders",
        "book_snapshots", "book_trades", "book_depth_bands", "long_short_ratios", "instruments", "book_state", "peer_liquidation_bands",
        "klines_revisions", "open_interest_revisions", "funding_rates_revisions", "liquidation_totals_revisions", "long_short_ratios_revisions",
        "position_levels", "position_level_buckets",
    ];
}
