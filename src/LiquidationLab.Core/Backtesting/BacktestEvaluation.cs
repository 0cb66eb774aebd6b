using LiquidationLab.Core.Models;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>The whole evaluation of one series: both protocols and the zones.</summary>
/// <param name="ExAnte">Next-period forecasts made at each period's open.</param>
/// <param name="Conditional">Liquidations given the period's own range.</param>
/// <param name="Zones">Zone-touch probabilities of the first touch-model configuration's book.</param>
/// <param name="Models">The touch-model configurations scored.</param>
/// <param name="Prints">Price-level scores of the same book against real liquidation prints in the test periods (each period
/// scored with the book at its open); null when no prints were given or none fall in the test span.</param>
/// <param name="PrintSettings">The settings <paramref name="Prints"/> were scored with (null with it).</param>
/// <param name="Turnover">The turnover model's walk-forward fit (its refits and their spread), when it was scored.</param>
/// <param name="Diagnosis">The conditional diagnosis (near-zero shares, comparisons with range × OI), when the turnover model was scored.</param>
/// <param name="Quantiles">P50/P90/P99 forecasts of the climatology quantile, quantile HAR and each configuration's regression
/// (with and without the map), scored by pinball loss and coverage.</param>
/// <param name="Ablation">Each configuration's results beside the same regression without the map's feature.</param>
public sealed record BacktestReport(ProtocolReport ExAnte, ProtocolReport Conditional, ZoneReport Zones, IReadOnlyList<TouchModelConfig> Models,
    PooledPriceLevelScore? Prints = null, PriceLevelScoringSettings? PrintSettings = null, TurnoverFitResult? Turnover = null, ConditionalDiagnosis? Diagnosis = null,
    QuantileReport? Quantiles = null, IReadOnlyList<AblationRow>? Ablation = null);

/// <summary>What the turnover model needs beyond the scored series (<see cref="BacktestEvaluation.Run"/>).</summary>
/// <param name="Funding">Funding rates by time (may be empty).</param>
/// <param name="LongUsd">Realised long liquidations per period (with <paramref name="ShortUsd"/>: the fit is per side), or null.</param>
/// <param name="ShortUsd">Realised short liquidations per period, or null.</param>
/// <param name="Start">Where every fit starts (the frozen parameters), or null for <see cref="TurnoverParameters.Start"/>.</param>
public sealed record TurnoverInputs(IReadOnlyList<FundingRate> Funding, IReadOnlyList<double>? LongUsd = null, IReadOnlyList<double>? ShortUsd = null,
    TurnoverParameters? Start = null);

/// <summary>
/// Runs the evaluation the way <c>liqlab backtest</c> and notebook 05 do: the ex-ante protocol with the touch-model
/// configurations, the conditional protocol with the time-evolving model under the first configuration's OI-decrease
/// rule, the zone-touch scores of that configuration's book, and — where real liquidation prints exist in the test span —
/// where those liquidations happened against the same book's zones (<see cref="PriceLevelScoring"/>).
/// </summary>
public static class BacktestEvaluation
{
    /// <summary>Days of training periods each turnover-model fit uses (the latest before its window): 60.</summary>
    public const double TurnoverTrainingDays = 60;

    /// <summary>Runs everything.</summary>
    /// <param name="candles">Bars with OI (USD), one per period.</param>
    /// <param name="actual">Real liquidation totals (USD) per period.</param>
    /// <param name="brackets">The symbol's leverage brackets.</param>
    /// <param name="models">Touch-model configurations (at least one: the first also drives the conditional model and the zones).</param>
    /// <param name="settings">Protocol settings.</param>
    /// <param name="periodsPerDay">Bars per day.</param>
    /// <param name="side">Which liquidations <paramref name="actual"/> counts (the models and the conditional baselines follow it).</param>
    /// <param name="prints">Real liquidation prints (any time; those in the test periods are scored), or null.</param>
    /// <param name="printSettings">Price-level scoring settings; by default <see cref="DefaultPrintSettings"/>.</param>
    /// <param name="turnover">With a value, the turnover model is fitted walk-forward and scored in the conditional protocol beside
    /// the time-evolving one, with the diagnosis (<see cref="ConditionalProtocol.Diagnose"/>).</param>
    /// <param name="fundingRate">The funding rate known at each period's open (aligned) for the ladder's funding rung, or null.</param>
    /// <exception cref="ArgumentException">No configuration, or the protocol's own checks.</exception>
    public static BacktestReport Run(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets, IReadOnlyList<TouchModelConfig> models,
        ExAnteSettings settings, double periodsPerDay, LiquidationSide side = LiquidationSide.Total,
        IReadOnlyList<LiquidationPrintPoint>? prints = null, PriceLevelScoringSettings? printSettings = null, TurnoverInputs? turnover = null,
        IReadOnlyList<double>? fundingRate = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(settings);
        if (models.Count == 0) throw new ArgumentException("At least one touch-model configuration is needed.", nameof(models));
        var runs = models.Select(m => TouchForecast.Build(candles, actual, brackets, m, settings.FitStart, settings.FitRefit, periodsPerDay, side)).ToList();
        var exAnte = ExAnteProtocol.Evaluate(candles, actual, runs.SelectMany(r => r.Forecasts).ToList(), settings, fundingRate);
        var (modelQuantiles, ablationPairs) = ModelQuantilesAndAblation(models, runs, actual, settings);
        var quantiles = QuantileProtocol.Evaluate(candles, actual, modelQuantiles, settings);
        var ablation = Ablation.Evaluate(actual, ablationPairs, settings);
        List<Forecast> conditionalForecasts = [ConditionalProtocol.TimeEvolving(candles, actual, brackets, models[0].DecreaseRule, settings, models[0].Mix, side)];
        TurnoverFitResult? fit = null;
        ConditionalDiagnosis? diagnosis = null;
        if (turnover is not null)
        {
            fit = ConditionalProtocol.Turnover(candles, turnover.Funding, brackets, turnover.LongUsd, turnover.ShortUsd, actual, settings,
                (int)Math.Round(2 * periodsPerDay), side, turnover.Start, (int)Math.Round(TurnoverTrainingDays * periodsPerDay));
            conditionalForecasts.Add(fit.Forecast);
            diagnosis = ConditionalProtocol.Diagnose(actual, [.. ConditionalProtocol.Baselines(candles, actual, settings, side), .. conditionalForecasts, fit.BookOnly], settings);
        }
        var conditional = ConditionalProtocol.Evaluate(candles, actual, conditionalForecasts, settings, side);
        var zones = ZoneTouchEvaluation.Evaluate(ZoneTouchEvaluation.Observe(runs[0].Grid, candles, runs[0].Volatility), settings.TestStart, settings.FitRefit,
            settings.BlockLength, settings.Resamples, settings.TrainEnd);
        PooledPriceLevelScore? printScore = null;
        if (prints is { Count: > 0 })
        {
            var period = TimeSpan.FromDays(1 / periodsPerDay);
            var windows = PriceLevelScoring.GridWindows(runs[0].Grid, candles, settings.TestStart, period);
            var ps = printSettings ?? DefaultPrintSettings(settings, periodsPerDay);
            var scored = PriceLevelScoring.ScoreWindows(windows, prints, ps);
            if (scored.Long is not null || scored.Short is not null || scored.ExcludedPrints > 0) printScore = scored;
            printSettings = ps;
        }
        return new BacktestReport(exAnte, conditional, zones, models, printScore, printScore is null ? null : printSettings, fit, diagnosis, quantiles, ablation);
    }

