using LiquidationLab.Core.Models;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A real liquidation at a price: the truth a liquidation map is scored against.</summary>
/// <param name="Time">Event time, UTC.</param>
/// <param name="Price">Price, USDT (the fill price when the source has one, else the order price).</param>
/// <param name="NotionalUsd">Liquidated notional, USD (&gt; 0).</param>
/// <param name="LiquidatedSide">The position liquidated: longs liquidate below the market, shorts above.</param>
public readonly record struct LiquidationPrintPoint(DateTime Time, double Price, double NotionalUsd, PositionSide LiquidatedSide);

/// <summary>Settings of <see cref="PriceLevelScoring.Score"/>.</summary>
/// <param name="Zones">k: the model's densest bins per side that count as its zones (≥ 1).</param>
/// <param name="TolerancePercent">x: a print is in a zone when it lies within the bin or x % of the price from its edges (≥ 0).</param>
/// <param name="RandomDraws">Draws of k random zones (uniform over the visited range) for the chance baseline (≥ 100).</param>
/// <param name="Resamples">Bootstrap resamples (≥ 100).</param>
/// <param name="BootstrapBlock">Prints are resampled in blocks of this much time, so a cascade (many prints in seconds) counts as
/// one dependent unit, not as independent evidence (default 5 minutes).</param>
/// <param name="Seed">Random seed (deterministic reports).</param>
public sealed record PriceLevelScoringSettings(int Zones = 3, double TolerancePercent = 0.25, int RandomDraws = 4000, int Resamples = 2000,
    TimeSpan? BootstrapBlock = null, int Seed = BlockBootstrap.DefaultSeed)
{
    /// <summary>The block length used.</summary>
    public TimeSpan Block => BootstrapBlock ?? TimeSpan.FromMinutes(5);
}

/// <summary>The score of one side (the prints of liquidated longs, or of shorts).</summary>
/// <param name="Side">Which positions.</param>
/// <param name="Prints">Prints scored.</param>
/// <param name="NotionalUsd">Their notional, USD.</param>
/// <param name="Blocks">Time blocks the prints fall in (the bootstrap's units).</param>
/// <param name="ZoneCenters">The model's k zones (bin centres, USDT), densest first; empty when scores are pooled over windows
/// (each window has its own zones).</param>
/// <param name="ModelShare">Share of the side's liquidated notional inside the model's zones, with its interval.</param>
/// <param name="ChanceShare">The same share expected from k random zones of the same width in the visited range, with its interval
/// (same resamples).</param>
/// <param name="Lift">ModelShare ÷ ChanceShare (1 = no better than chance), with its interval; NaN when chance covers nothing.</param>
/// <param name="ChanceAtLeastModel">Fraction of random draws whose share reaches the model's (a one-sided p-value, prints fixed).</param>
/// <param name="DensityPercentile">Notional-weighted mean percentile of the prints' bins in the model's density over the visited
/// bins of the side (1 = the densest bin, 0.5 = what uniform prints give), with its interval.</param>
/// <param name="NearestShare">The share caught by the k bins nearest the reference price on the side's half of the book: a
/// density-free baseline that knows only what the model knows (the price when the map was made), with its interval.</param>
/// <param name="ModelMinusNearest">ModelShare − NearestShare on the same resamples: above zero and excluding it, the density
/// places zones better than distance from the price alone.</param>
public sealed record SidePriceScore(PositionSide Side, int Prints, double NotionalUsd, int Blocks, IReadOnlyList<double> ZoneCenters,
    BootstrapInterval ModelShare, BootstrapInterval ChanceShare, BootstrapInterval Lift, double ChanceAtLeastModel, BootstrapInterval DensityPercentile,
    BootstrapInterval NearestShare, BootstrapInterval ModelMinusNearest);

/// <summary>The score of a map against the prints of one window.</summary>
/// <param name="Long">Liquidated longs (null when the window has none).</param>
/// <param name="Short">Liquidated shorts (null when none).</param>
/// <param name="VisitedLow">Lowest price the market visited, USDT.</param>
/// <param name="VisitedHigh">Highest price visited.</param>
/// <param name="ExcludedPrints">Prints outside the visited range (by more than the tolerance): left out, counted here.</param>
public sealed record PriceLevelScore(SidePriceScore? Long, SidePriceScore? Short, double VisitedLow, double VisitedHigh, int ExcludedPrints);

