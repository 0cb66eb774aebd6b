using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using LiquidationLab.Charts;
using LiquidationLab.Core.Models;
using Microsoft.Data.Analysis;
using Figure = LiquidationLab.Charts.Figure;
using GenericChart = Plotly.NET.GenericChart;

namespace LiquidationLab.Formatting;

/// <summary>
/// Builds MIME bundles for displayed values. An instance (not global state): each session owns one. The most recently
/// registered formatter whose type matches wins; built-ins cover charts (<see cref="ChartOutput"/>: HTML with the figure
/// JSON once, plotly.js in the session's first chart, and a static PNG), DataFrames and sequences
/// (HTML tables truncated at <see cref="RowCap"/> rows with a note), model results and plain values.
/// </summary>
public sealed class FormatterRegistry
{
    private readonly List<(Type Type, Func<object, MimeBundle> Format)> _formatters = [];

    /// <summary>Creates a registry with the built-in formatters.</summary>
    /// <param name="rowCap">Rows shown of a table before truncation, ≥ 1 (default 50).</param>
    public FormatterRegistry(int rowCap = 50)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCap, 1);
        RowCap = rowCap;
        Register<Figure>(Chart);
        Register<GenericChart>(c => Chart(new Figure(c, "")));
        Register<DataFrame>(Frame);
        Register<LiquidationModelResult>(ModelResult);
        // The facade's results (Lab): chart, summary and table in one output.
        Register<Analysis.HeatmapResult>(r => Composite(r.HeatmapFigure(), r.Summary, null));
        Register<Analysis.MapResult>(r => Composite(r.Figure(), r.Summary, null));
        Register<Analysis.LevelsResult>(Levels);
        Register<Analysis.CompareResult>(Compare);
        Register<Analysis.HistoryResult>(r => Composite(r.Figure(), string.Create(CultureInfo.InvariantCulture,
            $"{r.Periods.Count:N0} periods ({r.Query.Market} {r.CandleSource} candles, {r.TotalsSource} {r.Scope} totals); Spearman rank correlation of the model's and the real totals per period {r.Spearman:0.000}{(r.Note is null ? "" : " — " + r.Note)}; {r.Prints.Count:N0} prints in the window."), null));
        Register<Analysis.BacktestResult>(Backtest);
    }

    /// <summary>A chart with a summary line and a table under it, as one output (the chart's static image included).</summary>
    private MimeBundle Composite(Figure? figure, string summary, MimeBundle? table)
    {
        var html = new StringBuilder();
        var plain = new StringBuilder(summary);
        MimeBundle? chart = figure is null ? null : Chart(figure);
        if (chart is not null) html.Append(chart.Data["text/html"].GetValue<string>());
        html.Append("<p>").Append(WebUtility.HtmlEncode(summary)).Append("</p>");
        if (table is not null)
        {
            html.Append(table.Data["text/html"].GetValue<string>());
            plain.Append('\n').Append(table.Data["text/plain"].GetValue<string>());
        }
        if (chart is not null) plain.Insert(0, chart.Data["text/plain"].GetValue<string>() + "\n");
        var bundle = new MimeBundle(plain.ToString()).With("text/html", html.ToString());
        if (chart?.Data.TryGetValue("image/png", out var png) == true)
        {
            bundle.With("image/png", png.DeepClone());
            bundle.Metadata["image/png"] = chart.Metadata["image/png"]?.DeepClone();
        }
        return bundle;
    }

    private static MimeBundle Levels(Analysis.LevelsResult r)
    {
        var d = r.Document();
        var rows = d.Levels.Select(l => new object?[]
        {
            $"{l.Leverage}x", l.Side, l.MarginMode, l.Bracket, l.MaintenanceMarginRate is { } m ? (double)m : null,
            l.LiquidationPrice is { } p ? (double)p : null, l.DistancePercent is { } dp ? (double)dp / 100 : null, l.Risk ?? l.Rejection,
        }).ToList();
        var entry = d.EntryPrice.ToString("N" + d.PriceDecimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var tick = d.TickSize is { } t ? "; prices to the tick, " + t.ToString(CultureInfo.InvariantCulture) + " USDT" : "";
        var caption = string.Create(CultureInfo.InvariantCulture,
            $"{d.Symbol}: {d.QuantityBase} at {entry} USDT (notional {d.NotionalUsd:N0} USD); the tier table of {d.BracketsEffectiveDate}{tick}");
        var table = TableFormatter.Bundle(["leverage", "side", "margin", "bracket", "maintenance margin rate", "liquidation price", "distance share", "risk"], rows, [], rows.Count, caption,
            d.PriceDecimals);
        return new MimeBundle(table.Data["text/plain"].GetValue<string>())
            .With("text/html", $"<p><b>{WebUtility.HtmlEncode(caption)}</b></p>" + table.Data["text/html"].GetValue<string>());
    }

    private MimeBundle Compare(Analysis.CompareResult r)
    {
        var shapes = r.Shapes().Select(m => new object?[] { m.Model, m.Levels, m.LongShare, m.MeanLongDistancePercent, m.MeanShortDistancePercent, m.Within5PercentShare }).ToList();
        var table = TableFormatter.Bundle(["model", "levels", "long share", "mean long distance (%)", "mean short distance (%)", "within 5 % share"], shapes, [], shapes.Count, "where each model puts its notional");
        var notRun = r.Models.Where(m => m.NotRun is not null).Select(m => $"{m.Model} on the {m.Window} window: {m.NotRun!.TrimEnd('.')}")
            .Concat(r.EnsembleSkipped.Select(e => "ensemble skipped " + e.TrimEnd('.'))).ToList();
        var summary = string.Create(CultureInfo.InvariantCulture, $"{r.Trades:N0} trades and {r.FundingObservations} funding observations in the trade window, {r.Candles:N0} candles in the candle window.") +
                      (notRun.Count > 0 ? " Not run: " + string.Join("; ", notRun) + "." : "");
        return Composite(r.Figure(), summary, table);
    }

    private static MimeBundle Backtest(Analysis.BacktestResult b)
    {
        var html = new StringBuilder();
        var plain = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        string I(BootstrapIntervalView v, string format) => double.IsNaN(v.Lower) ? v.Estimate.ToString(format, c)
            : $"{v.Estimate.ToString(format, c)} [{v.Lower.ToString(format, c)}, {v.Upper.ToString(format, c)}]";
        foreach (var p in new[] { b.ExAnte, b.Conditional })
        {
            var caption = string.Create(c, $"{b.Series.Symbol} {b.Series.CandleSource}, {b.Series.LiquidationScope} totals — {p.Protocol}: {p.TestPeriods:N0} periods scored ({p.TestFrom:yyyy-MM-dd} – {p.TestTo:yyyy-MM-dd}), {p.TrainPeriods:N0} before; 95 % block-bootstrap intervals");
            var rows = p.Scores.Select(s => new object?[]
            {
                s.Name, s.IsBaseline ? "baseline" : "model", I(new(s.Metrics[0].Interval.Estimate / 1e6, s.Metrics[0].Interval.Lower / 1e6, s.Metrics[0].Interval.Upper / 1e6), "0.###"),
                I(new(s.Metrics[5].Interval.Estimate, s.Metrics[5].Interval.Lower, s.Metrics[5].Interval.Upper), "0.000"), s.Events.F1, s.F1Lift,
            }).ToList();
            var t = TableFormatter.Bundle(["forecast", "kind", "MAE (M USD)", "Spearman", "event F1", "F1 lift"], rows, [], rows.Count, caption);
            html.Append("<p><b>").Append(WebUtility.HtmlEncode(caption)).Append("</b></p>").Append(t.Data["text/html"].GetValue<string>());
            plain.Append(t.Data["text/plain"].GetValue<string>()).Append("\n\n");
            foreach (var cmp in p.Comparisons)
            {
                var line = string.Create(c, $"{cmp.Forecast} vs {cmp.Baseline}: MAE difference {cmp.MaeDifference.Estimate / 1e6:0.###} M USD [{cmp.MaeDifference.Lower / 1e6:0.###}, {cmp.MaeDifference.Upper / 1e6:0.###}], Diebold–Mariano p = {cmp.DieboldMariano.PValue:0.####}.");
                html.Append("<p>").Append(WebUtility.HtmlEncode(line)).Append("</p>");
                plain.Append(line).Append('\n');
            }
        }
        if (b.Zones is { } z)
        {
            var zones = string.Create(c, $"Zones: {z.Observations.Count:N0} zones over {z.TestPeriods:N0} periods, {z.TouchRate:P1} touched; model minus calibrated zone-free Brier {z.BrierDifference.Estimate:0.00000} [{z.BrierDifference.Lower:0.00000}, {z.BrierDifference.Upper:0.00000}].");
            html.Append("<p>").Append(WebUtility.HtmlEncode(zones)).Append("</p>");
            plain.Append(zones);
        }
        if (b.Prints is { } pr)
        {
            var line = string.Create(c, $"Prints: {(pr.Long?.Prints ?? 0) + (pr.Short?.Prints ?? 0):N0} scored in {pr.WindowsWithPrints:N0} periods; " +
                $"longs: model share {pr.Long?.ModelShare.Estimate:P1} vs nearest {pr.Long?.NearestShare.Estimate:P1} vs chance {pr.Long?.ChanceShare.Estimate:P1}; " +
                $"shorts: model {pr.Short?.ModelShare.Estimate:P1} vs nearest {pr.Short?.NearestShare.Estimate:P1} vs chance {pr.Short?.ChanceShare.Estimate:P1}.");
            html.Append("<p>").Append(WebUtility.HtmlEncode(line)).Append("</p>");
            plain.Append('\n').Append(line);
        }
        return new MimeBundle(plain.ToString()).With("text/html", html.ToString());
    }

    private readonly record struct BootstrapIntervalView(double Estimate, double Lower, double Upper);

    /// <summary>Rows shown before a table is truncated.</summary>
    public int RowCap { get; set; }

    /// <summary>Adds a formatter for <typeparamref name="T"/> (and subtypes); later registrations take precedence.</summary>
    public void Register<T>(Func<T, MimeBundle> format)
    {
        ArgumentNullException.ThrowIfNull(format);
        _formatters.Add((typeof(T), o => format((T)o)));
    }

    /// <summary>The MIME types <see cref="Format"/> gives a value of <paramref name="type"/>: <c>text/html</c> and
    /// <c>text/plain</c>, and <c>image/png</c> for charts and results with a chart when static images are on
    /// (<see cref="ChartImage"/>). A host whose front end asks for each MIME type separately uses this.</summary>
    public IReadOnlyList<string> MimeTypesOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ChartImage is not null && _chartTypes.Any(t => t.IsAssignableFrom(type))
            ? ["text/html", "text/plain", "image/png"]
            : ["text/html", "text/plain"];
    }

    // Types whose built-in formatter shows a chart (and so a static image).
    private readonly Type[] _chartTypes =
    [
        typeof(Figure), typeof(GenericChart), typeof(Analysis.HeatmapResult), typeof(Analysis.MapResult), typeof(Analysis.CompareResult), typeof(Analysis.HistoryResult),
    ];

    /// <summary>The types with a formatter, most recently registered first (a host that has its own display pipeline, such
    /// as the .NET Interactive extension, registers these; sequences are formatted by <see cref="Format"/> as well).</summary>
    public IReadOnlyList<Type> FormattedTypes => _formatters.Select(f => f.Type).Reverse().Distinct().ToList();

    /// <summary>The bundle for <paramref name="value"/>: always <c>text/plain</c>, richer types where known.</summary>
    public MimeBundle Format(object? value)
    {
        if (value is null) return new MimeBundle("null");
        var type = value.GetType();
        for (var i = _formatters.Count - 1; i >= 0; i--)
            if (_formatters[i].Type.IsAssignableFrom(type)) return _formatters[i].Format(value);
        if (value is string s) return new MimeBundle(s);
        if (value is IEnumerable seq && type != typeof(string)) return Sequence(seq);
        return new MimeBundle(Plain(value));
    }

    private static string Plain(object value) => value switch
    {
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>
    /// Renders a chart's static image (base64 PNG) or throws; by default the process's headless Chromium
    /// (<see cref="ChartImageRenderer.Shared"/>). Null: no static images.
    /// </summary>
    public Func<Figure, string>? ChartImage { get; set; } =
        ChartImageRenderer.Shared is { } renderer ? f => renderer.RenderPngBase64(f) : null;

    /// <summary>Starts the static-image renderer in the background when this registry uses the process's shared one (a
    /// host calls it when charts are coming).</summary>
    public void StartChartImages()
    {
        if (ChartImage is not null) ChartImageRenderer.Shared?.StartInBackground();
    }

    /// <summary>Whether the next chart output carries plotly.js (true until the first chart of this session is formatted).</summary>
    public bool PlotlyJsPending { get; set; } = true;

    private MimeBundle Chart(Figure f)
    {
        string? png = null, note = null;
        if (ChartImage is { } render)
        {
            try
            {
                png = render(f);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                note = e.Message;
            }
        }
        else note = ChartImageRenderer.UnavailableReason ?? "static images are off in this session";
        var bundle = ChartOutput.Bundle(f, PlotlyJsPending, png, note);
        PlotlyJsPending = false;
        return bundle;
    }

    private (int Head, int Tail) Split(long total) => total <= RowCap ? ((int)total, 0) : ((RowCap + 1) / 2, RowCap / 2);

    private MimeBundle Frame(DataFrame df)
    {
        var rows = df.Rows.Count;
        var (head, tail) = Split(rows);
        var header = df.Columns.Select(c => c.Name).ToArray();
        object?[] Row(long r) => df.Columns.Select(c => c[r]).ToArray();
        var first = Enumerable.Range(0, head).Select(r => Row(r)).ToList();
        var last = Enumerable.Range(0, tail).Select(k => Row(rows - tail + k)).ToList();
        return TableFormatter.Bundle(header, first, last, rows, $"DataFrame {rows:N0} rows × {header.Length} columns");
    }

    private MimeBundle Sequence(IEnumerable seq)
    {
        // The first items and (in a ring) the last ones, in one pass: the sequence may be lazy and long.
        var headCount = (RowCap + 1) / 2;
        var tailCount = RowCap / 2;
        var headItems = new List<object?>();
        var ring = new Queue<object?>();
        var total = 0L;
        foreach (var item in seq)
        {
            total++;
            if (headItems.Count < RowCap) headItems.Add(item);
            else
            {
                ring.Enqueue(item);
                if (ring.Count > tailCount) ring.Dequeue();
            }
        }
        List<object?> head, tail;
        if (total <= RowCap) (head, tail) = (headItems, []);
        else
        {
            // Items RowCap… went to the ring; the tail is the last tailCount items overall (some may still be in headItems
            // when the sequence is only slightly longer than the cap).
            var lastItems = headItems.Skip(headCount).Concat(ring).ToList();
            (head, tail) = (headItems.Take(headCount).ToList(), lastItems.Skip(Math.Max(0, lastItems.Count - tailCount)).ToList());
        }
        var elementType = head.Concat(tail).FirstOrDefault(i => i is not null)?.GetType();
        if (elementType is null || IsScalar(elementType))
        {
            var unit = TableFormatter.UnitOf("", head.Concat(tail).ToList());
            string F(object? i) => i is null ? "null" : i is string str ? str : TableFormatter.Format(i, unit == ColumnUnit.Text ? ColumnUnit.Text : ColumnUnit.Number);
            var text = "[" + string.Join(", ", head.Select(F)) + (tail.Count > 0 ? $", … ({total:N0} items) …, " + string.Join(", ", tail.Select(F)) : "") + "]";
            return new MimeBundle(text);
        }
        var props = elementType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();
        object?[] Row(object? i) => props.Select(p => i is null ? null : SafeGet(p, i)).ToArray();
        var typeName = elementType.Name.Contains("AnonymousType", StringComparison.Ordinal) ? "rows" : elementType.Name;
        return TableFormatter.Bundle(props.Select(p => p.Name).ToArray(), head.Select(Row).ToList(), tail.Select(Row).ToList(), total, $"{total:N0} {typeName}");
    }

    private static object? SafeGet(PropertyInfo p, object o)
    {
        try
        {
            return p.GetValue(o);
        }
        catch (TargetInvocationException e)
        {
            return $"<{e.InnerException?.GetType().Name}>";
        }
    }

    private static bool IsScalar(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(TimeSpan);

    private MimeBundle ModelResult(LiquidationModelResult r)
    {
        var longs = r.TotalUsd(Core.Margin.PositionSide.Long);
        var shorts = r.TotalUsd(Core.Margin.PositionSide.Short);
        var byTier = r.Levels.GroupBy(l => (l.Leverage, l.Side)).OrderBy(g => g.Key.Leverage).ThenBy(g => g.Key.Side)
            .Select(g => new object?[] { $"{g.Key.Leverage}x", g.Key.Side.ToString().ToLowerInvariant(), g.Sum(l => l.NotionalUsd), g.Count() }).ToList();
        var caption = $"{r.Model}: {r.Levels.Count:N0} levels, longs {TableFormatter.Format(longs, ColumnUnit.Usd)} USD, shorts {TableFormatter.Format(shorts, ColumnUnit.Usd)} USD" +
                      (r.Heatmap is null ? "" : $", heatmap {r.Heatmap.Price.Count}×{r.Heatmap.Times.Count}") +
                      (r.Liquidations is null ? "" : $", {r.Liquidations.Count:N0} periods");
        var table = TableFormatter.Bundle(["tier", "side", "notional USD", "levels"], byTier, [], byTier.Count, caption);
        return new MimeBundle(table.Data["text/plain"].GetValue<string>())
            .With("text/html", $"<p><b>{WebUtility.HtmlEncode(caption)}</b></p>" + table.Data["text/html"].GetValue<string>());
    }
}
