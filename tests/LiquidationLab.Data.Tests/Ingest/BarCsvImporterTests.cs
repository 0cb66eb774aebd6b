using LiquidationLab.TestSupport;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Tests.Ingest;

public sealed class BarCsvImporterTests : IDisposable
{
    private const string RegimeHeader =
        "timestamp,datetime_utc,price_open,price_high,price_low,price_close,liquidation_long_usd,liquidation_short_usd,liquidation_total_usd," +
        "funding_open,funding_high,funding_low,funding_close,oi_open,oi_high,oi_low,oi_close,oi_weight_open,oi_weight_high,oi_weight_low," +
        "oi_weight_close,cvd_open,cvd_high,cvd_low,cvd_close";

    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    // 2026-05-25 15:55 UTC = 1779724500000 ms; bars every 300,000 ms.
    private static string Bar(long ms, double close, double funding, double oi, string liq = "0,0,0") =>
        $"{ms},x,{close - 10},{close + 20},{close - 20},{close},{liq},{funding},{funding},{funding},{funding},{oi},{oi},{oi},{oi},{funding},{funding},{funding},{funding},1,1,1,1";

    private string RegimeFile(string name, params string[] rows) =>
        _t.Write(name, RegimeHeader + "\n" + string.Join("\n", rows) + "\n");

    [Fact]
    public void Binance_perp_regime_file_fills_klines_oi_and_funding_change_points_but_never_the_placeholder_liquidations()
    {
        var path = RegimeFile("coinglass_BTC_regime_binance_5m_14d@aaa.csv",
            Bar(1779724500000, 77587.2, 0.00003527, 7.7190e9),
            Bar(1779724800000, 77563.3, 0.00003527, 7.7202e9),
            Bar(1779725100000, 77600.0, 0.00004000, 7.7210e9),
            Bar(1779725400000, 77610.0, 0.00004000, 7.7220e9));
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal(IngestStatus.Ingested, r.Status);
        Assert.Equal("coinglass-regime-binance-perp", r.Kind);
        Assert.Equal(4, _t.Count("klines", "market = 'perp' AND interval = '5m' AND symbol = 'BTCUSDT'"));
        Assert.Equal(4, _t.Count("open_interest", "interval = '5m' AND oi_usd > 7e9"));
        Assert.Equal(2, _t.Count("funding_rates")); // 0.00003527 from the first bar, 0.00004 from the third
        Assert.Equal(0, _t.Count("liquidation_totals"));
        Assert.Equal(77587.2, _t.Store.Scalar<double>("SELECT close FROM klines WHERE open_time = TIMESTAMP '2026-05-25 15:55:00'"));
        Assert.Equal(new DateTime(2026, 5, 25, 16, 10, 0), _t.Store.Scalar<DateTime>("SELECT last_time FROM ingest_log"));
    }

