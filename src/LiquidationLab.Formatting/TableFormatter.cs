using System.Globalization;
using System.Net;
using System.Text;

namespace LiquidationLab.Formatting;

/// <summary>How a column's numbers are written.</summary>
public enum ColumnUnit
{
    /// <summary>Not a number column: values as text.</summary>
    Text,

    /// <summary>Plain numbers, by magnitude: thousands separators from 100,000 up, two decimals from 10, three from 1, four
    /// significant digits below.</summary>
    Number,

    /// <summary>Whole numbers (counts): thousands separators.</summary>
    Integer,

    /// <summary>US dollars (a name with USD, notional, volume, P&amp;L, liquidated, opened, consumed): thousands separators, M/B from a million up.</summary>
    Usd,

    /// <summary>A share in 0…1 written as a percentage (a name with share, percent, pct, rate, ratio, probability, hit).</summary>
    Share,

    /// <summary>Prices (a name with price, open/high/low/close, bid/ask, entry): thousands separators and the decimals of the
    /// column's finest tick.</summary>
    Price,
}

/// <summary>
/// Tables for notebook output, formatted the way a quant reads them: numbers by magnitude and unit (read from the column
/// name: USD with thousands separators or K/M/B, shares as percentages, prices to the column's tick), NaN as "–" with a
/// note naming the columns that have it, the first and last rows of long tables with the row count between them, numbers
/// right-aligned and text left-aligned. Used for sequences of records and <c>DataFrame</c>s alike.
/// </summary>
public static class TableFormatter
{
    /// <summary>The unit a column's name and values suggest.</summary>
    /// <param name="name">Column name (e.g. <c>NotionalUsd</c>, <c>hit_rate</c>, <c>ClosePrice</c>).</param>
    /// <param name="values">The column's values (shown rows).</param>
    public static ColumnUnit UnitOf(string name, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        var numbers = values.Where(v => v is not null).ToList();
        if (numbers.Count == 0 || !numbers.All(IsNumber)) return ColumnUnit.Text;
        var n = name.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal);
        bool Has(params string[] words) => words.Any(w => n.Contains(w, StringComparison.Ordinal));
        if (Has("usd", "notional", "volume", "pnl", "liquidated", "opened", "consumed")) return ColumnUnit.Usd;
        if (Has("share", "percent", "pct", "rate", "ratio", "probability", "hit", "coverage", "fraction")
            && numbers.Select(ToDouble).Where(double.IsFinite).All(v => v is >= -1.0000001 and <= 1.0000001)) return ColumnUnit.Share;
        if (Has("price", "open", "high", "low", "close", "bid", "ask", "entry", "mark", "center", "centre")) return ColumnUnit.Price;
        if (numbers.All(v => v is int or long or short or byte or uint or ulong or ushort or sbyte)) return ColumnUnit.Integer;
        return ColumnUnit.Number;
    }

    private static bool IsNumber(object? v) => v is double or float or decimal or int or long or short or byte or uint or ulong or ushort or sbyte;

    private static double ToDouble(object? v) => v switch
    {
        double d => d,
        float f => f,
        decimal m => (double)m,
        IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
        _ => double.NaN,
    };

    /// <summary>Decimals that show every value of a price column exactly (its finest tick), at most 8.</summary>
    internal static int TickDecimals(IEnumerable<object?> values)
    {
        var decimals = 0;
        foreach (var v in values)
        {
            if (v is null) continue;
            var d = ToDouble(v);
            if (!double.IsFinite(d)) continue;
            for (var k = decimals; k <= 8; k++)
            {
                if (Math.Abs(Math.Round(d, k) - d) <= Math.Abs(d) * 1e-12 + 1e-12) break;
                decimals = k + 1;
            }
        }
        return Math.Min(decimals, 8);
    }

    /// <summary>One value as its column shows it ("–" for NaN and infinities).</summary>
    public static string Format(object? value, ColumnUnit unit, int tickDecimals = 2)
    {
        var c = CultureInfo.InvariantCulture;
        if (value is null) return "";
        if (unit == ColumnUnit.Text || !IsNumber(value))
            return value switch
            {
                DateTime t => t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", c) : t.ToString("yyyy-MM-dd HH:mm:ss.FFF", c),
                DateTimeOffset o => o.ToString("yyyy-MM-dd HH:mm:ss.FFF zzz", c),
                IFormattable f => f.ToString(null, c),
                _ => value.ToString() ?? "",
            };
        var d = ToDouble(value);
        if (double.IsNaN(d)) return "–";
        if (double.IsInfinity(d)) return d > 0 ? "∞" : "−∞";
        return unit switch
        {
            ColumnUnit.Integer => d.ToString("N0", c),
            ColumnUnit.Usd => Math.Abs(d) >= 1e9 ? (d / 1e9).ToString("N2", c) + " B"
                : Math.Abs(d) >= 1e6 ? (d / 1e6).ToString("N2", c) + " M"
                : Math.Abs(d) >= 1e3 ? d.ToString("N0", c) : d.ToString("N2", c),
            ColumnUnit.Share => (d * 100).ToString(Math.Abs(d) < 0.001 && d != 0 ? "G3" : "N1", c) + " %",
            ColumnUnit.Price => d.ToString("N" + tickDecimals.ToString(c), c),
            _ => Math.Abs(d) >= 1e5 ? d.ToString("N0", c)
                : Math.Abs(d) >= 10 ? d.ToString("#,##0.##", c)
                : Math.Abs(d) >= 1 ? d.ToString("#,##0.###", c)
                : d == 0 ? "0" : d.ToString("G4", c),
        };
    }

    /// <summary>A table's MIME bundle (HTML and aligned plain text).</summary>
    /// <param name="header">Column names.</param>
    /// <param name="head">The first rows.</param>
    /// <param name="tail">The last rows when rows were left out between (empty otherwise).</param>
    /// <param name="total">Rows in the whole table.</param>
    /// <param name="caption">What the table is (e.g. "DataFrame 8,015 rows × 9 columns").</param>
    /// <param name="priceDecimals">Decimals of every price column when known (the instrument's tick, e.g. 1 for BTCUSDT's
    /// 0.10); null: each price column shows the decimals of its own finest value (at most 8).</param>
    public static MimeBundle Bundle(string[] header, IReadOnlyList<object?[]> head, IReadOnlyList<object?[]> tail, long total, string caption, int? priceDecimals = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(tail);
        var all = head.Concat(tail).ToList();
        var units = header.Select((h, i) => UnitOf(h, all.Select(r => i < r.Length ? r[i] : null).ToList())).ToArray();
        var ticks = header.Select((_, i) => units[i] != ColumnUnit.Price ? 2 : priceDecimals ?? TickDecimals(all.Select(r => i < r.Length ? r[i] : null))).ToArray();
        string[] Cells(object?[] r) => header.Select((_, i) => Format(i < r.Length ? r[i] : null, units[i], ticks[i])).ToArray();
        var headCells = head.Select(Cells).ToList();
        var tailCells = tail.Select(Cells).ToList();
        var omitted = total - head.Count - tail.Count;
        var nanColumns = header.Select((h, i) => (Name: h, Count: all.Count(r => i < r.Length && IsNumber(r[i]) && !double.IsFinite(ToDouble(r[i])))))
            .Where(x => x.Count > 0).ToList();
        var notes = new List<string>();
        if (omitted > 0) notes.Add(string.Create(CultureInfo.InvariantCulture, $"{total:N0} rows: the first {head.Count:N0} and the last {tail.Count:N0} shown"));
        if (nanColumns.Count > 0)
            notes.Add("– = not a number (NaN: undefined for that row, e.g. a ratio over zero or a metric without data) in " +
                      string.Join(", ", nanColumns.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Name} ({x.Count:N0} of the rows shown)"))));

        var html = new StringBuilder("<table class=\"liqlab-table\"><thead><tr>");
        for (var i = 0; i < header.Length; i++)
            html.Append("<th style=\"text-align:").Append(units[i] == ColumnUnit.Text ? "left" : "right").Append("\">").Append(WebUtility.HtmlEncode(header[i])).Append("</th>");
        html.Append("</tr></thead><tbody>");
        void Rows(List<string[]> rows)
        {
            foreach (var r in rows)
            {
                html.Append("<tr>");
                for (var i = 0; i < r.Length; i++)
                    html.Append("<td style=\"text-align:").Append(units[i] == ColumnUnit.Text ? "left" : "right").Append("\">").Append(WebUtility.HtmlEncode(r[i])).Append("</td>");
                html.Append("</tr>");
            }
        }
        Rows(headCells);
        if (omitted > 0)
            html.Append("<tr class=\"liqlab-omitted\"><td colspan=\"").Append(Math.Max(1, header.Length)).Append("\" style=\"text-align:center;color:#888\">… ")
                .Append(omitted.ToString("N0", CultureInfo.InvariantCulture)).Append(" more rows …</td></tr>");
        Rows(tailCells);
        html.Append("</tbody></table>");
        foreach (var note in notes) html.Append("<p class=\"liqlab-note\">").Append(WebUtility.HtmlEncode(note)).Append("</p>");

        var widths = header.Select((h, i) => Math.Min(24, Math.Max(h.Length, headCells.Concat(tailCells).Select(r => r[i].Length).DefaultIfEmpty(0).Max()))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => Fit(c, widths[i], units[i] != ColumnUnit.Text)));
        var text = new StringBuilder(caption).Append('\n').Append(Line(header)).Append('\n');
        foreach (var r in headCells) text.Append(Line(r)).Append('\n');
        if (omitted > 0) text.Append(string.Create(CultureInfo.InvariantCulture, $"… {omitted:N0} more rows …")).Append('\n');
        foreach (var r in tailCells) text.Append(Line(r)).Append('\n');
        foreach (var note in notes) text.Append('(').Append(note).Append(")\n");
        return new MimeBundle(text.ToString().TrimEnd()).With("text/html", html.ToString());
    }

    private static string Fit(string s, int w, bool right) => s.Length > w ? s[..(w - 1)] + "…" : right ? s.PadLeft(w) : s.PadRight(w);
}
