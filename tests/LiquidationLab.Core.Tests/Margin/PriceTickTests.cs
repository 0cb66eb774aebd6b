using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

public class PriceTickTests
{
    private const string Table = """
        { "symbol": "XRPUSDT", "effectiveDate": "2024-10-24", "source": "test", "tickSize": "0.0001",
          "brackets": [ { "bracket": 1, "initialLeverage": 75, "notionalFloor": 0, "notionalCap": 10000, "maintMarginRatio": 0.005, "cum": 0 } ] }
        """;

    [Theory]
    [InlineData("0.10", 1)]
    [InlineData("0.0100", 2)]
    [InlineData("0.010", 2)]
    [InlineData("0.0001", 4)]
    [InlineData("1", 0)]
    [InlineData("5", 0)]
    [InlineData("0.00000001", 8)]
    public void Decimals_are_those_of_the_tick_without_trailing_zeros(string tick, int decimals) =>
        Assert.Equal(decimals, PriceTicks.Decimals(decimal.Parse(tick, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void The_tick_size_is_read_written_and_read_back_exactly()
    {
        var t = LeverageBracketTableJson.Parse(Table, "XRPUSDT.json");
        Assert.Equal(0.0001m, t.TickSize);
        Assert.Equal(4, t.PriceDecimals);
        var again = LeverageBracketTableJson.Parse(LeverageBracketTableJson.Serialize(t), "again");
        Assert.Equal(0.0001m, again.TickSize);
    }

    [Fact]
    public void A_table_without_a_tick_shows_two_decimals_and_a_bad_tick_names_the_field()
    {
        Assert.Equal(2, LeverageBracketTableJson.Parse(Table.Replace("\"tickSize\": \"0.0001\",", "", StringComparison.Ordinal), "t").PriceDecimals);
        var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketTableJson.Parse(Table.Replace("\"0.0001\"", "\"-1\"", StringComparison.Ordinal), "bad.json"));
        Assert.Contains("tickSize", e.Message, StringComparison.Ordinal);
        Assert.Throws<LeverageBracketTableException>(() => LeverageBracketTableJson.Parse(Table.Replace("\"0.0001\"", "\"x\"", StringComparison.Ordinal), "bad.json"));
    }

    [Fact]
    public void Every_shipped_tier_table_carries_its_tick()
    {
        var dir = Path.Combine(FindRoot(), "data", "tiers", "binance-usdm");
        foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
            Assert.True(LeverageBracketTableJson.Parse(File.ReadAllText(file), file).TickSize is > 0m, file);
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
