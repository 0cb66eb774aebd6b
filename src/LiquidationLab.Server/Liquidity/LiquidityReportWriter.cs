using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using LiquidationLab.Core.Liquidity;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Server.Liquidity;

/// <summary>
/// Appends ObservationReports to the store's <c>liquidity_reports</c> table from one background writer: reports queue in
/// memory and are written in batches (every 200 ms, up to 2,000 reports), one transaction per batch, <c>INSERT OR IGNORE</c> on the idempotency key
/// (condition_id, snapshot_ts_ms) so a report is stored at most once. <see cref="DisposeAsync"/> drains the queue.
/// <para>With <c>watch --record-books</c> it also records every new polled book (<see cref="EnqueueBook"/>) into
/// <c>book_snapshots</c> (venue <c>polymarket</c>, instrument = token id, one row per level) under one <c>ingest_log</c> row for the
/// recording session (kind <see cref="RecordingKind"/>), in the same batches and transactions: a week of polling gives the
/// series an hour-horizon backtest needs (notebook 06's <c>recordingDb</c> parameter reads it).</para>
/// </summary>
public sealed class LiquidityReportWriter : IAsyncDisposable
{
    private readonly LabStore _store;
    private sealed record Item(ObservationReport? Report, long SnapshotMs, string TokenId, OrderBook? Book);

    // One queue for reports and books, so one loop waits on one reader.
    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private long _sessionFileId = -1; // ingest_log row of the recording session, once committed; touched by the loop only
    private long _booksWritten;
    private readonly Task _loop;
    private long _written, _failed;
    private volatile bool _stopping;
    private bool _staged;

    /// <summary>Starts the writer on an open, writable store (which it does not dispose).</summary>
    public LiquidityReportWriter(LabStore store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Rows written so far (duplicates ignored by the key are not counted).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Reports that could not be written when the writer stopped (after retries); 0 normally.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The last write error, if any (the writer keeps going; the failed batch is retried once per second).</summary>
    public string? LastError { get; private set; }

    /// <summary>Queues a report.</summary>
    public void Enqueue(ObservationReport report, long snapshotMs, string tokenId) => _queue.Writer.TryWrite(new Item(report, snapshotMs, tokenId, null));

    /// <summary>The <c>ingest_log.kind</c> of a recording session.</summary>
    public const string RecordingKind = "liquidity-watch-books";

    /// <summary>Describes the recording session in its <c>ingest_log</c> row (e.g. the CLOB URL).</summary>
    public string RecordingSource { get; init; } = "liqlab liquidity watch --record-books";

    /// <summary>Books recorded so far.</summary>
    public long BooksWritten => Interlocked.Read(ref _booksWritten);

    /// <summary>Queues a polled book for the recording (the caller passes each new snapshot once).</summary>
    public void EnqueueBook(string tokenId, OrderBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        _queue.Writer.TryWrite(new Item(null, book.TimestampMs, tokenId, book));
    }

    private async Task LoopAsync()
    {
        var batch = new List<Item>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let reports accumulate for 200 ms: a batch costs a handful of statements whatever its size.
            if (!_stopping) await Task.Delay(200).ConfigureAwait(false);
            while (batch.Count < 4000 && _queue.Reader.TryRead(out var item)) batch.Add(item);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Write(batch);
                    LastError = null;
                    break;
                }
                catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or InvalidOperationException)
                {
                    LastError = e.Message;
                    // Retry once per second while running; when stopping, give up after 3 attempts (counted in Failed).
                    if (_stopping && attempt >= 3)
                    {
                        Interlocked.Add(ref _failed, batch.Count);
                        break;
                    }
                    await Task.Delay(1000).ConfigureAwait(false);
                }
            }
            batch.Clear();
        }
    }

    private void Write(List<Item> batch)
    {
        // Rows go through DuckDB's appender into a temporary staging table, then one INSERT OR IGNORE per batch: a
        // prepared INSERT per row cost a statement preparation per report.
        if (!_staged)
        {
            _store.Execute("CREATE TEMP TABLE IF NOT EXISTS liquidity_reports_stage AS SELECT * FROM liquidity_reports LIMIT 0");
            _staged = true;
        }
        using var tx = _store.Connection.BeginTransaction();
        using (var appender = _store.Connection.CreateAppender("liquidity_reports_stage"))
        {
            foreach (var (r, snapshot, token, _) in batch.Where(i => i.Report is not null))
            {
                appender.CreateRow().AppendValue(r!.ReportId).AppendValue(r.TraceId).AppendValue(r.ConditionId).AppendValue(token).AppendValue(snapshot)
                    .AppendValue(DateTime.UnixEpoch.AddMilliseconds(r.EmittedAtMs)).AppendValue(r.EmittedAtMs)
                    .AppendValue(r.CurrentBidDepthPusd).AppendValue(r.CurrentAskDepthPusd).AppendValue(r.ForecastPusd).AppendValue(r.HorizonSeconds)
                    .AppendValue(r.LowForecast).AppendValue(r.BookEmpty).AppendValue(r.Severity).AppendValue(string.Join(',', r.ReasonCodes))
                    .AppendValue(r.ToJson()).EndRow();
            }
        }
        var n = _store.Execute("INSERT OR IGNORE INTO liquidity_reports SELECT * FROM liquidity_reports_stage");
        _store.Execute("DELETE FROM liquidity_reports_stage");
        var books = batch.Where(i => i.Book is not null).ToList();
        var session = _sessionFileId;
        if (books.Count > 0)
        {
            if (session < 0)
            {
                var id = Guid.NewGuid().ToString("N");
                session = _store.Scalar<long>(
                    "INSERT INTO ingest_log (file_path, sha256, kind, rows, ingested_at, detail) VALUES ($1, $2, $3, 0, now(), $4) RETURNING id",
                    $"{RecordingSource} (session {id})", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))),
                    RecordingKind, "books polled by the liquidity service");
            }
            long levels = 0;
            using (var appender = _store.Connection.CreateAppender("book_snapshots"))
            {
                foreach (var item in books)
                {
                    var time = DateTime.UnixEpoch.AddMilliseconds(item.Book!.TimestampMs);
                    foreach (var (side, sideLevels) in new[] { ("bid", item.Book.Bids), ("ask", item.Book.Asks) })
                        for (var i = 0; i < sideLevels.Count; i++)
                        {
                            appender.CreateRow().AppendValue("polymarket").AppendValue(item.TokenId).AppendValue(time).AppendValue(side).AppendValue(i + 1)
                                .AppendValue(sideLevels[i].Price).AppendValue(sideLevels[i].Size).AppendValue(session).EndRow();
                            levels++;
                        }
                }
            }
            _store.Execute("UPDATE ingest_log SET rows = rows + $1, first_time = least(coalesce(first_time, $2), $2), last_time = greatest(coalesce(last_time, $3), $3) WHERE id = $4",
                levels, DateTime.UnixEpoch.AddMilliseconds(books.Min(b => b.SnapshotMs)), DateTime.UnixEpoch.AddMilliseconds(books.Max(b => b.SnapshotMs)), session);
        }
        tx.Commit();
        _sessionFileId = session; // only after the commit that created it
        Interlocked.Add(ref _written, n);
        Interlocked.Add(ref _booksWritten, books.Count);
    }

    /// <summary>Writes everything queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
