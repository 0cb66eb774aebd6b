using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>
/// OKX's liquidation condition, margin ratio = (margin balance + UPL) / (ctVal × |contracts| × mark × (MMR + fee)) = 100 %
/// (OKX Help Center, "Tiered maintenance margin ratio rules"). No worked example of OKX's was found in the stored corpora:
/// every number here is HAND-WORKED from that condition and labelled so.
/// </summary>
public class OkxSwapMarginModelTests
{
    private static readonly OkxSwapMarginModel Okx = (OkxSwapMarginModel)VenueFixtures.Okx;

    [Fact]
    public void Isolated_long_100_contracts_at_50000_with_10x_hand_worked()
    {
        // 100 contracts × 0.01 = 1 BTC; W = 50,000 / 10 = 5,000; tier 1 (≤ 200 contracts): MMR 0.004, fee 0.0005.
        // LP = (W − Q·EP) / (Q·(MMR + fee − 1)) = (5,000 − 50,000) / (0.0045 − 1) = 45,000 / 0.9955 = 45,203.4154…
        var r = Okx.Isolated(PositionSide.Long, 1m, 50_000m, 10m);
        Assert.Equal(-45_000m / -0.9955m, r.LiquidationPrice);
        Assert.Equal(45_203.42m, Math.Round(r.LiquidationPrice, 2));
        Assert.Equal(1, r.Tier.Number);
        Assert.Equal(5_000m, r.MarginBalanceTermUsd);
    }

    [Fact]
    public void Isolated_short_100_contracts_at_50000_with_10x_hand_worked()
    {
        // LP = (W + Q·EP) / (Q·(1 + MMR + fee)) = 55,000 / 1.0045 = 54,753.6087…
        var r = Okx.Isolated(PositionSide.Short, 1m, 50_000m, 10m);
        Assert.Equal(55_000m / 1.0045m, r.LiquidationPrice);
        Assert.Equal(54_753.61m, Math.Round(r.LiquidationPrice, 2));
    }

    [Fact]
    public void At_the_liquidation_price_the_margin_ratio_is_100_percent()
    {
        foreach (var side in new[] { PositionSide.Long, PositionSide.Short })
        {
            var r = Okx.Isolated(side, 1.5m, 43_210.5m, 20m, addedMarginUsd: 123.45m);
            var q = r.QuantityBase;
            var upl = (int)side * q * (r.LiquidationPrice - r.EntryPrice);
            var ratio = (r.MarginBalanceTermUsd + upl) / (q * r.LiquidationPrice * (r.MaintenanceMarginRate + Okx.TakerFeeRate));
            Assert.True(Math.Abs(ratio - 1m) < 1e-20m, $"{side}: margin ratio {ratio}");
        }
    }

    [Fact]
    public void Without_a_fee_the_formula_is_the_plain_margin_condition()
    {
        // Hand-worked, fee 0: LP = 45,000 / 0.996 = 45,180.7228…
        var noFee = new OkxSwapMarginModel(VenueFixtures.OkxBtc, takerFeeRate: 0m);
        Assert.Equal(45_000m / 0.996m, noFee.Isolated(PositionSide.Long, 1m, 50_000m, 10m).LiquidationPrice);
    }

    [Fact]
    public void The_tier_is_chosen_by_contract_count_and_its_rate_applies_to_the_whole_position()
    {
        // 2 BTC = 200 contracts: tier 1 (a tier holds sizes ≤ its max). 2.5 BTC = 250 contracts: tier 2 (fixture tier), at any price.
        Assert.Equal(1, VenueFixtures.OkxBtc.FindTier(VenueFixtures.OkxBtc.SizeOf(2m, 1m)).Number);
        Assert.Equal(125m, Okx.MaxLeverageAt(2m, 90_000m));
        Assert.Equal(50m, Okx.MaxLeverageAt(2.5m, 1m));
        Assert.Equal(50m, Okx.MaxLeverageAt(2.5m, 1_000_000m));
        // Whole position at 1 %: 2.5 × 40,000 × 0.01 = 1,000; just below the boundary, 2 × 40,000 × 0.004 = 320 (OKX has no deduction).
        Assert.Equal(1_000m, Okx.MaintenanceMarginUsd(2.5m, 40_000m));
        Assert.Equal(320m, Okx.MaintenanceMarginUsd(2m, 40_000m));
        Assert.False(VenueFixtures.OkxBtc.IsContinuous);
    }

    [Fact]
    public void Sizes_beyond_the_last_tier_and_leverage_above_the_tiers_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Okx.Isolated(PositionSide.Long, 10.01m, 50_000m, 10m));
        var e = Assert.Throws<VenueLeverageException>(() => Okx.Isolated(PositionSide.Long, 2.5m, 50_000m, 51m));
        Assert.Equal(50m, e.MaxLeverage);
        Assert.Contains("250 contracts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fee_rate_outside_0_to_1_percent_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OkxSwapMarginModel(VenueFixtures.OkxBtc, -0.0001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OkxSwapMarginModel(VenueFixtures.OkxBtc, 0.01m));
    }
}
