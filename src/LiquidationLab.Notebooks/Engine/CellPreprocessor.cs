using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>A cell after magics were handled.</summary>
/// <param name="Code">C# to compile (same line numbering as the cell: removed magic lines become blank lines).</param>
/// <param name="Markdown">Markdown to display when the cell starts with <c>#!markdown</c>, else <c>null</c>.</param>
/// <param name="Error">A magic that cannot be honoured (reported as the cell's error), else <c>null</c>.</param>
/// <param name="Packages">NuGet packages to restore before the cell compiles (<c>#r "nuget: …"</c> lines outside the workspace).</param>
/// <param name="Sources">NuGet feeds added by <c>#i "nuget: URL-or-folder"</c> lines (relative folders resolved by the session).</param>
public sealed record PreparedCell(string Code, string? Markdown, string? Error, IReadOnlyList<PackageRequest>? Packages = null, IReadOnlyList<string>? Sources = null)
{
    /// <summary>The packages to restore (empty when none).</summary>
    public IReadOnlyList<PackageRequest> PackagesToRestore => Packages ?? [];

    /// <summary>The feeds to add (empty when none).</summary>
    public IReadOnlyList<string> SourcesToAdd => Sources ?? [];
}

/// <summary>
/// Cell magics compatible with .NET Interactive notebooks, and the rewrite that makes loops interruptible.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>#!markdown</c> as the first line: the rest of the cell is Markdown, displayed.</item>
/// <item><c>#!csharp</c> / <c>#!c#</c> as the first line: ignored (the cell is C#).</item>
/// <item><c>#r "nuget: Name[, Version]"</c>: nothing to do when the package is part of the workspace (already referenced);
/// otherwise the package is restored before the cell compiles (<see cref="PackageRestorer"/>).</item>
/// <item><c>#i "nuget: URL-or-folder"</c>: adds a feed for later <c>#r "nuget:"</c> lines (as in .NET Interactive).</item>
/// <item><c>#r "path/to.dll"</c>: left to Roslyn, which loads the assembly (relative to the notebook's folder).</item>
/// </list>
/// Every loop body (<c>for</c>, <c>foreach</c>, <c>while</c>, <c>do</c>) gets a call to
/// <see cref="CellCancellation.ThrowIfCancellationRequested"/> at its start, on the same line, so an interrupt or a
/// cell timeout stops even a tight CPU loop (threads cannot be aborted in .NET).
/// </remarks>
public static partial class CellPreprocessor
{
    /// <summary>NuGet package ids the session already references (case-insensitive).</summary>
    public static IReadOnlyCollection<string> WorkspacePackages { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "DuckDB.NET.Data.Full", "DuckDB.NET.Data", "DuckDB.NET.Bindings.Full", "Plotly.NET", "Plotly.NET.CSharp", "Microsoft.Data.Analysis",
        "MathNet.Numerics", "Markdig", "LiquidationLab.Core", "LiquidationLab.Data", "LiquidationLab.Charts", "LiquidationLab.Notebooks",
        // The .NET Interactive package (and what it brings): a notebook's load cell for that kernel is a no-op here.
        "LiquidationLab.Analysis", "LiquidationLab.Formatting", "LiquidationLab.Interactive",
    };

    /// <summary>Handles magics and rewrites loops.</summary>
    public static PreparedCell Prepare(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = source.ReplaceLineEndings("\n");
        var lines = text.Split('\n');
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        if (first is not null && (first.Equals("#!markdown", StringComparison.OrdinalIgnoreCase) || first.Equals("#!md", StringComparison.OrdinalIgnoreCase)))
        {
            var idx = Array.FindIndex(lines, l => l.Trim().Length > 0);
            return new PreparedCell("", string.Join('\n', lines.Skip(idx + 1)), null);
        }
        List<PackageRequest>? packages = null;
        List<string>? sources = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Equals("#!csharp", StringComparison.OrdinalIgnoreCase) || line.Equals("#!c#", StringComparison.OrdinalIgnoreCase))
            {
                lines[i] = "";
                continue;
            }
            var feed = NugetSource().Match(line);
            if (feed.Success)
            {
                (sources ??= []).Add(feed.Groups[1].Value.Trim());
                lines[i] = "";
                continue;
            }
            var nuget = NugetReference().Match(line);
            if (!nuget.Success) continue;
            var id = nuget.Groups[1].Value.Trim();
            if (!WorkspacePackages.Contains(id))
                (packages ??= []).Add(new PackageRequest(i, id, nuget.Groups[2].Success && nuget.Groups[2].Value.Trim().Length > 0 ? nuget.Groups[2].Value.Trim() : null));
            lines[i] = "";
        }
        return new PreparedCell(MakeLoopsInterruptible(string.Join('\n', lines)), null, null, packages, sources);
    }

    /// <summary>Inserts the cancellation check at the start of every loop body, keeping line numbers.</summary>
    public static string MakeLoopsInterruptible(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        var root = tree.GetRoot();
        if (!root.DescendantNodes().Any(n => n is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax))
            return code;
        return new LoopRewriter().Visit(root).ToFullString();
    }

    [GeneratedRegex(@"^#r\s+""nuget:\s*([^,""]+)(?:,\s*([^""]*))?""\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex NugetReference();

    [GeneratedRegex(@"^#i\s+""nuget:\s*([^""]+)""\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex NugetSource();

    private sealed class LoopRewriter : CSharpSyntaxRewriter
    {
        private static readonly StatementSyntax Check = SyntaxFactory.ParseStatement(
            "global::LiquidationLab.Notebooks.Engine.CellCancellation.ThrowIfCancellationRequested(); ");

        private static BlockSyntax Guard(StatementSyntax body)
        {
            if (body is BlockSyntax block)
                return block.WithStatements(block.Statements.Insert(0, Check.WithLeadingTrivia(SyntaxFactory.Space)));
            return SyntaxFactory.Block(Check, body.WithoutTrailingTrivia())
                .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.Space))
                .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(body.GetLeadingTrivia())
                .WithTrailingTrivia(body.GetTrailingTrivia());
        }

        public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
        {
            var n = (ForStatementSyntax)base.VisitForStatement(node)!;
            return n.WithStatement(Guard(n.Statement));
        }

        public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
        {
            var n = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
            return n.WithStatement(Guard(n.Statement));
        }

        public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
        {
            var n = (WhileStatementSyntax)base.VisitWhileStatement(node)!;
            return n.WithStatement(Guard(n.Statement));
        }

        public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
        {
            var n = (DoStatementSyntax)base.VisitDoStatement(node)!;
            return n.WithStatement(Guard(n.Statement));
        }
    }
}

/// <summary>
/// The cancellation token of the running cell, checked by rewritten loops. It flows with the cell's execution context
/// (an <see cref="AsyncLocal{T}"/>), so concurrent sessions in one process do not see each other's tokens.
/// </summary>
public static class CellCancellation
{
    private static readonly AsyncLocal<CancellationToken> Token = new();

    /// <summary>The running cell's token (<see cref="CancellationToken.None"/> outside cells).</summary>
    public static CancellationToken Current
    {
        get => Token.Value;
        internal set => Token.Value = value;
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the running cell was interrupted or timed out.</summary>
    public static void ThrowIfCancellationRequested() => Token.Value.ThrowIfCancellationRequested();
}
