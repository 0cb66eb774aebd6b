using LiquidationLab.TestSupport;
using LiquidationLab.Cli.Commands;
using LiquidationLab.Notebooks.Ipynb;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Notebook(string folder, string name, string body)
    {
        var nb = NotebookDocument.Create();
        nb.Cells.Add(NotebookDocument.CodeCell("var dataRoot = \"\";\nvar db = \"\";", "parameters"));
        nb.Cells.Add(NotebookDocument.CodeCell(body));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".ipynb");
        nb.Save(path);
        return path;
    }

    [Fact]
    public async Task Report_ingests_runs_every_notebook_and_writes_an_index()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "coinglass_liquidation_4h.csv"), "timestamp,long_usd,short_usd\n2025-10-10T20:00:00,235600000.5,107500000.25\n");
        var notebooks = Path.Combine(_dir, "notebooks");
        Notebook(notebooks, "01-count", """
            var store = LabStore.Open(db, readOnly: true);
            var n = store.Scalar<long>("SELECT count(*) FROM liquidation_totals");
            store.Dispose();
            Console.WriteLine($"rows {n} from {Path.GetFileName(dataRoot)}");
            """);
        var output = Path.Combine(_dir, "out");
        var (exit, stdout, stderr) = await CliRunner.Run("report", "--data", data, "--out", output, "--notebooks", notebooks, "--db", Path.Combine(_dir, "lab.duckdb"));
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Ingest: 1 new files (1 rows)", stdout, StringComparison.Ordinal);
        Assert.Contains("rows 1 from data", await File.ReadAllTextAsync(Path.Combine(output, "01-count.ipynb")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "01-count.html")));
        var index = await File.ReadAllTextAsync(Path.Combine(output, "index.html"));
        Assert.Contains("<a href=\"01-count.html\">01-count</a>", index, StringComparison.Ordinal);
        Assert.Contains("class=\"ok\">ok", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_notebook_fails_the_report_and_is_marked_in_the_index()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var notebooks = Path.Combine(_dir, "notebooks");
        Notebook(notebooks, "01-bad", "throw new InvalidOperationException(\"no data\");");
        Notebook(notebooks, "02-good", "Console.WriteLine(1);");
        var output = Path.Combine(_dir, "out");
        var (exit, _, stderr) = await CliRunner.Run("report", "--data", data, "--out", output, "--notebooks", notebooks, "--db", Path.Combine(_dir, "lab.duckdb"));
        Assert.Equal(1, exit);
        Assert.Contains("1 notebook(s) failed: 01-bad", stderr, StringComparison.Ordinal);
        var index = await File.ReadAllTextAsync(Path.Combine(output, "index.html"));
        Assert.Contains("class=\"error\">failed", index, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "02-good.html")));
    }

    [Fact]
    public async Task Notebooks_after_the_first_run_concurrently_and_keep_their_output_and_files_apart()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var notebooks = Path.Combine(_dir, "notebooks");
        Notebook(notebooks, "01-first", "File.WriteAllText(\"first.txt\", \"1\"); Console.WriteLine(\"first\");");
        // Each later notebook prints its own name while the others run, and reads a file by a path relative to the notebooks.
        foreach (var name in new[] { "02-a", "03-b", "04-c" })
            Notebook(notebooks, name, $$"""
                for (var i = 0; i < 20; i++) { Console.WriteLine("{{name}} " + i); await Task.Delay(5); }
                Console.WriteLine(File.ReadAllText("first.txt"));
                """);
        var output = Path.Combine(_dir, "out");
        var (exit, stdout, stderr) = await CliRunner.Run("report", "--data", data, "--out", output, "--notebooks", notebooks, "--db", Path.Combine(_dir, "lab.duckdb"), "--parallel", "3");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("3 at once after the first", stdout, StringComparison.Ordinal);
        foreach (var name in new[] { "02-a", "03-b", "04-c" })
        {
            var executed = await File.ReadAllTextAsync(Path.Combine(output, name + ".ipynb"));
            Assert.Contains(name + " 19", executed, StringComparison.Ordinal);
            foreach (var other in new[] { "02-a", "03-b", "04-c" }.Where(o => o != name))
                Assert.DoesNotContain(other + " ", executed, StringComparison.Ordinal);
        }
        // Printed in notebook order, one block each.
        Assert.True(stdout.IndexOf("02-a", StringComparison.Ordinal) < stdout.IndexOf("03-b", StringComparison.Ordinal));
        Assert.True(stdout.IndexOf("03-b", StringComparison.Ordinal) < stdout.IndexOf("04-c", StringComparison.Ordinal));
    }

    [Fact]
    public void Outside_the_repository_the_default_data_is_still_the_repository_snapshot()
    {
        var cwd = Directory.GetCurrentDirectory();
        var env = Environment.GetEnvironmentVariable(ReportCommand.DataEnvironmentVariable);
        Environment.SetEnvironmentVariable(ReportCommand.DataEnvironmentVariable, null);
        Directory.SetCurrentDirectory(_dir); // a folder outside any clone: the binaries' location leads back to the repository
        try
        {
            Assert.Equal(RealSnapshot.Folder, ReportCommand.FindDataRoot(null));
            Assert.Equal(RealSnapshot.RepositoryRoot, Workspace.Root);
        }
        finally
        {
            Directory.SetCurrentDirectory(cwd);
            Environment.SetEnvironmentVariable(ReportCommand.DataEnvironmentVariable, env);
        }
    }

    [Fact]
    public void Data_root_errors_say_how_to_get_data()
    {
        Assert.Contains("no such directory", Assert.Throws<DirectoryNotFoundException>(() => ReportCommand.FindDataRoot(Path.Combine(_dir, "nope"))).Message, StringComparison.Ordinal);
    }
}
