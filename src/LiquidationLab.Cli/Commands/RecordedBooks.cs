using System.CommandLine;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Snapshot;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Cli.Commands;

/// <summary>Where <c>liquidity replay</c> and <c>bench liquidity</c> get recorded Polymarket book series.</summary>
internal static class RecordedBooks
{
    /// <summary>The <c>--data</c> option: a snapshot folder (default: the repository's data/real) or a folder of raw collector files.</summary>
    public static Option<string?> DataOption() => new("--data")
    {
        Description = "Recorded Polymarket books: a store snapshot folder (default: the repository's data/real) or a folder of raw l2-collector files (…/orderbooks/<epoch><up|down>.json).",
    };

    /// <summary>
    /// Loads the recordings: from a snapshot folder through a temporary store (<see cref="BookRecordings.FromStore"/>), else from
    /// the raw collector layout (<see cref="BookRecordings.Load"/>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder given and none in the repository.</exception>
    /// <exception cref="InvalidOperationException">The folder holds no book series.</exception>
    public static (IReadOnlyList<BookRecording> Recordings, string Folder) Load(string? folder)
    {
        folder = Path.GetFullPath(folder ?? Workspace.Path("data", "real")
            ?? throw new DirectoryNotFoundException($"Not inside a LiquidationLab clone ({Directory.GetCurrentDirectory()}): pass --data DIR."));
        IReadOnlyList<BookRecording> recordings;
        if (StoreSnapshot.IsSnapshot(folder))
        {
            var temp = Directory.CreateTempSubdirectory("liqlab-books-");
            try
            {
                using var store = LabStore.Open(Path.Combine(temp.FullName, "books.duckdb"));
                new Ingestor(store).IngestSnapshot(folder);
                recordings = BookRecordings.FromStore(store);
            }
            finally
            {
                temp.Delete(recursive: true);
            }
        }
        else
        {
            recordings = BookRecordings.Load(folder);
        }
        return recordings.Count > 0 ? (recordings, folder)
            : throw new InvalidOperationException($"{folder}: no recorded Polymarket book series (Up/Down collector series) found.");
    }
}
