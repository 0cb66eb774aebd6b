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
                "--redis", redis.Configuration, "--http-port", "0", "--interval", "0.2", "--duration", "3", "--db", db, "--staleness", "5", "--record-books");
            Assert.True(exit == 0, err);
            Assert.Contains("Watching 2 market(s)", output, StringComparison.Ordinal);
            Assert.Matches(@"Control token \(POST …/recompute needs 'Authorization: Bearer <token>'; set \$LIQLAB_LFM_TOKEN to choose it\): [0-9a-f]{32}", output);
            Assert.Matches(@"book\(s\) recorded", output);
            using (var store = LabStore.Open(db, readOnly: true))
            {
                var rows = store.Scalar<long>("SELECT count(*) FROM liquidity_reports");
                Assert.True(rows > 0);
                Assert.Contains($"{rows} report(s) appended", output, StringComparison.Ordinal);
                Assert.Equal(2L, store.Scalar<long>("SELECT count(DISTINCT condition_id) FROM liquidity_reports"));
                // --record-books: every new polled book, under one recording-session row of the ingest log.
                Assert.Equal(2L, store.Scalar<long>("SELECT count(DISTINCT instrument_id) FROM book_snapshots"));
                Assert.Equal(1L, store.Scalar<long>("SELECT count(*) FROM ingest_log WHERE kind = 'liquidity-watch-books'"));
                Assert.Equal(store.Scalar<long>("SELECT count(*) FROM book_snapshots"), store.Scalar<long>("SELECT rows FROM ingest_log WHERE kind = 'liquidity-watch-books'"));
                Assert.Equal(0L, store.Scalar<long>("SELECT count(*) FROM (SELECT instrument_id, time, side, level FROM book_snapshots GROUP BY ALL HAVING count(*) > 1)"));
            }

            // Notebook 06 scores the recording next to the snapshot's series.
            var notebook = Path.Combine(RealSnapshot.RepositoryRoot, "notebooks", "06-liquidity-forecast.ipynb");
            var executed = Path.Combine(dir.FullName, "06.ipynb");
            (exit, output, err) = await CliRunner.Run("notebook", "run", notebook, "-o", executed, "-p", $"db={RealSnapshot.StorePath}", "-p", $"recordingDb={db}",
                "-p", "recordingHorizons=0.5,1", "-p", "recordingGapSeconds=5");
            Assert.True(exit == 0, err + output);
            Assert.Contains("Polymarket recorded btc-updown-1h-1765450800-up", await File.ReadAllTextAsync(executed), StringComparison.Ordinal);

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
