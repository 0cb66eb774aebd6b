using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using LiquidationLab.Formatting;
using LiquidationLab.Notebooks.Formatting;
using Markdig;
using Microsoft.CodeAnalysis;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>
/// A C# notebook session: each cell is a Roslyn script submission continuing the previous one (<see cref="SubmissionChain"/>),
/// so variables, types and usings persist. The whole .NET 10 framework (as reference assemblies) and LiquidationLab,
/// DuckDB.NET, Microsoft.Data.Analysis, MathNet.Numerics and Plotly.NET(.CSharp) are referenced and their namespaces
/// imported. Cells run one at a time; each yields ordered <see cref="CellEvent"/>s (also pushed live to <see cref="EventEmitted"/>).
/// </summary>
public sealed partial class ScriptSession
{
    /// <summary>The libraries every session references besides the framework (their own dependencies resolve behind them).</summary>
    internal static readonly Assembly[] DefaultLibraries =
    [
        typeof(Core.Margin.LiquidationPriceCalculator).Assembly, typeof(Liquidity.LiquidityForecastModel).Assembly, typeof(Data.Store.LabStore).Assembly, typeof(Charts.Figure).Assembly, typeof(Analysis.LiquidationAnalysis).Assembly,
        typeof(ScriptSession).Assembly, typeof(FormatterRegistry).Assembly, typeof(DuckDB.NET.Data.DuckDBConnection).Assembly, typeof(Microsoft.Data.Analysis.DataFrame).Assembly,
        typeof(MathNet.Numerics.Statistics.Statistics).Assembly, typeof(Plotly.NET.GenericChart).Assembly, typeof(Plotly.NET.CSharp.Chart).Assembly,
        typeof(Markdown).Assembly, typeof(Microsoft.FSharp.Core.FSharpOption<>).Assembly,
    ];

    /// <summary>The references a new session compiles cells against: the framework's reference assemblies, then <see cref="DefaultLibraries"/>.</summary>
    internal static IEnumerable<MetadataReference> DefaultReferences =>
        NotebookReferences.Framework.Values.Concat(DefaultLibraries.Distinct().Select(NotebookReferences.For));

    /// <summary>Namespaces every cell sees: <see cref="NotebookNamespaces"/> (shared with the .NET Interactive extension), the
    /// formatting API and this engine's <see cref="HtmlString"/>.</summary>
    public static IReadOnlyList<string> DefaultImports { get; } =
        [.. NotebookNamespaces.System, .. NotebookNamespaces.Workspace, "LiquidationLab.Formatting", "LiquidationLab.Notebooks.Formatting"];

    private readonly NotebookContext _context;
    private readonly object _gate = new();
    private List<CellEvent>? _events;
    // Stream text of the cell being run, under _gate: the last stream event grows in a builder (not by string concatenation,
    // which is quadratic for many small writes), and the cell's stream characters are capped.
    private readonly StringBuilder _streamText = new();
    private int _streamIndex = -1;
    private long _streamChars, _droppedChars;
    private bool _streamTruncated;
    private readonly SubmissionChain _chain;

    /// <summary>The run of the latest cell given up after a timeout or an interrupt because it ignored cancellation (a
    /// completed task when there is none): it completes once that cell's code has ended and the chain has dismissed it, so
    /// a host or a test can await the end of an abandoned cell instead of guessing how long it runs.</summary>
    internal Task AbandonedRun { get; private set; } = Task.CompletedTask;
    private int _cellNumber;

    /// <summary>Creates a session.</summary>
    /// <param name="workingDirectory">Folder of the notebook: relative <c>#r</c> paths resolve against it (default: the
    /// current directory). The session never changes the process's current directory; hosts do (the kernel is started in
    /// the notebook's folder, the runner switches with <see cref="Running.RunOptions.SetCurrentDirectory"/>).</param>
    /// <param name="formatters">Formatter registry (default: a new one with the built-ins).</param>
    public ScriptSession(string? workingDirectory = null, FormatterRegistry? formatters = null)
    {
        WorkingDirectory = Path.GetFullPath(workingDirectory ?? Directory.GetCurrentDirectory());
        Formatters = formatters ?? new FormatterRegistry();
        Formatters.Register<HtmlString>(h => new MimeBundle(h.Html).With("text/html", h.Html));
        _context = new NotebookContext(this);
        _chain = NewChain();
    }

