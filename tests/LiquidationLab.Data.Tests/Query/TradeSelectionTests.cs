using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Query;

/// <summary>Selecting large trades inside DuckDB gives exactly the trades, and the map, of selecting them in memory (real BTC and ETH trades).</summary>
public sealed class TradeSelectionTests
{
    public static TheoryData<string, TradeFilterMode, double> Cases => new()
    {
        { "BTCUSDT", TradeFilterMode.GrossValue, 100_000 },
        { "BTCUSDT", TradeFilterMode.GrossValue, 0 },
        { "BTCUSDT", TradeFilterMode.TopN, 50 },
        { "BTCUSDT", TradeFilterMode.TopN, 10_000_000 },
        { "BTCUSDT", TradeFilterMode.Portion, 0.1 },
        { "BTCUSDT", TradeFilterMode.Portion, 1 },
        { "ETHUSDT", TradeFilterMode.GrossValue, 50_000 },
        { "ETHUSDT", TradeFilterMode.Portion, 0.013 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Selection_in_the_store_equals_selection_in_memory(string symbol, TradeFilterMode mode, double threshold)
    {
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var reader = new MarketDataReader(store);
        var (from, to) = (DateTime.MinValue, DateTime.MaxValue);
        var filter = new TradeFilter(mode, threshold);
        var all = reader.AggTrades(symbol, from, to);
        Assert.NotEmpty(all);
        var expected = filter.Select(all).Select(i => all[i]).ToArray();

        var window = reader.SelectAggTrades(symbol, from, to, filter);
        Assert.Equal(expected, window.Selected);
        Assert.Equal(all.Length, window.TradeCount);
        Assert.Equal(all[0].Time, window.FirstTime);
        Assert.Equal(all[^1].Time, window.LastTime);
        Assert.Equal(all[^1].Price, window.LastPrice);

        // The summary counts and measures the same selection without reading it; the stream gives it batch by batch.
        var summary = reader.SummarizeAggTradeSelection(symbol, from, to, filter);
        Assert.Equal(TradeExtent.Of(expected), summary.Selected);
        Assert.Equal((window.TradeCount, window.FirstTime, window.LastTime, window.LastPrice), (summary.TradeCount, summary.FirstTime, summary.LastTime, summary.LastPrice));
        var streamed = new List<AggTrade>();
        var batches = 0;
        Assert.Equal(expected.Length, reader.ReadSelectedAggTrades(summary, 97, batch =>
        {
            Assert.InRange(batch.Length, 1, 97);
            streamed.AddRange(batch);
            batches++;
        }));
        Assert.Equal(expected, streamed);
        Assert.Equal((expected.Length + 96) / 97, batches);
        // Read in time slices of a few hundred trades (DuckDB sorting one slice at a time): the same trades in the same order.
        var sliced = new List<AggTrade>();
        Assert.Equal(expected.Length, reader.ReadSelectedAggTrades(summary, 1_000, batch => sliced.AddRange(batch), maxSortRows: Math.Max(1, expected.Length / 9)));
        Assert.Equal(expected, sliced);

        if (symbol != "BTCUSDT") return; // the tier tables hold BTCUSDT
        var table = LeverageBracketTableStore.Locate(Path.Combine(RealSnapshot.RepositoryRoot, "data", "tiers", "binance-usdm")).Get(symbol);
        var before = new BinanceStandardModel(filter).BuildMap(all, table, all[^1].Price);
        var after = new BinanceStandardModel(TradeFilter.All).BuildMap(window.Selected, table, window.LastPrice);
        Assert.Equal(before.Bins.Count, after.Bins.Count);
        Assert.Equal(before.Bins.Center(0), after.Bins.Center(0));
        Assert.Equal(before.LongUsd.Cast<double>(), after.LongUsd.Cast<double>());
        Assert.Equal(before.ShortUsd.Cast<double>(), after.ShortUsd.Cast<double>());
        Assert.Equal(before.CumulativeLongUsd, after.CumulativeLongUsd);
    }

    [Fact]
    public void An_empty_window_or_selection_is_summarized_without_trades_and_streams_nothing()
    {
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var reader = new MarketDataReader(store);
        var empty = reader.SummarizeAggTradeSelection("BTCUSDT", new DateTime(2000, 1, 1), new DateTime(2000, 1, 2), TradeFilter.All);
        Assert.Equal((0L, 0L, (DateTime?)null), (empty.TradeCount, empty.SelectedCount, empty.LastTime));
        Assert.Equal(TradeExtent.Empty, empty.Selected);
        Assert.Equal(0, reader.ReadSelectedAggTrades(empty, 10, _ => Assert.Fail("no batch")));

        var none = reader.SummarizeAggTradeSelection("BTCUSDT", DateTime.MinValue, DateTime.MaxValue, new TradeFilter(TradeFilterMode.GrossValue, 1e15));
        Assert.True(none.TradeCount > 0);
        Assert.Equal(TradeExtent.Empty, none.Selected);
        Assert.Equal(0, reader.ReadSelectedAggTrades(none, 10, _ => Assert.Fail("no batch")));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadSelectedAggTrades(none, 0, _ => { }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(333)]
    public void A_selection_read_in_time_slices_is_the_whole_selection_in_time_order(int maxSortRows)
    {
        // Bursts: 1,500 trades, most in three bursts (many at the same millisecond), the rest spread over a week.
        using var temp = new TempStore();
        var id = temp.Store.SeriesId("binance-usdm", "BTCUSDT");
        temp.Store.Execute($"""
            INSERT INTO agg_trades_data SELECT {id}, i, 60000 + (i * 37) % 2000, 0.01 + (i % 17) * 0.05, i, i,
                   CASE WHEN i % 5 = 0 THEN TIMESTAMP '2026-05-01 00:00:00' + i * INTERVAL 7 MINUTE
                        ELSE TIMESTAMP '2026-05-02 12:00:00' + (i % 3) * INTERVAL 2 DAY + (i // 40) * INTERVAL 1 MILLISECOND END,
                   i % 2 = 0, 1 FROM range(1500) t(i);
            """);
        var reader = new MarketDataReader(temp.Store);
        var filter = new TradeFilter(TradeFilterMode.GrossValue, 20_000);
        var all = reader.AggTrades("BTCUSDT", DateTime.MinValue, DateTime.MaxValue);
        var expected = filter.Select(all).Select(i => all[i]).ToArray();
        Assert.InRange(expected.Length, 400, 1_400);
        var summary = reader.SummarizeAggTradeSelection("BTCUSDT", DateTime.MinValue, DateTime.MaxValue, filter);
        var sliced = new List<AggTrade>();
        Assert.Equal(expected.Length, reader.ReadSelectedAggTrades(summary, 64, batch => sliced.AddRange(batch), maxSortRows));
        Assert.Equal(expected, sliced);
    }
}
