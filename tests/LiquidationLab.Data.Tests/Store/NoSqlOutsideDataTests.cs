using System.Text;
using System.Text.RegularExpressions;
using LiquidationLab.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LiquidationLab.Data.Tests.Store;

/// <summary>
/// SQL text lives in LiquidationLab.Data only (docs/DESIGN: "nothing above Data writes SQL"). The check parses every C# file
/// of the other projects under <c>src/</c> (and the <c>liqlab bench</c> suites in <c>bench/LiquidationLab.Bench</c>) with Roslyn and looks at string literals only — plain, verbatim, raw and
/// interpolated, with the pieces of a <c>+</c> concatenation joined — never at comments or XML docs, and matches SQL
/// shapes (a keyword followed by what SQL puts after it), not single words, so English messages do not trip it.
/// Notebooks (<c>notebooks/*.ipynb</c>) are not checked: a researcher's cell querying the store with
/// <c>lab.Data.Query("SELECT …")</c> is the front end used as intended.
/// </summary>
public sealed class NoSqlOutsideDataTests
{
    [Fact]
    public void No_project_but_Data_holds_SQL_text_in_its_string_literals()
    {
        var root = RealSnapshot.RepositoryRoot;
        var projects = Directory.GetDirectories(Path.Combine(root, "src"))
            .Where(d => Path.GetFileName(d) != "LiquidationLab.Data").Append(Path.Combine(root, "bench", "LiquidationLab.Bench")).ToList();
        Assert.True(projects.Count >= 8, $"expected the solution's projects under src/, found {projects.Count}");
        var findings = new List<string>();
        var files = 0;
        foreach (var project in projects)
            foreach (var file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                files++;
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                findings.AddRange(SqlScan.Find(File.ReadAllText(file)).Select(f => $"{relative}:{f.Line}: {string.Join("+", f.Rules)}: {f.Excerpt}"));
            }
        Assert.True(files > 100, $"expected the projects' sources, found {files} files");
        Assert.True(findings.Count == 0,
            "SQL text outside LiquidationLab.Data (move the statement into a Data type and call it):\n" + string.Join("\n", findings));
    }

    [Theory]
    [InlineData("""var q = "SELECT count(*) FROM agg_trades WHERE symbol = $1";""", "select")]
    [InlineData("""var q = @"SELECT price, quantity FROM trades";""", "select")]
    [InlineData("""var q = $"SELECT {columns} FROM {table} t";""", "select")]
    [InlineData("""var q = $"{prefix} FROM {table} t";""", "from")]
    [InlineData("var q = \"\"\"\n    INSERT INTO liquidity_reports SELECT * FROM stage\n    \"\"\";", "insert")]
    [InlineData("""var q = "SELECT a, b " + "FROM " + table;""", "select")]
    [InlineData("""Execute($"DELETE FROM {table} WHERE file_id = {id}");""", "delete")]
    [InlineData("""Execute("UPDATE ingest_log SET rows = $1 WHERE id = $2");""", "update")]
    [InlineData("""Execute("CREATE TEMP TABLE t (a INTEGER)");""", "create")]
    [InlineData("""var src = $"read_parquet({path})";""", "table function")]
    [InlineData("""var g = "COPY (SELECT 1 AS x) TO 'f.csv'";""", "copy")]
    public void The_scan_finds_SQL_in_every_kind_of_string_literal(string statement, string rule)
    {
        var findings = SqlScan.Find(Wrap(statement));
        Assert.Contains(findings, f => f.Rules.Contains(rule));
        Assert.All(findings, f => Assert.Equal(5, f.Line));
    }

    [Theory]
    [InlineData("""/// <summary>Typed reads and SQL (<c>lab.Data.Query("SELECT * FROM trades")</c>).</summary>""")]
    [InlineData("""// INSERT INTO ingest_log is IngestLog's: SELECT kind FROM ingest_log WHERE sha256 = $1""")]
    [InlineData("""var m = "Select a model from the list, then insert it into the report.";""")]
    [InlineData("""var m = "Reference for the ingest case: DuckDB's own read_csv of the file into a new table, nothing else.";""")]
    [InlineData("""var m = $"Cannot update {name}: set --replace to overwrite, or delete from the folder first.";""")]
    [InlineData("""var m = "No trades from 2024-01-01 to 2024-02-01; create the table view with liqlab data ingest.";""")]
    public void The_scan_leaves_comments_docs_and_English_messages_alone(string statement) =>
        Assert.Empty(SqlScan.Find(Wrap(statement)));

    private static string Wrap(string statement) => $"class C\n{{\n    void M()\n    {{\n        {statement.ReplaceLineEndings("\n")}\n    }}\n}}\n";
}

