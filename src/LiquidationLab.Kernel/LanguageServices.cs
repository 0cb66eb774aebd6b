using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using LiquidationLab.Notebooks.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiquidationLab.Kernel;

/// <summary>One completion: the text and its kind (Jupyter's <c>_jupyter_types_experimental</c> type names).</summary>
/// <param name="Text">The name inserted.</param>
/// <param name="Kind"><c>variable</c>, <c>property</c>, <c>field</c>, <c>method</c>, <c>class</c>, <c>namespace</c>, <c>keyword</c>…</param>
/// <param name="Signature">A one-line signature shown beside it.</param>
internal sealed record Completion(string Text, string Kind, string Signature);

/// <summary>What <c>inspect_request</c> shows: plain text and Markdown.</summary>
/// <param name="Text">Plain text.</param>
/// <param name="Markdown">The same as Markdown (front ends that render it show code blocks and emphasis).</param>
internal sealed record Inspection(string Text, string Markdown);

/// <summary>
/// Completion, inspection, signature help and completeness checks on the session's Roslyn state: the code being typed is
/// compiled as the next submission (not run) against every assembly a cell could use, and its semantic model answers at
/// the cursor. Inspection of a session variable adds its current value.
/// </summary>
internal static class LanguageServices
{
    private static (SemanticModel Model, SyntaxTree Tree) Analyse(ScriptSession session, string code)
    {
        var compilation = session.AnalysisCompilation(code);
        var tree = compilation.SyntaxTrees.Last();
        return (compilation.GetSemanticModel(tree), tree);
    }

    /// <summary>
    /// Names valid at <paramref name="cursor"/> (members after a dot), ranked: names that start with the typed prefix in
    /// the same case first, then the session's variables and locals, members, types, namespaces; alphabetical within a rank.
    /// </summary>
    public static (IReadOnlyList<Completion> Matches, int Start, int End) Complete(ScriptSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
        var prefix = code[start..cursor];
        var (model, tree) = Analyse(session, code);
        IEnumerable<ISymbol> symbols;
        var memberAccess = start > 0 && code[start - 1] == '.';
        if (memberAccess)
        {
            var token = tree.GetRoot().FindToken(start - 1);
            var left = (token.Parent as MemberAccessExpressionSyntax)?.Expression ?? (token.Parent as QualifiedNameSyntax)?.Left;
            if (left is null) return ([], start, cursor);
            var type = model.GetTypeInfo(left).Type;
            var container = model.GetSymbolInfo(left).Symbol as INamespaceOrTypeSymbol ?? type;
            symbols = container is null ? [] : model.LookupSymbols(start, container, includeReducedExtensionMethods: true);
            if (container is ITypeSymbol && model.GetSymbolInfo(left).Symbol is ITypeSymbol) symbols = symbols.Where(s => s.IsStatic || s is ITypeSymbol);
        }
        else
        {
            symbols = model.LookupSymbols(Math.Max(0, start));
        }
        var found = symbols.Where(s => s.CanBeReferencedByName && s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(s => s.Name, StringComparer.Ordinal)
            .Select(g => (Symbol: g.First(), Overloads: g.Count()))
            .ToList();
        var keywords = memberAccess || prefix.Length == 0 ? [] : Keywords.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && found.All(f => f.Symbol.Name != k));
        var ranked = found
            .OrderBy(f => f.Symbol.Name.StartsWith(prefix, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(f => Rank(f.Symbol))
            .ThenBy(f => f.Symbol.Name, StringComparer.OrdinalIgnoreCase)
            .Select(f => new Completion(f.Symbol.Name, Kind(f.Symbol), Signature(f.Symbol) + (f.Overloads > 1 ? $" (+{f.Overloads - 1} overloads)" : "")))
            .Concat(keywords.Select(k => new Completion(k, "keyword", k)))
            .ToList();
        return (ranked, start, cursor);
    }

    private static readonly string[] Keywords =
    [
        "async", "await", "bool", "break", "case", "catch", "class", "const", "continue", "decimal", "default", "double", "else", "enum", "false", "finally",
        "float", "for", "foreach", "if", "in", "int", "interface", "is", "long", "new", "null", "object", "out", "record", "return", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "using", "var", "void", "while", "yield",
    ];

    private static int Rank(ISymbol s) => s switch
    {
        ILocalSymbol or IParameterSymbol or IRangeVariableSymbol => 0,
        IFieldSymbol { ContainingType.IsScriptClass: true } or IPropertySymbol { ContainingType.IsScriptClass: true } => 0, // the session's variables
        IMethodSymbol { IsExtensionMethod: true } or IMethodSymbol { MethodKind: MethodKind.ReducedExtension } => 2,
        IPropertySymbol or IFieldSymbol or IEventSymbol or IMethodSymbol => 1,
        ITypeSymbol => 3,
        INamespaceSymbol => 4,
        _ => 5,
    };

    private static string Kind(ISymbol s) => s switch
    {
        ILocalSymbol or IParameterSymbol or IRangeVariableSymbol => "variable",
        IFieldSymbol { ContainingType.IsScriptClass: true } => "variable",
        IFieldSymbol { IsConst: true } => "constant",
        IFieldSymbol => "field",
        IPropertySymbol => "property",
        IEventSymbol => "event",
        IMethodSymbol => "method",
        INamedTypeSymbol { TypeKind: TypeKind.Interface } => "interface",
        INamedTypeSymbol { TypeKind: TypeKind.Enum } => "enum",
        INamedTypeSymbol { TypeKind: TypeKind.Struct } => "struct",
        ITypeSymbol => "class",
        INamespaceSymbol => "namespace",
        _ => "text",
    };

    private static string Signature(ISymbol s) => s switch
    {
        ILocalSymbol l => $"{l.Type.ToDisplayString(Short)} {l.Name}",
        IFieldSymbol f => $"{f.Type.ToDisplayString(Short)} {f.Name}",
        IPropertySymbol p => $"{p.Type.ToDisplayString(Short)} {p.Name}",
        _ => s.ToDisplayString(Short),
    };

    private static readonly SymbolDisplayFormat Short = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeContainingType)
        .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName | SymbolDisplayParameterOptions.IncludeDefaultValue
                              | SymbolDisplayParameterOptions.IncludeParamsRefOut);

