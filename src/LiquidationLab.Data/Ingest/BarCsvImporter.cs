using System.Text.RegularExpressions;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>One target of a bar layout: which table, which columns from which SQL expressions over the CSV.</summary>
/// <param name="Table">Target table.</param>
/// <param name="Keys">Columns that identify a row of the series (for overlap handling).</param>
/// <param name="TimeColumn">The time column of the target.</param>
/// <param name="Columns">Target column → SQL expression over the source columns (and <c>ts</c>, the parsed time).</param>
/// <param name="Where">Optional SQL row filter (e.g. to drop placeholder rows).</param>
/// <param name="Qualify">Optional SQL filter over window functions, ordered by <c>ts</c> (e.g. keep change points only).</param>
public sealed record BarProjection(string Table, string[] Keys, string TimeColumn, (string Column, string Expression)[] Columns, string? Where = null, string? Qualify = null);

/// <summary>
/// A declared mapping from a bar-CSV layout (OHLC, open interest, funding, liquidation columns) to store tables.
/// </summary>
/// <param name="Kind">Importer kind name.</param>
/// <param name="Description">What the layout is and its quirks.</param>
/// <param name="Header">The exact header line that identifies the layout.</param>
/// <param name="FileNamePattern">Regex the file name must match (distinguishes layouts sharing a header).</param>
/// <param name="SourceColumns">CSV columns with explicit DuckDB types, in file order.</param>
/// <param name="TimeSource">The source column holding the bar's time.</param>
/// <param name="TimeKind">How that column gives a UTC time.</param>
/// <param name="Projections">The targets, given the file's interval label (e.g. <c>5m</c>).</param>
public sealed record BarLayout(
    string Kind,
    string Description,
    string Header,
    string FileNamePattern,
    (string Name, string Type)[] SourceColumns,
    string TimeSource,
    BarTime TimeKind,
    Func<string, BarProjection[]> Projections);

/// <summary>How a bar file writes its times.</summary>
public enum BarTime
{
    /// <summary>Integer epochs; the unit (s, ms, µs, ns) is decided per file from its first row (<see cref="EpochUnits"/>).</summary>
    Epoch,

    /// <summary>Date-times in UTC without an offset (<c>2025-01-01 00:00:00</c>).</summary>
    Utc,

    /// <summary>Date-times in local time UTC+3 without an offset (3 hours are subtracted).</summary>
    UtcPlus3,

    /// <summary>Date-times with or without an offset (<c>2025-01-01T00:00:00+02:00</c>, <c>…Z</c>), converted to UTC; none means UTC.</summary>
    Zoned,
}

/// <summary>
/// Imports bar CSVs through <see cref="BarLayout"/>s: parsing runs inside DuckDB (<c>read_csv</c> with explicit
/// column types), then each projection is merged into its table (<see cref="TimeSeriesWriter"/>).
/// </summary>
/// <param name="layout">The layout.</param>
/// <param name="interval">The bar interval label; <c>null</c> (default) reads it from the file name, else the row spacing.</param>
public sealed partial class BarCsvImporter(BarLayout layout, string? interval = null) : IImporter
{
    /// <summary>The layout this importer reads.</summary>
    public BarLayout Layout { get; } = layout;

    /// <inheritdoc />
    public string Kind => Layout.Kind;

