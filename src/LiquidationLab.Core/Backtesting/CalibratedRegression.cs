namespace LiquidationLab.Core.Backtesting;

/// <summary>Which loss a regression's point forecast is calibrated for.</summary>
public enum PointCalibration
{
    /// <summary>For MAE: the conditional median — linear quantile regression at τ = 0.5 of ln(1 + y), back-transformed
    /// exp(q) − 1 (a monotone transform keeps the median: the median of ln(1 + y) given x maps onto the median of y).</summary>
    Median,

    /// <summary>For RMSLE: least squares on ln(1 + y), back-transformed exp(ŷ) − 1 without a smearing factor (RMSLE scores the
    /// error on the log scale, which least squares there minimises).</summary>
    Log1p,
}

/// <summary>
/// Walk-forward regressions of ln(1 + liquidations) calibrated to the loss that scores them: a τ-quantile (the median for
/// MAE, P90/P99 for quantile forecasts) or log1p least squares (RMSLE). Refitted before every window on the periods before
/// it (expanding window; frozen with <see cref="ExAnteSettings.TrainEnd"/> through the caller's <c>refitPeriods</c>), so no
/// value of a window enters its own fit; features of row i must be known when period i opens (the caller's contract).
/// </summary>
public static class CalibratedRegression
{
    /// <summary>Name suffix of a point forecast with <paramref name="calibration"/>, e.g. <c>HAR · median</c>.</summary>
    public static string Suffix(PointCalibration calibration) => calibration == PointCalibration.Median ? " · median" : " · log1p";

    /// <summary>The point forecast calibrated for <paramref name="calibration"/>'s loss.</summary>
    /// <param name="features">Per period, the feature values (same count in every row, possibly none: an intercept alone;
    /// a non-finite value makes the row unusable).</param>
    /// <param name="actual">Liquidated USD per period (≥ 0; NaN: missing).</param>
    /// <param name="trainPeriods">Periods before the first window, ≥ 10.</param>
    /// <param name="refitPeriods">Periods per window, ≥ 1.</param>
    /// <param name="calibration">Median (MAE) or log1p least squares (RMSLE).</param>
    /// <returns>USD forecasts ≥ 0 (NaN before <paramref name="trainPeriods"/>, where a row is unusable, or where a window has
    /// too few usable rows), with each window's coefficients (a feature constant over a window's training rows, or a linear
    /// combination of the features before it there, is left out of that fit: coefficient 0; see
    /// <see cref="QuantileRegression.IndependentFeatures"/>).</returns>
    /// <exception cref="ArgumentException">Different lengths, ragged rows, or spans out of range.</exception>
    public static RegressionForecast Point(IReadOnlyList<double[]> features, IReadOnlyList<double> actual, int trainPeriods, int refitPeriods, PointCalibration calibration) =>
        calibration == PointCalibration.Median
            ? Quantile(features, actual, trainPeriods, refitPeriods, 0.5)
            : Run(features, actual, trainPeriods, refitPeriods, (x, y) =>
            {
                if (x[0].Length == 0) return [y.Average()];
                return MathNet.Numerics.LinearRegression.MultipleRegression.QR(x, y, intercept: true);
            });

    /// <summary>The τ-quantile forecast: quantile regression of ln(1 + y) at τ (<see cref="QuantileRegression"/>), back-transformed
    /// exp(q) − 1, clipped at 0 — the conditional τ-quantile of y when the linear model on the log scale holds.</summary>
    /// <param name="features">Per period, the feature values (see <see cref="Point"/>).</param>
    /// <param name="actual">Liquidated USD per period (≥ 0).</param>
    /// <param name="trainPeriods">Periods before the first window, ≥ 10.</param>
    /// <param name="refitPeriods">Periods per window, ≥ 1.</param>
    /// <param name="tau">Quantile level in (0, 1).</param>
    /// <exception cref="ArgumentException">Different lengths, ragged rows, spans out of range, or τ outside (0, 1).</exception>
    public static RegressionForecast Quantile(IReadOnlyList<double[]> features, IReadOnlyList<double> actual, int trainPeriods, int refitPeriods, double tau)
    {
        if (!(tau > 0 && tau < 1)) throw new ArgumentException($"The quantile level τ must be within (0, 1), found {tau}.", nameof(tau));
        return Run(features, actual, trainPeriods, refitPeriods, (x, y) => QuantileRegression.Fit(x, y, tau).Coefficients);
    }

    private static RegressionForecast Run(IReadOnlyList<double[]> features, IReadOnlyList<double> actual, int trainPeriods, int refitPeriods, Func<double[][], double[], double[]> fit)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(actual);
        if (features.Count != actual.Count) throw new ArgumentException($"features has {features.Count} rows, actual {actual.Count}.");
        if (trainPeriods < 10 || refitPeriods < 1) throw new ArgumentException("Training needs ≥ 10 periods and each window ≥ 1.");
        var width = features.Count == 0 ? 0 : features[0].Length;
        if (features.Any(r => r.Length != width)) throw new ArgumentException("Every feature row needs the same number of values.");
        bool Usable(int i) => actual[i] >= 0 && double.IsFinite(actual[i]) && features[i].All(double.IsFinite);
        var forecast = Enumerable.Repeat(double.NaN, actual.Count).ToArray();
        var starts = new List<int>();
        var coefficients = new List<double[]>();
        var rows = new List<int>();
        for (var start = trainPeriods; start < actual.Count; start += refitPeriods)
        {
            var train = Enumerable.Range(0, start).Where(Usable).ToArray();
            starts.Add(start);
            rows.Add(train.Length);
            var beta = Enumerable.Repeat(double.NaN, width + 1).ToArray();
            // A feature constant over the training rows (e.g. a frozen OI export), or one the others already span there, carries
            // nothing new: it is left out of this window's fit (coefficient 0) instead of making the design singular.
            var kept = QuantileRegression.IndependentFeatures(train.Select(i => features[i]).ToArray());
            if (train.Length >= kept.Length + 3)
            {
                try
                {
                    var b = fit(train.Select(i => kept.Select(k => features[i][k]).ToArray()).ToArray(), train.Select(i => Math.Log(1 + actual[i])).ToArray());
                    beta = new double[width + 1];
                    beta[0] = b[0];
                    for (var k = 0; k < kept.Length; k++) beta[kept[k] + 1] = b[k + 1];
                }
                catch (ArgumentException)
                {
                    // a singular design in this window (e.g. a constant feature): no forecast, as for the least-squares baselines
                }
            }
            coefficients.Add(beta);
            if (double.IsNaN(beta[0])) continue;
            for (var i = start; i < Math.Min(actual.Count, start + refitPeriods); i++)
            {
                if (!features[i].All(double.IsFinite)) continue;
                var q = beta[0];
                for (var k = 0; k < width; k++) q += beta[k + 1] * features[i][k];
                forecast[i] = Math.Max(0, Math.Exp(q) - 1);
            }
        }
        return new RegressionForecast(forecast, starts, coefficients, rows);
    }
}
