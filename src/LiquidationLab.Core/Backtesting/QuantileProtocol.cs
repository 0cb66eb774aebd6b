using LiquidationLab.Core.MarketData;
using MathNet.Numerics.Statistics;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A τ-quantile forecast of each period's liquidations (USD), aligned with the periods.</summary>
/// <param name="Name">Forecaster, e.g. <c>quantile HAR</c>.</param>
/// <param name="Tau">Quantile level in (0, 1).</param>
/// <param name="Predicted">Forecast per period (NaN where none).</param>
public sealed record QuantileForecast(string Name, double Tau, double[] Predicted);

/// <summary>A quantile forecast's scores over the scored periods, with 95 % block-bootstrap intervals (all on the same resamples).</summary>
/// <param name="Name">Forecaster.</param>
/// <param name="Tau">Quantile level.</param>
/// <param name="Periods">Periods scored (those where every forecaster of this τ forecast).</param>
/// <param name="Pinball">Mean pinball loss, USD (<see cref="Metrics.Pinball"/>): lower is better.</param>
/// <param name="Coverage">Share of periods whose actual is at or below the forecast (calibrated: τ).</param>
/// <param name="PinballMinusClimatology">Pinball loss minus the climatology quantile's on the same resampled periods: below zero and
/// excluding it, better than climatology.</param>
public sealed record QuantileScore(string Name, double Tau, int Periods, BootstrapInterval Pinball, BootstrapInterval Coverage, BootstrapInterval PinballMinusClimatology);

/// <summary>How the climatology quantile was formed at one τ.</summary>
/// <param name="Tau">Quantile level.</param>
/// <param name="MinimumPerSlot">Training values every time-of-day slot needs before the quantile is taken per slot (⌈5 ÷ (1 − τ)⌉).</param>
/// <param name="WindowsByTimeOfDay">Fits (refit windows) that could use the per-slot quantile.</param>
/// <param name="Windows">Fits in all (the rest used the pooled training quantile).</param>
public sealed record ClimatologyQuantileRule(double Tau, int MinimumPerSlot, int WindowsByTimeOfDay, int Windows);

/// <summary>The quantile forecasts' evaluation.</summary>
/// <param name="Protocol">What is forecast.</param>
/// <param name="Levels">The quantile levels τ.</param>
/// <param name="TestFrom">First scored period start.</param>
/// <param name="TestTo">Last scored period start.</param>
/// <param name="Climatology">How the climatology quantile was formed at each τ.</param>
/// <param name="Scores">Per τ, per forecaster (climatology first).</param>
public sealed record QuantileReport(string Protocol, IReadOnlyList<double> Levels, DateTime TestFrom, DateTime TestTo, IReadOnlyList<ClimatologyQuantileRule> Climatology,
    IReadOnlyList<QuantileScore> Scores);

/// <summary>
/// Quantile forecasts of the next period's liquidations (a risk desk's "how bad can the next period get"): at each period's
/// open, P50, P90 and P99 of the period's total from what is known then. Forecasters: the climatology quantile (the
/// training window's empirical τ-quantile, per time of day once every slot holds enough training values, pooled before),
/// quantile HAR (the ladder's HAR features, <see cref="CalibratedRegression.Quantile"/> at τ), and any model's quantile
/// regressions. Fitted walk-forward with the protocol's cadence; scored on the test periods by the mean pinball loss
/// (proper for the τ-quantile) and the coverage (share of actuals at or below the forecast), with block-bootstrap intervals,
/// and by the pinball difference to climatology on the same resampled periods.
/// </summary>
public static class QuantileProtocol
{
    /// <summary>Protocol name in reports.</summary>
    public const string Name = "quantiles of the next period";

    /// <summary>Name of the climatology quantile forecaster.</summary>
    public const string ClimatologyName = "climatology quantile";

    /// <summary>Name of the quantile HAR forecaster.</summary>
    public const string HarName = "quantile HAR";

    /// <summary>The quantile levels scored: P50, P90, P99.</summary>
    public static IReadOnlyList<double> Levels { get; } = [0.5, 0.9, 0.99];

