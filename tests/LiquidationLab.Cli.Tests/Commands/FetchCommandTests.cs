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
}
