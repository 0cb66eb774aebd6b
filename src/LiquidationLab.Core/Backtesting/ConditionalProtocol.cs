using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Core.Backtesting;

/// <summary>
/// The conditional protocol: given the period's realised high and low, how much was liquidated in it. This is what the
/// time-evolving model's per-period consumption answers (positions whose liquidation price the period's range reached),
/// so it is scored here, apart from the ex-ante forecasts, against baselines that get the same information: the period's
/// range × the open interest before it (scaled through the origin, and as a log regression), both fitted walk-forward,
/// and hour-of-week climatology as the range-free reference and MASE benchmark.
/// </summary>
public static class ConditionalProtocol
{
    /// <summary>Protocol name in reports.</summary>
    public const string Name = "conditional on the period's range";

    /// <summary>
    /// The range × OI signal per period: (high − low) ÷ open × OI[i − 1] (USD; NaN without OI); for one side, the move
    /// that liquidates it — (open − low) ÷ open for longs, (high − open) ÷ open for shorts.
    /// </summary>
    public static double[] RangeTimesOpenInterest(IReadOnlyList<Candle> candles, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var raw = new double[candles.Count];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = candles[i];
            var oi = i > 0 ? candles[i - 1].OpenInterestUsd : double.NaN;
            raw[i] = oi > 0 && c.Open > 0 && c.High >= c.Low ? Move(c, side) / c.Open * oi : double.NaN;
        }
        return raw;
    }

    private static double Move(Candle c, LiquidationSide side) => side switch
    {
        LiquidationSide.Long => Math.Max(0, c.Open - c.Low),
        LiquidationSide.Short => Math.Max(0, c.High - c.Open),
        _ => c.High - c.Low,
    };

    // ln of the relative move; for one side, ln(1e-6 + move) keeps a bar that never moved against it (move 0) usable.
    private static double LogMove(Candle c, LiquidationSide side) =>
        !(c.Open > 0) || c.High < c.Low ? double.NaN
        : side == LiquidationSide.Total ? (c.High > c.Low ? Math.Log((c.High - c.Low) / c.Open) : double.NaN)
        : Math.Log(1e-6 + Move(c, side) / c.Open);

    /// <summary>The protocol's baselines for <paramref name="side"/>'s liquidations.</summary>
    public static IReadOnlyList<Forecast> Baselines(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, ExAnteSettings settings, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(settings);
        var raw = RangeTimesOpenInterest(candles, side);
        var train = settings.FitStart;
        return
        [
            new Forecast(ExAnteBaselines.ClimatologyName, ExAnteBaselines.SeasonalClimatology(candles.Select(c => c.OpenTime).ToArray(), actual)),
            new Forecast("range × OI (scaled)", WalkForward.ScaledForecast(raw, actual, train, settings.FitRefit).Forecast),
            new Forecast(RangeRegressionName, WalkForwardRegression.Fit(
                candles.Select((c, i) => new[] { LogMove(c, side), i > 0 && candles[i - 1].OpenInterestUsd > 0 ? Math.Log(candles[i - 1].OpenInterestUsd) : double.NaN }).ToArray(),
                actual, train, settings.FitRefit, logTarget: true).Forecast),
        ];
    }

    /// <summary>
    /// The time-evolving model's liquidated notional per period (consumed by the period's own range), in USD through a
    /// walk-forward scale (least squares through the origin on the periods before each window) — the conditional
    /// forecast notebook 05 used to report as if it were a forecast.
    /// </summary>
    public static Forecast TimeEvolving(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets, OpenInterestDecreaseRule rule,
        ExAnteSettings settings, LeverageMix? mix = null, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(settings);
        var run = new TimeEvolvingModel(mix, decreaseRule: rule).Run(new MarketWindow(brackets.Symbol, brackets, candles, [], []));
        var consumed = run.Liquidations!.Select(p => side switch { LiquidationSide.Long => p.LongUsd, LiquidationSide.Short => p.ShortUsd, _ => p.TotalUsd }).ToArray();
        return new Forecast($"time-evolving ({rule.ToString().ToLowerInvariant()}, scaled)",
            WalkForward.ScaledForecast(consumed, actual, settings.FitStart, settings.FitRefit).Forecast);
    }

    /// <summary>The name of the same-information baseline the turnover model is compared with.</summary>
    public const string RangeRegressionName = "range × OI regression";

    /// <summary>USD at or above which a period counts as "millions liquidated" in <see cref="Diagnose"/> (1 M USD).</summary>
    public const double DiagnosisThresholdUsd = 1_000_000;

    /// <summary>
    /// The turnover model (<see cref="TurnoverModel"/>) fitted walk-forward on the realised liquidations (<see cref="TurnoverFit"/>):
    /// α, s, h, τ and the scale refitted every <see cref="ExAnteSettings.FitRefit"/> periods on the periods before each window
    /// (per side when both sides are given), its forecast the scaled consumption of each period's own range.
    /// </summary>
    /// <param name="candles">Bars with OI (USD), volume and, where known, taker-buy volume.</param>
    /// <param name="funding">Funding rates (may be empty: then taker volume, else 50/50 splits the opens).</param>
    /// <param name="brackets">Leverage brackets.</param>
    /// <param name="longUsd">Realised long liquidations per period, or null to fit the scored series alone.</param>
    /// <param name="shortUsd">Realised short liquidations per period, or null.</param>
    /// <param name="actual">The scored series (used when the sides are not given).</param>
    /// <param name="settings">Protocol settings (fit start and refit interval).</param>
    /// <param name="warmup">Leading periods left out of every fit's loss (the book's first fill), ≥ 0.</param>
    /// <param name="side">Which liquidations are scored.</param>
    /// <param name="start">Where the first fit starts (e.g. the frozen parameters); null: <see cref="TurnoverParameters.Start"/>.</param>
    /// <param name="maxTrainPeriods">Most training periods per fit (the latest before each window).</param>
    public static TurnoverFitResult Turnover(IReadOnlyList<Candle> candles, IReadOnlyList<FundingRate> funding, LeverageBracketTable brackets,
        IReadOnlyList<double>? longUsd, IReadOnlyList<double>? shortUsd, IReadOnlyList<double> actual, ExAnteSettings settings, int warmup,
        LiquidationSide side = LiquidationSide.Total, TurnoverParameters? start = null, int maxTrainPeriods = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(settings);
        var perSide = longUsd is not null && shortUsd is not null;
        return TurnoverFit.WalkForward(candles, funding, brackets, perSide ? longUsd! : actual, perSide ? shortUsd : null, side,
            settings.FitStart, settings.FitRefit, Math.Min(warmup, settings.FitStart - 10), start, maxTrainPeriods: Math.Max(maxTrainPeriods, warmup + 10));
    }

    /// <summary>
    /// The diagnosis of issue 29 on the scored periods: for each forecast, the share of periods with at least
    /// <paramref name="thresholdUsd"/> liquidated in which it says ≈ 0 (below 1 % of the threshold); and each non-baseline
    /// forecast against <see cref="RangeRegressionName"/> on the same periods — MAE, Spearman and RMSLE differences with
    /// block-bootstrap intervals.
    /// </summary>
    /// <param name="actual">Realised USD per period.</param>
    /// <param name="forecasts">The forecasts (aligned; baselines included: the comparison baseline is looked up by name).</param>
    /// <param name="settings">Protocol settings (test start, block length, resamples).</param>
    /// <param name="thresholdUsd">"Millions liquidated": periods at or above it, &gt; 0.</param>
    /// <exception cref="ArgumentException">No forecast named <see cref="RangeRegressionName"/>, or misaligned inputs.</exception>
    public static ConditionalDiagnosis Diagnose(IReadOnlyList<double> actual, IReadOnlyList<Forecast> forecasts, ExAnteSettings settings, double thresholdUsd = DiagnosisThresholdUsd)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(forecasts);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thresholdUsd);
        if (forecasts.Any(f => f.Predicted.Length != actual.Count)) throw new ArgumentException("Every forecast must be aligned with the actual values.");
        var baseline = forecasts.FirstOrDefault(f => f.Name == RangeRegressionName) ?? throw new ArgumentException($"No forecast named '{RangeRegressionName}'.");
        var common = Enumerable.Range(settings.TestStart, actual.Count - settings.TestStart)
            .Where(i => !double.IsNaN(actual[i]) && forecasts.All(f => !double.IsNaN(f.Predicted[i]))).ToArray();
        var a = common.Select(i => actual[i]).ToArray();
        var big = common.Where(i => actual[i] >= thresholdUsd).ToArray();
        var shares = forecasts.Select(f => new NearZeroShare(f.Name, big.Length == 0 ? double.NaN
            : (double)big.Count(i => !(f.Predicted[i] >= thresholdUsd / 100)) / big.Length)).ToArray();
        var b = common.Select(i => Math.Max(0, baseline.Predicted[i])).ToArray();
        var comparisons = new List<ConditionalComparison>();
        foreach (var f in forecasts.Where(f => f.Name != RangeRegressionName && f.Name != ExAnteBaselines.ClimatologyName && !f.Name.StartsWith("range × OI", StringComparison.Ordinal)))
        {
            var p = common.Select(i => Math.Max(0, f.Predicted[i])).ToArray();
            var sp = BlockBootstrap.Spearman(p, a);
            var sb = BlockBootstrap.Spearman(b, a);
            comparisons.Add(new ConditionalComparison(f.Name, RangeRegressionName,
                BlockBootstrap.Difference(p, b, a, Metrics.Mae, settings.BlockLength, settings.Resamples),
                BlockBootstrap.Interval(a.Length, idx => sp(idx) - sb(idx), settings.BlockLength, settings.Resamples),
                BlockBootstrap.Difference(p, b, a, Metrics.Rmsle, settings.BlockLength, settings.Resamples)));
        }
        return new ConditionalDiagnosis(thresholdUsd, common.Length, big.Length, shares, comparisons);
    }

    /// <summary>Scores <paramref name="forecasts"/> and the conditional baselines.</summary>
    public static ProtocolReport Evaluate(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, IReadOnlyList<Forecast> forecasts, ExAnteSettings settings,
        LiquidationSide side = LiquidationSide.Total) =>
        ForecastEvaluation.Score(Name, candles, actual, Baselines(candles, actual, settings, side), forecasts, settings);
}

