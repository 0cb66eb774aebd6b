using System.Globalization;

namespace LiquidationLab.Core.MarketData;

/// <summary>Bar interval labels (<c>30m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c>) and which stored interval a longer one can be built from.</summary>
public static class BarPeriod
{
    /// <summary>An interval label as a time span: a whole number &gt; 0 followed by <c>m</c> (minutes), <c>h</c> (hours) or
    /// <c>d</c> (days); null for anything else.</summary>
    public static TimeSpan? Parse(string? interval)
    {
        if (interval is { Length: >= 2 and <= 12 } && int.TryParse(interval[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (interval[^1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        return null;
    }

    /// <summary>
    /// The interval to build bars of <paramref name="period"/> from: the longest of <paramref name="stored"/> that is shorter
    /// than it and divides it evenly (1h builds 4h; 5m builds 1h; 3h does not build 4h); null when none does.
    /// </summary>
    /// <param name="period">The wanted bar length.</param>
    /// <param name="stored">Interval labels available; unparseable ones are ignored.</param>
    public static string? LongestDivisor(TimeSpan period, IEnumerable<string> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Select(i => (Name: i, Span: Parse(i)))
            .Where(x => x.Span is { } s && s < period && period.Ticks % s.Ticks == 0)
            .OrderByDescending(x => x.Span).Select(x => x.Name).FirstOrDefault();
    }

    /// <summary>Whether bars of <paramref name="interval"/> are stored or can be built from a stored interval.</summary>
    public static bool Serves(string interval, IEnumerable<string> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var list = stored as IReadOnlyCollection<string> ?? stored.ToList();
        return list.Contains(interval) || (Parse(interval) is { } p && LongestDivisor(p, list) is not null);
    }
}