/// <summary>One map and the stretch of time whose prints it is scored against.</summary>
/// <param name="From">Start of the window (inclusive), UTC.</param>
/// <param name="To">End (exclusive), UTC.</param>
/// <param name="Bins">The map's price bins.</param>
/// <param name="LongDensity">Long liquidation notional per bin (length <c>Bins.Count</c>).</param>
/// <param name="ShortDensity">Short liquidation notional per bin.</param>
/// <param name="ReferencePrice">The price when the map was made: long zones are chosen below it, short zones above.</param>
/// <param name="VisitedLow">Lowest price the market visited in the window, USDT.</param>
/// <param name="VisitedHigh">Highest price visited.</param>
/// <param name="MaxZoneDistance">Zones only within this fraction of the reference price (e.g. 0.05; default: anywhere).</param>
public sealed record PriceLevelWindow(DateTime From, DateTime To, PriceBins Bins, IReadOnlyList<double> LongDensity, IReadOnlyList<double> ShortDensity,
    double ReferencePrice, double VisitedLow, double VisitedHigh, double MaxZoneDistance = double.PositiveInfinity);

/// <summary>Scores pooled over many windows (e.g. every period of a backtest's test span, each with the map at its open).</summary>
/// <param name="Long">Liquidated longs (null when no window has any).</param>
/// <param name="Short">Liquidated shorts (null when none).</param>
/// <param name="Windows">Windows offered.</param>
/// <param name="WindowsWithPrints">Windows holding at least one scored print.</param>
/// <param name="ExcludedPrints">Prints inside a window but outside its visited range (by more than the tolerance): left out, counted here.</param>
/// <param name="OutsidePrints">Prints in no window: not scored.</param>
public sealed record PooledPriceLevelScore(SidePriceScore? Long, SidePriceScore? Short, int Windows, int WindowsWithPrints, int ExcludedPrints, int OutsidePrints);

/// <summary>
/// Price-level scoring: do real liquidations happen where a model says the liquidation levels are? For each side, the
/// share of liquidated notional that fell in the model's k densest bins (longs below the reference price, shorts above),
/// against the share k random bins of the same width drawn uniformly from the price range the market actually visited
/// would catch (the lift over chance), against the k bins nearest the reference (a density-free baseline with the model's own
/// information), and the percentile of each print's bin in the model's density. Scores of many
/// windows (one map per window) pool their prints. Intervals come from a bootstrap over time blocks of prints (cascades are
/// dependent). A print's chance of being covered by k uniform random zones is computed exactly (1 − (1 − ℓ/R)^k, ℓ the
/// length of zone centres that cover it within the visited range R), so the chance share is linear in the resampled
/// weights; random draws serve only the one-sided p-value.
/// </summary>
public static class PriceLevelScoring
{
    /// <summary>Scores one map's per-bin density against prints.</summary>
    /// <param name="bins">The model's price bins.</param>
    /// <param name="longDensity">Long liquidation notional per bin (length <c>bins.Count</c>).</param>
    /// <param name="shortDensity">Short liquidation notional per bin.</param>
    /// <param name="referencePrice">The price when the map was made: long zones are chosen below it, short zones above.</param>
    /// <param name="visitedLow">The lowest price of the scored window.</param>
    /// <param name="visitedHigh">The highest price of the scored window.</param>
    /// <param name="prints">Prints of the scored window.</param>
    /// <param name="settings">Settings (default <see cref="PriceLevelScoringSettings"/>).</param>
    /// <exception cref="ArgumentException">Densities of the wrong length, a non-positive or inverted range, bad settings.</exception>
    public static PriceLevelScore Score(PriceBins bins, IReadOnlyList<double> longDensity, IReadOnlyList<double> shortDensity, double referencePrice,
        double visitedLow, double visitedHigh, IReadOnlyList<LiquidationPrintPoint> prints, PriceLevelScoringSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(prints);
        var window = new PriceLevelWindow(DateTime.MinValue, DateTime.MaxValue, bins, longDensity, shortDensity, referencePrice, visitedLow, visitedHigh);
        var pooled = ScoreWindows([window], prints, settings);
        return new PriceLevelScore(pooled.Long, pooled.Short, visitedLow, visitedHigh, pooled.ExcludedPrints);
    }

