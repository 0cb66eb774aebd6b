using LiquidationLab.Core.Models;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>Settings of an ex-ante evaluation.</summary>
/// <param name="TestStart">Index of the first scored period (everything before it is training data only).</param>
/// <param name="RefitPeriods">Walk-forward refit interval of the fitted baselines, in periods (e.g. 7 days).</param>
/// <param name="BlockLength">Bootstrap block length in periods (≥ a day of periods).</param>
/// <param name="EventQuantile">A period is an event when its total is at or above this quantile of the <b>training</b> totals.</param>
/// <param name="EwmaHalfLife">Half-life of the EWMA baseline, periods.</param>
/// <param name="VolatilityHalfLife">Half-life of the volatility forecast, periods.</param>
/// <param name="MapeFloor">Floor of the MAPE reported beside the share of periods it excludes (USD).</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="TrainEnd">With a value, everything fitted is fitted once on the periods before this index and frozen (no
/// walk-forward refits): scoring a frozen configuration on data that arrived later. Must be ≤ <paramref name="TestStart"/>.</param>
/// <param name="PeriodsPerDay">Periods per day (24 for 1h, 6 for 4h): the baseline ladder's day and week windows.</param>
public sealed record ExAnteSettings(int TestStart, int RefitPeriods, int BlockLength, double EventQuantile = 0.8, double EwmaHalfLife = 24,
    double VolatilityHalfLife = 24, double MapeFloor = 1_000_000, int Resamples = 2000, int? TrainEnd = null, double PeriodsPerDay = 24)
{
    /// <summary>The first period a fit forecasts (fits use the periods before it): <see cref="TrainEnd"/>, else <see cref="TestStart"/>; at least 10.</summary>
    public int FitStart => Math.Max(10, TrainEnd ?? TestStart);

    /// <summary>Periods between refits: <see cref="RefitPeriods"/>, or never once frozen by <see cref="TrainEnd"/>.</summary>
    public int FitRefit => TrainEnd is null ? RefitPeriods : int.MaxValue / 4;
}

/// <summary>One metric of one forecast over the test periods, with its block-bootstrap interval.</summary>
/// <param name="Name">e.g. <c>MAE</c>.</param>
/// <param name="Interval">Estimate and 95 % interval.</param>
public sealed record MetricValue(string Name, BootstrapInterval Interval);

/// <summary>A forecast's scores in the test periods.</summary>
/// <param name="Name">Forecast name.</param>
/// <param name="IsBaseline">Whether it is one of the protocol's baselines.</param>
/// <param name="Periods">Test periods where it forecast (NaN-free).</param>
/// <param name="Metrics">MAE, RMSE, RMSLE, MASE (against climatology), Pearson, Spearman, with intervals.</param>
/// <param name="Mape">MAPE above the floor, with the periods it excludes.</param>
/// <param name="Events">Event confusion counts when it flags its own top periods (<see cref="ExAnteProtocol.FlagsOwnTopQuantile"/>).</param>
/// <param name="F1Lift">F1 ÷ F1 of flagging every test period.</param>
public sealed record ForecastScore(string Name, bool IsBaseline, int Periods, IReadOnlyList<MetricValue> Metrics, MapeResult Mape, EventScores Events, double F1Lift);

/// <summary>A forecast compared with the best baseline on the same periods.</summary>
/// <param name="Forecast">The forecast.</param>
/// <param name="Baseline">The best baseline by MAE.</param>
/// <param name="MaeDifference">MAE(forecast) − MAE(baseline) with its interval: negative and excluding 0 = better.</param>
/// <param name="SpearmanDifference">Spearman(forecast) − Spearman(baseline): positive and excluding 0 = better.</param>
/// <param name="DieboldMariano">Test on absolute losses.</param>
public sealed record BaselineComparison(string Forecast, string Baseline, BootstrapInterval MaeDifference, BootstrapInterval SpearmanDifference, DieboldMarianoResult DieboldMariano);

/// <summary>The ex-ante evaluation of forecasts of the next period's total liquidations.</summary>
/// <param name="Protocol">Protocol name and what it means.</param>
/// <param name="TrainPeriods">Periods before the test span.</param>
/// <param name="TestPeriods">Periods scored.</param>
/// <param name="TestFrom">First scored period start (UTC).</param>
/// <param name="TestTo">Last scored period start.</param>
/// <param name="EventThreshold">USD at or above which a period is an event (the training quantile).</param>
/// <param name="EventRate">Share of test periods that are events.</param>
/// <param name="FlagAllF1">F1 of flagging every test period.</param>
/// <param name="Scores">Per forecast.</param>
/// <param name="Comparisons">Each non-baseline forecast against the best baseline; the best baseline against the second best when there are none.</param>
public sealed record ProtocolReport(string Protocol, int TrainPeriods, int TestPeriods, DateTime TestFrom, DateTime TestTo, double EventThreshold, double EventRate, double FlagAllF1,
    IReadOnlyList<ForecastScore> Scores, IReadOnlyList<BaselineComparison> Comparisons);

