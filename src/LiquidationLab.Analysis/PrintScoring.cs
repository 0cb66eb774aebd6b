using System.Globalization;
using LiquidationLab.Charts;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;

namespace LiquidationLab.Analysis;

/// <summary>
/// Score maps against the real liquidation prints of a window: a peer project's predicted bands (as stored in
/// <c>peer_liquidation_bands</c>) and our leverage-ladder model, both made before the window's first print.
/// </summary>
/// <param name="Symbol">Symbol with prints and peer bands, e.g. <c>ETHUSDT</c>.</param>
/// <param name="Window">The prints' window.</param>
/// <param name="PeerSource">The peer, e.g. <c>liqmap</c>.</param>
/// <param name="LadderHours">Hours of the price path before the map time that enter our model (its entries).</param>
/// <param name="BinWidth">Common price bin width, USDT (the peer's finest band spacing by default).</param>
/// <param name="Settings">Scoring settings (zones, tolerance, draws, resamples).</param>
public sealed record PeerComparisonQuery(string Symbol, TimeWindow Window, string PeerSource = "liqmap", double LadderHours = 4, double BinWidth = 10,
    PriceLevelScoringSettings? Settings = null);

/// <summary>The maps, the prints and the scores of a <see cref="PeerComparisonQuery"/>.</summary>
/// <param name="Query">The query.</param>
/// <param name="MapTime">The peer's last report before the first print: both maps are as of then.</param>
/// <param name="ReferencePrice">The price then.</param>
/// <param name="Bins">The common price bins.</param>
/// <param name="Maps">Each map's long and short notional per bin (the peer's cumulative bands differenced and spread evenly
/// over the bins of each band; our model's levels binned).</param>
/// <param name="Prints">The prints scored (fill price where known, else the order price).</param>
/// <param name="PricePathSamples">Price observations (the peer's report prices) our model used as entries.</param>
/// <param name="VisitedLow">Lowest price the market visited in the window (the peer's report prices and the prints' fills).</param>
/// <param name="VisitedHigh">Highest.</param>
/// <param name="Scores">Each map's score.</param>
public sealed record PeerComparisonResult(PeerComparisonQuery Query, DateTime MapTime, double ReferencePrice, PriceBins Bins,
    IReadOnlyList<(string Name, double[] Long, double[] Short)> Maps, IReadOnlyList<LiquidationPrintPoint> Prints, int PricePathSamples,
    double VisitedLow, double VisitedHigh, IReadOnlyList<(string Name, PriceLevelScore Score)> Scores)
{
    /// <summary>The maps next to the prints.</summary>
    public Figure Figure() => PrintCharts.MapsAndPrints(Bins, Maps, Prints, ReferencePrice,
        string.Create(CultureInfo.InvariantCulture, $"{Query.Symbol}: maps as of {MapTime:yyyy-MM-dd HH:mm:ss} UTC and the {Prints.Count} real liquidations that followed"));
}

public sealed partial class LiquidationAnalysis
{
    /// <summary>The name of our model in a <see cref="PeerComparisonResult"/>.</summary>
    public const string LadderModelName = "LiquidationLab leverage ladder";

