using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace LiquidationLab.Core.Backtesting;

/// <summary>The fitted parameters of a <see cref="TurnoverModel"/>.</summary>
/// <param name="LeverageExponent">α of the leverage mix <see cref="LeverageMix.PowerLaw"/> (weight ∝ leverage^α), in [−4, 4].</param>
/// <param name="TurnoverShare">s: opens + closes ≤ s × traded volume, in [0.001, 100].</param>
/// <param name="HazardPerBar">h: share of every position closing per bar, in [0.001, 0.9]; lifetime 1 ÷ h bars.</param>
/// <param name="LongTilt">τ: log-odds added to the long share of opens, in [−5, 5].</param>
/// <param name="FloorUsd">c: USD per side and period that the book does not explain (liquidations of positions the map cannot
/// see), added to the scaled consumption in the forecast, in [0.001, 1e8]. It is the calibration's intercept, as the range × OI
/// regression has one; it is not part of the book.</param>
public sealed record TurnoverParameters(double LeverageExponent, double TurnoverShare, double HazardPerBar, double LongTilt, double FloorUsd = 0.001)
{
    /// <summary>Where a fit starts when nothing earlier is known: the seed-like mix (α = 0.3), s = 0.5, a day's lifetime of hourly
    /// bars, no tilt, a floor of 10,000 USD.</summary>
    public static TurnoverParameters Start { get; } = new(0.3, 0.5, 1.0 / 24, 0, 10_000);

    /// <summary>The leverage mix of <see cref="LeverageExponent"/>.</summary>
    public LeverageMix Mix => LeverageMix.PowerLaw(LeverageExponent);

    /// <summary>Mean lifetime of a position, bars (1 ÷ h).</summary>
    public double LifetimeBars => 1 / HazardPerBar;

    /// <summary>
    /// The same parameters for bars of another length: the hazard is a probability of closing per bar, so a position's survival
    /// over a span is kept — h' = 1 − (1 − h)^(bar ÷ fittedBar), clamped to the fit's range [0.001, 0.9]. The leverage mix,
    /// the turnover share (a share of each bar's own volume), the tilt and the floor do not depend on the bar length.
    /// </summary>
    /// <param name="fittedBar">The bar length the parameters were fitted on, &gt; 0.</param>
    /// <param name="bar">The bar length of the candles to run on, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive bar length.</exception>
    public TurnoverParameters ForBar(TimeSpan fittedBar, TimeSpan bar)
    {
        if (fittedBar <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(fittedBar), fittedBar, "Must be > 0.");
        if (bar <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(bar), bar, "Must be > 0.");
        if (bar == fittedBar) return this;
        var survival = Math.Pow(1 - HazardPerBar, bar / fittedBar);
        return this with { HazardPerBar = Math.Clamp(1 - survival, 0.001, 0.9) };
    }

    /// <summary>The model these parameters define.</summary>
    /// <param name="priceBinWidth">Fixed bin width (USD) or null for ~250 bins over the window.</param>
    /// <param name="candlesPerColumn">Candles per heatmap column.</param>
    public TurnoverModel Model(double? priceBinWidth = null, int candlesPerColumn = 1) =>
        new(Mix, new TurnoverSettings(TurnoverShare, HazardPerBar, LongTilt), priceBinWidth: priceBinWidth, candlesPerColumn: candlesPerColumn);

    // The optimiser works on unbounded coordinates; each maps onto its range smoothly.
    internal double[] ToVector() =>
    [
        Atanh(LeverageExponent / 4), Atanh((Math.Log10(TurnoverShare) - LogShareMid) / LogShareHalf),
        Logit((HazardPerBar - 0.001) / 0.899), Atanh(LongTilt / 5), Atanh((Math.Log10(Math.Max(FloorUsd, 1e-3)) - LogFloorMid) / LogFloorHalf),
    ];

