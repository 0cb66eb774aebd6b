using LiquidationLab.Core.Backtesting;

namespace LiquidationLab.Liquidity;

/// <summary>One observed depth of a market: time, bid and ask depth in quote currency.</summary>
/// <param name="TimeMs">Snapshot time, Unix ms.</param>
/// <param name="BidUsd">Bid depth (≥ 0).</param>
/// <param name="AskUsd">Ask depth (≥ 0).</param>
public readonly record struct DepthObservation(long TimeMs, double BidUsd, double AskUsd)
{
    /// <summary>The forecast target: depth of the thinner side, min(bid, ask).</summary>
    public double TargetUsd => Math.Min(BidUsd, AskUsd);
}

/// <summary>Accuracy of one estimator at one horizon.</summary>
/// <param name="Estimator">Estimator name (<c>Persistence</c>, <c>Ewma</c>, <c>MeanRevertingLog</c>, or with <c>+fill</c>
/// when fill-rate weighted).</param>
/// <param name="HorizonSeconds">Horizon, seconds.</param>
/// <param name="Forecasts">Forecast/realised pairs scored.</param>
/// <param name="MapePercent">MAPE, % (pairs whose realised depth is below the floor are excluded).</param>
/// <param name="SmapePercent">sMAPE, % in [0, 200].</param>
/// <param name="MapeSkillPercent">100 · (1 − MAPE / MAPE of persistence): positive = better than persistence.</param>
public sealed record DepthBacktestRow(string Estimator, double HorizonSeconds, int Forecasts, double MapePercent, double SmapePercent, double MapeSkillPercent);

/// <summary>Forecasts and realised values of one estimator at one horizon, for charts.</summary>
/// <param name="Estimator">Estimator name.</param>
/// <param name="HorizonSeconds">Horizon.</param>
/// <param name="TargetTimeMs">Time the forecast is for (issue time + horizon), Unix ms.</param>
/// <param name="Forecast">Forecast depth.</param>
/// <param name="Realised">Realised depth: the target of the last snapshot at or before the target time.</param>
public sealed record DepthForecastPath(string Estimator, double HorizonSeconds, long[] TargetTimeMs, double[] Forecast, double[] Realised);

/// <summary>Result of <see cref="DepthForecastBacktest.Run"/>.</summary>
/// <param name="Rows">One row per estimator × horizon, in input order.</param>
/// <param name="Paths">The forecast paths behind the rows, same order.</param>
public sealed record DepthBacktestResult(IReadOnlyList<DepthBacktestRow> Rows, IReadOnlyList<DepthForecastPath> Paths);

/// <summary>
/// Walk-forward backtest of the depth estimators on a recorded book series: at every snapshot the estimator sees that
/// snapshot (and the trades up to it), forecasts the thinner side's depth <c>h</c> seconds ahead, and is scored against the
/// realised depth — the last snapshot at or before <c>t + h</c> (books only change when a snapshot says so). Forecasts
/// whose target lies beyond the series are not scored. Nothing from the future reaches an estimator.
/// </summary>
public static class DepthForecastBacktest
{
    /// <summary>Runs every estimator at every horizon.</summary>
    /// <param name="series">Depth observations in time order (equal times: the later one wins).</param>
    /// <param name="trades">Trades (time, notional) in time order, for the fill-rate-weighted variants; empty → none run.</param>
    /// <param name="horizonsSeconds">Horizons, seconds (&gt; 0).</param>
    /// <param name="estimators">Estimators to score; persistence is always scored (it is the reference).</param>
    /// <param name="options">Half-lives, warm-up and fill-rate parameters.</param>
    /// <param name="mapeFloorUsd">Realised depths below this are excluded from MAPE (sMAPE keeps them).</param>
    /// <param name="segmentGapSeconds">A gap between snapshots longer than this splits the series into separate recordings:
    /// estimators restart after it and no forecast is scored across it. Default: no splitting.</param>
    /// <exception cref="ArgumentException">Unsorted series or a non-positive horizon.</exception>
    public static DepthBacktestResult Run(
        IReadOnlyList<DepthObservation> series, IReadOnlyList<(long TimeMs, double NotionalUsd)> trades,
        IReadOnlyList<double> horizonsSeconds, IReadOnlyList<DepthEstimatorKind> estimators, LiquidityForecastOptions options,
        double mapeFloorUsd = 1, double segmentGapSeconds = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(trades);
        ArgumentNullException.ThrowIfNull(horizonsSeconds);
        ArgumentNullException.ThrowIfNull(estimators);
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 1; i < series.Count; i++)
            if (series[i].TimeMs < series[i - 1].TimeMs) throw new ArgumentException($"series[{i}] is earlier than series[{i - 1}].", nameof(series));
        var kinds = new List<DepthEstimatorKind> { DepthEstimatorKind.Persistence };
        kinds.AddRange(estimators.Where(k => k != DepthEstimatorKind.Persistence).Distinct());

