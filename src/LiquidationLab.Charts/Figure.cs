using System.Net;
using System.Reflection;
using System.Text;
using Plotly.NET;

namespace LiquidationLab.Charts;

/// <summary>
/// A Plotly figure: the <see cref="GenericChart"/> built with Plotly.NET, serialisable to Plotly's JSON
/// (<c>{data, layout}</c>, the <c>application/vnd.plotly.v1+json</c> payload) and to a self-contained HTML file.
/// </summary>
public sealed class Figure
{
    /// <summary>Wraps a chart.</summary>
    public Figure(GenericChart chart, string title)
    {
        Chart = chart ?? throw new ArgumentNullException(nameof(chart));
        Title = title;
    }

    /// <summary>The Plotly.NET chart.</summary>
    public GenericChart Chart { get; }

    /// <summary>Title (also the HTML document title).</summary>
    public string Title { get; }

    /// <summary>The figure as Plotly JSON: an object with <c>data</c> (traces) and <c>layout</c>.</summary>
    public string ToJson()
    {
        // The two members serialised on their own (the same bytes as inside toFigureJson's document, without parsing it).
        var figure = GenericChart.toFigure(Chart);
        return string.Concat("{\"data\":", Newtonsoft.Json.JsonConvert.SerializeObject(figure.Data, PlotlySettings.Value),
            ",\"layout\":", Newtonsoft.Json.JsonConvert.SerializeObject(figure.Layout, PlotlySettings.Value), "}");
    }

    /// <summary>
    /// <c>GenericChart.toFigureJson</c> with one setting changed: Json.NET's reference-loop check compares each nested
    /// object with the ones being written by <c>Equals</c>, which for Plotly.NET's <c>DynamicObj</c> hashes the whole
    /// object graph — 1.5 of the 2.5 s a year-long heatmap took to serialise (profiled with dotnet-trace). Comparing by
    /// reference gives the same JSON (Plotly.NET's settings already write loops rather than refuse them).
    /// </summary>
    internal static string PlotlyJson(GenericChart chart)
    {
        var figure = GenericChart.toFigure(chart);
        return Newtonsoft.Json.JsonConvert.SerializeObject(figure, PlotlySettings.Value);
    }

    private static readonly Lazy<Newtonsoft.Json.JsonSerializerSettings> PlotlySettings = new(() =>
    {
        var plotly = global::Globals.JSON_CONFIG;
        return new Newtonsoft.Json.JsonSerializerSettings
        {
            ReferenceLoopHandling = plotly.ReferenceLoopHandling,
            NullValueHandling = plotly.NullValueHandling,
            DefaultValueHandling = plotly.DefaultValueHandling,
            Formatting = plotly.Formatting,
            ContractResolver = plotly.ContractResolver,
            FloatFormatHandling = plotly.FloatFormatHandling,
            DateFormatHandling = plotly.DateFormatHandling,
            DateTimeZoneHandling = plotly.DateTimeZoneHandling,
            StringEscapeHandling = plotly.StringEscapeHandling,
            EqualityComparer = ReferenceEqualityComparer.Instance,
            Converters = [.. plotly.Converters, new DynamicObjConverter()],
        };
    });

    /// <summary>
    /// Writes Plotly.NET's <c>DynamicObj</c>s (traces, layout, axes…) as Json.NET's own dynamic-object path does — the
    /// members <c>GetDynamicMemberNames</c> lists, in its order, each value through the serializer — but reads each value
    /// from <c>GetProperties</c> instead of through a DLR call site. Json.NET binds and compiles one call site per member
    /// name it meets (System.Linq.Expressions); for a chart that was 0.28 of the 0.52 s its serialisation took in a
    /// one-chart process (dotnet-trace). Plotly.NET's settings include nulls and defaults, so every member is written.
    /// </summary>
    private sealed class DynamicObjConverter : Newtonsoft.Json.JsonConverter
    {
        public override bool CanRead => false;

        public override bool CanConvert(Type objectType) => typeof(DynamicObj.DynamicObj).IsAssignableFrom(objectType);

