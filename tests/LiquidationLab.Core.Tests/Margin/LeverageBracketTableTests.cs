using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

public class LeverageBracketTableTests
{
    private static LeverageBracketTableException ParseFails(string json) =>
        Assert.Throws<LeverageBracketTableException>(() => LeverageBracketTableJson.Parse(json, "tiers/TEST.json"));

    private static string Table(string brackets) =>
        $$"""{ "symbol": "TESTUSDT", "effectiveDate": "2026-01-01", "source": "unit test", "brackets": [ {{brackets}} ] }""";

    private const string B1 = """{ "bracket": 1, "initialLeverage": 125, "notionalFloor": 0, "notionalCap": 50000, "maintMarginRatio": 0.004, "cum": 0 }""";

    [Fact]
    public void Seed_table_parses_with_all_ten_brackets_and_exact_decimals()
    {
        var t = Fixtures.BtcUsdt;
        Assert.Equal("BTCUSDT", t.Symbol);
        Assert.Equal(new DateOnly(2026, 11, 23), t.EffectiveDate);
        Assert.Equal(10, t.Brackets.Count);
        Assert.Equal(125, t.MaxInitialLeverage);
        Assert.Equal(500_000_000m, t.MaxNotionalUsd);
        Assert.Equal(0.004m, t.Brackets[0].MaintenanceMarginRate);
        Assert.Equal(100_016_300m, t.Brackets[9].MaintenanceAmountUsd);
        Assert.Equal(0.5m, t.Brackets[9].MaintenanceMarginRate);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(49_999.99, 1)]
    [InlineData(50_000, 2)]          // half-open [floor, cap): a notional on the boundary belongs to the upper bracket
    [InlineData(67_000, 2)]          // the seed's formula reference wrongly put 67,000 USDT in bracket 1
    [InlineData(264_000, 3)]         // Binance FAQ: a 264,000 USDT BTCUSDT position has MMR 1 %
    [InlineData(500_000, 3)]         // Binance FAQ: a 500,000 USDT BTCUSDT position has maintenance amount 1,300
    [InlineData(3_500_032.458, 4)]
    [InlineData(500_000_000, 10)]    // the last bracket includes its cap
    public void Bracket_is_found_by_notional(double notional, int expectedBracket)
    {
        Assert.Equal(expectedBracket, Fixtures.BtcUsdt.FindByNotional((decimal)notional).Number);
    }

    [Fact]
    public void Binance_faq_examples_for_mmr_and_maintenance_amount_hold()
    {
        // "if the position size of a USDT-margined BTCUSDT contract is 264,000 USDT, the maintenance margin rate would be 1%"
        Assert.Equal(0.01m, Fixtures.BtcUsdt.FindByNotional(264_000m).MaintenanceMarginRate);
        // "if the position size ... is 500,000 USDT, then the maintenance amount would be 1,300 USDT"
        Assert.Equal(1_300m, Fixtures.BtcUsdt.FindByNotional(500_000m).MaintenanceAmountUsd);
        // FAQ cross example: maintenance margin of BTCUSDT = 3,500,032.458 × 2.50 % − 16,300.
        // By hand: 3,500,032.458 × 0.025 = 87,500.81145; − 16,300 = 71,200.81145 (the FAQ prints it truncated, 71,200.81144).
        Assert.Equal(71_200.81145m, Fixtures.BtcUsdt.MaintenanceMarginUsd(3_500_032.458m));
    }

    [Fact]
    public void Maintenance_margin_is_continuous_at_every_bracket_boundary()
    {
        var t = Fixtures.BtcUsdt;
        for (var i = 1; i < t.Brackets.Count; i++)
        {
            var boundary = t.Brackets[i].NotionalFloorUsd;
            Assert.Equal(t.Brackets[i - 1].MaintenanceMarginUsd(boundary), t.Brackets[i].MaintenanceMarginUsd(boundary));
        }
        // e.g. at 50,000: 50,000 × 0.004 − 0 = 200 = 50,000 × 0.005 − 50
        Assert.Equal(200m, t.MaintenanceMarginUsd(50_000m));
    }

    [Theory]
    [InlineData(125, 50_000)]
    [InlineData(101, 50_000)]
    [InlineData(100, 250_000)]
    [InlineData(20, 10_000_000)]
    [InlineData(1, 500_000_000)]
    public void Max_notional_for_a_leverage_is_the_cap_of_the_last_bracket_allowing_it(int leverage, double expected)
    {
        Assert.Equal((decimal)expected, Fixtures.BtcUsdt.MaxNotionalForLeverage(leverage));
    }

    [Fact]
    public void Notional_above_the_last_cap_or_negative_is_rejected()
    {
        var above = Assert.Throws<ArgumentOutOfRangeException>(() => Fixtures.BtcUsdt.FindByNotional(500_000_000.01m));
        Assert.Contains("500,000,000", above.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fixtures.BtcUsdt.FindByNotional(-1m));
    }

