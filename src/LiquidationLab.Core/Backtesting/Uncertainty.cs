using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A metric computed on paired series (e.g. <see cref="Metrics.Mae"/>, <see cref="Metrics.Spearman"/>).</summary>
/// <param name="predicted">Forecasts.</param>
/// <param name="actual">Observed values, same length.</param>
public delegate double PairMetric(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual);

/// <summary>A point estimate with a bootstrap percentile interval.</summary>
/// <param name="Estimate">The statistic on the observed series.</param>
/// <param name="Lower">Lower end of the interval (the (1 − level)/2 quantile of the resampled statistics).</param>
/// <param name="Upper">Upper end.</param>
/// <param name="Level">Coverage, e.g. 0.95.</param>
/// <param name="Resamples">Resamples whose statistic was defined (NaN ones are dropped).</param>
/// <param name="BlockLength">Periods per block.</param>
public readonly record struct BootstrapInterval(double Estimate, double Lower, double Upper, double Level, int Resamples, int BlockLength)
{
    /// <summary>Whether the interval lies wholly above or wholly below zero (for differences: a significant one).</summary>
    public bool ExcludesZero => Lower > 0 || Upper < 0;
}

/// <summary>
/// Circular block bootstrap (Politis &amp; Romano 1992) for statistics of time series: resamples keep runs of
/// <c>blockLength</c> consecutive periods together, so the autocorrelation of liquidation series (clusters of a day or
/// more) is kept inside the interval instead of being assumed away. Seeded: the same inputs give the same interval.
/// </summary>
public static class BlockBootstrap
{
    /// <summary>Default seed of every interval (deterministic reports).</summary>
    public const int DefaultSeed = 20_261_201;

