using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Validation;

/// <summary>How serious a finding is.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing (e.g. gaps in a series: exchanges and exports have them); not a failure.</summary>
    Warning,

    /// <summary>The data is wrong (non-positive prices, crossed books, conflicting duplicates…): validation fails.</summary>
    Error,
}

/// <summary>One validation finding.</summary>
/// <param name="Severity">Warning or error.</param>
/// <param name="Table">Table checked.</param>
/// <param name="Check">What was checked.</param>
/// <param name="Count">How many rows (or gaps, or books) violate it.</param>
/// <param name="Example">One offending case, for a human to look at.</param>
public sealed record Finding(FindingSeverity Severity, string Table, string Check, long Count, string Example);

/// <summary>
/// The seed's validate step over the store: gaps, duplicates, non-positive prices or sizes, inconsistent OHLC,
/// non-monotonic time, crossed books. Each check is one SQL query; only checks with a non-zero count are reported.
/// </summary>
public static class StoreValidator
{
    private sealed record Check(FindingSeverity Severity, string Table, string Name, string CountSql, string ExampleSql);

    private static Check Gaps(string table, string series, string time, string where = "true") => new(FindingSeverity.Warning, table,
        $"gaps: consecutive {time} more than 1.5 intervals apart (tolerates settlement jitter)",
        $"SELECT count(*) FROM (SELECT {time} - lag({time}) OVER (PARTITION BY {series} ORDER BY {time}) AS d, interval AS i FROM {table} WHERE {where}) WHERE epoch(d) > 1.5 * epoch(CAST(i AS INTERVAL))",
        $"SELECT concat_ws(' ', {series}, 'after', prev, 'next', t) FROM (SELECT *, {time} AS t, lag({time}) OVER (PARTITION BY {series} ORDER BY {time}) AS prev FROM {table} WHERE {where}) WHERE epoch(t - prev) > 1.5 * epoch(CAST(interval AS INTERVAL)) LIMIT 1");

    private static Check Duplicates(string table, string key, string values) => new(FindingSeverity.Error, table,
        $"duplicates: same ({key}) with different values",
        $"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} HAVING count(DISTINCT ({values})) > 1)",
        $"SELECT concat_ws(' ', {key}) FROM {table} GROUP BY {key} HAVING count(DISTINCT ({values})) > 1 LIMIT 1");

    private static Check Where(FindingSeverity severity, string table, string name, string predicate, string example) => new(severity, table, name,
        $"SELECT count(*) FROM {table} WHERE {predicate}",
        $"SELECT {example} FROM {table} WHERE {predicate} LIMIT 1");

    // Runs of one repeated open-interest value (gaps and islands: a new island starts wherever the value changes); flagged
    // from FrozenRuns.OpenInterestMinSamples samples spanning FrozenRuns.OpenInterestMinDuration (see that type's remarks).
    private const string OiRuns =
        "SELECT venue, symbol, source, interval, oi_usd, count(*) AS n, min(time) AS first, max(time) AS last FROM (" +
        "SELECT *, sum(CASE WHEN oi_usd IS NOT DISTINCT FROM prev THEN 0 ELSE 1 END) OVER (PARTITION BY venue, symbol, source, interval ORDER BY time) AS island " +
        "FROM (SELECT *, lag(oi_usd) OVER (PARTITION BY venue, symbol, source, interval ORDER BY time) AS prev FROM open_interest WHERE oi_usd IS NOT NULL)) " +
        "GROUP BY venue, symbol, source, interval, island, oi_usd HAVING count(*) >= 12 AND max(time) - min(time) >= INTERVAL 1 HOUR";

