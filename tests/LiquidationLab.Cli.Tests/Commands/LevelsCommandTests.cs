using System.Text.Json;

namespace LiquidationLab.Cli.Tests.Commands;

public class LevelsCommandTests
{
    [Fact]
    public async Task Readme_command_prints_the_table_with_the_hand_worked_10x_prices()
    {
        var (exit, output, err) = await CliRunner.Run("levels", "--symbol", "BTCUSDT", "--entry", "67000");
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Contains("60,552.8", output, StringComparison.Ordinal);   // 10x long 60,552.7638…, see the Core tests, to BTCUSDT's 0.10 tick
        Assert.Contains("73,383.1", output, StringComparison.Ordinal);   // 10x short 73,383.08…
        Assert.Contains("max 100x at this notional", output, StringComparison.Ordinal); // 125x on 67,000 USDT
        foreach (var header in new[] { "Leverage", "Side", "Bracket", "MMR", "Liquidation price", "Distance %", "Risk" })
            Assert.Contains(header, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prices_show_the_symbols_tick_not_two_decimals()
    {
        // XRPUSDT's tick is 0.0001: at 0.5234 two decimals showed entry "0.52" and 50x liquidation prices "0.52"/"0.53".
        var (exit, output, _) = await CliRunner.Run("levels", "--symbol", "XRPUSDT", "--entry", "0.5234", "--leverage", "50");
        Assert.Equal(0, exit);
        Assert.Contains("@ 0.5234 USDT", output, StringComparison.Ordinal);
        Assert.Contains("0.5155", output, StringComparison.Ordinal); // 50x long: 0.5234 × (1 − 1/50) / (1 − 0.005) = 0.515509…
        Assert.Contains("0.5312", output, StringComparison.Ordinal); // 50x short: 0.5234 × (1 + 1/50) / (1 + 0.005) = 0.531211…
        var (_, json, _) = await CliRunner.Run("levels", "--symbol", "XRPUSDT", "--entry", "0.5234", "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(0.0001m, doc.RootElement.GetProperty("tickSize").GetDecimal());
        Assert.Equal(4, doc.RootElement.GetProperty("priceDecimals").GetInt32());
    }

    [Fact]
    public async Task Json_output_carries_every_row_and_field()
    {
        var (exit, output, _) = await CliRunner.Run("levels", "--entry", "67000", "--leverage", "10,125", "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var levels = doc.RootElement.GetProperty("levels");
        Assert.Equal(4, levels.GetArrayLength());
        var long10 = levels[0];
        Assert.Equal(10, long10.GetProperty("leverage").GetInt32());
        Assert.Equal("long", long10.GetProperty("side").GetString());
        Assert.Equal(2, long10.GetProperty("bracket").GetInt32());
        Assert.Equal(60_552.7638191m, long10.GetProperty("liquidationPrice").GetDecimal());
        Assert.Equal("medium", long10.GetProperty("risk").GetString());
        Assert.Equal(JsonValueKind.Null, levels[2].GetProperty("liquidationPrice").ValueKind);
        Assert.Equal("max 100x at this notional", levels[2].GetProperty("rejection").GetString());
    }

    [Fact]
    public async Task Cross_mode_uses_the_account_options()
    {
        var (exit, output, _) = await CliRunner.Run("levels", "--entry", "67000", "--leverage", "20", "--side", "long",
            "--margin", "cross", "--wallet-balance", "10000", "--other-mm", "500", "--other-upnl", "-1000", "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var row = doc.RootElement.GetProperty("levels")[0];
        Assert.Equal("cross", row.GetProperty("marginMode").GetString());
        Assert.Equal(58_743.71859296m, row.GetProperty("liquidationPrice").GetDecimal());
    }

    [Fact]
    public async Task Unknown_symbol_fails_with_a_clear_message()
    {
        var (exit, _, err) = await CliRunner.Run("levels", "--symbol", "DOGEUSDT", "--entry", "0.1");
        Assert.Equal(1, exit);
        Assert.StartsWith("liqlab: No leverage-bracket table for symbol 'DOGEUSDT'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--entry", "-5", "--entry: the entry price must be > 0 USDT, found -5.")]
    [InlineData("--quantity", "0", "--quantity: the position quantity must be > 0 (base units), found 0.")]
    public async Task Invalid_numbers_fail_in_one_line(string option, string value, string expected)
    {
        var args = option == "--entry" ? new[] { "levels", option, value } : new[] { "levels", "--entry", "67000", option, value };
        var (exit, _, err) = await CliRunner.Run(args);
        Assert.Equal(1, exit);
        Assert.Equal($"liqlab: {expected}", err.Trim());
    }

    [Fact]
    public async Task Bad_leverage_list_is_a_usage_error()
    {
        var (exit, _, err) = await CliRunner.Run("levels", "--entry", "67000", "--leverage", "5,abc");
        Assert.NotEqual(0, exit);
        Assert.Contains("--leverage: 'abc' is not a whole number ≥ 1.", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Venue_bybit_prints_the_venues_tiers_and_names_the_venue()
    {
        var (exit, output, err) = await CliRunner.Run("levels", "--venue", "bybit", "--symbol", "BTCUSDT", "--entry", "20000", "--leverage", "50", "--side", "long");
        Assert.True(exit == 0, err);
        Assert.Contains("bybit BTCUSDT 1 @ 20,000", output, StringComparison.Ordinal);
        Assert.Contains("tiers effective", output, StringComparison.Ordinal);
        Assert.Contains("Tier", output, StringComparison.Ordinal);
        Assert.Contains("19,700", output, StringComparison.Ordinal); // Bybit's worked example: 1 BTC long at 20,000, 50x, MMR 0.5 % → 19,700
    }

    [Fact]
    public async Task Venue_json_names_the_venue_and_its_tables_source()
    {
        var (exit, output, err) = await CliRunner.Run("levels", "--venue", "hyperliquid", "--symbol", "BTC", "--entry", "60000", "--leverage", "10,50", "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("hyperliquid", doc.RootElement.GetProperty("venue").GetString());
        Assert.Equal("BTC", doc.RootElement.GetProperty("symbol").GetString());
        Assert.Contains("Hyperliquid", doc.RootElement.GetProperty("bracketsSource").GetString(), StringComparison.Ordinal);
        Assert.Equal("max 40x at this size", doc.RootElement.GetProperty("levels")[2].GetProperty("rejection").GetString()); // 50x long
    }

    [Theory]
    [InlineData("kraken", "BTCUSDT", "liqlab: --venue: expected one of binance, bybit, okx, hyperliquid, found 'kraken'.")]
    [InlineData("okx", "ETH-USDT-SWAP", "liqlab: No okx tier table for 'ETH-USDT-SWAP'; okx has tables for: BTC-USDT-SWAP.")]
    public async Task Venue_errors_name_the_option_and_list_what_exists(string venue, string symbol, string expected)
    {
        var (exit, _, err) = await CliRunner.Run("levels", "--venue", venue, "--symbol", symbol, "--entry", "3000");
        Assert.Equal(1, exit);
        Assert.StartsWith(expected, err.Trim(), StringComparison.Ordinal);
    }
}
