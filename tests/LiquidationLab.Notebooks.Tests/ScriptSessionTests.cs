using LiquidationLab.Formatting;
using System.Text.Json.Nodes;
using LiquidationLab.Notebooks.Engine;

namespace LiquidationLab.Notebooks.Tests;

public class ScriptSessionTests
{
    private static string Plain(MimeBundle b) => b.Data["text/plain"].GetValue<string>();

    [Fact]
    public async Task State_persists_across_cells_and_a_trailing_expression_is_the_result()
    {
        var s = new ScriptSession();
        Assert.True((await s.ExecuteAsync("var x = 20; int Twice(int v) => 2 * v;")).Succeeded);
        var r = await s.ExecuteAsync("Twice(x) + 2");
        Assert.Equal("42", Plain(Assert.IsType<ResultEvent>(Assert.Single(r.Events)).Bundle));
        var noResult = await s.ExecuteAsync("var y = Twice(x) + 2;"); // a statement has no result
        Assert.Empty(noResult.Events);
        Assert.Equal(3, s.ExecutionCount);
        Assert.Contains("x", s.Variables);
    }

    [Fact]
    public async Task Library_namespaces_are_imported_by_default()
    {
        var s = new ScriptSession();
        var r = await s.ExecuteAsync("new PriceBins(100, 10, 3).IndexOf(115)");
        Assert.Equal("1", Plain(((ResultEvent)r.Events[0]).Bundle));
        Assert.True((await s.ExecuteAsync("var df = new DataFrame(new DoubleDataFrameColumn(\"a\", new double[] { 1, 2 })); var m = MathNet.Numerics.Statistics.Statistics.Mean(new[] { 1.0, 3.0 });")).Succeeded);
    }

    [Fact]
    public async Task Stdout_and_stderr_are_captured_in_order_with_displays()
    {
        var s = new ScriptSession();
        var r = await s.ExecuteAsync("Console.Write(\"a\"); Console.WriteLine(\"b\"); display(\"shown\"); Console.Error.WriteLine(\"warn\"); Console.WriteLine(\"c\");");
        Assert.Collection(r.Events,
            e => Assert.Equal(new StreamEvent("stdout", "ab\n"), e),
            e => Assert.Equal("shown", Plain(Assert.IsType<DisplayEvent>(e).Bundle)),
            e => Assert.Equal(new StreamEvent("stderr", "warn\n"), e),
            e => Assert.Equal(new StreamEvent("stdout", "c\n"), e));
    }

    [Fact]
    public async Task Display_handles_update_in_place()
    {
        var s = new ScriptSession();
        var r = await s.ExecuteAsync("var h = display(1, \"progress\"); h.Update(2); update_display(3, \"progress\");");
        var d = Assert.IsType<DisplayEvent>(r.Events[0]);
        Assert.Equal("progress", d.DisplayId);
        Assert.Equal(["2", "3"], r.Events.Skip(1).Cast<UpdateDisplayEvent>().Select(u => Plain(u.Bundle)));
    }

    [Fact]
    public async Task Compile_errors_name_the_cell_line_and_column()
    {
        var s = new ScriptSession();
        await s.ExecuteAsync("var ok = 1;");
        var r = await s.ExecuteAsync("var a = 1;\nvar b = a +;\n");
        Assert.False(r.Succeeded);
        var e = Assert.IsType<ErrorEvent>(Assert.Single(r.Events));
        Assert.Equal("CompilationError", e.Name);
        Assert.StartsWith("(cell 2, line 2, column 12): error CS1525", e.Value, StringComparison.Ordinal);
        Assert.True((await s.ExecuteAsync("ok + 1")).Succeeded); // the session survives
    }

    [Fact]
    public async Task Exceptions_report_type_message_and_the_cell_line()
    {
        var s = new ScriptSession();
        var r = await s.ExecuteAsync("var a = 1;\nvar b = 2;\nthrow new InvalidOperationException(\"boom\");");
        var e = Assert.IsType<ErrorEvent>(Assert.Single(r.Events));
        Assert.Equal(("InvalidOperationException", "boom"), (e.Name, e.Value));
        Assert.Equal("InvalidOperationException: boom", e.Traceback[0]);
        Assert.True(e.Traceback.Any(l => l.Contains("in cell 1, line 3", StringComparison.Ordinal)), string.Join("|", e.Traceback));
        var inner = await s.ExecuteAsync("int F(int v) => 10 / v;\nF(0)");
        Assert.Contains(((ErrorEvent)inner.Events[0]).Traceback, l => l.Contains("in cell 2, line 1", StringComparison.Ordinal));
        Assert.Equal("DivideByZeroException", ((ErrorEvent)inner.Events[0]).Name);
    }

