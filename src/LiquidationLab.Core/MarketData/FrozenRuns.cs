namespace LiquidationLab.Core.MarketData;

/// <summary>A span over which a series repeats one value, implausibly for the quantity (a source that stopped updating).</summary>
/// <param name="From">Time of the first repeated sample (UTC).</param>
/// <param name="To">Time of the last repeated sample (UTC).</param>
/// <param name="Samples">Samples in the run.</param>
/// <param name="Value">The repeated value.</param>
public sealed record FrozenSpan(DateTime From, DateTime To, int Samples, double Value);

/// <summary>
/// Runs of identical values in a series, as a data-quality flag (the case in data/real: the 5-minute export's open interest repeats one
/// value for 1,680 bars, 2026-06-14 15:00 → 06-20 10:55; the time-evolving model then opens no positions and the heatmap
/// shows a dark block that looks like a market fact).
/// </summary>
/// <remarks>Open-interest threshold (<see cref="OpenInterest"/>): at least <see cref="OpenInterestMinSamples"/> consecutive
/// equal values spanning at least <see cref="OpenInterestMinDuration"/>. Binance BTCUSDT open interest changes at every
/// 5-minute sample in the project's real data outside the frozen span, so an hour without a single change means the source
/// stopped updating. NaN (missing) values break a run.</remarks>
public static class FrozenRuns
{
    /// <summary>Least run length flagged for open interest, samples.</summary>
    public const int OpenInterestMinSamples = 12;

    /// <summary>Least run duration flagged for open interest.</summary>
    public static readonly TimeSpan OpenInterestMinDuration = TimeSpan.FromHours(1);

    /// <summary>Runs of exactly equal, finite values of at least <paramref name="minSamples"/> samples spanning at least
    /// <paramref name="minDuration"/> (first to last sample), in time order.</summary>
    /// <param name="times">Sample times, ascending.</param>
    /// <param name="values">Values, same length (NaN: missing, breaks a run).</param>
    /// <param name="minSamples">Least samples, ≥ 2.</param>
    /// <param name="minDuration">Least duration.</param>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minSamples"/> &lt; 2.</exception>
    public static IReadOnlyList<FrozenSpan> Find(IReadOnlyList<DateTime> times, IReadOnlyList<double> values, int minSamples, TimeSpan minDuration)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(values);
        if (times.Count != values.Count) throw new ArgumentException($"times ({times.Count}) and values ({values.Count}) differ in length.", nameof(values));
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 2);
        var spans = new List<FrozenSpan>();
        var start = 0;
        for (var i = 1; i <= values.Count; i++)
        {
            var continues = i < values.Count && double.IsFinite(values[i]) && values[i] == values[start];
            if (continues) continue;
            var length = i - start;
            if (double.IsFinite(values[start]) && length >= minSamples && times[i - 1] - times[start] >= minDuration)
                spans.Add(new FrozenSpan(times[start], times[i - 1], length, values[start]));
            start = i;
        }
        return spans;
    }

    /// <summary>Frozen open-interest spans of candles (with the open-interest threshold above).</summary>
    public static IReadOnlyList<FrozenSpan> OpenInterest(IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        return Find(candles.Select(c => c.OpenTime).ToArray(), candles.Select(c => c.OpenInterestUsd).ToArray(), OpenInterestMinSamples, OpenInterestMinDuration);
    }
}
