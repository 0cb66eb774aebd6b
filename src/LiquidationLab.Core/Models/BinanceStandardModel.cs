using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Models;

/// <summary>
/// The seed's Binance standard model (after py-liquidation-map): every large aggregate trade opens a position —
/// a taker buy a long, a taker sell a short — split over the leverage mix; each piece's liquidation price comes
/// from the exact bracket formula (isolated margin, the piece's own notional choosing the bracket, its leverage capped
/// at that bracket's maximum). Notional is binned by liquidation price per side and tier.
/// </summary>
/// <remarks>
/// Parameters: <see cref="Filter"/> (default gross_value ≥ 100,000 USD), <see cref="Mix"/> (default
/// <see cref="LeverageMix.Default"/>), price bins (default ≈ <see cref="PriceBinCount"/> = 250 "nice" bins over the
/// selected trades' price range widened by 1/lowest leverage on each side; or a fixed <see cref="PriceBinWidth"/> in USD).
/// </remarks>
public sealed class BinanceStandardModel(TradeFilter? filter = null, LeverageMix? mix = null, int priceBinCount = 250, double? priceBinWidth = null) : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "binance-standard";

    /// <summary>Large-trade selection.</summary>
    public TradeFilter Filter { get; } = filter ?? TradeFilter.Default;

    /// <summary>Leverage tiers and weights.</summary>
    public LeverageMix Mix { get; } = mix ?? LeverageMix.Default;

    /// <summary>Approximate number of price bins when no width is given.</summary>
    public int PriceBinCount { get; } = priceBinCount;

    /// <summary>Fixed bin width in USD, or <c>null</c>.</summary>
    public double? PriceBinWidth { get; } = priceBinWidth;

    /// <inheritdoc />
    public string Name => ModelName;

    /// <inheritdoc />
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var trades = window.Trades as AggTrade[] ?? window.Trades.ToArray();
        var map = BuildMap(trades, window.Brackets, window.CurrentPrice);
        return new LiquidationModelResult(Name, map.ToLevels(Name, Mix));
    }

    /// <summary>The liquidation map of the selected trades (one pass, no per-level allocation).</summary>
    /// <param name="trades">Aggregate trades.</param>
    /// <param name="brackets">The symbol's brackets.</param>
    /// <param name="currentPrice">Current price for the cumulative curves.</param>
    public LiquidationMap BuildMap(ReadOnlySpan<AggTrade> trades, LeverageBracketTable brackets, double currentPrice)
    {
        var selected = Filter.Select(trades);
        var calc = new BulkLiquidationPriceCalculator(brackets);
        var bins = Bins(trades, selected, currentPrice, calc);
        var map = new LiquidationMap(bins, currentPrice, Mix.Tiers.Select(t => t.Leverage).ToArray());
        var tiers = Mix.Tiers;
        foreach (var i in selected)
        {
            var t = trades[i];
            var side = t.IsBuyerMaker ? PositionSide.Short : PositionSide.Long; // buyer maker → taker sold → short entry
            for (var k = 0; k < tiers.Count; k++)
            {
                var (leverage, weight) = tiers[k];
                var qty = t.QuantityBase * weight;
                var notional = qty * t.Price;
                var effective = Math.Min(leverage, calc.MaxLeverageFor(notional));
                var lp = calc.Isolated((int)side, qty, t.Price, effective);
                map.Add(side, k, lp, notional, t.Price);
            }
        }
        map.ComputeCumulative();
        return map;
    }

    /// <summary>
    /// The number of price bins <see cref="BuildMap"/> would make for these trades, computed from the trades' price range
    /// without building anything (a double: it may exceed <see cref="int.MaxValue"/>, or be infinite for a width too small
    /// for the prices). Callers check it against their bin budget before building the map.
    /// </summary>
    /// <param name="trades">Aggregate trades (the model's <see cref="Filter"/> selects among them).</param>
    /// <param name="brackets">The symbol's brackets.</param>
    /// <param name="currentPrice">Current price (inside the range).</param>
    public double PlannedBinCount(ReadOnlySpan<AggTrade> trades, LeverageBracketTable brackets, double currentPrice)
    {
        var (lo, hi) = Range(trades, Filter.Select(trades), currentPrice, new BulkLiquidationPriceCalculator(brackets));
        return PriceBinWidth is { } w ? PriceBins.FixedWidthCount(lo, hi, w) : PriceBins.Nice(lo, hi, PriceBinCount).Count;
    }

    private PriceBins Bins(ReadOnlySpan<AggTrade> trades, int[] selected, double currentPrice, BulkLiquidationPriceCalculator calc)
    {
        var (lo, hi) = Range(trades, selected, currentPrice, calc);
        return PriceBinWidth is { } w ? PriceBins.FixedWidth(lo, hi, w) : PriceBins.Nice(lo, hi, PriceBinCount);
    }

    private (double Lo, double Hi) Range(ReadOnlySpan<AggTrade> trades, int[] selected, double currentPrice, BulkLiquidationPriceCalculator calc)
    {
        double lo = currentPrice, hi = currentPrice, largest = 0;
        foreach (var i in selected)
        {
            lo = Math.Min(lo, trades[i].Price);
            hi = Math.Max(hi, trades[i].Price);
            largest = Math.Max(largest, trades[i].NotionalUsd);
        }
        // A liquidation price lies within 1/leverage of its entry; the lowest leverage in use (after bracket caps) sets the padding.
        var minLeverage = Mix.Tiers.Min(t => Math.Min(t.Leverage, calc.MaxLeverageFor(largest * t.Weight)));
        var pad = 1.0 / minLeverage;
        lo *= Math.Max(0.01, 1 - pad);
        hi *= 1 + pad;
        return (lo, hi);
    }
}

