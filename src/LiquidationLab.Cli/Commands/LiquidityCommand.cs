using System.CommandLine;
using System.Globalization;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Liquidity.Service;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab liquidity watch|replay|kill-switch</c>: the LiquidityForecastModel signal service and its tools.</summary>
internal static class LiquidityCommand
{
    public static Command Create()
    {
        var cmd = new Command("liquidity", "LiquidityForecastModel: order-book depth forecasts for Polymarket CLOB markets (observe only, never trades).");
        cmd.Add(Watch());
        cmd.Add(Replay());
        cmd.Add(KillSwitch());
        return cmd;
    }

    internal static Option<string> RedisOption() => new("--redis")
    {
        Description = "Redis server (StackExchange.Redis configuration string).",
        DefaultValueFactory = _ => "127.0.0.1:6379",
    };

    internal static Option<string?> RedisUserOption() => new("--redis-user")
    {
        Description = $"Redis ACL user (Redis 6+); its password (or the requirepass password) comes from ${RedisPasswordVariable}, never the command line.",
    };

    /// <summary>Environment variable holding the Redis password (kept out of argv, which other users can read).</summary>
    public const string RedisPasswordVariable = "LIQLAB_REDIS_PASSWORD";

    /// <summary>Environment variable holding the control token of the state-changing endpoints.</summary>
    public const string ControlTokenVariable = "LIQLAB_LFM_TOKEN";

    /// <summary>Environment variable naming the service's own DuckDB file.</summary>
    public const string ServiceDbVariable = "LIQLAB_LIQUIDITY_DB";

    /// <summary>Connects with the credentials of --redis-user and $LIQLAB_REDIS_PASSWORD.</summary>
    internal static Task<RedisLiquidityState> ConnectRedis(string configuration, string? user) =>
        RedisLiquidityState.ConnectAsync(configuration, user, Environment.GetEnvironmentVariable(RedisPasswordVariable) is { Length: > 0 } p ? p : null);

    /// <summary>The service's own store: --db, else $LIQLAB_LIQUIDITY_DB, else the repository's data/liquidity.duckdb (else
    /// data/liquidity.duckdb here). Not the research store data/lab.duckdb: a running watch would hold its write lock and
    /// stop data ingest, status and report.</summary>
    internal static string ServiceDbPath(string? explicitPath) => Path.GetFullPath(
        !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath
        : Environment.GetEnvironmentVariable(ServiceDbVariable) is { Length: > 0 } env ? env
        : Workspace.Path("data", "liquidity.duckdb") ?? "data/liquidity.duckdb");