    /// <summary>
    /// Percentile interval of <paramref name="statistic"/>, evaluated on resampled period indices.
    /// </summary>
    /// <param name="periods">Number of periods n ≥ 2.</param>
    /// <param name="statistic">Computes the statistic from period indices (the identity 0…n−1 for the estimate).</param>
    /// <param name="blockLength">Block length in periods, 1 ≤ L ≤ n (e.g. a day: 24 hourly periods).</param>
    /// <param name="resamples">Bootstrap resamples, ≥ 100.</param>
    /// <param name="level">Coverage in (0, 1).</param>
    /// <param name="seed">Random seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside its range.</exception>
    public static BootstrapInterval Interval(int periods, Func<int[], double> statistic, int blockLength, int resamples = 2000, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 2);
        if (blockLength < 1 || blockLength > periods) throw new ArgumentOutOfRangeException(nameof(blockLength), blockLength, $"The block length must be within 1…{periods} (the periods).");
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be within (0, 1).");
        var estimate = statistic(Enumerable.Range(0, periods).ToArray());
        var random = new Random(seed);
        var values = new List<double>(resamples);
        var indices = new int[periods];
        for (var r = 0; r < resamples; r++)
        {
            for (var filled = 0; filled < periods;)
            {
                var start = random.Next(periods);
                for (var k = 0; k < blockLength && filled < periods; k++) indices[filled++] = (start + k) % periods;
            }
            var v = statistic(indices);
            if (!double.IsNaN(v)) values.Add(v);
        }
        if (values.Count == 0) return new BootstrapInterval(estimate, double.NaN, double.NaN, level, 0, blockLength);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var tail = (1 - level) / 2;
        return new BootstrapInterval(estimate, SortedArrayStatistics.Quantile(sorted, tail), SortedArrayStatistics.Quantile(sorted, 1 - tail), level, sorted.Length, blockLength);
    }

    /// <summary>
    /// Percentile intervals of several statistics computed together on the same resamples (one draw of indices, one
    /// gather): the same intervals as separate <see cref="Interval"/> calls with the same seed, at a fraction of the cost.
    /// </summary>
    /// <param name="periods">Number of periods n ≥ 2.</param>
    /// <param name="statistics">Computes every statistic from period indices; returns <paramref name="count"/> values.</param>
    /// <param name="count">Number of statistics.</param>
    /// <param name="blockLength">Block length in periods, 1 ≤ L ≤ n.</param>
    /// <param name="resamples">Bootstrap resamples, ≥ 100.</param>
    /// <param name="level">Coverage in (0, 1).</param>
    /// <param name="seed">Random seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside its range.</exception>
    public static BootstrapInterval[] Intervals(int periods, Func<int[], double[]> statistics, int count, int blockLength, int resamples = 2000, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // Each statistic sees exactly the draws Interval would give it: one pass evaluates all of them per resample.
        var values = new List<double>[count];
        var estimates = new double[count];
        for (var k = 0; k < count; k++) values[k] = new List<double>(resamples);
        var first = true;
        Interval(periods, idx =>
        {
            var v = statistics(idx);
            if (v.Length != count) throw new InvalidOperationException($"The statistics returned {v.Length} values, not {count}.");
            if (first)
            {
                estimates = v;
                first = false;
                return 0;
            }
            for (var k = 0; k < count; k++) if (!double.IsNaN(v[k])) values[k].Add(v[k]);
            return 0;
        }, blockLength, resamples, level, seed);
        var tail = (1 - level) / 2;
        var result = new BootstrapInterval[count];
        for (var k = 0; k < count; k++)
        {
            var sorted = values[k].ToArray();
            Array.Sort(sorted);
            result[k] = sorted.Length == 0
                ? new BootstrapInterval(estimates[k], double.NaN, double.NaN, level, 0, blockLength)
                : new BootstrapInterval(estimates[k], SortedArrayStatistics.Quantile(sorted, tail), SortedArrayStatistics.Quantile(sorted, 1 - tail), level, sorted.Length, blockLength);
        }
        return result;
    }

    /// <summary>Interval of <paramref name="metric"/>(predicted, actual), resampling periods in blocks.</summary>
    /// <exception cref="ArgumentException">Different lengths.</exception>
    public static BootstrapInterval Metric(IReadOnlyList<double> predicted, IReadOnlyList<double> actual, PairMetric metric, int blockLength, int resamples = 2000, double level = 0.95, int seed = DefaultSeed)
    {
        Same(predicted, actual, "predicted");
        ArgumentNullException.ThrowIfNull(metric);
        var p = new double[actual.Count];
        var a = new double[actual.Count];
        return Interval(actual.Count, idx =>
        {
            for (var i = 0; i < idx.Length; i++) (p[i], a[i]) = (predicted[idx[i]], actual[idx[i]]);
            return metric(p, a);
        }, blockLength, resamples, level, seed);
    }

    /// <summary>
    /// Interval of metric(<paramref name="first"/>) − metric(<paramref name="second"/>), both scored on the same resampled
    /// periods — the paired comparison of a model with a baseline. For an error metric a negative difference favours the
    /// first; for a correlation a positive one.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths.</exception>
    public static BootstrapInterval Difference(IReadOnlyList<double> first, IReadOnlyList<double> second, IReadOnlyList<double> actual, PairMetric metric, int blockLength,
        int resamples = 2000, double level = 0.95, int seed = DefaultSeed)
    {
        Same(first, actual, "first");
        Same(second, actual, "second");
        ArgumentNullException.ThrowIfNull(metric);
        var f = new double[actual.Count];
        var s = new double[actual.Count];
        var a = new double[actual.Count];
        return Interval(actual.Count, idx =>
        {
            for (var i = 0; i < idx.Length; i++) (f[i], s[i], a[i]) = (first[idx[i]], second[idx[i]], actual[idx[i]]);
            return metric(f, a) - metric(s, a);
        }, blockLength, resamples, level, seed);
    }

    /// <summary>
    /// Spearman's correlation of resampled periods, in O(n) per resample: the two series are sorted once, and a resample
    /// (period indices with repeats) is ranked by walking that order with each period's multiplicity, ties averaged — the
    /// same value as <see cref="Metrics.Spearman"/> on the gathered arrays (tested), without sorting thousands of times.
    /// Pairs with a NaN are left out, as there.
    /// </summary>
    /// <param name="x">First series.</param>
    /// <param name="y">Second series, same length.</param>
    /// <returns>A statistic for <see cref="Interval"/>.</returns>
    public static Func<int[], double> Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values, y {y.Count}.");
        var n = x.Count;
        var valid = new bool[n];
        for (var i = 0; i < n; i++) valid[i] = !double.IsNaN(x[i]) && !double.IsNaN(y[i]);
        int[] Order(IReadOnlyList<double> v)
        {
            var idx = Enumerable.Range(0, n).Where(i => valid[i]).ToArray();
            var keys = idx.Select(i => v[i]).ToArray();
            Array.Sort(keys, idx);
            return idx;
        }
        var orderX = Order(x);
        var orderY = Order(y);
        var counts = new int[n];
        var rankX = new double[n];
        var rankY = new double[n];
        void Rank(int[] order, IReadOnlyList<double> v, double[] rank)
        {
            var position = 0; // ranks used so far
            for (var i = 0; i < order.Length;)
            {
                var j = i;
                var multiplicity = counts[order[i]];
                while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) multiplicity += counts[order[++j]];
                var average = position + (multiplicity + 1) / 2.0; // the mean of ranks position+1 … position+multiplicity
                for (var k = i; k <= j; k++) rank[order[k]] = average;
                position += multiplicity;
                i = j + 1;
            }
        }
        return idx =>
        {
            var total = 0;
            foreach (var i in idx)
            {
                if (!valid[i]) continue;
                counts[i]++;
                total++;
            }
            var result = double.NaN;
            if (total >= 2)
            {
                Rank(orderX, x, rankX);
                Rank(orderY, y, rankY);
                // Both rank vectors have mean (total + 1) / 2 over the resample (ranks 1…total, ties averaged).
                var mean = (total + 1) / 2.0;
                double sxy = 0, sxx = 0, syy = 0;
                foreach (var i in orderX)
                {
                    var c = counts[i];
                    if (c == 0) continue;
                    var (dx, dy) = (rankX[i] - mean, rankY[i] - mean);
                    sxy += c * dx * dy;
                    sxx += c * dx * dx;
                    syy += c * dy * dy;
                }
                result = sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
            }
            foreach (var i in idx) counts[i] = 0; // reset only what was touched
            return result;
        };
    }

    private static void Same(IReadOnlyList<double> x, IReadOnlyList<double> actual, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        ArgumentNullException.ThrowIfNull(actual);
        if (x.Count != actual.Count) throw new ArgumentException($"{name} has {x.Count} values, actual {actual.Count}.", name);
    }
}

