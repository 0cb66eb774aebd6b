using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Data.Tests.Tiers;

public sealed class LeverageBracketTableStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-tiers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Shipped_btcusdt_table_loads_with_the_seed_brackets()
    {
        var store = LeverageBracketTableStore.Locate();
        var t = store.Get("btcusdt");
        Assert.Equal("BTCUSDT", t.Symbol);
        Assert.Equal(10, t.Brackets.Count);
        decimal[] mmr = [0.004m, 0.005m, 0.01m, 0.025m, 0.05m, 0.1m, 0.125m, 0.15m, 0.25m, 0.5m];
        decimal[] cum = [0m, 50m, 1_300m, 16_300m, 266_300m, 1_266_300m, 2_516_300m, 5_016_300m, 25_016_300m, 100_016_300m];
        decimal[] caps = [50_000m, 250_000m, 1_000_000m, 10_000_000m, 20_000_000m, 50_000_000m, 100_000_000m, 200_000_000m, 300_000_000m, 500_000_000m];
        Assert.Equal(mmr, t.Brackets.Select(b => b.MaintenanceMarginRate));
        Assert.Equal(cum, t.Brackets.Select(b => b.MaintenanceAmountUsd));
        Assert.Equal(caps, t.Brackets.Select(b => b.NotionalCapUsd));
        Assert.Contains("BTCUSDT", store.Symbols);
    }

    private static string RepositoryTiers()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) return Path.Combine(d.FullName, "data", "tiers", "binance-usdm");
        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void Inside_the_clone_the_repositorys_tables_are_read_not_the_builds_copy()
    {
        // A build (or ./liqlab's publish in artifacts/liqlab) carries a copy of data/tiers made when it was built: a table
        // added to the repository afterwards was ignored until the next publish. The repository's folder is the one source.
        var store = LeverageBracketTableStore.Locate();
        Assert.Equal(RepositoryTiers(), Assert.Single(store.Directories));
        Assert.False(store.Directory.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_user_directory_adds_symbols_and_overrides_single_tables_before_the_shipped_ones()
    {
        var btc = File.ReadAllText(Path.Combine(RepositoryTiers(), "BTCUSDT.json"));
        File.WriteAllText(Path.Combine(_dir, "DOGEUSDT.json"), btc.Replace("\"BTCUSDT\"", "\"DOGEUSDT\"", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_dir, "ETHUSDT.json"), btc.Replace("\"BTCUSDT\"", "\"ETHUSDT\"", StringComparison.Ordinal).Replace("\"effectiveDate\": \"", "\"effectiveDate\": \"2001-01-01\", \"x\": \"", StringComparison.Ordinal));
        var store = LeverageBracketTableStore.Locate(_dir);
        Assert.Equal([_dir, RepositoryTiers()], store.Directories);
        Assert.Equal(_dir, store.Directory); // where tiers import writes by default
        Assert.Equal("DOGEUSDT", store.Get("DOGEUSDT").Symbol); // added
        Assert.Equal(new DateOnly(2001, 1, 1), store.Get("ETHUSDT").EffectiveDate); // the user's table wins
        Assert.Equal(10, store.Get("BTCUSDT").Brackets.Count); // the rest still from the repository
        Assert.Contains("SOLUSDT", store.Symbols);
        Assert.Contains("DOGEUSDT", store.Symbols);
    }

    [Fact]
    public void Missing_symbol_throws_and_lists_what_exists()
    {
        File.WriteAllText(Path.Combine(_dir, "ETHUSDT.json"), "{}");
        var e = Assert.Throws<LeverageBracketTableNotFoundException>(() => new LeverageBracketTableStore(_dir).Get("SOLUSDT"));
        Assert.Contains("SOLUSDT", e.Message, StringComparison.Ordinal);
        Assert.Contains("tables exist for: ETHUSDT", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("../../x")]
    [InlineData("..")]
    public void A_symbol_outside_the_grammar_reads_no_file_outside_the_directory(string symbol)
    {
        var tables = Path.Combine(_dir, "tables");
        var inner = Path.Combine(tables, "a", "b");
        Directory.CreateDirectory(inner);
        // A file the symbol would reach by its path: reading it would fail on the symbol mismatch, so "not found" proves it was never opened.
        foreach (var d in new[] { _dir, tables, Path.Combine(tables, "a") })
            File.WriteAllText(Path.Combine(d, "X.json"), "{}");
        File.WriteAllText(Path.Combine(_dir, "..json"), "{}");
        var e = Assert.Throws<LeverageBracketTableNotFoundException>(() => new LeverageBracketTableStore(inner).Get(symbol));
        Assert.Contains(symbol.ToUpperInvariant(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_name_the_file_path()
    {
        var path = Path.Combine(_dir, "BADUSDT.json");
        File.WriteAllText(path, """
            { "symbol": "BADUSDT", "effectiveDate": "2026-01-01", "source": "test",
              "brackets": [ { "bracket": 1, "initialLeverage": 50, "notionalFloor": 0, "notionalCap": 10000, "maintMarginRatio": 0.01, "cum": 5 } ] }
            """);
        var e = Assert.Throws<LeverageBracketTableException>(() => new LeverageBracketTableStore(_dir).Get("BADUSDT"));
        Assert.StartsWith(path + ": bracket 1, field 'cum'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_declaring_another_symbol_is_rejected()
    {
        File.WriteAllText(Path.Combine(_dir, "ETHUSDT.json"), """
            { "symbol": "BTCUSDT", "effectiveDate": "2026-01-01", "source": "test",
              "brackets": [ { "bracket": 1, "initialLeverage": 50, "notionalFloor": 0, "notionalCap": 10000, "maintMarginRatio": 0.01, "cum": 0 } ] }
            """);
        var e = Assert.Throws<LeverageBracketTableException>(() => new LeverageBracketTableStore(_dir).Get("ETHUSDT"));
        Assert.Equal("symbol", e.Field);
    }

    [Fact]
    public void Missing_directory_is_a_clear_error()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => new LeverageBracketTableStore(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
    }
}