        public override void WriteJson(Newtonsoft.Json.JsonWriter writer, object? value, Newtonsoft.Json.JsonSerializer serializer)
        {
            writer.WriteStartObject();
            foreach (var (name, member) in ((DynamicObj.DynamicObj)value!).GetProperties(true))
            {
                writer.WritePropertyName(name);
                serializer.Serialize(writer, member);
            }
            writer.WriteEndObject();
        }

        public override object ReadJson(Newtonsoft.Json.JsonReader reader, Type objectType, object? existingValue, Newtonsoft.Json.JsonSerializer serializer) =>
            throw new NotSupportedException("Figures are written, not read.");
    }

    /// <summary>A standalone HTML document with plotly.js embedded (works offline).</summary>
    public string ToHtml() => HtmlDocument.Render(Title, [this], showHeading: false);

    /// <summary>Writes <see cref="ToHtml"/> to <paramref name="path"/> (directories created).</summary>
    public void SaveHtml(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToHtml(), Encoding.UTF8);
    }
}

/// <summary>The plotly.js bundle shipped inside Plotly.NET (so HTML never depends on a CDN).</summary>
public static class PlotlyJs
{
    private static readonly Lazy<(string Version, string Source)> Bundle = new(() =>
    {
        var asm = typeof(GenericChart).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        var version = name["Plotly.NET.plotly-".Length..^".min.js".Length];
        return (version, r.ReadToEnd());
    });

    /// <summary>plotly.js version, e.g. <c>2.28.0</c>.</summary>
    public static string Version => Bundle.Value.Version;

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => Bundle.Value.Source;
}

/// <summary>Renders one or more figures into one HTML document, embedding plotly.js once.</summary>
public static class HtmlDocument
{
    /// <summary>The HTML of a document holding <paramref name="figures"/> in order.</summary>
    /// <param name="title">Document title.</param>
    /// <param name="figures">Figures, in order.</param>
    /// <param name="introHtml">Optional HTML paragraph under the heading (trusted markup).</param>
    /// <param name="showHeading">Whether to print the title as a heading (single charts carry their own title).</param>
    public static string Render(string title, IEnumerable<Figure> figures, string? introHtml = null, bool showHeading = true)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .Append("<title>").Append(WebUtility.HtmlEncode(title)).Append("</title>")
          .Append("<style>body{margin:0;padding:24px 32px;background:#0d1117;color:#c9d1d9;font:15px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}")
          .Append("h1{font-weight:600;font-size:22px;margin:0 0 16px}.figure{margin:0 0 28px;min-height:520px}.intro{max-width:960px;color:#8b949e}</style>")
          .Append("<script>/* plotly.js ").Append(PlotlyJs.Version).Append(" (MIT), embedded for offline use */\n").Append(PlotlyJs.Source).Append("</script></head><body>\n")
          ;
        if (showHeading) sb.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        if (introHtml is not null) sb.Append("<div class=\"intro\">").Append(introHtml).Append("</div>\n");
        var i = 0;
        foreach (var f in figures)
        {
            var id = $"fig{i++}";
            sb.Append("<div class=\"figure\" id=\"").Append(id).Append("\"></div>\n<script>(function(){var f=").Append(f.ToJson().Replace("</", "<\\/", StringComparison.Ordinal))
              .Append(";Plotly.newPlot('").Append(id).Append("',f.data,f.layout,{responsive:true,displaylogo:false});})();</script>\n");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }
}

/// <summary>
/// Starts Plotly.NET's one-time work on another thread: its default template and config (static initialisers that build
/// a few hundred dynamic objects, ~0.12 s in a ReadyToRun process), Json.NET's contracts for them and the plotly.js
/// bundle. A command that will draw calls it first, so that work overlaps its store reads and model run instead of
/// following them. Safe to call more than once; charts built meanwhile simply wait for the initialisers they need.
/// </summary>
public static class ChartWarmup
{
    private static readonly Lazy<Task> Warm = new(() => Task.Run(() =>
    {
        var figure = new Figure(Plotly.NET.CSharp.Chart.Column<double, double, string>(new[] { 1.0 }, new[] { 1.0 }), "warm-up");
        _ = figure.ToJson();
        _ = PlotlyJs.Source;
    }));

    /// <summary>Starts the warm-up (once per process) and returns its task.</summary>
    public static Task Start() => Warm.Value;
}
