using System.Globalization;

namespace LiquidationLab.Liquidity;

/// <summary>Reason codes of the LiquidityForecastModel (the specification in docs/liquidity-service.md, Polymarket CLOB V2 Intelligence signal service).</summary>
public static class LiquidityReasonCodes
{
    /// <summary>Forecast below <c>min_liquidity_pusd</c>: <c>low_forecast = true</c>, severity WARN (CRITICAL, "avoid entry", below the hard limit).</summary>
    public const string LowForecast = "LIQUIDITYFORECAST_LOW_FORECAST";

    /// <summary>The book is missing or older than <c>staleness_threshold_s</c>: no forecast is emitted or served.</summary>
    public const string StaleData = "STALE_DATA";

    /// <summary>The kill switch is set: forecasts are computed, emissions suppressed.</summary>
    public const string KillSwitchActive = "KILL_SWITCH_ACTIVE";

    /// <summary>The book has no level on either side: a report with <c>book_empty = true</c>.</summary>
    public const string BookEmpty = "LIQUIDITYFORECAST_BOOK_EMPTY";

    /// <summary>A parameter beyond its hard limit: the configuration is rejected until the change is approved.</summary>
    public const string ParameterChangeRequiresApproval = "PARAMETER_CHANGE_REQUIRES_APPROVAL";

    /// <summary>Ours, not the spec's: a polled book broke a sanity bound (<see cref="BookLimits"/>: absurd size or notional,
    /// a timestamp ahead of the clock) and was rejected — counted, never evaluated, stored or persisted (WARN).</summary>
    public const string BookRejected = "LIQUIDITYFORECAST_BOOK_REJECTED";
}

/// <summary>How serious a configuration finding is.</summary>
public enum ConfigurationSeverity
{
    /// <summary>Accepted, with a warning.</summary>
    Warning,

    /// <summary>Rejected (<see cref="LiquidityReasonCodes.ParameterChangeRequiresApproval"/>).</summary>
    Rejected,
}

/// <summary>One finding of <see cref="LiquidityForecastOptions.Validate"/>.</summary>
/// <param name="Parameter">The spec's parameter name (<c>forecast_horizon_s</c>).</param>
/// <param name="Severity">Warning or rejection.</param>
/// <param name="Message">What is wrong and the limit.</param>
public sealed record ConfigurationFinding(string Parameter, ConfigurationSeverity Severity, string Message);

/// <summary>The configuration was rejected; <see cref="Code"/> is <c>PARAMETER_CHANGE_REQUIRES_APPROVAL</c> for limits.</summary>
public sealed class LiquidityConfigurationException(string code, string message) : Exception(message)
{
    /// <summary>The reason code.</summary>
    public string Code { get; } = code;
}

/// <summary>
/// Parameters of the LiquidityForecastModel. Defaults and limits are the service specification's (docs/liquidity-service.md): <c>forecast_horizon_s</c> 3600
/// (warning above 3600 — uncertainty grows; hard limit 86400), <c>min_liquidity_pusd</c> 1000 (warning below 500,
/// hard limit 100); the horizon's 3600–7200 s band warns, as the spec's threshold table says. At run time a forecast below <see cref="MinLiquidityPusd"/> sets <c>low_forecast</c>; below the
/// hard limit (100 pUSD) the advice is "avoid entry" (severity CRITICAL).
/// <para>The spec's raw parameters: <c>forecast_horizon_min</c> is <see cref="ForecastHorizonSeconds"/>; <c>publish_to</c> is the
/// service's channel list (<c>LiquidityWatchOptions.PublishTo</c>). Declined, with reasons: <c>min_history_h</c> — no
/// estimator needs hours of history (persistence none, EWMA one book, the mean-reversion fit
/// <see cref="MeanReversionWarmUp"/> pairs, forecasting the current depth until then) and the spec's own recovery rule is
/// "re-compute on first poll cycle; no historical backfill required"; <c>fallback_to_realised</c> — always on, not a
/// switch: without history the forecast is the realised (current) depth and an unknown fill rate gives no discount, and
/// turning it off would leave no forecast to emit.</para>
/// </summary>
public sealed record LiquidityForecastOptions
{
    /// <summary>Spec threshold table: horizons up to this many seconds are normal; above it, a warning.</summary>
    public const double HorizonWarningSeconds = 3600;

