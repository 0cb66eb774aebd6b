using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Data.Tests.Tiers;

public sealed class LeverageBracketResponseTests
{
    // Binance's response shape: numbers as JSON numbers (the API) or strings (CCXT keeps them as strings in 'info').
    private const string EthBrackets = """
        [ { "bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0 },
          { "bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000, "maintMarginRatio": 0.005, "cum": 50.0 },
          { "bracket": 3, "initialLeverage": 75, "notionalCap": 3000000, "notionalFloor": 600000, "maintMarginRatio": 0.0065, "cum": 950.0 } ]
        """;

    private const string SolBrackets = """
        [ { "bracket": "1", "initialLeverage": "100", "notionalCap": "20000", "notionalFloor": "0", "maintMarginRatio": "0.005", "cum": "0.0" },
          { "bracket": "2", "initialLeverage": "75", "notionalCap": "100000", "notionalFloor": "20000", "maintMarginRatio": "0.0065", "cum": "30.0" } ]
        """;

    [Fact]
    public void All_symbols_response_gives_one_entry_per_symbol_with_exact_numbers()
    {
        var entries = LeverageBracketResponse.Parse($$"""[{"symbol":"ETHUSDT","brackets":{{EthBrackets}}},{"symbol":"SOLUSDT","brackets":{{SolBrackets}}}]""", "all.json");
        Assert.Equal(["ETHUSDT", "SOLUSDT"], entries.Select(e => e.Symbol));
        Assert.Equal([0.004m, 0.005m, 0.0065m], entries[0].Brackets.Select(b => b.MaintenanceMarginRate));
        Assert.Equal([0m, 30m], entries[1].Brackets.Select(b => b.MaintenanceAmountUsd));
        Assert.Null(entries[0].NotionalCoefficient);
        var table = LeverageBracketResponse.ToTable(entries[0], new DateOnly(2024, 10, 24), "test", "all.json");
        Assert.Equal(125, table.MaxInitialLeverage);
        Assert.Equal(3_000_000m, table.MaxNotionalUsd);
    }

    [Fact]
    public void Single_symbol_object_and_ccxt_tiers_give_the_same_brackets()
    {
        var single = LeverageBracketResponse.Parse($$"""{"symbol":"solusdt","brackets":{{SolBrackets}}}""", "one.json");
        var ccxt = LeverageBracketResponse.Parse($$"""
            { "SOL/USDT:USDT": [ { "tier": 1, "maxLeverage": 100, "info": {{Element(SolBrackets, 0)}} },
                                 { "tier": 2, "maxLeverage": 75, "info": {{Element(SolBrackets, 1)}} } ],
              "BTC/USD:BTC": [ { "tier": 1, "info": { "bracket": "1" } } ],
              "BTC/USDT:USDT-250328": [ { "tier": 1, "info": { "bracket": "1" } } ] }
            """, "ccxt.json");
        Assert.Equal("SOLUSDT", single.Single().Symbol);
        var only = Assert.Single(ccxt); // the inverse and the dated markets are not USDⓈ-M perpetuals
        Assert.Equal("SOLUSDT", only.Symbol);
        Assert.Equal(single[0].Brackets, only.Brackets);
    }

