using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Liquidity.Tests;

public class OrderBookTests
{
    private static BookLevel L(string p, string s) => new(decimal.Parse(p, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Depth_prices_both_sides_exactly_and_sorts_best_first()
    {
        // Polymarket's /book lists bids ascending; the book sorts best first.
        var book = OrderBook.Create([L("0.40", "100"), L("0.45", "10.5")], [L("0.60", "3"), L("0.55", "2")], 1_000, PriceDomain.Probability, "t");
        Assert.Equal(0.45m, book.BestBid);
        Assert.Equal(0.55m, book.BestAsk);
        Assert.Equal(0.50m, book.Mid);
        Assert.Equal(0.10m, book.Spread);
        Assert.Equal(0.40m * 100 + 0.45m * 10.5m, book.BidDepthUsd); // 44.725
        Assert.Equal(0.60m * 3 + 0.55m * 2, book.AskDepthUsd);       // 2.90, not 5 shares (the seed's defect)
        Assert.Equal(44.725m, book.BidDepthUsd);
    }

    [Fact]
    public void Band_depth_includes_levels_on_the_edge_only()
    {
        var book = OrderBook.Create([L("0.45", "10"), L("0.44", "10"), L("0.40", "1000")], [L("0.55", "10"), L("0.56", "10")], 1, PriceDomain.Probability, "t");
        var (bid, ask) = book.DepthWithinBand(0.06m); // mid 0.50 → [0.44, 0.56]
        Assert.Equal(4.5m + 4.4m, bid);
        Assert.Equal(5.5m + 5.6m, ask);
        Assert.Equal((0m, 0m), OrderBook.Create([], [], 1, PriceDomain.Probability, "t").DepthWithinBand(0.05m));
    }

    [Theory]
    [InlineData("1.00", "5", "file.json: bids[0].price 1.00 is outside (0, 1).")]
    [InlineData("0", "5", "file.json: bids[0].price 0 is outside (0, 1).")]
    [InlineData("0.5", "-1", "file.json: bids[0].size -1 is negative.")]
    public void Invalid_levels_name_the_field(string price, string size, string message)
    {
        var e = Assert.Throws<OrderBookException>(() => OrderBook.Create([L(price, size)], [], 1, PriceDomain.Probability, "file.json"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Crossed_and_duplicate_books_are_rejected()
    {
        var crossed = Assert.Throws<OrderBookException>(() => OrderBook.Create([L("0.55", "1")], [L("0.55", "1")], 1, PriceDomain.Probability, "m"));
        Assert.Equal("m: crossed book: best bid 0.55 ≥ best ask 0.55.", crossed.Message);
        var dup = Assert.Throws<OrderBookException>(() => OrderBook.Create([L("0.5", "1"), L("0.5", "2")], [], 1, PriceDomain.Probability, "m"));
        Assert.Contains("bids list price 0.5 twice", dup.Message, StringComparison.Ordinal);
        Assert.Throws<OrderBookException>(() => OrderBook.Create([], [], 0, PriceDomain.Probability, "m"));
    }

    [Fact]
    public void Positive_domain_accepts_exchange_prices_and_zero_sizes_are_dropped()
    {
        var book = OrderBook.Create([L("67000.1", "0.5"), L("66999", "0")], [L("67000.2", "1")], 1, PriceDomain.Positive, "binance");
        Assert.Single(book.Bids);
        Assert.Equal(33500.05m, book.BidDepthUsd);
        Assert.Throws<OrderBookException>(() => OrderBook.Create([L("-1", "1")], [], 1, PriceDomain.Positive, "binance"));
    }
}

public class DepthEstimatorTests
{
    [Fact]
    public void Persistence_forecasts_the_last_value_and_ignores_repeats()
    {
        var p = new PersistenceDepthEstimator();
        Assert.True(double.IsNaN(p.Forecast(10)));
        Assert.True(p.Observe(1000, 50));
        Assert.False(p.Observe(1000, 70)); // same snapshot polled twice
        Assert.True(p.Observe(2000, 80));
        Assert.Equal(80, p.Forecast(3600));
        Assert.Equal(2, p.Observations);
    }

    [Fact]
    public void Ewma_weights_by_elapsed_time_with_the_half_life()
    {
        var e = new EwmaDepthEstimator(halfLifeSeconds: 10);
        e.Observe(0 + 1, 100);
        e.Observe(10_001, 200);   // one half-life: 0.5·100 + 0.5·200
        Assert.Equal(150, e.Forecast(60), 9);
        e.Observe(30_001, 0);     // two half-lives: 0.25·150 + 0.75·0
        Assert.Equal(37.5, e.Forecast(60), 9);
    }

    [Fact]
    public void Mean_reversion_recovers_the_parameters_of_a_simulated_process()
    {
        // x = ln(1 + depth) follows OU with μ = ln(1 + 2000), θ = 0.02/s, sampled every second.
        const double theta = 0.02;
        var mu = Math.Log(2001);
        var est = new MeanRevertingLogDepthEstimator(halfLifeSeconds: 1e9, warmUp: 10);
        var rng = new Random(7);
        var x = mu + 1;
        var phi = Math.Exp(-theta);
        for (var t = 1; t <= 20_000; t++)
        {
            est.Observe(t * 1000L, Math.Exp(x) - 1);
            var n = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            x = mu + (x - mu) * phi + 0.05 * n;
        }
        Assert.InRange(est.Theta, 0.016, 0.024);
        Assert.InRange(est.Mu, mu - 0.05, mu + 0.05);
        // Far horizon → the long-run level; zero horizon → the last value.
        Assert.InRange(est.Forecast(86_400), 1900, 2100);
    }

    [Fact]
    public void Mean_reversion_pulls_a_shock_back_towards_the_mean_at_rate_theta()
    {
        var est = new MeanRevertingLogDepthEstimator(halfLifeSeconds: 1e9, warmUp: 2);
        // Alternate around a level so μ is known: ln(1+d) of 999 and 1 → mean in log space.
        for (var i = 1; i <= 40; i++) est.Observe(i * 1000L, i % 2 == 0 ? 999 : 1);
        // Alternation means consecutive values are perfectly anti-correlated: φ is clamped to 1e-6, θ large,
        // so any horizon ≥ 1 s forecasts the mean.
        var mean = Math.Exp(est.Mu) - 1;
        Assert.Equal(mean, est.Forecast(5), 6);
        Assert.True(est.Theta > 10);
    }

    [Fact]
    public void Warm_up_forecasts_persistence_and_state_round_trips()
    {
        var est = new MeanRevertingLogDepthEstimator(300, warmUp: 10);
        est.Observe(1000, 500);
        est.Observe(2000, 700);
        Assert.Equal(700, est.Forecast(60), 9);
        for (var i = 3; i < 30; i++) est.Observe(i * 1000L, 500 + 100 * (i % 3));
        var copy = new MeanRevertingLogDepthEstimator(300, 10);
        copy.Restore(est.SaveState());
        Assert.Equal(est.Forecast(45), copy.Forecast(45));
        Assert.Throws<ArgumentException>(() => copy.Restore([1, 2]));
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EwmaDepthEstimator(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersistenceDepthEstimator().Observe(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersistenceDepthEstimator().Observe(1, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersistenceDepthEstimator().Forecast(-1));
    }
}

public class FillRateTests
{
    [Fact]
    public void Fill_rate_is_traded_notional_over_mean_displayed_depth_in_the_window()
    {
        var f = new FillRateTracker(windowSeconds: 60);
        f.ObserveDepth(1_000, 1000);
        f.ObserveDepth(2_000, 3000);
        Assert.True(double.IsNaN(f.FillRate(2_000))); // no trade feed yet: unknown, not zero
        f.MarkTradeFeedPolled();
        Assert.Equal(0, f.FillRate(2_000));
        f.ObserveTrade(1_500, 100);
        Assert.False(f.ObserveTrade(1_500, 100)); // the same print polled again
        Assert.Equal(100 / 2000.0, f.FillRate(2_000), 12);
        // 61 s later both depth samples and the trade have left the window.
        f.ObserveDepth(62_000, 500);
        Assert.Equal(0, f.FillRate(62_000));
    }

    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(0.0, 0.5)]
    [InlineData(0.025, 0.75)]
    [InlineData(0.05, 1.0)]
    [InlineData(0.72, 1.0)]
    public void Weight_is_linear_from_the_floor_to_full_credit(double fill, double weight) =>
        Assert.Equal(weight, FillRateWeighting.Weight(fill, floor: 0.5, fullCredit: 0.05), 12);
}
