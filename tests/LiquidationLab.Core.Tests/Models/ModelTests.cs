using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Models;

public class ModelTests
{
    private static readonly DateTime T0 = new(2026, 5, 25, 16, 0, 0, DateTimeKind.Utc);
    private static readonly LeverageMix TenAndTwentyFive = new([(10, 0.5), (25, 0.5)]);

    private static Candle C(int i, double o, double h, double l, double c, double oi) =>
        new(T0.AddMinutes(5 * i), o, h, l, c, double.NaN, double.NaN, oi);

    private static MarketWindow Window(IReadOnlyList<Candle> candles, IReadOnlyList<AggTrade>? trades = null, IReadOnlyList<FundingRate>? funding = null) =>
        new("BTCUSDT", Fixtures.BtcUsdt, candles, trades ?? [], funding ?? []);

    [Fact]
    public void Time_evolving_three_candle_scenario_creates_consumes_and_halves()
    {
        // Representative 10,000 USD positions sit in bracket 1 (MMR 0.004, cum 0), so for entry 100:
        //   long 10x LP = 100·(1 − 1/10)/(1 − 0.004) = 90/0.996 = 90.3614…, long 25x LP = 96/0.996 = 96.3855…
        Candle[] candles =
        [
            C(0, 100, 101, 99, 100, 1_000), // first OI: nothing created
            C(1, 99, 101, 99, 100, 3_000),  // green, ΔOI = +2,000 → longs: 1,000 at 10x and 1,000 at 25x, entry 100
            C(2, 100, 100.5, 96, 99, 3_000), // low 96 ≤ 96.3855: the 25x tier is consumed (1,000)
            C(3, 99, 99.5, 98, 99, 1_500),  // OI halves: the 10x tier keeps 500
        ];
        var model = new TimeEvolvingModel(TenAndTwentyFive);
        var r = model.Run(Window(candles));

        Assert.Equal([0.0, 0.0, 1_000.0, 0.0], r.Liquidations!.Select(p => p.LongUsd));
        Assert.All(r.Liquidations!, p => Assert.Equal(0, p.ShortUsd));
        var grid = r.Heatmap!;
        Assert.Equal([0.0, 2_000.0, 1_000.0, 500.0], Enumerable.Range(0, 4).Select(t => Math.Round(grid.ColumnTotal(t), 6)));
        var tenX = grid.Price.IndexOf(90 / 0.996);
        var twentyFiveX = grid.Price.IndexOf(96 / 0.996);
        Assert.Equal(1_000, grid.Values[twentyFiveX, 1], 6);
        Assert.Equal(0, grid.Values[twentyFiveX, 2], 6);
        Assert.Equal(500, grid.Values[tenX, 3], 6);

        var level = Assert.Single(r.Levels);
        Assert.Equal((PositionSide.Long, 10, 500.0), (level.Side, level.Leverage, Math.Round(level.NotionalUsd, 6)));
        Assert.Equal(grid.Price.Center(tenX), level.Price, 9);
        Assert.Equal(100, level.EntryPrice, 9);

        var totals = r.Totals!.Value; // returned with the run, not read back from the model
        Assert.Equal((2_000.0, 1_000.0, 500.0, 500.0), (totals.CreatedUsd, totals.ConsumedUsd, Math.Round(totals.ClosedUsd, 6), Math.Round(totals.OpenUsd, 6)));
    }

    [Fact]
    public void The_absolute_decrease_rule_removes_the_oi_drop_in_usd_from_the_tracked_positions()
    {
        // After candle 2 the book holds 1,000 (the 10x longs). OI then falls 200 of 3,000.
        Candle[] candles =
        [
            C(0, 100, 101, 99, 100, 1_000),
            C(1, 99, 101, 99, 100, 3_000),
            C(2, 100, 100.5, 96, 99, 3_000),
            C(3, 99, 99.5, 98, 99, 2_800),
            C(4, 99, 99.5, 98, 99, 1_000), // a drop larger than what is tracked empties the book, never below zero
        ];
        var proportional = new TimeEvolvingModel(TenAndTwentyFive);
        var absolute = new TimeEvolvingModel(TenAndTwentyFive, decreaseRule: OpenInterestDecreaseRule.Absolute);
        var p = proportional.Run(Window(candles)).Heatmap!;
        var absoluteRun = absolute.Run(Window(candles));
        var a = absoluteRun.Heatmap!;
        Assert.Equal(1_000 * (1 - 200.0 / 3_000), p.ColumnTotal(3), 6); // 6.7 % of every position
        Assert.Equal(800, a.ColumnTotal(3), 6);                        // 200 USD of the 1,000 tracked
        Assert.Equal(0, a.ColumnTotal(4), 6);
        Assert.Equal((1_000.0, 0.0), (Math.Round(absoluteRun.Totals!.Value.ClosedUsd, 6), Math.Round(absoluteRun.Totals!.Value.OpenUsd, 6)));
    }

