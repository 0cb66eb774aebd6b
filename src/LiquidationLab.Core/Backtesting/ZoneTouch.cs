using LiquidationLab.Core.Models;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using MathNet.Numerics.LinearAlgebra;

namespace LiquidationLab.Core.Backtesting;

/// <summary>One liquidation zone of the model at a period's open and whether price reached it.</summary>
/// <param name="Period">The period index (the zone comes from the book after period − 1).</param>
/// <param name="Side">Long zone (below the price) or short zone (above).</param>
/// <param name="Price">The zone's price (bin centre).</param>
/// <param name="LogDistance">ln(zone price ÷ reference close).</param>
/// <param name="DensityShare">The zone's share of the whole open book (0…1).</param>
/// <param name="BaseProbability">The zone-free touch probability: reflection principle with the volatility forecast alone.</param>
/// <param name="Touched">Whether the period's low (long zone) or high (short zone) reached the price within the horizon.</param>
public sealed record ZoneObservation(int Period, PositionSide Side, double Price, double LogDistance, double DensityShare, double BaseProbability, bool Touched);

/// <summary>A reliability-curve bin: forecasts with a probability in [Lower, Upper).</summary>
/// <param name="Lower">Bin start.</param>
/// <param name="Upper">Bin end.</param>
/// <param name="Count">Observations.</param>
/// <param name="MeanPredicted">Mean forecast probability.</param>
/// <param name="ObservedFrequency">Share touched.</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double ObservedFrequency);

/// <summary>A zone-probability forecast's scores on the test zones.</summary>
/// <param name="Name">Forecast name.</param>
/// <param name="Brier">Brier score (mean squared error of the probability), with its block-bootstrap interval.</param>
/// <param name="Reliability">Reliability curve in ten bins.</param>
/// <param name="Probabilities">The forecast per test observation (in <see cref="ZoneReport.Observations"/> order).</param>
public sealed record ZoneForecastScore(string Name, BootstrapInterval Brier, IReadOnlyList<ReliabilityBin> Reliability, IReadOnlyList<double> Probabilities);

/// <summary>The zone-touch evaluation.</summary>
/// <param name="TestPeriods">Periods with scored zones.</param>
/// <param name="Observations">Test observations (zones).</param>
/// <param name="TouchRate">Share of test zones touched.</param>
/// <param name="Scores">Zone-free raw, zone-free calibrated, and the density-aware model.</param>
/// <param name="BrierDifference">Brier(model) − Brier(zone-free calibrated) on the same resampled periods: below zero and
/// excluding it, the model's zones carry information volatility alone does not.</param>
public sealed record ZoneReport(int TestPeriods, IReadOnlyList<ZoneObservation> Observations, double TouchRate, IReadOnlyList<ZoneForecastScore> Scores, BootstrapInterval BrierDifference);