    [Fact]
    public async Task A_tight_loop_is_stopped_by_the_cell_timeout_and_the_session_keeps_its_state()
    {
        var s = new ScriptSession();
        await s.ExecuteAsync("var kept = 7;");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = await s.ExecuteAsync("long n = 0; while (true) n++;", TimeSpan.FromMilliseconds(300));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        var e = Assert.IsType<ErrorEvent>(Assert.Single(r.Events));
        Assert.Equal("TimeoutError", e.Name);
        Assert.DoesNotContain("keeps running", e.Value, StringComparison.Ordinal); // the rewritten loop saw the token
        Assert.Equal("7", Plain(((ResultEvent)(await s.ExecuteAsync("kept")).Events[0]).Bundle));
    }

    [Fact]
    public async Task Interrupt_stops_a_running_cell()
    {
        var s = new ScriptSession();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var r = await s.ExecuteAsync("for (var i = 0; ; i++) { }", cancellationToken: cts.Token);
        Assert.Equal("KeyboardInterrupt", Assert.IsType<ErrorEvent>(Assert.Single(r.Events)).Name);
    }

    [Fact]
    public async Task Magics_markdown_workspace_packages_and_unknown_packages()
    {
        var s = new ScriptSession();
        var md = await s.ExecuteAsync("#!markdown\n# Title\nSome *text*.");
        var bundle = Assert.IsType<DisplayEvent>(Assert.Single(md.Events)).Bundle;
        Assert.Contains("<h1", bundle.Data["text/html"].GetValue<string>(), StringComparison.Ordinal);
        Assert.True((await s.ExecuteAsync("#r \"nuget: Plotly.NET.CSharp, 0.14.0\"\n#r \"nuget:DuckDB.NET.Data.Full\"\nvar ok = 1;")).Succeeded);
    }

    [Fact]
    public async Task Nuget_directives_restore_packages_and_their_dependencies_from_a_feed()
    {
        // A real feed (a folder of .nupkg files made with NuGet's PackageBuilder) and a private global packages folder.
        var dir = Directory.CreateTempSubdirectory("liqlab-nuget-").FullName;
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(dir, "feed")).FullName;
            var dep10 = Assembly("LiqTest.Units", "namespace LiqTest { public static class Units { public const string Usd = \"USD\"; } }", []);
            var dep11 = Assembly("LiqTest.Units", "namespace LiqTest { public static class Units { public const string Usd = \"USD 1.1\"; } }", []);
            var greeter = Assembly("LiqTest.Greeter", "namespace LiqTest { public static class Greeter { public static string Price(double p) => p.ToString(\"N0\", System.Globalization.CultureInfo.InvariantCulture) + \" \" + Units.Usd; } }",
                [Microsoft.CodeAnalysis.MetadataReference.CreateFromImage(dep10)]);
            Pack(feed, "LiqTest.Units", "1.0.0", dep10, []);
            Pack(feed, "LiqTest.Units", "1.1.0", dep11, []);
            Pack(feed, "LiqTest.Greeter", "2.0.0", greeter, [("LiqTest.Units", "1.0.0")]);
            Pack(feed, "LiqTest.Greeter", "2.1.0-beta", greeter, [("LiqTest.Units", "1.0.0")]);

            var s = new ScriptSession(dir) { NuGetSource = feed, NuGetPackagesFolder = Path.Combine(dir, "packages") };
            var r = await s.ExecuteAsync("#r \"nuget: LiqTest.Greeter\"\nLiqTest.Greeter.Price(67000)");
            Assert.True(r.Succeeded, string.Join("\n", r.Events));
            var progress = string.Concat(r.Events.OfType<StreamEvent>().Select(e => e.Text));
            Assert.Contains("LiqTest.Greeter 2.0.0: 1 assembly", progress, StringComparison.Ordinal); // the latest stable, not the beta
            Assert.Contains("dependency LiqTest.Units 1.0.0", progress, StringComparison.Ordinal); // the dependency's lowest applicable version
            Assert.Equal("67,000 USD", Plain(r.Events.OfType<ResultEvent>().Single().Bundle));
            Assert.True(File.Exists(Path.Combine(dir, "packages", "liqtest.greeter", "2.0.0", "liqtest.greeter.2.0.0.nupkg.sha512")));

