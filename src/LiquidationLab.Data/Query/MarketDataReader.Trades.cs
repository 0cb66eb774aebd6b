using System.Data.Common;
using DuckDB.NET.Data;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using Microsoft.Data.Analysis;

namespace LiquidationLab.Data.Query;

/// <summary>The aggregate-trade reads: selections by a <see cref="TradeFilter"/> made inside DuckDB, streamed in bounded memory.</summary>
public sealed partial class MarketDataReader
{
    /// <summary>Aggregate trades of <paramref name="symbol"/> with notional ≥ <paramref name="minNotionalUsd"/>, by time.</summary>
    public AggTrade[] AggTrades(string symbol, DateTime from, DateTime to, double minNotionalUsd = 0)
    {
        using var cmd = store.Command(
            "SELECT transact_time, price, quantity, is_buyer_maker FROM agg_trades WHERE symbol = $1 AND transact_time >= $2 AND transact_time < $3 " +
            "AND price * quantity >= $4 ORDER BY transact_time, agg_trade_id", symbol, from, to, minNotionalUsd);
        using var r = cmd.ExecuteReader();
        var list = new List<AggTrade>();
        while (r.Read()) list.Add(new AggTrade(r.GetDateTime(0), r.GetDouble(1), r.GetDouble(2), r.GetBoolean(3)));
        return list.ToArray();
    }

    /// <summary>
    /// The trades <paramref name="filter"/> selects from <paramref name="symbol"/>'s aggregate trades in [from, to), selected
    /// inside DuckDB (notional ≥ threshold, or the N / the fraction largest, ties broken by time as
    /// <see cref="TradeFilter.Select"/> does), so only the selected rows reach managed memory: a liquidation map over
    /// 10 M stored trades reads a few thousand. Also the window's trade count, first and last time and last price.
    /// To read a selection of any size in bounded memory, use <see cref="SummarizeAggTradeSelection"/> and
    /// <see cref="ReadSelectedAggTrades"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is null.</exception>
    public TradeSelection SelectAggTrades(string symbol, DateTime from, DateTime to, TradeFilter filter)
    {
        var summary = SummarizeAggTradeSelection(symbol, from, to, filter);
        var list = new List<AggTrade>((int)Math.Min(summary.SelectedCount, 1 << 20));
        ReadSelectedAggTrades(summary, 1 << 16, batch => list.AddRange(batch));
        return new TradeSelection(list.ToArray(), summary.TradeCount, summary.FirstTime, summary.LastTime, summary.LastPrice);
    }

