using System.Diagnostics;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Ingest_twice_then_status_and_validate()
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        var file = Path.Combine(_dir, "coinglass_liquidation_4h.csv");
        await File.WriteAllTextAsync(file, "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,1,2\n2025-10-10T20:00:00,235600000.5,107500000.25\n");
        var first = await CliRunner.Run("data", "ingest", file, "--db", db);
        Assert.Equal(0, first.Exit);
        Assert.Contains("1 files ingested (2 rows)", first.Out, StringComparison.Ordinal);
        var second = await CliRunner.Run("data", "ingest", file, "--db", db);
        Assert.Contains("0 files ingested (0 rows), 1 unchanged", second.Out, StringComparison.Ordinal);
        var status = await CliRunner.Run("data", "status", "--db", db);
        Assert.Contains("liquidation_totals", status.Out, StringComparison.Ordinal);
        Assert.Contains("BTC Binance 4h", status.Out, StringComparison.Ordinal);
        var validate = await CliRunner.Run("data", "validate", "--db", db);
        Assert.Equal(0, validate.Exit);
        Assert.Contains("No findings.", validate.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"T\":9000000000000000000", "line 1: field o.T: epoch 9000000000000000000 ms is outside")]
    [InlineData("\"T\":1700990938132,\"ap\":\"NaN\"", "line 1: field o.ap: \"NaN\" is not 0 or a finite positive number")]
    public async Task Ingest_of_an_impossible_print_names_file_line_and_field_and_stores_nothing(string fields, string expected)
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        var file = Path.Combine(_dir, "forceOrder.jsonl");
        await File.WriteAllTextAsync(file, $$$"""{"e":"forceOrder","E":1700990938140,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","q":"0.036","p":"37867.24",{{{fields}}}}}""" + "\n");
        var r = await CliRunner.Run("data", "ingest", file, "--db", db);
        Assert.Equal(1, r.Exit);
        Assert.StartsWith($"liqlab: {file}: {expected}", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
        using var store = LabStore.Open(db, readOnly: true);
        Assert.Equal(0, store.Scalar<long>("SELECT count(*) FROM liquidation_orders"));
    }

    [Fact]
    public async Task Bad_file_fails_with_its_name_and_exit_code_1()
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        var file = Path.Combine(_dir, "coinglass_liquidation_4h.csv");
        await File.WriteAllTextAsync(file, "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,lots,2\n");
        var r = await CliRunner.Run("data", "ingest", file, "--db", db);
        Assert.Equal(1, r.Exit);
        Assert.StartsWith($"liqlab: {file}:", r.Err, StringComparison.Ordinal);
        Assert.Contains("line 2: field long_usd: 'lots' is not a number", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conflicts_are_kept_or_replaced_explicitly_listed_by_validate_and_reverted()
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        Directory.CreateDirectory(Path.Combine(_dir, "b"));
        var a = Path.Combine(_dir, "a", "coinglass_liquidation_4h.csv");
        var b = Path.Combine(_dir, "b", "coinglass_liquidation_4h.csv");
        await File.WriteAllTextAsync(a, "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,1,2\n2025-10-10T20:00:00,3,4\n");
        await File.WriteAllTextAsync(b, "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,1000,2\n2025-10-10T20:00:00,3000,4\n");
        Assert.Equal(0, (await CliRunner.Run("data", "ingest", a, "--db", db)).Exit);

        var kept = await CliRunner.Run("data", "ingest", b, "--db", db);
        Assert.Equal(0, kept.Exit);
        Assert.Contains("2 rows differ from the stored values for the same key: the stored values were kept", kept.Out, StringComparison.Ordinal);
        var validate = await CliRunner.Run("data", "validate", "--db", db);
        Assert.Contains("conflicts kept", validate.Out, StringComparison.Ordinal);
        Assert.Equal(0, validate.Exit); // a warning: the store is consistent, the disagreement is on record

        Assert.Contains("Reverted", (await CliRunner.Run("data", "revert", b, "--db", db)).Out, StringComparison.Ordinal);
        var replaced = await CliRunner.Run("data", "ingest", b, "--replace", "--db", db);
        Assert.Contains("2 stored rows replaced by this file's different values", replaced.Out, StringComparison.Ordinal);
        using (var store = LabStore.Open(db, readOnly: true))
            Assert.Equal(1000, store.Scalar<double>("SELECT long_usd FROM liquidation_totals WHERE period_start = TIMESTAMP '2025-10-10 16:00:00'"));
        var revert = await CliRunner.Run("data", "revert", b, "--db", db);
        Assert.Contains("2 rows removed, 2 earlier values restored", revert.Out, StringComparison.Ordinal);
        using (var store = LabStore.Open(db, readOnly: true))
            Assert.Equal(1, store.Scalar<double>("SELECT long_usd FROM liquidation_totals WHERE period_start = TIMESTAMP '2025-10-10 16:00:00'"));
        var unknown = await CliRunner.Run("data", "revert", "no-such-file.csv", "--db", db);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("no ingested file matches", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_writer_is_told_who_holds_the_lock()
    {
        var db = Path.Combine(_dir, "locked.duckdb");
        using var holder = LabStore.Open(db);
        var liqlab = Path.Combine(AppContext.BaseDirectory, "liqlab.dll");
        var psi = new ProcessStartInfo("dotnet", ["exec", liqlab, "data", "status", "--db", db])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["LIQLAB_LOCK_WAIT"] = "0.5" }, // data commands wait for a lock (10 s by default) before saying who holds it
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains($"The database {db} is locked by", err, StringComparison.Ordinal);
        Assert.Contains($"(PID {Environment.ProcessId})", err, StringComparison.Ordinal);
        Assert.DoesNotContain("-readonly", err, StringComparison.Ordinal); // DuckDB's advice for its own shell, not an option of ours
    }

    [Fact]
    public void An_ingest_held_off_by_a_reader_names_the_reader_and_suggests_no_readonly_parameter()
    {
        var db = Path.Combine(_dir, "read.duckdb");
        LabStore.Open(db).Dispose();
        using var reader = LabStore.Open(db, readOnly: true); // a reader that stays (a serve's read, held for the test)
        var input = Directory.CreateDirectory(Path.Combine(_dir, "empty-input")).FullName;
        var liqlab = Path.Combine(AppContext.BaseDirectory, "liqlab.dll");
        var psi = new ProcessStartInfo("dotnet", ["exec", liqlab, "data", "ingest", input, "--db", db])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["LIQLAB_LOCK_WAIT"] = "0.5" },
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains($"(PID {Environment.ProcessId})", err, StringComparison.Ordinal);
        Assert.DoesNotContain("-readonly", err, StringComparison.Ordinal); // DuckDB's advice for its own shell, not an option of ours
        Assert.Empty(Directory.EnumerateFiles(_dir, "read.duckdb.writer-*")); // the ingest's announcement left with it
    }
}
