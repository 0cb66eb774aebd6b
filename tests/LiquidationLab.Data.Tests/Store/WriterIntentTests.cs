using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Tests.Store;

/// <summary>Readers (a running <c>liqlab serve</c>) yield to a writer that announced itself (<c>liqlab data ingest</c>),
/// and the lock message names the holder without DuckDB's advice for its own shell.</summary>
public sealed class WriterIntentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-intent-").FullName;

    private string Store
    {
        get
        {
            var path = Path.Combine(_dir, "lab.duckdb");
            if (!File.Exists(path)) LabStore.Open(path).Dispose();
            return path;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_reader_opens_no_connection_while_a_writer_is_announced_and_says_a_writer_waits()
    {
        var path = Store;
        using (LabStore.AnnounceWriter(path))
        {
            var e = Assert.Throws<StoreLockedException>(() => LabStore.Open(path, readOnly: true, TimeSpan.FromMilliseconds(100)).Dispose());
            Assert.Contains("writer waiting", e.Message, StringComparison.Ordinal);
            Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Holder, StringComparison.Ordinal);
        }
        using var reader = LabStore.Open(path, readOnly: true, TimeSpan.FromMilliseconds(100)); // the writer is done: reads go on
        Assert.Equal(Schema.CurrentVersion, reader.SchemaVersion);
    }

    [Fact]
    public async Task A_waiting_reader_proceeds_once_the_writer_has_gone()
    {
        var path = Store;
        var announcement = LabStore.AnnounceWriter(path)!;
        var read = Task.Run(() =>
        {
            using var s = LabStore.Open(path, readOnly: true, TimeSpan.FromMinutes(2));
            return s.SchemaVersion;
        });
        announcement.Dispose();
        Assert.Equal(Schema.CurrentVersion, await read);
    }

    [Fact]
    public void An_announcement_of_a_process_that_is_gone_blocks_nobody()
    {
        var path = Store;
        File.WriteAllText(path + ".writer-999999999", ""); // no such PID
        using var reader = LabStore.Open(path, readOnly: true, TimeSpan.FromMilliseconds(100));
        Assert.Equal(Schema.CurrentVersion, reader.SchemaVersion);
    }

    [Fact]
    public void A_writer_announces_itself_only_while_it_waits()
    {
        var path = Store;
        using (LabStore.Open(path, readOnly: false, TimeSpan.FromSeconds(5)))
            Assert.Empty(Directory.EnumerateFiles(_dir, "lab.duckdb.writer-*"));
        Assert.Empty(Directory.EnumerateFiles(_dir, "lab.duckdb.writer-*"));
    }

    [Theory]
    [InlineData("IO Error: Could not set lock on file \"/d/lab.duckdb\": Conflicting lock is held in /usr/bin/dotnet (PID 4242) by user root. However, you would be able to open this database in read-only mode, e.g. by using the -readonly parameter in the CLI. See also https://duckdb.org/docs/stable/connect/concurrency")]
    [InlineData("IO Error: Could not set lock on file \"/d/lab.duckdb\": Conflicting lock is held in /usr/bin/dotnet (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency")]
    public void The_lock_message_names_the_holder_and_no_readonly_parameter(string duckDb)
    {
        var holder = LabStore.HolderFrom(duckDb);
        Assert.Equal("/usr/bin/dotnet (PID 4242)", holder);
        var message = new StoreLockedException("/d/lab.duckdb", holder, null).Message;
        Assert.DoesNotContain("readonly", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("PID 4242", message, StringComparison.Ordinal);
    }
}
