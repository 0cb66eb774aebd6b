using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Models;

/// <summary>The parameters of a <see cref="TurnoverModel"/> besides its leverage mix (fitted by <c>TurnoverFit</c>).</summary>
/// <param name="TurnoverShare">s: opens + closes of a bar are bounded by s × the bar's traded volume (USD), &gt; 0 (may exceed 1
/// when the candles' volume is a smaller market than the OI, e.g. one exchange's spot volume against several exchanges' OI).</param>
/// <param name="HazardPerBar">h: the share of every open position that closes in a bar when volume allows, in (0, 1); the mean
/// lifetime of a position is 1 ÷ h bars (exponential decay of every cohort).</param>
/// <param name="LongTilt">τ: added to the log-odds of the long share of opens (0: as the data say; &gt; 0 more longs).</param>
/// <param name="EntryPoints">Entry prices per bar, spread evenly over the bar's range (low … high), 1–16.</param>
public sealed record TurnoverSettings(double TurnoverShare = 0.5, double HazardPerBar = 0.05, double LongTilt = 0, int EntryPoints = 4)
{
    /// <summary>The settings of <see cref="TurnoverModel"/> when none are given (not fitted: a starting point).</summary>
    public static TurnoverSettings Default { get; } = new();

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range, naming it.</exception>
    public TurnoverSettings Validate()
    {
        if (!(TurnoverShare > 0 && TurnoverShare <= 1000)) throw new ArgumentOutOfRangeException(nameof(TurnoverShare), TurnoverShare, "Must be in (0, 1000].");
        if (!(HazardPerBar > 0 && HazardPerBar < 1)) throw new ArgumentOutOfRangeException(nameof(HazardPerBar), HazardPerBar, "Must be in (0, 1).");
        if (!(Math.Abs(LongTilt) <= 20)) throw new ArgumentOutOfRangeException(nameof(LongTilt), LongTilt, "Must be finite, |τ| ≤ 20.");
        if (EntryPoints is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(EntryPoints), EntryPoints, "Must be 1–16.");
        return this;
    }
}

/// <summary>Where the long share of a run's opens came from.</summary>
public enum LongShareSource
{
    /// <summary>Taker-buy volume ÷ volume of the bar (klines with <c>taker_buy_volume</c>).</summary>
    TakerVolume,

    /// <summary>The latest funding rate: logistic(rate ÷ 0.0001), so +0.01 % per interval gives 73 % longs.</summary>
    Funding,

    /// <summary>Neither: half the opens are longs.</summary>
    Even,
}

