using FsCheck.Xunit;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Models;

/// <summary>A liquidation map filled batch by batch (trades streamed from a store) equals the map built from all trades at once.</summary>
public class StreamedMapTests
{
    private static readonly DateTime T0 = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A random walk of trades around 60,000 with notionals from a few USD to a few million (every bracket).</summary>
    private static AggTrade[] Trades(int seed, int count)
    {
        var rng = new Random(seed);
        var trades = new AggTrade[count];
        var price = 60_000.0;
        for (var i = 0; i < count; i++)
        {
            price *= 1 + (rng.NextDouble() - 0.5) * 0.004;
            trades[i] = new AggTrade(T0.AddMilliseconds(137 * i), Math.Round(price, 1), Math.Round(Math.Exp(rng.NextDouble() * 12 - 7), 3), rng.Next(2) == 0);
        }
        return trades;
    }

    private static void AssertSameMap(LiquidationMap expected, LiquidationMap actual)
    {
        Assert.Equal(expected.Bins, actual.Bins);
        Assert.Equal(expected.CurrentPrice, actual.CurrentPrice);
        Assert.Equal(expected.Leverages, actual.Leverages);
        // Exact equality: the same trades added in the same order make the same sums, bit for bit.
        Assert.Equal(expected.LongUsd.Cast<double>(), actual.LongUsd.Cast<double>());
        Assert.Equal(expected.ShortUsd.Cast<double>(), actual.ShortUsd.Cast<double>());
        Assert.Equal(expected.LongEntryWeighted.Cast<double>(), actual.LongEntryWeighted.Cast<double>());
        Assert.Equal(expected.ShortEntryWeighted.Cast<double>(), actual.ShortEntryWeighted.Cast<double>());
        Assert.Equal(expected.CumulativeLongUsd, actual.CumulativeLongUsd);
        Assert.Equal(expected.CumulativeShortUsd, actual.CumulativeShortUsd);
        Assert.Equal(expected.OutOfRangeUsd, actual.OutOfRangeUsd);
    }

    /// <summary>What a store does: select the trades, measure their extent, stream them in batches of <paramref name="batch"/>.</summary>
    private static LiquidationMap Streamed(BinanceStandardModel selecting, AggTrade[] trades, int batch, double? binWidth = null)
    {
        var selected = selecting.Filter.Select(trades).Select(i => trades[i]).ToArray();
        var model = new BinanceStandardModel(TradeFilter.All, selecting.Mix, priceBinWidth: binWidth);
        var builder = model.StartMap(TradeExtent.Of(selected), Fixtures.BtcUsdt, trades[^1].Price);
        for (var at = 0; at < selected.Length; at += batch)
            builder.Add(selected.AsSpan(at, Math.Min(batch, selected.Length - at)));
        Assert.Equal(selected.Length, builder.Count);
        return builder.Complete();
    }

    [Theory]
    [InlineData(TradeFilterMode.GrossValue, 10_000, 1)]
    [InlineData(TradeFilterMode.GrossValue, 10_000, 7)]
    [InlineData(TradeFilterMode.GrossValue, 0, 1000)]
    [InlineData(TradeFilterMode.TopN, 300, 16)]
    [InlineData(TradeFilterMode.Portion, 0.2, 3)]
    public void A_map_filled_in_batches_equals_the_map_built_at_once_to_the_last_bit(TradeFilterMode mode, double threshold, int batch)
    {
        var trades = Trades(7, 4_000);
        var model = new BinanceStandardModel(new TradeFilter(mode, threshold));
        var once = model.BuildMap(trades, Fixtures.BtcUsdt, trades[^1].Price);
        Assert.True(once.LongUsd.Cast<double>().Sum() > 0 && once.ShortUsd.Cast<double>().Sum() > 0); // both sides have levels to compare
        AssertSameMap(once, Streamed(model, trades, batch));
    }

    [Property(MaxTest = 60)]
    public void Any_batch_size_and_bin_width_give_the_in_memory_map(int seed, byte batch, bool fixedWidth)
    {
        var trades = Trades(seed, 50 + Math.Abs(seed % 700));
        double? width = fixedWidth ? 25 + Math.Abs(seed % 400) : null;
        var model = new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 5_000), priceBinWidth: width);
        if (model.Filter.Select(trades).Length == 0) return;
        AssertSameMap(model.BuildMap(trades, Fixtures.BtcUsdt, trades[^1].Price), Streamed(model, trades, 1 + batch, width));
    }

    [Fact]
    public void The_planned_bin_count_of_an_extent_is_the_count_of_the_trades_it_measures()
    {
        var trades = Trades(3, 2_000);
        foreach (var width in new double?[] { null, 10, 0.5 })
        {
            var model = new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 20_000), priceBinWidth: width);
            var selected = model.Filter.Select(trades).Select(i => trades[i]).ToArray();
            var planned = model.PlannedBinCount(trades, Fixtures.BtcUsdt, trades[^1].Price);
            Assert.Equal(planned, model.PlannedBinCount(TradeExtent.Of(selected), Fixtures.BtcUsdt, trades[^1].Price));
            Assert.Equal(planned, model.BuildMap(trades, Fixtures.BtcUsdt, trades[^1].Price).Bins.Count);
        }
    }

    [Fact]
    public void A_trade_extent_is_the_count_price_range_and_largest_notional()
    {
        AggTrade[] trades = [new(T0, 100, 2, true), new(T0, 90, 1, false), new(T0, 120, 0.5, true)];
        Assert.Equal(new TradeExtent(3, 90, 120, 200), TradeExtent.Of(trades));
        Assert.Equal(TradeExtent.Empty, TradeExtent.Of([]));
        Assert.Equal(0, TradeExtent.Empty.Count);
        // An empty selection plans a map around the current price alone, as BuildMap does for a window without large trades.
        var model = new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 1e12));
        Assert.Equal(model.BuildMap(trades, Fixtures.BtcUsdt, 100).Bins, model.StartMap(TradeExtent.Empty, Fixtures.BtcUsdt, 100).Complete().Bins);
    }

    [Fact]
    public void A_completed_map_takes_no_more_trades()
    {
        var builder = new BinanceStandardModel().StartMap(new TradeExtent(1, 100, 100, 100), Fixtures.BtcUsdt, 100);
        builder.Add(new AggTrade(T0, 100, 1, false));
        var map = builder.Complete();
        Assert.True(map.LongUsd.Cast<double>().Sum() > 0);
        Assert.Throws<InvalidOperationException>(() => builder.Add(new AggTrade(T0, 100, 1, false)));
        Assert.Throws<InvalidOperationException>(() => builder.Complete());
    }
}
