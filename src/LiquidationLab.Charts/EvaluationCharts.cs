using LiquidationLab.Core.Backtesting;
using Plotly.NET;
using static LiquidationLab.Charts.LiquidationCharts;
using Chart = Plotly.NET.CSharp.Chart;

namespace LiquidationLab.Charts;

/// <summary>Charts of the evaluation protocol: metrics with their intervals, and reliability curves of zone probabilities.</summary>
public static class EvaluationCharts
{
    private static readonly double[] UnitInterval = [0.0, 1.0];
    private static readonly double[] UnitRange = [0.0, 1.02];
    private static readonly string[] Palette = ["#8b949e", "#4cc9f0", "#06d6a0", "#b388ff", "#f72585", "#f7b32b", "#ff8c42", "#e6edf3"];

    /// <summary>
    /// One metric of every forecast of a protocol report with its 95 % bootstrap interval (a forest plot): baselines in
    /// grey, models in amber, the best baseline's estimate as a dotted line.
    /// </summary>
    /// <param name="report">A protocol report.</param>
    /// <param name="metric">Metric name as in the report (e.g. <c>MAE</c>, <c>Spearman</c>).</param>
    /// <param name="title">Title.</param>
    /// <param name="scale">Divide values by this (e.g. 1e6 for M USD).</param>
    /// <param name="unit">Axis title.</param>
    /// <exception cref="ArgumentException">The report has no such metric.</exception>
    public static Figure MetricIntervals(ProtocolReport report, string metric, string title, double scale = 1, string? unit = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = report.Scores.Select(s => (s.Name, s.IsBaseline, Value: s.Metrics.FirstOrDefault(m => m.Name == metric)?.Interval
            ?? throw new ArgumentException($"The report has no metric '{metric}'; it has {string.Join(", ", s.Metrics.Select(m => m.Name))}.", nameof(metric)))).Reverse().ToList();
        var traces = new List<GenericChart>();
        foreach (var group in new[] { true, false })
        {
            var part = rows.Where(r => r.IsBaseline == group).ToList();
            if (part.Count == 0) continue;
            var color = group ? "#8b949e" : "#f7b32b";
            traces.Add(Traces(Chart.Point<double, string, string>(x: part.Select(r => r.Value.Estimate / scale).ToArray(), y: part.Select(r => r.Name).ToArray(),
                Name: group ? "baselines" : "models"), t =>
            {
                t.SetProperty("marker", Obj(("color", color), ("size", 10)));
                t.SetProperty("error_x", Obj(("type", "data"), ("symmetric", false), ("color", color), ("thickness", 2),
                    ("array", part.Select(r => (r.Value.Upper - r.Value.Estimate) / scale).ToArray()),
                    ("arrayminus", part.Select(r => (r.Value.Estimate - r.Value.Lower) / scale).ToArray())));
                t.SetProperty("hovertemplate", "%{y}: %{x:.4g}<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(traces), title, unit ?? metric, "", height: 120 + 42 * rows.Count);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("yaxis", Obj(("automargin", true), ("gridcolor", "#21262d"), ("color", "#c9d1d9")));
            l.SetProperty("xaxis", Obj(("title", Obj(("text", unit ?? metric))), ("gridcolor", "#21262d"), ("zerolinecolor", "#30363d"), ("color", "#c9d1d9")));
            l.SetProperty("margin", Obj(("l", 260), ("r", 40), ("t", 60), ("b", 60)));
        });
        return new Figure(chart, title);
    }

    /// <summary>
    /// Reliability curves of zone-touch probabilities: per probability bin, the mean forecast against the share of zones
    /// touched (marker area ∝ zones in the bin); a calibrated forecast lies on the diagonal. The legend carries each
    /// forecast's Brier score.
    /// </summary>
    /// <param name="zones">A zone report.</param>
    /// <param name="title">Title.</param>
    public static Figure Reliability(ZoneReport zones, string title)
    {
        ArgumentNullException.ThrowIfNull(zones);
        var traces = new List<GenericChart>
        {
            Traces(Chart.Line<double, double, string>(x: UnitInterval, y: UnitInterval, Name: "perfect calibration"), t =>
                t.SetProperty("line", Obj(("color", "#484f58"), ("dash", "dash"), ("width", 1)))),
        };
        var k = 1;
        foreach (var s in zones.Scores)
        {
            var color = Palette[k++ % Palette.Length];
            var max = Math.Max(1, s.Reliability.Max(b => b.Count));
            traces.Add(Traces(Chart.Line<double, double, string>(x: s.Reliability.Select(b => b.MeanPredicted).ToArray(), y: s.Reliability.Select(b => b.ObservedFrequency).ToArray(),
                Name: string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Name} (Brier {s.Brier.Estimate:0.0000})")), t =>
            {
                t.SetProperty("mode", "lines+markers");
                t.SetProperty("line", Obj(("color", color), ("width", 1.6)));
                t.SetProperty("marker", Obj(("color", color), ("size", s.Reliability.Select(b => 6 + 22 * Math.Sqrt((double)b.Count / max)).ToArray())));
                t.SetProperty("customdata", s.Reliability.Select(b => b.Count).ToArray());
                t.SetProperty("hovertemplate", "forecast %{x:.2f} → touched %{y:.2f}<br>%{customdata:,} zones<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(traces), title, "forecast probability of touch", "observed frequency", height: 560);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("xaxis", Obj(("title", Obj(("text", "forecast probability of touch"))), ("range", UnitInterval), ("gridcolor", "#21262d"), ("color", "#c9d1d9")));
            l.SetProperty("yaxis", Obj(("title", Obj(("text", "observed frequency"))), ("range", UnitRange), ("gridcolor", "#21262d"), ("color", "#c9d1d9")));
        });
        return new Figure(chart, title);
    }
}
