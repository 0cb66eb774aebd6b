using LiquidationLab.Core.Margin;

namespace LiquidationLab.Core.Tests.Margin;

/// <summary>
/// Bracket tables written by the tests themselves. <see cref="BtcUsdtJson"/> is the project's starting 10-bracket BTCUSDT
/// table typed out independently of data/tiers (a test of the shipped file lives in the Data tests).
/// </summary>
internal static class Fixtures
{
    public const string BtcUsdtJson = """
        {
          "symbol": "BTCUSDT", "effectiveDate": "2026-11-23", "source": "test fixture: the starting BTCUSDT brackets",
          "brackets": [
            { "bracket": 1,  "initialLeverage": 125, "notionalCap": 50000,     "notionalFloor": 0,         "maintMarginRatio": 0.004, "cum": 0.0 },
            { "bracket": 2,  "initialLeverage": 100, "notionalCap": 250000,    "notionalFloor": 50000,     "maintMarginRatio": 0.005, "cum": 50.0 },
            { "bracket": 3,  "initialLeverage": 50,  "notionalCap": 1000000,   "notionalFloor": 250000,    "maintMarginRatio": 0.01,  "cum": 1300.0 },
            { "bracket": 4,  "initialLeverage": 20,  "notionalCap": 10000000,  "notionalFloor": 1000000,   "maintMarginRatio": 0.025, "cum": 16300.0 },
            { "bracket": 5,  "initialLeverage": 10,  "notionalCap": 20000000,  "notionalFloor": 10000000,  "maintMarginRatio": 0.05,  "cum": 266300.0 },
            { "bracket": 6,  "initialLeverage": 5,   "notionalCap": 50000000,  "notionalFloor": 20000000,  "maintMarginRatio": 0.1,   "cum": 1266300.0 },
            { "bracket": 7,  "initialLeverage": 4,   "notionalCap": 100000000, "notionalFloor": 50000000,  "maintMarginRatio": 0.125, "cum": 2516300.0 },
            { "bracket": 8,  "initialLeverage": 3,   "notionalCap": 200000000, "notionalFloor": 100000000, "maintMarginRatio": 0.15,  "cum": 5016300.0 },
            { "bracket": 9,  "initialLeverage": 2,   "notionalCap": 300000000, "notionalFloor": 200000000, "maintMarginRatio": 0.25,  "cum": 25016300.0 },
            { "bracket": 10, "initialLeverage": 1,   "notionalCap": 500000000, "notionalFloor": 300000000, "maintMarginRatio": 0.5,   "cum": 100016300.0 }
          ]
        }
        """;

    public static LeverageBracketTable BtcUsdt { get; } = LeverageBracketTableJson.Parse(BtcUsdtJson, "fixtures/BTCUSDT.json");
}
