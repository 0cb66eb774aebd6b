namespace LiquidationLab.Cli.Tests.Commands;

/// <summary>
/// <c>--db</c> naming something that is not a store (issue 30): a directory, a text file, a missing file for a reading
/// command. Every command answers with one line naming the option and exit code 1, and reading commands create nothing.
/// </summary>
public sealed class StoreOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-db-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    public static TheoryData<string[]> StoreCommands => new()
    {
        { ["data", "status"] },
        { ["data", "validate"] },
        { ["data", "export", "--out", "SNAPSHOT"] },
        { ["data", "revert", "x.csv"] },
        { ["data", "ingest", "DATAFILE"] },
        { ["backtest", "--model", "none"] },
        { ["heatmap", "--symbol", "BTCUSDT"] },
        { ["map", "--symbol", "BTCUSDT"] },
    };

    private string[] Args(string[] command, string db) =>
        [.. command.Select(a => a switch { "SNAPSHOT" => Path.Combine(_dir, "snapshot"), "DATAFILE" => DataFile(), _ => a }), "--db", db];

    private string DataFile()
    {
        var file = Path.Combine(_dir, "coinglass_liquidation_4h.csv");
        File.WriteAllText(file, "timestamp,long_usd,short_usd\n2025-10-10T16:00:00,1,2\n");
        return file;
    }

    [Theory]
    [MemberData(nameof(StoreCommands))]
    public async Task A_text_file_as_db_is_one_line_naming_it(string[] command)
    {
        var db = Path.Combine(_dir, "notes.duckdb");
        await File.WriteAllTextAsync(db, "this is not a database\n");
        var r = await CliRunner.Run(Args(command, db));
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.Equal($"liqlab: --db {db}: not a DuckDB store file (it does not start with DuckDB's header).", r.Err.Trim());
        Assert.Equal("this is not a database\n", await File.ReadAllTextAsync(db));
    }

    [Theory]
    [MemberData(nameof(StoreCommands))]
    public async Task A_directory_as_db_is_one_line_naming_it(string[] command)
    {
        var db = Path.Combine(_dir, "folder");
        Directory.CreateDirectory(db);
        var r = await CliRunner.Run(Args(command, db));
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.StartsWith($"liqlab: --db {db}: is a directory, not a DuckDB store file", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.Empty(Directory.EnumerateFileSystemEntries(db));
    }

    [Theory]
    [InlineData("data", "status")]
    [InlineData("data", "validate")]
    [InlineData("data", "export")]
    [InlineData("data", "revert")]
    [InlineData("backtest", null)]
    public async Task A_reading_command_never_creates_a_missing_store(string command, string? sub)
    {
        var db = Path.Combine(_dir, "missing", "lab.duckdb");
        string[] args = (command, sub) switch
        {
            ("data", "export") => ["data", "export", "--out", Path.Combine(_dir, "snapshot"), "--db", db],
            ("data", "revert") => ["data", "revert", "x.csv", "--db", db],
            ("backtest", _) => ["backtest", "--model", "none", "--db", db],
            _ => [command, sub!, "--db", db],
        };
        var r = await CliRunner.Run(args);
        Assert.Equal(LiqlabApp.ErrorExitCode, r.Exit);
        Assert.StartsWith($"liqlab: --db {db}: no such store", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
        Assert.False(Directory.Exists(Path.GetDirectoryName(db)));
    }

    [Fact]
    public async Task Ingest_still_creates_a_new_store_and_status_reads_it()
    {
        var db = Path.Combine(_dir, "new", "lab.duckdb");
        var ingest = await CliRunner.Run("data", "ingest", DataFile(), "--db", db);
        Assert.True(ingest.Exit == 0, ingest.Err);
        var status = await CliRunner.Run("data", "status", "--db", db);
        Assert.True(status.Exit == 0, status.Err);
        Assert.Contains("liquidation_totals", status.Out, StringComparison.Ordinal);
    }
}

public sealed class StoreResolutionTests : IDisposable
{
    private readonly string _elsewhere = Directory.CreateTempSubdirectory("liqlab-elsewhere-").FullName;
    private readonly string _cwd = Directory.GetCurrentDirectory();

    public void Dispose()
    {
        Directory.SetCurrentDirectory(_cwd);
        Directory.Delete(_elsewhere, recursive: true);
    }

    [Fact]
    public void Without_db_every_command_means_the_clones_store_wherever_it_runs()
    {
        // `data status` outside the clone opened ./data/lab.duckdb of the current directory while `report` used the clone's:
        // the same default must name the same file for every command (the binaries lie in the clone).
        if (Environment.GetEnvironmentVariable(Data.Store.LabStore.EnvironmentVariable) is { Length: > 0 }) return; // a user's override wins, by design
        Directory.SetCurrentDirectory(_elsewhere);
        var root = Workspace.Root;
        Assert.NotNull(root);
        Assert.Equal(Path.Combine(root!, "data", "lab.duckdb"), Workspace.ResolveStore(null));
        Assert.Equal(Path.Combine(_elsewhere, "x.duckdb"), Workspace.ResolveStore("x.duckdb")); // --db stays relative to where it is typed
        Assert.False(File.Exists(Path.Combine(_elsewhere, "data", "lab.duckdb")));
    }
}
