using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.MarketData;

public class FrozenRunsTests
{
    private static readonly DateTime T0 = new(2026, 6, 14, 15, 0, 0, DateTimeKind.Utc);

    private static (DateTime[] Times, double[] Values) Series(params double[] values) =>
        (values.Select((_, i) => T0.AddMinutes(5 * i)).ToArray(), values);

    [Fact]
    public void A_run_of_twelve_equal_five_minute_values_is_frozen_and_eleven_is_not()
    {
        // 2 changing values, 12 equal ones (55 min apart first to last... so 13 samples = 1 h), then change.
        var frozen = Enumerable.Repeat(6.458e9, 13).ToArray();
        var (t, v) = Series([6.40e9, 6.41e9, .. frozen, 6.47e9]);
        var span = Assert.Single(FrozenRuns.Find(t, v, 12, TimeSpan.FromHours(1)));
        Assert.Equal((T0.AddMinutes(10), T0.AddMinutes(70), 13, 6.458e9), (span.From, span.To, span.Samples, span.Value));
        // 12 samples span only 55 minutes: under the one-hour duration.
        var (t2, v2) = Series([6.40e9, .. Enumerable.Repeat(6.458e9, 12), 6.47e9]);
        Assert.Empty(FrozenRuns.Find(t2, v2, 12, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Missing_values_break_a_run_and_every_run_is_reported()
    {
        var (t, v) = Series([.. Enumerable.Repeat(1.0, 7), double.NaN, .. Enumerable.Repeat(1.0, 7), 2, .. Enumerable.Repeat(3.0, 3)]);
        var spans = FrozenRuns.Find(t, v, 3, TimeSpan.Zero);
        Assert.Equal([(7, 1.0), (7, 1.0), (3, 3.0)], spans.Select(s => (s.Samples, s.Value)));
        Assert.Empty(FrozenRuns.Find(t, v, 8, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => FrozenRuns.Find(t, v[..^1], 3, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrozenRuns.Find(t, v, 1, TimeSpan.Zero));
    }
}
