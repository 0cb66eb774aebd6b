using LiquidationLab.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>The latest outcome of one market, published as one immutable value (never read torn).</summary>
/// <param name="Status">Latest evaluation status (null before the first).</param>
/// <param name="Codes">Its reason codes.</param>
/// <param name="LastError">Latest fetch or evaluation error (null after a clean poll).</param>
/// <param name="AtMs">When it was published, Unix ms.</param>
public sealed record MarketOutcome(ForecastStatus? Status, IReadOnlyList<string> Codes, string? LastError, long AtMs)
{
    /// <summary>Before the first poll.</summary>
    public static readonly MarketOutcome None = new(null, [], null, 0);
}

/// <summary>One watched market inside the service: its model, its last book and trade cursor, its queue flag and its latest
/// outcome. Shared by the scheduler (queue flag), one poll at a time (gate) and any reader (outcome).</summary>
internal sealed class MarketState(WatchMarket market, LiquidityForecastModel model)
{
    public WatchMarket Market { get; } = market;

    // Gate: guards Model, LastBook, LastTradePollMs and LastTradeSeenMs; held by one poll (worker or recompute) for the
    // in-memory part of an evaluation only, never across I/O.
    public SemaphoreSlim Gate { get; } = new(1, 1);
    public LiquidityForecastModel Model { get; } = model;
    public OrderBook? LastBook;
    public long LastTradePollMs;
    public long LastTradeSeenMs = long.MinValue;

    // Queued: set by the scheduler thread, cleared by the worker that ran the poll (Interlocked/Volatile).
    public int Queued;

    // Outcome: written by the poll that owns the market at the time, read by any thread (health, tests): swapped whole.
    private MarketOutcome _outcome = MarketOutcome.None;

    public MarketOutcome Outcome => Volatile.Read(ref _outcome);

    public void Publish(Func<MarketOutcome, MarketOutcome> change)
    {
        while (true)
        {
            var old = Volatile.Read(ref _outcome);
            if (Interlocked.CompareExchange(ref _outcome, change(old), old) == old) return;
        }
    }
}
