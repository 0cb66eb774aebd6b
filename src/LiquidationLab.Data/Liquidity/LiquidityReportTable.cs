using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

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

    /// <summary>The number of reports the store holds.</summary>
    public static long Count(LabStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Scalar<long>("SELECT count(*) FROM liquidity_reports");
    }

    /// <summary>Writes one batch in one transaction.</summary>
    /// <param name="reports">Reports with their snapshot time (ms) and token.</param>
    /// <param name="books">Polled books with their snapshot time (ms) and token.</param>
    /// <returns>Reports newly stored (a report id already stored is skipped) and books written.</returns>
    public (long Reports, int Books) Write(IReadOnlyList<(ObservationReport Report, long SnapshotMs, string TokenId)> reports,
        IReadOnlyList<(OrderBook Book, long SnapshotMs, string TokenId)> books)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(books);
        // Rows go through DuckDB's appender (the reports' typed writer) into a temporary staging table of the same columns,
        // then one INSERT OR IGNORE per batch: a prepared INSERT per row cost a statement preparation per report.
        if (!_staged)
        {
            store.Execute("CREATE TEMP TABLE IF NOT EXISTS liquidity_reports_stage AS SELECT * FROM liquidity_reports LIMIT 0");
            _staged = true;
        }
        using var tx = store.Connection.BeginTransaction();
        using (var stage = new TableWriter<LiquidityReportRow>(store.Connection, "liquidity_reports_stage"))
            foreach (var (r, snapshot, token) in reports) stage.Append(LiquidityReportRow.Of(r, snapshot, token));
        var n = store.Execute("INSERT OR IGNORE INTO liquidity_reports SELECT * FROM liquidity_reports_stage");
        store.Execute("DELETE FROM liquidity_reports_stage");
        var session = _sessionFileId;
        if (books.Count > 0)
        {
            var log = new IngestLog(store);
            if (session < 0)
            {
                var id = Guid.NewGuid().ToString("N");
                session = log.Begin($"{recordingSource} (session {id})", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))),
                    recordingKind, "books polled by the liquidity service");
            }
            long levels;
            using (var writer = new TableWriter<BookSnapshotRow>(store.Connection))
            {
                foreach (var (book, _, token) in books)
                {
                    var time = DateTime.UnixEpoch.AddMilliseconds(book.TimestampMs);
                    foreach (var (side, sideLevels) in new[] { ("bid", book.Bids), ("ask", book.Asks) })
                        for (var i = 0; i < sideLevels.Count; i++)
                            writer.Append(new BookSnapshotRow("polymarket", token, time, side, i + 1, sideLevels[i].Price, sideLevels[i].Size, session));
                }
                levels = writer.Rows;
            }
            log.Extend(session, levels, DateTime.UnixEpoch.AddMilliseconds(books.Min(b => b.SnapshotMs)), DateTime.UnixEpoch.AddMilliseconds(books.Max(b => b.SnapshotMs)));
        }
        tx.Commit();
        _sessionFileId = session; // only after the commit that created it
        return (n, books.Count);
    }
}
