using LiquidationLab.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>Options of <see cref="LiquidityWatchService"/>.</summary>
public sealed record LiquidityWatchOptions
{
    /// <summary>Host names the HTTP endpoints answer to by default: loopback only (DNS-rebinding defence).</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["127.0.0.1", "localhost", "::1", "[::1]"];

    /// <summary>Base URL of a CLOB-compatible endpoint (<c>GET {base}/book?token_id=…</c>).</summary>
    public required Uri ClobBaseUrl { get; init; }

    /// <summary>Markets to poll.</summary>
    public required IReadOnlyList<WatchMarket> Markets { get; init; }

    /// <summary>Model parameters.</summary>
    public LiquidityForecastOptions Model { get; init; } = new();

    /// <summary>Seconds between polls of each market; default 1.</summary>
    public double PollIntervalSeconds { get; init; } = 1;

    /// <summary>Requests in flight at most (the spec's 25).</summary>
    public int MaxInFlight { get; init; } = 25;

    /// <summary>Request timeout (the spec's 10 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Polls queued beyond the ones in flight; a poll that finds the buffer full is dropped (and counted).
    /// Default: one per market.</summary>
    public int? BufferCapacity { get; init; }

    /// <summary>Seconds between trade polls per market (for the fill rate); 0 turns trade polling off. Default 10.</summary>
    public double TradePollIntervalSeconds { get; init; } = 10;

    /// <summary>HTTP port on 127.0.0.1 for metrics, health and recompute; 0 picks a free port, null serves no HTTP.</summary>
    public int? HttpPort { get; init; }

    /// <summary>Largest <c>/book</c> or <c>/trades</c> response body read, bytes; a larger one is abandoned unread and
    /// counted (<c>too_large</c>). Default 4 MiB (a full Polymarket ladder is a few tens of KB).</summary>
    public long MaxResponseBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Sanity bounds on a polled book (sizes, notional, clock skew).</summary>
    public BookLimits Limits { get; init; } = new();

    /// <summary>Bearer token the state-changing endpoints (<c>POST …/recompute</c>) require. Null: the service generates
    /// one at start (<see cref="LiquidityWatchService.ControlToken"/>; the CLI prints it).</summary>
    public string? ControlToken { get; init; }

    /// <summary>Host header values the HTTP endpoints accept (port ignored); default loopback only. Other hosts get 403.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = LoopbackHosts;

    /// <summary><c>watch --record-books</c>: every new polled book is also written to the service's store through the report
    /// writer (<see cref="LiquidityReportWriter.EnqueueBook"/>), for backtests at the spec's hour horizon.</summary>
    public bool RecordBooks { get; init; }

    /// <summary>The spec's <c>publish_to</c>: Redis channels every emitted report is published on; default
    /// <c>polytraders.reports.observation</c>.</summary>
    public IReadOnlyList<string> PublishTo { get; init; } = [RedisLiquidityState.ReportChannel];

    /// <summary>Checks every option before the service allocates anything for it.</summary>
    /// <exception cref="LiquidityConfigurationException">A model parameter beyond its hard limit.</exception>
    /// <exception cref="ArgumentException">No markets, a bad interval, concurrency, limit, token or channel list (parameter
    /// name <c>options</c>).</exception>
    internal void Validate()
    {
        const string name = "options";
        if (Markets.Count == 0) throw new ArgumentException("No markets to watch.", name);
        if (!(PollIntervalSeconds > 0)) throw new ArgumentException($"The poll interval must be > 0 s, got {PollIntervalSeconds}.", name);
        if (MaxInFlight < 1) throw new ArgumentException($"MaxInFlight must be ≥ 1, got {MaxInFlight}.", name);
        if (MaxResponseBytes < 1024) throw new ArgumentException($"MaxResponseBytes must be ≥ 1024, got {MaxResponseBytes}.", name);
        if (PublishTo.Count == 0 || PublishTo.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("publish_to needs at least one non-empty channel name.", name);
        if (ControlToken is { Length: < 16 }) throw new ArgumentException("The control token must have at least 16 characters.", name);
        Model.EnsureValid();
    }
}
