using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;

namespace LiquidationLab.TestSupport;

/// <summary>
/// The repository's real-data snapshot (<c>data/real</c>), for tests on real data. Nothing here reads outside the
/// repository. <see cref="StorePath"/> is a store loaded from the snapshot once per test process (open it read-only).
/// </summary>
internal static class RealSnapshot
{
    private static readonly Lazy<string> Store = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<IReadOnlyList<BookRecording>> Recordings = new(() =>
    {
        using var store = LabStore.Open(StorePath, readOnly: true);
        return BookRecordings.FromStore(store);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The repository root (the folder holding <c>LiquidationLab.sln</c>) above the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException($"LiquidationLab.sln not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The snapshot folder, <c>&lt;repository&gt;/data/real</c>.</summary>
    public static string Folder
    {
        get
        {
            var folder = Path.Combine(RepositoryRoot, "data", "real");
            return File.Exists(Path.Combine(folder, "manifest.json")) ? folder
                : throw new DirectoryNotFoundException($"The real-data snapshot is missing: {folder}/manifest.json (it is committed; restore it with git checkout data/real).");
        }
    }

    /// <summary>A DuckDB file holding the snapshot, created on first use and deleted when the process exits.</summary>
    public static string StorePath => Store.Value;

    /// <summary>The Polymarket book series of the snapshot (the collector's BTC 1h and SOL 15m, Up and Down), as the replay server serves them.</summary>
    public static IReadOnlyList<BookRecording> PolymarketRecordings => Recordings.Value;

    private static string Load()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-real-").FullName;
        var path = Path.Combine(dir, "real.duckdb");
        using (var store = LabStore.Open(path))
            new Ingestor(store).Ingest([Folder]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // a store still open by a finishing test: the temp folder is left for the OS to clean
            }
        };
        return path;
    }
}
