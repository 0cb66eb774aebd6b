using System.Globalization;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.Models;

namespace LiquidationLab.Analysis;

/// <summary>A query parameter the caller got wrong: <see cref="Parameter"/> names it as the API and CLI spell it.</summary>
public sealed class QueryParameterException : ArgumentException
{
    /// <summary>Creates the error.</summary>
    /// <param name="parameter">The parameter's name (<c>from</c>, <c>symbol</c>, …).</param>
    /// <param name="problem">What is wrong and what is accepted.</param>
    public QueryParameterException(string parameter, string problem) : base($"{parameter}: {problem}")
    {
        Parameter = parameter;
        Problem = problem;
    }

    /// <summary>The parameter's name.</summary>
    public string Parameter { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}

/// <summary>The store lacks the data a valid query needs (no candles for the symbol and window, no trades, …).</summary>
/// <param name="message">What is missing, in the user's terms.</param>
/// <param name="parameter">The parameter whose choice met the gap (e.g. <c>venues</c>, <c>price_venue</c>), or null.</param>
public sealed class DataUnavailableException(string message, string? parameter = null) : InvalidOperationException(message)
{
    /// <summary>The parameter whose choice met the gap, as the API spells it, or null.</summary>
    public string? Parameter { get; } = parameter;
}

/// <summary>Upper bounds on what one query may ask for, so one request cannot exhaust the server. The front end chooses them
/// for its context: <see cref="Default"/> for a shared server (<c>liqlab serve</c>), <see cref="Local"/> on a user's own
/// machine (the CLI, notebooks).</summary>
/// <param name="MaxCandles">Candles a heatmap or history may read (a year of 5-minute candles is 105,120).</param>
/// <param name="MaxColumns">Heatmap time columns.</param>
/// <param name="MaxPriceBins">Price bins of a heatmap or map.</param>
/// <param name="MaxLeverages">Leverages in one levels query.</param>
/// <param name="MaxSelectedTrades">Trades a liquidation map may select (default 2,000,000), or null for no cap: a map streams
/// its trades through the model in batches, so its memory does not grow with them, but its time does (a shared server's
/// computation slots are few).</param>
/// <param name="MaxPriceUsd">Largest entry or mark price a levels query accepts, USDT (default 1e9).</param>
/// <param name="MaxWalletBalanceUsd">Largest cross wallet balance a levels query accepts, USDT (default 1e12).</param>
public sealed record AnalysisLimits(int MaxCandles = 250_000, int MaxColumns = 2_000, int MaxPriceBins = 2_000, int MaxLeverages = 50, long? MaxSelectedTrades = 2_000_000,
    decimal MaxPriceUsd = 1_000_000_000m, decimal MaxWalletBalanceUsd = 1_000_000_000_000m)
{
    /// <summary>The defaults, a shared server's (<c>liqlab serve</c>).</summary>
    public static AnalysisLimits Default { get; } = new();

    /// <summary>A user's own machine (the CLI, notebooks): the defaults without a cap on the trades a map selects — a month
    /// of BTCUSDT trades at a 10 k USD threshold is several million, streamed in bounded memory.</summary>
    public static AnalysisLimits Local { get; } = new() { MaxSelectedTrades = null };
}

/// <summary>
/// The defaults of the queries, written once: the CLI's options, the API's parameters and the notebook facade's arguments
/// fall back to these, so the same question asked without them gets the same answer everywhere.
/// </summary>
public static class QueryDefaults
{
    /// <summary>The symbol when none is given.</summary>
    public const string Symbol = "BTCUSDT";

    /// <summary>The venue of a levels query when none is given: Binance USDⓈ-M (<c>binance</c>).</summary>
    public const Venue Venue = Core.Margin.Venues.Venue.BinanceUsdm;

    /// <summary>The heatmap's (and model comparison's) candle interval when none is given.</summary>
    public const string Interval = "5m";

    /// <summary>The history's period when none is given.</summary>
    public const string HistoryInterval = "4h";

    /// <summary>The backtest's period when none is given.</summary>
    public const string BacktestInterval = "1h";

    /// <summary>Bootstrap resamples of the backtest's intervals when none are given.</summary>
    public const int Resamples = 2000;

    /// <summary>The backtest's walk-forward refit interval, days, when none is given.</summary>
    public const int RefitDays = 7;

    /// <summary>The backtest's bootstrap block length, days, when none is given.</summary>
    public const int BlockDays = 1;

    /// <summary>The backtest's event quantile of the training totals when none is given.</summary>
    public const double EventQuantile = 0.8;

