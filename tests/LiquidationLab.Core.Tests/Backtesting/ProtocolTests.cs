using LiquidationLab.Core.Models;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.Backtesting;

/// <summary>The evaluation protocol's metrics without floors, its intervals and tests, and its ex-ante baselines.</summary>
public class ProtocolTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc); // a Monday

    [Fact]
    public void Rmsle_is_the_rms_of_log1p_differences_and_refuses_negative_values()
    {
        // ln(1+0) − ln(1+0) = 0; ln(1 + (e − 1)) − ln(1) = 1 → √(1/2)
        Assert.Equal(Math.Sqrt(0.5), Metrics.Rmsle([0, Math.E - 1], [0, 0]), 12);
        Assert.Equal(0, Metrics.Rmsle([5, double.NaN], [5, 3]), 12); // NaN pairs skipped
        var e = Assert.Throws<ArgumentException>(() => Metrics.Rmsle([1, -2], [1, 1]));
        Assert.Contains("index 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mase_scales_the_mae_by_the_benchmarks_on_common_periods()
    {
        // model errors 1 + 2, benchmark errors 2 + 2 → 0.75; the third period lacks a benchmark and is left out of both.
        Assert.Equal(0.75, Metrics.Mase([1, 2, 100], [0, 0, 0], [2, 2, double.NaN]), 12);
        Assert.True(double.IsNaN(Metrics.Mase([1.0], [1.0], [1.0]))); // an exact benchmark: undefined
    }

    [Fact]
    public void Flagging_every_period_scores_two_b_over_one_plus_b()
    {
        var actual = Enumerable.Range(0, 100).Select(i => i % 5 == 0).ToArray(); // 20 % events
        Assert.Equal(2 * 0.2 / 1.2, Metrics.FlagAllF1(actual), 12);
        Assert.Equal(Metrics.Events(Enumerable.Repeat(true, 100).ToArray(), actual).F1, Metrics.FlagAllF1(actual), 12);
        Assert.True(double.IsNaN(Metrics.FlagAllF1([false, false])));
    }

    [Fact]
    public void Ewma_forecasts_from_past_values_only_and_skips_gaps()
    {
        // half-life 1 → α = 0.5: level after 2 is 2, after 4 is 3, the NaN leaves it, after 8 it would be 5.5
        var f = PastValues.Ewma([2, 4, double.NaN, 8], halfLifePeriods: 1);
        Assert.True(double.IsNaN(f[0]));
        Assert.Equal([2, 3, 3], f[1..]);
        Assert.Throws<ArgumentOutOfRangeException>(() => PastValues.Ewma([1.0], 0));
    }

    [Fact]
    public void Climatology_averages_past_periods_of_the_same_hour_of_week()
    {
        var times = Enumerable.Range(0, 3 * 168).Select(h => T0.AddHours(h)).ToArray();
        var actual = times.Select((t, i) => 100.0 * (i / 168) + t.Hour).ToArray(); // week w, hour h → 100 w + h
        var f = ExAnteBaselines.SeasonalClimatology(times, actual);
        Assert.All(f[..168], v => Assert.True(double.IsNaN(v))); // first week: no past sample of its slot
        Assert.Equal(actual[5], f[168 + 5]);                       // second week: last week's value of the slot
        Assert.Equal((actual[30] + actual[168 + 30]) / 2, f[336 + 30], 12); // third: the mean of both
        Assert.True(double.IsNaN(ExAnteBaselines.SeasonalClimatology(times, actual, minSamples: 3)[400]));
    }

    [Fact]
    public void Parkinson_volatility_of_constant_ranges_is_their_log_range_over_root_4_ln_2()
    {
        var candles = Enumerable.Range(0, 10).Select(i => Bar(i, 100, 100 * Math.Exp(0.1), 100, 100, oi: 1e9)).ToArray();
        var sigma = PastValues.ParkinsonVolatility(candles, halfLifePeriods: 5);
        Assert.True(double.IsNaN(sigma[0]));
        Assert.All(sigma[1..], s => Assert.Equal(0.1 / Math.Sqrt(4 * Math.Log(2)), s, 12));
    }

    [Fact]
    public void Walk_forward_regression_recovers_a_linear_law_and_refits_per_window()
    {
        var x = Enumerable.Range(0, 60).Select(i => new[] { i % 7 + 0.5 * i }).ToArray();
        var y = x.Select(r => 3 + 2 * r[0]).ToArray();
        var fit = WalkForwardRegression.Fit(x, y, trainPeriods: 20, testPeriods: 10, logTarget: false);
        Assert.Equal([20, 30, 40, 50], fit.WindowStarts);
        Assert.Equal([20, 30, 40, 50], fit.TrainingRows);
        Assert.All(fit.Forecast[..20], v => Assert.True(double.IsNaN(v)));
        for (var i = 20; i < 60; i++) Assert.Equal(y[i], fit.Forecast[i], 9);
        Assert.Equal(3, fit.Coefficients[0][0], 9);
        Assert.Equal(2, fit.Coefficients[0][1], 9);

        // Log target: liquidations = e^(1 + 0.5 x) − 1 exactly → residuals 0, smearing 1, exact forecasts.
        var liq = x.Select(r => Math.Exp(1 + 0.5 * r[0]) - 1).ToArray();
        var logFit = WalkForwardRegression.Fit(x, liq, 20, 10, logTarget: true);
        for (var i = 20; i < 60; i++) Assert.Equal(liq[i], logFit.Forecast[i], liq[i] * 1e-9);
    }

    [Fact]
    public void No_baseline_forecast_uses_its_own_or_a_later_period()
    {
        // Perturb everything from period k on (actual values and bars): every forecast up to and including k must stay.
        var random = new Random(7);
        var n = 400;
        var times = Enumerable.Range(0, n).Select(h => T0.AddHours(h)).ToArray();
        var candles = Enumerable.Range(0, n).Select(i => Bar(i, 100, 100 + 2 * random.NextDouble() + 0.1, 99 - random.NextDouble(), 100, 1e9 * (1 + random.NextDouble()))).ToArray();
        var actual = Enumerable.Range(0, n).Select(_ => 1e6 * Math.Exp(2 * random.NextDouble())).ToArray();
        // Funding stamped every 8 hours (a bar's close value stamped at its open), aligned as of each period's open.
        var funding = Enumerable.Range(0, n / 8).Select(j => new FundingRate(T0.AddHours(8 * j), 1e-4 * (random.NextDouble() - 0.3))).ToArray();
        foreach (var k in new[] { 150, 173, 248, 250, 399 }) // 248: a funding stamp at the open itself (the bar's close value, not known yet)
        {
            var actual2 = actual.Select((v, i) => i >= k ? v * 10 + 12345 : v).ToArray();
            var candles2 = candles.Select((c, i) => i >= k ? c with { High = c.High * 1.5, OpenInterestUsd = c.OpenInterestUsd * 3 } : c).ToArray();
            var funding2 = funding.Select(f => f.Time >= times[k] ? f with { Rate = f.Rate * 7 + 1e-3 } : f).ToArray();
            var names = 0;
            foreach (var (name, f) in Forecasts(times, candles, actual, funding).Zip(Forecasts(times, candles2, actual2, funding2), (a, b) => (a.Name, (a.Values, b.Values))))
            {
                names++;
                for (var i = 0; i <= k; i++)
                    Assert.True(f.Item1[i].Equals(f.Item2[i]), $"{name}: forecast {i} changed when periods ≥ {k} changed");
                Assert.Contains(f.Item1.Skip(100), v => !double.IsNaN(v)); // every forecast exists in the scored span: the check is not vacuous
            }
            Assert.True(names > 60, $"{names} forecasts checked");
        }
    }

    private static IEnumerable<(string Name, double[] Values)> Forecasts(DateTime[] times, Candle[] candles, double[] actual, FundingRate[] funding)
    {
        // Every ex-ante baseline the protocol scores: the ladder (seasonal naive, HAR, + RV, + OI, + funding; median and log1p) and the
        // volatility × OI and stacked regressions in both calibrations, fitted walk-forward like the protocol does.
        var settings = new ExAnteSettings(TestStart: 100, RefitPeriods: 48, BlockLength: 24, Resamples: 200);
        var fundingAtOpen = BaselineLadder.FundingAtOpen(times, funding, TimeSpan.FromHours(1));
        foreach (var b in ExAnteProtocol.Baselines(candles, actual, settings, fundingAtOpen)) yield return (b.Name, b.Predicted);
        // The quantile baselines at every level.
        foreach (var q in QuantileProtocol.Baselines(candles, actual, settings).Forecasts) yield return ($"{q.Name} P{100 * q.Tau}", q.Predicted);
        yield return ("persistence", WalkForward.Persistence(actual));
        yield return ("ewma", PastValues.Ewma(actual, 12));
        yield return ("climatology", ExAnteBaselines.SeasonalClimatology(times, actual));
        yield return ("volatility", PastValues.ParkinsonVolatility(candles, 24));
        yield return ("volatility × OI", ExAnteBaselines.VolatilityOpenInterest(candles, actual, trainPeriods: 100, testPeriods: 48).Forecast);
        yield return ("stacked baselines", ExAnteBaselines.Stacked(candles, actual, trainPeriods: 100, refitPeriods: 48, periodsPerDay: 24).Forecast);
        var brackets = LiquidationLab.Core.Tests.Margin.Fixtures.BtcUsdt;
        foreach (var rule in new[] { LiquidationLab.Core.Models.OpenInterestDecreaseRule.Proportional, LiquidationLab.Core.Models.OpenInterestDecreaseRule.Absolute })
        foreach (var calibration in Enum.GetValues<TouchCalibration>())
        {
            var config = new TouchModelConfig(rule, calibration);
            var run = TouchForecast.Build(candles, actual, brackets, config, trainPeriods: 100, refitPeriods: 48, periodsPerDay: 24);
            foreach (var f in run.Forecasts) yield return (f.Name, f.Predicted);
            // The model's quantile regressions (with and without the map) and the ablated point forecasts.
            var (quantiles, pairs) = BacktestEvaluation.ModelQuantilesAndAblation([config], [run], actual, settings);
            foreach (var q in quantiles) yield return ($"{q.Name} P{100 * q.Tau}", q.Predicted);
            foreach (var p in pairs) yield return ($"{p.Without} ({p.Metric})", p.WithoutMap);
        }
    }

    [Fact]
    public void Block_bootstrap_is_seeded_and_widens_for_autocorrelated_series()
    {
        // AR(1) with φ = 0.9: resampling single periods understates the uncertainty of the mean; day-long blocks do not.
        var random = new Random(3);
        var x = new double[2000];
        for (var i = 1; i < x.Length; i++) x[i] = 0.9 * x[i - 1] + (random.NextDouble() - 0.5);
        double Mean(int[] idx) => idx.Average(i => x[i]);
        var iid = BlockBootstrap.Interval(x.Length, Mean, blockLength: 1);
        var blocks = BlockBootstrap.Interval(x.Length, Mean, blockLength: 50);
        Assert.True(blocks.Upper - blocks.Lower > 2 * (iid.Upper - iid.Lower), $"block width {blocks.Upper - blocks.Lower}, iid width {iid.Upper - iid.Lower}");
        Assert.InRange(blocks.Estimate, blocks.Lower, blocks.Upper);
        Assert.Equal(blocks, BlockBootstrap.Interval(x.Length, Mean, blockLength: 50)); // same seed, same interval
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockBootstrap.Interval(10, Mean, blockLength: 11));
    }

    [Fact]
    public void The_linear_time_bootstrap_spearman_equals_spearman_on_the_gathered_resample()
    {
        var random = new Random(21);
        for (var trial = 0; trial < 200; trial++)
        {
            var n = random.Next(2, 60);
            // Few distinct values (ties within and across repeats) and some NaNs.
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.1 ? double.NaN : random.Next(8)).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.1 ? double.NaN : random.Next(5) * 1.5).ToArray();
            var statistic = BlockBootstrap.Spearman(x, y);
            var idx = Enumerable.Range(0, n).Select(_ => random.Next(n)).ToArray();
            var expected = Metrics.Spearman(idx.Select(i => x[i]).ToArray(), idx.Select(i => y[i]).ToArray());
            var actual = statistic(idx);
            Assert.True(double.IsNaN(expected) ? double.IsNaN(actual) : Math.Abs(expected - actual) < 1e-12, $"trial {trial}: {expected} vs {actual}");
        }
    }

    [Fact]
    public void Bootstrap_differences_are_paired()
    {
        var actual = Enumerable.Range(0, 200).Select(i => (double)(i % 17)).ToArray();
        var good = actual.Select(a => a + 1).ToArray(); // always 1 off
        var bad = actual.Select((a, i) => a + (i % 2 == 0 ? 3 : -3)).ToArray(); // always 3 off
        var d = BlockBootstrap.Difference(good, bad, actual, Metrics.Mae, blockLength: 10);
        Assert.Equal((-2.0, -2.0, -2.0), (d.Estimate, d.Lower, d.Upper)); // the same periods for both: no spread at all
        Assert.True(d.ExcludesZero);
        var same = BlockBootstrap.Difference(good, good, actual, Metrics.Mae, blockLength: 10);
        Assert.False(same.ExcludesZero);
        var m = BlockBootstrap.Metric(good, actual, Metrics.Mae, blockLength: 10);
        Assert.Equal((1.0, 1.0, 1.0), (m.Estimate, m.Lower, m.Upper));
    }

    [Fact]
    public void Diebold_Mariano_matches_a_hand_computed_statistic()
    {
        // d = 1…5: mean 3, γ0 = 2, DM = 3 / √(2/5) = 4.7434; HLN factor √((5 + 1 − 2)/5) = 0.8944 → 4.2426; t(4) two-sided p ≈ 0.0132
        var r = DieboldMariano.Test([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]);
        Assert.Equal(3, r.MeanLossDifference, 12);
        Assert.Equal(3 / Math.Sqrt(0.4) * Math.Sqrt(0.8), r.Statistic, 9);
        Assert.InRange(r.PValue, 0.012, 0.015);
        Assert.Equal(5, r.Periods);

        var equal = DieboldMariano.Test([1, 2, 3, 4], [1, 2, 3, 4]);
        Assert.Equal(1, equal.PValue);
        Assert.Throws<ArgumentException>(() => DieboldMariano.Test([1, double.NaN, 3], [1, 2, 3]));
    }

    [Fact]
    public void Diebold_Mariano_finds_a_better_forecast_and_not_an_equal_one()
    {
        var random = new Random(11);
        var n = 500;
        var actual = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10).ToArray();
        var sharp = actual.Select(a => a + (random.NextDouble() - 0.5)).ToArray();
        var blunt = actual.Select(a => a + 4 * (random.NextDouble() - 0.5)).ToArray();
        var better = DieboldMariano.Test(DieboldMariano.AbsoluteLoss(sharp, actual), DieboldMariano.AbsoluteLoss(blunt, actual), horizon: 4);
        Assert.True(better.MeanLossDifference < 0 && better.PValue < 1e-6, $"{better}");
        var twin = actual.Select(a => a + 4 * (random.NextDouble() - 0.5)).ToArray();
        var tie = DieboldMariano.Test(DieboldMariano.SquaredLoss(twin, actual), DieboldMariano.SquaredLoss(blunt, actual));
        Assert.True(tie.PValue > 0.01, $"{tie}");
    }

    private static Candle Bar(int i, double open, double high, double low, double close, double oi) =>
        new(T0.AddHours(i), open, high, low, close, 1, 0.5, oi);
}

