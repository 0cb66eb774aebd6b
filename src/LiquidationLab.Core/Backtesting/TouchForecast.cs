using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Core.Backtesting;

/// <summary>How the touch model's expected notional becomes a USD forecast (fitted walk-forward on the periods before each window).</summary>
public enum TouchCalibration
{
    /// <summary>USD = k × expected notional, k by least squares through the origin.</summary>
    Scale,

    /// <summary>ln(1 + USD) = a + b ln(1 + expected notional), fitted for each loss (<see cref="CalibratedRegression"/>): the conditional
    /// median for MAE, log1p least squares for RMSLE.</summary>
    LogLinear,

    /// <summary>ln(1 + USD) on ln(1 + expected notional) plus every baseline's information (<see cref="ExAnteBaselines.StackedFeatures"/>),
    /// fitted for each loss like <see cref="LogLinear"/>: it counts only if it beats the same regression without the model's
    /// feature, the "stacked baselines" (the ablation).</summary>
    Stacked,
}

/// <summary>A frozen configuration of the ex-ante touch model (chosen on data before any scored span).</summary>
/// <param name="DecreaseRule">The time-evolving model's OI-decrease rule.</param>
/// <param name="Calibration">How expected notional becomes USD.</param>
/// <param name="VolatilityHalfLifeDays">Half-life of the Parkinson volatility EWMA, days.</param>
/// <param name="Mix">Leverage mix (null: the default).</param>
/// <param name="HorizonBars">Touch horizon in bars (σ̂·√h): 1 is the period itself; longer horizons weigh levels further away.</param>
public sealed record TouchModelConfig(OpenInterestDecreaseRule DecreaseRule, TouchCalibration Calibration, double VolatilityHalfLifeDays = 1, LeverageMix? Mix = null, int HorizonBars = 1)
{
    /// <summary>A short name for reports, e.g. <c>touch model (proportional, stacked)</c>; settings other than the defaults are named.</summary>
    public string Name => $"touch model ({DecreaseRule.ToString().ToLowerInvariant()}, {Calibration switch { TouchCalibration.Scale => "scaled", TouchCalibration.LogLinear => "log-linear", _ => "stacked" }}" +
                          (VolatilityHalfLifeDays == 1 ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $", σ half-life {VolatilityHalfLifeDays:0.##} d")) +
                          (HorizonBars == 1 ? "" : $", horizon {HorizonBars} bars") + (Mix is null ? "" : ", custom mix") + ")";

    /// <summary>The OI-decrease rule named <c>proportional</c> or <c>absolute</c> (the names the CLI and the config file use).</summary>
    public static OpenInterestDecreaseRule? ParseRule(string? name) => name switch
    {
        "proportional" => OpenInterestDecreaseRule.Proportional,
        "absolute" => OpenInterestDecreaseRule.Absolute,
        _ => null,
    };

    /// <summary>
    /// A configuration written <c>RULE:CALIBRATION[:VOL_HALF_LIFE_DAYS[:HORIZON_BARS]]</c>, e.g. <c>absolute:stacked</c> or
    /// <c>proportional:log:3:2</c> (calibration log-linear when omitted, half-life 1 day, horizon 1 bar).
    /// </summary>
    /// <exception cref="FormatException">A part that is not one of the allowed values; the message says which and what is allowed.</exception>
    public static TouchModelConfig Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(':');
        var rule = ParseRule(parts[0]) ?? throw new FormatException("the OI-decrease rule must be proportional or absolute.");
        var calibration = parts.Length > 1 ? ParseCalibration(parts[1]) ?? throw new FormatException("the calibration must be scale, log or stacked.") : TouchCalibration.LogLinear;
        var halfLife = parts.Length > 2
            ? double.TryParse(parts[2], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var h) && h > 0 ? h
                : throw new FormatException("the volatility half-life must be a positive number of days.")
            : 1;
        var horizon = parts.Length > 3
            ? int.TryParse(parts[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b) && b >= 1 ? b
                : throw new FormatException("the touch horizon must be a whole number of bars ≥ 1.")
            : 1;
        if (parts.Length > 4) throw new FormatException("expected RULE:CALIBRATION[:HALF_LIFE_DAYS[:HORIZON_BARS]].");
        return new TouchModelConfig(rule, calibration, halfLife, HorizonBars: horizon);
    }

    /// <summary>The calibration named <c>scale</c>, <c>log-linear</c> (or <c>log</c>) or <c>stacked</c>.</summary>
    public static TouchCalibration? ParseCalibration(string? name) => name switch
    {
        "scale" => TouchCalibration.Scale,
        "log-linear" or "log" => TouchCalibration.LogLinear,
        "stacked" => TouchCalibration.Stacked,
        _ => null,
    };
}

