using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DuckDB.NET.Data;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Snapshot;

/// <summary>One source file recorded in a snapshot (a row of the exporting store's <c>ingest_log</c>).</summary>
/// <param name="Path">Path relative to the raw-data root the store was ingested from (forward slashes).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the source file's bytes: the identity that makes ingestion idempotent.</param>
/// <param name="Kind">Importer kind that read it.</param>
/// <param name="RowsAtIngest">Rows the file wrote when it was ingested (later files may have superseded some).</param>
/// <param name="FirstTime">Earliest data time (UTC), if any.</param>
/// <param name="LastTime">Latest data time (UTC), if any.</param>
/// <param name="Detail">The importer's per-table detail.</param>
public sealed record SnapshotSource(
    string Path, string Sha256, string Kind, long RowsAtIngest, DateTime? FirstTime, DateTime? LastTime, string? Detail);

/// <summary>One table file of a snapshot.</summary>
/// <param name="Table">Store table (or view, for <c>agg_trades</c>/<c>trades</c>).</param>
/// <param name="File">Parquet file name inside the snapshot folder.</param>
/// <param name="Rows">Rows in the file.</param>
/// <param name="Sha256">SHA-256 of the Parquet file, checked before import.</param>
public sealed record SnapshotTable(string Table, string File, long Rows, string Sha256);

/// <summary>The <c>manifest.json</c> of a snapshot folder.</summary>
/// <param name="Format">Always <see cref="StoreSnapshot.FormatName"/>.</param>
/// <param name="FormatVersion">Layout version of the snapshot folder (<see cref="StoreSnapshot.FormatVersion"/>).</param>
/// <param name="SchemaVersion">Store schema version the tables were exported from; a snapshot from a newer schema is refused.</param>
/// <param name="Tables">Table files, in table order.</param>
/// <param name="Sources">Source files, in path order.</param>
public sealed record SnapshotManifest(string Format, int FormatVersion, int SchemaVersion, IReadOnlyList<SnapshotTable> Tables, IReadOnlyList<SnapshotSource> Sources);

/// <summary>The result of importing a snapshot: what was new and what the store held already.</summary>
/// <param name="Folder">The snapshot folder.</param>
/// <param name="Imported">Source files whose rows were written now.</param>
/// <param name="AlreadyPresent">Source files whose SHA-256 the store's ingest log had already (from the raw file or an earlier import).</param>
/// <param name="Rows">Rows written, all tables.</param>
/// <param name="RowsPerTable">Rows written per table.</param>
public sealed record SnapshotImportResult(string Folder, IReadOnlyList<SnapshotSource> Imported, IReadOnlyList<SnapshotSource> AlreadyPresent, long Rows,
    IReadOnlyDictionary<string, long> RowsPerTable);

/// <summary>A snapshot folder is malformed (manifest, table file or checksum); the store is unchanged.</summary>
public sealed class SnapshotException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The store's compact, provenance-keeping snapshot: one zstd-compressed Parquet file per data table plus a
/// <c>manifest.json</c> listing every source file (path, SHA-256, kind, time span). This is how the repository carries its
/// real data (<c>data/real</c>): <c>liqlab data export</c> writes it from a store ingested from the raw files, and
/// <c>liqlab data ingest data/real</c> loads it.
/// </summary>
/// <remarks>
/// <para>Each row carries <c>source_sha256</c> (the SHA-256 of the raw file it came from) instead of the store-local
/// <c>file_id</c>. Import re-creates one <c>ingest_log</c> row per source file under the source's own SHA-256, so the
/// snapshot and the raw files are interchangeable: ingesting either after the other changes nothing, and every row
/// stays traceable to its raw file. The whole import is one transaction: a bad snapshot leaves the store as it was.</para>
/// <para>Determinism: rows are written sorted by every column (<c>ORDER BY ALL</c>), so regenerating from the same
/// sources gives the same rows in the same order (and, with the same DuckDB version, the same bytes).</para>
/// <para>The revision tables (values two files disagree on) and <c>redeliveries</c> travel too, their file references
/// (<c>other_file_id</c>, <c>stored_file_id</c>) written as <c>&lt;column&gt;_sha256</c>, so a store loaded from the snapshot
/// lists the same conflicts as one ingested from the raw files.</para>
/// <para>Not exported: <c>liquidity_reports</c> (the liquidity service's output, not market data) and the migration table.</para>
/// </remarks>
public static class StoreSnapshot
{
    /// <summary>The manifest's <c>format</c> value.</summary>
    public const string FormatName = "liquidationlab-store-snapshot";

