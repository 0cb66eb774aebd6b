using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Liquidity.Service;
using LiquidationLab.TestSupport;
using StackExchange.Redis;

namespace LiquidationLab.Liquidity.Service.Tests;

/// <summary>
/// Redis server, replay server on recorded real books (x20 speed), DuckDB store, the watch service (0.2 s polls, 3 s
/// staleness) and a Redis subscriber on the report channel.
/// </summary>
internal sealed class WatchHarness : IAsyncDisposable
{
    public const string Btc = "btc-updown-1h-1765450800";
    public const double PollIntervalSeconds = 0.2;
    public readonly RedisServer Redis = new();
    public readonly TempStore Store = new();
    public readonly DrivenClock Clock = DrivenClock.AtWallTime();
    public readonly ConditionSignal Signal = new();
    public BookReplayServer Replay = null!;
    public RedisLiquidityState State = null!;
    public LiquidityReportWriter Writer = null!;
    public LiquidityWatchService Service = null!;
    public WatchDriver Driver = null!;
    public ConnectionMultiplexer Subscriber = null!;
    public readonly ConcurrentQueue<string> Received = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private bool _serviceDisposed;

    public static readonly LiquidityForecastOptions Model = new() { StalenessThresholdSeconds = 3 };

    /// <summary>Starts everything on one driven clock (the replay at x20 and the service); the clock moves only by
    /// <see cref="Step"/> / <see cref="StepUntil"/>.</summary>
    public static async Task<WatchHarness> StartAsync(Func<LiquidityWatchOptions, LiquidityWatchOptions>? configure = null)
    {
        var h = new WatchHarness();
        h.Replay = new BookReplayServer(RealSnapshot.PolymarketRecordings, new BookReplayOptions { Speed = 20 }, h.Clock.Now);
        await h.Replay.StartAsync();
        h.State = await RedisLiquidityState.ConnectAsync(h.Redis.Configuration);
        var subscriberOptions = ConfigurationOptions.Parse(h.Redis.Configuration);
        subscriberOptions.AbortOnConnectFail = false;
        subscriberOptions.ReconnectRetryPolicy = new LinearRetry(200);
        h.Subscriber = await ConnectionMultiplexer.ConnectAsync(subscriberOptions);
        await h.Subscriber.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisLiquidityState.ReportChannel), (_, v) =>
        {
            h.Received.Enqueue(v!);
            h.Signal.Pulse();
        });
        h.Writer = new LiquidityReportWriter(h.Store.Store);
        var options = new LiquidityWatchOptions
        {
            ClobBaseUrl = h.Replay.BaseUrl, Markets = h.Replay.Markets.Select(m => new WatchMarket(m.ConditionId, m.TokenId)).ToList(),
            Model = Model, PollIntervalSeconds = PollIntervalSeconds, HttpPort = 0, TradePollIntervalSeconds = 1,
        };
        options = configure is null ? options : configure(options);
        h.Service = new LiquidityWatchService(options, h.State, h.Writer, h.Clock.Now);
        h.Driver = await WatchDriver.StartAsync(h.Clock, h.Service, options.Markets.Count, options.PollIntervalSeconds, h.Signal);
        return h;
    }

    /// <summary>Moves the clock one poll interval on and awaits every market's poll.</summary>
    public Task Step() => Driver.Step();

    /// <summary>Steps the clock until the condition holds (at most 200 poll intervals).</summary>
    public Task StepUntil(Func<bool> condition, string what) => Driver.StepUntil(condition, what);

    /// <summary>Awaits what other threads do without the clock moving (the publisher, the Redis subscriber).</summary>
    public Task Until(Func<bool> condition, string what) => Signal.Until(condition, what);

    public async Task<(HttpStatusCode Status, string Body)> Get(string path)
    {
        using var r = await _http.GetAsync(new Uri(Service.HttpBaseUrl!, path));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>POST with the service's bearer token (or another, or none) and optionally another Host header.</summary>
    public async Task<(HttpStatusCode Status, string Body)> Post(string path, string? token = "", string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Service.HttpBaseUrl!, path));
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Length == 0 ? Service.ControlToken : token);
        if (host is not null) request.Headers.Host = host;
        using var r = await _http.SendAsync(request);
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>Steps the clock <paramref name="polls"/> poll intervals: every market polled that many more times.</summary>
    public async Task AfterPolls(int polls)
    {
        for (var i = 0; i < polls; i++) await Step();
    }

    /// <summary>Stops the service and drains the writer, so the store and the counters are final.</summary>
    public async Task StopServiceAsync()
    {
        if (_serviceDisposed) return;
        _serviceDisposed = true;
        await Service.DisposeAsync();
        await Writer.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopServiceAsync();
        await Replay.DisposeAsync();
        await State.DisposeAsync();
        await Subscriber.DisposeAsync();
        _http.Dispose();
        Store.Dispose();
        Redis.Dispose();
    }
}

