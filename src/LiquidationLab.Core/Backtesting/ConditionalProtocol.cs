using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Core.Backtesting;

/// <summary>
/// The conditional protocol: given the period's realised high and low, how much was liquidated in it. This is what the
/// time-evolving model's per-period consumption answers (positions whose liquidation price the period's range reached),
/// so it is scored here, apart from the ex-ante forecasts, against baselines that get the same information: the period's
/// range × the open interest before it (scaled through the origin, and as a log regression), both fitted walk-forward,
/// and hour-of-week climatology as the range-free reference and MASE benchmark.
/// </summary>
public static class ConditionalProtocol
{
    /// <summary>Protocol name in reports.</summary>
    public const string Name = "conditional on the period's range";

    /// <summary>
    /// The range × OI signal per period: (high − low) ÷ open × OI[i − 1] (USD; NaN without OI); for one side, the move
    /// that liquidates it — (open − low) ÷ open for longs, (high − open) ÷ open for shorts.
    /// </summary>
    public static double[] RangeTimesOpenInterest(IReadOnlyList<Candle> candles, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var raw = new double[candles.Count];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = candles[i];
            var oi = i > 0 ? candles[i - 1].OpenInterestUsd : double.NaN;
            raw[i] = oi > 0 && c.Open > 0 && c.High >= c.Low ? Move(c, side) / c.Open * oi : double.NaN;
        }
        return raw;
    }

    private static double Move(Candle c, LiquidationSide side) => side switch
    {
        LiquidationSide.Long => Math.Max(0, c.Open - c.Low),
        LiquidationSide.Short => Math.Max(0, c.High - c.Open),
        _ => c.High - c.Low,
    };

    // ln of the relative move; for one side, ln(1e-6 + move) keeps a bar that never moved against it (move 0) usable.
    private static double LogMove(Candle c, LiquidationSide side) =>
        !(c.Open > 0) || c.High < c.Low ? double.NaN
        : side == LiquidationSide.Total ? (c.High > c.Low ? Math.Log((c.High - c.Low) / c.Open) : double.NaN)
        : Math.Log(1e-6 + Move(c, side) / c.Open);

    /// <summary>The protocol's baselines for <paramref name="side"/>'s liquidations.</summary>
    public static IReadOnlyList<Forecast> Baselines(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, ExAnteSettings settings, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(settings);
        var raw = RangeTimesOpenInterest(candles, side);
        var train = settings.FitStart;
        return
        [
            new Forecast(ExAnteBaselines.ClimatologyName, ExAnteBaselines.SeasonalClimatology(candles.Select(c => c.OpenTime).ToArray(), actual)),
            new Forecast("range × OI (scaled)", WalkForward.ScaledForecast(raw, actual, train, settings.FitRefit).Forecast),
            new Forecast("range × OI regression", WalkForwardRegression.Fit(
                candles.Select((c, i) => new[] { LogMove(c, side), i > 0 && candles[i - 1].OpenInterestUsd > 0 ? Math.Log(candles[i - 1].OpenInterestUsd) : double.NaN }).ToArray(),
                actual, train, settings.FitRefit, logTarget: true).Forecast),
        ];
    }

    /// <summary>
    /// The time-evolving model's liquidated notional per period (consumed by the period's own range), in USD through a
    /// walk-forward scale (least squares through the origin on the periods before each window) — the conditional
    /// forecast notebook 05 used to report as if it were a forecast.
    /// </summary>
    public static Forecast TimeEvolving(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, LeverageBracketTable brackets, OpenInterestDecreaseRule rule,
        ExAnteSettings settings, LeverageMix? mix = null, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(brackets);
        ArgumentNullException.ThrowIfNull(settings);
        var run = new TimeEvolvingModel(mix, decreaseRule: rule).Run(new MarketWindow(brackets.Symbol, brackets, candles, [], []));
        var consumed = run.Liquidations!.Select(p => side switch { LiquidationSide.Long => p.LongUsd, LiquidationSide.Short => p.ShortUsd, _ => p.TotalUsd }).ToArray();
        return new Forecast($"time-evolving ({rule.ToString().ToLowerInvariant()}, scaled)",
            WalkForward.ScaledForecast(consumed, actual, settings.FitStart, settings.FitRefit).Forecast);
    }

    /// <summary>Scores <paramref name="forecasts"/> and the conditional baselines.</summary>
    public static ProtocolReport Evaluate(IReadOnlyList<Candle> candles, IReadOnlyList<double> actual, IReadOnlyList<Forecast> forecasts, ExAnteSettings settings,
        LiquidationSide side = LiquidationSide.Total) =>
        ForecastEvaluation.Score(Name, candles, actual, Baselines(candles, actual, settings, side), forecasts, settings);
}