    /// <summary>
    /// Scores the peer's bands and our leverage-ladder model (the Binance standard model with the recent price path as its
    /// entries, equal weight per observation: the file has prices, not volumes) against the window's prints.
    /// </summary>
    /// <exception cref="DataUnavailableException">No prints in the window, or no peer report before its first print.</exception>
    /// <exception cref="QueryParameterException">A non-positive bin width or ladder length.</exception>
    public PeerComparisonResult PeerComparison(PeerComparisonQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!(query.BinWidth > 0)) throw new QueryParameterException("bin_width", "must be > 0 USDT.");
        if (!(query.LadderHours > 0)) throw new QueryParameterException("ladder_hours", "must be > 0.");
        var table = Table(query.Symbol);
        var symbol = table.Symbol;
        var (prints, bands) = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            var p = reader.LiquidationPrints(symbol, query.Window.Start, query.Window.End);
            var first = p.Length > 0 ? p[0].Time : query.Window.Start;
            var last = p.Length > 0 ? p[^1].Time : query.Window.End;
            var b = reader.PeerBands(query.PeerSource, symbol, first.AddHours(-query.LadderHours - 1), last.AddTicks(10));
            return (p, b);
        });
        if (prints.Length == 0) throw new DataUnavailableException($"No {symbol} liquidation prints in {query.Window} in {Store.Path}.");
        var firstPrint = prints[0].Time;
        var before = bands.Where(b => b.ReportTime <= firstPrint).ToArray();
        if (before.Length == 0)
            throw new DataUnavailableException($"No {query.PeerSource} report for {symbol} before the first print at {firstPrint:yyyy-MM-dd HH:mm:ss} UTC.");
        var mapTime = before.Max(b => b.ReportTime);
        var report = before.Where(b => b.ReportTime == mapTime).ToArray();
        var reference = report[0].ReferencePrice;

        // Common bins over the peer's reach, edges aligned to the bin width.
        var reach = report.Max(b => Math.Abs(b.Price - reference)) + query.BinWidth;
        var lower = Math.Floor((reference - reach) / query.BinWidth) * query.BinWidth;
        var count = (int)Math.Ceiling((reference + reach - lower) / query.BinWidth);
        var bins = new PriceBins(lower, query.BinWidth, count);

        // The peer's bands are cumulative notional within each distance: difference them and spread each step evenly.
        var peerLong = new double[count];
        var peerShort = new double[count];
        foreach (var side in new[] { "long", "short" })
        {
            var steps = report.Where(b => b.LiquidatedSide == side).OrderBy(b => Math.Abs(b.Price - reference)).ToArray();
            var previousDistance = 0.0;
            var previousCumulative = 0.0;
            foreach (var b in steps)
            {
                var distance = Math.Abs(b.Price - reference);
                var mass = Math.Max(0, b.NotionalUsd - previousCumulative);
                var from = side == "long" ? reference - distance : reference + previousDistance;
                var to = side == "long" ? reference - previousDistance : reference + distance;
                Spread(bins, side == "long" ? peerLong : peerShort, from, to, mass);
                (previousDistance, previousCumulative) = (distance, Math.Max(previousCumulative, b.NotionalUsd));
            }
        }

        // Our ladder: entries along the price path the peer's reports give (before the map time only).
        var path = bands.Where(b => b.ReportTime <= mapTime && b.ReportTime >= mapTime.AddHours(-query.LadderHours))
            .GroupBy(b => b.ReportTime).Select(g => (Time: g.Key, Price: g.First().ReferencePrice)).OrderBy(x => x.Time).ToArray();
        // Each observation opens a long and a short of equal size (a taker buy and a taker sell): no volumes, no side bias.
        var trades = path.SelectMany(x => new[] { new AggTrade(x.Time, x.Price, 1_000 / x.Price, false), new AggTrade(x.Time, x.Price, 1_000 / x.Price, true) }).ToArray();
        var model = new BinanceStandardModel(TradeFilter.All, priceBinWidth: query.BinWidth);
        var ladder = model.BuildMap(trades, table, reference);
        var ourLong = new double[count];
        var ourShort = new double[count];
        for (var b = 0; b < ladder.Bins.Count; b++)
        {
            var target = bins.IndexOf(ladder.Bins.Center(b));
            if (target < 0) continue;
            ourLong[target] += ladder.BinTotal(PositionSide.Long, b);
            ourShort[target] += ladder.BinTotal(PositionSide.Short, b);
        }

        var points = prints.Select(p => p.ToPoint()).ToArray();
        // The range the market visited: the peer's price path through the window, and the prints' own fills (a fill is a
        // trade at that price, on its venue); prints more than 5 % from the reference (absurd prices) do not stretch it.
        var during = bands.Where(b => b.ReportTime >= firstPrint && b.ReportTime <= prints[^1].Time).Select(b => b.ReferencePrice).Append(reference)
            .Concat(points.Where(p => Math.Abs(p.Price / reference - 1) <= 0.05).Select(p => p.Price)).ToArray();
        var (low, high) = (during.Min(), during.Max());
        var settings = query.Settings ?? new PriceLevelScoringSettings();
        (string, double[], double[])[] maps = [($"{query.PeerSource} (peer)", peerLong, peerShort), (LadderModelName, ourLong, ourShort)];
        var scores = maps.Select(m => (m.Item1, PriceLevelScoring.Score(bins, m.Item2, m.Item3, reference, low, high, points, settings))).ToArray();
        return new PeerComparisonResult(query, mapTime, reference, bins, maps, points, path.Length, low, high, scores);
    }

    private static void Spread(PriceBins bins, double[] target, double from, double to, double mass)
    {
        if (mass <= 0 || to <= from) return;
        var covered = new List<(int Bin, double Overlap)>();
        for (var b = 0; b < bins.Count; b++)
        {
            var overlap = Math.Min(to, bins.Lower(b) + bins.Width) - Math.Max(from, bins.Lower(b));
            if (overlap > 0) covered.Add((b, overlap));
        }
        var total = covered.Sum(c => c.Overlap);
        foreach (var (b, overlap) in covered) target[b] += mass * overlap / total;
    }
}
