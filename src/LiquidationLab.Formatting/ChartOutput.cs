using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LiquidationLab.Charts;

namespace LiquidationLab.Formatting;

/// <summary>
/// The notebook output of a chart, made to show in every front end and to store each thing once:
/// <list type="bullet">
/// <item><c>text/html</c>: the figure JSON once, as a data block (<c>&lt;script type="application/vnd.plotly.v1+json"&gt;</c>),
/// drawn by plotly.js where scripts run (VS Code, JupyterLab, nbconvert/nbviewer HTML). The first chart of a session also
/// carries plotly.js itself (offline, no CDN), so a notebook holds it once and later charts use it.</item>
/// <item><c>image/png</c>: a static image rendered offline (<see cref="ChartImageRenderer"/>) for front ends that run no
/// JavaScript or prefer a safe type (GitHub, untrusted notebooks); the HTML shows it too until plotly.js draws.</item>
/// <item><c>text/plain</c>: <c>[chart] title</c>.</item>
/// </list>
/// </summary>
public static partial class ChartOutput
{
    /// <summary>The MIME type of the figure JSON (the data block's type).</summary>
    public const string PlotlyMime = "application/vnd.plotly.v1+json";

    /// <summary>The bundle of a figure.</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="includePlotlyJs">Whether this output carries plotly.js (the first chart of a session).</param>
    /// <param name="pngBase64">The static image, base64 (null: none).</param>
    /// <param name="imageNote">Why there is no image, when there is none (shown in the HTML's fallback).</param>
    public static MimeBundle Bundle(Figure figure, bool includePlotlyJs, string? pngBase64, string? imageNote = null)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var json = figure.ToJson();
        var (width, height) = ChartImageRenderer.Size(json);
        var id = "liqlab-plot-" + Guid.NewGuid().ToString("N")[..12];
        var html = new StringBuilder();
        if (includePlotlyJs)
            // plotly.js is a UMD bundle: where a page has an AMD loader (classic Notebook, nbviewer) it would register a module
            // instead of window.Plotly, so `define` is hidden while it runs.
            html.Append("<script>/* plotly.js ").Append(PlotlyJs.Version).Append(" (MIT), once per notebook */(function(){var d=window.define;window.define=undefined;try{\n")
                .Append(PlotlyJs.Source).Append("\n}finally{window.define=d;}}).call(window);</script>");
        html.Append("<div class=\"liqlab-chart\" id=\"").Append(id).Append("\">");
        html.Append("<script type=\"").Append(PlotlyMime).Append("\">").Append(Escape(json)).Append("</script>");
        if (pngBase64 is not null)
            html.Append("<img class=\"liqlab-static\" alt=\"").Append(WebUtility.HtmlEncode(string.IsNullOrEmpty(figure.Title) ? "chart" : figure.Title))
                .Append("\" width=\"").Append(width).Append("\" style=\"max-width:100%;height:auto\" src=\"data:image/png;base64,").Append(pngBase64).Append("\">");
        else
            html.Append("<p class=\"liqlab-static\" style=\"color:#888;font-size:12px\">Interactive chart: it needs plotly.js and scripts; no static image (")
                .Append(WebUtility.HtmlEncode(imageNote ?? "not rendered")).Append(").</p>");
        // Draws where plotly.js is (or soon will be) loaded; otherwise the static image stays.
        html.Append("<script>(function(){var me=document.currentScript;var root=(me&&me.parentNode)||document.getElementById('").Append(id).Append("');if(!root)return;")
            .Append("var f=JSON.parse(root.querySelector('script[type=\"").Append(PlotlyMime).Append("\"]').textContent);var n=0;")
            .Append("function draw(){if(window.Plotly){var div=document.createElement('div');div.style.minHeight='").Append(height).Append("px';")
            .Append("var s=root.querySelector('.liqlab-static');if(s)s.remove();root.appendChild(div);")
            .Append("Plotly.newPlot(div,f.data,f.layout||{},{responsive:true,displaylogo:false});}else if(n++<50){setTimeout(draw,100);}}draw();})();</script>");
        html.Append("</div>");

        var title = string.IsNullOrEmpty(figure.Title) ? "Plotly figure" : figure.Title;
        var bundle = new MimeBundle($"[chart] {title}").With("text/html", html.ToString());
        if (pngBase64 is not null)
        {
            bundle.With("image/png", pngBase64);
            bundle.Metadata["image/png"] = new JsonObject { ["width"] = width, ["height"] = height };
        }
        return bundle;
    }

    /// <summary>JSON inside a script element: <c>&lt;</c> escaped (a JSON string escape), so no <c>&lt;/script&gt;</c> or
    /// <c>&lt;!--</c> in the data can end or hide the element.</summary>
    private static string Escape(string json) => json.Replace("<", "\\u003c", StringComparison.Ordinal);

    /// <summary>
    /// The figure JSON of a stored chart output: its data block in <c>text/html</c>, or an
    /// <c>application/vnd.plotly.v1+json</c> entry (outputs written before the data block, and other tools'); null when the
    /// output holds no chart.
    /// </summary>
    /// <param name="data">An output's <c>data</c> object.</param>
    public static JsonObject? Figure(JsonObject? data)
    {
        if (data is null) return null;
        if (data[PlotlyMime] is JsonObject direct) return direct;
        if (data["text/html"] is not { } html) return null;
        var text = html is JsonArray a ? string.Concat(a.Select(x => x?.GetValue<string>())) : html.GetValue<string>();
        var m = DataBlock().Match(text);
        return m.Success ? JsonNode.Parse(m.Groups[1].Value) as JsonObject : null;
    }

    /// <summary>A chart output's HTML without the plotly.js copy the session's first chart carries (for documents that embed
    /// plotly.js once themselves).</summary>
    public static string WithoutPlotlyJs(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var start = html.IndexOf("<script>/* plotly.js ", StringComparison.Ordinal);
        if (start < 0) return html;
        var end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        return end < 0 ? html : html.Remove(start, end + "</script>".Length - start);
    }

    [GeneratedRegex("<script type=\"application/vnd\\.plotly\\.v1\\+json\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataBlock();
}
