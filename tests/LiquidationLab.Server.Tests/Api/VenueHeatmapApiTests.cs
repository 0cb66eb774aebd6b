using System.Net;
using System.Text.Json;
using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Server.Tests.Api;

/// <summary><c>GET /liquidations/heatmap?venues=…</c> on the real snapshot: Binance USDⓈ-M candles and Coinglass OI, Hyperliquid
/// OI without candles, Bybit and OKX candles without OI (January 2026, hourly).</summary>
public sealed class VenueHeatmapApiTests : IAsyncLifetime, IDisposable
{
    private LiquidationApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"]));
        _http = new HttpClient { BaseAddress = _api.Urls[0] };
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string url)
    {
        var response = await _http.GetAsync(new Uri(url, UriKind.Relative));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private const string January = "symbol=BTC&interval=1h&from=2026-01-01&to=2026-01-31";

    [Fact]
    public async Task An_aggregated_heatmap_names_its_venues_and_each_series_and_sums_the_per_venue_values()
    {
        var (status, body) = await Get($"/liquidations/heatmap?{January}&venues=binance,hyperliquid&price_venue=binance");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["binance", "hyperliquid"], body.GetProperty("venues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("binance + hyperliquid", body.GetProperty("venue_set").GetString());
        var perVenue = body.GetProperty("per_venue").EnumerateArray().ToArray();
        Assert.Equal(2, perVenue.Length);
        var hl = perVenue[1];
        Assert.Equal("BTC", hl.GetProperty("instrument").GetString());
        Assert.Equal("group-m-hourly", hl.GetProperty("open_interest").GetProperty("source").GetString());
        Assert.Equal("hyperliquid", hl.GetProperty("open_interest").GetProperty("store_venue").GetString());
        Assert.Equal("binance-usdm", hl.GetProperty("candles").GetProperty("store_venue").GetString());
        Assert.Equal("coinglass", perVenue[0].GetProperty("open_interest").GetProperty("source").GetString());
        Assert.Equal("BTCUSDT", perVenue[0].GetProperty("instrument").GetString());
        Assert.StartsWith("Hyperliquid", hl.GetProperty("tier_table").GetProperty("source").GetString(), StringComparison.Ordinal);

        // values is the cell-by-cell sum of the per-venue values (each rounded to the dollar: within a dollar of the sum).
        var total = body.GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var parts = perVenue.Select(p => p.GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray()).ToArray();
        var nonZero = 0;
        for (var b = 0; b < total.Length; b++)
            for (var t = 0; t < total[b].Length; t++)
            {
                Assert.True(Math.Abs(total[b][t] - (parts[0][b][t] + parts[1][b][t])) <= 1, $"cell {b},{t}");
                if (parts[1][b][t] > 0) nonZero++;
            }
        Assert.True(nonZero > 100, $"{nonZero} cells of Hyperliquid's map are non-zero");
        Assert.Contains("venues binance + hyperliquid", body.GetProperty("summary").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_default_heatmap_names_binance_and_has_no_per_venue_part()
    {
        var (status, body) = await Get("/liquidations/heatmap?symbol=BTCUSDT&interval=1h&from=2026-01-01&to=2026-01-03");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["binance"], body.GetProperty("venues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("per_venue").ValueKind);
        Assert.Equal("BTCUSDT", body.GetProperty("symbol").GetString());
    }

    [Theory]
    [InlineData("venues=binance,bybit", 404, "venues", "bybit: no 1h open interest of BTCUSDT")]
    [InlineData("venues=binance,hyperliquid", 404, "venues", "price_venue=binance")]
    [InlineData("venues=okx", 404, "venues", "okx: no 1h open interest of BTC-USDT-SWAP")]
    [InlineData("venues=hyperliquid&price_venue=hyperliquid", 400, "price_venue", "hyperliquid has no 1h perp candles of BTC")]
    public async Task A_venue_lacking_data_is_an_error_naming_the_parameter_and_the_fix(string venues, int expected, string parameter, string detail)
    {
        var (status, body) = await Get($"/liquidations/heatmap?{January}&{venues}");
        Assert.Equal((HttpStatusCode)expected, status);
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
        Assert.Contains(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_venues_answers_with_the_venues_that_have_data_and_names_those_left_out()
    {
        var (status, body) = await Get($"/liquidations/heatmap?{January}&venues=all");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["binance"], body.GetProperty("venues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["bybit", "okx", "hyperliquid"], body.GetProperty("left_out").EnumerateArray().Select(v => v.GetProperty("venue").GetString()));
    }

    [Fact]
    public async Task The_openapi_document_describes_venues_and_price_venue()
    {
        var (_, openapi) = await Get("/openapi/v1.json");
        var parameters = openapi.GetProperty("paths").GetProperty("/liquidations/heatmap").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("description").GetString()!);
        Assert.Contains("binance, bybit, okx, hyperliquid", parameters["venues"], StringComparison.Ordinal);
        Assert.Contains("price path", parameters["price_venue"], StringComparison.Ordinal);
    }
}
