using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Margin;
using Plotly.NET;
using Chart = Plotly.NET.CSharp.Chart;
using static LiquidationLab.Charts.LiquidationCharts;

namespace LiquidationLab.Charts;

/// <summary>True liquidation levels (a venue's real open positions) beside a model's map.</summary>
public static class TrueLevelCharts
{
    private const string LongColor = PrintCharts.LongColor;
    private const string ShortColor = PrintCharts.ShortColor;
    private static readonly string[] MapColors = ["#f0b429", "#58a6ff", "#d2a8ff", "#ffa657"];

    /// <summary>
    /// One snapshot on the publisher's buckets: the real notional per bucket as bars (longs below the price drawn downward,
    /// shorts above upward) and each map's density as a line, each as a share of its own total within the grid.
    /// </summary>
    /// <param name="real">The snapshot whose levels are drawn (its bins are the common axis).</param>
    /// <param name="maps">Named maps on the same bins (<see cref="TrueLevelSnapshot.ModelDensity"/> of each).</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">A map on other bins.</exception>
    public static Figure Snapshot(TrueLevelSnapshot real, IReadOnlyList<(string Name, TrueLevelSnapshot Map)> maps, string title)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(maps);
        var bins = real.Bins;
        var x = bins.Centers();
        var longs = new double[bins.Count];
        var shorts = new double[bins.Count];
        foreach (var l in real.Levels)
        {
            var b = bins.IndexOf(l.Price);
            if (b < 0) continue;
            if (l.Side == PositionSide.Long) longs[b] -= l.NotionalUsd;
            else shorts[b] += l.NotionalUsd;
        }
        var total = -longs.Sum() + shorts.Sum();
        var charts = new List<GenericChart>();
        foreach (var (values, name, color) in new[] { (longs, "real long positions' liquidation prices", LongColor), (shorts, "real short positions' liquidation prices", ShortColor) })
        {
            var bar = Chart.Column<double, double, string>(values: values.Select(v => total > 0 ? 100 * v / total : 0).ToArray(), Keys: x, Name: name);
            charts.Add(Traces(bar, t =>
            {
                t.SetProperty("marker", Obj(("color", color), ("opacity", 0.8)));
                t.SetProperty("customdata", values.Select(Math.Abs).ToArray());
                t.SetProperty("hovertemplate", $"{name}<br>bucket %{{x:,.0f}}<br>%{{y:.1f}} % of the real notional<br>$%{{customdata:,.0f}}<extra></extra>");
            }));
        }
        var i = 0;
        foreach (var (name, map) in maps)
        {
            if (map.Bins != bins || map.ModelDensity.Count != bins.Count) throw new ArgumentException($"Map '{name}' is not on the snapshot's buckets.", nameof(maps));
            var mapTotal = map.ModelDensity.Sum();
            var y = Enumerable.Range(0, bins.Count).Select(b => mapTotal > 0 ? 100 * map.ModelDensity[b] / mapTotal * (x[b] < real.ReferencePrice ? -1 : 1) : 0).ToArray();
            var color = MapColors[i++ % MapColors.Length];
            var line = Chart.Line<double, double, string>(x: x, y: y, Name: $"{name} (share of its map)");
            charts.Add(Traces(line, t =>
            {
                t.SetProperty("line", Obj(("color", color), ("width", 2), ("shape", "hvh")));
                t.SetProperty("hovertemplate", $"{name}<br>bucket %{{x:,.0f}}<br>%{{y:.1f}} % of the map<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(charts), title, "liquidation price (USD)", "share (%): longs ↓, shorts ↑", height: 520);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("barmode", "overlay");
            l.SetProperty("xaxis", Obj(("title", Obj(("text", "liquidation price (USD)"))), ("gridcolor", "#30363d"), ("zerolinecolor", "#30363d"), ("tickformat", ",.0f")));
            l.SetProperty("yaxis", Obj(("title", Obj(("text", "share (%): longs ↓, shorts ↑"))), ("gridcolor", "#30363d"), ("zerolinecolor", "#30363d")));
            l.SetProperty("shapes", new[]
            {
                Obj(("type", "line"), ("xref", "x"), ("yref", "paper"), ("x0", real.ReferencePrice), ("x1", real.ReferencePrice), ("y0", 0), ("y1", 1),
                    ("line", Obj(("color", "#ffffff"), ("width", 1.5), ("dash", "dot")))),
            });
            l.SetProperty("annotations", new[]
            {
                Obj(("x", real.ReferencePrice), ("y", 1.02), ("xref", "x"), ("yref", "paper"), ("showarrow", false),
                    ("text", $"price {real.ReferencePrice:N0}"), ("font", Obj(("color", "#ffffff"), ("size", 12)))),
            });
        });
        return new Figure(chart, title);
    }

    /// <summary>
    /// The pooled scores with their 95 % intervals: per side, the share of the real notional in range that lies in the k densest
    /// buckets and the rank correlation of density with the real levels — each map beside the distance-only baseline (the k
    /// buckets nearest the price; closeness to the price).
    /// </summary>
    /// <param name="maps">Named reports (a null side: nothing scored there).</param>
    /// <param name="title">Figure title.</param>
    public static Figure Summary(IReadOnlyList<(string Name, TrueLevelReport Report)> maps, string title)
    {
        ArgumentNullException.ThrowIfNull(maps);
        string[] categories = ["longs: share in k buckets", "shorts: share in k buckets", "longs: Spearman", "shorts: Spearman"];
        static BootstrapInterval?[] Values(TrueLevelReport r, bool baseline) =>
        [
            baseline ? r.Long?.NearestShare : r.Long?.ModelShare, baseline ? r.Short?.NearestShare : r.Short?.ModelShare,
            baseline ? r.Long?.DistanceSpearman : r.Long?.ModelSpearman, baseline ? r.Short?.DistanceSpearman : r.Short?.ModelSpearman,
        ];
        var series = new List<(string Name, string Color, BootstrapInterval?[] Values)>();
        if (maps.Count > 0) series.Add(("distance only (nearest buckets; closeness)", "#8b949e", Values(maps[0].Report, baseline: true)));
        var i = 0;
        foreach (var (name, report) in maps) series.Add((name, MapColors[i++ % MapColors.Length], Values(report, baseline: false)));
        var charts = new List<GenericChart>();
        foreach (var (name, color, values) in series)
        {
            var y = values.Select(v => v?.Estimate ?? double.NaN).ToArray();
            var bar = Chart.Column<double, string, string>(values: y, Keys: categories, Name: name);
            charts.Add(Traces(bar, t =>
            {
                t.SetProperty("marker", Obj(("color", color), ("opacity", 0.9)));
                t.SetProperty("error_y", Obj(("type", "data"), ("symmetric", false), ("color", "#e6edf3"), ("thickness", 1.2), ("width", 4),
                    ("array", values.Select(v => v is { } b && !double.IsNaN(b.Upper) ? b.Upper - b.Estimate : 0).ToArray()),
                    ("arrayminus", values.Select(v => v is { } b && !double.IsNaN(b.Lower) ? b.Estimate - b.Lower : 0).ToArray())));
                t.SetProperty("hovertemplate", $"{name}<br>%{{x}}<br>%{{y:.3f}}<extra></extra>");
            }));
        }
        var chart = Style(charts.Count == 0 ? Chart.Point<double, double, string>(x: Array.Empty<double>(), y: Array.Empty<double>()) : Chart.Combine(charts),
            title, "", "mean over snapshots (95 % block-bootstrap interval)", height: 480);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("barmode", "group");
            l.SetProperty("yaxis", Obj(("title", Obj(("text", "mean over snapshots (95 % interval)"))), ("gridcolor", "#30363d"), ("zerolinecolor", "#8b949e")));
        });
        return new Figure(chart, title);
    }
}