/// <summary>
/// The ex-ante protocol: at the start of each period, with only what is known then, forecast that period's total
/// liquidations (USD). Baselines get the same information — persistence, EWMA of past totals, hour-of-week climatology, a
/// volatility × open-interest regression and all of these stacked in one regression, both fitted walk-forward — and every forecast is scored on the same test periods
/// without floors (MAE, RMSE, RMSLE, MASE against climatology, Pearson, Spearman; MAPE only beside the share it excludes),
/// with block-bootstrap intervals, events (top-q periods, q's threshold from the training span) with F1 lift over flagging
/// everything, and paired comparisons with the best baseline (bootstrap difference intervals and a Diebold–Mariano test).
/// </summary>
public static class ExAnteProtocol
{
    /// <summary>Protocol name in reports.</summary>
    public const string Name = "ex-ante, next period";

    /// <summary>Name of the stacked baselines' regression (without a calibration suffix).</summary>
    public const string StackedName = "stacked baselines";

    /// <summary>Name of the volatility × open-interest regression (without a calibration suffix).</summary>
    public const string VolatilityOpenInterestName = "volatility × OI regression";

    /// <summary>
    /// The baselines for periods aligned with <paramref name="candles"/> and <paramref name="actual"/>: persistence, EWMA,
    /// hour-of-week climatology, then the ladder (<see cref="BaselineLadder"/>: seasonal naive, HAR, + RV, + OI, + funding where
    /// <paramref name="fundingRate"/> is given), the volatility × OI regression and the stacked baselines — every
    /// regression twice, calibrated for MAE (<c>· median</c>) and for RMSLE (<c>· log1p</c>), see <see cref="CalibratedRegression"/>.
    /// </summary>
    /// <param name="candles">One bar per period (OI in USD).</param>
    /// <param name="actual">Liquidated USD per period, aligned.</param>
    /// <param name="settings">Protocol settings (refit cadence, half-lives, periods per day).</param>
    /// <param name="fundingRate">The funding rate (a fraction) known at each period's open, aligned, or null when the series has
    /// none (the ladder's funding rung is then left out).</param>
    public static IReadOnlyList<Forecast> Baselines(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, ExAnteSettings settings, IReadOnlyList<double>? fundingRate = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(settings);
        var list = new List<Forecast>
        {
            new("persistence", WalkForward.Persistence(actual)),
            new($"EWMA (half-life {settings.EwmaHalfLife:0.#})", PastValues.Ewma(actual, settings.EwmaHalfLife)),
            new(ExAnteBaselines.ClimatologyName, ExAnteBaselines.SeasonalClimatology(candles.Select(c => c.OpenTime).ToArray(), actual)),
        };
        list.AddRange(BaselineLadder.Forecasts(candles, actual, settings, fundingRate));
        var regressions = new[]
        {
            (VolatilityOpenInterestName, ExAnteBaselines.VolatilityOpenInterestFeatures(candles, settings.VolatilityHalfLife)),
            (StackedName, ExAnteBaselines.StackedFeatures(candles, actual, settings.EwmaHalfLife)),
        };
        // Independent fits, in parallel; AsOrdered keeps the report's order whatever the core count.
        list.AddRange(regressions.SelectMany(r => Enum.GetValues<PointCalibration>().Select(c => (r.Item1, r.Item2, Calibration: c))).AsParallel().AsOrdered()
            .Select(r => new Forecast(r.Item1 + CalibratedRegression.Suffix(r.Calibration), CalibratedRegression.Point(r.Item2, actual, settings.FitStart, settings.FitRefit, r.Calibration).Forecast)));
        return list;
    }

