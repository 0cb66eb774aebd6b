using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Models;

/// <summary>
/// The seed's recommended open-interest profile model: the current open interest (USD) is distributed over entry
/// prices by the volume profile of large trades in the window (notional per price bin, longs from taker buys, shorts
/// from taker sells), then across the leverage mix; each (entry bin, side, tier) gets the liquidation price of a
/// representative position entered at the bin centre.
/// </summary>
/// <remarks>
/// Parameters: <see cref="Filter"/> (large trades; default top 10 % by notional), <see cref="Mix"/>,
/// <see cref="ProfileBinCount"/> (≈ bins of the entry-price profile, default 100), <see cref="PriceBinCount"/>
/// (≈ bins of the output, default 250), <see cref="RepresentativePositionUsd"/> (notional of the position whose bracket
/// sets MMR and cum, default 10,000 USD: open interest is many positions, not one).
/// </remarks>
public sealed class OpenInterestProfileModel(
    TradeFilter? filter = null, LeverageMix? mix = null, int profileBinCount = 100, int priceBinCount = 250, double representativePositionUsd = 10_000) : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "open-interest-profile";

    /// <summary>Large-trade selection for the profile.</summary>
    public TradeFilter Filter { get; } = filter ?? new TradeFilter(TradeFilterMode.Portion, 0.10);

    /// <summary>Leverage tiers and weights.</summary>
    public LeverageMix Mix { get; } = mix ?? LeverageMix.Default;

    /// <summary>Approximate number of entry-price bins of the volume profile.</summary>
    public int ProfileBinCount { get; } = profileBinCount;

    /// <summary>Approximate number of output price bins.</summary>
    public int PriceBinCount { get; } = priceBinCount;

    /// <summary>Notional of the representative position (bracket selection), USD, &gt; 0.</summary>
    public double RepresentativePositionUsd { get; } = representativePositionUsd > 0 ? representativePositionUsd
        : throw new ArgumentOutOfRangeException(nameof(representativePositionUsd), representativePositionUsd, "Must be > 0 USD.");

    /// <inheritdoc />
    public string Name => ModelName;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The window has no open interest or no trades.</exception>
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var oi = window.CurrentOpenInterestUsd;
        if (!double.IsFinite(oi) || oi <= 0)
            throw new InvalidOperationException($"{Name} needs the current open interest (USD) on the window's candles.");
        var trades = window.Trades as AggTrade[] ?? window.Trades.ToArray();
        var selected = Filter.Select(trades);
        if (selected.Length == 0) throw new InvalidOperationException($"{Name}: no trades pass the filter ({Filter.Mode} {Filter.Threshold}).");

        double lo = double.MaxValue, hi = double.MinValue;
        foreach (var i in selected)
        {
            lo = Math.Min(lo, trades[i].Price);
            hi = Math.Max(hi, trades[i].Price);
        }
        var profileBins = PriceBins.Nice(lo, hi, ProfileBinCount);
        var longProfile = new double[profileBins.Count];
        var shortProfile = new double[profileBins.Count];
        foreach (var i in selected)
        {
            var b = profileBins.IndexOf(trades[i].Price);
            if (trades[i].IsBuyerMaker) shortProfile[b] += trades[i].NotionalUsd;
            else longProfile[b] += trades[i].NotionalUsd;
        }
        var total = longProfile.Sum() + shortProfile.Sum();

        var pad = 1.0 / Mix.Tiers[0].Leverage;
        var current = window.CurrentPrice;
        var outBins = PriceBins.Nice(Math.Min(lo, current) * Math.Max(0.01, 1 - pad), Math.Max(hi, current) * (1 + pad), PriceBinCount);
        var map = new LiquidationMap(outBins, current, Mix.Tiers.Select(t => t.Leverage).ToArray());
        var calc = new BulkLiquidationPriceCalculator(window.Brackets);
        for (var b = 0; b < profileBins.Count; b++)
        {
            var entry = profileBins.Center(b);
            var qty = RepresentativePositionUsd / entry;
            for (var k = 0; k < Mix.Tiers.Count; k++)
            {
                var (leverage, weight) = Mix.Tiers[k];
                var effective = Math.Min(leverage, calc.MaxLeverageFor(RepresentativePositionUsd));
                if (longProfile[b] > 0)
                    map.Add(PositionSide.Long, k, calc.Isolated(1, qty, entry, effective), oi * longProfile[b] / total * weight, entry);
                if (shortProfile[b] > 0)
                    map.Add(PositionSide.Short, k, calc.Isolated(-1, qty, entry, effective), oi * shortProfile[b] / total * weight, entry);
            }
        }
        map.ComputeCumulative();
        return new LiquidationModelResult(Name, map.ToLevels(Name, Mix));
    }
}
