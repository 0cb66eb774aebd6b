using LiquidationLab.TestSupport;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Liquidity.Service;

namespace LiquidationLab.Liquidity.Service.Tests;

public class LiquidityReportWriterTests
{
    private static ObservationReport Report(long ms, double forecast) => new()
    {
        ReportId = ObservationReport.MakeReportId("0xabc", ms), TraceId = new string('a', 32), ConditionId = "0xabc",
        CurrentBidDepthPusd = 1500.25, CurrentAskDepthPusd = 2000, ForecastPusd = forecast, HorizonSeconds = 3600,
        LowForecast = forecast < 1000, BookEmpty = false, EmittedAtMs = ms, ReasonCodes = forecast < 1000 ? [LiquidityReasonCodes.LowForecast] : [],
        Severity = forecast < 1000 ? "WARN" : "INFO",
    };

    [Fact]
    public async Task Appends_reports_once_per_condition_and_snapshot()
    {
        using var t = new TempStore();
        var w = new LiquidityReportWriter(t.Store);
        w.Enqueue(Report(1_765_450_842_500, 1500.25), 1_765_450_842_000, "tok");
        w.Enqueue(Report(1_765_450_843_000, 1500.25), 1_765_450_842_000, "tok"); // same snapshot again: ignored by the key
        w.Enqueue(Report(1_765_450_844_000, 640), 1_765_450_843_900, "tok");
        await w.DisposeAsync();
        Assert.Equal(2, w.Written);
        Assert.Equal(0, w.Failed);
        Assert.Equal(2, t.Count("liquidity_reports"));
        Assert.Equal("LIQUIDITYFORECAST_LOW_FORECAST", t.Store.Scalar<string>("SELECT reason_codes FROM liquidity_reports WHERE low_forecast"));
        Assert.Equal(new DateTime(2025, 12, 11, 11, 0, 42, 500, DateTimeKind.Utc), t.Store.Scalar<DateTime>("SELECT min(emitted_at) FROM liquidity_reports"));
        var json = t.Store.Scalar<string>("SELECT report_json FROM liquidity_reports WHERE snapshot_ts_ms = 1765450842000");
        Assert.Equal(Report(1_765_450_842_500, 1500.25).ToJson(), json);
    }
}
