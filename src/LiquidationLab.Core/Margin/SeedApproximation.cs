namespace LiquidationLab.Core.Margin;

/// <summary>
/// The seed system's simplified liquidation-price formula, kept only for comparison with the exact one
/// (<see cref="LiquidationPriceCalculator"/>). It is an <b>approximation</b>: it ignores the maintenance amount
/// <c>cum</c> and divides the MMR by the leverage instead of applying it to the notional at liquidation, so it is
/// off by tens of dollars at BTC prices and more above bracket 1.
/// </summary>
public static class SeedApproximation
{
    /// <summary>
    /// Approximate isolated liquidation price: long <c>entry·(1 − 1/lev + mmr/lev)</c>,
    /// short <c>entry·(1 + 1/lev − mmr/lev)</c> (the project's starting formulas, verbatim).
    /// </summary>
    /// <param name="side">Long or short.</param>
    /// <param name="entryPrice">Entry price, &gt; 0.</param>
    /// <param name="leverage">Leverage, &gt; 0.</param>
    /// <param name="maintenanceMarginRate">MMR as a fraction, 0 ≤ MMR &lt; 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range.</exception>
    public static decimal ApproximateLiquidationPrice(PositionSide side, decimal entryPrice, decimal leverage, decimal maintenanceMarginRate)
    {
        if (entryPrice <= 0) throw new ArgumentOutOfRangeException(nameof(entryPrice), entryPrice, "Entry price must be > 0.");
        if (leverage <= 0) throw new ArgumentOutOfRangeException(nameof(leverage), leverage, "Leverage must be > 0.");
        if (maintenanceMarginRate < 0 || maintenanceMarginRate >= 1)
            throw new ArgumentOutOfRangeException(nameof(maintenanceMarginRate), maintenanceMarginRate, "MMR must satisfy 0 ≤ MMR < 1.");
        return side switch
        {
            PositionSide.Long => entryPrice * (1 - 1 / leverage + maintenanceMarginRate / leverage),
            PositionSide.Short => entryPrice * (1 + 1 / leverage - maintenanceMarginRate / leverage),
            _ => throw new ArgumentOutOfRangeException(nameof(side), side, "Side must be Long or Short."),
        };
    }
}
