using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Liquidity.Tests;

public class BookLimitsTests
{
    private static OrderBook Book(long ms, params BookLevel[] bids) =>
        OrderBook.Create(bids, [new BookLevel(0.60m, 100m)], ms, PriceDomain.Probability, "test");

    [Fact]
    public void A_real_sized_book_passes()
    {
        // The largest real level in the project's captures: ≈ 10.5 M shares (the 2024 US-election market).
        Assert.Null(new BookLimits().Violation(Book(1_000, new BookLevel(0.50m, 10_500_000m)), 1_000));
    }

    [Fact]
    public void Each_bound_is_named_with_side_level_and_value()
    {
        var limits = new BookLimits();
        Assert.Equal("bids[0].size 79000000000000000000000000000 exceeds 1000000000 shares.",
            limits.Violation(Book(1_000, new BookLevel(0.001m, 79_000_000_000_000_000_000_000_000_000m)), 1_000));
        Assert.Equal("bids[0] notional 150000000.00 exceeds 100000000 pUSD.",
            limits.Violation(Book(1_000, new BookLevel(0.50m, 300_000_000m)), 1_000));
        var many = Enumerable.Range(0, 12).Select(i => new BookLevel(0.090m + 0.001m * i, 990_000_000m)).ToArray(); // each 89–100 M pUSD, 1.13 B in all
        Assert.StartsWith("bids depth exceeds 1000000000 pUSD at level", limits.Violation(Book(1_000, many), 1_000));
        Assert.Equal("bids: 3 levels, more than 2.",
            (limits with { MaxLevelsPerSide = 2 }).Violation(Book(1_000, new(0.1m, 1m), new(0.2m, 1m), new(0.3m, 1m)), 1_000));
    }

    [Fact]
    public void A_timestamp_ahead_of_the_clock_beyond_the_tolerance_is_rejected()
    {
        var limits = new BookLimits { MaxClockSkewSeconds = 10 };
        Assert.Null(limits.Violation(Book(1_010_000, new BookLevel(0.5m, 1m)), 1_000_000)); // exactly at the tolerance
        Assert.Equal("timestamp 1010001 is 10.001 s ahead of the clock (tolerance 10 s).", limits.Violation(Book(1_010_001, new BookLevel(0.5m, 1m)), 1_000_000));
    }
}

public class LiquidityGuardTests
{
    private const string Market = "0xc4d9";

    private static ObservationReport Report(double forecast, long emittedMs, bool low = false, bool empty = false, double horizon = 3600) => new()
    {
        ReportId = ObservationReport.MakeReportId(Market, emittedMs), TraceId = new string('a', 32), ConditionId = Market,
        CurrentBidDepthPusd = 8500, CurrentAskDepthPusd = 8500, ForecastPusd = forecast, HorizonSeconds = horizon,
        LowForecast = low, BookEmpty = empty, EmittedAtMs = emittedMs,
    };

    [Fact]
    public void The_spec_worked_example_clamps_a_6000_order_on_a_3200_forecast()
    {
        // Spec: visible depth 8,500 pUSD, forecast 3,200 pUSD, a strategy plans 6,000: the guard clamps it (spec: to 2,500).
        var g = new LiquidityGuard();
        g.Observe(Report(3200, 1_000));
        var d = g.Check(Market, 6000, 5, 2_000);
        Assert.Equal(GuardAction.Reduce, d.Action);
        Assert.Equal(2560, d.AllowedPusd); // 0.8 × 3,200
        Assert.Equal("Reduced from 6,000 to 2,560 pUSD: 80 % of the 3,200 pUSD forecast.", d.Reason);
        var small = g.Check(Market, 2000, 5, 2_000);
        Assert.Equal(GuardAction.Allow, small.Action);
        Assert.Equal(2000, small.AllowedPusd);
    }

    [Fact]
    public void No_fresh_forecast_an_empty_book_or_a_forecast_under_the_hard_limit_reject_entry()
    {
        var g = new LiquidityGuard(new LiquidityGuardOptions { MaxReportAgeSeconds = 60 });
        Assert.Equal(LiquidityReasonCodes.StaleData, g.Check(Market, 100, 60, 0).ReasonCode); // nothing received
        g.Observe(Report(5000, 1_000));
        Assert.Equal(GuardAction.Allow, g.Check(Market, 100, 60, 61_000).Action);
        var stale = g.Check(Market, 100, 60, 61_001);
        Assert.Equal((GuardAction.Reject, 0.0, LiquidityReasonCodes.StaleData), (stale.Action, stale.AllowedPusd, stale.ReasonCode));
        g.Observe(Report(0, 70_000, low: true, empty: true));
        Assert.Equal(LiquidityReasonCodes.BookEmpty, g.Check(Market, 100, 60, 70_000).ReasonCode);
        g.Observe(Report(99.99, 80_000, low: true));
        var low = g.Check(Market, 10, 60, 80_000);
        Assert.Equal((GuardAction.Reject, LiquidityReasonCodes.LowForecast), (low.Action, low.ReasonCode));
        g.Observe(Report(640, 90_000, low: true)); // between the hard limit and min_liquidity: reduce, flagged low
        var reduced = g.Check(Market, 1000, 60, 90_000);
        Assert.Equal((GuardAction.Reduce, 512.0, LiquidityReasonCodes.LowForecast), (reduced.Action, reduced.AllowedPusd, reduced.ReasonCode));
    }

    [Fact]
    public void An_older_report_never_replaces_a_newer_one_and_a_short_horizon_is_said()
    {
        var g = new LiquidityGuard();
        Assert.True(g.Observe(Report(5000, 2_000, horizon: 60)));
        Assert.False(g.Observe(Report(100, 1_000)));
        var d = g.Check(Market, 100, 3600, 2_500);
        Assert.Equal(GuardAction.Allow, d.Action);
        Assert.EndsWith("(the forecast covers 60 s of the 3600 s hold).", d.Reason, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Check(Market, -1, 60, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Check(Market, 1, 0, 0));
    }
}
