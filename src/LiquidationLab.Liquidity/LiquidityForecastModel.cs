using System.Globalization;

namespace LiquidationLab.Liquidity;

/// <summary>What happened to one evaluation.</summary>
public enum ForecastStatus
{
    /// <summary>A report was built and may be emitted.</summary>
    Emit,

    /// <summary>A forecast was computed but the kill switch suppresses its emission.</summary>
    Suppressed,

    /// <summary>No usable book (missing or older than the staleness threshold): nothing computed, nothing emitted.</summary>
    Stale,
}

/// <summary>The result of <see cref="LiquidityForecastModel.Evaluate"/>.</summary>
/// <param name="Status">Emit, suppressed or stale.</param>
/// <param name="ReasonCodes">Codes that apply (<see cref="LiquidityReasonCodes"/>).</param>
/// <param name="Report">The report (null when stale). Present but not to be emitted when suppressed.</param>
/// <param name="SnapshotIsNew">True when the book's timestamp is newer than the last one evaluated; a repeat of the same
/// snapshot must not be emitted twice (idempotency key <c>condition_id + snapshot_ts_ms</c>).</param>
/// <param name="FillRate">Fill rate used (NaN when unknown).</param>
/// <param name="RawForecastUsd">Estimator forecast before fill-rate weighting (NaN when stale).</param>
public sealed record ForecastResult(
    ForecastStatus Status, IReadOnlyList<string> ReasonCodes, ObservationReport? Report, bool SnapshotIsNew, double FillRate, double RawForecastUsd);

/// <summary>
/// The model's persisted state for one market (what the service keeps in Redis): estimator numbers, the last book
/// evaluated, the last forecast and the fill-rate cache.
/// </summary>
/// <param name="Estimator">Estimator kind.</param>
/// <param name="EstimatorState">From <see cref="IDepthEstimator.SaveState"/>.</param>
/// <param name="LastSnapshotMs">Timestamp of the last book evaluated, Unix ms (0: none).</param>
/// <param name="LastBidDepthUsd">Its bid depth.</param>
/// <param name="LastAskDepthUsd">Its ask depth.</param>
/// <param name="LastForecastPusd">Last forecast (NaN: none).</param>
/// <param name="LastComputedMs">When it was computed, Unix ms.</param>
/// <param name="FillRate">Fill-rate cache (NaN: unknown).</param>
/// <param name="FillRateMs">When the cached fill rate was measured.</param>
/// <param name="LastTradeMs">Newest trade counted, Unix ms.</param>
public sealed record MarketForecastState(
    DepthEstimatorKind Estimator, double[] EstimatorState, long LastSnapshotMs, double LastBidDepthUsd, double LastAskDepthUsd,
    double LastForecastPusd, long LastComputedMs, double FillRate, long FillRateMs, long LastTradeMs);

/// <summary>
/// LiquidityForecastModel (its specification, docs/liquidity-service.md: Polymarket CLOB V2, read-only Intelligence signal service): forecasts the order-book
/// depth of one market <c>forecast_horizon_s</c> ahead so strategies can clamp order size before submitting.
/// <para>Per evaluation: the book must exist and be at most <c>staleness_threshold_s</c> old, else STALE_DATA and nothing
/// is computed or emitted. The forecast target is the depth of the thinner side, min(bid, ask), in pUSD (whole book, or
/// a band around mid): an order on either side can rely on it. A new snapshot feeds the estimator and the fill-rate
/// tracker; the forecast is the estimator's value at the horizon times the fill-rate weight
/// (<see cref="FillRateWeighting"/>). A forecast below <c>min_liquidity_pusd</c> sets <c>low_forecast</c>
/// (LIQUIDITYFORECAST_LOW_FORECAST, WARN; CRITICAL "avoid entry" below 100 pUSD). An empty book gives a report with
/// <c>book_empty = true</c> and forecast 0 (nothing can be executed against it now, whatever the estimator expects).
/// With the kill switch on the forecast is computed and state kept, but the status is Suppressed.</para>
/// <para>Default estimator: <see cref="DefaultEstimator"/>, chosen by the backtest in <c>notebooks/06-liquidity-forecast</c>.</para>
/// <para>The spec's worked example (bid 5,350, ask 6,500, fill rate 0.72 → 4,800) comes from a formula it does not state;
/// this model gives 5,350 for that book with any estimator after one observation (thinner side 5,350; a 0.72 fill rate is
/// above the 0.05 full-credit level, weight 1).</para>
/// </summary>
public sealed class LiquidityForecastModel
{
    /// <summary>
    /// The backtest winner on Polymarket books, the service's venue (notebook 06, real BTC-1h and SOL-15m Up books of
    /// 2025-12-11, h = 10–120 s): no estimator beat persistence there — the mean-reverting log-depth model won 1 of 8
    /// market × horizon cells (mean MAPE skill −7.5 %), the EWMA none (−30 %); these books change rarely within a minute.
    /// On Binance's 20-level books the mean-reverting model wins every cell (+19.9 % mean skill) and is the better choice
    /// for exchange books. With persistence the forecast does not depend on the horizon.
    /// </summary>
    public const DepthEstimatorKind DefaultEstimator = DepthEstimatorKind.Persistence;

