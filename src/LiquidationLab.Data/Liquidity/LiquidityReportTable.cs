using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Liquidity;

/// <summary>
/// Writes the liquidity service's reports (<c>liquidity_reports</c>, idempotent on the report id) and, optionally, the books it
/// polled (<c>book_snapshots</c>, under one <c>ingest_log</c> row per recording session), one transaction per batch. Not
/// thread-safe: one writer loop uses it.
/// </summary>
/// <param name="store">The store (a write connection).</param>
/// <param name="recordingSource">The recording session's <c>file_path</c> in the ingest log.</param>
/// <param name="recordingKind">Its <c>kind</c>.</param>
public sealed class LiquidityReportTable(LabStore store, string recordingSource, string recordingKind)
{
    private long _sessionFileId = -1; // ingest_log row of the recording session, once committed
    private bool _staged;

    /// <summary>Writes one batch in one transaction.</summary>
    /// <param name="reports">Reports with their snapshot time (ms) and token.</param>
    /// <param name="books">Polled books with their snapshot time (ms) and token.</param>
    /// <returns>Reports newly stored (a report id already stored is skipped) and books written.</returns>
    public (long Reports, int Books) Write(IReadOnlyList<(ObservationReport Report, long SnapshotMs, string TokenId)> reports,
        IReadOnlyList<(OrderBook Book, long SnapshotMs, string TokenId)> books)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(books);
        // Rows go through DuckDB's appender into a temporary staging table, then one INSERT OR IGNORE per batch: a
        // prepared INSERT per row cost a statement preparation per report.
        if (!_staged)
        {
            store.Execute("CREATE TEMP TABLE IF NOT EXISTS liquidity_reports_stage AS SELECT * FROM liquidity_reports LIMIT 0");
            _staged = true;
        }
        using var tx = store.Connection.BeginTransaction();
        using (var appender = store.Connection.CreateAppender("liquidity_reports_stage"))
        {
            foreach (var (r, snapshot, token) in reports)
            {
                appender.CreateRow().AppendValue(r.ReportId).AppendValue(r.TraceId).AppendValue(r.ConditionId).AppendValue(token).AppendValue(snapshot)
                    .AppendValue(DateTime.UnixEpoch.AddMilliseconds(r.EmittedAtMs)).AppendValue(r.EmittedAtMs)
                    .AppendValue(r.CurrentBidDepthPusd).AppendValue(r.CurrentAskDepthPusd).AppendValue(r.ForecastPusd).AppendValue(r.HorizonSeconds)
                    .AppendValue(r.LowForecast).AppendValue(r.BookEmpty).AppendValue(r.Severity).AppendValue(string.Join(',', r.ReasonCodes))
                    .AppendValue(r.ToJson()).EndRow();
            }
        }
        var n = store.Execute("INSERT OR IGNORE INTO liquidity_reports SELECT * FROM liquidity_reports_stage");
        store.Execute("DELETE FROM liquidity_reports_stage");
        var session = _sessionFileId;
        if (books.Count > 0)
        {
            if (session < 0)
            {
                var id = Guid.NewGuid().ToString("N");
                session = store.Scalar<long>(
                    "INSERT INTO ingest_log (file_path, sha256, kind, rows, ingested_at, detail) VALUES ($1, $2, $3, 0, now(), $4) RETURNING id",
                    $"{recordingSource} (session {id})", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))),
                    recordingKind, "books polled by the liquidity service");
            }
            long levels = 0;
            using (var appender = store.Connection.CreateAppender("book_snapshots"))
            {
                foreach (var (book, _, token) in books)
                {
                    var time = DateTime.UnixEpoch.AddMilliseconds(book.TimestampMs);
                    foreach (var (side, sideLevels) in new[] { ("bid", book.Bids), ("ask", book.Asks) })
                        for (var i = 0; i < sideLevels.Count; i++)
                        {
                            appender.CreateRow().AppendValue("polymarket").AppendValue(token).AppendValue(time).AppendValue(side).AppendValue(i + 1)
                                .AppendValue(sideLevels[i].Price).AppendValue(sideLevels[i].Size).AppendValue(session).EndRow();
                            levels++;
                        }
                }
            }
            store.Execute("UPDATE ingest_log SET rows = rows + $1, first_time = least(coalesce(first_time, $2), $2), last_time = greatest(coalesce(last_time, $3), $3) WHERE id = $4",
                levels, DateTime.UnixEpoch.AddMilliseconds(books.Min(b => b.SnapshotMs)), DateTime.UnixEpoch.AddMilliseconds(books.Max(b => b.SnapshotMs)), session);
        }
        tx.Commit();
        _sessionFileId = session; // only after the commit that created it
        return (n, books.Count);
    }
}
