using DynamicObj;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Chart = Plotly.NET.CSharp.Chart;

namespace LiquidationLab.Charts;

/// <summary>
/// The workspace's chart kinds, built with Plotly.NET(.CSharp) from Core results, in a dark trading-terminal style:
/// the time × price liquidation heatmap, the liquidation map, the model comparison and the backtest view.
/// </summary>
public static class LiquidationCharts
{
    /// <summary>Coinglass-like sequential scale: dark purple → blue → teal → yellow.</summary>
    public static IReadOnlyList<(double Stop, string Color)> HeatScale { get; } =
    [
        (0.0, "#120822"), (0.08, "#2a0f4f"), (0.25, "#2b3a8f"), (0.45, "#1f6fa8"), (0.62, "#15a39a"), (0.8, "#5fd06b"), (1.0, "#f7e547"),
    ];

    private static readonly string[] ModelColors = ["#f7b32b", "#4cc9f0", "#f72585", "#06d6a0", "#b388ff", "#ff8c42", "#e6edf3"];
    private const string Background = "#0d1117";
    private const string Grid = "#21262d";
    private const string Text = "#c9d1d9";
    private const string LongColor = "#ef476f";
    private const string ShortColor = "#06d6a0";

    /// <summary>
    /// Heatmap of open liquidation notional over time and price, with the candle close path overlaid.
    /// The colour scale saturates at the 99.5th percentile of non-zero cells so single spikes do not wash it out.
    /// </summary>
    /// <param name="grid">Time × price grid (USD per bin).</param>
    /// <param name="candles">Candles for the price path (close), may be empty.</param>
    /// <param name="title">Figure title.</param>
    public static Figure Heatmap(TimePriceGrid grid, IReadOnlyList<Candle> candles, string title) => Heatmap(grid, candles, title, []);

