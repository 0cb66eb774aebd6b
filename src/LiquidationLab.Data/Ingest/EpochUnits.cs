using System.Globalization;

namespace LiquidationLab.Data.Ingest;

/// <summary>Units of integer epoch times.</summary>
public enum EpochUnit
{
    /// <summary>Seconds since 1970-01-01 UTC.</summary>
    Seconds,

    /// <summary>Milliseconds.</summary>
    Milliseconds,

    /// <summary>Microseconds.</summary>
    Microseconds,

    /// <summary>Nanoseconds.</summary>
    Nanoseconds,
}

/// <summary>
/// Deciding a file's epoch unit once, from its first data row, and reading its epochs in that unit. A time in
/// 2009 … 2100 has 10 digits in seconds, 13 in milliseconds, 16 in microseconds and 19 in nanoseconds, so the magnitude
/// of one value tells the unit; the rest of the file is then read in that unit, and a row written in another one (seconds
/// among milliseconds lands in 1970) falls outside <see cref="TimeBounds"/> and fails the file naming its line.
/// </summary>
public static class EpochUnits
{
    /// <summary>The unit of an epoch value by its magnitude: below 10¹¹ seconds, below 10¹⁴ ms, below 10¹⁷ µs, else ns.</summary>
    public static EpochUnit Of(long value)
    {
        var a = value == long.MinValue ? long.MaxValue : Math.Abs(value);
        return a < 100_000_000_000 ? EpochUnit.Seconds : a < 100_000_000_000_000 ? EpochUnit.Milliseconds
            : a < 100_000_000_000_000_000 ? EpochUnit.Microseconds : EpochUnit.Nanoseconds;
    }

    /// <summary>
    /// The unit of a CSV file's epochs from field <paramref name="column"/> (0-based) of its first data row in
    /// <paramref name="head"/>, or <c>null</c> when that field is not an integer (or there is no data row).
    /// </summary>
    public static EpochUnit? Detect(string head, bool hasHeader, int column)
    {
        var lines = head.Split('\n');
        var row = hasHeader ? (lines.Length > 1 ? lines[1] : null) : lines[0];
        var fields = row?.TrimEnd('\r').Split(',');
        if (fields is null || column < 0 || fields.Length <= column) return null;
        var text = fields[column].Trim().Trim('"');
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? Of(v) : null;
    }

    /// <summary>
    /// SQL turning an integer epoch expression in <paramref name="unit"/> into a UTC <c>TIMESTAMP</c>, or NULL when the value
    /// is beyond what a timestamp can hold in that unit (a nanosecond value in a millisecond file), so the caller's range
    /// check reports it with its line instead of DuckDB failing the whole statement.
    /// </summary>
    public static string ToTimestampSql(string expression, EpochUnit unit) => unit switch
    {
        EpochUnit.Seconds => $"CASE WHEN {expression} BETWEEN -9000000000 AND 9000000000 THEN make_timestamp({expression} * 1000000) END",
        EpochUnit.Milliseconds => $"CASE WHEN {expression} BETWEEN -9000000000000000 AND 9000000000000000 THEN epoch_ms({expression}) END",
        EpochUnit.Microseconds => $"make_timestamp({expression})",
        _ => $"make_timestamp({expression} // 1000)",
    };

    /// <summary>The unit's short name (s, ms, µs, ns).</summary>
    public static string Name(EpochUnit unit) => unit switch
    {
        EpochUnit.Seconds => "s", EpochUnit.Milliseconds => "ms", EpochUnit.Microseconds => "µs", _ => "ns",
    };
}
