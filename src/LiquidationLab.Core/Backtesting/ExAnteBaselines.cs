using LiquidationLab.Core.Models;
using LiquidationLab.Core.MarketData;
using MathNet.Numerics.LinearRegression;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A walk-forward regression's out-of-sample forecasts and what was fitted for each test window.</summary>
/// <param name="Forecast">Forecast per period (NaN before the first test window, or where a feature is missing).</param>
/// <param name="WindowStarts">First period of each test window.</param>
/// <param name="Coefficients">Per window: intercept, then one coefficient per feature (fitted on periods before the window).</param>
/// <param name="TrainingRows">Per window: rows the fit used.</param>
public sealed record RegressionForecast(double[] Forecast, IReadOnlyList<int> WindowStarts, IReadOnlyList<double[]> Coefficients, IReadOnlyList<int> TrainingRows);

/// <summary>
/// Ex-ante baselines: each forecast of period i uses only what is known when period i opens — actual values and candles
/// of periods 0…i−1 — so a model that sees the same is compared on equal terms (a forecast that uses period i's own high
/// and low is a <i>conditional</i> forecast and is scored under that protocol instead). All return one value per period,
/// NaN where the information is not there yet.
/// </summary>
public static class ExAnteBaselines
{
    /// <summary>The climatology baseline's name in reports (the MASE benchmark).</summary>
    public const string ClimatologyName = "hour-of-week climatology";

    /// <summary>
    /// Seasonal climatology: the mean of past values in the same slot of the week as the period (hour of week for hourly
    /// periods, 4-hour slot of week for 4-hourly ones: the slot is the period start's day of week and time of day).
    /// </summary>
    /// <param name="periodStarts">Start of each period, UTC.</param>
    /// <param name="actual">Observed values, same length.</param>
    /// <param name="minSamples">Past samples a slot needs before it forecasts (≥ 1).</param>
    /// <exception cref="ArgumentException">Different lengths, or <paramref name="minSamples"/> &lt; 1.</exception>
    public static double[] SeasonalClimatology(IReadOnlyList<DateTime> periodStarts, IReadOnlyList<double> actual, int minSamples = 1)
    {
        ArgumentNullException.ThrowIfNull(periodStarts);
        ArgumentNullException.ThrowIfNull(actual);
        if (periodStarts.Count != actual.Count) throw new ArgumentException($"periodStarts has {periodStarts.Count} values, actual {actual.Count}.");
        if (minSamples < 1) throw new ArgumentException("minSamples must be ≥ 1.", nameof(minSamples));
        var sums = new Dictionary<long, (double Sum, int Count)>();
        var f = new double[actual.Count];
        for (var i = 0; i < f.Length; i++)
        {
            var t = periodStarts[i];
            var slot = (long)t.DayOfWeek * TimeSpan.TicksPerDay + t.TimeOfDay.Ticks;
            f[i] = sums.TryGetValue(slot, out var s) && s.Count >= minSamples ? s.Sum / s.Count : double.NaN;
            if (!double.IsNaN(actual[i])) sums[slot] = (s.Sum + actual[i], s.Count + 1);
        }
        return f;
    }