    /// <summary>
    /// What the cursor is on, or null. Inside an argument list: every overload of the method (or constructor) being called,
    /// the parameter being typed marked, with its documentation (signature help). On a session variable: its type, current
    /// value and the type's documentation. On any other symbol: its signature, summary, parameters, return value and
    /// exceptions from the XML documentation shipped beside its assembly.
    /// </summary>
    public static Inspection? Inspect(ScriptSession session, string code, int cursor)
    {
        if (code.Length == 0) return null;
        cursor = Math.Clamp(cursor, 0, code.Length);
        var (model, tree) = Analyse(session, code);
        var root = tree.GetRoot();
        // On a name (the cursor in it or just after it): that symbol. Elsewhere inside a call's parentheses: signature help.
        SyntaxToken? name = null;
        foreach (var at in new[] { cursor - 1, cursor })
        {
            if (at < 0 || at >= code.Length + 1) continue;
            var t = root.FindToken(Math.Min(at, Math.Max(0, code.Length - 1)));
            if (t.IsKind(SyntaxKind.IdentifierToken) && t.Span.Start <= cursor && cursor <= t.Span.End) { name = t; break; }
        }
        if (name is { } token)
        {
            for (var node = token.Parent; node is not null; node = node.Parent)
            {
                var info = model.GetSymbolInfo(node);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault() ?? model.GetDeclaredSymbol(node);
                if (symbol is not null) return Describe(session, symbol);
                if (node is StatementSyntax) break;
            }
        }
        return SignatureHelp(model, root, cursor);
    }

