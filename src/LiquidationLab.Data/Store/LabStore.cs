using System.Globalization;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace LiquidationLab.Data.Store;

/// <summary>Another process holds the DuckDB file open for writing.</summary>
public sealed class StoreLockedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StoreLockedException(string path, string holder, Exception? inner)
        : base($"The database {path} is locked by {holder}; wait for it to finish or close it (or use --db for another file), then try again.", inner)
    {
        Path = path;
        Holder = holder;
    }

    /// <summary>The store file.</summary>
    public string Path { get; }

    /// <summary>The process holding the lock, as DuckDB reports it (program and PID).</summary>
    public string Holder { get; }
}

/// <summary>
/// The embedded DuckDB store (default <c>data/lab.duckdb</c>). Opening creates the file if needed and applies the
/// schema migrations of <see cref="Schema"/>. One instance owns one connection; it is not thread-safe.
/// </summary>
public sealed partial class LabStore : IDisposable
{
    /// <summary>Environment variable naming the store file.</summary>
    public const string EnvironmentVariable = "LIQLAB_DB";

    /// <summary>Default store path, relative to the current directory.</summary>
    public const string DefaultRelativePath = "data/lab.duckdb";

    private LabStore(string path, DuckDBConnection connection)
    {
        Path = path;
        Connection = connection;
    }

    /// <summary>Absolute path of the DuckDB file.</summary>
    public string Path { get; }

    /// <summary>The open connection (for the read API and importers).</summary>
    public DuckDBConnection Connection { get; }

    /// <summary>The schema version of the open store.</summary>
    public int SchemaVersion => Scalar<int>("SELECT coalesce(max(version), 0) FROM schema_version");

    /// <summary>The store path to use: <paramref name="explicitPath"/>, else <c>LIQLAB_DB</c>, else <c>data/lab.duckdb</c>.</summary>
    public static string ResolvePath(string? explicitPath) =>
        System.IO.Path.GetFullPath(!string.IsNullOrWhiteSpace(explicitPath) ? explicitPath
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env
            : DefaultRelativePath);

