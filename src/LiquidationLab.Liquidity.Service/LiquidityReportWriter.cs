using System.Threading.Channels;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Liquidity.Service;

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
    private long _booksWritten;
    private readonly Task _loop;
    private long _written, _failed;
    private volatile bool _stopping;
    private LiquidityReportTable? _tableField;

    // The table writer (Data owns the SQL); created on first use so RecordingSource (an init property) is set by then.
    // Touched by the write loop only.
    private LiquidityReportTable _table => _tableField ??= new LiquidityReportTable(_store, RecordingSource, RecordingKind);

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
        var (reports, books) = _table.Write(
            [.. batch.Where(i => i.Report is not null).Select(i => (i.Report!, i.SnapshotMs, i.TokenId))],
            [.. batch.Where(i => i.Book is not null).Select(i => (i.Book!, i.SnapshotMs, i.TokenId))]);
        Interlocked.Add(ref _written, reports);
        Interlocked.Add(ref _booksWritten, books);
    }

    /// <summary>Writes everything queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
