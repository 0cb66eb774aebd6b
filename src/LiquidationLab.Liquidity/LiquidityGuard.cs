using System.Globalization;

namespace LiquidationLab.Liquidity;

/// <summary>What <see cref="LiquidityGuard.Check"/> decided for an intended order.</summary>
public enum GuardAction
{
    /// <summary>The intended size is within the forecast's allowance.</summary>
    Allow,

    /// <summary>The size is clamped to the allowance.</summary>
    Reduce,

    /// <summary>No entry: no fresh forecast, an empty book, or a forecast below the hard limit.</summary>
    Reject,
}

/// <summary>A pre-trade liquidity decision.</summary>
/// <param name="Action">Allow, reduce or reject.</param>
/// <param name="AllowedPusd">Size the strategy may submit, pUSD (0 when rejected).</param>
/// <param name="ReasonCode">The reason code behind a reduction or rejection (<see cref="LiquidityReasonCodes"/>), or null.</param>
/// <param name="Reason">One sentence for logs and the user.</param>
/// <param name="Report">The report the decision used (null when none was fresh).</param>
public sealed record GuardDecision(GuardAction Action, double AllowedPusd, string? ReasonCode, string Reason, ObservationReport? Report);

/// <summary>Parameters of <see cref="LiquidityGuard"/>.</summary>
public sealed record LiquidityGuardOptions
{
    /// <summary>Largest share of the forecast depth one order may take, in (0, 1]; default 0.8 (the spec's worked example
    /// clamps a 6,000 pUSD order to 2,500 on a 3,200 pUSD forecast, 78 %).</summary>
    public double MaxShareOfForecast { get; init; } = 0.8;

    /// <summary>A report older than this (by its <c>emitted_at_ms</c>) is not used, seconds; default 60 (the service's
    /// staleness threshold).</summary>
    public double MaxReportAgeSeconds { get; init; } = 60;
}

/// <summary>
/// The consumer side of the LiquidityForecastModel (the service specification's (docs/liquidity-service.md) integration case "forecast consumed by LiquidityGuard for
/// a pre-trade risk check"): it keeps the latest ObservationReport per market and clamps an intended order size to the
/// forecast depth over the horizon. Like the model it only advises: it has no order, signing or submission API.
/// </summary>
/// <remarks>Rules, in order: no report or one older than <see cref="LiquidityGuardOptions.MaxReportAgeSeconds"/> → reject
/// (STALE_DATA); <c>book_empty</c> → reject (BOOK_EMPTY); forecast below the 100 pUSD hard limit → reject
/// (LOW_FORECAST, "avoid entry"); otherwise the allowance is <see cref="LiquidityGuardOptions.MaxShareOfForecast"/> × forecast
/// and a larger order is reduced to it (LOW_FORECAST when the report says <c>low_forecast</c>). A forecast whose horizon is
/// shorter than the order's hold horizon is used all the same and the reason says so. Not thread-safe: one owner feeds and
/// queries it (the subscriber serialises both).</remarks>
public sealed class LiquidityGuard(LiquidityGuardOptions? options = null)
{
    private readonly Dictionary<string, ObservationReport> _latest = new(StringComparer.Ordinal);

    /// <summary>The parameters.</summary>
    public LiquidityGuardOptions Options { get; } = options ?? new LiquidityGuardOptions();

    /// <summary>Markets with a report.</summary>
    public int Markets => _latest.Count;

    /// <summary>Takes a report; an older one (by <c>emitted_at_ms</c>) than the one held is ignored.</summary>
    /// <returns>True when it became the market's latest.</returns>
    public bool Observe(ObservationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (_latest.TryGetValue(report.ConditionId, out var held) && held.EmittedAtMs >= report.EmittedAtMs) return false;
        _latest[report.ConditionId] = report;
        return true;
    }

    /// <summary>Decides how much of <paramref name="intendedPusd"/> a strategy may submit on <paramref name="conditionId"/>.</summary>
    /// <param name="conditionId">The market.</param>
    /// <param name="intendedPusd">Intended order size, pUSD, ≥ 0.</param>
    /// <param name="holdHorizonSeconds">How long the strategy expects to hold, seconds, &gt; 0.</param>
    /// <param name="nowMs">Now, Unix ms.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite size, or a horizon ≤ 0.</exception>
    public GuardDecision Check(string conditionId, double intendedPusd, double holdHorizonSeconds, long nowMs)
    {
        if (!(intendedPusd >= 0) || double.IsInfinity(intendedPusd)) throw new ArgumentOutOfRangeException(nameof(intendedPusd), intendedPusd, "The intended size must be a finite number ≥ 0 pUSD.");
        if (!(holdHorizonSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(holdHorizonSeconds), holdHorizonSeconds, "The hold horizon must be > 0 s.");
        string F(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        if (!_latest.TryGetValue(conditionId, out var r))
            return new GuardDecision(GuardAction.Reject, 0, LiquidityReasonCodes.StaleData, $"No liquidity forecast for {conditionId}: no entry.", null);
        var age = (nowMs - r.EmittedAtMs) / 1000.0;
        if (age > Options.MaxReportAgeSeconds)
            return new GuardDecision(GuardAction.Reject, 0, LiquidityReasonCodes.StaleData,
                string.Create(CultureInfo.InvariantCulture, $"The latest forecast is {age:0} s old (limit {Options.MaxReportAgeSeconds:0} s): no entry."), null);
        if (r.BookEmpty)
            return new GuardDecision(GuardAction.Reject, 0, LiquidityReasonCodes.BookEmpty, "The order book is empty: no entry.", r);
        if (r.ForecastPusd < LiquidityForecastOptions.MinLiquidityHardPusd)
            return new GuardDecision(GuardAction.Reject, 0, LiquidityReasonCodes.LowForecast,
                $"Forecast depth {F(r.ForecastPusd)} pUSD is below the {F(LiquidityForecastOptions.MinLiquidityHardPusd)} pUSD hard limit: no entry.", r);
        var allowance = Math.Floor(Options.MaxShareOfForecast * r.ForecastPusd);
        var horizonNote = r.HorizonSeconds < holdHorizonSeconds
            ? string.Create(CultureInfo.InvariantCulture, $" (the forecast covers {r.HorizonSeconds:0} s of the {holdHorizonSeconds:0} s hold)") : "";
        if (intendedPusd <= allowance)
            return new GuardDecision(GuardAction.Allow, intendedPusd, null,
                $"{F(intendedPusd)} pUSD is within {Options.MaxShareOfForecast:P0} of the {F(r.ForecastPusd)} pUSD forecast{horizonNote}.", r);
        return new GuardDecision(GuardAction.Reduce, allowance, r.LowForecast ? LiquidityReasonCodes.LowForecast : null,
            $"Reduced from {F(intendedPusd)} to {F(allowance)} pUSD: {Options.MaxShareOfForecast:P0} of the {F(r.ForecastPusd)} pUSD forecast{horizonNote}.", r);
    }
}
