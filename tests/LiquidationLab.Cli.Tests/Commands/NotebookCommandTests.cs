using LiquidationLab.Notebooks.Ipynb;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class NotebookCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-nbcmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(params System.Text.Json.Nodes.JsonObject[] cells)
    {
        var nb = NotebookDocument.Create();
        foreach (var c in cells) nb.Cells.Add(c);
        var path = Path.Combine(_dir, "nb.ipynb");
        nb.Save(path);
        return path;
    }

    [Fact]
    public async Task Run_with_parameters_writes_the_executed_notebook_and_html()
    {
        var path = Write(NotebookDocument.CodeCell("var name = \"x\";", "parameters"), NotebookDocument.CodeCell("Console.WriteLine($\"hi {name}\");"));
        var output = Path.Combine(_dir, "out.ipynb");
        var html = Path.Combine(_dir, "out.html");
        var (exit, stdout, stderr) = await CliRunner.Run("notebook", "run", path, "-o", output, "-p", "name=there", "--html", html);
        Assert.True(exit == 0, stderr);
        Assert.Contains("[3/3]", stdout, StringComparison.Ordinal); // parameters, injected parameters, the cell
        Assert.Contains("hi there", await File.ReadAllTextAsync(output), StringComparison.Ordinal);
        Assert.Contains("hi there", await File.ReadAllTextAsync(html), StringComparison.Ordinal);
        var export = Path.Combine(_dir, "again.html");
        Assert.Equal(0, (await CliRunner.Run("notebook", "export", output, "--html", export)).Exit);
        Assert.True(File.Exists(export));
    }

    [Fact]
    public async Task A_failing_cell_makes_a_non_zero_exit_naming_the_cell()
    {
        var path = Write(NotebookDocument.CodeCell("var a = 1;"), NotebookDocument.CodeCell("throw new Exception(\"broken input\");"));
        var (exit, _, stderr) = await CliRunner.Run("notebook", "run", path);
        Assert.Equal(1, exit);
        Assert.Contains("cell 1 (code cell 2 of 2", stderr, StringComparison.Ordinal);
        Assert.Contains("broken input", stderr, StringComparison.Ordinal);
        var badParam = await CliRunner.Run("notebook", "run", path, "-p", "nope");
        Assert.Contains("expected name=value", badParam.Err, StringComparison.Ordinal);
    }
}
