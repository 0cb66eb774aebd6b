using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>The Binance model is the existing calculator behind the interface: the same numbers, exactly.</summary>
public class BinanceUsdmMarginModelTests
{
    private static readonly IMarginModel Binance = VenueFixtures.Binance;
    private static readonly LeverageBracketTable Btc = Fixtures.BtcUsdt;

    [Theory]
    [InlineData(PositionSide.Long, 1, 67_000, 10)]
    [InlineData(PositionSide.Short, 1, 67_000, 10)]
    [InlineData(PositionSide.Long, 1, 50_000, 125)]
    [InlineData(PositionSide.Long, 52.5, 66_666.6, 20)]
    [InlineData(PositionSide.Short, 3.217, 23_456.7, 75)]
    public void Isolated_equals_the_calculator_exactly(PositionSide side, double quantity, double entry, int leverage)
    {
        var expected = LiquidationPriceCalculator.Isolated(Btc, side, (decimal)quantity, (decimal)entry, leverage);
        var r = Binance.Isolated(side, (decimal)quantity, (decimal)entry, leverage);
        Assert.Equal(expected.LiquidationPrice, r.LiquidationPrice);
        Assert.Equal(expected.BankruptcyPrice, r.BankruptcyPrice);
        Assert.Equal(expected.Bracket.Number, r.Tier.Number);
        Assert.Equal(expected.MaintenanceAmountUsd, r.Tier.MaintenanceDeductionUsd);
    }

    [Fact]
    public void Isolated_long_1_btc_at_67000_with_10x_is_the_calculators_60552_76()
    {
        Assert.Equal(-60_250m / -0.995m, Binance.Isolated(PositionSide.Long, 1m, 67_000m, 10m).LiquidationPrice);
    }

    [Fact]
    public void Cross_equals_the_calculator_exactly()
    {
        var account = new CrossMarginAccount(10_000m, 500m, -250m);
        var expected = LiquidationPriceCalculator.Cross(Btc, PositionSide.Long, 2m, 60_000m, 20, account);
        Assert.Equal(expected.LiquidationPrice, Binance.Cross(PositionSide.Long, 2m, 60_000m, 20m, account).LiquidationPrice);
    }

    [Fact]
    public void Maintenance_margin_and_max_leverage_are_the_brackets()
    {
        Assert.Equal(71_200.81145m, Binance.MaintenanceMarginUsd(1m, 3_500_032.458m));
        Assert.Equal(125m, Binance.MaxLeverageAt(1m, 50_000m));   // a 50,000 USDT position may be opened at 125x (cap inclusive)
        Assert.Equal(100m, Binance.MaxLeverageAt(1m, 50_000.01m));
        Binance.Isolated(PositionSide.Long, 1m, 50_000m, 125m);   // and the model agrees
        Assert.Equal(125m, Binance.MaxLeverage);
    }

    [Fact]
    public void Fractional_leverage_is_refused_on_binance()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Binance.Isolated(PositionSide.Long, 1m, 67_000m, 10.5m));
        Assert.Equal("leverage", e.ParamName);
    }
}