    /// <summary>
    /// Volatility × open-interest regression, the strong naive competitor: ln(1 + liquidations[i]) regressed on
    /// ln σ̂[i] (<see cref="PastValues.ParkinsonVolatility"/>) and ln OI[i−1] (the last open interest known when the period opens),
    /// fitted walk-forward (<see cref="WalkForwardRegression.Fit"/>), back-transformed with Duan's smearing factor.
    /// </summary>
    /// <param name="candles">Bars with open interest (USD), aligned with <paramref name="actual"/>.</param>
    /// <param name="actual">Liquidated USD per period (≥ 0).</param>
    /// <param name="trainPeriods">Periods before the first test window, ≥ 10.</param>
    /// <param name="testPeriods">Periods per test window (the refit interval), ≥ 1.</param>
    /// <param name="volatilityHalfLife">Half-life of the volatility EWMA in bars.</param>
    public static RegressionForecast VolatilityOpenInterest(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, int trainPeriods, int testPeriods, double volatilityHalfLife = 24)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        if (candles.Count != actual.Count) throw new ArgumentException($"candles has {candles.Count} values, actual {actual.Count}.");
        return WalkForwardRegression.Fit(VolatilityOpenInterestFeatures(candles, volatilityHalfLife), actual, trainPeriods, testPeriods, logTarget: true);
    }

    /// <summary>The volatility × OI regression's features per period: ln σ̂[i] and ln OI[i−1] (NaN where not known yet).</summary>
    /// <param name="candles">Bars with open interest (USD).</param>
    /// <param name="volatilityHalfLife">Half-life of the volatility EWMA in bars.</param>
    public static double[][] VolatilityOpenInterestFeatures(IReadOnlyList<Candle> candles, double volatilityHalfLife = 24)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var sigma = PastValues.ParkinsonVolatility(candles, volatilityHalfLife);
        var features = new double[candles.Count][];
        for (var i = 0; i < features.Length; i++)
        {
            var oi = i > 0 ? candles[i - 1].OpenInterestUsd : double.NaN;
            features[i] = [sigma[i] > 0 ? Math.Log(sigma[i]) : double.NaN, oi > 0 ? Math.Log(oi) : double.NaN];
        }
        return features;
    }

    /// <summary>
    /// The baselines stacked: ln(1 + total) regressed walk-forward on what every baseline uses — ln(1 + last total),
    /// ln(1 + EWMA), ln(1 + hour-of-week climatology), ln σ̂ and ln OI[i−1] — plus any <paramref name="extraFeatures"/>
    /// (a model's, so that its added value is measured against the baselines combined, not one at a time).
    /// </summary>
    /// <param name="candles">Bars with OI, one per period.</param>
    /// <param name="actual">Totals per period (≥ 0).</param>
    /// <param name="trainPeriods">Periods before the first window, ≥ 10.</param>
    /// <param name="refitPeriods">Refit interval.</param>
    /// <param name="periodsPerDay">Bars per day (EWMA and volatility half-lives are a day).</param>
    /// <param name="extraFeatures">Extra per-period features known at each period's open, or null.</param>
    public static RegressionForecast Stacked(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, int trainPeriods, int refitPeriods, double periodsPerDay,
        IReadOnlyList<double[]>? extraFeatures = null)
    {
        var rows = StackedFeatures(candles, actual, periodsPerDay, extraFeatures);
        return WalkForwardRegression.Fit(rows, actual, trainPeriods, refitPeriods, logTarget: true);
    }

    /// <summary>The stacked baselines' features per period (see <see cref="Stacked"/>), with <paramref name="extraFeatures"/> appended.</summary>
    /// <param name="candles">Bars with OI, one per period.</param>
    /// <param name="actual">Totals per period (≥ 0).</param>
    /// <param name="periodsPerDay">Bars per day (EWMA and volatility half-lives are a day).</param>
    /// <param name="extraFeatures">Extra per-period features known at each period's open, or null.</param>
    /// <exception cref="ArgumentException">Misaligned inputs.</exception>
    public static double[][] StackedFeatures(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, double periodsPerDay, IReadOnlyList<double[]>? extraFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        if (candles.Count != actual.Count) throw new ArgumentException($"candles has {candles.Count} values, actual {actual.Count}.");
        if (extraFeatures is not null && extraFeatures.Count != actual.Count) throw new ArgumentException($"extraFeatures has {extraFeatures.Count} rows, actual {actual.Count}.");
        var last = WalkForward.Persistence(actual);
        var ewma = PastValues.Ewma(actual, periodsPerDay);
        var climatology = SeasonalClimatology(candles.Select(c => c.OpenTime).ToArray(), actual);
        var sigma = PastValues.ParkinsonVolatility(candles, periodsPerDay);
        var rows = new double[candles.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            var oi = i > 0 ? candles[i - 1].OpenInterestUsd : double.NaN;
            double[] baseRow = [Math.Log(1 + last[i]), Math.Log(1 + ewma[i]), Math.Log(1 + climatology[i]), sigma[i] > 0 ? Math.Log(sigma[i]) : double.NaN, oi > 0 ? Math.Log(oi) : double.NaN];
            rows[i] = extraFeatures is null ? baseRow : [.. baseRow, .. extraFeatures[i]];
        }
        return rows;
    }
}

