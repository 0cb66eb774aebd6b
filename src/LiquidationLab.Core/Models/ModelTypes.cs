using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Models;

/// <summary>
/// The assumed split of open positions across leverage tiers. Weights are fractions of notional and sum to 1.
/// Default (seed): 5x 15 %, 10x 30 %, 25x 25 %, 50x 20 %, 100x 10 %.
/// </summary>
public sealed record LeverageMix
{
    /// <summary>Creates a mix.</summary>
    /// <exception cref="ArgumentException">Empty, a leverage below 1, a duplicated leverage, a non-positive weight, or
    /// weights not summing to 1 (±1e-9).</exception>
    public LeverageMix(IReadOnlyList<(int Leverage, double Weight)> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (tiers.Count == 0) throw new ArgumentException("A leverage mix needs at least one tier.", nameof(tiers));
        if (tiers.Any(t => t.Leverage < 1)) throw new ArgumentException("Leverages must be ≥ 1.", nameof(tiers));
        if (tiers.Select(t => t.Leverage).Distinct().Count() != tiers.Count) throw new ArgumentException("Each leverage may appear once.", nameof(tiers));
        if (tiers.Any(t => !(t.Weight > 0))) throw new ArgumentException("Weights must be > 0.", nameof(tiers));
        var sum = tiers.Sum(t => t.Weight);
        if (Math.Abs(sum - 1) > 1e-9) throw new ArgumentException($"Weights must sum to 1, got {sum}.", nameof(tiers));
        Tiers = tiers.OrderBy(t => t.Leverage).ToArray();
    }

    /// <summary>Tiers by increasing leverage.</summary>
    public IReadOnlyList<(int Leverage, double Weight)> Tiers { get; }

    /// <summary>The seed's default mix.</summary>
    public static LeverageMix Default { get; } = new([(5, 0.15), (10, 0.30), (25, 0.25), (50, 0.20), (100, 0.10)]);

    /// <summary>The leverages of <see cref="PowerLaw"/>: the seed's tiers.</summary>
    public static IReadOnlyList<int> PowerLawLeverages { get; } = [5, 10, 25, 50, 100];

