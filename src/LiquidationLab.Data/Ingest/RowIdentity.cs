using System.Globalization;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>Rows of one file that the store already held (or that the file held twice), removed before commit.</summary>
/// <param name="Table">The table.</param>
/// <param name="Removed">Rows of the file dropped as re-deliveries.</param>
public sealed record RedeliveredRows(string Table, long Removed);

/// <summary>
/// Exchange identifiers are unique per series: an aggTrade id, a trade id, a liquidation print's trade id and a
/// Polymarket trade id name one event, and a book sample is one (instrument, time, side, level). After an importer has
/// written a file's rows (inside the file's transaction) the rows whose identity is already stored — by another file, or
/// earlier in the same file — are recognised whatever the bytes that carried them (no header, CRLF, recompressed, the
/// recording repeated): identical ones are dropped and counted; one identity with different values is a conflict that
/// fails the file, naming the identity, the stored values, the file they came from and the new values.
/// </summary>
/// <remarks>
/// Cost, in the usual case (no identity repeats): the file's id range per series, a count of other files' rows inside it
/// (zone maps skip the rest of the table) and one pass checking that the file's ids increase in the order written —
/// about 0.1 s for 10 M aggTrades. Only when that fails does the exact GROUP BY over the file and the overlapping rows run.
/// </remarks>
public static class RowIdentity
{
    /// <param name="Table">Physical table.</param>
    /// <param name="Series">Columns naming the series (a file holds few).</param>
    /// <param name="Id">The identity column within the series (an exchange id or a time).</param>
    /// <param name="Extra">Further identity columns (side, level of a book sample).</param>
    /// <param name="Values">Columns that must agree between two deliveries of one identity.</param>
    /// <param name="Describe">SQL naming an identity for messages.</param>
    /// <param name="IdType">SQL type of <paramref name="Id"/>.</param>
    /// <param name="WriteOrder">The identity as importers write it, strictly increasing within a file without repeats (default: the key itself).</param>
    private sealed record Identity(string Table, string[] Series, string Id, string[] Extra, string[] Values, string Describe, string IdType = "BIGINT", string? WriteOrder = null);

    private static readonly Identity[] Identities =
    [
        new("agg_trades_data", ["series_id"], "agg_trade_id", [], ["price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker"],
            "concat_ws(' ', 'agg_trade_id', agg_trade_id)"),
        new("trades_data", ["series_id"], "trade_id", [], ["price", "quantity", "transact_time", "is_buyer_maker"], "concat_ws(' ', 'trade_id', trade_id)"),
        new("liquidation_orders", ["venue", "symbol"], "trade_id", [], ["time", "price", "quantity"], "concat_ws(' ', symbol, 'liquidation trade_id', trade_id)"),
        new("book_trades", ["venue", "instrument_id"], "trade_id", [], ["time", "price", "size", "side"], "concat_ws(' ', instrument_id, 'trade_id', trade_id)", "VARCHAR"),
        new("book_snapshots", ["venue", "instrument_id"], "time", ["side", "level"], ["price", "size"],
            "concat_ws(' ', instrument_id, 'book at', time, side, 'level', level)", "TIMESTAMP", "(instrument_id, time, side = 'ask', level)"),
        new("funding_rates", ["venue", "symbol", "source"], "funding_time", [], ["funding_rate", "mark_price"],
            "concat_ws(' ', symbol, source, 'funding at', funding_time)", "TIMESTAMP"),
        new("book_depth_bands", ["venue", "symbol"], "time", ["percentage"], ["depth", "notional"], "concat_ws(' ', symbol, 'depth band', percentage, 'at', time)", "TIMESTAMP"),
    ];

    /// <summary>
    /// Drops the rows of file <paramref name="fileId"/> whose identity the store already holds with the same values.
    /// </summary>
    /// <returns>What was dropped, per table (tables with nothing dropped are omitted).</returns>
    /// <exception cref="IngestException">An identity holds different values (the message names it, the stored and the new values).</exception>
    /// <param name="store">The store, inside the file's transaction.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="fileId">Its ingest-log id.</param>
    public static IReadOnlyList<RedeliveredRows> DropRedelivered(LabStore store, string path, long fileId)
    {
        var dropped = new List<RedeliveredRows>();
        foreach (var id in Identities)
        {
            var removed = DropRedelivered(store, path, fileId, id);
            if (removed > 0) dropped.Add(new RedeliveredRows(id.Table, removed));
        }
        return dropped;
    }

    // The order the identities are written in; the id alone when that is the identity (comparing one column is ~5× cheaper
    // than a row, and a file mixing series merely falls back to the exact check).
    private static string Order(Identity id) => id.WriteOrder ?? (id.Extra.Length == 0 ? id.Id : $"({string.Join(", ", id.Series.Append(id.Id).Concat(id.Extra))})");