    internal static TurnoverParameters FromVector(IReadOnlyList<double> v) =>
        new(4 * Math.Tanh(v[0]), Math.Pow(10, LogShareMid + LogShareHalf * Math.Tanh(v[1])), 0.001 + 0.899 / (1 + Math.Exp(-v[2])), 5 * Math.Tanh(v[3]),
            Math.Pow(10, LogFloorMid + LogFloorHalf * Math.Tanh(v[4])));

    private const double LogShareMid = -0.5, LogShareHalf = 2.5; // log10 s in [−3, 2]
    private const double LogFloorMid = 2.5, LogFloorHalf = 5.5;  // log10 c in [−3, 8]

    private static double Atanh(double x) => Math.Atanh(Math.Clamp(x, -0.999, 0.999));

    private static double Logit(double p)
    {
        p = Math.Clamp(p, 1e-4, 1 - 1e-4);
        return Math.Log(p / (1 - p));
    }
}

/// <summary>One walk-forward fit of the turnover model.</summary>
/// <param name="TrainEnd">Index of the first period after the training span (the fit saw periods before it only).</param>
/// <param name="TrainEndTime">Start of that period, UTC (the fit's data end just before it).</param>
/// <param name="Parameters">The fitted parameters.</param>
/// <param name="Scale">k: USD liquidated = k × the model's consumed notional (fitted with the parameters).</param>
/// <param name="Loss">Mean squared error of ln(1 + USD) per side and period over the training span (after the warm-up).</param>
/// <param name="Evaluations">Model runs the optimiser made.</param>
public sealed record TurnoverRefit(int TrainEnd, DateTime TrainEndTime, TurnoverParameters Parameters, double Scale, double Loss, int Evaluations);

/// <summary>Spread of one fitted parameter across refits.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Min">Smallest fitted value.</param>
/// <param name="Median">Median.</param>
/// <param name="Max">Largest.</param>
public sealed record ParameterSpread(string Name, double Min, double Median, double Max);

/// <summary>The walk-forward turnover model: its USD forecast, every refit and the spread of the fitted values.</summary>
/// <param name="Forecast">USD per period (NaN before the first fitted window).</param>
/// <param name="Refits">The fits, in time order.</param>
/// <param name="Spread">Min / median / max of α, s, lifetime (bars), τ, c and k across the refits.</param>
/// <param name="ShareSource">Where the long share of opens came from.</param>
/// <param name="PerSide">Whether the fit used long and short totals separately (else the one series given).</param>
/// <param name="BookOnly">The same forecast without the floor c (k × the book's consumption alone): what the book itself says, for
/// the near-zero diagnosis.</param>
public sealed record TurnoverFitResult(Forecast Forecast, IReadOnlyList<TurnoverRefit> Refits, IReadOnlyList<ParameterSpread> Spread, LongShareSource ShareSource, bool PerSide,
    Forecast BookOnly);

/// <summary>
/// Fits the turnover model (<see cref="TurnoverModel"/>) on realised liquidations, walk-forward: at each refit the leverage
/// exponent α, the turnover share s, the hazard h, the long tilt τ and the floor c minimise the squared error of ln(1 + USD)
/// between the realised liquidations per side and k × the model's liquidated notional per side + c (k profiled out by
/// golden-section search for each candidate), over the training periods only (after a warm-up), with MathNet's Nelder–Mead
/// simplex on bounded transforms of the five parameters. The model run for a fit is given the candles before the training end and nothing else,
/// so no later value can reach a fit; the forecast of a period in window w is k_w × the consumption of that period under the
/// parameters of w + c (which uses the period's own high and low: the conditional protocol's information).
/// </summary>
public static class TurnoverFit
{
    /// <summary>Most model runs per fit (two Nelder–Mead passes of half as many each).</summary>
    public const int MaxEvaluations = 120;

    private const int Dimensions = 5;

    /// <summary>The forecast's name in reports.</summary>
    public const string ForecastName = "turnover model (fitted)";

    /// <summary>The name of the forecast without the floor (the book alone).</summary>
    public const string BookOnlyName = "turnover model, book alone (no floor)";

