namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// Binance USDⓈ-M: the exact <see cref="LiquidationPriceCalculator"/> (Binance FAQ "How to Calculate Liquidation Price
/// of USDⓈ-M Futures Contracts", https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93) behind
/// <see cref="IMarginModel"/>; the numbers are the calculator's, unchanged.
/// </summary>
/// <remarks>Leverage is a whole number on Binance. The brackets are exposed as a <see cref="MarginTierTable"/>
/// (notional tiers, half-open <c>[floor, cap)</c>, deduction = <c>cum</c>).</remarks>
public sealed class BinanceUsdmMarginModel : IMarginModel
{
    /// <summary>Wraps the symbol's bracket table.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="brackets"/> is null.</exception>
    public BinanceUsdmMarginModel(LeverageBracketTable brackets)
    {
        ArgumentNullException.ThrowIfNull(brackets);
        Brackets = brackets;
        Tiers = new MarginTierTable(Venue.BinanceUsdm, brackets.Symbol, brackets.EffectiveDate, brackets.Source, TierBasis.NotionalUsd,
            capInclusive: false,
            brackets.Brackets.Select(b => new MarginTier(b.Number, b.NotionalFloorUsd, b.NotionalCapUsd, b.MaintenanceMarginRate, b.MaintenanceAmountUsd, b.MaxInitialLeverage)),
            brackets.SourceName) { TickSize = brackets.TickSize };
    }

    /// <summary>The Binance bracket table.</summary>
    public LeverageBracketTable Brackets { get; }

    /// <inheritdoc />
    public Venue Venue => Venue.BinanceUsdm;

    /// <inheritdoc />
    public string Symbol => Brackets.Symbol;

    /// <inheritdoc />
    public MarginTierTable Tiers { get; }

    /// <inheritdoc />
    public decimal MaxLeverage => Brackets.MaxInitialLeverage;

    /// <inheritdoc />
    public decimal MaintenanceMarginUsd(decimal quantityBase, decimal markPrice)
    {
        MarginModelInputs.Level(quantityBase, markPrice);
        return Brackets.MaintenanceMarginUsd(quantityBase * markPrice);
    }

    /// <summary>The highest leverage at which Binance lets a position of this notional be opened: that of the first bracket
    /// whose cap is at least the notional (caps are inclusive for opening, as in
    /// <see cref="LeverageBracketTable.MaxNotionalForLeverage"/>).</summary>
    /// <inheritdoc />
    public decimal MaxLeverageAt(decimal quantityBase, decimal price)
    {
        MarginModelInputs.Level(quantityBase, price);
        var notional = quantityBase * price;
        foreach (var b in Brackets.Brackets)
        {
            if (notional <= b.NotionalCapUsd) return b.MaxInitialLeverage;
        }
        return Brackets.FindByNotional(notional).MaxInitialLeverage; // beyond the table: throws naming the cap
    }

    /// <inheritdoc />
    public VenueLiquidationPrice Isolated(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, decimal addedMarginUsd = 0m) =>
        Convert(LiquidationPriceCalculator.Isolated(Brackets, side, quantityBase, entryPrice, WholeLeverage(leverage), addedMarginUsd));

    /// <inheritdoc />
    public VenueLiquidationPrice Cross(PositionSide side, decimal quantityBase, decimal entryPrice, decimal leverage, CrossMarginAccount account) =>
        Convert(LiquidationPriceCalculator.Cross(Brackets, side, quantityBase, entryPrice, WholeLeverage(leverage), account));

    private static int WholeLeverage(decimal leverage) =>
        leverage == decimal.Truncate(leverage) && leverage is >= 1 and <= int.MaxValue ? (int)leverage
            : throw new ArgumentOutOfRangeException(nameof(leverage), leverage, "Binance leverage is a whole number ≥ 1.");

    private VenueLiquidationPrice Convert(LiquidationPriceResult r) => new(
        Venue.BinanceUsdm, r.Symbol, r.Side, r.MarginMode, r.QuantityBase, r.EntryPrice, r.Leverage, r.MarginBalanceTermUsd,
        r.LiquidationPrice, r.BankruptcyPrice, Tiers.Tiers[r.Bracket.Number - 1]);
}
