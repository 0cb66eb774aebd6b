using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Scripting;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>A cell compiled as the chain's next submission: runnable when <see cref="Errors"/> is empty.</summary>
/// <param name="Compilation">The submission's compilation.</param>
/// <param name="Errors">Error diagnostics (parse, binding, emit); empty when it compiled.</param>
/// <param name="Entry">The submission's factory (<c>&lt;Factory&gt;(object[] submissions)</c>), or null when the cell has no code
/// to run (only <c>using</c>s or <c>#r</c>s) or did not compile.</param>
internal sealed record Submission(CSharpCompilation Compilation, IReadOnlyList<Diagnostic> Errors, Func<object?[], Task<object>>? Entry);

/// <summary>What a run left: the trailing expression's value, or the exception the cell threw.</summary>
internal sealed record SubmissionRun(object? ReturnValue, Exception? Exception);

/// <summary>
/// A C# script session on Roslyn's compilation API: each cell is a script submission (<see cref="CSharpCompilation.CreateScriptCompilation"/>)
/// continuing the previous one, so variables, types, usings and <c>#r</c>s persist; it is emitted to memory, loaded into the
/// default load context and run through its factory with the session's submission array (slot 0 the globals object, then one
/// slot per submission), as Roslyn's scripting API does. Compared with that API: cells compile against the framework's
/// reference assemblies (<see cref="NotebookReferences"/>), references are given once (later submissions inherit them), and
/// methods compile on the calling thread (a trivial cell has one method; the parallel compiler's hand-offs cost more than it).
/// Not thread-safe: one cell at a time.
/// </summary>
internal sealed class SubmissionChain
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    private readonly Type _globalsType;
    private readonly CSharpCompilationOptions _options;
    private readonly string _id = Guid.NewGuid().ToString("N");
    private readonly List<MetadataReference> _pending;
    private readonly List<MetadataReference> _all;
    private readonly object _gate = new();
    private readonly HashSet<Submission> _abandoned = new(ReferenceEqualityComparer.Instance);
    private object?[] _submissions;
    private CSharpCompilation? _last;
    private int _count;    // submissions in the chain
    private int _compiled; // compilations made (assembly names must never repeat in the process)

    /// <summary>Creates an empty chain.</summary>
    /// <param name="globals">The object cells see as their globals (its public members are in scope).</param>
    /// <param name="references">Libraries and framework references cells compile against.</param>
    /// <param name="imports">Namespaces every cell imports.</param>
    /// <param name="workingDirectory">Folder relative <c>#r</c> and <c>#load</c> paths resolve against.</param>
    public SubmissionChain(object globals, IEnumerable<MetadataReference> references, IEnumerable<string> imports, string workingDirectory)
    {
        _globalsType = globals.GetType();
        _all = [.. references.Distinct()];
        _pending = [.. _all];
        _submissions = new object?[16];
        _submissions[0] = globals;
        _options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            usings: imports, optimizationLevel: OptimizationLevel.Release, allowUnsafe: false, concurrentBuild: false,
            metadataReferenceResolver: new NotebookReferences.Resolver(workingDirectory),
            sourceReferenceResolver: ScriptSourceResolver.Default.WithBaseDirectory(workingDirectory));
    }

    /// <summary>Every reference cells compile against, in order (added ones last).</summary>
    public IReadOnlyList<MetadataReference> References => _all;

    /// <summary>The last submission that joined the chain (compiled and ran), or null before the first.</summary>
    public CSharpCompilation? Last => _last;

    /// <summary>Adds references (restored packages) for the next submissions.</summary>
    public void AddReferences(IEnumerable<MetadataReference> references)
    {
        foreach (var r in references)
        {
            if (_all.Contains(r)) continue;
            _all.Add(r);
            _pending.Add(r);
        }
    }

    /// <summary>The compilation <paramref name="code"/> would be as the next submission — for completion and inspection (not emitted, not kept).</summary>
    public CSharpCompilation Analyse(string code) => Create(CSharpSyntaxTree.ParseText(code, ParseOptions, "", Encoding.UTF8), "analysis");

    private CSharpCompilation Create(SyntaxTree tree, string suffix)
    {
        lock (_gate)
        {
            return CSharpCompilation.CreateScriptCompilation($"\u211B*{_id}-{suffix}", tree, _pending, _options.WithScriptClassName($"Submission#{_count}"), _last,
                returnType: null, globalsType: _globalsType);
        }
    }

    /// <summary>Compiles <paramref name="code"/> as the next submission and loads it (it joins the chain when it runs: <see cref="RunAsync"/>).</summary>
    /// <param name="code">The cell's C#.</param>
    /// <param name="path">The tree's path, shown in diagnostics (e.g. <c>cell3</c>).</param>
    /// <param name="cancellationToken">Interrupt.</param>
    public Submission Compile(string code, string path, CancellationToken cancellationToken)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ParseOptions, path, Encoding.UTF8, cancellationToken);
        var compilation = Create(tree, (++_compiled).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var parseErrors = tree.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (parseErrors.Count > 0) return new Submission(compilation, parseErrors, null);
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe, cancellationToken: cancellationToken);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!result.Success) return new Submission(compilation, errors.Count > 0 ? errors : [.. result.Diagnostics], null);
        Func<object?[], Task<object>>? entry = null;
        if (compilation.GetEntryPoint(cancellationToken) is { } entryPoint)
        {
            pe.Position = 0;
            var assembly = AssemblyLoadContext.Default.LoadFromStream(pe);
            NotebookReferences.RegisterCell(assembly);
            var type = assembly.GetType(entryPoint.ContainingType.MetadataName, throwOnError: true)!;
            var method = type.GetMethod(entryPoint.MetadataName, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                         ?? throw new InvalidOperationException($"The compiled cell has no {entryPoint.MetadataName} method.");
            entry = method.CreateDelegate<Func<object?[], Task<object>>>();
        }
        return new Submission(compilation, [], entry);
    }

    /// <summary>Gives up on a run that has not ended (an interrupted cell that ignores cancellation): whenever it ends, it
    /// leaves the chain as it was, so the next cell continues from the one before it.</summary>
    public void Abandon(Submission submission)
    {
        lock (_gate) _abandoned.Add(submission);
    }

    private void Commit(Submission submission, object?[]? slots)
    {
        lock (_gate)
        {
            if (_abandoned.Remove(submission) || !ReferenceEquals(submission.Compilation.ScriptCompilationInfo!.PreviousScriptCompilation, _last)) return;
            if (slots is not null) _submissions = slots;
            _last = submission.Compilation;
            _pending.Clear();
            _count++;
        }
    }

    /// <summary>
    /// Runs a compiled submission on a copy of the submission array; when the run ends the submission joins the chain and the
    /// copy becomes the session's — also when the cell threw: what it defined before the exception stays, as in Roslyn
    /// scripting. A run <see cref="Abandon"/>ed before it ends never touches the chain.
    /// </summary>
    public async Task<SubmissionRun> RunAsync(Submission submission, CancellationToken cancellationToken)
    {
        if (submission.Errors.Count > 0) throw new InvalidOperationException("A submission with errors cannot run.");
        if (submission.Entry is not { } entry)
        {
            Commit(submission, null); // usings or #r only: nothing to run, but later cells see them
            return new SubmissionRun(null, null);
        }
        cancellationToken.ThrowIfCancellationRequested();
        object?[] slots;
        lock (_gate)
        {
            var size = _submissions.Length;
            while (size <= _count + 1) size *= 2; // the submission's slot is at most _count + 1 (slot 0 is the globals)
            slots = new object?[size];
            Array.Copy(_submissions, slots, _submissions.Length);
        }
        try
        {
            var value = await entry(slots).ConfigureAwait(false);
            Commit(submission, slots);
            return new SubmissionRun(value, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Commit(submission, slots);
            return new SubmissionRun(null, e);
        }
    }

    /// <summary>The session's variables, latest definition last: public fields of the submissions that ran.</summary>
    public IEnumerable<(string Name, Type Type, object? Value)> Variables()
    {
        var submissions = _submissions;
        for (var i = 1; i < submissions.Length; i++)
        {
            if (submissions[i] is not { } submission) continue;
            foreach (var field in submission.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public))
            {
                if (field.Name.StartsWith('<') || field.FieldType == _globalsType) continue;
                yield return (field.Name, field.FieldType, field.GetValue(submission));
            }
        }
    }
}
