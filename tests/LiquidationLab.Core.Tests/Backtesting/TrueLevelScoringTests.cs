using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Backtesting;

/// <summary>A map against true levels: shares near its densest bins and rank correlation, beside the distance-only baseline.</summary>
public sealed class TrueLevelScoringTests
{
    private static readonly PriceBins Bins = new(80, 1, 40); // centres 80.5 … 119.5, the price at 100

    private static double[] Density(params (double Centre, double Value)[] bins)
    {
        var d = new double[Bins.Count];
        foreach (var (c, v) in bins) d[Bins.IndexOf(c)] = v;
        return d;
    }

    [Fact]
    public void One_snapshot_by_hand()
    {
        var snapshot = new TrueLevelSnapshot(DateTime.UnixEpoch, 100, Bins, Density((90.5, 9), (95.5, 5), (85.5, 1)),
            [new(90.4, 10, PositionSide.Long), new(99.2, 5, PositionSide.Long), new(86, 5, PositionSide.Long), new(130, 99, PositionSide.Short)]);
        var r = TrueLevelScoring.ScoreSide(snapshot, PositionSide.Long, new TrueLevelSettings(Zones: 1, TolerancePercent: 0))!.Value;
        Assert.Equal(0.5, r.ModelShare, 12);    // the densest bin (90.5) holds the 10 of 20 at 90.4
        Assert.Equal(0.25, r.NearestShare, 12); // the nearest bin (99.5) holds the 5 at 99.2
        // The short at 130 is 30 % away: out of the ±15 % range, so the short side has nothing to score.
        Assert.Null(TrueLevelScoring.ScoreSide(snapshot, PositionSide.Short, new TrueLevelSettings(Zones: 1, TolerancePercent: 0)));
        // Closeness ranks the bins with real notional 99.5 > 90.5 > 86.5 while the real order is 90.5 > 99.5 = 86.5 — the model's
        // order (90.5 > 95.5 > 85.5 > the rest) is closer to it.
        Assert.True(r.ModelSpearman > r.DistanceSpearman, $"{r.ModelSpearman} vs {r.DistanceSpearman}");
    }

    private static TrueLevelSnapshot[] World(Func<int, double[]> model, int count = 40)
    {
        // Real levels: longs clustered 6–8 % below the price, a little notional right at it; shorts mirrored.
        var random = new Random(7);
        return Enumerable.Range(0, count).Select(i =>
        {
            var levels = new List<TrueLevel>();
            for (var k = 0; k < 30; k++)
            {
                levels.Add(new(100 - 6 - 2 * random.NextDouble(), 10 + random.NextDouble(), PositionSide.Long));
                levels.Add(new(100 + 6 + 2 * random.NextDouble(), 10 + random.NextDouble(), PositionSide.Short));
            }
            levels.Add(new(99.6, 3, PositionSide.Long));
            levels.Add(new(100.4, 3, PositionSide.Short));
            return new TrueLevelSnapshot(DateTime.UnixEpoch.AddHours(4 * i), 100, Bins, model(i), levels);
        }).ToArray();
    }

    [Fact]
    public void A_map_whose_density_sits_where_the_levels_are_beats_distance_with_intervals_excluding_zero()
    {
        var right = World(_ => Density((93.5, 10), (92.5, 9), (106.5, 10), (107.5, 9)));
        var report = TrueLevelScoring.Score(right, new TrueLevelSettings(Zones: 2, TolerancePercent: 0.5, Resamples: 500));
        foreach (var side in new[] { report.Long!, report.Short! })
        {
            Assert.Equal(40, side.Snapshots);
            Assert.True(side.ShareDifference.Lower > 0, $"{side.Side}: {side.ShareDifference}");
            Assert.True(side.SpearmanDifference.Lower > 0, $"{side.Side}: {side.SpearmanDifference}");
            Assert.InRange(side.ModelShare.Estimate, side.ModelShare.Lower, side.ModelShare.Upper);
        }
    }

    [Fact]
    public void A_map_whose_density_sits_elsewhere_loses_to_distance()
    {
        var wrong = World(_ => Density((86.5, 10), (85.5, 9), (113.5, 10), (114.5, 9)));
        var report = TrueLevelScoring.Score(wrong, new TrueLevelSettings(Zones: 2, TolerancePercent: 0.5, Resamples: 500));
        Assert.True(report.Long!.ShareDifference.Upper <= 0, report.Long.ShareDifference.ToString());
        Assert.Equal(0, report.Long.ModelShare.Estimate, 12); // nothing real within 0.5 % of 85.5 or 86.5
        Assert.True(report.Short!.SpearmanDifference.Upper < 0, report.Short.SpearmanDifference.ToString());
    }

    [Fact]
    public void Bad_input_is_refused_naming_what()
    {
        var snapshot = new TrueLevelSnapshot(DateTime.UnixEpoch, 100, Bins, new double[3], []);
        Assert.Contains("3 model densities for 40 bins", Assert.Throws<ArgumentException>(() => TrueLevelScoring.ScoreSide(snapshot, PositionSide.Long)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TrueLevelScoring.Score([snapshot]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrueLevelScoring.Score([snapshot, snapshot], new TrueLevelSettings(Zones: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrueLevelScoring.Score([snapshot, snapshot], new TrueLevelSettings(MaxDistance: double.NaN)));
    }
}
