using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using Plotly.NET;
using Chart = Plotly.NET.CSharp.Chart;
using static LiquidationLab.Charts.LiquidationCharts;

namespace LiquidationLab.Charts;

/// <summary>Real liquidation prints: where they happened, and a model's map next to them.</summary>
public static class PrintCharts
{
    internal const string LongColor = "#ef476f";
    internal const string ShortColor = "#06d6a0";

    /// <summary>
    /// Prints against time and price: liquidated longs and shorts in their colours, marker area proportional to notional,
    /// hover with the exact figures.
    /// </summary>
    /// <param name="prints">The prints.</param>
    /// <param name="title">Figure title.</param>
    public static Figure Timeline(IReadOnlyList<LiquidationPrintPoint> prints, string title)
    {
        ArgumentNullException.ThrowIfNull(prints);
        var max = prints.Count == 0 ? 1 : prints.Max(p => p.NotionalUsd);
        var charts = new List<GenericChart>();
        foreach (var side in new[] { PositionSide.Long, PositionSide.Short })
        {
            var mine = prints.Where(p => p.LiquidatedSide == side).ToArray();
            if (mine.Length == 0) continue;
            var name = side == PositionSide.Long ? "longs liquidated" : "shorts liquidated";
            var scatter = Chart.Point<DateTime, double, string>(x: mine.Select(p => p.Time), y: mine.Select(p => p.Price), Name: name);
            charts.Add(Traces(scatter, t =>
            {
                t.SetProperty("marker", Obj(("color", side == PositionSide.Long ? LongColor : ShortColor), ("opacity", 0.75),
                    ("size", mine.Select(p => 4 + 26 * Math.Sqrt(p.NotionalUsd / max)).ToArray()), ("line", Obj(("width", 0)))));
                t.SetProperty("customdata", mine.Select(p => p.NotionalUsd).ToArray());
                t.SetProperty("hovertemplate", $"{name}<br>%{{x|%Y-%m-%d %H:%M:%S}} UTC<br>price %{{y:,.2f}}<br>$%{{customdata:,.0f}}<extra></extra>");
            }));
        }
        var chart = Style(charts.Count == 0 ? Chart.Point<double, double, string>(x: Array.Empty<double>(), y: Array.Empty<double>()) : Chart.Combine(charts),
            title, "time (UTC)", "price (USDT)", height: 480);
        chart = WithLayout(chart, l => l.SetProperty("yaxis", Obj(("title", Obj(("text", "price (USDT)"))), ("gridcolor", "#30363d"), ("zerolinecolor", "#30363d"), ("tickformat", ",.0f"))));
        return new Figure(chart, title);
    }

    /// <summary>
    /// Maps next to the prints on one price axis: each map's long (below the reference, drawn downward) and short (above,
    /// upward) notional per bin as a share of its own total, the prints' liquidated notional per bin as bars, the reference price.
    /// </summary>
    /// <param name="bins">Common price bins.</param>
    /// <param name="maps">Named maps: long and short notional per bin (length <c>bins.Count</c>).</param>
    /// <param name="prints">The prints scored.</param>
    /// <param name="referencePrice">The price when the maps were made.</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">A map of the wrong length.</exception>
    public static Figure MapsAndPrints(PriceBins bins, IReadOnlyList<(string Name, double[] Long, double[] Short)> maps, IReadOnlyList<LiquidationPrintPoint> prints,
        double referencePrice, string title)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(prints);
        var x = bins.Centers();
        var charts = new List<GenericChart>();
        var printLong = new double[bins.Count];
        var printShort = new double[bins.Count];
        foreach (var p in prints)
        {
            var b = bins.IndexOf(p.Price);
            if (b < 0) continue;
            if (p.LiquidatedSide == PositionSide.Long) printLong[b] -= p.NotionalUsd;
            else printShort[b] += p.NotionalUsd;
        }
        var printTotal = prints.Sum(p => p.NotionalUsd);
        foreach (var (values, name, color) in new[] { (printLong, "real long liquidations", LongColor), (printShort, "real short liquidations", ShortColor) })
        {
            var shares = values.Select(v => printTotal > 0 ? 100 * v / printTotal : 0).ToArray();
            var bar = Chart.Column<double, double, string>(values: shares, Keys: x, Name: name);
            charts.Add(Traces(bar, t =>
            {
                t.SetProperty("marker", Obj(("color", color), ("opacity", 0.85)));
                t.SetProperty("hovertemplate", $"{name}<br>price %{{x:,.2f}}<br>%{{y:.1f}} % of the prints' notional<extra></extra>");
            }));
        }
        string[] lineColors = ["#f0b429", "#58a6ff", "#d2a8ff", "#ffa657"];
        var i = 0;
        foreach (var (name, longs, shorts) in maps)
        {
            if (longs.Length != bins.Count || shorts.Length != bins.Count) throw new ArgumentException($"Map '{name}' must have {bins.Count} values per side.", nameof(maps));
            var total = longs.Sum() + shorts.Sum();
            var y = Enumerable.Range(0, bins.Count).Select(b => total > 0 ? 100 * (shorts[b] - longs[b]) / total : 0).ToArray();
            var color = lineColors[i++ % lineColors.Length];
            var line = Chart.Line<double, double, string>(x: x, y: y, Name: $"{name} (share of its map)");
            charts.Add(Traces(line, t =>
            {
                t.SetProperty("line", Obj(("color", color), ("width", 2), ("shape", "hvh")));
                t.SetProperty("hovertemplate", $"{name}<br>price %{{x:,.2f}}<br>%{{y:.1f}} % of the map<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(charts), title, "price (USDT)", "share (%): longs ↓, shorts ↑", height: 520);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("barmode", "overlay");
            l.SetProperty("shapes", new[]
            {
                Obj(("type", "line"), ("xref", "x"), ("yref", "paper"), ("x0", referencePrice), ("x1", referencePrice), ("y0", 0), ("y1", 1),
                    ("line", Obj(("color", "#ffffff"), ("width", 1.5), ("dash", "dot")))),
            });
            l.SetProperty("annotations", new[]
            {
                Obj(("x", referencePrice), ("y", 1.02), ("xref", "x"), ("yref", "paper"), ("showarrow", false),
                    ("text", $"price when the maps were made {referencePrice:N2}"), ("font", Obj(("color", "#ffffff"), ("size", 12)))),
            });
        });
        return new Figure(chart, title);
    }
}
