using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiquidationLab.Notebooks.Running;

/// <summary>A parameter declared in a notebook's <c>parameters</c> cell.</summary>
/// <param name="Name">Variable name.</param>
/// <param name="Type">Declared type, or the literal's type for <c>var</c> (string, int, long, double, decimal, bool, DateTime).</param>
/// <param name="DefaultSource">The default as written.</param>
public sealed record NotebookParameter(string Name, string Type, string DefaultSource);

/// <summary>
/// papermill's convention for C#: the cell tagged <c>parameters</c> declares defaults (<c>var x = 1.5;</c> or
/// <c>double x = 1.5;</c>); overrides from <c>-p name=value</c> are typed from those declarations and injected in a new
/// cell tagged <c>injected-parameters</c> right after it.
/// </summary>
public static class Parameters
{
    /// <summary>Declarations of a parameters cell, in order.</summary>
    public static IReadOnlyList<NotebookParameter> Parse(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var list = new List<NotebookParameter>();
        foreach (var decl in tree.GetRoot().DescendantNodes().OfType<VariableDeclarationSyntax>())
        {
            foreach (var v in decl.Variables)
            {
                var init = v.Initializer?.Value;
                var type = decl.Type.IsVar ? Infer(init) : decl.Type.ToString();
                list.Add(new NotebookParameter(v.Identifier.Text, type, init?.ToString() ?? ""));
            }
        }
        return list;
    }

    private static string Infer(ExpressionSyntax? e) => e switch
    {
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.StringLiteralExpression) => "string",
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.TrueLiteralExpression) || l.IsKind(SyntaxKind.FalseLiteralExpression) => "bool",
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.NumericLiteralExpression) => l.Token.Value switch
        {
            int => "int", long => "long", decimal => "decimal", float => "float", _ => "double",
        },
        PrefixUnaryExpressionSyntax p => Infer(p.Operand),
        _ => "string",
    };

    /// <summary>The C# of the injected cell for <paramref name="overrides"/>.</summary>
    /// <exception cref="ArgumentException">A name not declared in the parameters cell, or a value not of its type.</exception>
    public static string Inject(IReadOnlyList<NotebookParameter> declared, IReadOnlyDictionary<string, string> overrides)
    {
        var lines = new List<string> { "// Injected parameters" };
        foreach (var (name, value) in overrides)
        {
            var p = declared.FirstOrDefault(d => d.Name == name)
                ?? throw new ArgumentException($"Parameter '{name}' is not declared in the notebook's parameters cell (declared: {string.Join(", ", declared.Select(d => d.Name))}).");
            lines.Add($"{name} = {Literal(p, value)};");
        }
        return string.Join('\n', lines);
    }

    private static string Literal(NotebookParameter p, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        string Bad() => throw new ArgumentException($"Parameter '{p.Name}' is {p.Type}; '{value}' is not a valid {p.Type}.");
        return p.Type.TrimEnd('?') switch
        {
            "string" or "String" => SymbolDisplay.FormatLiteral(value, quote: true),
            "int" or "Int32" => int.TryParse(value, NumberStyles.Integer, inv, out var i) ? i.ToString(inv) : Bad(),
            "long" or "Int64" => long.TryParse(value, NumberStyles.Integer, inv, out var l) ? l.ToString(inv) + "L" : Bad(),
            "double" or "Double" => double.TryParse(value, NumberStyles.Float, inv, out var d) ? d.ToString("R", inv) + "d" : Bad(),
            "float" or "Single" => float.TryParse(value, NumberStyles.Float, inv, out var f) ? f.ToString("R", inv) + "f" : Bad(),
            "decimal" or "Decimal" => decimal.TryParse(value, NumberStyles.Float, inv, out var m) ? m.ToString(inv) + "m" : Bad(),
            "bool" or "Boolean" => bool.TryParse(value, out var b) ? (b ? "true" : "false") : Bad(),
            "DateTime" => DateTime.TryParse(value, inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                ? $"new System.DateTime({t.Ticks}L, System.DateTimeKind.Utc)" : Bad(),
            _ => throw new ArgumentException($"Parameter '{p.Name}' has type {p.Type}, which cannot be set from the command line (use string, numbers, bool or DateTime)."),
        };
    }
}
