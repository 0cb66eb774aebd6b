using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Recording;

/// <summary>Batches of <see cref="BinanceRecorder"/>: buffered messages written through the recording importer, set-aside
/// messages and gaps to the store.</summary>
public sealed partial class BinanceRecorder
{
    private async Task FlushLoop(CancellationToken token)
    {
        using var timer = new PeriodicTimer(options.Batch);
        while (await WaitTick(timer, token).ConfigureAwait(false)) TryFlush();
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

    private readonly object _flushGate = new();

    /// <summary>
    /// Writes the buffered messages: one recording file per symbol through the recording importer (bad lines set aside,
    /// the rest stored), then the gaps and the set-aside messages. A file the importer refuses whole is set aside line by
    /// line. When the store cannot be written (locked, disk full), everything not yet stored stays buffered and the
    /// exception propagates.
    /// </summary>
    public void Flush()
    {
        // _flushGate: one batch at a time (the flush timer and a full buffer can both ask); _gate is taken only to swap buffers.
        lock (_flushGate)
        {
            Dictionary<string, List<string>> batch;
            List<(string, string, string, DateTime, DateTime, string)> gaps;
            List<Reject> rejects;
            lock (_gate)
            {
                if (_pendingCount == 0 && _gaps.Count == 0) return;
                batch = _pending;
                _pending = new(StringComparer.Ordinal);
                _pendingCount = 0;
                gaps = [.. _gaps];
                _gaps.Clear();
                rejects = [.. _rejects];
                _rejects.Clear();
            }
            var folder = options.RawDirectory ?? Path.Combine(Path.GetTempPath(), "liqlab-record-" + _session);
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            var stored = new HashSet<string>(StringComparer.Ordinal);
            var newRejects = new List<Reject>();
            try
            {
                foreach (var (symbol, lines) in batch)
                {
                    if (lines.Count == 0) continue;
                    // symbol is a validated option symbol (or ALL): never text from a message.
                    var dir = Path.Combine(folder, symbol.ToLowerInvariant());
                    Directory.CreateDirectory(dir);
                    var file = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
                        $"{symbol.ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'.'fff}-{Interlocked.Increment(ref _sequence):D6}.gz"));
                    using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
                    using (var w = new StreamWriter(gz, new UTF8Encoding(false)))
                        foreach (var l in lines) w.Write(l + "\n");
                    files[symbol] = file;
                }
                using var store = LabStore.Open(options.StorePath, readOnly: false, TimeSpan.FromSeconds(30));
                var ingestor = new Ingestor(store) { QuarantineLines = true };
                foreach (var (symbol, file) in files)
                {
                    try
                    {
                        var r = ingestor.IngestFile(file, kind: "binance-ws-recording");
                        Interlocked.Add(ref Stats._rowsStored, r.Rows);
                        foreach (var bad in r.Rejected ?? [])
                            newRejects.Add(RejectOfLine(symbol, bad.Text, bad.Problem));
                    }
                    catch (IngestException e)
                    {
                        // Refused whole (a problem no single line carries): every line is kept raw with the reason.
                        foreach (var line in batch[symbol]) newRejects.Add(RejectOfLine(symbol, line, "batch refused whole: " + e.Problem));
                    }
                    stored.Add(symbol);
                }
                var all = rejects.Concat(newRejects).ToList();
                Interlocked.Add(ref Stats._rejected, newRejects.Count);
                if (newRejects.Count > 0)
                    Stats.LastReject = $"{newRejects[^1].ReceivedAt:HH:mm:ss} {newRejects[^1].Stream}: {Cut(newRejects[^1].Problem, 200)}";
                using (var tx = store.Connection.BeginTransaction())
                {
                    foreach (var (symbol, stream, kind, start, end, detail) in gaps)
                        store.Execute($"INSERT INTO recording_gaps ({RecordingGapRow.Table.ColumnList}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, now() WHERE NOT EXISTS (" +
                                      "SELECT 1 FROM recording_gaps WHERE symbol = $2 AND stream = $3 AND kind = $4 AND gap_start = $5 AND gap_end = $6)", // a hole seen again in a re-delivery is one gap
                            Venue, symbol, stream, kind, start, end, detail, _session);
                    if (all.Count > 0)
                    {
                        var recordedAt = DateTime.UtcNow;
                        using var writer = new TableWriter<RecordingRejectRow>(store.Connection);
                        foreach (var x in all)
                            writer.Append(new RecordingRejectRow(Venue, x.Symbol, x.Stream, x.ReceivedAt, x.Problem, x.Raw, x.RawBytes, _session, recordedAt));
                    }
                    tx.Commit();
                }
                Interlocked.Increment(ref Stats._batches);
            }
            catch
            {
                lock (_gate) // keep everything not yet stored for the next batch: nothing received is lost to a failed write
                {
                    foreach (var (symbol, lines) in batch)
                    {
                        if (stored.Contains(symbol)) continue;
                        if (!_pending.TryGetValue(symbol, out var list)) _pending[symbol] = list = [];
                        list.InsertRange(0, lines);
                        _pendingCount += lines.Count;
                    }
                    _gaps.InsertRange(0, gaps);
                    _rejects.InsertRange(0, rejects.Concat(newRejects));
                    _pendingCount += rejects.Count + newRejects.Count;
                }
                foreach (var (symbol, f) in files)
                    if (!stored.Contains(symbol) && File.Exists(f)) File.Delete(f);
                throw;
            }
            finally
            {
                if (options.RawDirectory is null)
                    foreach (var f in files.Values.Where(File.Exists)) File.Delete(f);
            }
        }
    }

    // A set-aside recording line ("<local ms> <json>"): its receive time and stream read back from it where they can be.
    private static Reject RejectOfLine(string symbol, string line, string problem)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var received = space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 253_402_300_799_999
            ? DateTime.UnixEpoch.AddMilliseconds(ms) : DateTime.UtcNow;
        var json = space > 0 ? line[(space + 1)..] : line;
        string? stream = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.String) stream = s.GetString();
            else if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("lastUpdateId", out _)) stream = symbol.ToLowerInvariant() + "@depth@100ms";
        }
        catch (JsonException)
        {
            // the problem says what is wrong; the stream stays unknown
        }
        var raw = json.Length <= RecorderOptions.KeptRawBytes ? json : json[..RecorderOptions.KeptRawBytes];
        return new Reject(symbol, stream, received, problem, raw, Encoding.UTF8.GetByteCount(json));
    }
}
