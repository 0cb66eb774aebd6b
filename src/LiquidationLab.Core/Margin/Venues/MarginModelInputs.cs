namespace LiquidationLab.Core.Margin.Venues;

/// <summary>Checks shared by the venue models: every value is validated before anything is computed.</summary>
internal static class MarginModelInputs
{
    /// <summary>Largest quantity, price or margin accepted, so products of three stay inside <see cref="decimal"/>.</summary>
    internal const decimal MaxMagnitude = 1_000_000_000_000m;

    internal static void Position(MarginTierTable table, PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, bool wholeLeverage)
    {
        if (side is not (PositionSide.Long or PositionSide.Short))
            throw new ArgumentOutOfRangeException(nameof(side), side, "Side must be Long or Short.");
        if (quantityBase <= 0 || quantityBase > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase, $"Position quantity must be > 0 and ≤ {MaxMagnitude:N0} (base units).");
        if (entryPrice <= 0 || entryPrice > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(entryPrice), entryPrice, $"Entry price must be > 0 and ≤ {MaxMagnitude:N0}.");
        if (leverage < 1)
            throw new ArgumentOutOfRangeException(nameof(leverage), leverage, "Leverage must be ≥ 1.");
        if (wholeLeverage && leverage != decimal.Truncate(leverage))
            throw new ArgumentOutOfRangeException(nameof(leverage), leverage, $"{VenueInfo.Name(table.Venue)} leverage is a whole number; found {leverage}.");
        var size = table.SizeOf(quantityBase, entryPrice);
        if (table.MaxSize is { } max && size > max)
            throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase,
                $"A {table.Symbol} position of {MarginTierTable.Number(size)} {table.UnitName} is above the largest tier cap {MarginTierTable.Number(max)} {table.UnitName} ({table.SourceName}).");
        var tier = table.FindTier(size);
        if (leverage > tier.MaxLeverage)
            throw new VenueLeverageException(table.Venue, table.Symbol, leverage, tier.MaxLeverage, size, table.UnitName);
    }

    internal static void AddedMargin(decimal addedMarginUsd)
    {
        if (addedMarginUsd < 0 || addedMarginUsd > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(addedMarginUsd), addedMarginUsd, $"Added margin must be ≥ 0 and ≤ {MaxMagnitude:N0}.");
    }

    /// <summary>The cross term W = WB − TMM1 + UPNL1, after checking the account.</summary>
    internal static decimal CrossTerm(CrossMarginAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.WalletBalanceUsd < 0 || account.WalletBalanceUsd > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(account), account.WalletBalanceUsd, $"Cross wallet balance must be ≥ 0 and ≤ {MaxMagnitude:N0}.");
        if (account.OtherMaintenanceMarginUsd < 0 || account.OtherMaintenanceMarginUsd > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(account), account.OtherMaintenanceMarginUsd, $"Other positions' maintenance margin (TMM1) must be ≥ 0 and ≤ {MaxMagnitude:N0}.");
        if (Math.Abs(account.OtherUnrealizedPnlUsd) > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(account), account.OtherUnrealizedPnlUsd, $"Other positions' unrealized PnL (UPNL1) must be within ±{MaxMagnitude:N0}.");
        return account.WalletBalanceUsd - account.OtherMaintenanceMarginUsd + account.OtherUnrealizedPnlUsd;
    }

    internal static void Level(decimal quantityBase, decimal price)
    {
        if (quantityBase < 0 || quantityBase > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase, $"Quantity must be ≥ 0 and ≤ {MaxMagnitude:N0} (base units).");
        if (price < 0 || price > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(price), price, $"Price must be ≥ 0 and ≤ {MaxMagnitude:N0}.");
    }

    internal static decimal Bankruptcy(PositionSide side, decimal q, decimal ep, decimal w)
    {
        var b = ep - (int)side * w / q;
        return b > 0 ? b : 0m;
    }
}

/// <summary>
/// Solves margin balance = maintenance margin at the mark price for a table whose maintenance margin is continuous in
/// the notional (deductions), exactly as Binance's bracket search (see <see cref="LiquidationPriceCalculator"/>):
/// f(N) = W + d_k − s·Q·EP + N·(s − MMR_k) is continuous and strictly monotonic in the notional N, so exactly one tier
/// holds its root; LP = (W + d_k − s·Q·EP) / (Q·MMR_k − s·Q).
/// </summary>
internal static class ContinuousTierSolver
{
    internal static (MarginTier Tier, decimal Price) Solve(MarginTierTable table, PositionSide side, decimal q, decimal ep, decimal w)
    {
        var s = (int)side;
        var tiers = table.Tiers;
        var constant = w - s * q * ep;
        decimal F(MarginTier t, decimal n) => constant + t.MaintenanceDeductionUsd + n * (s - t.MaintenanceMarginRate);

        MarginTier chosen;
        if (side == PositionSide.Long)
        {
            if (F(tiers[0], 0m) >= 0) return (tiers[0], 0m);
            chosen = tiers[0];
            for (var k = 1; k < tiers.Count && F(tiers[k], tiers[k].Floor) <= 0; k++) chosen = tiers[k];
            if (chosen == tiers[^1] && chosen.Cap is { } cap && F(chosen, cap) < 0) throw BeyondTable(table, q);
        }
        else
        {
            if (F(tiers[0], 0m) <= 0)
                throw new ArgumentException(
                    $"The margin term {w} is too low: a {q} {table.Symbol} short at {ep} is below maintenance margin at every price.");
            chosen = tiers[0];
            for (var k = 1; k < tiers.Count && F(tiers[k], tiers[k].Floor) >= 0; k++) chosen = tiers[k];
            if (chosen == tiers[^1] && chosen.Cap is { } cap && F(chosen, cap) > 0) throw BeyondTable(table, q);
        }
        var lp = (w + chosen.MaintenanceDeductionUsd - s * q * ep) / (q * chosen.MaintenanceMarginRate - s * q);
        return (chosen, lp);
    }

    private static ArgumentOutOfRangeException BeyondTable(MarginTierTable table, decimal quantityBase) => new(nameof(quantityBase), quantityBase,
        $"At its liquidation price the {quantityBase} {table.Symbol} position would exceed the largest tier cap {MarginTierTable.Number(table.MaxSize ?? 0m)} {table.UnitName} of {table.SourceName}.");
}