    private static long DropRedelivered(LabStore store, string path, long fileId, Identity id)
    {
        var f = fileId.ToString(CultureInfo.InvariantCulture);
        // Per series, the file's id range: the stored rows that can collide lie inside it.
        var series = string.Join(", ", id.Series);
        var key = string.Join(", ", id.Series.Append(id.Id).Concat(id.Extra));
        var order = Order(id);
        var ranges = new List<string>();
        using (var cmd = store.Command($"SELECT {string.Join(", ", id.Series.Select(s => $"CAST({s} AS VARCHAR)"))}, CAST(min({id.Id}) AS VARCHAR), CAST(max({id.Id}) AS VARCHAR) " +
                                       $"FROM {id.Table} WHERE file_id = {f} AND {id.Id} IS NOT NULL GROUP BY {series}"))
        using (var r = cmd.ExecuteReader())
        {
            var n = id.Series.Length;
            while (r.Read())
                ranges.Add($"({string.Join(" AND ", id.Series.Select((s, i) => $"{s} = {Sql.Literal(r.GetString(i))}"))} AND " +
                           $"{id.Id} BETWEEN CAST({Sql.Literal(r.GetString(n))} AS {id.IdType}) AND CAST({Sql.Literal(r.GetString(n + 1))} AS {id.IdType}))");
        }
        if (ranges.Count == 0) return 0;
        var scope = $"{id.Id} IS NOT NULL AND (file_id = {f} OR ({string.Join(" OR ", ranges)}))";
        // Fast path (the usual case): no stored row of another file in the ranges (zone maps skip the rest of the table), and
        // the file's identities strictly increasing in the order written — which no list with a repeat can be, whatever
        // order the scan returns, so a "no" only sends the file to the exact check below.
        if (store.Scalar<long>($"SELECT count(*) FROM {id.Table} WHERE file_id <> {f} AND ({string.Join(" OR ", ranges)})") == 0
            && store.Scalar<long>($"SELECT count(*) FROM (SELECT {order} <= lag({order}) OVER () AS back FROM {id.Table} WHERE file_id = {f} AND {id.Id} IS NOT NULL) WHERE back") == 0)
            return 0;
        var repeated = store.Scalar<long>(
            $"SELECT count(*) FROM (SELECT 1 FROM {id.Table} WHERE {scope} GROUP BY {key} HAVING count(*) > 1 AND count(*) FILTER (WHERE file_id = {f}) > 0)");
        if (repeated == 0) return 0;

        var values = string.Join(", ", id.Values);
        using (var cmd = store.Command(
                   $"SELECT {id.Describe}, min(file_id) FILTER (WHERE file_id <> {f}) FROM {id.Table} WHERE {scope} GROUP BY {key} " +
                   $"HAVING count(*) FILTER (WHERE file_id = {f}) > 0 AND count(DISTINCT ({values})) > 1 LIMIT 1"))
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read())
            {
                var what = r.GetString(0);
                var otherFile = r.IsDBNull(1) ? (long?)null : r.GetInt64(1);
                throw new IngestException(path, Conflict(store, id, scope, key, f, what, otherFile));
            }
        }
        // Keep the first delivery: a stored row of another file before any row of this file, then this file's first.
        store.Execute(
            $"INSERT INTO redeliveries SELECT {f}, '{id.Table}', kept, count(*) FROM (SELECT file_id AS fid, " +
            $"first_value(file_id) OVER (PARTITION BY {key} ORDER BY file_id = {f}, rowid) AS kept, " +
            $"row_number() OVER (PARTITION BY {key} ORDER BY file_id = {f}, rowid) AS n FROM {id.Table} WHERE {scope}) WHERE n > 1 AND fid = {f} AND kept <> {f} GROUP BY kept");
        return store.Execute(
            $"DELETE FROM {id.Table} WHERE file_id = {f} AND rowid IN (SELECT rid FROM (SELECT rowid AS rid, file_id AS fid, " +
            $"row_number() OVER (PARTITION BY {key} ORDER BY file_id = {f}, rowid) AS n FROM {id.Table} WHERE {scope}) WHERE n > 1 AND fid = {f})");
    }

    private static string Conflict(LabStore store, Identity id, string scope, string key, string f, string what, long? otherFile)
    {
        // The two deliveries, each as "values (file)", for the first conflicting identity.
        var rows = new List<string>();
        using (var cmd = store.Command(
                   $"SELECT concat_ws(', ', {string.Join(", ", id.Values.Select(v => $"'{v} ' || coalesce(CAST({v} AS VARCHAR), 'NULL')"))}), l.file_path, d.file_id = {f} " +
                   $"FROM {id.Table} d JOIN ingest_log l ON l.id = d.file_id WHERE {scope.Replace("file_id", "d.file_id", StringComparison.Ordinal)} AND {id.Describe} = $1 ORDER BY d.file_id = {f}, d.rowid LIMIT 2", what))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) rows.Add(r.GetBoolean(2) ? $"this file has {r.GetString(0)}" : $"the store has {r.GetString(0)} (from {r.GetString(1)})");
        }
        var where = otherFile is null ? "twice in this file with different values" : "already stored with different values";
        return $"{what} appears {where}: {string.Join("; ", rows)}. An exchange identifier names one event: one of the two files is corrupt, so nothing was written.";
    }
}