    /// <summary>Training values a time-of-day slot needs for its own τ-quantile: ⌈5 ÷ (1 − τ)⌉ (10 for P50, 50 for P90, 500 for P99),
    /// so that about five training values lie above the slot's quantile.</summary>
    /// <exception cref="ArgumentException">τ outside (0, 1).</exception>
    public static int MinimumPerSlot(double tau) => tau > 0 && tau < 1
        ? (int)Math.Ceiling(5 / (1 - tau) - 1e-9)
        : throw new ArgumentException($"The quantile level τ must be within (0, 1), found {tau}.", nameof(tau));

    /// <summary>
    /// The climatology τ-quantile, walk-forward: before each window (expanding training span, periods before it only) the
    /// empirical τ-quantile (MathNet's <c>SortedArrayStatistics.Quantile</c>, R-8) of the training values of the period's time
    /// of day when every time of day seen in training has at least <see cref="MinimumPerSlot"/> values, else of all training values.
    /// </summary>
    /// <param name="periodStarts">Period starts, UTC.</param>
    /// <param name="actual">Values per period (NaN: missing).</param>
    /// <param name="trainPeriods">Periods before the first window, ≥ 10.</param>
    /// <param name="refitPeriods">Periods per window, ≥ 1.</param>
    /// <param name="tau">Quantile level in (0, 1).</param>
    /// <returns>The forecast per period (NaN before <paramref name="trainPeriods"/>) and how many windows used the per-slot quantile.</returns>
    /// <exception cref="ArgumentException">Different lengths, spans out of range, or τ outside (0, 1).</exception>
    public static (double[] Forecast, ClimatologyQuantileRule Rule) ClimatologyQuantile(IReadOnlyList<DateTime> periodStarts, IReadOnlyList<double> actual,
        int trainPeriods, int refitPeriods, double tau)
    {
        ArgumentNullException.ThrowIfNull(periodStarts);
        ArgumentNullException.ThrowIfNull(actual);
        if (periodStarts.Count != actual.Count) throw new ArgumentException($"periodStarts has {periodStarts.Count} values, actual {actual.Count}.");
        if (trainPeriods < 10 || refitPeriods < 1) throw new ArgumentException("Training needs ≥ 10 periods and each window ≥ 1.");
        var minimum = MinimumPerSlot(tau);
        var f = Enumerable.Repeat(double.NaN, actual.Count).ToArray();
        int windows = 0, bySlot = 0;
        for (var start = trainPeriods; start < actual.Count; start += refitPeriods)
        {
            windows++;
            var train = Enumerable.Range(0, start).Where(i => !double.IsNaN(actual[i])).ToArray();
            if (train.Length == 0) continue;
            var pooled = SortedArrayStatistics.Quantile(train.Select(i => actual[i]).Order().ToArray(), tau);
            var slots = train.GroupBy(i => periodStarts[i].TimeOfDay).ToDictionary(g => g.Key, g => g.Select(i => actual[i]).Order().ToArray());
            var useSlots = slots.Count > 1 && slots.Values.All(v => v.Length >= minimum);
            if (useSlots) bySlot++;
            var quantiles = useSlots ? slots.ToDictionary(kv => kv.Key, kv => SortedArrayStatistics.Quantile(kv.Value, tau)) : null;
            for (var i = start; i < Math.Min(actual.Count, start + refitPeriods); i++)
                f[i] = quantiles is not null && quantiles.TryGetValue(periodStarts[i].TimeOfDay, out var q) ? q : pooled;
        }
        return (f, new ClimatologyQuantileRule(tau, minimum, bySlot, windows));
    }

    /// <summary>The baselines at every level: the climatology quantile and quantile HAR.</summary>
    /// <param name="candles">Bars, one per period.</param>
    /// <param name="actual">Liquidated USD per period.</param>
    /// <param name="settings">Protocol settings (refit cadence, periods per day).</param>
    /// <returns>The forecasts, and how the climatology quantile was formed at each level.</returns>
    public static (IReadOnlyList<QuantileForecast> Forecasts, IReadOnlyList<ClimatologyQuantileRule> Climatology) Baselines(IReadOnlyList<Candle> candles,
        IReadOnlyList<double> actual, ExAnteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(settings);
        var starts = candles.Select(c => c.OpenTime).ToArray();
        var har = BaselineLadder.HarFeatures(actual, settings.PeriodsPerDay);
        var forecasts = new List<QuantileForecast>();
        var rules = new List<ClimatologyQuantileRule>();
        // The quantile HAR fits are independent: in parallel, in level order.
        var harFits = Levels.AsParallel().AsOrdered().Select(tau => CalibratedRegression.Quantile(har, actual, settings.FitStart, settings.FitRefit, tau).Forecast).ToArray();
        for (var k = 0; k < Levels.Count; k++)
        {
            var (clim, rule) = ClimatologyQuantile(starts, actual, settings.FitStart, settings.FitRefit, Levels[k]);
            rules.Add(rule);
            forecasts.Add(new QuantileForecast(ClimatologyName, Levels[k], clim));
            forecasts.Add(new QuantileForecast(HarName, Levels[k], harFits[k]));
        }
        return (forecasts, rules);
    }

