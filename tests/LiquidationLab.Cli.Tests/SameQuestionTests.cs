using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Analysis;
using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests;

/// <summary>
/// One question, three front ends: <c>liqlab</c>, the REST API and the notebook facade (<see cref="Lab"/>) are asked the
/// same thing with nothing but what a user would type, and must give the same numbers — the defaults live in the queries,
/// not in the front ends (a notebook once drew 576 heatmap columns where the CLI drew 960 for the same 30 days).
/// </summary>
public sealed partial class SameQuestionTests : IAsyncLifetime, IDisposable
{
    private LiquidationApi _api = null!;
    private HttpClient _http = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-same-").FullName;

    public async Task InitializeAsync()
    {
        _api = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"]));
        _http = new HttpClient { BaseAddress = _api.Urls[0] };
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex(@"<script>\(function\(\)\{var f=(\{.*?\});Plotly\.newPlot", RegexOptions.Singleline)]
    private static partial Regex FigureScript();

    [Fact]
    public async Task A_30_day_heatmap_has_the_same_columns_and_values_everywhere()
    {
        const string from = "2026-05-22", to = "2026-06-20";
        using var lab = Lab.Open(RealSnapshot.StorePath);
        var notebook = lab.Heatmap("BTCUSDT", "5m", from, to);
        Assert.True(notebook.Grid.Times.Count > 600, $"{notebook.Grid.Times.Count} columns"); // 30 days of 5-minute candles, ≤ 1,000 columns

        using var api = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"/liquidations/heatmap?from={from}&to={to}", UriKind.Relative)));
        var apiTimes = api.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDateTime()).ToArray();
        Assert.Equal(notebook.Grid.Times, apiTimes);
        var values = api.RootElement.GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        for (var b = 0; b < notebook.Grid.Price.Count; b++)
            for (var t = 0; t < apiTimes.Length; t++)
                Assert.Equal(Math.Round(notebook.Grid.Values[b, t]), values[b][t]);
        Assert.Equal(notebook.Summary, api.RootElement.GetProperty("summary").GetString());

        var html = Path.Combine(_dir, "heatmap.html");
        var cli = await CliRunner.Run("heatmap", "--db", RealSnapshot.StorePath, "--from", from, "--to", to, "--out", html);
        Assert.True(cli.Exit == 0, cli.Err);
        Assert.Contains($"{notebook.Grid.Price.Count} price bins × {notebook.Grid.Times.Count} columns", cli.Out, StringComparison.Ordinal);
        using var figure = JsonDocument.Parse(FigureScript().Match(await File.ReadAllTextAsync(html)).Groups[1].Value);
        var trace = figure.RootElement.GetProperty("data")[0];
        Assert.Equal(notebook.Grid.Times.Count, trace.GetProperty("x").GetArrayLength());
        var z = trace.GetProperty("z").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0)).Sum();
        var total = 0.0;
        foreach (var v in notebook.Grid.Values) total += v;
        Assert.Equal(total, z, total * 1e-9);
    }

    [Fact]
    public async Task A_backtest_is_the_same_document_everywhere()
    {
        // The 4-hour Binance totals with Coinglass's all-exchange OI; the frozen configuration, 2,000 resamples: the defaults.
        string[] args = ["--interval", "4h", "--market", "perp", "--oi-symbol", "BTC", "--from", "2024-11-21", "--test-from", "2025-06-01", "--test-to", "2025-09-30"];
        var cli = await CliRunner.Run(["backtest", "--db", RealSnapshot.StorePath, "--json", .. args]);
        Assert.True(cli.Exit == 0, cli.Err);

        var response = await _http.GetAsync(new Uri("/liquidations/backtest?interval=4h&market=perp&oi_symbol=BTC&from=2024-11-21&test_from=2025-06-01&test_to=2025-09-30", UriKind.Relative));
        var api = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, api);

        using var lab = Lab.Open(RealSnapshot.StorePath);
        var notebook = lab.Backtest("BTCUSDT", "4h", "2025-06-01", "2024-11-21", "2025-09-30", "perp", openInterestSymbol: "BTC");

        Assert.Equal(notebook.ToJson(), cli.Out.TrimEnd());
        Assert.Equal(notebook.ToJson(), api);
        using var doc = JsonDocument.Parse(api);
        Assert.Equal(2000, doc.RootElement.GetProperty("settings").GetProperty("resamples").GetInt32());
        Assert.Equal("touch model (absolute, stacked)", doc.RootElement.GetProperty("models")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_aggregated_heatmap_of_binance_and_hyperliquid_is_the_same_everywhere()
    {
        // The snapshot's January 2026: Binance USDⓈ-M candles and Coinglass OI; Hyperliquid OI on Binance's price path.
        const string from = "2026-01-01", to = "2026-01-31";
        using var lab = Lab.Open(RealSnapshot.StorePath);
        var notebook = lab.Heatmap("BTC", "1h", from, to, venues: "binance,hyperliquid", priceVenue: "binance");
        Assert.Equal(["binance", "hyperliquid"], notebook.VenueNames);

        using var api = JsonDocument.Parse(await _http.GetStringAsync(new Uri(
            $"/liquidations/heatmap?symbol=BTC&interval=1h&from={from}&to={to}&venues=binance,hyperliquid&price_venue=binance", UriKind.Relative)));
        Assert.Equal(notebook.Grid.Times, api.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDateTime()).ToArray());
        var values = api.RootElement.GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        for (var b = 0; b < notebook.Grid.Price.Count; b++)
            for (var t = 0; t < notebook.Grid.Times.Count; t++)
                Assert.Equal(Math.Round(notebook.Grid.Values[b, t]), values[b][t]);
        Assert.Equal(notebook.Summary, api.RootElement.GetProperty("summary").GetString());
        Assert.Equal(["binance", "hyperliquid"], api.RootElement.GetProperty("venues").EnumerateArray().Select(v => v.GetString()));

        var html = Path.Combine(_dir, "venues.html");
        var cli = await CliRunner.Run("heatmap", "--db", RealSnapshot.StorePath, "--symbol", "BTC", "--interval", "1h", "--from", from, "--to", to,
            "--venues", "binance,hyperliquid", "--price-venue", "binance", "--out", html);
        Assert.True(cli.Exit == 0, cli.Err);
        Assert.Contains($"{notebook.Grid.Price.Count} price bins × {notebook.Grid.Times.Count} columns", cli.Out, StringComparison.Ordinal);
        Assert.Contains("hyperliquid BTC: open interest hyperliquid BTC group-m-hourly 1h", cli.Out, StringComparison.Ordinal);
        var page = await File.ReadAllTextAsync(html);
        Assert.Contains("venues binance + hyperliquid (hyperliquid on binance prices)", page, StringComparison.Ordinal);
        using var figure = JsonDocument.Parse(FigureScript().Match(page).Groups[1].Value);
        var z = figure.RootElement.GetProperty("data")[0].GetProperty("z").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0)).Sum();
        var total = 0.0;
        foreach (var v in notebook.Grid.Values) total += v;
        Assert.Equal(total, z, total * 1e-9);
    }

    [Fact]
    public async Task A_venue_without_data_is_an_error_in_the_cli_naming_it_and_the_option_to_use()
    {
        var bybit = await CliRunner.Run("heatmap", "--db", RealSnapshot.StorePath, "--symbol", "BTC", "--interval", "1h", "--from", "2026-01-01", "--to", "2026-01-31",
            "--venues", "binance,bybit", "--out", Path.Combine(_dir, "x.html"));
        Assert.NotEqual(0, bybit.Exit);
        Assert.Contains("bybit: no 1h open interest of BTCUSDT", bybit.Err, StringComparison.Ordinal);
        var hyperliquid = await CliRunner.Run("heatmap", "--db", RealSnapshot.StorePath, "--symbol", "BTC", "--interval", "1h", "--venues", "hyperliquid", "--out", Path.Combine(_dir, "x.html"));
        Assert.NotEqual(0, hyperliquid.Exit);
        Assert.Contains("--price-venue", hyperliquid.Err, StringComparison.Ordinal);
        var unknown = await CliRunner.Run("heatmap", "--db", RealSnapshot.StorePath, "--venues", "binance,ftx", "--out", Path.Combine(_dir, "x.html"));
        Assert.NotEqual(0, unknown.Exit);
        Assert.Contains("--venues: 'ftx' is not a venue", unknown.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.html")));
    }
}