    /// <summary>Opens (creating and migrating as needed) the store at <paramref name="path"/>.</summary>
    /// <param name="path">DuckDB file path; its directory is created if missing.</param>
    /// <param name="readOnly">Open read-only (several readers may share the file; no migration is applied).</param>
    /// <exception cref="StoreLockedException">Another process has the file open for writing.</exception>
    /// <exception cref="InvalidOperationException">The file was written by a newer LiquidationLab (higher schema version).</exception>
    public static LabStore Open(string path, bool readOnly = false)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!readOnly) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var connection = new DuckDBConnection($"Data Source={full}{(readOnly ? ";ACCESS_MODE=READ_ONLY" : "")}");
        try
        {
            connection.Open();
        }
        catch (DuckDBException e) when (e.Message.Contains("Could not set lock", StringComparison.Ordinal))
        {
            connection.Dispose();
            throw new StoreLockedException(full, HolderFrom(e.Message), e);
        }
        var store = new LabStore(full, connection);
        try
        {
            if (!readOnly) store.Migrate();
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>
    /// Opens the store like <see cref="Open(string, bool)"/>, waiting up to <paramref name="lockWait"/> while another process
    /// holds a conflicting lock (a writer, or — for a writer — readers such as a running <c>liqlab serve</c>, whose reads
    /// hold the file for the length of one query). Retries back off from 10 to 200 ms.
    /// <para>Readers yield to writers: a writer announces itself while it waits (a file <c>&lt;store&gt;.writer-&lt;PID&gt;</c>
    /// beside the store, see <see cref="AnnounceWriter"/>), and a reader opens no new connection while a live writer is
    /// announced — it waits, then throws <see cref="StoreLockedException"/> — so a server's stream of short reads leaves
    /// the writer a gap. DuckDB allows one read-write process or several read-only ones.</para>
    /// </summary>
    /// <exception cref="StoreLockedException">Still locked (or a writer still waiting) after <paramref name="lockWait"/>.</exception>
    public static LabStore Open(string path, bool readOnly, TimeSpan lockWait)
    {
        var full = System.IO.Path.GetFullPath(path);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var delay = 10;
        using var announcement = readOnly ? null : AnnounceWriter(full);
        while (true)
        {
            try
            {
                if (readOnly && WaitingWriter(full) is { } writer)
                    throw new StoreLockedException(full, $"a writer waiting for it (PID {writer})", null);
                return Open(full, readOnly);
            }
            catch (StoreLockedException) when (clock.Elapsed < lockWait)
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 200);
            }
        }
    }

    /// <summary>
    /// Announces that this process waits to open <paramref name="path"/> for writing: until the result is disposed, readers
    /// opening through <see cref="Open(string, bool, TimeSpan)"/> wait instead of taking new read locks. The announcement
    /// is a file <c>&lt;store&gt;.writer-&lt;PID&gt;</c> beside the store; one whose process is gone is ignored.
    /// </summary>
    /// <returns>Removes the announcement when disposed; null when the store's folder does not exist (nothing to announce to).</returns>
    public static IDisposable? AnnounceWriter(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(full))) return null;
        var file = full + ".writer-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllText(file, "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // a read-only folder: the writer cannot write the store either, and says so when it opens
        }
        return new Announcement(file);
    }

    /// <summary>The PID of a live process announced as waiting to write <paramref name="full"/>, or null.</summary>
    private static int? WaitingWriter(string full)
    {
        var folder = System.IO.Path.GetDirectoryName(full)!;
        var prefix = System.IO.Path.GetFileName(full) + ".writer-";
        IEnumerable<string> files;
        try
        {
            files = Directory.EnumerateFiles(folder, prefix + "*").ToArray();
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var file in files)
        {
            if (!int.TryParse(System.IO.Path.GetFileName(file)[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (IsAlive(pid)) return pid;
        }
        return null;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // gone: a writer that crashed while waiting blocks nobody
        }
    }

    private sealed class Announcement(string file) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // already gone
            }
        }
    }

    private void Migrate()
    {
        Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)");
        var version = SchemaVersion;
        if (version > Schema.CurrentVersion)
            throw new InvalidOperationException(
                $"{Path} has schema version {version}, newer than this build's {Schema.CurrentVersion}: update LiquidationLab.");
        for (var v = version; v < Schema.CurrentVersion; v++)
        {
            using var tx = Connection.BeginTransaction();
            ExecuteScript(Schema.Migrations[v]);
            Execute($"INSERT INTO schema_version VALUES ({v + 1}, now())");
            tx.Commit();
        }
    }

    /// <summary>The id of the (venue, symbol) series used by the <c>*_data</c> tables, created if new.</summary>
    public int SeriesId(string venue, string symbol)
    {
        Execute("INSERT INTO series (venue, symbol) VALUES ($1, $2) ON CONFLICT DO NOTHING", venue, symbol);
        return Scalar<int>("SELECT id FROM series WHERE venue = $1 AND symbol = $2", venue, symbol);
    }

    /// <summary>Runs one statement; returns the affected row count.</summary>
    /// <exception cref="InvalidOperationException">The text holds more than one statement.</exception>
    public int Execute(string sql, params object?[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs a cleanup statement (dropping a staging table) from a <c>finally</c> block: when the transaction was aborted by
    /// the real error, the cleanup fails too ("Current transaction is aborted") and must not replace that error; the
    /// rollback removes what the cleanup would have. Errors of the cleanup itself are therefore ignored.
    /// </summary>
    public void ExecuteCleanup(string sql)
    {
        try
        {
            Execute(sql);
        }
        catch (DuckDBException)
        {
            // the transaction is aborted: the rollback that follows undoes the staging table too
        }
    }

    /// <summary>
    /// Runs a trusted script of several statements: the schema migrations and test fixtures, never text built from input
    /// (every other entry point accepts exactly one statement).
    /// </summary>
    public void ExecuteScript(string trustedScript)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = trustedScript;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Runs a query returning one value.</summary>
    public T Scalar<T>(string sql, params object?[] parameters)
    {
        using var cmd = Command(sql, parameters);
        var value = cmd.ExecuteScalar();
        if (value is null or DBNull) return default!;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    /// <summary>Creates a command of one statement with positional parameters <c>$1</c>, <c>$2</c>, ….</summary>
    /// <exception cref="InvalidOperationException">The text holds more than one statement (so input spliced into SQL can never
    /// run a statement of its own; see <see cref="Sql"/>).</exception>
    public DuckDBCommand Command(string sql, params object?[] parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var statements = NativeMethods.ExtractStatements.DuckDBExtractStatements(Connection.NativeConnection, sql, out var extracted);
        extracted.Dispose();
        if (statements > 1)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"One SQL statement per command, found {statements}: refusing '{(sql.Length > 120 ? sql[..120] + "…" : sql).ReplaceLineEndings(" ")}'."));
        var cmd = Connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new DuckDBParameter(p ?? DBNull.Value));
        return cmd;
    }

    /// <summary>A SQL string literal for <paramref name="value"/> (<see cref="Sql.Literal"/>).</summary>
    public static string Literal(string value) => Sql.Literal(value);

    /// <inheritdoc />
    public void Dispose() => Connection.Dispose();

    /// <summary>The process holding the lock as DuckDB's message names it (program and PID), without DuckDB's advice for
    /// its own command-line shell (a "-readonly parameter" LiquidationLab does not have).</summary>
    internal static string HolderFrom(string duckDbMessage)
    {
        var holder = LockHolder().Match(duckDbMessage);
        return holder.Success ? holder.Groups[1].Value.Trim() : "another process";
    }

    [GeneratedRegex(@"Conflicting lock is held in (.+?\(PID \d+\)|.+?)(?:\s+by user [^.\s]+)?(?:\.\s|\.$|$)", RegexOptions.Singleline)]
    private static partial Regex LockHolder();
}
