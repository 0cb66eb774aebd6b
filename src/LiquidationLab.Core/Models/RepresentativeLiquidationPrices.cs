using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Models;

/// <summary>
/// Liquidation prices of the representative isolated position a heatmap model creates, through a venue's
/// <see cref="IMarginModel"/>: the leverage of each mix tier is capped at what the venue's tier of that position allows,
/// and the liquidation price is the venue's. Binance USDⓈ-M keeps the <see cref="BulkLiquidationPriceCalculator"/> path it
/// always had (the same doubles to the last bit); the other venues go through their exact <see cref="decimal"/> models.
/// </summary>
internal abstract class RepresentativeLiquidationPrices
{
    /// <summary>The prices of <paramref name="margin"/>'s venue for positions of <paramref name="positionUsd"/> across <paramref name="mix"/>.</summary>
    public static RepresentativeLiquidationPrices For(IMarginModel margin, double positionUsd, LeverageMix mix) => margin is BinanceUsdmMarginModel binance
        ? new Binance(new BulkLiquidationPriceCalculator(binance.Brackets), positionUsd, mix)
        : new Tiered(margin, mix);

    /// <summary>Liquidation price of an isolated position of <paramref name="quantityBase"/> entered at <paramref name="entryPrice"/>
    /// at the leverage of mix tier <paramref name="tier"/> (capped by the venue); 0 for a long no positive price liquidates; NaN
    /// when the venue's table cannot price it.</summary>
    /// <param name="side">+1 long, −1 short.</param>
    /// <param name="quantityBase">Size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Entry price, &gt; 0.</param>
    /// <param name="tier">Index into the mix's tiers.</param>
    public abstract double Isolated(int side, double quantityBase, double entryPrice, int tier);

    private sealed class Binance : RepresentativeLiquidationPrices
    {
        private readonly BulkLiquidationPriceCalculator _calc;
        private readonly int[] _effective;

        public Binance(BulkLiquidationPriceCalculator calc, double positionUsd, LeverageMix mix)
        {
            _calc = calc;
            _effective = mix.Tiers.Select(t => Math.Min(t.Leverage, calc.MaxLeverageFor(positionUsd))).ToArray();
        }

        public override double Isolated(int side, double quantityBase, double entryPrice, int tier) =>
            _calc.Isolated(side, quantityBase, entryPrice, _effective[tier]);
    }

    private sealed class Tiered(IMarginModel margin, LeverageMix mix) : RepresentativeLiquidationPrices
    {
        private readonly int[] _leverages = mix.Tiers.Select(t => t.Leverage).ToArray();

        public override double Isolated(int side, double quantityBase, double entryPrice, int tier)
        {
            if (!(quantityBase > 0 && entryPrice > 0 && quantityBase < 1e12 && entryPrice < 1e12)) return double.NaN;
            try
            {
                var q = (decimal)quantityBase;
                var ep = (decimal)entryPrice;
                // The venue's tier of the position sets the highest leverage; leverage is a whole number on every venue's order form.
                var leverage = Math.Max(1m, decimal.Floor(Math.Min(_leverages[tier], margin.MaxLeverageAt(q, ep))));
                return (double)margin.Isolated(side > 0 ? PositionSide.Long : PositionSide.Short, q, ep, leverage).LiquidationPrice;
            }
            catch (ArgumentException)
            {
                return double.NaN; // beyond the venue's table (not for a representative position of ordinary size)
            }
        }
    }
}
