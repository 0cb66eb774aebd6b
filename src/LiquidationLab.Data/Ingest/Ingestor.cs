using System.Security.Cryptography;
using DuckDB.NET.Data;
using System.Globalization;
using LiquidationLab.Data.Snapshot;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest;

/// <summary>How one file's ingestion ended.</summary>
public enum IngestStatus
{
    /// <summary>Rows were written.</summary>
    Ingested,

    /// <summary>A file with the same SHA-256 was ingested before: nothing was written.</summary>
    AlreadyIngested,

    /// <summary>No importer recognises the file (only when walking a directory; an explicit file is an error).</summary>
    NotRecognised,
}

/// <summary>One file's ingestion result.</summary>
/// <param name="Path">The file (or snapshot folder).</param>
/// <param name="Status">How it ended.</param>
/// <param name="Kind">The importer kind.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Detail">Per-table counts and notes.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Conflicts">Rows whose key the store held with different values (see <see cref="ConflictPolicy"/>).</param>
/// <param name="Redelivered">Rows the store already held under the same exchange identifier, not written again.</param>
/// <param name="Rejected">Lines set aside instead of failing the file (with <see cref="Ingestor.QuarantineLines"/>); null or empty otherwise.</param>
public sealed record FileIngestResult(string Path, IngestStatus Status, string? Kind, long Rows, string? Detail, TimeSpan Elapsed, long Conflicts = 0, long Redelivered = 0,
    IReadOnlyList<RejectedLine>? Rejected = null);

/// <summary>
/// Ingests files into the store: each file inside one transaction, recorded in <c>ingest_log</c> with its SHA-256,
/// so a second ingestion of the same content is a no-op and a failure leaves the store as it was.
/// </summary>
public sealed class Ingestor
{
    private readonly LabStore _store;

    /// <summary>Creates an ingestor over <paramref name="store"/> with the given importers (default: all built-in).</summary>
    public Ingestor(LabStore store, IReadOnlyList<IImporter>? importers = null)
    {
        _store = store;
        Importers = importers ?? BuiltInImporters.All;
    }

    /// <summary>Limits on expanding <c>.zip</c> archives; default <see cref="ArchiveLimits.Default"/>.</summary>
    public ArchiveLimits ArchiveLimits { get; init; } = ArchiveLimits.Default;

    /// <summary>What to do when a file's value differs from the stored one for the same key; default <see cref="ConflictPolicy.Keep"/>.</summary>
    public ConflictPolicy ConflictPolicy { get; init; } = ConflictPolicy.Keep;

    /// <summary>
    /// Set bad lines of message-stream files aside instead of refusing the file (see <see cref="ImportContext.QuarantineLines"/>);
    /// default false. The live recorder sets it: the set-aside lines come back in <see cref="FileIngestResult.Rejected"/>.
    /// </summary>
    public bool QuarantineLines { get; init; }

    /// <summary>The importers tried, in order; the first whose <see cref="IImporter.CanImport"/> is true wins.</summary>
    public IReadOnlyList<IImporter> Importers { get; }

