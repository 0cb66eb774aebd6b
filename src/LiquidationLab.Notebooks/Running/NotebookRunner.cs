using System.Globalization;
using System.Text.Json.Nodes;
using LiquidationLab.Notebooks.Engine;
using LiquidationLab.Notebooks.Ipynb;

namespace LiquidationLab.Notebooks.Running;

/// <summary>Options of <see cref="NotebookRunner"/>.</summary>
public sealed record RunOptions
{
    /// <summary>Parameter overrides (name → value as text), injected after the <c>parameters</c> cell.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Wall-time limit per cell; default 600 s.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Most stdout + stderr characters kept per cell (<see cref="Engine.ScriptSession.MaxStreamCharacters"/>); default 1,000,000.</summary>
    public long MaxStreamCharacters { get; init; } = 1_000_000;

    /// <summary>Keep running after a failing cell (its error is stored).</summary>
    public bool AllowErrors { get; init; }

    /// <summary>Working directory for the session (default: the notebook's folder).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Make the working directory the process's current directory while the notebook runs (as Jupyter does), so relative
    /// paths in cells resolve against the notebook's folder. A process-wide change: hosts running one notebook at a time
    /// (the CLI) set it; in-process callers running notebooks concurrently must not.
    /// </summary>
    public bool SetCurrentDirectory { get; init; }
}

/// <summary>Progress of a run, reported per cell.</summary>
/// <param name="Index">Cell index in the notebook.</param>
/// <param name="CodeCellNumber">1-based number among code cells.</param>
/// <param name="CodeCells">Code cells in the notebook.</param>
/// <param name="Succeeded">Whether the cell succeeded.</param>
/// <param name="Elapsed">Its run time.</param>
/// <param name="FirstLine">First line of its source, for display.</param>
public sealed record CellProgress(int Index, int CodeCellNumber, int CodeCells, bool Succeeded, TimeSpan Elapsed, string FirstLine);

/// <summary>The result of a run.</summary>
/// <param name="Notebook">The executed notebook (outputs stored).</param>
/// <param name="Succeeded">False when a cell failed (see <see cref="FailedCell"/>).</param>
/// <param name="FailedCell">Index of the first failing cell, or <c>null</c>.</param>
/// <param name="Message">A one-line summary naming the failing cell and its error.</param>
/// <param name="Elapsed">Total run time.</param>
public sealed record RunResult(NotebookDocument Notebook, bool Succeeded, int? FailedCell, string Message, TimeSpan Elapsed);

