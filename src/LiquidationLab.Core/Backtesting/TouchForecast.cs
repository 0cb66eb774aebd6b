using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using MathNet.Numerics.Distributions;

namespace LiquidationLab.Core.Backtesting;

/// <summary>Which liquidations a forecast is of: both sides, or the longs or the shorts liquidated.</summary>
public enum LiquidationSide
{
    /// <summary>Longs + shorts.</summary>
    Total,

    /// <summary>Long positions liquidated (price falling).</summary>
    Long,

    /// <summary>Short positions liquidated (price rising).</summary>
    Short,
}

/// <summary>Expected liquidations per period from a model's book at the period's open (model notional, USD).</summary>
/// <param name="LongUsd">Expected long notional liquidated in the period (levels below the reference price).</param>
/// <param name="ShortUsd">Expected short notional liquidated (levels above).</param>
/// <param name="Volatility">The volatility forecast used per period (std of log price over the horizon).</param>
public sealed record ExpectedLiquidations(double[] LongUsd, double[] ShortUsd, double[] Volatility)
{
    /// <summary>Long + short per period.</summary>
    public double[] TotalUsd => LongUsd.Zip(ShortUsd, (l, s) => l + s).ToArray();

    /// <summary>The series of one side (or the total).</summary>
    public double[] Of(LiquidationSide side) => side switch
    {
        LiquidationSide.Long => LongUsd,
        LiquidationSide.Short => ShortUsd,
        _ => TotalUsd,
    };
}

/// <summary>
/// Touch probabilities: how likely price reaches a level within a horizon, for a driftless random walk in log price.
/// By the reflection principle, P(max over [0, T] of W ≥ x) = 2 (1 − Φ(x ÷ σ√T)) for a Brownian motion W with standard
/// deviation σ per unit time — the same on the way down. Turning the model's open-position density (where liquidation
/// levels sit) into expected liquidations of the next period is then a sum over price bins of density × touch probability:
/// an ex-ante forecast, since it uses only the book and the volatility forecast known when the period opens.
/// </summary>
public static class TouchProbabilities
{
    /// <summary>P(touch) of a level at log distance <paramref name="logDistance"/> (either sign) when log price has standard
    /// deviation <paramref name="sigma"/> over the horizon: 2 (1 − Φ(|x| ÷ σ)); 1 at distance 0; 0 when σ = 0 and x ≠ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">σ negative or NaN.</exception>
    public static double Touch(double logDistance, double sigma)
    {
        if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be ≥ 0.");
        var x = Math.Abs(logDistance);
        if (x == 0) return 1;
        if (sigma == 0) return 0;
        return Math.Clamp(2 * Normal.CDF(0, 1, -x / sigma), 0, 1); // 2(1 − Φ(z)) = 2 Φ(−z), accurate in the tail
    }

    /// <summary>
    /// Expected liquidations of each period i ≥ 1 from the book after candle i − 1 (grid column i − 1) and the volatility
    /// forecast for period i: every price bin's open notional × the probability that price, starting at candle i − 1's
    /// close, touches the bin's centre within <paramref name="horizonBars"/> bars (σ̂[i]·√h). Levels below that close are
    /// longs, above it shorts (a long's level above the close would have been consumed by the candle's low). Period 0
    /// and periods without a volatility forecast get NaN.
    /// </summary>
    /// <param name="grid">A model's grid with one column per candle (column t = the book after candle t).</param>
    /// <param name="candles">The candles the grid was built on.</param>
    /// <param name="volatility">σ̂ per period, known at its open (e.g. <see cref="ExAnteBaselines.ParkinsonVolatility"/>).</param>
    /// <param name="horizonBars">Forecast horizon in bars, ≥ 1.</param>
    /// <exception cref="ArgumentException">A grid column per candle is missing, or lengths differ.</exception>
    public static ExpectedLiquidations Expected(TimePriceGrid grid, IReadOnlyList<Candle> candles, IReadOnlyList<double> volatility, int horizonBars = 1)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(volatility);
        if (grid.Times.Count != candles.Count) throw new ArgumentException($"The grid has {grid.Times.Count} columns for {candles.Count} candles; build it with one column per candle.");
        if (volatility.Count != candles.Count) throw new ArgumentException($"{volatility.Count} volatility values for {candles.Count} candles.");
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonBars, 1);
        var n = candles.Count;
        double[] longs = new double[n], shorts = new double[n], sigmas = new double[n];
        var bins = grid.Price;
        var logCentre = Enumerable.Range(0, bins.Count).Select(b => Math.Log(bins.Center(b))).ToArray();
        longs[0] = shorts[0] = sigmas[0] = double.NaN;
        for (var i = 1; i < n; i++)
        {
            var sigma = volatility[i] * Math.Sqrt(horizonBars);
            sigmas[i] = sigma;
            if (!(sigma >= 0))
            {
                longs[i] = shorts[i] = double.NaN;
                continue;
            }
            var reference = Math.Log(candles[i - 1].Close);
            double l = 0, s = 0;
            for (var b = 0; b < bins.Count; b++)
            {
                var v = grid.Values[b, i - 1];
                if (v <= 0) continue;
                var d = logCentre[b] - reference;
                var p = Touch(d, sigma);
                if (d < 0) l += v * p;
                else s += v * p;
            }
            (longs[i], shorts[i]) = (l, s);
        }
        return new ExpectedLiquidations(longs, shorts, sigmas);
    }
}