/// <summary>Finds SQL shapes in the string literals of C# source (test support for <see cref="NoSqlOutsideDataTests"/>).</summary>
internal static class SqlScan
{
    /// <summary>One literal (or concatenation of literals) that looks like SQL.</summary>
    public sealed record Finding(int Line, IReadOnlyList<string> Rules, string Excerpt);

    private static readonly (string Rule, Regex Pattern)[] Rules =
    [
        // Keywords in capitals where English could use the word (select, from, copy); any case where the shape is SQL only.
        ("select", new Regex(@"\bSELECT\s+(\*|DISTINCT\b|[A-Za-z_][\w.]*\s*(\(|,|\s+AS\b|\s+FROM\b))", RegexOptions.CultureInvariant)),
        ("from", new Regex(@"\bFROM\s+(\(|[a-z_][a-z0-9_]*\b)", RegexOptions.CultureInvariant)),
        ("insert", new Regex(@"\binsert\s+(or\s+\w+\s+)?into\s+[a-z_""][\w.""]*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("delete", new Regex(@"\bdelete\s+from\s+[a-z_""][\w.""]*\s*(\bwhere\b|\busing\b|;|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("update", new Regex(@"\bupdate\s+[a-z_""][\w.""]*(\s+\w+)?\s+set\s+[a-z_""][\w""]*\s*=", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("create", new Regex(@"\bcreate\s+(or\s+replace\s+)?(temp(orary)?\s+)?(table|view|sequence|index|macro)\s+(if\s+not\s+exists\s+)?[a-z_""][\w.""]*\s*(\(|\bas\b|$)",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("drop/alter", new Regex(@"\b(drop|alter)\s+(table|view|sequence|index)\s+(if\s+exists\s+)?[a-z_""][\w.""]*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("table function", new Regex(@"\b(read_parquet|parquet_scan|read_csv(_auto)?|read_json(_auto|_objects)?)\s*\(", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)),
        ("copy", new Regex(@"\bCOPY\s*\(|\bCOPY\s+[a-z_][\w.]*\s+(TO|FROM)\b", RegexOptions.CultureInvariant)),
    ];

    /// <summary>The SQL-looking literals of <paramref name="source"/>, with the 1-based line where each starts.</summary>
    public static IReadOnlyList<Finding> Find(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        var root = tree.GetRoot();
        var findings = new List<Finding>();
        foreach (var node in root.DescendantNodes())
        {
            string? text;
            if (node is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } add && add.Parent is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression })
            {
                // A concatenation: its pieces joined (a non-literal piece stands as a placeholder name).
                var pieces = Flatten(add).ToList();
                if (!pieces.Any(IsStringLiteral)) continue;
                text = string.Concat(pieces.Select(p => TextOf(p) ?? "x"));
            }
            else if (IsStringLiteral(node) && node.Parent is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression })
            {
                text = TextOf(node);
            }
            else
            {
                continue;
            }
            if (text is null) continue;
            var matched = Rules.Where(r => r.Pattern.IsMatch(text)).Select(r => r.Rule).ToList();
            if (matched.Count == 0) continue;
            var line = tree.GetLineSpan(node.Span).StartLinePosition.Line + 1;
            var excerpt = text.ReplaceLineEndings(" ").Trim();
            findings.Add(new Finding(line, matched, excerpt.Length <= 100 ? excerpt : excerpt[..100] + "…"));
        }
        return findings;
    }

    private static IEnumerable<ExpressionSyntax> Flatten(ExpressionSyntax e) =>
        e is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } b ? Flatten(b.Left).Concat(Flatten(b.Right)) : [e];

    private static bool IsStringLiteral(SyntaxNode node) =>
        node is InterpolatedStringExpressionSyntax
        || node is LiteralExpressionSyntax l && (l.IsKind(SyntaxKind.StringLiteralExpression) || l.IsKind(SyntaxKind.Utf8StringLiteralExpression));

    /// <summary>The literal's text (an interpolation stands as a placeholder name), or null when the node is no string literal.</summary>
    private static string? TextOf(SyntaxNode node)
    {
        switch (node)
        {
            case LiteralExpressionSyntax l when IsStringLiteral(l):
                return l.Token.ValueText;
            case InterpolatedStringExpressionSyntax i:
                var sb = new StringBuilder();
                foreach (var part in i.Contents)
                    sb.Append(part is InterpolatedStringTextSyntax t ? t.TextToken.ValueText : "x");
                return sb.ToString();
            case ParenthesizedExpressionSyntax p:
                return TextOf(p.Expression);
            default:
                return null;
        }
    }
}