    private static readonly Check[] Checks =
    [
        Where(FindingSeverity.Error, "klines", "non-positive price", "least(open, high, low, close) <= 0", "concat_ws(' ', symbol, interval, open_time)"),
        Where(FindingSeverity.Error, "klines", "inconsistent OHLC (high < low, or open/close outside [low, high])",
            "high < low OR open > high OR open < low OR close > high OR close < low", "concat_ws(' ', symbol, interval, open_time, open, high, low, close)"),
        Duplicates("klines", "venue, symbol, market, interval, open_time", "open, high, low, close"),
        Gaps("klines", "venue, symbol, market, interval", "open_time"),
        Where(FindingSeverity.Error, "open_interest", "non-positive open interest", "oi_usd <= 0 OR oi_base <= 0", "concat_ws(' ', symbol, venue, interval, time)"),
        Duplicates("open_interest", "venue, symbol, source, interval, time", "oi_usd, oi_base"),
        new(FindingSeverity.Warning, "open_interest", "frozen: one value repeated for 12 or more samples spanning an hour or more (a source that stopped updating; readers expose it as FrozenSpan, heatmaps shade it)",
            $"SELECT count(*) FROM ({OiRuns})",
            $"SELECT concat_ws(' ', symbol, source, interval, n || ' identical values', first, '→', last) FROM ({OiRuns}) ORDER BY n DESC LIMIT 1"),
        Gaps("open_interest", "venue, symbol, source, interval", "time"),
        Duplicates("funding_rates", "venue, symbol, source, funding_time", "funding_rate"),
        Gaps("funding_rates", "venue, symbol, source, interval", "funding_time", "interval IS NOT NULL"),
        Where(FindingSeverity.Error, "liquidation_totals", "negative liquidation volume", "long_usd < 0 OR short_usd < 0", "concat_ws(' ', exchange_scope, interval, period_start)"),
        Duplicates("liquidation_totals", "source, exchange_scope, symbol, interval, period_start", "long_usd, short_usd"),
        Gaps("liquidation_totals", "source, exchange_scope, symbol, interval", "period_start"),
        Where(FindingSeverity.Error, "trades", "non-positive price or quantity", "price <= 0 OR quantity <= 0", "concat_ws(' ', symbol, trade_id)"),
        Duplicates("trades", "venue, symbol, trade_id", "price, quantity, transact_time"),
        new(FindingSeverity.Error, "trades", "non-monotonic time: a later trade id with an earlier transact time",
            "SELECT count(*) FROM (SELECT transact_time < lag(transact_time) OVER (PARTITION BY venue, symbol ORDER BY trade_id) AS back FROM trades) WHERE back",
            "SELECT concat_ws(' ', symbol, trade_id) FROM (SELECT *, transact_time < lag(transact_time) OVER (PARTITION BY venue, symbol ORDER BY trade_id) AS back FROM trades) WHERE back LIMIT 1"),
        Where(FindingSeverity.Error, "agg_trades", "non-positive price or quantity", "price <= 0 OR quantity <= 0", "concat_ws(' ', symbol, agg_trade_id)"),
        Where(FindingSeverity.Error, "liquidation_orders", "non-positive price or quantity", "price <= 0 OR quantity <= 0", "concat_ws(' ', symbol, time)"),
        new(FindingSeverity.Warning, "recording_gaps", "spans a live recording missed (disconnections, depth-sequence breaks, missing markPrice seconds, malformed frames)",
            "SELECT count(*) FROM recording_gaps",
            "SELECT concat_ws(' ', symbol, stream, kind, gap_start, '→', gap_end, detail) FROM recording_gaps ORDER BY gap_end - gap_start DESC LIMIT 1"),
        new(FindingSeverity.Warning, "recording_rejects", "messages a live recording set aside (kept raw, not stored): bad values, unexpected streams, oversized frames",
            "SELECT count(*) FROM recording_rejects",
            "SELECT concat_ws(' ', coalesce(stream, '(no stream)'), received_at, problem) FROM recording_rejects ORDER BY received_at LIMIT 1"),
        Where(FindingSeverity.Error, "book_snapshots", "non-positive price or size", "price <= 0 OR size <= 0", "concat_ws(' ', venue, instrument_id, time, side, level)"),
        new(FindingSeverity.Error, "book_snapshots", "crossed book: best bid ≥ best ask",
            "SELECT count(*) FROM (SELECT max(price) FILTER (WHERE side = 'bid') AS bid, min(price) FILTER (WHERE side = 'ask') AS ask FROM book_snapshots GROUP BY venue, instrument_id, time, file_id) WHERE bid >= ask",
            "SELECT concat_ws(' ', venue, instrument_id, time, 'bid', bid, 'ask', ask) FROM (SELECT venue, instrument_id, time, max(price) FILTER (WHERE side = 'bid') AS bid, min(price) FILTER (WHERE side = 'ask') AS ask FROM book_snapshots GROUP BY venue, instrument_id, time, file_id) WHERE bid >= ask LIMIT 1"),
        Where(FindingSeverity.Error, "book_trades", "non-positive price or size", "price <= 0 OR size <= 0", "concat_ws(' ', venue, instrument_id, time)"),
    ];

