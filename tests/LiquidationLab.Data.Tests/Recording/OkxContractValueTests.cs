using System.Text.Json;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Recording;

namespace LiquidationLab.Data.Tests.Recording;

/// <summary>The OKX recorder's contract values (contracts → base units) are a checked table, not numbers in code.</summary>
public sealed class OkxContractValueTests
{
    private static string TiersRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) return Path.Combine(d.FullName, "data", "tiers", VenueInfo.TierFolder(Venue.OkxSwap));
        throw new DirectoryNotFoundException("the repository root (LiquidationLab.sln) was not found above the test's folder");
    }

    [Fact]
    public void Every_okx_tier_table_shipped_states_the_same_contract_value_as_the_recorders_table()
    {
        var files = Directory.GetFiles(TiersRoot(), "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var instrument = doc.RootElement.GetProperty("symbol").GetString()!;
            var tierValue = decimal.Parse(doc.RootElement.GetProperty("contractValue").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(tierValue, OkxContractValues.Of(instrument));
        }
    }

    [Fact]
    public void The_table_holds_okxs_published_values_and_only_instruments_of_okxs_grammar()
    {
        // OKX's instruments documentation: "ctVal=0.01 BTC for BTC-USDT-SWAP"; ETH and SOL from OKX's own oiCcy ÷ oi.
        Assert.Equal(0.01m, OkxContractValues.Of("BTC-USDT-SWAP"));
        Assert.Equal(0.1m, OkxContractValues.Of("ETH-USDT-SWAP"));
        Assert.Equal(1m, OkxContractValues.Of("SOL-USDT-SWAP"));
        Assert.All(OkxContractValues.All, kv =>
        {
            Assert.True(VenueInfo.IsInstrument(Venue.OkxSwap, kv.Key), kv.Key);
            Assert.True(kv.Value > 0, kv.Key);
        });
    }

    [Fact]
    public void An_instrument_without_a_known_contract_value_is_refused_listing_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => OkxContractValues.Of("DOGE-USDT-SWAP"));
        Assert.Contains("No contract value is known for 'DOGE-USDT-SWAP'", e.Message, StringComparison.Ordinal);
        Assert.Contains("BTC-USDT-SWAP, ETH-USDT-SWAP, SOL-USDT-SWAP", e.Message, StringComparison.Ordinal);
    }
}
