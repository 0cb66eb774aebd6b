using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Liquidity.Service;

using LiquidationLab.TestSupport;

namespace LiquidationLab.Liquidity.Service.Tests;

[Collection("liquidity-service")]
[Trait(RequiredTools.Trait, "redis-server")]
public class RedisLiquidityStateTests
{
    [Fact]
    public async Task Idempotency_keys_state_and_kill_switch_behave_as_documented()
    {
        using var redis = new RedisServer();
        await using var a = await RedisLiquidityState.ConnectAsync(redis.Configuration);
        await using var b = await RedisLiquidityState.ConnectAsync(redis.Configuration);

        // Idempotency key (the spec's SETNX lock) condition_id + snapshot_ts_ms: claimed once.
        Assert.True(await a.ClaimAsync("0xc", 1_000));
        Assert.False(await b.ClaimAsync("0xc", 1_000));
        Assert.True(await b.ClaimAsync("0xc", 1_001));

        // State hash round trip with a 2 h TTL.
        var state = new MarketForecastState(DepthEstimatorKind.MeanRevertingLog, [3, 1000, 7.5, 1, 7.5, 0.1, 0.2, 0.3, 0.4], 1000, 5350.25, 6500, 5350.25, 1100, 0.72, 1100, 999);
        await a.SaveAsync("0xc", state);
        var loaded = await b.LoadAsync("0xc");
        Assert.NotNull(loaded);
        Assert.Equal(state with { EstimatorState = [] }, loaded with { EstimatorState = [] });
        Assert.Equal(state.EstimatorState, loaded.EstimatorState);
        Assert.InRange((await b.StateTtlAsync("0xc"))!.Value, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));
        Assert.Null(await b.LoadAsync("0xother"));

        Assert.False(await b.KillSwitchAsync());
        Assert.Equal(1, await b.ClaimUnlessKilledAsync("0xc", 2_000));
        Assert.Equal(0, await a.ClaimUnlessKilledAsync("0xc", 2_000));
        await a.SetKillSwitchAsync(true);
        Assert.True(await b.KillSwitchAsync());
        Assert.Equal(-1, await b.ClaimUnlessKilledAsync("0xc", 3_000)); // switch set: nothing can be claimed
        await a.SetKillSwitchAsync(false);
        Assert.False(await b.KillSwitchAsync());
    }

    [Fact]
    public async Task An_acl_user_with_a_password_connects_and_wrong_credentials_are_named()
    {
        // Redis 6+ ACL: the default user is off; only 'lfm' with its password may connect (the kill switch lives here).
        using var redis = new RedisServer("--user", "default", "off", "--user", "lfm", "on", ">s3cret-pass", "~*", "&*", "+@all");
        await using (var ok = await RedisLiquidityState.ConnectAsync(redis.Configuration, "lfm", "s3cret-pass"))
        {
            await ok.SetKillSwitchAsync(true);
            Assert.True(await ok.KillSwitchAsync());
        }
        var wrong = await Assert.ThrowsAsync<RedisUnavailableException>(() => RedisLiquidityState.ConnectAsync(redis.Configuration, "lfm", "nope"));
        Assert.Equal($"Redis at {redis.Configuration} refused the credentials of user 'lfm'.", wrong.Message);
        var anonymous = await Assert.ThrowsAsync<RedisUnavailableException>(() => RedisLiquidityState.ConnectAsync(redis.Configuration));
        Assert.Contains(redis.Configuration, anonymous.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_to_nothing_fails_clearly()
    {
        var e = await Assert.ThrowsAsync<RedisUnavailableException>(() => RedisLiquidityState.ConnectAsync("127.0.0.1:1"));
        Assert.Equal("Redis is not reachable at 127.0.0.1:1.", e.Message);
    }
}
