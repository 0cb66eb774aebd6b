using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>
/// Bybit's published isolated formula, LP = EP ∓ (IM − MM)/Q ∓ extra/Q with MM = PV × MMR − deduction at the entry
/// position value (Bybit Help Center, "Liquidation Price (USDT Contract)"), against Bybit's own worked example and
/// hand-worked examples labelled as such.
/// </summary>
public class BybitLinearMarginModelTests
{
    private static readonly IMarginModel Bybit = VenueFixtures.Bybit;

    [Fact]
    public void Isolated_long_1_btc_at_20000_with_50x_liquidates_at_19700_as_in_bybits_example()
    {
        // Bybit's Example 1: IM = 1 × 20,000 / 50 = 400; MM = 1 × 20,000 × 0.5 % − 0 = 100; LP = 20,000 − (400 − 100) = 19,700.
        var r = Bybit.Isolated(PositionSide.Long, 1m, 20_000m, 50m);
        Assert.Equal(19_700m, r.LiquidationPrice);
        Assert.Equal(400m, r.MarginBalanceTermUsd);
        Assert.Equal(1, r.Tier.Number);
        Assert.Equal(0.005m, r.MaintenanceMarginRate);
        Assert.Equal(19_600m, r.BankruptcyPrice);
        Assert.Equal(Venue.BybitLinear, r.Venue);
    }

    [Fact]
    public void A_1_btc_long_at_10000_with_50x_can_lose_150_usdt_as_in_bybits_maintenance_margin_example()
    {
        // Bybit Help Center, "Maintenance Margin (USDT Contract)": 1 BTC at 10,000 USDT, 50x isolated: IM = 200, MM = 50,
        // "this position could take an unrealized loss (Mark Price) of up to 150 USDT (200 − 50) before liquidation takes place".
        Assert.Equal(50m, Bybit.MaintenanceMarginUsd(1m, 10_000m));
        Assert.Equal(10_000m - 150m, Bybit.Isolated(PositionSide.Long, 1m, 10_000m, 50m).LiquidationPrice);
    }

    [Fact]
    public void Isolated_short_1_btc_at_20000_with_50x_liquidates_at_20300_hand_worked()
    {
        // Hand-worked (the page's short example was not in the stored copy): LP = 20,000 + (400 − 100) / 1 = 20,300.
        Assert.Equal(20_300m, Bybit.Isolated(PositionSide.Short, 1m, 20_000m, 50m).LiquidationPrice);
    }

    [Fact]
    public void Extra_margin_moves_the_liquidation_price_by_extra_over_size()
    {
        // Hand-worked: LP = 20,000 − (400 − 100)/1 − 100/1 = 19,600; with 2 BTC: IM 800, MM 200, extra 100 → 20,000 − 300 − 50.
        Assert.Equal(19_600m, Bybit.Isolated(PositionSide.Long, 1m, 20_000m, 50m, addedMarginUsd: 100m).LiquidationPrice);
        Assert.Equal(19_650m, Bybit.Isolated(PositionSide.Long, 2m, 20_000m, 50m, addedMarginUsd: 100m).LiquidationPrice);
    }

    [Fact]
    public void A_3m_usdt_position_uses_tier_2_and_its_deduction_hand_worked()
    {
        // 100 BTC at 30,000 = 3,000,000 USDT → tier 2 (MMR 1 %, deduction 2,000,000 × 0.5 % = 10,000), 50x ≤ 57.14x.
        // IM = 60,000; MM = 30,000 − 10,000 = 20,000; LP long = 30,000 − 40,000/100 = 29,600; short = 30,400.
        var longR = Bybit.Isolated(PositionSide.Long, 100m, 30_000m, 50m);
        Assert.Equal(29_600m, longR.LiquidationPrice);
        Assert.Equal(2, longR.Tier.Number);
        Assert.Equal(10_000m, longR.Tier.MaintenanceDeductionUsd);
        Assert.Equal(30_400m, Bybit.Isolated(PositionSide.Short, 100m, 30_000m, 50m).LiquidationPrice);
    }

    [Fact]
    public void A_position_value_equal_to_a_risk_limit_belongs_to_that_tier()
    {
        // Bybit: a tier holds position values ≤ its risk limit. 100 BTC at 20,000 = 2,000,000 → tier 1, so 100x is allowed.
        Assert.Equal(100m, Bybit.MaxLeverageAt(100m, 20_000m));
        Assert.Equal(57.14m, Bybit.MaxLeverageAt(100m, 20_000.01m));
        Assert.Equal(1, Bybit.Isolated(PositionSide.Long, 100m, 20_000m, 100m).Tier.Number);
    }

    [Fact]
    public void Leverage_above_the_entry_tiers_maximum_is_refused_naming_it()
    {
        var e = Assert.Throws<VenueLeverageException>(() => Bybit.Isolated(PositionSide.Long, 100m, 30_000m, 60m));
        Assert.Equal(57.14m, e.MaxLeverage);
        Assert.Contains("57.14x", e.Message, StringComparison.Ordinal);
        Assert.Equal("leverage", e.ParamName);
    }

    [Fact]
    public void Positions_beyond_the_published_tiers_are_refused_not_given_zero_margin()
    {
        // 6,000,000 USDT is the last published risk limit.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Bybit.Isolated(PositionSide.Long, 201m, 30_000m, 10m));
        Assert.Equal("quantityBase", e.ParamName);
        Assert.Contains("6,000,000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cross_uses_the_cross_term_in_place_of_the_position_margin()
    {
        // W = 1,000 − 50 + 50 = 1,000; MM = 100 → LP = 20,000 − 900 = 19,100 (derived formula, see the model's remarks).
        var r = Bybit.Cross(PositionSide.Long, 1m, 20_000m, 50m, new CrossMarginAccount(1_000m, 50m, 50m));
        Assert.Equal(19_100m, r.LiquidationPrice);
        Assert.Equal(MarginMode.Cross, r.MarginMode);
    }

    [Fact]
    public void A_cross_account_already_below_maintenance_is_an_error_not_a_price()
    {
        Assert.Throws<ArgumentException>(() => Bybit.Cross(PositionSide.Short, 1m, 20_000m, 50m, new CrossMarginAccount(100m)));
    }

    [Fact]
    public void Maintenance_margin_is_continuous_at_the_published_risk_limits()
    {
        // 2,000,000 × 0.005 = 10,000 = 2,000,000 × 0.01 − 10,000; 4,000,000 × 0.01 − 10,000 = 30,000 = 4,000,000 × 0.015 − 30,000.
        var t = VenueFixtures.BybitBtc.Tiers;
        Assert.Equal(t[0].MaintenanceMarginUsd(2_000_000m), t[1].MaintenanceMarginUsd(2_000_000m));
        Assert.Equal(t[1].MaintenanceMarginUsd(4_000_000m), t[2].MaintenanceMarginUsd(4_000_000m));
        Assert.Equal(30_000m, Bybit.MaintenanceMarginUsd(100m, 40_000m));
    }

    [Theory]
    [InlineData(0, 20_000, 10)]
    [InlineData(1, 0, 10)]
    [InlineData(1, 20_000, 0.5)]
    [InlineData(-1, 20_000, 10)]
    public void Invalid_positions_are_refused_before_any_arithmetic(double quantity, double entry, double leverage)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Bybit.Isolated(PositionSide.Long, (decimal)quantity, (decimal)entry, (decimal)leverage));
    }
}
