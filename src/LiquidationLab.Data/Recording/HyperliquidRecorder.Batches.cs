using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>Batches of <see cref="HyperliquidRecorder"/>: what the stream and the polls buffered, written in one transaction
/// per batch through the typed writers, under the session's <c>ingest_log</c> entry.</summary>
public sealed partial class HyperliquidRecorder
{
    private sealed record PendingTrade(string Coin, long Tid, double Price, double Size, DateTime Time, bool IsBuyerMaker, string Raw);

    private sealed record PendingMarket(string Coin, DateTime Time, double OiBase, double OiUsd, double MarkPrice, double? FundingRate);

    private sealed record PendingPosition(DateTime Time, string AccountHash, string Coin, string Side, double Size, double NotionalUsd, double EntryPrice,
        double Leverage, double? LiquidationPrice, string MarginMode);

    private sealed record Gap(string Symbol, string Stream, string Kind, DateTime Start, DateTime End, string Detail);

    private sealed record Reject(string? Symbol, string? Stream, DateTime ReceivedAt, string Problem, string Raw, long RawBytes);

    private sealed class Buffers
    {
        public List<PendingTrade> Trades { get; } = [];
        public List<PendingMarket> Market { get; } = [];
        public List<PendingPosition> Positions { get; } = [];
        public List<Gap> Gaps { get; } = [];
        public List<Reject> Rejects { get; } = [];
        public int Count => Trades.Count + Market.Count + Positions.Count + Gaps.Count + Rejects.Count;

        public void PutBack(Buffers older)
        {
            Trades.InsertRange(0, older.Trades);
            Market.InsertRange(0, older.Market);
            Positions.InsertRange(0, older.Positions);
            Gaps.InsertRange(0, older.Gaps);
            Rejects.InsertRange(0, older.Rejects);
        }
    }

    // _gate guards _pending: the receive loop, the two pollers and Flush (the flush timer, a full buffer, the end of the run)
    // all touch it; Flush only swaps it under the lock. No I/O under _gate.
    private readonly object _gate = new();
    private Buffers _pending = new();

    // _flushGate: one batch at a time. _fileId (the session's ingest_log id, once committed) is touched under it only.
    private readonly object _flushGate = new();
    private long _fileId = -1;

    private void AddTrade(PendingTrade t) => Add(b => b.Trades.Add(t));

    private void AddMarket(PendingMarket m) => Add(b => b.Market.Add(m));

    private void AddPosition(PendingPosition p) => Add(b => b.Positions.Add(p));

    private void Add(Action<Buffers> add)
    {
        bool full;
        lock (_gate)
        {
            add(_pending);
            full = _pending.Count >= options.BatchRows;
        }
        if (full) TryFlush();
    }

    private void AddGap(string symbol, string stream, string kind, DateTime start, DateTime end, string detail)
    {
        lock (_gate) _pending.Gaps.Add(new Gap(symbol, stream, kind, start, end, detail));
        Interlocked.Increment(ref Stats._gaps);
    }

    private void AddReject(string? symbol, string? stream, DateTime receivedAt, string problem, string raw, long rawBytes)
    {
        var kept = raw.Length <= RecorderOptions.KeptRawBytes ? raw : raw[..RecorderOptions.KeptRawBytes];
        lock (_gate) _pending.Rejects.Add(new Reject(symbol, stream, receivedAt, problem, kept, rawBytes));
        Interlocked.Increment(ref Stats._rejected);
        Stats.LastReject = $"{receivedAt:HH:mm:ss} {(stream is null ? "" : stream + ": ")}{Cut(problem, 200)}";
    }

    private async Task FlushLoop(CancellationToken token)
    {
        using var timer = new PeriodicTimer(options.Batch);
        while (await Tick(timer, token).ConfigureAwait(false)) TryFlush();
    }