    /// <summary>
    /// What <paramref name="filter"/> selects from <paramref name="symbol"/>'s aggregate trades in [from, to), counted and
    /// measured inside DuckDB without reading a trade into managed memory: the window's trade count, first and last time and
    /// last price, and the selected trades' count, price range and largest notional (<see cref="TradeExtent"/>, what a map's
    /// price axis needs). Callers check <see cref="TradeSelectionSummary.SelectedCount"/> against their budget before
    /// reading the trades with <see cref="ReadSelectedAggTrades"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is null.</exception>
    public TradeSelectionSummary SummarizeAggTradeSelection(string symbol, DateTime from, DateTime to, TradeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        long count;
        DateTime? first = null, last = null;
        var lastPrice = double.NaN;
        var extent = TradeExtent.Empty;
        if (filter.Mode == TradeFilterMode.GrossValue)
        {
            // One scan: the window's count and span, and the selection's extent, filtered in the same pass.
            const string selected = "FILTER (WHERE price * quantity >= $4)";
            using var cmd = store.Command(
                $"SELECT count(*), min(transact_time), max(transact_time), count(*) {selected}, min(price) {selected}, max(price) {selected}, " +
                $"max(price * quantity) {selected} {TradeWindow}", symbol, from, to, filter.Threshold);
            using var r = cmd.ExecuteReader();
            r.Read();
            count = r.GetInt64(0);
            if (count > 0) (first, last) = (r.GetDateTime(1), r.GetDateTime(2));
            extent = Extent(r, 3);
        }
        else
        {
            using (var cmd = store.Command($"SELECT count(*), min(transact_time), max(transact_time) {TradeWindow}", symbol, from, to))
            using (var r = cmd.ExecuteReader())
            {
                r.Read();
                count = r.GetInt64(0);
                if (count > 0) (first, last) = (r.GetDateTime(1), r.GetDateTime(2));
            }
            if (count > 0)
            {
                using var cmd = store.Command($"SELECT count(*), min(price), max(price), max(price * quantity) FROM ({LargestTrades}) selected", symbol, from, to, SelectionLimit(filter, count));
                using var r = cmd.ExecuteReader();
                r.Read();
                extent = Extent(r, 0);
            }
        }
        // The last trade's price in a second query on the last time alone (row groups are skipped by their min/max): an
        // arg_max over (time, id) in the first query made it five times slower on 10 M rows.
        if (last is { } lastTime)
        {
            using var cmd = store.Command($"SELECT price {TradeWindow} AND transact_time = $4 ORDER BY agg_trade_id DESC LIMIT 1", symbol, from, to, lastTime);
            lastPrice = Convert.ToDouble(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return new TradeSelectionSummary(symbol, from, to, filter, count, first, last, lastPrice, extent);
    }

    /// <summary>
    /// Streams the trades <paramref name="selection"/> describes, by time (then trade id), to <paramref name="onBatch"/> in
    /// batches of at most <paramref name="batchSize"/>: one buffer is reused, so memory stays at one batch whatever the
    /// selection's size (a batch is valid only during its call). The selection is made inside DuckDB as in
    /// <see cref="SelectAggTrades"/>. DuckDB sorts what it returns in time order, holding what it sorts: a gross-value
    /// selection of more than <paramref name="maxSortRows"/> trades is therefore read in consecutive time slices of about that
    /// many each (cut from a histogram of the selection over time), so the store's memory is bounded as well. A top-N or
    /// portion selection is the N largest trades, which DuckDB keeps while it looks for them (memory grows with N).
    /// </summary>
    /// <param name="selection">A summary from <see cref="SummarizeAggTradeSelection"/> on this store.</param>
    /// <param name="batchSize">Trades per batch, ≥ 1.</param>
    /// <param name="onBatch">Called once per batch, in time order.</param>
    /// <param name="maxSortRows">Most trades of a gross-value selection DuckDB sorts at once, ≥ 1 (default
    /// <see cref="DefaultMaxSortRows"/>). A slice may hold more when that many trades share one 1/4096 of the window's span.</param>
    /// <returns>The number of trades streamed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="selection"/> or <paramref name="onBatch"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> or <paramref name="maxSortRows"/> &lt; 1.</exception>
    public long ReadSelectedAggTrades(TradeSelectionSummary selection, int batchSize, Action<ReadOnlySpan<AggTrade>> onBatch, int maxSortRows = DefaultMaxSortRows)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(onBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSortRows, 1);
        if (selection.TradeCount == 0 || selection.SelectedCount == 0) return 0;
        var filter = selection.Filter;
        const string columns = "transact_time, price, quantity, is_buyer_maker, agg_trade_id";
        var buffer = new AggTrade[(int)Math.Clamp(selection.SelectedCount, 1, batchSize)];
        var filled = 0;
        long streamed = 0;
        void Read(DuckDBCommand cmd)
        {
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (filled == buffer.Length)
                {
                    onBatch(buffer);
                    filled = 0;
                }
                buffer[filled++] = new AggTrade(r.GetDateTime(0), r.GetDouble(1), r.GetDouble(2), r.GetBoolean(3));
                streamed++;
            }
        }
        if (filter.Mode == TradeFilterMode.GrossValue)
        {
            // Consecutive time slices, each sorted: together, the selection in (time, id) order.
            foreach (var (sliceFrom, sliceTo) in TimeSlices(selection, maxSortRows))
            {
                using var cmd = store.Command($"SELECT {columns} {TradeWindow} AND price * quantity >= $4 AND transact_time >= $5 AND transact_time < $6 " +
                    "ORDER BY transact_time, agg_trade_id", selection.Symbol, selection.From, selection.To, filter.Threshold, sliceFrom, sliceTo);
                Read(cmd);
            }
        }
        else
        {
            using var cmd = store.Command($"SELECT {columns} FROM ({LargestTrades}) selected ORDER BY transact_time, agg_trade_id",
                selection.Symbol, selection.From, selection.To, SelectionLimit(filter, selection.TradeCount));
            Read(cmd);
        }
        if (filled > 0) onBatch(buffer.AsSpan(0, filled));
        return streamed;
    }