/// <summary>The ex-ante protocol end to end on a synthetic series where the truth is known.</summary>
public class ExAnteProtocolTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc);

    private static (Candle[] Candles, double[] Actual) Series(int n, int seed)
    {
        // Liquidations follow volatility clusters: a regime that switches every few days, visible in the ranges.
        var random = new Random(seed);
        var candles = new Candle[n];
        var actual = new double[n];
        var regime = 1.0;
        for (var i = 0; i < n; i++)
        {
            if (i % 60 == 0) regime = random.NextDouble() < 0.5 ? 1 : 4;
            var range = 0.004 * regime * (0.5 + random.NextDouble());
            candles[i] = new Candle(T0.AddHours(i), 100, 100 * (1 + range), 100, 100, 1, 0.5, 1e9);
            actual[i] = 1e6 * regime * regime * (0.5 + random.NextDouble());
        }
        return (candles, actual);
    }

    [Fact]
    public void An_informed_forecast_beats_the_baselines_with_intervals_that_say_so()
    {
        var (candles, actual) = Series(1200, 5);
        // The "model" knows the outcome up to ±10 % noise: it must win on every count, and the report must show it.
        var noise = new Random(2);
        var informed = actual.Select(a => a * (0.9 + 0.2 * noise.NextDouble())).ToArray();
        var settings = new ExAnteSettings(TestStart: 600, RefitPeriods: 168, BlockLength: 24, Resamples: 400);
        var report = ExAnteProtocol.Evaluate(candles, actual, [new Forecast("informed", informed)], settings);

        Assert.Equal(600, report.TrainPeriods);
        Assert.Equal(600, report.TestPeriods);
        Assert.Equal(T0.AddHours(600), report.TestFrom);
        Assert.Equal(["persistence", "EWMA (half-life 24)", "hour-of-week climatology", BaselineLadder.NaiveDay, BaselineLadder.NaiveWeek,
            "HAR · median", "HAR · log1p", "HAR + RV · median", "HAR + RV · log1p", "HAR + RV + OI · median", "HAR + RV + OI · log1p",
            "volatility × OI regression · median", "volatility × OI regression · log1p", "stacked baselines · median", "stacked baselines · log1p", "informed"], report.Scores.Select(s => s.Name));
        Assert.All(report.Scores, s => Assert.Equal(600, s.Periods)); // every forecast on the same periods
        var model = report.Scores.Single(s => s.Name == "informed");
        Assert.All(model.Metrics, m => Assert.InRange(m.Interval.Estimate, m.Interval.Lower, m.Interval.Upper));
        var c = Assert.Single(report.Comparisons);
        Assert.Equal("informed", c.Forecast);
        Assert.True(c.MaeDifference.Upper < 0, $"MAE difference {c.MaeDifference}");
        Assert.True(c.DieboldMariano.PValue < 0.01, $"{c.DieboldMariano}");
        Assert.True(model.F1Lift > 1.5, $"F1 lift {model.F1Lift}");
        Assert.All(report.Scores.Where(s => s.IsBaseline), b => Assert.True(b.F1Lift < model.F1Lift, $"{b.Name}: lift {b.F1Lift} vs {model.F1Lift}"));
        // The event threshold is the training span's quantile, whatever the test span holds.
        var training = actual[..600].Order().ToArray();
        Assert.Equal(MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(training, 0.8), report.EventThreshold, 6);
    }

    [Fact]
    public void Test_values_do_not_change_what_was_fitted_or_the_event_threshold()
    {
        var (candles, actual) = Series(800, 9);
        var settings = new ExAnteSettings(TestStart: 400, RefitPeriods: 100, BlockLength: 24, Resamples: 200);
        var before = ExAnteProtocol.Evaluate(candles, actual, [], settings);
        var shocked = actual.Select((a, i) => i >= 400 ? a * 50 : a).ToArray();
        var after = ExAnteProtocol.Evaluate(candles, shocked, [], settings);
        Assert.Equal(before.EventThreshold, after.EventThreshold);
        // The first forecast of the test span comes from training data alone: identical for every baseline.
        var b1 = ExAnteProtocol.Baselines(candles, actual, settings);
        var b2 = ExAnteProtocol.Baselines(candles, shocked, settings);
        Assert.All(b1.Zip(b2), p => Assert.Equal(p.First.Predicted[400], p.Second.Predicted[400]));
    }

    [Fact]
    public void A_training_end_freezes_every_fit_and_the_event_threshold()
    {
        var (candles, actual) = Series(900, 12);
        var frozen = new ExAnteSettings(TestStart: 500, RefitPeriods: 48, BlockLength: 24, Resamples: 200, TrainEnd: 400);
        Assert.Equal((400, true), (frozen.FitStart, frozen.FitRefit > 900));
        var fit = ExAnteBaselines.VolatilityOpenInterest(candles, actual, frozen.FitStart, frozen.FitRefit);
        Assert.Equal([400], fit.WindowStarts); // one fit, on periods 0…399
        // Nothing from period 400 on moves the frozen coefficients or the event threshold.
        var shocked = actual.Select((a, i) => i >= 400 ? a * 20 : a).ToArray();
        Assert.Equal(fit.Coefficients[0], ExAnteBaselines.VolatilityOpenInterest(candles, shocked, frozen.FitStart, frozen.FitRefit).Coefficients[0]);
        var report = ExAnteProtocol.Evaluate(candles, actual, [], frozen);
        Assert.Equal(MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(actual[..400].Order().ToArray(), 0.8), report.EventThreshold, 6);
        Assert.Equal(500, ExAnteProtocol.Evaluate(candles, shocked, [], frozen).TrainPeriods); // scoring still starts at the test start
        Assert.Throws<ArgumentException>(() => ExAnteProtocol.Evaluate(candles, actual, [], frozen with { TrainEnd = 600 }));
    }

    [Fact]
    public void A_forecast_flags_its_own_top_periods_from_its_past_values_only()
    {
        double[] rising = [1, 2, 3, 4, 5, 6];
        Assert.Equal([false, true, true, true, true, true], ExAnteProtocol.FlagsOwnTopQuantile(rising, 0.8, minHistory: 1)); // each is a new high
        Assert.Equal([false, false, false, false, false, false], ExAnteProtocol.FlagsOwnTopQuantile(rising.Reverse().ToArray(), 0.8, 1));
        // Scale-free: the same flags for the forecast in USD and in millions; NaN never flags and is not history.
        double[] mixed = [5, 1, double.NaN, 9, 2, 8, 3];
        Assert.Equal(ExAnteProtocol.FlagsOwnTopQuantile(mixed, 0.8, 2), ExAnteProtocol.FlagsOwnTopQuantile(mixed.Select(v => v * 1e6).ToArray(), 0.8, 2));
        Assert.Equal([false, false, false, true, false, false, false], ExAnteProtocol.FlagsOwnTopQuantile(mixed, 0.8, 2));
    }

    [Fact]
    public void Spans_too_short_for_the_bootstrap_are_refused_with_their_sizes()
    {
        var (candles, actual) = Series(100, 1);
        var e = Assert.Throws<ArgumentException>(() => ExAnteProtocol.Evaluate(candles, actual, [], new ExAnteSettings(TestStart: 90, RefitPeriods: 24, BlockLength: 24)));
        Assert.Contains("test span (10 periods)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ExAnteProtocol.Evaluate(candles, actual, [new Forecast("short", [1, 2])], new ExAnteSettings(50, 24, 10)));
    }
}

