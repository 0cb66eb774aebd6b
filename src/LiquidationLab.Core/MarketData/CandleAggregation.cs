namespace LiquidationLab.Core.MarketData;

/// <summary>Bars of a longer period from bars of a shorter one (e.g. 4-hour bars from hourly ones).</summary>
public static class CandleAggregation
{
    /// <summary>
    /// Groups <paramref name="candles"/> into bars of <paramref name="period"/> aligned to UTC multiples of the period
    /// (00:00, 04:00, … for 4 h) and keeps only complete groups (every sub-bar present): open of the first, highest high,
    /// lowest low, close of the last, summed volumes, and the open interest of the last sub-bar (the value known when
    /// the longer bar closes; NaN when the last sub-bar has none).
    /// </summary>
    /// <param name="candles">Bars in time order, all of one length.</param>
    /// <param name="period">The longer period: a whole multiple of the input bar length.</param>
    /// <exception cref="ArgumentException">Fewer than 2 input bars, uneven bar lengths, or a period that is no multiple of them.</exception>
    public static Candle[] Aggregate(IReadOnlyList<Candle> candles, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(candles);
        if (candles.Count < 2) throw new ArgumentException("Aggregation needs at least 2 bars to know their length.", nameof(candles));
        var step = Enumerable.Range(1, candles.Count - 1).Select(i => candles[i].OpenTime - candles[i - 1].OpenTime).Min();
        if (step <= TimeSpan.Zero) throw new ArgumentException("Bars must be in strictly increasing time order.", nameof(candles));
        if (period <= step || period.Ticks % step.Ticks != 0)
            throw new ArgumentException($"A period of {period} is no whole multiple (> 1) of the bars' {step}.", nameof(period));
        var perGroup = (int)(period.Ticks / step.Ticks);
        var result = new List<Candle>();
        var i = 0;
        while (i < candles.Count)
        {
            var start = new DateTime(candles[i].OpenTime.Ticks - candles[i].OpenTime.Ticks % period.Ticks, DateTimeKind.Utc);
            var j = i;
            while (j < candles.Count && candles[j].OpenTime < start + period) j++;
            if (j - i == perGroup)
            {
                double high = double.MinValue, low = double.MaxValue, volume = 0, taker = 0;
                for (var k = i; k < j; k++)
                {
                    high = Math.Max(high, candles[k].High);
                    low = Math.Min(low, candles[k].Low);
                    volume += candles[k].VolumeBase;
                    taker += candles[k].TakerBuyVolumeBase;
                }
                result.Add(new Candle(start, candles[i].Open, high, low, candles[j - 1].Close, volume, taker, candles[j - 1].OpenInterestUsd));
            }
            i = j;
        }
        return result.ToArray();
    }
}