/// <summary>
/// Least-squares regression refitted before every test window on the periods before it (expanding window), so no value
/// of a test window enters its own fit. Features of row i must be known when period i opens; that is the caller's
/// contract and the baselines here keep it.
/// </summary>
public static class WalkForwardRegression
{
    /// <summary>Fits and forecasts.</summary>
    /// <param name="features">Per period, the feature values (same count in every row; NaN: row unusable).</param>
    /// <param name="actual">Target per period.</param>
    /// <param name="trainPeriods">Periods before the first test window, ≥ 10.</param>
    /// <param name="testPeriods">Periods per window, ≥ 1.</param>
    /// <param name="logTarget">Fit ln(1 + target) (targets must be ≥ 0) and forecast exp(ŷ)·smear − 1, clipped at 0; otherwise
    /// fit the target itself.</param>
    /// <exception cref="ArgumentException">Different lengths, ragged rows, or spans out of range.</exception>
    public static RegressionForecast Fit(IReadOnlyList<double[]> features, IReadOnlyList<double> actual, int trainPeriods, int testPeriods, bool logTarget)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(actual);
        if (features.Count != actual.Count) throw new ArgumentException($"features has {features.Count} rows, actual {actual.Count}.");
        if (trainPeriods < 10 || testPeriods < 1) throw new ArgumentException("Training needs ≥ 10 periods and each test window ≥ 1.");
        var width = features.Count == 0 ? 0 : features[0].Length;
        if (features.Any(r => r.Length != width)) throw new ArgumentException("Every feature row needs the same number of values.");
        double Target(int i) => logTarget ? Math.Log(1 + actual[i]) : actual[i];
        bool Usable(int i) => !double.IsNaN(actual[i]) && (!logTarget || actual[i] >= 0) && features[i].All(double.IsFinite);
        var forecast = Enumerable.Repeat(double.NaN, actual.Count).ToArray();
        var starts = new List<int>();
        var coefficients = new List<double[]>();
        var rows = new List<int>();
        for (var start = trainPeriods; start < actual.Count; start += testPeriods)
        {
            var train = Enumerable.Range(0, start).Where(Usable).ToArray();
            starts.Add(start);
            rows.Add(train.Length);
            if (train.Length < width + 3)
            {
                coefficients.Add(Enumerable.Repeat(double.NaN, width + 1).ToArray());
                continue;
            }
            var x = train.Select(i => features[i]).ToArray();
            var y = train.Select(Target).ToArray();
            double[] beta;
            try
            {
                beta = MultipleRegression.QR(x, y, intercept: true);
            }
            catch (ArgumentException)
            {
                beta = Enumerable.Repeat(double.NaN, width + 1).ToArray(); // a singular design (e.g. a constant feature)
            }
            coefficients.Add(beta);
            double Predict(double[] row)
            {
                var v = beta[0];
                for (var k = 0; k < width; k++) v += beta[k + 1] * row[k];
                return v;
            }
            var smear = logTarget ? train.Average(i => Math.Exp(Target(i) - Predict(features[i]))) : 1;
            for (var i = start; i < Math.Min(actual.Count, start + testPeriods); i++)
            {
                if (!features[i].All(double.IsFinite) || double.IsNaN(beta[0])) continue;
                var yhat = Predict(features[i]);
                forecast[i] = logTarget ? Math.Max(0, Math.Exp(yhat) * smear - 1) : yhat;
            }
        }
        return new RegressionForecast(forecast, starts, coefficients, rows);
    }
}