    /// <summary>Most selected trades DuckDB sorts at once when <see cref="ReadSelectedAggTrades"/> streams a selection: 262,144
    /// (some 30 MB of DuckDB's memory).</summary>
    public const int DefaultMaxSortRows = 1 << 18;

    /// <summary>
    /// [from, to) slices of a gross-value selection's span holding about <paramref name="maxRows"/> selected trades each: a
    /// histogram of the selection over 4,096 equal parts of [first, last] (one scan, 4,096 counts), parts merged in order.
    /// Bucket b holds the trades with ⌊(t − first)·4096 / span⌋ = b (µs), so it starts at first + ⌈b·span / 4096⌉ exactly.
    /// </summary>
    private List<(DateTime From, DateTime To)> TimeSlices(TradeSelectionSummary selection, int maxRows)
    {
        if (selection.SelectedCount <= maxRows || selection.FirstTime is not { } first || selection.LastTime is not { } last)
            return [(selection.From, selection.To)];
        const int buckets = 4096;
        var spanUs = (last.Ticks - first.Ticks) / 10 + 1; // DuckDB keeps microseconds
        var counts = new long[buckets];
        using (var cmd = store.Command(
            $"SELECT CAST((CAST(epoch_us(transact_time) - epoch_us($5) AS HUGEINT) * {buckets}) // $6 AS BIGINT) AS b, count(*) " +
            $"{TradeWindow} AND price * quantity >= $4 GROUP BY b", selection.Symbol, selection.From, selection.To, selection.Filter.Threshold, first, spanUs))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                counts[Math.Clamp(r.GetInt64(0), 0, buckets - 1)] += r.GetInt64(1);
        DateTime Edge(int b) => b >= buckets ? last.AddTicks(10) : first.AddTicks((long)(((Int128)b * spanUs + buckets - 1) / buckets) * 10);
        var slices = new List<(DateTime, DateTime)>();
        var start = 0;
        long held = 0;
        for (var b = 0; b < buckets; b++)
        {
            if (held > 0 && held + counts[b] > maxRows)
            {
                slices.Add((Edge(start), Edge(b)));
                (start, held) = (b, 0);
            }
            held += counts[b];
        }
        slices.Add((Edge(start), Edge(buckets)));
        return slices;
    }

    private const string TradeWindow = "FROM agg_trades WHERE symbol = $1 AND transact_time >= $2 AND transact_time < $3";

    // The N largest trades of the window ($4 = N), ties broken by time then id as TradeFilter.Select does.
    private const string LargestTrades =
        $"SELECT transact_time, price, quantity, is_buyer_maker, agg_trade_id {TradeWindow} ORDER BY price * quantity DESC, transact_time, agg_trade_id LIMIT $4";

    // How many trades a top-N or portion filter keeps of a window of `count` trades (as TradeFilter.Select counts them).
    private static long SelectionLimit(TradeFilter filter, long count) => filter.Mode == TradeFilterMode.TopN
        ? (long)Math.Min(filter.Threshold, count)
        : (long)Math.Ceiling(count * filter.Threshold);

    private static TradeExtent Extent(DbDataReader r, int at) => r.GetInt64(at) is var n && n > 0
        ? new TradeExtent(n, r.GetDouble(at + 1), r.GetDouble(at + 2), r.GetDouble(at + 3))
        : TradeExtent.Empty;
}
