using System.Text.Json.Nodes;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Snapshot;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Snapshot;

/// <summary>Export → import of the store snapshot (data/real's format), on fixtures in the exact exchange formats.</summary>
public sealed class StoreSnapshotTests : IDisposable
{
    private const string AggTrades = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n" +
                                     "2018394261,42283.00,0.010,4476590661,4476590661,1704067200005,true\n" +
                                     "2018394262,42283.10,0.550,4476590662,4476590665,1704067200012,false\n";
    private const string Liquidations = "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,1200000.5,300000.25\n2025-10-10T20:00:00,235600000.5,107500000.25\n";

    private readonly TempStore _raw = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-snap-").FullName;

    public void Dispose()
    {
        _raw.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (string Agg, string Liq) IngestFixtures()
    {
        var agg = _raw.Write("raw/binance/BTCUSDT-aggTrades-2024-01-01.csv", AggTrades);
        var liq = _raw.Write("raw/coinglass/coinglass_liquidation_4h.csv", Liquidations);
        _raw.Ingestor.Ingest([Path.Combine(_raw.Directory, "raw")]);
        return (agg, liq);
    }

    /// <summary>Every row of every exported table, with its source file's SHA-256 instead of the store-local file id.</summary>
    private static string Rows(LabStore store) => string.Join("\n", StoreSnapshot.Tables.Select(t =>
    {
        using var cmd = store.Command($"SELECT t.* EXCLUDE (file_id), l.sha256 FROM {t} t JOIN ingest_log l ON l.id = t.file_id ORDER BY ALL");
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return t + ":\n" + string.Join("\n", rows);
    }));

    [Fact]
    public void Export_then_import_gives_the_same_rows_traceable_to_the_raw_files()
    {
        var (agg, liq) = IngestFixtures();
        var folder = Path.Combine(_dir, "real");
        var manifest = StoreSnapshot.Export(_raw.Store, folder);

        Assert.Equal(["binance/BTCUSDT-aggTrades-2024-01-01.csv", "coinglass/coinglass_liquidation_4h.csv"], manifest.Sources.Select(s => s.Path));
        Assert.Equal([Ingestor.Sha256(agg), Ingestor.Sha256(liq)], manifest.Sources.Select(s => s.Sha256));
        Assert.Equal(["liquidation_totals", "agg_trades"], manifest.Tables.Select(t => t.Table)); // empty tables are not written
        Assert.Equal([2L, 2L], manifest.Tables.Select(t => t.Rows));

        using var copy = new TempStore();
        var result = copy.Ingestor.Ingest([folder]);
        var r = Assert.Single(result);
        Assert.Equal(IngestStatus.Ingested, r.Status);
        Assert.Equal(Ingestor.SnapshotKind, r.Kind);
        Assert.Equal(4, r.Rows);
        Assert.Equal(Rows(_raw.Store), Rows(copy.Store));
        Assert.Equal(2, copy.Count("ingest_log"));
        Assert.Equal("binance/BTCUSDT-aggTrades-2024-01-01.csv",
            copy.Store.Scalar<string>("SELECT l.file_path FROM agg_trades a JOIN ingest_log l ON l.id = a.file_id LIMIT 1"));

        // Idempotent: a second import, and the raw files themselves, change nothing.
        var before = copy.Snapshot();
        Assert.Equal(IngestStatus.AlreadyIngested, Assert.Single(copy.Ingestor.Ingest([folder])).Status);
        Assert.All(copy.Ingestor.Ingest([agg, liq]), x => Assert.Equal(IngestStatus.AlreadyIngested, x.Status));
        Assert.Equal(before, copy.Snapshot());
    }

    [Fact]
    public void A_raw_file_already_ingested_is_not_imported_again_from_the_snapshot()
    {
        var (agg, _) = IngestFixtures();
        var folder = Path.Combine(_dir, "real");
        StoreSnapshot.Export(_raw.Store, folder);
        using var copy = new TempStore();
        copy.Ingestor.IngestFile(agg);
        var result = StoreSnapshot.Import(copy.Store, folder);
        Assert.Equal(["coinglass/coinglass_liquidation_4h.csv"], result.Imported.Select(s => s.Path));
        Assert.Equal(["binance/BTCUSDT-aggTrades-2024-01-01.csv"], result.AlreadyPresent.Select(s => s.Path));
        Assert.Equal(2, copy.Count("agg_trades"));
        Assert.Equal(2, copy.Count("liquidation_totals"));
    }

    [Fact]
    public void Exporting_a_store_loaded_from_a_snapshot_reproduces_it_byte_for_byte()
    {
        IngestFixtures();
        var first = Path.Combine(_dir, "a");
        StoreSnapshot.Export(_raw.Store, first);
        using var copy = new TempStore();
        copy.Ingestor.Ingest([first]);
        var second = Path.Combine(_dir, "b");
        StoreSnapshot.Export(copy.Store, second);
        Assert.Equal(StoreSnapshot.Checksums(first), StoreSnapshot.Checksums(second));
    }

    [Fact]
    public void An_altered_table_file_is_rejected_naming_it_and_the_store_is_unchanged()
    {
        IngestFixtures();
        var folder = Path.Combine(_dir, "real");
        StoreSnapshot.Export(_raw.Store, folder);
        var table = Path.Combine(folder, "agg_trades.parquet");
        var bytes = File.ReadAllBytes(table);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(table, bytes);

        using var copy = new TempStore();
        var before = copy.Snapshot();
        var e = Assert.Throws<IngestException>(() => copy.Ingestor.Ingest([folder]));
        Assert.Contains("agg_trades.parquet: SHA-256", e.Message, StringComparison.Ordinal);
        Assert.Contains("differs from the manifest", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, copy.Snapshot());
    }

    [Fact]
    public void A_manifest_from_a_newer_build_or_with_a_bad_source_is_refused_naming_the_field()
    {
        IngestFixtures();
        var folder = Path.Combine(_dir, "real");
        StoreSnapshot.Export(_raw.Store, folder);
        var path = Path.Combine(folder, StoreSnapshot.ManifestFile);
        var original = File.ReadAllText(path);

        var newer = JsonNode.Parse(original)!;
        newer["format_version"] = StoreSnapshot.FormatVersion + 1;
        File.WriteAllText(path, newer.ToJsonString());
        using var copy = new TempStore();
        Assert.Contains("field 'format_version' 2 is newer than this build's 1", Assert.Throws<IngestException>(() => copy.Ingestor.Ingest([folder])).Message,
            StringComparison.Ordinal);

        var bad = JsonNode.Parse(original)!;
        bad["sources"]![1]!["sha256"] = "not-a-hash";
        File.WriteAllText(path, bad.ToJsonString());
        Assert.Contains("sources[1]: 'path', 'sha256' (64 lower-case hex digits) and 'kind' are required",
            Assert.Throws<IngestException>(() => copy.Ingestor.Ingest([folder])).Message, StringComparison.Ordinal);
        Assert.Equal(0, copy.Count("ingest_log"));
    }

    [Fact]
    public void Rows_naming_a_source_the_manifest_does_not_list_are_refused_and_nothing_is_written()
    {
        IngestFixtures();
        var folder = Path.Combine(_dir, "real");
        StoreSnapshot.Export(_raw.Store, folder);
        var path = Path.Combine(folder, StoreSnapshot.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        manifest["sources"]!.AsArray().RemoveAt(0); // the aggTrades file
        File.WriteAllText(path, manifest.ToJsonString());

        using var copy = new TempStore();
        var before = copy.Snapshot();
        Assert.Contains("agg_trades.parquet: 2 row(s) name a source_sha256 the manifest does not list",
            Assert.Throws<IngestException>(() => copy.Ingestor.Ingest([folder])).Message, StringComparison.Ordinal);
        Assert.Equal(before, copy.Snapshot());
    }

    [Fact]
    public void The_repository_snapshot_loads_and_re_exports_to_the_same_bytes()
    {
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var manifest = StoreSnapshot.ReadManifest(RealSnapshot.Folder);
        foreach (var t in manifest.Tables)
            Assert.Equal(t.Rows, store.Scalar<long>($"SELECT count(*) FROM {t.Table}"));
        Assert.Equal(manifest.Sources.Count, store.Scalar<long>("SELECT count(*) FROM ingest_log"));
        var again = Path.Combine(_dir, "again");
        StoreSnapshot.Export(store, again);
        Assert.Equal(StoreSnapshot.Checksums(RealSnapshot.Folder), StoreSnapshot.Checksums(again));
    }
}
