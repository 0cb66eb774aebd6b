using System.Threading.Channels;
using LiquidationLab.Core.Liquidity;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Server.Liquidity;

/// <summary>
/// Appends ObservationReports to the store's <c>liquidity_reports</c> table from one background writer: reports queue in
/// memory and are written in batches (every 200 ms, up to 2,000 reports), one transaction per batch, <c>INSERT OR IGNORE</c> on the idempotency key
/// (condition_id, snapshot_ts_ms) so a report is stored at most once. <see cref="DisposeAsync"/> drains the queue.
/// </summary>
public sealed class LiquidityReportWriter : IAsyncDisposable
{
    private readonly LabStore _store;
    private readonly Channel<(ObservationReport Report, long SnapshotMs, string TokenId)> _queue =
        Channel.CreateUnbounded<(ObservationReport, long, string)>(new UnboundedChannelOptions { SingleReader = true });
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
    public void Enqueue(ObservationReport report, long snapshotMs, string tokenId) => _queue.Writer.TryWrite((report, snapshotMs, tokenId));

    private async Task LoopAsync()
    {
        var batch = new List<(ObservationReport Report, long SnapshotMs, string TokenId)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let reports accumulate for 200 ms: a batch costs a handful of statements whatever its size.
            if (!_stopping) await Task.Delay(200).ConfigureAwait(false);
            while (batch.Count < 2000 && _queue.Reader.TryRead(out var item)) batch.Add(item);
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

    private void Write(List<(ObservationReport Report, long SnapshotMs, string TokenId)> batch)
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
            foreach (var (r, snapshot, token) in batch)
            {
                appender.CreateRow().AppendValue(r.ReportId).AppendValue(r.TraceId).AppendValue(r.ConditionId).AppendValue(token).AppendValue(snapshot)
                    .AppendValue(DateTime.UnixEpoch.AddMilliseconds(r.EmittedAtMs)).AppendValue(r.EmittedAtMs)
                    .AppendValue(r.CurrentBidDepthPusd).AppendValue(r.CurrentAskDepthPusd).AppendValue(r.ForecastPusd).AppendValue(r.HorizonSeconds)
                    .AppendValue(r.LowForecast).AppendValue(r.BookEmpty).AppendValue(r.Severity).AppendValue(string.Join(',', r.ReasonCodes))
                    .AppendValue(r.ToJson()).EndRow();
            }
        }
        var n = _store.Execute("INSERT OR IGNORE INTO liquidity_reports SELECT * FROM liquidity_reports_stage");
        _store.Execute("DELETE FROM liquidity_reports_stage");
        tx.Commit();
        Interlocked.Add(ref _written, n);
    }

    /// <summary>Writes everything queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