    private static Command Watch()
    {
        var clob = new Option<string>("--clob") { Description = "Base URL of a CLOB-compatible endpoint (GET {base}/book?token_id=…).", Required = true };
        var market = new Option<string[]>("--market") { Description = "A market: condition_id[=token_id] (repeatable).", AllowMultipleArgumentsPerToken = false };
        var marketsFile = new Option<string?>("--markets-file") { Description = "File of markets: 'condition_id token_id' per line, or the replay server's JSON list." };
        var redis = RedisOption();
        var redisUser = RedisUserOption();
        var allowedHosts = new Option<string[]>("--allowed-host") { Description = "Also accept this Host header on the HTTP endpoints (repeatable; default loopback names only)." };
        var publishTo = new Option<string[]>("--publish-to") { Description = $"publish_to: Redis channel for reports (repeatable; default {RedisLiquidityState.ReportChannel})." };
        var httpPort = new Option<int>("--http-port") { Description = "Port on 127.0.0.1 for /metrics, health and recompute (0: any free port).", DefaultValueFactory = _ => 9464 };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls of each market.", DefaultValueFactory = _ => 1 };
        var horizon = new Option<double>("--horizon") { Description = "forecast_horizon_s (warning above 3600, rejected above 86400).", DefaultValueFactory = _ => 3600 };
        var minLiquidity = new Option<double>("--min-liquidity") { Description = "min_liquidity_pusd (warning below 500, rejected below 100).", DefaultValueFactory = _ => 1000 };
        var staleness = new Option<double>("--staleness") { Description = "staleness_threshold_s: older books are STALE_DATA.", DefaultValueFactory = _ => 60 };
        var estimator = new Option<DepthEstimatorKind>("--estimator") { Description = "Depth estimator.", DefaultValueFactory = _ => LiquidityForecastModel.DefaultEstimator };
        var band = new Option<decimal?>("--band") { Description = "Depth only within ±BAND of mid (price units, e.g. 0.05); default the whole book." };
        var fillFloor = new Option<double>("--fill-floor") { Description = "Weight of depth that never trades (1 turns fill-rate weighting off).", DefaultValueFactory = _ => 0.5 };
        var maxInFlight = new Option<int>("--max-in-flight") { Description = "Concurrent requests at most.", DefaultValueFactory = _ => 25 };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (0: run until Ctrl+C).", DefaultValueFactory = _ => 0 };
        var noStore = new Option<bool>("--no-store") { Description = "Do not append reports to a DuckDB store." };
        var recordBooks = new Option<bool>("--record-books") { Description = "Also store every new polled book (book_snapshots of the service's store), e.g. a week of polling for an hour-horizon backtest in notebook 06 (its recordingDb parameter)." };
        var db = new Option<string?>("--db") { Description = $"The service's own DuckDB file for reports (default: ${ServiceDbVariable}, else data/liquidity.duckdb; not the research store, whose write lock the service would hold)." };
        var cmd = new Command("watch", "Poll books, forecast depth, keep state in Redis, append reports to DuckDB and publish them on Redis.")
        {
            clob, market, marketsFile, redis, redisUser, allowedHosts, publishTo, httpPort, interval, horizon, minLiquidity, staleness, estimator, band, fillFloor,
            maxInFlight, duration, noStore, recordBooks, db,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var clobUrl = BaseUrl(parse.GetValue(clob)!);
            var markets = new List<WatchMarket>();
            foreach (var m in parse.GetValue(market) ?? []) markets.AddRange(WatchMarket.Parse(m, "--market"));
            if (parse.GetValue(marketsFile) is { } file)
            {
                if (!File.Exists(file)) throw new FileNotFoundException($"Markets file not found: {Path.GetFullPath(file)}");
                markets.AddRange(WatchMarket.Parse(await File.ReadAllTextAsync(file, ct).ConfigureAwait(false), file));
            }
            if (markets.Count == 0) throw new ArgumentException("No markets: give --market or --markets-file.");
            if (parse.GetValue(recordBooks) && parse.GetValue(noStore)) throw new ArgumentException("--record-books needs a store: drop --no-store.");
            var model = new LiquidityForecastOptions
            {
                ForecastHorizonSeconds = parse.GetValue(horizon),
                MinLiquidityPusd = parse.GetValue(minLiquidity),
                StalenessThresholdSeconds = parse.GetValue(staleness),
                Estimator = parse.GetValue(estimator),
                DepthBandHalfWidth = parse.GetValue(band),
                FillRateFloorWeight = parse.GetValue(fillFloor),
            };
            foreach (var w in model.EnsureValid()) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w.Message)}");