    /// <summary>
    /// A one-parameter family over <paramref name="leverages"/> (default <see cref="PowerLawLeverages"/>): weight ∝ leverage^α,
    /// normalised. α = 0 weighs every tier alike, α &gt; 0 leans towards high leverage, α &lt; 0 towards low; the fitted
    /// turnover model (<c>TurnoverFit</c>) estimates α.
    /// </summary>
    /// <param name="alpha">Exponent, finite, |α| ≤ 10.</param>
    /// <param name="leverages">Distinct leverages ≥ 1; null: <see cref="PowerLawLeverages"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">α not finite or beyond ±10.</exception>
    public static LeverageMix PowerLaw(double alpha, IReadOnlyList<int>? leverages = null)
    {
        if (!(Math.Abs(alpha) <= 10)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Must be finite, |α| ≤ 10.");
        var levs = leverages ?? PowerLawLeverages;
        var w = levs.Select(l => Math.Pow(l, alpha)).ToArray();
        var sum = w.Sum();
        var tiers = levs.Select((l, i) => (l, w[i] / sum)).ToArray();
        // Re-normalise the last weight so the sum is 1 within the constructor's tolerance whatever the rounding.
        tiers[^1].Item2 = 1 - tiers.Take(tiers.Length - 1).Sum(t => t.Item2);
        return new LeverageMix(tiers);
    }

    /// <summary>Parses <c>5:0.15,10:0.3,…</c> (leverage:weight).</summary>
    /// <exception cref="FormatException">Malformed pairs.</exception>
    public static LeverageMix Parse(string text)
    {
        var tiers = new List<(int, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split(':');
            if (kv.Length != 2 || !int.TryParse(kv[0].TrimEnd('x'), System.Globalization.CultureInfo.InvariantCulture, out var lev)
                || !double.TryParse(kv[1], System.Globalization.CultureInfo.InvariantCulture, out var w))
                throw new FormatException($"Leverage mix: '{part}' is not leverage:weight (e.g. 10:0.3).");
            tiers.Add((lev, w));
        }
        try
        {
            return new LeverageMix(tiers);
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : e.Message;
            throw new FormatException("Leverage mix: " + message, e);
        }
    }
}

/// <summary>A price at which a model expects positions to be liquidated.</summary>
/// <param name="Price">Liquidation price, quote currency.</param>
/// <param name="NotionalUsd">Notional expected to be liquidated there, USD.</param>
/// <param name="Side">Side of the positions (longs liquidate below the market, shorts above).</param>
/// <param name="Leverage">Leverage tier assumed.</param>
/// <param name="Model">Name of the model.</param>
/// <param name="Confidence">The model's weight for this level in [0, 1]: the tier's share in the leverage mix.</param>
/// <param name="EntryPrice">Entry price assumed for the positions.</param>
public readonly record struct PredictedLiquidationLevel(
    double Price, double NotionalUsd, PositionSide Side, int Leverage, string Model, double Confidence, double EntryPrice);

/// <summary>Liquidated notional a model predicts for one period.</summary>
/// <param name="PeriodStart">Period (candle) start, UTC.</param>
/// <param name="LongUsd">Longs liquidated, USD.</param>
/// <param name="ShortUsd">Shorts liquidated, USD.</param>
public readonly record struct PeriodLiquidations(DateTime PeriodStart, double LongUsd, double ShortUsd)
{
    /// <summary>Long + short, USD.</summary>
    public double TotalUsd => LongUsd + ShortUsd;
}

/// <summary>The market data a model sees.</summary>
/// <param name="Symbol">Symbol, e.g. <c>BTCUSDT</c>.</param>
/// <param name="Brackets">The symbol's maintenance-margin brackets.</param>
/// <param name="Candles">Candles with open interest, by time (may be empty for trade-only models).</param>
/// <param name="Trades">Aggregate trades, by time (may be empty for candle-only models).</param>
/// <param name="Funding">Funding rates, by time (may be empty).</param>
public sealed record MarketWindow(
    string Symbol, LeverageBracketTable Brackets, IReadOnlyList<Candle> Candles, IReadOnlyList<AggTrade> Trades, IReadOnlyList<FundingRate> Funding)
{
    /// <summary>The latest price: the last candle's close, else the last trade's price.</summary>
    /// <exception cref="InvalidOperationException">No candles and no trades.</exception>
    public double CurrentPrice => Candles.Count > 0 ? Candles[^1].Close
        : Trades.Count > 0 ? Trades[^1].Price
        : throw new InvalidOperationException("The market window has neither candles nor trades.");

    /// <summary>The latest known open interest in USD, or NaN.</summary>
    public double CurrentOpenInterestUsd
    {
        get
        {
            for (var i = Candles.Count - 1; i >= 0; i--)
                if (double.IsFinite(Candles[i].OpenInterestUsd)) return Candles[i].OpenInterestUsd;
            return double.NaN;
        }
    }
}

/// <summary>What a model produced.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Levels">Liquidation levels (aggregated per side, leverage tier and price bin where the model bins).</param>
/// <param name="Heatmap">Time × price density of open liquidation notional (time-aware models), else <c>null</c>.</param>
/// <param name="Liquidations">Predicted liquidated notional per period (time-aware models), else <c>null</c>.</param>
/// <param name="Totals">The time-evolving book's totals over the run (created, consumed, closed, open), else <c>null</c>.</param>
/// <param name="Skipped">Components an ensemble skipped, each with the reason; empty or <c>null</c> for other models.</param>
/// <remarks>A run returns everything it produced: nothing is read back from a model after <see cref="ILiquidationModel.Run"/>,
/// so one model instance can serve concurrent runs.</remarks>
public sealed record LiquidationModelResult(
    string Model, IReadOnlyList<PredictedLiquidationLevel> Levels, TimePriceGrid? Heatmap = null, IReadOnlyList<PeriodLiquidations>? Liquidations = null,
    TimeEvolvingTotals? Totals = null, IReadOnlyList<string>? Skipped = null)
{
    /// <summary>Total notional of the levels on one side, USD.</summary>
    public double TotalUsd(PositionSide side) => Levels.Where(l => l.Side == side).Sum(l => l.NotionalUsd);
}

/// <summary>A liquidation model: market data in, liquidation levels (and, for time-aware models, a heatmap and
/// per-period predictions) out. Implementations are interchangeable.</summary>
public interface ILiquidationModel
{
    /// <summary>Short name, e.g. <c>binance-standard</c>.</summary>
    string Name { get; }

    /// <summary>Runs the model on a window.</summary>
    LiquidationModelResult Run(MarketWindow window);
}