    [Fact]
    public void Account_adjusted_brackets_are_flagged_in_the_source()
    {
        var entry = LeverageBracketResponse.Parse($$"""[{"symbol":"ETHUSDT","notionalCoef":1.5,"brackets":{{EthBrackets}}}]""", "adj.json").Single();
        Assert.Equal(1.5m, entry.NotionalCoefficient);
        var table = LeverageBracketResponse.ToTable(entry, new DateOnly(2026, 1, 1), "saved", "adj.json");
        Assert.Contains("notionalCoef 1.5", table.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_name_the_file_the_symbol_and_the_bracket()
    {
        var bad = EthBrackets.Replace("\"cum\": 950.0", "\"cum\": \"n/a\"", StringComparison.Ordinal);
        var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse($$"""[{"symbol":"ETHUSDT","brackets":{{bad}}}]""", "/x/resp.json"));
        Assert.Contains("/x/resp.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("ETHUSDT", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, e.Bracket);
        Assert.Equal("cum", e.Field);

        // A broken maintenance-amount chain is caught when the table is built, naming the symbol.
        var chain = EthBrackets.Replace("\"cum\": 950.0", "\"cum\": 951.0", StringComparison.Ordinal);
        var entry = LeverageBracketResponse.Parse($$"""{"symbol":"ETHUSDT","brackets":{{chain}}}""", "/x/resp.json").Single();
        var v = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.ToTable(entry, new DateOnly(2026, 1, 1), "s", "/x/resp.json"));
        Assert.Contains("ETHUSDT", v.Message, StringComparison.Ordinal);
        Assert.Contains("cum", v.Message, StringComparison.Ordinal);

        Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse("[{\"symbol\":\"ETHUSDT\"", "/x/cut.json"));
        Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse("{\"ETHUSDT\": 1}", "/x/none.json"));
        var dup = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse(
            $$"""[{"symbol":"SOLUSDT","brackets":{{SolBrackets}}},{"symbol":"SOLUSDT","brackets":{{SolBrackets}}}]""", "/x/dup.json"));
        Assert.Contains("SOLUSDT appears 2 times", dup.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialized_tables_read_back_equal()
    {
        var entry = LeverageBracketResponse.Parse($$"""{"symbol":"ETHUSDT","brackets":{{EthBrackets}}}""", "e.json").Single();
        var table = LeverageBracketResponse.ToTable(entry, new DateOnly(2024, 10, 24), "Binance \"leverageBracket\", ETH ✓", "e.json");
        var back = LeverageBracketTableJson.Parse(LeverageBracketTableJson.Serialize(table), "round-trip");
        Assert.Equal(table.Symbol, back.Symbol);
        Assert.Equal(table.EffectiveDate, back.EffectiveDate);
        Assert.Equal(table.Source, back.Source);
        Assert.Equal(table.Brackets, back.Brackets);
    }

    [Fact]
    public void Shipped_tables_cover_eth_and_three_more_perpetuals_with_provenance()
    {
        var store = LeverageBracketTableStore.Locate();
        string[] expected = ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"];
        Assert.Subset(store.Symbols.ToHashSet(), expected.ToHashSet());
        foreach (var symbol in expected)
        {
            var t = store.Get(symbol); // validated: contiguous ranges, monotone rates, the cum chain
            Assert.False(string.IsNullOrWhiteSpace(t.Source));
            Assert.True(t.EffectiveDate.Year >= 2024, symbol);
        }
        var eth = store.Get("ETHUSDT");
        Assert.Equal(12, eth.Brackets.Count);
        Assert.Equal(0.0065m, eth.FindByNotional(1_000_000m).MaintenanceMarginRate);
        Assert.Equal(950m, eth.FindByNotional(1_000_000m).MaintenanceAmountUsd);
    }

    [Theory]
    [InlineData("""{"symbol":"../x","brackets":BRACKETS}""", "(element 1)")]
    [InlineData("""{"symbol":"..","brackets":BRACKETS}""", "(element 1)")]
    [InlineData("""{"symbol":"A\u0000B","brackets":BRACKETS}""", "(element 1)")]
    public void A_symbol_that_is_not_a_binance_symbol_is_refused_naming_the_file_and_field(string element, string where)
    {
        var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse($"[{element.Replace("BRACKETS", SolBrackets, StringComparison.Ordinal)}]", "hostile.json"));
        Assert.Contains($"hostile.json {where}", e.Message, StringComparison.Ordinal);
        Assert.Contains("symbol", e.Message, StringComparison.Ordinal);
        Assert.Contains("[A-Z0-9]{2,30}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ccxt_market_whose_symbol_is_not_a_binance_symbol_is_refused()
    {
        var json = $$"""{ "E.TH/USDT:USDT": [ { "tier": 1, "info": {{Element(SolBrackets, 0)}} } ] }""";
        var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.Parse(json, "ccxt.json"));
        Assert.Contains("ccxt.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("[A-Z0-9]{2,30}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_dev_zero_stops_at_the_cap_with_the_file_named()
    {
        var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.ReadFile("/dev/zero"));
        Assert.Contains("/dev/zero", e.Message, StringComparison.Ordinal);
        Assert.Contains("16 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_a_fifo_fed_without_end_stops_at_the_cap()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-fifo-").FullName;
        try
        {
            var fifo = Path.Combine(dir, "brackets.json");
            using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            {
                await mk.WaitForExitAsync();
                Assert.Equal(0, mk.ExitCode);
            }
            // The writer sends '[' and then spaces for ever (valid JSON so far, and no length): only the reader's cap ends it.
            var writer = Task.Run(() =>
            {
                try
                {
                    using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                    w.WriteByte((byte)'[');
                    var spaces = new byte[65536];
                    Array.Fill(spaces, (byte)' ');
                    while (true) w.Write(spaces);
                }
                catch (IOException)
                {
                    // the reader closed its end: the pipe is broken, as intended
                }
            });
            var e = Assert.Throws<LeverageBracketTableException>(() => LeverageBracketResponse.ReadFile(fifo));
            Assert.Contains("16 MiB", e.Message, StringComparison.Ordinal);
            await writer;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Element(string array, int index)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(array);
        return doc.RootElement[index].GetRawText();
    }
}
