namespace LiquidationLab.Liquidity;

/// <summary>The depth forecasters a <see cref="LiquidityForecastModel"/> can use.</summary>
public enum DepthEstimatorKind
{
    /// <summary>Depth at <c>t + h</c> = depth now (the benchmark every other estimator must beat).</summary>
    Persistence,

    /// <summary>Time-aware exponentially weighted mean of depth; the forecast is flat in the horizon.</summary>
    Ewma,

    /// <summary>Ornstein–Uhlenbeck (continuous AR(1)) on log depth, mean and speed fitted online.</summary>
    MeanRevertingLog,
}

/// <summary>
/// An online forecaster of one depth series (quote currency, ≥ 0) observed at irregular times. Observations must come in
/// time order; one at or before the last observed time is ignored (a repeated poll of the same snapshot).
/// </summary>
public interface IDepthEstimator
{
    /// <summary>Which estimator this is.</summary>
    DepthEstimatorKind Kind { get; }

    /// <summary>Observations accepted so far.</summary>
    long Observations { get; }

    /// <summary>Time of the last accepted observation, Unix epoch milliseconds (0 before the first).</summary>
    long LastTimeMs { get; }

    /// <summary>Feeds one observation.</summary>
    /// <param name="timeMs">Observation time, Unix epoch milliseconds.</param>
    /// <param name="depthUsd">Depth, quote currency; NaN or negative values are rejected.</param>
    /// <returns>True when accepted, false when not newer than the last observation.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depthUsd"/> is negative, NaN or infinite.</exception>
    bool Observe(long timeMs, double depthUsd);

    /// <summary>Forecast of depth <paramref name="horizonSeconds"/> after the last observation, quote currency; NaN before the first observation.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="horizonSeconds"/> is negative.</exception>
    double Forecast(double horizonSeconds);

    /// <summary>The estimator's state as numbers (for the service's state store); <see cref="Restore"/> reads it back.</summary>
    double[] SaveState();

    /// <summary>Restores a state saved by <see cref="SaveState"/> of the same kind.</summary>
    /// <exception cref="ArgumentException">The array has the wrong length.</exception>
    void Restore(double[] state);
}

/// <summary>Creates estimators from <see cref="LiquidityForecastOptions"/>.</summary>
public static class DepthEstimators
{
    /// <summary>A new estimator of <paramref name="kind"/> with the options' half-lives.</summary>
    public static IDepthEstimator Create(DepthEstimatorKind kind, LiquidityForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return kind switch
        {
            DepthEstimatorKind.Persistence => new PersistenceDepthEstimator(),
            DepthEstimatorKind.Ewma => new EwmaDepthEstimator(options.EwmaHalfLifeSeconds),
            DepthEstimatorKind.MeanRevertingLog => new MeanRevertingLogDepthEstimator(options.MeanReversionHalfLifeSeconds, options.MeanReversionWarmUp),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown depth estimator."),
        };
    }

    internal static void CheckDepth(double depthUsd)
    {
        if (!(depthUsd >= 0) || double.IsInfinity(depthUsd))
            throw new ArgumentOutOfRangeException(nameof(depthUsd), depthUsd, "Depth must be a finite number ≥ 0.");
    }

    internal static void CheckHorizon(double horizonSeconds)
    {
        if (!(horizonSeconds >= 0)) throw new ArgumentOutOfRangeException(nameof(horizonSeconds), horizonSeconds, "The horizon must be ≥ 0 seconds.");
    }

    /// <summary>Weight of the past after <paramref name="dtSeconds"/> for a half-life: 2^(−dt/halfLife).</summary>
    internal static double Decay(double dtSeconds, double halfLifeSeconds) => Math.Exp(-Math.Log(2) * dtSeconds / halfLifeSeconds);
}

/// <summary>Persistence: the forecast is the last observed depth, whatever the horizon.</summary>
public sealed class PersistenceDepthEstimator : IDepthEstimator
{
    private double _last = double.NaN;

