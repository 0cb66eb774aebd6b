using System.Text.RegularExpressions;

namespace LiquidationLab.Core.Margin.Venues;

/// <summary>A derivatives venue whose margin rules LiquidationLab models (one <see cref="IMarginModel"/> per venue).</summary>
public enum Venue
{
    /// <summary>Binance USDⓈ-M perpetual futures (USDT-margined, linear).</summary>
    BinanceUsdm,

    /// <summary>Bybit linear USDT perpetuals (category <c>linear</c>).</summary>
    BybitLinear,

    /// <summary>OKX USDT-margined perpetual swaps (instType <c>SWAP</c>, e.g. <c>BTC-USDT-SWAP</c>).</summary>
    OkxSwap,

    /// <summary>Hyperliquid perpetuals (USDC-margined).</summary>
    Hyperliquid,
}

/// <summary>Names, tier-table folders and instrument grammars of the <see cref="Venue"/>s.</summary>
public static partial class VenueInfo
{
    /// <summary>Every venue, in declaration order.</summary>
    public static IReadOnlyList<Venue> All { get; } = [Venue.BinanceUsdm, Venue.BybitLinear, Venue.OkxSwap, Venue.Hyperliquid];

    /// <summary>The user's name of a venue (<c>binance</c>, <c>bybit</c>, <c>okx</c>, <c>hyperliquid</c>): what a
    /// <c>--venue</c> option or a <c>venue</c> URL parameter holds.</summary>
    public static string Name(Venue venue) => venue switch
    {
        Venue.BinanceUsdm => "binance",
        Venue.BybitLinear => "bybit",
        Venue.OkxSwap => "okx",
        Venue.Hyperliquid => "hyperliquid",
        _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown venue."),
    };

    /// <summary>The folder under <c>data/tiers/</c> holding the venue's tier tables, one <c>&lt;instrument&gt;.json</c> each:
    /// <c>binance-usdm</c>, <c>bybit-linear</c>, <c>okx-swap</c>, <c>hyperliquid</c>. It is also the <c>venue</c> field of a
    /// <see cref="MarginTierTableJson"/> file.</summary>
    public static string TierFolder(Venue venue) => venue switch
    {
        Venue.BinanceUsdm => "binance-usdm",
        Venue.BybitLinear => "bybit-linear",
        Venue.OkxSwap => "okx-swap",
        Venue.Hyperliquid => "hyperliquid",
        _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown venue."),
    };

