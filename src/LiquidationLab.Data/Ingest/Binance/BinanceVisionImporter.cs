using System.Globalization;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Binance;

/// <summary>
/// Binance Vision (data.binance.vision) USDⓈ-M daily/monthly files, <c>.csv</c> or <c>.zip</c>, with or without a
/// header row: <c>&lt;SYMBOL&gt;-aggTrades|trades|&lt;interval&gt;|metrics|fundingRate|bookDepth-&lt;date&gt;</c>
/// (<c>liquidationSnapshot</c> files: <see cref="Liquidations.LiquidationSnapshotImporter"/>).
/// Parsed inside DuckDB with <c>read_csv</c> and explicit column types (no per-row managed code). The epoch unit (s, ms,
/// µs or ns) is decided per file from its first row, and a row outside TimeBounds (2009-01-03 … now + 1 h) in that unit fails the file naming
/// the field and the value.
/// </summary>
public sealed partial class BinanceVisionImporter : IImporter
{
    private const string Venue = "binance-usdm";

    private sealed record Format(string Header, (string Name, string Type)[] Columns);

    private static readonly Dictionary<string, Format> Formats = new(StringComparer.Ordinal)
    {
        ["aggTrades"] = new("agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
            [("agg_trade_id", "BIGINT"), ("price", "DOUBLE"), ("quantity", "DOUBLE"), ("first_trade_id", "BIGINT"), ("last_trade_id", "BIGINT"),
             ("transact_time", "BIGINT"), ("is_buyer_maker", "BOOLEAN")]),
        ["trades"] = new("id,price,qty,quote_qty,time,is_buyer_maker",
            [("id", "BIGINT"), ("price", "DOUBLE"), ("qty", "DOUBLE"), ("quote_qty", "DOUBLE"), ("time", "BIGINT"), ("is_buyer_maker", "BOOLEAN")]),
        ["klines"] = new("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore",
            [("open_time", "BIGINT"), ("open", "DOUBLE"), ("high", "DOUBLE"), ("low", "DOUBLE"), ("close", "DOUBLE"), ("volume", "DOUBLE"),
             ("close_time", "BIGINT"), ("quote_volume", "DOUBLE"), ("count", "BIGINT"), ("taker_buy_volume", "DOUBLE"),
             ("taker_buy_quote_volume", "DOUBLE"), ("ignore", "VARCHAR")]),
        ["metrics"] = new("create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio",
            [("create_time", "TIMESTAMP"), ("symbol", "VARCHAR"), ("sum_open_interest", "DOUBLE"), ("sum_open_interest_value", "DOUBLE"),
             ("count_toptrader_long_short_ratio", "DOUBLE"), ("sum_toptrader_long_short_ratio", "DOUBLE"), ("count_long_short_ratio", "DOUBLE"),
             ("sum_taker_long_short_vol_ratio", "DOUBLE")]),
        ["fundingRate"] = new("calc_time,funding_interval_hours,last_funding_rate",
            [("calc_time", "BIGINT"), ("funding_interval_hours", "INTEGER"), ("last_funding_rate", "DOUBLE")]),
        ["bookDepth"] = new("timestamp,percentage,depth,notional",
            [("timestamp", "TIMESTAMP"), ("percentage", "DOUBLE"), ("depth", "DOUBLE"), ("notional", "DOUBLE")]),
    };

    /// <inheritdoc />
    public string Kind => "binance-vision";

    /// <inheritdoc />
    public string Description => "Binance Vision USDⓈ-M files (.csv/.zip, with or without header): aggTrades, trades, klines, metrics, fundingRate, bookDepth.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => Parse(probe.FileName) is not null;