[CollectionDefinition("liquidity-service", DisableParallelization = true)]
public sealed class LiquidityServiceTests;

[Collection("liquidity-service")]
[Trait(RequiredTools.Trait, "redis-server")]
public class LiquidityWatchIntegrationTests
{
    [Fact]
    public async Task Normal_polling_emits_reports_to_duckdb_redis_and_metrics()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 8, "8 reports");

        var metrics = await h.Get("metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        // The spec's three metrics, with its names and labels.
        Assert.Matches(@"(?m)^polytraders_intel_liquidityforecastmodel_observations_emitted_total\{condition_id=""btc-updown-1h-1765450800""\} [1-9]\d*$", metrics.Body);
        Assert.Matches(@"(?m)^polytraders_intel_liquidityforecastmodel_forecast_pusd\{condition_id=""btc-updown-1h-1765450800""\} \d", metrics.Body);
        Assert.Matches(@"(?m)^polytraders_intel_liquidityforecastmodel_low_forecast_total \d+$", metrics.Body);
        var health = await h.Get("internal/health/liquidityforecastmodel");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        var hj = JsonDocument.Parse(health.Body).RootElement;
        Assert.Equal("green", hj.GetProperty("status").GetString());
        Assert.True(hj.GetProperty("redis_connected").GetBoolean() && hj.GetProperty("clob_ok").GetBoolean());
        Assert.Equal(200, hj.GetProperty("last_clob_http_status").GetInt32());
        Assert.InRange(hj.GetProperty("last_forecast_age_seconds").GetDouble(), 0, 300);
        var served = await h.Get($"internal/liquidityforecastmodel/forecast?condition_id={WatchHarness.Btc}");
        Assert.Equal(HttpStatusCode.OK, served.Status);
        var recompute = await h.Post($"internal/liquidityforecastmodel/recompute?condition_id={WatchHarness.Btc}");
        Assert.Equal(HttpStatusCode.OK, recompute.Status);
        Assert.Equal("Emit", JsonDocument.Parse(recompute.Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await h.Post("internal/liquidityforecastmodel/recompute?condition_id=nope")).Status);

        var state = await h.State.LoadAsync(WatchHarness.Btc);
        Assert.NotNull(state);
        Assert.True(state.LastSnapshotMs > 0);
        var ttl = await h.State.StateTtlAsync(WatchHarness.Btc);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));

        await h.StopServiceAsync();
        var emitted = h.Service.Emitted;
        Assert.Equal(emitted, h.Store.Count("liquidity_reports"));
        Assert.Equal(emitted, h.Service.Published);
        await h.Until(() => h.Received.Count == emitted, "every report received by the subscriber");
        // Idempotency: one row per (condition, snapshot); no report older than the staleness threshold.
        Assert.Equal(emitted, h.Store.Store.Scalar<long>("SELECT count(DISTINCT (condition_id, snapshot_ts_ms)) FROM liquidity_reports"));
        Assert.Equal(0, h.Store.Count("liquidity_reports", "emitted_at_ms - snapshot_ts_ms > 3000"));
        foreach (var json in h.Received)
        {
            var r = ObservationReport.FromJson(json);
            Assert.Equal("intel.liquidityforecastmodel", r.BotId);
            Assert.Equal("ObservationReport", r.Kind);
            Assert.Matches(new Regex("^rep_lfm_[a-z0-9]{1,8}_[0-9]{13}$"), r.ReportId);
            Assert.Matches(new Regex("^[0-9a-f]{32}$"), r.TraceId);
            Assert.True(r.CurrentBidDepthPusd > 0 && r.ForecastPusd > 0);
        }
    }

    [Fact]
    public async Task An_outage_turns_markets_stale_emits_nothing_and_recovers()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 2, "first reports");
        h.Replay.Outage = true;
        await h.Step();
        Assert.NotEqual(ForecastStatus.Stale, h.Service.LastOutcome(WatchHarness.Btc).Status); // the last book is still fresh
        // The staleness threshold is 3 s of the driven clock: 15 poll intervals of 0.2 s, then STALE_DATA.
        await h.StepUntil(() => h.Service.LastOutcome(WatchHarness.Btc).Status == ForecastStatus.Stale, "STALE_DATA after the staleness threshold");
        Assert.Equal([LiquidityReasonCodes.StaleData], h.Service.LastOutcome(WatchHarness.Btc).Codes);
        await h.StepUntil(() => h.Service.Health().Status != HealthStatus.Green
            && h.Replay.Markets.All(m => h.Service.LastOutcome(m.ConditionId).Status == ForecastStatus.Stale), "every market evaluated as stale");
        var before = h.Service.Emitted;
        await h.AfterPolls(5); // five more polls of every market during the outage
        Assert.Equal(before, h.Service.Emitted);
        // The spec's rules: a CLOB outage with a forecast under 15 min old and Redis up is degraded (HTTP 200), not red.
        var health = await h.Get("internal/health/liquidityforecastmodel");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        var hj = JsonDocument.Parse(health.Body).RootElement;
        Assert.Equal("degraded", hj.GetProperty("status").GetString());
        Assert.False(hj.GetProperty("clob_ok").GetBoolean());
        Assert.Equal(503, hj.GetProperty("last_clob_http_status").GetInt32());
        Assert.Contains(hj.GetProperty("reasons").EnumerateArray(), r => r.GetString() == "CLOB answered HTTP 503");
        var served = await h.Get($"internal/liquidityforecastmodel/forecast?condition_id={WatchHarness.Btc}");
        Assert.Equal(HttpStatusCode.NotFound, served.Status);
        Assert.Contains("STALE_DATA", served.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("liquidityforecastmodel_forecast_pusd{", (await h.Get("metrics")).Body, StringComparison.Ordinal);

        h.Replay.Outage = false;
        await h.StepUntil(() => h.Service.Emitted > before && h.Service.Health().Status == HealthStatus.Green
            && h.Service.LastOutcome(WatchHarness.Btc).Status == ForecastStatus.Emit, "recovery after the outage");
    }

    [Fact]
    public async Task An_empty_book_is_reported_with_book_empty()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 1, "first report");
        h.Replay.SetEmpty(WatchHarness.Btc + "-up", true);
        ObservationReport? empty = null;
        await h.StepUntil(() =>
        {
            empty = h.Received.Select(ObservationReport.FromJson).FirstOrDefault(r => r.BookEmpty);
            return empty is not null;
        }, "a book_empty report");
        Assert.Equal(WatchHarness.Btc, empty!.ConditionId);
        Assert.Equal(0, empty.ForecastPusd);
        Assert.True(empty.LowForecast);
        Assert.Contains(LiquidityReasonCodes.BookEmpty, empty.ReasonCodes);
        Assert.Equal(0, empty.CurrentBidDepthPusd + empty.CurrentAskDepthPusd);
    }

    [Fact]
    public async Task The_kill_switch_suppresses_emission_while_forecasts_continue()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 2, "first reports");
        await h.State.SetKillSwitchAsync(true);
        // The scheduler reads the switch every 100 ms of the clock, before it queues the step's polls: one step and the service
        // knows; every poll of that step already finds the switch set (in memory and in the claim's Lua call).
        await h.Step();
        Assert.True(h.Service.KillSwitchActive, "the scheduler read the switch");
        await h.Until(() => h.Service.Published == h.Service.Emitted && h.Received.Count == h.Service.Published,
            "reports claimed before the switch published and received");
        var before = h.Service.Emitted;
        var received = h.Received.Count;
        var okBefore = h.Service.Polls("ok");
        var suppressedBefore = h.Service.Suppressed;
        await h.StepUntil(() => h.Service.Polls("ok") >= okBefore + 20 && h.Service.Suppressed > suppressedBefore,
            "20 more successful polls and a suppressed report: still polling and forecasting");
        Assert.Equal(before, h.Service.Emitted);
        Assert.Matches(@"(?m)^polytraders_intel_liquidityforecastmodel_suppressed_total [1-9]", (await h.Get("metrics")).Body);
        Assert.Equal(ForecastStatus.Suppressed, h.Service.LastOutcome(WatchHarness.Btc).Status);
        Assert.Equal(received, h.Received.Count);

        await h.State.SetKillSwitchAsync(false);
        await h.StepUntil(() => h.Service.Emitted > before, "emission after the kill switch is cleared");
    }

    [Fact]
    public async Task A_redis_restart_loses_no_report_and_state_recovers()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 3, "first reports");
        h.Redis.Stop();
        var atStop = h.Service.Emitted;
        await h.StepUntil(() => h.Service.Emitted > atStop + 2, "reports while Redis is down");
        Assert.True(h.Service.Unpublished > 0);
        h.Redis.Start(); // empty: no persistence
        await h.Until(() => h.Service.Unpublished == 0, "queued reports published after the restart");
        await h.StepUntil(() => h.State.LoadAsync(WatchHarness.Btc).GetAwaiter().GetResult() is not null, "state rewritten");
        await h.StopServiceAsync();
        Assert.Equal(h.Service.Emitted, h.Service.Published);
        Assert.Equal(h.Service.Emitted, h.Store.Count("liquidity_reports"));
        Assert.Equal(h.Service.Emitted, h.Store.Store.Scalar<long>("SELECT count(DISTINCT (condition_id, snapshot_ts_ms)) FROM liquidity_reports"));
    }
}

