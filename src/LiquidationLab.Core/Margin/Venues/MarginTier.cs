namespace LiquidationLab.Core.Margin.Venues;

/// <summary>What a tier table's floors and caps measure.</summary>
public enum TierBasis
{
    /// <summary>Position notional (value) in the quote currency (USDT, or USDC on Hyperliquid): quantity × price.</summary>
    NotionalUsd,

    /// <summary>Position size in contracts (OKX: |pos| in contracts; one contract = the instrument's contract value
    /// <c>ctVal</c> in base units). The tier then does not move with the price.</summary>
    Contracts,
}

/// <summary>
/// One maintenance-margin tier (Binance bracket, Bybit risk-limit tier, OKX position tier, Hyperliquid margin tier).
/// </summary>
/// <param name="Number">1-based tier number, consecutive.</param>
/// <param name="Floor">Lowest size of the tier in the table's <see cref="TierBasis"/> units (≥ 0).</param>
/// <param name="Cap">Highest size of the tier in the same units, or <c>null</c> for a last tier without a published cap
/// (Hyperliquid's <c>&gt;150M</c>).</param>
/// <param name="MaintenanceMarginRate">Maintenance margin rate (MMR) as a fraction, 0 &lt; MMR &lt; 1.</param>
/// <param name="MaintenanceDeductionUsd">Deduction in the quote currency so that MM = notional × MMR − deduction
/// (Binance <c>cum</c>, Bybit <c>mmDeduction</c>, Hyperliquid <c>maintenance_deduction</c>); 0 on OKX, whose tiers
/// apply their MMR to the whole position.</param>
/// <param name="MaxLeverage">Highest leverage allowed for a position in the tier (≥ 1; Bybit publishes fractions
/// such as 57.14).</param>
public sealed record MarginTier(
    int Number,
    decimal Floor,
    decimal? Cap,
    decimal MaintenanceMarginRate,
    decimal MaintenanceDeductionUsd,
    decimal MaxLeverage)
{
    /// <summary>Maintenance margin in the quote currency at <paramref name="notionalUsd"/> with this tier's rate and
    /// deduction: <c>notional × MMR − deduction</c>.</summary>
    public decimal MaintenanceMarginUsd(decimal notionalUsd) => notionalUsd * MaintenanceMarginRate - MaintenanceDeductionUsd;
}
