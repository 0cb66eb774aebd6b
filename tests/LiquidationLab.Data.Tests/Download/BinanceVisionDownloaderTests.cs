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
}
