using LiquidationLab.Core.Binning;

namespace LiquidationLab.Core.Heatmaps;

/// <summary>
/// A time × price grid of values (e.g. open liquidation notional in USD per price bin at each time).
/// <see cref="Values"/> is <c>double[priceBins, timeBins]</c>: row 0 is the lowest price bin, column j the time bin
/// starting at <c>Times[j]</c>.
/// </summary>
public sealed class TimePriceGrid
{
    /// <summary>Creates a zero grid.</summary>
    /// <exception cref="ArgumentException">No time bins.</exception>
    public TimePriceGrid(PriceBins price, IReadOnlyList<DateTime> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count == 0) throw new ArgumentException("A grid needs at least one time bin.", nameof(times));
        Price = price;
        Times = times;
        Values = new double[price.Count, times.Count];
    }

    /// <summary>The price axis.</summary>
    public PriceBins Price { get; }

    /// <summary>Start time (UTC) of each time bin, increasing.</summary>
    public IReadOnlyList<DateTime> Times { get; }

    /// <summary>Values, <c>[priceBin, timeBin]</c>, row 0 = lowest price.</summary>
    public double[,] Values { get; }

    /// <summary>Sum over price of column <paramref name="timeBin"/>.</summary>
    public double ColumnTotal(int timeBin)
    {
        var s = 0.0;
        for (var p = 0; p < Price.Count; p++) s += Values[p, timeBin];
        return s;
    }

    /// <summary>Largest value in the grid (0 for an all-zero grid).</summary>
    public double Max()
    {
        var m = 0.0;
        foreach (var v in Values) if (v > m) m = v;
        return m;
    }
}
