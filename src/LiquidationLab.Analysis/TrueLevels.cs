using System.Globalization;
using LiquidationLab.Charts;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;

namespace LiquidationLab.Analysis;

/// <summary>
/// Our map against the true liquidation levels a publisher read from a venue's open positions (the kittycapital snapshots
/// of the largest Hyperliquid accounts in <c>position_level_buckets</c>): at each snapshot, the model's open notional per
/// price bucket as of the last closed hour before it, scored by <see cref="TrueLevelScoring"/> beside the distance-only
/// baseline.
/// </summary>
/// <param name="Coin">The venue's coin, e.g. <c>BTC</c> or <c>ETH</c> (the Binance symbol is the coin + <c>USDT</c>).</param>
/// <param name="Window">The snapshots scored (open ends: all of them).</param>
/// <param name="Source">The publisher of the levels.</param>
/// <param name="Mix">Leverage mix text (<c>10:0.3,25:0.7</c>), or null for the default.</param>
/// <param name="WarmupDays">Days of hourly candles the model runs before the first snapshot (its inventory builds up), &gt; 0, ≤ 365.</param>
/// <param name="Settings">Scoring settings (zones, tolerance, range, resamples, block length in snapshots).</param>
public sealed record TrueLevelsQuery(string Coin = "BTC", TimeWindow Window = default, string Source = QueryDefaults.TrueLevelSource, string? Mix = null,
    double WarmupDays = QueryDefaults.TrueLevelWarmupDays, TrueLevelSettings? Settings = null);

/// <summary>One snapshot's scores on one side (a row of the per-snapshot table).</summary>
/// <param name="Time">Snapshot time, UTC.</param>
/// <param name="ReferencePrice">The price then.</param>
/// <param name="Side">Longs (levels below the price) or shorts.</param>
/// <param name="ModelShare">Share of the real notional in range within the map's k densest buckets.</param>
/// <param name="NearestShare">The same for the k buckets nearest the price.</param>
/// <param name="ModelSpearman">Rank correlation of the map's density and the real density over the buckets in range (NaN: constant).</param>
/// <param name="DistanceSpearman">Rank correlation of closeness to the price and the real density.</param>
public sealed record TrueLevelSnapshotScore(DateTime Time, double ReferencePrice, PositionSide Side, double ModelShare, double NearestShare, double ModelSpearman, double DistanceSpearman);

/// <summary>One map (the model on one venue's open interest) scored against the true levels.</summary>
/// <param name="Name">What the map is built from, e.g. <c>model on Hyperliquid OI</c>.</param>
/// <param name="OpenInterest">The open-interest series used (venue, symbol, source, interval, readings).</param>
/// <param name="Candles">The price path used (venue, symbol, market, interval, bars).</param>
/// <param name="Unavailable">Why the map could not be built (then everything else is empty), or null.</param>
/// <param name="Report">The pooled scores with intervals, or null (unavailable, or fewer than two snapshots scored).</param>
/// <param name="PerSnapshot">Every scored snapshot and side.</param>
/// <param name="Snapshots">The inputs scored: the map on the publisher's buckets and the real levels, one per snapshot.</param>
/// <param name="SkippedSnapshots">Snapshots before the map's first closed hour, or whose buckets give no grid.</param>
public sealed record TrueLevelMapScore(string Name, string OpenInterest, string Candles, string? Unavailable, TrueLevelReport? Report,
    IReadOnlyList<TrueLevelSnapshotScore> PerSnapshot, IReadOnlyList<TrueLevelSnapshot> Snapshots, int SkippedSnapshots);

