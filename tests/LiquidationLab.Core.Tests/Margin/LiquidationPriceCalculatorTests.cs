using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

/// <summary>
/// Hand-worked examples of LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q), with the bracket of the
/// notional at the liquidation price. Each expected value is the hand-substituted fraction, compared exactly, plus
/// its value rounded to the cent as a reader's check.
/// </summary>
/// <remarks>
/// The seed's formula reference has two wrong worked examples and is NOT used as a source here: it puts a
/// 67,000 USDT notional in bracket 1 (MMR 0.4 %, cum 0) although bracket 1 ends at 50,000 USDT — 67,000 USDT is in
/// bracket 2 (MMR 0.5 %, cum 50); and its short example's numerator does not equal WB + cum + Q·EP. The values below
/// were computed independently, by hand, from the Binance formula and the bracket table.
/// </remarks>
public class LiquidationPriceCalculatorTests
{
    private static readonly LeverageBracketTable Btc = Fixtures.BtcUsdt;

    [Fact]
    public void Isolated_long_1_btc_at_67000_with_10x_liquidates_at_60552_76_in_bracket_2()
    {
        // WB = 1 × 67,000 / 10 = 6,700. Notional near 60–67k → bracket 2 (MMR 0.005, cum 50).
        // LP = (6,700 + 50 − 1 × 67,000) / (1 × 0.005 − 1) = −60,250 / −0.995 = 60,552.7638…
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 10);
        Assert.Equal(-60_250m / -0.995m, r.LiquidationPrice);
        Assert.Equal(60_552.76m, Math.Round(r.LiquidationPrice, 2));
        Assert.Equal(2, r.Bracket.Number);
        Assert.Equal(0.005m, r.MaintenanceMarginRate);
        Assert.Equal(50m, r.MaintenanceAmountUsd);
        Assert.Equal(6_700m, r.MarginBalanceTermUsd);
        Assert.True(r.IsLiquidatable);
    }

    [Fact]
    public void Isolated_short_1_btc_at_67000_with_10x_liquidates_at_73383_08_in_bracket_2()
    {
        // side = −1: LP = (6,700 + 50 + 1 × 67,000) / (1 × 0.005 + 1) = 73,750 / 1.005 = 73,383.0845…
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Short, 1m, 67_000m, 10);
        Assert.Equal(73_750m / 1.005m, r.LiquidationPrice);
        Assert.Equal(73_383.08m, Math.Round(r.LiquidationPrice, 2));
        Assert.Equal(2, r.Bracket.Number);
    }

    [Fact]
    public void Position_exactly_at_a_bracket_cap_may_use_that_brackets_leverage_and_liquidates_in_it()
    {
        // 1 BTC at 50,000 = 50,000 USDT: exactly bracket 1's cap, the largest position allowed at 125x.
        // WB = 400; at the liquidation price the notional is below 50,000 → bracket 1 (MMR 0.004, cum 0):
        // LP = (400 + 0 − 50,000) / (0.004 − 1) = 49,600 / 0.996 = 49,799.1967…
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 50_000m, 125);
        Assert.Equal(49_600m / 0.996m, r.LiquidationPrice);
        Assert.Equal(1, r.Bracket.Number);
    }

    [Fact]
    public void Liquidation_price_exactly_on_a_bracket_boundary_is_the_same_from_both_brackets()
    {
        // Long 1 BTC at 67,000, 5x (IM 13,400) plus 3,800 added margin: WB = 17,200.
        // Bracket 1: (17,200 + 0 − 67,000) / (0.004 − 1) = −49,800 / −0.996 = 50,000 exactly.
        // Bracket 2: (17,200 + 50 − 67,000) / (0.005 − 1) = −49,750 / −0.995 = 50,000 exactly — cum makes them agree.
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 5, addedMarginUsd: 3_800m);
        Assert.Equal(50_000m, r.LiquidationPrice);
        Assert.Equal(2, r.Bracket.Number); // [floor, cap): 50,000 belongs to bracket 2
    }

    [Fact]
    public void Bracket_is_chosen_by_the_notional_at_liquidation_not_at_entry()
    {
        // 1 BTC at 51,000, 10x: entry notional 51,000 → bracket 2, but it liquidates near 46k → bracket 1.
        // With bracket 2 the candidate (5,100 + 50 − 51,000)/(−0.995) = 46,080.40 has notional < 50,000: inconsistent.
        // With bracket 1: (5,100 + 0 − 51,000) / (0.004 − 1) = 45,900 / 0.996 = 46,084.3373… (notional in bracket 1). ✔
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 51_000m, 10);
        Assert.Equal(45_900m / 0.996m, r.LiquidationPrice);
        Assert.Equal(1, r.Bracket.Number);
        Assert.Equal(2, Btc.FindByNotional(r.NotionalAtEntryUsd).Number);
    }

    [Fact]
    public void Cross_long_includes_other_positions_maintenance_margin_and_pnl()
    {
        // WB 10,000, TMM1 500, UPNL1 −1,000 → W = 8,500. Bracket 2:
        // LP = (8,500 + 50 − 67,000) / (0.005 − 1) = 58,450 / 0.995 = 58,743.7185…
        var r = LiquidationPriceCalculator.Cross(Btc, PositionSide.Long, 1m, 67_000m, 20,
            new CrossMarginAccount(WalletBalanceUsd: 10_000m, OtherMaintenanceMarginUsd: 500m, OtherUnrealizedPnlUsd: -1_000m));
        Assert.Equal(58_450m / 0.995m, r.LiquidationPrice);
        Assert.Equal(58_743.72m, Math.Round(r.LiquidationPrice, 2));
        Assert.Equal(MarginMode.Cross, r.MarginMode);
    }

    [Fact]
    public void Cross_short_of_2_btc_with_positive_other_pnl()
    {
        // WB 20,000, TMM1 1,000, UPNL1 +2,500 → W = 21,500; Q·EP = 134,000. Bracket 2:
        // LP = (21,500 + 50 + 134,000) / (2 × 0.005 + 2) = 155,550 / 2.01 = 77,388.0597… (notional 154,776: bracket 2 ✔)
        var r = LiquidationPriceCalculator.Cross(Btc, PositionSide.Short, 2m, 67_000m, 20,
            new CrossMarginAccount(20_000m, 1_000m, 2_500m));
        Assert.Equal(155_550m / 2.01m, r.LiquidationPrice);
        Assert.Equal(77_388.06m, Math.Round(r.LiquidationPrice, 2));
    }

    [Fact]
    public void Cross_with_only_the_initial_margin_equals_isolated()
    {
        var isolated = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Short, 1m, 67_000m, 10);
        var cross = LiquidationPriceCalculator.Cross(Btc, PositionSide.Short, 1m, 67_000m, 10, new CrossMarginAccount(6_700m));
        Assert.Equal(isolated.LiquidationPrice, cross.LiquidationPrice);
    }

    [Theory]
    [InlineData(PositionSide.Long)]
    [InlineData(PositionSide.Short)]
    public void Liquidation_comes_before_bankruptcy(PositionSide side)
    {
        // Isolated 10x: bankruptcy = EP ∓ WB/Q = 60,300 (long) or 73,700 (short).
        var r = LiquidationPriceCalculator.Isolated(Btc, side, 1m, 67_000m, 10);
        if (side == PositionSide.Long)
        {
            Assert.Equal(60_300m, r.BankruptcyPrice);
            Assert.True(r.LiquidationPrice > r.BankruptcyPrice);
        }
        else
        {
            Assert.Equal(73_700m, r.BankruptcyPrice);
            Assert.True(r.LiquidationPrice < r.BankruptcyPrice);
        }
    }

    [Fact]
    public void Long_at_1x_cannot_be_liquidated_and_reports_zero()
    {
        // WB = Q·EP: LP = (67,000 + 0 − 67,000) / (0.004 − 1) = 0 → Binance shows "--".
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 1);
        Assert.Equal(0m, r.LiquidationPrice);
        Assert.False(r.IsLiquidatable);
        Assert.Equal(0m, r.BankruptcyPrice);
    }

    [Fact]
    public void Short_at_1x_liquidates_near_double_the_entry()
    {
        // (67,000 + 50 + 67,000) / 1.005 = 134,050 / 1.005 = 133,383.0845… (notional 133k: bracket 2)
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Short, 1m, 67_000m, 1);
        Assert.Equal(134_050m / 1.005m, r.LiquidationPrice);
    }

    [Theory]
    [InlineData(PositionSide.Long, -33_232, -0.498)]   // (268 − 33,500) / (0.5 × 0.004 − 0.5)
    [InlineData(PositionSide.Short, 33_768, 0.502)]    // (268 + 33,500) / (0.5 × 0.004 + 0.5)
    public void Leverage_125_on_half_a_btc_in_bracket_1(PositionSide side, double numerator, double denominator)
    {
        // 0.5 BTC at 67,000 = 33,500 USDT ≤ 50,000: 125x allowed. WB = 33,500 / 125 = 268.
        var r = LiquidationPriceCalculator.Isolated(Btc, side, 0.5m, 67_000m, 125);
        Assert.Equal((decimal)numerator / (decimal)denominator, r.LiquidationPrice);
        Assert.Equal(1, r.Bracket.Number);
        Assert.Equal(side == PositionSide.Long ? 66_730.92m : 67_266.93m, Math.Round(r.LiquidationPrice, 2));
    }

    [Fact]
    public void Leverage_above_the_entry_brackets_maximum_is_rejected_with_the_limits()
    {
        var e = Assert.Throws<LeverageExceedsBracketException>(() =>
            LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 125));
        Assert.Equal(100, e.MaxLeverage);
        Assert.Contains("maximum 100x for a 67,000 USDT BTCUSDT position", e.Message, StringComparison.Ordinal);
        Assert.Contains("at 125x the largest position is 50,000 USDT", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 67_000, 10, "quantityBase")]
    [InlineData(-1, 67_000, 10, "quantityBase")]
    [InlineData(1, 0, 10, "entryPrice")]
    [InlineData(1, -5, 10, "entryPrice")]
    [InlineData(1, 67_000, 0, "leverage")]
    [InlineData(1, 67_000, -3, "leverage")]
    [InlineData(0.1, 67_000, 126, "leverage")]
    [InlineData(10_000, 67_000, 1, "quantityBase")] // 670M USDT: beyond the 500M table
    public void Invalid_positions_are_rejected_naming_the_parameter(double quantity, double entry, int leverage, string parameter)
    {
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, (decimal)quantity, (decimal)entry, leverage));
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void Short_whose_liquidation_notional_exceeds_the_table_is_rejected()
    {
        // 7,000 BTC at 67,000 = 469M USDT (allowed at 1x), but at ~2× the price the notional passes 500M.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            LiquidationPriceCalculator.Isolated(Btc, PositionSide.Short, 7_000m, 67_000m, 1));
        Assert.Contains("would exceed the largest bracket cap 500,000,000 USDT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_added_margin_and_negative_cross_balances_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 10, -1m));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiquidationPriceCalculator.Cross(Btc, PositionSide.Long, 1m, 67_000m, 10, new CrossMarginAccount(-1m)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiquidationPriceCalculator.Cross(Btc, PositionSide.Long, 1m, 67_000m, 10, new CrossMarginAccount(100m, -1m)));
    }

    [Fact]
    public void Short_below_maintenance_at_every_price_is_rejected()
    {
        // W = 1,000 − 0 − 70,000 = −69,000; W + Q·EP = −2,000 < 0: negative equity at any price.
        var e = Assert.Throws<ArgumentException>(() =>
            LiquidationPriceCalculator.Cross(Btc, PositionSide.Short, 1m, 67_000m, 10, new CrossMarginAccount(1_000m, 0m, -70_000m)));
        Assert.Contains("below maintenance margin at every price", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_approximation_is_kept_for_comparison_and_differs_from_the_exact_price()
    {
        // Long: 67,000 × (1 − 1/10 + 0.005/10) = 67,000 × 0.9005 = 60,333.5 (exact: 60,552.76, 219 USDT higher).
        Assert.Equal(60_333.5m, SeedApproximation.ApproximateLiquidationPrice(PositionSide.Long, 67_000m, 10m, 0.005m));
        // Short: 67,000 × (1 + 1/10 − 0.005/10) = 67,000 × 1.0995 = 73,666.5 (exact: 73,383.08).
        Assert.Equal(73_666.5m, SeedApproximation.ApproximateLiquidationPrice(PositionSide.Short, 67_000m, 10m, 0.005m));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeedApproximation.ApproximateLiquidationPrice(PositionSide.Long, 67_000m, 0m, 0.005m));
    }

    [Fact]
    public void Distance_and_risk_follow_the_documented_thresholds()
    {
        var r = LiquidationPriceCalculator.Isolated(Btc, PositionSide.Long, 1m, 67_000m, 10);
        var d = LiquidationDistance.From(r, 67_000m);
        Assert.Equal(67_000m - -60_250m / -0.995m, d.DistanceUsd);
        Assert.Equal(9.62m, Math.Round(d.DistancePercent, 2));
        Assert.Equal(RiskLevel.Medium, RiskThresholds.Default.Classify(d.DistancePercent));
        Assert.Equal(RiskLevel.High, RiskThresholds.Default.Classify(4.99m));
        Assert.Equal(RiskLevel.Medium, RiskThresholds.Default.Classify(5m));
        Assert.Equal(RiskLevel.Low, RiskThresholds.Default.Classify(15m));
        // A mark price already past the liquidation price: distance 0.
        Assert.Equal(0m, LiquidationDistance.From(r, 60_000m).DistanceUsd);
    }

    [Fact]
    public void Levels_table_marks_disallowed_leverages_instead_of_failing()
    {
        var rows = LiquidationLevels.Compute(Btc, new LiquidationLevelsRequest { EntryPrice = 67_000m });
        Assert.Equal(12, rows.Count); // 6 leverages × 2 sides × isolated
        var at125 = rows.Where(r => r.Leverage == 125).ToList();
        Assert.All(at125, r => Assert.Null(r.Result));
        Assert.All(at125, r => Assert.Equal("max 100x at this notional", r.Rejection));
        var long10 = rows.Single(r => r.Leverage == 10 && r.Side == PositionSide.Long);
        Assert.Equal(-60_250m / -0.995m, long10.Result!.LiquidationPrice);
        Assert.Equal(RiskLevel.Medium, long10.Risk);
        Assert.Equal(RiskLevel.Low, rows.Single(r => r.Leverage == 5 && r.Side == PositionSide.Long).Risk);
        Assert.Equal(RiskLevel.High, rows.Single(r => r.Leverage == 50 && r.Side == PositionSide.Short).Risk);
    }

    [Fact]
    public void Levels_in_cross_mode_use_the_given_account()
    {
        var rows = LiquidationLevels.Compute(Btc, new LiquidationLevelsRequest
        {
            EntryPrice = 67_000m,
            Leverages = [20],
            Sides = [PositionSide.Long],
            MarginModes = [MarginMode.Isolated, MarginMode.Cross],
            CrossAccount = new CrossMarginAccount(10_000m, 500m, -1_000m),
        });
        Assert.Equal(2, rows.Count);
        Assert.Equal(MarginMode.Cross, rows[1].MarginMode);
        Assert.Equal(58_450m / 0.995m, rows[1].Result!.LiquidationPrice);
        Assert.NotEqual(rows[0].Result!.LiquidationPrice, rows[1].Result!.LiquidationPrice);
    }
}
