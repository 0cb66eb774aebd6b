using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Tests.Backtesting;

public class MetricsTests
{
    private static readonly double[] Predicted = [110, 90, 0, 50];
    private static readonly double[] Actual = [100, 100, 5, 40];

    [Fact]
    public void Mape_excludes_periods_below_the_floor_and_counts_them()
    {
        // floor 10 excludes the actual 5; |110−100|/100 = 0.10, |90−100|/100 = 0.10, |50−40|/40 = 0.25 → mean 0.15 → 15 %
        var m = Metrics.Mape(Predicted, Actual, floor: 10);
        Assert.Equal(15, m.Percent, 12);
        Assert.Equal((3, 1), (m.Used, m.Excluded));
        Assert.True(double.IsNaN(Metrics.Mape([1.0], [0.5], floor: 1).Percent));
        Assert.Throws<ArgumentException>(() => Metrics.Mape([1.0], [1.0, 2.0], 0));
    }

    [Fact]
    public void Smape_mae_and_rmse_by_hand()
    {
        // sMAPE terms: 2·10/210, 2·10/190, 2·5/5 = 2, 2·10/90 → mean × 100
        var expected = 100 * (20.0 / 210 + 20.0 / 190 + 2 + 20.0 / 90) / 4;
        Assert.Equal(expected, Metrics.Smape(Predicted, Actual), 12);
        Assert.Equal(0, Metrics.Smape([0.0], [0.0]));
        Assert.Equal((10 + 10 + 5 + 10) / 4.0, Metrics.Mae(Predicted, Actual), 12);                 // 8.75
        Assert.Equal(Math.Sqrt((100 + 100 + 25 + 100) / 4.0), Metrics.Rmse(Predicted, Actual), 12); // √81.25
    }

    [Fact]
    public void Pearson_and_spearman_by_hand_with_ties()
    {
        // x = 1,2,3 ; y = 2,4,7: means 2 and 4.333…; sxy = (−1)(−2.333)+(0)(−0.333)+(1)(2.667) = 5; sxx = 2; syy = 12.667
        Assert.Equal(5 / Math.Sqrt(2 * 12.666666666666666), Metrics.Pearson([1.0, 2, 3], [2.0, 4, 7]), 12);
        Assert.Equal(1, Metrics.Spearman([1.0, 2, 3], [2.0, 4, 700]), 12);               // monotonic → 1
        Assert.Equal([1.5, 1.5, 3.0], Metrics.Ranks([5.0, 5, 9]));                       // ties share the average rank
        Assert.True(double.IsNaN(Metrics.Pearson([1.0, 1, 1], [1.0, 2, 3])));            // constant series
    }

    [Fact]
    public void Event_scores_by_hand()
    {
        var s = Metrics.Events([true, true, false, false, true], [true, false, true, false, true]);
        Assert.Equal((2, 1, 1, 1), (s.TruePositives, s.FalsePositives, s.FalseNegatives, s.TrueNegatives));
        Assert.Equal(2.0 / 3, s.Precision, 12);
        Assert.Equal(2.0 / 3, s.Recall, 12);
        Assert.Equal(2.0 / 3, s.F1, 12);
        Assert.True(double.IsNaN(Metrics.Events([false], [false]).F1));
    }

    [Fact]
    public void Walk_forward_fits_only_on_periods_before_each_window()
    {
        double[] raw = [1, 1, 1, 1, 1, 1];
        double[] actual = [2, 2, 100, 100, 7, 7];
        var (forecast, slopes) = WalkForward.ScaledForecast(raw, actual, trainPeriods: 2, testPeriods: 2);
        Assert.True(double.IsNaN(forecast[0]) && double.IsNaN(forecast[1]));
        Assert.Equal([2.0, 2.0], forecast[2..4]);              // slope from periods 0–1 only, not from the 100s it predicts
        Assert.Equal((2 + 2 + 100 + 100) / 4.0, forecast[4]);  // then periods 0–3
        Assert.Equal([2.0, 51.0], slopes);
    }

    [Fact]
    public void Baselines_use_only_the_past()
    {
        Assert.Equal([double.NaN, 1, 2], WalkForward.Persistence([1.0, 2, 3]));
        Assert.Equal([double.NaN, double.NaN, 1.5, 2.5], WalkForward.MovingAverage([1.0, 2, 3, 4], 2));
        var t = new DateTime(2026, 1, 1);
        Candle C(double oi) => new(t, 1, 1, 1, 1, double.NaN, double.NaN, oi);
        Assert.Equal([double.NaN, 0, 30, double.NaN], WalkForward.OpenInterestDrop([C(100), C(120), C(90), C(double.NaN)]));
    }

}
