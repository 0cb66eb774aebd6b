using LiquidationLab.Core.Binning;

namespace LiquidationLab.Core.Backtesting;

/// <summary>
/// Puts a model's map on the price grid of a publisher's true levels, so both are compared bucket for bucket: the true
/// levels come as notional per price bucket (e.g. buckets 1.2 % of the price wide), the model's map as open notional per
/// finer bin.
/// </summary>
public static class TrueLevelGrid
{
    /// <summary>
    /// The publisher's buckets as price bins: width = the smallest gap between distinct bucket prices (and between the
    /// reference price and the nearest bucket, doubled: buckets are centred half a width off the price), centred on the
    /// bucket prices, covering <paramref name="maxDistance"/> of the reference price on both sides.
    /// </summary>
    /// <param name="referencePrice">The price of the snapshot, &gt; 0.</param>
    /// <param name="bucketPrices">The buckets' prices (any order; repeats allowed), &gt; 0.</param>
    /// <param name="maxDistance">Fraction of the price the grid covers each side, in (0, 1].</param>
    /// <returns>The bins, or null when fewer than one distinct bucket price is given or the buckets have no positive gap.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive or non-finite reference or bucket price, or a distance outside (0, 1].</exception>
    public static PriceBins? BucketBins(double referencePrice, IReadOnlyList<double> bucketPrices, double maxDistance)
    {
        ArgumentNullException.ThrowIfNull(bucketPrices);
        if (!(referencePrice > 0) || !double.IsFinite(referencePrice))
            throw new ArgumentOutOfRangeException(nameof(referencePrice), referencePrice, "The reference price must be a finite price > 0.");
        if (!(maxDistance > 0 && maxDistance <= 1)) throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, "Must be within (0, 1].");
        foreach (var p in bucketPrices)
            if (!(p > 0) || !double.IsFinite(p)) throw new ArgumentOutOfRangeException(nameof(bucketPrices), p, "Bucket prices must be finite and > 0.");
        var prices = bucketPrices.Distinct().Order().ToArray();
        if (prices.Length == 0) return null;
        var width = double.PositiveInfinity;
        for (var i = 1; i < prices.Length; i++) width = Math.Min(width, prices[i] - prices[i - 1]);
        // The bucket nearest the price sits half a width from it when the publisher's edges start at the price.
        var nearest = prices.Min(p => Math.Abs(p - referencePrice));
        if (nearest > 0) width = Math.Min(width, 2 * nearest);
        if (!(width > 0) || !double.IsFinite(width)) return null;
        // Edges at anchor ± k·width with the anchor half a width below a bucket price: every bucket price is a bin centre.
        var anchor = prices[0] - width / 2;
        var low = referencePrice * (1 - maxDistance);
        var high = referencePrice * (1 + maxDistance);
        var first = Math.Floor((low - anchor) / width);
        var last = Math.Ceiling((high - anchor) / width);
        var count = (int)(last - first);
        if (count < 1 || count > 100_000) return null;
        return new PriceBins(anchor + first * width, width, count);
    }

    /// <summary>
    /// Moves a density from one price grid onto another, splitting each source bin's mass by the length of its overlap
    /// with each target bin (mass outside the target grid is dropped): the total within the overlap is kept exactly.
    /// </summary>
    /// <param name="from">The source bins.</param>
    /// <param name="density">Mass per source bin (length <c>from.Count</c>), ≥ 0.</param>
    /// <param name="to">The target bins.</param>
    /// <returns>Mass per target bin.</returns>
    /// <exception cref="ArgumentException">A density of the wrong length.</exception>
    public static double[] Rebin(PriceBins from, ReadOnlySpan<double> density, PriceBins to)
    {
        if (density.Length != from.Count) throw new ArgumentException($"{density.Length} values for {from.Count} source bins.", nameof(density));
        var result = new double[to.Count];
        if (to.Count == 0) return result;
        for (var i = 0; i < from.Count; i++)
        {
            var mass = density[i];
            if (mass == 0) continue;
            double lo = from.Lower(i), hi = lo + from.Width;
            var j = (int)Math.Floor((lo - to.LowerEdge) / to.Width);
            for (j = Math.Max(j, 0); j < to.Count; j++)
            {
                var tl = to.Lower(j);
                if (tl >= hi) break;
                var overlap = Math.Min(hi, tl + to.Width) - Math.Max(lo, tl);
                if (overlap > 0) result[j] += mass * overlap / from.Width;
            }
        }
        return result;
    }
}