    [Fact]
    public void Time_evolving_takes_the_side_split_from_taker_volume_and_liquidates_shorts_on_the_high()
    {
        // 25 % taker buys: ΔOI 1,000 → 250 long, 750 short. Short 10x LP (cum 0) = 110/1.004 = 109.5617…
        Candle[] candles =
        [
            new(T0, 100, 100, 100, 100, 10, 5, 1_000),
            new(T0.AddMinutes(5), 100, 100, 100, 100, 10, 2.5, 2_000),
            new(T0.AddMinutes(10), 100, 109.6, 100, 109, 10, 5, 2_000),  // high ≥ 109.5617: shorts gone
        ];
        var r = new TimeEvolvingModel(new LeverageMix([(10, 1.0)])).Run(Window(candles));
        Assert.Equal(750, r.Liquidations![2].ShortUsd, 9);
        Assert.Equal(250, r.TotalUsd(PositionSide.Long), 9);
        Assert.Equal(0, r.TotalUsd(PositionSide.Short), 9);
    }

    [Fact]
    public void Time_evolving_groups_candles_into_columns()
    {
        var candles = Enumerable.Range(0, 5).Select(i => C(i, 100, 101, 99, 100, 1_000 + i)).ToArray();
        var r = new TimeEvolvingModel(candlesPerColumn: 2).Run(Window(candles));
        Assert.Equal([T0, T0.AddMinutes(10), T0.AddMinutes(20)], r.Heatmap!.Times);
        Assert.Equal(5, r.Liquidations!.Count);
    }