    // Conflicts: a key for which two files gave different values. The revision tables hold the row not in the table.
    private static IEnumerable<Check> Conflicts() => Schema.RevisedTables.SelectMany(t =>
    {
        var keys = Schema.SeriesKeys[t];
        var r = Schema.RevisionTable(t);
        var on = string.Join(" AND ", keys.Select(k => $"t.{k} IS NOT DISTINCT FROM r.{k}"));
        var values = ValueColumns(t);
        string Example(string status) =>
            $"SELECT concat_ws(' ', {string.Join(", ", keys.Select(k => "r." + k))}, ': stored', {string.Join(", ", values.Select(v => $"'{v}=' || coalesce(CAST(t.{v} AS VARCHAR), 'NULL')"))}, " +
            $"'from', lt.file_path, '; other', {string.Join(", ", values.Select(v => $"'{v}=' || coalesce(CAST(r.{v} AS VARCHAR), 'NULL')"))}, 'from', lr.file_path) " +
            $"FROM {r} r JOIN {t} t ON {on} JOIN ingest_log lt ON lt.id = t.file_id JOIN ingest_log lr ON lr.id = r.file_id WHERE r.status = '{status}' ORDER BY r.rowid LIMIT 1";
        return new[]
        {
            new Check(FindingSeverity.Warning, t, $"conflicts kept: another file gave different values for a stored key; the stored row stayed, the other is in {r} (ingest it with --replace to make it win)",
                $"SELECT count(*) FROM {r} WHERE status = 'kept'", Example("kept")),
            new Check(FindingSeverity.Warning, t, $"conflicts replaced: a file replaced stored values (--replace); the old rows are in {r} (`data revert FILE` restores them)",
                $"SELECT count(*) FROM {r} WHERE status = 'replaced'", Example("replaced")),
        };
    });

    private static string[] ValueColumns(string table) => table switch
    {
        "klines" => ["open", "high", "low", "close", "volume"],
        "open_interest" => ["oi_usd", "oi_base"],
        "funding_rates" => ["funding_rate"],
        "liquidation_totals" => ["long_usd", "short_usd"],
        _ => ["long_fraction", "short_fraction", "ratio"],
    };

    private static IEnumerable<Check> ExchangeIds() =>
    [
        Repeated("agg_trades", "venue, symbol, agg_trade_id", "agg_trade_id IS NOT NULL"),
        Repeated("trades", "venue, symbol, trade_id", "trade_id IS NOT NULL"),
        Repeated("liquidation_orders", "venue, symbol, trade_id", "trade_id IS NOT NULL"),
        Repeated("book_trades", "venue, instrument_id, trade_id", "trade_id IS NOT NULL"),
        Repeated("book_snapshots", "venue, instrument_id, time, side, level", "true"),
    ];

    private static Check Repeated(string table, string key, string where) => new(FindingSeverity.Error, table,
        $"counted twice: ({key}) stored more than once (an exchange identifier names one event)",
        $"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} GROUP BY {key} HAVING count(*) > 1)",
        $"SELECT concat_ws(' ', {key}, '×', count(*)) FROM {table} WHERE {where} GROUP BY {key} HAVING count(*) > 1 LIMIT 1");

    /// <summary>Runs every check; returns the findings with a non-zero count, errors first.</summary>
    public static IReadOnlyList<Finding> Validate(LabStore store)
    {
        var findings = new List<Finding>();
        foreach (var c in Checks.Concat(ExchangeIds()).Concat(Conflicts()))
        {
            var count = store.Scalar<long>(c.CountSql);
            if (count == 0) continue;
            findings.Add(new Finding(c.Severity, c.Table, c.Name, count, store.Scalar<string?>(c.ExampleSql) ?? ""));
        }
        return findings.OrderByDescending(f => f.Severity).ToList();
    }
}
