namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// Hyperliquid perpetuals: margin tables (max leverage per notional tier; maintenance margin rate = half the initial
/// margin rate at max leverage, with a deduction) and the liquidation price of Hyperliquid's docs, cross and isolated.
/// </summary>
/// <remarks>
/// <para>Source: Hyperliquid Docs, "Liquidations" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations,
/// stored copy read 2026-12-08): "the maintenance margin is half of the initial margin at max leverage", and</para>
/// <code>liq_price = price − side × margin_available / position_size / (1 − l × side)
/// side = 1 for long, −1 for short;  l = 1 / MAINTENANCE_LEVERAGE
/// margin_available (cross) = account_value − maintenance_margin_required
/// margin_available (isolated) = isolated_margin − maintenance_margin_required</code>
/// <para>and "Margin tiers" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers):
/// <c>maintenance_margin = notional × maintenance_margin_rate − maintenance_deduction</c>, rate(tier n) = (initial margin
/// rate at max leverage of tier n) / 2, deduction(n) = deduction(n−1) + lower_bound(n) × (rate(n) − rate(n−1)).</para>
/// <para>With price = entry price this is the root of margin + side × Q × (P − EP) = Q × P × l − deduction, which this
/// model solves over the tiers like Binance's bracket search (the tier of the notional at the liquidation price): within
/// one tier the two are algebraically equal — (EP − (M + d)/Q) / (1 − l) for a long, (EP + (M + d)/Q) / (1 + l) for a
/// short. Isolated margin = Q × EP / leverage + added margin; leverage is a whole number on Hyperliquid. No numeric
/// example is published in the docs; the tests check the docs' formula literally and against liquidation prices the
/// exchange returned for real positions.</para>
/// </remarks>
public sealed class HyperliquidMarginModel : TieredMarginModel
{
    /// <summary>Creates the model for one coin's margin table.</summary>
    /// <exception cref="ArgumentException">The table is not a Hyperliquid table.</exception>
    public HyperliquidMarginModel(MarginTierTable tiers)
        : base(tiers, Venue.Hyperliquid, TierBasis.NotionalUsd, "a Hyperliquid (notional) margin table")
    {
    }

    /// <inheritdoc />
    public override VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: true);
        MarginModelInputs.AddedMargin(addedMarginUsd);
        return Solve(side, MarginMode.Isolated, quantityBase, entryPrice, leverage, quantityBase * entryPrice / leverage + addedMarginUsd);
    }

    /// <summary>Liquidation price of an isolated position holding exactly <paramref name="isolatedMarginUsd"/> of margin
    /// (what the info API reports as the position's margin, after fees), leverage not checked.</summary>
    /// <param name="side">Long or short.</param>
    /// <param name="quantityBase">Position size in coins, &gt; 0.</param>
    /// <param name="entryPrice">Entry price, &gt; 0.</param>
    /// <param name="isolatedMarginUsd">The position's isolated margin in USDC, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid side, quantity, price or margin, or a size beyond the table.</exception>
    public VenueLiquidationPrice IsolatedWithMargin(PositionSide side, decimal quantityBase, decimal entryPrice, decimal isolatedMarginUsd)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, 1m, wholeLeverage: true);
        if (isolatedMarginUsd <= 0 || isolatedMarginUsd > MarginModelInputs.MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(isolatedMarginUsd), isolatedMarginUsd, "Isolated margin must be > 0 and ≤ 1,000,000,000,000 USDC.");
        // The effective leverage (notional ÷ margin) is reported; it is not checked against the tier here.
        return Solve(side, MarginMode.Isolated, quantityBase, entryPrice, quantityBase * entryPrice / isolatedMarginUsd, isolatedMarginUsd);
    }

    /// <inheritdoc />
    public override VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: true);
        return Solve(side, MarginMode.Cross, quantityBase, entryPrice, leverage, MarginModelInputs.CrossTerm(account));
    }

    private VenueLiquidationPrice Solve(PositionSide side, MarginMode mode, decimal q, decimal ep, decimal leverage, decimal w)
    {
        var (tier, lp) = ContinuousTierSolver.Solve(Tiers, side, q, ep, w);
        return new VenueLiquidationPrice(Venue, Symbol, side, mode, q, ep, leverage, w, lp, MarginModelInputs.Bankruptcy(side, q, ep, w), tier);
    }
}
