using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Tests.Download;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>
/// Binance Vision's liquidationSnapshot files, written by the tests in the published layout (header
/// <c>time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity</c>,
/// epoch milliseconds, every row twice, zipped with the CSV named like the zip).
/// </summary>
public sealed class LiquidationSnapshotImporterTests : IDisposable
{
    private const string Header = "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity\n";
    private const string Long = "1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050";   // 2024-03-31 00:00:00.123
    private const string Short = "1711846800456,BUY,LIMIT,IOC,1.200,70500.00,70420.30,FILLED,0.700,1.200";   // 2024-03-31 01:00:00.456
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private string Zip(string name, byte[] bytes)
    {
        var path = Path.Combine(_t.Directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Archive_zip_keeps_order_price_and_average_fill_apart_with_the_archive_as_source()
    {
        var r = _t.Ingestor.IngestFile(Zip("BTCUSDT-liquidationSnapshot-2024-03-31.zip", BinanceVisionDownloaderTests.LiquidationSnapshotZip("BTCUSDT", "2024-03-31", Long, Short)));
        Assert.Equal("binance-vision-liquidationsnapshot", r.Kind);
        Assert.Equal(2, r.Rows); // every row is in the file twice: one print each
        Assert.Equal(1, _t.Count("liquidation_orders",
            "venue = 'binance-usdm' AND symbol = 'BTCUSDT' AND time = TIMESTAMP '2024-03-31 00:00:00.123' AND side = 'SELL' AND liquidated_side = 'long' " +
            "AND price = 69900.1 AND average_price = 69950.5 AND quantity = 0.05 AND filled_quantity = 0.05 AND order_type = 'LIMIT' " +
            "AND source = 'binance-vision-liquidationSnapshot'"));
        Assert.Equal(1, _t.Count("liquidation_orders", "liquidated_side = 'short' AND price = 70500 AND average_price = 70420.3 AND quantity = 1.2 AND filled_quantity = 1.2"));
    }

    [Fact]
    public void A_print_already_recorded_live_and_the_same_print_in_the_archive_are_one_row()
    {
        // The recorder's forceOrder CSV holds the order price p and quantity q of the same event.
        _t.Ingestor.IngestFile(_t.Write("recorded/BTCUSDT.csv", "Symbol,Side,Order Type,Time,Quantity,Price\nBTCUSDT,SELL,LIMIT,1711843200123,0.050,69900.10\n"));
        var r = _t.Ingestor.IngestFile(_t.Write("BTCUSDT-liquidationSnapshot-2024-03-31.csv", Header + Long + "\n" + Long + "\n" + Short + "\n"));
        Assert.Equal(1, r.Rows);
        Assert.Equal(2, _t.Count("liquidation_orders"));
        Assert.Contains("2 repeated or already stored", r.Detail, StringComparison.Ordinal);

        // The same day again, recompressed (other bytes, so not skipped by its SHA-256): nothing new.
        var again = _t.Ingestor.IngestFile(Zip("BTCUSDT-liquidationSnapshot-2024-03-31.zip", BinanceVisionDownloaderTests.LiquidationSnapshotZip("BTCUSDT", "2024-03-31", Long, Short)));
        Assert.Equal(0, again.Rows);
        Assert.Equal(2, _t.Count("liquidation_orders"));
    }

    [Fact]
    public void A_file_without_a_header_is_read_by_position_and_an_unfilled_order_keeps_no_fill()
    {
        _t.Ingestor.IngestFile(_t.Write("ETHUSDT-liquidationSnapshot-2024-03-31.csv", "1711843200999,BUY,LIMIT,IOC,2.5,3650.10,0,EXPIRED,0,0\n"));
        Assert.Equal(1, _t.Count("liquidation_orders",
            "symbol = 'ETHUSDT' AND liquidated_side = 'short' AND price = 3650.1 AND quantity = 2.5 AND average_price IS NULL AND filled_quantity IS NULL"));
    }

    [Theory]
    [InlineData("1711843200123,HOLD,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050", "field side: expected BUY or SELL, found 'HOLD'")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,0.050,abc,69950.50,FILLED,0.050,0.050", "field price: expected a finite positive number of at most 1e15, missing or not a number")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,0.050,69900.10,-69950.50,FILLED,0.050,0.050", "field average_price: expected 0 (no fill) or a finite positive number")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.080", "field accumulated_fill_quantity: is more than the order's original_quantity")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,,0.050,0.050", "field order_status: expected an order status such as FILLED")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,NaN,69900.10,69950.50,FILLED,0.050,0.050", "field original_quantity: expected a finite positive number")]
    [InlineData("1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,-1,0.050", "field last_fill_quantity: expected a finite number ≥ 0")]
    [InlineData("1711843200123000,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050", "field time: expected epoch milliseconds within 2009-01-03")]
    public void A_bad_value_fails_the_file_naming_its_line_and_field_and_stores_nothing(string badRow, string expected)
    {
        var before = _t.Fingerprint();
        var path = _t.Write("BTCUSDT-liquidationSnapshot-2024-03-31.csv", Header + Long + "\n" + badRow + "\n" + Short + "\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("BTCUSDT-liquidationSnapshot-2024-03-31.csv: line 3: " + expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void A_snapshot_csv_whose_name_carries_no_symbol_is_refused_asking_for_binances_name()
    {
        var path = _t.Write("liquidations.csv", Header + Long + "\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("its symbol comes from its name, <SYMBOL>-liquidationSnapshot-YYYY-MM-DD.csv", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("liquidation_orders"));
    }

    [Fact]
    public void A_row_with_a_missing_column_is_refused_naming_the_file()
    {
        var path = _t.Write("BTCUSDT-liquidationSnapshot-2024-03-31.csv", Header + Long + "\n1711843200124,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(": line 3: expected 10 fields (time,side,", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("found 9.", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("liquidation_orders"));
    }
}
