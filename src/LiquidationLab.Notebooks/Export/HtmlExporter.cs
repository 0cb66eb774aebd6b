using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LiquidationLab.Charts;
using LiquidationLab.Notebooks.Ipynb;
using Markdig;

namespace LiquidationLab.Notebooks.Export;

/// <summary>
/// Renders a notebook as a self-contained HTML report: Markdown cells rendered (Markdig), code in collapsible blocks,
/// every output in its richest form (Plotly JSON → interactive chart, HTML, images, Markdown, text, errors), plotly.js
/// embedded once per document so the file works offline.
/// </summary>
public static partial class HtmlExporter
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private const string Css = """
        :root{--fg:#1f2328;--muted:#59636e;--bg:#ffffff;--code:#f6f8fa;--border:#d1d9e0;--err:#cf222e}
        body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
        main{max-width:1180px;margin:0 auto;padding:32px 40px 80px}
        h1,h2,h3{line-height:1.25;margin:1.4em 0 .5em}h1{font-size:2em;border-bottom:1px solid var(--border);padding-bottom:.3em}
        .md p,.md li{max-width:860px}.md table{border-collapse:collapse}.md td,.md th{border:1px solid var(--border);padding:4px 10px}
        details.code{margin:10px 0 4px;border-left:3px solid var(--border);background:var(--code);border-radius:4px}
        details.code summary{cursor:pointer;color:var(--muted);font-size:13px;padding:4px 10px;user-select:none}
        details.code pre{margin:0;padding:8px 12px 12px;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-x:auto}
        .output{margin:6px 0 18px}.output pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;margin:4px 0;color:#24292f}
        .output pre.error{color:var(--err);background:#fff5f5;border-left:3px solid var(--err);padding:8px 12px}
        .output pre.stderr{color:#9a6700}
        .liqlab-table{border-collapse:collapse;font-size:13px;margin:6px 0}.liqlab-table th,.liqlab-table td{border:1px solid var(--border);padding:3px 9px;text-align:right}
        .liqlab-table th{background:var(--code)}.liqlab-note{color:var(--muted);font-size:12px}
        .plot{min-height:460px}.meta{color:var(--muted);font-size:13px}
        """;

    /// <summary>The HTML report of <paramref name="notebook"/>.</summary>
    /// <param name="notebook">An (executed) notebook.</param>
    /// <param name="title">Document title (default: the first Markdown heading, else "Notebook").</param>
    public static string Render(NotebookDocument notebook, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        var cells = notebook.Cells.Select(c => c!.AsObject()).ToList();
        title ??= cells.Where(c => c["cell_type"]!.GetValue<string>() == "markdown")
            .Select(c => Heading().Match(NotebookDocument.Source(c))).FirstOrDefault(m => m.Success)?.Groups[1].Value.Trim() ?? "Notebook";
        var hasPlotly = cells.Any(c => c["outputs"] is JsonArray outs && outs.Any(o => LiquidationLab.Formatting.ChartOutput.Figure(o?["data"] as JsonObject) is not null));
        var body = new StringBuilder();
        var plot = 0;
        var codeNumber = 0;
        foreach (var cell in cells)
        {
            var type = cell["cell_type"]!.GetValue<string>();
            var source = NotebookDocument.Source(cell);
            if (type == "markdown")
            {
                body.Append("<div class=\"md\">").Append(Markdown.ToHtml(source, Pipeline)).Append("</div>\n");
                continue;
            }
            if (type != "code") continue;
            codeNumber++;
            var tags = NotebookDocument.Tags(cell);
            var label = tags.Contains("injected-parameters") ? "injected parameters" : tags.Contains("parameters") ? "parameters" : $"code [{cell["execution_count"]?.ToString() ?? " "}]";
            if (source.Trim().Length > 0)
                body.Append("<details class=\"code\"><summary>").Append(WebUtility.HtmlEncode(label)).Append("</summary><pre><code>")
                    .Append(WebUtility.HtmlEncode(source)).Append("</code></pre></details>\n");
            if (cell["outputs"] is not JsonArray outputs) continue;
            body.Append("<div class=\"output\">");
            foreach (var o in outputs.OfType<JsonObject>()) body.Append(Output(o, ref plot));
            body.Append("</div>\n");
        }
        var meta = notebook.Metadata["liquidationlab"] is JsonObject m
            ? $"<p class=\"meta\">Executed {WebUtility.HtmlEncode(m["executed_at"]?.ToString() ?? "")} in {m["duration_s"]} s with LiquidationLab's C# engine.</p>" : "";
        var sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(WebUtility.HtmlEncode(title)).Append("</title><style>").Append(Css).Append("</style>");
        if (hasPlotly) sb.Append("<script>/* plotly.js ").Append(PlotlyJs.Version).Append(" (MIT), embedded for offline use */\n").Append(PlotlyJs.Source).Append("</script>");
        sb.Append("</head><body><main>\n").Append(body).Append(meta).Append("</main></body></html>\n");
        return sb.ToString();
    }

    private static string Text(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(x => x?.GetValue<string>())),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        null => "",
        _ => node.ToJsonString(),
    };

    private static string Output(JsonObject o, ref int plot)
    {
        switch (o["output_type"]?.GetValue<string>())
        {
            case "stream":
                var name = o["name"]?.GetValue<string>() ?? "stdout";
                return $"<pre class=\"{name}\">{WebUtility.HtmlEncode(Text(o["text"]))}</pre>";
            case "error":
                var tb = o["traceback"] is JsonArray t ? string.Join('\n', t.Select(x => x?.GetValue<string>())) : $"{o["ename"]}: {o["evalue"]}";
                return $"<pre class=\"error\">{WebUtility.HtmlEncode(Ansi().Replace(tb, ""))}</pre>";
            case "display_data" or "execute_result":
                var data = o["data"] as JsonObject ?? [];
                // A chart output of this engine (its HTML carries the figure as a data block, maybe with a summary and a table):
                // kept as it is, without its own plotly.js copy (the document embeds one).
                if (data["text/html"] is { } chartHtml && LiquidationLab.Formatting.ChartOutput.Figure(data) is not null && data["application/vnd.plotly.v1+json"] is null)
                    return LiquidationLab.Formatting.ChartOutput.WithoutPlotlyJs(Text(chartHtml));
                // Another tool's chart (application/vnd.plotly.v1+json): drawn from its figure JSON.
                if (LiquidationLab.Formatting.ChartOutput.Figure(data) is { } fig)
                {
                    var id = $"plot{plot++}";
                    var json = fig.ToJsonString().Replace("<", "\\u003c", StringComparison.Ordinal);
                    return $"<div class=\"plot\" id=\"{id}\"></div><script>(function(){{var f={json};Plotly.newPlot('{id}',f.data,f.layout||{{}},{{responsive:true,displaylogo:false}});}})();</script>";
                }
                if (data["text/html"] is { } html) return Text(html);
                if (data["image/png"] is { } png) return $"<img alt=\"output\" src=\"data:image/png;base64,{Text(png).Replace("\n", "", StringComparison.Ordinal)}\">";
                if (data["image/svg+xml"] is { } svg) return Text(svg);
                if (data["text/markdown"] is { } md) return $"<div class=\"md\">{Markdown.ToHtml(Text(md), Pipeline)}</div>";
                return $"<pre>{WebUtility.HtmlEncode(Text(data["text/plain"]))}</pre>";
            default:
                return "";
        }
    }

    [GeneratedRegex(@"^\s*#\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();
}
