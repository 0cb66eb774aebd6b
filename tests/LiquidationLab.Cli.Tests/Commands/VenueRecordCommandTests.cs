namespace LiquidationLab.Cli.Tests.Commands;

/// <summary><c>data record bybit</c> and <c>data record okx</c> refuse bad input naming the option, before the store or the
/// network is touched, as <c>data record binance</c> does.</summary>
public sealed class VenueRecordCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-venue-rec-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("bybit", "--symbols", "../ESCAPE", "is not a valid bybit instrument")]
    [InlineData("bybit", "--symbols", "BTC-USDT-SWAP", "is not a valid bybit instrument")]
    [InlineData("bybit", "--streams", "forceOrder", "Unknown stream 'forceOrder'; known: allLiquidation, publicTrade, tickers")]
    [InlineData("okx", "--symbols", "BTCUSDT", "is not a valid okx instrument")]
    [InlineData("okx", "--symbols", "DOGE-USDT-SWAP", "No contract value is known for 'DOGE-USDT-SWAP'")]
    [InlineData("okx", "--streams", "tickers", "Unknown stream 'tickers'")]
    [InlineData("okx", "--batch-seconds", "NaN", "expected seconds")]
    [InlineData("bybit", "--ws-url", "http://127.0.0.1:1", "expected an absolute ws or wss URL")]
    [InlineData("okx", "--duration", "-1", "expected seconds")]
    public async Task A_bad_option_is_refused_naming_it_and_nothing_is_created(string venue, string option, string value, string problem)
    {
        var db = Path.Combine(_dir, "r.duckdb");
        var (exit, output, err) = await CliRunner.Run("data", "record", venue, option, value, "--ws-url", "ws://127.0.0.1:9/", "--db", db);
        if (option == "--ws-url") (exit, output, err) = await CliRunner.Run("data", "record", venue, option, value, "--db", db);
        Assert.Equal(1, exit);
        Assert.Contains($"{option}:", output + err, StringComparison.Ordinal);
        Assert.Contains(problem, output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", output + err, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
    }
}
