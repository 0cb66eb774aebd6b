using System.Text.Json;

namespace LiquidationLab.Liquidity.Service;

/// <summary>A market to watch: the condition id reports are keyed by and the token whose <c>/book</c> is polled.</summary>
/// <param name="ConditionId">Market id.</param>
/// <param name="TokenId">Outcome token.</param>
public sealed record WatchMarket(string ConditionId, string TokenId)
{
    /// <summary>
    /// Reads markets from text: one per line, <c>condition_id token_id</c> (whitespace, comma or <c>=</c> separated), or a
    /// single id used as both; blank lines and <c>#</c> comments skipped. A JSON array of <c>{condition_id, token_id}</c>
    /// (what the replay server's <c>/replay/markets</c> returns) is accepted too.
    /// </summary>
    /// <exception cref="FormatException">A malformed line (named by number) or a duplicate condition id.</exception>
    public static IReadOnlyList<WatchMarket> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<WatchMarket>();
        if (text.TrimStart().StartsWith('['))
        {
            using var doc = JsonDocument.Parse(text);
            var i = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var c = e.TryGetProperty("condition_id", out var cv) ? cv.GetString() : null;
                var t = e.TryGetProperty("token_id", out var tv) ? tv.GetString() : null;
                if (string.IsNullOrWhiteSpace(c) || string.IsNullOrWhiteSpace(t)) throw new FormatException($"{source}: element {i}: condition_id and token_id are required.");
                list.Add(new WatchMarket(c, t));
                i++;
            }
        }
        else
        {
            var n = 0;
            foreach (var raw in text.Split('\n'))
            {
                n++;
                var line = raw.Split('#')[0].Trim();
                if (line.Length == 0) continue;
                var parts = line.Split([' ', '\t', ',', '='], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 2) throw new FormatException($"{source}: line {n}: expected 'condition_id token_id', found {parts.Length} fields.");
                list.Add(new WatchMarket(parts[0], parts.Length == 2 ? parts[1] : parts[0]));
            }
        }
        var dup = list.GroupBy(m => m.ConditionId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FormatException($"{source}: condition_id {dup.Key} is listed twice.");
        return list;
    }
}
