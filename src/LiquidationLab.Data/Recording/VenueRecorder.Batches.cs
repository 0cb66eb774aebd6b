using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>The rows of one message, kept only when the whole message parsed.</summary>
internal sealed class ParsedRows
{
    /// <summary>Trades by symbol (series and file ids are set when the batch is written).</summary>
    public List<(string Symbol, TradeRow Row)> Trades { get; } = [];

    /// <summary>Liquidation prints (file id set when written).</summary>
    public List<LiquidationOrderRow> Liquidations { get; } = [];

    /// <summary>Open interest observations.</summary>
    public List<OpenInterestObservation> OpenInterest { get; } = [];

    /// <summary>Funding rates (file id set when written).</summary>
    public List<FundingRateRow> Funding { get; } = [];

    /// <summary>Rows in all.</summary>
    public int Count => Trades.Count + Liquidations.Count + OpenInterest.Count + Funding.Count;
}

/// <summary>One open-interest observation of a live stream (a row of <c>open_interest</c>).</summary>
/// <param name="Symbol">The instrument.</param>
/// <param name="Source">The stream it came from.</param>
/// <param name="Time">The venue's time of the observation (UTC).</param>
/// <param name="OiBase">Open interest in base units (BTC for BTCUSDT).</param>
/// <param name="OiUsd">Its value in USD(T), where the venue gives it.</param>
internal readonly record struct OpenInterestObservation(string Symbol, string Source, DateTime Time, double OiBase, double? OiUsd);

/// <summary>Batches of <see cref="VenueRecorder"/>: buffered rows, set-aside messages and gaps, written in one transaction.</summary>
public abstract partial class VenueRecorder
{
    private sealed record Reject(string? Symbol, string? Stream, DateTime ReceivedAt, string Problem, string Raw, long RawBytes);

    // _gate guards _pending, _pendingCount, _gaps and _rejects: the receive loop (Add, AddGap, AddReject) and Flush (the flush
    // timer, or the receive loop when a batch fills) touch them. No I/O under it.
    private readonly object _gate = new();
    private ParsedRows _pending = new();
    private int _pendingCount;
    private readonly List<(string Symbol, string Stream, string Kind, DateTime Start, DateTime End, string Detail)> _gaps = [];
    private readonly List<Reject> _rejects = [];

    // _flushGate: one batch at a time. _sessionFileId is touched only under it.
    private readonly object _flushGate = new();
    private long _sessionFileId = -1;

    /// <summary>The <c>ingest_log</c> kind of the session's entry (<c>bybit-ws-recording</c>, …).</summary>
    private protected abstract string RecordingKind { get; }

    private void Add(ParsedRows rows)
    {
        if (rows.Count == 0) return;
        bool full;
        lock (_gate)
        {
            _pending.Trades.AddRange(rows.Trades);
            _pending.Liquidations.AddRange(rows.Liquidations);
            _pending.OpenInterest.AddRange(rows.OpenInterest);
            _pending.Funding.AddRange(rows.Funding);
            _pendingCount += rows.Count;
            full = _pendingCount >= Options.BatchMessages;
        }
        if (full) TryFlush();
    }

    private protected void AddGap(string symbol, string stream, string kind, DateTime start, DateTime end, string detail)
    {
        lock (_gate) _gaps.Add((symbol, stream, kind, start, end, detail));
        Interlocked.Increment(ref Stats._gaps);
    }

    private void AddReject(string? symbol, string? stream, DateTime receivedAt, string problem, string raw, long rawBytes)
    {
        var kept = raw.Length <= RecorderOptions.KeptRawBytes ? raw : raw[..RecorderOptions.KeptRawBytes];
        lock (_gate)
        {
            _rejects.Add(new Reject(symbol, stream, receivedAt, problem, kept, rawBytes));
            _pendingCount++;
        }
        Interlocked.Increment(ref Stats._rejected);
        Stats.LastReject = $"{receivedAt:HH:mm:ss} {(stream is null ? "" : stream + ": ")}{Cut(problem, 200)}";
    }