        var rows = new List<DepthBacktestRow>();
        var paths = new List<DepthForecastPath>();
        foreach (var h in horizonsSeconds)
        {
            if (!(h > 0)) throw new ArgumentException($"Horizons must be > 0 seconds, got {h}.", nameof(horizonsSeconds));
            double persistenceMape = double.NaN;
            foreach (var kind in kinds)
            {
                foreach (var weighted in trades.Count > 0 && kind != DepthEstimatorKind.Persistence ? new[] { false, true } : [false])
                {
                    var path = Concat(Segments(series, segmentGapSeconds).Select(seg => Walk(seg, weighted ? trades : [], h, kind, options, weighted)).ToList(),
                        weighted ? $"{kind}+fill" : kind.ToString(), h);
                    var mape = Metrics.Mape(path.Forecast, path.Realised, mapeFloorUsd);
                    var smape = Metrics.Smape(path.Forecast, path.Realised);
                    if (kind == DepthEstimatorKind.Persistence) persistenceMape = mape.Percent;
                    rows.Add(new DepthBacktestRow(path.Estimator, h, path.Forecast.Length, mape.Percent, smape,
                        100 * (1 - mape.Percent / persistenceMape)));
                    paths.Add(path);
                }
            }
        }
        return new DepthBacktestResult(rows, paths);
    }

    private static List<IReadOnlyList<DepthObservation>> Segments(IReadOnlyList<DepthObservation> series, double gapSeconds)
    {
        var result = new List<IReadOnlyList<DepthObservation>>();
        var start = 0;
        for (var i = 1; i <= series.Count; i++)
        {
            if (i < series.Count && (series[i].TimeMs - series[i - 1].TimeMs) / 1000.0 <= gapSeconds) continue;
            result.Add(series.Skip(start).Take(i - start).ToList());
            start = i;
        }
        return result;
    }

    private static DepthForecastPath Concat(List<DepthForecastPath> parts, string name, double h) =>
        new(name, h, parts.SelectMany(p => p.TargetTimeMs).ToArray(), parts.SelectMany(p => p.Forecast).ToArray(), parts.SelectMany(p => p.Realised).ToArray());

    private static DepthForecastPath Walk(IReadOnlyList<DepthObservation> series, IReadOnlyList<(long TimeMs, double NotionalUsd)> trades,
        double h, DepthEstimatorKind kind, LiquidityForecastOptions options, bool weighted)
    {
        var est = DepthEstimators.Create(kind, options);
        var fill = new FillRateTracker(options.FillRateWindowSeconds);
        var hMs = (long)Math.Round(h * 1000);
        var times = new List<long>();
        var fc = new List<double>();
        var real = new List<double>();
        var last = series.Count == 0 ? 0 : series[^1].TimeMs;
        int j = 0, k = 0;
        for (var i = 0; i < series.Count; i++)
        {
            var o = series[i];
            if (i + 1 < series.Count && series[i + 1].TimeMs == o.TimeMs) continue; // same instant: the later snapshot wins
            est.Observe(o.TimeMs, o.TargetUsd);
            if (weighted)
            {
                while (k < trades.Count && trades[k].TimeMs <= o.TimeMs) { fill.ObserveTrade(trades[k].TimeMs, trades[k].NotionalUsd); k++; }
                fill.MarkTradeFeedPolled();
                fill.ObserveDepth(o.TimeMs, o.BidUsd + o.AskUsd);
            }
            var target = o.TimeMs + hMs;
            if (target > last) break;
            if (j < i) j = i;
            while (j + 1 < series.Count && series[j + 1].TimeMs <= target) j++;
            var f = est.Forecast(h);
            if (weighted) f *= FillRateWeighting.Weight(fill.FillRate(o.TimeMs), options.FillRateFloorWeight, options.FillRateFullCredit);
            times.Add(target);
            fc.Add(f);
            real.Add(series[j].TargetUsd);
        }
        return new DepthForecastPath(weighted ? $"{kind}+fill" : kind.ToString(), h, times.ToArray(), fc.ToArray(), real.ToArray());
    }
}
