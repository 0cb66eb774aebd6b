using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>The in-memory tier table: invariants checked on construction, boundaries as each venue defines them.</summary>
public class MarginTierTableTests
{
    private static MarginTierTable Table(TierBasis basis, bool capInclusive, decimal? contractValue, params MarginTier[] tiers) =>
        new(Venue.Hyperliquid, "TEST", new DateOnly(2026, 12, 8), "unit test", basis, capInclusive, tiers, "mem", contractValue);

    [Fact]
    public void A_contract_table_needs_a_contract_value_and_a_notional_table_has_none()
    {
        var t = new MarginTier(1, 0m, 100m, 0.01m, 0m, 50m);
        Assert.Equal("contractValue", Assert.Throws<MarginTierTableException>(() => Table(TierBasis.Contracts, true, null, t)).Field);
        Assert.Equal("contractValue", Assert.Throws<MarginTierTableException>(() => Table(TierBasis.NotionalUsd, true, 0.01m, t)).Field);
    }

    [Fact]
    public void A_contract_tier_with_a_deduction_is_refused()
    {
        var e = Assert.Throws<MarginTierTableException>(() => Table(TierBasis.Contracts, true, 0.01m,
            new MarginTier(1, 0m, 100m, 0.01m, 0m, 50m), new MarginTier(2, 100m, 200m, 0.02m, 5m, 25m)));
        Assert.Equal(2, e.Tier);
        Assert.Equal("maintenanceDeduction", e.Field);
    }

    [Fact]
    public void Only_the_last_tier_may_lack_a_cap()
    {
        var e = Assert.Throws<MarginTierTableException>(() => Table(TierBasis.NotionalUsd, false, null,
            new MarginTier(1, 0m, null, 0.01m, 0m, 50m), new MarginTier(2, 100m, null, 0.02m, 1m, 25m)));
        Assert.Equal(1, e.Tier);
        Assert.Equal("cap", e.Field);
    }

    [Fact]
    public void A_size_on_a_cap_belongs_to_the_lower_tier_only_where_caps_are_inclusive()
    {
        MarginTier[] tiers = [new(1, 0m, 100m, 0.01m, 0m, 50m), new(2, 100m, 200m, 0.02m, 1m, 25m)];
        Assert.Equal(1, Table(TierBasis.NotionalUsd, true, null, tiers).FindTier(100m).Number);
        Assert.Equal(2, Table(TierBasis.NotionalUsd, false, null, tiers).FindTier(100m).Number);
        Assert.Equal(2, Table(TierBasis.NotionalUsd, false, null, tiers).FindTier(200m).Number);   // the last tier includes its cap
        Assert.Throws<ArgumentOutOfRangeException>(() => Table(TierBasis.NotionalUsd, false, null, tiers).FindTier(200.01m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Table(TierBasis.NotionalUsd, false, null, tiers).FindTier(-1m));
    }
}