    /// <inheritdoc />
    public DepthEstimatorKind Kind => DepthEstimatorKind.Persistence;

    /// <inheritdoc />
    public long Observations { get; private set; }

    /// <inheritdoc />
    public long LastTimeMs { get; private set; }

    /// <inheritdoc />
    public bool Observe(long timeMs, double depthUsd)
    {
        DepthEstimators.CheckDepth(depthUsd);
        if (Observations > 0 && timeMs <= LastTimeMs) return false;
        (_last, LastTimeMs) = (depthUsd, timeMs);
        Observations++;
        return true;
    }

    /// <inheritdoc />
    public double Forecast(double horizonSeconds)
    {
        DepthEstimators.CheckHorizon(horizonSeconds);
        return _last;
    }

    /// <inheritdoc />
    public double[] SaveState() => [Observations, LastTimeMs, _last];

    /// <inheritdoc />
    public void Restore(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 3) throw new ArgumentException($"A persistence state has 3 numbers, got {state.Length}.", nameof(state));
        (Observations, LastTimeMs, _last) = ((long)state[0], (long)state[1], state[2]);
    }
}

/// <summary>
/// Time-aware EWMA of depth: after a gap of Δt seconds the old level keeps weight 2^(−Δt/half-life), so irregular
/// snapshot spacing (Polymarket: 0.6–44 s) is handled. The forecast is the level for every horizon.
/// </summary>
/// <param name="halfLifeSeconds">Half-life of the weights, seconds (&gt; 0).</param>
public sealed class EwmaDepthEstimator(double halfLifeSeconds) : IDepthEstimator
{
    private readonly double _halfLife = halfLifeSeconds > 0 ? halfLifeSeconds
        : throw new ArgumentOutOfRangeException(nameof(halfLifeSeconds), halfLifeSeconds, "The EWMA half-life must be > 0 seconds.");
    private double _level = double.NaN;

    /// <inheritdoc />
    public DepthEstimatorKind Kind => DepthEstimatorKind.Ewma;

    /// <inheritdoc />
    public long Observations { get; private set; }

    /// <inheritdoc />
    public long LastTimeMs { get; private set; }

    /// <inheritdoc />
    public bool Observe(long timeMs, double depthUsd)
    {
        DepthEstimators.CheckDepth(depthUsd);
        if (Observations > 0 && timeMs <= LastTimeMs) return false;
        if (Observations == 0) _level = depthUsd;
        else
        {
            var keep = DepthEstimators.Decay((timeMs - LastTimeMs) / 1000.0, _halfLife);
            _level = keep * _level + (1 - keep) * depthUsd;
        }
        LastTimeMs = timeMs;
        Observations++;
        return true;
    }

    /// <inheritdoc />
    public double Forecast(double horizonSeconds)
    {
        DepthEstimators.CheckHorizon(horizonSeconds);
        return _level;
    }

    /// <inheritdoc />
    public double[] SaveState() => [Observations, LastTimeMs, _level];

    /// <inheritdoc />
    public void Restore(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 3) throw new ArgumentException($"An EWMA state has 3 numbers, got {state.Length}.", nameof(state));
        (Observations, LastTimeMs, _level) = ((long)state[0], (long)state[1], state[2]);
    }
}

