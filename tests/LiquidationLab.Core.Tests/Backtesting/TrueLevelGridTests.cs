using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;

namespace LiquidationLab.Core.Tests.Backtesting;

/// <summary>A model's map moved onto a publisher's buckets.</summary>
public sealed class TrueLevelGridTests
{
    [Fact]
    public void The_publishers_buckets_become_bins_centred_on_their_prices_covering_the_range()
    {
        // kittycapital's BTC buckets of 2026-01-26: 1.2 % of the price (87,848) apart, half a bucket off the price.
        const double price = 87_848, step = price * 0.012;
        double[] buckets = [price - 1.5 * step, price - 2.5 * step, price + 0.5 * step, price + 1.5 * step, price + 6.5 * step];
        var bins = TrueLevelGrid.BucketBins(price, buckets, 0.15)!.Value;
        Assert.Equal(step, bins.Width, 6);
        foreach (var b in buckets) Assert.Equal(b, bins.Center(bins.IndexOf(b)), 6);
        Assert.True(bins.LowerEdge <= price * 0.85 && bins.UpperEdge >= price * 1.15, $"{bins.LowerEdge} – {bins.UpperEdge}");
        Assert.True(bins.LowerEdge > price * 0.85 - step && bins.UpperEdge < price * 1.15 + step, $"{bins.LowerEdge} – {bins.UpperEdge}");
        // The price itself is an edge: no bucket straddles it.
        var edges = (price - bins.LowerEdge) / step;
        Assert.Equal(Math.Round(edges), edges, 6);
    }

    [Fact]
    public void One_bucket_takes_twice_its_distance_from_the_price_as_width_and_no_bucket_gives_no_grid()
    {
        var bins = TrueLevelGrid.BucketBins(100, [101, 101], 0.1)!.Value;
        Assert.Equal(2, bins.Width, 12);
        Assert.Equal(101, bins.Center(bins.IndexOf(101)), 12);
        Assert.Null(TrueLevelGrid.BucketBins(100, [], 0.1));
        Assert.Null(TrueLevelGrid.BucketBins(100, [100], 0.1)); // a bucket at the price: no positive width
        Assert.Throws<ArgumentOutOfRangeException>(() => TrueLevelGrid.BucketBins(0, [1], 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrueLevelGrid.BucketBins(100, [double.NaN], 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrueLevelGrid.BucketBins(100, [99], 1.5));
    }

    [Fact]
    public void Rebinning_splits_each_bin_by_overlap_and_keeps_the_mass_inside_the_target()
    {
        var from = new PriceBins(0, 1, 4);   // [0,1) [1,2) [2,3) [3,4)
        var to = new PriceBins(0.5, 2, 2);   // [0.5,2.5) [2.5,4.5)
        var result = TrueLevelGrid.Rebin(from, [4, 8, 2, 6], to);
        // [0,1): half inside the first target (2), half outside (dropped); [1,2) all in the first (8); [2,3) half and half (1, 1); [3,4) in the second (6).
        Assert.Equal(new[] { 2 + 8 + 1.0, 1 + 6.0 }, result);
        Assert.Throws<ArgumentException>(() => TrueLevelGrid.Rebin(from, [1, 2], to));
    }

    [Fact]
    public void Rebinning_onto_the_same_grid_is_the_identity_and_a_finer_grid_spreads_evenly()
    {
        var bins = new PriceBins(100, 5, 3);
        Assert.Equal(new[] { 1.0, 2, 3 }, TrueLevelGrid.Rebin(bins, [1, 2, 3], bins));
        var finer = TrueLevelGrid.Rebin(bins, [1, 2, 3], new PriceBins(100, 2.5, 6));
        Assert.Equal(new[] { 0.5, 0.5, 1, 1, 1.5, 1.5 }, finer);
    }
}