    /// <summary>Scores <paramref name="forecasts"/> and the ex-ante baselines over periods <c>TestStart…</c>.</summary>
    /// <param name="candles">One bar per period (its open time is the period start; OI in USD).</param>
    /// <param name="actual">Liquidated USD per period (≥ 0), aligned.</param>
    /// <param name="forecasts">Forecasts to evaluate (each aligned; they must use only data before each period).</param>
    /// <param name="settings">Protocol settings.</param>
    /// <param name="fundingRate">The funding rate known at each period's open (aligned), or null: see <see cref="Baselines"/>.</param>
    /// <exception cref="ArgumentException">Misaligned inputs, or too few training or test periods.</exception>
    public static ProtocolReport Evaluate(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, IReadOnlyList<Forecast> forecasts, ExAnteSettings settings,
        IReadOnlyList<double>? fundingRate = null) =>
        ForecastEvaluation.Score(Name, candles, actual, Baselines(candles, actual, settings, fundingRate), forecasts, settings);
    /// <summary>
    /// Event flags of a forecast, ex ante and free of its scale: period i is flagged when its forecast is at or above the
    /// <paramref name="quantile"/> of the forecast's own earlier values (at least <paramref name="minHistory"/> of them) —
    /// a forecast flags its top periods the way the actual events are the top periods, whatever its units.
    /// </summary>
    public static bool[] FlagsOwnTopQuantile(IReadOnlyList<double> forecast, double quantile, int minHistory)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var flags = new bool[forecast.Count];
        var history = new List<double>();
        for (var i = 0; i < forecast.Count; i++)
        {
            var v = forecast[i];
            if (double.IsNaN(v)) continue;
            if (history.Count >= Math.Max(1, minHistory))
                flags[i] = v >= MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(history.ToArray(), quantile);
            var at = history.BinarySearch(v);
            history.Insert(at < 0 ? ~at : at, v);
        }
        return flags;
    }

    internal static ReadOnlySpan<double> Clip(ReadOnlySpan<double> x)
    {
        var c = x.ToArray();
        for (var i = 0; i < c.Length; i++) if (c[i] < 0) c[i] = 0; // a forecast below zero liquidations means zero
        return c;
    }
}

/// <summary>The scoring engine shared by the ex-ante and the conditional protocols.</summary>
public static class ForecastEvaluation
{
    /// <summary>The metrics every forecast gets, in report order.</summary>
    public static IReadOnlyList<string> MetricNames { get; } = ["MAE", "RMSE", "RMSLE", "MASE vs climatology", "Pearson", "Spearman"];

