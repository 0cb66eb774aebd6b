namespace LiquidationLab.Data.Store;

/// <summary>One table's summary for <c>liqlab data status</c>.</summary>
/// <param name="Table">Table name.</param>
/// <param name="Rows">Row count.</param>
/// <param name="Symbols">Distinct symbols or instrument ids (at most 6 listed, long ids shortened, then a count).</param>
/// <param name="FirstTime">Earliest time (UTC), if any.</param>
/// <param name="LastTime">Latest time (UTC), if any.</param>
public sealed record TableStatus(string Table, long Rows, string Symbols, DateTime? FirstTime, DateTime? LastTime);

/// <summary>Summaries of the store's data tables.</summary>
public static class StoreStatus
{
    private static readonly Dictionary<string, (string Symbol, string Time)> Columns = new(StringComparer.Ordinal)
    {
        ["agg_trades"] = ("symbol", "transact_time"),
        ["trades"] = ("symbol", "transact_time"),
        ["klines"] = ("symbol || ' ' || market || ' ' || interval", "open_time"),
        ["open_interest"] = ("symbol || ' ' || venue || ' ' || interval", "time"),
        ["funding_rates"] = ("symbol || ' ' || source", "funding_time"),
        ["liquidation_totals"] = ("symbol || ' ' || exchange_scope || ' ' || interval", "period_start"),
        ["liquidation_orders"] = ("symbol", "time"),
        ["book_snapshots"] = ("venue || ':' || instrument_id", "time"),
        ["book_trades"] = ("venue || ':' || instrument_id", "time"),
        ["book_depth_bands"] = ("symbol", "time"),
        ["long_short_ratios"] = ("symbol || ' ' || kind", "time"),
        ["instruments"] = ("venue", "starts_at"),
        ["liquidity_reports"] = ("condition_id", "emitted_at"),
        ["peer_liquidation_bands"] = ("source || ' ' || symbol", "report_time"),
        ["recording_gaps"] = ("symbol || ' ' || stream || ' ' || kind", "gap_start"),
        ["recording_rejects"] = ("coalesce(stream, '(no stream)')", "received_at"),
        ["position_levels"] = ("venue || ' ' || coin", "time"),
        ["position_level_buckets"] = ("source || ' ' || coin", "time"),
    };

    /// <summary>Reads the summary of every data table plus the ingest log.</summary>
    public static IReadOnlyList<TableStatus> Read(LabStore store)
    {
        var result = new List<TableStatus>();
        foreach (var table in Schema.DataTables)
        {
            var (symbol, time) = Columns[table];
            using var cmd = store.Command(
                $"SELECT count(*), min({time}), max({time}) FROM {table}");
            using var r = cmd.ExecuteReader();
            r.Read();
            var rows = r.GetInt64(0);
            DateTime? first = r.IsDBNull(1) ? null : r.GetDateTime(1);
            DateTime? last = r.IsDBNull(2) ? null : r.GetDateTime(2);
            var names = new List<string>();
            using (var s = store.Command($"SELECT DISTINCT {symbol} AS s FROM {table} WHERE s IS NOT NULL ORDER BY s"))
            using (var sr = s.ExecuteReader())
                while (sr.Read()) names.Add(sr.GetString(0));
            // Polymarket token ids are 77 digits: shorten long names so the table stays readable.
            var shown = names.Select(n => n.Length <= 40 ? n : n[..18] + "…" + n[^8..]).ToList();
            var listed = shown.Count <= 6 ? string.Join(", ", shown) : string.Join(", ", shown.Take(6)) + $" … ({shown.Count} in all)";
            result.Add(new TableStatus(table, rows, listed, first, last));
        }
        var (files, firstIngest, lastIngest) = new IngestLog(store).Summary();
        result.Add(new TableStatus("ingest_log", files, $"{files} files", firstIngest, lastIngest));
        return result;
    }
}
