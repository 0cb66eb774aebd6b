using System.Globalization;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Analysis;

/// <summary>How queries reach the store: a read of it, and a version that changes whenever its contents may have.</summary>
public interface IStoreAccess
{
    /// <summary>Runs <paramref name="read"/> on the store (read-only).</summary>
    /// <exception cref="StoreLockedException">A writer holds the store longer than the access waits.</exception>
    T Read<T>(Func<LabStore, T> read);

    /// <summary>An opaque version of the store's contents: equal versions mean equal contents (results may be cached under it).</summary>
    string Version { get; }

    /// <summary>The store's file path (for messages).</summary>
    string Path { get; }
}

/// <summary>
/// A store file read through short-lived read-only connections: each <see cref="Read{T}"/> opens the file, reads and
/// closes it, so another process (<c>liqlab data ingest</c>) can take the write lock between reads. DuckDB lets one
/// process write or several read: while a writer holds the file, an open is retried for <see cref="LockWait"/>, then
/// <see cref="StoreLockedException"/> is thrown. The version is the size and last-write time of the database file and
/// its write-ahead log: a commit changes one of them.
/// </summary>
/// <param name="path">The DuckDB file.</param>
/// <param name="lockWait">How long a read waits for a writer to let go (default 2 s).</param>
public sealed class FileStoreAccess(string path, TimeSpan? lockWait = null) : IStoreAccess
{
    /// <inheritdoc/>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>How long a read waits for a writer.</summary>
    public TimeSpan LockWait { get; } = lockWait ?? TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    /// <exception cref="FileNotFoundException">The store file does not exist.</exception>
    public T Read<T>(Func<LabStore, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (!File.Exists(Path))
            throw new FileNotFoundException($"No store at {Path}: run 'liqlab data ingest' (or 'liqlab report') first.", Path);
        using var store = LabStore.Open(Path, readOnly: true, LockWait);
        return read(store);
    }

    /// <inheritdoc/>
    public string Version
    {
        get
        {
            static string Stamp(string file)
            {
                var info = new FileInfo(file);
                return info.Exists ? string.Create(CultureInfo.InvariantCulture, $"{info.Length}@{info.LastWriteTimeUtc.Ticks}") : "-";
            }
            return Stamp(Path) + "/" + Stamp(Path + ".wal");
        }
    }
}

/// <summary>An already open store (a notebook's): reads share its connection; the version counts nothing, so results
/// are not cached across reads. The caller keeps ownership of the store.</summary>
/// <param name="store">The open store.</param>
public sealed class OpenStoreAccess(LabStore store) : IStoreAccess
{
    private long _reads;

    /// <inheritdoc/>
    public string Path => store.Path;

    /// <inheritdoc/>
    public T Read<T>(Func<LabStore, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        Interlocked.Increment(ref _reads);
        return read(store);
    }

    /// <inheritdoc/>
    public string Version => "open:" + Interlocked.Read(ref _reads).ToString(CultureInfo.InvariantCulture);
}
