using System.Globalization;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest;

/// <summary>What happens when a file brings a different value for a key the store already holds.</summary>
public enum ConflictPolicy
{
    /// <summary>The stored value stays; the incoming row is kept in the table's revisions (status <c>kept</c>) and counted. The default.</summary>
    Keep,

    /// <summary>The incoming value wins; the stored row moves to the revisions (status <c>replaced</c>), so <c>liqlab data revert</c> can bring it back.</summary>
    Replace,
}

/// <summary>Rows one projection wrote.</summary>
/// <param name="Table">Target table.</param>
/// <param name="Inserted">Rows inserted (new keys, plus replacements under <see cref="ConflictPolicy.Replace"/>).</param>
/// <param name="AlreadyStored">Rows of the file whose key the store held with the same values: not written again.</param>
/// <param name="Conflicts">Rows of the file whose key the store held with different values and that did not supersede an unclosed bar: kept out (<see cref="ConflictPolicy.Keep"/>) or replacing the stored row (<see cref="ConflictPolicy.Replace"/>).</param>
/// <param name="Policy">What was done with the conflicts.</param>
/// <param name="FirstTime">Earliest time in the file.</param>
/// <param name="LastTime">Latest time in the file.</param>
/// <param name="SupersededUnclosed">Stored rows that were the last bar of their file, superseded by this file which continues past them.</param>
public sealed record MergeCounts(string Table, long Inserted, long AlreadyStored, long Conflicts, ConflictPolicy Policy, DateTime? FirstTime, DateTime? LastTime, long SupersededUnclosed = 0);