    private static Inspection Describe(ScriptSession session, ISymbol symbol)
    {
        var text = new StringBuilder();
        var md = new StringBuilder();
        var isVariable = symbol is ILocalSymbol || symbol is IFieldSymbol { ContainingType.IsScriptClass: true };
        var type = symbol switch { ILocalSymbol l => l.Type, IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, IParameterSymbol p => p.Type, _ => null };
        var signature = isVariable || symbol is IParameterSymbol ? $"{type!.ToDisplayString(Short)} {symbol.Name}" : symbol.ToDisplayString(Short);
        text.Append(signature);
        md.Append("```csharp\n").Append(signature).Append("\n```\n");
        if (isVariable && session.TryGetVariable(symbol.Name, out var current))
        {
            var value = ValueSummary(current);
            text.Append("\nvalue: ").Append(value);
            md.Append("\n**value:** `").Append(value.Replace("`", "'", StringComparison.Ordinal)).Append("`\n");
            if (current is { } v && type is not null && v.GetType().Name != type.MetadataName)
            {
                text.Append("\nruntime type: ").Append(v.GetType().Name);
                md.Append("\n**runtime type:** `").Append(v.GetType().Name).Append("`\n");
            }
        }
        // Documentation: the symbol's own; for a variable, its type's.
        var documented = isVariable || symbol is IParameterSymbol ? (ISymbol?)type : symbol;
        if (documented is not null && Documentation(documented) is { } doc)
        {
            if (isVariable) { text.Append("\n\n").Append(documented.ToDisplayString(Short)).Append(':'); md.Append("\n`").Append(documented.ToDisplayString(Short)).Append("`:"); }
            text.Append("\n\n").Append(doc.Summary);
            md.Append("\n\n").Append(doc.Summary).Append('\n');
            foreach (var (name, description) in doc.Parameters)
            {
                text.Append("\n  ").Append(name).Append(": ").Append(description);
                md.Append("\n- `").Append(name).Append("`: ").Append(description);
            }
            if (doc.Returns is { } returns) { text.Append("\nReturns: ").Append(returns); md.Append("\n\n**Returns:** ").Append(returns); }
            foreach (var (exception, when) in doc.Exceptions)
            {
                text.Append("\nThrows ").Append(exception).Append(": ").Append(when);
                md.Append("\n\n**Throws** `").Append(exception).Append("`: ").Append(when);
            }
        }
        return new Inspection(text.ToString(), md.ToString().TrimEnd() + "\n");
    }

