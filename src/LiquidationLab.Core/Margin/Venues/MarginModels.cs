namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// The one place that maps a venue and its tier table to its <see cref="IMarginModel"/>: a front end that has a
/// <see cref="Venue"/> and a table file needs one call, <c>MarginModels.Parse(venue, json, path)</c>.
/// </summary>
public static class MarginModels
{
    /// <summary>The model of a Binance USDⓈ-M symbol.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="brackets"/> is null.</exception>
    public static IMarginModel For(LeverageBracketTable brackets) => new BinanceUsdmMarginModel(brackets);

    /// <summary>The model of a Bybit, OKX or Hyperliquid table (by <see cref="MarginTierTable.Venue"/>).</summary>
    /// <exception cref="ArgumentException">A Binance table given as tiers (use <see cref="For(LeverageBracketTable)"/>).</exception>
    public static IMarginModel For(MarginTierTable tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        return tiers.Venue switch
        {
            Venue.BybitLinear => new BybitLinearMarginModel(tiers),
            Venue.OkxSwap => new OkxSwapMarginModel(tiers),
            Venue.Hyperliquid => new HyperliquidMarginModel(tiers),
            _ => throw new ArgumentException($"A {VenueInfo.Name(tiers.Venue)} model is built from its leverage-bracket table.", nameof(tiers)),
        };
    }

    /// <summary>Parses the venue's tier file and returns its model: Binance files with
    /// <see cref="LeverageBracketTableJson"/>, the others with <see cref="MarginTierTableJson"/> (whose <c>venue</c> must
    /// match).</summary>
    /// <param name="venue">The venue the file belongs to.</param>
    /// <param name="json">The file's text.</param>
    /// <param name="sourceName">Its path, for messages.</param>
    /// <exception cref="LeverageBracketTableException">A malformed Binance file.</exception>
    /// <exception cref="MarginTierTableException">A malformed Bybit, OKX or Hyperliquid file, or one of another venue.</exception>
    public static IMarginModel Parse(Venue venue, string json, string sourceName) => venue == Venue.BinanceUsdm
        ? For(LeverageBracketTableJson.Parse(json, sourceName))
        : For(MarginTierTableJson.Parse(json, sourceName, venue));
}
