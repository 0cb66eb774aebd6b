using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LiquidationLab.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace LiquidationLab.Interactive.Tests;

/// <summary>
/// The extension loaded into a .NET Interactive C# kernel in this process, as the dotnet-interactive tool loads it from the
/// package (the tool itself runs every shipped notebook in CI: tests/kernel/dotnet_interactive.sh). Formatters are
/// process-wide in .NET Interactive, so the tests share one kernel and one extension load. Static chart images are off in
/// this process (no browser needed); the MIME bridge is tested with a fake image renderer.
/// </summary>
public sealed class KernelExtensionTests : IClassFixture<KernelExtensionTests.KernelFixture>
{
    private readonly KernelFixture _fixture;

    public KernelExtensionTests(KernelFixture fixture) => _fixture = fixture;

    public sealed class KernelFixture : IAsyncLifetime
    {
        public CompositeKernel Kernel { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Environment.SetEnvironmentVariable("LIQLAB_CHART_IMAGES", "0");
            var csharp = new CSharpKernel();
            Kernel = new CompositeKernel { csharp };
            Kernel.DefaultKernelName = csharp.Name;
            // What `#r "nuget: LiquidationLab.Interactive"` references: the libraries and their packages.
            csharp.AddAssemblyReferences(new[]
            {
                typeof(Analysis.Lab).Assembly, typeof(Core.Margin.PositionSide).Assembly, typeof(Liquidity.LiquidityForecastModel).Assembly, typeof(Data.Store.LabStore).Assembly, typeof(Charts.Figure).Assembly,
                typeof(FormatterRegistry).Assembly, typeof(Plotly.NET.GenericChart).Assembly, typeof(Plotly.NET.CSharp.Chart).Assembly,
                typeof(Microsoft.FSharp.Core.FSharpOption<>).Assembly, typeof(DuckDB.NET.Data.DuckDBConnection).Assembly, typeof(Microsoft.Data.Analysis.DataFrame).Assembly,
                typeof(MathNet.Numerics.Statistics.Statistics).Assembly,
            }.Select(a => a.Location));
            await new LiquidationLabKernelExtension().OnLoadAsync(Kernel);
        }

        public Task DisposeAsync()
        {
            Kernel.Dispose();
            return Task.CompletedTask;
        }

        /// <summary>Runs a cell; its return value's formatted values by MIME type (fails on a compile or run error).</summary>
        public async Task<IReadOnlyDictionary<string, string>> Run(string code)
        {
            var result = await Kernel.SendAsync(new SubmitCode(code));
            var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
            Assert.True(failed is null, failed?.Message);
            var value = Assert.Single(result.Events.OfType<ReturnValueProduced>());
            return value.FormattedValues.ToDictionary(v => v.MimeType, v => v.Value);
        }
    }

    [Fact]
    public async Task The_notebooks_namespaces_are_imported_when_the_extension_loads()
    {
        // The usings are submitted ahead of the next cell; the names below come from three of them.
        var values = await _fixture.Run("typeof(Lab).FullName + \" \" + typeof(PositionSide).FullName + \" \" + typeof(Chart).FullName");
        Assert.Equal("LiquidationLab.Analysis.Lab LiquidationLab.Core.Margin.PositionSide Plotly.NET.CSharp.Chart", values["text/plain"]);
        // HtmlString is this kernel's own (shown as HTML), not our engine's.
        values = await _fixture.Run("new HtmlString(\"<b>x</b>\").GetType().FullName");
        Assert.Equal("Microsoft.AspNetCore.Html.HtmlString", values["text/plain"]);
    }

