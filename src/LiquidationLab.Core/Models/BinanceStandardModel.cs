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

    /// <summary>The liquidation map of the trades <see cref="Filter"/> selects (no per-level allocation): the selected trades'
    /// <see cref="TradeExtent"/> plans the price axis, then each one is added in time order — exactly what
    /// <see cref="StartMap"/> does for trades streamed in batches, so both give the same map to the last bit.</summary>
    /// <param name="trades">Aggregate trades, by time.</param>
    /// <param name="brackets">The symbol's brackets.</param>
    /// <param name="currentPrice">Current price for the cumulative curves.</param>
    public LiquidationMap BuildMap(ReadOnlySpan<AggTrade> trades, LeverageBracketTable brackets, double currentPrice)
    {
        var selected = Filter.Select(trades);
        var extent = TradeExtent.Empty;
        foreach (var i in selected) extent = extent.Including(trades[i]);
        var builder = StartMap(extent, brackets, currentPrice);
        foreach (var i in selected) builder.Add(trades[i]);
        return builder.Complete();
    }

    /// <summary>
    /// An empty map whose price axis is planned from the extent of trades selected elsewhere (e.g. inside the store), to
    /// which those trades are then added in batches (<see cref="LiquidationMapBuilder.Add(ReadOnlySpan{AggTrade})"/>) without
    /// ever holding them all: memory is the map's, whatever the number of trades. <see cref="Filter"/> is not applied: every
    /// trade added counts. Adding the trades in time order gives exactly <see cref="BuildMap"/>'s map.
    /// </summary>
    /// <param name="selected">Count, price range and largest notional of the trades that will be added.</param>
    /// <param name="brackets">The symbol's brackets.</param>
    /// <param name="currentPrice">Current price for the cumulative curves (inside the range).</param>
    /// <exception cref="ArgumentNullException"><paramref name="brackets"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bin width that makes more bins than can be counted (check
    /// <see cref="PlannedBinCount(TradeExtent, LeverageBracketTable, double)"/> first).</exception>
    public LiquidationMapBuilder StartMap(TradeExtent selected, LeverageBracketTable brackets, double currentPrice)
    {
        ArgumentNullException.ThrowIfNull(brackets);
        var calc = new BulkLiquidationPriceCalculator(brackets);
        var (lo, hi) = Range(selected, currentPrice, calc);
        var bins = PriceBinWidth is { } w ? PriceBins.FixedWidth(lo, hi, w) : PriceBins.Nice(lo, hi, PriceBinCount);
        return new LiquidationMapBuilder(new LiquidationMap(bins, currentPrice, Mix.Tiers.Select(t => t.Leverage).ToArray()), Mix, calc);
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
        var extent = TradeExtent.Empty;
        foreach (var i in Filter.Select(trades)) extent = extent.Including(trades[i]);
        return PlannedBinCount(extent, brackets, currentPrice);
    }

    /// <summary>The number of price bins <see cref="StartMap"/> would make for trades of this extent (see
    /// <see cref="PlannedBinCount(ReadOnlySpan{AggTrade}, LeverageBracketTable, double)"/>), without allocating.</summary>
    /// <param name="selected">Count, price range and largest notional of the selected trades.</param>
    /// <param name="brackets">The symbol's brackets.</param>
    /// <param name="currentPrice">Current price (inside the range).</param>
    public double PlannedBinCount(TradeExtent selected, LeverageBracketTable brackets, double currentPrice)
    {
        var (lo, hi) = Range(selected, currentPrice, new BulkLiquidationPriceCalculator(brackets));
        return PriceBinWidth is { } w ? PriceBins.FixedWidthCount(lo, hi, w) : PriceBins.Nice(lo, hi, PriceBinCount).Count;
    }

    private (double Lo, double Hi) Range(TradeExtent selected, double currentPrice, BulkLiquidationPriceCalculator calc)
    {
        // Minimum and maximum are exact, so the range is the same however the extent was gathered (in memory or in the store).
        var lo = Math.Min(currentPrice, selected.MinPrice);
        var hi = Math.Max(currentPrice, selected.MaxPrice);
        var largest = Math.Max(0, selected.MaxNotionalUsd);
        // A liquidation price lies within 1/leverage of its entry; the lowest leverage in use (after bracket caps) sets the padding.
        var minLeverage = Mix.Tiers.Min(t => Math.Min(t.Leverage, calc.MaxLeverageFor(largest * t.Weight)));
        var pad = 1.0 / minLeverage;
        lo *= Math.Max(0.01, 1 - pad);
        hi *= 1 + pad;
        return (lo, hi);
    }
}

/// <summary>
/// A <see cref="BinanceStandardModel"/> map being filled: each trade added opens a position (a taker buy a long, a taker
/// sell a short) split over the leverage mix, each piece binned at its exact isolated liquidation price. Made by
/// <see cref="BinanceStandardModel.StartMap"/>; trades are added in any number of batches, then <see cref="Complete"/>
/// computes the cumulative curves once. Not thread-safe.
/// </summary>
public sealed class LiquidationMapBuilder
{
    private readonly LiquidationMap _map;
    private readonly (int Leverage, double Weight)[] _tiers;
    private readonly BulkLiquidationPriceCalculator _calc;
    private bool _completed;

    internal LiquidationMapBuilder(LiquidationMap map, LeverageMix mix, BulkLiquidationPriceCalculator calc)
    {
        _map = map;
        _tiers = mix.Tiers.Select(t => (t.Leverage, t.Weight)).ToArray();
        _calc = calc;
    }

    /// <summary>The planned price axis.</summary>
    public PriceBins Bins => _map.Bins;

    /// <summary>Trades added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds every trade of <paramref name="trades"/> (already selected), in order.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Add(ReadOnlySpan<AggTrade> trades)
    {
        foreach (ref readonly var t in trades) Add(t);
    }

    /// <summary>Adds one trade (allocation-free).</summary>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Add(in AggTrade trade)
    {
        if (_completed) throw new InvalidOperationException("The map is complete: start another to add trades.");
        var side = trade.IsBuyerMaker ? PositionSide.Short : PositionSide.Long; // buyer maker → taker sold → short entry
        for (var k = 0; k < _tiers.Length; k++)
        {
            var (leverage, weight) = _tiers[k];
            var qty = trade.QuantityBase * weight;
            var notional = qty * trade.Price;
            var effective = Math.Min(leverage, _calc.MaxLeverageFor(notional));
            var lp = _calc.Isolated((int)side, qty, trade.Price, effective);
            _map.Add(side, k, lp, notional, trade.Price);
        }
        Count++;
    }

    /// <summary>Computes the cumulative curves and returns the map; the builder takes no more trades.</summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public LiquidationMap Complete()
    {
        if (_completed) throw new InvalidOperationException("The map is already complete.");
        _completed = true;
        _map.ComputeCumulative();
        return _map;
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