    /// <summary>Spec: the <c>warning</c> level of <c>forecast_horizon_s</c>; its table names the 3600–7200 s band WARN and
    /// says nothing of 7200–86400 s, which we accept with a stronger warning.</summary>
    public const double HorizonWarningBandEndSeconds = 7200;

    /// <summary>Spec limit: horizons above this many seconds are rejected.</summary>
    public const double HorizonHardLimitSeconds = 86400;

    /// <summary>Spec limit: a <c>min_liquidity_pusd</c> below this is accepted with a warning.</summary>
    public const double MinLiquidityWarningPusd = 500;

    /// <summary>Spec limit: a <c>min_liquidity_pusd</c> below this is rejected; forecasts below it mean "avoid entry".</summary>
    public const double MinLiquidityHardPusd = 100;

    /// <summary><c>forecast_horizon_s</c>: seconds ahead to forecast; default 3600.</summary>
    public double ForecastHorizonSeconds { get; init; } = 3600;

    /// <summary><c>min_liquidity_pusd</c>: forecasts below this set <c>low_forecast</c>; default 1000 pUSD.</summary>
    public double MinLiquidityPusd { get; init; } = 1000;

    /// <summary><c>staleness_threshold_s</c>: a book older than this (or none) means STALE_DATA; default 60 s (the
    /// real Polymarket recordings have gaps of up to 44 s between book changes).</summary>
    public double StalenessThresholdSeconds { get; init; } = 60;

    /// <summary>The estimator; default chosen by the backtest in notebook 06 (see the type's remarks in
    /// <see cref="LiquidityForecastModel"/>).</summary>
    public DepthEstimatorKind Estimator { get; init; } = LiquidityForecastModel.DefaultEstimator;

    /// <summary>Half-life of the EWMA, seconds; default 15 (best of 5–60 s in the notebook-06 backtest).</summary>
    public double EwmaHalfLifeSeconds { get; init; } = 15;

    /// <summary>Half-life of the mean-reversion fit's statistics, seconds; default 120 (best of 60–1800 s in the notebook-06 backtest).</summary>
    public double MeanReversionHalfLifeSeconds { get; init; } = 120;

    /// <summary>Pairs of observations before the mean-reversion fit is used; default 10.</summary>
    public int MeanReversionWarmUp { get; init; } = 10;

    /// <summary>Half-width of the depth band around mid in price units (0.05 = ±5¢), or null for the whole book (the
    /// spec's depth, default).</summary>
    public decimal? DepthBandHalfWidth { get; init; }

    /// <summary>Trailing window of the fill rate, seconds; default 300.</summary>
    public double FillRateWindowSeconds { get; init; } = 300;

    /// <summary>Weight kept by depth that never trades, in [0, 1]; default 0.5. 1 turns the weighting off.</summary>
    public double FillRateFloorWeight { get; init; } = 0.5;

    /// <summary>Fill rate at which depth counts fully, in (0, 1]; default 0.05 (5 % of displayed depth traded per window).</summary>
    public double FillRateFullCredit { get; init; } = 0.05;

