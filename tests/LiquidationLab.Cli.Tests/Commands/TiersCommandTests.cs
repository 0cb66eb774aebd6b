namespace LiquidationLab.Cli.Tests.Commands;

/// <summary><c>liqlab tiers import</c> with hostile response files (issue 30): symbols that are not file names, files too large.</summary>
public sealed class TiersCommandTests : IDisposable
{
    // Binance's GET /fapi/v1/leverageBracket shape for one symbol.
    private const string Brackets = """
        [ { "bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0 },
          { "bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000, "maintMarginRatio": 0.005, "cum": 50.0 } ]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-tiers-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Response(string symbolJson) => $$"""[{"symbol":{{symbolJson}},"brackets":{{Brackets}}}]""";

    [Theory]
    [InlineData("\"../x\"")]
    [InlineData("\"../../x\"")]
    [InlineData("\".\"")]
    [InlineData("\"..\"")]
    [InlineData("\"AB\\nCD\"")]
    [InlineData("\"sub/ETHUSDT\"")]
    [InlineData("\"/tmp/ETHUSDT\"")]
    [InlineData("\"A\"")]
    [InlineData("\"ETH USDT\"")]
    public async Task A_symbol_outside_the_exchange_grammar_is_refused_and_nothing_is_written(string symbolJson)
    {
        var outDir = Path.Combine(_dir, "out", "tables");
        Directory.CreateDirectory(outDir);
        var victim = Path.Combine(_dir, "out", "X.json");
        await File.WriteAllTextAsync(victim, "precious");
        var file = Path.Combine(_dir, "response.json");
        await File.WriteAllTextAsync(file, Response(symbolJson));

        var r = await CliRunner.Run("tiers", "import", file, "--out", outDir, "--force");

        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.StartsWith("liqlab: ", r.Err, StringComparison.Ordinal);
        Assert.Contains("symbol", r.Err, StringComparison.Ordinal);
        Assert.Contains("[A-Z0-9]{2,30}", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.TrimEnd().Split('\n')); // one line, even for a symbol holding a newline
        Assert.Equal("precious", await File.ReadAllTextAsync(victim));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
        Assert.Equal([victim, outDir], Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "out")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_valid_symbol_is_written_inside_out()
    {
        var outDir = Path.Combine(_dir, "tables");
        var file = Path.Combine(_dir, "response.json");
        await File.WriteAllTextAsync(file, Response("\"ethusdt\""));
        var r = await CliRunner.Run("tiers", "import", file, "--out", outDir, "--effective-date", "2026-01-02");
        Assert.True(r.Exit == 0, r.Err);
        Assert.Equal([Path.Combine(outDir, "ETHUSDT.json")], Directory.EnumerateFiles(outDir));
    }

    [Fact]
    public async Task A_file_larger_than_the_cap_is_refused_before_it_is_read()
    {
        // A valid response padded with whitespace past the cap: it would parse, but no real response is this large.
        var file = Path.Combine(_dir, "huge.json");
        await using (var w = new StreamWriter(file))
        {
            await w.WriteAsync(new string(' ', 17 * 1024 * 1024));
            await w.WriteAsync(Response("\"ETHUSDT\""));
        }
        var outDir = Path.Combine(_dir, "tables");
        var r = await CliRunner.Run("tiers", "import", file, "--out", outDir);
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Contains(file, r.Err, StringComparison.Ordinal);
        Assert.Contains("larger than the 16 MiB", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any());
    }

    [Fact]
    public async Task An_endless_stream_such_as_dev_zero_is_stopped_at_the_cap()
    {
        var r = await CliRunner.Run("tiers", "import", "/dev/zero", "--out", Path.Combine(_dir, "tables"));
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Contains("/dev/zero", r.Err, StringComparison.Ordinal);
        Assert.Contains("larger than the 16 MiB", r.Err, StringComparison.Ordinal);
    }
}
