namespace LiquidationLab.Core.Margin;

/// <summary>One row of a liquidation-levels table: a leverage, side and margin mode.</summary>
/// <param name="Leverage">Initial leverage.</param>
/// <param name="Side">Long or short.</param>
/// <param name="MarginMode">Isolated or cross.</param>
/// <param name="Result">The liquidation price, or <c>null</c> when the combination is not allowed
/// (see <see cref="Rejection"/>).</param>
/// <param name="Distance">Distance from the reference price, or <c>null</c> with <see cref="Result"/>.</param>
/// <param name="Risk">Risk level of <see cref="Distance"/>, or <c>null</c> with <see cref="Result"/>.</param>
/// <param name="Rejection">Why the exchange would not allow this position (e.g. leverage above the bracket's max),
/// or <c>null</c>.</param>
public sealed record LiquidationLevel(
    int Leverage,
    PositionSide Side,
    MarginMode MarginMode,
    LiquidationPriceResult? Result,
    LiquidationDistance? Distance,
    RiskLevel? Risk,
    string? Rejection);

/// <summary>Options for <see cref="LiquidationLevels.Compute"/>.</summary>
public sealed record LiquidationLevelsRequest
{
    /// <summary>Entry price in USDT, &gt; 0.</summary>
    public required decimal EntryPrice { get; init; }

    /// <summary>Position size in base units, &gt; 0. Default 1.</summary>
    public decimal QuantityBase { get; init; } = 1m;

    /// <summary>Leverages to tabulate. Default 5, 10, 25, 50, 100, 125.</summary>
    public IReadOnlyList<int> Leverages { get; init; } = [5, 10, 25, 50, 100, 125];

    /// <summary>Sides to tabulate. Default long and short.</summary>
    public IReadOnlyList<PositionSide> Sides { get; init; } = [PositionSide.Long, PositionSide.Short];

    /// <summary>Margin modes to tabulate. Default isolated.</summary>
    public IReadOnlyList<MarginMode> MarginModes { get; init; } = [MarginMode.Isolated];

    /// <summary>
    /// Cross account for cross rows. <c>null</c> (default): the cross wallet holds exactly the position's initial
    /// margin at each leverage and there are no other positions, which makes cross equal to isolated.
    /// </summary>
    public CrossMarginAccount? CrossAccount { get; init; }

    /// <summary>Reference (mark) price for distances, USDT. <c>null</c> (default): the entry price.</summary>
    public decimal? ReferencePrice { get; init; }

    /// <summary>Risk thresholds. Default <see cref="RiskThresholds.Default"/>.</summary>
    public RiskThresholds RiskThresholds { get; init; } = RiskThresholds.Default;
}

/// <summary>
/// Liquidation levels for a batch of leverages, sides and margin modes — what the seed's
/// <c>/liquidations/levels</c> endpoint returned.
/// </summary>
public static class LiquidationLevels
{
    /// <summary>
    /// Computes one row per (margin mode, leverage, side), in that nesting order. Combinations the exchange would
    /// reject (leverage above the entry bracket's max) are returned with <see cref="LiquidationLevel.Rejection"/>
    /// set instead of throwing, so a table shows them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive entry price, quantity or reference price, a leverage
    /// below 1, or a notional beyond the table.</exception>
    public static IReadOnlyList<LiquidationLevel> Compute(LeverageBracketTable table, LiquidationLevelsRequest request)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(request);
        var reference = request.ReferencePrice ?? request.EntryPrice;
        var rows = new List<LiquidationLevel>(request.MarginModes.Count * request.Leverages.Count * request.Sides.Count);
        foreach (var mode in request.MarginModes)
        foreach (var leverage in request.Leverages)
        foreach (var side in request.Sides)
        {
            LiquidationPriceResult result;
            try
            {
                result = mode == MarginMode.Isolated || request.CrossAccount is null
                    ? LiquidationPriceCalculator.Isolated(table, side, request.QuantityBase, request.EntryPrice, leverage)
                    : LiquidationPriceCalculator.Cross(table, side, request.QuantityBase, request.EntryPrice, leverage, request.CrossAccount);
                if (mode == MarginMode.Cross && request.CrossAccount is null)
                    result = result with { MarginMode = MarginMode.Cross };
            }
            catch (LeverageExceedsBracketException e)
            {
                rows.Add(new LiquidationLevel(leverage, side, mode, null, null, null, $"max {e.MaxLeverage}x at this notional"));
                continue;
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == "leverage" && leverage > table.MaxInitialLeverage)
            {
                rows.Add(new LiquidationLevel(leverage, side, mode, null, null, null, $"above the {table.MaxInitialLeverage}x maximum"));
                continue;
            }
            var distance = LiquidationDistance.From(result, reference);
            rows.Add(new LiquidationLevel(leverage, side, mode, result, distance, request.RiskThresholds.Classify(distance.DistancePercent), null));
        }
        return rows;
    }
}