    [Fact]
    public async Task A_chart_shows_its_figure_json_once_and_plotly_js_only_in_the_first_chart()
    {
        var first = await _fixture.Run("new Figure(Chart.Line<double, double, string>(x: new[] { 1.0, 2.0 }, y: new[] { 3.0, 4.5 }), \"first\")");
        Assert.Equal("[chart] first", first["text/plain"]);
        var figure = ChartOutput.Figure(new JsonObject { ["text/html"] = first["text/html"] });
        Assert.NotNull(figure);
        Assert.Equal([3.0, 4.5], figure!["data"]![0]!["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Single(Regex.Matches(first["text/html"], "<script type=\"application/vnd\\.plotly\\.v1\\+json\">"));
        Assert.False(first.ContainsKey("image/png")); // images are off in this process: no empty image either

        var second = await _fixture.Run("new Figure(Chart.Point<double, double, string>(x: new[] { 1.0 }, y: new[] { 2.0 }), \"second\")");
        Assert.Equal("[chart] second", second["text/plain"]);
        // The session's first chart (no other test shows one) carries plotly.js; later ones use it.
        Assert.Contains("/* plotly.js ", first["text/html"], StringComparison.Ordinal);
        Assert.DoesNotContain("/* plotly.js ", second["text/html"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sequences_show_as_our_tables_and_strings_stay_strings()
    {
        var table = await _fixture.Run("new[] { new { symbol = \"BTCUSDT\", notional_usd = 2_500_000.0 }, new { symbol = \"ETHUSDT\", notional_usd = 12_345.0 } }");
        Assert.Contains("2 rows", table["text/plain"], StringComparison.Ordinal);
        Assert.Contains("notional_usd", table["text/plain"], StringComparison.Ordinal);
        Assert.Contains("12,345", table["text/plain"], StringComparison.Ordinal);
        Assert.Contains("<table", table["text/html"], StringComparison.Ordinal);
        var numbers = await _fixture.Run("new[] { 1.0, 2.5, 3.0 }");
        Assert.Equal("[1, 2.5, 3]", numbers["text/plain"]);
        var text = await _fixture.Run("\"a string\"");
        Assert.Equal("a string", text["text/plain"]);
    }

    [Fact]
    public async Task A_facade_result_shows_its_caption_and_table_with_the_tier_table_found()
    {
        var path = Path.Combine(Path.GetTempPath(), $"liqlab-interactive-{Guid.NewGuid():N}.duckdb");
        Data.Store.LabStore.Open(path).Dispose();
        try
        {
            var values = await _fixture.Run($"var lab = Lab.Open(@\"{path}\");\nlab.Levels(\"BTCUSDT\", 67000.0, 1.0, leverages: \"10\", side: \"long\")");
            // The tier tables are found from the dotnet-interactive process too (beside the Data assembly, or the repository's data/).
            Assert.StartsWith("BTCUSDT: 1 at 67,000.0 USDT (notional 67,000 USD)", values["text/plain"], StringComparison.Ordinal); // to the 0.10 tick
            Assert.Contains("10x", values["text/plain"], StringComparison.Ordinal);
            Assert.Contains("<table", values["text/html"], StringComparison.Ordinal);
        }
        finally
        {
            await _fixture.Kernel.SendAsync(new SubmitCode("lab?.Dispose();"));
            File.Delete(path);
        }
    }

    private sealed record Probe(int Id);

    [Fact]
    public void The_bridge_formats_a_value_once_for_all_its_mime_types_and_again_when_shown_again()
    {
        var formats = 0;
        var registry = new FormatterRegistry();
        registry.Register<Probe>(p =>
        {
            formats++;
            return new MimeBundle($"probe {p.Id}").With("text/html", $"<i>probe {p.Id}</i>").With("image/png", "iVBORw0KGgo=");
        });
        var bridge = new MimeBridge(registry);
        bridge.Register(typeof(Probe), ["text/html", "text/plain", "image/png"]);

        var probe = new Probe(7);
        var values = FormattedValue.CreateManyFromObject(probe).ToDictionary(v => v.MimeType, v => v.Value);
        Assert.Equal(("<i>probe 7</i>", "probe 7", "iVBORw0KGgo="), (values["text/html"], values["text/plain"], values["image/png"]));
        Assert.Equal(1, formats);
        _ = FormattedValue.CreateManyFromObject(probe); // the same object displayed again: formatted anew (it may have changed)
        Assert.Equal(2, formats);
        _ = FormattedValue.CreateManyFromObject(new Probe(8));
        Assert.Equal(3, formats);
    }

    [Fact]
    public void FSharp_Core_requests_of_another_version_get_the_process_s_copy_and_nothing_else_is_answered()
    {
        var answer = FSharpCoreUnification.Resolve(AssemblyLoadContext.Default, new AssemblyName("FSharp.Core, Version=99.0.0.0"));
        Assert.NotNull(answer);
        Assert.Equal("FSharp.Core", answer!.GetName().Name);
        Assert.Same(typeof(Microsoft.FSharp.Core.FSharpOption<>).Assembly, answer);
        Assert.Null(FSharpCoreUnification.Resolve(AssemblyLoadContext.Default, new AssemblyName("Plotly.NET, Version=99.0.0.0")));
    }
}