    /// <summary>Scores the baselines and <paramref name="forecasts"/> over periods <c>TestStart…</c>, per level.</summary>
    /// <param name="candles">Bars, one per period (period starts).</param>
    /// <param name="actual">Liquidated USD per period.</param>
    /// <param name="forecasts">Further quantile forecasts (e.g. a model's), each at one of <see cref="Levels"/>.</param>
    /// <param name="settings">Protocol settings.</param>
    /// <exception cref="ArgumentException">Misaligned inputs, a level that is not scored, or fewer than two bootstrap blocks of
    /// periods where every forecaster of a level forecast.</exception>
    public static QuantileReport Evaluate(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, IReadOnlyList<QuantileForecast> forecasts, ExAnteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(forecasts);
        ArgumentNullException.ThrowIfNull(settings);
        if (candles.Count != actual.Count) throw new ArgumentException($"{candles.Count} candles but {actual.Count} actual values.");
        foreach (var f in forecasts)
        {
            if (f.Predicted.Length != actual.Count) throw new ArgumentException($"Quantile forecast '{f.Name}' has {f.Predicted.Length} values, actual {actual.Count}.");
            if (!Levels.Contains(f.Tau)) throw new ArgumentException($"Quantile forecast '{f.Name}' is at τ = {f.Tau}; the levels scored are {string.Join(", ", Levels)}.");
        }
        var (baselines, rules) = Baselines(candles, actual, settings);
        var start = settings.TestStart;
        var block = settings.BlockLength;
        var scores = new List<QuantileScore>();
        DateTime? from = null, to = null;
        foreach (var tau in Levels)
        {
            var set = baselines.Concat(forecasts).Where(f => f.Tau == tau).ToList();
            var common = Enumerable.Range(start, actual.Count - start)
                .Where(i => !double.IsNaN(actual[i]) && set.All(f => !double.IsNaN(f.Predicted[i]))).ToArray();
            if (common.Length < 2 * block)
                throw new ArgumentException($"Only {common.Length} test periods have a P{100 * tau:0.#} forecast from every forecaster; the protocol needs at least two blocks ({2 * block}).");
            from ??= candles[common[0]].OpenTime;
            to ??= candles[common[^1]].OpenTime;
            var a = common.Select(i => actual[i]).ToArray();
            var clim = common.Select(i => set[0].Predicted[i]).ToArray();
            var slots = new QuantileScore[set.Count];
            Parallel.For(0, set.Count, k =>
            {
                var p = common.Select(i => set[k].Predicted[i]).ToArray();
                var (pg, ag, cg) = (new double[a.Length], new double[a.Length], new double[a.Length]);
                var intervals = BlockBootstrap.Intervals(a.Length, idx =>
                {
                    for (var i = 0; i < idx.Length; i++) (pg[i], ag[i], cg[i]) = (p[idx[i]], a[idx[i]], clim[idx[i]]);
                    var pinball = Metrics.Pinball(pg, ag, tau);
                    return [pinball, Metrics.Coverage(pg, ag), pinball - Metrics.Pinball(cg, ag, tau)];
                }, 3, block, settings.Resamples);
                slots[k] = new QuantileScore(set[k].Name, tau, a.Length, intervals[0], intervals[1], intervals[2]);
            });
            scores.AddRange(slots);
        }
        return new QuantileReport(Name, Levels, from!.Value, to!.Value, rules, scores);
    }
}