    [Fact]
    public void Standard_model_prices_large_taker_buys_as_longs_with_the_piece_s_own_bracket()
    {
        AggTrade[] trades =
        [
            new(T0, 100_000, 2, false),       // 200,000 USD taker buy → long
            new(T0.AddSeconds(1), 100_000, 0.5, true), // 50,000 USD: below the 100k threshold
        ];
        var model = new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 100_000), new LeverageMix([(10, 1.0)]));
        var map = model.BuildMap(trades, Fixtures.BtcUsdt, 100_000);
        // 2 BTC at 100,000, 10x: WB 20,000; at liquidation the notional is ~181k → bracket 2 (MMR 0.005, cum 50):
        // LP = (20,000 + 50 − 200,000) / (2·0.005 − 2) = 179,950 / 1.99 = 90,427.1357…
        var bin = map.Bins.IndexOf(179_950 / 1.99);
        Assert.Equal(200_000, map.LongUsd[0, bin], 9);
        Assert.Equal(200_000, map.CumulativeLongUsd[bin], 9);
        Assert.Equal(0, Enumerable.Range(0, map.Bins.Count).Sum(b => map.ShortUsd[0, b]));
        var level = Assert.Single(new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 100_000), new LeverageMix([(10, 1.0)]))
            .Run(Window([], trades)).Levels);
        Assert.Equal(100_000, level.EntryPrice, 9);
        Assert.Equal(1.0, level.Confidence);
    }

    [Fact]
    public void Standard_model_caps_leverage_at_the_bracket_maximum_of_the_piece()
    {
        // 30 BTC at 100,000 = 3,000,000 USD: bracket 4 allows at most 20x, so a 100x tier prices at 20x.
        AggTrade[] trades = [new(T0, 100_000, 30, true)]; // taker sell → short
        var map = new BinanceStandardModel(new TradeFilter(TradeFilterMode.TopN, 1), new LeverageMix([(100, 1.0)])).BuildMap(trades, Fixtures.BtcUsdt, 100_000);
        var expected = (double)LiquidationPriceCalculator.Isolated(Fixtures.BtcUsdt, PositionSide.Short, 30m, 100_000m, 20).LiquidationPrice;
        Assert.Equal(3_000_000, map.ShortUsd[0, map.Bins.IndexOf(expected)], 6);
    }

    [Fact]
    public void Funding_adjusted_shifts_levels_by_k_times_mean_funding_times_entry()
    {
        AggTrade[] trades = [new(T0, 100_000, 2, false)];
        FundingRate[] funding = [new(T0, 0.0005), new(T0, 0.0001), new(T0, 0.0001), new(T0, 0.0001)]; // last 3 average 0.0001
        var baseModel = new BinanceStandardModel(new TradeFilter(TradeFilterMode.GrossValue, 0), new LeverageMix([(10, 1.0)]));
        var window = Window([], trades, funding);
        var before = Assert.Single(baseModel.Run(window).Levels);
        var after = Assert.Single(new FundingAdjustedModel(baseModel, fundingPeriodsHeld: 3, fundingLookback: 3).Run(window).Levels);
        Assert.Equal(before.Price + 3 * 0.0001 * 100_000, after.Price, 9); // +30 USD: longs riskier under positive funding
        Assert.Equal("funding-adjusted", after.Model);
    }

    [Fact]
    public void Open_interest_profile_splits_current_oi_by_the_large_trade_volume_profile()
    {
        AggTrade[] trades =
        [
            new(T0, 100, 3, false),   // 300 USD taker buy at 100 → longs
            new(T0, 110, 100.0 / 110, true), // 100 USD taker sell at 110 → shorts
        ];
        Candle[] candles = [new(T0, 105, 105, 105, 105, double.NaN, double.NaN, 1_000)];
        var model = new OpenInterestProfileModel(new TradeFilter(TradeFilterMode.Portion, 1.0), new LeverageMix([(10, 1.0)]));
        var r = model.Run(Window(candles, trades));
        Assert.Equal(750, r.TotalUsd(PositionSide.Long), 6);
        Assert.Equal(250, r.TotalUsd(PositionSide.Short), 6);
        var longLevel = Assert.Single(r.Levels, l => l.Side == PositionSide.Long);
        // entry = the profile bin centre (~100.05); LP = entry·0.9/0.996 (bracket 1, cum 0) up to one output bin
        Assert.Equal(longLevel.EntryPrice * 0.9 / 0.996, longLevel.Price, 0);
        Assert.Throws<InvalidOperationException>(() => model.Run(Window([C(0, 1, 1, 1, 1, double.NaN)], trades)));
    }

    private sealed class Stub(string name, params PredictedLiquidationLevel[] levels) : ILiquidationModel
    {
        public string Name => name;
        public LiquidationModelResult Run(MarketWindow window) => new(name, levels);
    }

    [Fact]
    public void Ensemble_normalises_each_model_then_weights_and_scales_to_open_interest()
    {
        var a = new Stub("a", new PredictedLiquidationLevel(90, 100, PositionSide.Long, 10, "a", 1, 100));
        var b = new Stub("b", new PredictedLiquidationLevel(110, 300, PositionSide.Short, 10, "b", 1, 100));
        var window = Window([C(0, 100, 100, 100, 100, 1_000)]);
        var r = new EnsembleModel([(a, 0.5), (b, 0.5)]).Run(window);
        Assert.Equal(500, r.TotalUsd(PositionSide.Long), 9);  // 0.5 × (100/100) × 1,000
        Assert.Equal(500, r.TotalUsd(PositionSide.Short), 9); // 0.5 × (300/300) × 1,000

        var failing = new TimeEvolvingModel(); // no candles with OI change → no levels → skipped
        var e = new EnsembleModel([(a, 0.8), (failing, 0.2)]).Run(window);
        Assert.Equal(1_000, e.TotalUsd(PositionSide.Long), 9);
        Assert.StartsWith("time-evolving", Assert.Single(e.Skipped!), StringComparison.Ordinal);
    }

    [Fact]
    public void Liquidation_map_cumulative_curves_grow_outward_from_the_current_price()
    {
        var map = new LiquidationMap(new PriceBins(90, 5, 4), 100, [10]); // bins 90, 95 | 100, 105
        map.Add(PositionSide.Long, 0, 92, 10, 100);
        map.Add(PositionSide.Long, 0, 97, 20, 100);
        map.Add(PositionSide.Short, 0, 103, 5, 100);
        map.Add(PositionSide.Short, 0, 108, 7, 100);
        map.Add(PositionSide.Short, 0, 200, 1, 100); // outside the bins
        map.ComputeCumulative();
        Assert.Equal([30.0, 20.0, 0.0, 0.0], map.CumulativeLongUsd);
        Assert.Equal([0.0, 0.0, 5.0, 12.0], map.CumulativeShortUsd);
        Assert.Equal(1, map.OutOfRangeUsd);
        Assert.Throws<KeyNotFoundException>(() => map.TierIndex(25));
    }

    [Fact]
    public void Leverage_mix_is_validated_and_parsed()
    {
        Assert.Equal(5, LeverageMix.Default.Tiers.Count);
        Assert.Equal(1.0, LeverageMix.Default.Tiers.Sum(t => t.Weight), 12);
        Assert.Equal([(10, 0.5), (25, 0.5)], LeverageMix.Parse("25x:0.5, 10:0.5").Tiers);
        Assert.Throws<ArgumentException>(() => new LeverageMix([(10, 0.5)]));
        Assert.Throws<ArgumentException>(() => new LeverageMix([(10, 0.5), (10, 0.5)]));
        Assert.Throws<FormatException>(() => LeverageMix.Parse("10=0.5"));
    }
}
