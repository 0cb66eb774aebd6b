using System.Globalization;

namespace LiquidationLab.Liquidity;

/// <summary>
/// Sanity bounds on a polled book, so an absurd upstream answer (a size of 7.9e28 shares, a book dated days ahead) is
/// rejected with <see cref="LiquidityReasonCodes.BookRejected"/> and counted instead of becoming a forecast. The defaults
/// sit far above any real Polymarket book: the largest level in the project's real captures is about 10.5 M shares
/// (≈ 5 M pUSD, the 2024 US-election market); a whole busy book holds a few million pUSD.
/// </summary>
public sealed record BookLimits
{
    /// <summary>Largest size of one level, shares; default 1e9.</summary>
    public decimal MaxLevelSize { get; init; } = 1_000_000_000m;

    /// <summary>Largest price × size of one level, pUSD; default 1e8 (100 M).</summary>
    public decimal MaxLevelNotionalPusd { get; init; } = 100_000_000m;

    /// <summary>Largest depth of one side (Σ price × size), pUSD; default 1e9 (1 B).</summary>
    public decimal MaxSideDepthPusd { get; init; } = 1_000_000_000m;

    /// <summary>Most levels on one side; default 10,000 (prices are on a 0.001 tick in (0, 1): at most 999 distinct levels).</summary>
    public int MaxLevelsPerSide { get; init; } = 10_000;

    /// <summary>How far a book's timestamp may lie ahead of the service's clock, seconds; default 10. A book dated later is
    /// rejected (it would otherwise pin the market: every real book after it looks older).</summary>
    public double MaxClockSkewSeconds { get; init; } = 10;

    /// <summary>The first bound <paramref name="book"/> breaks, as a message naming the side, level and value; null when
    /// the book is within every bound.</summary>
    /// <param name="book">The parsed book.</param>
    /// <param name="nowMs">The service's clock, Unix ms.</param>
    public string? Violation(OrderBook book, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(book);
        if (book.TimestampMs > nowMs + (long)(MaxClockSkewSeconds * 1000))
            return string.Create(CultureInfo.InvariantCulture,
                $"timestamp {book.TimestampMs} is {(book.TimestampMs - nowMs) / 1000.0:0.###} s ahead of the clock (tolerance {MaxClockSkewSeconds:0.###} s).");
        foreach (var (name, levels) in new[] { ("bids", book.Bids), ("asks", book.Asks) })
        {
            if (levels.Count > MaxLevelsPerSide)
                return string.Create(CultureInfo.InvariantCulture, $"{name}: {levels.Count} levels, more than {MaxLevelsPerSide}.");
            decimal depth = 0;
            for (var i = 0; i < levels.Count; i++)
            {
                var l = levels[i];
                if (l.Size > MaxLevelSize)
                    return string.Create(CultureInfo.InvariantCulture, $"{name}[{i}].size {l.Size} exceeds {MaxLevelSize} shares.");
                var notional = l.Price * l.Size;
                if (notional > MaxLevelNotionalPusd)
                    return string.Create(CultureInfo.InvariantCulture, $"{name}[{i}] notional {notional} exceeds {MaxLevelNotionalPusd} pUSD.");
                depth += notional;
                if (depth > MaxSideDepthPusd)
                    return string.Create(CultureInfo.InvariantCulture, $"{name} depth exceeds {MaxSideDepthPusd} pUSD at level {i}.");
            }
        }
        return null;
    }
}
