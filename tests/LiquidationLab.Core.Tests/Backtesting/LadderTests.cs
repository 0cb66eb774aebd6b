using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.Backtesting;

/// <summary>The baseline ladder: each rung's values by hand, and where each is left out.</summary>
public class LadderTests
{
    private static readonly DateTime T0 = new(2025, 1, 6, 0, 0, 0, DateTimeKind.Utc); // a Monday

    private static Candle Bar(DateTime t, double high, double low, double oi) => new(t, 100, high, low, 100, 1, 0.5, oi);

    [Fact]
    public void Seasonal_naive_repeats_the_same_period_yesterday_and_last_week_and_looks_past_a_gap()
    {
        var starts = Enumerable.Range(0, 400).Select(h => T0.AddHours(h)).ToList();
        var actual = Enumerable.Range(0, 400).Select(h => (double)h).ToList();
        var day = BaselineLadder.SeasonalNaive(starts, actual, TimeSpan.FromDays(1));
        var week = BaselineLadder.SeasonalNaive(starts, actual, TimeSpan.FromDays(7));
        Assert.True(double.IsNaN(day[23]));
        Assert.Equal(6, day[30]);      // hour 30 ← hour 6
        Assert.Equal(32, week[200]);   // hour 200 ← hour 200 − 168
        Assert.True(double.IsNaN(week[167]));
        // Hour 30 missing from the series: hour 54's forecast falls back to the same hour two days before (hour 6).
        starts.RemoveAt(30);
        actual.RemoveAt(30);
        var gap = BaselineLadder.SeasonalNaive(starts, actual, TimeSpan.FromDays(1));
        Assert.Equal(6, gap[53]); // index 53 is hour 54 now
    }

    [Fact]
    public void Har_features_are_the_logs_of_the_last_value_and_the_day_and_week_means()
    {
        var actual = Enumerable.Range(1, 300).Select(v => (double)v).ToArray(); // period i holds i + 1
        var f = BaselineLadder.HarFeatures(actual, periodsPerDay: 24);
        // At period 200: last = 200; day mean of periods 176…199 = (177 + … + 200) / 24 = 188.5; week mean of 32…199 = (33 + … + 200) / 168 = 116.5.
        Assert.Equal(Math.Log(201), f[200][0], 12);
        Assert.Equal(Math.Log(189.5), f[200][1], 12);
        Assert.Equal(Math.Log(117.5), f[200][2], 12);
        Assert.True(double.IsNaN(f[167][2])); // no full week before period 168
        // 4h bars: the same horizons are 6 and 42 periods.
        Assert.Equal((6, 42), BaselineLadder.Windows(6));
        // Daily bars: the 24 h mean is the last period, left out (it would repeat a column); the week is 7 days.
        var daily = BaselineLadder.HarFeatures(actual, periodsPerDay: 1);
        Assert.Equal(2, daily[10].Length);
        Assert.Equal(Math.Log(1 + (4 + 5 + 6 + 7 + 8 + 9 + 10) / 7.0), daily[10][1], 12);
    }

    [Fact]
    public void Realised_variance_and_open_interest_features_use_the_bars_before_the_period()
    {
        var candles = Enumerable.Range(0, 60).Select(i => Bar(T0.AddHours(i), 100 * Math.Exp(0.01 * (1 + i % 2)), 100, 1e9 * Math.Pow(1.01, i))).ToArray();
        var rv = BaselineLadder.RealisedVarianceFeatures(candles, periodsPerDay: 24);
        // Bar 40 (even) has ln(H/L) = 0.01, bar 41 (odd) 0.02: the Parkinson variance is ln(H/L)² / (4 ln 2).
        Assert.Equal(Math.Log(0.0004 / (4 * Math.Log(2))), rv[42][0], 9);
        // The day mean over bars 18…41: twelve of each → (0.0001 + 0.0004) / 2 / (4 ln 2).
        Assert.Equal(Math.Log(0.00025 / (4 * Math.Log(2))), rv[42][1], 9);
        var oi = BaselineLadder.OpenInterestFeatures(candles);
        Assert.Equal(Math.Log(1e9) + 41 * Math.Log(1.01), oi[42][0], 9);
        Assert.Equal(Math.Log(1.01), oi[42][1], 12);
        Assert.True(double.IsNaN(oi[1][1])); // needs two earlier values
    }

    [Fact]
    public void Funding_known_at_the_open_is_the_last_rate_stamped_a_period_before_it_and_goes_stale_after_a_day()
    {
        var starts = Enumerable.Range(0, 60).Select(h => T0.AddHours(h)).ToArray();
        FundingRate[] rates = [new(T0, 0.0001), new(T0.AddHours(8), 0.0003)];
        var f = BaselineLadder.FundingAtOpen(starts, rates, TimeSpan.FromHours(1));
        Assert.Equal(0.0001, f[1]); // 01:00 knows the value stamped at 00:00 (the close of the 00:00 bar)
        Assert.Equal(0.0001, f[8]); // 08:00 does not yet know the 08:00 stamp
        Assert.Equal(0.0003, f[9]);
        Assert.Equal(0.0003, f[33]);                 // known = 08:00 the next day: exactly a day old
        Assert.True(double.IsNaN(f[34]));            // stale
        Assert.True(double.IsNaN(f[0]));             // nothing before
    }

    [Fact]
    public void The_ladder_holds_naive_and_har_rungs_in_both_calibrations_and_funding_only_where_given()
    {
        var random = new Random(4);
        var n = 24 * 30;
        var candles = Enumerable.Range(0, n).Select(i => Bar(T0.AddHours(i), 100.5 + random.NextDouble(), 99.5 - random.NextDouble(), 1e9 * (1 + 0.1 * random.NextDouble()))).ToArray();
        var actual = Enumerable.Range(0, n).Select(_ => 1e6 * Math.Exp(2 * random.NextDouble())).ToArray();
        var settings = new ExAnteSettings(TestStart: 24 * 15, RefitPeriods: 24 * 7, BlockLength: 24, Resamples: 200);
        var without = BaselineLadder.Forecasts(candles, actual, settings).Select(f => f.Name).ToArray();
        Assert.Equal([BaselineLadder.NaiveDay, BaselineLadder.NaiveWeek, "HAR · median", "HAR · log1p", "HAR + RV · median", "HAR + RV · log1p", "HAR + RV + OI · median", "HAR + RV + OI · log1p"],
            without);
        var funding = Enumerable.Range(0, n).Select(i => 1e-4 * (1 + Math.Sin(i / 10.0))).ToArray();
        var with = BaselineLadder.Forecasts(candles, actual, settings, funding);
        Assert.Equal(["HAR + RV + OI + funding · median", "HAR + RV + OI + funding · log1p"], with.Select(f => f.Name).Skip(8));
        // Each rung is its features' walk-forward regression, in basis points for funding.
        var rungs = BaselineLadder.Rungs(candles, actual, 24, funding);
        Assert.Equal(1e4 * funding[400], rungs[3].Features[400][^1], 12);
        Assert.Equal(CalibratedRegression.Point(rungs[1].Features, actual, settings.FitStart, settings.FitRefit, PointCalibration.Median).Forecast,
            with.Single(f => f.Name == "HAR + RV · median").Predicted);
        Assert.All(with.Skip(2), f => Assert.All(f.Predicted.Skip(settings.TestStart), v => Assert.True(v >= 0)));
    }
}