    /// <inheritdoc />
    public string Description => Layout.Description;

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) =>
        probe.FirstLine?.Trim() == Layout.Header && Regex.IsMatch(probe.FileName, Layout.FileNamePattern, RegexOptions.IgnoreCase);

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var store = context.Store;
        CheckHeader(context);
        // Column names can come from the file's own header (--map): quoted by the audited helper, never spliced raw.
        var columns = string.Join(", ", Layout.SourceColumns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Literal(c.Type)}"));
        var timeIndex = Array.FindIndex(Layout.SourceColumns, c => c.Name == Layout.TimeSource);
        var timeColumn = Sql.Identifier(Layout.TimeSource);
        var unit = Layout.TimeKind == BarTime.Epoch ? EpochUnits.Detect(context.Probe.Head, hasHeader: true, timeIndex) ?? EpochUnit.Milliseconds : EpochUnit.Milliseconds;
        var time = Layout.TimeKind switch
        {
            BarTime.Epoch => EpochUnits.ToTimestampSql($"TRY_CAST({timeColumn} AS BIGINT)", unit),
            BarTime.Utc => $"TRY_CAST({timeColumn} AS TIMESTAMP)",
            BarTime.UtcPlus3 => $"TRY_CAST({timeColumn} AS TIMESTAMP) - INTERVAL 3 HOUR",
            _ => $"CAST(timezone('UTC', TRY_CAST(trim({timeColumn}) AS TIMESTAMPTZ)) AS TIMESTAMP)",
        };
        // The parsed bar time is the column "ts", the CSV line "source_line"; source columns of those names are replaced.
        var exclude = Layout.SourceColumns.Select(c => c.Name).Where(n => n is "ts" or "source_line").Select(Sql.Identifier).ToList();
        var star = exclude.Count > 0 ? $"* EXCLUDE ({string.Join(", ", exclude)})" : "*";
        using var csv = ImportFiles.Materialize(context.Path, context.ArchiveLimits);
        var source = $"SELECT {star}, {time} AS ts, row_number() OVER () + 1 AS source_line FROM read_csv({LabStore.Literal(csv.CsvPath)}, header = true, " +
                     $"auto_detect = false, delim = ',', quote = '\"', columns = {{{columns}}})";
        store.Execute($"CREATE OR REPLACE TEMP TABLE bar_source AS {source}");
        try
        {
            CheckTimes(context, timeColumn, unit);
            var barInterval = interval ?? IntervalFromFileName(context.Probe.FileName) ?? IntervalFromSpacing(store, "bar_source", "ts")
                ?? throw new IngestException(context.Path, "cannot tell the bar interval from the file name or from the row spacing.");
            var counts = new List<MergeCounts>();
            foreach (var p in Layout.Projections(barInterval))
            {
                var select = $"SELECT {string.Join(", ", p.Columns.Select(c => $"{c.Expression} AS {c.Column}"))}, source_line FROM bar_source" +
                             (p.Where is null ? "" : $" WHERE {p.Where}") + (p.Qualify is null ? "" : $" QUALIFY {p.Qualify}");
                // Messages name the file's own field behind a column taken straight from it.
                var fields = p.Columns.Select(c => (c.Column, Field: SourceField(c.Expression))).Where(c => c.Field is not null)
                    .ToDictionary(c => c.Column, c => c.Field!);
                if (p.Columns.Any(c => c.Expression == "ts")) fields[p.TimeColumn] = Layout.TimeSource;
                counts.Add(TimeSeriesWriter.Merge(context, p.Table, select, p.Columns.Select(c => c.Column).ToArray(), p.Keys, p.TimeColumn, "source_line", fields));
            }
            return TimeSeriesWriter.Outcome(counts, $"layout {Layout.Kind}, interval {barInterval}");
        }
        finally
        {
            store.ExecuteCleanup("DROP TABLE IF EXISTS bar_source");
        }
    }

    /// <summary>The source column an expression is, when it is one plain (or quoted) column name, else null.</summary>
    private string? SourceField(string expression)
    {
        var name = expression.Length > 1 && expression[0] == '"' && expression[^1] == '"' ? expression[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : expression;
        return Layout.SourceColumns.Any(c => c.Name == name) ? name : null;
    }

    /// <summary>Every row's time parsed and within <see cref="TimeBounds"/>; else the first bad line, its field and text.</summary>
    private void CheckTimes(ImportContext context, string timeColumn, EpochUnit unit)
    {
        var store = context.Store;
        var bounds = $"ts IS NULL OR ts < $1 OR ts > $2";
        // The time is read back as text: a timestamp past year 9999 is valid in DuckDB but not in .NET.
        using var cmd = store.Command($"SELECT source_line, CAST({timeColumn} AS VARCHAR), strftime(ts, '%Y-%m-%d %H:%M:%S.%g') FROM bar_source WHERE {bounds} ORDER BY source_line LIMIT 1",
            TimeBounds.Earliest, TimeBounds.Latest);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return;
        var line = r.GetInt64(0);
        var raw = r.IsDBNull(1) ? "" : r.GetString(1);
        var field = Layout.TimeSource;
        var outside = r.IsDBNull(2) ? "" : TimeBounds.Describe(r.GetString(2));
        var why = r.IsDBNull(2)
            ? Layout.TimeKind == BarTime.Epoch ? $"is not an integer epoch in {EpochUnits.Name(unit)} (the unit of the file's first row)" : "is not a date-time"
            : Layout.TimeKind == BarTime.Epoch
                ? $"read in {EpochUnits.Name(unit)} (the unit of the file's first row) is {outside}"
                : $"is {outside}";
        throw new IngestException(context.Path, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line}: field {field}: '{raw}' {why}."));
    }

    private void CheckHeader(ImportContext context)
    {
        var header = context.Probe.FirstLine?.Trim();
        if (header != Layout.Header)
            throw new IngestException(context.Path, $"line 1: header does not match layout {Layout.Kind}: expected '{Layout.Header}', found '{header}'.");
    }

    /// <summary>The interval label in a file name (<c>5m</c>, <c>30m</c>, <c>1h</c>, <c>4h</c>), or <c>null</c>.</summary>
    public static string? IntervalFromFileName(string fileName)
    {
        var m = IntervalToken().Match(fileName);
        return m.Success ? m.Groups[1].Value.ToLowerInvariant() : null;
    }

    /// <summary>The most common spacing between consecutive times, as an interval label, or <c>null</c>.</summary>
    internal static string? IntervalFromSpacing(LabStore store, string table, string column)
    {
        var seconds = store.Scalar<long?>(
            $"SELECT mode(d) FROM (SELECT epoch({column}) - epoch(lag({column}) OVER (ORDER BY {column})) AS d FROM {table}) WHERE d > 0");
        return seconds switch
        {
            null => null,
            var s when s % 86_400 == 0 => $"{s / 86_400}d",
            var s when s % 3_600 == 0 => $"{s / 3_600}h",
            var s when s % 60 == 0 => $"{s / 60}m",
            var s => $"{s}s",
        };
    }

    [GeneratedRegex(@"(?<![0-9a-z])(\d+[mh])(?![0-9a-z])", RegexOptions.IgnoreCase)]
    private static partial Regex IntervalToken();
}