    /// <summary>The publisher of true liquidation levels when none is given: the kittycapital snapshots of Hyperliquid's largest accounts.</summary>
    public const string TrueLevelSource = "kittycapital-hl-top-traders";

    /// <summary>Days of candles a true-levels map runs before the first snapshot when none are given (its inventory builds up).</summary>
    public const double TrueLevelWarmupDays = 30;

    /// <summary>Time columns a heatmap aims for when candles per column are not given (candles are grouped to stay at or under it).</summary>
    public const int MaxColumns = 1000;

    /// <summary>The share of trades (by count) the comparison's trade-based models take.</summary>
    public const double TradePortion = 0.05;
}

/// <summary>A UTC time window [From, To); either end may be open (the data's own first or last time).</summary>
/// <param name="From">Start, inclusive, or null.</param>
/// <param name="To">End, exclusive, or null.</param>
public readonly record struct TimeWindow(DateTime? From, DateTime? To)
{
    /// <summary>The start for store reads.</summary>
    public DateTime Start => From ?? DateTime.MinValue;

    /// <summary>The end for store reads.</summary>
    public DateTime End => To ?? DateTime.MaxValue;

    /// <summary>The earliest time a window may name: 1970-01-01 UTC (no market data is older).</summary>
    public static DateTime Earliest { get; } = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The latest time a window may name: 2200-01-01 UTC (later times are typing errors, and their arithmetic
    /// would leave the range of <see cref="DateTime"/>).</summary>
    public static DateTime Latest { get; } = new(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Parses <c>from</c>/<c>to</c>: a date <c>yyyy-MM-dd</c> (a date-only <c>to</c> includes that whole day) or an ISO
    /// date-time, read as UTC when it has no offset.
    /// </summary>
    /// <exception cref="QueryParameterException">Unparseable text, a time outside [<see cref="Earliest"/>, <see cref="Latest"/>],
    /// or <c>to</c> not after <c>from</c>.</exception>
    public static TimeWindow Parse(string? from, string? to, string fromName = "from", string toName = "to")
    {
        var start = string.IsNullOrWhiteSpace(from) ? (DateTime?)null : ParseTime(from, fromName, endOfDay: false);
        var end = string.IsNullOrWhiteSpace(to) ? (DateTime?)null : ParseTime(to, toName, endOfDay: true);
        if (start is { } s && end is { } e && e <= s)
            throw new QueryParameterException(toName, $"{to} must be after {fromName} ({from}).");
        return new TimeWindow(start, end);
    }

    // ISO 8601 only (as RFC 3339 writes it, with the T): "01/06/2026" was read as 6 January by the culture-free parser.
    // K takes Z, an offset (+02:00) or nothing (read as UTC).
    private static readonly string[] IsoDateTimes =
        ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    private static DateTime ParseTime(string text, string name, bool endOfDay)
    {
        DateTime time;
        if (text.Length > 64)
            throw new QueryParameterException(name, $"expected ISO 8601 (yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss] with Z or an offset), found {text.Length:N0} characters.");
        var dateOnly = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d);
        if (dateOnly)
            time = d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        else if (DateTimeOffset.TryParseExact(text, IsoDateTimes, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso))
            time = iso.UtcDateTime;
        else
            throw new QueryParameterException(name,
                $"expected ISO 8601: a date yyyy-MM-dd or a date-time yyyy-MM-ddTHH:mm[:ss[.fff]] with Z or an offset such as +02:00 (no offset: UTC), found '{text}'.");
        if (time < Earliest || time >= Latest)
            throw new QueryParameterException(name, $"{text} is outside the supported range {Earliest:yyyy-MM-dd} – {Latest:yyyy-MM-dd} (UTC).");
        return dateOnly && endOfDay ? time.AddDays(1) : time; // a date-only end includes its day
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{From:yyyy-MM-dd HH:mm} – {To:yyyy-MM-dd HH:mm})");
}

/// <summary>Liquidation prices of one position over a batch of leverages (the <c>levels</c> rows), on one venue.</summary>
/// <param name="Symbol">The venue's instrument with a tier table: <c>BTCUSDT</c> (Binance, Bybit), <c>BTC-USDT-SWAP</c> (OKX),
/// <c>BTC</c> (Hyperliquid).</param>
/// <param name="EntryPrice">Entry price in the quote currency (USDT; USDC on Hyperliquid), &gt; 0.</param>
/// <param name="QuantityBase">Position size in base units, &gt; 0.</param>
/// <param name="Leverages">Leverages, each ≥ 1 (those above the table's maximum come back rejected, with the reason).</param>
/// <param name="MarginModes">Isolated and/or cross.</param>
/// <param name="Sides">Long and/or short.</param>
/// <param name="ReferencePrice">Mark price for distances (default: the entry).</param>
/// <param name="CrossAccount">Cross: the account's wallet balance and other positions.</param>
/// <param name="Venue">The venue whose margin model computes the rows (default <see cref="QueryDefaults.Venue"/>, Binance USDⓈ-M).</param>
public sealed record LevelsQuery(string Symbol, decimal EntryPrice, decimal QuantityBase, IReadOnlyList<int> Leverages,
    IReadOnlyList<MarginMode> MarginModes, IReadOnlyList<PositionSide> Sides, decimal? ReferencePrice = null, CrossMarginAccount? CrossAccount = null,
    Venue Venue = QueryDefaults.Venue)
{
    /// <summary>Parses a venue by its user name — <c>binance</c>, <c>bybit</c>, <c>okx</c> or <c>hyperliquid</c> (also its
    /// tier folder's name, e.g. <c>bybit-linear</c>; case-insensitive); null or blank is the default (Binance).</summary>
    /// <param name="text">The text given.</param>
    /// <param name="name">The parameter's name as the caller spells it (<c>venue</c>, <c>--venue</c>).</param>
    /// <exception cref="QueryParameterException">Anything else, listing the four venues.</exception>
    public static Venue ParseVenue(string? text, string name = "venue")
    {
        if (string.IsNullOrWhiteSpace(text)) return QueryDefaults.Venue;
        if (VenueInfo.TryParse(text, out var venue)) return venue;
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        throw new QueryParameterException(name, $"expected one of {string.Join(", ", VenueInfo.All.Select(VenueInfo.Name))}, found '{shown}'.");
    }

    /// <summary>The default leverages.</summary>
    public static IReadOnlyList<int> DefaultLeverages { get; } = [5, 10, 25, 50, 100, 125];

    /// <summary>Parses a side list: <c>long</c>, <c>short</c> or <c>both</c>.</summary>
    /// <exception cref="QueryParameterException">Anything else.</exception>
    public static IReadOnlyList<PositionSide> ParseSides(string? text, string name = "side") => (text ?? "both").Trim().ToLowerInvariant() switch
    {
        "long" => [PositionSide.Long],
        "short" => [PositionSide.Short],
        "both" or "" => [PositionSide.Long, PositionSide.Short],
        _ => throw new QueryParameterException(name, $"expected long, short or both, found '{text}'."),
    };

    /// <summary>Parses margin modes: <c>isolated</c>, <c>cross</c> or <c>both</c>, comma-separated.</summary>
    /// <exception cref="QueryParameterException">Anything else.</exception>
    public static IReadOnlyList<MarginMode> ParseMarginModes(IEnumerable<string> parts, string name = "margin")
    {
        var modes = new List<MarginMode>();
        foreach (var part in parts.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            switch (part.ToLowerInvariant())
            {
                case "isolated": modes.Add(MarginMode.Isolated); break;
                case "cross": modes.Add(MarginMode.Cross); break;
                case "both": modes.Add(MarginMode.Isolated); modes.Add(MarginMode.Cross); break;
                default: throw new QueryParameterException(name, $"'{part}' is not one of isolated, cross, both.");
            }
        return modes.Count == 0 ? [MarginMode.Isolated] : modes.Distinct().ToArray();
    }

    /// <summary>Parses leverages: whole numbers ≥ 1, comma-separated, an optional trailing <c>x</c>.</summary>
    /// <exception cref="QueryParameterException">A part that is not a whole number ≥ 1, or none at all.</exception>
    public static IReadOnlyList<int> ParseLeverages(IEnumerable<string> parts, string name = "leverage_levels")
    {
        var values = new List<int>();
        foreach (var part in parts.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(part.TrimEnd('x', 'X'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1)
                throw new QueryParameterException(name, $"'{part}' is not a whole number ≥ 1.");
            values.Add(v);
        }
        if (values.Count == 0) throw new QueryParameterException(name, "give at least one leverage, e.g. 5,10,25.");
        return values.Distinct().ToArray();
    }
}

/// <summary>A time × price heatmap of the time-evolving model over stored candles with open interest.</summary>
/// <param name="Symbol">Symbol with candles, open interest and a tier table.</param>
/// <param name="Interval">Stored candle interval (<c>5m</c>, <c>1h</c>, <c>4h</c>).</param>
/// <param name="Window">Time window (open ends: the first or last candle).</param>
/// <param name="Market"><c>perp</c> or <c>spot</c> candles; null: what the store has for the symbol, interval and window (perp
/// when it has both), named in the result.</param>
/// <param name="Model">Time-aware model; only <c>time-evolving</c> today.</param>
/// <param name="Mix">Leverage mix text (e.g. <c>5:0.15,10:0.3,…</c>), or null for the default.</param>
/// <param name="CandlesPerColumn">Candles per column; 0 chooses enough to keep ≤ <paramref name="MaxColumns"/> columns.</param>
/// <param name="OpenInterestSymbol">OI series symbol when it differs from the candles' (e.g. <c>BTC</c> for Coinglass).</param>
/// <param name="MaxColumns">Column budget when <paramref name="CandlesPerColumn"/> is 0 (default 1,000).</param>
/// <param name="Venues">The venues whose maps are summed (each from its own open interest, candles and tier table), or null for
/// the default: Binance USDⓈ-M alone, read as it always was (any venue's open interest of the symbol, Binance's candles first).</param>
/// <param name="PriceVenue">For a venue with open interest but no candles of its own: the venue whose candles give its price path
/// (e.g. Binance's for Hyperliquid); null (default) makes such a venue an error (or, with <see cref="VenueSelection.All"/>, left out).</param>
public sealed record HeatmapQuery(string Symbol, string Interval, TimeWindow Window, string? Market = null, string Model = TimeEvolvingModel.ModelName,
    string? Mix = null, int CandlesPerColumn = 0, string? OpenInterestSymbol = null, int MaxColumns = QueryDefaults.MaxColumns,
    VenueSelection? Venues = null, Venue? PriceVenue = null)
{
    /// <summary>Parses the <c>price_venue</c> parameter: a venue's user name (<c>binance</c>, <c>bybit</c>, <c>okx</c>,
    /// <c>hyperliquid</c>); null or blank: none (the default).</summary>
    /// <param name="text">The text given.</param>
    /// <param name="name">The parameter's name as the caller spells it (<c>price_venue</c>, <c>--price-venue</c>).</param>
    /// <exception cref="QueryParameterException">Anything else, listing the venues.</exception>
    public static Venue? ParsePriceVenue(string? text, string name = "price_venue") =>
        string.IsNullOrWhiteSpace(text) ? null : LevelsQuery.ParseVenue(text, name);
}

/// <summary>The venues of a heatmap: a list named by the user, or <see cref="All"/> of them (then a venue lacking data is left
/// out and the result says why, where a named venue lacking data is an error).</summary>
/// <param name="List">The venues, in the order given, each once.</param>
/// <param name="All">True when the user asked for every venue (<c>all</c>).</param>
public sealed record VenueSelection(IReadOnlyList<Venue> List, bool All)
{
    /// <summary>The longest <c>venues</c> text accepted, characters.</summary>
    public const int MaxTextLength = 200;

    /// <summary>Every venue (<c>all</c>).</summary>
    public static VenueSelection Every { get; } = new(VenueInfo.All, true);

    /// <summary>A list of venues (duplicates dropped).</summary>
    /// <exception cref="ArgumentException">No venue.</exception>
    public static VenueSelection Of(params Venue[] venues)
    {
        ArgumentNullException.ThrowIfNull(venues);
        return venues.Length == 0 ? throw new ArgumentException("At least one venue.", nameof(venues)) : new(venues.Distinct().ToArray(), false);
    }

    /// <summary>
    /// Parses the <c>venues</c> parameter: <c>all</c>, or a comma-separated list of <c>binance</c>, <c>bybit</c>, <c>okx</c>,
    /// <c>hyperliquid</c> (tier-folder names such as <c>bybit-linear</c> too; case-insensitive; duplicates dropped). Null or
    /// blank: null, the default (Binance USDⓈ-M alone).
    /// </summary>
    /// <param name="text">The text given.</param>
    /// <param name="name">The parameter's name as the caller spells it (<c>venues</c>, <c>--venues</c>).</param>
    /// <exception cref="QueryParameterException">An unknown venue, an empty list or a text over <see cref="MaxTextLength"/> characters.</exception>
    public static VenueSelection? Parse(string? text, string name = "venues")
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var known = $"all, or a comma-separated list of {string.Join(", ", VenueInfo.All.Select(VenueInfo.Name))}";
        if (text.Length > MaxTextLength)
            throw new QueryParameterException(name, $"expected {known}; found {text.Length:N0} characters.");
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase)) return Every;
        var venues = new List<Venue>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) continue;
            if (!VenueInfo.TryParse(part, out var venue))
            {
                var shown = part.Length > 40 ? part[..40] + "…" : part;
                throw new QueryParameterException(name, $"'{shown}' is not a venue; expected {known}.");
            }
            if (!venues.Contains(venue)) venues.Add(venue);
        }
        return venues.Count == 0 ? throw new QueryParameterException(name, $"expected {known}; found no venue.") : new VenueSelection(venues, false);
    }

    /// <summary><c>all</c>, or the venues' user names joined by commas (what <see cref="Parse"/> reads back).</summary>
    public override string ToString() => All ? "all" : string.Join(",", List.Select(VenueInfo.Name));
}

