namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// OKX USDT-margined perpetual swaps: position tiers by contract count, the contract value <c>ctVal</c>, and the
/// liquidation condition of OKX's margin ratio.
/// </summary>
/// <remarks>
/// <para>Source: OKX Help Center, "Tiered maintenance margin ratio rules" (https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules,
/// published 2022-06-16, updated 2025-05-16; stored copy read 2026-12-08): liquidation is triggered "when your margin
/// ratio falls to 100%", and in isolated margin mode for USDT-margined contracts</para>
/// <code>margin ratio = (margin balance + UPL) / (face value × |contracts| × mark price × (tiered MMR + fee rate))</code>
/// <para>Solving margin ratio = 1 with Q = face value × |contracts| (base units), UPL = side × Q × (P − EP):</para>
/// <code>LP = (side × Q × EP − W) / (Q × (side − MMR − fee))
/// long:  LP = (W − Q × EP) / (Q × (MMR + fee − 1))      short: LP = (W + Q × EP) / (Q × (1 + MMR + fee))</code>
/// <para>W is the isolated margin balance (Q × EP / leverage + added margin) or, for cross, W = WB − TMM1 + UPNL1
/// (OKX's single-currency cross margin ratio has the same numerator terms and the same maintenance-plus-fee
/// denominator). The tier is the one of the position's contract count, which does not change with the price, and its MMR
/// applies to the whole position (no deduction: OKX's maintenance margin jumps at a tier boundary). No worked example
/// was found in the stored corpora; the tests use a hand-worked example of this formula, labelled as such.</para>
/// </remarks>
public sealed class OkxSwapMarginModel : TieredMarginModel
{
    /// <summary>Default taker fee rate in the liquidation condition: 0.05 %, OKX's regular-user (Lv1) USDT-margined swap
    /// taker fee.</summary>
    public const decimal DefaultTakerFeeRate = 0.0005m;

    /// <summary>Creates the model for one swap's position tiers.</summary>
    /// <param name="tiers">An OKX contract-based table (with its contract value).</param>
    /// <param name="takerFeeRate">Fee rate in the margin ratio's denominator, 0 ≤ rate &lt; 0.01.</param>
    /// <exception cref="ArgumentException">The table is not an OKX swap table.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The fee rate is outside [0, 0.01).</exception>
    public OkxSwapMarginModel(MarginTierTable tiers, decimal takerFeeRate = DefaultTakerFeeRate)
        : base(tiers, Venue.OkxSwap, TierBasis.Contracts, "an OKX swap (contract) tier table")
    {
        if (takerFeeRate is < 0 or >= 0.01m)
            throw new ArgumentOutOfRangeException(nameof(takerFeeRate), takerFeeRate, "The taker fee rate must be ≥ 0 and < 0.01.");
        TakerFeeRate = takerFeeRate;
    }

    /// <summary>Fee rate in the liquidation condition's denominator.</summary>
    public decimal TakerFeeRate { get; }

    /// <summary>Base units per contract (<c>ctVal</c>).</summary>
    public decimal ContractValueBase => Tiers.ContractValueBase!.Value;

    /// <inheritdoc />
    public override VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: false);
        MarginModelInputs.AddedMargin(addedMarginUsd);
        return Solve(side, MarginMode.Isolated, quantityBase, entryPrice, leverage, quantityBase * entryPrice / leverage + addedMarginUsd);
    }

    /// <inheritdoc />
    public override VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account)
    {
        MarginModelInputs.Position(Tiers, side, quantityBase, entryPrice, leverage, wholeLeverage: false);
        return Solve(side, MarginMode.Cross, quantityBase, entryPrice, leverage, MarginModelInputs.CrossTerm(account));
    }

    private VenueLiquidationPrice Solve(PositionSide side, MarginMode mode, decimal q, decimal ep, decimal leverage, decimal w)
    {
        var tier = Tiers.FindTier(Tiers.SizeOf(q, ep));
        var s = (int)side;
        var rate = tier.MaintenanceMarginRate + TakerFeeRate;
        if (w <= q * ep * rate)
            throw new ArgumentException(
                $"The margin term {w} USDT is at or below maintenance margin plus fee {q * ep * rate} USDT of a {q} {Symbol} position at {ep}: it is liquidated at entry.");
        var lp = (s * q * ep - w) / (q * (s - rate));
        return new VenueLiquidationPrice(Venue, Symbol, side, mode, q, ep, leverage, w, lp > 0 ? lp : 0m,
            MarginModelInputs.Bankruptcy(side, q, ep, w), tier);
    }
}
