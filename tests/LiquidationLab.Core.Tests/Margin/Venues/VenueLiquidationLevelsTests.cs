using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

public class VenueLiquidationLevelsTests
{
    [Fact]
    public void Binance_rows_equal_the_existing_levels_table()
    {
        var request = new LiquidationLevelsRequest { EntryPrice = 67_000m, Leverages = [5, 10, 125], MarginModes = [MarginMode.Isolated, MarginMode.Cross] };
        var before = LiquidationLevels.Compute(Fixtures.BtcUsdt, request);
        var after = VenueLiquidationLevels.Compute(VenueFixtures.Binance, request);
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Result?.LiquidationPrice, after[i].Result?.LiquidationPrice);
            Assert.Equal(before[i].Distance, after[i].Distance);
            Assert.Equal(before[i].Risk, after[i].Risk);
            Assert.Equal(before[i].Rejection is null, after[i].Rejection is null);
            Assert.Equal(before[i].MarginMode, after[i].MarginMode);
        }
    }

    [Fact]
    public void Leverage_a_venue_does_not_allow_becomes_a_rejection_row()
    {
        var rows = VenueLiquidationLevels.Compute(VenueFixtures.Hyperliquid,
            new LiquidationLevelsRequest { EntryPrice = 100_000m, Leverages = [10, 50], Sides = [PositionSide.Long] });
        Assert.Equal(2, rows.Count);
        Assert.Equal(91_139.24m, Math.Round(rows[0].Result!.LiquidationPrice, 2));
        Assert.Null(rows[1].Result);
        Assert.Equal("max 40x at this size", rows[1].Rejection);
        Assert.All(rows, r => Assert.Equal(Venue.Hyperliquid, r.Venue));
    }

    [Fact]
    public void Bybit_levels_carry_the_published_example()
    {
        var rows = VenueLiquidationLevels.Compute(VenueFixtures.Bybit,
            new LiquidationLevelsRequest { EntryPrice = 20_000m, Leverages = [50], Sides = [PositionSide.Long] });
        Assert.Equal(19_700m, rows[0].Result!.LiquidationPrice);
        Assert.Equal(1.5m, rows[0].Distance!.Value.DistancePercent);
        Assert.Equal(RiskLevel.High, rows[0].Risk);
    }
}
