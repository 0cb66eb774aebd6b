using System.Globalization;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>The range of times a market-data row may carry.</summary>
public static class TimeBounds
{
    /// <summary>2009-01-03 UTC, the Bitcoin genesis block: no crypto market data is older.</summary>
    public static readonly DateTime Earliest = new(2009, 1, 3, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>How far past the wall clock a time may lie: 1 hour (clock skew between the exchange, the recorder and this machine).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromHours(1);

    /// <summary>The latest acceptable time now: the wall clock plus <see cref="FutureTolerance"/>.</summary>
    public static DateTime Latest => DateTime.UtcNow + FutureTolerance;

    /// <summary>True when <paramref name="time"/> (UTC) lies in <see cref="Earliest"/> … <see cref="Latest"/>.</summary>
    public static bool Contains(DateTime time) => time >= Earliest && time <= Latest;

    /// <summary>The sentence used when a time is refused.</summary>
    public static string Describe(DateTime time) => Describe(time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture));

    /// <summary>The sentence used when a time, given as text (it may lie beyond what .NET can hold), is refused.</summary>
    public static string Describe(string time) => string.Create(CultureInfo.InvariantCulture,
        $"{time} UTC is outside {Earliest:yyyy-MM-dd} … now + {FutureTolerance.TotalHours:0} h (a wrong epoch unit, a placeholder date or a corrupt value)");
}

/// <summary>What a value of a column must be.</summary>
public enum ValueRule
{
    /// <summary>A finite number &gt; 0 (prices, trade sizes).</summary>
    Positive,

    /// <summary>A finite number ≥ 0 (volumes, USD totals, open interest, ratios).</summary>
    NonNegative,

    /// <summary>A finite number of either sign.</summary>
    Finite,

    /// <summary>A funding rate: finite, strictly between −1 and 1 (−100 % … 100 % per interval; exchanges cap it at a few %).</summary>
    FundingRate,

    /// <summary>A depth band's distance from the mid in percent: finite, in −100 … 100.</summary>
    Percent,

    /// <summary>A UTC time in <see cref="TimeBounds"/>.</summary>
    Time,
}

/// <summary>One column's rule.</summary>
/// <param name="Column">Column of the table.</param>
/// <param name="Rule">What its values must be.</param>
/// <param name="Required">Whether NULL is refused.</param>
public sealed record ColumnRule(string Column, ValueRule Rule, bool Required = true);

/// <summary>A row that breaks a <see cref="ColumnRule"/>.</summary>
/// <param name="Table">The table.</param>
/// <param name="Column">The column.</param>
/// <param name="Value">The value as text (<c>NULL</c> when missing).</param>
/// <param name="Record">The row's identity (key columns and values) for a human to find it.</param>
/// <param name="Problem">What is wrong with the value.</param>
/// <param name="Line">The line of the file holding the row, when the importer knows it.</param>
public sealed record RuleViolation(string Table, string Column, string Value, string Record, string Problem, long? Line = null)
{
    /// <summary>The violation as one sentence (without the file).</summary>
    public override string ToString() =>
        (Line is { } line ? string.Create(CultureInfo.InvariantCulture, $"line {line} ({Record})") : Record) + $": field {Column}: {Value} {Problem}.";
}

/// <summary>
/// The values the store accepts, per table: prices and sizes finite and positive, volumes and USD totals finite and
/// non-negative, every number at most 10¹⁵ in magnitude (no market quantity comes near it; a 50-digit number or
/// <c>1e400</c> read as infinity does), funding rates within ±100 %, times within <see cref="TimeBounds"/>. The
/// <see cref="Ingestor"/> checks every file's rows against them inside the file's transaction, so a file holding one
/// impossible value is refused whole, naming the record and the field.
/// </summary>
public static class RowRules
{
    /// <summary>Largest magnitude accepted for any number: 10¹⁵.</summary>
    public const double MaxMagnitude = 1e15;

    private sealed record TableRules(string Describe, ColumnRule[] Columns);

    private static ColumnRule P(string c, bool required = true) => new(c, ValueRule.Positive, required);
    private static ColumnRule N(string c, bool required = false) => new(c, ValueRule.NonNegative, required);
    private static ColumnRule T(string c) => new(c, ValueRule.Time);

