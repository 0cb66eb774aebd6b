using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Binning;

/// <summary>How large trades are selected (py-liquidation-map's modes).</summary>
public enum TradeFilterMode
{
    /// <summary><c>gross_value</c>: trades whose notional (price × quantity, USD) is at least the threshold.</summary>
    GrossValue,

    /// <summary><c>top_n</c>: the N trades with the largest notional (threshold = N).</summary>
    TopN,

    /// <summary><c>portion</c>: the largest trades making up the top fraction of the trade count (threshold in (0, 1]).</summary>
    Portion,
}

/// <summary>Selects large trades. Ties at the cut-off of <see cref="TradeFilterMode.TopN"/>/<see cref="TradeFilterMode.Portion"/>
/// are broken by time order (earlier first).</summary>
public sealed record TradeFilter
{
    /// <summary>Creates a filter.</summary>
    /// <param name="mode">Selection mode.</param>
    /// <param name="threshold">USD notional (GrossValue, ≥ 0), a count (TopN, whole number ≥ 1) or a fraction (Portion, 0 &lt; p ≤ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is outside the mode's range, or an unknown mode.</exception>
    public TradeFilter(TradeFilterMode mode, double threshold)
    {
        var ok = mode switch
        {
            TradeFilterMode.GrossValue => threshold >= 0 && double.IsFinite(threshold),
            TradeFilterMode.TopN => threshold >= 1 && threshold == Math.Floor(threshold) && double.IsFinite(threshold),
            TradeFilterMode.Portion => threshold > 0 && threshold <= 1,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown filter mode."),
        };
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, mode switch
            {
                TradeFilterMode.GrossValue => "gross_value threshold must be a USD notional ≥ 0.",
                TradeFilterMode.TopN => "top_n needs a whole number ≥ 1.",
                _ => "portion must be in (0, 1].",
            });
        Mode = mode;
        Threshold = threshold;
    }

    /// <summary>Selection mode.</summary>
    public TradeFilterMode Mode { get; }

    /// <summary>USD notional, count or fraction, by mode.</summary>
    public double Threshold { get; }

    /// <summary>Every trade (notional ≥ 0): for trades already selected elsewhere, e.g. inside the store.</summary>
    public static TradeFilter All { get; } = new(TradeFilterMode.GrossValue, 0);

    /// <summary>Trades of at least 100,000 USD notional.</summary>
    public static TradeFilter Default { get; } = new(TradeFilterMode.GrossValue, 100_000);

    /// <summary>Indices of the selected trades, in time (input) order.</summary>
    public int[] Select(ReadOnlySpan<AggTrade> trades)
    {
        switch (Mode)
        {
            case TradeFilterMode.GrossValue:
                var list = new List<int>();
                for (var i = 0; i < trades.Length; i++) if (trades[i].NotionalUsd >= Threshold) list.Add(i);
                return list.ToArray();
            case TradeFilterMode.TopN:
                return Largest(trades, (int)Math.Min(Threshold, trades.Length));
            default:
                return Largest(trades, (int)Math.Ceiling(trades.Length * Threshold));
        }
    }

    private static int[] Largest(ReadOnlySpan<AggTrade> trades, int n)
    {
        if (n <= 0) return [];
        var notional = new double[trades.Length];
        var idx = new int[trades.Length];
        for (var i = 0; i < idx.Length; i++)
        {
            idx[i] = i;
            notional[i] = trades[i].NotionalUsd;
        }
        // Largest notional first; equal notionals keep time order.
        Array.Sort(idx, (a, b) => notional[b].CompareTo(notional[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var cut = idx.AsSpan(0, n).ToArray();
        Array.Sort(cut);
        return cut;
    }
}