/// <summary>
/// The time-evolving model with an inventory that turns over (issue 29): positions open with traded volume, not only with net
/// OI increases, and live for a while. The book's open notional follows open interest; for each bar, in order:
/// <list type="number">
/// <item><b>liquidation</b>: positions whose liquidation price the bar's range reaches are consumed (longs with LP ≥ low,
/// shorts with LP ≤ high) — the model's liquidations of the bar, per side;</item>
/// <item><b>closes</b> C and <b>opens</b> O with O − C = OI − B (B: the book after the liquidations, so OI change = opens −
/// closes − liquidations): C = max(max(0, −(OI − B)), min(h·B, (s·V − (OI − B)) ÷ 2)), at most B — every open position closes
/// at the hazard h when the bar's volume V (USD: base volume × (high + low + close) ÷ 3) allows, opens + closes ≤ s·V unless
/// the net OI change alone needs more; the closes take the same fraction of every position (each cohort decays
/// exponentially, mean lifetime 1 ÷ h bars), an O(1) step;</item>
/// <item>the opens are split between longs and shorts (<see cref="LongShareSource"/>: taker buys ÷ volume where the bar has
/// them, else the funding rate, else 50/50; then τ is added to the log-odds), across the leverage mix, at
/// <see cref="TurnoverSettings.EntryPoints"/> entry prices spread evenly over the bar's range.</item>
/// </list>
/// A bar without OI turns over at the same rules with OI − B = 0. The first bar with OI opens the whole OI at its prices
/// (the warm-up: that cohort fades at the hazard). Unlike <see cref="TimeEvolvingModel"/>, no OI-decrease rule is needed:
/// closes are spread over all positions, which is the proportional rule; the two rules stay selectable on that model.
/// </summary>
/// <remarks>Performance: O(log n) per position added or liquidated, O(1) per bar for the closes; positions that have
/// decayed below 1e-12 of the book are dropped when the entry count doubles, so memory stays O(opens per bar × lifetime ×
/// a few dozen) however long the window. Liquidation prices use the exact bracket formula for an isolated position of
/// <see cref="RepresentativePositionUsd"/>; for a fixed notional the liquidation price is proportional to the entry price,
/// so one ratio per tier and side is computed per run.</remarks>
public sealed class TurnoverModel(LeverageMix? mix = null, TurnoverSettings? settings = null, int priceBinCount = 250, double? priceBinWidth = null,
    int candlesPerColumn = 1, double representativePositionUsd = 10_000) : ILiquidationModel
{
    /// <summary>The model's name.</summary>
    public const string ModelName = "time-evolving-turnover";

    /// <summary>Leverage tiers and weights.</summary>
    public LeverageMix Mix { get; } = mix ?? LeverageMix.Default;

    /// <summary>Turnover share, hazard, tilt, entry points.</summary>
    public TurnoverSettings Settings { get; } = (settings ?? TurnoverSettings.Default).Validate();

    /// <summary>Approximate number of price bins (when no width is given).</summary>
    public int PriceBinCount { get; } = priceBinCount;

    /// <summary>Fixed price bin width, USD, or <c>null</c>.</summary>
    public double? PriceBinWidth { get; } = priceBinWidth;

    /// <summary>Candles per heatmap column, ≥ 1.</summary>
    public int CandlesPerColumn { get; } = candlesPerColumn >= 1 ? candlesPerColumn
        : throw new ArgumentOutOfRangeException(nameof(candlesPerColumn), candlesPerColumn, "Must be ≥ 1.");

    /// <summary>Notional of the representative position (bracket selection), USD, &gt; 0.</summary>
    public double RepresentativePositionUsd { get; } = representativePositionUsd > 0 ? representativePositionUsd
        : throw new ArgumentOutOfRangeException(nameof(representativePositionUsd), representativePositionUsd, "Must be > 0 USD.");

    /// <inheritdoc />
    public string Name => ModelName;

    /// <summary>Where the long share of opens comes from for these data: taker volume when any bar has it, else funding when
    /// the window has rates, else even.</summary>
    public static LongShareSource ShareSource(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Candles.Any(c => double.IsFinite(c.TakerBuyVolumeBase) && c.VolumeBase > 0)) return LongShareSource.TakerVolume;
        return window.Funding.Count > 0 ? LongShareSource.Funding : LongShareSource.Even;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The window has no candles.</exception>
    public LiquidationModelResult Run(MarketWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var candles = window.Candles;
        if (candles.Count == 0) throw new InvalidOperationException($"{Name} needs candles.");
        var bins = TimeEvolvingModel.BinsFor(candles, Mix, PriceBinWidth, PriceBinCount);
        var columns = (candles.Count + CandlesPerColumn - 1) / CandlesPerColumn;
        var times = new DateTime[columns];
        for (var c = 0; c < columns; c++) times[c] = candles[c * CandlesPerColumn].OpenTime;
        var grid = new TimePriceGrid(bins, times);
        var periods = new PeriodLiquidations[candles.Count];
        var book = new PositionBook(bins.Count);
        var tiers = Mix.Tiers;
        var (longRatio, shortRatio, weights) = Ratios(window.Brackets, tiers);
        var s = Settings;
        var funding = window.Funding;
        var fundingAt = -1;
        var points = s.EntryPoints;
        double created = 0, consumedTotal = 0, closed = 0;
        var compactAt = 4096;

        for (var i = 0; i < candles.Count; i++)
        {
            var c = candles[i];
            if (book.Count >= compactAt)
            {
                // Before the bar, so the bar's opens make good what the faded positions took (the book still follows OI).
                closed += book.Compact(1e-12);
                compactAt = Math.Max(4096, 2 * book.Count);
            }
            book.CandleIndex = i;
            var (longConsumed, shortConsumed) = book.Consume(c.Low, c.High);
            consumedTotal += longConsumed + shortConsumed;
            periods[i] = new PeriodLiquidations(c.OpenTime, longConsumed, shortConsumed);

            var open = book.OpenUsd;
            var net = double.IsFinite(c.OpenInterestUsd) ? c.OpenInterestUsd - open : 0;
            var volumeUsd = c.VolumeBase * (c.High + c.Low + c.Close) / 3;
            var gross = double.IsFinite(volumeUsd) && volumeUsd >= 0 ? s.TurnoverShare * volumeUsd : double.PositiveInfinity;
            var close = Math.Min(open, Math.Max(Math.Max(0, -net), Math.Min(s.HazardPerBar * open, (gross - net) / 2)));
            var opens = close + net;
            if (close > 0 && open > 0) closed += book.ScaleAll(Math.Min(1, close / open));
            if (opens > 0 && c.High >= c.Low && c.Low > 0)
            {
                while (fundingAt + 1 < funding.Count && funding[fundingAt + 1].Time <= c.OpenTime) fundingAt++;
                var longShare = Tilt(RawLongShare(c, fundingAt >= 0 ? funding[fundingAt].Rate : double.NaN), s.LongTilt);
                for (var j = 0; j < points; j++)
                {
                    var entry = c.Low + (c.High - c.Low) * (j + 0.5) / points;
                    var each = opens / points;
                    for (var k = 0; k < tiers.Count; k++)
                    {
                        var w = weights[k] * each;
                        book.Add(PositionSide.Long, k, entry * longRatio[k], w * longShare, bins, entry);
                        book.Add(PositionSide.Short, k, entry * shortRatio[k], w * (1 - longShare), bins, entry);
                    }
                }
                created += opens;
            }
            if (i % CandlesPerColumn == CandlesPerColumn - 1 || i == candles.Count - 1)
                book.Snapshot(grid.Values, i / CandlesPerColumn);
        }

        var totals = new TimeEvolvingTotals(created, consumedTotal, closed, book.OpenUsd);
        var map = new LiquidationMap(bins, candles[^1].Close, tiers.Select(t => t.Leverage).ToArray());
        book.AddOpenTo(map);
        map.ComputeCumulative();
        return new LiquidationModelResult(Name, map.ToLevels(Name, Mix), grid, periods, totals);
    }

    /// <summary>LP ÷ entry per tier and side for a position of <see cref="RepresentativePositionUsd"/> (the effective leverage is
    /// capped by the bracket's maximum), and the tier weights.</summary>
    private (double[] Long, double[] Short, double[] Weights) Ratios(LeverageBracketTable brackets, IReadOnlyList<(int Leverage, double Weight)> tiers)
    {
        var calc = new BulkLiquidationPriceCalculator(brackets);
        var cap = calc.MaxLeverageFor(RepresentativePositionUsd);
        const double reference = 1000;
        var qty = RepresentativePositionUsd / reference;
        var l = new double[tiers.Count];
        var sh = new double[tiers.Count];
        for (var k = 0; k < tiers.Count; k++)
        {
            var lev = Math.Min(tiers[k].Leverage, cap);
            l[k] = calc.Isolated(1, qty, reference, lev) / reference;
            sh[k] = calc.Isolated(-1, qty, reference, lev) / reference;
        }
        return (l, sh, tiers.Select(t => t.Weight).ToArray());
    }

    /// <summary>The data's long share of a bar's opens before the tilt: taker buys ÷ volume, else logistic(funding ÷ 0.0001),
    /// else 0.5.</summary>
    public static double RawLongShare(Candle candle, double fundingRate) =>
        double.IsFinite(candle.TakerBuyVolumeBase) && candle.VolumeBase > 0 ? Math.Clamp(candle.TakerBuyVolumeBase / candle.VolumeBase, 0, 1)
        : double.IsFinite(fundingRate) ? 1 / (1 + Math.Exp(-fundingRate / 1e-4))
        : 0.5;

    /// <summary>logistic(logit(p) + τ), with p kept in [0.001, 0.999] so a one-sided bar still opens some of each side.</summary>
    public static double Tilt(double share, double tilt)
    {
        var p = Math.Clamp(share, 0.001, 0.999);
        return 1 / (1 + Math.Exp(-(Math.Log(p / (1 - p)) + tilt)));
    }
}
