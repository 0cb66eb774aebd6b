using System.Globalization;
using LiquidationLab.Liquidity;
using StackExchange.Redis;

namespace LiquidationLab.Liquidity.Service;

/// <summary>Redis could not be reached.</summary>
public sealed class RedisUnavailableException(string message) : Exception(message);

/// <summary>
/// The service's state in Redis (the service specification's (docs/liquidity-service.md) store). Keys, all prefixed <c>lfm:</c>:
/// <list type="bullet">
/// <item><c>lfm:state:{condition_id}</c> — hash: estimator, estimator_state, last_snapshot_ms, last_bid_depth_pusd,
/// last_ask_depth_pusd, last_forecast_pusd, last_computed_ms, fill_rate, fill_rate_ms, last_trade_ms; TTL 2 h, renewed on
/// every write.</item>
/// <item><c>lfm:idem:{condition_id}:{snapshot_ts_ms}</c> — SETNX idempotency key of an emitted report; TTL 2 h. This is the
/// spec's lock ("Redis SETNX on condition_id + snapshot_ts to prevent duplicate computations"): two instances polling the
/// same market may both evaluate a snapshot, but only the one that claims the key emits it.</item>
/// <item><c>lfm:kill_switch</c> — present with value <c>1</c>: emissions suppressed.</item>
/// </list>
/// Reports are published on <see cref="ReportChannel"/>.
/// </summary>
public sealed class RedisLiquidityState : IAsyncDisposable
{
    /// <summary>The spec's pub/sub channel for ObservationReports.</summary>
    public const string ReportChannel = "polytraders.reports.observation";

    /// <summary>The kill-switch key.</summary>
    public const string KillSwitchKey = "lfm:kill_switch";

    /// <summary>TTL of state and idempotency keys (the spec's 2 h).</summary>
    public static readonly TimeSpan StateTtl = TimeSpan.FromHours(2);

    private readonly ConnectionMultiplexer _mux;

    private RedisLiquidityState(ConnectionMultiplexer mux) => _mux = mux;

