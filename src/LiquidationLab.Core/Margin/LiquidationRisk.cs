namespace LiquidationLab.Core.Margin;

/// <summary>How close a position is to liquidation.</summary>
public enum RiskLevel
{
    /// <summary>The adverse move to liquidation is at least <see cref="RiskThresholds.MediumBelowPercent"/>.</summary>
    Low,

    /// <summary>The adverse move is at least <see cref="RiskThresholds.HighBelowPercent"/> and below <see cref="RiskThresholds.MediumBelowPercent"/>.</summary>
    Medium,

    /// <summary>The adverse move is below <see cref="RiskThresholds.HighBelowPercent"/>.</summary>
    High,
}

/// <summary>
/// Thresholds, in percent of the reference price, for <see cref="RiskLevel"/>. Defaults: High below 5 %, Medium below
/// 15 %, Low otherwise. Rationale: BTC's daily high–low range is commonly 2–5 %, so a position that a 5 % move
/// liquidates can go within a day; 15 % moves happen over weeks (the classic 10x position, ≈ 9.6 % away, is Medium;
/// 5x, ≈ 19.6 %, is Low; 25x and above are High).
/// </summary>
/// <param name="HighBelowPercent">Distances below this (percent) are <see cref="RiskLevel.High"/>; default 5.</param>
/// <param name="MediumBelowPercent">Distances below this (percent) are <see cref="RiskLevel.Medium"/>; default 15.</param>
public sealed record RiskThresholds(decimal HighBelowPercent = 5m, decimal MediumBelowPercent = 15m)
{
    /// <summary>The default thresholds (5 % and 15 %).</summary>
    public static RiskThresholds Default { get; } = new();

    /// <summary>Classifies a distance to liquidation.</summary>
    /// <param name="distancePercent">Adverse move to liquidation, percent of the reference price, ≥ 0.</param>
    public RiskLevel Classify(decimal distancePercent) =>
        distancePercent < HighBelowPercent ? RiskLevel.High
        : distancePercent < MediumBelowPercent ? RiskLevel.Medium
        : RiskLevel.Low;
}

/// <summary>Distance from a reference (mark) price to a liquidation price.</summary>
/// <param name="ReferencePrice">Reference price, USDT (mark price; the entry price when none is given).</param>
/// <param name="DistanceUsd">Adverse price move to liquidation, USDT per base unit: reference − LP for a long,
/// LP − reference for a short; 0 when the position is already at or past its liquidation price. For a long that
/// cannot be liquidated it equals the reference price (the move to zero).</param>
/// <param name="DistancePercent">The same move in percent of the reference price (0–100 for longs, unbounded for shorts).</param>
public readonly record struct LiquidationDistance(decimal ReferencePrice, decimal DistanceUsd, decimal DistancePercent)
{
    /// <summary>Distance from <paramref name="referencePrice"/> to the result's liquidation price.</summary>
    /// <param name="result">A computed liquidation price.</param>
    /// <param name="referencePrice">Mark price in USDT, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive reference price.</exception>
    public static LiquidationDistance From(LiquidationPriceResult result, decimal referencePrice)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (referencePrice <= 0)
            throw new ArgumentOutOfRangeException(nameof(referencePrice), referencePrice, "Reference price must be > 0 USDT.");
        var move = result.Side == PositionSide.Long ? referencePrice - result.LiquidationPrice : result.LiquidationPrice - referencePrice;
        if (move < 0) move = 0;
        return new LiquidationDistance(referencePrice, move, move / referencePrice * 100m);
    }
}