    /// <summary>The heatmap with spans where the input was frozen shaded and labelled, so a dark block caused by a source that
    /// stopped updating is not read as a market fact.</summary>
    /// <param name="grid">The time × price grid.</param>
    /// <param name="candles">The price path.</param>
    /// <param name="title">Title.</param>
    /// <param name="frozen">Spans to shade (e.g. <see cref="FrozenRuns.OpenInterest"/>); empty for none.</param>
    /// <param name="priceDecimals">Decimals of prices in hover labels: the symbol's tick (<see cref="LeverageBracketTable.PriceDecimals"/>), 0–8.</param>
    public static Figure Heatmap(TimePriceGrid grid, IReadOnlyList<Candle> candles, string title, IReadOnlyList<FrozenSpan> frozen, int priceDecimals = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priceDecimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priceDecimals, 8);
        var d = priceDecimals.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ArgumentNullException.ThrowIfNull(frozen);
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(candles);
        var rows = grid.Price.Count;
        var cols = grid.Times.Count;
        var z = new double[rows][];
        var nonZero = new List<double>();
        for (var p = 0; p < rows; p++)
        {
            z[p] = new double[cols];
            for (var t = 0; t < cols; t++)
            {
                z[p][t] = grid.Values[p, t];
                if (z[p][t] > 0) nonZero.Add(z[p][t]);
            }
        }
        nonZero.Sort();
        var zmax = nonZero.Count == 0 ? 1 : nonZero[(int)Math.Min(nonZero.Count - 1, Math.Floor(nonZero.Count * 0.995))];
        var heat = Chart.Heatmap<double, DateTime, double, string>(zData: z, X: new Plotly.NET.CSharp.Optional<IEnumerable<DateTime>>(grid.Times, true), Y: new Plotly.NET.CSharp.Optional<IEnumerable<double>>(grid.Price.Centers(), true), Name: "open liquidation notional");
        heat = Traces(heat, t =>
        {
            t.SetProperty("colorscale", HeatScale.Select(s => new object[] { s.Stop, s.Color }).ToArray());
            t.SetProperty("zmin", 0);
            t.SetProperty("zmax", zmax);
            // Model notional, not expected liquidations: the backtest's walk-forward scale puts real liquidations at a small
            // fraction of it (notebook 05), so the colour bar says which it is.
            t.SetProperty("hovertemplate", "%{x|%Y-%m-%d %H:%M} UTC<br>price %{y:,." + d + "f}<br>model notional with its liquidation price here: $%{z:,.0f}<extra></extra>");
            t.SetProperty("colorbar", Obj(("title", Obj(("text", "model notional (USD)"))), ("tickformat", "~s"), ("outlinewidth", 0), ("tickfont", Obj(("color", Text)))));
        });
        var charts = new List<GenericChart> { heat };
        if (candles.Count > 0)
        {
            var path = Chart.Line<DateTime, double, string>(x: candles.Select(c => c.OpenTime), y: candles.Select(c => c.Close), Name: "close");
            charts.Add(Traces(path, t =>
            {
                t.SetProperty("line", Obj(("color", "#ffffff"), ("width", 1.3)));
                t.SetProperty("hovertemplate", "%{x|%Y-%m-%d %H:%M} UTC<br>close %{y:,." + d + "f}<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(charts), title, "time (UTC)", "price (USDT)", height: 620);
        if (frozen.Count > 0)
        {
            chart = WithLayout(chart, l =>
            {
                l.SetProperty("shapes", frozen.Select(f => Obj(("type", "rect"), ("xref", "x"), ("yref", "paper"), ("x0", f.From), ("x1", f.To), ("y0", 0), ("y1", 1),
                    ("fillcolor", "rgba(255, 255, 255, 0.10)"), ("line", Obj(("color", "rgba(255, 196, 0, 0.9)"), ("width", 1), ("dash", "dot"))))).ToArray());
                l.SetProperty("annotations", frozen.Select(f => Obj(("xref", "x"), ("yref", "paper"), ("x", f.From + (f.To - f.From) / 2), ("y", 0.98), ("showarrow", false),
                    ("text", $"open interest frozen in the source<br>{f.Samples:N0} identical values: not a market fact"),
                    ("font", Obj(("color", "#ffc400"), ("size", 11))), ("bgcolor", "rgba(13, 17, 23, 0.75)"))).ToArray());
            });
        }
        return new Figure(chart, title);
    }

    /// <summary>
    /// Price and open interest over time, one panel each on a shared time axis (UTC): the close in USDT above, open interest
    /// in billions of USD below, with every span where the OI source repeated one value (<see cref="FrozenRuns.OpenInterest"/>)
    /// shaded and labelled on the OI panel, so a flat stretch is not read as a market fact.
    /// </summary>
    /// <param name="candles">Candles in time order; NaN open interest is left out of the OI line.</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentNullException"><paramref name="candles"/> is null.</exception>
    public static Figure PriceAndOpenInterest(IReadOnlyList<Candle> candles, string title)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var price = Traces(Chart.Line<DateTime, double, string>(x: candles.Select(c => c.OpenTime), y: candles.Select(c => c.Close), Name: "close (USDT)"), t =>
        {
            t.SetProperty("line", Obj(("color", "#e6edf3"), ("width", 1.2)));
            t.SetProperty("hovertemplate", "%{x|%Y-%m-%d %H:%M} UTC<br>close %{y:,.2f} USDT<extra></extra>");
        });
        var withOi = candles.Where(c => double.IsFinite(c.OpenInterestUsd)).ToList();
        var oi = Traces(Chart.Line<DateTime, double, string>(x: withOi.Select(c => c.OpenTime), y: withOi.Select(c => c.OpenInterestUsd / 1e9), Name: "open interest (bn USD)"), t =>
        {
            t.SetProperty("yaxis", "y2");
            t.SetProperty("line", Obj(("color", "#4cc9f0"), ("width", 1.2)));
            t.SetProperty("hovertemplate", "%{x|%Y-%m-%d %H:%M} UTC<br>open interest %{y:,.3f} bn USD<extra></extra>");
        });
        var frozen = FrozenRuns.OpenInterest(candles);
        (double From, double To) pricePanel = (0.42, 1), oiPanel = (0, 0.34);
        var chart = WithLayout(Style(Chart.Combine([price, oi]), title, "time (UTC)", "close (USDT)", height: 620), l =>
        {
            l.SetProperty("xaxis", Obj(("title", Obj(("text", "time (UTC)"))), ("gridcolor", Grid), ("zerolinecolor", Grid), ("anchor", "y2")));
            l.SetProperty("yaxis", Axis("close (USDT)", pricePanel, ",.0f"));
            l.SetProperty("yaxis2", Axis("open interest (bn USD)", oiPanel, ",.2f"));
            if (frozen.Count == 0) return;
            l.SetProperty("shapes", frozen.Select(f => Obj(("type", "rect"), ("xref", "x"), ("yref", "paper"), ("x0", f.From), ("x1", f.To), ("y0", oiPanel.From), ("y1", oiPanel.To),
                ("fillcolor", "rgba(255, 196, 0, 0.12)"), ("line", Obj(("color", "rgba(255, 196, 0, 0.9)"), ("width", 1), ("dash", "dot"))))).ToArray());
            l.SetProperty("annotations", frozen.Select(f => Obj(("xref", "x"), ("yref", "paper"), ("x", f.From + (f.To - f.From) / 2), ("y", oiPanel.To), ("yanchor", "bottom"),
                ("showarrow", false), ("text", $"open interest frozen in the source: {f.Samples:N0} identical values"),
                ("font", Obj(("color", "#ffc400"), ("size", 11))), ("bgcolor", "rgba(13, 17, 23, 0.75)"))).ToArray());
        });
        return new Figure(chart, title);
    }

    /// <summary>
    /// Liquidation map: stacked bars per leverage tier by liquidation price — longs (below the current price) in reds,
    /// shorts (above) in greens, lighter for lower leverage, one titled legend group per side — cumulative long and short
    /// curves on a second axis in the same groups, and a vertical line at the current price.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="priceDecimals">Decimals of prices in hover labels and the current-price label: the symbol's tick, 0–8.</param>
    public static Figure Map(LiquidationMap map, string title, int priceDecimals = 1)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNegative(priceDecimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priceDecimals, 8);
        var d = priceDecimals.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var x = map.Bins.Centers();
        var charts = new List<GenericChart>();
        // Longs in reds, shorts in greens (the cumulative curves' colours), lighter for lower leverage; the legend has one group
        // per side with its title, so a reader tells a 10x long from a 10x short at a glance.
        foreach (var side in new[] { PositionSide.Long, PositionSide.Short })
        {
            var group = side == PositionSide.Long ? "longs" : "shorts";
            var groupTitle = side == PositionSide.Long ? "Longs (liquidated below the price)" : "Shorts (liquidated above the price)";
            var a = side == PositionSide.Long ? map.LongUsd : map.ShortUsd;
            var first = true;
            for (var t = 0; t < map.Leverages.Count; t++)
            {
                var y = Enumerable.Range(0, map.Bins.Count).Select(b => a[t, b]).ToArray();
                if (y.All(v => v == 0)) continue;
                var color = SideShade(side, t, map.Leverages.Count);
                var name = $"{map.Leverages[t]}x {(side == PositionSide.Long ? "long" : "short")}";
                var bar = Chart.Column<double, double, string>(values: y, Keys: x, Name: name);
                var titled = first;
                first = false;
                charts.Add(Traces(bar, tr =>
                {
                    tr.SetProperty("marker", Obj(("color", color), ("line", Obj(("width", 0)))));
                    tr.SetProperty("legendgroup", group);
                    if (titled) tr.SetProperty("legendgrouptitle", Obj(("text", groupTitle)));
                    tr.SetProperty("hovertemplate", $"{name}<br>liquidation price %{{x:,.{d}f}}<br>$%{{y:,.0f}}<extra></extra>");
                }));
            }
            var cumulative = CumulativeLine(x, side == PositionSide.Long ? map.CumulativeLongUsd : map.CumulativeShortUsd,
                $"cumulative {(side == PositionSide.Long ? "long" : "short")} liquidations", side == PositionSide.Long ? LongColor : ShortColor, d);
            charts.Add(Traces(cumulative, tr =>
            {
                tr.SetProperty("legendgroup", group);
                if (first) tr.SetProperty("legendgrouptitle", Obj(("text", groupTitle)));
            }));
        }
        var chart = Style(Chart.Combine(charts), title, "liquidation price (USDT)", "liquidation notional per bin (USD)", height: 560);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("barmode", "stack");
            l.SetProperty("bargap", 0.05);
            l.SetProperty("legend", Obj(("orientation", "h"), ("y", -0.15), ("bgcolor", "rgba(0,0,0,0)"), ("traceorder", "grouped"), ("groupclick", "toggleitem")));
            l.SetProperty("yaxis2", Obj(("overlaying", "y"), ("side", "right"), ("showgrid", false), ("title", Obj(("text", "cumulative (USD)"))),
                ("tickformat", "~s"), ("color", Text), ("rangemode", "tozero")));
            l.SetProperty("shapes", new[] { PriceLine(map.CurrentPrice) });
            l.SetProperty("annotations", new[] { PriceLabel(map.CurrentPrice, priceDecimals) });
        });
        return new Figure(chart, title);
    }

