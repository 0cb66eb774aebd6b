using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Core.Heatmaps;

/// <summary>
/// Liquidation notional by price bin, kept separate per side and leverage tier, with cumulative curves outward from
/// the current price: <see cref="CumulativeLongUsd"/>[i] is the long notional liquidated if the price falls from
/// <see cref="CurrentPrice"/> to bin i (bins below the price), <see cref="CumulativeShortUsd"/>[i] the short notional
/// liquidated if it rises to bin i (bins above). Call <see cref="ComputeCumulative"/> after the last <see cref="Add"/>.
/// </summary>
public sealed class LiquidationMap
{
    private readonly Dictionary<int, int> _tierIndex;

    /// <summary>Creates an empty map.</summary>
    /// <param name="bins">Price axis.</param>
    /// <param name="currentPrice">Current (mark) price, quote currency.</param>
    /// <param name="leverages">Leverage tiers, one row each in the volume arrays.</param>
    public LiquidationMap(PriceBins bins, double currentPrice, IReadOnlyList<int> leverages)
    {
        ArgumentNullException.ThrowIfNull(leverages);
        Bins = bins;
        CurrentPrice = currentPrice;
        Leverages = leverages;
        _tierIndex = leverages.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        LongUsd = new double[leverages.Count, bins.Count];
        ShortUsd = new double[leverages.Count, bins.Count];
        LongEntryWeighted = new double[leverages.Count, bins.Count];
        ShortEntryWeighted = new double[leverages.Count, bins.Count];
        CumulativeLongUsd = new double[bins.Count];
        CumulativeShortUsd = new double[bins.Count];
    }

    /// <summary>Price axis.</summary>
    public PriceBins Bins { get; }

    /// <summary>Current price the cumulative curves start from.</summary>
    public double CurrentPrice { get; }

    /// <summary>Leverage tiers (rows of the volume arrays).</summary>
    public IReadOnlyList<int> Leverages { get; }

    /// <summary>Long liquidation notional, USD, <c>[tier, bin]</c>.</summary>
    public double[,] LongUsd { get; }

    /// <summary>Short liquidation notional, USD, <c>[tier, bin]</c>.</summary>
    public double[,] ShortUsd { get; }

    /// <summary>Σ entry price × notional per cell (for the notional-weighted entry price of a cell).</summary>
    public double[,] LongEntryWeighted { get; }

    /// <summary>Σ entry price × notional per cell.</summary>
    public double[,] ShortEntryWeighted { get; }

    /// <summary>Cumulative long notional from the current price down to each bin (0 at and above the price).</summary>
    public double[] CumulativeLongUsd { get; }

    /// <summary>Cumulative short notional from the current price up to each bin (0 at and below the price).</summary>
    public double[] CumulativeShortUsd { get; }

    /// <summary>Notional whose liquidation price fell outside the bins (or had none), USD.</summary>
    public double OutOfRangeUsd { get; private set; }

    /// <summary>Row of a leverage tier.</summary>
    /// <exception cref="KeyNotFoundException">Not a tier of this map.</exception>
    public int TierIndex(int leverage) => _tierIndex.TryGetValue(leverage, out var i) ? i
        : throw new KeyNotFoundException($"Leverage {leverage}x is not a tier of this map ({string.Join(", ", Leverages)}).");

    /// <summary>Adds notional at a liquidation price (allocation-free).</summary>
    public void Add(PositionSide side, int tierIndex, double liquidationPrice, double notionalUsd, double entryPrice)
    {
        var bin = Bins.IndexOf(liquidationPrice);
        if (bin < 0)
        {
            OutOfRangeUsd += notionalUsd;
            return;
        }
        if (side == PositionSide.Long)
        {
            LongUsd[tierIndex, bin] += notionalUsd;
            LongEntryWeighted[tierIndex, bin] += notionalUsd * entryPrice;
        }
        else
        {
            ShortUsd[tierIndex, bin] += notionalUsd;
            ShortEntryWeighted[tierIndex, bin] += notionalUsd * entryPrice;
        }
    }

    /// <summary>Total long (or short) notional in bin <paramref name="bin"/> over all tiers.</summary>
    public double BinTotal(PositionSide side, int bin)
    {
        var a = side == PositionSide.Long ? LongUsd : ShortUsd;
        var s = 0.0;
        for (var t = 0; t < Leverages.Count; t++) s += a[t, bin];
        return s;
    }

    /// <summary>Fills the cumulative curves from the volumes.</summary>
    public void ComputeCumulative()
    {
        var run = 0.0;
        for (var i = Bins.Count - 1; i >= 0; i--)
        {
            if (Bins.Center(i) < CurrentPrice) run += BinTotal(PositionSide.Long, i);
            CumulativeLongUsd[i] = Bins.Center(i) < CurrentPrice ? run : 0;
        }
        run = 0.0;
        for (var i = 0; i < Bins.Count; i++)
        {
            if (Bins.Center(i) > CurrentPrice) run += BinTotal(PositionSide.Short, i);
            CumulativeShortUsd[i] = Bins.Center(i) > CurrentPrice ? run : 0;
        }
    }

    /// <summary>Non-empty cells as levels at bin centres, with the cell's notional-weighted entry price.</summary>
    public IReadOnlyList<PredictedLiquidationLevel> ToLevels(string model, LeverageMix mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        var weights = mix.Tiers.ToDictionary(t => t.Leverage, t => t.Weight);
        var list = new List<PredictedLiquidationLevel>();
        for (var t = 0; t < Leverages.Count; t++)
        for (var b = 0; b < Bins.Count; b++)
        {
            var w = weights.GetValueOrDefault(Leverages[t]);
            if (LongUsd[t, b] > 0)
                list.Add(new(Bins.Center(b), LongUsd[t, b], PositionSide.Long, Leverages[t], model, w, LongEntryWeighted[t, b] / LongUsd[t, b]));
            if (ShortUsd[t, b] > 0)
                list.Add(new(Bins.Center(b), ShortUsd[t, b], PositionSide.Short, Leverages[t], model, w, ShortEntryWeighted[t, b] / ShortUsd[t, b]));
        }
        return list;
    }

    /// <summary>Builds a map from levels (e.g. of any model) on the given axis.</summary>
    public static LiquidationMap FromLevels(IEnumerable<PredictedLiquidationLevel> levels, PriceBins bins, double currentPrice, IReadOnlyList<int> leverages)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var map = new LiquidationMap(bins, currentPrice, leverages);
        foreach (var l in levels) map.Add(l.Side, map.TierIndex(l.Leverage), l.Price, l.NotionalUsd, l.EntryPrice);
        map.ComputeCumulative();
        return map;
    }
}
