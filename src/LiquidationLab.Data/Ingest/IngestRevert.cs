using System.Globalization;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest;

/// <summary>What <see cref="IngestRevert.Revert"/> did.</summary>
/// <param name="FilePath">The file reverted, as its ingest log names it.</param>
/// <param name="Sha256">Its SHA-256.</param>
/// <param name="RowsRemoved">Its rows removed from the data tables.</param>
/// <param name="RowsRestored">Rows brought back from the revisions (values it had replaced, or other files' values it had kept out).</param>
/// <param name="RedeliveredBy">Files that re-delivered rows of this one (not stored twice, so gone with it), with the row counts: revert and re-ingest them to get those rows back.</param>
public sealed record RevertResult(string FilePath, string Sha256, long RowsRemoved, long RowsRestored, IReadOnlyList<(string File, long Rows)> RedeliveredBy);

/// <summary>
/// Undoes one ingested file in one transaction: its rows leave every table, the values it replaced (or kept out) come
/// back from the revisions, and its ingest-log entry goes, so the same bytes can be ingested again.
/// </summary>
public static class IngestRevert
{
    /// <summary>Reverts the file named by <paramref name="fileOrSha"/>: a SHA-256, a path as ingested, or a unique path suffix.</summary>
    /// <exception cref="ArgumentException">No ingested file, or several, match.</exception>
    public static RevertResult Revert(LabStore store, string fileOrSha)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrSha);
        var full = File.Exists(fileOrSha) ? Path.GetFullPath(fileOrSha) : fileOrSha;
        var log = new IngestLog(store);
        var matches = log.Find(fileOrSha, full);
        if (matches.Count == 0) throw new ArgumentException($"data revert: no ingested file matches '{fileOrSha}' (give its path or SHA-256; `data status` and the ingest log list them).");
        if (matches.Count > 1)
            throw new ArgumentException($"data revert: '{fileOrSha}' matches {matches.Count} ingested files ({string.Join(", ", matches.Take(5).Select(m => m.FilePath))}): give the SHA-256.");
        var (id, path, sha) = (matches[0].Id, matches[0].FilePath, matches[0].Sha256);
        var f = id.ToString(CultureInfo.InvariantCulture);

        var redeliveredBy = new List<(string, long)>();
        using (var cmd = store.Command("SELECT l.file_path, CAST(sum(d.rows) AS BIGINT) FROM redeliveries d JOIN ingest_log l ON l.id = d.file_id WHERE d.stored_file_id = $1 GROUP BY 1 ORDER BY 1", id))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) redeliveredBy.Add((r.GetString(0), r.GetInt64(1)));

        long removed = 0, restored = 0;
        using var tx = store.Connection.BeginTransaction();
        try
        {
            foreach (var table in Schema.RevisedTables)
            {
                var revisions = Schema.RevisionTable(table);
                var keys = Schema.SeriesKeys[table];
                var on = string.Join(" AND ", keys.Select(k => $"t.{k} IS NOT DISTINCT FROM p.{k}"));
                var columns = StoreTables.Named(table).ColumnList;
                // Per key, the most recent revision that names this file's row as the one in the table comes back.
                store.Execute($"CREATE OR REPLACE TEMP TABLE revert_pick AS SELECT rowid AS rid, * FROM {revisions} WHERE other_file_id = {f} " +
                              $"QUALIFY row_number() OVER (PARTITION BY {string.Join(", ", keys)} ORDER BY file_id DESC, rowid DESC) = 1");
                try
                {
                    removed += store.Execute($"DELETE FROM {table} WHERE file_id = {f}");
                    restored += store.Execute($"INSERT INTO {table} ({columns}) SELECT {columns} FROM revert_pick p WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})");
                    store.Execute($"DELETE FROM {revisions} WHERE rowid IN (SELECT rid FROM revert_pick)");
                    // Other revisions against this file now stand against the row that replaced it.
                    store.Execute($"UPDATE {revisions} p SET other_file_id = t.file_id FROM {table} t WHERE p.other_file_id = {f} AND {on}");
                    store.Execute($"DELETE FROM {revisions} WHERE file_id = {f} OR other_file_id = {f}");
                }
                finally
                {
                    store.ExecuteCleanup("DROP TABLE IF EXISTS revert_pick");
                }
            }
            foreach (var table in Schema.FileTables.Where(t => !Schema.RevisedTables.Contains(t) && !t.EndsWith("_revisions", StringComparison.Ordinal)))
                removed += store.Execute($"DELETE FROM {table} WHERE file_id = {f}");
            store.Execute($"DELETE FROM redeliveries WHERE file_id = {f} OR stored_file_id = {f}");
            // Series no row refers to any more (the file introduced them).
            store.Execute("DELETE FROM series WHERE id NOT IN (SELECT series_id FROM agg_trades_data UNION SELECT series_id FROM trades_data)");
            log.Delete(id);
            tx.Commit();
        }
        catch
        {
            tx.Rollback();
            throw;
        }
        return new RevertResult(path, sha, removed, restored, redeliveredBy);
    }
}
