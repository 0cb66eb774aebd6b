using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>The venue tier loader: every error names the file, the tier's position and the field, in the file's own terms.</summary>
public class MarginTierTableJsonTests
{
    private const string File = "tiers/venue/TEST.json";

    private static MarginTierTableException Fails(string json, Venue? expected = null) =>
        Assert.Throws<MarginTierTableException>(() => MarginTierTableJson.Parse(json, File, expected));

    private static string Bybit(string tiers) =>
        $$"""{ "venue": "bybit-linear", "symbol": "BTCUSDT", "effectiveDate": "2026-12-08", "source": "unit test", "tiers": [ {{tiers}} ] }""";

    private static string Okx(string tiers, string contractValue = "\"contractValue\": \"0.01\",") =>
        $$"""{ "venue": "okx-swap", "symbol": "BTC-USDT-SWAP", "effectiveDate": "2026-12-08", "source": "unit test", {{contractValue}} "tiers": [ {{tiers}} ] }""";

    private static string Hl(string tiers) =>
        $$"""{ "venue": "hyperliquid", "symbol": "BTC", "effectiveDate": "2026-12-08", "source": "unit test", "tiers": [ {{tiers}} ] }""";

    private const string Bybit1 = """{ "id": 1, "riskLimitValue": "2000000", "maintenanceMargin": "0.005", "mmDeduction": "", "maxLeverage": "100" }""";

    [Fact]
    public void Bybit_deductions_are_derived_when_empty_and_exact()
    {
        var t = VenueFixtures.BybitBtc;
        Assert.Equal([0m, 10_000m, 30_000m], t.Tiers.Select(x => x.MaintenanceDeductionUsd));
        Assert.Equal([0m, 2_000_000m, 4_000_000m], t.Tiers.Select(x => x.Floor));
        Assert.Equal(6_000_000m, t.MaxSize);
        Assert.Equal(57.14m, t.Tiers[1].MaxLeverage);
        Assert.True(t.CapInclusive);
    }

    [Fact]
    public void Hyperliquid_rates_are_half_the_initial_margin_rate_at_max_leverage()
    {
        var t = VenueFixtures.HyperliquidBtc;
        Assert.Equal(0.0125m, t.Tiers[0].MaintenanceMarginRate);
        Assert.Equal(0.025m, t.Tiers[1].MaintenanceMarginRate);
        Assert.Equal(150_000_000m, t.Tiers[0].Cap);
        Assert.Null(t.Tiers[1].Cap);
        Assert.False(t.CapInclusive);
    }