/// <summary>
/// The seed's funding-adjusted model, a <b>heuristic</b>: funding payments move margin, so levels shift with
/// funding pressure. With mean funding rate <c>f</c> (fraction per funding interval, over the last
/// <see cref="FundingLookback"/> observations) and <see cref="FundingPeriodsHeld"/> = k, every level of the base model
/// moves by <c>k · f · entry</c>: positive funding (longs pay) raises long liquidation prices towards the market
/// (longs riskier) and raises short ones away from it; negative funding does the opposite. Not an exchange formula.
/// </summary>
/// <param name="baseModel">Model whose levels are shifted (default <see cref="BinanceStandardModel"/>).</param>
/// <param name="fundingPeriodsHeld">k, funding intervals a position is assumed held (default 3 = one day at 8 h).</param>
/// <param name="fundingLookback">Number of latest funding observations averaged (default 3), ≥ 1.</param>
public sealed class FundingAdjustedModel(ILiquidationModel? baseModel = null, double fundingPeriodsHeld = 3, int fundingLookback = 3) : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "funding-adjusted";

    /// <summary>The model whose levels are shifted.</summary>
    public ILiquidationModel BaseModel { get; } = baseModel ?? new BinanceStandardModel();

    /// <summary>k: funding intervals assumed held.</summary>
    public double FundingPeriodsHeld { get; } = fundingPeriodsHeld >= 0 ? fundingPeriodsHeld
        : throw new ArgumentOutOfRangeException(nameof(fundingPeriodsHeld), fundingPeriodsHeld, "Must be ≥ 0.");

    /// <summary>Funding observations averaged.</summary>
    public int FundingLookback { get; } = fundingLookback >= 1 ? fundingLookback
        : throw new ArgumentOutOfRangeException(nameof(fundingLookback), fundingLookback, "Must be ≥ 1.");

    /// <inheritdoc />
    public string Name => ModelName;

    /// <summary>Mean of the latest funding rates of the window (0 when there are none).</summary>
    public double MeanFunding(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var n = Math.Min(FundingLookback, window.Funding.Count);
        if (n == 0) return 0;
        var s = 0.0;
        for (var i = window.Funding.Count - n; i < window.Funding.Count; i++) s += window.Funding[i].Rate;
        return s / n;
    }

    /// <inheritdoc />
    public LiquidationModelResult Run(MarketWindow window)
    {
        var baseResult = BaseModel.Run(window);
        var f = MeanFunding(window);
        var levels = baseResult.Levels
            .Select(l => l with { Price = Math.Max(0, l.Price + FundingPeriodsHeld * f * l.EntryPrice), Model = Name })
            .ToArray();
        return new LiquidationModelResult(Name, levels);
    }
}
