using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>One rung of the baseline ladder: a name and its per-period features (row i known when period i opens).</summary>
/// <param name="Name">e.g. <c>HAR + RV</c>.</param>
/// <param name="Features">Per period, the regression features (a non-finite value: the row is unusable).</param>
public sealed record LadderRung(string Name, double[][] Features);

/// <summary>
/// The baseline ladder the forecasting literature uses for realised quantities (Corsi 2009, HAR; its use on liquidations:
/// log-HAR), each rung adding information known at the period's open:
/// <list type="number">
/// <item>seasonal naive: the same period yesterday, the same period last week (<see cref="SeasonalNaive"/>);</item>
/// <item>log-HAR: ln(1 + last period's total), ln(1 + mean of the last 24 h), ln(1 + mean of the last 168 h) — windows in
/// periods of the interval (1h: 1, 24, 168; 4h: 1, 6, 42; 1d: 1, 7, with the 24 h mean left out as it is the last period);</item>
/// <item>+ RV: ln of the last period's Parkinson variance ln(high/low)² ÷ (4 ln 2) and of its 24 h mean (candles only);</item>
/// <item>+ OI: ln OI and Δln OI of the last two known values (OI[i−1], OI[i−2]);</item>
/// <item>+ funding: the funding rate known at the open, in basis points — only where the series has one.</item>
/// </list>
/// Regressions are fitted walk-forward by <see cref="CalibratedRegression"/> (median for MAE, log1p for RMSLE, τ-quantiles).
/// </summary>
public static class BaselineLadder
{
    /// <summary>Rung names, in ladder order.</summary>
    public const string Har = "HAR", HarRv = "HAR + RV", HarRvOi = "HAR + RV + OI", HarRvOiFunding = "HAR + RV + OI + funding";

    /// <summary>Names of the seasonal naive baselines.</summary>
    public const string NaiveDay = "naive: same period yesterday", NaiveWeek = "naive: same period last week";

    /// <summary>Most seasonal lags a naive forecast looks back past gaps.</summary>
    public const int NaiveLookBack = 3;

    /// <summary>Floor of a Parkinson variance before its log (a bar with high = low), in squared log price.</summary>
    public const double VarianceFloor = 1e-12;