    /// <summary>Fits on the periods before <paramref name="trainEnd"/>.</summary>
    /// <param name="candles">Bars with OI (USD), volume and, where known, taker-buy volume, by time.</param>
    /// <param name="funding">Funding rates by time (may be empty).</param>
    /// <param name="brackets">Leverage brackets.</param>
    /// <param name="longUsd">Realised long liquidations per period (or the one series fitted when <paramref name="shortUsd"/> is null).</param>
    /// <param name="shortUsd">Realised short liquidations per period, or null.</param>
    /// <param name="side">With <paramref name="shortUsd"/> null: which side <paramref name="longUsd"/> counts.</param>
    /// <param name="trainEnd">First period not used, ≥ <paramref name="warmup"/> + 10.</param>
    /// <param name="warmup">Leading periods left out of the loss (the book fills at the first bar), ≥ 0.</param>
    /// <param name="start">Starting point (e.g. the previous refit's parameters); null: <see cref="TurnoverParameters.Start"/>.</param>
    /// <param name="maxEvaluations">Most model runs.</param>
    /// <param name="maxTrainPeriods">Most training periods (the latest before <paramref name="trainEnd"/>; the warm-up is counted from
    /// the first of them): bounds each model run's length, so a refit costs the same late in a long series as early.</param>
    /// <exception cref="ArgumentException">Misaligned series, or too few training periods.</exception>
    public static TurnoverRefit Fit(IReadOnlyList<Candle> candles, IReadOnlyList<FundingRate> funding, LeverageBracketTable brackets, IReadOnlyList<double> longUsd,
        IReadOnlyList<double>? shortUsd, LiquidationSide side, int trainEnd, int warmup, TurnoverParameters? start = null, int maxEvaluations = MaxEvaluations,
        int maxTrainPeriods = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(funding);
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(longUsd);
        if (longUsd.Count != candles.Count || (shortUsd is not null && shortUsd.Count != candles.Count))
            throw new ArgumentException($"{candles.Count} candles but {longUsd.Count} / {shortUsd?.Count} realised values.");
        if (warmup < 0 || trainEnd < warmup + 10 || trainEnd > candles.Count)
            throw new ArgumentException($"The training span ({trainEnd} periods) must hold the warm-up ({warmup}) and 10 more, within the {candles.Count} periods.");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrainPeriods, warmup + 10);
        var first = Math.Max(0, trainEnd - maxTrainPeriods);
        var train = candles.Skip(first).Take(trainEnd - first).ToArray();
        var ends = train[^1].OpenTime;
        var rates = funding.Where(f => f.Time <= ends).ToArray();
        var window = new MarketWindow(brackets.Symbol, brackets, train, [], rates);
        var length = trainEnd - first;
        var targets = Targets(longUsd.Skip(first).ToArray(), shortUsd?.Skip(first).ToArray(), warmup, length);
        var evaluations = 0;
        var best = (Loss: double.PositiveInfinity, Point: (start ?? TurnoverParameters.Start).ToVector(), Scale: double.NaN);

        double Objective(Vector<double> v)
        {
            evaluations++;
            var p = TurnoverParameters.FromVector(v.ToArray());
            var run = p.Model().Run(window).Liquidations!;
            var (loss, scale) = ProfileScale(Consumed(run, shortUsd is not null, side, warmup, length), targets, p.FloorUsd);
            if (loss < best.Loss) best = (loss, v.ToArray(), scale);
            return loss;
        }

