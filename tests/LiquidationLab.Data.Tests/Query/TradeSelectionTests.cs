using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
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
}
