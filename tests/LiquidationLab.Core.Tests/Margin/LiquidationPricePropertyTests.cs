using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

/// <summary>
/// Properties over random valid isolated positions: entry price 1–250,000 USDT (cents), any leverage 1–125x, and a
/// notional anywhere up to the largest position that leverage allows (down to 0.001 base units).
/// </summary>
public class LiquidationPricePropertyTests
{
    private static readonly LeverageBracketTable Btc = Fixtures.BtcUsdt;
    private static readonly BulkLiquidationPriceCalculator Bulk = new(Btc);

    /// <summary>A valid position built deterministically from three random integers.</summary>
    private static (decimal Entry, decimal Quantity, int Leverage) Position(int priceSeed, int leverageSeed, int sizeSeed)
    {
        var entry = 1m + (uint)priceSeed % 24_999_900u / 100m;          // 1.00 … 250,000.00
        var leverage = 1 + (int)((uint)leverageSeed % 125u);            // 1 … 125
        var maxNotional = Btc.MaxNotionalForLeverage(leverage);
        // Log-uniform-ish notional share, so small and bracket-crossing positions both appear.
        var share = (decimal)Math.Pow(10, -6.0 * ((uint)sizeSeed % 1_000_000u) / 1_000_000.0);
        var quantity = Math.Max(0.001m, Math.Floor(maxNotional * share / entry * 1000m) / 1000m);
        while (quantity * entry > maxNotional) quantity -= 0.001m;
        return (entry, quantity, leverage);
    }

    private static bool Valid((decimal Entry, decimal Quantity, int Leverage) p) => p.Quantity > 0;

    [Property(MaxTest = 3000)]
    public Property Long_liquidation_price_is_below_entry(int a, int b, int c)
    {
        var p = Position(a, b, c);
        return Prop.When(Valid(p), () =>
            LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, p.Quantity, p.Entry, p.Leverage).LiquidationPrice < p.Entry);
    }

    [Property(MaxTest = 3000)]
    public Property Short_liquidation_price_is_above_entry(int a, int b, int c)
    {
        var p = Position(a, b, c);
        return Prop.When(Valid(p) && p.Quantity * p.Entry * 2.1m < Btc.MaxNotionalUsd, () =>
            LiquidationPriceCalculator.Isolated(Btc, PositionSide.Short, p.Quantity, p.Entry, p.Leverage).LiquidationPrice > p.Entry);
    }

    [Property(MaxTest = 2000)]
    public Property Higher_leverage_brings_the_liquidation_price_closer_to_entry(int a, int b, int c, bool isLong)
    {
        var p = Position(a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        var lower = p.Leverage - 1;
        return Prop.When(Valid(p) && lower >= 1 && p.Quantity * p.Entry * 2.1m < Btc.MaxNotionalUsd, () =>
        {
            var near = LiquidationPriceCalculator.Isolated(Btc, side, p.Quantity, p.Entry, p.Leverage).LiquidationPrice;
            var far = LiquidationPriceCalculator.Isolated(Btc, side, p.Quantity, p.Entry, lower).LiquidationPrice;
            return Math.Abs(p.Entry - near) < Math.Abs(p.Entry - far);
        });
    }

    [Property(MaxTest = 5000)]
    public Property Decimal_and_double_paths_agree_to_1e_9_relative(int a, int b, int c, bool isLong)
    {
        var p = Position(a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(p) && p.Quantity * p.Entry * 2.1m < Btc.MaxNotionalUsd, () =>
        {
            var exact = (double)LiquidationPriceCalculator.Isolated(Btc, side, p.Quantity, p.Entry, p.Leverage).LiquidationPrice;
            var fast = Bulk.Isolated((int)side, (double)p.Quantity, (double)p.Entry, p.Leverage);
            return exact == 0 ? fast == 0 : Math.Abs(fast - exact) <= 1e-9 * Math.Abs(exact);
        });
    }

    [Property(MaxTest = 2000)]
    public Property Liquidation_price_sits_in_the_bracket_of_its_own_notional(int a, int b, int c, bool isLong)
    {
        var p = Position(a, b, c);
        var side = isLong ? PositionSide.Long : PositionSide.Short;
        return Prop.When(Valid(p) && p.Quantity * p.Entry * 2.1m < Btc.MaxNotionalUsd, () =>
        {
            var r = LiquidationPriceCalculator.Isolated(Btc, side, p.Quantity, p.Entry, p.Leverage);
            if (!r.IsLiquidatable) return side == PositionSide.Long;
            var n = r.NotionalAtLiquidationUsd;
            // Allow the last digit of decimal rounding at a boundary, where both brackets give the same price.
            return n >= r.Bracket.NotionalFloorUsd - 1e-18m && n <= r.Bracket.NotionalCapUsd + 1e-18m;
        });
    }
}