    /// <summary>Symbol, data kind (klines for an interval name) and interval from a Binance Vision file name.</summary>
    internal static (string Symbol, string Kind, string? Interval)? Parse(string fileName)
    {
        var m = FileName().Match(fileName);
        if (!m.Success) return null;
        var kind = m.Groups[2].Value;
        return IntervalName().IsMatch(kind) ? (m.Groups[1].Value, "klines", kind) : (m.Groups[1].Value, kind, null);
    }

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var name = Parse(context.Probe.FileName)
            ?? throw new IngestException(context.Path, "the file name is not a Binance Vision name (<SYMBOL>-<kind>-<date>.csv|zip).");
        var format = Formats[name.Kind];
        var hasHeader = context.Probe.HasHeader;
        if (hasHeader && context.Probe.FirstLine!.Trim() != format.Header)
            throw new IngestException(context.Path, $"line 1: expected the {name.Kind} header '{format.Header}', found '{context.Probe.FirstLine.Trim()}'.");
        using var csv = ImportFiles.Materialize(context.Path, context.ArchiveLimits);
        var columns = string.Join(", ", format.Columns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(c.Type)}"));
        var src = $"read_csv({LabStore.Literal(csv.CsvPath)}, header = {(hasHeader ? "true" : "false")}, auto_detect = false, delim = ',', " +
                  $"quote = '\"', columns = {{{columns}}})";
        var symbol = LabStore.Literal(name.Symbol);
        var epochColumn = name.Kind switch
        {
            "aggTrades" => "transact_time", "trades" => "time", "klines" => "open_time", "fundingRate" => "calc_time", _ => null,
        };
        var unit = epochColumn is null ? EpochUnit.Milliseconds
            : EpochUnits.Detect(context.Probe.Head, hasHeader, Array.FindIndex(format.Columns, c => c.Name == epochColumn)) ?? EpochUnit.Milliseconds;
        string Epoch(string column) => EpochUnits.ToTimestampSql(column, unit);
        // Times outside TimeBounds (another epoch unit, year 9999, negative) are refused by the row rules, naming the line:
        // DirectTable for the bulk kinds, TimeSeriesWriter for the keyed ones.
        return ImportKind(context, name, src, symbol, Epoch, hasHeader, unit);
    }

    private static ImportOutcome ImportKind(ImportContext context, (string Symbol, string Kind, string? Interval) name, string src, string symbol,
        Func<string, string> Epoch, bool hasHeader, EpochUnit unit)
    {
        var store = context.Store;
        var id = context.FileId;
        // The small keyed files are staged with their CSV line, so a bad value is reported with it.
        var lined = $"(SELECT *, row_number() OVER () + {(hasHeader ? 1 : 0)} AS source_line FROM {src})";
        var direct = new DirectTable(context, src, hasHeader, unit);
        switch (name.Kind)
        {
            case "aggTrades":
                return direct.Insert("agg_trades_data", "transact_time",
                    $"INSERT INTO agg_trades_data ({AggTradeRow.Table.ColumnList}) SELECT {store.SeriesId(Venue, name.Symbol)}, agg_trade_id, price, quantity, first_trade_id, last_trade_id, " +
                    $"{Epoch("transact_time")}, is_buyer_maker, {id} FROM {src}",
                    new() { ["transact_time"] = ("transact_time", Epoch("transact_time")), ["price"] = ("price", "price"), ["quantity"] = ("quantity", "quantity"),
                            ["is_buyer_maker"] = ("is_buyer_maker", "is_buyer_maker") });
            case "trades":
                return direct.Insert("trades_data", "transact_time",
                    $"INSERT INTO trades_data ({TradeRow.Table.ColumnList}) SELECT {store.SeriesId(Venue, name.Symbol)}, id, price, qty, quote_qty, {Epoch("time")}, is_buyer_maker, NULL, {id} FROM {src}",
                    new() { ["transact_time"] = ("time", Epoch("time")), ["price"] = ("price", "price"), ["quantity"] = ("qty", "qty"),
                            ["quote_quantity"] = ("quote_qty", "quote_qty"), ["is_buyer_maker"] = ("is_buyer_maker", "is_buyer_maker") });
            case "bookDepth":
                return direct.Insert("book_depth_bands", "time",
                    $"INSERT INTO book_depth_bands ({StoreTables.BookDepthBands.ColumnList}) SELECT '{Venue}', {symbol}, timestamp, percentage, depth, notional, {id} FROM {src}",
                    new() { ["time"] = ("timestamp", "timestamp"), ["percentage"] = ("percentage", "percentage"), ["depth"] = ("depth", "depth"), ["notional"] = ("notional", "notional") });
            case "klines":
                return TimeSeriesWriter.Outcome(
                [
                    TimeSeriesWriter.Merge(context, "klines",
                        $"SELECT '{Venue}' AS venue, {symbol} AS symbol, 'perp' AS market, {Sql.Literal(name.Interval!)} AS interval, {Epoch("open_time")} AS open_time, " +
                        $"open, high, low, close, volume, quote_volume, count AS trade_count, taker_buy_volume, taker_buy_quote_volume, source_line FROM {lined}",
                        ["venue", "symbol", "market", "interval", "open_time", "open", "high", "low", "close", "volume", "quote_volume", "trade_count",
                         "taker_buy_volume", "taker_buy_quote_volume"],
                        ["venue", "symbol", "market", "interval", "open_time"], "open_time", "source_line", new Dictionary<string, string> { ["trade_count"] = "count" }),
                ]);
            case "fundingRate":
                return TimeSeriesWriter.Outcome(
                [
                    TimeSeriesWriter.Merge(context, "funding_rates",
                        $"SELECT '{Venue}' AS venue, {symbol} AS symbol, 'binance-fundingRate' AS source, funding_interval_hours || 'h' AS interval, " +
                        $"{Epoch("calc_time")} AS funding_time, last_funding_rate AS funding_rate, source_line FROM {lined}",
                        ["venue", "symbol", "source", "interval", "funding_time", "funding_rate"], ["venue", "symbol", "source", "funding_time"], "funding_time",
                        "source_line", new Dictionary<string, string> { ["funding_time"] = "calc_time", ["funding_rate"] = "last_funding_rate" }),
                ]);
            default: // metrics
                string Ratio(string kind, string column) =>
                    $"SELECT '{Venue}' AS venue, symbol, '{kind}' AS kind, '5m' AS interval, create_time AS time, {column} AS ratio, source_line FROM {lined}";
                string[] ratioColumns = ["venue", "symbol", "kind", "interval", "time", "ratio"];
                string[] ratioKeys = ["venue", "symbol", "kind", "interval", "time"];
                Dictionary<string, string> Fields(string column) => new() { ["time"] = "create_time", ["ratio"] = column };
                return TimeSeriesWriter.Outcome(
                [
                    TimeSeriesWriter.Merge(context, "open_interest",
                        $"SELECT '{Venue}' AS venue, symbol, 'binance-metrics' AS source, '5m' AS interval, create_time AS time, " +
                        $"sum_open_interest AS oi_base, sum_open_interest_value AS oi_usd, source_line FROM {lined}",
                        ["venue", "symbol", "source", "interval", "time", "oi_base", "oi_usd"], ["venue", "symbol", "source", "interval", "time"], "time",
                        "source_line", new Dictionary<string, string> { ["time"] = "create_time", ["oi_base"] = "sum_open_interest", ["oi_usd"] = "sum_open_interest_value" }),
                    TimeSeriesWriter.Merge(context, "long_short_ratios", Ratio("top_trader_account", "count_toptrader_long_short_ratio"), ratioColumns, ratioKeys, "time",
                        "source_line", Fields("count_toptrader_long_short_ratio")),
                    TimeSeriesWriter.Merge(context, "long_short_ratios", Ratio("top_trader_position", "sum_toptrader_long_short_ratio"), ratioColumns, ratioKeys, "time",
                        "source_line", Fields("sum_toptrader_long_short_ratio")),
                    TimeSeriesWriter.Merge(context, "long_short_ratios", Ratio("global_account", "count_long_short_ratio"), ratioColumns, ratioKeys, "time",
                        "source_line", Fields("count_long_short_ratio")),
                    TimeSeriesWriter.Merge(context, "long_short_ratios", Ratio("taker_volume", "sum_taker_long_short_vol_ratio"), ratioColumns, ratioKeys, "time",
                        "source_line", Fields("sum_taker_long_short_vol_ratio")),
                ]);
        }
    }

    /// <summary>
    /// A bulk table written straight from <c>read_csv</c> (millions of rows: no staging, no row numbers). Its rows are checked
    /// against <see cref="RowRules"/> after the insert (one columnar scan); only when one fails is the CSV read again with
    /// row numbers to name the line and the file's own field.
    /// </summary>
    private sealed class DirectTable(ImportContext context, string src, bool hasHeader, EpochUnit unit)
    {
        public ImportOutcome Insert(string table, string timeColumn, string insertSql, Dictionary<string, (string Field, string Expression)> fields)
        {
            var store = context.Store;
            int rows;
            try
            {
                rows = store.Execute(insertSql);
            }
            catch (DuckDB.NET.Data.DuckDBException e) when (NotNull().Match(e.Message) is { Success: true } m && fields.TryGetValue(m.Groups[1].Value, out var f))
            {
                // The transaction is aborted now: the line is looked up on a connection of its own.
                var line = Line($"{f.Expression} IS NULL");
                var where = line is null ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line}: ");
                if (m.Groups[1].Value == timeColumn && f.Expression != f.Field && line is not null && Raw(f.Field, line.Value) is { Length: > 0 } raw)
                    throw new IngestException(context.Path, $"{where}field {f.Field}: {raw} read in {EpochUnits.Name(unit)} (the unit of the file's first row) is no time a timestamp can hold.", e);
                throw new IngestException(context.Path, $"{where}field {f.Field}: is missing (the field is required).", e);
            }
            context.CheckedTables.Add(table);
            // One aggregate gives the time span and whether any row breaks a rule; the offending row is only looked up then.
            DateTime? first = null, last = null;
            bool broken;
            using (var cmd = store.Command($"SELECT {RowRules.AggregatePredicate(table)}, min({timeColumn}), max({timeColumn}) FROM {table} WHERE file_id = $1", context.FileId))
            using (var r = cmd.ExecuteReader())
            {
                r.Read();
                broken = !r.GetBoolean(0);
                // Only read when every time is within TimeBounds: a DuckDB timestamp past year 9999 is no .NET DateTime.
                if (!broken && !r.IsDBNull(1)) (first, last) = (r.GetDateTime(1), r.GetDateTime(2));
            }
            if (broken && RowRules.FirstViolation(store, table, $"file_id = {context.FileId}") is { } bad)
            {
                var rule = RowRules.For(table).First(r => r.Column == bad.Column);
                var (field, expression) = fields.TryGetValue(bad.Column, out var f) ? f : (bad.Column, bad.Column);
                var line = Line($"NOT {RowRules.Predicate(rule, expression)}");
                var where = line is null ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line}: ");
                if (rule.Rule == ValueRule.Time && line is not null && expression != field)
                {
                    // An epoch: show the file's text and the unit it was read in.
                    throw new IngestException(context.Path, $"{where}field {field}: {Raw(field, line.Value)} read in {EpochUnits.Name(unit)} (the unit of the file's first row) {bad.Problem}.");
                }
                throw new IngestException(context.Path, $"{where}field {field}: {bad.Value} {bad.Problem}.");
            }
            return new ImportOutcome(rows, first, last, $"{table.Replace("_data", "", StringComparison.Ordinal)} +{rows}");
        }

        // Error path only: the CSV read again with row numbers, on a throwaway in-memory connection (the file's transaction
        // may be aborted).
        private long? Line(string predicate) => OnSide<long?>(
            $"SELECT min(source_line) FROM (SELECT *, row_number() OVER () + {(hasHeader ? 1 : 0)} AS source_line FROM {src}) WHERE {predicate}");

        private string? Raw(string field, long line) => OnSide<string?>(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"SELECT CAST({Sql.Identifier(field)} AS VARCHAR) FROM (SELECT *, row_number() OVER () + {(hasHeader ? 1 : 0)} AS source_line FROM {src}) WHERE source_line = {line}"));

        private static T? OnSide<T>(string sql)
        {
            using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            var value = cmd.ExecuteScalar();
            return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"NOT NULL constraint failed: \w+\.(\w+)")]
    private static partial Regex NotNull();

    [GeneratedRegex(@"^([A-Z0-9_]+)-(aggTrades|trades|metrics|fundingRate|bookDepth|\d+[smhdwM])-(\d{4}-\d{2}(?:-\d{2})?)(?:\.[a-z]+)?\.(?:csv|zip)$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^\d+[smhdwM]$")]
    private static partial Regex IntervalName();

    /// <summary>USD value of one contract of a Binance COIN-M perpetual (BTCUSD_PERP 100, the others 10), or null for USDⓈ-M symbols.</summary>
    internal static decimal? CoinMarginedContractUsd(string symbol) =>
        symbol.EndsWith("USD_PERP", StringComparison.Ordinal) || symbol.Contains("USD_", StringComparison.Ordinal)
            ? symbol.StartsWith("BTCUSD", StringComparison.Ordinal) ? 100m : 10m
            : null;
}
