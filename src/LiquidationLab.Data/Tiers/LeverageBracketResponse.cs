using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Data.Tiers;

/// <summary>One symbol's brackets as an exchange response gave them, before provenance is attached.</summary>
/// <param name="Symbol">Binance symbol, e.g. <c>ETHUSDT</c>.</param>
/// <param name="Brackets">Brackets in the response's order.</param>
/// <param name="NotionalCoefficient">Binance's <c>notionalCoef</c> when present: the account's bracket multiplier (the
/// response then holds that account's adjusted caps, not the exchange's default table); <c>null</c> when absent.</param>
public sealed record LeverageBracketEntry(string Symbol, IReadOnlyList<LeverageBracket> Brackets, decimal? NotionalCoefficient);

/// <summary>
/// Reads a saved <c>GET /fapi/v1/leverageBracket</c> response (Binance USDⓈ-M) into per-symbol brackets, the input of
/// <c>liqlab tiers import</c>. Accepted shapes:
/// <list type="bullet">
/// <item>the response for one symbol: <c>{"symbol": "ETHUSDT", "brackets": [...]}</c> (or that object in an array);</item>
/// <item>the response for all symbols: <c>[{"symbol": …, "brackets": […]}, …]</c>;</item>
/// <item>the leverage-tier layout of CCXT's <c>fetch_leverage_tiers</c> (as saved by e.g. freqtrade), an object of unified
/// markets (<c>"ETH/USDT:USDT"</c>) to tier lists whose <c>info</c> member is the response's bracket verbatim: the
/// brackets are read from <c>info</c> and the symbol from the market name.</item>
/// </list>
/// Numbers may be JSON numbers or strings. Errors name the file, the symbol and the bracket.
/// </summary>
public static partial class LeverageBracketResponse
{
    /// <summary>
    /// The largest response file <see cref="ReadFile"/> accepts: 16 MiB. A real all-symbols response is a few hundred KB
    /// (about 0.4 MB for ~500 symbols in 2026), so this leaves ample room while stopping <c>/dev/zero</c>, a FIFO or a
    /// mistaken multi-GB file before it fills memory.
    /// </summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Whether <paramref name="symbol"/> is a Binance USDⓈ-M symbol by the exchange's grammar, <c>[A-Z0-9]{2,30}</c>
    /// (upper-case letters and digits only, so it is always a safe file name: no separators, dots or control characters).
    /// </summary>
    public static bool IsSymbol(string? symbol) => symbol is not null && SymbolGrammar().IsMatch(symbol);

