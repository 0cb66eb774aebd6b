namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// Bybit linear USDT perpetuals: risk-limit tiers with a maintenance margin deduction, and Bybit's published
/// liquidation-price formula.
/// </summary>
/// <remarks>
/// <para>Source: Bybit Help Center, "Liquidation Price (USDT Contract)", (A) Isolated Margin Mode
/// (https://www.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract, stored copy of the testnet mirror
/// read 2026-12-08):</para>
/// <code>
/// LP (long)  = Entry Price − [(Initial Margin − Maintenance Margin) / Position Size] − (Extra Margin Added / Position Size)
/// LP (short) = Entry Price + [(Initial Margin − Maintenance Margin) / Position Size] + (Extra Margin Added / Position Size)
/// Position Value = Position Size × Entry Price;  IM = Position Value / leverage;
/// MM = Position Value × MMR − Maintenance Margin Deduction  (MMR and deduction of the risk-limit tier)
/// </code>
/// <para>Worked example on that page: a 1 BTC long at 20,000 USDT, 50x, MMR 0.5 %, no extra margin: IM = 400,
/// MM = 100, LP = 20,000 − (400 − 100) = 19,700 USDT. The deduction: "Maintenance Margin Deduction = Risk Limit on Tier
/// (n−1) × (MMR on Tier n − MMR on Tier (n−1)) + Deduction on Tier (n−1)" (Bybit "Margin Parameters",
/// https://www.bybit.com/en/announcement-info/margin-parameters).</para>
/// <para>Unlike Binance's, Bybit's formula takes maintenance margin at the <b>entry</b> position value, so the tier is
/// the one of the entry value (a tier spans (previous risk limit, its risk limit]). The Unified Trading Account page
/// ("Liquidation Price Calculation under Isolated Mode") adds an estimated fee to close to both IM and MM; the two
/// cancel in IM − MM, and the formula above is what remains.</para>
/// <para>Cross: the stored copies did not show Bybit's cross section; this model uses the same formula with the position
/// margin IM + extra replaced by the cross term W = WB − TMM1 + UPNL1 (derived, not a published formula):
/// <c>LP = EP − side × (W − MM) / Q</c>.</para>
/// </remarks>
public sealed class BybitLinearMarginModel : TieredMarginModel
{
    /// <summary>Creates the model for one symbol's risk-limit tiers.</summary>
    /// <exception cref="ArgumentException">The table is not a Bybit linear table.</exception>
    public BybitLinearMarginModel(MarginTierTable tiers)
        : base(tiers, Venue.BybitLinear, TierBasis.NotionalUsd, "a Bybit linear (notional) tier table")
    {
    }

    /// <inheritdoc />
    public override VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: false);
        MarginModelInputs.AddedMargin(addedMarginUsd);
        var w = quantityBase * entryPrice / leverage + addedMarginUsd;
        return Solve(side, MarginMode.Isolated, quantityBase, entryPrice, leverage, w);
    }

    /// <inheritdoc />
    public override VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: false);
        var w = MarginModelInputs.CrossTerm(account);
        return Solve(side, MarginMode.Cross, quantityBase, entryPrice, leverage, w);
    }

    private VenueLiquidationPrice Solve(PositionSide side, MarginMode mode, decimal q, decimal ep, decimal leverage, decimal w)
    {
        var value = q * ep;
        var tier = Tiers.FindTier(value);
        var mm = tier.MaintenanceMarginUsd(value);
        if (w <= mm)
            throw new ArgumentException(
                $"The margin term {w} USDT is at or below the maintenance margin {mm} USDT of a {q} {Symbol} position at {ep}: it is liquidated at entry.");
        var lp = ep - (int)side * (w - mm) / q;
        return new VenueLiquidationPrice(Venue, Symbol, side, mode, q, ep, leverage, w, lp > 0 ? lp : 0m,
            MarginModelInputs.Bankruptcy(side, q, ep, w), tier);
    }
}
