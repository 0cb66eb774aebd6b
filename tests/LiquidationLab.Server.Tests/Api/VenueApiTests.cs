using System.Net;
using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>Issue 32: the <c>venue</c> parameter of <c>/liquidations/levels</c> and <c>/liquidations/symbols</c>.</summary>
public sealed class VenueApiTests : RealSnapshotApiTests
{
    private static decimal? Dec(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDecimal();

    [Theory]
    [InlineData("bybit", Venue.BybitLinear, "BTCUSDT", "60000", "2")]
    [InlineData("okx", Venue.OkxSwap, "BTC-USDT-SWAP", "60000", "1")]
    [InlineData("hyperliquid", Venue.Hyperliquid, "BTC", "60000", "3")]
    [InlineData("binance", Venue.BinanceUsdm, "BTCUSDT", "60000", "1")]
    public async Task Levels_on_a_venue_are_the_application_layers_rows_and_name_the_venue_and_table(string name, Venue venue, string symbol, string entry, string quantity)
    {
        var (status, body, _) = await Get($"/liquidations/levels?venue={name}&symbol={symbol}&entry_price={entry}&quantity={quantity}&margin=both");
        Assert.Equal(HttpStatusCode.OK, status);
        var direct = Api.Analysis.Levels(new LevelsQuery(symbol, decimal.Parse(entry), decimal.Parse(quantity), LevelsQuery.DefaultLeverages,
            [MarginMode.Isolated, MarginMode.Cross], [PositionSide.Long, PositionSide.Short], Venue: venue)).Document();
        Assert.Equal((name, symbol, direct.BracketsEffectiveDate, direct.BracketsSource),
            (body.GetProperty("venue").GetString(), body.GetProperty("symbol").GetString(), body.GetProperty("brackets_effective_date").GetString(), body.GetProperty("brackets_source").GetString()));
        var levels = body.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(direct.Levels.Count, levels.Length);
        Assert.Contains(levels, l => l.GetProperty("liquidation_price").ValueKind == JsonValueKind.Number);
        foreach (var (row, json) in direct.Levels.Zip(levels))
        {
            Assert.Equal((row.Leverage, row.Side, row.MarginMode), (json.GetProperty("leverage").GetInt32(), json.GetProperty("side").GetString(), json.GetProperty("margin_mode").GetString()));
            Assert.Equal(row.LiquidationPrice, Dec(json.GetProperty("liquidation_price")));
            Assert.Equal(row.MaintenanceMarginRate, Dec(json.GetProperty("maintenance_margin_rate")));
            Assert.Equal(row.MaintenanceAmountUsd, Dec(json.GetProperty("maintenance_amount_usd")));
            Assert.Equal(row.Rejection, json.GetProperty("rejection").GetString());
        }
    }

    [Fact]
    public async Task An_unknown_venue_is_a_400_naming_venue_and_listing_the_four()
    {
        var (status, body, _) = await Get("/liquidations/levels?venue=kraken&entry_price=60000");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("venue", body.GetProperty("parameter").GetString());
        var detail = body.GetProperty("detail").GetString()!;
        foreach (var name in new[] { "binance", "bybit", "okx", "hyperliquid" }) Assert.Contains(name, detail, StringComparison.Ordinal);
        var (symbolsStatus, symbolsBody, _) = await Get("/liquidations/symbols?venue=kraken");
        Assert.Equal((HttpStatusCode.BadRequest, "venue"), (symbolsStatus, symbolsBody.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task An_instrument_without_a_table_is_a_404_naming_symbol_and_listing_the_venues_instruments_without_paths()
    {
        var (status, body, _) = await Get("/liquidations/levels?venue=okx&symbol=ETH-USDT-SWAP&entry_price=3000");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("symbol", body.GetProperty("parameter").GetString());
        var detail = body.GetProperty("detail").GetString()!;
        Assert.Contains("BTC-USDT-SWAP", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("/", detail.Replace("data/tiers/okx-swap/<INSTRUMENT>.json", "", StringComparison.Ordinal).Replace("data/README.md", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var (traversal, tb, _) = await Get("/liquidations/levels?venue=hyperliquid&symbol=..%2Fbinance-usdm%2FBTCUSDT&entry_price=3000");
        Assert.Equal((HttpStatusCode.NotFound, "symbol"), (traversal, tb.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task Symbols_list_each_venues_instruments_and_binance_by_default()
    {
        var (_, binance, _) = await Get("/liquidations/symbols");
        Assert.Equal(Api.Analysis.Tiers.Symbols, binance.EnumerateArray().Select(s => s.GetProperty("symbol").GetString()));
        Assert.All(binance.EnumerateArray(), s => Assert.Equal("binance", s.GetProperty("venue").GetString()));
        foreach (var venue in VenueInfo.All.Where(v => v != Venue.BinanceUsdm))
        {
            var (status, list, _) = await Get($"/liquidations/symbols?venue={VenueInfo.Name(venue)}");
            Assert.Equal(HttpStatusCode.OK, status);
            var rows = list.EnumerateArray().ToArray();
            Assert.Equal(Api.Analysis.Venues.Instruments(venue), rows.Select(s => s.GetProperty("symbol").GetString()));
            foreach (var row in rows)
            {
                var tiers = Api.Analysis.Venues.Get(venue, row.GetProperty("symbol").GetString()!).Tiers;
                Assert.Equal(VenueInfo.Name(venue), row.GetProperty("venue").GetString());
                Assert.Equal(tiers.MaxLeverage, row.GetProperty("max_leverage").GetDecimal());
                Assert.Equal(0, row.GetProperty("agg_trades").GetInt64()); // the store's market data is Binance's
            }
        }
        var (_, okx, _) = await Get("/liquidations/symbols?venue=okx");
        Assert.Contains(okx.EnumerateArray(), s => s.GetProperty("symbol").GetString() == "BTC-USDT-SWAP");
    }

    [Fact]
    public async Task The_openapi_document_describes_the_venue_parameter_and_each_venues_instruments()
    {
        var (_, doc, _) = await Get("/openapi/v1.json");
        var levels = doc.GetProperty("paths").GetProperty("/liquidations/levels").GetProperty("get");
        var venue = levels.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "venue");
        Assert.Contains("hyperliquid", venue.GetProperty("description").GetString(), StringComparison.Ordinal);
        var description = levels.GetProperty("description").GetString()!;
        Assert.Contains("okx (BTC-USDT-SWAP)", description, StringComparison.Ordinal);
        Assert.Contains("hyperliquid (BTC, ETH)", description, StringComparison.Ordinal);
    }
}