/// <summary>The true levels of a <see cref="TrueLevelsQuery"/> and every map scored against them.</summary>
/// <param name="Query">The query.</param>
/// <param name="Venue">The venue whose positions the levels are (e.g. <c>hyperliquid</c>).</param>
/// <param name="SnapshotTimes">The snapshots in the window, ascending.</param>
/// <param name="TraderCounts">Accounts the publisher scanned per snapshot (the venue's largest; the sample is theirs, not the market's), ascending by time.</param>
/// <param name="RealLeverageMix">Share of the real notional (all snapshots, both sides) per leverage class, x → share.</param>
/// <param name="ModelLeverageMix">The time-evolving maps' leverage mix, x → weight (the turnover map's is the frozen one unless a mix is given).</param>
/// <param name="Maps">Each map's scores.</param>
public sealed record TrueLevelsResult(TrueLevelsQuery Query, string Venue, IReadOnlyList<DateTime> SnapshotTimes, IReadOnlyList<int> TraderCounts,
    IReadOnlyList<(int Leverage, double Share)> RealLeverageMix, IReadOnlyList<(int Leverage, double Weight)> ModelLeverageMix, IReadOnlyList<TrueLevelMapScore> Maps)
{
    /// <summary>The real levels of snapshot <paramref name="index"/> beside every available map's density on the same buckets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such snapshot in every available map.</exception>
    public Figure SnapshotFigure(int index)
    {
        var maps = Maps.Where(m => m.Unavailable is null).ToArray();
        if (maps.Length == 0 || index < 0 || maps.Any(m => index >= m.Snapshots.Count))
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Snapshots scored: {(maps.Length == 0 ? 0 : maps.Min(m => m.Snapshots.Count))}.");
        var snap = maps[0].Snapshots[index];
        return TrueLevelCharts.Snapshot(snap, maps.Select(m => (m.Name, m.Snapshots[index])).ToArray(),
            string.Create(CultureInfo.InvariantCulture, $"{Query.Coin}: real liquidation levels of the largest {TraderCounts[SnapshotIndex(snap.Time)]} {VenueName} accounts at {snap.Time:yyyy-MM-dd HH:mm} UTC, and our maps"));
    }

    private int SnapshotIndex(DateTime time) => Math.Max(0, SnapshotTimes.ToList().IndexOf(time));

    private string VenueName => Venue == "hyperliquid" ? "Hyperliquid" : Venue;

    /// <summary>Every available map's pooled scores beside the distance-only baseline, with intervals.</summary>
    public Figure SummaryFigure()
    {
        var settings = Query.Settings ?? new TrueLevelSettings();
        return TrueLevelCharts.Summary(Maps.Where(m => m.Report is not null).Select(m => (m.Name, m.Report!)).ToArray(),
            string.Create(CultureInfo.InvariantCulture, $"{Query.Coin}: our maps against the real levels within ±{settings.MaxDistance:P0} of the price, k = {settings.Zones}, {SnapshotTimes.Count} snapshots"));
    }
}

