using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

public class VenuesTests
{
    [Theory]
    [InlineData("binance", Venue.BinanceUsdm)]
    [InlineData("Bybit", Venue.BybitLinear)]
    [InlineData(" okx ", Venue.OkxSwap)]
    [InlineData("HYPERLIQUID", Venue.Hyperliquid)]
    [InlineData("bybit-linear", Venue.BybitLinear)]
    [InlineData("okx-swap", Venue.OkxSwap)]
    public void Venue_names_and_tier_folders_parse(string text, Venue expected)
    {
        Assert.True(VenueInfo.TryParse(text, out var v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("kraken")]
    [InlineData("../binance")]
    public void Anything_else_is_not_a_venue(string? text) => Assert.False(VenueInfo.TryParse(text, out _));

    [Theory]
    [InlineData(Venue.BinanceUsdm, "BTCUSDT", true)]
    [InlineData(Venue.BybitLinear, "1000PEPEUSDT", true)]
    [InlineData(Venue.BybitLinear, "btcusdt", false)]
    [InlineData(Venue.BybitLinear, "BTCUSDT\n", false)]
    [InlineData(Venue.OkxSwap, "BTC-USDT-SWAP", true)]
    [InlineData(Venue.OkxSwap, "BTC-USDT", false)]
    [InlineData(Venue.OkxSwap, "../BTC-USDT-SWAP", false)]
    [InlineData(Venue.Hyperliquid, "kPEPE", true)]
    [InlineData(Venue.Hyperliquid, "BTC.json", false)]
    [InlineData(Venue.Hyperliquid, "", false)]
    public void Only_names_of_the_venues_grammar_may_become_file_names(Venue venue, string name, bool ok) =>
        Assert.Equal(ok, VenueInfo.IsInstrument(venue, name));

    [Fact]
    public void A_tier_file_name_is_made_only_from_a_valid_instrument()
    {
        Assert.Equal("BTC-USDT-SWAP.json", VenueInfo.TierFileName(Venue.OkxSwap, "BTC-USDT-SWAP"));
        Assert.Throws<ArgumentException>(() => VenueInfo.TierFileName(Venue.Hyperliquid, "../BTC"));
    }

    [Fact]
    public void Every_venue_has_a_name_and_a_tier_folder_that_parse_back()
    {
        foreach (var v in VenueInfo.All)
        {
            Assert.True(VenueInfo.TryParse(VenueInfo.Name(v), out var byName) && byName == v);
            Assert.True(VenueInfo.TryParse(VenueInfo.TierFolder(v), out var byFolder) && byFolder == v);
        }
    }

    [Fact]
    public void Models_are_built_from_a_venue_and_its_files_text_in_one_call()
    {
        Assert.IsType<BybitLinearMarginModel>(MarginModels.Parse(Venue.BybitLinear, VenueFixtures.BybitBtcJson, "b.json"));
        Assert.IsType<OkxSwapMarginModel>(MarginModels.Parse(Venue.OkxSwap, VenueFixtures.OkxBtcJson, "o.json"));
        Assert.IsType<HyperliquidMarginModel>(MarginModels.Parse(Venue.Hyperliquid, VenueFixtures.HyperliquidBtcJson, "h.json"));
        Assert.IsType<BinanceUsdmMarginModel>(MarginModels.Parse(Venue.BinanceUsdm, Fixtures.BtcUsdtJson, "bn.json"));
        Assert.Throws<MarginTierTableException>(() => MarginModels.Parse(Venue.OkxSwap, VenueFixtures.BybitBtcJson, "b.json"));
    }

    /// <summary>The shipped tables under data/tiers/&lt;venue&gt;/ parse, name their file and carry a source (found by walking up
    /// from the test binary to the repository root, which holds LiquidationLab.sln).</summary>
    [Fact]
    public void Every_shipped_venue_tier_file_parses_and_names_its_own_instrument()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var count = 0;
        foreach (var venue in VenueInfo.All)
        {
            var folder = Path.Combine(dir!.FullName, "data", "tiers", VenueInfo.TierFolder(venue));
            Assert.True(Directory.Exists(folder), folder);
            foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
            {
                var model = MarginModels.Parse(venue, System.IO.File.ReadAllText(file), file);
                Assert.Equal(Path.GetFileNameWithoutExtension(file), model.Symbol);
                Assert.True(VenueInfo.IsInstrument(venue, model.Symbol));
                Assert.False(string.IsNullOrWhiteSpace(model.Tiers.Source));
                count++;
            }
        }
        Assert.True(count >= 9, $"only {count} shipped tier files");
    }
}
