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

    /// <summary>
    /// Every table holding ingested data, the revisions, the ingest log and the series, by row count and a sum of row hashes:
    /// equal fingerprints mean "every table's row count and contents are unchanged".
    /// </summary>
    public string Fingerprint() => string.Join(",", Schema.FileTables.Concat(["ingest_log", "series", "redeliveries"]).Select(t =>
    {
        using var cmd = Store.Command($"SELECT count(*), CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) FROM {t} t");
        using var r = cmd.ExecuteReader();
        r.Read();
        return $"{t}={r.GetInt64(0)}/{r.GetString(1)}";
    }));

    public void Dispose()
    {
        Store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
