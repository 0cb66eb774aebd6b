using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Binance;

public sealed partial class WebSocketRecordingImporter
{
    // The order book of a recording: REST snapshots and depth diffs applied to a replica (Binance's sync procedure),
    // sampled on a fixed clock into book_snapshots, and the final book saved so the next recording can continue it.
    private sealed partial class State
    {
        private void Snapshot(long lastUpdateId, JsonElement root, long localMs)
        {
            // A snapshot no newer than the book already built (the recording delivered again) changes nothing.
            if (Book is { IsValid: true } && lastUpdateId <= Book.LastUpdateId)
            {
                StaleSnapshots++;
                return;
            }
            // Everything is read and checked before the book changes: a refused snapshot leaves the book as it was.
            var bids = Levels(root.GetProperty("bids")).ToList();
            var asks = Levels(root.GetProperty("asks")).ToList();
            if (localMs is < 0 or > 253_402_300_799_999) throw new FormatException($"depth snapshot: local timestamp {localMs} ms is not a time.");
            Book ??= new OrderBookReplica();
            Book.ApplySnapshot(lastUpdateId, bids, asks);
            BookStart = $"REST snapshot lastUpdateId {lastUpdateId}";
            // No sample may show this book at a time before the snapshot was taken (a live recorder fetches it while older
            // diffs are still arriving): sampling resumes after the snapshot's transaction time.
            // (A snapshot without a plausible time — a test's "T": 1 — starts sampling at the next update, as before.)
            _nextSampleMs = root.TryGetProperty("T", out var taken) && taken.TryGetInt64(out var takenMs)
                && takenMs is > 1_230_940_800_000 and < 253_402_300_799_999 && TimeBounds.Contains(DateTime.UnixEpoch.AddMilliseconds(takenMs))
                ? (takenMs / owner.SampleIntervalMs + 1) * owner.SampleIntervalMs : long.MinValue;
            Seen(localMs);
            foreach (var u in _pending) ApplyUpdate(u);
            _pending.Clear();
        }

        private sealed record DepthUpdate(long EventMs, long First, long Final, long PreviousFinal, List<(decimal, decimal)> Bids, List<(decimal, decimal)> Asks);

        // Updates received before the REST snapshot: Binance's procedure buffers them and replays those with u ≥ lastUpdateId.
        private readonly List<DepthUpdate> _pending = [];
        private const int MaxPendingUpdates = 20_000;
        private bool _triedResume;

        private void Depth(JsonElement d)
        {
            var symbol = SymbolOf(d, "depth update");
            var update = new DepthUpdate(Long(d, "E", "depth update"), Long(d, "U", "depth update"), Long(d, "u", "depth update"),
                Long(d, "pu", "depth update"), Levels(d.GetProperty("b")).ToList(), Levels(d.GetProperty("a")).ToList());
            ExchangeTime(update.EventMs, "depth update: field E");
            Seen(update.EventMs);
            if (Book is null && !_triedResume)
            {
                _triedResume = true;
                TryResume(symbol, update.PreviousFinal);
            }
            if (Book is null || !Book.IsValid)
            {
                // No book yet, or one broken by a sequence gap: keep the updates (Binance's procedure) so that a REST snapshot
                // arriving later replays those from the one that straddles it. Bounded: a file that never resynchronises
                // keeps only its last updates.
                if (_pending.Count >= MaxPendingUpdates) _pending.RemoveAt(0);
                _pending.Add(update);
                return;
            }
            ApplyUpdate(update);
        }

        private void ApplyUpdate(DepthUpdate u)
        {
            // An update the book already contains (re-delivered, or older than a newer snapshot) moves no sample clock.
            if (Book!.IsValid && (Book.AwaitingFirst ? u.Final < Book.LastUpdateId : u.Final <= Book.LastUpdateId))
            {
                Book.Apply(u.First, u.Final, u.PreviousFinal, u.Bids, u.Asks);
                return;
            }
            SampleUpTo(u.EventMs, _symbol!);
            Book!.Apply(u.First, u.Final, u.PreviousFinal, u.Bids, u.Asks);
        }

        private void TryResume(string symbol, long previousFinal)
        {
            var stored = context.Store.Scalar<long?>("SELECT max(last_update_id) FROM book_state WHERE venue = $1 AND symbol = $2", Venue, symbol);
            Book = new OrderBookReplica();
            // The stored book continues the file when it ends exactly where the file starts, or later (the file begins with
            // updates the store already has — a live recorder's re-delivery after a reconnect): those are skipped as
            // re-delivered and the first new update must follow the stored one.
            if (stored is null || stored < previousFinal)
            {
                BookStart = stored is null ? "no snapshot in the file and no stored book to continue" : $"stored book ends at update {stored}, file starts after {previousFinal}: not continuous";
                Book = null;
                return;
            }
            var bids = new List<(decimal, decimal)>();
            var asks = new List<(decimal, decimal)>();
            var awaiting = false;
            using (var cmd = context.Store.Command("SELECT side, price, size, coalesce(awaiting_first, false) FROM book_state WHERE venue = $1 AND symbol = $2", Venue, symbol))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    (r.GetString(0) == "bid" ? bids : asks).Add((r.GetDecimal(1), r.GetDecimal(2)));
                    awaiting |= r.GetBoolean(3);
                }
            Book.Resume(stored.Value, bids, asks, awaiting);
            BookStart = $"continued the stored book at update {stored}";
        }

        private void SampleUpTo(long eventMs, string symbol)
        {
            var step = owner.SampleIntervalMs;
            if (_nextSampleMs == long.MinValue) _nextSampleMs = (eventMs / step + 1) * step;
            while (eventMs >= _nextSampleMs)
            {
                if (Book!.IsValid) EmitSample(symbol, _nextSampleMs);
                _nextSampleMs += step;
            }
        }

        private void EmitSample(string symbol, long ms)
        {
            var ts = DateTime.UnixEpoch.AddMilliseconds(ms);
            var level = 0;
            foreach (var (p, s) in Book!.Bids)
            {
                if (++level > owner.Levels) break;
                Books.Append(new BookSnapshotRow(Venue, symbol, ts, "bid", level, p, s, context.FileId));
                BookRows++;
            }
            level = 0;
            foreach (var (p, s) in Book.Asks)
            {
                if (++level > owner.Levels) break;
                Books.Append(new BookSnapshotRow(Venue, symbol, ts, "ask", level, p, s, context.FileId));
                BookRows++;
            }
            Samples++;
        }

        /// <summary>Stores the final book so the next recording of the symbol can continue it.</summary>
        public void SaveBookState()
        {
            if (Book is not { IsValid: true } || _symbol is null) return;
            var store = context.Store;
            store.Execute("DELETE FROM book_state WHERE venue = $1 AND symbol = $2", Venue, _symbol);
            var ts = Last ?? DateTime.UnixEpoch;
            using var writer = new TableWriter<BookStateRow>(store.Connection);
            foreach (var (p, s) in Book.Bids)
                writer.Append(new BookStateRow(Venue, _symbol, Book.LastUpdateId, ts, "bid", p, s, context.FileId, Book.AwaitingFirst));
            foreach (var (p, s) in Book.Asks)
                writer.Append(new BookStateRow(Venue, _symbol, Book.LastUpdateId, ts, "ask", p, s, context.FileId, Book.AwaitingFirst));
        }
    }
}
