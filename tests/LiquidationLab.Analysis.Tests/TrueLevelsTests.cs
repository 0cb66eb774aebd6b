using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>Our map against true levels through the application layer, on a store the test writes.</summary>
public sealed class TrueLevelsTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _store = new();

    public TrueLevelsTests()
    {
        // Ten days of hourly Binance BTCUSDT perp candles on a slow sine; Hyperliquid's BTC open interest rising with noise (no
        // BTCUSDT open interest: the Binance map cannot be built).
        for (var i = 0; i < 240; i++)
        {
            var t = T0.AddHours(i);
            var close = 90_000 + 2_500 * Math.Sin(i / 20.0);
            var open = 90_000 + 2_500 * Math.Sin((i - 1) / 20.0);
            _store.Store.Execute("INSERT INTO klines VALUES ('binance-usdm', 'BTCUSDT', 'perp', '1h', $1, $2, $3, $4, $5, 10, 900000, 100, 5, 450000, 1)",
                t, open, Math.Max(open, close) + 200, Math.Min(open, close) - 200, close);
            _store.Store.Execute("INSERT INTO open_interest VALUES ('hyperliquid', 'BTC', 'group-m-hourly', '1h', $1, NULL, $2, NULL, NULL, NULL, 2)",
                t, 2e9 + 5e6 * i + 3e7 * Math.Sin(i / 3.0));
        }
        // Three snapshots (10:42 on days 5, 6, 7) of buckets 1 % apart, half a bucket off the price, longs and shorts.
        foreach (var day in new[] { 5, 6, 7 })
        {
            var time = T0.AddDays(day).AddHours(10).AddMinutes(42);
            const double price = 90_000, step = 900;
            foreach (var (side, k, leverage, value) in new[] { ("long", -1.5, 50, 4e6), ("long", -4.5, 25, 9e6), ("long", -9.5, 10, 1e6), ("short", 0.5, 50, 2e6), ("short", 3.5, 25, 5e6) })
                _store.Store.Execute("INSERT INTO position_level_buckets VALUES ($1, 'hyperliquid', 'kittycapital-hl-top-traders', 'BTC', $2, $3, $4, $5, $6, 100, NULL, 3)",
                    time, price, side, price + k * step, leverage, value * (1 + 0.1 * day));
        }
    }

    public void Dispose() => _store.Dispose();

    private LiquidationAnalysis Analysis() => new(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate());

    [Fact]
    public void Each_snapshot_is_scored_against_the_models_inventory_of_the_last_hour_closed_before_it()
    {
        var result = Analysis().TrueLevels(new TrueLevelsQuery("btc", WarmupDays: 3, Settings: new TrueLevelSettings(Resamples: 200, BlockSnapshots: 1)));
        Assert.Equal("hyperliquid", result.Venue);
        Assert.Equal(3, result.SnapshotTimes.Count);
        var hyperliquid = result.Maps.Single(m => m.Name == "model on Hyperliquid OI");
        Assert.Null(hyperliquid.Unavailable);
        Assert.Contains("hyperliquid BTC 1h (group-m-hourly", hyperliquid.OpenInterest, StringComparison.Ordinal);
        Assert.Contains("Hyperliquid margin tables", hyperliquid.Candles, StringComparison.Ordinal);
        // The turnover map follows the same OI with positions that turn over; it is scored on the same snapshots.
        var turnover = result.Maps.Single(m => m.Name == "turnover model on Hyperliquid OI");
        Assert.Null(turnover.Unavailable);
        Assert.Equal(3, turnover.Snapshots.Count);
        Assert.NotEqual(hyperliquid.Snapshots[0].ModelDensity, turnover.Snapshots[0].ModelDensity);
        Assert.Equal(3, hyperliquid.Snapshots.Count);
        Assert.NotNull(hyperliquid.Report);

        // The same model run by hand from three days before the first snapshot: the snapshot at day 5 10:42 takes the column of
        // the 09:00 candle (closed at 10:00), moved onto the buckets.
        var first = result.SnapshotTimes[0];
        var candles = new MarketDataReader(_store.Store).Candles("BTCUSDT", "1h", first.AddDays(-3), result.SnapshotTimes[^1], "perp", "BTC");
        var run = new TimeEvolvingModel(candlesPerColumn: 1).Run(candles, Analysis().Venues.Get(Core.Margin.Venues.Venue.Hyperliquid, "BTC"));
        var column = Array.FindIndex(candles, c => c.OpenTime == T0.AddDays(5).AddHours(9));
        Assert.True(column > 0); // the 10:00 candle had not closed at 10:42
        var density = Enumerable.Range(0, run.Heatmap!.Price.Count).Select(p => run.Heatmap.Values[p, column]).ToArray();
        var snapshot = hyperliquid.Snapshots[0];
        Assert.Equal(900, snapshot.Bins.Width, 6);
        Assert.Equal(TrueLevelGrid.Rebin(run.Heatmap.Price, density, snapshot.Bins), snapshot.ModelDensity);
        Assert.True(snapshot.ModelDensity.Sum() > 0);

        // The per-snapshot rows are TrueLevelScoring's, and the pooled report is its Score of the same snapshots.
        var longs = TrueLevelScoring.ScoreSide(snapshot, PositionSide.Long, new TrueLevelSettings(Resamples: 200, BlockSnapshots: 1))!.Value;
        var row = hyperliquid.PerSnapshot.Single(r => r.Time == first && r.Side == PositionSide.Long);
        Assert.Equal(longs.ModelShare, row.ModelShare);
        Assert.Equal(longs.NearestShare, row.NearestShare);
        Assert.Equal(3, hyperliquid.Report!.Long!.Snapshots);

        // The real mix: 50x holds (4 + 2) / (4 + 9 + 1 + 2 + 5) of every snapshot's notional.
        Assert.Equal(6.0 / 21, result.RealLeverageMix.Single(x => x.Leverage == 50).Share, 12);
        Assert.Equal(1, result.RealLeverageMix.Sum(x => x.Share), 12);
    }

    [Fact]
    public void A_map_without_open_interest_says_so_and_the_other_is_still_scored()
    {
        var result = Analysis().TrueLevels(new TrueLevelsQuery("BTC", WarmupDays: 3, Settings: new TrueLevelSettings(Resamples: 200)));
        var binance = result.Maps.Single(m => m.Name == "model on Binance OI");
        Assert.Contains("0 with BTCUSDT open interest", binance.Unavailable, StringComparison.Ordinal);
        Assert.Null(binance.Report);
        Assert.Empty(binance.Snapshots);
        Assert.Contains("none", binance.OpenInterest, StringComparison.Ordinal);
        Assert.NotNull(result.SummaryFigure());
        Assert.NotNull(result.SnapshotFigure(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.SnapshotFigure(3));
    }

    [Fact]
    public void Bad_queries_name_their_parameter_and_too_few_snapshots_is_no_data()
    {
        var analysis = Analysis();
        Assert.Equal("coin", Assert.Throws<QueryParameterException>(() => analysis.TrueLevels(new TrueLevelsQuery("BT C"))).Parameter);
        Assert.Equal("warmup_days", Assert.Throws<QueryParameterException>(() => analysis.TrueLevels(new TrueLevelsQuery(WarmupDays: 0))).Parameter);
        Assert.Equal("warmup_days", Assert.Throws<QueryParameterException>(() => analysis.TrueLevels(new TrueLevelsQuery(WarmupDays: double.NaN))).Parameter);
        Assert.Equal("settings", Assert.Throws<QueryParameterException>(() => analysis.TrueLevels(new TrueLevelsQuery(Settings: new TrueLevelSettings(Zones: 0)))).Parameter);
        Assert.Equal("mix", Assert.Throws<QueryParameterException>(() => analysis.TrueLevels(new TrueLevelsQuery(Mix: "10:x"))).Parameter);
        var one = Assert.Throws<DataUnavailableException>(() => analysis.TrueLevels(new TrueLevelsQuery(Window: new TimeWindow(T0.AddDays(6), T0.AddDays(7)))));
        Assert.Contains("1 kittycapital-hl-top-traders snapshot(s) of BTC", one.Message, StringComparison.Ordinal);
        Assert.Throws<DataUnavailableException>(() => analysis.TrueLevels(new TrueLevelsQuery("ETH")));
    }
}
