namespace LiquidationLab.Core.Margin;

/// <summary>
/// The other cross-margin positions of an account, as they enter Binance's cross liquidation-price formula.
/// </summary>
/// <param name="WalletBalanceUsd">Cross wallet balance WB in USDT (Binance <c>crossWalletBalance</c>), ≥ 0.</param>
/// <param name="OtherMaintenanceMarginUsd">TMM1: maintenance margin of all other cross positions, excluding the one
/// priced, in USDT, ≥ 0.</param>
/// <param name="OtherUnrealizedPnlUsd">UPNL1: unrealized PnL of all other cross positions, excluding the one priced,
/// in USDT (any sign).</param>
public sealed record CrossMarginAccount(decimal WalletBalanceUsd, decimal OtherMaintenanceMarginUsd = 0m, decimal OtherUnrealizedPnlUsd = 0m);

/// <summary>
/// A liquidation price computed with the exact Binance USDⓈ-M one-way-mode formula.
/// </summary>
/// <param name="Symbol">Symbol of the bracket table used.</param>
/// <param name="Side">Long or short.</param>
/// <param name="MarginMode">Isolated or cross.</param>
/// <param name="QuantityBase">Position size in base units (BTC for BTCUSDT), &gt; 0.</param>
/// <param name="EntryPrice">Entry price in USDT per base unit, &gt; 0.</param>
/// <param name="Leverage">Initial leverage the position was opened with.</param>
/// <param name="MarginBalanceTermUsd">The formula's <c>WB − TMM1 + UPNL1</c> in USDT; for isolated margin it is the
/// isolated wallet balance (initial margin plus added margin).</param>
/// <param name="LiquidationPrice">Mark price in USDT at which margin balance equals maintenance margin. 0 when the
/// position cannot be liquidated at any positive price (a long whose margin covers the whole notional; Binance
/// shows "--").</param>
/// <param name="BankruptcyPrice">Mark price in USDT at which the margin balance is exactly 0 (floored at 0).</param>
/// <param name="Bracket">The bracket whose notional range contains the notional at the liquidation price
/// (quantity × liquidation price); its MMR and <c>cum</c> are the ones in the formula.</param>
public sealed record LiquidationPriceResult(
    string Symbol,
    PositionSide Side,
    MarginMode MarginMode,
    decimal QuantityBase,
    decimal EntryPrice,
    int Leverage,
    decimal MarginBalanceTermUsd,
    decimal LiquidationPrice,
    decimal BankruptcyPrice,
    LeverageBracket Bracket)
{
    /// <summary>False when no positive mark price liquidates the position (<see cref="LiquidationPrice"/> is 0).</summary>
    public bool IsLiquidatable => LiquidationPrice > 0;

    /// <summary>Position notional at entry, USDT: quantity × entry price.</summary>
    public decimal NotionalAtEntryUsd => QuantityBase * EntryPrice;

    /// <summary>Position notional at the liquidation price, USDT: quantity × liquidation price.</summary>
    public decimal NotionalAtLiquidationUsd => QuantityBase * LiquidationPrice;

    /// <summary>Maintenance margin rate applied (that of <see cref="Bracket"/>).</summary>
    public decimal MaintenanceMarginRate => Bracket.MaintenanceMarginRate;

    /// <summary>Maintenance amount <c>cum</c> applied (that of <see cref="Bracket"/>), USDT.</summary>
    public decimal MaintenanceAmountUsd => Bracket.MaintenanceAmountUsd;
}

/// <summary>The requested leverage is above what the symbol's brackets allow for the position's notional.</summary>
public sealed class LeverageExceedsBracketException : ArgumentOutOfRangeException
{
    /// <summary>Creates the exception.</summary>
    public LeverageExceedsBracketException(string symbol, int leverage, decimal notionalUsd, LeverageBracket bracketAtEntry, decimal maxNotionalAtLeverage)
        : base(nameof(leverage),
            $"Leverage {leverage}x exceeds the maximum {bracketAtEntry.MaxInitialLeverage}x for a {LeverageBracketTable.Usd(notionalUsd)} USDT " +
            $"{symbol} position (bracket {bracketAtEntry.Number}: {LeverageBracketTable.Usd(bracketAtEntry.NotionalFloorUsd)}–" +
            $"{LeverageBracketTable.Usd(bracketAtEntry.NotionalCapUsd)} USDT); at {leverage}x the largest position is " +
            $"{LeverageBracketTable.Usd(maxNotionalAtLeverage)} USDT.")
    {
        Leverage = leverage;
        NotionalUsd = notionalUsd;
        MaxLeverage = bracketAtEntry.MaxInitialLeverage;
    }

    /// <summary>The leverage asked for.</summary>
    public int Leverage { get; }

