using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Store;

/// <summary>One entry of the ingest log: a file (or a recording session) whose rows the store holds.</summary>
/// <param name="Id">The entry's id: every row the file brought carries it as <c>file_id</c>.</param>
/// <param name="FilePath">The file's path as ingested (or the session's name).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes (re-ingesting the same bytes is a no-op).</param>
/// <param name="Kind">The importer's kind.</param>
/// <param name="Rows">Rows the file added.</param>
/// <param name="FirstTime">Earliest time in the file's rows (UTC), if any.</param>
/// <param name="LastTime">Latest time in the file's rows (UTC), if any.</param>
/// <param name="IngestedAt">When the file was ingested.</param>
/// <param name="Detail">What the importer wrote, in words.</param>
public sealed record IngestLogEntry(
    long Id, string FilePath, string Sha256, string Kind, long Rows, DateTime? FirstTime, DateTime? LastTime, DateTime IngestedAt, string? Detail);

/// <summary>
/// The store's <c>ingest_log</c>: the one owner of every statement that reads or writes it. An entry is begun inside the
/// file's transaction (so a failed file leaves none), completed with the file's counts, extended by a recording session
/// batch by batch, restored from a snapshot, or deleted by a revert. Queries of other tables join it by <c>file_id</c> to
/// name a row's file.
/// </summary>
/// <param name="store">The store (a write connection for the writing members).</param>
public sealed class IngestLog(LabStore store)
{
    /// <summary>The table's columns (the id comes from the sequence <c>ingest_log_id</c>).</summary>
    public static TableDeclaration Table { get; } = new("ingest_log",
    [
        new ColumnDeclaration("id", "BIGINT", false), new ColumnDeclaration("file_path", "VARCHAR", false),
        new ColumnDeclaration("sha256", "VARCHAR", false), new ColumnDeclaration("kind", "VARCHAR", false),
        new ColumnDeclaration("rows", "BIGINT", false), new ColumnDeclaration("first_time", "TIMESTAMP", true),
        new ColumnDeclaration("last_time", "TIMESTAMP", true), new ColumnDeclaration("ingested_at", "TIMESTAMP", false),
        new ColumnDeclaration("detail", "VARCHAR", true),
    ]);

    /// <summary>The kind of the file already ingested with these bytes, or null when none was.</summary>
    public string? KindOf(string sha256) => store.Scalar<string?>("SELECT kind FROM ingest_log WHERE sha256 = $1", sha256);

    /// <summary>The SHA-256 of every file the store holds.</summary>
    public HashSet<string> Sha256s()
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        using var cmd = store.Command("SELECT sha256 FROM ingest_log");
        using var r = cmd.ExecuteReader();
        while (r.Read()) known.Add(r.GetString(0));
        return known;
    }

    /// <summary>Begins the entry of a file (0 rows, ingested now); returns its id, the <c>file_id</c> of its rows.</summary>
    /// <param name="filePath">The file's path (or a recording session's name).</param>
    /// <param name="sha256">Its SHA-256 (unique in the log).</param>
    /// <param name="kind">The importer's kind.</param>
    /// <param name="detail">What the entry holds, in words, if known already.</param>
    /// <exception cref="DuckDB.NET.Data.DuckDBException">The SHA-256 is in the log already.</exception>
    public long Begin(string filePath, string sha256, string kind, string? detail = null) =>
        store.Scalar<long>("INSERT INTO ingest_log (file_path, sha256, kind, rows, ingested_at, detail) VALUES ($1, $2, $3, 0, now(), $4) RETURNING id",
            filePath, sha256, kind, detail);

    /// <summary>Completes the entry <paramref name="id"/> with the file's rows, time span and detail.</summary>
    public void Complete(long id, long rows, DateTime? firstTime, DateTime? lastTime, string? detail) =>
        store.Execute("UPDATE ingest_log SET rows = $1, first_time = $2, last_time = $3, detail = $4 WHERE id = $5", rows, firstTime, lastTime, detail, id);

    /// <summary>Adds a recording session's batch to its entry: <paramref name="rows"/> more rows, the span widened to [first, last].</summary>
    public void Extend(long id, long rows, DateTime firstTime, DateTime lastTime) =>
        store.Execute("UPDATE ingest_log SET rows = rows + $1, first_time = least(coalesce(first_time, $2), $2), last_time = greatest(coalesce(last_time, $3), $3) WHERE id = $4",
            rows, firstTime, lastTime, id);

    /// <summary>Writes the entry of a file whose rows come from a snapshot (its counts and span as at its first ingest); returns its new id.</summary>
    public long Restore(string filePath, string sha256, string kind, long rows, DateTime? firstTime, DateTime? lastTime, string? detail) =>
        store.Scalar<long>(
            "INSERT INTO ingest_log (file_path, sha256, kind, rows, first_time, last_time, ingested_at, detail) VALUES ($1, $2, $3, $4, $5, $6, now(), $7) RETURNING id",
            filePath, sha256, kind, rows, firstTime, lastTime, detail);

    /// <summary>The entries matching <paramref name="fileOrSha"/>: a SHA-256 (any case), a path as ingested (also as <paramref name="fullPath"/>), or a path suffix after a <c>/</c>; by id.</summary>
    public IReadOnlyList<IngestLogEntry> Find(string fileOrSha, string fullPath) =>
        Read("WHERE sha256 = lower($1) OR file_path = $2 OR file_path = $1 OR ends_with(file_path, '/' || $1) ORDER BY id", fileOrSha, fullPath);

    /// <summary>Every entry, by path and SHA-256.</summary>
    public IReadOnlyList<IngestLogEntry> Entries() => Read("ORDER BY file_path, sha256");

    /// <summary>The number of entries and the first and last ingest time (null when the log is empty).</summary>
    public (long Files, DateTime? FirstIngestedAt, DateTime? LastIngestedAt) Summary()
    {
        using var cmd = store.Command("SELECT count(*), min(ingested_at), max(ingested_at) FROM ingest_log");
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetDateTime(1), r.IsDBNull(2) ? null : r.GetDateTime(2));
    }

    /// <summary>Deletes the entry <paramref name="id"/> (its rows must be gone already: a revert).</summary>
    public void Delete(long id) => store.Execute("DELETE FROM ingest_log WHERE id = $1", id);

    private List<IngestLogEntry> Read(string whereAndOrder, params object?[] parameters)
    {
        var entries = new List<IngestLogEntry>();
        using var cmd = store.Command($"SELECT {Table.ColumnList} FROM ingest_log {whereAndOrder}", parameters);
        using var r = cmd.ExecuteReader();
        while (r.Read())
            entries.Add(new IngestLogEntry(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
                r.IsDBNull(5) ? null : DateTime.SpecifyKind(r.GetDateTime(5), DateTimeKind.Utc),
                r.IsDBNull(6) ? null : DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc),
                DateTime.SpecifyKind(r.GetDateTime(7), DateTimeKind.Utc), r.IsDBNull(8) ? null : r.GetString(8)));
        return entries;
    }
}
