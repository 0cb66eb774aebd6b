using DuckDB.NET.Data;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Cli;

/// <summary>What a command does with the store named by <c>--db</c> (or <c>LIQLAB_DB</c>, or the default path).</summary>
internal enum StoreUse
{
    /// <summary>Reads an existing store; a missing one is an error, never created.</summary>
    Read,

    /// <summary>Changes an existing store (revert); a missing one is an error, never created.</summary>
    Update,

    /// <summary>Writes data, creating the store if it does not exist (ingest, fetch, record).</summary>
    Create,

    /// <summary>Reads a store that may be made later (a server: until it exists each request says so); never creates it.</summary>
    ReadWhenPresent,
}

/// <summary>
/// The LiquidationLab repository a command works in, so that <c>liqlab report</c> and friends work from any directory:
/// the first folder holding <c>LiquidationLab.sln</c> and <c>notebooks/</c>, looking up from the current directory, then up
/// from this build's binaries (which live under <c>src/LiquidationLab.Cli/bin/…</c> of a clone).
/// </summary>
internal static class Workspace
{
    /// <summary>The repository root, or <c>null</c> when neither the current directory nor the binaries lie inside a clone.</summary>
    public static string? Root => Find(Directory.GetCurrentDirectory()) ?? Find(AppContext.BaseDirectory);

    /// <summary>A path inside the repository, or <c>null</c> outside any clone.</summary>
    public static string? Path(params string[] parts) => Root is { } root ? System.IO.Path.Combine([root, .. parts]) : null;

    private static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LiquidationLab.sln")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "notebooks")))
                return dir.FullName;
        return null;
    }

    /// <summary>
    /// The store path a command uses (<see cref="LabStore.ResolvePath"/>), checked before DuckDB sees it so that a wrong
    /// <c>--db</c> is one clear line naming it rather than a DuckDB stack trace: a directory, a file that is not a DuckDB
    /// database (it lacks DuckDB's <c>DUCK</c> header), or — for <see cref="StoreUse.Read"/> and
    /// <see cref="StoreUse.Update"/> — no file at all (reading commands never create a store).
    /// </summary>
    /// <param name="db">The <c>--db</c> value, or <c>null</c> for <c>LIQLAB_DB</c> / the default.</param>
    /// <param name="use">What the command does with it.</param>
    /// <returns>The absolute path.</returns>
    /// <exception cref="IOException">The path cannot be the store; the message names the option (or variable) and the path.</exception>
    public static string StorePath(string? db, StoreUse use)
    {
        var path = ResolveStore(db);
        var named = !string.IsNullOrWhiteSpace(db) ? $"--db {db}"
            : Environment.GetEnvironmentVariable(LabStore.EnvironmentVariable) is { Length: > 0 } ? $"{LabStore.EnvironmentVariable} {path}"
            : $"store {path}";
        return CheckStore(path, named, use);
    }

    /// <summary>
    /// Which store a command means: <c>--db</c>, else <c>LIQLAB_DB</c>, else the clone's <c>data/lab.duckdb</c> (found from
    /// the current directory or the binaries, so every command — <c>report</c>, <c>data status</c>, <c>heatmap</c> — means
    /// the same file wherever it is run), else <c>data/lab.duckdb</c> under the current directory outside any clone.
    /// </summary>
    /// <param name="db">The <c>--db</c> value, or null.</param>
    /// <returns>The absolute path (not checked).</returns>
    public static string ResolveStore(string? db) =>
        LabStore.ResolvePath(!string.IsNullOrWhiteSpace(db) ? db
            : Environment.GetEnvironmentVariable(LabStore.EnvironmentVariable) is { Length: > 0 } ? null
            : Path(LabStore.DefaultRelativePath));

    /// <summary>The checks of <see cref="StorePath"/> on a path the command resolved itself.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="named">How the error names it, e.g. <c>--db x.duckdb</c>.</param>
    /// <param name="use">What the command does with it.</param>
    /// <returns>The absolute path.</returns>
    /// <exception cref="IOException">The path cannot be the store.</exception>
    public static string CheckStore(string path, string named, StoreUse use)
    {
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new IOException($"{named}: is a directory, not a DuckDB store file (give the .duckdb file inside it).");
        if (!File.Exists(path))
        {
            if (use is StoreUse.Create or StoreUse.ReadWhenPresent) return path;
            throw new IOException($"{named}: no such store ({path}); this command only reads one and never creates it (`liqlab data ingest` makes one).");
        }
        if (use == StoreUse.Create && new FileInfo(path).Length == 0) return path; // DuckDB makes a new database in an empty file
        if (!LooksLikeDuckDb(path, out var why))
            throw new IOException($"{named}: not a DuckDB store file ({why}).");
        return path;
    }

    /// <summary>
    /// Opens the store at a path checked by <see cref="StorePath"/>, turning DuckDB's refusal of a damaged file into one
    /// line naming it (a lock held by another process stays a <see cref="StoreLockedException"/>).
    /// </summary>
    /// <exception cref="IOException">DuckDB cannot open the file.</exception>
    public static LabStore OpenStore(string path, bool readOnly, TimeSpan? lockWait = null)
    {
        try
        {
            return lockWait is { } wait ? LabStore.Open(path, readOnly, wait) : LabStore.Open(path, readOnly);
        }
        catch (DuckDBException e)
        {
            throw new IOException($"{path}: DuckDB cannot open it as a store: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>DuckDB's database files carry the magic bytes <c>DUCK</c> at offset 8 (after the header checksum).</summary>
    private static bool LooksLikeDuckDb(string path, out string why)
    {
        Span<byte> head = stackalloc byte[12];
        int read;
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            read = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException)
        {
            why = "cannot be read";
            return false;
        }
        if (read < head.Length)
        {
            why = read == 0 ? "the file is empty" : $"only {read} bytes";
            return false;
        }
        if (head[8..12].SequenceEqual("DUCK"u8))
        {
            why = "";
            return true;
        }
        why = "it does not start with DuckDB's header";
        return false;
    }
}