    /// <summary>The folder layout version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The manifest file name.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>Tables exported, in import order. <c>agg_trades</c>/<c>trades</c> are exported from their views (venue, symbol)
    /// and imported into the <c>*_data</c> tables through <c>series</c>.</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        "instruments", "klines", "open_interest", "funding_rates", "liquidation_totals", "liquidation_orders", "peer_liquidation_bands", "position_levels",
        "position_level_buckets", "agg_trades", "trades",
        "book_snapshots", "book_trades", "book_depth_bands", "long_short_ratios", "book_state",
        "klines_revisions", "open_interest_revisions", "funding_rates_revisions", "liquidation_totals_revisions", "long_short_ratios_revisions",
        "redeliveries",
    ];

    // Columns other than file_id that name an ingested file: exported as <column>_sha256, mapped back through the ingest log.
    private static IReadOnlyList<string> FileReferences(string table) =>
        table.EndsWith("_revisions", StringComparison.Ordinal) ? ["other_file_id"] : table == "redeliveries" ? ["stored_file_id"] : [];

    private const string FromSnapshotNote = "[from the snapshot ";

    private static readonly HashSet<string> SeriesTables = new(StringComparer.Ordinal) { "agg_trades", "trades" };

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>True when <paramref name="folder"/> holds a snapshot manifest.</summary>
    public static bool IsSnapshot(string folder)
    {
        var manifest = Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifest)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out var f)
                && f.ValueKind == JsonValueKind.String && f.GetString() == FormatName;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes the store's data tables to <paramref name="folder"/> as Parquet (zstd) with a manifest. Files this method
    /// owns (<c>*.parquet</c>, <c>manifest.json</c>) are replaced; anything else in the folder (e.g. <c>SOURCES.md</c>) is kept.
    /// </summary>
    /// <param name="store">The store to export (read-only use).</param>
    /// <param name="folder">Output folder; created if missing.</param>
    /// <param name="sourceRoot">The raw-data root the store was ingested from: source paths are written relative to it. <c>null</c>:
    /// the deepest folder common to every ingested file.</param>
    /// <returns>The manifest written.</returns>
    /// <exception cref="InvalidOperationException">The store has no ingested files, or a source lies outside <paramref name="sourceRoot"/>.</exception>
    public static SnapshotManifest Export(LabStore store, string folder, string? sourceRoot = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var log = ReadLog(store);
        if (log.Count == 0) throw new InvalidOperationException($"{store.Path}: the store holds no ingested files; nothing to export.");
        // A store built from a snapshot logs relative paths already: those are kept as they are.
        var root = Path.GetFullPath(sourceRoot ?? CommonFolder(log.Where(l => Path.IsPathRooted(l.Path)).Select(l => l.Path)));
        foreach (var l in log.Where(l => Path.IsPathRooted(l.Path)))
            if (Path.GetRelativePath(root, l.Path).StartsWith("..", StringComparison.Ordinal))
                throw new InvalidOperationException($"{l.Path} lies outside the source root {root}; pass the root all ingested files share.");

        Directory.CreateDirectory(folder);
        foreach (var old in Directory.EnumerateFiles(folder, "*.parquet")) File.Delete(old);
        var tables = new List<SnapshotTable>();
        foreach (var table in Tables)
        {
            var columns = ExportColumns(store, table);
            var rows = store.Scalar<long>($"SELECT count(*) FROM {Ident(table)}");
            if (rows == 0) continue;
            var file = table + ".parquet";
            var target = Path.GetFullPath(Path.Combine(folder, file));
            var select = string.Join(", ", columns.Select(c => "t." + Ident(c))
                .Concat(FileReferences(table).Select(c => $"(SELECT sha256 FROM ingest_log WHERE id = t.{Ident(c)}) AS {Ident(c + "_sha256")}")));
            store.Execute($"""
                COPY (SELECT {select}, l.sha256 AS source_sha256 FROM {Ident(table)} t JOIN ingest_log l ON l.id = t.file_id ORDER BY ALL)
                TO {LabStore.Literal(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19)
                """);
            tables.Add(new SnapshotTable(table, file, rows, Ingestor.Sha256(target)));
        }
        var sources = log.Select(l => l with
            {
                Path = Path.IsPathRooted(l.Path) ? Path.GetRelativePath(root, l.Path).Replace('\\', '/') : l.Path,
                Detail = l.Detail is { } d && d.IndexOf(FromSnapshotNote, StringComparison.Ordinal) is var k and >= 0 ? d[..k].TrimEnd() : l.Detail,
            })
            .OrderBy(s => s.Path, StringComparer.Ordinal).ToList();
        var manifest = new SnapshotManifest(FormatName, FormatVersion, store.SchemaVersion, tables, sources);
        File.WriteAllText(Path.Combine(folder, ManifestFile), JsonSerializer.Serialize(manifest, Json) + "\n");
        return manifest;
    }

    /// <summary>Reads and checks a snapshot's manifest.</summary>
    /// <exception cref="SnapshotException">Missing, unreadable or of another format or a newer layout/schema.</exception>
    public static SnapshotManifest ReadManifest(string folder)
    {
        var path = Path.Combine(folder, ManifestFile);
        SnapshotManifest? m;
        try
        {
            m = JsonSerializer.Deserialize<SnapshotManifest>(File.ReadAllBytes(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            throw new SnapshotException($"{path}: not a readable snapshot manifest ({e.Message}).", e);
        }
        if (m is null || m.Format != FormatName) throw new SnapshotException($"{path}: field 'format' is not '{FormatName}'.");
        if (m.FormatVersion > FormatVersion)
            throw new SnapshotException($"{path}: field 'format_version' {m.FormatVersion} is newer than this build's {FormatVersion}: update LiquidationLab.");
        if (m.SchemaVersion > Schema.CurrentVersion)
            throw new SnapshotException($"{path}: field 'schema_version' {m.SchemaVersion} is newer than this build's {Schema.CurrentVersion}: update LiquidationLab.");
        if (m.Tables is null || m.Sources is null) throw new SnapshotException($"{path}: fields 'tables' and 'sources' are required.");
        var i = 0;
        foreach (var s in m.Sources)
        {
            if (string.IsNullOrEmpty(s.Path) || s.Sha256 is not { Length: 64 } || !s.Sha256.All(char.IsAsciiHexDigitLower) || string.IsNullOrEmpty(s.Kind))
                throw new SnapshotException($"{path}: sources[{i}]: 'path', 'sha256' (64 lower-case hex digits) and 'kind' are required.");
            i++;
        }
        foreach (var t in m.Tables)
            if (!Tables.Contains(t.Table) || t.File != t.Table + ".parquet")
                throw new SnapshotException($"{path}: table '{t.Table}' (file '{t.File}') is not one this build imports.");
        return m;
    }

    /// <summary>
    /// Imports a snapshot folder in one transaction: source files whose SHA-256 the store already knows are skipped,
    /// the others get an <c>ingest_log</c> row and their rows in every table.
    /// </summary>
    /// <exception cref="SnapshotException">Bad manifest, a missing or altered table file, or rows naming an unlisted source; the store is unchanged.</exception>
    public static SnapshotImportResult Import(LabStore store, string folder)
    {
        ArgumentNullException.ThrowIfNull(store);
        folder = Path.GetFullPath(folder);
        var manifest = ReadManifest(folder);
        foreach (var t in manifest.Tables)
        {
            var file = Path.Combine(folder, t.File);
            if (!File.Exists(file)) throw new SnapshotException($"{file}: listed in the manifest but missing.");
            var sha = Ingestor.Sha256(file);
            if (sha != t.Sha256) throw new SnapshotException($"{file}: SHA-256 {sha} differs from the manifest's {t.Sha256} (altered or truncated).");
        }

        var log = new IngestLog(store);
        var known = log.Sha256s();
        var present = manifest.Sources.Where(s => known.Contains(s.Sha256)).ToList();
        var fresh = manifest.Sources.Where(s => !known.Contains(s.Sha256)).ToList();
        var perTable = new Dictionary<string, long>(StringComparer.Ordinal);
        if (fresh.Count == 0) return new SnapshotImportResult(folder, [], present, 0, perTable);

        using var tx = store.Connection.BeginTransaction();
        try
        {
            store.Execute("CREATE OR REPLACE TEMP TABLE snapshot_sources (sha256 VARCHAR PRIMARY KEY, file_id BIGINT)");
            foreach (var s in present) store.Execute("INSERT INTO snapshot_sources VALUES ($1, NULL)", s.Sha256);
            foreach (var s in fresh)
            {
                var id = log.Restore(s.Path, s.Sha256, s.Kind, s.RowsAtIngest, s.FirstTime, s.LastTime, $"{s.Detail} {FromSnapshotNote}{folder}]");
                store.Execute("INSERT INTO snapshot_sources VALUES ($1, $2) ON CONFLICT DO UPDATE SET file_id = excluded.file_id", s.Sha256, id);
            }
            foreach (var t in manifest.Tables)
            {
                var file = LabStore.Literal(Path.Combine(folder, t.File));
                var unlisted = store.Scalar<long>(
                    $"SELECT count(*) FROM read_parquet({file}) p ANTI JOIN snapshot_sources m ON m.sha256 = p.source_sha256");
                if (unlisted > 0)
                    throw new SnapshotException($"{Path.Combine(folder, t.File)}: {unlisted} row(s) name a source_sha256 the manifest does not list.");
                var columns = ExportColumns(store, t.Table);
                // A snapshot from an older schema lacks the columns later migrations added: they import as NULL and are
                // derived below by the migrations' backfills.
                var parquetColumns = ParquetColumns(store, file);
                string P(string c) => parquetColumns.Contains(c) ? "p." + Ident(c) : "NULL";
                var select = string.Join(", ", columns.Select(P));
                long n;
                if (SeriesTables.Contains(t.Table))
                {
                    store.Execute($"INSERT INTO series (venue, symbol) SELECT DISTINCT venue, symbol FROM read_parquet({file}) ORDER BY ALL ON CONFLICT DO NOTHING");
                    var dataColumns = columns.Where(c => c is not "venue" and not "symbol").ToList();
                    n = store.Execute($"""
                        INSERT INTO {Ident(t.Table + "_data")} (series_id, {string.Join(", ", dataColumns.Select(Ident))}, file_id)
                        SELECT s.id, {string.Join(", ", dataColumns.Select(P))}, m.file_id
                        FROM read_parquet({file}) p JOIN snapshot_sources m ON m.sha256 = p.source_sha256 AND m.file_id IS NOT NULL
                        JOIN series s ON s.venue = p.venue AND s.symbol = p.symbol
                        """);
                }
                else
                {
                    var refs = FileReferences(t.Table);
                    var refColumns = string.Concat(refs.Select(c => ", " + Ident(c)));
                    var refValues = string.Concat(refs.Select(c => $", (SELECT id FROM ingest_log WHERE sha256 = p.{Ident(c + "_sha256")})"));
                    n = store.Execute($"""
                        INSERT INTO {Ident(t.Table)} ({string.Join(", ", columns.Select(Ident))}{refColumns}, file_id)
                        SELECT {select}{refValues}, m.file_id FROM read_parquet({file}) p JOIN snapshot_sources m ON m.sha256 = p.source_sha256 AND m.file_id IS NOT NULL
                        """);
                }
                perTable[t.Table] = n;
            }
            store.Execute("DROP TABLE snapshot_sources");
            for (var v = manifest.SchemaVersion; v < Schema.CurrentVersion; v++)
                if (Schema.Backfills.TryGetValue(v, out var backfill)) store.ExecuteScript(backfill);
            tx.Commit();
        }
        catch (DuckDBException e)
        {
            tx.Rollback();
            throw new SnapshotException($"{folder}: {ImportFiles.Brief(e)}", e);
        }
        catch
        {
            tx.Rollback();
            throw;
        }
        return new SnapshotImportResult(folder, fresh, present, perTable.Values.Sum(), perTable);
    }

    /// <summary>SHA-256 of every file of the snapshot, in name order (to compare two exports).</summary>
    public static IReadOnlyList<(string File, string Sha256)> Checksums(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".parquet", StringComparison.Ordinal) || Path.GetFileName(f) == ManifestFile)
            .Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))))).ToList();

    /// <summary>The column names of a Parquet file (a SQL string literal).</summary>
    private static HashSet<string> ParquetColumns(LabStore store, string fileLiteral)
    {
        using var cmd = store.Command($"SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet({fileLiteral}))");
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }

    /// <summary>The table's columns in schema order, without <c>file_id</c>.</summary>
    private static List<string> ExportColumns(LabStore store, string table)
    {
        var columns = new List<string>();
        using var cmd = store.Command(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1 ORDER BY ordinal_position", table);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var c = r.GetString(0);
            if (c != "file_id" && !FileReferences(table).Contains(c)) columns.Add(c);
        }
        return columns.Count > 0 ? columns : throw new InvalidOperationException($"Table {table} not found in the store's schema.");
    }

    private static List<SnapshotSource> ReadLog(LabStore store) =>
        new IngestLog(store).Entries().Select(e => new SnapshotSource(e.FilePath, e.Sha256, e.Kind, e.Rows, e.FirstTime, e.LastTime, e.Detail)).ToList();

    private static string CommonFolder(IEnumerable<string> paths)
    {
        string? common = null;
        foreach (var p in paths)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(p))!;
            if (common is null) common = dir;
            while (!(dir + Path.DirectorySeparatorChar).StartsWith(common + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                common = Path.GetDirectoryName(common) ?? "/";
        }
        return common ?? Directory.GetCurrentDirectory();
    }

    /// <summary>A quoted identifier (our own table and column names, from the schema; quoted all the same).</summary>
    private static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
