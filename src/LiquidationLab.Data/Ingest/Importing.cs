using System.Globalization;
using System.IO.Compression;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>A file failed to import. The message names the file and, where known, the line or field; the store is unchanged.</summary>
public sealed class IngestException : IOException
{
    /// <summary>Creates the exception.</summary>
    public IngestException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file that failed.</summary>
    public string FilePath { get; }

    /// <summary>What went wrong, without the path.</summary>
    public string Problem { get; }
}

/// <summary>What an importer sees to decide whether a file is its kind.</summary>
/// <param name="Path">Absolute file path.</param>
/// <param name="FileName">File name without directories; for a <c>.zip</c>, the name of the CSV inside.</param>
/// <param name="FirstLine">First line of the (decompressed) content, or <c>null</c> when empty or unreadable.</param>
/// <param name="Head">The first 4,096 characters of the (decompressed) content, for formats whose first line says little (JSON).</param>
public sealed record FileProbe(string Path, string FileName, string? FirstLine, string Head = "")
{
    /// <summary>Reads the probe of a file: transparently through gzip (<c>.gz</c>) and single-CSV zips (<c>.zip</c>).</summary>
    public static FileProbe Read(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        try
        {
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                using var zip = ZipFile.OpenRead(path);
                var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase));
                if (entry is null) return new FileProbe(path, name, null);
                using var reader = new StreamReader(entry.Open());
                return Of(path, entry.Name, reader);
            }
            using var stream = ImportFiles.OpenText(path);
            return Of(path, name, stream);
        }
        catch (InvalidDataException)
        {
            return new FileProbe(path, name, null);
        }
    }

    private static FileProbe Of(string path, string name, StreamReader reader)
    {
        var buffer = new char[4096];
        var n = reader.ReadBlock(buffer, 0, buffer.Length);
        var head = new string(buffer, 0, n);
        var end = head.IndexOf('\n', StringComparison.Ordinal);
        var first = n == 0 ? null : (end < 0 ? head : head[..end]).TrimEnd('\r');
        return new FileProbe(path, name, first, head);
    }

    /// <summary>True when the first line looks like a header (its first field does not start with a digit or sign).</summary>
    public bool HasHeader => FirstLine is { Length: > 0 } l && !(char.IsAsciiDigit(l[0]) || l[0] == '-');
}

/// <summary>Limits on expanding a <c>.zip</c> archive (zip-bomb defence).</summary>
/// <param name="MaxBytes">Most bytes one entry may expand to; default 32 GiB (a month of BTCUSDT aggTrades is a few GB).</param>
/// <param name="MaxRatio">Most expansion, uncompressed ÷ compressed; default 100 (Binance Vision CSVs expand 4–10×).</param>
/// <param name="RatioFloorBytes">The ratio is only checked past this many bytes (tiny entries compress oddly); default 64 MiB.</param>
public sealed record ArchiveLimits(long MaxBytes = 32L << 30, double MaxRatio = 100, long RatioFloorBytes = 64L << 20)
{
    /// <summary>The defaults.</summary>
    public static readonly ArchiveLimits Default = new();
}

/// <summary>Result of one importer run on one file.</summary>
/// <param name="Rows">Rows written (after de-duplication against the store).</param>
/// <param name="FirstTime">Earliest data time in the file (UTC), if any.</param>
/// <param name="LastTime">Latest data time in the file (UTC), if any.</param>
/// <param name="Detail">Per-table counts and notes for the ingest log.</param>
/// <param name="Conflicts">Rows whose key the store held with different values (see <see cref="ConflictPolicy"/>).</param>
/// <param name="Rejected">Lines set aside instead of failing the file (only with <see cref="ImportContext.QuarantineLines"/>), in file order.</param>
public sealed record ImportOutcome(long Rows, DateTime? FirstTime, DateTime? LastTime, string Detail, long Conflicts = 0, IReadOnlyList<RejectedLine>? Rejected = null);