    /// <summary>
    /// Seasonal naive: the forecast of the period starting at t is the actual value of the period that started at t − <paramref name="lag"/>;
    /// when that period is missing (a gap in the data), the one at t − 2·lag, then t − 3·lag (at most <see cref="NaiveLookBack"/>
    /// lags: the most recent earlier period in the same seasonal slot), else NaN (before the data).
    /// </summary>
    /// <param name="periodStarts">Period starts, UTC, increasing.</param>
    /// <param name="actual">Values, aligned.</param>
    /// <param name="lag">How far back: a day or a week.</param>
    /// <exception cref="ArgumentException">Different lengths, or a lag that is not positive.</exception>
    public static double[] SeasonalNaive(IReadOnlyList<DateTime> periodStarts, IReadOnlyList<double> actual, TimeSpan lag)
    {
        ArgumentNullException.ThrowIfNull(periodStarts);
        ArgumentNullException.ThrowIfNull(actual);
        if (periodStarts.Count != actual.Count) throw new ArgumentException($"periodStarts has {periodStarts.Count} values, actual {actual.Count}.");
        if (lag <= TimeSpan.Zero) throw new ArgumentException($"The lag must be positive, found {lag}.", nameof(lag));
        var index = new Dictionary<DateTime, int>(periodStarts.Count);
        for (var i = 0; i < periodStarts.Count; i++) index[periodStarts[i]] = i;
        var f = new double[actual.Count];
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = double.NaN;
            for (var k = 1; k <= NaiveLookBack; k++)
                if (index.TryGetValue(periodStarts[i] - k * lag, out var j) && j < i && !double.IsNaN(actual[j]))
                {
                    f[i] = actual[j];
                    break;
                }
        }
        return f;
    }

    /// <summary>The HAR windows in periods: a day and a week of periods (each ≥ 1).</summary>
    /// <param name="periodsPerDay">Periods per day, &gt; 0 (24 for 1h, 6 for 4h).</param>
    /// <exception cref="ArgumentOutOfRangeException">Periods per day not positive.</exception>
    public static (int Day, int Week) Windows(double periodsPerDay)
    {
        if (!(periodsPerDay > 0)) throw new ArgumentOutOfRangeException(nameof(periodsPerDay), periodsPerDay, "Periods per day must be > 0.");
        return (Math.Max(1, (int)Math.Round(periodsPerDay)), Math.Max(1, (int)Math.Round(7 * periodsPerDay)));
    }

    /// <summary>Mean of the values of periods i − <paramref name="window"/> … i − 1 that are not NaN (NaN until a full window has passed, or when all are NaN).</summary>
    public static double[] TrailingMean(IReadOnlyList<double> values, int window)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var f = new double[values.Count];
        double sum = 0;
        var count = 0;
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = i >= window && count > 0 ? sum / count : double.NaN;
            if (!double.IsNaN(values[i])) (sum, count) = (sum + values[i], count + 1);
            if (i >= window && !double.IsNaN(values[i - window])) (sum, count) = (sum - values[i - window], count - 1);
        }
        return f;
    }

    /// <summary>log-HAR features: ln(1 + last), ln(1 + 24 h mean) (left out when a day is one period), ln(1 + 168 h mean).</summary>
    public static double[][] HarFeatures(IReadOnlyList<double> actual, double periodsPerDay)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var (day, week) = Windows(periodsPerDay);
        var last = WalkForward.Persistence(actual);
        var dayMean = TrailingMean(actual, day);
        var weekMean = TrailingMean(actual, week);
        return Enumerable.Range(0, actual.Count).Select(i => day > 1
            ? new[] { Math.Log(1 + last[i]), Math.Log(1 + dayMean[i]), Math.Log(1 + weekMean[i]) }
            : new[] { Math.Log(1 + last[i]), Math.Log(1 + weekMean[i]) }).ToArray();
    }

    /// <summary>Parkinson variance of each bar, ln(high/low)² ÷ (4 ln 2) (NaN for a bar without a positive range).</summary>
    public static double[] ParkinsonVariance(IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        return candles.Select(c => c.High > 0 && c.Low > 0 && c.High >= c.Low ? Math.Pow(Math.Log(c.High / c.Low), 2) / (4 * Math.Log(2)) : double.NaN).ToArray();
    }

    /// <summary>Realised-variance features: ln RV of the last bar and ln of the mean RV of the last day (left out when a day is one
    /// period), each floored at <see cref="VarianceFloor"/>.</summary>
    public static double[][] RealisedVarianceFeatures(IReadOnlyList<Candle> candles, double periodsPerDay)
    {
        var rv = ParkinsonVariance(candles);
        var (day, _) = Windows(periodsPerDay);
        var last = WalkForward.Persistence(rv);
        var dayMean = TrailingMean(rv, day);
        static double Ln(double v) => double.IsNaN(v) ? double.NaN : Math.Log(Math.Max(VarianceFloor, v));
        return Enumerable.Range(0, rv.Length).Select(i => day > 1 ? new[] { Ln(last[i]), Ln(dayMean[i]) } : new[] { Ln(last[i]) }).ToArray();
    }

    /// <summary>Open-interest features: ln OI[i−1] and ln OI[i−1] − ln OI[i−2] (NaN without two positive values).</summary>
    public static double[][] OpenInterestFeatures(IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        double Ln(int i) => i >= 0 && candles[i].OpenInterestUsd > 0 ? Math.Log(candles[i].OpenInterestUsd) : double.NaN;
        return Enumerable.Range(0, candles.Count).Select(i => new[] { Ln(i - 1), Ln(i - 1) - Ln(i - 2) }).ToArray();
    }

    /// <summary>
    /// The funding rate known at each period's open: the last rate stamped at or before start − <paramref name="period"/>
    /// (a rate stamped at a bar's open is that bar's close value, known one period later; a settlement is used a period late,
    /// never early), NaN when none is within a day before that.
    /// </summary>
    /// <param name="periodStarts">Period starts, UTC.</param>
    /// <param name="rates">Funding rates in time order (any source's stamps).</param>
    /// <param name="period">The period length, &gt; 0.</param>
    /// <exception cref="ArgumentException">A period that is not positive.</exception>
    public static double[] FundingAtOpen(IReadOnlyList<DateTime> periodStarts, IReadOnlyList<FundingRate> rates, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(periodStarts);
        ArgumentNullException.ThrowIfNull(rates);
        if (period <= TimeSpan.Zero) throw new ArgumentException($"The period must be positive, found {period}.", nameof(period));
        var f = new double[periodStarts.Count];
        var j = -1;
        for (var i = 0; i < f.Length; i++)
        {
            var known = periodStarts[i] - period;
            while (j + 1 < rates.Count && rates[j + 1].Time <= known) j++;
            f[i] = j >= 0 && known - rates[j].Time <= TimeSpan.FromDays(1) ? rates[j].Rate : double.NaN;
        }
        return f;
    }

    /// <summary>Row-wise concatenation of feature blocks of the same row count.</summary>
    /// <exception cref="ArgumentException">Blocks of different row counts.</exception>
    public static double[][] Join(params double[][][] blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Length == 0) return [];
        var n = blocks[0].Length;
        if (blocks.Any(b => b.Length != n)) throw new ArgumentException("Feature blocks of different row counts.", nameof(blocks));
        return Enumerable.Range(0, n).Select(i => blocks.SelectMany(b => b[i]).ToArray()).ToArray();
    }

    /// <summary>The regression rungs: HAR, + RV, + OI, and + funding when <paramref name="fundingRate"/> is given.</summary>
    /// <param name="candles">Bars with OI (USD), one per period.</param>
    /// <param name="actual">Liquidated USD per period.</param>
    /// <param name="periodsPerDay">Periods per day.</param>
    /// <param name="fundingRate">The funding rate (a fraction per funding interval) known at each period's open, aligned; null
    /// when the series has none (the funding rung is then left out).</param>
    /// <exception cref="ArgumentException">Misaligned inputs.</exception>
    public static IReadOnlyList<LadderRung> Rungs(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, double periodsPerDay, IReadOnlyList<double>? fundingRate = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        if (candles.Count != actual.Count) throw new ArgumentException($"candles has {candles.Count} values, actual {actual.Count}.");
        if (fundingRate is not null && fundingRate.Count != actual.Count) throw new ArgumentException($"fundingRate has {fundingRate.Count} values, actual {actual.Count}.");
        var har = HarFeatures(actual, periodsPerDay);
        var rv = Join(har, RealisedVarianceFeatures(candles, periodsPerDay));
        var oi = Join(rv, OpenInterestFeatures(candles));
        var rungs = new List<LadderRung> { new(Har, har), new(HarRv, rv), new(HarRvOi, oi) };
        if (fundingRate is not null) rungs.Add(new LadderRung(HarRvOiFunding, Join(oi, fundingRate.Select(f => new[] { 1e4 * f }).ToArray())));
        return rungs;
    }

    /// <summary>
    /// The ladder's forecasts: the two seasonal naive ones, then each regression rung calibrated for MAE (median) and for RMSLE
    /// (log1p), fitted walk-forward with the protocol's refit cadence (<see cref="ExAnteSettings.FitStart"/>, <see cref="ExAnteSettings.FitRefit"/>).
    /// </summary>
    public static IReadOnlyList<Forecast> Forecasts(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, ExAnteSettings settings, IReadOnlyList<double>? fundingRate = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(settings);
        var starts = candles.Select(c => c.OpenTime).ToArray();
        var list = new List<Forecast>
        {
            new(NaiveDay, SeasonalNaive(starts, actual, TimeSpan.FromDays(1))),
            new(NaiveWeek, SeasonalNaive(starts, actual, TimeSpan.FromDays(7))),
        };
        // Independent fits, in parallel; AsOrdered keeps the ladder's order whatever the core count.
        list.AddRange(Rungs(candles, actual, settings.PeriodsPerDay, fundingRate).SelectMany(r => Enum.GetValues<PointCalibration>().Select(c => (Rung: r, Calibration: c)))
            .AsParallel().AsOrdered()
            .Select(x => new Forecast(x.Rung.Name + CalibratedRegression.Suffix(x.Calibration),
                CalibratedRegression.Point(x.Rung.Features, actual, settings.FitStart, settings.FitRefit, x.Calibration).Forecast)));
        return list;
    }
}