/// <summary>A large-trade liquidation map (Binance standard model) from stored aggregate trades.</summary>
/// <param name="Symbol">Symbol with trades and a tier table.</param>
/// <param name="Window">Time window (open ends: the first or last trade).</param>
/// <param name="Filter">Which trades count: gross value ≥ USD, the top N, or the largest portion.</param>
/// <param name="Mix">Leverage mix text, or null for the default.</param>
/// <param name="BinWidth">Price bin width, USD, or null for ~250 nice bins.</param>
public sealed record MapQuery(string Symbol, TimeWindow Window, TradeFilter Filter, string? Mix = null, double? BinWidth = null)
{
    /// <summary>Parses a filter mode name: <c>gross_value</c>, <c>top_n</c> or <c>portion</c>.</summary>
    /// <exception cref="QueryParameterException">Another name, or a threshold outside the mode's range.</exception>
    public static TradeFilter ParseFilter(string? mode, double threshold, string modeName = "mode", string thresholdName = "threshold")
    {
        var m = (mode ?? "gross_value").Trim().ToLowerInvariant() switch
        {
            "gross_value" => TradeFilterMode.GrossValue,
            "top_n" => TradeFilterMode.TopN,
            "portion" => TradeFilterMode.Portion,
            _ => throw new QueryParameterException(modeName, $"expected gross_value, top_n or portion, found '{mode}'."),
        };
        if (!double.IsFinite(threshold) || threshold < 0 || (m == TradeFilterMode.Portion && (threshold <= 0 || threshold > 1)) || (m == TradeFilterMode.TopN && (threshold < 1 || threshold != Math.Floor(threshold))))
            throw new QueryParameterException(thresholdName, m switch
            {
                TradeFilterMode.Portion => $"a portion is a fraction in (0, 1], found {threshold.ToString(CultureInfo.InvariantCulture)}.",
                TradeFilterMode.TopN => $"top_n takes a whole number ≥ 1, found {threshold.ToString(CultureInfo.InvariantCulture)}.",
                _ => $"a gross value is a notional ≥ 0 USD, found {threshold.ToString(CultureInfo.InvariantCulture)}.",
            });
        return new TradeFilter(m, threshold);
    }