    /// <summary>
    /// Scores baselines and forecasts of one protocol over periods <c>TestStart…</c>, every one on the same periods (those
    /// where all of them forecast): metrics with block-bootstrap intervals, events and F1 lift, and each forecast against
    /// the best baseline by MAE (bootstrap differences, Diebold–Mariano). MASE is scaled by the baseline named
    /// <see cref="ExAnteBaselines.ClimatologyName"/>, which <paramref name="baselines"/> must hold.
    /// </summary>
    /// <param name="protocol">Protocol name for the report.</param>
    /// <param name="candles">One bar per period (its open time is the period start; OI in USD).</param>
    /// <param name="actual">Liquidated USD per period (≥ 0), aligned.</param>
    /// <param name="forecasts">Forecasts to evaluate (each aligned; they must use only data before each period).</param>
    /// <param name="settings">Protocol settings.</param>
    /// <exception cref="ArgumentException">Misaligned inputs, or too few training or test periods.</exception>
    /// <param name="baselines">The protocol's baselines (aligned).</param>
    public static ProtocolReport Score(string protocol, IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, IReadOnlyList<Forecast> baselines,
        IReadOnlyList<Forecast> forecasts, ExAnteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(forecasts);
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentNullException.ThrowIfNull(settings);
        if (candles.Count != actual.Count) throw new ArgumentException($"{candles.Count} candles but {actual.Count} actual values.");
        foreach (var f in forecasts)
            if (f.Predicted.Length != actual.Count) throw new ArgumentException($"Forecast '{f.Name}' has {f.Predicted.Length} values, actual {actual.Count}.");
        var start = settings.TestStart;
        if (settings.TrainEnd is { } trainEnd && (trainEnd > start || trainEnd < 10))
            throw new ArgumentException($"The training end (period {trainEnd}) must be at least 10 periods in and not after the test start (period {start}).");
        if (start < 2 * settings.BlockLength) throw new ArgumentException($"The training span ({start} periods) must hold at least two bootstrap blocks ({settings.BlockLength} periods each).");
        if (actual.Count - start < 2 * settings.BlockLength)
            throw new ArgumentException($"The test span ({actual.Count - start} periods) must hold at least two bootstrap blocks ({settings.BlockLength} periods each).");

        var all = baselines.Select(b => (b, true)).Concat(forecasts.Select(f => (f, false))).ToList();
        var test = actual.Skip(start).ToArray();
        var training = actual.Take(settings.TrainEnd ?? start).Where(v => !double.IsNaN(v)).Order().ToArray();
        var threshold = MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(training, settings.EventQuantile);
        var climatology = (baselines.FirstOrDefault(b => b.Name == ExAnteBaselines.ClimatologyName)
            ?? throw new ArgumentException($"The baselines must include '{ExAnteBaselines.ClimatologyName}' (the MASE benchmark).")).Predicted.Skip(start).ToArray();

        // Every forecast is scored on the periods where all of them forecast: the same periods for all.
        var common = Enumerable.Range(0, test.Length).Where(i => !double.IsNaN(test[i]) && all.All(x => !double.IsNaN(x.Item1.Predicted[start + i]))).ToArray();
        double[] Common(IReadOnlyList<double> series) => common.Select(i => series[i]).ToArray();
        var a = Common(test);
        var clim = Common(climatology);
        var events = a.Select(v => v >= threshold).ToArray();
        var flagAll = Metrics.FlagAllF1(events);
        var block = settings.BlockLength;
        if (a.Length < 2 * block)
            throw new ArgumentException($"Only {a.Length} test periods have a forecast from every model and baseline; the protocol needs at least two blocks ({2 * block}).");
        // Forecasts are scored in parallel (each bootstrap has its own seeded generator: the same report on any core count).
        var scoreSlots = new ForecastScore[all.Count];
        Parallel.For(0, all.Count, slot =>
        {
            var (f, isBaseline) = all[slot];
            var p = Common(f.Predicted.Skip(start).ToArray());
            // All six metrics on the same resamples, gathered once per resample. RMSLE is the RMSE of ln(1 + ·), taken once
            // here (forecasts below zero count as zero) instead of twice per period per resample.
            _ = Metrics.Rmsle(ExAnteProtocol.Clip(p), a); // refuses negative totals with their index
            var lp = p.Select(v => double.IsNaN(v) ? v : Math.Log(1 + Math.Max(0, v))).ToArray();
            var la = a.Select(v => double.IsNaN(v) ? v : Math.Log(1 + v)).ToArray();
            var (pg, ag, cg, lpg, lag) = (new double[a.Length], new double[a.Length], new double[a.Length], new double[a.Length], new double[a.Length]);
            var spearman = BlockBootstrap.Spearman(p, a);
            var intervals = BlockBootstrap.Intervals(a.Length, idx =>
            {
                for (var i = 0; i < idx.Length; i++)
                {
                    var j = idx[i];
                    (pg[i], ag[i], cg[i], lpg[i], lag[i]) = (p[j], a[j], clim[j], lp[j], la[j]);
                }
                return [Metrics.Mae(pg, ag), Metrics.Rmse(pg, ag), Metrics.Rmse(lpg, lag), Metrics.Mase(pg, ag, cg), Metrics.Pearson(pg, ag), spearman(idx)];
            }, 6, block, settings.Resamples);
            var metrics = MetricNames.Select((name, k) => new MetricValue(name, intervals[k])).ToList();
            var flags = ExAnteProtocol.FlagsOwnTopQuantile(f.Predicted, settings.EventQuantile, settings.BlockLength);
            var flagged = common.Select(i => flags[start + i]).ToArray();
            var ev = Metrics.Events(flagged, events);
            scoreSlots[slot] = new ForecastScore(f.Name, isBaseline, a.Length, metrics, Metrics.Mape(p, a, settings.MapeFloor), ev, ev.F1 / flagAll);
        });
        var scores = scoreSlots.ToList();

        var rankedBaselines = scores.Where(s => s.IsBaseline).OrderBy(s => s.Metrics[0].Interval.Estimate).ToList();
        var best = rankedBaselines[0];
        var comparisons = new List<BaselineComparison>();
        var challengers = scores.Where(s => !s.IsBaseline).ToList();
        if (challengers.Count == 0 && rankedBaselines.Count > 1) challengers.Add(rankedBaselines[1]);
        foreach (var c in challengers)
        {
            var pc = Common(all.First(x => x.Item1.Name == c.Name).Item1.Predicted.Skip(start).ToArray());
            var pb = Common(all.First(x => x.Item1.Name == best.Name).Item1.Predicted.Skip(start).ToArray());
            comparisons.Add(new BaselineComparison(c.Name, best.Name,
                BlockBootstrap.Difference(pc, pb, a, Metrics.Mae, block, settings.Resamples),
                SpearmanDifference(pc, pb, a, block, settings.Resamples),
                DieboldMariano.Test(DieboldMariano.AbsoluteLoss(pc, a), DieboldMariano.AbsoluteLoss(pb, a))));
        }
        return new ProtocolReport(protocol, start, a.Length, candles[start + common[0]].OpenTime, candles[start + common[^1]].OpenTime, threshold,
            (double)events.Count(e => e) / events.Length, flagAll, scores, comparisons);
    }

    private static BootstrapInterval SpearmanDifference(double[] first, double[] second, double[] actual, int block, int resamples)
    {
        var f = BlockBootstrap.Spearman(first, actual);
        var g = BlockBootstrap.Spearman(second, actual);
        return BlockBootstrap.Interval(actual.Length, idx => f(idx) - g(idx), block, resamples);
    }
}
