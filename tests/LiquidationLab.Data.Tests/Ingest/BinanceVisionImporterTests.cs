using LiquidationLab.TestSupport;
using System.IO.Compression;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>Fixtures in the exact Binance Vision USDⓈ-M formats (header lines as in the published files).</summary>
public sealed class BinanceVisionImporterTests : IDisposable
{
    private const string AggHeader = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker";
    private const string AggRows = "2018394261,42283.00,0.010,4476590661,4476590661,1704067200005,true\n2018394262,42283.10,0.550,4476590662,4476590665,1704067200012,false\n";

    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private string Zip(string name, string csvName, string content)
    {
        var path = Path.Combine(_t.Directory, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var w = new StreamWriter(zip.CreateEntry(csvName).Open());
        w.Write(content);
        return path;
    }

    [Fact]
    public void AggTrades_with_and_without_header_and_zipped_are_all_read()
    {
        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-aggTrades-2024-01-01.csv", AggHeader + "\n" + AggRows));
        _t.Ingestor.IngestFile(_t.Write("ETHUSDT-aggTrades-2024-01-01.csv", AggRows));
        _t.Ingestor.IngestFile(Zip("SOLUSDT-aggTrades-2024-01-01.zip", "SOLUSDT-aggTrades-2024-01-01.csv", AggHeader + "\n" + AggRows));
        Assert.Equal(6, _t.Count("agg_trades"));
        Assert.Equal(2, _t.Count("agg_trades", "symbol = 'ETHUSDT'"));
        Assert.Equal(1, _t.Count("agg_trades", "symbol = 'SOLUSDT' AND agg_trade_id = 2018394262 AND quantity = 0.55 AND NOT is_buyer_maker " +
                                              "AND transact_time = TIMESTAMP '2024-01-01 00:00:00.012'"));
    }

    private string ZipOf(string name, string csvName, Action<StreamWriter> write)
    {
        var path = Path.Combine(_t.Directory, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var w = new StreamWriter(zip.CreateEntry(csvName, CompressionLevel.SmallestSize).Open());
        write(w);
        return path;
    }

    [Fact]
    public void A_zip_bomb_is_refused_by_ratio_or_size_and_leaves_no_temporary_file()
    {
        // 20 MB of one repeated row compress about 1000:1 — far beyond a real archive's 4–10×.
        var bomb = ZipOf("BTCUSDT-aggTrades-2024-01-01.zip", "BTCUSDT-aggTrades-2024-01-01.csv", w =>
        {
            w.Write(AggHeader + "\n");
            for (var i = 0; i < 250_000; i++) w.Write("2018394261,42283.00,0.010,4476590661,4476590661,1704067200005,true\n");
        });
        var before = _t.Snapshot();
        var strict = new Ingestor(_t.Store) { ArchiveLimits = new ArchiveLimits(MaxBytes: 1L << 30, MaxRatio: 100, RatioFloorBytes: 1 << 20) };
        var e = Assert.Throws<IngestException>(() => strict.IngestFile(bomb));
        Assert.StartsWith(bomb, e.Message, StringComparison.Ordinal);
        Assert.Contains("expands more than 100× (", e.Message, StringComparison.Ordinal);
        Assert.Contains("refused as a zip bomb", e.Message, StringComparison.Ordinal);
        var small = new Ingestor(_t.Store) { ArchiveLimits = new ArchiveLimits(MaxBytes: 1 << 20) };
        Assert.Contains("expands past 1,048,576 bytes", Assert.Throws<IngestException>(() => small.IngestFile(bomb)).Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
        Assert.Empty(Directory.EnumerateFiles(ImportFiles.TempFolder, $"{Environment.ProcessId}-*.csv"));
    }

    [Fact]
    public void Extraction_files_left_by_a_killed_process_are_deleted_by_the_next_extraction()
    {
        Directory.CreateDirectory(ImportFiles.TempFolder);
        var stale = Path.Combine(ImportFiles.TempFolder, "2147483646-left-by-kill-9.csv"); // no such process
        File.WriteAllText(stale, "junk");
        _t.Ingestor.IngestFile(Zip("ETHUSDT-aggTrades-2024-01-02.zip", "ETHUSDT-aggTrades-2024-01-02.csv", AggHeader + "\n" + AggRows));
        Assert.False(File.Exists(stale));
        Assert.Equal(2, _t.Count("agg_trades", "symbol = 'ETHUSDT'"));
        Assert.Empty(Directory.EnumerateFiles(ImportFiles.TempFolder, $"{Environment.ProcessId}-*.csv"));
    }

    [Theory]
    [InlineData("1704067200", "seconds")]
    [InlineData("1704067200005", "milliseconds")]
    [InlineData("1704067200005000", "microseconds")]
    [InlineData("1704067200005000000", "nanoseconds")]
    public void The_epoch_unit_is_detected_per_file(string time, string unit)
    {
        _t.Ingestor.IngestFile(_t.Write($"BTCUSDT-aggTrades-2024-01-0{unit.Length % 9 + 1}.csv", $"{AggHeader}\n2018394261,42283.00,0.010,4476590661,4476590661,{time},true\n"));
        var expected = unit == "seconds" ? "2024-01-01 00:00:00" : "2024-01-01 00:00:00.005";
        Assert.Equal(1, _t.Count("agg_trades", $"transact_time = TIMESTAMP '{expected}'"));
    }

    [Theory]
    [InlineData("1704067200", "line 3: field transact_time: 1704067200 read in ms (the unit of the file's first row) (1970-01-20 17:21:07")] // seconds in a ms file
    [InlineData("253402300799000", "line 3: field transact_time: 253402300799000 read in ms (the unit of the file's first row) (9999-12-31 23:59:59")] // year 9999
    [InlineData("-5", "line 3: field transact_time: -5 read in ms (the unit of the file's first row) (1969-12-31 23:59:59.995 UTC")]
    public void A_row_in_another_unit_or_an_absurd_year_fails_the_file_naming_field_and_value(string time, string message)
    {
        var path = _t.Write("BTCUSDT-aggTrades-2024-01-05.csv",
            $"{AggHeader}\n2018394261,42283.00,0.010,4476590661,4476590661,1704067200005,true\n2018394262,42283.10,0.550,4476590662,4476590665,{time},false\n");
        var before = _t.Snapshot();
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Truncated_zip_is_rejected_and_nothing_is_written()
    {
        var good = Zip("BTCUSDT-aggTrades-2024-01-02.zip", "BTCUSDT-aggTrades-2024-01-02.csv", AggHeader + "\n" + AggRows);
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(_t.Directory, "BTCUSDT-aggTrades-2024-01-03.zip");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var before = _t.Snapshot();
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(truncated));
        Assert.Contains("corrupt or truncated zip", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Wrong_header_and_non_numeric_price_are_rejected()
    {
        var wrong = _t.Write("BTCUSDT-aggTrades-2024-01-04.csv", "id,price,qty,quote_qty,time,is_buyer_maker\n1,2,3,4,5,true\n");
        Assert.Contains("line 1: expected the aggTrades header", Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(wrong)).Message, StringComparison.Ordinal);
        var bad = _t.Write("BTCUSDT-aggTrades-2024-01-05.csv", AggHeader + "\n" + AggRows + "2018394263,forty,0.010,1,1,1704067200013,true\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(bad));
        Assert.Contains("line 4: field price:", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("agg_trades"));
    }

    [Fact]
    public void Klines_metrics_funding_trades_depth_and_liquidations_land_in_their_tables()
    {
        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-5m-2024-01-01.csv",
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n" +
            "1704067200000,42314.00,42390.00,42289.90,42374.20,1150.520,1704067499999,48699853.91870,11852,631.779,26741891.18260,0\n"));
        Assert.Equal(1, _t.Count("klines", "interval = '5m' AND market = 'perp' AND trade_count = 11852 AND close = 42374.2"));

        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-metrics-2024-01-01.csv",
            "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n" +
            "2024-01-01 00:05:00,BTCUSDT,79613.1990000000000000,3371130282.3698300000000000,1.42766698,1.30617900,1.65186600,0.66930600\n"));
        Assert.Equal(1, _t.Count("open_interest", "source = 'binance-metrics' AND oi_base = 79613.199 AND time = TIMESTAMP '2024-01-01 00:05:00'"));
        Assert.Equal(4, _t.Count("long_short_ratios"));

        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-fundingRate-2024-01.csv",
            "calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,0.00037409\n1704096000000,8,0.00031793\n"));
        Assert.Equal(2, _t.Count("funding_rates", "interval = '8h' AND source = 'binance-fundingRate'"));

        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-trades-2024-01-01.csv",
            "id,price,qty,quote_qty,time,is_buyer_maker\n4476590661,42283.00,0.010,422.83000,1704067200005,true\n"));
        Assert.Equal(1, _t.Count("trades", "quote_quantity = 422.83"));

        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-bookDepth-2024-01-01.csv",
            "timestamp,percentage,depth,notional\n2024-01-01 00:00:07,-5.00,5873.29600000,243458148.72260000\n"));
        Assert.Equal(1, _t.Count("book_depth_bands", "percentage = -5"));

        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-liquidationSnapshot-2024-01-01.csv",
            "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity\n" +
            "1704067245123,SELL,LIMIT,IOC,0.050,41900.00,41950.50,FILLED,0.050,0.050\n"));
        // Schema v4: the order price and quantity, the average fill and filled quantity apart; a SELL closes a liquidated long.
        Assert.Equal(1, _t.Count("liquidation_orders", "side = 'SELL' AND price = 41900 AND average_price = 41950.5 AND quantity = 0.05 AND filled_quantity = 0.05 AND liquidated_side = 'long'"));
    }

    [Fact]
    public void Microsecond_timestamps_are_recognised()
    {
        _t.Ingestor.IngestFile(_t.Write("BTCUSDT-aggTrades-2025-01-01.csv", "1,100.0,1.0,1,1,1735689600000123,true\n"));
        Assert.Equal(1, _t.Count("agg_trades", "transact_time = TIMESTAMP '2025-01-01 00:00:00.000123'"));
    }
}
