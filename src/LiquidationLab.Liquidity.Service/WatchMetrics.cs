using Prometheus;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// The service's Prometheus collectors in their own registry (served at <c>/metrics</c>), with the spec's names
/// (<c>polytraders_intel_liquidityforecastmodel_…</c>). prometheus-net collectors are thread-safe: every part of the
/// service increments them from its own thread without a lock.
/// </summary>
internal sealed class WatchMetrics
{
    private const string Prefix = "polytraders_intel_liquidityforecastmodel_";

    public WatchMetrics()
    {
        var f = Metrics.WithCustomRegistry(Registry);
        Emitted = f.CreateCounter(Prefix + "observations_emitted_total", "ObservationReports emitted per tracked market.", "condition_id");
        Forecast = f.CreateGauge(Prefix + "forecast_pusd", "Latest liquidity forecast per tracked market, pUSD (absent while stale).", "condition_id");
        LowForecast = f.CreateCounter(Prefix + "low_forecast_total", "Low-liquidity forecast events emitted.");
        Polls = f.CreateCounter(Prefix + "polls_total", "Book polls by outcome (ok, http_<code>, timeout, error, invalid, too_large, rejected, exception).", "outcome");
        TradePolls = f.CreateCounter(Prefix + "trade_polls_total", "Trade polls by outcome (ok, http_<code>, timeout, error, invalid, too_large, not_found).", "outcome");
        Rejected = f.CreateCounter(Prefix + "books_rejected_total", "Books rejected by the sanity bounds (future_timestamp, bounds).", "reason");
        Dropped = f.CreateCounter(Prefix + "polls_dropped_total", "Polls dropped because the buffer was full.");
        Stale = f.CreateCounter(Prefix + "stale_total", "Evaluations without a fresh book (STALE_DATA).");
        Suppressed = f.CreateCounter(Prefix + "suppressed_total", "Reports suppressed by the kill switch.");
        RedisUp = f.CreateGauge(Prefix + "redis_connected", "1 while Redis is connected.");
        Lag = f.CreateHistogram(Prefix + "poll_lag_seconds", "Scheduled poll time to evaluation done.",
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        var computeBuckets = new HistogramConfiguration { Buckets = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3] };
        Parse = f.CreateHistogram(Prefix + "book_parse_seconds", "Parsing and validating a /book response, per poll.", computeBuckets);
        Evaluate = f.CreateHistogram(Prefix + "evaluate_seconds", "Model evaluation (depth, forecast, report), per poll.", computeBuckets);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Counter Emitted { get; }
    public Gauge Forecast { get; }
    public Counter LowForecast { get; }
    public Counter Polls { get; }
    public Counter TradePolls { get; }
    public Counter Rejected { get; }
    public Counter Dropped { get; }
    public Counter Stale { get; }
    public Counter Suppressed { get; }
    public Gauge RedisUp { get; }
    public Histogram Lag { get; }
    public Histogram Parse { get; }
    public Histogram Evaluate { get; }
}
