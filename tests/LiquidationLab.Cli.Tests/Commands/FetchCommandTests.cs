using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tests.Download;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class FetchCommandTests : IDisposable
{
    private const string Daily = "data/futures/um/daily/aggTrades/BTCUSDT/";
    private readonly LocalArchiveServer _server = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-fetch-").FullName;

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, true);
    }

    private static byte[] Zip(string day, int rows)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry($"BTCUSDT-aggTrades-{day}.csv").Open()))
            for (var i = 0; i < rows; i++) w.Write($"{i},42283.0,0.01,{i},{i},{1704067200005 + i},true\n"); // no header, as older archives
        return ms.ToArray();
    }

    private void Publish(string day, byte[] served, byte[] published)
    {
        var name = $"BTCUSDT-aggTrades-{day}.zip";
        _server.Serve(Daily + name, served);
        _server.Serve(Daily + name + ".CHECKSUM", Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(SHA256.HashData(published))}  {name}\n"));
    }

    [Fact]
    public async Task Fetch_ingests_verified_archives_only_and_fails_on_a_corrupted_one()
    {
        var good = Zip("2024-01-01", 3);
        Publish("2024-01-01", good, good);
        var bad = Zip("2024-01-02", 2);
        var tampered = (byte[])bad.Clone();
        tampered[^12] ^= 0x55;
        Publish("2024-01-02", tampered, bad);
        var db = Path.Combine(_dir, "lab.duckdb");
        var (exit, output, _) = await CliRunner.Run(
            ["data", "fetch", "binance", "--symbol", "BTCUSDT", "--kinds", "aggTrades", "--from", "2024-01-01", "--to", "2024-01-03",
             "--base-url", _server.BaseUrl.ToString(), "--dest", Path.Combine(_dir, "vision"), "--db", db, "--attempts", "1"]);
        Assert.Equal(1, exit);
        Assert.Contains("checksum mismatch", output, StringComparison.Ordinal);
        Assert.Contains("not found (HTTP 404)", output, StringComparison.Ordinal);
        Assert.Contains("1 downloaded, 0 already present, 1 missing, 1 rejected or failed.", output, StringComparison.Ordinal);
        Assert.Contains("Ingested 1 files (3 rows)", output, StringComparison.Ordinal);
        using var store = LabStore.Open(db, readOnly: true);
        Assert.Equal(3L, store.Scalar<long>("SELECT count(*) FROM agg_trades"));
    }

    private static byte[] ZipOf(string entry, string csv)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry(entry).Open()))
            w.Write(csv);
        return ms.ToArray();
    }

    /// <summary>Serves <paramref name="path"/> (Binance's real folder layout), with its .CHECKSUM unless <paramref name="checksum"/> is false.</summary>
    private void Serve(string path, byte[] zip, bool checksum = true)
    {
        _server.Serve(path, zip);
        if (checksum)
            _server.Serve(path + ".CHECKSUM", Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(SHA256.HashData(zip))}  {path[(path.LastIndexOf('/') + 1)..]}\n"));
    }

    [Fact]
    public async Task Fetch_of_liquidation_snapshots_with_klines_and_metrics_stores_the_prints_and_the_market_data_before_them()
    {
        const string header = "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity\n";
        foreach (var (day, start) in new[] { ("2024-03-30", 1711756800000L), ("2024-03-31", 1711843200000L) })
        {
            var long1 = $"{start + 123},SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050\n";
            var short1 = $"{start + 3_600_456},BUY,LIMIT,IOC,1.200,70500.00,70420.30,FILLED,1.200,1.200\n";
            // As published: under data3/, every row twice; the second day without a .CHECKSUM beside it.
            Serve($"data3/liquidationSnapshot/BTCUSDT/BTCUSDT-liquidationSnapshot-{day}.zip",
                ZipOf($"BTCUSDT-liquidationSnapshot-{day}.csv", header + long1 + long1 + short1 + short1), checksum: day == "2024-03-30");
            Serve($"data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-{day}.zip", ZipOf($"BTCUSDT-5m-{day}.csv",
                "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n" +
                $"{start},70000.0,70100.0,69900.0,70050.0,120.5,{start + 299_999},8435000.0,1500,60.2,4214000.0,0\n" +
                $"{start + 300_000},70050.0,70200.0,70000.0,70150.0,98.1,{start + 599_999},6880000.0,1200,50.1,3514000.0,0\n"));
            var t = DateTimeOffset.FromUnixTimeMilliseconds(start).UtcDateTime;
            Serve($"data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-{day}.zip", ZipOf($"BTCUSDT-metrics-{day}.csv",
                "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n" +
                $"{t:yyyy-MM-dd HH:mm:ss},BTCUSDT,80000.0,5600000000.0,1.5,1.3,1.6,0.9\n{t.AddMinutes(5):yyyy-MM-dd HH:mm:ss},BTCUSDT,80100.0,5610000000.0,1.5,1.3,1.6,1.1\n"));
        }
        var db = Path.Combine(_dir, "lab.duckdb");
        var dest = Path.Combine(_dir, "vision");

        var (exit, output, err) = await CliRunner.Run(
            ["data", "fetch", "binance", "--symbol", "BTCUSDT", "--kinds", "liquidationSnapshot,klines:5m,metrics", "--from", "2024-03-30", "--to", "2024-03-31",
             "--base-url", _server.BaseUrl.ToString(), "--dest", dest, "--db", db, "--attempts", "1"]);

        Assert.True(exit == 0, output + err);
        Assert.Contains("6 downloaded, 0 already present, 0 missing, 0 rejected or failed.", output, StringComparison.Ordinal);
        Assert.Contains("no published checksum: zip CRC-32 checked", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dest, "data3", "liquidationSnapshot", "BTCUSDT", "BTCUSDT-liquidationSnapshot-2024-03-31.zip")));
        using var store = LabStore.Open(db, readOnly: true);
        Assert.Equal(4L, store.Scalar<long>("SELECT count(*) FROM liquidation_orders WHERE source = 'binance-vision-liquidationSnapshot' AND venue = 'binance-usdm' AND symbol = 'BTCUSDT'"));
        Assert.Equal(2L, store.Scalar<long>("SELECT count(*) FROM liquidation_orders WHERE liquidated_side = 'long' AND price = 69900.1 AND average_price = 69950.5"));
        Assert.Equal(4L, store.Scalar<long>("SELECT count(*) FROM klines WHERE symbol = 'BTCUSDT' AND interval = '5m'"));
        Assert.Equal(4L, store.Scalar<long>("SELECT count(*) FROM open_interest WHERE symbol = 'BTCUSDT' AND source = 'binance-metrics'"));
    }

    [Theory]
    [InlineData("--symbol", "../../ETC", "--symbol: expected a Binance USDⓈ-M symbol")]
    [InlineData("--attempts", "0", "--attempts: expected a whole number from 1 to 20, found '0'.")]
    [InlineData("--max-unzip-ratio", "NaN", "--max-unzip-ratio: expected a number from 1")]
    [InlineData("--base-url", "ftp://127.0.0.1/", "--base-url: expected an absolute https or http URL")]
    public async Task Fetch_refuses_a_bad_option_naming_it_and_writes_nothing(string option, string value, string expected)
    {
        var dest = Path.Combine(_dir, "vision");
        string[] server = option == "--base-url" ? [] : ["--base-url", _server.BaseUrl.ToString()];
        var (exit, output, err) = await CliRunner.Run(
            ["data", "fetch", "binance", "--kinds", "liquidationSnapshot", "--from", "2024-03-30", "--to", "2024-03-31",
             .. server, "--dest", dest, "--db", Path.Combine(_dir, "lab.duckdb"), option, value]);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, output + err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dest));
        Assert.Empty(_server.Requests);
    }
}
