using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Models;

public class TurnoverModelTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly LeverageMix TenAndTwentyFive = new([(10, 0.5), (25, 0.5)]);

    private static Candle C(int i, double o, double h, double l, double c, double oi, double volumeBase = double.NaN, double takerBuy = double.NaN) =>
        new(T0.AddHours(i), o, h, l, c, volumeBase, takerBuy, oi);

    private static MarketWindow Window(IReadOnlyList<Candle> candles, IReadOnlyList<FundingRate>? funding = null) =>
        new("BTCUSDT", Fixtures.BtcUsdt, candles, [], funding ?? []);

    [Fact]
    public void Flat_open_interest_still_opens_positions_near_the_price_that_a_later_drop_liquidates()
    {
        // OI never changes: the OI-driven model opens nothing after the first bar, so the 5 % drop of bar 2 liquidates
        // nothing; with turnover the book refreshes every bar at the bar's prices and the 25x longs (LP ≈ entry × 0.964) go.
        Candle[] candles =
        [
            C(0, 100, 100.5, 99.5, 100, 1_000_000, 100_000),
            C(1, 100, 100.5, 99.5, 100, 1_000_000, 100_000),
            C(2, 100, 100, 94, 95, 1_000_000, 100_000),
        ];
        var old = new TimeEvolvingModel(TenAndTwentyFive).Run(Window(candles));
        var turnover = new TurnoverModel(TenAndTwentyFive, new TurnoverSettings(HazardPerBar: 0.1)).Run(Window(candles));

        Assert.Equal(0, old.Liquidations![2].LongUsd);
        // Bar 0 fills the OI (1,000,000: half long, half of those at 25x) and bar 1 turns 10 % over: every 25x long is below 94.
        Assert.Equal(250_000, turnover.Liquidations![2].LongUsd, 6);
        Assert.Equal(0, turnover.Liquidations![2].ShortUsd);
    }

    [Fact]
    public void Closes_are_the_hazard_share_of_the_book_unless_the_volume_bound_is_tighter()
    {
        // Bar 0 fills OI = 1,000 (volume cannot bound the first fill). Bar 1: flat OI, no move, h·B = 100.
        // Volume 4 BTC × typical price 100 = 400 USD: with s = 0.1 opens + closes ≤ 40 → closes = opens = 20;
        // with s = 10 the bound is 4,000 and closes = opens = h·B = 100.
        Candle[] candles = [C(0, 100, 100.1, 99.9, 100, 1_000, 4), C(1, 100, 100.1, 99.9, 100, 1_000, 4)];
        var tight = new TurnoverModel(TenAndTwentyFive, new TurnoverSettings(TurnoverShare: 0.1, HazardPerBar: 0.1)).Run(Window(candles)).Totals!.Value;
        var ample = new TurnoverModel(TenAndTwentyFive, new TurnoverSettings(TurnoverShare: 10, HazardPerBar: 0.1)).Run(Window(candles)).Totals!.Value;

        Assert.Equal((1_020.0, 20.0, 1_000.0), (Math.Round(tight.CreatedUsd, 9), Math.Round(tight.ClosedUsd, 9), Math.Round(tight.OpenUsd, 9)));
        Assert.Equal((1_100.0, 100.0, 1_000.0), (Math.Round(ample.CreatedUsd, 9), Math.Round(ample.ClosedUsd, 9), Math.Round(ample.OpenUsd, 9)));
    }

    [Fact]
    public void The_long_share_comes_from_taker_volume_else_funding_else_half_and_the_tilt_shifts_its_log_odds()
    {
        // One bar opens the OI (1,000); no bar consumes anything, so the open longs are the long share × 1,000.
        double Longs(Candle c, double tilt = 0, IReadOnlyList<FundingRate>? funding = null) =>
            new TurnoverModel(TenAndTwentyFive, new TurnoverSettings(LongTilt: tilt)).Run(Window([c], funding)).TotalUsd(PositionSide.Long);

        var taker = C(0, 100, 100.1, 99.9, 100, 1_000, 4, 3); // 3 of 4 BTC bought by takers: 75 %
        Assert.Equal(750, Longs(taker), 9);
        Assert.Equal(900, Longs(taker, Math.Log(3)), 9); // logit 0.75 = ln 3; + ln 3 → odds 9 → 90 %
        var bare = C(0, 100, 100.1, 99.9, 100, 1_000);
        Assert.Equal(1_000 / (1 + Math.Exp(-1)), Longs(bare, funding: [new FundingRate(T0.AddHours(-1), 0.0001)]), 9); // logistic(1)
        Assert.Equal(500, Longs(bare), 9);
        Assert.Equal(LongShareSource.Even, TurnoverModel.ShareSource(Window([bare])));
        Assert.Equal(LongShareSource.TakerVolume, TurnoverModel.ShareSource(Window([taker])));
    }

    [Fact]
    public void An_old_cohort_decays_by_the_hazard_every_bar()
    {
        // One entry point: bar 0's 10x longs sit at LP = 100 × 0.9/0.996 (bracket 1: MMR 0.004, cum 0). Later bars trade
        // around 110 (their 10x longs sit near 99.4, another bin). Volume is ample, so each bar closes h of every position.
        const double h = 0.07;
        var candles = new List<Candle> { C(0, 100, 100, 100, 100, 1_000_000, 1e9) };
        for (var i = 1; i <= 30; i++) candles.Add(C(i, 110, 110.05, 109.95, 110, 1_000_000, 1e9));
        var r = new TurnoverModel(TenAndTwentyFive, new TurnoverSettings(HazardPerBar: h, EntryPoints: 1)).Run(Window(candles));
        var grid = r.Heatmap!;
        var bin = grid.Price.IndexOf(90 / 0.996);

        foreach (var n in new[] { 0, 1, 10, 30 })
            Assert.Equal(250_000 * Math.Pow(1 - h, n), grid.Values[bin, n], 250_000 * 1e-9);
    }

    [Fact]
    public void The_book_follows_open_interest_bar_by_bar_over_a_long_run_and_its_totals_balance()
    {
        // 3,000 hourly bars of a noisy walk with OI and volume: ~40 positions a bar, so the book is compacted many times.
        var rng = new Random(7);
        var candles = new List<Candle>();
        double price = 100, oi = 1e9;
        for (var i = 0; i < 3_000; i++)
        {
            var next = price * Math.Exp(0.01 * (rng.NextDouble() - 0.5));
            var hi = Math.Max(price, next) * (1 + 0.003 * rng.NextDouble());
            var lo = Math.Min(price, next) * (1 - 0.003 * rng.NextDouble());
            oi *= Math.Exp(0.02 * (rng.NextDouble() - 0.5));
            candles.Add(C(i, price, hi, lo, next, oi, 2e7 * rng.NextDouble() / next, 1e7 * rng.NextDouble() / next));
            price = next;
        }
        var r = new TurnoverModel(settings: new TurnoverSettings(TurnoverShare: 0.5, HazardPerBar: 0.2)).Run(Window(candles));
        var grid = r.Heatmap!;

        for (var t = 0; t < candles.Count; t += 97)
            Assert.Equal(candles[t].OpenInterestUsd, grid.ColumnTotal(t), candles[t].OpenInterestUsd * 1e-9);
        var totals = r.Totals!.Value;
        Assert.Equal(totals.OpenUsd, totals.CreatedUsd - totals.ConsumedUsd - totals.ClosedUsd, totals.CreatedUsd * 1e-9);
        Assert.Equal(candles[^1].OpenInterestUsd, totals.OpenUsd, totals.OpenUsd * 1e-9);
        Assert.True(totals.ConsumedUsd > 0);
    }

    [Fact]
    public void Settings_out_of_range_are_refused_naming_the_setting()
    {
        Assert.Equal("TurnoverShare", Assert.Throws<ArgumentOutOfRangeException>(() => new TurnoverModel(settings: new TurnoverSettings(TurnoverShare: 0))).ParamName);
        Assert.Equal("HazardPerBar", Assert.Throws<ArgumentOutOfRangeException>(() => new TurnoverModel(settings: new TurnoverSettings(HazardPerBar: 1))).ParamName);
        Assert.Equal("EntryPoints", Assert.Throws<ArgumentOutOfRangeException>(() => new TurnoverModel(settings: new TurnoverSettings(EntryPoints: 0))).ParamName);
        Assert.Equal("LongTilt", Assert.Throws<ArgumentOutOfRangeException>(() => new TurnoverModel(settings: new TurnoverSettings(LongTilt: double.NaN))).ParamName);
    }

    [Fact]
    public void The_power_law_mix_weighs_tiers_by_leverage_to_the_alpha()
    {
        var flat = LeverageMix.PowerLaw(0);
        Assert.All(flat.Tiers, t => Assert.Equal(0.2, t.Weight, 12));
        var one = LeverageMix.PowerLaw(1);
        Assert.Equal(100.0 / 190, one.Tiers[^1].Weight, 12); // 100 / (5 + 10 + 25 + 50 + 100)
        Assert.Throws<ArgumentOutOfRangeException>(() => LeverageMix.PowerLaw(double.NaN));
    }
}