        // Two passes (the second restarts the simplex at the first's best point, a usual guard against a simplex that collapsed
        // early), each with at most half the evaluations.
        for (var pass = 0; pass < 2; pass++)
        {
            try
            {
                NelderMeadSimplex.Minimum(ObjectiveFunction.Value(Objective), Vector<double>.Build.DenseOfArray(best.Point),
                    Vector<double>.Build.Dense(Dimensions, pass == 0 ? 0.8 : 0.3), 1e-6, maxEvaluations / 2);
            }
            catch (MaximumIterationsException)
            {
                // Out of evaluations: the best point seen is the fit (kept by the objective).
            }
        }
        return new TurnoverRefit(trainEnd, trainEnd < candles.Count ? candles[trainEnd].OpenTime : ends, TurnoverParameters.FromVector(best.Point), best.Scale, best.Loss, evaluations);
    }

    /// <summary>Walk-forward: a fit before every window of <paramref name="refitPeriods"/> from <paramref name="trainPeriods"/> on
    /// (each warm-started at the previous fit), and the forecast of each window's periods.</summary>
    /// <param name="candles">Bars with OI (USD), by time.</param>
    /// <param name="funding">Funding rates by time (may be empty).</param>
    /// <param name="brackets">Leverage brackets.</param>
    /// <param name="longUsd">Realised long liquidations (or the one series fitted when <paramref name="shortUsd"/> is null).</param>
    /// <param name="shortUsd">Realised short liquidations, or null.</param>
    /// <param name="side">Which liquidations the forecast is for (and, with <paramref name="shortUsd"/> null, what <paramref name="longUsd"/> counts).</param>
    /// <param name="trainPeriods">First forecast period.</param>
    /// <param name="refitPeriods">Refit interval, ≥ 1.</param>
    /// <param name="warmup">Leading periods left out of every loss.</param>
    /// <param name="start">Where the first fit starts; null: <see cref="TurnoverParameters.Start"/>.</param>
    /// <param name="maxEvaluations">Most model runs per fit.</param>
    /// <param name="maxTrainPeriods">Most training periods per fit (the latest).</param>
    /// <exception cref="ArgumentException">Misaligned series, spans below their minimum.</exception>
    public static TurnoverFitResult WalkForward(IReadOnlyList<Candle> candles, IReadOnlyList<FundingRate> funding, LeverageBracketTable brackets,
        IReadOnlyList<double> longUsd, IReadOnlyList<double>? shortUsd, LiquidationSide side, int trainPeriods, int refitPeriods, int warmup,
        TurnoverParameters? start = null, int maxEvaluations = MaxEvaluations, int maxTrainPeriods = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentOutOfRangeException.ThrowIfLessThan(refitPeriods, 1);
        var forecast = Enumerable.Repeat(double.NaN, candles.Count).ToArray();
        var bookOnly = Enumerable.Repeat(double.NaN, candles.Count).ToArray();
        var refits = new List<TurnoverRefit>();
        var previous = start;
        var all = candles as Candle[] ?? candles.ToArray();
        for (var from = trainPeriods; from < candles.Count; from = (int)Math.Min(candles.Count, (long)from + refitPeriods))
        {
            var fit = Fit(all, funding, brackets, longUsd, shortUsd, side, from, warmup, previous, maxEvaluations, maxTrainPeriods);
            refits.Add(fit);
            previous = fit.Parameters;
            var end = (int)Math.Min(candles.Count, (long)from + refitPeriods);
            // The run covers the window's own bars: bar i's consumption uses bar i's range and the book built before it.
            var run = fit.Parameters.Model().Run(new MarketWindow(brackets.Symbol, brackets, all[..end], [], funding.Where(f => f.Time <= all[end - 1].OpenTime).ToArray()))
                .Liquidations!;
            // The floor c is per side: the total gets it twice when the fit was per side.
            var floor = fit.Parameters.FloorUsd * (shortUsd is not null && side == LiquidationSide.Total ? 2 : 1);
            for (var i = from; i < end; i++)
            {
                bookOnly[i] = fit.Scale * Pick(run[i], side);
                forecast[i] = bookOnly[i] + floor;
            }
        }
        var source = TurnoverModel.ShareSource(new MarketWindow(brackets.Symbol, brackets, all, [], funding));
        return new TurnoverFitResult(new Forecast(ForecastName, forecast), refits, Spread(refits), source, shortUsd is not null,
            new Forecast(BookOnlyName, bookOnly));
    }

    /// <summary>Min / median / max of each fitted value across <paramref name="refits"/>.</summary>
    public static IReadOnlyList<ParameterSpread> Spread(IReadOnlyList<TurnoverRefit> refits)
    {
        ArgumentNullException.ThrowIfNull(refits);
        if (refits.Count == 0) return [];
        ParameterSpread Of(string name, Func<TurnoverRefit, double> f)
        {
            var v = refits.Select(f).Order().ToArray();
            return new ParameterSpread(name, v[0], MathNet.Numerics.Statistics.SortedArrayStatistics.Median(v), v[^1]);
        }
        return
        [
            Of("leverage exponent α", r => r.Parameters.LeverageExponent),
            Of("turnover share s", r => r.Parameters.TurnoverShare),
            Of("lifetime (bars)", r => r.Parameters.LifetimeBars),
            Of("long tilt τ", r => r.Parameters.LongTilt),
            Of("floor c (USD)", r => r.Parameters.FloorUsd),
            Of("scale k", r => r.Scale),
        ];
    }

    private static double Pick(PeriodLiquidations p, LiquidationSide side) => side switch
    {
        LiquidationSide.Long => p.LongUsd,
        LiquidationSide.Short => p.ShortUsd,
        _ => p.TotalUsd,
    };

    // ln(1 + realised) per fitted series and period (NaN where unknown).
    private static double[][] Targets(IReadOnlyList<double> first, IReadOnlyList<double>? second, int from, int to)
    {
        double[] Log(IReadOnlyList<double> s) => Enumerable.Range(from, to - from).Select(i => double.IsFinite(s[i]) && s[i] >= 0 ? Math.Log(1 + s[i]) : double.NaN).ToArray();
        return second is null ? [Log(first)] : [Log(first), Log(second)];
    }

    private static double[][] Consumed(IReadOnlyList<PeriodLiquidations> run, bool perSide, LiquidationSide side, int from, int to)
    {
        double[] Of(Func<PeriodLiquidations, double> f) => Enumerable.Range(from, to - from).Select(i => f(run[i])).ToArray();
        return perSide ? [Of(p => p.LongUsd), Of(p => p.ShortUsd)] : [Of(p => Pick(p, side))];
    }

    /// <summary>min over k of the mean of (ln(1 + y) − ln(1 + k·x + c))², by golden-section search on ln k; the loss and k.</summary>
    internal static (double Loss, double Scale) ProfileScale(double[][] consumed, double[][] targets, double floor)
    {
        var n = 0;
        for (var s = 0; s < targets.Length; s++)
            for (var i = 0; i < targets[s].Length; i++)
                if (!double.IsNaN(targets[s][i])) n++;
        if (n == 0) return (double.PositiveInfinity, double.NaN);
        double Loss(double logK)
        {
            var k = Math.Exp(logK);
            double sum = 0;
            for (var s = 0; s < targets.Length; s++)
            {
                var (x, y) = (consumed[s], targets[s]);
                for (var i = 0; i < y.Length; i++)
                {
                    if (double.IsNaN(y[i])) continue;
                    var d = y[i] - Math.Log(1 + k * x[i] + floor);
                    sum += d * d;
                }
            }
            return sum / n;
        }
        try
        {
            var r = GoldenSectionMinimizer.Minimum(ObjectiveFunction.ScalarValue(Loss), -40, 20, 1e-4, 200);
            return (r.FunctionInfoAtMinimum.Value, Math.Exp(r.MinimizingPoint));
        }
        catch (Exception e) when (e is MaximumIterationsException or MathNet.Numerics.NonConvergenceException)
        {
            // Not bracketed (e.g. a flat loss when the model consumed nothing): the best of a grid of ln k.
            var grid = Enumerable.Range(0, 121).Select(j => -40 + 0.5 * j).Select(u => (Loss: Loss(u), U: u)).MinBy(t => t.Loss);
            return (grid.Loss, Math.Exp(grid.U));
        }
    }
}