    private SubmissionChain NewChain() => new(_context, DefaultReferences, DefaultImports, WorkingDirectory);

    /// <summary>The notebook's folder.</summary>
    public string WorkingDirectory { get; }

    /// <summary>The session's formatters.</summary>
    public FormatterRegistry Formatters { get; }

    /// <summary>Number of cells executed (the Jupyter execution count of the last one).</summary>
    public int ExecutionCount => _cellNumber;

    /// <summary>
    /// Does once, ahead of time, the work a session's first cells would otherwise pay for — loading Roslyn and the
    /// referenced assemblies' metadata, JIT-compiling the compile, emit and run paths, binding the complete reference set
    /// a cell falls back to, parsing, formatting — with throwaway scripts that leave the session's state, variables and
    /// execution count untouched. The kernel calls it before answering <c>kernel_info_request</c>, so the first cell after
    /// "ready" is as quick as later ones. Returns the time it took.
    /// </summary>
    public TimeSpan WarmUp(CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        var warm = NewChain(); // a throwaway chain: the session's own stays empty
        foreach (var code in (string[])["var __warm = new List<double> { 1, 2 }; __warm.Select(v => v * 2).Sum()",
                     "var __bins = new PriceBins(100, 1, 4); var __d = new Dictionary<string, double> { [\"a\"] = __bins.Center(1) }; __d.Count + __warm.Count", "1 + 1"])
        {
            var submission = warm.Compile(code, "warm-up", cancellationToken);
            if (submission.Errors.Count > 0) throw new InvalidOperationException("Warm-up failed to compile: " + submission.Errors[0]);
            if (warm.RunAsync(submission, cancellationToken).GetAwaiter().GetResult().Exception is { } e) throw new InvalidOperationException("Warm-up failed.", e);
        }
        _ = HasTrailingExpression("1 + 1");
        _ = CellPreprocessor.Prepare("var a = 1;");
        _ = Formatters.Format(new List<double> { 1.5, 2.5 });
        return sw.Elapsed;
    }

    /// <summary>
    /// Answers a cell's request for input (<c>input(prompt)</c>, <c>Console.ReadLine()</c>): the host's handler
    /// (the kernel sends <c>input_request</c> when the front end allows stdin) gets the prompt, whether it is a password and
    /// the cell's cancellation token, and returns the line (null at end of input). Null: no input available — the cell gets
    /// an <see cref="InvalidOperationException"/> saying so.
    /// </summary>
    public Func<string, bool, CancellationToken, string?>? InputHandler { get; set; }

    internal string? ReadInput(string prompt, bool password)
    {
        if (InputHandler is not { } handler)
            throw new InvalidOperationException("This front end does not accept input (a headless run, nbconvert, or a client that set allow_stdin to false): " +
                                                "give the value as a notebook parameter instead.");
        return handler(prompt, password, CellCancellation.Current);
    }

    /// <summary>Raised for every event as it happens (the kernel forwards these to iopub).</summary>
    public event Action<CellEvent>? EventEmitted;

    /// <summary>Names of the variables defined so far.</summary>
    public IReadOnlyList<string> Variables => _chain.Variables().Select(v => v.Name).Distinct().ToArray();

    /// <summary>The current value of the session variable <paramref name="name"/> (its latest definition).</summary>
    /// <returns>Whether a variable of that name exists.</returns>
    public bool TryGetVariable(string name, out object? value)
    {
        var found = _chain.Variables().LastOrDefault(v => v.Name == name);
        value = found.Value;
        return found.Name is not null;
    }

    /// <summary>The references cells compile against: the framework's reference assemblies, the default libraries and the
    /// assemblies of restored packages.</summary>
    public IReadOnlyList<MetadataReference> References => _chain.References;

