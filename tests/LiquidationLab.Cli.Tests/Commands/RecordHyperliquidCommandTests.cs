using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tests.Recording;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary><c>liqlab data record hyperliquid</c>: its options refused in their own names before anything connects, and a
/// short session against the loopback stand-in of Hyperliquid's API.</summary>
public sealed class RecordHyperliquidCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-rec-hl-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Account = "0x8c3f1e02a4f2ad9b1d55e3b4b7b1ef0d3a6c9e21";

    [Theory]
    [InlineData("--coins BTC-USD", "--coins: 'BTC-USD' is not a Hyperliquid coin")]
    [InlineData("--positions --accounts 0x123", "--accounts: '0x123' is not an account address")]
    [InlineData("--positions", "--positions: give the accounts with --accounts")]
    [InlineData("--accounts " + Account, "--positions: --accounts and --accounts-file are read with --positions only")]
    [InlineData("--positions --accounts-file /nonexistent/accounts.txt", "--accounts-file: The accounts file /nonexistent/accounts.txt does not exist.")]
    [InlineData("--positions-every 5", "--positions-every: expected seconds from 10 to 86,400")]
    [InlineData("--weight-per-minute 5000", "--weight-per-minute: expected a whole number from 1 to 1,200")]
    [InlineData("--weight-per-minute 10", "--weight-per-minute: The weight burst must be from 20")]
    [InlineData("--oi-seconds NaN", "--oi-seconds: expected seconds")]
    [InlineData("--info-url ftp://x", "--info-url: expected an absolute http or https URL")]
    [InlineData("--ws-url http://127.0.0.1:1", "--ws-url: expected an absolute ws or wss URL")]
    public async Task A_bad_option_is_refused_naming_it_before_anything_connects_or_the_store_is_created(string arguments, string expected)
    {
        var db = Path.Combine(_dir, "r.duckdb");
        var (exit, output, err) = await CliRunner.Run(["data", "record", "hyperliquid", .. arguments.Split(' '), "--db", db]);
        Assert.Equal(1, exit);
        Assert.Contains(expected, output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter '", output + err, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
    }

    [Fact]
    public async Task Too_many_accounts_for_the_weight_budget_are_refused_naming_the_accounts_file()
    {
        var file = Path.Combine(_dir, "accounts.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 500).Select(i => "0x" + i.ToString("x40", System.Globalization.CultureInfo.InvariantCulture)));
        var (exit, output, err) = await CliRunner.Run("data", "record", "hyperliquid", "--positions", "--accounts-file", file, "--positions-every", "60",
            "--weight-per-minute", "600", "--db", Path.Combine(_dir, "r.duckdb"));
        Assert.Equal(1, exit);
        Assert.Contains("--accounts-file: 500 accounts (weight 2 each) and the market polls need weight 1,020", output + err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_session_against_a_loopback_venue_stores_trades_market_data_and_positions()
    {
        using var server = new HyperliquidLoopbackServer(
            [(["""{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"88058.0","sz":"0.01","hash":"0x0a","time":1769428795000,"tid":7001,"users":["0x01","0x02"]}]}"""], false)],
            coins: 1);
        server.Answers["metaAndAssetCtxs"] = _ => (200, """[{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40}]},[{"funding":"0.0000125","openInterest":"100.5","markPx":"88000.0","oraclePx":"88001.0"}]]""");
        server.Answers["clearinghouseState"] = _ => (200,
            """{"assetPositions":[{"type":"oneWay","position":{"coin":"BTC","szi":"-2.0","leverage":{"type":"cross","value":25},"entryPx":"90000.0","positionValue":"176000.0","liquidationPx":"95500.5","marginUsed":"7040.0"}}],"time":1769428800000}""");
        var db = Path.Combine(_dir, "hl.duckdb");
        var (exit, output, err) = await CliRunner.Run("data", "record", "hyperliquid", "--coins", "BTC", "--positions", "--accounts", Account,
            "--ws-url", server.WebSocketUrl.ToString(), "--info-url", server.InfoUrl.ToString(), "--batch-seconds", "0.2", "--duration", "2", "--db", db);
        Assert.True(exit == 0, output + err);
        Assert.Contains("Stopped:", output, StringComparison.Ordinal);
        using var s = LabStore.Open(db, readOnly: true);
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM trades WHERE venue = 'hyperliquid' AND symbol = 'BTC' AND trade_id = 7001"));
        Assert.Equal(100.5 * 88000.0, s.Scalar<double>("SELECT oi_usd FROM open_interest WHERE source = 'hyperliquid-info'"));
        Assert.Equal(95500.5, s.Scalar<double>("SELECT liquidation_price FROM position_levels WHERE side = 'short' AND coin = 'BTC'"));
        Assert.Equal(0, s.Scalar<long>("SELECT count(*) FROM recording_rejects"));
    }
}