    /// <summary>The filter's mode as the API and CLI spell it.</summary>
    public static string ModeName(TradeFilterMode mode) => mode switch
    {
        TradeFilterMode.TopN => "top_n",
        TradeFilterMode.Portion => "portion",
        _ => "gross_value",
    };
}

/// <summary>Every model on one symbol: trade-based models on a trade window, candle-based models on a candle window.</summary>
/// <param name="Symbol">Symbol with a tier table.</param>
/// <param name="TradeWindow">Window of aggregate trades (open: the last day of stored trades).</param>
/// <param name="CandleWindow">Window of candles with open interest (open: the last 30 days of stored candles).</param>
/// <param name="Interval">Candle interval.</param>
/// <param name="TradePortion">Share of the largest trades the trade-based models use, (0, 1].</param>
public sealed record CompareQuery(string Symbol, TimeWindow TradeWindow, TimeWindow CandleWindow, string Interval = QueryDefaults.Interval, double TradePortion = QueryDefaults.TradePortion);

/// <summary>Real liquidation totals (and prints) next to the time-evolving model's predictions, per period.</summary>
/// <param name="Symbol">Candle symbol (totals are read for its base asset, BTCUSDT → BTC).</param>
/// <param name="Interval">Period (<c>1h</c>, <c>4h</c>, <c>1d</c>): totals of that interval or summed from a shorter one.</param>
/// <param name="Window">Time window.</param>
/// <param name="Market"><c>perp</c> or <c>spot</c> candles; null: what the store has for the symbol, interval and window (perp
/// when it has both), named in the result.</param>
/// <param name="OpenInterestSymbol">OI series symbol when it differs (e.g. <c>BTC</c>).</param>
/// <param name="Scope">Exchange scope of the totals when several are stored (e.g. <c>Binance</c>).</param>
public sealed record HistoryQuery(string Symbol, string Interval, TimeWindow Window, string? Market = null, string? OpenInterestSymbol = null, string? Scope = null);
