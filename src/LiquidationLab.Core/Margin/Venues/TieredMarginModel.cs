namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// What every venue model built on a <see cref="MarginTierTable"/> shares: the table's venue and basis checked once, the
/// symbol and maximum leverage from the table, maintenance margin and the maximum leverage at a size from the tier that
/// holds it (<see cref="MarginTierTable.SizeOf"/>: notional or contracts). Each venue writes only its liquidation condition.
/// </summary>
public abstract class TieredMarginModel : IMarginModel
{
    /// <summary>Checks and keeps the table.</summary>
    /// <param name="tiers">The venue's table for one instrument.</param>
    /// <param name="venue">The venue the model is for.</param>
    /// <param name="basis">The tier basis the venue uses.</param>
    /// <param name="description">How the expected table is named in the error, e.g. <c>a Bybit linear (notional) tier table</c>.</param>
    /// <exception cref="ArgumentException">The table is another venue's or of another basis.</exception>
    protected TieredMarginModel(MarginTierTable tiers, Venue venue, TierBasis basis, string description)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (tiers.Venue != venue || tiers.Basis != basis)
            throw new ArgumentException($"Expected {description}, found {VenueInfo.TierFolder(tiers.Venue)} ({tiers.SourceName}).", nameof(tiers));
        Tiers = tiers;
        Venue = venue;
    }

    /// <inheritdoc />
    public Venue Venue { get; }

    /// <inheritdoc />
    public string Symbol => Tiers.Symbol;

    /// <inheritdoc />
    public MarginTierTable Tiers { get; }

    /// <inheritdoc />
    public decimal MaxLeverage => Tiers.MaxLeverage;

    /// <inheritdoc />
    public decimal MaintenanceMarginUsd(decimal quantityBase, decimal markPrice)
    {
        MarginModelInputs.Level(quantityBase, markPrice);
        return Tiers.MaintenanceMarginUsd(quantityBase, markPrice);
    }

    /// <inheritdoc />
    public decimal MaxLeverageAt(decimal quantityBase, decimal price)
    {
        MarginModelInputs.Level(quantityBase, price);
        return Tiers.FindTier(Tiers.SizeOf(quantityBase, price)).MaxLeverage;
    }

    /// <inheritdoc />
    public abstract VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m);

    /// <inheritdoc />
    public abstract VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account);
}