/// <summary>
/// Runs a notebook headless on the engine: injects parameters, executes code cells in order in one
/// <see cref="ScriptSession"/>, stores outputs in nbformat shapes (display updates applied in place), and stops at the
/// first failing cell unless errors are allowed (later cells then keep no stale outputs).
/// </summary>
public static class NotebookRunner
{
    /// <summary>Runs <paramref name="notebook"/> (modified in place and returned in the result).</summary>
    /// <param name="notebook">The notebook.</param>
    /// <param name="notebookPath">Its path (the working directory defaults to its folder).</param>
    /// <param name="options">Options.</param>
    /// <param name="progress">Called after each code cell.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="ArgumentException">Parameters given but no cell tagged <c>parameters</c>, or a bad parameter.</exception>
    public static async Task<RunResult> RunAsync(NotebookDocument notebook, string notebookPath, RunOptions options, Action<CellProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        ArgumentNullException.ThrowIfNull(options);
        var started = System.Diagnostics.Stopwatch.StartNew();
        InjectParameters(notebook, options.Parameters);
        var workingDirectory = options.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var session = new ScriptSession(workingDirectory) { MaxStreamCharacters = options.MaxStreamCharacters };
        // Charts' static images need a headless browser: start it now, beside the first cells, rather than at the first chart.
        if (notebook.Cells.Any(c => NotebookDocument.Source(c!.AsObject()).Contains("Chart", StringComparison.Ordinal)))
            session.Formatters.StartChartImages();
        var previousDirectory = Directory.GetCurrentDirectory();
        if (options.SetCurrentDirectory) Directory.SetCurrentDirectory(workingDirectory);
        try
        {
            return await RunCellsAsync(notebook, options, session, started, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (options.SetCurrentDirectory && Directory.Exists(previousDirectory)) Directory.SetCurrentDirectory(previousDirectory);
        }
    }

    private static async Task<RunResult> RunCellsAsync(NotebookDocument notebook, RunOptions options, ScriptSession session, System.Diagnostics.Stopwatch started,
        Action<CellProgress>? progress, CancellationToken cancellationToken)
    {
        var cells = notebook.Cells.Select(c => c!.AsObject()).ToList();
        var codeCells = cells.Count(c => c["cell_type"]!.GetValue<string>() == "code");
        var displayIds = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        int? failed = null;
        var message = "";
        var n = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            if (cell["cell_type"]!.GetValue<string>() != "code") continue;
            n++;
            if (failed is not null && !options.AllowErrors)
            {
                cell["outputs"] = new JsonArray();
                cell["execution_count"] = null;
                continue;
            }
            var source = NotebookDocument.Source(cell);
            var result = await session.ExecuteAsync(source, options.CellTimeout, cancellationToken).ConfigureAwait(false);
            var count = session.ExecutionCount;
            var outputs = result.Events.Select(e => OutputMapper.ToOutput(e, count)).ToList();
            cell["outputs"] = OutputMapper.ForFile(outputs, displayIds);
            cell["execution_count"] = count;
            var meta = cell["metadata"]!.AsObject();
            meta["liquidationlab"] = new JsonObject
            {
                ["duration_s"] = Math.Round(result.Elapsed.TotalSeconds, 3),
                ["status"] = result.Succeeded ? "ok" : "error",
            };
            var firstLine = source.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            progress?.Invoke(new CellProgress(i, n, codeCells, result.Succeeded, result.Elapsed, firstLine.Length > 70 ? firstLine[..70] + "…" : firstLine));
            if (!result.Succeeded && failed is null)
            {
                failed = i;
                var err = result.Events.OfType<ErrorEvent>().LastOrDefault();
                message = $"cell {i} (code cell {n} of {codeCells}, id {cell["id"]}) failed: {err?.Name}: {err?.Value}";
            }
        }
        notebook.Metadata["liquidationlab"] = new JsonObject
        {
            ["executed_at"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["duration_s"] = Math.Round(started.Elapsed.TotalSeconds, 3),
            ["parameters"] = new JsonObject(options.Parameters.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        return new RunResult(notebook, failed is null, failed, failed is null ? $"{codeCells} code cells ran" : message, started.Elapsed);
    }

    /// <summary>Replaces any earlier injected cell and inserts a new one after the <c>parameters</c> cell.</summary>
    /// <exception cref="ArgumentException">Overrides without a parameters cell, or invalid overrides.</exception>
    public static void InjectParameters(NotebookDocument notebook, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        ArgumentNullException.ThrowIfNull(overrides);
        var cells = notebook.Cells;
        for (var i = cells.Count - 1; i >= 0; i--)
            if (NotebookDocument.Tags(cells[i]!.AsObject()).Contains("injected-parameters")) cells.RemoveAt(i);
        if (overrides.Count == 0) return;
        var index = -1;
        for (var i = 0; i < cells.Count; i++)
            if (NotebookDocument.Tags(cells[i]!.AsObject()).Contains("parameters")) { index = i; break; }
        if (index < 0) throw new ArgumentException("Parameters were given but no cell is tagged 'parameters'.");
        var declared = Parameters.Parse(NotebookDocument.Source(cells[index]!.AsObject()));
        cells.Insert(index + 1, NotebookDocument.CodeCell(Parameters.Inject(declared, overrides), "injected-parameters"));
    }
}
