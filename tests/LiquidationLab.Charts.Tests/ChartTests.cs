using System.Diagnostics;
using System.Text.Json;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Charts.Tests;

public sealed class ChartTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 5, 25, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-charts-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static TimePriceGrid Grid()
    {
        var g = new TimePriceGrid(new PriceBins(90, 5, 4), [T0, T0.AddHours(1), T0.AddHours(2)]);
        g.Values[1, 0] = 10;
        g.Values[2, 1] = 25;
        g.Values[3, 2] = 5;
        return g;
    }

    private static LiquidationMap Map()
    {
        var m = new LiquidationMap(new PriceBins(90, 5, 4), 100, [10, 25]);
        m.Add(PositionSide.Long, 0, 92, 1_000, 100);
        m.Add(PositionSide.Short, 1, 107, 2_000, 100);
        m.ComputeCumulative();
        return m;
    }

    private static JsonElement Json(Figure f) => JsonDocument.Parse(f.ToJson()).RootElement;

    [Fact]
    public void Heatmap_is_price_rows_by_time_columns_with_the_liquidation_colour_scale_and_price_path()
    {
        Candle[] candles = [new(T0, 100, 101, 99, 100.5, 1, 1, 1), new(T0.AddHours(1), 100.5, 102, 100, 101, 1, 1, 1)];
        var root = Json(LiquidationCharts.Heatmap(Grid(), candles, "heat"));
        var heat = root.GetProperty("data")[0];
        Assert.Equal("heatmap", heat.GetProperty("type").GetString());
        Assert.Equal(4, heat.GetProperty("z").GetArrayLength());            // price bins
        Assert.Equal(3, heat.GetProperty("z")[0].GetArrayLength());         // time bins
        Assert.Equal(25, heat.GetProperty("z")[2][1].GetDouble());
        Assert.Equal(92.5, heat.GetProperty("y")[0].GetDouble());           // bin centres, lowest first
        Assert.Equal("#120822", heat.GetProperty("colorscale")[0][1].GetString());
        Assert.Equal("#f7e547", heat.GetProperty("colorscale")[6][1].GetString());
        Assert.Contains("model notional", heat.GetProperty("hovertemplate").GetString(), StringComparison.Ordinal);
        var path = root.GetProperty("data")[1];
        Assert.Equal("scatter", path.GetProperty("type").GetString());
        Assert.Equal(101, path.GetProperty("y")[1].GetDouble());
        Assert.Equal("#0d1117", root.GetProperty("layout").GetProperty("paper_bgcolor").GetString());
    }

    [Fact]
    public void Map_stacks_tiers_draws_cumulative_curves_and_the_current_price_line()
    {
        var root = Json(LiquidationCharts.Map(Map(), "map"));
        var data = root.GetProperty("data");
        var names = data.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(["10x long", "cumulative long liquidations", "25x short", "cumulative short liquidations"], names);
        Assert.Equal("bar", data[0].GetProperty("type").GetString());
        Assert.Equal("y2", data[1].GetProperty("yaxis").GetString());
        // Long and short traces in separate, titled legend groups and colour families (a 10x long never looks like a 10x short).
        Assert.Equal(["longs", "longs", "shorts", "shorts"], data.EnumerateArray().Select(t => t.GetProperty("legendgroup").GetString()));
        Assert.Equal("Longs (liquidated below the price)", data[0].GetProperty("legendgrouptitle").GetProperty("text").GetString());
        Assert.Equal("Shorts (liquidated above the price)", data[2].GetProperty("legendgrouptitle").GetProperty("text").GetString());
        Assert.NotEqual(data[0].GetProperty("marker").GetProperty("color").GetString(), data[2].GetProperty("marker").GetProperty("color").GetString());
        for (var tiers = 1; tiers <= 8; tiers++)
            for (var t = 0; t < tiers; t++)
                Assert.NotEqual(LiquidationCharts.SideShade(PositionSide.Long, t, tiers), LiquidationCharts.SideShade(PositionSide.Short, t, tiers));
        Assert.NotEqual(LiquidationCharts.SideShade(PositionSide.Long, 0, 5), LiquidationCharts.SideShade(PositionSide.Long, 4, 5)); // leverage shades differ
        var layout = root.GetProperty("layout");
        Assert.Equal("stack", layout.GetProperty("barmode").GetString());
        Assert.Equal(100, layout.GetProperty("shapes")[0].GetProperty("x0").GetDouble());
    }

    [Fact]
    public void Model_comparison_and_backtest_figures_have_their_traces_and_axes()
    {
        var r = new LiquidationModelResult("m", [new PredictedLiquidationLevel(92, 10, PositionSide.Long, 10, "m", 1, 100)]);
        var cmp = Json(LiquidationCharts.ModelComparison([r], new PriceBins(90, 5, 4), 100, "cmp"));
        Assert.Equal(-100, cmp.GetProperty("data")[0].GetProperty("y")[0].GetDouble()); // all of the model's notional, longs drawn down
        var bt = Json(LiquidationCharts.Backtest([T0, T0.AddHours(1)], [1, 2], [2, 2], "bt"));
        Assert.Equal(5, bt.GetProperty("data").GetArrayLength());
        Assert.Equal("x2", bt.GetProperty("data")[2].GetProperty("xaxis").GetString());
        Assert.Equal("histogram", bt.GetProperty("data")[4].GetProperty("type").GetString());
        Assert.Throws<ArgumentException>(() => LiquidationCharts.Backtest([T0], [1, 2], [1], "bad"));
    }

    [Fact]
    public void Figure_json_is_byte_for_byte_plotly_nets_own()
    {
        Candle[] candles = [new(T0, 100, 101, 99, 100.5, 1, 1, 1), new(T0.AddHours(1), 100.5, 102, 100, 101, 1, 1, 1)];
        foreach (var f in new[]
                 {
                     LiquidationCharts.Heatmap(Grid(), candles, "heat – ×", [new FrozenSpan(T0, T0.AddHours(1), 12, 7.0)]),
                     LiquidationCharts.Map(Map(), "map"),
                     LiquidationCharts.Backtest([T0, T0.AddHours(1)], [1, 2], [2, double.NaN], "bt \"quoted\""),
                     LiquidationCharts.ModelComparison([new LiquidationModelResult("m", [new PredictedLiquidationLevel(92, 10, PositionSide.Long, 10, "m", 1, 100)])],
                         new PriceBins(90, 5, 4), 100, "cmp"),
                 })
        {
            Assert.Equal(Plotly.NET.GenericChart.toFigureJson(f.Chart), Figure.PlotlyJson(f.Chart));
            using var whole = JsonDocument.Parse(Plotly.NET.GenericChart.toFigureJson(f.Chart));
            Assert.Equal("{\"data\":" + whole.RootElement.GetProperty("data").GetRawText() + ",\"layout\":" + whole.RootElement.GetProperty("layout").GetRawText() + "}",
                f.ToJson());
        }
    }

    [Fact]
    public void Html_embeds_plotly_js_once_and_needs_no_cdn()
    {
        var html = HtmlDocument.Render("two </script> figures", [LiquidationCharts.Map(Map(), "a </script>"), LiquidationCharts.Heatmap(Grid(), [], "b")]);
        Assert.Contains($"plotly.js {PlotlyJs.Version}", html, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(html, "/* plotly.js "));
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase); // everything inline: works offline
        Assert.DoesNotContain("a </script>", html, StringComparison.Ordinal); // titles cannot close the script
        Assert.Equal(2, CountOf(html, "f.data,f.layout,{responsive:true"));
        Assert.True(PlotlyJs.Source.Length > 1_000_000);
    }

    private static int CountOf(string s, string part)
    {
        var n = 0;
        for (var i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    [Fact]
    public void A_frozen_input_span_is_shaded_and_labelled_on_the_heatmap()
    {
        var span = new FrozenSpan(T0, T0.AddHours(1), 13, 6.458e9);
        var root = Json(LiquidationCharts.Heatmap(Grid(), [], "heat", [span]));
        var shape = Assert.Single(root.GetProperty("layout").GetProperty("shapes").EnumerateArray());
        Assert.Equal(("rect", "x", "paper"), (shape.GetProperty("type").GetString(), shape.GetProperty("xref").GetString(), shape.GetProperty("yref").GetString()));
        Assert.Equal(T0, shape.GetProperty("x0").GetDateTime());
        var note = Assert.Single(root.GetProperty("layout").GetProperty("annotations").EnumerateArray());
        Assert.Contains("13 identical values: not a market fact", note.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(Json(LiquidationCharts.Heatmap(Grid(), [], "heat")).GetProperty("layout").TryGetProperty("shapes", out _));
    }

    [Fact]
    public void Price_and_open_interest_has_titled_axes_and_shades_a_frozen_oi_span_on_its_own_panel()
    {
        // 5-minute candles: open interest moves for an hour, repeats one value for two hours (a frozen feed), then moves again.
        var candles = Enumerable.Range(0, 72).Select(i => new Candle(T0.AddMinutes(5 * i), 100 + i, 101 + i, 99 + i, 100.5 + i, 10, 5,
            i is >= 12 and < 37 ? 6.458e9 : 6e9 + i * 1e6)).ToArray();
        var root = Json(LiquidationCharts.PriceAndOpenInterest(candles, "BTCUSDT: close and OI"));
        var layout = root.GetProperty("layout");
        Assert.Equal("BTCUSDT: close and OI", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("time (UTC)", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("close (USDT)", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("open interest (bn USD)", layout.GetProperty("yaxis2").GetProperty("title").GetProperty("text").GetString());
        var traces = root.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(2, traces.Length);
        Assert.Equal("y2", traces[1].GetProperty("yaxis").GetString());
        var shape = Assert.Single(layout.GetProperty("shapes").EnumerateArray());
        Assert.Equal(T0.AddMinutes(60), shape.GetProperty("x0").GetDateTime());
        Assert.Equal(T0.AddMinutes(180), shape.GetProperty("x1").GetDateTime());
        Assert.True(shape.GetProperty("y1").GetDouble() <= layout.GetProperty("yaxis2").GetProperty("domain")[1].GetDouble()); // on the OI panel only
        Assert.Contains("25 identical values", Assert.Single(layout.GetProperty("annotations").EnumerateArray()).GetProperty("text").GetString(), StringComparison.Ordinal);
        // Without a frozen span nothing is shaded.
        var moving = candles.Select((c, i) => c with { OpenInterestUsd = 6e9 + i * 1e6 }).ToArray();
        Assert.False(Json(LiquidationCharts.PriceAndOpenInterest(moving, "t")).GetProperty("layout").TryGetProperty("shapes", out _));
    }

    [Fact]
    [Trait(LiquidationLab.TestSupport.RequiredTools.Trait, "chromium")]
    public void Exported_html_renders_plotly_svg_in_headless_chromium()
    {
        var path = Path.Combine(_dir, "map.html");
        HtmlDocument.Render("charts", [LiquidationCharts.Map(Map(), "map"), LiquidationCharts.Heatmap(Grid(), [], "heat")]).Let(h => File.WriteAllText(path, h));
        var dom = Chromium.DumpDom(path, _dir);
        Assert.Equal(2, CountOf(dom, "class=\"plot-container plotly\"")); // both figures were drawn
        Assert.Contains("class=\"main-svg\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"heatmaplayer", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"barlayer", dom, StringComparison.Ordinal);
    }
}

internal static class Extensions
{
    public static void Let<T>(this T value, Action<T> action) => action(value);
}
