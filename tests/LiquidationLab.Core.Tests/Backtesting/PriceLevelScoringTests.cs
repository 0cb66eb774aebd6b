using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

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

    [Fact]
    public void The_nearest_bins_baseline_knows_only_the_reference_price()
    {
        // Prints right under the price: the k nearest bins catch them all, the model's far zones none.
        var longs = Density((905, 5e6), (915, 4e6));
        var prints = Enumerable.Range(0, 20).Select(i => Print(i * 7, 993 + i % 5)).ToArray();
        var l = PriceLevelScoring.Score(Bins, longs, new double[Bins.Count], 1_000, 900, 1_000, prints, Fast).Long!;
        Assert.Equal(0, l.ModelShare.Estimate);
        Assert.Equal(1, l.NearestShare.Estimate, 12);
        Assert.Equal(-1, l.ModelMinusNearest.Estimate, 12);
        Assert.True(l.ModelMinusNearest.Upper < 0);
    }

    private static readonly DateTime Open0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Hourly candles around 1,000 and a grid whose column t holds a long level at <c>longAt[t]</c> and a short one 40 above it.</summary>
    private static (TimePriceGrid Grid, Candle[] Candles) Book(double[] longAt)
    {
        var candles = Enumerable.Range(0, longAt.Length)
            .Select(i => new Candle(Open0.AddHours(i), 1_000, 1_050, 960, 1_000, 1, 0.5, 1e9)).ToArray();
        var grid = new TimePriceGrid(Bins, candles.Select(c => c.OpenTime).ToArray());
        for (var t = 0; t < longAt.Length; t++)
        {
            grid.Values[Bins.IndexOf(longAt[t]), t] = 5e6;
            grid.Values[Bins.IndexOf(1_040), t] = 2e6;
        }
        return (grid, candles);
    }

    [Fact]
    public void Each_period_is_scored_with_the_book_at_its_open_not_the_one_after_it()
    {
        // Column t's long level alternates 965 / 985: period t's prints sit at column t − 1's level, so a scorer that
        // looked at the book after the period (column t) would score zero.
        var levels = Enumerable.Range(0, 12).Select(t => t % 2 == 0 ? 965.0 : 985.0).ToArray();
        var (grid, candles) = Book(levels);
        var windows = PriceLevelScoring.GridWindows(grid, candles, firstPeriod: 4, TimeSpan.FromHours(1));
        Assert.Equal(8, windows.Count);
        Assert.Equal(Open0.AddHours(4), windows[0].From);
        Assert.Equal(Open0.AddHours(5), windows[0].To);
        Assert.Equal(0, windows[0].ShortDensity[Bins.IndexOf(985)]); // split at the previous close: longs below, shorts above
        var prints = Enumerable.Range(2, 10).SelectMany(t => new[]
        {
            new LiquidationPrintPoint(Open0.AddHours(t).AddMinutes(20), levels[t - 1] + 1, 10_000, PositionSide.Long),
            new LiquidationPrintPoint(Open0.AddHours(t).AddMinutes(40), 1_041, 5_000, PositionSide.Short),
        }).Append(new LiquidationPrintPoint(Open0.AddHours(6).AddMinutes(1), 1_200, 1_000, PositionSide.Short)) // beyond the high: left out
          .ToArray();
        var score = PriceLevelScoring.ScoreWindows(windows, prints, Fast with { BootstrapBlock = TimeSpan.FromHours(1) });
        Assert.Equal(4, score.OutsidePrints); // periods 2 and 3 are before the test start
        Assert.Equal(1, score.ExcludedPrints);
        Assert.Equal(8, score.WindowsWithPrints);
        var l = score.Long!;
        Assert.Equal(8, l.Prints);
        Assert.Equal(8, l.Blocks);
        Assert.Empty(l.ZoneCenters); // pooled: every period has its own zones
        Assert.Equal(1, l.ModelShare.Estimate, 12);
        Assert.True(l.Lift.Lower > 1);
        Assert.Equal(1, score.Short!.ModelShare.Estimate, 12);

        // The same prints against the book one period late score nothing.
        var shifted = Book([.. levels.Skip(1), levels[^2]]);
        var late = PriceLevelScoring.ScoreWindows(PriceLevelScoring.GridWindows(shifted.Grid, shifted.Candles, 4, TimeSpan.FromHours(1)), prints, Fast);
        Assert.Equal(0, late.Long!.ModelShare.Estimate, 12);
    }

    [Fact]
    public void Zones_beyond_the_distance_cap_are_not_the_models()
    {
        var (grid, candles) = Book(Enumerable.Repeat(915.0, 6).ToArray()); // 8.5 % below the close: beyond a 5 % cap
        for (var t = 0; t < 6; t++) grid.Values[Bins.IndexOf(975), t] = 1e6;
        var prints = new[] { new LiquidationPrintPoint(Open0.AddHours(3).AddMinutes(5), 975, 1_000, PositionSide.Long) };
        var capped = PriceLevelScoring.ScoreWindows(PriceLevelScoring.GridWindows(grid, candles, 1, TimeSpan.FromHours(1)), prints, Fast with { Zones = 1 });
        Assert.Equal([975.0], capped.Long!.ZoneCenters);
        var uncapped = PriceLevelScoring.ScoreWindows(PriceLevelScoring.GridWindows(grid, candles, 1, TimeSpan.FromHours(1), maxZoneDistance: 1), prints, Fast with { Zones = 1 });
        Assert.Equal([915.0], uncapped.Long!.ZoneCenters);
        Assert.Equal(0, uncapped.Long.ModelShare.Estimate);
    }

    [Fact]
    public void Overlapping_windows_are_rejected()
    {
        var d = new double[Bins.Count];
        var a = new PriceLevelWindow(Open0, Open0.AddHours(2), Bins, d, d, 1_000, 990, 1_010);
        var b = a with { From = Open0.AddHours(1), To = Open0.AddHours(3) };
        var e = Assert.Throws<ArgumentException>(() => PriceLevelScoring.ScoreWindows([a, b], []));
        Assert.Contains("Window 1 starts", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PriceLevelScoring.ScoreWindows([a with { To = Open0 }], []));
    }
}
