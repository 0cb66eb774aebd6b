namespace LiquidationLab.Core.MarketData;

/// <summary>Which liquidations a forecast is of: both sides, or the longs or the shorts liquidated.</summary>
public enum LiquidationSide
{
    /// <summary>Longs + shorts.</summary>
    Total,

    /// <summary>Long positions liquidated (price falling).</summary>
    Long,

    /// <summary>Short positions liquidated (price rising).</summary>
    Short,
}
