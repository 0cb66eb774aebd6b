using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using MathNet.Numerics.Distributions;

namespace LiquidationLab.Core.Models;

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
    /// <param name="volatility">σ̂ per period, known at its open (e.g. <see cref="PastValues.ParkinsonVolatility"/>).</param>
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

/// <summary>The touch model's book and what it expects at each period's open (<see cref="TouchModel.Expect"/>).</summary>
/// <param name="Expected">Expected liquidations per period and side, model notional (USD); NaN for period 0 and periods without a volatility forecast.</param>
/// <param name="Grid">The time-evolving book, one column per candle (column t = the book after candle t), fixed-width bins.</param>
/// <param name="Volatility">σ̂ per bar, known at each period's open (<see cref="PastValues.ParkinsonVolatility"/>).</param>
/// <param name="Book">The time-evolving run the book comes from (its levels at the end, its totals).</param>
public sealed record TouchBook(ExpectedLiquidations Expected, TimePriceGrid Grid, double[] Volatility, LiquidationModelResult Book);

/// <summary>
/// The touch model: at each period's open, the time-evolving book (built from candles and open interest before the period)
/// and the probability that price touches each of its levels within the horizon under a driftless random walk with the
/// Parkinson volatility forecast (<see cref="TouchProbabilities.Expected"/>). Its per-period output is expected liquidated
/// notional per side, known when the period opens — an ex-ante quantity, unlike the time-evolving model's consumed
/// notional, which uses the period's own high and low. A USD forecast calibrates it walk-forward
/// (<c>TouchForecast.Build</c> in Backtesting).
/// </summary>
/// <param name="decreaseRule">The time-evolving book's OI-decrease rule.</param>
/// <param name="mix">Leverage mix (null: <see cref="LeverageMix.Default"/>).</param>
/// <param name="volatilityHalfLifeBars">Half-life of the Parkinson volatility EWMA, bars, &gt; 0 (24 = one day of hourly bars).</param>
/// <param name="horizonBars">Touch horizon in bars (σ̂·√h), ≥ 1.</param>
public sealed class TouchModel(OpenInterestDecreaseRule decreaseRule = OpenInterestDecreaseRule.Proportional, LeverageMix? mix = null,
    double volatilityHalfLifeBars = 24, int horizonBars = 1) : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "touch";

    /// <summary>The book's OI-decrease rule.</summary>
    public OpenInterestDecreaseRule DecreaseRule { get; } = decreaseRule;

    /// <summary>The leverage mix.</summary>
    public LeverageMix Mix { get; } = mix ?? LeverageMix.Default;

    /// <summary>Volatility half-life, bars.</summary>
    public double VolatilityHalfLifeBars { get; } = volatilityHalfLifeBars > 0 ? volatilityHalfLifeBars
        : throw new ArgumentOutOfRangeException(nameof(volatilityHalfLifeBars), volatilityHalfLifeBars, "Must be > 0 bars.");

    /// <summary>Touch horizon, bars.</summary>
    public int HorizonBars { get; } = horizonBars >= 1 ? horizonBars
        : throw new ArgumentOutOfRangeException(nameof(horizonBars), horizonBars, "Must be ≥ 1 bar.");

    /// <inheritdoc />
    public string Name => ModelName;

    /// <summary>
    /// The book and its expected liquidations per period. Bins have a fixed width anchored at multiples of it (0.1 % of the
    /// first close, rounded to a power of ten), so their centres do not depend on later prices: the model's default ~250 bins
    /// span the whole window's range, and a later crash would move every earlier bin centre — a look-ahead the walk-forward
    /// leak test caught.
    /// </summary>
    /// <param name="brackets">The symbol's leverage brackets.</param>
    /// <param name="candles">Bars with open interest (USD), in time order, at least one.</param>
    /// <exception cref="InvalidOperationException">No candles.</exception>
    public TouchBook Expect(LeverageBracketTable brackets, IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(candles);
        if (candles.Count == 0) throw new InvalidOperationException($"{Name} needs candles.");
        var width = Math.Pow(10, Math.Round(Math.Log10(candles[0].Close * 0.001)));
        var book = new TimeEvolvingModel(Mix, priceBinWidth: width, decreaseRule: DecreaseRule).Run(new MarketWindow(brackets.Symbol, brackets, candles, [], []));
        var sigma = PastValues.ParkinsonVolatility(candles, VolatilityHalfLifeBars);
        var expected = TouchProbabilities.Expected(book.Heatmap!, candles, sigma, HorizonBars);
        return new TouchBook(expected, book.Heatmap!, sigma, book);
    }

    /// <inheritdoc />
    /// <remarks>Levels and the heatmap are the book's; <see cref="LiquidationModelResult.Liquidations"/> holds the expected
    /// liquidations at each period's open (0 where not yet defined: the first period, no volatility forecast yet).</remarks>
    /// <exception cref="InvalidOperationException">The window has no candles.</exception>
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var t = Expect(window.Brackets, window.Candles);
        var periods = new PeriodLiquidations[window.Candles.Count];
        for (var i = 0; i < periods.Length; i++)
        {
            var (l, s) = (t.Expected.LongUsd[i], t.Expected.ShortUsd[i]);
            periods[i] = new PeriodLiquidations(window.Candles[i].OpenTime, double.IsFinite(l) ? l : 0, double.IsFinite(s) ? s : 0);
        }
        return new LiquidationModelResult(Name, t.Book.Levels, t.Grid, periods, t.Book.Totals);
    }
}
