using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Models;

/// <summary>Running totals of a <see cref="TimeEvolvingModel"/> run, USD (for checks and reports).</summary>
/// <param name="CreatedUsd">Notional of all positions created.</param>
/// <param name="ConsumedUsd">Notional liquidated by candle ranges.</param>
/// <param name="ClosedUsd">Notional removed by open-interest decreases.</param>
/// <param name="OpenUsd">Notional still open at the end.</param>
public readonly record struct TimeEvolvingTotals(double CreatedUsd, double ConsumedUsd, double ClosedUsd, double OpenUsd);

/// <summary>What an open-interest decrease does to the positions a <see cref="TimeEvolvingModel"/> tracks.</summary>
public enum OpenInterestDecreaseRule
{
    /// <summary>Every open position loses the fraction |ΔOI| ÷ previous OI (the whole market closed that share).</summary>
    Proportional,

    /// <summary>|ΔOI| USD is removed from the tracked positions, pro rata (all of them when |ΔOI| exceeds what is open): the
    /// seed's rule, which assumes the closing positions are the ones the model tracks.</summary>
    Absolute,
}

/// <summary>
/// The time-evolving heatmap model (docs/architecture.md, models). Candles are walked in order; for each candle:
/// <list type="number">
/// <item>positions already open are <b>consumed</b> (liquidated) when the candle's range reaches their liquidation price,
/// inclusive: longs with LP ≥ low, shorts with LP ≤ high;</item>
/// <item>if open interest rose by ΔOI &gt; 0 (USD), positions worth ΔOI are <b>created</b> at the candle's close across
/// the leverage mix; the long share is taker-buy volume ÷ volume when the candle has it, else 1 for a candle closing at
/// or above its open and 0 below;</item>
/// <item>if open interest fell, every open position loses the same <b>fraction</b> |ΔOI| ÷ previous OI (positions
/// closed without liquidation; <see cref="OpenInterestDecreaseRule.Absolute"/> removes |ΔOI| USD from them instead);</item>
/// <item>the open notional per price bin is recorded (the heatmap column) with the consumed long and short notional
/// (the model's predicted liquidations for the period).</item>
/// </list>
/// Candles without open interest leave the book unchanged except for consumption.
/// </summary>
/// <remarks>
/// <para>Performance: positions sit in two priority queues ordered by liquidation price (longs highest first, shorts
/// lowest first), so consumption pops a contiguous range from one end; proportional removal multiplies a global scale
/// factor (stored notionals are unscaled); the per-bin density is maintained incrementally, so no candle scans all
/// positions. Memory: the positions (≤ 2 × tiers per candle) plus the grid, <c>priceBins × ⌈candles ÷ CandlesPerColumn⌉</c> doubles.</para>
/// <para>Liquidation prices are those of an isolated position of <see cref="RepresentativePositionUsd"/> (default 10,000 USD),
/// since the created notional stands for many positions, from the venue's <see cref="IMarginModel"/>: Binance USDⓈ-M's exact
/// bracket formula (its bulk double path) for a <see cref="MarketWindow"/>, or any venue's model given to
/// <see cref="Run(IReadOnlyList{Candle}, IMarginModel, PriceBins?)"/>; each mix leverage is capped at the maximum of the
/// position's tier on that venue.</para>
/// </remarks>
public sealed class TimeEvolvingModel(LeverageMix? mix = null, int priceBinCount = 250, double? priceBinWidth = null, int candlesPerColumn = 1, double representativePositionUsd = 10_000,
    OpenInterestDecreaseRule decreaseRule = OpenInterestDecreaseRule.Proportional) : ILiquidationModel
{
    /// <summary>What an open-interest decrease removes.</summary>
    public OpenInterestDecreaseRule DecreaseRule { get; } = decreaseRule;

    /// <summary>The model's name.</summary>
    public const string ModelName = "time-evolving";

    /// <summary>Leverage tiers and weights.</summary>
    public LeverageMix Mix { get; } = mix ?? LeverageMix.Default;

    /// <summary>Approximate number of price bins (when no width is given).</summary>
    public int PriceBinCount { get; } = priceBinCount;

    /// <summary>Fixed price bin width, USD, or <c>null</c>.</summary>
    public double? PriceBinWidth { get; } = priceBinWidth;

    /// <summary>Candles per heatmap column (the column shows the state after its last candle), ≥ 1.</summary>
    public int CandlesPerColumn { get; } = candlesPerColumn >= 1 ? candlesPerColumn
        : throw new ArgumentOutOfRangeException(nameof(candlesPerColumn), candlesPerColumn, "Must be ≥ 1.");

    /// <summary>Notional of the representative position (bracket selection), USD.</summary>
    public double RepresentativePositionUsd { get; } = representativePositionUsd > 0 ? representativePositionUsd
        : throw new ArgumentOutOfRangeException(nameof(representativePositionUsd), representativePositionUsd, "Must be > 0 USD.");

    /// <summary>Test hook: called for every consumed position with the candle index, side and liquidation price.</summary>
    internal Action<int, PositionSide, double>? OnConsumed { get; set; }


    /// <inheritdoc />
    public string Name => ModelName;

    /// <inheritdoc />
    /// <remarks>Liquidation prices come from Binance USDⓈ-M's margin model on the window's brackets
    /// (<see cref="Run(IReadOnlyList{Candle}, IMarginModel, PriceBins?)"/> with a <see cref="BinanceUsdmMarginModel"/>).</remarks>
    /// <exception cref="InvalidOperationException">The window has no candles.</exception>
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return Run(window.Candles, new BinanceUsdmMarginModel(window.Brackets));
    }

    /// <summary>
    /// Runs the model on one venue's candles (with its open interest) with that venue's margin model: each created position's
    /// liquidation price and the leverage its tier allows come from <paramref name="margin"/> (Binance USDⓈ-M: the exact
    /// bracket formula's bulk path, as always; Bybit, OKX, Hyperliquid: the venue's isolated formula and tiers).
    /// </summary>
    /// <param name="candles">Candles by time, with open interest in USD (NaN where none).</param>
    /// <param name="margin">The venue's margin model of the instrument.</param>
    /// <param name="priceAxis">The price axis; null plans it from the candles (<see cref="PlanBins"/>). Give one axis to several runs
    /// to add their grids cell by cell (an aggregate of venues).</param>
    /// <exception cref="InvalidOperationException">No candles.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="candles"/> or <paramref name="margin"/> is null.</exception>
    public LiquidationModelResult Run(IReadOnlyList<Candle> candles, IMarginModel margin, PriceBins? priceAxis = null)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(margin);
        if (candles.Count == 0) throw new InvalidOperationException($"{Name} needs candles.");
        var bins = priceAxis ?? PlanBins(candles);
        var columns = (candles.Count + CandlesPerColumn - 1) / CandlesPerColumn;
        var times = new DateTime[columns];
        for (var c = 0; c < columns; c++) times[c] = candles[c * CandlesPerColumn].OpenTime;
        var grid = new TimePriceGrid(bins, times);
        var periods = new PeriodLiquidations[candles.Count];
        var prices = RepresentativeLiquidationPrices.For(margin, RepresentativePositionUsd, Mix);
        var book = new PositionBook(bins.Count) { OnConsumed = OnConsumed };
        var tiers = Mix.Tiers;
        double created = 0, consumedTotal = 0, closed = 0;
        var previousOi = double.NaN;

        for (var i = 0; i < candles.Count; i++)
        {
            var c = candles[i];
            book.CandleIndex = i;
            var (longConsumed, shortConsumed) = book.Consume(c.Low, c.High);
            consumedTotal += longConsumed + shortConsumed;
            periods[i] = new PeriodLiquidations(c.OpenTime, longConsumed, shortConsumed);

            if (double.IsFinite(c.OpenInterestUsd))
            {
                if (double.IsFinite(previousOi))
                {
                    var delta = c.OpenInterestUsd - previousOi;
                    if (delta > 0)
                    {
                        var longShare = LongShare(c);
                        var qty = RepresentativePositionUsd / c.Close;
                        for (var k = 0; k < tiers.Count; k++)
                        {
                            var w = tiers[k].Weight;
                            if (longShare > 0) book.Add(PositionSide.Long, k, prices.Isolated(1, qty, c.Close, k), delta * longShare * w, bins, c.Close);
                            if (longShare < 1) book.Add(PositionSide.Short, k, prices.Isolated(-1, qty, c.Close, k), delta * (1 - longShare) * w, bins, c.Close);
                        }
                        created += delta;
                    }
                    else if (delta < 0 && previousOi > 0)
                    {
                        var fraction = DecreaseRule == OpenInterestDecreaseRule.Proportional ? -delta / previousOi
                            : book.OpenUsd > 0 ? -delta / book.OpenUsd : 0;
                        closed += book.ScaleAll(Math.Min(1, fraction));
                    }
                }
                previousOi = c.OpenInterestUsd;
            }

            if (i % CandlesPerColumn == CandlesPerColumn - 1 || i == candles.Count - 1)
                book.Snapshot(grid.Values, i / CandlesPerColumn);
        }

        var totals = new TimeEvolvingTotals(created, consumedTotal, closed, book.OpenUsd);
        var current = candles[^1].Close;
        var map = new LiquidationMap(bins, current, tiers.Select(t => t.Leverage).ToArray());
        book.AddOpenTo(map);
        map.ComputeCumulative();
        return new LiquidationModelResult(Name, map.ToLevels(Name, Mix), grid, periods, totals);
    }

    private static double LongShare(Candle c) =>
        double.IsFinite(c.TakerBuyVolumeBase) && double.IsFinite(c.VolumeBase) && c.VolumeBase > 0
            ? Math.Clamp(c.TakerBuyVolumeBase / c.VolumeBase, 0, 1)
            : c.Close >= c.Open ? 1 : 0;

    /// <summary>The price axis a run plans from its candles: their lowest low and highest high, widened by 1 ÷ the mix's lowest
    /// leverage on each side, in ≈ <see cref="PriceBinCount"/> nice bins or bins of <see cref="PriceBinWidth"/>. Planned from
    /// several venues' candles together, it is the common axis of their aggregate.</summary>
    /// <param name="candles">Candles (any order), at least one.</param>
    /// <exception cref="ArgumentException">No candles.</exception>
    public PriceBins PlanBins(IEnumerable<Candle> candles) => BinsFor(candles, Mix, PriceBinWidth, PriceBinCount);

    /// <summary>The price bins of a run: the window's range padded by the lowest tier's liquidation distance.</summary>
    /// <exception cref="ArgumentException">No candles.</exception>
    internal static PriceBins BinsFor(IEnumerable<Candle> candles, LeverageMix mix, double? priceBinWidth, int priceBinCount)
    {
        ArgumentNullException.ThrowIfNull(candles);
        double lo = double.MaxValue, hi = double.MinValue;
        foreach (var c in candles)
        {
            lo = Math.Min(lo, c.Low);
            hi = Math.Max(hi, c.High);
        }
        if (lo > hi) throw new ArgumentException("No candles to plan a price axis from.", nameof(candles));
        var pad = 1.0 / mix.Tiers[0].Leverage;
        lo *= Math.Max(0.01, 1 - pad);
        hi *= 1 + pad;
        return priceBinWidth is { } w ? PriceBins.FixedWidth(lo, hi, w) : PriceBins.Nice(lo, hi, priceBinCount);
    }
}