/// <summary>Touch probabilities and the expected liquidations of the touch model.</summary>
public class TouchForecastTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Touch_probability_follows_the_reflection_principle()
    {
        Assert.Equal(1, TouchProbabilities.Touch(0, 0.01));
        Assert.Equal(2 * (1 - 0.841344746068543), TouchProbabilities.Touch(0.01, 0.01), 9); // one σ away: 2(1 − Φ(1)) = 0.3173
        Assert.Equal(TouchProbabilities.Touch(0.02, 0.01), TouchProbabilities.Touch(-0.02, 0.01)); // symmetric
        Assert.Equal(0, TouchProbabilities.Touch(0.01, 0));
        Assert.True(TouchProbabilities.Touch(0.2, 0.01) is > 0 and < 1e-80); // deep tail: small, not 0 − rounding
        Assert.Throws<ArgumentOutOfRangeException>(() => TouchProbabilities.Touch(0.01, double.NaN));
    }

    [Fact]
    public void Expected_liquidations_weigh_the_book_before_the_period_by_its_touch_probability()
    {
        // A 10x-only book: OI +1,000 on a green candle 1 → 1,000 of longs at LP ≈ 90.36 (entry 100); candle 2 is scored
        // from the book after candle 1 and candle 1's close.
        Candle[] candles =
        [
            new(T0, 100, 100, 100, 100, double.NaN, double.NaN, 1_000),
            new(T0.AddHours(1), 99, 100, 99, 100, double.NaN, double.NaN, 2_000),
            new(T0.AddHours(2), 100, 100, 100, 100, double.NaN, double.NaN, 2_000),
        ];
        var model = new LiquidationLab.Core.Models.TimeEvolvingModel(new LiquidationLab.Core.Models.LeverageMix([(10, 1.0)]), priceBinWidth: 0.01);
        var run = model.Run(new LiquidationLab.Core.Models.MarketWindow("BTCUSDT", LiquidationLab.Core.Tests.Margin.Fixtures.BtcUsdt, candles, [], []));
        var e = TouchProbabilities.Expected(run.Heatmap!, candles, [double.NaN, 0.05, 0.05]);
        Assert.True(double.IsNaN(e.LongUsd[0]));
        Assert.Equal(0, e.LongUsd[1]); // nothing open after candle 0
        var bin = run.Heatmap!.Price.IndexOf(run.Levels.Single().Price);
        var expected = 1_000 * TouchProbabilities.Touch(Math.Log(run.Heatmap.Price.Center(bin) / 100), 0.05);
        Assert.Equal(expected, e.LongUsd[2], 9);
        Assert.Equal(0, e.ShortUsd[2]);
        Assert.Equal(expected, e.TotalUsd[2], 9);
        var longer = TouchProbabilities.Expected(run.Heatmap!, candles, [double.NaN, 0.05, 0.05], horizonBars: 4);
        Assert.Equal(1_000 * TouchProbabilities.Touch(Math.Log(run.Heatmap.Price.Center(bin) / 100), 0.1), longer.LongUsd[2], 9); // σ√4
    }
}

