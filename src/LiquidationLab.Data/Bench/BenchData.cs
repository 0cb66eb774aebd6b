using System.Globalization;
using DuckDB.NET.Data;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Bench;

/// <summary>
/// The DuckDB side of <c>liqlab bench</c>: seeded synthetic input files in the exchanges' formats, and the bare-DuckDB
/// references the benchmark cases are compared with (a scan of stored trades, a plain <c>read_csv</c> insert). Kept here
/// because it is SQL; the command only times processes and prints figures.
/// </summary>
public static class BenchData
{
    /// <summary>
    /// Writes a Binance Vision aggTrades CSV (with header) of <paramref name="rows"/> rows: ids and 8 ms steps increasing, prices
    /// around 42k, a heavy-tailed quantity (1.4 % ≥ 100k USD). Seeded: every run writes the same file.
    /// </summary>
    /// <param name="path">The CSV file to write (overwritten).</param>
    /// <param name="rows">Rows, ≥ 1.</param>
    public static void WriteAggTradesCsv(string path, long rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        SeededCopy(0.42,
            "COPY (SELECT 2018394261 + i AS agg_trade_id, round(42000 + 500 * sin(i / 100000.0) + (i % 7) * 0.1, 1) AS price, " +
            "greatest(0.001, round(0.001 * pow(10, 5 * pow(random(), 27)), 3)) AS quantity, 4476590661 + 3 * i AS first_trade_id, " +
            "4476590661 + 3 * i + (i % 3) AS last_trade_id, 1704153600000 + i * 8 AS transact_time, (i % 2 = 0) AS is_buyer_maker " +
            string.Create(CultureInfo.InvariantCulture, $"FROM range({rows}) t(i)) TO {Sql.Literal(Path.GetFullPath(path))} (HEADER, DELIMITER ',')"));
    }

    /// <summary>
    /// Writes a year (2025) of 5-minute bars with open interest in USD as CSV (<c>ts,o,h,l,c,oi</c>, epoch ms): a seeded
    /// log-random walk around 60k, OHLC consistent. Every run writes the same file.
    /// </summary>
    /// <param name="path">The CSV file to write (overwritten).</param>
    public static void WriteYearOfFiveMinuteBarsCsv(string path) =>
        SeededCopy(0.7,
            "COPY (SELECT 1735689600000 + i * 300000 AS ts, round(o, 1) AS o, round(greatest(o, cl) * (1 + 0.0015 * r1), 1) AS h, " +
            "round(least(o, cl) * (1 - 0.0015 * r2), 1) AS l, round(cl, 1) AS c, round(8e9 * (1 + 0.25 * sin(i / 4000.0)) * (1 + 0.01 * r3), 0) AS oi " +
            "FROM (SELECT i, 60000 * exp(lag(w, 1, 0) OVER (ORDER BY i)) AS o, 60000 * exp(w) AS cl, r1, r2, r3 FROM " +
            "(SELECT i, sum((random() - 0.5) * 0.004) OVER (ORDER BY i) AS w, random() AS r1, random() AS r2, random() - 0.5 AS r3 FROM range(105120) t(i)))) " +
            $"TO {Sql.Literal(Path.GetFullPath(path))} (HEADER, DELIMITER ',')");

    /// <summary>The reference for the map case: a bare scan of a symbol's stored aggTrades (count and notional in USD; span read too).</summary>
    /// <returns>Trades and their summed notional (null when there are none).</returns>
    public static (long Trades, double? NotionalUsd) ScanAggTrades(LabStore store, string symbol)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var q = store.Command("SELECT count(*), sum(price * quantity), min(transact_time), max(transact_time) FROM agg_trades WHERE symbol = $1", symbol);
        using var r = q.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetDouble(1));
    }

    /// <summary>
    /// The reference for the ingest case: DuckDB's own <c>read_csv</c> of an aggTrades CSV into a new table of a new database
    /// file, nothing else.
    /// </summary>
    /// <param name="databasePath">The new DuckDB file.</param>
    /// <param name="csvPath">A Binance Vision aggTrades CSV with a header.</param>
    /// <returns>Rows inserted.</returns>
    public static long PlainInsert(string databasePath, string csvPath)
    {
        using var c = new DuckDBConnection("Data Source=" + Path.GetFullPath(databasePath));
        c.Open();
        using (var create = c.CreateCommand())
        {
            create.CommandText = "CREATE TABLE t (agg_trade_id BIGINT, price DOUBLE, quantity DOUBLE, first_trade_id BIGINT, last_trade_id BIGINT, transact_time BIGINT, is_buyer_maker BOOLEAN)";
            create.ExecuteNonQuery();
        }
        using var insert = c.CreateCommand();
        insert.CommandText = $"INSERT INTO t SELECT * FROM read_csv({Sql.Literal(Path.GetFullPath(csvPath))}, header = true)";
        return insert.ExecuteNonQuery();
    }

    /// <summary>Runs a generating <c>COPY</c> on a throwaway in-memory DuckDB whose random() is seeded, so every run writes the same file.</summary>
    private static void SeededCopy(double seed, string copySql)
    {
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"SELECT setseed({seed})");
            cmd.ExecuteNonQuery();
        }
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = copySql;
            cmd.ExecuteNonQuery();
        }
    }
}
