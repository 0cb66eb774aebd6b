namespace LiquidationLab.Core.Margin;

/// <summary>
/// Direction of a one-way-mode (BOTH) position. The numeric value is the <c>side</c> factor of Binance's
/// liquidation-price formula: +1 for a long, −1 for a short.
/// </summary>
public enum PositionSide
{
    /// <summary>Long position (profits when the price rises); formula side factor +1.</summary>
    Long = 1,

    /// <summary>Short position (profits when the price falls); formula side factor −1.</summary>
    Short = -1,
}

/// <summary>Margin mode of a position on Binance USDⓈ-M futures.</summary>
public enum MarginMode
{
    /// <summary>
    /// Isolated margin: the position is backed only by its own isolated wallet balance
    /// (initial margin = notional at entry ÷ leverage, plus any margin added by hand).
    /// </summary>
    Isolated,

    /// <summary>
    /// Cross margin: the position shares the account's cross wallet balance with every other cross position,
    /// whose maintenance margin and unrealized PnL enter the liquidation price.
    /// </summary>
    Cross,
}