    [GeneratedRegex(@"^[A-Z0-9]{2,30}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolGrammar();

    /// <summary>
    /// Reads and parses a response file, refusing one larger than <see cref="MaxFileBytes"/>: a regular file's length is
    /// checked before anything is read, and the read itself stops one byte past the cap, so a stream without a length
    /// (<c>/dev/zero</c>, a FIFO, a growing file) is stopped too.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <exception cref="LeverageBracketTableException">The file is too large, or its content is not a valid response
    /// (see <see cref="Parse"/>).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<LeverageBracketEntry> ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var tooLarge = $"larger than the {MaxFileBytes / (1024 * 1024)} MiB a leverageBracket response can be (a real one is a few hundred KB).";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        if (stream.CanSeek && stream.Length > MaxFileBytes)
            throw new LeverageBracketTableException(path, null, null, tooLarge);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxFileBytes + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxFileBytes)
                throw new LeverageBracketTableException(path, null, null, tooLarge);
        }
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new LeverageBracketTableException(path, null, null, $"not UTF-8 text (invalid byte at offset {e.Index}).");
        }
        return Parse(text.TrimStart('\uFEFF'), path);
    }

    /// <summary>Parses a response file's text.</summary>
    /// <param name="json">The text.</param>
    /// <param name="sourceName">The file it came from (in every error message).</param>
    /// <exception cref="LeverageBracketTableException">Invalid JSON (with its line), an unknown shape, or a bracket
    /// lacking a numeric field.</exception>
    public static IReadOnlyList<LeverageBracketEntry> Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new LeverageBracketTableException(sourceName, $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            var list = new List<LeverageBracketEntry>();
            switch (root.ValueKind)
            {
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var e in root.EnumerateArray())
                    {
                        i++;
                        list.Add(Entry(e, $"{sourceName} (element {i})"));
                    }
                    break;
                case JsonValueKind.Object when root.TryGetProperty("brackets", out _):
                    list.Add(Entry(root, sourceName));
                    break;
                case JsonValueKind.Object:
                    foreach (var market in root.EnumerateObject())
                        if (CcxtSymbol(market.Name) is { } symbol)
                            list.Add(IsSymbol(symbol) ? CcxtEntry(symbol, market.Value, $"{sourceName} ({Printable(market.Name)})")
                                : throw new LeverageBracketTableException($"{sourceName} ({Printable(market.Name)})", null, "symbol", $"{Printable(symbol)} is not a Binance symbol ([A-Z0-9]{{2,30}})."));
                    break;
                default:
                    throw new LeverageBracketTableException(sourceName, null, null, $"expected a leverageBracket response (an object or an array), found {root.ValueKind}.");
            }
            if (list.Count == 0)
                throw new LeverageBracketTableException(sourceName, null, null,
                    "no symbol found: expected {\"symbol\", \"brackets\"} objects, or CCXT leverage tiers keyed by linear markets such as \"ETH/USDT:USDT\".");
            var duplicate = list.GroupBy(e => e.Symbol, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new LeverageBracketTableException(sourceName, null, "symbol", $"{duplicate.Key} appears {duplicate.Count()} times.");
            return list;
        }
    }

    private static LeverageBracketEntry Entry(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new LeverageBracketTableException(where, null, null, $"expected an object {{symbol, brackets}}, found {e.ValueKind}.");
        if (!e.TryGetProperty("symbol", out var s) || s.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(s.GetString()))
            throw new LeverageBracketTableException(where, null, "symbol", "missing or not a string.");
        var symbol = s.GetString()!.Trim().ToUpperInvariant();
        if (!IsSymbol(symbol))
            throw new LeverageBracketTableException(where, null, "symbol", $"{Printable(s.GetString()!)} is not a Binance symbol ([A-Z0-9]{{2,30}}).");
        if (!e.TryGetProperty("brackets", out var arr))
            throw new LeverageBracketTableException(where, null, "brackets", $"missing for {symbol}.");
        decimal? coef = null;
        if (e.TryGetProperty("notionalCoef", out var c))
            coef = c.ValueKind == JsonValueKind.Number ? c.GetDecimal()
                : decimal.TryParse(c.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d
                : throw new LeverageBracketTableException(where, null, "notionalCoef", $"expected a number, found {c.GetRawText()}.");
        return new LeverageBracketEntry(symbol, LeverageBracketTableJson.ParseBrackets(arr, $"{where} {symbol}"), coef);
    }

    /// <summary>A name from the file as it may be shown in one line of an error: quoted, control characters escaped, at most 40 characters.</summary>
    private static string Printable(string name)
    {
        var shown = name.Length > 40 ? name[..40] + "…" : name;
        return JsonSerializer.Serialize(shown);
    }

    /// <summary>"ETH/USDT:USDT" → "ETHUSDT" (USDⓈ-M linear perpetuals only); other markets (dated, inverse) → null.</summary>
    private static string? CcxtSymbol(string market)
    {
        var colon = market.IndexOf(':');
        var slash = market.IndexOf('/');
        if (colon < 0 || slash < 0 || slash > colon) return null;
        var settle = market[(colon + 1)..];
        if (settle.Contains('-')) return null; // dated futures "BTC/USDT:USDT-250328"
        var quote = market[(slash + 1)..colon];
        if (!string.Equals(quote, settle, StringComparison.Ordinal)) return null; // inverse (BTC/USD:BTC)
        return (market[..slash] + quote).ToUpperInvariant();
    }

    private static LeverageBracketEntry CcxtEntry(string symbol, JsonElement tiers, string where)
    {
        if (tiers.ValueKind != JsonValueKind.Array)
            throw new LeverageBracketTableException(where, null, null, $"expected an array of tiers, found {tiers.ValueKind}.");
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            var i = 0;
            foreach (var t in tiers.EnumerateArray())
            {
                i++;
                if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object)
                    throw new LeverageBracketTableException(where, i, "info", "missing: CCXT tiers are read from the exchange's raw bracket in 'info'.");
                info.WriteTo(w);
            }
            w.WriteEndArray();
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return new LeverageBracketEntry(symbol, LeverageBracketTableJson.ParseBrackets(doc.RootElement, $"{where} {symbol}"), null);
    }

    /// <summary>Attaches provenance and validates the table (contiguous notional ranges, monotone rates, <c>cum</c> chain).</summary>
    /// <exception cref="LeverageBracketTableException">The brackets violate a table invariant.</exception>
    public static LeverageBracketTable ToTable(LeverageBracketEntry entry, DateOnly effectiveDate, string source, string sourceName)
    {
        var note = entry.NotionalCoefficient is { } k && k != 1m
            ? $" The response carried notionalCoef {k}: the caps are that account's adjusted brackets, not Binance's default table."
            : "";
        return new LeverageBracketTable(entry.Symbol, effectiveDate, source + note, entry.Brackets, $"{sourceName} {entry.Symbol}");
    }
}