/// <summary>How the touch model's expected notional becomes a USD forecast (fitted walk-forward on the periods before each window).</summary>
public enum TouchCalibration
{
    /// <summary>USD = k × expected notional, k by least squares through the origin.</summary>
    Scale,

    /// <summary>ln(1 + USD) = a + b ln(1 + expected notional), back-transformed with Duan's smearing.</summary>
    LogLinear,

    /// <summary>ln(1 + USD) on ln(1 + expected notional) plus every baseline's information (<see cref="ExAnteBaselines.Stacked"/>):
    /// it counts only if it beats the same regression without the model's feature, the "stacked baselines".</summary>
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

/// <summary>A touch-model run: its USD forecast and what it was built from.</summary>
/// <param name="Forecast">The calibrated USD forecast per period.</param>
/// <param name="Expected">Expected liquidations in model notional, per side.</param>
/// <param name="Grid">The time-evolving book, one column per candle, fixed-width bins.</param>
/// <param name="Volatility">The per-bar volatility forecast (σ̂ known at each period's open).</param>
public sealed record TouchModelRun(Forecast Forecast, ExpectedLiquidations Expected, TimePriceGrid Grid, double[] Volatility);

/// <summary>
/// The ex-ante touch model: the time-evolving model's book at each period's open (built from candles and OI before the
/// period), its expected liquidations under a driftless random walk with the Parkinson volatility forecast
/// (<see cref="TouchProbabilities.Expected"/>), calibrated to USD walk-forward. Every input of period i's forecast is
/// known when period i opens.
/// </summary>
public static class TouchModel
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
    public static TouchModelRun Build(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets,
        TouchModelConfig config, int trainPeriods, int refitPeriods, double periodsPerDay, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(config);
        if (candles.Count != actual.Count) throw new ArgumentException($"{candles.Count} candles but {actual.Count} actual values.");
        // Bins of a fixed width anchored at multiples of it (0.1 % of the first close, rounded to a power of ten): their centres
        // do not depend on later prices. The model's default ~250 bins span the whole window's range, so a later crash
        // would move every earlier bin centre — a look-ahead the walk-forward leak test caught.
        var width = Math.Pow(10, Math.Round(Math.Log10(candles[0].Close * 0.001)));
        var model = new TimeEvolvingModel(config.Mix, priceBinWidth: width, decreaseRule: config.DecreaseRule);
        var run = model.Run(new MarketWindow(brackets.Symbol, brackets, candles, [], []));
        var halfLife = config.VolatilityHalfLifeDays * periodsPerDay;
        var sigma = ExAnteBaselines.ParkinsonVolatility(candles, halfLife);
        var expected = TouchProbabilities.Expected(run.Heatmap!, candles, sigma, config.HorizonBars);
        var e = expected.Of(side);
        double[] forecast;
        switch (config.Calibration)
        {
            case TouchCalibration.Scale:
                forecast = WalkForward.ScaledForecast(e, actual, trainPeriods, refitPeriods).Forecast;
                break;
            case TouchCalibration.LogLinear:
                forecast = WalkForwardRegression.Fit(e.Select(v => new[] { Math.Log(1 + v) }).ToArray(), actual, trainPeriods, refitPeriods, logTarget: true).Forecast;
                break;
            default:
                forecast = ExAnteBaselines.Stacked(candles, actual, trainPeriods, refitPeriods, periodsPerDay, e.Select(v => new[] { Math.Log(1 + v) }).ToArray()).Forecast;
                break;
        }
        return new TouchModelRun(new Forecast(config.Name, forecast), expected, run.Heatmap!, sigma);
    }
}