    /// <summary>Reads a venue from its user name (<see cref="Name"/>) or its tier folder (<see cref="TierFolder"/>),
    /// ASCII case-insensitive, surrounding blanks ignored.</summary>
    /// <returns>False for anything else (including null or empty text).</returns>
    public static bool TryParse(string? text, out Venue venue)
    {
        venue = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32) return false;
        var t = text.Trim();
        foreach (var v in All)
        {
            if (string.Equals(t, Name(v), StringComparison.OrdinalIgnoreCase) || string.Equals(t, TierFolder(v), StringComparison.OrdinalIgnoreCase))
            {
                venue = v;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether <paramref name="instrument"/> matches the venue's instrument grammar — the only names that may become a
    /// tier file name: Binance and Bybit symbols <c>[A-Z0-9]{2,30}</c> (<c>BTCUSDT</c>, <c>1000PEPEUSDT</c>); OKX swap ids
    /// <c>[A-Z0-9]{1,20}-USDT-SWAP</c> (<c>BTC-USDT-SWAP</c>); Hyperliquid coins <c>[A-Za-z0-9]{1,20}</c> (<c>BTC</c>,
    /// <c>kPEPE</c>). Nothing with a path separator or a dot passes.
    /// </summary>
    public static bool IsInstrument(Venue venue, string? instrument) => instrument is not null && venue switch
    {
        Venue.BinanceUsdm or Venue.BybitLinear => SymbolGrammar().IsMatch(instrument),
        Venue.OkxSwap => OkxSwapGrammar().IsMatch(instrument),
        Venue.Hyperliquid => CoinGrammar().IsMatch(instrument),
        _ => false,
    };

    /// <summary>The file name of an instrument's tier table, <c>&lt;instrument&gt;.json</c>, for a name of the venue's grammar
    /// (<see cref="IsInstrument"/>) only; the file lives in <c>data/tiers/&lt;</c><see cref="TierFolder"/><c>&gt;/</c>.</summary>
    /// <exception cref="ArgumentException">The name is not an instrument of the venue (it never becomes a path).</exception>
    public static string TierFileName(Venue venue, string instrument) => IsInstrument(venue, instrument)
        ? instrument + ".json"
        : throw new ArgumentException($"'{instrument}' is not a {Name(venue)} instrument name.", nameof(instrument));

    /// <summary>The venue's name in the store's <c>venue</c> column of candles and open interest (<c>binance-usdm</c>,
    /// <c>bybit-linear</c>, <c>okx-swap</c>, <c>hyperliquid</c>): the same text as <see cref="TierFolder"/>.</summary>
    public static string StoreVenue(Venue venue) => TierFolder(venue);

    /// <summary>
    /// The base asset a user's symbol names, upper-cased: <c>BTC</c> for <c>BTC</c>, <c>btc</c>, <c>BTCUSDT</c> or
    /// <c>BTC-USDT-SWAP</c> (a USDT-quoted Binance/Bybit symbol, an OKX swap id or a bare coin), surrounding blanks ignored.
    /// </summary>
    /// <returns>The asset (<c>[A-Z0-9]{1,20}</c>), or null for anything else (empty, too long, other quote currencies' punctuation).</returns>
    public static string? BaseAsset(string? symbol)
    {
        if (string.IsNullOrWhiteSpace(symbol) || symbol.Length > 40) return null;
        var s = symbol.Trim().ToUpperInvariant();
        if (s.EndsWith("-USDT-SWAP", StringComparison.Ordinal)) s = s[..^"-USDT-SWAP".Length];
        else if (s.Length > 4 && s.EndsWith("USDT", StringComparison.Ordinal)) s = s[..^"USDT".Length];
        return AssetGrammar().IsMatch(s) ? s : null;
    }

    /// <summary>
    /// The venue's instrument for a user's symbol (<see cref="BaseAsset"/>): <c>BTCUSDT</c> on Binance USDⓈ-M and Bybit linear,
    /// <c>BTC-USDT-SWAP</c> on OKX, <c>BTC</c> on Hyperliquid — so one symbol (<c>BTC</c>, <c>BTCUSDT</c>) names the same
    /// market on every venue. The result always matches <see cref="IsInstrument"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The symbol names no base asset (see <see cref="BaseAsset"/>).</exception>
    public static string Instrument(Venue venue, string symbol)
    {
        var asset = BaseAsset(symbol)
            ?? throw new ArgumentException($"'{symbol}' names no asset: give a coin (BTC) or a USDT perpetual (BTCUSDT, BTC-USDT-SWAP).", nameof(symbol));
        var instrument = venue switch
        {
            Venue.BinanceUsdm or Venue.BybitLinear => asset + "USDT",
            Venue.OkxSwap => asset + "-USDT-SWAP",
            Venue.Hyperliquid => asset,
            _ => throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown venue."),
        };
        return IsInstrument(venue, instrument) ? instrument
            : throw new ArgumentException($"'{symbol}' is not a {Name(venue)} instrument name ({instrument}).", nameof(symbol));
    }

    [GeneratedRegex(@"^[A-Z0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AssetGrammar();

    [GeneratedRegex(@"^[A-Z0-9]{2,30}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolGrammar();

    [GeneratedRegex(@"^[A-Z0-9]{1,20}-USDT-SWAP\z", RegexOptions.CultureInvariant)]
    private static partial Regex OkxSwapGrammar();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CoinGrammar();
}