/// <summary>
/// Mean reversion on log depth: x = ln(1 + depth) follows an Ornstein–Uhlenbeck process
/// dx = θ(μ − x)dt + σdW, so E[x(t+h) | x(t)] = μ + (x(t) − μ)·e^(−θh). Fitted online with exponentially forgotten
/// statistics (half-life <c>H</c>): μ is the time-weighted mean of x; for consecutive observations
/// (x₀ at t₀, x₁ at t₁) the regression of x₁ − μ on x₀ − μ gives φ = e^(−θΔ̄t) at the mean spacing Δ̄t, so
/// θ = −ln φ / Δ̄t (φ clamped to [10⁻⁶, 1 − 10⁻⁹]: no explosive or oscillating fits). The forecast is the median
/// exp(E[x]) − 1 (no log-normal variance term: MAPE rewards the median). Until <c>warmUp</c> pairs have been seen the
/// estimator forecasts persistence.
/// </summary>
/// <param name="halfLifeSeconds">Half-life of the fitted statistics, seconds (&gt; 0).</param>
/// <param name="warmUp">Consecutive pairs needed before the fit is used (≥ 2).</param>
public sealed class MeanRevertingLogDepthEstimator(double halfLifeSeconds, int warmUp) : IDepthEstimator
{
    private readonly double _halfLife = halfLifeSeconds > 0 ? halfLifeSeconds
        : throw new ArgumentOutOfRangeException(nameof(halfLifeSeconds), halfLifeSeconds, "The mean-reversion half-life must be > 0 seconds.");
    private readonly int _warmUp = warmUp >= 2 ? warmUp : throw new ArgumentOutOfRangeException(nameof(warmUp), warmUp, "The warm-up must be ≥ 2 pairs.");
    private double _x = double.NaN;   // last log depth
    private double _sw, _swx;         // weighted count and Σ w·x for μ
    private double _spw, _szz, _syz, _sdt; // pair statistics: Σ w, Σ w·z², Σ w·y·z, Σ w·Δt

    /// <inheritdoc />
    public DepthEstimatorKind Kind => DepthEstimatorKind.MeanRevertingLog;

    /// <inheritdoc />
    public long Observations { get; private set; }

    /// <inheritdoc />
    public long LastTimeMs { get; private set; }

    /// <summary>Fitted long-run mean of ln(1 + depth); NaN before the first observation.</summary>
    public double Mu => _sw > 0 ? _swx / _sw : double.NaN;

    /// <summary>Fitted mean-reversion speed θ, per second; NaN until warmed up.</summary>
    public double Theta
    {
        get
        {
            if (Observations <= _warmUp || _szz <= 0 || _spw <= 0) return double.NaN;
            var phi = Math.Clamp(_syz / _szz, 1e-6, 1 - 1e-9);
            return -Math.Log(phi) / (_sdt / _spw);
        }
    }

    /// <inheritdoc />
    public bool Observe(long timeMs, double depthUsd)
    {
        DepthEstimators.CheckDepth(depthUsd);
        if (Observations > 0 && timeMs <= LastTimeMs) return false;
        var x = Math.Log(1 + depthUsd);
        if (Observations > 0)
        {
            var dt = (timeMs - LastTimeMs) / 1000.0;
            var keep = DepthEstimators.Decay(dt, _halfLife);
            var mu = Mu;
            var (z, y) = (_x - mu, x - mu);
            _spw = keep * _spw + 1;
            _szz = keep * _szz + z * z;
            _syz = keep * _syz + y * z;
            _sdt = keep * _sdt + dt;
            _sw = keep * _sw + 1;
            _swx = keep * _swx + x;
        }
        else
        {
            (_sw, _swx) = (1, x);
        }
        _x = x;
        LastTimeMs = timeMs;
        Observations++;
        return true;
    }

    /// <inheritdoc />
    public double Forecast(double horizonSeconds)
    {
        DepthEstimators.CheckHorizon(horizonSeconds);
        if (Observations == 0) return double.NaN;
        var theta = Theta;
        if (double.IsNaN(theta)) return Math.Exp(_x) - 1;
        var mu = Mu;
        return Math.Max(0, Math.Exp(mu + (_x - mu) * Math.Exp(-theta * horizonSeconds)) - 1);
    }

    /// <inheritdoc />
    public double[] SaveState() => [Observations, LastTimeMs, _x, _sw, _swx, _spw, _szz, _syz, _sdt];

    /// <inheritdoc />
    public void Restore(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 9) throw new ArgumentException($"A mean-reversion state has 9 numbers, got {state.Length}.", nameof(state));
        (Observations, LastTimeMs, _x, _sw, _swx) = ((long)state[0], (long)state[1], state[2], state[3], state[4]);
        (_spw, _szz, _syz, _sdt) = (state[5], state[6], state[7], state[8]);
    }
}