    /// <summary>Every overload of the call whose argument list holds the cursor, the current parameter marked.</summary>
    private static Inspection? SignatureHelp(SemanticModel model, SyntaxNode root, int cursor)
    {
        var list = root.FindToken(Math.Max(0, cursor - 1)).Parent?.AncestorsAndSelf().OfType<BaseArgumentListSyntax>()
            .FirstOrDefault(a => a.OpenBracketOrParen().Span.End <= cursor && (a.CloseBracketOrParen().IsMissing || cursor <= a.CloseBracketOrParen().SpanStart));
        if (list?.Parent is not { } call) return null;
        var index = list.Arguments.Count(a => a.Span.End < cursor && list.Arguments.GetSeparators().Any(s => s.SpanStart >= a.Span.End && s.SpanStart < cursor));
        IEnumerable<IMethodSymbol> overloads = call switch
        {
            InvocationExpressionSyntax inv => model.GetMemberGroup(inv.Expression).OfType<IMethodSymbol>(),
            BaseObjectCreationExpressionSyntax create => (model.GetTypeInfo(create).Type as INamedTypeSymbol)?.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public) ?? [],
            _ => [],
        };
        var methods = overloads.ToList();
        if (methods.Count == 0) return null;
        // The overload being typed: the one the compiler picked, else the first (fewest parameters) that can take this many
        // arguments and whose parameters accept the arguments typed so far.
        var typed = list.Arguments.Take(index).ToList();
        bool Accepts(IMethodSymbol m) => (m.Parameters.Length > index || m.Parameters.LastOrDefault()?.IsParams == true)
            && typed.Select((a, i) => i < m.Parameters.Length && model.ClassifyConversion(a.Expression, m.Parameters[i].Type).IsImplicit).All(ok => ok);
        var chosen = model.GetSymbolInfo(call).Symbol as IMethodSymbol
                     ?? methods.Where(Accepts).OrderBy(m => m.Parameters.Length).FirstOrDefault()
                     ?? methods[0];
        var text = new StringBuilder();
        var md = new StringBuilder();
        foreach (var m in methods.OrderBy(m => SymbolEqualityComparer.Default.Equals(m, chosen) ? 0 : 1).ThenBy(m => m.Parameters.Length))
        {
            var parameters = m.Parameters.Select((p, i) =>
            {
                var shown = p.ToDisplayString(Short);
                return i == Math.Min(index, m.Parameters.Length - 1) && (i == index || p.IsParams) ? (Text: $"[{shown}]", Md: $"**{shown}**") : (Text: shown, Md: shown);
            }).ToList();
            var name = m.MethodKind == MethodKind.Constructor ? m.ContainingType.ToDisplayString(Short) : $"{m.ReturnType.ToDisplayString(Short)} {m.ContainingType.Name}.{m.Name}";
            text.Append(name).Append('(').AppendJoin(", ", parameters.Select(p => p.Text)).Append(")\n");
            md.Append("- `").Append(name).Append("(`").AppendJoin("`, `", parameters.Select(p => p.Md)).Append("`)`\n");
        }
        if (Documentation(chosen) is { } doc)
        {
            text.Append('\n').Append(doc.Summary);
            md.Append('\n').Append(doc.Summary).Append('\n');
            if (index < chosen.Parameters.Length && doc.Parameters.FirstOrDefault(p => p.Name == chosen.Parameters[index].Name) is { Name: not null } current)
            {
                text.Append('\n').Append(current.Name).Append(": ").Append(current.Description);
                md.Append("\n**").Append(current.Name).Append("**: ").Append(current.Description).Append('\n');
            }
        }
        return new Inspection(text.ToString().TrimEnd(), md.ToString());
    }

    /// <summary>A short, safe description of a value: numbers and strings as themselves, collections with their count,
    /// tables with their shape, anything else by its <c>ToString</c> (cut at 200 characters).</summary>
    internal static string ValueSummary(object? value)
    {
        static string Cut(string s) => s.Length > 200 ? s[..199] + "…" : s;
        try
        {
            return value switch
            {
                null => "null",
                string s => Cut("\"" + s + "\""),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f when value.GetType().IsPrimitive || value is decimal || value is DateTime || value is DateTimeOffset || value is TimeSpan =>
                    f.ToString(null, CultureInfo.InvariantCulture),
                Microsoft.Data.Analysis.DataFrame df => $"DataFrame {df.Rows.Count:N0} rows × {df.Columns.Count} columns ({string.Join(", ", df.Columns.Take(8).Select(c => c.Name))}{(df.Columns.Count > 8 ? ", …" : "")})",
                Array a => $"{a.GetType().GetElementType()?.Name}[{string.Join(", ", Enumerable.Range(0, a.Rank).Select(a.GetLength))}]" + Preview(a),
                ICollection c => $"{c.GetType().Name.Split('`')[0]} with {c.Count:N0} items" + Preview(c),
                _ => Cut(value.ToString() ?? value.GetType().Name),
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"<{e.GetType().Name} from ToString>";
        }

        static string Preview(IEnumerable items)
        {
            var shown = items.Cast<object?>().Take(5).Select(i => i is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : i?.ToString() ?? "null").ToList();
            return shown.Count == 0 ? "" : ": " + Cut(string.Join(", ", shown)) + (items.Cast<object?>().Skip(5).Any() ? ", …" : "");
        }
    }

    private sealed record Doc(string Summary, IReadOnlyList<(string Name, string Description)> Parameters, string? Returns, IReadOnlyList<(string Exception, string When)> Exceptions);

    /// <summary>
    /// The XML documentation of a symbol: the &lt;assembly&gt;.xml file next to its assembly (ours, and packages that ship
    /// one), else — for the framework, which cells compile against as reference assemblies — the one the .NET SDK's
    /// reference pack ships (<see cref="FrameworkDocsDirectory"/>; none on a machine with the runtime alone).
    /// </summary>
    private static Doc? Documentation(ISymbol symbol)
    {
        var id = symbol.OriginalDefinition.GetDocumentationCommentId();
        var assembly = symbol.ContainingAssembly?.Name;
        if (id is null || assembly is null) return null;
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == assembly);
        var location = loaded is { IsDynamic: false } ? loaded.Location : null;
        var xml = string.IsNullOrEmpty(location) ? null : Path.ChangeExtension(location, ".xml");
        if (xml is null || !File.Exists(xml)) xml = FrameworkDocsDirectory is { } framework ? Path.Combine(framework, assembly + ".xml") : null;
        if (xml is null || !File.Exists(xml) || !Docs(xml).TryGetValue(id, out var member)) return null;
        var summary = Flatten(member.Element("summary"));
        if (summary.Length == 0 && member.Element("inheritdoc") is not null) summary = "(documented on the member it implements)";
        return new Doc(summary,
            member.Elements("param").Select(p => ((string?)p.Attribute("name") ?? "", Flatten(p))).ToList(),
            member.Element("returns") is { } r ? Flatten(r) : null,
            member.Elements("exception").Select(e => (((string?)e.Attribute("cref") ?? "").Split('.').Last(), Flatten(e))).ToList());
    }

    /// <summary>Element text with <c>&lt;see cref&gt;</c>, <c>&lt;paramref&gt;</c> and <c>&lt;c&gt;</c> kept as their names, whitespace collapsed.</summary>
    private static string Flatten(XElement? element)
    {
        if (element is null) return "";
        var sb = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            sb.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "see" or "seealso" } e => ((string?)e.Attribute("cref"))?.Split(':').Last().Split('(')[0].Split('.').Last().Split('`')[0]
                                                                       ?? (string?)e.Attribute("langword") ?? e.Value,
                XElement { Name.LocalName: "paramref" or "typeparamref" } e => (string?)e.Attribute("name") ?? "",
                XElement e => Flatten(e),
                _ => "",
            });
        }
        return WebUtility.HtmlDecode(string.Join(' ', sb.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
    }

    private static readonly Dictionary<string, Dictionary<string, XElement>> DocCache = new(StringComparer.Ordinal);

    /// <summary>A documentation file's members by id (parsed once: System.Runtime.xml alone is 7.6 MB).</summary>
    private static Dictionary<string, XElement> Docs(string path)
    {
        lock (DocCache)
        {
            if (!DocCache.TryGetValue(path, out var members))
            {
                members = new Dictionary<string, XElement>(StringComparer.Ordinal);
                foreach (var m in XDocument.Load(path).Descendants("member"))
                    if ((string?)m.Attribute("name") is { } name) members.TryAdd(name, m);
                DocCache[path] = members;
            }
            return members;
        }
    }

    /// <summary>The XML documentation of the framework's reference assemblies: <c>packs/Microsoft.NETCore.App.Ref/&lt;newest
    /// version of this runtime's major&gt;/ref/net&lt;major&gt;.0</c> under the dotnet root this process runs from, or null
    /// when that SDK pack is not installed.</summary>
    internal static string? FrameworkDocsDirectory => LazyFrameworkDocs.Value;

    private static readonly Lazy<string?> LazyFrameworkDocs = new(() =>
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location); // <root>/shared/Microsoft.NETCore.App/<version>
        var root = runtime is null ? null : Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var packs = root is null ? null : Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
        if (packs is null || !Directory.Exists(packs)) return null;
        var major = Environment.Version.Major;
        return Directory.GetDirectories(packs)
            .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
            .Where(x => x.Version?.Major == major)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "ref", $"net{major}.0"))
            .FirstOrDefault(Directory.Exists);
    });

    /// <summary><c>complete</c>, <c>incomplete</c> (with an indent) or <c>invalid</c>, as <c>is_complete_reply</c> wants.</summary>
    public static (string Status, string Indent) IsComplete(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        if (SyntaxFactory.IsCompleteSubmission(tree)) return ("complete", "");
        var open = code.Count(c => c == '{') - code.Count(c => c == '}');
        return open >= 0 ? ("incomplete", new string(' ', 4 * Math.Max(1, open))) : ("invalid", "");
    }
}

internal static class ArgumentListExtensions
{
    public static SyntaxToken OpenBracketOrParen(this BaseArgumentListSyntax list) => list switch
    {
        ArgumentListSyntax a => a.OpenParenToken,
        BracketedArgumentListSyntax b => b.OpenBracketToken,
        _ => default,
    };

    public static SyntaxToken CloseBracketOrParen(this BaseArgumentListSyntax list) => list switch
    {
        ArgumentListSyntax a => a.CloseParenToken,
        BracketedArgumentListSyntax b => b.CloseBracketToken,
        _ => default,
    };
}