public sealed partial class LiquidationAnalysis
{
    /// <summary>
    /// Scores our time-evolving map against the true levels: the model runs on hourly candles of the coin's Binance USDⓈ-M
    /// perpetual (the price path; the store has no hourly candles of Hyperliquid in this span, and the venues' prices differ by
    /// their basis) with, in turn, Hyperliquid's open interest (the venue of the levels) and Binance's (the <c>…USDT</c> pair's),
    /// from <see cref="TrueLevelsQuery.WarmupDays"/> before the first snapshot. At each snapshot its open notional of the last
    /// closed hour is moved onto the publisher's buckets (<see cref="TrueLevelGrid"/>) and scored (<see cref="TrueLevelScoring"/>).
    /// The map on Hyperliquid's OI prices positions with Hyperliquid's margin tables, the one on Binance's with Binance's brackets;
    /// a third map is the turnover model (positions that open with volume and close at a hazard; the frozen parameters of
    /// <c>data/models/turnover-model.json</c> for hourly bars) on Hyperliquid's OI, priced with Binance's brackets.
    /// </summary>
    /// <exception cref="QueryParameterException">No coin, a bad mix, warm-up or settings (naming <c>coin</c>, <c>mix</c>, <c>warmup_days</c>, <c>settings</c>).</exception>
    /// <exception cref="DataUnavailableException">Fewer than two snapshots of the coin in the window.</exception>
    public TrueLevelsResult TrueLevels(TrueLevelsQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrWhiteSpace(query.Coin) || query.Coin.Length > 20 || !query.Coin.All(char.IsAsciiLetterOrDigit))
            throw new QueryParameterException("coin", $"a venue coin such as BTC or ETH, found '{query.Coin}'.");
        if (!(query.WarmupDays > 0 && query.WarmupDays <= 365)) throw new QueryParameterException("warmup_days", "must be within (0, 365] days.");
        var settings = query.Settings ?? new TrueLevelSettings();
        try
        {
            TrueLevelScoring.Score([], settings);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new QueryParameterException("settings", e.Message);
        }
        catch (ArgumentException)
        {
            // Settings in range: only the empty list was refused.
        }
        var mix = ParseMix(query.Mix) ?? LeverageMix.Default;
        var coin = query.Coin.ToUpperInvariant();
        var symbol = coin + "USDT";
        var table = Table(symbol);
        var levels = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            return reader.PositionLevelTimes(coin, query.Source, query.Window.Start, query.Window.End)
                .Select(t => reader.PositionLevelsAt(coin, t, query.Source)!).ToArray();
        });
        if (levels.Length < 2)
            throw new DataUnavailableException($"{levels.Length} {query.Source} snapshot(s) of {coin} in {Describe(query.Window)} in {Store.Path}: at least two are needed for an interval.");
        var from = levels[0].Time.AddDays(-query.WarmupDays);
        var to = levels[^1].Time;
        // The time-evolving book priced with the margin model of the venue whose OI it follows; the turnover book (frozen parameters
        // for hourly bars) prices with Binance's brackets, the only margin model it takes.
        var hyperliquid = Venues.Get(Venue.Hyperliquid, coin);
        var turnover = FrozenTurnover("1h");
        var maps = new List<TrueLevelMapScore>
        {
            ScoreMap("model on Hyperliquid OI", symbol, coin, from, to, levels, settings, "Hyperliquid margin tables",
                c => new TimeEvolvingModel(mix, candlesPerColumn: 1).Run(c, hyperliquid)),
            ScoreMap("model on Binance OI", symbol, symbol, from, to, levels, settings, "Binance brackets",
                c => new TimeEvolvingModel(mix, candlesPerColumn: 1).Run(new MarketWindow(symbol, table, c, [], []))),
            ScoreMap("turnover model on Hyperliquid OI", symbol, coin, from, to, levels, settings, "Binance brackets, frozen turnover parameters",
                c => new TurnoverModel(query.Mix is null ? turnover.Mix : mix, new TurnoverSettings(turnover.TurnoverShare, turnover.HazardPerBar, turnover.LongTilt), candlesPerColumn: 1)
                    .Run(new MarketWindow(symbol, table, c, [], []))),
        };
        var byClass = levels.SelectMany(l => l.Buckets).GroupBy(b => b.LeverageClass).Select(g => (g.Key, g.Sum(b => b.ValueUsd))).OrderBy(x => x.Key).ToArray();
        var total = byClass.Sum(x => x.Item2);
        return new TrueLevelsResult(query, levels[0].Venue, levels.Select(l => l.Time).ToArray(), levels.Select(l => l.TraderCount).ToArray(),
            byClass.Select(x => (x.Key, total > 0 ? x.Item2 / total : double.NaN)).ToArray(), mix.Tiers, maps);
    }

    private TrueLevelMapScore ScoreMap(string name, string symbol, string oiSymbol, DateTime from, DateTime to, PositionLevelSnapshot[] levels,
        TrueLevelSettings settings, string margin, Func<Candle[], LiquidationModelResult> run)
    {
        const string interval = "1h";
        var (candles, oiSeries) = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            return (reader.Candles(symbol, interval, from, to, "perp", oiSymbol), reader.OpenInterestSeries(oiSymbol, interval, from, to));
        });
        var oiText = oiSeries.Count == 0 ? $"none: no {interval} open interest of {oiSymbol}"
            : string.Join("; ", oiSeries.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Venue} {oiSymbol} {interval} ({o.Source}, {o.Readings:N0} readings)")));
        var candleText = string.Create(CultureInfo.InvariantCulture, $"{symbol} perp {interval} ({candles.Length:N0} bars, Binance USDS-M where two venues list the symbol); {margin}");
        var withOi = candles.Count(c => double.IsFinite(c.OpenInterestUsd));
        if (withOi < 2)
            return new TrueLevelMapScore(name, oiText, candleText,
                $"{candles.Length:N0} {symbol} {interval} candles in {from:yyyy-MM-dd} – {to:yyyy-MM-dd HH:mm} but {withOi} with {oiSymbol} open interest: the model needs OI.", null, [], [], levels.Length);
        var grid = run(candles).Heatmap!;
        var snapshots = new List<TrueLevelSnapshot>();
        var skipped = 0;
        var density = new double[grid.Price.Count];
        foreach (var level in levels)
        {
            // The last hour closed at the snapshot: its column is the inventory the model had then.
            var column = -1;
            for (var c = 0; c < candles.Length && candles[c].OpenTime.AddHours(1) <= level.Time; c++) column = c;
            var real = level.Buckets.Select(b => new TrueLevel(b.Price, b.ValueUsd, b.LiquidatedSide == "long" ? PositionSide.Long : PositionSide.Short)).ToArray();
            var bins = TrueLevelGrid.BucketBins(level.ReferencePrice, real.Select(r => r.Price).ToArray(), settings.MaxDistance);
            if (column < 0 || bins is not { } scoring)
            {
                skipped++;
                continue;
            }
            for (var p = 0; p < density.Length; p++) density[p] = grid.Values[p, column];
            snapshots.Add(new TrueLevelSnapshot(level.Time, level.ReferencePrice, scoring, TrueLevelGrid.Rebin(grid.Price, density, scoring), real));
        }
        var rows = new List<TrueLevelSnapshotScore>();
        foreach (var snap in snapshots)
            foreach (var side in new[] { PositionSide.Long, PositionSide.Short })
                if (TrueLevelScoring.ScoreSide(snap, side, settings) is { } r)
                    rows.Add(new TrueLevelSnapshotScore(snap.Time, snap.ReferencePrice, side, r.ModelShare, r.NearestShare, r.ModelSpearman, r.DistanceSpearman));
        var report = snapshots.Count >= 2 ? TrueLevelScoring.Score(snapshots, settings) : null;
        return new TrueLevelMapScore(name, oiText, candleText, null, report, rows, snapshots, skipped);
    }
}
