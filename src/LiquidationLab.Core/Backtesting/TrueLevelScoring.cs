using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A real liquidation level: notional (USD) of open positions whose liquidation price is <paramref name="Price"/>
/// (a position, or a publisher's price bucket of several).</summary>
/// <param name="Price">Liquidation price, quote currency, &gt; 0.</param>
/// <param name="NotionalUsd">Notional at that price, USD, ≥ 0.</param>
/// <param name="Side">Long positions (levels below the price) or shorts (above).</param>
public readonly record struct TrueLevel(double Price, double NotionalUsd, PositionSide Side);

/// <summary>One moment at which real levels are known, with the model's map at the same moment.</summary>
/// <param name="Time">Snapshot time, UTC.</param>
/// <param name="ReferencePrice">The price then (the levels' side is relative to it), &gt; 0.</param>
/// <param name="Bins">The model map's price bins.</param>
/// <param name="ModelDensity">The model's open notional per bin (USD of model notional), one per bin, ≥ 0.</param>
/// <param name="Levels">The real levels at that time.</param>
public sealed record TrueLevelSnapshot(DateTime Time, double ReferencePrice, PriceBins Bins, IReadOnlyList<double> ModelDensity, IReadOnlyList<TrueLevel> Levels);

/// <summary>How a map is scored against true levels.</summary>
/// <param name="Zones">k: the map's densest bins per side taken as its zones (and the k bins nearest the price as the baseline's), ≥ 1.</param>
/// <param name="TolerancePercent">A real level within this % of the price from a zone's centre counts for the zone, ≥ 0.</param>
/// <param name="MaxDistance">Only bins and levels within this fraction of the price are scored (0.15: ±15 %), in (0, 1].</param>
/// <param name="Resamples">Bootstrap resamples, ≥ 100.</param>
/// <param name="BlockSnapshots">Bootstrap block length in snapshots (consecutive snapshots share most positions), ≥ 1.</param>
public sealed record TrueLevelSettings(int Zones = 3, double TolerancePercent = 0.5, double MaxDistance = 0.15, int Resamples = 2000, int BlockSnapshots = 6);

/// <summary>One side's scores pooled over snapshots: means over the snapshots where the side holds real notional in range,
/// with block-bootstrap 95 % intervals.</summary>
/// <param name="Side">Longs or shorts.</param>
/// <param name="Snapshots">Snapshots scored on this side.</param>
/// <param name="ModelShare">Share of the real notional in range that lies within the tolerance of the map's k densest bins.</param>
/// <param name="NearestShare">The same share for the k bins nearest the price (distance only: the baseline with no model).</param>
/// <param name="ShareDifference">Model minus nearest: above zero with the interval, the map's density places real levels better than distance.</param>
/// <param name="ModelSpearman">Rank correlation of the map's density and the real density over the bins in range.</param>
/// <param name="DistanceSpearman">Rank correlation of closeness to the price (−distance) and the real density: the distance-only baseline.</param>
/// <param name="SpearmanDifference">Model minus distance.</param>
public sealed record TrueLevelSideScore(PositionSide Side, int Snapshots, BootstrapInterval ModelShare, BootstrapInterval NearestShare, BootstrapInterval ShareDifference,
    BootstrapInterval ModelSpearman, BootstrapInterval DistanceSpearman, BootstrapInterval SpearmanDifference);

/// <summary>A map scored against true levels (null sides: no snapshot held real notional in range on that side).</summary>
/// <param name="Long">Longs' levels (below the price).</param>
/// <param name="Short">Shorts' levels (above).</param>
/// <param name="Snapshots">Snapshots given.</param>
/// <param name="Settings">The settings used.</param>
public sealed record TrueLevelReport(TrueLevelSideScore? Long, TrueLevelSideScore? Short, int Snapshots, TrueLevelSettings Settings);

