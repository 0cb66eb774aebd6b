using System.Globalization;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Data.Query;

/// <summary>What a backtest scores: bars with open interest and the real liquidation totals of the same periods.</summary>
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
public sealed record BacktestSeries(string Symbol, string Interval, string Market, string CandleSource, string OpenInterestSymbol, string LiquidationScope,
    LiquidationSide Side, string TotalsSource, Candle[] Candles, double[] ActualUsd, int TestStart, double PeriodsPerDay)
{
    /// <summary>Protocol settings for this series: refit and bootstrap block lengths in days, events at a training quantile.</summary>
    /// <param name="refitDays">Walk-forward refit interval, days.</param>
    /// <param name="blockDays">Bootstrap block length, days.</param>
    /// <param name="eventQuantile">Event quantile of the training totals.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="trainUntil">With a value, fits use only periods before this time and stay frozen (no refits).</param>
    /// <exception cref="ArgumentException"><paramref name="trainUntil"/> after the test start or before the data.</exception>
    public ExAnteSettings Settings(double refitDays = 7, double blockDays = 1, double eventQuantile = 0.8, int resamples = 2000, DateTime? trainUntil = null)
    {
        int? trainEnd = null;
        if (trainUntil is { } until)
        {
            var index = Array.FindIndex(Candles, c => c.OpenTime >= until);
            trainEnd = index < 0 ? Candles.Length : index;
            if (trainEnd > TestStart || trainEnd < 10)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"--train-until {until:yyyy-MM-dd HH:mm}: must leave at least 10 training periods and not pass the test start ({Candles[TestStart].OpenTime:yyyy-MM-dd HH:mm})."));
        }
        return new(TestStart, Math.Max(1, (int)Math.Round(refitDays * PeriodsPerDay)), Math.Max(1, (int)Math.Round(blockDays * PeriodsPerDay)), eventQuantile,
            EwmaHalfLife: PeriodsPerDay, VolatilityHalfLife: PeriodsPerDay, Resamples: resamples, TrainEnd: trainEnd);
    }

    /// <summary>Start of the first scored period and end of the last (UTC).</summary>
    public (DateTime From, DateTime To) TestSpan =>
        (Candles[TestStart].OpenTime, Candles[^1].OpenTime + TimeSpan.FromDays(1 / PeriodsPerDay));

    /// <summary>The real liquidation prints of <see cref="Symbol"/> (every venue stored under that symbol) in the test span, for
    /// price-level scoring; empty when the store has none there.</summary>
    /// <param name="reader">The store reader.</param>
    public LiquidationPrintPoint[] TestPrints(MarketDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var (from, to) = TestSpan;
        return reader.LiquidationPrints(Symbol, from, to).Select(p => p.ToPoint()).ToArray();
    }

    /// <summary>
    /// Reads a series from the store: candles of <paramref name="interval"/> (or, when none are stored, bars built from the
    /// longest stored interval that divides it, complete bars only) with the open interest of
    /// <paramref name="openInterestSymbol"/>, and the liquidation totals of the symbol's base asset (BTCUSDT → BTC) at the
    /// same interval; only periods with both are kept.
    /// </summary>
    /// <param name="reader">The store reader.</param>
    /// <param name="symbol">Candle symbol, e.g. <c>BTCUSDT</c>.</param>
    /// <param name="interval">Period: minutes, hours or days (<c>30m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c>).</param>
    /// <param name="market"><c>spot</c> or <c>perp</c>.</param>
    /// <param name="from">First period used (UTC).</param>
    /// <param name="testFrom">First scored period (UTC); null: the middle of the data.</param>
    /// <param name="to">End (exclusive, UTC).</param>
    /// <param name="openInterestSymbol">OI symbol when it differs from the candles' (e.g. <c>BTC</c>).</param>
    /// <param name="scope">Liquidation scope; null: the only one stored.</param>
    /// <param name="side">Total, or the longs or the shorts liquidated.</param>
    /// <exception cref="ArgumentException">A bad interval, an ambiguous or missing scope, or a test start with nothing before or after it.</exception>
    /// <exception cref="InvalidOperationException">No candles, or fewer than 10 periods with both series.</exception>
    public static BacktestSeries Load(MarketDataReader reader, string symbol, string interval, string market, DateTime from, DateTime? testFrom, DateTime to,
        string? openInterestSymbol = null, string? scope = null, LiquidationSide side = LiquidationSide.Total)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var period = Period(interval) ?? throw new ArgumentException($"--interval {interval}: expected minutes, hours or days such as 30m, 1h, 4h, 1d.");
        var candles = reader.Candles(symbol, interval, from, to, market, openInterestSymbol);
        var source = interval;
        if (candles.Length == 0)
        {
            var finer = reader.CandleIntervals(symbol, market).Select(i => (Name: i, Span: Period(i)))
                .Where(x => x.Span is { } s && s < period && period.Ticks % s.Ticks == 0).OrderByDescending(x => x.Span).FirstOrDefault();
            if (finer.Name is null)
                throw new InvalidOperationException($"No {market} {interval} candles for {symbol}, nor a shorter interval to build them from; run 'liqlab data ingest' first.");
            candles = CandleAggregation.Aggregate(reader.Candles(symbol, finer.Name, from, to, market, openInterestSymbol), period);
            source = $"{interval} built from {finer.Name}";
        }
        if (candles.Length == 0) throw new InvalidOperationException($"No {market} {interval} candles for {symbol} in [{from:u}, {to:u}).");
        var asset = symbol.EndsWith("USDT", StringComparison.Ordinal) ? symbol[..^4] : symbol;
        // Totals of the interval, else summed from the longest stored interval that divides it (complete periods only).
        var totalsInterval = interval;
        var scopes = reader.LiquidationScopes(asset, interval);
        if (scopes.Count == 0 || (scope is not null && !scopes.Contains(scope)))
        {
            var finer = reader.LiquidationIntervals(asset).Select(i => (Name: i, Span: Period(i)))
                .Where(x => x.Span is { } f && f < period && period.Ticks % f.Ticks == 0 && (scope is null || reader.LiquidationScopes(asset, x.Name).Contains(scope)))
                .OrderByDescending(x => x.Span).FirstOrDefault();
            if (finer.Name is not null)
            {
                totalsInterval = finer.Name;
                scopes = reader.LiquidationScopes(asset, finer.Name);
            }
        }
        var sc = scope ?? (scopes.Count == 1 ? scopes[0]
            : throw new ArgumentException(scopes.Count == 0
                ? $"No {interval} liquidation totals for {asset}, nor a shorter interval to sum them from."
                : $"--scope: {asset} {totalsInterval} liquidation totals exist for {string.Join(", ", scopes)}; choose one."));
        if (!scopes.Contains(sc)) throw new ArgumentException($"--scope {sc}: no {asset} liquidation totals with that scope at {interval} or a shorter interval that divides it.");
        double Pick(LiquidationTotal t) => side switch { LiquidationSide.Long => t.LongUsd, LiquidationSide.Short => t.ShortUsd, _ => t.TotalUsd };
        var raw = reader.LiquidationTotals(asset, totalsInterval, sc, candles[0].OpenTime, candles[^1].OpenTime.Add(period));
        Dictionary<DateTime, double> totals;
        if (totalsInterval == interval)
            totals = raw.ToDictionary(t => t.PeriodStart, Pick);
        else
        {
            var per = (int)(period.Ticks / Period(totalsInterval)!.Value.Ticks);
            totals = raw.GroupBy(t => new DateTime(t.PeriodStart.Ticks - t.PeriodStart.Ticks % period.Ticks, DateTimeKind.Utc))
                .Where(g => g.Count() == per).ToDictionary(g => g.Key, g => g.Sum(Pick));
        }
        var kept = candles.Where(c => totals.ContainsKey(c.OpenTime)).ToArray();
        if (kept.Length < 10) throw new InvalidOperationException($"Only {kept.Length} {interval} periods have both a candle and a {sc} liquidation total.");
        var testStart = testFrom is { } tf ? Array.FindIndex(kept, c => c.OpenTime >= tf) : kept.Length / 2;
        if (testStart <= 0)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--test-from {testFrom:yyyy-MM-dd HH:mm}: no training periods before it, or no periods from it (data {kept[0].OpenTime:yyyy-MM-dd HH:mm} – {kept[^1].OpenTime:yyyy-MM-dd HH:mm})."));
        return new BacktestSeries(symbol, interval, market, source, openInterestSymbol ?? symbol, sc, side,
            totalsInterval == interval ? interval : $"{interval} summed from {totalsInterval}", kept, kept.Select(c => totals[c.OpenTime]).ToArray(), testStart,
            TimeSpan.FromDays(1) / period);
    }

    /// <summary>An interval label as a time span (<c>30m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c>), or null.</summary>
    public static TimeSpan? Period(string interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        if (interval.Length >= 2 && int.TryParse(interval[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
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
}