/// <summary>A touch-model run: its USD forecasts and what they were built from.</summary>
/// <param name="Forecast">The calibrated USD point forecast per period for MAE: the median (<c>· median</c>) for the log-linear
/// and stacked calibrations, the scaled expectation for <see cref="TouchCalibration.Scale"/>.</param>
/// <param name="Expected">Expected liquidations in model notional, per side.</param>
/// <param name="Grid">The time-evolving book, one column per candle, fixed-width bins.</param>
/// <param name="Volatility">The per-bar volatility forecast (σ̂ known at each period's open).</param>
/// <param name="Forecasts">Every point forecast of the run: <c>· median</c> (MAE) and <c>· log1p</c> (RMSLE) for the regression
/// calibrations, the scaled one alone for <see cref="TouchCalibration.Scale"/>.</param>
/// <param name="Features">The regression's features per period with the map's (ln(1 + expected notional) last): the stacked
/// baselines' and the map's for <see cref="TouchCalibration.Stacked"/>, the map's alone otherwise.</param>
/// <param name="FeaturesWithoutMap">The same regression without the map's feature (the ablation): the stacked baselines' features,
/// or none (an intercept alone).</param>
/// <param name="WithoutMapName">What the regression is without the map: <c>stacked baselines</c> or <c>intercept only</c>.</param>
public sealed record TouchModelRun(Forecast Forecast, ExpectedLiquidations Expected, TimePriceGrid Grid, double[] Volatility,
    IReadOnlyList<Forecast> Forecasts, double[][] Features, double[][] FeaturesWithoutMap, string WithoutMapName);

/// <summary>
/// The ex-ante touch forecast: the touch model's expected liquidations at each period's open (<see cref="TouchModel"/>:
/// the time-evolving book built from candles and OI before the period, touched under a driftless random walk with the
/// Parkinson volatility forecast), calibrated to USD walk-forward. Every input of period i's forecast is known when
/// period i opens; the calibration sees only periods before each refit window.
/// </summary>
public static class TouchForecast
{
    /// <summary>Builds the forecast for every period.</summary>
    /// <param name="candles">Bars with open interest (USD), one per period.</param>
    /// <param name="actual">Real liquidation totals per period (USD), used only through walk-forward fits on earlier periods.</param>
    /// <param name="brackets">The symbol's leverage brackets.</param>
    /// <param name="config">The frozen configuration.</param>
    /// <param name="trainPeriods">Periods before the first forecast window.</param>
    /// <param name="refitPeriods">Refit interval.</param>
    /// <param name="periodsPerDay">Bars per day (24 for 1h).</param>
    /// <param name="side">Which liquidations <paramref name="actual"/> counts; the model's expected notional of that side is used.</param>
    /// <exception cref="ArgumentException">Candles and actual values of different lengths.</exception>
    public static TouchModelRun Build(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets,
        TouchModelConfig config, int trainPeriods, int refitPeriods, double periodsPerDay, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(config);
        if (candles.Count != actual.Count) throw new ArgumentException($"{candles.Count} candles but {actual.Count} actual values.");
        var model = new TouchModel(config.DecreaseRule, config.Mix, config.VolatilityHalfLifeDays * periodsPerDay, config.HorizonBars);
        var book = model.Expect(brackets, candles);
        var e = book.Expected.Of(side);
        var map = e.Select(v => new[] { Math.Log(1 + v) }).ToArray();
        var stacked = config.Calibration == TouchCalibration.Stacked;
        var without = stacked ? ExAnteBaselines.StackedFeatures(candles, actual, periodsPerDay) : candles.Select(_ => Array.Empty<double>()).ToArray();
        var features = BaselineLadder.Join(without, map);
        // Point forecasts calibrated to the loss that scores them: the median for MAE, log1p least squares for RMSLE.
        Forecast[] forecasts = config.Calibration == TouchCalibration.Scale
            ? [new Forecast(config.Name, WalkForward.ScaledForecast(e, actual, trainPeriods, refitPeriods).Forecast)]
            : Enum.GetValues<PointCalibration>().Select(c => new Forecast(config.Name + CalibratedRegression.Suffix(c),
                CalibratedRegression.Point(features, actual, trainPeriods, refitPeriods, c).Forecast)).ToArray();
        return new TouchModelRun(forecasts[0], book.Expected, book.Grid, book.Volatility, forecasts, features, without,
            stacked ? ExAnteProtocol.StackedName : "intercept only");
    }
}
