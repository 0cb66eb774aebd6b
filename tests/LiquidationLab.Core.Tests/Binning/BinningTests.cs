using LiquidationLab.Core.Binning;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.Binning;

public class BinningTests
{
    [Theory]
    [InlineData(60_000, 65_000, -2)]   // log10(5,000) = 3.70 → ceil 4 → 2 − 4
    [InlineData(60_000, 60_050, 0)]    // log10(50) = 1.70 → 2 − 2
    [InlineData(0.5, 0.6, 3)]          // log10(0.1) = −1 → 2 + 1
    [InlineData(100, 100, 2)]          // empty range
    public void Dynamic_precision_follows_py_liquidation_map(double min, double max, int digits)
    {
        Assert.Equal(digits, PriceBins.DynamicPrecisionDigits(min, max));
    }

    [Fact]
    public void Dynamic_precision_bins_are_powers_of_ten_wide()
    {
        var b = PriceBins.DynamicPrecision(60_010, 64_990);
        Assert.Equal(100, b.Width, 9);
        Assert.Equal(60_000, b.LowerEdge, 9);
        Assert.Equal(50, b.Count); // 60,000 … 64,999.99
    }

    [Fact]
    public void Bins_are_half_open()
    {
        var b = new PriceBins(100, 10, 3); // [100,110) [110,120) [120,130)
        Assert.Equal(0, b.IndexOf(100));
        Assert.Equal(0, b.IndexOf(109.999));
        Assert.Equal(1, b.IndexOf(110));
        Assert.Equal(2, b.IndexOf(129.999));
        Assert.Equal(-1, b.IndexOf(130));
        Assert.Equal(-1, b.IndexOf(99.999));
        Assert.Equal(-1, b.IndexOf(double.NaN));
        Assert.Equal(105, b.Center(0));
    }

    [Fact]
    public void Fixed_width_bins_cover_both_ends_and_nice_widths_are_1_2_5()
    {
        var b = PriceBins.FixedWidth(95, 130, 10);
        Assert.Equal((90.0, 5), (b.LowerEdge, b.Count)); // 90 … 140 covers 130
        Assert.True(b.IndexOf(130) >= 0);
        Assert.Equal(0.1, PriceBins.Nice(86.4, 111.1, 250).Width, 12);
        Assert.Equal(200, PriceBins.Nice(50_000, 100_000, 250).Width, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceBins.FixedWidth(1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceBins.FixedWidth(0, 1, 0));
    }

    private static readonly DateTime T = new(2024, 1, 1);

    private static AggTrade[] Trades() =>
    [
        new(T, 100, 1_000, false),          // 100,000 USD
        new(T.AddSeconds(1), 100, 500, true), //  50,000
        new(T.AddSeconds(2), 100, 2_000, false), // 200,000
        new(T.AddSeconds(3), 100, 1_000, true),  // 100,000 (tie with the first)
    ];

    [Fact]
    public void Gross_value_top_n_and_portion_select_the_large_trades_in_time_order()
    {
        Assert.Equal([0, 2, 3], new TradeFilter(TradeFilterMode.GrossValue, 100_000).Select(Trades()));
        Assert.Equal([0, 2], new TradeFilter(TradeFilterMode.TopN, 2).Select(Trades()));      // tie 0/3 → earlier wins
        Assert.Equal([2], new TradeFilter(TradeFilterMode.Portion, 0.25).Select(Trades()));
        Assert.Equal([0, 1, 2, 3], new TradeFilter(TradeFilterMode.TopN, 10).Select(Trades()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TradeFilter(TradeFilterMode.Portion, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TradeFilter(TradeFilterMode.TopN, 2.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TradeFilter(TradeFilterMode.GrossValue, -1));
    }
}