    /// <summary>The compilation <paramref name="code"/> would be as the next cell, for completion and inspection: not run,
    /// not kept. Before the first cell it is a first submission.</summary>
    public Microsoft.CodeAnalysis.CSharp.CSharpCompilation AnalysisCompilation(string code) => _chain.Analyse(code);

    /// <summary>Whether a cell has run, i.e. joined the session's submission chain (a cell that failed to compile has not).</summary>
    public bool HasState => _chain.Last is not null;

    /// <summary>Most characters of stdout + stderr one cell keeps (in the notebook file, the HTML and iopub); default
    /// 1,000,000. Past it the text is cut with a visible "output truncated" note and the rest is dropped (counted in a last
    /// note), so a cell printing 100 MB cannot bloat the notebook or exhaust memory.</summary>
    public long MaxStreamCharacters { get; set; } = 1_000_000;

    internal void Emit(CellEvent e)
    {
        lock (_gate)
        {
            if (_events is null) return;
            if (e is StreamEvent s)
            {
                if (_streamTruncated)
                {
                    _droppedChars += s.Text.Length;
                    return;
                }
                if (_streamChars + s.Text.Length > MaxStreamCharacters)
                {
                    var keep = (int)Math.Max(0, MaxStreamCharacters - _streamChars);
                    _droppedChars += s.Text.Length - keep;
                    _streamTruncated = true;
                    e = s = s with { Text = s.Text[..keep] + string.Create(CultureInfo.InvariantCulture,
                        $"\n[output truncated: this cell printed more than {MaxStreamCharacters:N0} characters; the rest is not kept]\n") };
                }
                else
                {
                    _streamChars += s.Text.Length;
                }
                if (_streamIndex == _events.Count - 1 && _streamIndex >= 0 && ((StreamEvent)_events[_streamIndex]).Name == s.Name)
                {
                    _streamText.Append(s.Text);
                }
                else
                {
                    FlushStream();
                    _events.Add(s);
                    _streamIndex = _events.Count - 1;
                    _streamText.Clear().Append(s.Text);
                }
            }
            else
            {
                FlushStream();
                _events.Add(e);
            }
        }
        EventEmitted?.Invoke(e);
    }

    /// <summary>Writes the builder's text into the last stream event (caller holds _gate).</summary>
    private void FlushStream()
    {
        if (_events is null || _streamIndex < 0 || _streamIndex >= _events.Count) return;
        if (_events[_streamIndex] is StreamEvent last && last.Text.Length != _streamText.Length) _events[_streamIndex] = last with { Text = _streamText.ToString() };
        _streamIndex = -1;
    }