/// <summary>The share of periods with at least the threshold liquidated in which a forecast says ≈ 0 (below 1 % of the threshold).</summary>
/// <param name="Forecast">Forecast name.</param>
/// <param name="Share">Share in [0, 1]; NaN when no period reached the threshold.</param>
public sealed record NearZeroShare(string Forecast, double Share);

/// <summary>A forecast against the range × OI regression on the same scored periods (differences: forecast − baseline).</summary>
/// <param name="Forecast">Forecast name.</param>
/// <param name="Baseline">Baseline name.</param>
/// <param name="MaeDifference">MAE difference, USD: below 0 and excluding 0 = the forecast is better.</param>
/// <param name="SpearmanDifference">Spearman difference: above 0 and excluding 0 = better.</param>
/// <param name="RmsleDifference">RMSLE difference: below 0 = better.</param>
public sealed record ConditionalComparison(string Forecast, string Baseline, BootstrapInterval MaeDifference, BootstrapInterval SpearmanDifference, BootstrapInterval RmsleDifference);

/// <summary>What the conditional protocol diagnoses (issue 29): the near-zero shares and the comparisons with range × OI.</summary>
/// <param name="ThresholdUsd">"Millions liquidated" threshold, USD.</param>
/// <param name="Periods">Scored periods where every forecast forecast.</param>
/// <param name="PeriodsAtThreshold">Of those, the periods at or above the threshold.</param>
/// <param name="NearZero">Per forecast (baselines included).</param>
/// <param name="Comparisons">Each model against <see cref="ConditionalProtocol.RangeRegressionName"/>.</param>
public sealed record ConditionalDiagnosis(double ThresholdUsd, int Periods, int PeriodsAtThreshold, IReadOnlyList<NearZeroShare> NearZero,
    IReadOnlyList<ConditionalComparison> Comparisons);