    private readonly IDepthEstimator _estimator;
    private readonly FillRateTracker _fill;
    private long _lastSnapshotMs;
    private double _lastBid, _lastAsk, _lastForecast = double.NaN;
    private long _lastComputedMs;
    private double _cachedFill = double.NaN;
    private long _cachedFillMs;

    /// <summary>Creates the model of one market.</summary>
    /// <param name="conditionId">Market id (Polymarket condition id); non-empty.</param>
    /// <param name="options">Parameters; validated.</param>
    /// <exception cref="LiquidityConfigurationException">A parameter beyond its hard limit.</exception>
    public LiquidityForecastModel(string conditionId, LiquidityForecastOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conditionId);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        ConditionId = conditionId;
        Options = options;
        _estimator = DepthEstimators.Create(options.Estimator, options);
        _fill = new FillRateTracker(options.FillRateWindowSeconds);
    }

    /// <summary>The market.</summary>
    public string ConditionId { get; }

    /// <summary>The parameters.</summary>
    public LiquidityForecastOptions Options { get; }

    /// <summary>Timestamp of the last book evaluated, Unix ms (0: none).</summary>
    public long LastSnapshotMs => _lastSnapshotMs;

    /// <summary>Newest trade counted by the fill-rate tracker, Unix ms.</summary>
    public long LastTradeMs => _fill.LastTradeMs;

    /// <summary>Records a trade of this market (for the fill rate).</summary>
    /// <param name="timeMs">Trade time, Unix ms.</param>
    /// <param name="notionalUsd">price × size, pUSD.</param>
    /// <returns>True when new.</returns>
    public bool ObserveTrade(long timeMs, double notionalUsd) => _fill.ObserveTrade(timeMs, notionalUsd);

    /// <summary>Marks that the trade feed was polled (so a market without trades reads fill rate 0, not unknown).</summary>
    public void MarkTradeFeedPolled() => _fill.MarkTradeFeedPolled();

    /// <summary>Depths (bid, ask) of a book in the model's measure (whole book or band), converted to double.</summary>
    public (double Bid, double Ask) Depths(OrderBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var (b, a) = Options.DepthBandHalfWidth is { } w ? book.DepthWithinBand(w) : (book.BidDepthUsd, book.AskDepthUsd);
        return ((double)b, (double)a);
    }

    /// <summary>Evaluates the market at <paramref name="nowMs"/> with its latest book.</summary>
    /// <param name="book">The latest book, or null when the fetch failed or returned nothing.</param>
    /// <param name="nowMs">Evaluation time, Unix ms (the report's <c>emitted_at_ms</c>).</param>
    /// <param name="killSwitchActive">True when the kill switch is set.</param>
    /// <param name="traceId">Trace id for the report.</param>
    public ForecastResult Evaluate(OrderBook? book, long nowMs, bool killSwitchActive, string traceId)
    {
        var maxAgeMs = Options.StalenessThresholdSeconds * 1000;
        if (book is null || Math.Abs(nowMs - book.TimestampMs) > maxAgeMs) // far in the future is no fresher than far in the past
        {
            _lastForecast = double.NaN; // a stale forecast is never served
            return new ForecastResult(ForecastStatus.Stale, [LiquidityReasonCodes.StaleData], null, false, double.NaN, double.NaN);
        }
        var (bid, ask) = Depths(book);
        var isNew = book.TimestampMs > _lastSnapshotMs;
        if (isNew)
        {
            _estimator.Observe(book.TimestampMs, Math.Min(bid, ask));
            _fill.ObserveDepth(book.TimestampMs, bid + ask);
            (_lastSnapshotMs, _lastBid, _lastAsk) = (book.TimestampMs, bid, ask);
        }
        var fill = _fill.FillRate(nowMs);
        if (double.IsNaN(fill) && !double.IsNaN(_cachedFill) && nowMs - _cachedFillMs <= Options.FillRateWindowSeconds * 1000) fill = _cachedFill;
        else if (!double.IsNaN(fill)) (_cachedFill, _cachedFillMs) = (fill, nowMs);

        var raw = _estimator.Forecast(Options.ForecastHorizonSeconds);
        var forecast = book.IsEmpty ? 0 : raw * FillRateWeighting.Weight(fill, Options.FillRateFloorWeight, Options.FillRateFullCredit);
        forecast = Math.Round(forecast, 2, MidpointRounding.AwayFromZero);
        (_lastForecast, _lastComputedMs) = (forecast, nowMs);

        var codes = new List<string>(3);
        var low = forecast < Options.MinLiquidityPusd;
        if (book.IsEmpty) codes.Add(LiquidityReasonCodes.BookEmpty);
        if (low) codes.Add(LiquidityReasonCodes.LowForecast);
        if (killSwitchActive) codes.Add(LiquidityReasonCodes.KillSwitchActive);
        var severity = forecast < LiquidityForecastOptions.MinLiquidityHardPusd ? "CRITICAL" : low ? "WARN" : "INFO";
        var report = new ObservationReport
        {
            ReportId = ObservationReport.MakeReportId(ConditionId, nowMs),
            TraceId = traceId,
            ConditionId = ConditionId,
            CurrentBidDepthPusd = Math.Round(bid, 2, MidpointRounding.AwayFromZero),
            CurrentAskDepthPusd = Math.Round(ask, 2, MidpointRounding.AwayFromZero),
            ForecastPusd = forecast,
            HorizonSeconds = Options.ForecastHorizonSeconds,
            LowForecast = low,
            BookEmpty = book.IsEmpty,
            EmittedAtMs = nowMs,
            ReasonCodes = codes,
            Severity = severity,
        };
        return new ForecastResult(killSwitchActive ? ForecastStatus.Suppressed : ForecastStatus.Emit, codes, report, isNew, fill, raw);
    }

    /// <summary>The last forecast if it was computed from a book no older than the staleness threshold at
    /// <paramref name="nowMs"/>; otherwise null (a stale forecast is never served).</summary>
    /// <remarks>A snapshot dated after <paramref name="nowMs"/> (a clock ahead of ours) is served only while it is at most one
    /// staleness threshold ahead; further ahead it is not trusted.</remarks>
    public double? ServeableForecast(long nowMs) =>
        double.IsNaN(_lastForecast) || Math.Abs(nowMs - _lastSnapshotMs) > Options.StalenessThresholdSeconds * 1000 ? null : _lastForecast;

    /// <summary>The state to persist.</summary>
    public MarketForecastState SaveState() => new(_estimator.Kind, _estimator.SaveState(), _lastSnapshotMs, _lastBid, _lastAsk,
        _lastForecast, _lastComputedMs, _cachedFill, _cachedFillMs, _fill.LastTradeMs);

    /// <summary>Restores a state saved by <see cref="SaveState"/> (the fill-rate window restarts; the cached fill rate
    /// is used until it refills).</summary>
    /// <exception cref="ArgumentException">The state belongs to another estimator kind.</exception>
    public void Restore(MarketForecastState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Estimator != _estimator.Kind)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The stored state is for the {state.Estimator} estimator; this model uses {_estimator.Kind}."), nameof(state));
        _estimator.Restore(state.EstimatorState);
        (_lastSnapshotMs, _lastBid, _lastAsk, _lastForecast, _lastComputedMs) =
            (state.LastSnapshotMs, state.LastBidDepthUsd, state.LastAskDepthUsd, state.LastForecastPusd, state.LastComputedMs);
        (_cachedFill, _cachedFillMs) = (state.FillRate, state.FillRateMs);
        if (state.LastTradeMs > long.MinValue) _fill.ObserveTrade(state.LastTradeMs, 0);
    }
}
