using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>
/// Hyperliquid: liq_price = price − side × margin_available / position_size / (1 − l × side), l = 1 / maintenance
/// leverage = half the initial margin rate at max leverage (Hyperliquid Docs, "Liquidations"; "Margin tiers").
/// </summary>
public class HyperliquidMarginModelTests
{
    private static readonly HyperliquidMarginModel Hl = (HyperliquidMarginModel)VenueFixtures.Hyperliquid;

    /// <summary>The docs' formula, written literally, for one tier: margin_available = margin − Q·EP·l.</summary>
    private static decimal DocsFormula(PositionSide side, decimal q, decimal price, decimal margin, decimal l)
    {
        var s = (int)side;
        var marginAvailable = margin - q * price * l;
        return price - s * marginAvailable / q / (1 - l * s);
    }

    [Theory]
    [InlineData(PositionSide.Long, 1, 100_000, 10)]
    [InlineData(PositionSide.Short, 1, 100_000, 10)]
    [InlineData(PositionSide.Long, 0.37, 63_287.5, 40)]
    [InlineData(PositionSide.Short, 12.5, 2_459.5, 3)]
    [InlineData(PositionSide.Long, 2, 50_000, 1)]
    public void Isolated_price_equals_the_docs_formula_within_a_tier(PositionSide side, double quantity, double entry, int leverage)
    {
        var q = (decimal)quantity;
        var ep = (decimal)entry;
        var r = Hl.Isolated(side, q, ep, leverage);
        var docs = DocsFormula(side, q, ep, q * ep / leverage, 1m / 80m);  // BTC tier 1: 40x → l = 1.25 %
        Assert.True(Math.Abs(r.LiquidationPrice - docs) <= 1e-18m * docs, $"model {r.LiquidationPrice}, docs {docs}");
        Assert.Equal(0.0125m, r.MaintenanceMarginRate);
    }

    [Fact]
    public void Isolated_long_1_btc_at_100000_with_10x_hand_worked()
    {
        // margin 10,000; margin_available = 10,000 − 100,000 × 1.25 % = 8,750; LP = 100,000 − 8,750 / 1 / 0.9875 = 91,139.2405…
        var r = Hl.Isolated(PositionSide.Long, 1m, 100_000m, 10m);
        Assert.Equal(91_139.24m, Math.Round(r.LiquidationPrice, 2));
        Assert.Equal(90_000m, r.BankruptcyPrice);
    }

    /// <summary>
    /// Positions whose liquidation price Hyperliquid's API returned (isolated margin as the API reported it, after fees;
    /// recorded in freqtrade's tests/exchange/test_hyperliquid.py, when BTC and ETH had 50x max leverage and SOL 20x).
    /// The API's margin is rounded to 1e-6 USDC, so agreement is checked to 1e-7 relative.
    /// </summary>
    [Theory]
    [InlineData("BTC", 50, PositionSide.Long, "62739.0", "0.00077", "24.137992", "31708.03843631")]
    [InlineData("BTC", 50, PositionSide.Short, "68595.0", "0.00069", "23.64871", "101849.99354283")]
    [InlineData("BTC", 50, PositionSide.Long, "66930.0", "0.0015", "20.043862", "54108.51043771")]
    [InlineData("BTC", 50, PositionSide.Short, "65536.0", "0.00099", "21.604172", "86493.46174617")]
    [InlineData("ETH", 50, PositionSide.Long, "2459.5", "0.0199", "24.454895", "1243.0411908")]
    [InlineData("ETH", 50, PositionSide.Short, "2642.8", "0.019", "25.091876", "3924.18322043")]
    [InlineData("SOL", 20, PositionSide.Long, "173.06", "0.6", "20.735658", "142.05186667")]
    public void Isolated_price_matches_what_hyperliquid_returned_for_real_positions(
        string coin, int maxLeverage, PositionSide side, string entry, string size, string margin, string returned)
    {
        var model = (HyperliquidMarginModel)MarginModels.For(VenueFixtures.HyperliquidSingle(coin, maxLeverage));
        var expected = decimal.Parse(returned, System.Globalization.CultureInfo.InvariantCulture);
        var r = model.IsolatedWithMargin(side, Dec(size), Dec(entry), Dec(margin));
        Assert.True(Math.Abs(r.LiquidationPrice - expected) <= 1e-7m * expected, $"model {r.LiquidationPrice}, exchange {expected}");
    }

    [Fact]
    public void A_200m_notional_position_liquidates_in_tier_2_with_its_deduction_hand_worked()
    {
        // 2,000 BTC at 100,000 = 200M notional → tier 2 (20x, MMR 2.5 %, deduction 150M × (2.5 % − 1.25 %) = 1,875,000).
        // 10x: margin 20,000,000. LP = (EP − (M + d)/Q) / (1 − MMR) = (100,000 − 10,937.5) / 0.975 = 91,346.1538…;
        // its notional 182.7M ≥ 150M, so tier 2 holds the root.
        var r = Hl.Isolated(PositionSide.Long, 2_000m, 100_000m, 10m);
        Assert.Equal(2, r.Tier.Number);
        Assert.Equal(1_875_000m, r.Tier.MaintenanceDeductionUsd);
        Assert.Equal(89_062.5m / 0.975m, r.LiquidationPrice);
    }

    [Fact]
    public void Maintenance_margin_is_continuous_at_150m()
    {
        // 150M × 1.25 % = 1,875,000 = 150M × 2.5 % − 1,875,000.
        var t = VenueFixtures.HyperliquidBtc.Tiers;
        Assert.Equal(1_875_000m, t[0].MaintenanceMarginUsd(150_000_000m));
        Assert.Equal(1_875_000m, t[1].MaintenanceMarginUsd(150_000_000m));
        Assert.Null(VenueFixtures.HyperliquidBtc.MaxSize);
    }

    [Fact]
    public void Cross_uses_the_account_value_in_the_same_formula()
    {
        // account term 20,000 on 1 BTC at 100,000: LP = (100,000 − 20,000) / 0.9875 = 81,012.6582…
        var r = Hl.Cross(PositionSide.Long, 1m, 100_000m, 10m, new CrossMarginAccount(20_000m));
        Assert.Equal(80_000m / 0.9875m, r.LiquidationPrice);
        Assert.Equal(MarginMode.Cross, r.MarginMode);
    }

    [Fact]
    public void Leverage_is_a_whole_number_no_higher_than_the_tiers_max()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Hl.Isolated(PositionSide.Long, 1m, 100_000m, 10.5m));
        var e = Assert.Throws<VenueLeverageException>(() => Hl.Isolated(PositionSide.Long, 1m, 100_000m, 41m));
        Assert.Equal(40m, e.MaxLeverage);
        Assert.Throws<VenueLeverageException>(() => Hl.Isolated(PositionSide.Long, 2_000m, 100_000m, 21m));
    }

    private static decimal Dec(string s) => decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
}