    private async Task FlushLoop(CancellationToken token)
    {
        using var timer = new PeriodicTimer(Options.Batch);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false)) TryFlush();
        }
        catch (OperationCanceledException)
        {
            // stopped; RunAsync writes the last batch
        }
    }

    // A failed batch (the store locked by another writer, a full disk) stays buffered for the next one: no exception ends the
    // loop that calls this, and nothing received is dropped.
    private void TryFlush()
    {
        try
        {
            Flush();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} batch: {e.Message}";
        }
    }

    /// <summary>
    /// Writes the buffered rows, gaps and set-aside messages in one transaction: trades (an exchange trade id already stored
    /// for the series is not stored again), liquidation prints (an identical print — venue, symbol, time, side, price,
    /// quantity — is one row), open interest and funding rates (a key already stored is not stored again), all under the
    /// session's <c>ingest_log</c> entry. When the store cannot be written (locked, disk full), everything stays buffered
    /// and the exception propagates.
    /// </summary>
    public void Flush()
    {
        lock (_flushGate)
        {
            ParsedRows batch;
            List<(string, string, string, DateTime, DateTime, string)> gaps;
            List<Reject> rejects;
            lock (_gate)
            {
                if (_pendingCount == 0 && _gaps.Count == 0) return;
                batch = _pending;
                _pending = new ParsedRows();
                _pendingCount = 0;
                gaps = [.. _gaps];
                _gaps.Clear();
                rejects = [.. _rejects];
                _rejects.Clear();
            }
            try
            {
                var session = _sessionFileId;
                using var store = LabStore.Open(Options.StorePath, readOnly: false, TimeSpan.FromSeconds(30));
                using (var tx = store.Connection.BeginTransaction())
                {
                    long rows = 0;
                    if (batch.Count > 0)
                    {
                        var log = new IngestLog(store);
                        if (session < 0)
                            session = log.Begin($"{StoreVenue} websocket recording (session {_session})", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RecordingKind + " " + _session))),
                                RecordingKind, $"live recording of {string.Join(", ", Options.Symbols)} ({string.Join(", ", Streams)})");
                        rows = WriteRows(store, batch, session);
                        var times = batch.Trades.Select(t => t.Row.TransactTime).Concat(batch.Liquidations.Select(l => l.Time))
                            .Concat(batch.OpenInterest.Select(o => o.Time)).Concat(batch.Funding.Select(f => f.FundingTime)).ToList();
                        log.Extend(session, rows, times.Min(), times.Max());
                    }
                    var recordedAt = DateTime.UtcNow;
                    foreach (var (symbol, stream, kind, start, end, detail) in gaps)
                        store.Execute($"INSERT INTO recording_gaps ({RecordingGapRow.Table.ColumnList}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            StoreVenue, symbol, stream, kind, start, end, detail, _session, recordedAt);
                    if (rejects.Count > 0)
                    {
                        using var writer = new TableWriter<RecordingRejectRow>(store.Connection);
                        foreach (var x in rejects)
                            writer.Append(new RecordingRejectRow(StoreVenue, x.Symbol, x.Stream, x.ReceivedAt, x.Problem, x.Raw, x.RawBytes, _session, recordedAt));
                    }
                    tx.Commit();
                    Interlocked.Add(ref Stats._rowsStored, rows);
                }
                _sessionFileId = session; // only after the commit that created it
                Interlocked.Increment(ref Stats._batches);
            }
            catch
            {
                lock (_gate) // keep everything for the next batch: nothing received is lost to a failed write
                {
                    _pendingCount += batch.Count + rejects.Count;
                    batch.Trades.AddRange(_pending.Trades);
                    batch.Liquidations.AddRange(_pending.Liquidations);
                    batch.OpenInterest.AddRange(_pending.OpenInterest);
                    batch.Funding.AddRange(_pending.Funding);
                    _pending = batch;
                    _gaps.InsertRange(0, gaps);
                    _rejects.InsertRange(0, rejects);
                }
                throw;
            }
        }
    }

    // The rows of one batch, each table through a temporary staging twin (DuckDB's appender) and one INSERT that leaves out
    // what the store holds already; returns the rows added.
    private long WriteRows(LabStore store, ParsedRows batch, long fileId)
    {
        long added = 0;
        if (batch.Trades.Count > 0)
        {
            var series = batch.Trades.Select(t => t.Symbol).Distinct(StringComparer.Ordinal).ToDictionary(s => s, s => store.SeriesId(StoreVenue, s), StringComparer.Ordinal);
            store.Execute("CREATE OR REPLACE TEMP TABLE recorder_trades_stage AS SELECT * FROM trades_data LIMIT 0");
            using (var stage = new TableWriter<TradeRow>(store.Connection, "recorder_trades_stage"))
                foreach (var (symbol, row) in batch.Trades) stage.Append(row with { SeriesId = series[symbol], FileId = fileId });
            var cols = TradeRow.Table.ColumnList;
            added += store.Execute(
                $"INSERT INTO trades_data ({cols}) SELECT {cols} FROM recorder_trades_stage s " +
                "WHERE NOT EXISTS (SELECT 1 FROM trades_data t WHERE t.series_id = s.series_id AND t.trade_id = s.trade_id) " +
                "QUALIFY s.trade_id IS NULL OR row_number() OVER (PARTITION BY s.series_id, s.trade_id ORDER BY s.rowid) = 1");
            store.ExecuteCleanup("DROP TABLE IF EXISTS recorder_trades_stage");
        }
        if (batch.Liquidations.Count > 0)
        {
            store.Execute("CREATE OR REPLACE TEMP TABLE recorder_prints_stage AS SELECT * FROM liquidation_orders LIMIT 0");
            using (var stage = new TableWriter<LiquidationOrderRow>(store.Connection, "recorder_prints_stage"))
                foreach (var row in batch.Liquidations) stage.Append(row with { FileId = fileId });
            var cols = LiquidationOrderRow.Table.ColumnList;
            added += store.Execute(
                $"INSERT INTO liquidation_orders ({cols}) SELECT {cols} FROM recorder_prints_stage s " +
                "WHERE NOT EXISTS (SELECT 1 FROM liquidation_orders o WHERE o.venue = s.venue AND o.symbol = s.symbol AND o.time = s.time " +
                "AND o.side = s.side AND o.price = s.price AND o.quantity = s.quantity) " +
                "QUALIFY row_number() OVER (PARTITION BY s.venue, s.symbol, s.time, s.side, s.price, s.quantity ORDER BY s.rowid) = 1");
            store.ExecuteCleanup("DROP TABLE IF EXISTS recorder_prints_stage");
        }
        if (batch.Funding.Count > 0)
        {
            store.Execute("CREATE OR REPLACE TEMP TABLE recorder_funding_stage AS SELECT * FROM funding_rates LIMIT 0");
            using (var stage = new TableWriter<FundingRateRow>(store.Connection, "recorder_funding_stage"))
                foreach (var row in batch.Funding) stage.Append(row with { FileId = fileId });
            var cols = FundingRateRow.Table.ColumnList;
            added += store.Execute(
                $"INSERT INTO funding_rates ({cols}) SELECT {cols} FROM recorder_funding_stage s " +
                "WHERE NOT EXISTS (SELECT 1 FROM funding_rates f WHERE f.venue = s.venue AND f.symbol = s.symbol AND f.source = s.source AND f.funding_time = s.funding_time) " +
                "QUALIFY row_number() OVER (PARTITION BY s.venue, s.symbol, s.source, s.funding_time ORDER BY s.rowid) = 1");
            store.ExecuteCleanup("DROP TABLE IF EXISTS recorder_funding_stage");
        }
        foreach (var oi in batch.OpenInterest.DistinctBy(o => (o.Symbol, o.Source, o.Time)))
            added += store.Execute(
                "INSERT INTO open_interest (venue, symbol, source, interval, time, oi_base, oi_usd, file_id) SELECT $1, $2, $3, 'tick', $4, $5, $6, $7 " +
                "WHERE NOT EXISTS (SELECT 1 FROM open_interest WHERE venue = $1 AND symbol = $2 AND source = $3 AND interval = 'tick' AND time = $4)",
                StoreVenue, oi.Symbol, oi.Source, oi.Time, oi.OiBase, oi.OiUsd, fileId);
        return added;
    }
}
