using System.Globalization;
using System.Text.Json;

namespace LiquidationLab.Core.Margin.Venues;

/// <summary>
/// Parses a venue tier table (Bybit, OKX, Hyperliquid; Binance's files are read by
/// <see cref="LeverageBracketTableJson"/>). One envelope, with each tier in the shape of the venue's own API:
/// <code>
/// { "venue": "bybit-linear", "symbol": "BTCUSDT", "effectiveDate": "2026-12-08", "source": "…", "tickSize": "0.10",
///   "tiers": [ … ] }
/// </code>
/// <list type="bullet">
/// <item><c>bybit-linear</c>: tiers as in <c>GET /v5/market/risk-limit</c> (category linear):
/// <c>{ "id": 1, "riskLimitValue": "2000000", "maintenanceMargin": "0.005", "mmDeduction": "", "initialMargin": "0.01",
/// "maxLeverage": "100.00" }</c>. A tier spans (previous <c>riskLimitValue</c>, its <c>riskLimitValue</c>] in USDT
/// position value. An empty or absent <c>mmDeduction</c> is derived from continuity; a given one is checked.</item>
/// <item><c>okx-swap</c>: tiers as in <c>GET /api/v5/public/position-tiers</c> (instType SWAP):
/// <c>{ "tier": "1", "minSz": "0", "maxSz": "…", "mmr": "0.004", "imr": "0.008", "maxLever": "125" }</c>, sizes in
/// contracts, plus the envelope's required <c>contractValue</c> (the instrument's <c>ctVal</c>, base units per contract,
/// e.g. <c>"0.01"</c> for BTC-USDT-SWAP).</item>
/// <item><c>hyperliquid</c>: tiers as in the info API's <c>meta</c> margin table <c>marginTiers</c>:
/// <c>{ "lowerBound": "0.0", "maxLeverage": 40 }</c>. MMR = 1 / (2 × max leverage) and the deduction are derived as the
/// docs define them; the last tier has no cap.</item>
/// </list>
/// Numbers may be JSON numbers or numeric strings; they are read as exact <see cref="decimal"/>. Unknown fields are
/// ignored. Every error names the source, the tier's 1-based position and the field.
/// </summary>
public static class MarginTierTableJson
{
    /// <summary>Largest JSON text accepted, in characters (a 35-tier Bybit table is about 6,000).</summary>
    public const int MaxJsonChars = 1_000_000;

    /// <summary>Parses and validates a table.</summary>
    /// <param name="json">The JSON text, at most <see cref="MaxJsonChars"/> characters.</param>
    /// <param name="sourceName">Where the text came from (file path), used in every error message.</param>
    /// <param name="expectedVenue">When given, the file's <c>venue</c> must be this one.</param>
    /// <returns>The validated table.</returns>
    /// <exception cref="MarginTierTableException">Text too long, malformed JSON (with line), an unknown or unexpected venue,
    /// a missing or non-numeric field (naming tier and field), too many tiers, or a violated table invariant
    /// (see <see cref="MarginTierTable"/>).</exception>
    public static MarginTierTable Parse(string json, string sourceName, Venue? expectedVenue = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (json.Length > MaxJsonChars)
            throw new MarginTierTableException(sourceName, null, null, $"the file has {json.Length:N0} characters; a tier table has at most {MaxJsonChars:N0}.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new MarginTierTableException(sourceName, null, null,
                $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MarginTierTableException(sourceName, null, null, $"expected a JSON object {{venue, symbol, effectiveDate, source, tiers}}, found {root.ValueKind}.");
            var venueText = RequiredString(root, "venue", sourceName, null);
            if (!VenueInfo.TryParse(venueText, out var venue) || venue == Venue.BinanceUsdm)
                throw new MarginTierTableException(sourceName, null, "venue",
                    $"expected bybit-linear, okx-swap or hyperliquid, found '{venueText}' (Binance USDⓈ-M files are leverage-bracket tables).");
            if (expectedVenue is { } ev && ev != venue)
                throw new MarginTierTableException(sourceName, null, "venue", $"the file is for {VenueInfo.TierFolder(venue)}, expected {VenueInfo.TierFolder(ev)}.");
            var symbol = RequiredString(root, "symbol", sourceName, null);
            if (!VenueInfo.IsInstrument(venue, symbol))
                throw new MarginTierTableException(sourceName, null, "symbol", $"'{symbol}' is not a {VenueInfo.Name(venue)} instrument name.");
            var dateText = RequiredString(root, "effectiveDate", sourceName, null);
            if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effectiveDate))
                throw new MarginTierTableException(sourceName, null, "effectiveDate", $"expected a date yyyy-MM-dd, found '{dateText}'.");
            var source = RequiredString(root, "source", sourceName, null);
            decimal? tick = OptionalDecimal(root, "tickSize", sourceName, null);
            decimal? contractValue = OptionalDecimal(root, "contractValue", sourceName, null);
            if (!root.TryGetProperty("tiers", out var arr) || arr.ValueKind != JsonValueKind.Array)
                throw new MarginTierTableException(sourceName, null, "tiers", "missing or not an array.");
            var count = arr.GetArrayLength();
            if (count == 0)
                throw new MarginTierTableException(sourceName, null, "tiers", "the table has no tiers.");
            if (count > MarginTierTable.MaxTiers)
                throw new MarginTierTableException(sourceName, null, "tiers", $"{count} tiers; a table has at most {MarginTierTable.MaxTiers}.");