    // Light (low leverage) to deep (high leverage); readable on the dark background at both ends.
    private static readonly string[] LongShades = ["#ffd6de", "#ffa3b5", "#ff7092", "#ef476f", "#d62f58", "#b0173f", "#8a0f30"];
    private static readonly string[] ShortShades = ["#c7f9e5", "#8ff0cc", "#4fe3b2", "#06d6a0", "#04b386", "#03906c", "#026d52"];

    /// <summary>The colour of leverage tier <paramref name="tier"/> of <paramref name="tiers"/> on a side: shades spread evenly over the side's ramp.</summary>
    internal static string SideShade(PositionSide side, int tier, int tiers)
    {
        var ramp = side == PositionSide.Long ? LongShades : ShortShades;
        if (tiers <= 1) return ramp[3];
        var index = (int)Math.Round(tier * (ramp.Length - 1) / (double)(Math.Max(tiers, 2) - 1));
        return ramp[Math.Clamp(index, 0, ramp.Length - 1)];
    }

    private static GenericChart CumulativeLine(double[] x, double[] y, string name, string color, string d)
    {
        var keep = Enumerable.Range(0, x.Length).Where(i => y[i] > 0).ToArray();
        var line = Chart.Line<double, double, string>(x: keep.Select(i => x[i]), y: keep.Select(i => y[i]), Name: name);
        return Traces(line, t =>
        {
            t.SetProperty("yaxis", "y2");
            t.SetProperty("line", Obj(("color", color), ("width", 2.2)));
            t.SetProperty("hovertemplate", $"{name}<br>to %{{x:,.{d}f}}: $%{{y:,.0f}}<extra></extra>");
        });
    }

