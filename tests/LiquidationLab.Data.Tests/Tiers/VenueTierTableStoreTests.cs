using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Data.Tests.Tiers;

/// <summary>Issue 32: every venue's tier tables, found the way the Binance store finds its own.</summary>
public sealed class VenueTierTableStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-venue-tiers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryTiers()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) return Path.Combine(d.FullName, "data", "tiers");
        throw new InvalidOperationException("repository root not found");
    }

    [Theory]
    [InlineData(Venue.BinanceUsdm, "BTCUSDT", typeof(BinanceUsdmMarginModel))]
    [InlineData(Venue.BybitLinear, "BTCUSDT", typeof(BybitLinearMarginModel))]
    [InlineData(Venue.OkxSwap, "BTC-USDT-SWAP", typeof(OkxSwapMarginModel))]
    [InlineData(Venue.Hyperliquid, "BTC", typeof(HyperliquidMarginModel))]
    [InlineData(Venue.Hyperliquid, "ETH", typeof(HyperliquidMarginModel))]
    public void Each_venues_shipped_table_loads_as_that_venues_margin_model(Venue venue, string instrument, Type model)
    {
        var store = VenueTierTableStore.Locate();
        var m = store.Get(venue, instrument);
        Assert.IsType(model, m);
        Assert.Equal((venue, instrument), (m.Venue, m.Symbol));
        Assert.Contains(instrument, store.Instruments(venue));
        // The same table Core reads from the repository's file.
        var file = Path.Combine(RepositoryTiers(), VenueInfo.TierFolder(venue), instrument + ".json");
        var direct = MarginModels.Parse(venue, File.ReadAllText(file), file);
        Assert.Equal(direct.Tiers.Tiers, m.Tiers.Tiers);
        Assert.Equal((direct.Tiers.EffectiveDate, direct.Tiers.Source), (m.Tiers.EffectiveDate, m.Tiers.Source));
        // Inside the clone, the repository's folder is read, not a build's copy.
        Assert.Equal(Path.Combine(RepositoryTiers(), VenueInfo.TierFolder(venue)), store.Directories(venue)[^1]);
    }

    [Fact]
    public void A_venue_without_the_instrument_names_the_venue_and_lists_its_instruments_without_a_path()
    {
        var store = VenueTierTableStore.Locate();
        var e = Assert.Throws<VenueTierTableNotFoundException>(() => store.Get(Venue.BybitLinear, "ETHUSDT"));
        Assert.Equal(Venue.BybitLinear, e.Venue);
        Assert.Contains("bybit", e.Message, StringComparison.Ordinal);
        Assert.Contains("ETHUSDT", e.Message, StringComparison.Ordinal);
        Assert.Contains("BTCUSDT", e.Available);
        Assert.Contains("has tables for: BTCUSDT", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RepositoryTiers(), e.Message, StringComparison.Ordinal);
        var okx = Assert.Throws<VenueTierTableNotFoundException>(() => store.Get(Venue.OkxSwap, "BTCUSDT")); // not an OKX swap id
        Assert.Contains("BTC-USDT-SWAP", okx.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../binance-usdm/BTCUSDT")]
    [InlineData("..")]
    [InlineData("BTC.json")]
    [InlineData("/etc/passwd")]
    [InlineData("BTC\\..\\X")]
    public void Names_outside_the_venues_grammar_never_become_paths(string name)
    {
        // A valid Hyperliquid table planted where each name would lead if it were joined to the folder.
        var root = Path.Combine(_dir, "tiers");
        Directory.CreateDirectory(Path.Combine(root, "binance-usdm"));
        Directory.CreateDirectory(Path.Combine(root, "hyperliquid"));
        var btc = File.ReadAllText(Path.Combine(RepositoryTiers(), "hyperliquid", "BTC.json"));
        File.WriteAllText(Path.Combine(root, "binance-usdm", "BTCUSDT.json"), btc);
        File.WriteAllText(Path.Combine(root, "hyperliquid", "BTC.json.json"), btc);
        var store = VenueTierTableStore.FromRoot(root);
        var e = Assert.Throws<VenueTierTableNotFoundException>(() => store.Get(Venue.Hyperliquid, name));
        Assert.Empty(e.Available); // BTC.json.json is not a coin's file
    }

    [Fact]
    public void A_user_directorys_venue_subfolders_add_and_override_tables_before_the_shipped_ones()
    {
        var shippedBybit = File.ReadAllText(Path.Combine(RepositoryTiers(), "bybit-linear", "BTCUSDT.json"));
        Directory.CreateDirectory(Path.Combine(_dir, "bybit-linear"));
        File.WriteAllText(Path.Combine(_dir, "bybit-linear", "BTCUSDT.json"), shippedBybit.Replace("\"effectiveDate\": \"", "\"effectiveDate\": \"2001-01-01\", \"x\": \"", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_dir, "bybit-linear", "SOLUSDT.json"), shippedBybit.Replace("\"BTCUSDT\"", "\"SOLUSDT\"", StringComparison.Ordinal));
        var store = VenueTierTableStore.Locate(_dir);
        Assert.Equal([Path.Combine(_dir, "bybit-linear"), Path.Combine(RepositoryTiers(), "bybit-linear")], store.Directories(Venue.BybitLinear));
        Assert.Equal(new DateOnly(2001, 1, 1), store.Get(Venue.BybitLinear, "BTCUSDT").Tiers.EffectiveDate); // the user's table wins
        Assert.Equal("SOLUSDT", store.Get(Venue.BybitLinear, "solusdt").Symbol); // added (Bybit names are upper-case)
        Assert.Equal(["BTCUSDT", "SOLUSDT"], store.Instruments(Venue.BybitLinear));
        Assert.Equal("BTC-USDT-SWAP", store.Get(Venue.OkxSwap, "BTC-USDT-SWAP").Symbol); // other venues still shipped
        Assert.Equal([_dir, Path.Combine(RepositoryTiers(), "binance-usdm")], store.Directories(Venue.BinanceUsdm)); // Binance's layout unchanged
    }

    [Fact]
    public void A_hyperliquid_coin_is_found_whatever_its_case()
    {
        var store = VenueTierTableStore.Locate();
        Assert.Equal("BTC", store.Get(Venue.Hyperliquid, " btc ").Symbol);
    }

    [Fact]
    public void A_file_declaring_another_instrument_is_refused_naming_the_file_and_field()
    {
        var root = Path.Combine(_dir, "tiers");
        Directory.CreateDirectory(Path.Combine(root, "binance-usdm"));
        Directory.CreateDirectory(Path.Combine(root, "bybit-linear"));
        var btc = File.ReadAllText(Path.Combine(RepositoryTiers(), "bybit-linear", "BTCUSDT.json"));
        File.WriteAllText(Path.Combine(root, "bybit-linear", "ETHUSDT.json"), btc);
        var e = Assert.Throws<MarginTierTableException>(() => VenueTierTableStore.FromRoot(root).Get(Venue.BybitLinear, "ETHUSDT"));
        Assert.Contains("ETHUSDT.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("symbol", e.Message, StringComparison.Ordinal);
    }
}