    /// <summary>Scores many windows' maps against the prints that fall in each window, pooled.</summary>
    /// <param name="windows">Windows in time order, not overlapping.</param>
    /// <param name="prints">Prints (any order); those in no window are counted and left out.</param>
    /// <param name="settings">Settings (default <see cref="PriceLevelScoringSettings"/>).</param>
    /// <exception cref="ArgumentException">Overlapping or unordered windows, densities of the wrong length, a non-positive or inverted
    /// visited range, bad settings.</exception>
    public static PooledPriceLevelScore ScoreWindows(IReadOnlyList<PriceLevelWindow> windows, IReadOnlyList<LiquidationPrintPoint> prints, PriceLevelScoringSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(prints);
        var s = settings ?? new PriceLevelScoringSettings();
        if (s.Zones < 1) throw new ArgumentOutOfRangeException(nameof(settings), s.Zones, "Zones must be ≥ 1.");
        if (!(s.TolerancePercent >= 0)) throw new ArgumentOutOfRangeException(nameof(settings), s.TolerancePercent, "The tolerance must be ≥ 0 %.");
        if (s.RandomDraws < 100 || s.Resamples < 100) throw new ArgumentOutOfRangeException(nameof(settings), "Random draws and resamples must be ≥ 100.");
        if (s.Block <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(settings), s.Block, "The bootstrap block must be positive.");
        for (var w = 0; w < windows.Count; w++)
        {
            var x = windows[w] ?? throw new ArgumentException($"Window {w} is null.", nameof(windows));
            if (x.LongDensity is null || x.ShortDensity is null || x.LongDensity.Count != x.Bins.Count || x.ShortDensity.Count != x.Bins.Count)
                throw new ArgumentException($"Window {w}: densities must have one value per bin ({x.Bins.Count}); got {x.LongDensity?.Count} and {x.ShortDensity?.Count}.");
            if (!(x.VisitedLow > 0) || !(x.VisitedHigh >= x.VisitedLow))
                throw new ArgumentException($"Window {w}: the visited range must be 0 < low ≤ high; got {x.VisitedLow} – {x.VisitedHigh}.");
            if (!(x.To > x.From)) throw new ArgumentException($"Window {w}: its end {x.To:O} is not after its start {x.From:O}.");
            if (w > 0 && x.From < windows[w - 1].To)
                throw new ArgumentException($"Window {w} starts at {x.From:O}, before window {w - 1} ends ({windows[w - 1].To:O}): windows must be in time order and not overlap.");
        }

        var tolerance = s.TolerancePercent / 100;
        var perWindow = new List<LiquidationPrintPoint>[windows.Count];
        int excluded = 0, outside = 0;
        var starts = windows.Select(x => x.From).ToArray();
        foreach (var p in prints)
        {
            var w = Array.BinarySearch(starts, p.Time);
            if (w < 0) w = ~w - 1;
            if (w < 0 || p.Time >= windows[w].To)
            {
                outside++;
                continue;
            }
            var x = windows[w];
            if (!(p.NotionalUsd > 0) || !double.IsFinite(p.Price) || p.Price < x.VisitedLow * (1 - tolerance) || p.Price > x.VisitedHigh * (1 + tolerance))
            {
                excluded++;
                continue;
            }
            (perWindow[w] ??= []).Add(p);
        }
        return new PooledPriceLevelScore(ScoreSide(PositionSide.Long, windows, perWindow, s, tolerance), ScoreSide(PositionSide.Short, windows, perWindow, s, tolerance),
            windows.Count, perWindow.Count(l => l is not null), excluded, outside);
    }

