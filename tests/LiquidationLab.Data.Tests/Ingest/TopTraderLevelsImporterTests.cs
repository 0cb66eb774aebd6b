using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Ingest.Hyperliquid;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>
/// The Hyperliquid top-trader levels importer (<c>position_level_buckets</c>) and its reader, on lines cut from the real
/// kittycapital snapshots (lines 2 and 5 of the file, fewer buckets and coins; sources in data/real/SOURCES.md).
/// </summary>
public sealed class TopTraderLevelsImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    // Line 2 (BTC only, the two long buckets nearest the price and the two short ones) and line 5 (ETH, one short bucket
    // held by two leverage classes).
    private const string Btc = """{"commit": "9c67cba790a53a576332942adda8cb9f3daa65cb", "commit_unix": 1769424558, "lastUpdated": "2026-01-26T10:49:18.766740Z", "tradersCount": 100, "coins": {"BTC": {"currentPrice": 87888.0, "longLiquidations": [{"price": 85251.36, "value": 22460640.847949, "cumulative": 29030520.847949, "10x": 0, "25x": 0, "50x": 22460640.847949, "100x": 0}, {"price": 86306.02, "value": 6569880.0, "cumulative": 6569880.0, "10x": 0, "25x": 0, "50x": 6569880.0, "100x": 0}], "shortLiquidations": [{"price": 88415.33, "value": 253242.37691999998, "cumulative": 253242.37691999998, "10x": 0, "25x": 0, "50x": 253242.37691999998, "100x": 0}, {"price": 89469.98, "value": 8112305.305574, "cumulative": 8365547.682494, "10x": 0, "25x": 0, "50x": 8112305.305574, "100x": 0}], "totalLongValue": 83962512.07391798, "totalShortValue": 163149493.04127002, "positionCount": 30}}}""";

    private const string Eth = """{"commit": "0000000000000000000000000000000000000005", "commit_unix": 1769555800, "lastUpdated": "2026-01-27T23:16:40.215888Z", "tradersCount": 200, "coins": {"ETH": {"currentPrice": 3017.8, "longLiquidations": [], "shortLiquidations": [{"price": 3832.61, "value": 18021610.039678, "cumulative": 23080755.822045, "10x": 10703241.265486, "25x": 7318368.774192001, "50x": 0, "100x": 0}], "totalLongValue": 0, "totalShortValue": 18021610.039678, "positionCount": 12}}}""";

    private static readonly DateTime BtcTime = new DateTime(2026, 1, 26, 10, 49, 18, DateTimeKind.Utc).AddTicks(7_667_400);

    [Fact]
    public void Top_trader_levels_are_detected_stored_per_bucket_and_leverage_class_and_read_back_at_a_time()
    {
        var r = _t.Ingestor.IngestFile(_t.Write("hl/levels.jsonl", Btc + "\n" + Eth + "\n"));
        Assert.Equal("hyperliquid-top-trader-levels", r.Kind);
        Assert.Equal(6, _t.Count("position_level_buckets")); // 4 BTC buckets of one class, 1 ETH bucket of two
        Assert.Equal(2, _t.Count("position_level_buckets",
            "coin = 'ETH' AND liquidated_side = 'short' AND price = 3832.61 AND trader_count = 200 AND position_count = 12 AND venue = 'hyperliquid'"));
        Assert.Equal(1, _t.Count("position_level_buckets", "coin = 'ETH' AND leverage_class = 10 AND value_usd = 10703241.265486"));

        var reader = new MarketDataReader(_t.Store);
        var at = reader.PositionLevelsAt("BTC", new DateTime(2026, 1, 26, 12, 0, 0, DateTimeKind.Utc), TopTraderLevelsImporter.Source);
        Assert.NotNull(at);
        Assert.Equal(BtcTime, at.Time);
        Assert.Equal((87888.0, 100, 30), (at.ReferencePrice, at.TraderCount, at.PositionCount));
        Assert.Equal([85251.36, 86306.02, 88415.33, 89469.98], at.Buckets.Select(b => b.Price));
        Assert.Equal(["long", "long", "short", "short"], at.Buckets.Select(b => b.LiquidatedSide));
        Assert.All(at.Buckets, b => Assert.Equal(50, b.LeverageClass));
        Assert.Equal(22460640.847949 + 6569880.0, at.TotalUsd("long"), 6);

        // Before the first snapshot there is none; a snapshot older than maxAge is not "the levels at" that time.
        Assert.Null(reader.PositionLevelsAt("BTC", BtcTime.AddTicks(-10), TopTraderLevelsImporter.Source));
        Assert.Null(reader.PositionLevelsAt("BTC", BtcTime.AddHours(2), TopTraderLevelsImporter.Source, TimeSpan.FromHours(1)));
        Assert.Equal(18021610.039678, reader.PositionLevelsAt("ETH", BtcTime.AddDays(3), TopTraderLevelsImporter.Source)!.TotalUsd("short"), 6);
        Assert.Equal([BtcTime], reader.PositionLevelTimes("BTC", TopTraderLevelsImporter.Source, BtcTime.AddDays(-1), BtcTime.AddDays(1)));
    }

    [Fact]
    public void A_snapshot_another_file_already_brought_is_not_stored_twice()
    {
        _t.Ingestor.IngestFile(_t.Write("hl/a.jsonl", Btc + "\n"));
        var again = _t.Ingestor.IngestFile(_t.Write("hl/b.jsonl", Btc + "\n" + Eth + "\n" + Eth + "\n"));
        Assert.Equal(2, again.Rows); // only the ETH snapshot, once
        Assert.Equal(6, _t.Count("position_level_buckets"));
    }

    [Theory]
    [InlineData("\"50x\": 22460640.847949", "\"50x\": 1", "line 1: field coins.BTC.longLiquidations[0].value: 22460640.847949 is not the sum of its leverage classes")]
    [InlineData("\"price\": 85251.36", "\"price\": \"85251.36\"", "line 1: field coins.BTC.longLiquidations[0].price: expected a number")]
    [InlineData("\"price\": 85251.36", "\"price\": 90000", "line 1: field coins.BTC.longLiquidations[0].price: 90000 is at or above currentPrice 87888")]
    [InlineData("\"price\": 88415.33", "\"price\": -5", "line 1: field coins.BTC.shortLiquidations[0].price: -5 is not a finite positive number")]
    [InlineData("\"10x\": 0, \"25x\": 0, \"50x\": 6569880.0", "\"10x\": 1e400, \"25x\": 0, \"50x\": 6569880.0", "line 1: field coins.BTC.longLiquidations[1].10x: 1e400 is not a finite non-negative number")]
    [InlineData("\"2026-01-26T10:49:18.766740Z\"", "\"1970-01-01T00:00:00Z\"", "line 1: field lastUpdated: 1970-01-01")]
    [InlineData("\"tradersCount\": 100", "\"tradersCount\": -3", "line 1: field tradersCount: -3 is not a whole number")]
    [InlineData("{\"BTC\": {", "{\"../x\": {", "line 1: field coins: '../x' is not a coin name")]
    [InlineData("\"shortLiquidations\": [", "\"shortLiquidations\": 7, \"x\": [", "line 1: field coins.BTC.shortLiquidations: expected an array, found 7")]
    public void A_bad_value_refuses_the_file_naming_line_and_field_and_leaves_the_store_as_it_was(string from, string to, string expected)
    {
        _t.Ingestor.IngestFile(_t.Write("hl/eth.jsonl", Eth + "\n"));
        var before = _t.Fingerprint();
        var bad = Btc.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Btc, bad);
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("hl/bad.jsonl", bad + "\n" + Eth + "\n"), "hyperliquid-top-trader-levels"));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), e.Message);
        Assert.Contains("bad.jsonl", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void A_line_past_the_length_cap_is_refused_naming_the_line()
    {
        var huge = "{\"tradersCount\": 100, \"coins\": {\"longLiquidations\": \"" + new string('x', TopTraderLevelsImporter.MaxLineChars) + "\"}}";
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("hl/huge.jsonl", Btc + "\n" + huge + "\n")));
        Assert.Contains("line 2: longer than", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("position_level_buckets"));
    }

    [Fact]
    public void Data_status_lists_the_level_tables()
    {
        _t.Ingestor.IngestFile(_t.Write("hl/levels.jsonl", Btc + "\n" + Eth + "\n"));
        var status = StoreStatus.Read(_t.Store);
        var buckets = Assert.Single(status, s => s.Table == "position_level_buckets");
        Assert.Equal(6, buckets.Rows);
        Assert.Equal($"{TopTraderLevelsImporter.Source} BTC, {TopTraderLevelsImporter.Source} ETH", buckets.Symbols);
        Assert.Contains(status, s => s.Table == "position_levels" && s.Rows == 0);
    }
}