    [Fact]
    public void Reingesting_the_same_file_changes_nothing()
    {
        var path = RegimeFile("coinglass_BTC_regime_binance_5m_14d@aaa.csv", Bar(1779724500000, 77587.2, 0.00003527, 7.7190e9));
        _t.Ingestor.IngestFile(path);
        var before = _t.Snapshot();
        var again = _t.Ingestor.IngestFile(path);
        Assert.Equal(IngestStatus.AlreadyIngested, again.Status);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Overlapping_exports_do_not_duplicate_and_the_later_export_wins()
    {
        var older = RegimeFile("coinglass_BTC_regime_binance_5m_14d@old.csv",
            Bar(1779724500000, 100, 0.0001, 1e9),
            Bar(1779724800000, 101, 0.0001, 1e9)); // still-open candle in the older export
        var newer = RegimeFile("coinglass_BTC_regime_binance_5m_14d@new.csv",
            Bar(1779724800000, 105, 0.0001, 1e9),  // same bar, closed
            Bar(1779725100000, 106, 0.0001, 1e9));
        _t.Ingestor.IngestFile(newer); // ingest order must not matter
        _t.Ingestor.IngestFile(older);
        Assert.Equal(3, _t.Count("klines"));
        Assert.Equal(105, _t.Store.Scalar<double>("SELECT close FROM klines WHERE open_time = TIMESTAMP '2026-05-25 16:00:00'"));
    }

    [Fact]
    public void Non_numeric_price_fails_naming_file_and_line_and_leaves_the_store_unchanged()
    {
        _t.Ingestor.IngestFile(RegimeFile("coinglass_BTC_regime_binance_5m_14d@ok.csv", Bar(1779724500000, 100, 0.0001, 1e9)));
        var before = _t.Snapshot();
        var bad = RegimeFile("coinglass_BTC_regime_binance_5m_14d@bad.csv",
            Bar(1779725100000, 100, 0.0001, 1e9),
            Bar(1779725400000, 100, 0.0001, 1e9).Replace(",90,", ",abc,", StringComparison.Ordinal));
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(bad));
        Assert.Equal(bad, e.FilePath);
        Assert.Contains("line 3: field", e.Message, StringComparison.Ordinal);
        Assert.Contains("abc", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Forcing_a_kind_on_a_file_with_another_header_fails_on_line_1()
    {
        var path = _t.Write("other.csv", "a,b,c\n1,2,3\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path, kind: "coinglass-liquidation-binance"));
        Assert.Contains("line 1: header does not match layout coinglass-liquidation-binance", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown kind 'nope'", Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path, kind: "nope")).Message, StringComparison.Ordinal);
        Assert.Contains("not a recognised format", Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merged_4h_coinglass_bars_land_per_series_and_skip_empty_cells()
    {
        // The first bar has a candle only (as the real file's first bars do); the second has every series.
        const string header = "time_ms,datetime_utc,liq_long_usd_binance,liq_short_usd_binance,liq_snapshot,oi_open_usd_agg,oi_high_usd_agg,oi_low_usd_agg," +
                              "oi_close_usd_agg,oi_snapshot,px_open,px_high,px_low,px_close,px_volume_usd,px_snapshot,funding_oiw_close_pct,funding_snapshot";
        var path = _t.Write("BTC_4h_coinglass_merged_2024-11_2025-11.csv", header + "\n" +
            "1731441600000,2024-11-12T20:00:00Z,,,,,,,,,88762.9,89920.0,87384.6,87972.0,5543721721.8306,20250512,,\n" +
            "1731456000000,2024-11-13T00:00:00Z,5375477.18,2071175.47,20250512,5.9e10,6.0e10,5.8e10,5.95e10,20250512,87972.0,88619.0,87061.6,87198.2,4447852974.02,20250512,0.012642,20250512\n");
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal("coinglass-merged-4h-btc", r.Kind);
        Assert.Equal(2, _t.Count("klines", "symbol = 'BTCUSDT' AND market = 'perp' AND interval = '4h'"));
        Assert.Equal(4447852974.02, _t.Store.Scalar<double>("SELECT quote_volume FROM klines WHERE open_time = TIMESTAMP '2024-11-13 00:00:00'"));
        Assert.Equal(1, _t.Count("liquidation_totals", "symbol = 'BTC' AND exchange_scope = 'Binance' AND interval = '4h'"));
        Assert.Equal(5.95e10, _t.Store.Scalar<double>("SELECT oi_usd FROM open_interest WHERE venue = 'all-exchanges' AND symbol = 'BTC' AND interval = '4h'"));
        Assert.Equal(0.00012642, _t.Store.Scalar<double>("SELECT funding_rate FROM funding_rates WHERE source = 'coinglass-oi-weighted-4h'"), 12); // percent → fraction

        // ETH's file has no candles: liquidations, OI and funding only, under ETH.
        var eth = _t.Write("ETH_4h_coinglass_merged_2024-11_2025-11.csv",
            "time_ms,datetime_utc,liq_long_usd_binance,liq_short_usd_binance,liq_snapshot,oi_open_usd_agg,oi_high_usd_agg,oi_low_usd_agg,oi_close_usd_agg,oi_snapshot," +
            "px_close,px_snapshot,funding_oiw_close_pct,funding_snapshot\n1731528000000,2024-11-13T20:00:00Z,5375477.18,2071175.47,20250512,,,,,,,,0.012642,20250512\n");
        Assert.Equal("coinglass-merged-4h-eth", _t.Ingestor.IngestFile(eth).Kind);
        Assert.Equal(1, _t.Count("liquidation_totals", "symbol = 'ETH'"));
        Assert.Equal(0, _t.Count("open_interest", "symbol = 'ETH'"));
        Assert.Equal(0, _t.Count("klines", "symbol LIKE 'ETH%'"));
    }

    [Fact]
    public void Funding_history_in_utc_plus_3_is_shifted_to_utc()
    {
        var path = _t.Write("BTC-USDT_binance_2020-01-01_2024-01-01_funding_history.csv",
            "Symbol,Date,Funding Rate\nBTC-USDT,2020-01-01 03:00:00.000,-0.00012359\nBTC-USDT,2020-01-01 11:00:00.001,-0.00012383\n");
        _t.Ingestor.IngestFile(path);
        Assert.Equal(-0.00012359, _t.Store.Scalar<double>(
            "SELECT funding_rate FROM funding_rates WHERE symbol = 'BTCUSDT' AND funding_time = TIMESTAMP '2020-01-01 00:00:00'"));
        Assert.Equal(2, _t.Count("funding_rates", "symbol = 'BTCUSDT' AND source = 'binance-fundingRate'"));
    }

    [Fact]
    public void An_empty_funding_rate_is_reported_as_itself_not_as_an_aborted_transaction()
    {
        // Issue 14, class 7: the staging-table cleanup ran inside the aborted transaction and its error hid the real one.
        var path = _t.Write("ETH-USDT_binance_2020-01-01_2024-01-01_funding_history.csv",
            "Symbol,Date,Funding Rate\nETH-USDT,2020-01-01 03:00:00.000,-0.0001\nETH-USDT,2020-01-01 11:00:00.000,\n");
        var before = _t.Snapshot();
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("transaction is aborted", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("field Funding Rate: NULL is missing", e.Message, StringComparison.Ordinal); // the file's own field name
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Coinglass_percent_funding_becomes_a_fraction_and_liquidations_keep_their_exchange_scope()
    {
        _t.Ingestor.IngestFile(_t.Write("coinglass_funding_4h.csv", "timestamp,open,high,low,close\n2025-10-06T12:00:00,0.008933,0.009705,0.004654,0.004664\n"));
        Assert.Equal(0.00004664, _t.Store.Scalar<double>("SELECT funding_rate FROM funding_rates"), 12);
        _t.Ingestor.IngestFile(_t.Write("coinglass_liquidation_4h.csv", "timestamp,long_usd,short_usd\n2025-10-10T20:00:00,235600000.5,107500000.25\n"));
        Assert.Equal(1, _t.Count("liquidation_totals", "exchange_scope = 'Binance' AND interval = '4h' AND long_usd = 235600000.5"));
        _t.Ingestor.IngestFile(_t.Write("coinglass_BTC_liquidation_10y_1h.csv",
            "timestamp,datetime_utc,longUsd,shortUsd,totalUsd\n1763881200000,2025-11-23T07:00:00.000Z,2137137.59233,249169.79087,2386307.3832\n"));
        Assert.Equal(1, _t.Count("liquidation_totals", "exchange_scope = 'Binance+Bybit+OKX' AND interval = '1h' AND period_start = TIMESTAMP '2025-11-23 07:00:00'"));
    }

    [Fact]
    public void Interval_comes_from_row_spacing_when_the_name_has_none()
    {
        _t.Ingestor.IngestFile(_t.Write("btcusdt_futures_oi.csv",
            "symbol,sumOpenInterest,sumOpenInterestValue,CMCCirculatingSupply,timestamp\n" +
            "BTCUSDT,78942.344,5346644423.51,19997062,1772553600000\nBTCUSDT,78723.512,5384386997.83,19997062,1772568000000\n" +
            "BTCUSDT,78000.0,5300000000.0,19997062,1772582400000\n"));
        Assert.Equal(3, _t.Count("open_interest", "interval = '4h' AND oi_base > 78000 - 1 AND source = 'binance-openInterestHist'"));
    }

    [Fact]
    public void Walking_a_directory_skips_files_no_importer_knows()
    {
        _t.Write("in/SOURCES.md", "# notes\n");
        _t.Write("in/coinglass_liquidation_4h.csv", "timestamp,long_usd,short_usd\n2025-10-10T20:00:00,1,2\n");
        var results = _t.Ingestor.Ingest([Path.Combine(_t.Directory, "in")]);
        Assert.Equal([IngestStatus.NotRecognised, IngestStatus.Ingested], results.Select(r => r.Status)); // ordinal order: "SOURCES.md" < "coinglass…"
    }
}