/// <summary>A line an importer set aside (quarantined) instead of failing its file: the file's other lines were stored.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Text">The line as read (the raw message), whole.</param>
/// <param name="Problem">What was wrong, naming the field (e.g. <c>forceOrder: field o.p: 'NaN' is not a finite positive price.</c>).</param>
public sealed record RejectedLine(long Line, string Text, string Problem);

/// <summary>Everything an importer needs: the store (inside the file's transaction) and the file.</summary>
public sealed class ImportContext
{
    internal ImportContext(LabStore store, string path, long fileId, FileProbe probe, ArchiveLimits? archiveLimits = null, ConflictPolicy conflictPolicy = ConflictPolicy.Keep,
        bool quarantineLines = false)
    {
        QuarantineLines = quarantineLines;
        ArchiveLimits = archiveLimits ?? ArchiveLimits.Default;
        ConflictPolicy = conflictPolicy;
        Store = store;
        Path = path;
        FileId = fileId;
        Probe = probe;
    }

    /// <summary>The store; a transaction is open on its connection.</summary>
    public LabStore Store { get; }

    /// <summary>Absolute path of the file.</summary>
    public string Path { get; }

    /// <summary>The <c>ingest_log.id</c> to stamp on every row.</summary>
    public long FileId { get; }

    /// <summary>Limits on expanding archives.</summary>
    public ArchiveLimits ArchiveLimits { get; }

    /// <summary>The probe the importer was chosen with.</summary>
    public FileProbe Probe { get; }

    /// <summary>What to do with values that differ from stored ones for the same key.</summary>
    public ConflictPolicy ConflictPolicy { get; }

    /// <summary>
    /// Whether a bad line is set aside (<see cref="ImportOutcome.Rejected"/>) and the rest of the file stored, instead of the
    /// whole file being refused. Only importers of message streams honour it (the websocket recording importer: one bad
    /// message of a live recording must not cost the others); file formats refuse the file whole, as always.
    /// </summary>
    public bool QuarantineLines { get; }

