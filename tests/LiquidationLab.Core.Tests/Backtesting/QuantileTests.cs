using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.Backtesting;

/// <summary>Quantile regression against cases whose answer is known exactly, the pinball loss and coverage by hand, the
/// loss-matched calibrations and the quantile protocol's climatology.</summary>
public class QuantileTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc); // a Monday

    private static double[][] NoFeatures(int n) => Enumerable.Range(0, n).Select(_ => Array.Empty<double>()).ToArray();

    [Fact]
    public void An_intercept_alone_at_the_median_is_the_sample_median()
    {
        double[] y = [3, 1, 4, 1, 5, 9, 2]; // sorted 1 1 2 3 4 5 9: the median is 3
        var fit = QuantileRegression.Fit(NoFeatures(y.Length), y, 0.5);
        Assert.Equal([3.0], fit.Coefficients);
        Assert.True(fit.Optimal);
        // Σ ρ_0.5 = 0.5 · Σ |y − 3| = 0.5 · (0 + 2 + 1 + 2 + 2 + 6 + 1) = 7
        Assert.Equal(7, fit.Objective, 12);
    }

    [Fact]
    public void An_intercept_alone_at_tau_0_9_is_the_order_statistic_n_tau_rounded_up()
    {
        // n = 11, τ = 0.9: nτ = 9.9, so the 10th smallest value (10) is the unique minimiser.
        double[] y = [7, 2, 11, 5, 1, 10, 3, 9, 4, 8, 6];
        var fit = QuantileRegression.Fit(NoFeatures(y.Length), y, 0.9);
        Assert.Equal([10.0], fit.Coefficients);
        // 0.1 · (9 + 8 + … + 1) below it + 0.9 · (11 − 10) above it = 4.5 + 0.9
        Assert.Equal(5.4, fit.Objective, 12);
    }

    [Fact]
    public void A_noiseless_plane_is_recovered_at_every_quantile()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 60).Select(_ => new[] { 10 * random.NextDouble(), -5 + 10 * random.NextDouble() }).ToArray();
        var y = x.Select(r => 2 + 3 * r[0] - 0.5 * r[1]).ToArray();
        foreach (var tau in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            var fit = QuantileRegression.Fit(x, y, tau);
            Assert.Equal(2, fit.Coefficients[0], 9);
            Assert.Equal(3, fit.Coefficients[1], 9);
            Assert.Equal(-0.5, fit.Coefficients[2], 9);
            Assert.Equal(0, fit.Objective, 9);
        }
    }

    [Fact]
    public void Least_absolute_deviations_through_three_points_is_the_line_through_the_best_pair()
    {
        // Points (0, 0), (1, 1), (2, 3). An LAD line passes through two of them:
        //   through (0,0),(1,1): y = x, |r| at x = 2 is 1;  through (1,1),(2,3): y = 2x − 1, |r| at 0 is 1;
        //   through (0,0),(2,3): y = 1.5x, |r| at x = 1 is 0.5 — the unique optimum, Σ ρ_0.5 = 0.25.
        double[][] x = [[0], [1], [2]];
        double[] y = [0, 1, 3];
        var fit = QuantileRegression.Fit(x, y, 0.5);
        Assert.Equal(0, fit.Coefficients[0], 12);
        Assert.Equal(1.5, fit.Coefficients[1], 12);
        Assert.Equal(0.25, fit.Objective, 12);
        Assert.Equal(3, fit.Predict([2]), 12);
    }

    [Fact]
    public void The_fit_beats_every_other_vertex_on_a_noisy_sample()
    {
        // Exactness on data without a closed form: no line through two of the points has a lower objective.
        var random = new Random(11);
        var x = Enumerable.Range(0, 25).Select(_ => new[] { random.NextDouble() }).ToArray();
        var y = x.Select(r => 1 + 2 * r[0] + Math.Exp(random.NextDouble() * 2)).ToArray();
        foreach (var tau in new[] { 0.5, 0.9 })
        {
            var fit = QuantileRegression.Fit(x, y, tau);
            Assert.True(fit.Optimal);
            for (var i = 0; i < 25; i++)
            for (var j = i + 1; j < 25; j++)
            {
                var b = (y[j] - y[i]) / (x[j][0] - x[i][0]);
                var a = y[i] - b * x[i][0];
                var objective = y.Select((v, k) => v - a - b * x[k][0]).Sum(u => u >= 0 ? tau * u : (tau - 1) * u);
                Assert.True(fit.Objective <= objective + 1e-9, $"τ {tau}: the line through {i} and {j} scores {objective} < {fit.Objective}");
            }
        }
    }

    [Fact]
    public void Degenerate_designs_are_refused_naming_what_is_wrong()
    {
        double[][] constant = [[1, 5], [2, 5], [3, 5], [4, 5]];
        var e = Assert.Throws<ArgumentException>(() => QuantileRegression.Fit(constant, [1, 2, 3, 4], 0.5));
        Assert.Contains("feature 1 is constant", e.Message);
        double[][] repeated = [[1, 2], [2, 4], [3, 6], [4, 8]];
        e = Assert.Throws<ArgumentException>(() => QuantileRegression.Fit(repeated, [1, 2, 3, 4], 0.5));
        Assert.Contains("feature 1 is a linear combination", e.Message);
        e = Assert.Throws<ArgumentException>(() => QuantileRegression.Fit([[1.0, 2], [2, 1]], [1, 2], 0.5));
        Assert.Contains("2 rows cannot fit 3 coefficients", e.Message);
        Assert.Throws<ArgumentException>(() => QuantileRegression.Fit(NoFeatures(3), [1, 2, 3], 1.0));
        Assert.Throws<ArgumentException>(() => QuantileRegression.Fit(NoFeatures(3), [1, double.NaN, 3], 0.5));
    }

    [Fact]
    public void Pinball_loss_and_coverage_match_hand_values()
    {
        double[] p = [10, 10, 10, 7];
        double[] a = [5, 10, 20, double.NaN]; // the NaN pair is skipped
        // τ = 0.9: over-forecast by 5 costs 0.1 · 5 = 0.5, exact 0, under-forecast by 10 costs 0.9 · 10 = 9 → mean 9.5 / 3.
        Assert.Equal(9.5 / 3, Metrics.Pinball(p, a, 0.9), 12);
        // τ = 0.5: half the absolute error → (2.5 + 0 + 5) / 3.
        Assert.Equal(2.5, Metrics.Pinball(p, a, 0.5), 12);
        Assert.Equal(2.0 / 3, Metrics.Coverage(p, a), 12); // 5 ≤ 10 and 10 ≤ 10 are covered; 20 is not
        Assert.True(double.IsNaN(Metrics.Pinball([double.NaN], [1], 0.5)));
        Assert.Throws<ArgumentException>(() => Metrics.Pinball(p, a, 0));
    }

    [Fact]
    public void The_median_calibration_forecasts_the_median_and_the_log1p_one_the_geometric_mean_of_one_plus_y()
    {
        // An intercept alone over 11 training periods: y = 0 ×5, 9, 9, 99, 99, 999, 999.
        double[] train = [0, 0, 0, 0, 0, 9, 9, 99, 99, 999, 999];
        var actual = train.Concat([1.0, 1, 1]).ToArray();
        var median = CalibratedRegression.Point(NoFeatures(actual.Length), actual, trainPeriods: 11, refitPeriods: 10, PointCalibration.Median).Forecast;
        var log1p = CalibratedRegression.Point(NoFeatures(actual.Length), actual, trainPeriods: 11, refitPeriods: 10, PointCalibration.Log1p).Forecast;
        Assert.True(double.IsNaN(median[10]));
        Assert.Equal(9, median[11], 9); // the 6th of 11 sorted values of ln(1 + y) is ln 10: the median of y
        // mean ln(1 + y) = (2 ln 10 + 2 ln 100 + 2 ln 1000) / 11 = 12 ln 10 / 11 → 10^(12/11) − 1, no smearing
        Assert.Equal(Math.Pow(10, 12.0 / 11) - 1, log1p[11], 9);
        Assert.Equal(log1p[11], log1p[13]);
    }

    [Fact]
    public void Calibrated_regressions_recover_a_noiseless_law_on_the_log_scale_at_every_level()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 120).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var y = x.Select(r => Math.Exp(10 + 2 * r[0] - r[1]) - 1).ToArray();
        foreach (var f in new[]
                 {
                     CalibratedRegression.Point(x, y, 60, 20, PointCalibration.Median).Forecast,
                     CalibratedRegression.Point(x, y, 60, 20, PointCalibration.Log1p).Forecast,
                     CalibratedRegression.Quantile(x, y, 60, 20, 0.99).Forecast,
                 })
            for (var i = 60; i < 120; i++) Assert.Equal(y[i], f[i], y[i] * 1e-9);
    }

    [Fact]
    public void A_walk_forward_fit_leaves_out_a_feature_that_is_constant_or_repeats_another_in_its_window()
    {
        // A frozen OI export (a constant) or two features that move together must not cost the rung its forecasts.
        var random = new Random(9);
        var x = Enumerable.Range(0, 80).Select(_ => random.NextDouble()).ToArray();
        var y = x.Select(v => Math.Exp(3 + 2 * v + 0.1 * random.NextDouble()) - 1).ToArray();
        var alone = CalibratedRegression.Point(x.Select(v => new[] { v }).ToArray(), y, 40, 20, PointCalibration.Median);
        var padded = CalibratedRegression.Point(x.Select(v => new[] { v, 7.0, 2 * v }).ToArray(), y, 40, 20, PointCalibration.Median);
        Assert.Equal([0, 2], QuantileRegression.IndependentFeatures([[1, 7, 2], [2, 7, 4], [3, 7, 5]]));
        for (var i = 40; i < 80; i++) Assert.Equal(alone.Forecast[i], padded.Forecast[i], alone.Forecast[i] * 1e-9);
        Assert.Equal(0, padded.Coefficients[0][2]); // the constant's coefficient
        Assert.Equal(0, padded.Coefficients[0][3]); // the repeat's
    }

    [Fact]
    public void Climatology_quantiles_use_the_time_of_day_once_every_slot_has_enough_training_values()
    {
        // Hourly, value = hour of day + day index: each slot's values in training are h + 0 … h + d − 1.
        var n = 24 * 20;
        var starts = Enumerable.Range(0, n).Select(i => T0.AddHours(i)).ToArray();
        var actual = Enumerable.Range(0, n).Select(i => (double)(i % 24 + i / 24)).ToArray();
        Assert.Equal((10, 50, 500), (QuantileProtocol.MinimumPerSlot(0.5), QuantileProtocol.MinimumPerSlot(0.9), QuantileProtocol.MinimumPerSlot(0.99)));
        // Ten days of training: 10 values per slot ≥ 10 → per slot; the median of h + 0 … h + 9 is h + 4.5.
        var (bySlot, rule) = QuantileProtocol.ClimatologyQuantile(starts, actual, trainPeriods: 240, refitPeriods: 240, tau: 0.5);
        Assert.Equal(4.5, bySlot[240], 12);     // hour 0
        Assert.Equal(7 + 4.5, bySlot[247], 12); // hour 7
        Assert.Equal((1, 1), (rule.WindowsByTimeOfDay, rule.Windows));
        // Nine days: 9 per slot < 10 → one pooled quantile for every hour, from training values only.
        var (pooled, rule9) = QuantileProtocol.ClimatologyQuantile(starts, actual, trainPeriods: 216, refitPeriods: 500, tau: 0.5);
        Assert.Equal(pooled[216], pooled[230]);
        Assert.Equal((0, 1), (rule9.WindowsByTimeOfDay, rule9.Windows));
        var shocked = actual.Select((v, i) => i >= 216 ? v * 100 : v).ToArray();
        Assert.Equal(pooled[216], QuantileProtocol.ClimatologyQuantile(starts, shocked, 216, 500, 0.5).Forecast[216]);
    }

    [Fact]
    public void Quantile_protocol_scores_every_level_with_climatology_first_and_its_difference_zero_to_itself()
    {
        var random = new Random(8);
        var n = 24 * 60;
        var candles = Enumerable.Range(0, n).Select(i => new Candle(T0.AddHours(i), 100, 100.5 + random.NextDouble(), 99.5 - random.NextDouble(), 100, 1, 0.5, 1e9 * (1 + 0.1 * random.NextDouble()))).ToArray();
        var actual = Enumerable.Range(0, n).Select(i => 1e6 * Math.Exp(1.5 * Normal(random))).ToArray();
        var settings = new ExAnteSettings(TestStart: 24 * 30, RefitPeriods: 24 * 7, BlockLength: 24, Resamples: 200);
        var report = QuantileProtocol.Evaluate(candles, actual, [], settings);
        Assert.Equal([0.5, 0.9, 0.99], report.Levels);
        Assert.Equal(6, report.Scores.Count);
        foreach (var tau in report.Levels)
        {
            var clim = report.Scores.First(s => s.Tau == tau);
            Assert.Equal(QuantileProtocol.ClimatologyName, clim.Name);
            Assert.Equal(0, clim.PinballMinusClimatology.Estimate);
            Assert.InRange(clim.Coverage.Estimate, clim.Coverage.Lower, clim.Coverage.Upper);
        }
        // i.i.d. lognormal totals: the training quantile is calibrated, P90 covers about 90 % of the test periods.
        Assert.InRange(report.Scores.Single(s => s.Tau == 0.9 && s.Name == QuantileProtocol.ClimatologyName).Coverage.Estimate, 0.85, 0.95);
        Assert.Throws<ArgumentException>(() => QuantileProtocol.Evaluate(candles, actual, [new QuantileForecast("odd", 0.75, new double[n])], settings));
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
