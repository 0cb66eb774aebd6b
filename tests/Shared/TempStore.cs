using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.TestSupport;

/// <summary>A fresh store in a temporary directory, plus helpers to write fixture files beside it.</summary>
public sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("liqlab-store-").FullName;
        Store = LabStore.Open(System.IO.Path.Combine(Directory, "lab.duckdb"));
        Ingestor = new Ingestor(Store);
    }

    public string Directory { get; }
    public LabStore Store { get; }
    public Ingestor Ingestor { get; }

    public string Write(string relativePath, string content)
    {
        var path = System.IO.Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    public long Count(string table, string where = "true") => Store.Scalar<long>($"SELECT count(*) FROM {table} WHERE {where}");

    /// <summary>Row counts of every table including the ingest log: equal snapshots mean "store unchanged".</summary>
    public string Snapshot() => string.Join(",", Schema.DataTables.Append("ingest_log").Append("book_state").Select(t => $"{t}={Count(t)}"));

    public void Dispose()
    {
        Store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