    /// <summary>
    /// Runs one cell. Never throws for problems in the cell: compile errors, exceptions, interrupts and timeouts become an
    /// <see cref="ErrorEvent"/> (and <see cref="CellResult.Succeeded"/> false); the session stays usable.
    /// </summary>
    /// <param name="code">The cell's source.</param>
    /// <param name="timeout">Wall-time limit; the cell is cancelled when it passes (default: none).</param>
    /// <param name="cancellationToken">Interrupt.</param>
    public async Task<CellResult> ExecuteAsync(string code, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        var sw = Stopwatch.StartNew();
        var number = ++_cellNumber;
        lock (_gate)
        {
            _events = [];
            (_streamIndex, _streamChars, _droppedChars, _streamTruncated) = (-1, 0, 0, false);
            _streamText.Clear();
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) cts.CancelAfter(t);
        var prepared = CellPreprocessor.Prepare(code);
        var ok = true;
        if (prepared.Error is not null)
        {
            Emit(new ErrorEvent("MagicError", prepared.Error, [$"MagicError: {prepared.Error}"]));
            ok = false;
        }
        else if (prepared.Markdown is not null)
        {
            var html = Markdown.ToHtml(prepared.Markdown, Pipeline);
            Emit(new DisplayEvent(new MimeBundle(prepared.Markdown).With("text/markdown", prepared.Markdown).With("text/html", html), null));
        }
        else
        {
            foreach (var feed in prepared.SourcesToAdd)
            {
                // A relative folder is the notebook's; URLs stay as written.
                var resolved = Uri.TryCreate(feed, UriKind.Absolute, out var uri) && !uri.IsFile ? feed : Path.GetFullPath(feed, WorkingDirectory);
                if (!_sources.Contains(resolved)) _sources.Add(resolved);
            }
            if (prepared.PackagesToRestore.Count > 0) ok = await RestorePackagesAsync(prepared.PackagesToRestore, cts.Token).ConfigureAwait(false);
            if (ok && prepared.Code.Trim().Length > 0) ok = await RunCodeAsync(prepared.Code, number, cts, timeout, cancellationToken).ConfigureAwait(false);
        }
        List<CellEvent> events;
        StreamEvent? dropped = null;
        lock (_gate)
        {
            if (_droppedChars > 0)
            {
                FlushStream();
                dropped = new StreamEvent("stderr", string.Create(CultureInfo.InvariantCulture, $"[{_droppedChars:N0} more characters of output were dropped]\n"));
                _events!.Add(dropped);
            }
            FlushStream();
            events = _events!;
            _events = null;
            _streamText.Clear();
        }
        if (dropped is not null) EventEmitted?.Invoke(dropped);
        return new CellResult(events, ok, sw.Elapsed);
    }

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private async Task<bool> RunCodeAsync(string code, int number, CancellationTokenSource cts, TimeSpan? timeout, CancellationToken interrupt)
    {
        ConsoleRouter.Install();
        ConsoleRouter.Current = this;
        CellCancellation.Current = cts.Token;
        try
        {
            var submission = _chain.Compile(code, $"cell{number}", cts.Token);
            if (submission.Errors.Count > 0)
            {
                var lines = submission.Errors.Select(d =>
                {
                    var span = d.Location.GetLineSpan();
                    return $"(cell {number}, line {span.StartLinePosition.Line + 1}, column {span.StartLinePosition.Character + 1}): error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
                }).ToList();
                Emit(new ErrorEvent("CompilationError", lines[0], lines));
                return false;
            }
            _lines.Register(submission.Compilation, number);
            // Run on the thread pool so a timeout can be reported even for code that never checks the token.
            var run = Task.Run(() => _chain.RunAsync(submission, cts.Token));
            SubmissionRun result;
            try
            {
                result = await run.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                // The cell ignores the token and is still running: report and move on (a run that ends within 2 s keeps
                // the variables it defined; one that does not never touches the session's state).
                var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false) == run;
                if (!finished)
                {
                    _chain.Abandon(submission);
                    AbandonedRun = run;
                }
                Emit(Cancelled(interrupt.IsCancellationRequested, timeout, stillRunning: !finished));
                return false;
            }
            if (result.Exception is OperationCanceledException && cts.IsCancellationRequested)
            {
                Emit(Cancelled(interrupt.IsCancellationRequested, timeout, stillRunning: false));
                return false;
            }
            if (result.Exception is { } ex)
            {
                Emit(Error(ex, _lines));
                return false;
            }
            if (result.ReturnValue is { } value && HasTrailingExpression(code))
                Emit(new ResultEvent(Formatters.Format(value)));
            return true;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Emit(Cancelled(interrupt.IsCancellationRequested, timeout, stillRunning: false));
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Emit(Error(e, _lines));
            return false;
        }
        finally
        {
            CellCancellation.Current = CancellationToken.None;
            ConsoleRouter.Current = null;
        }
    }

    private static ErrorEvent Cancelled(bool interrupted, TimeSpan? timeout, bool stillRunning)
    {
        var reason = interrupted ? "Cell interrupted." : $"Cell timed out after {timeout?.TotalSeconds ?? 0:0.#} s.";
        if (stillRunning) reason += " It does not check for cancellation and keeps running in the background; its results are discarded.";
        return new ErrorEvent(interrupted ? "KeyboardInterrupt" : "TimeoutError", reason, [reason]);
    }

    /// <summary>Only a trailing expression without semicolon produces a result (as in Jupyter).</summary>
    private static bool HasTrailingExpression(string code)
    {
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(code, new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(kind: SourceCodeKind.Script));
        var last = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().LastOrDefault();
        return last?.Statement is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax es && es.SemicolonToken.IsMissing;
    }

    private readonly CellLineMap _lines = new();

    private static ErrorEvent Error(Exception e, CellLineMap lines)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
        var name = e.GetType().Name;
        var trace = new List<string> { $"{name}: {e.Message}" };
        var frames = new System.Diagnostics.StackTrace(e, fNeedFileInfo: false).GetFrames();
        foreach (var frame in frames)
        {
            var method = frame.GetMethod();
            if (method is null) continue;
            if (lines.Locate(method, frame.GetILOffset()) is { } where)
            {
                trace.Add($"   at {Describe(method)} in cell {where.Cell}, line {where.Line}");
                continue;
            }
            var ns = method.DeclaringType?.Namespace ?? "";
            if (ns.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal) || ns.StartsWith("System.Threading", StringComparison.Ordinal)
                || method.DeclaringType == typeof(ScriptSession) || method.DeclaringType == typeof(SubmissionChain)
                || method.DeclaringType?.DeclaringType == typeof(SubmissionChain)) continue;
            trace.Add($"   at {method.DeclaringType?.FullName}.{method.Name}");
        }
        if (e.InnerException is { } ie) trace.Add($" ---> {ie.GetType().Name}: {ie.Message}");
        return new ErrorEvent(name, e.Message, trace);
    }

    private static string Describe(MethodBase method)
    {
        var type = method.DeclaringType?.Name ?? "";
        if (type.StartsWith("<<Initialize>>", StringComparison.Ordinal) || method.Name == "<Initialize>") return "<top level>";
        var local = LocalFunction().Match(method.Name);
        if (local.Success) return local.Groups[1].Value + "()";
        return (method.Name.StartsWith('<') ? method.Name : $"{method.Name}()");
    }

    [GeneratedRegex(@"g__(\w+)\|")]
    private static partial Regex LocalFunction();

    /// <summary>
    /// Console output routing: installed once per process, it sends writes to the session whose cell is running on the
    /// current execution context (an <see cref="AsyncLocal{T}"/>), and everything else to the original console, so
    /// sessions running concurrently in one process keep their output apart.
    /// </summary>
    private static class ConsoleRouter
    {
        private static readonly AsyncLocal<ScriptSession?> Session = new();
        private static int _installed;

        public static ScriptSession? Current
        {
            get => Session.Value;
            set => Session.Value = value;
        }

        public static void Install()
        {
            if (Interlocked.Exchange(ref _installed, 1) == 1) return;
            Console.SetOut(TextWriter.Synchronized(new RoutingWriter(Console.Out, "stdout")));
            Console.SetError(TextWriter.Synchronized(new RoutingWriter(Console.Error, "stderr")));
            Console.SetIn(new RoutingReader(Console.In));
        }
    }

    /// <summary>Console reads from a cell ask its session's input handler (Jupyter's stdin channel); others read the original.</summary>
    private sealed class RoutingReader(TextReader original) : TextReader
    {
        public override string? ReadLine() => ConsoleRouter.Current is { } session ? session.ReadInput("", false) : original.ReadLine();

        public override int Read()
        {
            if (ConsoleRouter.Current is null) return original.Read();
            throw new NotSupportedException("Console.Read() reads one character; in a notebook use Console.ReadLine() or input(\"prompt\").");
        }

        public override int Peek() => ConsoleRouter.Current is null ? original.Peek() : -1;

        public override string ReadToEnd() => ConsoleRouter.Current is { } session ? session.ReadInput("", false) ?? "" : original.ReadToEnd();
    }

    /// <summary>Forwards Console writes to the running cell's session as stream events, or to the original writer.</summary>
    private sealed class RoutingWriter(TextWriter original, string name) : TextWriter
    {
        public override Encoding Encoding => original.Encoding;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            if (ConsoleRouter.Current is { } session) session.Emit(new StreamEvent(name, value));
            else original.Write(value);
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");

        public override void WriteLine() => Write("\n");

        public override void Flush()
        {
            if (ConsoleRouter.Current is null) original.Flush();
        }
    }
}
