using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DuckDB.NET.Data;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Benchmarks;

/// <summary>
/// Target (docs/performance.md): ingesting a 10-million-row Binance Vision aggTrades CSV through the store's ingest path reaches
/// ≥ 80 % of the throughput of a plain DuckDB <c>INSERT … SELECT * FROM read_csv(…)</c> of the same file.
/// Each iteration writes into a fresh database file; rows/s = 10 M ÷ the mean.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class IngestBenchmarks
{
    private const long Rows = 10_000_000;
    private string _dir = null!;
    private string _csv = null!;
    private string _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("liqlab-bench-").FullName;
        _csv = Path.Combine(_dir, "BTCUSDT-aggTrades-2024-01-01.csv");
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        // Realistic values: ids increasing, prices around 42k with 0.1 ticks, quantities in 0.001 steps, ms times.
        cmd.CommandText =
            "COPY (SELECT 2018394261 + i AS agg_trade_id, round(42000 + 500 * sin(i / 100000.0) + (i % 7) * 0.1, 1) AS price, " +
            "round(0.001 * (1 + (i * 7919) % 5000), 3) AS quantity, 4476590661 + 3 * i AS first_trade_id, 4476590661 + 3 * i + (i % 3) AS last_trade_id, " +
            $"1704067200000 + i * 8 AS transact_time, (i % 2 = 0) AS is_buyer_maker FROM range({Rows}) t(i)) TO '{_csv}' (HEADER, DELIMITER ',')";
        cmd.ExecuteNonQuery();
        Console.WriteLine($"// fixture: {_csv}, {new FileInfo(_csv).Length / 1e6:0} MB, {Rows:N0} rows");
    }

    [IterationSetup]
    public void FreshDatabase()
    {
        _db = Path.Combine(_dir, $"bench-{Guid.NewGuid():N}.duckdb");
    }

    [IterationCleanup]
    public void DeleteDatabase()
    {
        foreach (var f in Directory.EnumerateFiles(_dir, "bench-*")) File.Delete(f);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    [Benchmark(Baseline = true, Description = "plain DuckDB INSERT … SELECT * FROM read_csv (10M aggTrades)")]
    public long PlainDuckDb()
    {
        using var c = new DuckDBConnection($"Data Source={_db}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "CREATE TABLE t (agg_trade_id BIGINT, price DOUBLE, quantity DOUBLE, first_trade_id BIGINT, last_trade_id BIGINT, " +
                          "transact_time BIGINT, is_buyer_maker BOOLEAN); " +
                          $"INSERT INTO t SELECT * FROM read_csv('{_csv}', header = true)";
        return cmd.ExecuteNonQuery();
    }

    [Benchmark(Description = "liqlab data ingest (store, SHA-256 log, transaction, typed columns)")]
    public long LiqlabIngest()
    {
        using var store = LabStore.Open(_db);
        return new Ingestor(store).IngestFile(_csv).Rows;
    }
}