    [Fact]
    public void Invalid_json_names_the_file_and_line()
    {
        var e = Fails("{\n  \"venue\": \"bybit-linear\",\n  oops }");
        Assert.StartsWith(File, e.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("binance-usdm")]
    [InlineData("kraken")]
    public void A_venue_other_than_bybit_okx_or_hyperliquid_is_refused(string venue)
    {
        var e = Fails(Bybit(Bybit1).Replace("bybit-linear", venue, StringComparison.Ordinal));
        Assert.Equal("venue", e.Field);
    }

    [Fact]
    public void A_file_of_another_venue_than_expected_is_refused()
    {
        var e = Fails(Bybit(Bybit1), Venue.Hyperliquid);
        Assert.Equal("venue", e.Field);
        Assert.Contains("expected hyperliquid", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../BTCUSDT")]
    [InlineData("btcusdt")]
    [InlineData("BTC/USDT")]
    public void A_symbol_outside_the_venues_grammar_is_refused(string symbol)
    {
        var e = Fails(Bybit(Bybit1).Replace("\"BTCUSDT\"", $"\"{symbol}\"", StringComparison.Ordinal));
        Assert.Equal("symbol", e.Field);
    }

    [Fact]
    public void A_missing_field_names_the_tier_and_field()
    {
        var e = Fails(Bybit(Bybit1 + """, { "id": 2, "riskLimitValue": "4000000", "maxLeverage": "57.14" }"""));
        Assert.Equal(2, e.Tier);
        Assert.Equal("maintenanceMargin", e.Field);
        Assert.Contains("tier 2, field 'maintenanceMargin'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_numeric_value_names_the_tier_and_field()
    {
        var e = Fails(Bybit("""{ "id": 1, "riskLimitValue": "two million", "maintenanceMargin": "0.005", "maxLeverage": "100" }"""));
        Assert.Equal(1, e.Tier);
        Assert.Equal("riskLimitValue", e.Field);
    }

    [Fact]
    public void A_bybit_deduction_that_breaks_continuity_is_refused_with_the_expected_value()
    {
        var e = Fails(Bybit(Bybit1 + """, { "id": 2, "riskLimitValue": "4000000", "maintenanceMargin": "0.01", "mmDeduction": "9000", "maxLeverage": "57.14" }"""));
        Assert.Equal(2, e.Tier);
        Assert.Equal("mmDeduction", e.Field);
        Assert.Contains("expected 10000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bybit_risk_limit_below_the_previous_one_is_refused_in_bybits_terms()
    {
        var e = Fails(Bybit(Bybit1 + """, { "id": 2, "riskLimitValue": "1000000", "maintenanceMargin": "0.01", "maxLeverage": "57.14" }"""));
        Assert.Equal(2, e.Tier);
        Assert.Equal("riskLimitValue", e.Field);
    }

    [Fact]
    public void A_bybit_mmr_that_falls_is_refused_in_bybits_terms()
    {
        var e = Fails(Bybit(Bybit1 + """, { "id": 2, "riskLimitValue": "4000000", "maintenanceMargin": "0.004", "maxLeverage": "57.14" }"""));
        Assert.Equal(2, e.Tier);
        Assert.Equal("maintenanceMargin", e.Field);
    }

    [Fact]
    public void An_okx_table_without_a_contract_value_is_refused()
    {
        var e = Fails(Okx("""{ "tier": "1", "minSz": "0", "maxSz": "200", "mmr": "0.004", "maxLever": "125" }""", contractValue: ""));
        Assert.Equal("contractValue", e.Field);
    }

    [Fact]
    public void Okx_tiers_with_a_gap_are_refused_naming_min_sz()
    {
        var e = Fails(Okx("""
            { "tier": "1", "minSz": "0", "maxSz": "200", "mmr": "0.004", "maxLever": "125" },
            { "tier": "2", "minSz": "201", "maxSz": "400", "mmr": "0.006", "maxLever": "100" }
            """));
        Assert.Equal(2, e.Tier);
        Assert.Equal("minSz", e.Field);
    }

    [Fact]
    public void Okx_max_leverage_that_rises_is_refused_naming_max_lever()
    {
        var e = Fails(Okx("""
            { "tier": "1", "minSz": "0", "maxSz": "200", "mmr": "0.004", "maxLever": "100" },
            { "tier": "2", "minSz": "200", "maxSz": "400", "mmr": "0.006", "maxLever": "125" }
            """));
        Assert.Equal(2, e.Tier);
        Assert.Equal("maxLever", e.Field);
    }

    [Fact]
    public void A_hyperliquid_table_must_start_at_a_lower_bound_of_0()
    {
        var e = Fails(Hl("""{ "lowerBound": "10", "maxLeverage": 40 }"""));
        Assert.Equal(1, e.Tier);
        Assert.Equal("lowerBound", e.Field);
    }

    [Fact]
    public void A_hyperliquid_leverage_out_of_range_is_refused()
    {
        var e = Fails(Hl("""{ "lowerBound": "0", "maxLeverage": 0.5 }"""));
        Assert.Equal("maxLeverage", e.Field);
    }

    [Fact]
    public void More_than_the_tier_limit_is_refused_before_any_tier_is_read()
    {
        var tiers = string.Join(",", Enumerable.Range(1, MarginTierTable.MaxTiers + 1).Select(i => $$"""{ "lowerBound": "{{i - 1}}", "maxLeverage": 1 }"""));
        var e = Fails(Hl(tiers));
        Assert.Equal("tiers", e.Field);
        Assert.Null(e.Tier);
    }

    [Fact]
    public void An_oversized_file_is_refused_before_parsing()
    {
        var e = Fails(new string(' ', MarginTierTableJson.MaxJsonChars + 1));
        Assert.Contains("at most", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_tier_list_and_a_bad_date_are_refused()
    {
        Assert.Equal("tiers", Fails(Hl("")).Field);
        Assert.Equal("effectiveDate", Fails(Hl("""{ "lowerBound": "0", "maxLeverage": 40 }""").Replace("2026-12-08", "08.12.2026", StringComparison.Ordinal)).Field);
    }
}