/// <summary>
/// Where liquidation levels really sit against where a map puts them. At each snapshot and side, only bins and levels within
/// <see cref="TrueLevelSettings.MaxDistance"/> of the price count. Two questions, each beside the baseline that knows only
/// the distance from the price (the same information minus the model): (1) does the real notional lie within the tolerance
/// of the map's k densest bins more than within that of the k bins nearest the price; (2) does the map's density rank the
/// bins by real density better than closeness does (Spearman over the bins in range). Pooled as means over snapshots;
/// intervals by a circular block bootstrap over snapshots (<see cref="BlockBootstrap"/>).
/// </summary>
public static class TrueLevelScoring
{
    /// <summary>One snapshot's four statistics on one side, or null when the side holds no real notional in range.</summary>
    /// <exception cref="ArgumentException">A density per bin missing, or a non-positive reference price.</exception>
    public static (double ModelShare, double NearestShare, double ModelSpearman, double DistanceSpearman)? ScoreSide(TrueLevelSnapshot snapshot, PositionSide side,
        TrueLevelSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = Check(settings ?? new TrueLevelSettings());
        if (snapshot.ModelDensity.Count != snapshot.Bins.Count)
            throw new ArgumentException($"{snapshot.ModelDensity.Count} model densities for {snapshot.Bins.Count} bins.", nameof(snapshot));
        if (!(snapshot.ReferencePrice > 0)) throw new ArgumentException("The reference price must be > 0.", nameof(snapshot));
        var reference = snapshot.ReferencePrice;
        bool OnSide(double price) => side == PositionSide.Long ? price < reference : price > reference;
        bool InRange(double price) => Math.Abs(price / reference - 1) <= s.MaxDistance;
        var candidates = Enumerable.Range(0, snapshot.Bins.Count).Where(b => OnSide(snapshot.Bins.Center(b)) && InRange(snapshot.Bins.Center(b))).ToArray();
        var levels = snapshot.Levels.Where(l => l.Side == side && l.NotionalUsd > 0 && OnSide(l.Price) && InRange(l.Price)).ToArray();
        var total = levels.Sum(l => l.NotionalUsd);
        if (candidates.Length == 0 || !(total > 0)) return null;
        var distance = candidates.ToDictionary(b => b, b => Math.Abs(snapshot.Bins.Center(b) - reference));
        var nearest = candidates.OrderBy(b => distance[b]).Take(s.Zones).ToArray();
        // The map's zones: its densest bins (ties to the nearer); a map with nothing on this side has no zones.
        var densest = candidates.Where(b => snapshot.ModelDensity[b] > 0).OrderByDescending(b => snapshot.ModelDensity[b]).ThenBy(b => distance[b]).Take(s.Zones).ToArray();
        var tolerance = s.TolerancePercent / 100 * reference;
        double Share(int[] zones)
        {
            var near = 0.0;
            foreach (var l in levels)
                if (zones.Any(b => Math.Abs(l.Price - snapshot.Bins.Center(b)) <= Math.Max(tolerance, snapshot.Bins.Width / 2))) near += l.NotionalUsd;
            return near / total;
        }
        var real = new double[candidates.Length];
        var index = candidates.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => x.i);
        foreach (var l in levels)
        {
            var b = snapshot.Bins.IndexOf(l.Price);
            if (b >= 0 && index.TryGetValue(b, out var i)) real[i] += l.NotionalUsd;
        }
        var model = candidates.Select(b => snapshot.ModelDensity[b]).ToArray();
        var closeness = candidates.Select(b => -distance[b]).ToArray();
        return (Share(densest), Share(nearest), Metrics.Spearman(model, real), Metrics.Spearman(closeness, real));
    }

    /// <summary>Scores every snapshot and pools each side.</summary>
    /// <exception cref="ArgumentException">Fewer than two snapshots, or settings out of range.</exception>
    public static TrueLevelReport Score(IReadOnlyList<TrueLevelSnapshot> snapshots, TrueLevelSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var s = Check(settings ?? new TrueLevelSettings());
        if (snapshots.Count < 2) throw new ArgumentException($"At least two snapshots are needed for an interval, found {snapshots.Count}.", nameof(snapshots));
        var ordered = snapshots.OrderBy(x => x.Time).ToArray();
        return new TrueLevelReport(Pool(ordered, PositionSide.Long, s), Pool(ordered, PositionSide.Short, s), ordered.Length, s);
    }

    private static TrueLevelSideScore? Pool(TrueLevelSnapshot[] snapshots, PositionSide side, TrueLevelSettings s)
    {
        var rows = snapshots.Select(x => ScoreSide(x, side, s)).Where(r => r is not null).Select(r => r!.Value).ToArray();
        if (rows.Length < 2) return null;
        double[] modelShare = rows.Select(r => r.ModelShare).ToArray(), nearestShare = rows.Select(r => r.NearestShare).ToArray(),
            modelRho = rows.Select(r => r.ModelSpearman).ToArray(), distanceRho = rows.Select(r => r.DistanceSpearman).ToArray();
        double Mean(double[] v, int[] idx)
        {
            double sum = 0;
            var n = 0;
            foreach (var i in idx)
                if (!double.IsNaN(v[i])) { sum += v[i]; n++; }
            return n == 0 ? double.NaN : sum / n;
        }
        double MeanDifference(double[] a, double[] b, int[] idx)
        {
            double sum = 0;
            var n = 0;
            foreach (var i in idx)
                if (!double.IsNaN(a[i]) && !double.IsNaN(b[i])) { sum += a[i] - b[i]; n++; }
            return n == 0 ? double.NaN : sum / n;
        }
        var intervals = BlockBootstrap.Intervals(rows.Length, idx =>
        [
            Mean(modelShare, idx), Mean(nearestShare, idx), MeanDifference(modelShare, nearestShare, idx),
            Mean(modelRho, idx), Mean(distanceRho, idx), MeanDifference(modelRho, distanceRho, idx),
        ], 6, Math.Min(s.BlockSnapshots, rows.Length), s.Resamples);
        return new TrueLevelSideScore(side, rows.Length, intervals[0], intervals[1], intervals[2], intervals[3], intervals[4], intervals[5]);
    }

    private static TrueLevelSettings Check(TrueLevelSettings s)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(s.Zones, 1, nameof(TrueLevelSettings.Zones));
        if (!(s.TolerancePercent >= 0 && s.TolerancePercent <= 100))
            throw new ArgumentOutOfRangeException(nameof(s), s.TolerancePercent, "TolerancePercent must be within 0–100 %.");
        if (!(s.MaxDistance > 0 && s.MaxDistance <= 1)) throw new ArgumentOutOfRangeException(nameof(s), s.MaxDistance, "MaxDistance must be within (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(s.Resamples, 100, nameof(TrueLevelSettings.Resamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(s.BlockSnapshots, 1, nameof(TrueLevelSettings.BlockSnapshots));
        return s;
    }
}