    /// <summary>
    /// Ingests files and directories (recursively, in ordinal path order so that consecutive recordings chain).
    /// Files in directories that no importer recognises are reported as <see cref="IngestStatus.NotRecognised"/>.
    /// </summary>
    /// <param name="paths">Files or directories.</param>
    /// <param name="kind">Force this importer kind for every file (named files only), or <c>null</c> to detect.</param>
    /// <param name="progress">Called after each file.</param>
    /// <exception cref="IngestException">A file failed (earlier files stay ingested; the failing one left no trace).</exception>
    public IReadOnlyList<FileIngestResult> Ingest(IEnumerable<string> paths, string? kind = null, Action<FileIngestResult>? progress = null)
    {
        var results = new List<FileIngestResult>();
        foreach (var raw in paths)
        {
            var path = Path.GetFullPath(raw);
            if (Directory.Exists(path))
            {
                // Snapshot folders (data/real) are imported whole; the files inside them are not walked one by one.
                var snapshots = Directory.EnumerateFiles(path, StoreSnapshot.ManifestFile, SearchOption.AllDirectories)
                    .Select(Path.GetDirectoryName).Where(d => StoreSnapshot.IsSnapshot(d!)).Select(d => d! + Path.DirectorySeparatorChar)
                    .Order(StringComparer.Ordinal).ToList();
                foreach (var snapshot in snapshots)
                {
                    var r = IngestSnapshot(snapshot.TrimEnd(Path.DirectorySeparatorChar));
                    results.Add(r);
                    progress?.Invoke(r);
                }
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    if (snapshots.Any(s => file.StartsWith(s, StringComparison.Ordinal))) continue;
                    var r = IngestFile(file, kind, requireRecognised: false);
                    results.Add(r);
                    progress?.Invoke(r);
                }
            }
            else if (File.Exists(path) && Path.GetFileName(path) == StoreSnapshot.ManifestFile && StoreSnapshot.IsSnapshot(Path.GetDirectoryName(path)!))
            {
                var r = IngestSnapshot(Path.GetDirectoryName(path)!);
                results.Add(r);
                progress?.Invoke(r);
            }
            else if (File.Exists(path))
            {
                var r = IngestFile(path, kind, requireRecognised: true);
                results.Add(r);
                progress?.Invoke(r);
            }
            else
            {
                throw new IngestException(path, "no such file or directory.");
            }
        }
        return results;
    }

    /// <summary>
    /// Imports a store snapshot folder (<see cref="StoreSnapshot"/>) in one transaction. The result is
    /// <see cref="IngestStatus.AlreadyIngested"/> when the store knows every source file of the snapshot already.
    /// </summary>
    /// <exception cref="IngestException">The snapshot is malformed or altered; the store is unchanged.</exception>
    public FileIngestResult IngestSnapshot(string folder)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var r = StoreSnapshot.Import(_store, folder);
            if (r.Imported.Count == 0)
                return new FileIngestResult(folder, IngestStatus.AlreadyIngested, SnapshotKind, 0, $"{r.AlreadyPresent.Count} source files", started.Elapsed);
            var tables = string.Join("; ", r.RowsPerTable.Where(kv => kv.Value > 0).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} +{kv.Value}")));
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"{r.Imported.Count} source files new, {r.AlreadyPresent.Count} already in the store: {tables}");
            return new FileIngestResult(folder, IngestStatus.Ingested, SnapshotKind, r.Rows, detail, started.Elapsed);
        }
        catch (SnapshotException e)
        {
            var message = e.Message.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? e.Message[(folder.Length + 1)..] : e.Message;
            throw new IngestException(folder, message, e);
        }
    }

    /// <summary>The kind reported for a snapshot import.</summary>
    public const string SnapshotKind = "store-snapshot";

    /// <summary>Ingests one file.</summary>
    /// <exception cref="IngestException">Bad content, unknown kind, or (with <paramref name="requireRecognised"/>) no importer for it.</exception>
    public FileIngestResult IngestFile(string path, string? kind = null, bool requireRecognised = true)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        path = Path.GetFullPath(path);
        var probe = FileProbe.Read(path);
        IImporter? importer;
        if (kind is not null)
        {
            importer = Importers.FirstOrDefault(i => string.Equals(i.Kind, kind, StringComparison.OrdinalIgnoreCase))
                ?? throw new IngestException(path, $"unknown kind '{kind}'; known kinds: {string.Join(", ", Importers.Select(i => i.Kind))}.");
        }
        else
        {
            importer = Importers.FirstOrDefault(i => i.CanImport(probe));
            if (importer is null)
            {
                if (requireRecognised)
                    throw new IngestException(path, $"not a recognised format (first line: '{Truncate(probe.FirstLine)}'); name one with --kind.");
                return new FileIngestResult(path, IngestStatus.NotRecognised, null, 0, null, started.Elapsed);
            }
        }

        var sha = Sha256(path);
        var log = new IngestLog(_store);
        var existing = log.KindOf(sha);
        if (existing is not null)
            return new FileIngestResult(path, IngestStatus.AlreadyIngested, existing, 0, null, started.Elapsed);

        using var tx = _store.Connection.BeginTransaction();
        try
        {
            var fileId = log.Begin(path, sha, importer.Kind);
            var context = new ImportContext(_store, path, fileId, probe, ArchiveLimits, ConflictPolicy, QuarantineLines);
            var outcome = importer.Import(context);
            // Whatever the importer, every value it wrote obeys the row rules, and no exchange identifier is stored twice.
            var ofFile = $"file_id = {fileId.ToString(CultureInfo.InvariantCulture)}";
            foreach (var table in RowRules.RuledTables.Where(t => !context.CheckedTables.Contains(t)))
                if (!RowRules.Holds(_store, table, ofFile) && RowRules.FirstViolation(_store, table, ofFile) is { } bad)
                    throw new IngestException(path, bad.ToString());
            var redelivered = RowIdentity.DropRedelivered(_store, path, fileId);
            var removed = redelivered.Sum(r => r.Removed);
            var detail = removed == 0 ? outcome.Detail
                : outcome.Detail + "; already stored under the same exchange ids, not written again: " +
                  string.Join(", ", redelivered.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Table.Replace("_data", "", StringComparison.Ordinal)} {r.Removed}")));
            if (outcome.Rejected is { Count: > 0 } rejected)
                detail += string.Create(CultureInfo.InvariantCulture, $"; {rejected.Count} lines set aside (first: line {rejected[0].Line}: {rejected[0].Problem})");
            var rows = outcome.Rows - removed;
            log.Complete(fileId, rows, outcome.FirstTime, outcome.LastTime, detail);
            tx.Commit();
            return new FileIngestResult(path, IngestStatus.Ingested, importer.Kind, rows, detail, started.Elapsed, outcome.Conflicts, removed, outcome.Rejected);
        }
        catch (IngestException)
        {
            tx.Rollback();
            throw;
        }
        catch (Exception e) when (e is DuckDBException or FormatException or InvalidDataException or IOException or System.Text.Json.JsonException or OverflowException)
        {
            tx.Rollback();
            throw new IngestException(path, ImportFiles.Brief(e), e);
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private static string Truncate(string? s) => s is null ? "" : s.Length <= 80 ? s : s[..80] + "…";
}
