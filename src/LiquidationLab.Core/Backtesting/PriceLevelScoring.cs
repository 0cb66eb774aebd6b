using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;

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
/// <param name="ZoneCenters">The model's k zones (bin centres, USDT), densest first.</param>
/// <param name="ModelShare">Share of the side's liquidated notional inside the model's zones, with its interval.</param>
/// <param name="ChanceShare">The same share expected from k random zones of the same width in the visited range, with its interval
/// (same resamples).</param>
/// <param name="Lift">ModelShare ÷ ChanceShare (1 = no better than chance), with its interval; NaN when chance covers nothing.</param>
/// <param name="ChanceAtLeastModel">Fraction of random draws whose share reaches the model's (a one-sided p-value, prints fixed).</param>
/// <param name="DensityPercentile">Notional-weighted mean percentile of the prints' bins in the model's density over the visited
/// bins of the side (1 = the densest bin, 0.5 = what uniform prints give), with its interval.</param>
public sealed record SidePriceScore(PositionSide Side, int Prints, double NotionalUsd, int Blocks, IReadOnlyList<double> ZoneCenters,
    BootstrapInterval ModelShare, BootstrapInterval ChanceShare, BootstrapInterval Lift, double ChanceAtLeastModel, BootstrapInterval DensityPercentile);

/// <summary>The score of a map against the prints of one window.</summary>
/// <param name="Long">Liquidated longs (null when the window has none).</param>
/// <param name="Short">Liquidated shorts (null when none).</param>
/// <param name="VisitedLow">Lowest price the market visited, USDT.</param>
/// <param name="VisitedHigh">Highest price visited.</param>
/// <param name="ExcludedPrints">Prints outside the visited range (by more than the tolerance): left out, counted here.</param>
public sealed record PriceLevelScore(SidePriceScore? Long, SidePriceScore? Short, double VisitedLow, double VisitedHigh, int ExcludedPrints);

/// <summary>
/// Price-level scoring: do real liquidations happen where a model says the liquidation levels are? For each side, the
/// share of liquidated notional that fell in the model's k densest bins (longs below the reference price, shorts above),
/// against the share k random bins of the same width drawn uniformly from the price range the market actually visited
/// would catch (the lift over chance), and the percentile of each print's bin in the model's density. Intervals come from
/// a bootstrap over time blocks of prints (cascades are dependent). The chance share for one resample is exact given the
/// random draws: each print's probability of being covered by k random zones is precomputed, so the share is linear in
/// the resampled weights.
/// </summary>
public static class PriceLevelScoring
{
    /// <summary>Scores a model's per-bin density against prints.</summary>
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
        ArgumentNullException.ThrowIfNull(longDensity);
        ArgumentNullException.ThrowIfNull(shortDensity);
        ArgumentNullException.ThrowIfNull(prints);
        var s = settings ?? new PriceLevelScoringSettings();
        if (longDensity.Count != bins.Count || shortDensity.Count != bins.Count)
            throw new ArgumentException($"Densities must have one value per bin ({bins.Count}); got {longDensity.Count} and {shortDensity.Count}.");
        if (!(visitedLow > 0) || !(visitedHigh >= visitedLow))
            throw new ArgumentException($"The visited range must be 0 < low ≤ high; got {visitedLow} – {visitedHigh}.");
        if (s.Zones < 1) throw new ArgumentOutOfRangeException(nameof(settings), s.Zones, "Zones must be ≥ 1.");
        if (!(s.TolerancePercent >= 0)) throw new ArgumentOutOfRangeException(nameof(settings), s.TolerancePercent, "The tolerance must be ≥ 0 %.");
        if (s.RandomDraws < 100 || s.Resamples < 100) throw new ArgumentOutOfRangeException(nameof(settings), "Random draws and resamples must be ≥ 100.");
        if (s.Block <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(settings), s.Block, "The bootstrap block must be positive.");