            var (basis, capInclusive, tiers) = venue switch
            {
                Venue.BybitLinear => (TierBasis.NotionalUsd, true, Bybit(arr, sourceName)),
                Venue.OkxSwap => (TierBasis.Contracts, true, Okx(arr, sourceName)),
                _ => (TierBasis.NotionalUsd, false, Hyperliquid(arr, sourceName)),
            };
            if (venue != Venue.OkxSwap && contractValue is not null)
                throw new MarginTierTableException(sourceName, null, "contractValue", $"only OKX tables carry a contract value.");
            try
            {
                return new MarginTierTable(venue, symbol, effectiveDate, source, basis, capInclusive, tiers, sourceName,
                    venue == Venue.OkxSwap ? contractValue ?? 0m : null) { TickSize = tick };
            }
            catch (MarginTierTableException e) when (e.Field is not null && VenueField(venue, e.Field) is { } named && named != e.Field)
            {
                throw new MarginTierTableException(sourceName, e.Tier, named, e.Problem, e);
            }
        }
    }

    /// <summary>The venue's JSON name of a table field, for messages in the file's own terms.</summary>
    private static string? VenueField(Venue venue, string field) => (venue, field) switch
    {
        (Venue.BybitLinear, "maintenanceMarginRate") => "maintenanceMargin",
        (Venue.BybitLinear, "maintenanceDeduction") => "mmDeduction",
        (Venue.BybitLinear, "cap") => "riskLimitValue",
        (Venue.BybitLinear, "floor") => "riskLimitValue",
        (Venue.BybitLinear, "tier") => "id",
        (Venue.OkxSwap, "maintenanceMarginRate") => "mmr",
        (Venue.OkxSwap, "maxLeverage") => "maxLever",
        (Venue.OkxSwap, "cap") => "maxSz",
        (Venue.OkxSwap, "floor") => "minSz",
        (Venue.Hyperliquid, "floor") => "lowerBound",
        (Venue.Hyperliquid, "cap") => "lowerBound",
        _ => field,
    };

    private static List<MarginTier> Bybit(JsonElement arr, string src)
    {
        var list = new List<MarginTier>(arr.GetArrayLength());
        var position = 0;
        var previousCap = 0m;
        var previousRate = 0m;
        var previousDeduction = 0m;
        foreach (var e in arr.EnumerateArray())
        {
            position++;
            RequireObject(e, src, position);
            var id = RequiredInteger(e, "id", src, position);
            var cap = RequiredDecimal(e, "riskLimitValue", src, position);
            var rate = RequiredDecimal(e, "maintenanceMargin", src, position);
            var lev = RequiredDecimal(e, "maxLeverage", src, position);
            // Bybit sends "" for the lowest tier's mmDeduction (and on some tables for every tier): derive it then.
            var derived = position == 1 ? 0m : previousDeduction + previousCap * (rate - previousRate);
            var given = e.TryGetProperty("mmDeduction", out var d) && !(d.ValueKind == JsonValueKind.String && d.GetString() == "")
                ? RequiredDecimal(e, "mmDeduction", src, position)
                : (decimal?)null;
            if (given is { } g && g != derived)
                throw new MarginTierTableException(src, position, "mmDeduction",
                    $"expected {derived} from continuity (previous deduction {previousDeduction} + previous riskLimitValue {previousCap} × (MMR {rate} − {previousRate})), found {g}.");
            list.Add(new MarginTier(id, previousCap, cap, rate, derived, lev));
            previousCap = cap;
            previousRate = rate;
            previousDeduction = derived;
        }
        return list;
    }

    private static List<MarginTier> Okx(JsonElement arr, string src)
    {
        var list = new List<MarginTier>(arr.GetArrayLength());
        var position = 0;
        foreach (var e in arr.EnumerateArray())
        {
            position++;
            RequireObject(e, src, position);
            list.Add(new MarginTier(
                Number: RequiredInteger(e, "tier", src, position),
                Floor: RequiredDecimal(e, "minSz", src, position),
                Cap: RequiredDecimal(e, "maxSz", src, position),
                MaintenanceMarginRate: RequiredDecimal(e, "mmr", src, position),
                MaintenanceDeductionUsd: 0m,
                MaxLeverage: RequiredDecimal(e, "maxLever", src, position)));
        }
        return list;
    }

    private static List<MarginTier> Hyperliquid(JsonElement arr, string src)
    {
        var bounds = new List<(decimal Lower, decimal Leverage)>(arr.GetArrayLength());
        var position = 0;
        foreach (var e in arr.EnumerateArray())
        {
            position++;
            RequireObject(e, src, position);
            var lower = RequiredDecimal(e, "lowerBound", src, position);
            var lev = RequiredDecimal(e, "maxLeverage", src, position);
            if (lev < 1 || lev > 1000)
                throw new MarginTierTableException(src, position, "maxLeverage", $"must be between 1 and 1,000, found {lev}.");
            bounds.Add((lower, lev));
        }
        var list = new List<MarginTier>(bounds.Count);
        var deduction = 0m;
        for (var i = 0; i < bounds.Count; i++)
        {
            // Docs: maintenance_margin_rate(tier n) = (initial margin rate at max leverage of tier n) / 2.
            var rate = 1m / (2m * bounds[i].Leverage);
            if (i > 0)
                deduction += bounds[i].Lower * (rate - list[i - 1].MaintenanceMarginRate);
            list.Add(new MarginTier(i + 1, bounds[i].Lower, i + 1 < bounds.Count ? bounds[i + 1].Lower : null, rate, deduction, bounds[i].Leverage));
        }
        return list;
    }

    private static void RequireObject(JsonElement e, string src, int position)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new MarginTierTableException(src, position, null, $"expected an object, found {e.ValueKind}.");
    }

    private static string RequiredString(JsonElement obj, string field, string src, int? tier)
    {
        if (!obj.TryGetProperty(field, out var v))
            throw new MarginTierTableException(src, tier, field, "missing.");
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            throw new MarginTierTableException(src, tier, field, $"expected a non-empty string, found {v.ValueKind}.");
        return v.GetString()!;
    }

    private static decimal? OptionalDecimal(JsonElement obj, string field, string src, int? tier) =>
        obj.TryGetProperty(field, out _) ? RequiredDecimal(obj, field, src, tier) : null;

    private static decimal RequiredDecimal(JsonElement obj, string field, string src, int? tier)
    {
        if (!obj.TryGetProperty(field, out var v))
            throw new MarginTierTableException(src, tier, field, "missing.");
        switch (v.ValueKind)
        {
            case JsonValueKind.Number when v.TryGetDecimal(out var d):
                return d;
            case JsonValueKind.String when v.GetString() is { Length: > 0 and <= 64 } s
                                        && decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p):
                return p;
            default:
                var raw = v.GetRawText();
                throw new MarginTierTableException(src, tier, field, $"expected a number, found {(raw.Length > 40 ? raw[..40] + "…" : raw)}.");
        }
    }

    private static int RequiredInteger(JsonElement obj, string field, string src, int tier)
    {
        var d = RequiredDecimal(obj, field, src, tier);
        if (d != decimal.Truncate(d) || d < 1 || d > MarginTierTable.MaxTiers)
            throw new MarginTierTableException(src, tier, field, $"expected a whole tier number 1–{MarginTierTable.MaxTiers}, found {d}.");
        return (int)d;
    }
}
