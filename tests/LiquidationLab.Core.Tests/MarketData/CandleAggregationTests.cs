using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.MarketData;

public class CandleAggregationTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static Candle Hour(int h, double oi = double.NaN) => new(T0.AddHours(h), 100 + h, 110 + h, 90 - h, 101 + h, 1, 0.25, oi);

    [Fact]
    public void Four_hour_bars_take_first_open_extremes_last_close_summed_volume_and_last_open_interest()
    {
        // Hours 1…10: the group 00–04 lacks hour 0 (incomplete, dropped); 04–08 is complete; 08–12 lacks 11 and 12.
        var hours = Enumerable.Range(1, 10).Select(h => Hour(h, oi: 1000 + h)).ToArray();
        var bars = CandleAggregation.Aggregate(hours, TimeSpan.FromHours(4));
        var b = Assert.Single(bars);
        Assert.Equal(new Candle(T0.AddHours(4), 104, 117, 83, 108, 4, 1, 1007), b);
    }

    [Fact]
    public void Gaps_drop_their_bar_and_bad_periods_are_refused()
    {
        var hours = Enumerable.Range(0, 12).Where(h => h != 6).Select(h => Hour(h)).ToArray();
        var bars = CandleAggregation.Aggregate(hours, TimeSpan.FromHours(4));
        Assert.Equal([T0, T0.AddHours(8)], bars.Select(c => c.OpenTime));
        Assert.True(double.IsNaN(bars[0].OpenInterestUsd));
        Assert.Throws<ArgumentException>(() => CandleAggregation.Aggregate(hours, TimeSpan.FromMinutes(90)));
        Assert.Throws<ArgumentException>(() => CandleAggregation.Aggregate(hours, TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentException>(() => CandleAggregation.Aggregate([Hour(0)], TimeSpan.FromHours(4)));
    }
}
