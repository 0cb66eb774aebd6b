namespace LiquidationLab.Core.Binning;

/// <summary>
/// Equal-width price bins. Bin <c>i</c> covers the half-open interval <c>[LowerEdge + i·Width, LowerEdge + (i+1)·Width)</c>;
/// bin 0 is the lowest price. Prices outside <c>[LowerEdge, UpperEdge)</c> have no bin (<see cref="IndexOf"/> returns −1).
/// </summary>
/// <param name="LowerEdge">Lower edge of bin 0, quote currency.</param>
/// <param name="Width">Bin width, &gt; 0.</param>
/// <param name="Count">Number of bins, ≥ 1.</param>
public readonly record struct PriceBins(double LowerEdge, double Width, int Count)
{
    /// <summary>Upper edge of the last bin (exclusive).</summary>
    public double UpperEdge => LowerEdge + Width * Count;

    /// <summary>The bin holding <paramref name="price"/>, or −1 outside the range (and for NaN).</summary>
    public int IndexOf(double price)
    {
        if (!(price >= LowerEdge) || price >= UpperEdge) return -1;
        var i = (int)((price - LowerEdge) / Width);
        return i < Count ? i : Count - 1; // guards floating-point rounding at the top edge
    }

    /// <summary>Lower edge of bin <paramref name="index"/>.</summary>
    public double Lower(int index) => LowerEdge + index * Width;

    /// <summary>Centre of bin <paramref name="index"/>.</summary>
    public double Center(int index) => LowerEdge + (index + 0.5) * Width;

    /// <summary>Bin centres, lowest first.</summary>
    public double[] Centers()
    {
        var c = new double[Count];
        for (var i = 0; i < Count; i++) c[i] = Center(i);
        return c;
    }

    /// <summary>
    /// Fixed-width bins aligned to multiples of <paramref name="width"/> covering <paramref name="min"/>..<paramref name="max"/>
    /// (both included).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive or non-finite width, or min &gt; max, or a non-finite bound,
    /// or more bins than <see cref="int.MaxValue"/> (check <see cref="FixedWidthCount"/> first to bound the allocation).</exception>
    public static PriceBins FixedWidth(double min, double max, double width)
    {
        var count = FixedWidthCount(min, max, width);
        if (!(count <= int.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(width), width, $"Bin width {width} over [{min}, {max}] makes {count:E3} bins, more than can be counted.");
        return new PriceBins(Math.Floor(min / width) * width, width, Math.Max(1, (int)count));
    }

    /// <summary>
    /// How many bins <see cref="FixedWidth"/> would make over <paramref name="min"/>..<paramref name="max"/>, as a double
    /// (it may exceed <see cref="int.MaxValue"/>; infinity when the width is too small to step through the range), computed
    /// without allocating: callers bound their memory with it before building anything.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive or non-finite width, or min &gt; max, or a non-finite bound.</exception>
    public static double FixedWidthCount(double min, double max, double width)
    {
        if (!(width > 0) || double.IsInfinity(width)) throw new ArgumentOutOfRangeException(nameof(width), width, "Bin width must be a positive finite number.");
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentOutOfRangeException(nameof(min), $"Need finite min ≤ max, got [{min}, {max}].");
        var lower = Math.Floor(min / width) * width;
        var count = Math.Floor((max - lower) / width) + 1;
        // A width below the doubles' spacing at these prices cannot step through the range (lower + i·width == lower).
        if (!double.IsFinite(lower) || !double.IsFinite(count) || lower + width == lower) return double.PositiveInfinity;
        return Math.Max(1, count);
    }

    /// <summary>
    /// py-liquidation-map's dynamic precision: <c>digits = 2 − ceil(log10(max − min))</c>; prices are rounded to
    /// <c>digits</c> decimals, i.e. bins of width <c>10^(−digits)</c> (e.g. a 5,000-wide BTC range → digits −2 → width 100).
    /// A zero-width range uses digits 2.
    /// </summary>
    public static int DynamicPrecisionDigits(double min, double max) =>
        max > min ? 2 - (int)Math.Ceiling(Math.Log10(max - min)) : 2;

    /// <summary>Bins with the dynamic precision of <see cref="DynamicPrecisionDigits"/>.</summary>
    public static PriceBins DynamicPrecision(double min, double max) =>
        FixedWidth(min, max, Math.Pow(10, -DynamicPrecisionDigits(min, max)));

    /// <summary>
    /// Bins of a "nice" width (1, 2 or 5 × 10^k) giving about <paramref name="targetCount"/> bins over the range.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">targetCount &lt; 1, or an invalid range.</exception>
    public static PriceBins Nice(double min, double max, int targetCount = 250)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetCount, 1);
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentOutOfRangeException(nameof(min), $"Need finite min ≤ max, got [{min}, {max}].");
        var raw = max > min ? (max - min) / targetCount : Math.Max(Math.Abs(max), 1) * 1e-3;
        var exp = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var m = raw / exp;
        var width = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * exp;
        return FixedWidth(min, max, width);
    }
}
