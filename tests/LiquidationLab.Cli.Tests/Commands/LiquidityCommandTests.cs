using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using LiquidationLab.Server.Liquidity;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests.Commands;

public class LiquidityCommandTests
{
    [Fact]
    public async Task A_horizon_beyond_the_hard_limit_is_rejected_before_anything_starts()
    {
        var (exit, _, err) = await CliRunner.Run("liquidity", "watch", "--clob", "http://127.0.0.1:1", "--market", "0xabc=1", "--horizon", "90000", "--no-store");
        Assert.Equal(1, exit);
        Assert.Equal("liqlab: PARAMETER_CHANGE_REQUIRES_APPROVAL: forecast_horizon_s 90000 exceeds the hard limit 86400 s.", err.Trim());
    }

    [Fact]
    public async Task Missing_markets_and_bad_urls_are_named()
    {
        var (exit, _, err) = await CliRunner.Run("liquidity", "watch", "--clob", "http://127.0.0.1:1", "--no-store");
        Assert.Equal(1, exit);
        Assert.Contains("No markets: give --market or --markets-file.", err, StringComparison.Ordinal);
        (exit, _, err) = await CliRunner.Run("liquidity", "watch", "--clob", "ftp://x", "--market", "a", "--no-store");
        Assert.Equal(1, exit);
        Assert.Equal("liqlab: --clob: 'ftp://x' is not an absolute http(s) URL.", err.Trim());
        (exit, _, err) = await CliRunner.Run("liquidity", "watch", "--clob", "http://127.0.0.1:1", "--market", "a", "--no-store", "--redis", "127.0.0.1:1");
        Assert.Equal(1, exit);
        Assert.Equal("liqlab: Redis is not reachable at 127.0.0.1:1.", err.Trim());
    }

    [Fact]
    [Trait(RequiredTools.Trait, "redis-server")]
    public async Task Watch_against_the_replay_server_writes_reports_and_the_kill_switch_command_sets_redis()
    {
        using var redis = new RedisServer();
        var dir = Directory.CreateTempSubdirectory("liqlab-watch-");
        try
        {
            await using var replay = new BookReplayServer(RealSnapshot.PolymarketRecordings, new BookReplayOptions { Speed = 20 });
            await replay.StartAsync();
            var markets = Path.Combine(dir.FullName, "markets.txt");
            await File.WriteAllLinesAsync(markets, replay.Markets.Select(m => $"{m.ConditionId} {m.TokenId}"));
            var db = Path.Combine(dir.FullName, "lab.duckdb");
            var (exit, output, err) = await CliRunner.Run("liquidity", "watch", "--clob", replay.BaseUrl.ToString(), "--markets-file", markets,
                "--redis", redis.Configuration, "--http-port", "0", "--interval", "0.2", "--duration", "3", "--db", db, "--staleness", "5");
            Assert.True(exit == 0, err);
            Assert.Contains("Watching 2 market(s)", output, StringComparison.Ordinal);
            using (var store = LabStore.Open(db, readOnly: true))
            {
                var rows = store.Scalar<long>("SELECT count(*) FROM liquidity_reports");
                Assert.True(rows > 0);
                Assert.Contains($"{rows} report(s) appended", output, StringComparison.Ordinal);
                Assert.Equal(2L, store.Scalar<long>("SELECT count(DISTINCT condition_id) FROM liquidity_reports"));
            }

            (exit, output, _) = await CliRunner.Run("liquidity", "kill-switch", "on", "--redis", redis.Configuration);
            Assert.Equal(0, exit);
            Assert.Contains("kill switch ON", output, StringComparison.Ordinal);
            await using (var state = await RedisLiquidityState.ConnectAsync(redis.Configuration))
                Assert.True(await state.KillSwitchAsync());
            (_, output, _) = await CliRunner.Run("liquidity", "kill-switch", "off", "--redis", redis.Configuration);
            Assert.Contains("kill switch off", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
