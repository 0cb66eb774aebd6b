namespace LiquidationLab.Core.Margin;

/// <summary>
/// One maintenance-margin bracket (leverage tier) of a Binance USDⓈ-M symbol, as returned by
/// <c>GET /fapi/v1/leverageBracket</c> (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets).
/// </summary>
/// <param name="Number">Bracket number, 1-based and consecutive (Binance field <c>bracket</c>).</param>
/// <param name="NotionalFloorUsd">Lowest position notional of the bracket, in quote currency (USDT), inclusive
/// (Binance field <c>notionalFloor</c>).</param>
/// <param name="NotionalCapUsd">Highest position notional of the bracket, in quote currency (USDT); exclusive for
/// maintenance-margin look-ups except in the last bracket, inclusive as the largest position allowed at this
/// bracket's leverage (Binance field <c>notionalCap</c>).</param>
/// <param name="MaintenanceMarginRate">Maintenance margin rate (MMR) as a fraction, 0 &lt; MMR &lt; 1
/// (Binance field <c>maintMarginRatio</c>; 0.004 = 0.4 %).</param>
/// <param name="MaintenanceAmountUsd">Maintenance amount <c>cum</c> in USDT, the constant that makes maintenance
/// margin continuous across brackets: MM = notional × MMR − cum (Binance field <c>cum</c>).</param>
/// <param name="MaxInitialLeverage">Highest initial leverage allowed for positions in this bracket
/// (Binance field <c>initialLeverage</c>).</param>
public sealed record LeverageBracket(
    int Number,
    decimal NotionalFloorUsd,
    decimal NotionalCapUsd,
    decimal MaintenanceMarginRate,
    decimal MaintenanceAmountUsd,
    int MaxInitialLeverage)
{
    /// <summary>
    /// Maintenance margin in USDT of a position of <paramref name="notionalUsd"/> evaluated with this bracket's
    /// parameters: <c>notional × MMR − cum</c>.
    /// </summary>
    /// <param name="notionalUsd">Position notional in USDT (quantity × mark price), ≥ 0.</param>
    public decimal MaintenanceMarginUsd(decimal notionalUsd) => notionalUsd * MaintenanceMarginRate - MaintenanceAmountUsd;
}