    /// <summary>Checks every parameter against the spec's limits and basic sanity.</summary>
    /// <returns>Findings, empty when everything is within the limits.</returns>
    public IReadOnlyList<ConfigurationFinding> Validate()
    {
        var f = new List<ConfigurationFinding>();
        void Add(string p, ConfigurationSeverity s, string m) => f.Add(new ConfigurationFinding(p, s, m));
        string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

        if (!(ForecastHorizonSeconds > 0)) Add("forecast_horizon_s", ConfigurationSeverity.Rejected, $"forecast_horizon_s must be > 0, got {N(ForecastHorizonSeconds)}.");
        else if (ForecastHorizonSeconds > HorizonHardLimitSeconds)
            Add("forecast_horizon_s", ConfigurationSeverity.Rejected, $"forecast_horizon_s {N(ForecastHorizonSeconds)} exceeds the hard limit {N(HorizonHardLimitSeconds)} s.");
        else if (ForecastHorizonSeconds > HorizonWarningBandEndSeconds)
            Add("forecast_horizon_s", ConfigurationSeverity.Warning, $"forecast_horizon_s {N(ForecastHorizonSeconds)} is beyond the warning level {N(HorizonWarningBandEndSeconds)} s: a multi-hour extrapolation of book depth; forecast uncertainty grows with the horizon.");
        else if (ForecastHorizonSeconds > HorizonWarningSeconds)
            Add("forecast_horizon_s", ConfigurationSeverity.Warning, $"forecast_horizon_s {N(ForecastHorizonSeconds)} is in the {N(HorizonWarningSeconds)}–{N(HorizonWarningBandEndSeconds)} s warning band: forecast uncertainty grows with the horizon.");

        if (!(MinLiquidityPusd >= 0) || double.IsInfinity(MinLiquidityPusd)) Add("min_liquidity_pusd", ConfigurationSeverity.Rejected, $"min_liquidity_pusd must be a finite number ≥ 0, got {N(MinLiquidityPusd)}.");
        else if (MinLiquidityPusd < MinLiquidityHardPusd)
            Add("min_liquidity_pusd", ConfigurationSeverity.Rejected, $"min_liquidity_pusd {N(MinLiquidityPusd)} is below the hard limit {N(MinLiquidityHardPusd)} pUSD.");
        else if (MinLiquidityPusd < MinLiquidityWarningPusd)
            Add("min_liquidity_pusd", ConfigurationSeverity.Warning, $"min_liquidity_pusd {N(MinLiquidityPusd)} is below {N(MinLiquidityWarningPusd)} pUSD: orders may be sized against thin books.");

        if (!(StalenessThresholdSeconds > 0)) Add("staleness_threshold_s", ConfigurationSeverity.Rejected, $"staleness_threshold_s must be > 0, got {N(StalenessThresholdSeconds)}.");
        if (!(EwmaHalfLifeSeconds > 0)) Add("ewma_half_life_s", ConfigurationSeverity.Rejected, $"ewma_half_life_s must be > 0, got {N(EwmaHalfLifeSeconds)}.");
        if (!(MeanReversionHalfLifeSeconds > 0)) Add("mean_reversion_half_life_s", ConfigurationSeverity.Rejected, $"mean_reversion_half_life_s must be > 0, got {N(MeanReversionHalfLifeSeconds)}.");
        if (MeanReversionWarmUp < 2) Add("mean_reversion_warm_up", ConfigurationSeverity.Rejected, $"mean_reversion_warm_up must be ≥ 2, got {MeanReversionWarmUp}.");
        if (DepthBandHalfWidth is < 0) Add("depth_band", ConfigurationSeverity.Rejected, $"depth_band must be ≥ 0, got {DepthBandHalfWidth}.");
        if (!(FillRateWindowSeconds > 0)) Add("fill_rate_window_s", ConfigurationSeverity.Rejected, $"fill_rate_window_s must be > 0, got {N(FillRateWindowSeconds)}.");
        if (!(FillRateFloorWeight is >= 0 and <= 1)) Add("fill_rate_floor_weight", ConfigurationSeverity.Rejected, $"fill_rate_floor_weight must be in [0, 1], got {N(FillRateFloorWeight)}.");
        if (!(FillRateFullCredit is > 0 and <= 1)) Add("fill_rate_full_credit", ConfigurationSeverity.Rejected, $"fill_rate_full_credit must be in (0, 1], got {N(FillRateFullCredit)}.");
        return f;
    }

    /// <summary>Validates and throws on the first rejection.</summary>
    /// <returns>The warnings (accepted findings).</returns>
    /// <exception cref="LiquidityConfigurationException">A parameter is rejected; <see cref="LiquidityConfigurationException.Code"/>
    /// is <c>PARAMETER_CHANGE_REQUIRES_APPROVAL</c>, the message lists every rejection.</exception>
    public IReadOnlyList<ConfigurationFinding> EnsureValid()
    {
        var findings = Validate();
        var rejected = findings.Where(x => x.Severity == ConfigurationSeverity.Rejected).ToList();
        if (rejected.Count > 0)
            throw new LiquidityConfigurationException(LiquidityReasonCodes.ParameterChangeRequiresApproval,
                $"{LiquidityReasonCodes.ParameterChangeRequiresApproval}: " + string.Join(" ", rejected.Select(r => r.Message)));
        return findings;
    }
}