    /// <summary>Position notional at entry, USDT.</summary>
    public decimal NotionalUsd { get; }

    /// <summary>The highest leverage allowed for that notional.</summary>
    public int MaxLeverage { get; }
}

/// <summary>
/// Exact Binance USDⓈ-M liquidation prices, one-way mode, in <see cref="decimal"/>.
/// </summary>
/// <remarks>
/// <para>Formula (Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts",
/// https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93, published 2020-08-14, read 2026-11):</para>
/// <code>LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q)</code>
/// <para>side = +1 long, −1 short; Q = |position size| in base units; EP = entry price; WB = wallet balance
/// (isolated: the isolated wallet balance, with TMM1 = UPNL1 = 0; cross: the cross wallet balance); TMM1 and UPNL1 =
/// maintenance margin and unrealized PnL of all other cross positions.</para>
/// <para>Which notional picks the bracket: the notional <b>at the liquidation price</b>, Q × LP. The exchange compares
/// margin balance with maintenance margin at the mark price, and the same FAQ says that when the bracket at the
/// liquidation price differs from the one at the opening price, the liquidation-price bracket's MMR and cum are
/// substituted. Margin balance minus maintenance margin, f(N) = W + cum − side·Q·EP + N·(side − MMR) with N = Q × price,
/// is continuous (thanks to <c>cum</c>) and strictly monotonic in N, so exactly one bracket holds the root; it is
/// found by evaluating f at the bracket floors, which is exact in decimal, followed by a single division.</para>
/// <para>Leverage is checked against the bracket of the notional <b>at entry</b> (Q × EP), as the exchange does when a
/// position is opened: the notional may not exceed <see cref="LeverageBracketTable.MaxNotionalForLeverage"/>.</para>
/// </remarks>
public static class LiquidationPriceCalculator
{
    /// <summary>Liquidation price of an isolated-margin position.</summary>
    /// <param name="table">The symbol's bracket table.</param>
    /// <param name="side">Long or short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Entry price in USDT, &gt; 0.</param>
    /// <param name="leverage">Initial leverage, 1 ≤ leverage ≤ the max of the entry notional's bracket.</param>
    /// <param name="addedMarginUsd">Margin added to the isolated position by hand, USDT, ≥ 0.</param>
    /// <returns>The liquidation price with the bracket used. Isolated wallet balance = Q·EP / leverage + added margin.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive quantity, price or leverage, negative added margin,
    /// or a notional beyond the table.</exception>
    /// <exception cref="LeverageExceedsBracketException">The leverage is above the entry bracket's maximum.</exception>
    public static LiquidationPriceResult Isolated(LeverageBracketTable table, PositionSide side, decimal quantityBase, decimal entryPrice, int leverage, decimal addedMarginUsd = 0m)
    {
        ArgumentNullException.ThrowIfNull(table);
        ValidatePosition(table, side, quantityBase, entryPrice, leverage);
        if (addedMarginUsd < 0)
            throw new ArgumentOutOfRangeException(nameof(addedMarginUsd), addedMarginUsd, "Added margin must be ≥ 0 USDT.");
        var walletBalance = quantityBase * entryPrice / leverage + addedMarginUsd;
        return Solve(table, side, MarginMode.Isolated, quantityBase, entryPrice, leverage, walletBalance);
    }

