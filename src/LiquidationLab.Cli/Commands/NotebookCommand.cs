using System.CommandLine;
using System.Globalization;
using LiquidationLab.Notebooks.Export;
using LiquidationLab.Notebooks.Ipynb;
using LiquidationLab.Notebooks.Running;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab notebook run|export</c>.</summary>
internal static class NotebookCommand
{
    public static Command Create()
    {
        var nb = new Command("notebook", "Run C# notebooks headless and export them as HTML.");
        nb.Add(Run());
        nb.Add(Export());
        return nb;
    }

    private static Command Run()
    {
        var input = new Argument<string>("notebook") { Description = "The .ipynb to run." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the executed notebook (default: overwrite the input)." };
        var parameters = new Option<string[]>("--parameter", "-p")
        {
            Description = "name=value, repeatable: overrides a default of the cell tagged 'parameters'.",
            AllowMultipleArgumentsPerToken = false,
        };
        var timeout = new Option<int>("--cell-timeout") { DefaultValueFactory = _ => 600, Description = "Seconds a cell may run." };
        var allowErrors = new Option<bool>("--allow-errors") { Description = "Keep going after a failing cell (exit code still non-zero)." };
        var html = new Option<string?>("--html") { Description = "Also export the executed notebook as HTML." };
        var maxOutput = new Option<long>("--max-output-chars") { DefaultValueFactory = _ => 1_000_000, Description = "Most stdout + stderr characters kept per cell; past it the output is cut with a visible note." };
        var cmd = new Command("run", "Execute every code cell in order; outputs are stored in the notebook.") { input, output, parameters, timeout, allowErrors, html, maxOutput };
        cmd.SetAction(async (parse, ct) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var path = Path.GetFullPath(parse.GetValue(input)!);
            var notebook = NotebookDocument.Load(path);
            var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in parse.GetValue(parameters) ?? [])
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new ArgumentException($"-p {p}: expected name=value.");
                overrides[p[..eq]] = p[(eq + 1)..];
            }
            console.MarkupLine($"Running {Markup.Escape(Path.GetRelativePath(Directory.GetCurrentDirectory(), path))}");
            var result = await NotebookRunner.RunAsync(notebook, path, new RunOptions
            {
                Parameters = overrides,
                MaxStreamCharacters = Math.Max(1, parse.GetValue(maxOutput)),
                CellTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))),
                AllowErrors = parse.GetValue(allowErrors),
                SetCurrentDirectory = true,
            }, p => console.MarkupLine(ProgressLine(p)), ct).ConfigureAwait(false);
            var outPath = Path.GetFullPath(parse.GetValue(output) ?? path);
            result.Notebook.Save(outPath);
            if (parse.GetValue(html) is { } htmlPath)
            {
                var full = Path.GetFullPath(htmlPath);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, HtmlExporter.Render(result.Notebook), ct).ConfigureAwait(false);
                console.MarkupLine($"HTML: {Markup.Escape(full)}");
            }
            console.MarkupLine($"Notebook: {Markup.Escape(outPath)} ({result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
            if (!result.Succeeded)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"liqlab: {path}: {result.Message}").ConfigureAwait(false);
                return 1;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>One progress line per executed cell (Spectre markup).</summary>
    internal static string ProgressLine(CellProgress p) =>
        $"  [[{p.CodeCellNumber}/{p.CodeCells}]] {(p.Succeeded ? "[green]ok[/]   " : "[red]error[/]")} {p.Elapsed.TotalSeconds,6:0.00} s  [grey]{Markup.Escape(p.FirstLine)}[/]";

    private static Command Export()
    {
        var input = new Argument<string>("notebook") { Description = "The .ipynb to export." };
        var html = new Option<string>("--html") { Description = "HTML file to write.", Required = true };
        var cmd = new Command("export", "Export a notebook (with its stored outputs) as a self-contained HTML report.") { input, html };
        cmd.SetAction(async (parse, ct) =>
        {
            var notebook = NotebookDocument.Load(Path.GetFullPath(parse.GetValue(input)!));
            var full = Path.GetFullPath(parse.GetValue(html)!);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, HtmlExporter.Render(notebook), ct).ConfigureAwait(false);
            Terminal.Console(parse.InvocationConfiguration.Output).MarkupLine($"HTML: {Markup.Escape(full)}");
            return 0;
        });
        return cmd;
    }
}
