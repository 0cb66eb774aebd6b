using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Backtesting;

public sealed class PriceLevelScoringTests
{
    private static readonly DateTime T0 = new(2026, 4, 3, 13, 0, 0, DateTimeKind.Utc);
    private static readonly PriceBins Bins = new(900, 10, 20); // 900 … 1,100 in 10 USDT bins
    private static readonly PriceLevelScoringSettings Fast = new(Zones: 2, TolerancePercent: 0, RandomDraws: 2000, Resamples: 400);

    private static double[] Density(params (double Price, double Usd)[] levels)
    {
        var d = new double[Bins.Count];
        foreach (var (p, u) in levels) d[Bins.IndexOf(p)] += u;
        return d;
    }

    private static LiquidationPrintPoint Print(int minute, double price, double usd = 1_000, PositionSide side = PositionSide.Long) =>
        new(T0.AddMinutes(minute), price, usd, side);

    [Fact]
    public void Prints_in_the_models_densest_bins_score_a_share_of_one_and_a_lift_over_chance()
    {
        var longs = Density((945, 5e6), (965, 3e6), (985, 1e5));
        var prints = Enumerable.Range(0, 40).Select(i => Print(i * 3, i % 2 == 0 ? 943 : 967)).ToArray();
        var score = PriceLevelScoring.Score(Bins, longs, new double[Bins.Count], 1_000, 900, 1_100, prints, Fast);
        var l = score.Long!;
        Assert.Null(score.Short);
        Assert.Equal([945.0, 965.0], l.ZoneCenters);
        Assert.Equal(1.0, l.ModelShare.Estimate, 12);
        // Two 10-USDT zones in a 200-USDT range cover a print with probability ≈ 1 − (1 − 10/200)² ≈ 0.0975.
        Assert.InRange(l.ChanceShare.Estimate, 0.08, 0.115);
        Assert.InRange(l.Lift.Estimate, 8.5, 12.5);
        Assert.True(l.Lift.Lower > 1);
        Assert.True(l.ChanceAtLeastModel < 0.01);
        Assert.InRange(l.DensityPercentile.Estimate, 0.9, 1.0);
        Assert.Equal(24, l.Blocks); // 40 prints every 3 minutes (0 … 117 min) fall in 24 five-minute blocks
    }

    [Fact]
    public void Prints_unrelated_to_the_density_score_about_chance()
    {
        var rng = new Random(7);
        var longs = Enumerable.Range(0, Bins.Count).Select(_ => rng.NextDouble() * 1e6).ToArray();
        var prints = Enumerable.Range(0, 400).Select(i => Print(i, 900 + rng.NextDouble() * 200)).ToArray();
        var score = PriceLevelScoring.Score(Bins, longs, new double[Bins.Count], 1_100.5, 900, 1_100, prints, Fast with { Zones = 4 });
        var l = score.Long!;
        Assert.InRange(l.Lift.Estimate, 0.6, 1.5);
        Assert.True(l.Lift.Lower < 1 && l.Lift.Upper > 1, $"{l.Lift.Lower} – {l.Lift.Upper}");
        Assert.InRange(l.DensityPercentile.Estimate, 0.4, 0.6);
        Assert.InRange(l.ChanceAtLeastModel, 0.02, 0.98);
    }

    [Fact]
    public void Zones_are_chosen_on_each_sides_half_of_the_book_and_outliers_are_left_out()
    {
        // The short density peaks below the reference, where shorts cannot be liquidated by a rise: only bins above count.
        var shorts = Density((950, 9e6), (1_045, 2e6), (1_075, 1e6));
        var prints = new[]
        {
            Print(0, 1_046, side: PositionSide.Short), Print(1, 1_074, side: PositionSide.Short), Print(2, 1_090, 4_000, PositionSide.Short),
            Print(3, 48_933.99, 10, PositionSide.Short), // an absurd print, as real streams have
        };
        var score = PriceLevelScoring.Score(Bins, new double[Bins.Count], shorts, 1_000, 980, 1_095, prints, Fast);
        var s = score.Short!;
        Assert.Equal([1_045.0, 1_075.0], s.ZoneCenters);
        Assert.Equal(2_000.0 / 6_000, s.ModelShare.Estimate, 12);
        Assert.Equal(1, score.ExcludedPrints);
        Assert.Equal(3, s.Prints);
    }

    [Fact]
    public void The_tolerance_widens_zones_by_a_share_of_the_price()
    {
        var longs = Density((955, 1e6));
        var prints = new[] { Print(0, 962), Print(10, 990) }; // 962 is 2 USDT beyond the bin's edge at 960
        var strict = PriceLevelScoring.Score(Bins, longs, new double[Bins.Count], 1_000, 900, 1_000, prints, Fast with { Zones = 1 });
        var loose = PriceLevelScoring.Score(Bins, longs, new double[Bins.Count], 1_000, 900, 1_000, prints, Fast with { Zones = 1, TolerancePercent = 0.25 });
        Assert.Equal(0, strict.Long!.ModelShare.Estimate);
        Assert.Equal(0.5, loose.Long!.ModelShare.Estimate, 12); // 0.25 % of 955 ≈ 2.4 USDT
        Assert.True(loose.Long.ChanceShare.Estimate > strict.Long.ChanceShare.Estimate);
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => PriceLevelScoring.Score(Bins, new double[3], new double[Bins.Count], 1_000, 900, 1_100, []));
        Assert.Throws<ArgumentException>(() => PriceLevelScoring.Score(Bins, new double[Bins.Count], new double[Bins.Count], 1_000, 1_100, 900, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceLevelScoring.Score(Bins, new double[Bins.Count], new double[Bins.Count], 1_000, 900, 1_100, [], Fast with { Zones = 0 }));
        var none = PriceLevelScoring.Score(Bins, new double[Bins.Count], new double[Bins.Count], 1_000, 900, 1_100, []);
        Assert.Null(none.Long);
        Assert.Null(none.Short);
    }
}