    /// <summary>Liquidation price of a cross-margin position (one-way mode), with the account's other positions.</summary>
    /// <param name="table">The symbol's bracket table.</param>
    /// <param name="side">Long or short.</param>
    /// <param name="quantityBase">Position size in base units, &gt; 0.</param>
    /// <param name="entryPrice">Entry price in USDT, &gt; 0.</param>
    /// <param name="leverage">Initial leverage (checked against the entry bracket; it does not enter the cross formula).</param>
    /// <param name="account">Cross wallet balance and the other positions' maintenance margin and unrealized PnL.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid position or account values, or a notional beyond the table.</exception>
    /// <exception cref="LeverageExceedsBracketException">The leverage is above the entry bracket's maximum.</exception>
    /// <exception cref="ArgumentException">A short whose account equity is negative at every price (already below maintenance).</exception>
    public static LiquidationPriceResult Cross(LeverageBracketTable table, PositionSide side, decimal quantityBase, decimal entryPrice, int leverage, CrossMarginAccount account)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(account);
        ValidatePosition(table, side, quantityBase, entryPrice, leverage);
        if (account.WalletBalanceUsd < 0)
            throw new ArgumentOutOfRangeException(nameof(account), account.WalletBalanceUsd, "Cross wallet balance must be ≥ 0 USDT.");
        if (account.OtherMaintenanceMarginUsd < 0)
            throw new ArgumentOutOfRangeException(nameof(account), account.OtherMaintenanceMarginUsd, "Other positions' maintenance margin (TMM1) must be ≥ 0 USDT.");
        var term = account.WalletBalanceUsd - account.OtherMaintenanceMarginUsd + account.OtherUnrealizedPnlUsd;
        return Solve(table, side, MarginMode.Cross, quantityBase, entryPrice, leverage, term);
    }

    /// <summary>
    /// Solves the formula for a given margin balance term <c>W = WB − TMM1 + UPNL1</c> (no leverage check).
    /// </summary>
    internal static LiquidationPriceResult Solve(LeverageBracketTable table, PositionSide side, MarginMode mode, decimal q, decimal ep, int leverage, decimal w)
    {
        var s = (int)side;
        var brackets = table.Brackets;
        // f(N) = W + cum_k − s·Q·EP + N·(s − MMR_k): margin balance minus maintenance margin at notional N.
        var constant = w - s * q * ep;
        decimal F(LeverageBracket b, decimal n) => constant + b.MaintenanceAmountUsd + n * (s - b.MaintenanceMarginRate);

        LeverageBracket chosen;
        if (side == PositionSide.Long)
        {
            // f increases with N. f(0) ≥ 0: equity never falls to maintenance at a positive price.
            if (F(brackets[0], 0m) >= 0)
                return Result(brackets[0], 0m);
            chosen = brackets[0];
            for (var k = 1; k < brackets.Count && F(brackets[k], brackets[k].NotionalFloorUsd) <= 0; k++)
                chosen = brackets[k];
            if (chosen == brackets[^1] && F(chosen, chosen.NotionalCapUsd) < 0)
                throw BeyondTable();
        }
        else
        {
            // f decreases with N. f(0) ≤ 0: the account is below maintenance at every price.
            if (F(brackets[0], 0m) <= 0)
                throw new ArgumentException(
                    $"The margin balance term WB − TMM1 + UPNL1 = {w} USDT is too low: a {q} {table.Symbol} short at {ep} is below maintenance margin at every price.");
            chosen = brackets[0];
            for (var k = 1; k < brackets.Count && F(brackets[k], brackets[k].NotionalFloorUsd) >= 0; k++)
                chosen = brackets[k];
            if (chosen == brackets[^1] && F(chosen, chosen.NotionalCapUsd) > 0)
                throw BeyondTable();
        }
        var lp = (w + chosen.MaintenanceAmountUsd - s * q * ep) / (q * chosen.MaintenanceMarginRate - s * q);
        return Result(chosen, lp);

        LiquidationPriceResult Result(LeverageBracket b, decimal liquidationPrice)
        {
            var bankruptcy = ep - s * w / q;
            return new LiquidationPriceResult(table.Symbol, side, mode, q, ep, leverage, w,
                liquidationPrice, bankruptcy > 0 ? bankruptcy : 0m, b);
        }

        ArgumentOutOfRangeException BeyondTable() => new(nameof(q), q,
            $"At its liquidation price the {q} {table.Symbol} {side.ToString().ToLowerInvariant()} would exceed the largest bracket cap " +
            $"{LeverageBracketTable.Usd(table.MaxNotionalUsd)} USDT of {table.SourceName}.");
    }

    private static void ValidatePosition(LeverageBracketTable table, PositionSide side, decimal quantityBase, decimal entryPrice, int leverage)
    {
        if (side is not (PositionSide.Long or PositionSide.Short))
            throw new ArgumentOutOfRangeException(nameof(side), side, "Side must be Long or Short.");
        if (quantityBase <= 0)
            throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase, "Position quantity must be > 0 (base units).");
        if (entryPrice <= 0)
            throw new ArgumentOutOfRangeException(nameof(entryPrice), entryPrice, "Entry price must be > 0 USDT.");
        if (leverage < 1)
            throw new ArgumentOutOfRangeException(nameof(leverage), leverage, "Leverage must be ≥ 1.");
        var notional = quantityBase * entryPrice;
        if (notional > table.MaxNotionalUsd)
            throw new ArgumentOutOfRangeException(nameof(quantityBase), quantityBase,
                $"Position notional {LeverageBracketTable.Usd(notional)} USDT is above the largest {table.Symbol} bracket cap {LeverageBracketTable.Usd(table.MaxNotionalUsd)} USDT.");
        if (leverage > table.MaxInitialLeverage)
            throw new ArgumentOutOfRangeException(nameof(leverage), leverage,
                $"Leverage {leverage}x is above {table.Symbol}'s maximum {table.MaxInitialLeverage}x.");
        var maxNotional = table.MaxNotionalForLeverage(leverage);
        if (notional > maxNotional)
            throw new LeverageExceedsBracketException(table.Symbol, leverage, notional, table.FindByNotional(notional), maxNotional);
    }
}
