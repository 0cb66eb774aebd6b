using System.Security.Cryptography;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Core.Tests.Margin;

namespace LiquidationLab.Core.Tests.Models;

/// <summary>The heatmap model through a venue's <see cref="IMarginModel"/>: Binance's numbers unchanged to the last bit,
/// other venues' tiers used, and one price axis shared by several runs.</summary>
public class VenueHeatmapModelTests
{
    private static Candle[] Walk(int seed, int length)
    {
        var rng = new Random(seed);
        var candles = new Candle[length];
        double price = 60_000, oi = 5e9;
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < length; i++)
        {
            var open = price;
            var close = open * (1 + (rng.NextDouble() - 0.5) * 0.06);
            var high = Math.Max(open, close) * (1 + rng.NextDouble() * 0.02);
            var low = Math.Min(open, close) * (1 - rng.NextDouble() * 0.02);
            oi *= 1 + (rng.NextDouble() - 0.5) * 0.2;
            var volume = rng.NextDouble() < 0.5 ? 100 : double.NaN;
            candles[i] = new Candle(t.AddHours(i), open, high, low, close, volume, volume * rng.NextDouble(), rng.NextDouble() < 0.05 ? double.NaN : oi);
            price = close;
        }
        return candles;
    }

    /// <summary>SHA-256 over the bits of every number a run returns: grid cells, axes, levels, per-period liquidations, totals.</summary>
    private static string Digest(LiquidationModelResult r)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void D(double v) => hash.AppendData(BitConverter.GetBytes(v));
        var g = r.Heatmap!;
        D(g.Price.LowerEdge);
        D(g.Price.Width);
        D(g.Price.Count);
        foreach (var t in g.Times) D(t.Ticks);
        foreach (var v in g.Values) D(v);
        foreach (var l in r.Levels)
        {
            D(l.Price);
            D(l.NotionalUsd);
            D((int)l.Side);
            D(l.Leverage);
            D(l.Confidence);
            D(l.EntryPrice);
        }
        foreach (var p in r.Liquidations!)
        {
            D(p.PeriodStart.Ticks);
            D(p.LongUsd);
            D(p.ShortUsd);
        }
        var totals = r.Totals!.Value;
        D(totals.CreatedUsd);
        D(totals.ConsumedUsd);
        D(totals.ClosedUsd);
        D(totals.OpenUsd);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    // Digests of the model before it took an IMarginModel (commit 19bc141, BulkLiquidationPriceCalculator on the brackets):
    // every grid cell, level, period and total of these runs must stay bit for bit the same.
    [Theory]
    [InlineData(1, 300, 1, "B0DCD957B76E7AC737582439C1C7FC1D6C350D48F6DE2B9074321BD4ED7F1214")]
    [InlineData(7, 1000, 4, "DFBD4B8F2906DE2C643C94E8EAB052D9FE28008D2AF95D602787AEB73319BC15")]
    [InlineData(42, 150, 1, "FD185B13F12C679468094CC4312EE50C6FA4254E2A0044A559FFDD380E69F93B")]
    public void A_Binance_heatmap_is_the_same_in_every_value_as_before_the_margin_models(int seed, int length, int perColumn, string expected)
    {
        var result = new TimeEvolvingModel(candlesPerColumn: perColumn).Run(new MarketWindow("BTCUSDT", Fixtures.BtcUsdt, Walk(seed, length), [], []));
        Assert.Equal(expected, Digest(result));
    }

    [Fact]
    public void Binance_through_its_margin_model_gives_the_window_run_exactly()
    {
        var candles = Walk(3, 400);
        var model = new TimeEvolvingModel();
        var window = model.Run(new MarketWindow("BTCUSDT", Fixtures.BtcUsdt, candles, [], []));
        var margin = model.Run(candles, MarginModels.For(Fixtures.BtcUsdt));
        Assert.Equal(Digest(window), Digest(margin));
    }

    private static MarginTierTable HyperliquidBtc() => MarginTierTableJson.Parse("""
        { "venue": "hyperliquid", "symbol": "BTC", "effectiveDate": "2026-12-08", "source": "test fixture: Hyperliquid BTC margin tiers",
          "tiers": [ { "lowerBound": "0", "maxLeverage": 40 }, { "lowerBound": "150000000", "maxLeverage": 20 } ] }
        """, "fixtures/hyperliquid/BTC.json", Venue.Hyperliquid);

    [Fact]
    public void A_Hyperliquid_position_is_priced_by_its_own_tiers_with_the_mix_capped_at_its_40x()
    {
        var margin = MarginModels.For(HyperliquidBtc());
        var prices = RepresentativeLiquidationPrices.For(margin, 10_000, LeverageMix.Default);
        const double entry = 95_000;
        var q = 10_000 / entry;
        // Mix tiers 5, 10, 25, 50, 100: 50x and 100x become 40x (Hyperliquid's BTC maximum); the price is the venue's formula.
        int[] expectedLeverage = [5, 10, 25, 40, 40];
        for (var k = 0; k < expectedLeverage.Length; k++)
        {
            foreach (var side in new[] { PositionSide.Long, PositionSide.Short })
            {
                var exact = (double)margin.Isolated(side, (decimal)q, (decimal)entry, expectedLeverage[k]).LiquidationPrice;
                Assert.Equal(exact, prices.Isolated((int)side, q, entry, k));
            }
        }
        // 40x long with a 1.25 % maintenance rate: E·(1 − 1/40)/(1 − 0.0125).
        Assert.Equal(entry * (1 - 1.0 / 40) / (1 - 0.0125), prices.Isolated(1, q, entry, 4), 1e-6);

        var candles = Walk(5, 200);
        var binance = new TimeEvolvingModel().Run(candles, MarginModels.For(Fixtures.BtcUsdt));
        var hyperliquid = new TimeEvolvingModel().Run(candles, margin);
        Assert.NotEqual(Digest(binance), Digest(hyperliquid));
    }

    [Fact]
    public void Runs_given_one_price_axis_share_it_whatever_their_candles()
    {
        var a = Walk(11, 120);
        var b = a.Select(c => c with { Low = c.Low * 0.9, High = c.High * 1.1 }).ToArray();
        var model = new TimeEvolvingModel();
        var axis = model.PlanBins(a.Concat(b));
        var ra = model.Run(a, MarginModels.For(Fixtures.BtcUsdt), axis);
        var rb = model.Run(b, MarginModels.For(HyperliquidBtc()), axis);
        Assert.Equal(axis, ra.Heatmap!.Price);
        Assert.Equal(axis, rb.Heatmap!.Price);
        Assert.Equal(model.PlanBins(a), model.Run(a, MarginModels.For(Fixtures.BtcUsdt)).Heatmap!.Price);
        Assert.Throws<ArgumentException>(() => model.PlanBins([]));
    }
}
