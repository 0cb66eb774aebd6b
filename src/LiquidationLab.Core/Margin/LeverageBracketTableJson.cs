using System.Globalization;
using System.Text.Json;

namespace LiquidationLab.Core.Margin;

/// <summary>
/// Parses a leverage-bracket table from JSON in the shape of one element of Binance's
/// <c>GET /fapi/v1/leverageBracket</c> response plus LiquidationLab fields (<c>effectiveDate</c>, <c>source</c>, and the
/// optional <c>tickSize</c> of the symbol's price filter from <c>GET /fapi/v1/exchangeInfo</c>):
/// <code>
/// { "symbol": "BTCUSDT", "effectiveDate": "2026-11-23", "source": "…", "tickSize": "0.10",
///   "brackets": [ { "bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
///                   "maintMarginRatio": 0.004, "cum": 0.0 }, … ] }
/// </code>
/// Numbers may be JSON numbers or numeric strings (Binance sends both); they are read as exact <see cref="decimal"/>.
/// Unknown fields (e.g. <c>notionalCoef</c>) are ignored.
/// </summary>
public static class LeverageBracketTableJson
{
    private static readonly JsonSerializerOptions ReadableStrings = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Parses and validates a table.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">Where the text came from (file path), used in every error message.</param>
    /// <returns>The validated table.</returns>
    /// <exception cref="LeverageBracketTableException">Malformed JSON (with line number), a missing or non-numeric
    /// field (naming bracket and field), or a violated table invariant (see <see cref="LeverageBracketTable"/>).</exception>
    public static LeverageBracketTable Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new LeverageBracketTableException(sourceName, $"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new LeverageBracketTableException(sourceName, null, null,
                    $"expected a JSON object {{symbol, effectiveDate, source, brackets}}, found {root.ValueKind} (a raw API response array must be reduced to one symbol's object).");
            var symbol = RequiredString(root, "symbol", sourceName, null);
            var dateText = RequiredString(root, "effectiveDate", sourceName, null);
            if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effectiveDate))
                throw new LeverageBracketTableException(sourceName, null, "effectiveDate", $"expected a date yyyy-MM-dd, found '{dateText}'.");
            var source = RequiredString(root, "source", sourceName, null);
            if (!root.TryGetProperty("brackets", out var arr) || arr.ValueKind != JsonValueKind.Array)
                throw new LeverageBracketTableException(sourceName, null, "brackets", "missing or not an array.");

            var brackets = ParseBrackets(arr, sourceName);
            decimal? tick = null;
            if (root.TryGetProperty("tickSize", out var t))
            {
                tick = t.ValueKind switch
                {
                    JsonValueKind.Number when t.TryGetDecimal(out var d) => d,
                    JsonValueKind.String when decimal.TryParse(t.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                    _ => throw new LeverageBracketTableException(sourceName, null, "tickSize", $"expected a number, found {t.GetRawText()}."),
                };
            }
            return new LeverageBracketTable(symbol, effectiveDate, source, brackets, sourceName) { TickSize = tick };
        }
    }

    /// <summary>
    /// Reads the <c>brackets</c> array of a <c>leverageBracket</c> response element (or of a table file), in order,
    /// without validating the table invariants (the <see cref="LeverageBracketTable"/> constructor does).
    /// </summary>
    /// <param name="brackets">The JSON array.</param>
    /// <param name="sourceName">Where it came from, for error messages.</param>
    /// <exception cref="LeverageBracketTableException">A bracket is not an object or lacks a numeric field (named with
    /// the bracket's position).</exception>
    public static IReadOnlyList<LeverageBracket> ParseBrackets(JsonElement brackets, string sourceName)
    {
        if (brackets.ValueKind != JsonValueKind.Array)
            throw new LeverageBracketTableException(sourceName, null, "brackets", $"expected an array, found {brackets.ValueKind}.");
        var list = new List<LeverageBracket>(brackets.GetArrayLength());
        var position = 0;
        foreach (var e in brackets.EnumerateArray())
        {
            position++;
            if (e.ValueKind != JsonValueKind.Object)
                throw new LeverageBracketTableException(sourceName, position, null, $"expected an object, found {e.ValueKind}.");
            list.Add(new LeverageBracket(
                Number: (int)RequiredInteger(e, "bracket", sourceName, position),
                NotionalFloorUsd: RequiredDecimal(e, "notionalFloor", sourceName, position),
                NotionalCapUsd: RequiredDecimal(e, "notionalCap", sourceName, position),
                MaintenanceMarginRate: RequiredDecimal(e, "maintMarginRatio", sourceName, position),
                MaintenanceAmountUsd: RequiredDecimal(e, "cum", sourceName, position),
                MaxInitialLeverage: (int)RequiredInteger(e, "initialLeverage", sourceName, position)));
        }
        return list;
    }

    /// <summary>
    /// Writes a table in the file shape <see cref="Parse"/> reads (indented, one bracket per line, numbers exact), so that
    /// <c>Parse(Serialize(t))</c> equals <c>t</c>.
    /// </summary>
    public static string Serialize(LeverageBracketTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        static string N(decimal v) => v.ToString("0.############################", CultureInfo.InvariantCulture);
        var sb = new System.Text.StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"symbol\": ").Append(JsonSerializer.Serialize(table.Symbol)).Append(",\n");
        sb.Append("  \"effectiveDate\": \"").Append(table.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("\",\n");
        sb.Append("  \"source\": ").Append(JsonSerializer.Serialize(table.Source, ReadableStrings)).Append(",\n");
        if (table.TickSize is { } tick) sb.Append("  \"tickSize\": \"").Append(N(tick)).Append("\",\n");
        sb.Append("  \"brackets\": [\n");
        for (var i = 0; i < table.Brackets.Count; i++)
        {
            var b = table.Brackets[i];
            sb.Append("    { \"bracket\": ").Append(b.Number)
              .Append(", \"initialLeverage\": ").Append(b.MaxInitialLeverage)
              .Append(", \"notionalFloor\": ").Append(N(b.NotionalFloorUsd))
              .Append(", \"notionalCap\": ").Append(N(b.NotionalCapUsd))
              .Append(", \"maintMarginRatio\": ").Append(N(b.MaintenanceMarginRate))
              .Append(", \"cum\": ").Append(N(b.MaintenanceAmountUsd))
              .Append(i + 1 < table.Brackets.Count ? " },\n" : " }\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    private static string RequiredString(JsonElement obj, string field, string src, int? bracket)
    {
        if (!obj.TryGetProperty(field, out var v))
            throw new LeverageBracketTableException(src, bracket, field, "missing.");
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            throw new LeverageBracketTableException(src, bracket, field, $"expected a non-empty string, found {v.ValueKind}.");
        return v.GetString()!;
    }

    private static decimal RequiredDecimal(JsonElement obj, string field, string src, int bracket)
    {
        if (!obj.TryGetProperty(field, out var v))
            throw new LeverageBracketTableException(src, bracket, field, "missing.");
        switch (v.ValueKind)
        {
            case JsonValueKind.Number when v.TryGetDecimal(out var d):
                return d;
            case JsonValueKind.String when decimal.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s):
                return s;
            default:
                throw new LeverageBracketTableException(src, bracket, field, $"expected a number, found {v.GetRawText()}.");
        }
    }

    private static decimal RequiredInteger(JsonElement obj, string field, string src, int bracket)
    {
        var d = RequiredDecimal(obj, field, src, bracket);
        if (d != decimal.Truncate(d) || d < int.MinValue || d > int.MaxValue)
            throw new LeverageBracketTableException(src, bracket, field, $"expected a whole number, found {d}.");
        return d;
    }
}
