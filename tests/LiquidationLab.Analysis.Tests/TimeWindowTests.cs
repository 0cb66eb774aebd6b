namespace LiquidationLab.Analysis.Tests;

public class TimeWindowTests
{
    [Theory]
    [InlineData("01/06/2026")]      // was read as 6 January 2026
    [InlineData("06/01/2026")]
    [InlineData("2026-06-01 00:00")] // ISO 8601 writes the T
    [InlineData("June 1, 2026")]
    [InlineData("2026-6-1")]
    public void Only_iso_8601_is_accepted_and_the_refusal_says_so(string text)
    {
        var e = Assert.Throws<QueryParameterException>(() => TimeWindow.Parse(text, null));
        Assert.Equal("from", e.Parameter);
        Assert.Contains("ISO 8601", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-06-01", "2026-06-01T00:00:00")]
    [InlineData("2026-06-01T12:30", "2026-06-01T12:30:00")]
    [InlineData("2026-06-01T12:30:15Z", "2026-06-01T12:30:15")]
    [InlineData("2026-06-01T00:00:00+02:00", "2026-05-31T22:00:00")]
    [InlineData("2026-06-01T00:00:00.250-05:00", "2026-06-01T05:00:00.25")]
    public void Dates_and_date_times_with_z_or_an_offset_are_read_in_utc(string text, string utc)
    {
        var w = TimeWindow.Parse(text, null);
        Assert.Equal(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), w.From);
        Assert.Equal(DateTimeKind.Utc, w.From!.Value.Kind);
    }
}