/// <summary>Result of a Diebold–Mariano test of equal predictive accuracy.</summary>
/// <param name="MeanLossDifference">Mean of loss(A) − loss(B); negative: A forecasts better.</param>
/// <param name="Statistic">The statistic with the Harvey–Leybourne–Newbold small-sample correction.</param>
/// <param name="PValue">Two-sided p-value from Student's t with n − 1 degrees of freedom.</param>
/// <param name="Periods">Periods with both losses known.</param>
/// <param name="Horizon">Forecast horizon h in periods (autocovariances up to lag h − 1 enter the variance).</param>
public readonly record struct DieboldMarianoResult(double MeanLossDifference, double Statistic, double PValue, int Periods, int Horizon);

/// <summary>
/// Diebold–Mariano (1995) test with the Harvey, Leybourne &amp; Newbold (1997) correction: is the mean difference of two
/// forecasts' losses zero? The variance of the mean difference uses the autocovariances up to lag h − 1 (an h-step
/// forecast's errors overlap h − 1 periods); when that estimate is not positive, the lag-0 variance is used.
/// </summary>
public static class DieboldMariano
{
    /// <summary>Tests loss series A against B (pairs with a NaN are skipped).</summary>
    /// <param name="lossA">Per-period loss of forecast A (e.g. <see cref="AbsoluteLoss"/>).</param>
    /// <param name="lossB">Per-period loss of forecast B, same length.</param>
    /// <param name="horizon">Forecast horizon h ≥ 1 in periods.</param>
    /// <exception cref="ArgumentException">Different lengths, h &lt; 1, or fewer than 3 common periods.</exception>
    public static DieboldMarianoResult Test(ReadOnlySpan<double> lossA, ReadOnlySpan<double> lossB, int horizon = 1)
    {
        if (lossA.Length != lossB.Length) throw new ArgumentException($"lossA has {lossA.Length} values, lossB {lossB.Length}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var d = new List<double>(lossA.Length);
        for (var i = 0; i < lossA.Length; i++)
            if (!double.IsNaN(lossA[i]) && !double.IsNaN(lossB[i])) d.Add(lossA[i] - lossB[i]);
        var n = d.Count;
        if (n < 3) throw new ArgumentException($"The Diebold–Mariano test needs at least 3 periods with both losses; got {n}.");
        var mean = d.Average();
        double Autocovariance(int lag)
        {
            double sum = 0;
            for (var t = lag; t < n; t++) sum += (d[t] - mean) * (d[t - lag] - mean);
            return sum / n;
        }
        var gamma0 = Autocovariance(0);
        var longRun = gamma0;
        for (var k = 1; k < Math.Min(horizon, n); k++) longRun += 2 * Autocovariance(k);
        if (!(longRun > 0)) longRun = gamma0;
        if (!(longRun > 0)) return new DieboldMarianoResult(mean, double.NaN, mean == 0 ? 1 : 0, n, horizon); // identical losses, or a constant difference
        var dm = mean / Math.Sqrt(longRun / n);
        var h = horizon;
        var correction = Math.Sqrt((n + 1 - 2.0 * h + h * (h - 1.0) / n) / n);
        var statistic = dm * correction;
        var p = 2 * (1 - StudentT.CDF(0, 1, n - 1, Math.Abs(statistic)));
        return new DieboldMarianoResult(mean, statistic, p, n, horizon);
    }

    /// <summary>|p − a| per period (NaN where either is NaN).</summary>
    public static double[] AbsoluteLoss(IReadOnlyList<double> predicted, IReadOnlyList<double> actual) => Loss(predicted, actual, (p, a) => Math.Abs(p - a));

    /// <summary>(p − a)² per period.</summary>
    public static double[] SquaredLoss(IReadOnlyList<double> predicted, IReadOnlyList<double> actual) => Loss(predicted, actual, (p, a) => (p - a) * (p - a));

    private static double[] Loss(IReadOnlyList<double> predicted, IReadOnlyList<double> actual, Func<double, double, double> loss)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        if (predicted.Count != actual.Count) throw new ArgumentException($"predicted has {predicted.Count} values, actual {actual.Count}.");
        var l = new double[actual.Count];
        for (var i = 0; i < l.Length; i++) l[i] = double.IsNaN(predicted[i]) || double.IsNaN(actual[i]) ? double.NaN : loss(predicted[i], actual[i]);
        return l;
    }
}