    /// <summary>
    /// The windows of a backtest's periods: period i (≥ <paramref name="firstPeriod"/>) is scored with the grid's column i − 1
    /// (the book when period i opens), split at the previous close (long levels below it, short above), against the prints
    /// from its open to the next period's, in the range its candle visited.
    /// </summary>
    /// <param name="grid">A model grid with one column per candle.</param>
    /// <param name="candles">The candles (one per period, open times increasing).</param>
    /// <param name="firstPeriod">First scored period (≥ 1).</param>
    /// <param name="period">The period's length.</param>
    /// <param name="maxZoneDistance">Zones only within this fraction of the open (the backtest's zone section uses 0.05).</param>
    /// <exception cref="ArgumentException">A grid with a different number of columns, a non-positive period.</exception>
    public static IReadOnlyList<PriceLevelWindow> GridWindows(TimePriceGrid grid, IReadOnlyList<Candle> candles, int firstPeriod, TimeSpan period, double maxZoneDistance = 0.05)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(candles);
        if (grid.Times.Count != candles.Count) throw new ArgumentException($"Need one grid column per candle: {grid.Times.Count} columns, {candles.Count} candles.");
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive.");
        var bins = grid.Price;
        var list = new List<PriceLevelWindow>();
        for (var i = Math.Max(1, firstPeriod); i < candles.Count; i++)
        {
            var c = candles[i];
            var reference = candles[i - 1].Close;
            if (!(c.Low > 0) || !(c.High >= c.Low) || !(reference > 0)) continue;
            var longs = new double[bins.Count];
            var shorts = new double[bins.Count];
            for (var b = 0; b < bins.Count; b++)
            {
                var v = Math.Max(0, grid.Values[b, i - 1]);
                if (bins.Center(b) < reference) longs[b] = v;
                else if (bins.Center(b) > reference) shorts[b] = v;
            }
            var to = i + 1 < candles.Count ? Min(candles[i + 1].OpenTime, c.OpenTime + period) : c.OpenTime + period;
            list.Add(new PriceLevelWindow(c.OpenTime, to, bins, longs, shorts, reference, c.Low, c.High, maxZoneDistance));
        }
        return list;