/// <summary>The conditional protocol, the zone-touch evaluation and its logistic regression.</summary>
public class ConditionalAndZoneTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Range_times_oi_uses_the_periods_range_and_the_previous_oi()
    {
        Candle[] candles =
        [
            new(T0, 100, 102, 98, 101, 1, 0.5, 1_000),
            new(T0.AddHours(1), 100, 103, 99, 102, 1, 0.5, 2_000),
        ];
        var raw = ConditionalProtocol.RangeTimesOpenInterest(candles);
        Assert.True(double.IsNaN(raw[0]));                // no OI before the first period
        Assert.Equal(4.0 / 100 * 1_000, raw[1], 12);      // (103 − 99) / 100 × OI[0]
    }

    [Fact]
    public void Logistic_regression_recovers_known_coefficients()
    {
        // y ~ Bernoulli(σ(−1 + 2x)) on a dense grid of x with the expected counts: the maximum-likelihood fit is (−1, 2).
        var x = new List<double[]>();
        var y = new List<bool>();
        for (var i = 0; i <= 200; i++)
        {
            var xi = -2 + i * 0.02;
            var p = 1 / (1 + Math.Exp(-(-1 + 2 * xi)));
            var ones = (int)Math.Round(p * 1000);
            for (var k = 0; k < 1000; k++)
            {
                x.Add([xi]);
                y.Add(k < ones);
            }
        }
        var beta = Logistic.Fit(x, y, ridge: 0);
        Assert.Equal(-1, beta[0], 2);
        Assert.Equal(2, beta[1], 2);
        Assert.Equal(0.5, Logistic.Predict(beta, [0.5]), 2);
        Assert.Throws<ArgumentException>(() => Logistic.Fit([], []));
    }

    [Fact]
    public void Reliability_bins_average_forecasts_and_outcomes()
    {
        var bins = ZoneTouchEvaluation.Reliability([0.05, 0.05, 0.15, 0.95, 1.0], [0, 1, 0, 1, 1]);
        Assert.Equal(3, bins.Count);
        Assert.Equal((2, 0.05, 0.5), (bins[0].Count, bins[0].MeanPredicted, bins[0].ObservedFrequency));
        Assert.Equal((2, 0.975, 1.0), (bins[2].Count, bins[2].MeanPredicted, bins[2].ObservedFrequency)); // 1.0 lands in the last bin
    }

    [Fact]
    public void Zones_that_attract_price_show_in_the_brier_difference_and_ones_that_do_not_do_not()
    {
        // Synthetic zones: touched with probability from the base probability, plus (in the 'magnet' world) a boost with density.
        var random = new Random(4);
        List<ZoneObservation> World(bool magnet)
        {
            var list = new List<ZoneObservation>();
            for (var period = 1; period < 3000; period++)
                for (var z = 0; z < 4; z++)
                {
                    var d = 0.002 + 0.02 * random.NextDouble();
                    var share = random.NextDouble() * 0.3;
                    var p0 = TouchProbabilities.Touch(d, 0.008);
                    var p = magnet ? Math.Min(1, p0 * (0.4 + 4 * share)) : p0;
                    list.Add(new ZoneObservation(period, LiquidationLab.Core.Margin.PositionSide.Long, 100 * Math.Exp(-d), -d, share, p0, random.NextDouble() < p));
                }
            return list;
        }
        var plain = ZoneTouchEvaluation.Evaluate(World(magnet: false), testStart: 1500, refitPeriods: 500, blockLength: 24, resamples: 300);
        Assert.False(plain.BrierDifference.Upper < 0, $"no magnet, yet {plain.BrierDifference}");
        var magnetic = ZoneTouchEvaluation.Evaluate(World(magnet: true), testStart: 1500, refitPeriods: 500, blockLength: 24, resamples: 300);
        Assert.True(magnetic.BrierDifference.Upper < 0, $"{magnetic.BrierDifference}");
        Assert.Equal(["zone-free (volatility only)", "zone-free, calibrated", "model zones (density-aware)"], magnetic.Scores.Select(s => s.Name));
        Assert.All(magnetic.Observations, o => Assert.True(o.Period >= 1500));
    }

    [Fact]
    public void The_whole_evaluation_runs_both_protocols_and_the_zones()
    {
        var random = new Random(8);
        var n = 700;
        var candles = new Candle[n];
        var actual = new double[n];
        var price = 100.0;
        var oi = 1e9;
        for (var i = 0; i < n; i++)
        {
            var move = 0.01 * (random.NextDouble() - 0.5);
            var open = price;
            price *= 1 + move;
            oi *= 1 + 0.02 * (random.NextDouble() - 0.45);
            candles[i] = new Candle(T0.AddHours(i), open, Math.Max(open, price) * (1 + 0.003 * random.NextDouble()), Math.Min(open, price) * (1 - 0.003 * random.NextDouble()), price, double.NaN, double.NaN, oi);
            actual[i] = 1e6 * (candles[i].High / candles[i].Low - 1) * 100 * (0.5 + random.NextDouble());
        }
        var report = BacktestEvaluation.Run(candles, actual, LiquidationLab.Core.Tests.Margin.Fixtures.BtcUsdt,
            [new TouchModelConfig(LiquidationLab.Core.Models.OpenInterestDecreaseRule.Absolute, TouchCalibration.Stacked)],
            new ExAnteSettings(TestStart: 350, RefitPeriods: 168, BlockLength: 24, Resamples: 200), periodsPerDay: 24);
        Assert.Equal(ExAnteProtocol.Name, report.ExAnte.Protocol);
        Assert.Equal(ConditionalProtocol.Name, report.Conditional.Protocol);
        Assert.Contains(report.Conditional.Scores, s => s.Name == "range × OI regression");
        Assert.Contains(report.Conditional.Scores, s => s.Name == "time-evolving (absolute, scaled)");
        // Here liquidations are the range itself: the conditional range × OI regression must rank them far better than any ex-ante forecast.
        double Spearman(ProtocolReport r, string name) => r.Scores.Single(s => s.Name == name).Metrics.Single(m => m.Name == "Spearman").Interval.Estimate;
        // (The ranges are independent draws here, so nothing known at a period's open can rank them.)
        var conditional = Spearman(report.Conditional, "range × OI regression");
        var exAnte = Spearman(report.ExAnte, "stacked baselines · median");
        Assert.True(conditional > 0.6 && exAnte < conditional - 0.3, $"conditional {conditional}, ex ante {exAnte}");
        Assert.NotEmpty(report.Zones.Observations);
    }
}
