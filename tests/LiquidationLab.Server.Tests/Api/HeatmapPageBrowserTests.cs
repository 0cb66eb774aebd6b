using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;
using PuppeteerSharp;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>The heatmap page in a real browser: Debian's chromium, headless, driven over the DevTools protocol by PuppeteerSharp.</summary>
public sealed class HeatmapPageBrowserTests
{
    [Fact]
    [Trait(RequiredTools.Trait, "chromium")]
    public async Task Page_renders_the_heatmap_switches_symbol_and_computes_levels()
    {
        var chromium = RequiredTools.Chromium();
        await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"]));
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1900 });
        var failed = new List<string>();
        page.RequestFailed += (_, e) => failed.Add(e.Request.Url);
        await page.GoToAsync(api.Urls[0].ToString(), WaitUntilNavigation.Load);

        // First render: BTCUSDT 5m; Plotly's SVG holds the heatmap trace and the price path.
        await page.WaitForFunctionAsync("() => document.body.dataset.rendered === 'BTCUSDT'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Equal(1, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#heatmap .heatmaplayer image').length"));
        Assert.True(await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#heatmap .scatterlayer path.js-line').length") >= 1);
        Assert.True(await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#endmap .barlayer .point').length") > 50);
        Assert.Contains("candles", await page.EvaluateExpressionAsync<string>("document.getElementById('summary').textContent"), StringComparison.Ordinal);
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "heatmap-page-btcusdt.png"), new ScreenshotOptions { FullPage = true });

        // The levels calculator, prefilled with the last price.
        await page.ClickAsync("#levels-form button");
        await page.WaitForSelectorAsync("#levels table tbody tr", new WaitForSelectorOptions { Timeout = 10_000 });
        Assert.Equal(12, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#levels tbody tr').length"));

        // Switching to ETHUSDT re-renders: the store has its trades but no candles, so the page says so and shows the trade map.
        await page.SelectAsync("#symbol", "ETHUSDT");
        await page.WaitForFunctionAsync("() => document.body.dataset.rendered === 'ETHUSDT'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Contains("ETHUSDT", await page.EvaluateExpressionAsync<string>("document.querySelector('#endmap .gtitle').textContent"), StringComparison.Ordinal);
        Assert.True(await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#endmap .barlayer .point').length") > 10);
        Assert.Contains("no candles", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#levels tbody tr').length")); // BTC rows cleared
        Assert.InRange(await page.EvaluateExpressionAsync<double>("Number(document.getElementById('entry').value)"), 1_000, 10_000); // ETH's price
        await page.ClickAsync("#levels-form button");
        await page.WaitForFunctionAsync("() => document.querySelector('#levels p')?.textContent.startsWith('ETHUSDT')", new WaitForFunctionOptions { Timeout = 10_000 });
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "heatmap-page-ethusdt.png"), new ScreenshotOptions { FullPage = true });
        Assert.Empty(failed);
    }

    [Fact]
    [Trait(RequiredTools.Trait, "chromium")]
    public async Task Page_sums_the_venues_chosen_and_names_them_and_a_venue_without_data_is_a_notice()
    {
        var chromium = RequiredTools.Chromium();
        await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"]));
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1900 });
        // A link carrying the question: January 2026, Binance + Hyperliquid on Binance's price path.
        await page.GoToAsync(new Uri(api.Urls[0], "/?symbol=BTCUSDT&interval=1h&from=2026-01-01&to=2026-01-31&venues=binance,hyperliquid&price_venue=binance").ToString(),
            WaitUntilNavigation.Load);
        await page.WaitForFunctionAsync("() => document.body.dataset.rendered === 'BTCUSDT'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Contains("venues binance + hyperliquid (hyperliquid on binance prices)",
            await page.EvaluateExpressionAsync<string>("document.querySelector('#heatmap .gtitle').textContent"), StringComparison.Ordinal);
        Assert.Equal("binance,hyperliquid", await page.EvaluateExpressionAsync<string>(
            "[...document.querySelectorAll('#venues input:checked')].map(i => i.value).join(',')"));
        Assert.Contains("hyperliquid BTC open", await page.EvaluateExpressionAsync<string>("document.getElementById('summary').textContent"), StringComparison.Ordinal);
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "heatmap-page-venues.png"), new ScreenshotOptions { FullPage = true });

        // Adding Bybit (candles, no open interest in the snapshot): the page says which venue lacks what.
        await page.ClickAsync("#venues input[value=bybit]");
        await page.ClickAsync("#controls button");
        await page.WaitForFunctionAsync("() => document.body.dataset.rendered === 'error:BTCUSDT'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.StartsWith("bybit: no 1h open interest of BTCUSDT", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"), StringComparison.Ordinal);

        // Binance alone is the default heatmap (no venues parameter): its title names no venue set.
        await page.ClickAsync("#venues input[value=bybit]");
        await page.ClickAsync("#venues input[value=hyperliquid]");
        await page.ClickAsync("#controls button");
        await page.WaitForFunctionAsync("() => document.body.dataset.rendered === 'BTCUSDT'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.DoesNotContain("venues", await page.EvaluateExpressionAsync<string>("document.querySelector('#heatmap .gtitle').textContent"), StringComparison.Ordinal);
    }
}
