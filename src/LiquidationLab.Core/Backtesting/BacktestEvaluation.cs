using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>The whole evaluation of one series: both protocols and the zones.</summary>
/// <param name="ExAnte">Next-period forecasts made at each period's open.</param>
/// <param name="Conditional">Liquidations given the period's own range.</param>
/// <param name="Zones">Zone-touch probabilities of the first touch-model configuration's book.</param>
/// <param name="Models">The touch-model configurations scored.</param>
public sealed record BacktestReport(ProtocolReport ExAnte, ProtocolReport Conditional, ZoneReport Zones, IReadOnlyList<TouchModelConfig> Models);

/// <summary>
/// Runs the evaluation the way <c>liqlab backtest</c> and notebook 05 do: the ex-ante protocol with the touch-model
/// configurations, the conditional protocol with the time-evolving model under the first configuration's OI-decrease
/// rule, and the zone-touch scores of that configuration's book.
/// </summary>
public static class BacktestEvaluation
{
    /// <summary>Runs everything.</summary>
    /// <param name="candles">Bars with OI (USD), one per period.</param>
    /// <param name="actual">Real liquidation totals (USD) per period.</param>
    /// <param name="brackets">The symbol's leverage brackets.</param>
    /// <param name="models">Touch-model configurations (at least one: the first also drives the conditional model and the zones).</param>
    /// <param name="settings">Protocol settings.</param>
    /// <param name="periodsPerDay">Bars per day.</param>
    /// <param name="side">Which liquidations <paramref name="actual"/> counts (the models and the conditional baselines follow it).</param>
    /// <exception cref="ArgumentException">No configuration, or the protocol's own checks.</exception>
    public static BacktestReport Run(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets, IReadOnlyList<TouchModelConfig> models,
        ExAnteSettings settings, double periodsPerDay, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(settings);
        if (models.Count == 0) throw new ArgumentException("At least one touch-model configuration is needed.", nameof(models));
        var runs = models.Select(m => TouchModel.Build(candles, actual, brackets, m, settings.FitStart, settings.FitRefit, periodsPerDay, side)).ToList();
        var exAnte = ExAnteProtocol.Evaluate(candles, actual, runs.Select(r => r.Forecast).ToList(), settings);
        var conditional = ConditionalProtocol.Evaluate(candles, actual,
            [ConditionalProtocol.TimeEvolving(candles, actual, brackets, models[0].DecreaseRule, settings, models[0].Mix, side)], settings, side);
        var zones = ZoneTouchEvaluation.Evaluate(ZoneTouchEvaluation.Observe(runs[0].Grid, candles, runs[0].Volatility), settings.TestStart, settings.FitRefit,
            settings.BlockLength, settings.Resamples, settings.TrainEnd);
        return new BacktestReport(exAnte, conditional, zones, models);
    }
}
