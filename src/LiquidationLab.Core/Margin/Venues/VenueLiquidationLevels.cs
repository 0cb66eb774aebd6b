namespace LiquidationLab.Core.Margin.Venues;

/// <summary>One row of a venue's liquidation-levels table: a leverage, side and margin mode.</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Leverage">Leverage.</param>
/// <param name="Side">Long or short.</param>
/// <param name="MarginMode">Isolated or cross.</param>
/// <param name="Result">The liquidation price, or <c>null</c> when the venue would not allow the position (see
/// <see cref="Rejection"/>).</param>
/// <param name="Distance">Distance from the reference price, or <c>null</c> with <see cref="Result"/>.</param>
/// <param name="Risk">Risk level of <see cref="Distance"/>, or <c>null</c> with <see cref="Result"/>.</param>
/// <param name="Rejection">Why the venue would not allow this position, in words, or <c>null</c>.</param>
public sealed record VenueLiquidationLevel(
    Venue Venue,
    int Leverage,
    PositionSide Side,
    MarginMode MarginMode,
    VenueLiquidationPrice? Result,
    LiquidationDistance? Distance,
    RiskLevel? Risk,
    string? Rejection);

/// <summary>
/// <see cref="LiquidationLevels"/> for any venue: the same request, one row per (margin mode, leverage, side) from the
/// venue's <see cref="IMarginModel"/>. A front end with a venue needs
/// <c>VenueLiquidationLevels.Compute(MarginModels.Parse(venue, json, path), request)</c>.
/// </summary>
public static class VenueLiquidationLevels
{
    /// <summary>
    /// Computes one row per (margin mode, leverage, side), in that nesting order. Combinations the venue would reject
    /// (leverage above the tier's max, a fractional leverage where only whole ones exist, a cross account already below
    /// maintenance) are returned with <see cref="VenueLiquidationLevel.Rejection"/> set instead of throwing. Cross rows
    /// without <see cref="LiquidationLevelsRequest.CrossAccount"/> use the position's initial margin as the whole cross
    /// balance (equal to isolated), as <see cref="LiquidationLevels.Compute"/> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive entry price, quantity or reference price, or a size
    /// beyond the venue's table.</exception>
    public static IReadOnlyList<VenueLiquidationLevel> Compute(IMarginModel model, LiquidationLevelsRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        var reference = request.ReferencePrice ?? request.EntryPrice;
        if (reference <= 0)
            throw new ArgumentOutOfRangeException(nameof(request), reference, "Reference price must be > 0.");
        var rows = new List<VenueLiquidationLevel>(request.MarginModes.Count * request.Leverages.Count * request.Sides.Count);
        foreach (var mode in request.MarginModes)
        foreach (var leverage in request.Leverages)
        foreach (var side in request.Sides)
        {
            VenueLiquidationPrice result;
            try
            {
                result = mode == MarginMode.Isolated || request.CrossAccount is null
                    ? model.Isolated(side, request.QuantityBase, request.EntryPrice, leverage)
                    : model.Cross(side, request.QuantityBase, request.EntryPrice, leverage, request.CrossAccount);
                if (mode == MarginMode.Cross && request.CrossAccount is null)
                    result = result with { MarginMode = MarginMode.Cross };
            }
            catch (VenueLeverageException e)
            {
                rows.Add(Rejected($"max {e.MaxLeverage}x at this size"));
                continue;
            }
            catch (LeverageExceedsBracketException e)
            {
                rows.Add(Rejected($"max {e.MaxLeverage}x at this notional"));
                continue;
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == "leverage")
            {
                rows.Add(Rejected(leverage > model.MaxLeverage ? $"above the {model.MaxLeverage}x maximum" : $"{leverage}x is not allowed"));
                continue;
            }
            catch (ArgumentException e) when (e is not ArgumentOutOfRangeException)
            {
                rows.Add(Rejected("below maintenance margin at entry"));
                continue;
            }
            var move = side == PositionSide.Long ? reference - result.LiquidationPrice : result.LiquidationPrice - reference;
            if (move < 0) move = 0;
            var distance = new LiquidationDistance(reference, move, move / reference * 100m);
            rows.Add(new VenueLiquidationLevel(model.Venue, leverage, side, mode, result, distance, request.RiskThresholds.Classify(distance.DistancePercent), null));

            VenueLiquidationLevel Rejected(string why) => new(model.Venue, leverage, side, mode, null, null, null, why);
        }
        return rows;
    }
}
