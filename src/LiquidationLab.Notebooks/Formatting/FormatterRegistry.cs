using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using LiquidationLab.Charts;
using LiquidationLab.Core.Models;
using LiquidationLab.Notebooks.Engine;
using Microsoft.Data.Analysis;
using Figure = LiquidationLab.Charts.Figure;
using GenericChart = Plotly.NET.GenericChart;

namespace LiquidationLab.Notebooks.Formatting;

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
        Register<HtmlString>(h => new MimeBundle(h.Html).With("text/html", h.Html));
    }

    /// <summary>Rows shown before a table is truncated.</summary>
    public int RowCap { get; set; }

    /// <summary>Adds a formatter for <typeparamref name="T"/> (and subtypes); later registrations take precedence.</summary>
    public void Register<T>(Func<T, MimeBundle> format)
    {
        ArgumentNullException.ThrowIfNull(format);
        _formatters.Add((typeof(T), o => format((T)o)));
    }

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

    private MimeBundle Frame(DataFrame df)
    {
        var rows = df.Rows.Count;
        var shown = (int)Math.Min(rows, RowCap);
        var header = df.Columns.Select(c => c.Name).ToArray();
        var cells = new List<string[]>(shown);
        for (var r = 0; r < shown; r++)
            cells.Add(df.Columns.Select(c => Cell(c[r])).ToArray());
        return Table(header, cells, rows, $"DataFrame {rows:N0} rows × {header.Length} columns");
    }

    private MimeBundle Sequence(IEnumerable seq)
    {
        var items = new List<object?>();
        var total = 0L;
        foreach (var item in seq)
        {
            if (items.Count < RowCap) items.Add(item);
            total++;
        }
        var elementType = items.FirstOrDefault(i => i is not null)?.GetType();
        if (elementType is null || IsScalar(elementType))
        {
            var text = "[" + string.Join(", ", items.Select(i => i is null ? "null" : Plain(i))) + (total > items.Count ? $", … ({total:N0} items)" : "") + "]";
            return new MimeBundle(text);
        }
        var props = elementType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();
        var rows = items.Select(i => props.Select(p => i is null ? "" : Cell(SafeGet(p, i))).ToArray()).ToList();
        var typeName = elementType.Name.Contains("AnonymousType", StringComparison.Ordinal) ? "rows" : elementType.Name;
        return Table(props.Select(p => p.Name).ToArray(), rows, total, $"{total:N0} {typeName}");
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

    private static string Cell(object? v) => v switch
    {
        null => "",
        double d => d.ToString("G10", CultureInfo.InvariantCulture),
        float f => f.ToString("G7", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFF", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private MimeBundle Table(string[] header, List<string[]> rows, long total, string caption)
    {
        var truncated = total > rows.Count ? $"showing the first {rows.Count:N0} of {total:N0} rows (row cap {RowCap})" : null;
        var html = new StringBuilder("<table class=\"liqlab-table\"><thead><tr>");
        foreach (var h in header) html.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            html.Append("<tr>");
            foreach (var c in r) html.Append("<td>").Append(WebUtility.HtmlEncode(c)).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (truncated is not null) html.Append("<p class=\"liqlab-note\">").Append(WebUtility.HtmlEncode(truncated)).Append("</p>");
        var widths = header.Select((h, i) => Math.Min(24, Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)))).ToArray();
        var text = new StringBuilder(caption).Append('\n');
        text.AppendJoin("  ", header.Select((h, i) => Fit(h, widths[i]))).Append('\n');
        foreach (var r in rows) text.AppendJoin("  ", r.Select((c, i) => Fit(c, widths[i]))).Append('\n');
        if (truncated is not null) text.Append('(').Append(truncated).Append(")\n");
        return new MimeBundle(text.ToString().TrimEnd()).With("text/html", html.ToString());
    }

    private static string Fit(string s, int w) => s.Length > w ? s[..(w - 1)] + "…" : s.PadRight(w);

    private MimeBundle ModelResult(LiquidationModelResult r)
    {
        var longs = r.TotalUsd(Core.Margin.PositionSide.Long);
        var shorts = r.TotalUsd(Core.Margin.PositionSide.Short);
        var byTier = r.Levels.GroupBy(l => (l.Leverage, l.Side)).OrderBy(g => g.Key.Leverage).ThenBy(g => g.Key.Side)
            .Select(g => new[] { $"{g.Key.Leverage}x", g.Key.Side.ToString().ToLowerInvariant(), g.Sum(l => l.NotionalUsd).ToString("N0", CultureInfo.InvariantCulture),
                g.Count().ToString(CultureInfo.InvariantCulture) }).ToList();
        var caption = $"{r.Model}: {r.Levels.Count:N0} levels, longs {longs:N0} USD, shorts {shorts:N0} USD" +
                      (r.Heatmap is null ? "" : $", heatmap {r.Heatmap.Price.Count}×{r.Heatmap.Times.Count}") +
                      (r.Liquidations is null ? "" : $", {r.Liquidations.Count:N0} periods");
        var table = Table(["tier", "side", "notional USD", "levels"], byTier, byTier.Count, caption);
        return new MimeBundle(table.Data["text/plain"].GetValue<string>())
            .With("text/html", $"<p><b>{WebUtility.HtmlEncode(caption)}</b></p>" + table.Data["text/html"].GetValue<string>());
    }
}

/// <summary>Markup to display as HTML (e.g. <c>display(new HtmlString("&lt;b&gt;hi&lt;/b&gt;"))</c>).</summary>
/// <param name="Html">Trusted HTML.</param>
public sealed record HtmlString(string Html);