    /// <summary>
    /// Each configuration's quantile regressions at every level (its features, and the same without the map, named by
    /// <see cref="TouchModelRun.WithoutMapName"/>; duplicates once) and its ablation pairs: MAE and Spearman of the median
    /// forecast, RMSLE of the log1p one (regression calibrations only), the pinball loss at every level.
    /// </summary>
    public static (IReadOnlyList<QuantileForecast> Quantiles, IReadOnlyList<AblationPair> Pairs) ModelQuantilesAndAblation(IReadOnlyList<TouchModelConfig> models,
        IReadOnlyList<TouchModelRun> runs, IReadOnlyList<double> actual, ExAnteSettings settings)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        var quantiles = new List<QuantileForecast>();
        var pairs = new List<AblationPair>();
        for (var m = 0; m < runs.Count; m++)
        {
            var (config, run) = (models[m], runs[m]);
            if (config.Calibration != TouchCalibration.Scale)
            {
                foreach (var calibration in Enum.GetValues<PointCalibration>())
                {
                    var with = run.Forecasts.Single(f => f.Name == config.Name + CalibratedRegression.Suffix(calibration));
                    var without = CalibratedRegression.Point(run.FeaturesWithoutMap, actual, settings.FitStart, settings.FitRefit, calibration).Forecast;
                    var withoutName = run.WithoutMapName + CalibratedRegression.Suffix(calibration);
                    if (calibration == PointCalibration.Median)
                    {
                        pairs.Add(new AblationPair(with.Name, withoutName, "MAE", with.Predicted, without, Metrics.Mae));
                        pairs.Add(new AblationPair(with.Name, withoutName, "Spearman", with.Predicted, without, Metrics.Spearman, IsSpearman: true));
                    }
                    else pairs.Add(new AblationPair(with.Name, withoutName, "RMSLE", with.Predicted, without, Metrics.Rmsle));
                }
            }
            // Six independent fits (with and without the map at each level), in parallel and in order.
            var fits = QuantileProtocol.Levels.SelectMany(tau => new[] { (Tau: tau, Features: run.Features), (Tau: tau, Features: run.FeaturesWithoutMap) })
                .AsParallel().AsOrdered().Select(x => CalibratedRegression.Quantile(x.Features, actual, settings.FitStart, settings.FitRefit, x.Tau).Forecast).ToArray();
            for (var l = 0; l < QuantileProtocol.Levels.Count; l++)
            {
                var tau = QuantileProtocol.Levels[l];
                var with = new QuantileForecast(config.Name, tau, fits[2 * l]);
                var without = new QuantileForecast(run.WithoutMapName, tau, fits[2 * l + 1]);
                if (!quantiles.Any(q => q.Name == with.Name && q.Tau == tau)) quantiles.Add(with);
                if (!quantiles.Any(q => q.Name == without.Name && q.Tau == tau)) quantiles.Add(without);
                var t = tau;
                pairs.Add(new AblationPair(with.Name, without.Name, $"pinball P{100 * tau:0.#}", with.Predicted, without.Predicted, (p, a) => Metrics.Pinball(p, a, t)));
            }
        }
        return (quantiles, pairs);
    }

    /// <summary>
    /// Price-level scoring in the backtest: the zone section's 3 densest bins per side (within 5 % of the open), no tolerance
    /// beyond the bins themselves (the book's bins are ~0.1 % wide; a tolerance of a quarter per cent would cover most of an
    /// hour's range and leave nothing to tell apart), the protocol's resamples, and bootstrap blocks of its block length.
    /// </summary>
    public static PriceLevelScoringSettings DefaultPrintSettings(ExAnteSettings settings, double periodsPerDay)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PriceLevelScoringSettings(Zones: 3, TolerancePercent: 0, Resamples: settings.Resamples,
            BootstrapBlock: TimeSpan.FromDays(1 / periodsPerDay) * settings.BlockLength);
    }
}
