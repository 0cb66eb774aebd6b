namespace LiquidationLab.Cli.Tests.Commands;

/// <summary>The bench suite runs its cases as real processes and prints the table (figures are not asserted: no timed tests).</summary>
public sealed class BenchSuiteTests
{
    [Fact]
    public async Task The_suite_runs_each_case_against_its_reference_and_prints_the_table()
    {
        var r = await CliRunner.Run("bench", "suite", "--runs", "1", "--rows", "3000", "--only", "ingest,map,levels");
        Assert.True(r.Exit == 0, r.Err);
        foreach (var row in new[] { "ingest 0 M aggTrades", "map over 0 M stored trades", "levels (whole process)", "ratio: median", "reference" })
            Assert.Contains(row, r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("heatmap", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_references_do_only_their_bare_work()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-bench-").FullName;
        try
        {
            var csv = Path.Combine(dir, "BTCUSDT-aggTrades-2024-01-01.csv");
            await File.WriteAllTextAsync(csv, "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n1,42000.5,0.1,1,1,1704067200000,true\n2,42001,2.5,2,3,1704067200100,false\n");
            var plain = await CliRunner.Run("bench", "plain-insert", "--csv", csv, "--db", Path.Combine(dir, "plain.duckdb"));
            Assert.Contains("2 rows", plain.Out, StringComparison.Ordinal);
            var store = Path.Combine(dir, "lab.duckdb");
            Assert.Equal(0, (await CliRunner.Run("data", "ingest", csv, "--db", store)).Exit);
            var scan = await CliRunner.Run("bench", "scan", "--db", store);
            Assert.Contains("2 trades, 109202.5", scan.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
