using System.Globalization;
using System.Text.Json;
using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;

namespace LiquidationLab.Data.Liquidity;

/// <summary>A trade print: time (Unix ms), price and size (outcome shares).</summary>
/// <param name="TimeMs">Trade time, Unix ms.</param>
/// <param name="Price">Price, pUSD per share.</param>
/// <param name="Size">Size, shares.</param>
public readonly record struct TradePrint(long TimeMs, decimal Price, decimal Size)
{
    /// <summary>price × size, pUSD.</summary>
    public double NotionalUsd => (double)(Price * Size);
}

/// <summary>
/// Polymarket CLOB JSON as served by <c>GET /book?token_id=…</c> (<c>{market, asset_id, timestamp, hash, bids:[{price,size}],
/// asks:[…]}</c>, prices and sizes as strings, timestamp in ms as a string) and trade prints (<c>{price, size, side,
/// timestamp}</c>). Parsing is strict: a missing or malformed field throws <see cref="OrderBookException"/> naming it.
/// </summary>
public static class ClobJson
{
    /// <summary>Parses a <c>/book</c> response into a validated book (prices in (0, 1)).</summary>
    /// <param name="json">The response body.</param>
    /// <param name="source">Where it came from (URL or file), quoted in errors.</param>
    /// <exception cref="OrderBookException">Invalid JSON, a missing field or an invalid book.</exception>
    public static OrderBook ParseBook(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return ParseBook(doc.RootElement, source);
        }
        catch (JsonException e)
        {
            throw new OrderBookException($"{source}: invalid JSON: {e.Message}");
        }
    }

    /// <summary>Parses one book object (a <c>/book</c> response, a websocket <c>book</c> event or a recorded snapshot).</summary>
    /// <exception cref="OrderBookException">A missing field or an invalid book.</exception>
    public static OrderBook ParseBook(JsonElement e, string source)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new OrderBookException($"{source}: expected a book object, found {e.ValueKind}.");
        var ts = Long(e, "timestamp", source);
        return OrderBook.Create(Levels(e, "bids", source), Levels(e, "asks", source), ts, PriceDomain.Probability, source);
    }

    /// <summary>Parses a trade print object.</summary>
    /// <exception cref="OrderBookException">A missing or malformed field.</exception>
    public static TradePrint ParseTrade(JsonElement e, string source)
    {
        var t = Long(e, "timestamp", source);
        if (t < 100_000_000_000) t *= 1000; // some feeds send seconds
        return new TradePrint(t, Dec(e, "price", source), Dec(e, "size", source));
    }

    /// <summary>Writes a book as a CLOB <c>/book</c> response (bids ascending and asks descending, as Polymarket serves them).</summary>
    public static string WriteBook(string conditionId, string tokenId, long timestampMs, IReadOnlyList<BookLevel> bids, IReadOnlyList<BookLevel> asks)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("market", conditionId);
            w.WriteString("asset_id", tokenId);
            w.WriteString("timestamp", timestampMs.ToString(CultureInfo.InvariantCulture));
            w.WriteStartArray("bids");
            foreach (var l in bids.OrderBy(l => l.Price)) Level(w, l);
            w.WriteEndArray();
            w.WriteStartArray("asks");
            foreach (var l in asks.OrderByDescending(l => l.Price)) Level(w, l);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());

        static void Level(Utf8JsonWriter w, BookLevel l)
        {
            w.WriteStartObject();
            w.WriteString("price", l.Price.ToString(CultureInfo.InvariantCulture));
            w.WriteString("size", l.Size.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
    }

    private static List<BookLevel> Levels(JsonElement e, string side, string source)
    {
        var list = new List<BookLevel>();
        if (!e.TryGetProperty(side, out var arr) || arr.ValueKind == JsonValueKind.Null) return list;
        if (arr.ValueKind != JsonValueKind.Array) throw new OrderBookException($"{source}: {side} is not an array.");
        var i = 0;
        foreach (var l in arr.EnumerateArray())
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"{source}: {side}[{i++}]");
            list.Add(new BookLevel(Dec(l, "price", where), Dec(l, "size", where)));
        }
        return list;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
            : null;

    private static decimal Dec(JsonElement e, string name, string where)
    {
        var s = Str(e, name) ?? throw new OrderBookException($"{where}.{name} is missing.");
        return decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new OrderBookException($"{where}.{name} is not a number: '{s}'.");
    }

    private static long Long(JsonElement e, string name, string where)
    {
        var s = Str(e, name) ?? throw new OrderBookException($"{where}: {name} is missing.");
        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new OrderBookException($"{where}: {name} is not an integer: '{s}'.");
    }
}