    /// <summary>Tables whose rows of this file the importer has already checked against <see cref="RowRules"/> (the ingestor checks the others).</summary>
    public ISet<string> CheckedTables { get; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>One kind of input file.</summary>
public interface IImporter
{
    /// <summary>Short kind name, used by <c>--kind</c> and in the ingest log (e.g. <c>binance-vision-aggtrades</c>).</summary>
    string Kind { get; }

    /// <summary>One line for help output.</summary>
    string Description { get; }

    /// <summary>Whether the file is this importer's kind (from its name and first line).</summary>
    bool CanImport(FileProbe probe);

    /// <summary>Writes the file's rows. Runs inside the file's transaction; throw <see cref="IngestException"/> on bad input.</summary>
    ImportOutcome Import(ImportContext context);
}

/// <summary>Helpers shared by importers.</summary>
public static partial class ImportFiles
{
    /// <summary>Opens a text file, decompressing gzip when the name ends in <c>.gz</c>.</summary>
    public static StreamReader OpenText(string path)
    {
        Stream s = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) s = new GZipStream(s, CompressionMode.Decompress);
        return new StreamReader(s);
    }

    /// <summary>
    /// A path DuckDB's <c>read_csv</c> can read for this file: the file itself for <c>.csv</c>, or the CSV extracted from a
    /// <c>.zip</c> into a temporary file (deleted when the returned handle is disposed). Extraction streams and stops with an
    /// error as soon as the entry passes <paramref name="limits"/> (bytes written or expansion ratio, counted as written,
    /// not as the archive declares). Temporary files live in <see cref="TempFolder"/>, named by process id; files of processes
    /// that no longer run (killed mid-extraction) are deleted at the next extraction.
    /// </summary>
    /// <exception cref="IngestException">The zip is corrupt or truncated, holds no CSV, or expands past the limits.</exception>
    public static CsvHandle Materialize(string path, ArchiveLimits? limits = null)
    {
        if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return new CsvHandle(path, null);
        limits ??= ArchiveLimits.Default;
        var folder = TempFolder;
        Directory.CreateDirectory(folder);
        CleanStaleTempFiles(folder);
        var temp = System.IO.Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}.csv"));
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                ?? throw new IngestException(path, "the zip archive holds no .csv file.");
            var compressed = Math.Max(1, entry.CompressedLength);
            using (var input = entry.Open())
            using (var output = File.Create(temp))
            {
                var buffer = new byte[1 << 16];
                long written = 0;
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    written += n;
                    if (written > limits.MaxBytes)
                        throw new IngestException(path, string.Create(CultureInfo.InvariantCulture,
                            $"{entry.FullName} expands past {limits.MaxBytes:N0} bytes (the limit; raise it with --max-unzipped-bytes if the file is genuine)."));
                    if (written > limits.RatioFloorBytes && written / (double)compressed > limits.MaxRatio)
                        throw new IngestException(path, string.Create(CultureInfo.InvariantCulture,
                            $"{entry.FullName} expands more than {limits.MaxRatio:0}× ({compressed:N0} compressed bytes gave {written:N0} and counting): refused as a zip bomb (raise --max-unzip-ratio if the file is genuine)."));
                    output.Write(buffer, 0, n);
                }
            }
            return new CsvHandle(temp, temp);
        }
        catch (InvalidDataException e)
        {
            File.Delete(temp);
            throw new IngestException(path, $"corrupt or truncated zip archive ({e.Message}).", e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Where extracted CSVs are kept while they are ingested: <c>&lt;temp&gt;/liqlab-unzip</c>.</summary>
    public static string TempFolder => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "liqlab-unzip");

    /// <summary>Deletes extraction files whose process (the number before the dash) no longer runs.</summary>
    private static void CleanStaleTempFiles(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*.csv"))
        {
            var name = System.IO.Path.GetFileName(file);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || ProcessRuns(pid)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // another cleaner got there first
            }
        }
    }

    private static bool ProcessRuns(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A CSV path readable by DuckDB, possibly temporary.</summary>
    public sealed class CsvHandle(string csvPath, string? tempFile) : IDisposable
    {
        /// <summary>Path to pass to <c>read_csv</c>.</summary>
        public string CsvPath { get; } = csvPath;

        /// <inheritdoc />
        public void Dispose()
        {
            if (tempFile is not null) File.Delete(tempFile);
        }
    }

    /// <summary>
    /// DuckDB's error, cut to its first informative lines, for an <see cref="IngestException"/>. A CSV conversion error
    /// becomes "line N: field F: 'text' is not a TYPE" (DuckDB's own wording echoes the whole line and its SQL).
    /// </summary>
    public static string Brief(Exception e)
    {
        var m = CsvConversion().Match(e.Message);
        if (m.Success)
        {
            var text = m.Groups[3].Value.Length > 60 ? m.Groups[3].Value[..60] + "…" : m.Groups[3].Value;
            return $"line {m.Groups[1].Value}: field {m.Groups[2].Value}: '{text}' is not a {m.Groups[4].Value.ToLowerInvariant() switch
            {
                "double" or "float" => "number",
                "bigint" or "integer" or "hugeint" => "integer",
                "boolean" => "boolean (true/false)",
                "timestamp" => "date-time",
                var other => other,
            }}.";
        }
        var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines.TakeWhile(l => !l.StartsWith("Column ", StringComparison.Ordinal) && !l.StartsWith("This type", StringComparison.Ordinal)
                                                   && !l.StartsWith("file =", StringComparison.Ordinal) && !l.StartsWith("* ", StringComparison.Ordinal)
                                                   && !l.StartsWith("LINE ", StringComparison.Ordinal))
            .Select(l => l.Length > 300 ? l[..300] + "…" : l).Take(4));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"CSV Error on Line: (\d+)[\s\S]*?Error when converting column ""([^""]+)""\. Could not convert string ""([\s\S]*?)"" to '(\w+)'")]
    private static partial System.Text.RegularExpressions.Regex CsvConversion();
}