/// <summary>
/// Does the heatmap know where price goes? At each period's open the model's zones are its densest price bins on each side
/// of the last close (the book after the previous period, within a distance cap). Each zone gets the probability that
/// price reaches it within the period from the volatility forecast alone (reflection principle: the zone-free baseline),
/// that probability calibrated walk-forward by a logistic regression on its logit, and the model's probability — the same
/// regression with the zone's share of the open book added. All fits use zones whose outcome was known before each test
/// window. Scored by the Brier score with block-bootstrap intervals (blocks of periods) and reliability curves.
/// </summary>
public static class ZoneTouchEvaluation
{
    /// <summary>The model's zones per period and their outcomes.</summary>
    /// <param name="grid">A model grid with one column per candle (fixed bin width: see <see cref="TouchModel"/>).</param>
    /// <param name="candles">The candles.</param>
    /// <param name="volatility">σ̂ per period, known at its open.</param>
    /// <param name="zonesPerSide">Densest bins per side, ≥ 1.</param>
    /// <param name="maxDistance">Only bins within this fraction of the close (e.g. 0.05).</param>
    public static IReadOnlyList<ZoneObservation> Observe(TimePriceGrid grid, IReadOnlyList<Candle> candles, IReadOnlyList<double> volatility, int zonesPerSide = 3, double maxDistance = 0.05)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(volatility);
        if (grid.Times.Count != candles.Count || volatility.Count != candles.Count) throw new ArgumentException("Need one grid column and one volatility value per candle.");
        ArgumentOutOfRangeException.ThrowIfLessThan(zonesPerSide, 1);
        var list = new List<ZoneObservation>();
        var bins = grid.Price;
        for (var i = 1; i < candles.Count; i++)
        {
            var sigma = volatility[i];
            if (!(sigma > 0)) continue;
            var close = candles[i - 1].Close;
            double total = 0;
            for (var b = 0; b < bins.Count; b++) total += Math.Max(0, grid.Values[b, i - 1]);
            if (total <= 0) continue;
            var longs = new List<(double Price, double Value)>();
            var shorts = new List<(double Price, double Value)>();
            for (var b = 0; b < bins.Count; b++)
            {
                var v = grid.Values[b, i - 1];
                if (v <= 0) continue;
                var price = bins.Center(b);
                if (Math.Abs(price / close - 1) > maxDistance) continue;
                (price < close ? longs : shorts).Add((price, v));
            }
            foreach (var (side, zones) in new[] { (PositionSide.Long, longs), (PositionSide.Short, shorts) })
            {
                foreach (var z in zones.OrderByDescending(z => z.Value).Take(zonesPerSide))
                {
                    var d = Math.Log(z.Price / close);
                    var touched = side == PositionSide.Long ? candles[i].Low <= z.Price : candles[i].High >= z.Price;
                    list.Add(new ZoneObservation(i, side, z.Price, d, z.Value / total, TouchProbabilities.Touch(d, sigma), touched));
                }
            }
        }
        return list;
    }

    /// <summary>Scores the zone probabilities on periods ≥ <paramref name="testStart"/>.</summary>
    /// <param name="observations">From <see cref="Observe"/>.</param>
    /// <param name="testStart">First scored period; fits use zones of earlier periods only.</param>
    /// <param name="refitPeriods">Refit interval in periods.</param>
    /// <param name="blockLength">Bootstrap block length in periods.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="trainEnd">With a value, the calibrations are fitted once on zones before this period and frozen.</param>
    /// <exception cref="ArgumentException">No training or no test zones.</exception>
    public static ZoneReport Evaluate(IReadOnlyList<ZoneObservation> observations, int testStart, int refitPeriods, int blockLength, int resamples = 2000, int? trainEnd = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentOutOfRangeException.ThrowIfLessThan(refitPeriods, 1);
        var test = observations.Where(o => o.Period >= testStart).ToArray();
        if (test.Length == 0) throw new ArgumentException($"No zones from period {testStart} on.");
        if (!observations.Any(o => o.Period < testStart)) throw new ArgumentException($"No zones before period {testStart} to fit on.");
        static double Logit(double p) => Math.Log(Math.Clamp(p, 1e-6, 1 - 1e-6) / (1 - Math.Clamp(p, 1e-6, 1 - 1e-6)));
        double[] ZoneFree(ZoneObservation o) => [Logit(o.BaseProbability)];
        double[] Model(ZoneObservation o) => [Logit(o.BaseProbability), Math.Log(o.DensityShare + 1e-6)];
        var calibrated = WalkForwardLogistic(observations, test, testStart, refitPeriods, ZoneFree, trainEnd);
        var model = WalkForwardLogistic(observations, test, testStart, refitPeriods, Model, trainEnd);
        var raw = test.Select(o => o.BaseProbability).ToArray();
        var outcome = test.Select(o => o.Touched ? 1.0 : 0.0).ToArray();

        // Bootstrap over periods (blocks of consecutive test periods), carrying each period's zones.
        var periods = test.Select(o => o.Period).Distinct().Order().ToArray();
        var slot = periods.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var zonesIn = new int[periods.Length];
        foreach (var o in test) zonesIn[slot[o.Period]]++;
        var block = Math.Clamp(blockLength, 1, periods.Length);
        BootstrapInterval Brier(Func<int, double> loss)
        {
            // Per-period loss sums first: a resample of periods is then a sum over periods, not over every zone again.
            var sums = new double[periods.Length];
            for (var k = 0; k < test.Length; k++) sums[slot[test[k].Period]] += loss(k);
            return BlockBootstrap.Interval(periods.Length, idx =>
            {
                double sum = 0;
                long n = 0;
                foreach (var pi in idx)
                {
                    sum += sums[pi];
                    n += zonesIn[pi];
                }
                return n == 0 ? double.NaN : sum / n;
            }, block, resamples);
        }
        ZoneForecastScore Score(string name, double[] p) =>
            new(name, Brier(k => (p[k] - outcome[k]) * (p[k] - outcome[k])), Reliability(p, outcome), p);
        var scores = new List<ZoneForecastScore>
        {
            Score("zone-free (volatility only)", raw),
            Score("zone-free, calibrated", calibrated),
            Score("model zones (density-aware)", model),
        };
        var difference = Brier(k => (model[k] - outcome[k]) * (model[k] - outcome[k]) - (calibrated[k] - outcome[k]) * (calibrated[k] - outcome[k]));
        return new ZoneReport(periods.Length, test, outcome.Average(), scores, difference);
    }

    /// <summary>Ten equal-width probability bins: mean forecast and observed frequency (empty bins left out).</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> probability, IReadOnlyList<double> outcome)
    {
        ArgumentNullException.ThrowIfNull(probability);
        ArgumentNullException.ThrowIfNull(outcome);
        var bins = new List<ReliabilityBin>();
        for (var b = 0; b < 10; b++)
        {
            var (lo, hi) = (b / 10.0, (b + 1) / 10.0);
            var idx = Enumerable.Range(0, probability.Count).Where(k => probability[k] >= lo && (probability[k] < hi || (b == 9 && probability[k] <= 1))).ToArray();
            if (idx.Length == 0) continue;
            bins.Add(new ReliabilityBin(lo, hi, idx.Length, idx.Average(k => probability[k]), idx.Average(k => outcome[k])));
        }
        return bins;
    }

    private static double[] WalkForwardLogistic(IReadOnlyList<ZoneObservation> all, ZoneObservation[] test, int testStart, int refitPeriods, Func<ZoneObservation, double[]> features,
        int? trainEnd)
    {
        var p = new double[test.Length];
        if (trainEnd is { } end)
        {
            var frozen = all.Where(o => o.Period < end).ToArray();
            if (frozen.Length == 0) throw new ArgumentException($"No zones before period {end} to fit on.");
            var b = Logistic.Fit(frozen.Select(features).ToArray(), frozen.Select(o => o.Touched).ToArray());
            for (var k = 0; k < test.Length; k++) p[k] = Logistic.Predict(b, features(test[k]));
            return p;
        }
        var lastPeriod = test.Max(o => o.Period);
        double[]? beta = null;
        for (var start = testStart; start <= lastPeriod; start += refitPeriods)
        {
            var train = all.Where(o => o.Period < start).ToArray();
            // Each window's fit starts from the previous one's coefficients (the same optimum, fewer Newton steps).
            beta = Logistic.Fit(train.Select(features).ToArray(), train.Select(o => o.Touched).ToArray(), start: beta);
            for (var k = 0; k < test.Length; k++)
                if (test[k].Period >= start && test[k].Period < start + refitPeriods) p[k] = Logistic.Predict(beta, features(test[k]));
        }
        return p;
    }
}