            // A feed added the .NET Interactive way, #i "nuget: …" (a relative folder is the notebook's).
            var empty = Directory.CreateDirectory(Path.Combine(dir, "empty-feed")).FullName;
            var viaI = new ScriptSession(dir) { NuGetSource = empty, NuGetPackagesFolder = Path.Combine(dir, "packages-i") };
            var ri = await viaI.ExecuteAsync("#i \"nuget: feed\"\n#r \"nuget: LiqTest.Units, 1.1.0\"\nLiqTest.Units.Usd");
            Assert.True(ri.Succeeded, string.Join("\n", ri.Events));
            Assert.Equal("USD 1.1", Plain(ri.Events.OfType<ResultEvent>().Single().Bundle));

            // A second session finds them in the global packages folder.
            var again = new ScriptSession(dir) { NuGetSource = feed, NuGetPackagesFolder = Path.Combine(dir, "packages") };
            var r2 = await again.ExecuteAsync("#r \"nuget: LiqTest.Greeter, 2.0.0\"\nLiqTest.Units.Usd");
            Assert.Contains("already in the global packages folder", string.Concat(r2.Events.OfType<StreamEvent>().Select(e => e.Text)), StringComparison.Ordinal);

            // Clear errors: a package the feed does not have, a version it does not have (with the versions it has), a bad version.
            var missing = await s.ExecuteAsync("#r \"nuget: LiqTest.Nothing\"");
            Assert.Contains("line 1: package LiqTest.Nothing was not found on " + feed, Assert.IsType<ErrorEvent>(missing.Events[^1]).Value, StringComparison.Ordinal);
            var fresh = new ScriptSession(dir) { NuGetSource = feed, NuGetPackagesFolder = Path.Combine(dir, "packages") };
            var version = await fresh.ExecuteAsync("var a = 1;\n#r \"nuget: LiqTest.Units, 3.0.0\"");
            Assert.Contains("line 2: LiqTest.Units has no version 3.0.0", Assert.IsType<ErrorEvent>(version.Events[^1]).Value, StringComparison.Ordinal);
            Assert.Contains("1.1.0, 1.0.0", ((ErrorEvent)version.Events[^1]).Value, StringComparison.Ordinal);
            var garbage = await fresh.ExecuteAsync("#r \"nuget: LiqTest.Units, one\"");
            Assert.Contains("\"one\" is not a NuGet version", ((ErrorEvent)garbage.Events[^1]).Value, StringComparison.Ordinal);
            // A package the session already has is used as it is (a second copy would clash).
            var provided = await s.ExecuteAsync("#r \"nuget: Newtonsoft.Json, 13.0.3\"\nvar j = Newtonsoft.Json.JsonConvert.SerializeObject(new { a = 1 }); j");
            Assert.True(provided.Succeeded, string.Join("\n", provided.Events));
            Assert.Contains("provided by the session", string.Concat(provided.Events.OfType<StreamEvent>().Select(e => e.Text)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static byte[] Assembly(string name, string source, Microsoft.CodeAnalysis.MetadataReference[] references)
        {
            var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(name, [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source)],
                [.. Basic.Value, .. references], new(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary));
            using var ms = new MemoryStream();
            var emitted = compilation.Emit(ms);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            return ms.ToArray();
        }

        static void Pack(string feed, string id, string version, byte[] dll, (string Id, string Min)[] dependencies)
        {
            var builder = new NuGet.Packaging.PackageBuilder { Id = id, Version = NuGet.Versioning.NuGetVersion.Parse(version), Description = "test package" };
            builder.Authors.Add("LiquidationLab tests");
            var dllPath = Path.Combine(feed, $"{id}.{version}.dll");
            File.WriteAllBytes(dllPath, dll);
            builder.Files.Add(new NuGet.Packaging.PhysicalPackageFile { SourcePath = dllPath, TargetPath = $"lib/net8.0/{id}.dll" });
            builder.DependencyGroups.Add(new NuGet.Packaging.PackageDependencyGroup(NuGet.Frameworks.NuGetFramework.Parse("net8.0"),
                dependencies.Select(d => new NuGet.Packaging.Core.PackageDependency(d.Id, NuGet.Versioning.VersionRange.Parse(d.Min)))));
            using (var stream = File.Create(Path.Combine(feed, $"{id.ToLowerInvariant()}.{version}.nupkg")))
                builder.Save(stream);
            File.Delete(dllPath);
        }
    }