    // A failed batch (the store locked by another writer, a full disk) stays buffered for the next one: no exception ends
    // the loop that calls this, and nothing received is dropped.
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
    /// Writes what is buffered in one transaction: trades (a <c>tid</c> the store holds for the coin is not stored again; one
    /// held with other values is set aside), open interest and funding (a funding rate equal to the last stored one is not
    /// stored again), positions, gaps and set-aside messages; the session's <c>ingest_log</c> entry is created by the first
    /// batch and extended by each. When the store cannot be written, everything stays buffered and the exception propagates.
    /// </summary>
    public void Flush()
    {
        lock (_flushGate)
        {
            Buffers batch;
            lock (_gate)
            {
                if (_pending.Count == 0) return;
                batch = _pending;
                _pending = new Buffers();
            }
            var setAside = new List<Reject>();
            try
            {
                using var store = LabStore.Open(options.StorePath, readOnly: false, TimeSpan.FromSeconds(30));
                using var tx = store.Connection.BeginTransaction();
                var log = new IngestLog(store);
                var fileId = _fileId >= 0 ? _fileId
                    : log.Begin($"hyperliquid recording (session {_session})", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("hyperliquid " + _session))),
                        Kind, "Hyperliquid live recording: trades (websocket), open interest and funding (metaAndAssetCtxs), positions (clearinghouseState)");
                var rows = WriteTrades(store, batch.Trades, fileId, setAside) + WriteMarket(store, batch.Market, fileId) + WritePositions(store, batch.Positions, fileId);
                var recordedAt = DateTime.UtcNow;
                if (batch.Gaps.Count > 0)
                {
                    using var gaps = new TableWriter<RecordingGapRow>(store.Connection);
                    foreach (var g in batch.Gaps) gaps.Append(new RecordingGapRow(Venue, g.Symbol, g.Stream, g.Kind, g.Start, g.End, g.Detail, _session, recordedAt));
                }
                if (batch.Rejects.Count + setAside.Count > 0)
                {
                    using var rejects = new TableWriter<RecordingRejectRow>(store.Connection);
                    foreach (var x in batch.Rejects.Concat(setAside))
                        rejects.Append(new RecordingRejectRow(Venue, x.Symbol, x.Stream, x.ReceivedAt, x.Problem, x.Raw, x.RawBytes, _session, recordedAt));
                }
                var times = batch.Trades.Select(t => t.Time).Concat(batch.Market.Select(m => m.Time)).Concat(batch.Positions.Select(p => p.Time)).ToList();
                if (rows > 0) log.Extend(fileId, rows, times.Min(), times.Max());
                tx.Commit();
                _fileId = fileId; // only after the commit that created it
                Interlocked.Add(ref Stats._rowsStored, rows);
                Interlocked.Increment(ref Stats._batches);
                if (setAside.Count > 0)
                {
                    Interlocked.Add(ref Stats._rejected, setAside.Count);
                    Stats.LastReject = $"{setAside[^1].ReceivedAt:HH:mm:ss} trades: {Cut(setAside[^1].Problem, 200)}";
                }
            }
            catch
            {
                lock (_gate) _pending.PutBack(batch); // nothing received is lost to a failed write
                throw;
            }
        }
    }

    private static long WriteTrades(LabStore store, List<PendingTrade> trades, long fileId, List<Reject> setAside)
    {
        if (trades.Count == 0) return 0;
        var series = trades.Select(t => t.Coin).Distinct(StringComparer.Ordinal).ToDictionary(c => c, c => store.SeriesId(Venue, c), StringComparer.Ordinal);
        store.Execute(TradeRow.Table.CreateTempTable("hl_trade_stage"));
        try
        {
            using (var stage = new TableWriter<TradeRow>(store.Connection, "hl_trade_stage"))
                foreach (var t in trades)
                    stage.Append(new TradeRow(series[t.Coin], t.Tid, t.Price, t.Size, t.Price * t.Size, t.Time, t.IsBuyerMaker, null, fileId));
            // A tid delivered again with other values than the one kept (stored, else the first of this batch): set aside.
            const string ranked = "SELECT *, row_number() OVER (PARTITION BY series_id, trade_id ORDER BY rowid) AS n FROM hl_trade_stage";
            var conflicts = new HashSet<(int Series, long Tid, double Price, double Size, DateTime Time, bool Maker)>();
            using (var cmd = store.Command(
                       $"WITH r AS ({ranked}), k AS (SELECT r.series_id, r.trade_id, coalesce(t.price, r.price) AS price, coalesce(t.quantity, r.quantity) AS quantity, " +
                       "coalesce(t.transact_time, r.transact_time) AS transact_time, coalesce(t.is_buyer_maker, r.is_buyer_maker) AS is_buyer_maker " +
                       "FROM r LEFT JOIN trades_data t ON t.series_id = r.series_id AND t.trade_id = r.trade_id WHERE r.n = 1) " +
                       "SELECT r.series_id, r.trade_id, r.price, r.quantity, r.transact_time, r.is_buyer_maker FROM r JOIN k USING (series_id, trade_id) " +
                       "WHERE r.price <> k.price OR r.quantity <> k.quantity OR r.transact_time <> k.transact_time OR r.is_buyer_maker <> k.is_buyer_maker"))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                    conflicts.Add((r.GetInt32(0), r.GetInt64(1), r.GetDouble(2), r.GetDouble(3), DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc), r.GetBoolean(5)));
            if (conflicts.Count > 0)
                foreach (var t in trades.Where(t => conflicts.Contains((series[t.Coin], t.Tid, t.Price, t.Size, t.Time, t.IsBuyerMaker))))
                    setAside.Add(new Reject(t.Coin, "trades", DateTime.UtcNow,
                        string.Create(CultureInfo.InvariantCulture, $"trades {t.Coin} tid {t.Tid}: delivered again with other values (px {t.Price}, sz {t.Size}) than the trade kept: the first one is kept"),
                        t.Raw, Encoding.UTF8.GetByteCount(t.Raw)));
            var columns = TradeRow.Table.ColumnList;
            return store.Execute(
                $"INSERT INTO trades_data ({columns}) SELECT {columns} FROM ({ranked}) s WHERE s.n = 1 " +
                "AND NOT EXISTS (SELECT 1 FROM trades_data t WHERE t.series_id = s.series_id AND t.trade_id = s.trade_id)");
        }
        finally
        {
            store.ExecuteCleanup("DROP TABLE IF EXISTS hl_trade_stage");
        }
    }

    private static long WriteMarket(LabStore store, List<PendingMarket> market, long fileId)
    {
        long rows = 0;
        var funding = new List<FundingRateRow>();
        var batchLast = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in market)
        {
            // open_interest has no typed row (its other writers fill it inside DuckDB from files): one bound statement per
            // poll and coin, a handful per batch. A time already stored for the coin is not stored twice.
            rows += store.Execute(
                "INSERT INTO open_interest (venue, symbol, source, interval, time, oi_base, oi_usd, file_id) SELECT $1, $2, $3, 'poll', $4, $5, $6, $7 " +
                "WHERE NOT EXISTS (SELECT 1 FROM open_interest WHERE venue = $1 AND symbol = $2 AND source = $3 AND interval = 'poll' AND time = $4)",
                Venue, m.Coin, InfoSource, m.Time, m.OiBase, m.OiUsd, fileId);
            if (m.FundingRate is not { } rate) continue;
            // Stored where the rate changes: a session continues the rate the store already holds.
            var last = batchLast.TryGetValue(m.Coin, out var earlier) ? earlier : store.Scalar<double?>(
                "SELECT funding_rate FROM funding_rates WHERE venue = $1 AND symbol = $2 AND source = $3 AND funding_time <= $4 ORDER BY funding_time DESC LIMIT 1",
                Venue, m.Coin, InfoSource, m.Time);
            batchLast[m.Coin] = rate;
            if (last == rate) continue;
            funding.Add(new FundingRateRow(Venue, m.Coin, InfoSource, "1h", m.Time, rate, m.MarkPrice, fileId));
        }
        if (funding.Count > 0)
        {
            using var writer = new TableWriter<FundingRateRow>(store.Connection);
            foreach (var f in funding) writer.Append(f);
        }
        return rows + funding.Count;
    }

    private static long WritePositions(LabStore store, List<PendingPosition> positions, long fileId)
    {
        if (positions.Count == 0) return 0;
        using var writer = new TableWriter<PositionLevelRow>(store.Connection);
        foreach (var p in positions)
            writer.Append(new PositionLevelRow(p.Time, Venue, PositionsSource, p.AccountHash, p.Coin, p.Side, p.Size, p.NotionalUsd, p.EntryPrice, p.Leverage,
                p.LiquidationPrice, p.MarginMode, fileId));
        return writer.Rows;
    }
}