    [Fact]
    public void Inconsistent_cum_names_file_bracket_and_field_with_the_expected_value()
    {
        var e = ParseFails(Table(B1 + """, { "bracket": 2, "initialLeverage": 100, "notionalFloor": 50000, "notionalCap": 250000, "maintMarginRatio": 0.005, "cum": 60 }"""));
        Assert.Equal("tiers/TEST.json", e.SourceName);
        Assert.Equal(2, e.Bracket);
        Assert.Equal("cum", e.Field);
        Assert.StartsWith("tiers/TEST.json: bracket 2, field 'cum': expected 50", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gap_between_brackets_is_rejected()
    {
        var e = ParseFails(Table(B1 + """, { "bracket": 2, "initialLeverage": 100, "notionalFloor": 60000, "notionalCap": 250000, "maintMarginRatio": 0.005, "cum": 60 }"""));
        Assert.Equal((2, "notionalFloor"), (e.Bracket, e.Field));
        Assert.Contains("contiguous", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "maintMarginRatio")]
    [InlineData("1", "maintMarginRatio")]
    [InlineData("-0.01", "maintMarginRatio")]
    public void Mmr_outside_zero_one_is_rejected(string mmr, string field)
    {
        var e = ParseFails(Table($$"""{ "bracket": 1, "initialLeverage": 125, "notionalFloor": 0, "notionalCap": 50000, "maintMarginRatio": {{mmr}}, "cum": 0 }"""));
        Assert.Equal((1, field), (e.Bracket, e.Field));
    }

    [Fact]
    public void Decreasing_mmr_is_rejected()
    {
        // cum kept continuous (50,000 × (0.003 − 0.004) = −50) so that only the MMR order is wrong.
        var e = ParseFails(Table(B1 + """, { "bracket": 2, "initialLeverage": 100, "notionalFloor": 50000, "notionalCap": 250000, "maintMarginRatio": 0.003, "cum": -50 }"""));
        Assert.Equal((2, "maintMarginRatio"), (e.Bracket, e.Field));
        Assert.Contains("non-decreasing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Increasing_max_leverage_is_rejected()
    {
        var e = ParseFails(Table(B1 + """, { "bracket": 2, "initialLeverage": 150, "notionalFloor": 50000, "notionalCap": 250000, "maintMarginRatio": 0.005, "cum": 50 }"""));
        Assert.Equal((2, "initialLeverage"), (e.Bracket, e.Field));
    }

    [Fact]
    public void Brackets_out_of_order_are_rejected()
    {
        var e = ParseFails(Table("""{ "bracket": 2, "initialLeverage": 125, "notionalFloor": 0, "notionalCap": 50000, "maintMarginRatio": 0.004, "cum": 0 }"""));
        Assert.Equal((1, "bracket"), (e.Bracket, e.Field));
    }

    [Fact]
    public void Non_numeric_and_missing_fields_name_the_bracket_and_field()
    {
        var nonNumeric = ParseFails(Table("""{ "bracket": 1, "initialLeverage": 125, "notionalFloor": 0, "notionalCap": "fifty thousand", "maintMarginRatio": 0.004, "cum": 0 }"""));
        Assert.Equal((1, "notionalCap"), (nonNumeric.Bracket, nonNumeric.Field));
        var missing = ParseFails(Table("""{ "bracket": 1, "initialLeverage": 125, "notionalFloor": 0, "notionalCap": 50000, "cum": 0 }"""));
        Assert.Equal((1, "maintMarginRatio"), (missing.Bracket, missing.Field));
        Assert.Contains("missing", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_strings_as_binance_sometimes_sends_them_are_read_exactly()
    {
        var t = LeverageBracketTableJson.Parse(Table("""{ "bracket": "1", "initialLeverage": "125", "notionalFloor": "0", "notionalCap": "50000", "maintMarginRatio": "0.004", "cum": "0" }"""), "x.json");
        Assert.Equal(0.004m, t.Brackets[0].MaintenanceMarginRate);
    }

    [Fact]
    public void Missing_header_fields_and_bad_dates_are_rejected()
    {
        Assert.Equal("effectiveDate", ParseFails("""{ "symbol": "X", "source": "s", "brackets": [] }""").Field);
        Assert.Equal("effectiveDate", ParseFails("""{ "symbol": "X", "effectiveDate": "23/11/2026", "source": "s", "brackets": [] }""").Field);
        Assert.Equal("source", ParseFails("""{ "symbol": "X", "effectiveDate": "2026-11-23", "brackets": [] }""").Field);
        Assert.Equal("brackets", ParseFails("""{ "symbol": "X", "effectiveDate": "2026-11-23", "source": "s", "brackets": [] }""").Field);
    }

    [Fact]
    public void Malformed_json_reports_the_line()
    {
        var e = ParseFails("{\n  \"symbol\": \"X\",\n  \"effectiveDate\": oops\n}");
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("tiers/TEST.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_api_array_is_rejected_with_guidance()
    {
        var e = ParseFails("[" + Fixtures.BtcUsdtJson + "]");
        Assert.Contains("one symbol's object", e.Message, StringComparison.Ordinal);
    }
}