        static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
    }

    private static SidePriceScore? ScoreSide(PositionSide side, IReadOnlyList<PriceLevelWindow> windows, List<LiquidationPrintPoint>?[] perWindow,
        PriceLevelScoringSettings s, double tolerance)
    {
        var prints = new List<LiquidationPrintPoint>();
        var inModel = new List<bool>();
        var inNearest = new List<bool>();
        var coverProbability = new List<double>();
        var percentiles = new List<double>();
        var drawCovered = new double[s.RandomDraws];
        var random = new Random(s.Seed ^ (int)side);
        double[] zoneCenters = [];
        var windowsUsed = 0;
        var centers = new double[s.Zones];
        for (var w = 0; w < windows.Count; w++)
        {
            if (perWindow[w] is not { } all) continue;
            var mine = all.Where(p => p.LiquidatedSide == side).OrderBy(p => p.Time).ToArray();
            if (mine.Length == 0) continue;
            windowsUsed++;
            var x = windows[w];
            var bins = x.Bins;
            var density = side == PositionSide.Long ? x.LongDensity : x.ShortDensity;
            var reference = x.ReferencePrice;
            var (low, high) = (x.VisitedLow, x.VisitedHigh);
            // The model's zones: its k densest bins on the side's half of the book (ties: nearer the reference first).
            zoneCenters = Enumerable.Range(0, bins.Count)
                .Where(b => density[b] > 0 && (side == PositionSide.Long ? bins.Center(b) < reference : bins.Center(b) > reference)
                            && Math.Abs(bins.Center(b) / reference - 1) <= x.MaxZoneDistance)
                .OrderByDescending(b => density[b]).ThenBy(b => Math.Abs(bins.Center(b) - reference))
                .Take(s.Zones).Select(bins.Center).ToArray();
            // The density-free baseline: the k bins nearest the reference on the side's half (same distance cap).
            var nearestCenters = Enumerable.Range(0, bins.Count)
                .Where(b => (side == PositionSide.Long ? bins.Center(b) < reference : bins.Center(b) > reference)
                            && Math.Abs(bins.Center(b) / reference - 1) <= x.MaxZoneDistance)
                .OrderBy(b => Math.Abs(bins.Center(b) - reference)).Take(s.Zones).Select(bins.Center).ToArray();
            var half = bins.Width / 2;
            bool Covered(double price, double center) => Math.Abs(price - center) <= half + tolerance * center;

            // Percentile of each print's bin among the visited bins (ties count half): 1 = the densest.
            var visitedDensity = Enumerable.Range(0, bins.Count).Where(b => bins.Center(b) + half >= low && bins.Center(b) - half <= high)
                .Select(b => density[b]).Order().ToArray();
            foreach (var p in mine)
            {
                prints.Add(p);
                inModel.Add(zoneCenters.Any(c => Covered(p.Price, c)));
                inNearest.Add(nearestCenters.Any(c => Covered(p.Price, c)));
                // Centres c with |p − c| ≤ half + tol·c: c ∈ [(p − half)/(1 + tol), (p + half)/(1 − tol)], within [low, high].
                double chance;
                if (high > low)
                {
                    var a = Math.Max(low, (p.Price - half) / (1 + tolerance));
                    var b = tolerance < 1 ? Math.Min(high, (p.Price + half) / (1 - tolerance)) : high;
                    var length = Math.Max(0, b - a) / (high - low);
                    chance = 1 - Math.Pow(1 - Math.Min(1, length), s.Zones);
                }
                else chance = Covered(p.Price, low) ? 1 : 0;
                coverProbability.Add(chance);
                if (visitedDensity.Length == 0) percentiles.Add(double.NaN);
                else
                {
                    var bin = bins.IndexOf(p.Price);
                    var v = bin >= 0 ? density[bin] : 0;
                    var below = LowerBound(visitedDensity, v);
                    var equal = LowerBound(visitedDensity, Math.BitIncrement(v)) - below;
                    percentiles.Add((below + 0.5 * equal) / visitedDensity.Length);
                }
            }
            // Random draws (the p-value): draw d of every window together is one draw of the pooled share.
            for (var d = 0; d < s.RandomDraws; d++)
            {
                for (var z = 0; z < s.Zones; z++) centers[z] = low + random.NextDouble() * (high - low);
                var covered = 0.0;
                foreach (var p in mine)
                {
                    for (var z = 0; z < s.Zones; z++)
                        if (Covered(p.Price, centers[z]))
                        {
                            covered += p.NotionalUsd;
                            break;
                        }
                }
                drawCovered[d] += covered;
            }
        }
        if (prints.Count == 0) return null;
        if (windowsUsed > 1) zoneCenters = [];

        var total = prints.Sum(p => p.NotionalUsd);
        var modelShareObserved = prints.Where((_, i) => inModel[i]).Sum(p => p.NotionalUsd) / total;
        var chanceAtLeast = drawCovered.Count(v => v / total >= modelShareObserved - 1e-12) / (double)s.RandomDraws;

        // Bootstrap over time blocks of prints (windows are in time order, prints within each too).
        var blockStarts = new List<int>();
        var blockTicks = s.Block.Ticks;
        long? currentBlock = null;
        for (var i = 0; i < prints.Count; i++)
        {
            var key = prints[i].Time.Ticks / blockTicks;
            if (key == currentBlock) continue;
            blockStarts.Add(i);
            currentBlock = key;
        }
        var blocks = blockStarts.Count;
        double[] Statistics(int[] blockIndices)
        {
            double weight = 0, model = 0, chance = 0, pct = 0, nearest = 0;
            foreach (var bi in blockIndices)
            {
                var end = bi + 1 < blocks ? blockStarts[bi + 1] : prints.Count;
                for (var i = blockStarts[bi]; i < end; i++)
                {
                    var n = prints[i].NotionalUsd;
                    weight += n;
                    if (inModel[i]) model += n;
                    if (inNearest[i]) nearest += n;
                    chance += n * coverProbability[i];
                    pct += n * percentiles[i];
                }
            }
            return [model / weight, chance / weight, chance > 0 ? model / chance : double.NaN, pct / weight, nearest / weight, (model - nearest) / weight];
        }
        BootstrapInterval[] intervals = blocks >= 2
            ? BlockBootstrap.Intervals(blocks, Statistics, 6, blockLength: 1, s.Resamples, seed: s.Seed)
            : Statistics([0]).Select(v => new BootstrapInterval(v, double.NaN, double.NaN, 0.95, 0, 1)).ToArray();
        return new SidePriceScore(side, prints.Count, total, blocks, zoneCenters, intervals[0], intervals[1], intervals[2], chanceAtLeast, intervals[3],
            intervals[4], intervals[5]);
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
