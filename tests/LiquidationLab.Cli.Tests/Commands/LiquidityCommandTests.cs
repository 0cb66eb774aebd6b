using System.Diagnostics;
using LiquidationLab.Cli.Commands;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using LiquidationLab.Liquidity.Service;
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

    [Fact]
    [Trait(RequiredTools.Trait, "redis-server")]
    public async Task A_running_watch_leaves_the_research_store_free_for_ingest_and_status()
    {
        using var redis = new RedisServer();
        var dir = Directory.CreateTempSubdirectory("liqlab-watch-lock-");
        try
        {
            await using var replay = new BookReplayServer(RealSnapshot.PolymarketRecordings, new BookReplayOptions { Speed = 20 });
            await replay.StartAsync();
            var research = Path.Combine(dir.FullName, "lab.duckdb");
            var service = Path.Combine(dir.FullName, "liquidity.duckdb");
            // Another process runs the service with a user's environment: LIQLAB_DB names the research store.
            var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "liqlab.dll"), "liquidity", "watch", "--clob", replay.BaseUrl.ToString(),
                "--market", "btc-updown-1h-1765450800=btc-updown-1h-1765450800-up", "--redis", redis.Configuration, "--http-port", "0", "--interval", "0.2", "--duration", "60"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            psi.Environment["LIQLAB_DB"] = research;
            psi.Environment[LiquidityCommand.ServiceDbVariable] = service;
            using var child = Process.Start(psi)!;
            try
            {
                // Its store is open once it prints the control token (after "Watching" and the endpoints).
                var output = new System.Text.StringBuilder();
                string? line;
                while ((line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("Control token", StringComparison.Ordinal))
                    output.AppendLine(line);
                if (line is null) Assert.Fail("watch exited early: " + output + await child.StandardError.ReadToEndAsync());
                _ = child.StandardOutput.ReadToEndAsync(); // keep draining both pipes
                _ = child.StandardError.ReadToEndAsync();

                // While it runs, the research store takes an ingest and answers status (before: "locked by …/dotnet").
                var csv = Path.Combine(dir.FullName, "coinglass_liquidation_4h.csv");
                await File.WriteAllTextAsync(csv, "timestamp,long_usd,short_usd\n2025-10-10T20:00:00,235600000.5,107500000.25\n");
                var (exit, _, err) = await CliRunner.Run("data", "ingest", csv, "--db", research);
                Assert.True(exit == 0, err);
                (exit, var status, err) = await CliRunner.Run("data", "status", "--db", research);
                Assert.True(exit == 0, err);
                Assert.Contains("liquidation_totals", status, StringComparison.Ordinal);
                Assert.False(child.HasExited);
                Assert.Throws<StoreLockedException>(() => LabStore.Open(service)); // still the one held
            }
            finally
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_service_store_defaults_to_its_own_file_beside_the_research_store()
    {
        var env = Environment.GetEnvironmentVariable(LiquidityCommand.ServiceDbVariable);
        Environment.SetEnvironmentVariable(LiquidityCommand.ServiceDbVariable, null);
        try
        {
            Assert.Equal(Path.Combine(RealSnapshot.RepositoryRoot, "data", "liquidity.duckdb"), LiquidityCommand.ServiceDbPath(null));
            Assert.NotEqual(LabStore.ResolvePath(null), LiquidityCommand.ServiceDbPath(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable(LiquidityCommand.ServiceDbVariable, env);
        }
    }
}