    // Packages are built against the framework's reference assemblies, as the .NET SDK builds them (System.Runtime, not the
    // runtime's System.Private.CoreLib).
    private static readonly Lazy<Microsoft.CodeAnalysis.MetadataReference[]> Basic = new(() => [global::Basic.Reference.Assemblies.Net100.References.SystemRuntime]);

    [Fact]
    public async Task R_directive_loads_an_assembly_by_path()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-r-").FullName;
        try
        {
            var dll = typeof(Xunit.Assert).Assembly.Location;
            File.Copy(dll, Path.Combine(dir, "x.dll"));
            var s = new ScriptSession(dir);
            var r = await s.ExecuteAsync("#r \"x.dll\"\ntypeof(Xunit.Assert).Name");
            Assert.True(r.Succeeded, string.Join("\n", r.Events));
            Assert.Equal("Assert", ((ResultEvent)r.Events[0]).Bundle.Data["text/plain"].GetValue<string>());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Charts_store_the_figure_once_and_plotly_js_only_in_the_first_chart()
    {
        var images = 0;
        var formatters = new FormatterRegistry { ChartImage = _ => Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, (byte)++images]) };
        var s = new ScriptSession(formatters: formatters);
        var r = await s.ExecuteAsync("Chart.Line<double, double, string>(x: new[] { 1.0, 2 }, y: new[] { 3.0, 4 }, Name: \"l</script>\")");
        var b = ((ResultEvent)r.Events[0]).Bundle;
        Assert.False(b.Data.ContainsKey("application/vnd.plotly.v1+json")); // the figure lives once, in the HTML's data block
        var html = b.Data["text/html"].GetValue<string>();
        var figure = ChartOutput.Figure(new JsonObject { ["text/html"] = html })!;
        Assert.Equal("scatter", figure["data"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("l</script>", figure["data"]![0]!["name"]!.GetValue<string>()); // escaped inside the block, intact after parsing
        var block = System.Text.RegularExpressions.Regex.Match(html, "<script type=\"application/vnd.plotly.v1\\+json\">(.*?)</script>",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        Assert.DoesNotContain("<", block, StringComparison.Ordinal);
        Assert.Contains("Plotly.newPlot", html, StringComparison.Ordinal);
        Assert.Contains("plotly.js " + Charts.PlotlyJs.Version, html, StringComparison.Ordinal);
        Assert.True(html.Length > Charts.PlotlyJs.Source.Length);
        Assert.Equal(Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, 1]), b.Data["image/png"].GetValue<string>());
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal); // shown until plotly.js draws
        var withoutJs = ChartOutput.WithoutPlotlyJs(html); // for documents that embed plotly.js once themselves
        Assert.DoesNotContain("once per notebook", withoutJs, StringComparison.Ordinal);
        Assert.True(withoutJs.Length < 10_000 && ChartOutput.Figure(new JsonObject { ["text/html"] = withoutJs }) is not null);
        Assert.StartsWith("[chart]", Plain(b), StringComparison.Ordinal);

        var second = ((ResultEvent)(await s.ExecuteAsync("Chart.Line<double, double, string>(x: new[] { 1.0, 2 }, y: new[] { 5.0, 6 })")).Events[0]).Bundle;
        var html2 = second.Data["text/html"].GetValue<string>();
        Assert.DoesNotContain("plotly.js " + Charts.PlotlyJs.Version, html2, StringComparison.Ordinal);
        Assert.True(html2.Length < 10_000);