    private static readonly Dictionary<string, TableRules> Tables = new(StringComparer.Ordinal)
    {
        ["agg_trades_data"] = new("concat_ws(' ', 'agg_trade_id', agg_trade_id, 'at', transact_time)", [T("transact_time"), P("price"), P("quantity")]),
        ["trades_data"] = new("concat_ws(' ', 'trade_id', trade_id, 'at', transact_time)", [T("transact_time"), P("price"), P("quantity"), N("quote_quantity")]),
        ["klines"] = new("concat_ws(' ', symbol, market, interval, 'bar', open_time)",
            [T("open_time"), P("open"), P("high"), P("low"), P("close"), N("volume"), N("quote_volume"), N("trade_count"), N("taker_buy_volume"), N("taker_buy_quote_volume")]),
        ["open_interest"] = new("concat_ws(' ', symbol, source, interval, 'at', time)",
            [T("time"), N("oi_base"), N("oi_usd"), N("oi_usd_open"), N("oi_usd_high"), N("oi_usd_low")]),
        ["funding_rates"] = new("concat_ws(' ', symbol, source, 'at', funding_time)",
            [T("funding_time"), new("funding_rate", ValueRule.FundingRate), P("mark_price", required: false)]),
        ["liquidation_totals"] = new("concat_ws(' ', symbol, exchange_scope, interval, 'period', period_start)",
            [T("period_start"), N("long_usd", true), N("short_usd", true)]),
        ["liquidation_orders"] = new("concat_ws(' ', symbol, side, 'at', time, 'trade_id', trade_id)", [T("time"), P("price"), P("quantity"), P("average_price", required: false), P("filled_quantity", required: false)]),
        ["peer_liquidation_bands"] = new("concat_ws(' ', source, symbol, 'report', report_time, 'band', band, liquidated_side)", [T("report_time"), P("reference_price"), P("price"), N("notional_usd", true)]),
        ["position_levels"] = new("concat_ws(' ', venue, source, coin, side, 'at', time)",
            [T("time"), P("size"), N("notional_usd"), P("entry_price"), P("leverage", required: false), P("liquidation_price", required: false)]),
        ["position_level_buckets"] = new("concat_ws(' ', source, coin, liquidated_side, 'at', time, 'price', price, 'class', leverage_class)",
            [T("time"), P("reference_price"), P("price"), N("value_usd", true)]),
        ["book_snapshots"] = new("concat_ws(' ', instrument_id, 'at', time, side, 'level', level)", [T("time"), P("price"), P("size")]),
        ["book_trades"] = new("concat_ws(' ', instrument_id, 'at', time, 'trade_id', trade_id)", [T("time"), P("price"), P("size")]),
        ["book_depth_bands"] = new("concat_ws(' ', symbol, 'at', time, 'band', percentage)",
            [T("time"), new("percentage", ValueRule.Percent), N("depth", true), N("notional", true)]),
        ["long_short_ratios"] = new("concat_ws(' ', symbol, kind, interval, 'at', time)",
            [T("time"), N("long_fraction"), N("short_fraction"), N("ratio"), N("buy_volume"), N("sell_volume")]),
    };

    /// <summary>The rules of a table (empty for tables without any).</summary>
    public static IReadOnlyList<ColumnRule> For(string table) => Tables.TryGetValue(table, out var t) ? t.Columns : [];

    /// <summary>The tables that have rules.</summary>
    public static IEnumerable<string> RuledTables => Tables.Keys;

    /// <summary>
    /// SQL aggregate that is true (or NULL over no rows) when every row obeys every rule of <paramref name="table"/>, from each
    /// column's min, max and count: min/max skip NULLs and DuckDB orders NaN above every number, so a NaN or ±∞ shows in
    /// them. Much cheaper than evaluating <see cref="Predicate"/> row by row; the offending row is looked up only when it fails.
    /// </summary>
    public static string AggregatePredicate(string table)
    {
        if (!Tables.TryGetValue(table, out var t)) return "true";
        var max = MaxMagnitude.ToString("0", CultureInfo.InvariantCulture);
        return string.Join(" AND ", t.Columns.Select(c =>
        {
            var (lo, hi) = ($"min({c.Column})", $"max({c.Column})");
            var range = c.Rule switch
            {
                ValueRule.Positive => $"{lo} > 0 AND {hi} <= {max}",
                ValueRule.NonNegative => $"{lo} >= 0 AND {hi} <= {max}",
                ValueRule.Finite => $"{lo} >= -{max} AND {hi} <= {max}",
                ValueRule.FundingRate => $"{lo} > -1 AND {hi} < 1",
                ValueRule.Percent => $"{lo} >= -100 AND {hi} <= 100",
                _ => $"{lo} >= {TimestampLiteral(TimeBounds.Earliest)} AND {hi} <= {TimestampLiteral(TimeBounds.Latest)}",
            };
            // No non-NULL value: the range is vacuous (NULL → true); a required column must then have no rows at all.
            return $"coalesce({range}, true)" + (c.Required ? $" AND count({c.Column}) = count(*)" : "");
        }));
    }

    /// <summary>Whether every row of <paramref name="table"/> matching <paramref name="where"/> obeys the rules (one aggregate scan).</summary>
    public static bool Holds(LabStore store, string table, string where) =>
        !Tables.ContainsKey(table) || store.Scalar<bool>($"SELECT {AggregatePredicate(table)} FROM {table} WHERE {where}");