[Collection("liquidity-service")]
[Trait(RequiredTools.Trait, "redis-server")]
public class LiquidityWatchBackpressureTests
{
    [Fact]
    public async Task A_slow_exchange_times_out_polls_and_a_full_buffer_drops_them()
    {
        using var redis = new RedisServer();
        var clock = DrivenClock.AtWallTime();
        await using var replay = new BookReplayServer(RealSnapshot.PolymarketRecordings, new BookReplayOptions { Speed = 20, Copies = 5 }, clock.Now);
        await replay.StartAsync();
        await using var state = await RedisLiquidityState.ConnectAsync(redis.Configuration);
        replay.DelayMs = 400;
        await using (var service = new LiquidityWatchService(new LiquidityWatchOptions
        {
            ClobBaseUrl = replay.BaseUrl, Markets = replay.Markets.Select(m => new WatchMarket(m.ConditionId, m.TokenId)).ToList(),
            Model = WatchHarness.Model, PollIntervalSeconds = 0.05, MaxInFlight = 2, BufferCapacity = 2,
            RequestTimeout = TimeSpan.FromMilliseconds(200), TradePollIntervalSeconds = 0, HttpPort = 0,
        }, state, writer: null, clock.Now))
        {
            var signal = new ConditionSignal();
            await WatchDriver.StartAsync(clock, service, replay.Markets.Count, 0.05, signal);
            // One poll interval on, the other markets are all due at once: two workers and a buffer of two cannot take them.
            clock.Advance(50);
            using var http = new HttpClient();
            string metrics = "";
            await signal.Until(() =>
            {
                metrics = http.GetStringAsync(new Uri(service.HttpBaseUrl!, "metrics")).GetAwaiter().GetResult();
                return service.Dropped > 0 && Regex.IsMatch(metrics, @"polls_total\{outcome=""timeout""\} [1-9]")
                    && service.LastOutcome(replay.Markets[0].ConditionId).Status == ForecastStatus.Stale; // a timed-out poll evaluates to STALE_DATA
            }, "dropped and timed-out polls, and a market evaluated as stale");
            Assert.Equal(0, service.Emitted); // no book ever arrived in time
        }
        // Same Redis, new process: nothing to restore for markets that never had a fresh book.
        replay.DelayMs = 0;
        await using (var again = new LiquidityWatchService(new LiquidityWatchOptions
        {
            ClobBaseUrl = replay.BaseUrl, Markets = replay.Markets.Select(m => new WatchMarket(m.ConditionId, m.TokenId)).ToList(),
            Model = WatchHarness.Model, PollIntervalSeconds = 0.2,
        }, state, writer: null, clock.Now))
        {
            var driver = await WatchDriver.StartAsync(clock, again, replay.Markets.Count, 0.2);
            Assert.Equal(0, again.RestoredMarkets);
            await driver.StepUntil(() => again.Emitted >= 10, "reports once the exchange is fast again");
        }
        // A third start finds the state the second one saved.
        await using var third = new LiquidityWatchService(new LiquidityWatchOptions
        {
            ClobBaseUrl = replay.BaseUrl, Markets = replay.Markets.Select(m => new WatchMarket(m.ConditionId, m.TokenId)).ToList(),
            Model = WatchHarness.Model, PollIntervalSeconds = 0.2,
        }, state, writer: null, clock.Now);
        await third.StartAsync();
        Assert.Equal(replay.Markets.Count, third.RestoredMarkets);
    }
}
