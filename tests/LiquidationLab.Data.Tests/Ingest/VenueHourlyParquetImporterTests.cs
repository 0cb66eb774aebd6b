using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>
/// The group-m multi-venue hourly Parquet importer, on rows copied from the real files (candles@64385d3.parquet,
/// open_interest@64385d3.parquet; sources in data/real/SOURCES.md), written to Parquet in the files' own schema.
/// </summary>
public sealed class VenueHourlyParquetImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private const string CandleRows = """
        (TIMESTAMPTZ '2025-12-04 06:00:00+00', 'binance', 'BTC', 93120.0, 93200.0, 93050.0, 93103.1, 5104.689),
        (TIMESTAMPTZ '2025-12-04 07:00:00+00', 'binance', 'BTC', 93103.1, 93400.0, 93100.0, 93358.6, 3283.133),
        (TIMESTAMPTZ '2025-12-04 06:00:00+00', 'okx', 'ETH', 3180.0, 3190.0, 3170.0, 3185.0, 73962.13),
        (TIMESTAMPTZ '2025-12-04 06:00:00+00', 'kraken', 'BTC', 93110.0, 93210.0, 93040.0, 93100.0, 0.8577)
        """;

    private string Parquet(string name, string select)
    {
        var path = Path.Combine(_t.Directory, name);
        using var scratch = new TempStore();
        scratch.Store.Execute($"COPY ({select}) TO {Sql.Literal(path)} (FORMAT parquet)");
        return path;
    }

    private string Candles(string name, string rows) =>
        Parquet(name, $"SELECT * FROM (VALUES {rows}) AS t(timestamp, venue, coin, o, h, l, c, v)");

    [Fact]
    public void Candles_and_open_interest_are_detected_from_their_columns_and_stored_with_their_venue()
    {
        var r = _t.Ingestor.IngestFile(Candles("candles.parquet", CandleRows));
        Assert.Equal("venue-hourly-parquet", r.Kind);
        Assert.Equal(4, _t.Count("klines", "interval = '1h' AND market = 'perp'"));
        Assert.Equal(1, _t.Count("klines", "venue = 'binance-usdm' AND symbol = 'BTCUSDT' AND open_time = TIMESTAMP '2025-12-04 07:00:00' AND close = 93358.6 AND volume = 3283.133"));
        Assert.Equal(1, _t.Count("klines", "venue = 'okx-swap' AND symbol = 'ETH-USDT-SWAP'"));
        Assert.Equal(1, _t.Count("klines", "venue = 'kraken' AND symbol = 'BTC'"));

        var oi = _t.Ingestor.IngestFile(Parquet("oi.parquet",
            "SELECT * FROM (VALUES (TIMESTAMPTZ '2025-12-07 11:00:00+00', 'hyperliquid', 'BTC', 1934030909.9089077), " +
            "(TIMESTAMPTZ '2026-03-07 10:49:34.593186+00', 'binance', 'BTC', 5733637000.093123)) AS t(timestamp, venue, coin, oi_usd)"));
        Assert.Equal("venue-hourly-parquet", oi.Kind);
        Assert.Equal(1, _t.Count("open_interest", "venue = 'hyperliquid' AND symbol = 'BTC' AND interval = '1h' AND source = 'group-m-hourly' AND oi_usd = 1934030909.9089077"));
        Assert.Equal(1, _t.Count("open_interest", "venue = 'binance-usdm' AND interval = 'snapshot'"));

        // The same bars in another file add nothing.
        Assert.Equal(0, _t.Ingestor.IngestFile(Candles("again.parquet", CandleRows + ",\n(TIMESTAMPTZ '2025-12-04 06:00:00+00', 'okx', 'ETH', 3180.0, 3190.0, 3170.0, 3185.0, 73962.13)")).Rows);
    }

    [Theory]
    [InlineData("93358.6, 3283.133)", "-1.0, 3283.133)", "field c")]
    [InlineData("'kraken', 'BTC'", "'../etc', 'BTC'", "row 4: field venue: '../etc' is not 1–20 letters or digits")]
    [InlineData("'okx', 'ETH'", "'okx', 'ETH;DROP'", "row 3: field coin: 'ETH;DROP'")]
    public void A_bad_row_refuses_the_file_naming_the_field_and_leaves_the_store_as_it_was(string from, string to, string expected)
    {
        var before = _t.Fingerprint();
        var rows = CandleRows.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(CandleRows, rows);
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(Candles("bad.parquet", rows)));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), e.Message);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void A_parquet_table_of_other_columns_is_not_taken_for_one()
    {
        var path = Parquet("other.parquet", "SELECT 1 AS a, 'x' AS b");
        Assert.Null(new LiquidationLab.Data.Ingest.Hyperliquid.VenueHourlyParquetImporter().CanImport(FileProbe.Read(path)) ? "taken" : null);
    }

    [Fact]
    public void Candles_of_a_symbol_two_venues_share_are_read_once_per_hour_from_binance()
    {
        _t.Ingestor.IngestFile(Candles("two-venues.parquet",
            "(TIMESTAMPTZ '2025-12-04 06:00:00+00', 'bybit', 'BTC', 93110.0, 93190.0, 93040.0, 93098.0, 2882.755), " +
            "(TIMESTAMPTZ '2025-12-04 06:00:00+00', 'binance', 'BTC', 93120.0, 93200.0, 93050.0, 93103.1, 5104.689), " +
            "(TIMESTAMPTZ '2025-12-04 07:00:00+00', 'bybit', 'BTC', 93098.0, 93390.0, 93090.0, 93350.0, 3001.5)"));
        var candles = new LiquidationLab.Data.Query.MarketDataReader(_t.Store).Candles("BTCUSDT", "1h",
            new DateTime(2025, 12, 4, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 12, 5, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal([93103.1, 93350.0], candles.Select(c => c.Close)); // Binance's bar at 06:00, Bybit's where Binance has none
    }
}