            await using var state = await ConnectRedis(parse.GetValue(redis)!, parse.GetValue(redisUser)).ConfigureAwait(false);
            var store = parse.GetValue(noStore) ? null
                : Workspace.OpenStore(Workspace.CheckStore(ServiceDbPath(parse.GetValue(db)), parse.GetValue(db) is { } given ? $"--db {given}" : "the liquidity store", StoreUse.Create), readOnly: false);
            try
            {
                var writer = store is null ? null : new LiquidityReportWriter(store) { RecordingSource = $"liqlab liquidity watch --record-books {clobUrl}" };
                try
                {
                    var options = new LiquidityWatchOptions
                    {
                        ClobBaseUrl = clobUrl, Markets = markets, Model = model, PollIntervalSeconds = parse.GetValue(interval),
                        MaxInFlight = parse.GetValue(maxInFlight), HttpPort = parse.GetValue(httpPort),
                        ControlToken = Environment.GetEnvironmentVariable(ControlTokenVariable) is { Length: > 0 } token ? token : null,
                        AllowedHosts = [.. LiquidityWatchOptions.LoopbackHosts, .. parse.GetValue(allowedHosts) ?? []],
                        PublishTo = parse.GetValue(publishTo) is { Length: > 0 } channels ? channels : [RedisLiquidityState.ReportChannel],
                        RecordBooks = parse.GetValue(recordBooks),
                    };
                    await using var service = new LiquidityWatchService(options, state, writer);
                    await service.StartAsync().ConfigureAwait(false);
                    console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"Watching {markets.Count} market(s) at {options.ClobBaseUrl} every {options.PollIntervalSeconds} s; estimator {model.Estimator}, horizon {model.ForecastHorizonSeconds} s; state of {service.RestoredMarkets} restored from Redis")));
                    console.MarkupLine(Markup.Escape($"Metrics {service.HttpBaseUrl}metrics · health {service.HttpBaseUrl}internal/health/liquidityforecastmodel · reports → {(store is null ? "Redis only" : store.Path)} and {string.Join(", ", options.PublishTo)}"));
                    if (options.ControlToken is null)
                        console.MarkupLine(Markup.Escape($"Control token (POST …/recompute needs 'Authorization: Bearer <token>'; set ${ControlTokenVariable} to choose it): {service.ControlToken}"));
                    var seconds = parse.GetValue(duration);
                    var until = seconds > 0 ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
                    while (!ct.IsCancellationRequested && DateTime.UtcNow < until)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, Math.Max(0.05, (until - DateTime.UtcNow).TotalSeconds))), ct).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                        var health = service.Health();
                        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                            $"{DateTime.UtcNow:HH:mm:ss} health {health.Status.ToString().ToLowerInvariant()} · emitted {service.Emitted} · published {service.Published} · unpublished {service.Unpublished} · dropped {service.Dropped}")));
                    }
                }
                finally
                {
                    if (writer is not null) await writer.DisposeAsync().ConfigureAwait(false);
                }
                if (writer is not null)
                    console.MarkupLine(Markup.Escape($"{writer.Written} report(s) appended to {store!.Path}" + (parse.GetValue(recordBooks) ? $"; {writer.BooksWritten} book(s) recorded" : "")));
            }
            finally
            {
                store?.Dispose();
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>An absolute http(s) URL, with a trailing slash so relative paths append to it.</summary>
    internal static Uri BaseUrl(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? u : throw new ArgumentException($"--clob: '{text}' is not an absolute http(s) URL.");

    private static Command Replay()
    {
        var data = RecordedBooks.DataOption();
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => 8765 };
        var copies = new Option<int>("--copies") { Description = "Serve each recording N times as separate markets (load tests).", DefaultValueFactory = _ => 1 };
        var speed = new Option<double>("--speed") { Description = "Recorded seconds per wall second.", DefaultValueFactory = _ => 1 };
        var marketsOut = new Option<string?>("--markets-out") { Description = "Write the served markets (condition_id token_id per line) to this file." };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (0: run until Ctrl+C).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("replay", "Serve recorded real books as a CLOB-compatible /book endpoint on 127.0.0.1, in wall-clock time.")
        {
            data, port, copies, speed, marketsOut, duration,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var (recordings, _) = RecordedBooks.Load(parse.GetValue(data));
            await using var server = new BookReplayServer(recordings, new BookReplayOptions
            {
                Port = parse.GetValue(port), Copies = parse.GetValue(copies), Speed = parse.GetValue(speed),
            });
            await server.StartAsync(ct).ConfigureAwait(false);
            var markets = server.Markets;
            if (parse.GetValue(marketsOut) is { } output)
                await File.WriteAllLinesAsync(output, markets.Select(m => $"{m.ConditionId} {m.TokenId}"), ct).ConfigureAwait(false);
            console.MarkupLine(Markup.Escape($"Replaying {markets.Count} market(s) from {recordings.Count} recording(s) at {server.BaseUrl} (book?token_id=…, trades?token_id=…)"));
            foreach (var m in markets.Take(5)) console.MarkupLine(Markup.Escape($"  {m.ConditionId} {m.TokenId}"));
            if (markets.Count > 5) console.MarkupLine(Markup.Escape($"  … {markets.Count - 5} more"));
            var seconds = parse.GetValue(duration);
            try
            {
                await Task.Delay(seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C
            }
            console.MarkupLine(Markup.Escape($"Served {server.BookRequests} book request(s)."));
            return 0;
        });
        return cmd;
    }

    private static Command KillSwitch()
    {
        var action = new Argument<string>("state") { Description = "on, off or status." };
        action.AcceptOnlyFromAmong("on", "off", "status");
        var redis = RedisOption();
        var redisUser = RedisUserOption();
        var cmd = new Command("kill-switch", "Set, clear or show the kill switch (Redis key lfm:kill_switch): forecasts go on, emissions stop.") { action, redis, redisUser };
        cmd.SetAction(async (parse, _) =>
        {
            await using var state = await ConnectRedis(parse.GetValue(redis)!, parse.GetValue(redisUser)).ConfigureAwait(false);
            var value = parse.GetValue(action);
            if (value != "status") await state.SetKillSwitchAsync(value == "on").ConfigureAwait(false);
            var on = await state.KillSwitchAsync().ConfigureAwait(false);
            Terminal.Console(parse.InvocationConfiguration.Output).MarkupLine($"kill switch {(on ? "[red]ON[/]: emissions suppressed" : "[green]off[/]")}");
            return 0;
        });
        return cmd;
    }
}