    /// <summary>Connects (and keeps reconnecting in the background after a Redis restart).</summary>
    /// <param name="configuration">StackExchange.Redis configuration, e.g. <c>127.0.0.1:6379</c>.</param>
    /// <param name="user">Redis ACL user (Redis 6+), or null for the default user.</param>
    /// <param name="password">Password of that user (or the <c>requirepass</c> password), or null.</param>
    /// <exception cref="RedisUnavailableException">Redis is not reachable at start, or refuses the credentials.</exception>
    public static async Task<RedisLiquidityState> ConnectAsync(string configuration, string? user = null, string? password = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        if (user is not null) options.User = user;
        if (password is not null) options.Password = password;
        // Fail the first connection with its reason (unreachable, or credentials refused); after it the multiplexer keeps
        // reconnecting by itself (this flag only concerns the initial connect).
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(250);
        // While disconnected, fail at once instead of queueing commands until the timeout: the service then goes on
        // without Redis (emitting to DuckDB, queueing publications) rather than stalling every poll for 2 s.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        ConnectionMultiplexer mux;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            throw new RedisUnavailableException(e.FailureType == ConnectionFailureType.AuthenticationFailure || e.Message.Contains("NOAUTH", StringComparison.Ordinal)
                ? $"Redis at {configuration} refused the credentials{(user is null ? "" : $" of user '{user}'")}."
                : $"Redis is not reachable at {configuration}.");
        }
        return new RedisLiquidityState(mux);
    }

    /// <summary>True while connected.</summary>
    public bool IsConnected => _mux.IsConnected;

    /// <summary>The connection, for subscribers.</summary>
    public ConnectionMultiplexer Connection => _mux;

    private IDatabase Db => _mux.GetDatabase();

    private static string StateKey(string condition) => $"lfm:state:{condition}";

    /// <summary>Reads the kill switch.</summary>
    public async Task<bool> KillSwitchAsync() => (await Db.StringGetAsync(KillSwitchKey).ConfigureAwait(false)) == "1";

    /// <summary>Sets or clears the kill switch.</summary>
    public Task SetKillSwitchAsync(bool on) => on ? Db.StringSetAsync(KillSwitchKey, "1") : Db.KeyDeleteAsync(KillSwitchKey);

    /// <summary>Claims the idempotency key <c>condition_id + snapshot_ts_ms</c>; false when already claimed (report already emitted).</summary>
    public Task<bool> ClaimAsync(string condition, long snapshotMs) =>
        Db.StringSetAsync(string.Create(CultureInfo.InvariantCulture, $"lfm:idem:{condition}:{snapshotMs}"), "1", StateTtl, When.NotExists);

    /// <summary>
    /// Claims the idempotency key unless the kill switch is set, atomically (one Lua call): once Redis holds the switch no
    /// claim succeeds, so no report can be emitted after it, not even by a poll that began before it was set.
    /// </summary>
    /// <returns>1 claimed, 0 already claimed (emitted before), −1 kill switch active.</returns>
    public async Task<int> ClaimUnlessKilledAsync(string condition, long snapshotMs)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"lfm:idem:{condition}:{snapshotMs}");
        var r = await Db.ScriptEvaluateAsync(ClaimScript, [(RedisKey)key, (RedisKey)KillSwitchKey], [(RedisValue)(long)StateTtl.TotalSeconds]).ConfigureAwait(false);
        return (int)r;
    }

    private const string ClaimScript =
        "if redis.call('get', KEYS[2]) == '1' then return -1 end " +
        "if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 1 else return 0 end";

    /// <summary>Publishes a report on <paramref name="channel"/> (default <see cref="ReportChannel"/>); returns the number of
    /// subscribers that received it.</summary>
    public Task<long> PublishAsync(string reportJson, string channel = ReportChannel) => Db.PublishAsync(RedisChannel.Literal(channel), reportJson);

    /// <summary>Writes a market's state (hash, TTL 2 h).</summary>
    public async Task SaveAsync(string condition, MarketForecastState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var key = StateKey(condition);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key,
        [
            new("estimator", state.Estimator.ToString()),
            new("estimator_state", string.Join(',', state.EstimatorState.Select(d => d.ToString("R", CultureInfo.InvariantCulture)))),
            new("last_snapshot_ms", state.LastSnapshotMs),
            new("last_bid_depth_pusd", state.LastBidDepthUsd),
            new("last_ask_depth_pusd", state.LastAskDepthUsd),
            new("last_forecast_pusd", state.LastForecastPusd.ToString("R", CultureInfo.InvariantCulture)),
            new("last_computed_ms", state.LastComputedMs),
            new("fill_rate", state.FillRate.ToString("R", CultureInfo.InvariantCulture)),
            new("fill_rate_ms", state.FillRateMs),
            new("last_trade_ms", state.LastTradeMs),
        ]);
        var expire = batch.KeyExpireAsync(key, StateTtl);
        batch.Execute();
        await Task.WhenAll(set, expire).ConfigureAwait(false);
    }

    /// <summary>Reads a market's state, or null when Redis has none.</summary>
    /// <exception cref="FormatException">The stored hash is malformed (names the key and field).</exception>
    public async Task<MarketForecastState?> LoadAsync(string condition)
    {
        var key = StateKey(condition);
        var entries = await Db.HashGetAllAsync(key).ConfigureAwait(false);
        if (entries.Length == 0) return null;
        var h = entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        string F(string name) => h.TryGetValue(name, out var v) ? v : throw new FormatException($"Redis {key}: field {name} is missing.");
        double D(string name) => double.TryParse(F(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"Redis {key}: field {name} is not a number: '{F(name)}'.");
        long L(string name) => long.TryParse(F(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new FormatException($"Redis {key}: field {name} is not an integer: '{F(name)}'.");
        if (!Enum.TryParse<DepthEstimatorKind>(F("estimator"), out var kind)) throw new FormatException($"Redis {key}: unknown estimator '{F("estimator")}'.");
        var numbers = F("estimator_state").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        return new MarketForecastState(kind, numbers, L("last_snapshot_ms"), D("last_bid_depth_pusd"), D("last_ask_depth_pusd"),
            D("last_forecast_pusd"), L("last_computed_ms"), D("fill_rate"), L("fill_rate_ms"), L("last_trade_ms"));
    }

    /// <summary>Remaining TTL of a market's state key (null when absent).</summary>
    public Task<TimeSpan?> StateTtlAsync(string condition) => Db.KeyTimeToLiveAsync(StateKey(condition));

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _mux.DisposeAsync();
}
