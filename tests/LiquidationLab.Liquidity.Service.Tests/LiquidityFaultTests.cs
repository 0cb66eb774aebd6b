using System.Net;
using LiquidationLab.Liquidity;
using LiquidationLab.Liquidity.Service;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Liquidity.Service.Tests;

/// <summary>
/// A hostile or broken upstream (the replay server's fault injection) and hostile callers must neither silence nor fool the
/// service. Real redis-server, the replay of the real recorded books, waits on conditions (never fixed sleeps).
/// </summary>
[Collection("liquidity-service")]
[Trait(RequiredTools.Trait, "redis-server")]
public class LiquidityFaultTests
{
    [Fact]
    public async Task A_book_dated_in_the_future_is_rejected_counted_and_never_pins_or_persists()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 2, "first reports");
        h.Replay.Faults = new ReplayFaults { BookTimestampOffsetMs = (long)TimeSpan.FromDays(10).TotalMilliseconds };
        await h.StepUntil(() => h.Service.Rejected("future_timestamp") >= 2 * h.Replay.Markets.Count, "future books rejected");
        Assert.Contains(LiquidityReasonCodes.BookRejected, h.Service.Outcome(WatchHarness.Btc).LastError, StringComparison.Ordinal);
        Assert.Contains("ahead of the clock", h.Service.Outcome(WatchHarness.Btc).LastError, StringComparison.Ordinal);
        var state = await h.State.LoadAsync(WatchHarness.Btc);
        Assert.True(state!.LastSnapshotMs <= h.Clock.Now() + 10_000, "a future book never reaches Redis");
        Assert.DoesNotContain(h.Received.Select(ObservationReport.FromJson), r => r.EmittedAtMs < 0);

        h.Replay.Faults = ReplayFaults.None;
        var before = h.Service.Emitted;
        await h.StepUntil(() => h.Service.Emitted > before + 2, "real books accepted again at once (the market is not pinned)");
        await h.StopServiceAsync();
        Assert.Equal(0, h.Store.Count("liquidity_reports", $"snapshot_ts_ms > {h.Clock.Now() + 10_000}"));
    }

    [Fact]
    public async Task A_stored_state_dated_in_the_future_is_ignored_at_start()
    {
        using var redis = new RedisServer();
        var clock = DrivenClock.AtWallTime();
        await using var state = await RedisLiquidityState.ConnectAsync(redis.Configuration);
        var future = clock.Now() + (long)TimeSpan.FromDays(10).TotalMilliseconds;
        await state.SaveAsync(WatchHarness.Btc, new MarketForecastState(DepthEstimatorKind.Persistence, [1, 5000], future, 5000, 5000, 5000, future, double.NaN, 0, 0));
        await using var replay = new BookReplayServer(RealSnapshot.PolymarketRecordings, new BookReplayOptions { Speed = 20 }, clock.Now);
        await replay.StartAsync();
        await using var service = new LiquidityWatchService(new LiquidityWatchOptions
        {
            ClobBaseUrl = replay.BaseUrl, Markets = replay.Markets.Select(m => new WatchMarket(m.ConditionId, m.TokenId)).ToList(),
            Model = WatchHarness.Model, PollIntervalSeconds = 0.2, TradePollIntervalSeconds = 0,
        }, state, writer: null, clock.Now);
        var driver = await WatchDriver.StartAsync(clock, service, replay.Markets.Count, 0.2);
        Assert.Equal(0, service.RestoredMarkets);
        Assert.Equal(1, service.Rejected("future_timestamp"));
        await driver.StepUntil(() => service.Emitted >= 2 && service.LastOutcome(WatchHarness.Btc).Status == ForecastStatus.Emit, "the market emits from real books");
        await driver.StepUntil(() => state.LoadAsync(WatchHarness.Btc).GetAwaiter().GetResult()!.LastSnapshotMs <= clock.Now() + 10_000, "the stored state replaced");
    }

    [Fact]
    public async Task Trades_replies_that_are_objects_kill_no_worker()
    {
        // Two workers, trades polled on every book poll: every trade reply is {"error":"rate limited"} (HTTP 200).
        await using var h = await WatchHarness.StartAsync(o => o with { MaxInFlight = 2, TradePollIntervalSeconds = 0.05 });
        h.Replay.Faults = new ReplayFaults { TradesAsObject = true };
        await h.StepUntil(() => h.Service.TradePolls("invalid") >= 20, "twenty malformed trade replies (ten per worker)");
        var polls = h.Service.PollsCompleted;
        var emitted = h.Service.Emitted;
        await h.StepUntil(() => h.Service.PollsCompleted >= polls + 20 && h.Service.Emitted > emitted, "polling and emitting go on");
        Assert.Contains("expected a JSON array of trades, got object", h.Service.Outcome(WatchHarness.Btc).LastError ?? "", StringComparison.Ordinal);
        Assert.Equal(0, h.Service.Polls("exception"));
        await h.StopServiceAsync(); // disposal completes
    }

    [Fact]
    public async Task Absurd_sizes_and_huge_bodies_are_rejected_and_never_emitted()
    {
        await using var h = await WatchHarness.StartAsync(o => o with { MaxResponseBytes = 1024 * 1024 });
        await h.StepUntil(() => h.Service.Emitted >= 2, "first reports");
        h.Replay.Faults = new ReplayFaults { HugeLevelSize = 79_000_000_000_000_000_000_000_000_000m };
        await h.StepUntil(() => h.Service.Rejected("bounds") >= 4, "books with a 7.9e28 level rejected");
        Assert.Contains("exceeds 1000000000 shares", h.Service.Outcome(WatchHarness.Btc).LastError, StringComparison.Ordinal);
        h.Replay.Faults = new ReplayFaults { PadBookBodyToBytes = 3 * 1024 * 1024 };
        await h.StepUntil(() => h.Service.Polls("too_large") >= 4, "3 MB bodies abandoned at the 1 MB limit");
        h.Replay.Faults = ReplayFaults.None;
        var before = h.Service.Emitted;
        await h.StepUntil(() => h.Service.Emitted > before, "emission resumes on sane books");
        await h.StopServiceAsync();
        Assert.DoesNotContain(h.Received.Select(ObservationReport.FromJson), r => r.ForecastPusd > 1e9 || r.CurrentBidDepthPusd > 1e9);
        Assert.Equal(0, h.Store.Count("liquidity_reports", "forecast_pusd > 1e9 OR current_bid_depth_pusd > 1e9"));
    }

    [Fact]
    public async Task Control_endpoints_check_the_host_and_require_the_token()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 1, "first report");
        var path = $"internal/liquidityforecastmodel/recompute?condition_id={WatchHarness.Btc}";
        // DNS rebinding: a page of evil.example.com resolving to 127.0.0.1 still sends its own Host.
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Post(path, host: "evil.example.com")).Status);
        using (var http = new HttpClient())
        using (var get = new HttpRequestMessage(HttpMethod.Get, new Uri(h.Service.HttpBaseUrl!, "metrics")))
        {
            get.Headers.Host = "evil.example.com";
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(get)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Post(path, token: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Post(path, token: "0123456789abcdef0123456789abcdef")).Status);
        Assert.Equal(HttpStatusCode.OK, (await h.Post(path)).Status);
        Assert.Matches("^[0-9a-f]{32}$", h.Service.ControlToken); // generated when none is configured
    }

    [Fact]
    public async Task Recompute_storms_during_polling_emit_each_snapshot_once_and_keep_outcomes_whole()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.StepUntil(() => h.Service.Emitted >= 1, "first report");
        // The clock keeps moving under the storm (new snapshots arrive while recomputes and scheduled polls race for them).
        using var stormsDone = new CancellationTokenSource();
        var stepping = Task.Run(async () =>
        {
            while (!stormsDone.IsCancellationRequested) await h.Step();
        });
        var storms = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var r = await h.Service.RecomputeAsync(WatchHarness.Btc);
                var (status, codes) = h.Service.LastOutcome(WatchHarness.Btc);
                // Status and codes come from one immutable outcome: a Stale status always carries STALE_DATA.
                Assert.True(status != ForecastStatus.Stale || codes.Contains(LiquidityReasonCodes.StaleData));
                Assert.NotNull(r);
            }
        })).ToList();
        await Task.WhenAll(storms);
        await stormsDone.CancelAsync();
        await stepping;
        await h.StopServiceAsync();
        Assert.Equal(h.Service.Emitted, h.Store.Count("liquidity_reports"));
        Assert.Equal(h.Service.Emitted, h.Store.Store.Scalar<long>("SELECT count(DISTINCT (condition_id, snapshot_ts_ms)) FROM liquidity_reports"));
        Assert.Equal(0, h.Service.Polls("exception"));
    }
}