    /// <summary>
    /// Models side by side on one price axis: each model's liquidation notional per bin as a share of its own total
    /// (longs drawn downward, shorts upward) so models of different scale compare by shape; current price marked.
    /// </summary>
    /// <param name="results">Model results (levels).</param>
    /// <param name="bins">Common price axis.</param>
    /// <param name="currentPrice">Where the current-price line goes (0 when prices are distances in percent).</param>
    /// <param name="title">Figure title.</param>
    /// <param name="xTitle">Axis title (default: liquidation price in USDT).</param>
    public static Figure ModelComparison(IReadOnlyList<LiquidationModelResult> results, PriceBins bins, double currentPrice, string title, string xTitle = "liquidation price (USDT)")
    {
        ArgumentNullException.ThrowIfNull(results);
        var x = bins.Centers();
        var charts = new List<GenericChart>();
        var i = 0;
        foreach (var r in results)
        {
            var color = ModelColors[i++ % ModelColors.Length];
            var total = r.Levels.Sum(l => l.NotionalUsd);
            if (total <= 0) continue;
            var longs = new double[bins.Count];
            var shorts = new double[bins.Count];
            foreach (var l in r.Levels)
            {
                var b = bins.IndexOf(l.Price);
                if (b < 0) continue;
                if (l.Side == PositionSide.Long) longs[b] -= l.NotionalUsd / total * 100;
                else shorts[b] += l.NotionalUsd / total * 100;
            }
            foreach (var (y, label) in new[] { (longs, "longs"), (shorts, "shorts") })
            {
                var line = Chart.Line<double, double, string>(x: x, y: y, Name: $"{r.Model} {label}");
                charts.Add(Traces(line, t =>
                {
                    t.SetProperty("line", Obj(("color", color), ("width", 1.8), ("shape", "hv")));
                    t.SetProperty("legendgroup", r.Model);
                    t.SetProperty("hovertemplate", $"{r.Model} {label}<br>price %{{x:,.1f}}<br>%{{y:.2f}} % of the model's notional<extra></extra>");
                }));
            }
        }
        var chart = Style(Chart.Combine(charts), title, xTitle, "share of the model's notional (%): longs ↓, shorts ↑", height: 560);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("shapes", new[] { PriceLine(currentPrice) });
            l.SetProperty("annotations", new[] { PriceLabel(currentPrice, 1) });
        });
        return new Figure(chart, title);
    }

    /// <summary>
    /// Backtest view: predicted vs actual liquidations per period (top), scatter with the identity line (bottom left)
    /// and the distribution of errors predicted − actual (bottom right).
    /// </summary>
    /// <exception cref="ArgumentException">Arrays of different lengths.</exception>
    public static Figure Backtest(IReadOnlyList<DateTime> periods, IReadOnlyList<double> predictedUsd, IReadOnlyList<double> actualUsd, string title)
    {
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(predictedUsd);
        ArgumentNullException.ThrowIfNull(actualUsd);
        if (periods.Count != predictedUsd.Count || periods.Count != actualUsd.Count)
            throw new ArgumentException($"periods ({periods.Count}), predicted ({predictedUsd.Count}) and actual ({actualUsd.Count}) differ in length.");
        var actual = Traces(Chart.Line<DateTime, double, string>(x: periods, y: actualUsd, Name: "actual"), t =>
            t.SetProperty("line", Obj(("color", "#e6edf3"), ("width", 1.4))));
        var predicted = Traces(Chart.Line<DateTime, double, string>(x: periods, y: predictedUsd, Name: "predicted"), t =>
            t.SetProperty("line", Obj(("color", "#f7b32b"), ("width", 1.4))));
        var max = Math.Max(actualUsd.DefaultIfEmpty(0).Max(), predictedUsd.DefaultIfEmpty(0).Max());
        var scatter = Traces(Chart.Point<double, double, string>(x: actualUsd, y: predictedUsd, Name: "periods"), t =>
        {
            t.SetProperty("xaxis", "x2");
            t.SetProperty("yaxis", "y2");
            t.SetProperty("marker", Obj(("color", "#4cc9f0"), ("size", 5), ("opacity", 0.6)));
            t.SetProperty("hovertemplate", "actual $%{x:,.0f}<br>predicted $%{y:,.0f}<extra></extra>");
        });
        var identity = Traces(Chart.Line<double, double, string>(x: new[] { 0.0, max }, y: new[] { 0.0, max }, Name: "identity"), t =>
        {
            t.SetProperty("xaxis", "x2");
            t.SetProperty("yaxis", "y2");
            t.SetProperty("line", Obj(("color", "#8b949e"), ("dash", "dash"), ("width", 1)));
        });
        var errors = Traces(Chart.Histogram<double, double, string>(X: new Plotly.NET.CSharp.Optional<IEnumerable<double>>(predictedUsd.Zip(actualUsd, (p, a) => p - a).ToArray(), true), Name: "predicted − actual"), t =>
        {
            t.SetProperty("xaxis", "x3");
            t.SetProperty("yaxis", "y3");
            t.SetProperty("marker", Obj(("color", "#f72585")));
        });
        var chart = Style(Chart.Combine([actual, predicted, scatter, identity, errors]), title, "period (UTC)", "liquidations (USD)", height: 820);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("yaxis", Axis("liquidations per period (USD)", (0.56, 1.0), "~s"));
            l.SetProperty("xaxis", Axis("period (UTC)", (0, 1), null, anchor: "y"));
            l.SetProperty("xaxis2", Axis("actual (USD)", (0, 0.46), "~s", anchor: "y2"));
            l.SetProperty("yaxis2", Axis("predicted (USD)", (0, 0.42), "~s", anchor: "x2"));
            l.SetProperty("xaxis3", Axis("predicted − actual (USD)", (0.54, 1), "~s", anchor: "y3"));
            l.SetProperty("yaxis3", Axis("periods", (0, 0.42), null, anchor: "x3"));
        });
        return new Figure(chart, title);
    }

    internal static Dictionary<string, object?> Axis(string title, (double From, double To) domain, string? tickFormat, string? anchor = null)
    {
        var d = Obj(("title", Obj(("text", title))), ("domain", new[] { domain.From, domain.To }), ("gridcolor", Grid), ("zerolinecolor", Grid), ("color", Text));
        if (tickFormat is not null) d["tickformat"] = tickFormat;
        if (anchor is not null) d["anchor"] = anchor;
        return d;
    }

    private static Dictionary<string, object?> PriceLine(double price) =>
        Obj(("type", "line"), ("xref", "x"), ("yref", "paper"), ("x0", price), ("x1", price), ("y0", 0), ("y1", 1),
            ("line", Obj(("color", "#ffffff"), ("width", 1.5), ("dash", "dot"))));

    private static Dictionary<string, object?> PriceLabel(double price, int decimals) =>
        Obj(("x", price), ("y", 1.02), ("xref", "x"), ("yref", "paper"), ("showarrow", false),
            ("text", "current price " + price.ToString("N" + decimals.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)), ("font", Obj(("color", "#ffffff"), ("size", 12))));

    internal static GenericChart Style(GenericChart chart, string title, string xTitle, string yTitle, int height) =>
        WithLayout(chart, l =>
        {
            l.SetProperty("title", Obj(("text", title), ("x", 0.01), ("font", Obj(("size", 18), ("color", "#e6edf3")))));
            l.SetProperty("paper_bgcolor", Background);
            l.SetProperty("plot_bgcolor", Background);
            l.SetProperty("font", Obj(("color", Text), ("family", "-apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif")));
            l.SetProperty("xaxis", Obj(("title", Obj(("text", xTitle))), ("gridcolor", Grid), ("zerolinecolor", Grid)));
            l.SetProperty("yaxis", Obj(("title", Obj(("text", yTitle))), ("gridcolor", Grid), ("zerolinecolor", Grid), ("tickformat", "~s")));
            l.SetProperty("legend", Obj(("orientation", "h"), ("y", -0.15), ("bgcolor", "rgba(0,0,0,0)")));
            l.SetProperty("margin", Obj(("l", 70), ("r", 70), ("t", 60), ("b", 60)));
            l.SetProperty("height", height);
            l.SetProperty("width", null);
            l.SetProperty("autosize", true);
            l.SetProperty("hoverlabel", Obj(("bgcolor", "#161b22"), ("font", Obj(("color", "#e6edf3")))));
        });

    internal static GenericChart Traces(GenericChart chart, Action<Trace> set) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(t =>
        {
            set(t);
            return t;
        }), chart);

    internal static GenericChart WithLayout(GenericChart chart, Action<Layout> set)
    {
        var layout = GenericChart.getLayout(chart);
        set(layout);
        return GenericChart.setLayout(layout, chart);
    }

    internal static Dictionary<string, object?> Obj(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}
