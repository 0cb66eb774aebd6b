using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>Venue tier tables typed out by the tests, independently of data/tiers (a separate test parses the shipped files).</summary>
internal static class VenueFixtures
{
    /// <summary>Bybit BTCUSDT, the three published tiers (2M/0.5%/100x, 4M/1%/57.14x, 6M/1.5%/40x), deductions left to the loader.</summary>
    public const string BybitBtcJson = """
        { "venue": "bybit-linear", "symbol": "BTCUSDT", "effectiveDate": "2026-12-08", "source": "test fixture",
          "tiers": [
            { "id": 1, "riskLimitValue": "2000000", "maintenanceMargin": "0.005", "mmDeduction": "", "initialMargin": "0.01", "maxLeverage": "100.00" },
            { "id": 2, "riskLimitValue": "4000000", "maintenanceMargin": "0.01", "initialMargin": "0.0175", "maxLeverage": "57.14" },
            { "id": 3, "riskLimitValue": "6000000", "maintenanceMargin": "0.015", "mmDeduction": "30000", "initialMargin": "0.025", "maxLeverage": "40.00" }
          ] }
        """;

    /// <summary>OKX BTC-USDT-SWAP, ctVal 0.01 BTC: the published tier 1 (0–200 contracts, MMR 0.4 %, 125x) and, for tests of
    /// tier selection only, a second tier typed here (200–1,000 contracts, MMR 1 %, 50x) that is NOT a published number.</summary>
    public const string OkxBtcJson = """
        { "venue": "okx-swap", "symbol": "BTC-USDT-SWAP", "effectiveDate": "2026-12-08", "source": "test fixture", "contractValue": "0.01",
          "tiers": [
            { "tier": "1", "minSz": "0", "maxSz": "200", "mmr": "0.004", "imr": "0.008", "maxLever": "125" },
            { "tier": "2", "minSz": "200", "maxSz": "1000", "mmr": "0.01", "imr": "0.02", "maxLever": "50" }
          ] }
        """;

    /// <summary>Hyperliquid BTC mainnet tiers: 0–150M at 40x, above at 20x.</summary>
    public const string HyperliquidBtcJson = """
        { "venue": "hyperliquid", "symbol": "BTC", "effectiveDate": "2026-12-08", "source": "test fixture",
          "tiers": [ { "lowerBound": "0", "maxLeverage": 40 }, { "lowerBound": "150000000", "maxLeverage": 20 } ] }
        """;

    public static MarginTierTable BybitBtc { get; } = MarginTierTableJson.Parse(BybitBtcJson, "fixtures/bybit-linear/BTCUSDT.json");

    public static MarginTierTable OkxBtc { get; } = MarginTierTableJson.Parse(OkxBtcJson, "fixtures/okx-swap/BTC-USDT-SWAP.json");

    public static MarginTierTable HyperliquidBtc { get; } = MarginTierTableJson.Parse(HyperliquidBtcJson, "fixtures/hyperliquid/BTC.json");

    /// <summary>A single-tier Hyperliquid table at <paramref name="maxLeverage"/> (a coin's max leverage as it was when a
    /// position was recorded).</summary>
    public static MarginTierTable HyperliquidSingle(string coin, int maxLeverage) => MarginTierTableJson.Parse(
        $$"""{ "venue": "hyperliquid", "symbol": "{{coin}}", "effectiveDate": "2024-10-01", "source": "test", "tiers": [ { "lowerBound": "0", "maxLeverage": {{maxLeverage}} } ] }""",
        $"fixtures/hyperliquid/{coin}.json");

    public static IMarginModel Binance { get; } = MarginModels.For(Core.Tests.Margin.Fixtures.BtcUsdt);

    public static IMarginModel Bybit { get; } = MarginModels.For(BybitBtc);

    public static IMarginModel Okx { get; } = MarginModels.For(OkxBtc);

    public static IMarginModel Hyperliquid { get; } = MarginModels.For(HyperliquidBtc);

    public static IMarginModel ByVenue(Venue venue) => venue switch
    {
        Venue.BinanceUsdm => Binance,
        Venue.BybitLinear => Bybit,
        Venue.OkxSwap => Okx,
        _ => Hyperliquid,
    };
}