        formatters.ChartImage = _ => throw new InvalidOperationException("Static image: the browser failed (test).");
        var failed = ((ResultEvent)(await s.ExecuteAsync("Chart.Line<double, double, string>(x: new[] { 1.0, 2 }, y: new[] { 5.0, 6 })")).Events[0]).Bundle;
        Assert.False(failed.Data.ContainsKey("image/png"));
        Assert.Contains("the browser failed (test)", failed.Data["text/html"].GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_from_an_early_cell_keeps_its_type_after_cells_that_use_more_of_the_framework()
    {
        var s = new ScriptSession();
        var references = s.References.ToList();

        // A value of a library type from an early cell still matches its type after cells that used framework assemblies the
        // libraries depend on (System.Memory, regular expressions): notebook 06's BookSnapshot broke when an experiment let
        // the session's reference set grow between cells (a dependency of Core joined, Core was bound anew, and a type from an
        // earlier cell no longer matched its own definition).
        Assert.True((await s.ExecuteAsync("var snapshot = new LiquidationLab.Core.MarketData.BookSnapshot(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), [new(0.5m, 10m)], [new(0.6m, 20m)]);")).Succeeded);
        var framework = await s.ExecuteAsync("var seq = new System.Buffers.ReadOnlySequence<byte>(new byte[3]); var rx = new System.Text.RegularExpressions.Regex(\"a+\"); seq.Length + (rx.IsMatch(\"caa\") ? 1 : 0)");
        Assert.True(framework.Succeeded, string.Join("\n", framework.Events));
        Assert.Equal("4", Plain(((ResultEvent)framework.Events[0]).Bundle));
        var reuse = await s.ExecuteAsync("LiquidationLab.Liquidity.OrderBook.FromSnapshot(snapshot, LiquidationLab.Liquidity.PriceDomain.Probability, \"t\").Bids.Count");
        Assert.True(reuse.Succeeded, string.Join("\n", reuse.Events));
        Assert.Equal(references, s.References); // unchanged

        var bad = await s.ExecuteAsync("undefinedThing + 1");
        Assert.Contains("CS0103", Assert.IsType<ErrorEvent>(Assert.Single(bad.Events)).Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_whole_framework_is_reachable_and_a_framework_r_directive_binds_the_same_types()
    {
        var s = new ScriptSession();
        // Framework assemblies no default library depends on: XML, PLINQ, channels, specialized collections.
        var r = await s.ExecuteAsync("var doc = System.Xml.Linq.XDocument.Parse(\"<a><b/></a>\");\n" +
            "var channel = System.Threading.Channels.Channel.CreateUnbounded<int>(); channel.Writer.TryWrite(5);\n" +
            "var names = new System.Collections.Specialized.StringCollection { \"x\" };\n" +
            "doc.Root!.Elements().Count() + new[] { 1, 2, 3 }.AsParallel().Sum() + names.Count + (channel.Reader.TryRead(out var v) ? v : 0)");
        Assert.True(r.Succeeded, string.Join("\n", r.Events));
        Assert.Equal("13", Plain(((ResultEvent)r.Events[0]).Bundle));
        // #r of a framework assembly by name adds nothing new: the document from cell 1 is still an XDocument.
        var again = await s.ExecuteAsync("#r \"System.Xml.Linq\"\n#r \"System.Xml.XDocument.dll\"\nSystem.Xml.Linq.XDocument d2 = doc; d2.Root!.Name.LocalName");
        Assert.True(again.Succeeded, string.Join("\n", again.Events));
        Assert.Equal("a", Plain(((ResultEvent)again.Events[0]).Bundle));
    }

    [Fact]
    public async Task Variables_defined_before_an_exception_stay_and_their_latest_values_are_readable()
    {
        var s = new ScriptSession();
        Assert.True((await s.ExecuteAsync("var price = 100.5; var label = \"BTC\";")).Succeeded);
        var failed = await s.ExecuteAsync("var before = price * 2; price = 7; throw new InvalidOperationException(\"late\");");
        Assert.False(failed.Succeeded);
        Assert.Equal("201", Plain(((ResultEvent)(await s.ExecuteAsync("before")).Events[0]).Bundle)); // as in Roslyn scripting
        Assert.True(s.TryGetVariable("price", out var price));
        Assert.Equal(7.0, price);
        Assert.True(s.TryGetVariable("label", out var label));
        Assert.Equal("BTC", label);
        Assert.False(s.TryGetVariable("nothing", out _));
        Assert.True((await s.ExecuteAsync("var price = \"redefined\";")).Succeeded); // a later cell shadows the earlier variable
        Assert.True(s.TryGetVariable("price", out var shadowed));
        Assert.Equal("redefined", shadowed);
        Assert.Equal(["price", "label", "before"], s.Variables);
    }

    [Fact]
    public async Task A_cell_that_ignores_cancellation_is_abandoned_and_never_joins_the_session()
    {
        var s = new ScriptSession();
        Assert.True((await s.ExecuteAsync("var kept = 7;")).Succeeded);
        // Thread.Sleep does not check the token: the cell is reported after the 1 s timeout and 2 s of grace and left running;
        // it ends a second later.
        var r = await s.ExecuteAsync("var late = 1; System.Threading.Thread.Sleep(4000);", TimeSpan.FromSeconds(1));
        Assert.Contains("keeps running in the background", Assert.IsType<ErrorEvent>(Assert.Single(r.Events)).Value, StringComparison.Ordinal);
        await s.AbandonedRun.WaitAsync(TimeSpan.FromSeconds(60)); // it has ended now, before any other cell ran: still not part of the session
        var late = await s.ExecuteAsync("late");
        Assert.Contains("CS0103", Assert.IsType<ErrorEvent>(Assert.Single(late.Events)).Value, StringComparison.Ordinal);
        Assert.DoesNotContain("late", s.Variables);
        Assert.Equal("8", Plain(((ResultEvent)(await s.ExecuteAsync("kept + 1")).Events[0]).Bundle));
    }

    [Fact]
    public async Task Input_goes_to_the_hosts_handler_and_fails_clearly_without_one()
    {
        var s = new ScriptSession();
        var headless = await s.ExecuteAsync("var name = Console.ReadLine();");
        Assert.Contains("does not accept input", Assert.IsType<ErrorEvent>(Assert.Single(headless.Events)).Value, StringComparison.Ordinal);
        var asked = new List<(string Prompt, bool Password)>();
        s.InputHandler = (prompt, password, _) => { asked.Add((prompt, password)); return asked.Count == 1 ? "BTCUSDT" : "secret"; };
        var r = await s.ExecuteAsync("var symbol = input(\"symbol? \"); var key = input(\"key: \", password: true); symbol + \"/\" + key.Length");
        Assert.Equal("BTCUSDT/6", Plain(((ResultEvent)r.Events[0]).Bundle));
        Assert.Equal([("symbol? ", false), ("key: ", true)], asked);
        Assert.Equal("secret", Plain(((ResultEvent)(await s.ExecuteAsync("Console.ReadLine()")).Events[0]).Bundle)); // asked with no prompt
        Assert.Equal(("", false), asked[^1]);
    }

    [Fact]
    public async Task Warm_up_leaves_no_trace_in_the_session()
    {
        var s = new ScriptSession();
        Assert.True(s.WarmUp() > TimeSpan.Zero);
        Assert.Equal(0, s.ExecutionCount);
        Assert.Empty(s.Variables);
        Assert.False(s.HasState);
        var r = await s.ExecuteAsync("__warm.Count");
        Assert.Contains("CS0103", Assert.IsType<ErrorEvent>(Assert.Single(r.Events)).Value, StringComparison.Ordinal);
        Assert.Equal(1, s.ExecutionCount);
        Assert.Equal("2", Plain(((ResultEvent)(await s.ExecuteAsync("new List<int> { 1, 2 }.Select(i => i * 2).Count()")).Events[0]).Bundle));
    }

    [Fact]
    public async Task Long_tables_show_head_and_tail_with_the_row_count()
    {
        var s = new ScriptSession(formatters: new FormatterRegistry(rowCap: 4));
        var r = await s.ExecuteAsync("Enumerable.Range(0, 10).Select(i => new { I = i, Sq = i * i })");
        var b = ((ResultEvent)r.Events[0]).Bundle;
        var html = b.Data["text/html"].GetValue<string>();
        Assert.Equal(4, html.Split("<tr><td").Length - 1); // 2 first + 2 last
        Assert.Contains("… 6 more rows …", html, StringComparison.Ordinal);
        Assert.Contains("10 rows: the first 2 and the last 2 shown", html, StringComparison.Ordinal);
        var text = Plain(b);
        Assert.Contains("\n8  64\n9  81\n", text, StringComparison.Ordinal); // numbers right-aligned under their headers
        Assert.DoesNotContain(" 25", text, StringComparison.Ordinal); // row 5 left out
        var df = await s.ExecuteAsync("new DataFrame(new Int32DataFrameColumn(\"a\", Enumerable.Range(0, 10)))");
        var dfHtml = ((ResultEvent)df.Events[0]).Bundle.Data["text/html"].GetValue<string>();
        Assert.Contains("… 6 more rows …", dfHtml, StringComparison.Ordinal);
        Assert.Contains(">9</td>", dfHtml, StringComparison.Ordinal);
        var lazy = await s.ExecuteAsync("Enumerable.Range(0, 5).Select(i => (double)i)"); // scalars: a list with its count
        Assert.Equal("[0, 1, … (5 items) …, 3, 4]", Plain(((ResultEvent)lazy.Events[0]).Bundle));
    }

    [Fact]
    public async Task Table_numbers_are_written_by_unit_and_nan_is_explained()
    {
        var s = new ScriptSession();
        var r = await s.ExecuteAsync("""
            new[]
            {
                new { Symbol = "BTCUSDT", ClosePrice = 67_012.5, NotionalUsd = 12_345_678.9, HitRate = 0.4567, Lift = double.NaN, Count = 12_000, Z = 0.000123 },
                new { Symbol = "ETHUSDT", ClosePrice = 2_044.85, NotionalUsd = 950.0, HitRate = 0.05, Lift = 1.25, Count = 7, Z = 123_456.0 },
            }
            """);
        var b = ((ResultEvent)r.Events[0]).Bundle;
        var html = b.Data["text/html"].GetValue<string>();
        foreach (var cell in new[] { ">67,012.50<", ">2,044.85<", ">12.35 M<", ">950.00<", ">45.7 %<", ">5.0 %<", ">–<", ">1.25<", ">12,000<", ">0.000123<", ">123,456<" })
            Assert.Contains(cell, html, StringComparison.Ordinal);
        Assert.Contains("– = not a number (NaN", html, StringComparison.Ordinal);
        Assert.Contains("in Lift (1 of the rows shown)", html, StringComparison.Ordinal);
        Assert.Contains("<td style=\"text-align:left\">BTCUSDT", html, StringComparison.Ordinal);
        Assert.Contains("<td style=\"text-align:right\">12.35 M", html, StringComparison.Ordinal);
        Assert.Equal(ColumnUnit.Price, TableFormatter.UnitOf("close", [1.0]));
        Assert.Equal(ColumnUnit.Number, TableFormatter.UnitOf("hit_rate", [3.0])); // a "rate" outside 0…1 is no share
        Assert.Equal(ColumnUnit.Text, TableFormatter.UnitOf("price", ["n/a"]));
        Assert.Equal("1.23 B", TableFormatter.Format(1_234_567_890.0, ColumnUnit.Usd));
    }

    [Fact]
    public async Task A_cell_printing_far_past_the_cap_keeps_the_cap_and_says_so()
    {
        var session = new LiquidationLab.Notebooks.Engine.ScriptSession { MaxStreamCharacters = 100_000 };
        var forwarded = 0L;
        session.EventEmitted += e => { if (e is LiquidationLab.Notebooks.Engine.StreamEvent s) forwarded += s.Text.Length; };
        // 5 million characters in 500,000 small writes: kept to the cap, without quadratic copying.
        var r = await session.ExecuteAsync("for (var i = 0; i < 500_000; i++) Console.Write(\"0123456789\"); Console.Error.Write(\"late\");");
        Assert.True(r.Succeeded);
        var streams = r.Events.OfType<LiquidationLab.Notebooks.Engine.StreamEvent>().ToList();
        var stdout = Assert.Single(streams, s => s.Name == "stdout");
        Assert.StartsWith("0123456789", stdout.Text, StringComparison.Ordinal);
        Assert.Contains("[output truncated: this cell printed more than 100,000 characters; the rest is not kept]", stdout.Text, StringComparison.Ordinal);
        Assert.InRange(stdout.Text.Length, 100_000, 100_200);
        Assert.Equal("[4,900,004 more characters of output were dropped]\n", streams[^1].Text); // stderr's "late" is dropped too
        Assert.InRange(forwarded, 100_000, 100_300); // the kernel forwards the same bounded text
        // The next cell starts a fresh budget.
        var next = await session.ExecuteAsync("Console.Write(\"ok\");");
        Assert.Equal("ok", Assert.Single(next.Events.OfType<LiquidationLab.Notebooks.Engine.StreamEvent>()).Text);
    }

    [Fact]
    public async Task Interleaved_streams_keep_their_order_and_text()
    {
        var session = new LiquidationLab.Notebooks.Engine.ScriptSession();
        var r = await session.ExecuteAsync("Console.Write(\"a\"); Console.Write(\"b\"); Console.Error.Write(\"e\"); Console.Write(\"c\");");
        Assert.Equal([("stdout", "ab"), ("stderr", "e"), ("stdout", "c")],
            r.Events.OfType<LiquidationLab.Notebooks.Engine.StreamEvent>().Select(s => (s.Name, s.Text)));
    }
}
