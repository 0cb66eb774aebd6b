using LiquidationLab.Liquidity;
using Plotly.NET;
using static LiquidationLab.Charts.LiquidationCharts;
using Chart = Plotly.NET.CSharp.Chart;

namespace LiquidationLab.Charts;

/// <summary>Charts of the order-book depth forecasts (LiquidityForecastModel backtests), in the workspace's dark style.</summary>
public static class LiquidityCharts
{
    private static readonly string[] Colors = ["#8b949e", "#4cc9f0", "#f7b32b", "#f72585", "#06d6a0", "#b388ff"];

    /// <summary>
    /// Forecast vs realised depth over time for one market and horizon: the realised depth (thinner side, quote currency)
    /// as a white line and each estimator's forecast for the same target time in its colour.
    /// </summary>
    /// <param name="paths">Paths of one horizon (from <see cref="DepthForecastBacktest.Run"/>), each estimator once.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="currency">Unit label (pUSD, USDT).</param>
    /// <exception cref="ArgumentException">No paths.</exception>
    public static Figure ForecastVsRealised(IReadOnlyList<DepthForecastPath> paths, string title, string currency = "pUSD")
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("No forecast paths to chart.", nameof(paths));
        static DateTime T(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);
        var first = paths[0];
        var traces = new List<GenericChart>
        {
            Traces(Chart.Line<DateTime, double, string>(x: first.TargetTimeMs.Select(T).ToArray(), y: first.Realised, Name: "realised"), t =>
            {
                t.SetProperty("line", Obj(("color", "#e6edf3"), ("width", 2), ("shape", "hv")));
                t.SetProperty("hovertemplate", $"%{{x|%H:%M:%S}}<br>realised %{{y:,.0f}} {currency}<extra></extra>");
            }),
        };
        for (var i = 0; i < paths.Count; i++)
        {
            var p = paths[i];
            var color = Colors[i % Colors.Length];
            traces.Add(Traces(Chart.Line<DateTime, double, string>(x: p.TargetTimeMs.Select(T).ToArray(), y: p.Forecast, Name: p.Estimator), t =>
            {
                t.SetProperty("line", Obj(("color", color), ("width", 1.3), ("dash", p.Estimator == "Persistence" ? "dot" : "solid")));
                t.SetProperty("hovertemplate", $"{p.Estimator}<br>%{{x|%H:%M:%S}}<br>%{{y:,.0f}} {currency}<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(traces), title, "target time (UTC)", $"depth of the thinner side ({currency})", height: 480);
        return new Figure(chart, title);
    }

    /// <summary>
    /// MAPE skill against persistence, 100 · (1 − MAPE / MAPE_persistence), as grouped bars: one group per market × horizon,
    /// one bar per estimator (persistence itself omitted). Bars above zero beat persistence.
    /// </summary>
    /// <param name="rows">(market, row) pairs from the backtests.</param>
    /// <param name="title">Chart title.</param>
    public static Figure Skill(IReadOnlyList<(string Market, DepthBacktestRow Row)> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var groups = rows.Select(r => $"{r.Market} · {r.Row.HorizonSeconds:0} s").Distinct().ToArray();
        var estimators = rows.Select(r => r.Row.Estimator).Where(e => e != "Persistence").Distinct().ToArray();
        var traces = new List<GenericChart>();
        for (var i = 0; i < estimators.Length; i++)
        {
            var name = estimators[i];
            var color = Colors[(i + 1) % Colors.Length];
            var y = groups.Select(g => rows.FirstOrDefault(r => $"{r.Market} · {r.Row.HorizonSeconds:0} s" == g && r.Row.Estimator == name).Row?.MapeSkillPercent ?? double.NaN).ToArray();
            traces.Add(Traces(Chart.Column<double, string, string>(values: y, Keys: groups, Name: name), t =>
            {
                t.SetProperty("marker", Obj(("color", color)));
                t.SetProperty("hovertemplate", $"{name}<br>%{{x}}<br>skill %{{y:.1f}} %<extra></extra>");
            }));
        }
        var chart = Style(Chart.Combine(traces), title, "market · horizon", "MAPE skill vs persistence (%)", height: 520);
        chart = WithLayout(chart, l =>
        {
            l.SetProperty("barmode", "group");
            l.SetProperty("legend", Obj(("orientation", "h"), ("x", 0), ("y", 1.08), ("bgcolor", "rgba(0,0,0,0)")));
            l.SetProperty("margin", Obj(("l", 70), ("r", 30), ("t", 90), ("b", 150)));
            l.SetProperty("xaxis", Obj(("title", Obj(("text", "market · horizon"))), ("tickangle", -35), ("gridcolor", "#30363d")));
            l.SetProperty("yaxis", Obj(("title", Obj(("text", "MAPE skill vs persistence (%)"))), ("gridcolor", "#30363d"), ("zerolinecolor", "#e6edf3"), ("zerolinewidth", 2)));
        });
        return new Figure(chart, title);
    }
}
