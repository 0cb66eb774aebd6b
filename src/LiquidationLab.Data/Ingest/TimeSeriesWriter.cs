using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>Rows one projection wrote.</summary>
/// <param name="Table">Target table.</param>
/// <param name="Inserted">Rows inserted.</param>
/// <param name="Replaced">Existing rows (same key, from a file whose data ends earlier) replaced by this file's.</param>
/// <param name="KeptExisting">Rows of this file not inserted because a file whose data ends later already holds the key.</param>
/// <param name="FirstTime">Earliest time written.</param>
/// <param name="LastTime">Latest time written.</param>
public sealed record MergeCounts(string Table, long Inserted, long Replaced, long KeptExisting, DateTime? FirstTime, DateTime? LastTime);

/// <summary>
/// Writes keyed time series (klines, open interest, funding, liquidation totals, ratios) so that overlapping files
/// — e.g. successive exports of the same rolling window — do not duplicate rows: for a key present in both, the
/// row from the file whose data ends later wins (it was exported later, so its last candle is closed).
/// </summary>
internal static class TimeSeriesWriter
{
    /// <summary>Stages <paramref name="selectSql"/> (columns named as in <paramref name="columns"/>) and merges it.</summary>
    public static MergeCounts Merge(LabStore store, string table, string selectSql, IReadOnlyList<string> columns, IReadOnlyList<string> keys, string timeColumn, long fileId)
    {
        var staged = $"staged_{table}";
        var cols = string.Join(", ", columns);
        store.Execute($"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT {cols} FROM ({selectSql})");
        try
        {
            var first = store.Scalar<DateTime?>($"SELECT min({timeColumn}) FROM {staged}");
            var last = store.Scalar<DateTime?>($"SELECT max({timeColumn}) FROM {staged}");
            var total = store.Scalar<long>($"SELECT count(*) FROM {staged}");
            if (total == 0) return new MergeCounts(table, 0, 0, 0, null, null);
            var on = string.Join(" AND ", keys.Select(k => $"t.{k} IS NOT DISTINCT FROM s.{k}"));
            var replaced = store.Execute(
                $"DELETE FROM {table} t USING {staged} s, ingest_log l WHERE {on} AND l.id = t.file_id AND (l.last_time IS NULL OR l.last_time < $1)",
                last);
            var inserted = store.Execute(
                $"INSERT INTO {table} ({cols}, file_id) SELECT {string.Join(", ", columns.Select(c => "s." + c))}, {fileId} FROM {staged} s " +
                $"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.file_id <> {fileId} AND {on})");
            return new MergeCounts(table, inserted, replaced, total - inserted, first, last);
        }
        finally
        {
            store.ExecuteCleanup($"DROP TABLE IF EXISTS {staged}");
        }
    }

    /// <summary>Combines per-table counts into an <see cref="ImportOutcome"/>.</summary>
    public static ImportOutcome Outcome(IReadOnlyList<MergeCounts> counts, string? note = null)
    {
        var rows = counts.Sum(c => c.Inserted);
        var first = counts.Where(c => c.FirstTime is not null).Select(c => c.FirstTime).DefaultIfEmpty().Min();
        var last = counts.Where(c => c.LastTime is not null).Select(c => c.LastTime).DefaultIfEmpty().Max();
        var detail = string.Join("; ", counts.Select(c =>
            $"{c.Table} +{c.Inserted}" + (c.Replaced > 0 ? $" (replaced {c.Replaced})" : "") + (c.KeptExisting > 0 ? $" (kept {c.KeptExisting} newer existing)" : "")));
        if (note is not null) detail += "; " + note;
        return new ImportOutcome(rows, first, last, detail);
    }
}
