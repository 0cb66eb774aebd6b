using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests;

/// <summary>Issue 32: the levels of one position on each venue, asked of <c>liqlab levels --venue</c>, the API's <c>venue</c>
/// parameter and the notebook facade, are the same numbers.</summary>
public sealed partial class SameQuestionTests
{
    [Theory]
    [InlineData("binance", "BTCUSDT", "67000", "2")]
    [InlineData("bybit", "BTCUSDT", "67000", "2")]
    [InlineData("okx", "BTC-USDT-SWAP", "67000", "1.5")]
    [InlineData("hyperliquid", "BTC", "67000", "2")]
    public async Task Levels_on_every_venue_are_the_same_numbers_everywhere(string venue, string symbol, string entry, string quantity)
    {
        var cli = await CliRunner.Run("levels", "--venue", venue, "--symbol", symbol, "--entry", entry, "--quantity", quantity, "--margin", "both", "--json");
        Assert.True(cli.Exit == 0, cli.Err);
        using var cliDoc = JsonDocument.Parse(cli.Out);

        var response = await _http.GetAsync(new Uri($"/liquidations/levels?venue={venue}&symbol={symbol}&entry_price={entry}&quantity={quantity}&margin=both", UriKind.Relative));
        var apiText = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, apiText);
        using var apiDoc = JsonDocument.Parse(apiText);

        using var lab = Lab.Open(RealSnapshot.StorePath);
        var notebook = lab.Levels(symbol, double.Parse(entry, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture), margin: "isolated,cross", venue: venue).Document();

        Assert.Equal(venue, notebook.Venue);
        Assert.Equal((venue, symbol, notebook.BracketsSource), (cliDoc.RootElement.GetProperty("venue").GetString(), cliDoc.RootElement.GetProperty("symbol").GetString(), cliDoc.RootElement.GetProperty("bracketsSource").GetString()));
        Assert.Equal((venue, symbol, notebook.BracketsSource), (apiDoc.RootElement.GetProperty("venue").GetString(), apiDoc.RootElement.GetProperty("symbol").GetString(), apiDoc.RootElement.GetProperty("brackets_source").GetString()));
        var cliRows = cliDoc.RootElement.GetProperty("levels").EnumerateArray().ToArray();
        var apiRows = apiDoc.RootElement.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(notebook.Levels.Count, cliRows.Length);
        Assert.Equal(notebook.Levels.Count, apiRows.Length);
        Assert.Contains(notebook.Levels, l => l.LiquidationPrice is not null);
        static decimal? Dec(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDecimal();
        for (var i = 0; i < notebook.Levels.Count; i++)
        {
            var row = notebook.Levels[i];
            Assert.Equal((row.Leverage, row.Side, row.MarginMode, row.LiquidationPrice, row.Bracket, row.Rejection),
                (cliRows[i].GetProperty("leverage").GetInt32(), cliRows[i].GetProperty("side").GetString(), cliRows[i].GetProperty("marginMode").GetString(),
                    Dec(cliRows[i].GetProperty("liquidationPrice")), cliRows[i].GetProperty("bracket").ValueKind == JsonValueKind.Null ? null : cliRows[i].GetProperty("bracket").GetInt32(),
                    cliRows[i].GetProperty("rejection").GetString()));
            Assert.Equal((row.Leverage, row.Side, row.MarginMode, row.LiquidationPrice, row.Bracket, row.Rejection),
                (apiRows[i].GetProperty("leverage").GetInt32(), apiRows[i].GetProperty("side").GetString(), apiRows[i].GetProperty("margin_mode").GetString(),
                    Dec(apiRows[i].GetProperty("liquidation_price")), apiRows[i].GetProperty("bracket").ValueKind == JsonValueKind.Null ? null : apiRows[i].GetProperty("bracket").GetInt32(),
                    apiRows[i].GetProperty("rejection").GetString()));
        }
    }
}
