using LiquidationLab.Formatting;
using LiquidationLab.TestSupport;
using System.Diagnostics;
using System.Text.Json.Nodes;
using LiquidationLab.Charts.Tests;
using LiquidationLab.Data.Store;
using LiquidationLab.Notebooks.Export;
using LiquidationLab.Notebooks.Ipynb;
using LiquidationLab.Notebooks.Running;

namespace LiquidationLab.Notebooks.Tests;

public sealed class NotebookRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-nb-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static NotebookDocument Notebook(params JsonObject[] cells)
    {
        var nb = NotebookDocument.Create();
        foreach (var c in cells) nb.Cells.Add(c);
        return nb;
    }

    private async Task<RunResult> Run(NotebookDocument nb, RunOptions? options = null) =>
        await NotebookRunner.RunAsync(nb, Path.Combine(_dir, "nb.ipynb"), options ?? new RunOptions());

    /// <summary>Validates with Debian's nbformat (python3-nbformat; ./test.sh installs it).</summary>
    internal static void AssertValidNbformat(string path)
    {
        var psi = new ProcessStartInfo(RequiredTools.Python3(("nbformat", "python3-nbformat")), ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && output.Contains("valid", StringComparison.Ordinal), output);
    }

    [Fact]
    public void Round_trip_keeps_unknown_metadata_and_fields()
    {
        const string json = """
            {"cells":[{"cell_type":"markdown","id":"m1","metadata":{"custom":{"keep":[1,2]}},"source":["# T\n","x"],"attachments":{}},
                      {"cell_type":"code","id":"c1","metadata":{"collapsed":true,"tags":["parameters"]},"source":"var a = 1;","outputs":[],"execution_count":null}],
             "metadata":{"authors":[{"name":"q"}],"kernelspec":{"name":"old","display_name":"Old","language":"csharp"}},
             "nbformat":4,"nbformat_minor":5}
            """;
        var nb = NotebookDocument.Parse(json, "x.ipynb");
        var again = JsonNode.Parse(nb.ToJson())!;
        Assert.Equal("q", again["metadata"]!["authors"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(2, again["cells"]![0]!["metadata"]!["custom"]!["keep"]![1]!.GetValue<int>());
        Assert.NotNull(again["cells"]![0]!["attachments"]);
        Assert.True(again["cells"]![1]!["metadata"]!["collapsed"]!.GetValue<bool>());
        Assert.Equal("liquidationlab-csharp", again["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", again["metadata"]!["language_info"]!["name"]!.GetValue<string>());
        Assert.Equal("# T\nx", NotebookDocument.Source(nb.Cells[0]!.AsObject()));
    }

    [Fact]
    public void Malformed_notebooks_are_rejected_with_the_path()
    {
        Assert.StartsWith("a.ipynb: invalid JSON at line 1", Assert.Throws<NotebookFormatException>(() => NotebookDocument.Parse("{", "a.ipynb")).Message, StringComparison.Ordinal);
        Assert.Contains("only nbformat 4", Assert.Throws<NotebookFormatException>(() => NotebookDocument.Parse("""{"nbformat":3,"cells":[]}""", "a.ipynb")).Message, StringComparison.Ordinal);
        Assert.Contains("cell 0", Assert.Throws<NotebookFormatException>(() => NotebookDocument.Parse("""{"nbformat":4,"cells":[{"cell_type":"python"}]}""", "a.ipynb")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parameters_are_typed_from_the_defaults_and_injected_after_the_parameters_cell()
    {
        var nb = Notebook(
            NotebookDocument.CodeCell("var n = 2;\ndouble x = 1.5;\nstring name = \"a\";\nvar on = false;", "parameters"),
            NotebookDocument.CodeCell("$\"{n * 2}|{x + 1}|{name}|{on}\""));
        var result = await Run(nb, new RunOptions { Parameters = new Dictionary<string, string> { ["n"] = "5", ["x"] = "0.25", ["name"] = "b \"c\"", ["on"] = "true" } });
        Assert.True(result.Succeeded, result.Message);
        var injected = nb.Cells[1]!.AsObject();
        Assert.Equal(["injected-parameters"], NotebookDocument.Tags(injected));
        Assert.Contains("name = \"b \\\"c\\\"\";", NotebookDocument.Source(injected), StringComparison.Ordinal);
        var output = nb.Cells[2]!["outputs"]![0]!;
        Assert.Equal("10|1.25|b \"c\"|True", output["data"]!["text/plain"]!.GetValue<string>());

        Assert.Contains("'missing' is not declared", Assert.Throws<ArgumentException>(() =>
            NotebookRunner.InjectParameters(nb, new Dictionary<string, string> { ["missing"] = "1" })).Message, StringComparison.Ordinal);
        Assert.Contains("'n' is int; 'abc' is not a valid int", Assert.Throws<ArgumentException>(() =>
            NotebookRunner.InjectParameters(nb, new Dictionary<string, string> { ["n"] = "abc" })).Message, StringComparison.Ordinal);
        Assert.Single(nb.Cells, c => NotebookDocument.Tags(c!.AsObject()).Contains("injected-parameters") is false && NotebookDocument.Tags(c!.AsObject()).Contains("parameters"));
    }

    [Fact]
    public async Task A_failing_cell_stops_the_run_names_the_cell_and_leaves_no_stale_outputs()
    {
        var stale = NotebookDocument.CodeCell("Console.WriteLine(\"later\");");
        stale["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "old\n" });
        stale["execution_count"] = 9;
        var nb = Notebook(NotebookDocument.CodeCell("var a = 1;"), NotebookDocument.CodeCell("throw new Exception(\"bad data\");"), stale);
        var result = await Run(nb);
        Assert.False(result.Succeeded);
        Assert.Equal(1, result.FailedCell);
        Assert.Contains("cell 1 (code cell 2 of 3", result.Message, StringComparison.Ordinal);
        Assert.Contains("Exception: bad data", result.Message, StringComparison.Ordinal);
        Assert.Equal("error", nb.Cells[1]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Empty(nb.Cells[2]!["outputs"]!.AsArray());
        Assert.Null(nb.Cells[2]!["execution_count"]);

        var allowed = Notebook(NotebookDocument.CodeCell("throw new Exception(\"x\");"), NotebookDocument.CodeCell("Console.WriteLine(\"ran\");"));
        var r2 = await Run(allowed, new RunOptions { AllowErrors = true });
        Assert.False(r2.Succeeded);
        Assert.Equal("ran\n", allowed.Cells[1]!["outputs"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    [Trait(RequiredTools.Trait, "python3-nbformat")]
    public async Task Display_updates_are_applied_in_place_and_the_written_notebook_validates()
    {
        var nb = Notebook(
            NotebookDocument.MarkdownCell("# Title"),
            NotebookDocument.CodeCell("var h = display(\"step 1\", \"p\");\nConsole.WriteLine(\"working\");"),
            NotebookDocument.CodeCell("h.Update(\"done\");\nChart.Line<double, double, string>(x: new[] { 1.0, 2 }, y: new[] { 3.0, 4 }, Name: \"l\")"),
            NotebookDocument.CodeCell("1 / int.Parse(\"0\")"));
        var result = await Run(nb, new RunOptions { AllowErrors = true });
        var display = nb.Cells[1]!["outputs"]![0]!;
        Assert.Equal("display_data", display["output_type"]!.GetValue<string>());
        Assert.Equal("done", display["data"]!["text/plain"]!.GetValue<string>());
        Assert.Null(display["transient"]);
        Assert.DoesNotContain(nb.Cells[2]!["outputs"]!.AsArray(), o => o!["output_type"]!.GetValue<string>() == "update_display_data");
        Assert.Equal("execute_result", nb.Cells[2]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Equal(2, nb.Cells[2]!["outputs"]![0]!["execution_count"]!.GetValue<int>());
        Assert.False(result.Succeeded);
        var path = Path.Combine(_dir, "out.ipynb");
        nb.Save(path);
        AssertValidNbformat(path);
    }

    [Fact]
    [Trait(RequiredTools.Trait, "chromium")]
    public async Task Exported_html_renders_markdown_code_and_the_chart_offline_in_chromium()
    {
        var nb = Notebook(
            NotebookDocument.MarkdownCell("# Report\n\nSome **bold** prose."),
            NotebookDocument.CodeCell("Console.WriteLine(\"hello\");\nChart.Line<double, double, string>(x: new[] { 1.0, 2, 3 }, y: new[] { 3.0, 1, 2 }, Name: \"line\")"));
        Assert.True((await Run(nb)).Succeeded);
        var html = HtmlExporter.Render(nb);
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<details class=\"code\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>Report</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
        var path = Path.Combine(_dir, "report.html");
        await File.WriteAllTextAsync(path, html);
        var dom = Chromium.DumpDom(path, _dir);
        Assert.Contains("class=\"plot-container plotly\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"main-svg\"", dom, StringComparison.Ordinal);
        Assert.Contains("hello", dom, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(RequiredTools.Trait, "chromium")]
    [Trait(RequiredTools.Trait, "python3-nbconvert")]
    public async Task Nbconvert_html_shows_every_chart_with_scripts_and_without()
    {
        // Three charts in two cells; the notebook is converted by Jupyter's own nbconvert, then opened in headless Chromium.
        var nb = Notebook(
            NotebookDocument.CodeCell("display(Chart.Line<double, double, string>(x: new[] { 1.0, 2, 3 }, y: new[] { 3.0, 1, 2 }, Name: \"a\"));\n" +
                                      "Chart.Column<double, string, string>(new[] { 5.0, 7 }, new[] { \"x\", \"y\" })"),
            NotebookDocument.CodeCell("Chart.Heatmap<double, int, int, string>(new[] { new[] { 1.0, 2 }, new[] { 3.0, 4 } })"));
        Assert.True((await Run(nb)).Succeeded);
        var outputs = nb.Cells.SelectMany(c => c!["outputs"]!.AsArray()).Select(o => o!["data"]!.AsObject()).ToList();
        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, d => Assert.NotNull(ChartOutput.Figure(d)));
        Assert.All(outputs, d => Assert.StartsWith("iVBORw0KGgo", d["image/png"]!.GetValue<string>(), StringComparison.Ordinal)); // a PNG, rendered offline
        var ipynb = Path.Combine(_dir, "charts.ipynb");
        nb.Save(ipynb);
        var python = RequiredTools.Python3(("nbconvert", "python3-nbconvert"));
        using (var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-m", "nbconvert", "--to", "html", ipynb])
               { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            var err = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await err);
        }
        var html = await File.ReadAllTextAsync(Path.Combine(_dir, "charts.html"));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(html, "plotly.js " + System.Text.RegularExpressions.Regex.Escape(Charts.PlotlyJs.Version) + @" \(MIT\), once per notebook"));

        await using var browser = await PuppeteerSharp.Puppeteer.LaunchAsync(new PuppeteerSharp.LaunchOptions
        {
            ExecutablePath = RequiredTools.Chromium(), Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        var failed = new List<string>();
        await using (var page = await browser.NewPageAsync())
        {
            // Requests other than the page itself and the template's own (Debian's nbconvert points at require.js and MathJax under
            // /usr/share/javascript, present only with libjs-requirejs/libjs-mathjax): the charts must need none.
            page.Request += (_, e) =>
            {
                if (!e.Request.Url.EndsWith("charts.html", StringComparison.Ordinal) && !e.Request.Url.StartsWith("file:///usr/share/javascript/", StringComparison.Ordinal)
                    && !e.Request.Url.StartsWith("data:", StringComparison.Ordinal))
                    failed.Add(e.Request.Url);
            };
            await page.GoToAsync(new Uri(Path.Combine(_dir, "charts.html")).AbsoluteUri, PuppeteerSharp.WaitUntilNavigation.Load);
            // Every chart drawn by plotly.js (from the first chart's copy), its static image replaced.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.liqlab-chart .main-svg').length >= 3", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 30_000 });
            Assert.Equal(3, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('.liqlab-chart .plot-container').length"));
            Assert.Equal(1, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('.liqlab-chart .heatmaplayer image').length"));
            Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('.liqlab-chart img.liqlab-static').length"));
        }
        await using (var page = await browser.NewPageAsync())
        {
            // No scripts (a sanitising viewer): every chart still shows, as its static image.
            await page.SetJavaScriptEnabledAsync(false);
            await page.GoToAsync(new Uri(Path.Combine(_dir, "charts.html")).AbsoluteUri, PuppeteerSharp.WaitUntilNavigation.Load);
            await page.SetJavaScriptEnabledAsync(true); // to read the page; it does not rerun its scripts
            var widths = await page.EvaluateExpressionAsync<int[]>("Array.from(document.querySelectorAll('.liqlab-chart img.liqlab-static')).map(i => i.naturalWidth)");
            Assert.Equal(3, widths.Length);
            Assert.All(widths, w => Assert.Equal(600, w)); // decoded, at the layout's width (Plotly.NET's default figure is 600 px)
            Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('.liqlab-chart .main-svg').length"));
        }
        Assert.True(failed.Count == 0, "requests: " + string.Join(", ", failed)); // nothing fetched, from a network or elsewhere
    }

    [Fact]
    public void Shipped_notebooks_hold_no_glyph_that_chromiums_default_fonts_lack()
    {
        // "USDⓈ-M" (U+24C8, circled S) rendered as a missing-glyph box in the report's HTML and static chart images: Debian's
        // Chromium fonts have no enclosed alphanumerics. The notebooks write "USDS-M".
        foreach (var notebook in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb"))
        {
            var text = File.ReadAllText(notebook);
            var at = text.IndexOf('\u24C8', StringComparison.Ordinal);
            Assert.True(at < 0, $"{Path.GetFileName(notebook)}: U+24C8 at character {at}");
        }
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    [Trait(RequiredTools.Trait, "python3-nbformat")]
    public async Task The_quickstart_notebook_runs_against_a_store_and_validates()
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        using (var store = LabStore.Open(db))
            store.ExecuteScript("""
                INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id)
                  SELECT 'binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '2026-05-25 00:00:00' + i * INTERVAL 5 MINUTE, 60000 + i, 60100 + i, 59900 + i, 60050 + i, 1 FROM range(30) t(i);
                INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id)
                  SELECT 'binance-usdm', 'BTCUSDT', 'binance-openInterestHist', '5m', TIMESTAMP '2026-05-25 00:00:00' + i * INTERVAL 5 MINUTE, 6e9 + i * 1e6, 1 FROM range(30) t(i);
                """);
        var source = Path.Combine(RepoRoot(), "notebooks", "01-quickstart.ipynb");
        var nb = NotebookDocument.Load(source);
        var result = await NotebookRunner.RunAsync(nb, source, new RunOptions { Parameters = new Dictionary<string, string> { ["dataRoot"] = "", ["db"] = db } });
        Assert.True(result.Succeeded, result.Message);
        var all = nb.ToJson();
        Assert.Contains("60,552.8", all, StringComparison.Ordinal);                   // 10x long at 67,000 (60,552.76…), to the 0.10 tick
        Assert.Contains("30 candles with 30 open-interest values", all, StringComparison.Ordinal);
        Assert.Contains(nb.Cells.SelectMany(c => c!["outputs"] as System.Text.Json.Nodes.JsonArray ?? []),
            o => ChartOutput.Figure(o?["data"] as System.Text.Json.Nodes.JsonObject) is not null);
        var path = Path.Combine(_dir, "01.ipynb");
        nb.Save(path);
        AssertValidNbformat(path);
    }
}
