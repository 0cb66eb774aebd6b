using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LiquidationLab.Data.Download;

namespace LiquidationLab.Data.Tests.Download;

public sealed class BinanceVisionDownloaderTests : IDisposable
{
    private const string Daily = "data/futures/um/daily/aggTrades/BTCUSDT/";
    private readonly LocalArchiveServer _server = new();
    private readonly string _dest = Directory.CreateTempSubdirectory("liqlab-dl-").FullName;
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        Directory.Delete(_dest, true);
    }

    internal static byte[] AggTradesZip(string day)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry($"BTCUSDT-aggTrades-{day}.csv").Open()))
            w.Write("agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n1,42283.0,0.01,1,1,1704067200005,true\n");
        return ms.ToArray();
    }

    internal static byte[] Checksum(byte[] content, string name) =>
        Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(SHA256.HashData(content))}  {name}\n");

    private void Publish(string day, byte[]? content = null, byte[]? checksumOf = null)
    {
        var name = $"BTCUSDT-aggTrades-{day}.zip";
        var zip = content ?? AggTradesZip(day);
        _server.Serve(Daily + name, zip);
        _server.Serve(Daily + name + ".CHECKSUM", Checksum(checksumOf ?? zip, name));
    }

    private BinanceVisionDownloader Downloader(int attempts = 3) => new(_http, new DownloaderOptions
    {
        BaseUrl = _server.BaseUrl, Destination = _dest, Attempts = attempts, InitialBackoff = TimeSpan.FromMilliseconds(10),
    });

    [Fact]
    public void Plan_uses_monthly_archives_for_whole_months_and_daily_ones_elsewhere()
    {
        var plan = BinanceVisionDownloader.Plan("BTCUSDT", ["aggTrades", "metrics", "fundingRate", "klines:5m"], new DateOnly(2024, 1, 1), new DateOnly(2024, 2, 2));
        Assert.Contains(plan, a => a.RelativePath == "data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01.zip");
        Assert.Contains(plan, a => a.RelativePath == "data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-02-02.zip");
        Assert.Equal(33, plan.Count(a => a.Kind == "metrics"));                          // metrics: daily only
        Assert.Equal(["BTCUSDT-fundingRate-2024-01.zip", "BTCUSDT-fundingRate-2024-02.zip"], plan.Where(a => a.Kind == "fundingRate").Select(a => a.FileName));
        Assert.Contains(plan, a => a.RelativePath == "data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2024-01.zip");
        Assert.Throws<ArgumentException>(() => BinanceVisionDownloader.Plan("BTCUSDT", ["klines"], new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 1)));
        Assert.Throws<ArgumentException>(() => BinanceVisionDownloader.Plan("BTCUSDT", ["candles"], new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 1)));
        Assert.Throws<ArgumentException>(() => BinanceVisionDownloader.Plan("BTCUSDT", ["aggTrades"], new DateOnly(2024, 1, 2), new DateOnly(2024, 1, 1)));
    }

    [Fact]
    public async Task Good_file_is_verified_corrupted_one_rejected_and_missing_one_reported_while_the_rest_continue()
    {
        Publish("2024-01-01");
        var corrupted = AggTradesZip("2024-01-02");
        var tampered = (byte[])corrupted.Clone();
        tampered[^10] ^= 0xFF;
        Publish("2024-01-02", content: tampered, checksumOf: corrupted);
        // 2024-01-03 is not published at all.
        Publish("2024-01-04");
        var plan = BinanceVisionDownloader.Plan("BTCUSDT", ["aggTrades"], new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 4));
        var results = await Downloader().FetchAllAsync(plan);
        Assert.Equal([FetchStatus.Downloaded, FetchStatus.ChecksumMismatch, FetchStatus.Missing, FetchStatus.Downloaded], results.Select(r => r.Status));
        Assert.Contains("checksum mismatch", results[1].Message, StringComparison.Ordinal);
        Assert.Null(results[1].LocalPath);
        Assert.False(File.Exists(Path.Combine(_dest, Daily, "BTCUSDT-aggTrades-2024-01-02.zip")));
        Assert.False(File.Exists(Path.Combine(_dest, Daily, "BTCUSDT-aggTrades-2024-01-02.zip.part")));
        Assert.Contains("not found (HTTP 404)", results[2].Message, StringComparison.Ordinal);
        Assert.True(File.Exists(results[3].LocalPath));

        var again = await Downloader().FetchAllAsync(plan); // resuming the whole job: verified files are not fetched again
        Assert.Equal(FetchStatus.AlreadyPresent, again[0].Status);
        Assert.Equal(1, _server.Requests[Daily + "BTCUSDT-aggTrades-2024-01-01.zip"]);
    }

    [Fact]
    public async Task Partial_download_is_resumed_with_a_range_request()
    {
        Publish("2024-01-05");
        var zip = AggTradesZip("2024-01-05");
        var local = Path.Combine(_dest, Daily.Replace('/', Path.DirectorySeparatorChar), "BTCUSDT-aggTrades-2024-01-05.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllBytes(local + ".part", zip[..100]);
        var r = await Downloader().FetchAsync(new VisionArchive(Daily + "BTCUSDT-aggTrades-2024-01-05.zip", "aggTrades"));
        Assert.Equal(FetchStatus.Downloaded, r.Status);
        Assert.Contains("bytes=100-", _server.RangeHeaders);
        Assert.Equal(zip, File.ReadAllBytes(local));
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_the_attempts_run_out()
    {
        Publish("2024-01-06");
        _server.FailTimes(Daily + "BTCUSDT-aggTrades-2024-01-06.zip", 2);
        var ok = await Downloader(attempts: 3).FetchAsync(new VisionArchive(Daily + "BTCUSDT-aggTrades-2024-01-06.zip", "aggTrades"));
        Assert.Equal(FetchStatus.Downloaded, ok.Status);
        Assert.Equal(3, _server.Requests[Daily + "BTCUSDT-aggTrades-2024-01-06.zip"]);

        Publish("2024-01-07");
        _server.FailTimes(Daily + "BTCUSDT-aggTrades-2024-01-07.zip", 5);
        var failed = await Downloader(attempts: 2).FetchAsync(new VisionArchive(Daily + "BTCUSDT-aggTrades-2024-01-07.zip", "aggTrades"));
        Assert.Equal(FetchStatus.Failed, failed.Status);
        Assert.Contains("failed after 2 attempts", failed.Message, StringComparison.Ordinal);
    }

    /// <summary>A liquidationSnapshot daily zip as Binance publishes it: header, every row twice, the CSV named like the zip.</summary>
    internal static byte[] LiquidationSnapshotZip(string symbol, string day, params string[] rows)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry($"{symbol}-liquidationSnapshot-{day}.csv").Open()))
        {
            w.Write("time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity\n");
            foreach (var row in rows) w.Write(row + "\n" + row + "\n");
        }
        return ms.ToArray();
    }

    private const string Data3 = "data3/liquidationSnapshot/BTCUSDT/";

    [Fact]
    public void Plan_takes_liquidation_snapshots_day_by_day_from_the_data3_folder()
    {
        var plan = BinanceVisionDownloader.Plan("BTCUSDT", ["liquidationSnapshot"], new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 31));
        Assert.Equal(31, plan.Count); // a whole month, still daily: the archive has no monthly files
        Assert.Equal("data3/liquidationSnapshot/BTCUSDT/BTCUSDT-liquidationSnapshot-2024-03-01.zip", plan[0].RelativePath);
        Assert.Equal("data3/liquidationSnapshot/BTCUSDT/BTCUSDT-liquidationSnapshot-2024-03-31.zip", plan[^1].RelativePath);
        Assert.All(plan, a => Assert.True(a.ChecksumOptional));
        Assert.DoesNotContain(plan, a => a.RelativePath.StartsWith("data/futures/", StringComparison.Ordinal));
        // The other kinds stay where they were, and keep requiring their published checksum.
        var klines = BinanceVisionDownloader.Plan("BTCUSDT", ["klines:5m"], new DateOnly(2024, 3, 30), new DateOnly(2024, 3, 31));
        Assert.Equal("data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2024-03-30.zip", klines[0].RelativePath);
        Assert.All(klines, a => Assert.False(a.ChecksumOptional));
    }

    [Theory]
    [InlineData("../../ETC", "aggTrades", "symbol '../../ETC' is not a Binance USDⓈ-M symbol")]
    [InlineData("BTCUSD_PERP", "liquidationSnapshot", "symbol 'BTCUSD_PERP' is not a Binance USDⓈ-M symbol")]
    [InlineData("B", "aggTrades", "symbol 'B' is not")]
    [InlineData("BTCUSDT", "klines:5m/../../../x", "klines:5m/../../../x: Binance publishes the intervals")]
    [InlineData("BTCUSDT", "klines:7m", "klines:7m: Binance publishes the intervals")]
    [InlineData("BTCUSDT", "metrics:/x", "Unknown kind 'metrics:/x'")]
    public void Plan_refuses_a_symbol_or_interval_that_is_no_binance_name_before_planning_a_path(string symbol, string kind, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => BinanceVisionDownloader.Plan(symbol, [kind], new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 2)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_refuses_a_range_longer_than_ten_years_before_allocating_it()
    {
        var e = Assert.Throws<ArgumentException>(() => BinanceVisionDownloader.Plan("BTCUSDT", ["metrics"], DateOnly.MinValue, DateOnly.MaxValue));
        Assert.Contains("at most 3,660 at a time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archive_path_leaving_the_destination_is_refused_and_nothing_is_written_outside_it()
    {
        var outside = Path.Combine(Path.GetDirectoryName(_dest)!, "liqlab-escape-" + Guid.NewGuid().ToString("N"));
        var r = await Downloader().FetchAsync(new VisionArchive($"../{Path.GetFileName(outside)}/x.zip", "aggTrades"));
        Assert.Equal(FetchStatus.Failed, r.Status);
        Assert.Contains("outside the destination folder", r.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outside));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Liquidation_snapshots_are_fetched_from_data3_verified_by_checksum_or_else_by_zip_crc()
    {
        var row = "1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050";
        // Day 1 with a published checksum, day 2 without one (the sidecar could not be confirmed for data3), day 3 without
        // one and truncated in transit, day 4 not published (the archive ends on 2024-03-31).
        var day1 = LiquidationSnapshotZip("BTCUSDT", "2024-03-28", row);
        _server.Serve(Data3 + "BTCUSDT-liquidationSnapshot-2024-03-28.zip", day1);
        _server.Serve(Data3 + "BTCUSDT-liquidationSnapshot-2024-03-28.zip.CHECKSUM", Checksum(day1, "BTCUSDT-liquidationSnapshot-2024-03-28.zip"));
        var day2 = LiquidationSnapshotZip("BTCUSDT", "2024-03-29", row);
        _server.Serve(Data3 + "BTCUSDT-liquidationSnapshot-2024-03-29.zip", day2);
        var day3 = LiquidationSnapshotZip("BTCUSDT", "2024-03-30", row);
        _server.Serve(Data3 + "BTCUSDT-liquidationSnapshot-2024-03-30.zip", day3[..(day3.Length / 2)]);
        var plan = BinanceVisionDownloader.Plan("BTCUSDT", ["liquidationSnapshot"], new DateOnly(2024, 3, 28), new DateOnly(2024, 3, 31));

        var results = await Downloader().FetchAllAsync(plan);

        Assert.Equal([FetchStatus.Downloaded, FetchStatus.Downloaded, FetchStatus.ChecksumMismatch, FetchStatus.Missing], results.Select(r => r.Status));
        Assert.Equal(day1, File.ReadAllBytes(results[0].LocalPath!));
        Assert.Equal(Path.Combine(_dest, "data3", "liquidationSnapshot", "BTCUSDT", "BTCUSDT-liquidationSnapshot-2024-03-29.zip"), results[1].LocalPath);
        Assert.Contains("no published checksum: zip CRC-32 checked", results[1].Message, StringComparison.Ordinal);
        Assert.Contains("not a whole zip archive", results[2].Message, StringComparison.Ordinal);
        var day3Local = Path.Combine(_dest, "data3", "liquidationSnapshot", "BTCUSDT", "BTCUSDT-liquidationSnapshot-2024-03-30.zip");
        Assert.False(File.Exists(day3Local));
        Assert.False(File.Exists(day3Local + ".part"));
        Assert.Contains("not found (HTTP 404)", results[3].Message, StringComparison.Ordinal);

        var again = await Downloader().FetchAllAsync(plan); // resuming: verified files are not fetched again
        Assert.Equal([FetchStatus.AlreadyPresent, FetchStatus.AlreadyPresent], again.Take(2).Select(r => r.Status));
        Assert.Equal(1, _server.Requests[Data3 + "BTCUSDT-liquidationSnapshot-2024-03-29.zip"]);
    }

    [Fact]
    public async Task A_zip_without_a_checksum_whose_entry_fails_its_crc_is_deleted_not_kept()
    {
        // A stored (uncompressed) entry with one byte of its content changed: the zip opens and the entry reads to its end,
        // only its CRC-32 tells.
        byte[] tampered;
        using (var ms = new MemoryStream())
        {
            using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            using (var w = new StreamWriter(archive.CreateEntry("BTCUSDT-liquidationSnapshot-2024-03-29.csv", CompressionLevel.NoCompression).Open()))
                w.Write("1711843200123,SELL,LIMIT,IOC,0.050,69900.10,69950.50,FILLED,0.050,0.050\n");
            tampered = ms.ToArray();
        }
        tampered[30 + "BTCUSDT-liquidationSnapshot-2024-03-29.csv".Length + 20] ^= 0x01; // a digit of the price
        _server.Serve(Data3 + "BTCUSDT-liquidationSnapshot-2024-03-29.zip", tampered);
        var r = await Downloader().FetchAsync(BinanceVisionDownloader.Plan("BTCUSDT", ["liquidationSnapshot"], new DateOnly(2024, 3, 29), new DateOnly(2024, 3, 29))[0]);
        Assert.Equal(FetchStatus.ChecksumMismatch, r.Status);
        Assert.Contains("does not match its CRC-32", r.Message, StringComparison.Ordinal);
        Assert.Null(r.LocalPath);
        Assert.Empty(Directory.EnumerateFiles(_dest, "*", SearchOption.AllDirectories));
    }
}