        var tolerance = s.TolerancePercent / 100;
        var kept = prints.Where(p => p.NotionalUsd > 0 && double.IsFinite(p.Price)
                                     && p.Price >= visitedLow * (1 - tolerance) && p.Price <= visitedHigh * (1 + tolerance)).ToArray();
        var excluded = prints.Count - kept.Length;
        SidePriceScore? Side(PositionSide side, IReadOnlyList<double> density)
        {
            var mine = kept.Where(p => p.LiquidatedSide == side).OrderBy(p => p.Time).ToArray();
            if (mine.Length == 0) return null;
            return ScoreSide(side, bins, density, referencePrice, visitedLow, visitedHigh, mine, s, tolerance);
        }
        return new PriceLevelScore(Side(PositionSide.Long, longDensity), Side(PositionSide.Short, shortDensity), visitedLow, visitedHigh, excluded);
    }

    private static SidePriceScore ScoreSide(PositionSide side, PriceBins bins, IReadOnlyList<double> density, double reference, double low, double high,
        LiquidationPrintPoint[] prints, PriceLevelScoringSettings s, double tolerance)
    {
        // The model's zones: its k densest bins on the side's half of the book (ties: nearer the reference first).
        var candidates = Enumerable.Range(0, bins.Count)
            .Where(b => density[b] > 0 && (side == PositionSide.Long ? bins.Center(b) < reference : bins.Center(b) > reference))
            .OrderByDescending(b => density[b]).ThenBy(b => Math.Abs(bins.Center(b) - reference))
            .Take(s.Zones).ToArray();
        var zoneCenters = candidates.Select(bins.Center).ToArray();
        var half = bins.Width / 2;
        bool Covered(double price, double center) => Math.Abs(price - center) <= half + tolerance * center;
        var inModel = prints.Select(p => zoneCenters.Any(c => Covered(p.Price, c))).ToArray();

        // Chance: k zone centres uniform over the visited range; each print's probability of being covered by any of them.
        var random = new Random(s.Seed ^ (int)side);
        var coveredCount = new int[prints.Length];
        var drawShares = new double[s.RandomDraws];
        var total = prints.Sum(p => p.NotionalUsd);
        var centers = new double[s.Zones];
        for (var d = 0; d < s.RandomDraws; d++)
        {
            for (var z = 0; z < s.Zones; z++) centers[z] = low + random.NextDouble() * (high - low);
            var share = 0.0;
            for (var i = 0; i < prints.Length; i++)
            {
                var hit = false;
                for (var z = 0; z < s.Zones && !hit; z++) hit = Covered(prints[i].Price, centers[z]);
                if (!hit) continue;
                coveredCount[i]++;
                share += prints[i].NotionalUsd;
            }
            drawShares[d] = share / total;
        }
        var coverProbability = coveredCount.Select(c => c / (double)s.RandomDraws).ToArray();
        var modelShareObserved = prints.Where((_, i) => inModel[i]).Sum(p => p.NotionalUsd) / total;
        var chanceAtLeast = drawShares.Count(v => v >= modelShareObserved - 1e-12) / (double)s.RandomDraws;

        // Percentile of each print's bin among the side's visited bins (ties count half): 1 = the densest.
        var visited = Enumerable.Range(0, bins.Count).Where(b => bins.Center(b) + half >= low && bins.Center(b) - half <= high).ToArray();
        var visitedDensity = visited.Select(b => density[b]).Order().ToArray();
        double Percentile(double price)
        {
            var b = bins.IndexOf(price);
            var v = b >= 0 ? density[b] : 0;
            if (visitedDensity.Length == 0) return double.NaN;
            var below = LowerBound(visitedDensity, v);
            var equal = LowerBound(visitedDensity, Math.BitIncrement(v)) - below;
            return (below + 0.5 * equal) / visitedDensity.Length;
        }
        var percentiles = prints.Select(p => Percentile(p.Price)).ToArray();

        // Bootstrap over time blocks of prints.
        var blockOf = new int[prints.Length];
        var blockStarts = new List<int>();
        var blockTicks = s.Block.Ticks;
        long? currentBlock = null;
        for (var i = 0; i < prints.Length; i++)
        {
            var key = prints[i].Time.Ticks / blockTicks;
            if (key != currentBlock)
            {
                blockStarts.Add(i);
                currentBlock = key;
            }
            blockOf[i] = blockStarts.Count - 1;
        }
        var blocks = blockStarts.Count;
        double[] Statistics(int[] blockIndices)
        {
            double w = 0, model = 0, chance = 0, pct = 0;
            foreach (var bi in blockIndices)
            {
                var end = bi + 1 < blocks ? blockStarts[bi + 1] : prints.Length;
                for (var i = blockStarts[bi]; i < end; i++)
                {
                    var n = prints[i].NotionalUsd;
                    w += n;
                    if (inModel[i]) model += n;
                    chance += n * coverProbability[i];
                    pct += n * percentiles[i];
                }
            }
            return [model / w, chance / w, chance > 0 ? model / chance : double.NaN, pct / w];
        }
        BootstrapInterval[] intervals;
        if (blocks >= 2)
            intervals = BlockBootstrap.Intervals(blocks, Statistics, 4, blockLength: 1, s.Resamples, seed: s.Seed);
        else
        {
            var one = Statistics([0]);
            intervals = one.Select(v => new BootstrapInterval(v, double.NaN, double.NaN, 0.95, 0, 1)).ToArray();
        }
        return new SidePriceScore(side, prints.Length, total, blocks, zoneCenters, intervals[0], intervals[1], intervals[2], chanceAtLeast, intervals[3]);
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