/// <summary>
/// Writes keyed time series (klines, open interest, funding, liquidation totals, ratios). A key the store does not hold is
/// inserted; one it holds with the same values is a re-delivery (successive exports of a rolling window overlap) and is
/// skipped; one it holds with different values is a conflict and is never replaced silently: by default the stored value
/// stays and the incoming row is kept in <c>&lt;table&gt;_revisions</c>; with <see cref="ConflictPolicy.Replace"/> the
/// incoming value wins and the stored row moves there. Either way both values and their files can be traced, <c>data
/// validate</c> lists the conflicts and <c>data revert</c> undoes a file. Before anything is written the file's rows are
/// checked against <see cref="RowRules"/> and for keys repeated within the file, naming the line.
/// </summary>
internal static class TimeSeriesWriter
{
    /// <summary>Stages <paramref name="selectSql"/> (columns named as in <paramref name="columns"/>, plus <paramref name="lineColumn"/> if given) and merges it.</summary>
    /// <param name="context">The file's import context (store, file id, conflict policy).</param>
    /// <param name="table">Target table (one of <see cref="Schema.RevisedTables"/>).</param>
    /// <param name="selectSql">The file's rows, one column per entry of <paramref name="columns"/>.</param>
    /// <param name="columns">Target columns.</param>
    /// <param name="keys">The columns identifying a row of the series.</param>
    /// <param name="timeColumn">The time column.</param>
    /// <param name="lineColumn">A column of <paramref name="selectSql"/> giving each row's line in the file, if known.</param>
    /// <param name="fields">The file's field behind a column, where its name differs, for messages.</param>
    public static MergeCounts Merge(ImportContext context, string table, string selectSql, IReadOnlyList<string> columns, IReadOnlyList<string> keys,
        string timeColumn, string? lineColumn = null, IReadOnlyDictionary<string, string>? fields = null)
    {
        context.CheckedTables.Add(table);
        var store = context.Store;
        var fileId = context.FileId.ToString(CultureInfo.InvariantCulture);
        var staged = $"staged_{table}";
        var cols = string.Join(", ", columns);
        // Staged with the table's own column types (a NULL literal would otherwise stage as INTEGER).
        var types = StoreTables.Named(table).Columns.ToDictionary(c => c.Name, c => c.DataType, StringComparer.Ordinal);
        var typed = string.Join(", ", columns.Select(c => $"CAST({c} AS {types[c]}) AS {c}"));
        store.Execute($"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT {typed}{(lineColumn is null ? "" : ", " + lineColumn)} FROM ({selectSql})");
        try
        {
            var total = store.Scalar<long>($"SELECT count(*) FROM {staged}");
            if (total == 0) return new MergeCounts(table, 0, 0, 0, context.ConflictPolicy, null, null);
            if (RowRules.FirstViolation(store, table, "true", staged, lineColumn) is { } bad)
                throw new IngestException(context.Path, (fields is not null && fields.TryGetValue(bad.Column, out var field) ? bad with { Column = field } : bad).ToString());
            // Read after the rules: every time is now within TimeBounds, so .NET can hold it.
            var first = store.Scalar<DateTime?>($"SELECT min({timeColumn}) FROM {staged}");
            var last = store.Scalar<DateTime?>($"SELECT max({timeColumn}) FROM {staged}");
            RemoveRepeatsWithinFile(context, staged, keys, columns, lineColumn);

            var on = string.Join(" AND ", keys.Select(k => $"t.{k} IS NOT DISTINCT FROM s.{k}"));
            var values = columns.Where(c => !keys.Contains(c)).ToList();
            var same = values.Count == 0 ? "true" : string.Join(" AND ", values.Select(v => $"t.{v} IS NOT DISTINCT FROM s.{v}"));
            var stagedColumns = string.Join(", ", columns.Select(c => "s." + c));
            var tableColumns = string.Join(", ", columns.Select(c => "t." + c));
            var revisions = Schema.RevisionTable(table);
            var alreadyStored = store.Scalar<long>($"SELECT count(*) FROM {staged} s WHERE EXISTS (SELECT 1 FROM {table} t WHERE {on} AND {same})");
            var conflicts = store.Scalar<long>($"SELECT count(*) FROM {staged} s WHERE EXISTS (SELECT 1 FROM {table} t WHERE {on} AND NOT ({same}))");
            long inserted = 0, unclosed = 0;
            if (conflicts > 0)
            {
                // The last bar of an export was still open when it was exported: a file that continues past it supersedes
                // it (recorded as 'unclosed'); this file's own last bar, where a stored file continues past it, loses.
                var fileLast = Sql.Literal(last!.Value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                var storedUnclosed = $"t.{timeColumn} = (SELECT l.last_time FROM ingest_log l WHERE l.id = t.file_id) AND t.{timeColumn} < TIMESTAMP {fileLast}";
                var incomingUnclosed = $"s.{timeColumn} = TIMESTAMP {fileLast} AND t.{timeColumn} < (SELECT l.last_time FROM ingest_log l WHERE l.id = t.file_id)";
                var replace = context.ConflictPolicy == ConflictPolicy.Replace ? "true" : storedUnclosed;
                var reason = context.ConflictPolicy == ConflictPolicy.Replace ? $"CASE WHEN {storedUnclosed} THEN 'unclosed' ELSE '--replace' END" : "'unclosed'";
                unclosed = store.Scalar<long>($"SELECT count(*) FROM {table} t JOIN {staged} s ON {on} AND NOT ({same}) WHERE {storedUnclosed}");
                store.Execute($"INSERT INTO {revisions} ({cols}, file_id, status, other_file_id, reason) " +
                              $"SELECT {tableColumns}, t.file_id, 'replaced', {fileId}, {reason} FROM {table} t JOIN {staged} s ON {on} AND NOT ({same}) WHERE {replace}");
                store.Execute($"DELETE FROM {table} t USING {staged} s WHERE {on} AND NOT ({same}) AND {replace}");
                store.Execute($"INSERT INTO {revisions} ({cols}, file_id, status, other_file_id, reason) " +
                              $"SELECT {stagedColumns}, {fileId}, 'kept', t.file_id, CASE WHEN {incomingUnclosed} THEN 'unclosed' ELSE 'conflict' END " +
                              $"FROM {staged} s JOIN {table} t ON {on} AND NOT ({same})");
            }
            inserted = store.Execute(
                $"INSERT INTO {table} ({cols}, file_id) SELECT {stagedColumns}, {fileId} FROM {staged} s " +
                $"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})");
            return new MergeCounts(table, inserted, alreadyStored, conflicts - unclosed, context.ConflictPolicy, first, last, unclosed);
        }
        finally
        {
            store.ExecuteCleanup($"DROP TABLE IF EXISTS {staged}");
        }
    }

    /// <summary>A key given twice by one file: identical rows collapse to one; different values fail the file naming both lines.</summary>
    private static void RemoveRepeatsWithinFile(ImportContext context, string staged, IReadOnlyList<string> keys, IReadOnlyList<string> columns, string? lineColumn)
    {
        var store = context.Store;
        var key = string.Join(", ", keys);
        var repeated = store.Scalar<long>($"SELECT count(*) FROM (SELECT 1 FROM {staged} GROUP BY {key} HAVING count(*) > 1)");
        if (repeated == 0) return;
        var all = string.Join(", ", columns);
        var where = lineColumn is null ? "row" : "line";
        var position = lineColumn ?? "rowid + 1";
        using (var cmd = store.Command(
                   $"SELECT CAST(min({position}) AS BIGINT), CAST(max({position}) AS BIGINT), concat_ws(' ', {string.Join(", ", keys.Select(k => $"'{k}', {k}"))}) " +
                   $"FROM {staged} GROUP BY {key} HAVING count(DISTINCT ({all})) > 1 ORDER BY 1 LIMIT 1"))
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read())
                throw new IngestException(context.Path, string.Create(CultureInfo.InvariantCulture,
                    $"{where}s {r.GetInt64(0)} and {r.GetInt64(1)} give the same key ({r.GetString(2)}) different values: which one is true cannot be told, so nothing was written."));
        }
        store.Execute($"DELETE FROM {staged} WHERE rowid NOT IN (SELECT min(rowid) FROM {staged} GROUP BY {key})");
    }

    /// <summary>Combines per-table counts into an <see cref="ImportOutcome"/>.</summary>
    public static ImportOutcome Outcome(IReadOnlyList<MergeCounts> counts, string? note = null)
    {
        var rows = counts.Sum(c => c.Inserted);
        var first = counts.Where(c => c.FirstTime is not null).Select(c => c.FirstTime).DefaultIfEmpty().Min();
        var last = counts.Where(c => c.LastTime is not null).Select(c => c.LastTime).DefaultIfEmpty().Max();
        var detail = string.Join("; ", counts.Select(c =>
            string.Create(CultureInfo.InvariantCulture, $"{c.Table} +{c.Inserted}") +
            (c.AlreadyStored > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({c.AlreadyStored} already stored)") : "") +
            (c.SupersededUnclosed > 0
                ? string.Create(CultureInfo.InvariantCulture, $" ({c.SupersededUnclosed} unclosed last bars of an earlier export superseded, the old values saved in {Schema.RevisionTable(c.Table)})")
                : "") +
            (c.Conflicts == 0 ? ""
                : c.Policy == ConflictPolicy.Keep
                    ? string.Create(CultureInfo.InvariantCulture, $" ({c.Conflicts} conflicting rows: stored values kept, this file's saved in {Schema.RevisionTable(c.Table)})")
                    : string.Create(CultureInfo.InvariantCulture, $" ({c.Conflicts} conflicting rows replaced, the old ones saved in {Schema.RevisionTable(c.Table)})"))));
        if (note is not null) detail += "; " + note;
        return new ImportOutcome(rows, first, last, detail, counts.Sum(c => c.Conflicts));
    }
}
