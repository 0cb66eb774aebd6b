using System.IO.Compression;
using System.Text;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary>What the hostile-input trial found left after the recorder's fixes: raw recordings with set-aside messages
/// could not be loaded back, and the record command's numeric and URL options answered with .NET's words or not at all.</summary>
public sealed class RecordingInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-rec-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const long Ms = 1_721_347_200_000; // 2024-07-19 UTC

    private string Recording(params string[] lines)
    {
        var path = Path.Combine(_dir, "btcusdt-raw.gz");
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        return path;
    }

    private static string Agg(long id, string price) =>
        $"{Ms + id} {{\"stream\":\"btcusdt@aggTrade\",\"data\":{{\"e\":\"aggTrade\",\"E\":{Ms + id},\"s\":\"BTCUSDT\",\"a\":{id},\"p\":\"{price}\",\"q\":\"0.010\",\"f\":{id},\"l\":{id},\"T\":{Ms + id},\"m\":false}}}}";

    [Fact]
    public async Task A_raw_recording_with_set_aside_messages_loads_back_with_set_aside_bad_lines()
    {
        // The recorder keeps every message raw, the bad ones too: `data ingest` refused such a file whole (0 of its rows).
        var file = Recording(Agg(1, "67000.1"), Agg(2, "NaN"), Agg(3, "67000.3"));
        var db = Path.Combine(_dir, "lab.duckdb");
        var (refused, _, err) = await CliRunner.Run("data", "ingest", file, "--db", db);
        Assert.Equal(1, refused);
        Assert.Contains("line 2", err, StringComparison.Ordinal);
        var (exit, output, _) = await CliRunner.Run("data", "ingest", file, "--db", db, "--set-aside-bad-lines");
        Assert.Equal(0, exit);
        Assert.Contains("set aside line 2: aggTrade 2: field p: 'NaN'", output, StringComparison.Ordinal);
        Assert.Contains("1 files ingested (2 rows)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--batch-seconds", "NaN")]
    [InlineData("--batch-seconds", "0")]
    [InlineData("--batch-seconds", "1e9")]
    [InlineData("--oi-seconds", "-1")]
    [InlineData("--oi-seconds", "NaN")]
    [InlineData("--duration", "-1")]
    [InlineData("--duration", "abc")]
    [InlineData("--ws-url", "::::")]
    [InlineData("--ws-url", "http://127.0.0.1:1")]
    [InlineData("--rest-url", "ftp://x")]
    public async Task A_bad_record_option_is_refused_naming_it_before_anything_connects(string option, string value)
    {
        var (exit, output, err) = await CliRunner.Run("data", "record", "binance", option, value, "--db", Path.Combine(_dir, "r.duckdb"));
        Assert.Equal(1, exit);
        Assert.Contains($"{option}:", output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", output + err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "r.duckdb")));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("0")]
    public async Task A_bad_unzip_ratio_is_refused_naming_the_option(string value)
    {
        var (exit, output, err) = await CliRunner.Run("data", "ingest", _dir, "--max-unzip-ratio", value, "--db", Path.Combine(_dir, "z.duckdb"));
        Assert.Equal(1, exit);
        Assert.Contains("--max-unzip-ratio: expected a number from 1", output + err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_raw_dir_that_is_a_file_is_refused_before_recording()
    {
        var file = Path.Combine(_dir, "afile");
        await File.WriteAllTextAsync(file, "x");
        var (exit, output, err) = await CliRunner.Run("data", "record", "binance", "--raw-dir", file, "--ws-url", "ws://127.0.0.1:9", "--duration", "1",
            "--db", Path.Combine(_dir, "r.duckdb"));
        Assert.Equal(1, exit);
        Assert.Contains("is a file, not a folder", output + err, StringComparison.Ordinal);
    }
}
