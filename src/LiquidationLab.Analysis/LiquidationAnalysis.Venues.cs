using System.Globalization;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Analysis;

// The heatmap of a venue set: one time-evolving map per venue, each from its own open interest, candles and tier table, summed
// cell by cell on one price grid and one time axis.
public sealed partial class LiquidationAnalysis
{
    private sealed record VenuePlan(Venue Venue, string Instrument, IMarginModel Margin, OpenInterestPoint[] OpenInterest, Candle[] Candles, SeriesUsed CandleSeries);

    private HeatmapResult HeatmapOfVenues(HeatmapQuery query, LeverageMix? mix)
    {
        var selection = query.Venues!;
        if (query.Market is not null)
        {
            CheckMarket(query.Market);
            if (query.Market != "perp")
                throw new QueryParameterException("market", $"a heatmap of venues reads each venue's perp candles; found '{query.Market}' (leave market out or give perp).");
        }
        if (!string.IsNullOrWhiteSpace(query.OpenInterestSymbol))
            throw new QueryParameterException("oi_symbol", "a heatmap of venues reads each venue's own open interest: leave oi_symbol out (or leave venues out for the Binance heatmap on another OI series).");
        var asset = VenueInfo.BaseAsset(query.Symbol)
            ?? throw new QueryParameterException("symbol", $"'{Shown(query.Symbol)}' names no asset: give a coin (BTC) or a USDT perpetual (BTCUSDT, BTC-USDT-SWAP).");
        var interval = query.Interval;
        var window = Describe(query.Window);
        var leftOut = new List<VenueLeftOut>();

        // Each venue's instrument and margin model (tier table) first: nothing is read for a venue without one.
        var margins = new List<(Venue Venue, string Instrument, IMarginModel Margin)>();
        foreach (var venue in selection.List)
        {
            var instrument = VenueInfo.Instrument(venue, asset);
            try
            {
                margins.Add((venue, instrument, Venues.Get(venue, instrument)));
            }
            catch (Exception e) when (selection.All && e is VenueTierTableNotFoundException or LeverageBracketTableNotFoundException)
            {
                leftOut.Add(new VenueLeftOut(venue, $"no tier table for {instrument}"));
            }
        }

        var priceVenue = query.PriceVenue;
        var (candles, openInterest, stored) = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            var c = new Dictionary<Venue, Candle[]>();
            var o = new Dictionary<Venue, OpenInterestPoint[]>();
            var st = new Dictionary<Venue, (IReadOnlyList<string> Oi, IReadOnlyList<string> Candles)>();
            foreach (var venue in margins.Select(m => m.Venue).Concat(priceVenue is { } p ? [p] : []).Distinct())
            {
                var instrument = VenueInfo.Instrument(venue, asset);
                c[venue] = reader.VenueCandles(VenueInfo.StoreVenue(venue), instrument, interval, query.Window.Start, query.Window.End);
                o[venue] = reader.VenueOpenInterest(VenueInfo.StoreVenue(venue), instrument, interval, query.Window.Start, query.Window.End);
                st[venue] = (reader.VenueOpenInterestIntervals(VenueInfo.StoreVenue(venue), instrument), reader.VenueCandleIntervals(VenueInfo.StoreVenue(venue), instrument));
            }
            return (c, o, st);
        });
        foreach (var (venue, c) in candles)
            if (c.Length > Limits.MaxCandles)
                throw new QueryParameterException("from", $"the window holds {c.Length:N0} {interval} candles of {VenueInfo.Name(venue)}; at most {Limits.MaxCandles:N0} per request: narrow from/to or use a longer interval.");

        string StoredNote(Venue venue, bool oi)
        {
            var list = oi ? stored[venue].Oi : stored[venue].Candles;
            return list.Count == 0 ? $"the store has no {(oi ? "open interest" : "perp candles")} of it at any interval"
                : $"the store has {(oi ? "open interest" : "perp candles")} of it at {string.Join(", ", list)}";
        }

        if (priceVenue is { } pv && candles[pv].Length == 0)
        {
            var withCandles = candles.Where(kv => kv.Value.Length > 0).Select(kv => VenueInfo.Name(kv.Key)).ToArray();
            throw new QueryParameterException("price_venue", $"{VenueInfo.Name(pv)} has no {interval} perp candles of {VenueInfo.Instrument(pv, asset)} in {window} ({StoredNote(pv, oi: false)}); " +
                (withCandles.Length > 0 ? $"venues with candles there: {string.Join(", ", withCandles)}." : "no venue asked for has candles there."));
        }

        void Lacks(Venue venue, string reason, string fix)
        {
            if (selection.All) leftOut.Add(new VenueLeftOut(venue, reason));
            else throw new DataUnavailableException($"{VenueInfo.Name(venue)}: {reason}. {fix}", "venues");
        }

        var plans = new List<VenuePlan>();
        foreach (var (venue, instrument, margin) in margins)
        {
            var name = VenueInfo.Name(venue);
            var oi = openInterest[venue];
            if (oi.Length < 2)
            {
                Lacks(venue, $"{(oi.Length == 0 ? "no" : "a single")} {interval} open interest of {instrument} (store venue {VenueInfo.StoreVenue(venue)}) in {window}; {StoredNote(venue, oi: true)}",
                    $"A venue's map is built from its own open interest: ingest it, or leave {name} out of venues (venues=all leaves out the venues without data).");
                continue;
            }
            var own = candles[venue];
            if (own.Length > 0)
            {
                plans.Add(new VenuePlan(venue, instrument, margin, oi, own, new SeriesUsed(VenueInfo.StoreVenue(venue), instrument, "klines perp", interval, own.Length)));
            }
            else if (priceVenue is { } p && p != venue)
            {
                var path = candles[p];
                plans.Add(new VenuePlan(venue, instrument, margin, oi, path,
                    new SeriesUsed(VenueInfo.StoreVenue(p), VenueInfo.Instrument(p, asset), $"klines perp (price path of {VenueInfo.Name(p)})", interval, path.Length)));
            }
            else
            {
                var donors = candles.Where(kv => kv.Key != venue && kv.Value.Length > 0).Select(kv => VenueInfo.Name(kv.Key)).ToArray();
                Lacks(venue, $"open interest but no {interval} perp candles of {instrument} in {window} ({StoredNote(venue, oi: false)})" +
                             (selection.All && donors.Length > 0 ? $"; price_venue={donors[0]} would give it {donors[0]}'s price path" : ""),
                    $"Its map needs a price path: take another venue's candles with price_venue (--price-venue){(donors.Length > 0 ? $", e.g. price_venue={donors[0]}" : "")}, or leave {name} out of venues.");
            }
        }

        // One time axis: the candle times every venue's price path has; a venue whose OI then covers fewer than two of them is dropped
        // (venues=all) or an error, and the axis is drawn again without it.
        Candle[][] joined;
        DateTime[] times;
        while (true)
        {
            if (plans.Count == 0)
                throw new DataUnavailableException($"No venue of venues={selection} has both open interest and candles of {asset} at {interval} in {window}: " +
                    string.Join("; ", leftOut.Select(l => $"{VenueInfo.Name(l.Venue)}: {l.Reason}")) + ".", "venues");
            var common = new HashSet<DateTime>(plans[0].Candles.Select(c => c.OpenTime));
            foreach (var plan in plans.Skip(1)) common.IntersectWith(plan.Candles.Select(c => c.OpenTime));
            times = common.Order().ToArray();
            if (times.Length == 0)
                throw new DataUnavailableException($"The venues {string.Join(", ", plans.Select(p => VenueInfo.Name(p.Venue)))} have no {interval} candle time in common in {window}.", "venues");
            joined = plans.Select(p => Join(p, common)).ToArray();
            var thin = plans.Select((p, i) => (Plan: p, Count: joined[i].Count(c => double.IsFinite(c.OpenInterestUsd)))).Where(x => x.Count < 2).ToArray();
            if (thin.Length == 0) break;
            foreach (var (plan, count) in thin)
            {
                Lacks(plan.Venue, $"{plan.OpenInterest.Length:N0} {interval} open-interest values of {plan.Instrument} but {count} at the times of its price path's candles in {window}",
                    "A venue's map needs open interest at two candle times at least: choose another window or interval, or leave it out of venues.");
                plans.Remove(plan);
            }
        }

        if (times.Length > Limits.MaxCandles)
            throw new QueryParameterException("from", $"the window holds {times.Length:N0} {interval} candles; at most {Limits.MaxCandles:N0} per request: narrow from/to or use a longer interval.");
        var perColumn = query.CandlesPerColumn > 0 ? query.CandlesPerColumn : Math.Max(1, (times.Length + query.MaxColumns - 1) / query.MaxColumns);
        if ((times.Length + perColumn - 1) / perColumn > Limits.MaxColumns)
            throw new QueryParameterException("candles_per_column", $"{times.Length:N0} candles at {perColumn} per column make more than {Limits.MaxColumns:N0} columns.");

        var model = new TimeEvolvingModel(mix, candlesPerColumn: perColumn);
        var axis = model.PlanBins(joined.SelectMany(c => c));
        if (axis.Count > Limits.MaxPriceBins)
            throw new QueryParameterException("mix", $"the venues' price range makes {axis.Count:N0} bins; at most {Limits.MaxPriceBins:N0}.");
        var maps = new VenueHeatmap[plans.Count];
        for (var i = 0; i < plans.Count; i++)
        {
            var p = plans[i];
            var run = model.Run(joined[i], p.Margin, axis);
            var oiSeries = new SeriesUsed(VenueInfo.StoreVenue(p.Venue), p.Instrument, string.Join("+", p.OpenInterest.Select(o => o.Source).Distinct().Order(StringComparer.Ordinal)),
                interval, joined[i].Count(c => double.IsFinite(c.OpenInterestUsd)));
            maps[i] = new VenueHeatmap(p.Venue, p.Instrument, p.Margin, oiSeries, p.CandleSeries with { Rows = joined[i].Length }, oiSeries.Rows, run);
        }

        // The sum, cell by cell: grid, liquidations per period, totals; the levels of every venue together.
        var grid = new TimePriceGrid(axis, maps[0].Grid.Times);
        var periods = new PeriodLiquidations[times.Length];
        double created = 0, consumed = 0, closed = 0, open = 0;
        foreach (var m in maps)
        {
            var values = m.Grid.Values;
            for (var b = 0; b < axis.Count; b++)
                for (var t = 0; t < grid.Times.Count; t++)
                    grid.Values[b, t] += values[b, t];
            for (var k = 0; k < periods.Length; k++)
            {
                var p = m.Result.Liquidations![k];
                periods[k] = new PeriodLiquidations(p.PeriodStart, periods[k].LongUsd + p.LongUsd, periods[k].ShortUsd + p.ShortUsd);
            }
            created += m.Totals.CreatedUsd;
            consumed += m.Totals.ConsumedUsd;
            closed += m.Totals.ClosedUsd;
            open += m.Totals.OpenUsd;
        }
        var totals = new TimeEvolvingTotals(created, consumed, closed, open);
        var levels = maps.SelectMany(m => m.Result.Levels).ToArray();
        var ownPath = plans.FindIndex(p => p.CandleSeries.Venue == VenueInfo.StoreVenue(p.Venue));
        var priceCandles = joined[ownPath >= 0 ? ownPath : 0];
        var endMap = LiquidationMap.FromLevels(levels, axis, priceCandles[^1].Close, model.Mix.Tiers.Select(t => t.Leverage).ToArray());
        var result = new LiquidationModelResult(model.Name, levels, grid, periods, totals);
        var frozen = joined.SelectMany(FrozenRuns.OpenInterest).OrderBy(f => f.From).ToArray();
        var withOi = Enumerable.Range(0, times.Length).Count(k => joined.Any(c => double.IsFinite(c[k].OpenInterestUsd)));
        var borrowed = priceVenue is { } donor
            ? maps.Where(m => m.Candles.Venue != VenueInfo.StoreVenue(m.Venue)).Select(m => $"{m.Name} on {VenueInfo.Name(donor)} prices").ToArray()
            : [];
        var set = string.Join(" + ", maps.Select(m => m.Name));
        var title = string.Create(CultureInfo.InvariantCulture,
            $"{asset} perp {interval} liquidation heatmap ({model.Name}), venues {set}{(borrowed.Length > 0 ? $" ({string.Join(", ", borrowed)})" : "")}, " +
            $"{times[0]:yyyy-MM-dd HH:mm} – {times[^1]:yyyy-MM-dd HH:mm} UTC{(leftOut.Count > 0 ? $"; left out: {string.Join(", ", leftOut.Select(l => VenueInfo.Name(l.Venue)))} (no data)" : "")}");
        var binance = maps.FirstOrDefault(m => m.Venue == Venue.BinanceUsdm)?.Margin as BinanceUsdmMarginModel;
        return new HeatmapResult(query with { Market = "perp" }, binance?.Brackets, priceCandles, withOi, model.Mix, perColumn, result, totals, frozen, endMap, title, maps, leftOut);
    }

    // The plan's price-path candles at the common times, each carrying the venue's own open interest of that time (NaN where none).
    private static Candle[] Join(VenuePlan plan, HashSet<DateTime> common)
    {
        var oi = plan.OpenInterest.ToDictionary(o => o.Time, o => o.OiUsd);
        return plan.Candles.Where(c => common.Contains(c.OpenTime))
            .Select(c => c with { OpenInterestUsd = oi.TryGetValue(c.OpenTime, out var v) ? v : double.NaN })
            .ToArray();
    }

    private static string Shown(string? text) => text is null ? "" : text.Length > 40 ? text[..40] + "…" : text;
}
