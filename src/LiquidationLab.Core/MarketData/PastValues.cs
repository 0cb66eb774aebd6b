namespace LiquidationLab.Core.MarketData;

/// <summary>
/// Forecasts from past values only: each value i uses periods 0…i−1, so it is known when period i opens (the ex-ante
/// baselines, the touch model's volatility and the protocols share them).
/// </summary>
public static class PastValues
{
    /// <summary>Exponentially weighted mean of past actual values: forecast[i] = EWMA(actual[0…i−1]).</summary>
    /// <param name="actual">Observed values (e.g. USD liquidated per period); NaN values are skipped.</param>
    /// <param name="halfLifePeriods">Half-life in periods, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Half-life not positive.</exception>
    public static double[] Ewma(IReadOnlyList<double> actual, double halfLifePeriods)
    {
        ArgumentNullException.ThrowIfNull(actual);
        if (!(halfLifePeriods > 0)) throw new ArgumentOutOfRangeException(nameof(halfLifePeriods), halfLifePeriods, "The half-life must be > 0 periods.");
        var alpha = 1 - Math.Pow(0.5, 1 / halfLifePeriods);
        var f = new double[actual.Count];
        var level = double.NaN;
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = level;
            if (double.IsNaN(actual[i])) continue;
            level = double.IsNaN(level) ? actual[i] : level + alpha * (actual[i] - level);
        }
        return f;
    }

    /// <summary>
    /// Volatility forecast per period from past ranges: σ̂[i] = √EWMA over bars 0…i−1 of the Parkinson variance
    /// ln(high/low)² ÷ (4 ln 2) — a per-bar standard deviation of log price (0.01 = 1 %). NaN for the first bar.
    /// </summary>
    /// <param name="candles">Bars in time order.</param>
    /// <param name="halfLifePeriods">Half-life in bars, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Half-life not positive.</exception>
    public static double[] ParkinsonVolatility(IReadOnlyList<Candle> candles, double halfLifePeriods)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var variance = new double[candles.Count];
        for (var i = 0; i < variance.Length; i++)
        {
            var c = candles[i];
            variance[i] = c.High > 0 && c.Low > 0 && c.High >= c.Low ? Math.Pow(Math.Log(c.High / c.Low), 2) / (4 * Math.Log(2)) : double.NaN;
        }
        var ewma = Ewma(variance, halfLifePeriods);
        for (var i = 0; i < ewma.Length; i++) ewma[i] = Math.Sqrt(ewma[i]);
        return ewma;
    }
}