/// <summary>Logistic regression by Newton–Raphson (iteratively reweighted least squares) with a small ridge penalty.</summary>
public static class Logistic
{
    /// <summary>Fits P(y) = σ(β₀ + β·x).</summary>
    /// <param name="x">Feature rows.</param>
    /// <param name="y">Outcomes.</param>
    /// <param name="ridge">L2 penalty on the slopes (keeps separable data finite).</param>
    /// <returns>Intercept first, then one coefficient per feature.</returns>
    /// <exception cref="ArgumentException">No rows, or ragged rows.</exception>
    /// <param name="start">Starting coefficients (e.g. a previous fit's), or null for zeros.</param>
    public static double[] Fit(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, double ridge = 1e-4, double[]? start = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException($"Need as many outcomes as rows (≥ 1); got {x.Count} rows, {y.Count} outcomes.");
        var width = x[0].Length + 1;
        if (x.Any(r => r.Length != width - 1)) throw new ArgumentException("Every row needs the same number of features.");
        if (start is not null && start.Length != width) throw new ArgumentException($"start has {start.Length} coefficients; the model has {width}.", nameof(start));
        var beta = start is null || start.Any(double.IsNaN) ? new double[width] : (double[])start.Clone();
        var row = new double[width];
        row[0] = 1;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var gradient = new double[width];
            var hessian = new double[width, width];
            for (var r = 0; r < x.Count; r++)
            {
                for (var k = 1; k < width; k++) row[k] = x[r][k - 1];
                double z = 0;
                for (var k = 0; k < width; k++) z += row[k] * beta[k];
                var p = Sigmoid(z);
                var residual = (y[r] ? 1 : 0) - p;
                var weight = p * (1 - p);
                for (var a = 0; a < width; a++)
                {
                    gradient[a] += row[a] * residual;
                    for (var b = 0; b < width; b++) hessian[a, b] += row[a] * row[b] * weight;
                }
            }
            for (var k = 1; k < width; k++)
            {
                gradient[k] -= ridge * x.Count * beta[k];
                hessian[k, k] += ridge * x.Count;
            }
            hessian[0, 0] += 1e-9 * x.Count;
            var step = Matrix<double>.Build.DenseOfArray(hessian).Solve(Vector<double>.Build.DenseOfArray(gradient));
            for (var k = 0; k < width; k++) beta[k] += step[k];
            if (step.AbsoluteMaximum() < 1e-9) break;
        }
        return beta;
    }

    /// <summary>σ(β₀ + β·x).</summary>
    public static double Predict(IReadOnlyList<double> beta, IReadOnlyList<double> x)
    {
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(x);
        var z = beta[0];
        for (var k = 0; k < x.Count; k++) z += beta[k + 1] * x[k];
        return Sigmoid(z);
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
