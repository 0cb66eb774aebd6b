namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// One venue's margin rules for one instrument: maintenance margin, max leverage and liquidation prices of a one-way
/// (net) position, in exact <see cref="decimal"/>. Obtain one with <see cref="MarginModels"/>.
/// </summary>
/// <remarks>
/// Prices and margins are in the instrument's quote currency (USDT; USDC on Hyperliquid, written "USD" in member
/// names). Quantities are in base units (BTC for BTCUSDT); contract venues convert with their contract value.
/// </remarks>
public interface IMarginModel
{
    /// <summary>The venue.</summary>
    Venue Venue { get; }

    /// <summary>The venue's instrument name (<c>BTCUSDT</c>, <c>BTC-USDT-SWAP</c>, <c>BTC</c>).</summary>
    string Symbol { get; }

    /// <summary>The tier table the model uses (for Binance, its brackets as tiers).</summary>
    MarginTierTable Tiers { get; }

    /// <summary>Highest leverage the instrument allows at any size (tier 1's).</summary>
    decimal MaxLeverage { get; }

    /// <summary>Maintenance margin in the quote currency of a position of <paramref name="quantityBase"/> at
    /// <paramref name="markPrice"/> (the venue's own definition; see each model).</summary>
    /// <param name="quantityBase">Position size in base units, ≥ 0.</param>
    /// <param name="markPrice">Mark price, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative inputs or a size beyond the table.</exception>
    decimal MaintenanceMarginUsd(decimal quantityBase, decimal markPrice);

    /// <summary>Highest leverage allowed for a position of <paramref name="quantityBase"/> at <paramref name="price"/>
    /// (the max leverage of the tier holding its size).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative inputs or a size beyond the table.</exception>
    decimal MaxLeverageAt(decimal quantityBase, decimal price);

    /// <summary>Liquidation price of an isolated-margin position.</summary>
    /// <param name="side">Long or short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Average entry price, &gt; 0.</param>
    /// <param name="leverage">Leverage the position was opened with, 1 ≤ leverage ≤ the max of its entry size's tier.</param>
    /// <param name="addedMarginUsd">Margin added to the position by hand, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid inputs, a size beyond the table, or a leverage above the
    /// tier's maximum (<see cref="VenueLeverageException"/>).</exception>
    VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m);

    /// <summary>Liquidation price of a cross-margin position, with the account's other positions.</summary>
    /// <param name="side">Long or short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Average entry price, &gt; 0.</param>
    /// <param name="leverage">Leverage (checked against the entry size's tier).</param>
    /// <param name="account">Cross wallet balance and the other positions' maintenance margin and unrealized PnL.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid inputs or a size beyond the table.</exception>
    /// <exception cref="ArgumentException">A short whose account is below maintenance at every price.</exception>
    VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account);
}

/// <summary>A liquidation price computed by a venue's <see cref="IMarginModel"/>.</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Symbol">The instrument.</param>
/// <param name="Side">Long or short.</param>
/// <param name="MarginMode">Isolated or cross.</param>
/// <param name="QuantityBase">Position size in base units.</param>
/// <param name="EntryPrice">Entry price.</param>
/// <param name="Leverage">Leverage the position was opened with.</param>
/// <param name="MarginBalanceTermUsd">The margin backing the position in the formula: the isolated margin
/// (initial margin + added margin) or the cross term WB − TMM1 + UPNL1.</param>
/// <param name="LiquidationPrice">Mark price at which the venue liquidates; 0 when no positive price does (a long whose
/// margin covers the whole notional).</param>
/// <param name="BankruptcyPrice">Price at which the margin term is exactly lost (floored at 0).</param>
/// <param name="Tier">The tier whose MMR and deduction are in the formula.</param>
public sealed record VenueLiquidationPrice(
    Venue Venue,
    string Symbol,
    PositionSide Side,
    MarginMode MarginMode,
    decimal QuantityBase,
    decimal EntryPrice,
    decimal Leverage,
    decimal MarginBalanceTermUsd,
    decimal LiquidationPrice,
    decimal BankruptcyPrice,
    MarginTier Tier)
{
    /// <summary>False when no positive mark price liquidates the position (<see cref="LiquidationPrice"/> is 0).</summary>
    public bool IsLiquidatable => LiquidationPrice > 0;

    /// <summary>Maintenance margin rate applied (that of <see cref="Tier"/>).</summary>
    public decimal MaintenanceMarginRate => Tier.MaintenanceMarginRate;
}

/// <summary>The requested leverage is above what the instrument's tiers allow for the position's size.</summary>
public sealed class VenueLeverageException : ArgumentOutOfRangeException
{
    /// <summary>Creates the exception.</summary>
    public VenueLeverageException(Venue venue, string symbol, decimal leverage, decimal maxLeverage, decimal size, string unit)
        : base(nameof(leverage), leverage,
            $"Leverage {leverage}x exceeds the maximum {maxLeverage}x of {VenueInfo.Name(venue)} {symbol} for a position of {MarginTierTable.Number(size)} {unit}.")
    {
        MaxLeverage = maxLeverage;
    }

    /// <summary>The highest leverage allowed for that size.</summary>
    public decimal MaxLeverage { get; }
}