    /// <summary>SQL that is true when <paramref name="expression"/> satisfies <paramref name="rule"/> (NULL handled per <see cref="ColumnRule.Required"/>).</summary>
    public static string Predicate(ColumnRule rule, string expression)
    {
        var x = expression;
        var number = $"isfinite(CAST({x} AS DOUBLE)) AND abs(CAST({x} AS DOUBLE)) <= {MaxMagnitude.ToString("0", CultureInfo.InvariantCulture)}";
        var body = rule.Rule switch
        {
            ValueRule.Positive => $"{number} AND {x} > 0",
            ValueRule.NonNegative => $"{number} AND {x} >= 0",
            ValueRule.Finite => number,
            ValueRule.FundingRate => $"{number} AND abs({x}) < 1",
            ValueRule.Percent => $"{number} AND abs({x}) <= 100",
            _ => $"{x} BETWEEN {TimestampLiteral(TimeBounds.Earliest)} AND {TimestampLiteral(TimeBounds.Latest)}",
        };
        return rule.Required ? $"({x} IS NOT NULL AND {body})" : $"({x} IS NULL OR ({body}))";
    }

    private static string TimestampLiteral(DateTime t) => "TIMESTAMP " + Sql.Literal(t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));

    /// <summary>What a value breaking <paramref name="rule"/> is, in words.</summary>
    public static string Problem(ColumnRule rule, string value) => value == "NULL" && rule.Required
        ? rule.Rule == ValueRule.Time
            ? $"is missing or not a time (in the file's epoch unit) within {TimeBounds.Earliest:yyyy-MM-dd} … now + {TimeBounds.FutureTolerance.TotalHours:0} h"
            : "is missing (the field is required)"
        : rule.Rule switch
    {
        ValueRule.Positive => "is not a finite positive number of at most 1e15",
        ValueRule.NonNegative => "is not a finite non-negative number of at most 1e15",
        ValueRule.Finite => "is not a finite number of at most 1e15 in magnitude",
        ValueRule.FundingRate => "is not a funding rate (a finite fraction strictly between -1 and 1)",
        ValueRule.Percent => "is not a percentage in -100 … 100",
        _ => "(" + TimeBounds.Describe(value) + ")",
    };

    /// <summary>
    /// The first row (in insertion order) of <paramref name="table"/> whose <paramref name="where"/> holds and that breaks
    /// a rule, or <c>null</c>. One scan of the matching rows; the example row is only looked up when there is one.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="table">A table with rules (see <see cref="RuledTables"/>).</param>
    /// <param name="where">SQL selecting the rows to check, e.g. <c>file_id = 7</c> (trusted text).</param>
    /// <param name="relation">Where the rows are, when not in <paramref name="table"/> itself (a staging table with its columns).</param>
    /// <param name="lineColumn">A column of <paramref name="relation"/> holding each row's line in the file, if any.</param>
    public static RuleViolation? FirstViolation(LabStore store, string table, string where, string? relation = null, string? lineColumn = null)
    {
        if (!Tables.TryGetValue(table, out var rules)) return null;
        relation ??= table;
        var columns = store.Scalar<string>($"SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name = $1", relation).Split(',');
        var present = rules.Columns.Where(c => columns.Contains(c.Column)).ToArray();
        if (present.Length == 0) return null;
        var all = string.Join(" AND ", present.Select(c => Predicate(c, c.Column)));
        var flags = string.Join(", ", present.Select(c => $"NOT {Predicate(c, c.Column)}, CAST({c.Column} AS VARCHAR)"));
        var describe = relation == table || Describable(rules.Describe, columns) ? rules.Describe : "NULL";
        var line = lineColumn ?? "NULL";
        using var cmd = store.Command($"SELECT {describe}, {line}, {flags} FROM {relation} WHERE ({where}) AND NOT ({all}) ORDER BY {lineColumn ?? "rowid"} LIMIT 1");
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        for (var i = 0; i < present.Length; i++)
        {
            if (!r.GetBoolean(2 + 2 * i)) continue;
            var value = r.IsDBNull(3 + 2 * i) ? "NULL" : r.GetString(3 + 2 * i);
            return new RuleViolation(table, present[i].Column, value, r.IsDBNull(0) ? "a row" : r.GetString(0), Problem(present[i], value),
                r.IsDBNull(1) ? null : Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture));
        }
        return null;
    }

    // Whether every column the description names (its unquoted words but the function) exists in the relation: a staged
    // projection may lack some.
    private static bool Describable(string describe, string[] columns) =>
        System.Text.RegularExpressions.Regex.Matches(describe, @"(?<!')\b[a-z_]+\b(?!')").Select(m => m.Value)
            .All(w => w == "concat_ws" || columns.Contains(w));
}
