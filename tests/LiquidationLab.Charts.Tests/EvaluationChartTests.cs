using System.Text.Json;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Charts.Tests;

public sealed class EvaluationChartTests
{
    private static JsonElement Json(Figure f) => JsonDocument.Parse(f.ToJson()).RootElement;

    private static ForecastScore Score(string name, bool baseline, double mae, double lower, double upper) =>
        new(name, baseline, 100, [new MetricValue("MAE", new BootstrapInterval(mae, lower, upper, 0.95, 1000, 24))], new MapeResult(1, 1, 0, 1), new EventScores(1, 1, 1, 1), 1);

    [Fact]
    public void Metric_intervals_draw_each_forecast_with_its_asymmetric_interval()
    {
        var report = new ProtocolReport("p", 10, 100, DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 0.2, 0.33,
            [Score("persistence", true, 3e6, 2e6, 5e6), Score("touch model", false, 2.5e6, 2e6, 3e6)], []);
        var root = Json(EvaluationCharts.MetricIntervals(report, "MAE", "t", 1e6, "MAE (M USD)"));
        var data = root.GetProperty("data");
        Assert.Equal(["baselines", "models"], data.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var model = data[1];
        Assert.Equal(2.5, model.GetProperty("x")[0].GetDouble(), 9);
        Assert.Equal("touch model", model.GetProperty("y")[0].GetString());
        Assert.Equal(0.5, model.GetProperty("error_x").GetProperty("array")[0].GetDouble(), 9);      // upper − estimate
        Assert.Equal(0.5, model.GetProperty("error_x").GetProperty("arrayminus")[0].GetDouble(), 9); // estimate − lower
        Assert.Equal(2.0, data[0].GetProperty("error_x").GetProperty("array")[0].GetDouble(), 9);
        Assert.Throws<ArgumentException>(() => EvaluationCharts.MetricIntervals(report, "Brier", "t"));
    }

    [Fact]
    public void Reliability_draws_the_diagonal_and_one_curve_per_forecast_with_its_brier_score()
    {
        var bins = ZoneTouchEvaluation.Reliability([0.05, 0.15, 0.95], [0, 1, 1]);
        var zones = new ZoneReport(3, [new ZoneObservation(1, PositionSide.Long, 99, -0.01, 0.2, 0.3, true)], 1.0 / 3,
            [new ZoneForecastScore("zone-free", new BootstrapInterval(0.2, 0.1, 0.3, 0.95, 100, 1), bins, [0.05, 0.15, 0.95])],
            new BootstrapInterval(0, -0.1, 0.1, 0.95, 100, 1));
        var data = Json(EvaluationCharts.Reliability(zones, "r")).GetProperty("data");
        Assert.Equal("perfect calibration", data[0].GetProperty("name").GetString());
        Assert.Equal("zone-free (Brier 0.2000)", data[1].GetProperty("name").GetString());
        Assert.Equal([0.0, 1.0, 1.0], data[1].GetProperty("y").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([1, 1, 1], data[1].GetProperty("customdata").EnumerateArray().Select(v => v.GetInt32()));
    }
}
