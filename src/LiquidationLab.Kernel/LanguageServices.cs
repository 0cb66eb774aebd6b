using System.Reflection;
using System.Xml.Linq;
using LiquidationLab.Notebooks.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace LiquidationLab.Kernel;

/// <summary>
/// Completion, inspection and completeness checks on the session's Roslyn state: the code being typed is compiled as
/// the next submission (not run), and its semantic model answers at the cursor.
/// </summary>
internal static class LanguageServices
{
    private static (SemanticModel Model, SyntaxTree Tree) Analyse(ScriptSession session, string code)
    {
        Script script = session.State is { } state
            ? state.Script.ContinueWith(code, session.Options)
            : CSharpScript.Create(code, session.Options, typeof(NotebookContext));
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Last();
        return (compilation.GetSemanticModel(tree), tree);
    }

    /// <summary>Names valid at <paramref name="cursor"/>, members after a dot; the replaced span.</summary>
    public static (IReadOnlyList<string> Matches, int Start, int End) Complete(ScriptSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
        var prefix = code[start..cursor];
        var (model, tree) = Analyse(session, code);
        IEnumerable<ISymbol> symbols;
        if (start > 0 && code[start - 1] == '.')
        {
            var token = tree.GetRoot().FindToken(start - 1);
            var access = token.Parent as MemberAccessExpressionSyntax;
            var left = access?.Expression;
            if (left is null) return ([], start, cursor);
            var type = model.GetTypeInfo(left).Type;
            var container = type as INamespaceOrTypeSymbol ?? model.GetSymbolInfo(left).Symbol as INamespaceOrTypeSymbol;
            symbols = container is null ? [] : model.LookupSymbols(start, container, includeReducedExtensionMethods: true);
            if (type is null && container is ITypeSymbol) symbols = symbols.Where(s => s.IsStatic || s is ITypeSymbol);
        }
        else
        {
            symbols = model.LookupSymbols(Math.Max(0, start));
        }
        var matches = symbols.Where(s => s.CanBeReferencedByName && s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Name).Distinct().Order(StringComparer.OrdinalIgnoreCase).ToArray();
        return (matches, start, cursor);
    }

    /// <summary>Signature and documentation of the symbol at the cursor, or <c>null</c>.</summary>
    public static string? Inspect(ScriptSession session, string code, int cursor)
    {
        if (code.Length == 0) return null;
        cursor = Math.Clamp(cursor, 0, code.Length);
        var (model, tree) = Analyse(session, code);
        var token = tree.GetRoot().FindToken(Math.Max(0, cursor == code.Length ? cursor - 1 : cursor));
        if (!token.IsKind(SyntaxKind.IdentifierToken) && cursor > 0) token = tree.GetRoot().FindToken(cursor - 1);
        for (var node = token.Parent; node is not null; node = node.Parent)
        {
            var info = model.GetSymbolInfo(node);
            var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault() ?? model.GetDeclaredSymbol(node);
            if (symbol is null) continue;
            var text = symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
            if (symbol is ILocalSymbol local) text = $"{local.Type.ToDisplayString()} {local.Name}";
            var summary = Summary(symbol);
            return summary is null ? text : $"{text}\n\n{summary}";
        }
        return null;
    }

    /// <summary>The XML doc summary of a symbol from the &lt;assembly&gt;.xml file next to its assembly.</summary>
    private static string? Summary(ISymbol symbol)
    {
        var id = symbol.OriginalDefinition.GetDocumentationCommentId();
        var assembly = symbol.ContainingAssembly?.Name;
        if (id is null || assembly is null) return null;
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == assembly);
        var location = loaded is { IsDynamic: false } ? loaded.Location : null;
        if (string.IsNullOrEmpty(location)) return null;
        var xml = Path.ChangeExtension(location, ".xml");
        if (!File.Exists(xml)) return null;
        var member = Docs(xml).Descendants("member").FirstOrDefault(m => (string?)m.Attribute("name") == id);
        var text = member?.Element("summary")?.Value;
        return text is null ? null : string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static readonly Dictionary<string, XDocument> DocCache = new(StringComparer.Ordinal);

    private static XDocument Docs(string path)
    {
        lock (DocCache)
        {
            if (!DocCache.TryGetValue(path, out var doc)) DocCache[path] = doc = XDocument.Load(path);
            return doc;
        }
    }

    /// <summary><c>complete</c>, <c>incomplete</c> (with an indent) or <c>invalid</c>, as <c>is_complete_reply</c> wants.</summary>
    public static (string Status, string Indent) IsComplete(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        if (SyntaxFactory.IsCompleteSubmission(tree)) return ("complete", "");
        var open = code.Count(c => c == '{') - code.Count(c => c == '}');
        return open >= 0 ? ("incomplete", new string(' ', 4 * Math.Max(1, open))) : ("invalid", "");
    }
}
