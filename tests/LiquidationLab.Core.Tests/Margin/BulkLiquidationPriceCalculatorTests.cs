using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

public class BulkLiquidationPriceCalculatorTests
{
    private static readonly BulkLiquidationPriceCalculator Bulk = new(Fixtures.BtcUsdt);

    [Fact]
    public void Span_path_reproduces_the_hand_worked_examples()
    {
        sbyte[] sides = [1, -1, 1, 1, -1];
        double[] qty = [1, 1, 1, 1, 0.5];
        double[] entry = [67_000, 67_000, 51_000, 67_000, 67_000];
        double[] lev = [10, 10, 10, 1, 125];
        var lp = new double[5];
        Bulk.ComputeIsolated(sides, qty, entry, lev, lp);
        Assert.Equal(60_250 / 0.995, lp[0], 1e-9);
        Assert.Equal(73_750 / 1.005, lp[1], 1e-9);
        Assert.Equal(45_900 / 0.996, lp[2], 1e-9);   // bracket chosen at the liquidation notional
        Assert.Equal(0d, lp[3]);                        // 1x long: not liquidatable
        Assert.Equal(33_768 / 0.502, lp[4], 1e-9);
    }

    [Fact]
    public void Parallel_path_equals_the_sequential_path()
    {
        const int n = 300_000;
        var rng = new Random(7);
        var sides = new sbyte[n];
        var qty = new double[n];
        var entry = new double[n];
        var lev = new double[n];
        for (var i = 0; i < n; i++)
        {
            sides[i] = rng.Next(2) == 0 ? (sbyte)1 : (sbyte)-1;
            qty[i] = 0.001 + rng.NextDouble() * 50;
            entry[i] = 20_000 + rng.NextDouble() * 100_000;
            lev[i] = 1 + rng.Next(125);
        }
        var a = new double[n];
        var b = new double[n];
        Bulk.ComputeIsolated(sides, qty, entry, lev, a);
        Bulk.ComputeIsolatedParallel(sides, qty, entry, lev, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Invalid_row_is_reported_by_index()
    {
        sbyte[] sides = [1, 1, 0];
        double[] qty = [1, 1, 1];
        double[] entry = [67_000, 67_000, 67_000];
        double[] lev = [10, 10, 10];
        var e = Assert.Throws<ArgumentException>(() => Bulk.ComputeIsolated(sides, qty, entry, lev, new double[3]));
        Assert.StartsWith("Row 2:", e.Message, StringComparison.Ordinal);
        entry[1] = double.NaN;
        Assert.StartsWith("Row 1:", Assert.Throws<ArgumentException>(() => Bulk.ComputeIsolated(sides, qty, entry, lev, new double[3])).Message, StringComparison.Ordinal);
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => Bulk.ComputeIsolated(sides, qty, entry, lev, new double[2])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parallel_path_reports_the_global_row_index()
    {
        const int n = 200_000;
        var sides = Enumerable.Repeat((sbyte)1, n).ToArray();
        var qty = Enumerable.Repeat(1.0, n).ToArray();
        var entry = Enumerable.Repeat(67_000.0, n).ToArray();
        var lev = Enumerable.Repeat(10.0, n).ToArray();
        qty[150_123] = -1;
        var e = Assert.Throws<ArgumentException>(() => Bulk.ComputeIsolatedParallel(sides, qty, entry, lev, new double[n]));
        Assert.StartsWith("Row 150123:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_beyond_the_table_yields_nan_and_cross_matches_the_exact_path()
    {
        Assert.True(double.IsNaN(Bulk.Isolated(-1, 7_000, 67_000, 1)));
        var exact = LiquidationPriceCalculator.Cross(Fixtures.BtcUsdt, PositionSide.Long, 1m, 67_000m, 20, new CrossMarginAccount(10_000m, 500m, -1_000m));
        Assert.Equal((double)exact.LiquidationPrice, Bulk.WithMarginBalance(1, 1, 67_000, 8_500), 1e-9);
    }
}
