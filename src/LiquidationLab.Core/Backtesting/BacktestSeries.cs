using System.Globalization;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Core.Backtesting;

/// <summary>What a backtest scores: bars with open interest and the real liquidation totals of the same periods, split into
/// training and scored periods (read from a store by the application layer, <c>LiquidationAnalysis.Backtest</c>).</summary>
/// <param name="Symbol">Candle symbol.</param>
/// <param name="Interval">Period, e.g. <c>1h</c>.</param>
/// <param name="Market"><c>spot</c> or <c>perp</c> candles.</param>
/// <param name="CandleSource">The interval read, or "4h built from 1h" when the bars were aggregated.</param>
/// <param name="OpenInterestSymbol">The OI series' symbol.</param>
/// <param name="LiquidationScope">The liquidation totals' exchange scope.</param>
/// <param name="Side">Which liquidations <paramref name="ActualUsd"/> counts.</param>
/// <param name="TotalsSource">The liquidation interval read, or "1d summed from 1h" when the totals were aggregated.</param>
/// <param name="Candles">Bars that have a liquidation total, by time.</param>
/// <param name="ActualUsd">Liquidation totals (long + short, USD), aligned with <paramref name="Candles"/>.</param>
/// <param name="TestStart">Index of the first scored period.</param>
/// <param name="PeriodsPerDay">Bars per day.</param>
/// <param name="FundingRate">The funding rate known at each period's open (<see cref="BaselineLadder.FundingAtOpen"/>), aligned with
/// <paramref name="Candles"/>; null when the store has no funding series covering every period from the test start on.</param>
/// <param name="Funding">Which funding series was used (symbol and source), or why none was.</param>
public sealed record BacktestSeries(string Symbol, string Interval, string Market, string CandleSource, string OpenInterestSymbol, string LiquidationScope,
    LiquidationSide Side, string TotalsSource, Candle[] Candles, double[] ActualUsd, int TestStart, double PeriodsPerDay,
    double[]? FundingRate = null, string Funding = "no funding rates read")
{
    /// <summary>Long liquidations per period, USD, aligned with <see cref="Candles"/> (what the turnover model is fitted on, per
    /// side), or null when not read.</summary>
    public double[]? LongUsd { get; init; }

    /// <summary>Short liquidations per period, USD, aligned with <see cref="Candles"/>, or null when not read.</summary>
    public double[]? ShortUsd { get; init; }

    /// <summary>The exchanges the open-interest series covers, in the liquidation scopes' terms (e.g. <c>Binance</c>, or
    /// <c>all exchanges</c> for an aggregate); empty when not named.</summary>
    public string OpenInterestExchanges { get; init; } = "";

    /// <summary>Whether <see cref="OpenInterestExchanges"/> is the exchange set of <see cref="LiquidationScope"/>.</summary>
    public bool OpenInterestMatchesScope => OpenInterestExchanges == LiquidationScope;

    /// <summary>Funding rates of the candles' symbol over the series (the turnover model's long share where candles lack taker
    /// volume), empty when none are stored.</summary>
    public FundingRate[] FundingRates { get; init; } = [];

    /// <summary>Protocol settings for this series: refit and bootstrap block lengths in days, events at a training quantile.</summary>
    /// <param name="refitDays">Walk-forward refit interval, days.</param>
    /// <param name="blockDays">Bootstrap block length, days.</param>
    /// <param name="eventQuantile">Event quantile of the training totals.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="trainUntil">With a value, fits use only periods before this time and stay frozen (no refits).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="trainUntil"/> leaves fewer than 10 training periods or passes the
    /// test start (parameter name <c>trainUntil</c>).</exception>
    public ExAnteSettings Settings(double refitDays = 7, double blockDays = 1, double eventQuantile = 0.8, int resamples = 2000, DateTime? trainUntil = null)
    {
        int? trainEnd = null;
        if (trainUntil is { } until)
        {
            var index = Array.FindIndex(Candles, c => c.OpenTime >= until);
            trainEnd = index < 0 ? Candles.Length : index;
            if (trainEnd > TestStart || trainEnd < 10)
                throw new ArgumentOutOfRangeException(nameof(trainUntil), until, string.Create(CultureInfo.InvariantCulture,
                    $"{until:yyyy-MM-ddTHH:mm}Z must leave at least 10 training periods and not pass the test start ({Candles[TestStart].OpenTime:yyyy-MM-ddTHH:mm}Z)."));
        }
        return new(TestStart, Math.Max(1, (int)Math.Round(refitDays * PeriodsPerDay)), Math.Max(1, (int)Math.Round(blockDays * PeriodsPerDay)), eventQuantile,
            EwmaHalfLife: PeriodsPerDay, VolatilityHalfLife: PeriodsPerDay, Resamples: resamples, TrainEnd: trainEnd, PeriodsPerDay: PeriodsPerDay);
    }

    /// <summary>Start of the first scored period and end of the last (UTC).</summary>
    public (DateTime From, DateTime To) TestSpan =>
        (Candles[TestStart].OpenTime, Candles[^1].OpenTime + TimeSpan.FromDays(1 / PeriodsPerDay));

    /// <summary>One side's (or the total's) USD of a period's liquidation total.</summary>
    public static double Pick(LiquidationTotal total, LiquidationSide side) => side switch
    {
        LiquidationSide.Long => total.LongUsd,
        LiquidationSide.Short => total.ShortUsd,
        _ => total.TotalUsd,
    };

    /// <summary>
    /// Totals of <paramref name="period"/> summed from totals of a shorter <paramref name="finer"/> interval that divides it
    /// (periods aligned to multiples of <paramref name="period"/> since the epoch, UTC); only complete periods — every finer
    /// total present — are kept, so a period is never understated by a missing part.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="finer"/> does not divide <paramref name="period"/>.</exception>
    public static Dictionary<DateTime, double> SumTotals(IEnumerable<LiquidationTotal> finerTotals, TimeSpan period, TimeSpan finer, LiquidationSide side)
    {
        ArgumentNullException.ThrowIfNull(finerTotals);
        if (finer <= TimeSpan.Zero || finer >= period || period.Ticks % finer.Ticks != 0)
            throw new ArgumentException($"{finer} does not divide {period} into whole parts.", nameof(finer));
        var per = (int)(period.Ticks / finer.Ticks);
        return finerTotals.GroupBy(t => new DateTime(t.PeriodStart.Ticks - t.PeriodStart.Ticks % period.Ticks, DateTimeKind.Utc))
            .Where(g => g.Count() == per).ToDictionary(g => g.Key, g => g.Sum(t => Pick(t, side)));
    }

    /// <summary>The candles that have a total, in time order, with their totals.</summary>
    public static (Candle[] Candles, double[] ActualUsd) Align(IEnumerable<Candle> candles, IReadOnlyDictionary<DateTime, double> totals)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(totals);
        var kept = candles.Where(c => totals.ContainsKey(c.OpenTime)).ToArray();
        return (kept, kept.Select(c => totals[c.OpenTime]).ToArray());
    }

    /// <summary>The first scored period: the first at or after <paramref name="testFrom"/>, else (null) the middle of the
    /// data; 0 or −1 when that leaves nothing to train on or nothing to score.</summary>
    public static int TestStartIndex(IReadOnlyList<Candle> kept, DateTime? testFrom)
    {
        ArgumentNullException.ThrowIfNull(kept);
        if (testFrom is not { } tf) return kept.Count / 2;
        for (var i = 0; i < kept.Count; i++)
            if (kept[i].OpenTime >= tf) return i;
        return -1;
    }
}