/// <summary>One metric of a model beside the same regression without the map's feature.</summary>
/// <param name="Forecast">The model's forecast.</param>
/// <param name="Without">The same regression without the map's feature.</param>
/// <param name="Metric"><c>MAE</c>, <c>RMSLE</c>, <c>Spearman</c> or <c>pinball P90</c> …</param>
/// <param name="Periods">Test periods where both forecast.</param>
/// <param name="Model">The model's value, with its interval.</param>
/// <param name="WithoutMap">The ablated regression's value.</param>
/// <param name="Difference">Model − ablated on the same resampled periods: the map's own contribution (for errors, below zero
/// and excluding it means the map helps; for Spearman, above zero).</param>
public sealed record AblationRow(string Forecast, string Without, string Metric, int Periods, BootstrapInterval Model, BootstrapInterval WithoutMap, BootstrapInterval Difference);

/// <summary>A pair to ablate: the model's forecast and the same regression's without the map, scored by one metric.</summary>
/// <param name="Forecast">Model forecast name.</param>
/// <param name="Without">Ablated forecast name.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Model">Model forecast per period.</param>
/// <param name="WithoutMap">Ablated forecast per period.</param>
/// <param name="Score">The metric on gathered periods.</param>
/// <param name="IsSpearman">Whether the metric is Spearman's correlation (resampled with the linear-time ranking).</param>
public sealed record AblationPair(string Forecast, string Without, string Metric, double[] Model, double[] WithoutMap, PairMetric Score, bool IsSpearman = false);

/// <summary>The ablation: every model result beside the same regression without the map's features, with the interval of the
/// difference (the map's own contribution, like an R² increment but on the protocol's losses).</summary>
public static class Ablation
{
    /// <summary>Scores each pair over the test periods where both forecast, with block-bootstrap intervals on shared resamples.</summary>
    /// <param name="actual">Liquidated USD per period.</param>
    /// <param name="pairs">The pairs.</param>
    /// <param name="settings">Protocol settings (test start, block length, resamples).</param>
    /// <exception cref="ArgumentException">Misaligned pairs, or fewer than two blocks of common test periods.</exception>
    public static IReadOnlyList<AblationRow> Evaluate(IReadOnlyList<double> actual, IReadOnlyList<AblationPair> pairs, ExAnteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(settings);
        var rows = new AblationRow[pairs.Count];
        Parallel.For(0, pairs.Count, k =>
        {
            var pair = pairs[k];
            if (pair.Model.Length != actual.Count || pair.WithoutMap.Length != actual.Count)
                throw new ArgumentException($"Ablation pair '{pair.Forecast}' is not aligned with the {actual.Count} periods.");
            var common = Enumerable.Range(settings.TestStart, actual.Count - settings.TestStart)
                .Where(i => !double.IsNaN(actual[i]) && !double.IsNaN(pair.Model[i]) && !double.IsNaN(pair.WithoutMap[i])).ToArray();
            if (common.Length < 2 * settings.BlockLength)
                throw new ArgumentException($"Only {common.Length} test periods have both '{pair.Forecast}' and '{pair.Without}'; the ablation needs two blocks ({2 * settings.BlockLength}).");
            var a = common.Select(i => actual[i]).ToArray();
            var m = common.Select(i => pair.Model[i]).ToArray();
            var w = common.Select(i => pair.WithoutMap[i]).ToArray();
            Func<int[], double[]> statistic;
            if (pair.IsSpearman)
            {
                var (sm, sw) = (BlockBootstrap.Spearman(m, a), BlockBootstrap.Spearman(w, a));
                statistic = idx =>
                {
                    var (x, y) = (sm(idx), sw(idx));
                    return [x, y, x - y];
                };
            }
            else
            {
                var (mg, wg, ag) = (new double[a.Length], new double[a.Length], new double[a.Length]);
                statistic = idx =>
                {
                    for (var i = 0; i < idx.Length; i++) (mg[i], wg[i], ag[i]) = (m[idx[i]], w[idx[i]], a[idx[i]]);
                    var (x, y) = (pair.Score(mg, ag), pair.Score(wg, ag));
                    return [x, y, x - y];
                };
            }
            var intervals = BlockBootstrap.Intervals(a.Length, statistic, 3, settings.BlockLength, settings.Resamples);
            rows[k] = new AblationRow(pair.Forecast, pair.Without, pair.Metric, a.Length, intervals[0], intervals[1], intervals[2]);
        });
        return rows;
    }
}
