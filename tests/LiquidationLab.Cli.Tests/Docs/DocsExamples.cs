using System.Text;
using System.Text.RegularExpressions;

namespace LiquidationLab.Cli.Tests.Docs;

/// <summary>One shell command of a documentation page, as written there.</summary>
/// <param name="Page">The page, relative to the repository root (e.g. <c>docs/api.md</c>).</param>
/// <param name="Line">1-based line of the command's first line on the page.</param>
/// <param name="Command">The command, continuation lines (<c>\</c> at the end) joined.</param>
/// <param name="SkipReason">Why the page says it is not run (<c>no-run: reason</c>), or <c>null</c> when it is run.</param>
internal sealed record DocExample(string Page, int Line, string Command, string? SkipReason)
{
    /// <summary><c>page:line</c>, as a reader finds it.</summary>
    public string Where => $"{Page}:{Line}";
}

/// <summary>
/// Extracts the shell examples of the documentation (fenced <c>bash</c>, <c>sh</c> and <c>shell</c> blocks) and rewrites
/// them to run against the built CLI and a temporary server. A block that cannot run in CI says so with its reason,
/// either in the fence's info string (<c>```bash no-run: reason</c>) or in an HTML comment on the line right before the
/// opening fence or right after the closing one (<c>&lt;!-- no-run: reason --&gt;</c>).
/// </summary>
internal static partial class DocsExamples
{
    private static readonly HashSet<string> ShellLanguages = new(StringComparer.OrdinalIgnoreCase) { "bash", "sh", "shell" };

    /// <summary>The documented port of <c>liqlab serve</c> (its default URL).</summary>
    public const string DocumentedServer = "127.0.0.1:5080";

    [GeneratedRegex(@"^\s*```\s*(?<lang>[A-Za-z0-9_+-]*)\s*(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*no-run\b(?<reason>.*?)-->\s*$")]
    private static partial Regex NoRunComment();

    [GeneratedRegex(@"dotnet run (?:-c \w+ )?--project src/LiquidationLab\.Cli/? --(?= |$)")]
    private static partial Regex DotnetRunCli();

    [GeneratedRegex(@"(?<=^|[\s;&|(])\./liqlab(?= |$)")]
    private static partial Regex Launcher();

    [GeneratedRegex(@"(?:localhost|127\.0\.0\.1):5080")]
    private static partial Regex DocumentedAuthority();

    /// <summary>Every shell command on <paramref name="page"/>, in page order.</summary>
    /// <param name="page">The page's path relative to the repository root, for messages.</param>
    /// <param name="markdown">The page's text.</param>
    /// <exception cref="FormatException">A block is marked <c>no-run</c> without a reason, or a fence is not closed.</exception>
    public static IReadOnlyList<DocExample> Extract(string page, string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var examples = new List<DocExample>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success) continue;
            var close = i + 1;
            while (close < lines.Length && !Fence().IsMatch(lines[close]) ) close++;
            if (close >= lines.Length) throw new FormatException($"{page}:{i + 1}: the code block is never closed.");
            if (Fence().Match(lines[close]) is { } c && c.Groups["lang"].Length + c.Groups["info"].Value.Trim().Length > 0)
                throw new FormatException($"{page}:{close + 1}: a code block opens inside the one opened on line {i + 1}.");
            if (ShellLanguages.Contains(open.Groups["lang"].Value))
            {
                var reason = SkipReason(page, i + 1, open.Groups["info"].Value)
                             ?? (i > 0 ? CommentReason(page, i, lines[i - 1]) : null)
                             ?? (close + 1 < lines.Length ? CommentReason(page, close + 2, lines[close + 1]) : null);
                examples.AddRange(Commands(page, lines, i + 1, close, reason));
            }
            i = close;
        }
        return examples;
    }

    private static string? SkipReason(string page, int line, string info)
    {
        info = info.Trim();
        if (!info.StartsWith("no-run", StringComparison.Ordinal)) return null;
        var reason = info["no-run".Length..].TrimStart(':', ' ', '-').Trim();
        return reason.Length > 0 ? reason : throw new FormatException($"{page}:{line}: 'no-run' needs a reason (```bash no-run: why it cannot run in CI).");
    }

    private static string? CommentReason(string page, int line, string text)
    {
        var m = NoRunComment().Match(text);
        if (!m.Success) return null;
        var reason = m.Groups["reason"].Value.TrimStart(':', ' ', '-').Trim();
        return reason.Length > 0 ? reason : throw new FormatException($"{page}:{line}: 'no-run' needs a reason (<!-- no-run: why it cannot run in CI -->).");
    }

    private static IEnumerable<DocExample> Commands(string page, string[] lines, int from, int to, string? reason)
    {
        var command = new StringBuilder();
        var first = 0;
        for (var i = from; i < to; i++)
        {
            var text = lines[i].TrimEnd();
            if (command.Length == 0)
            {
                if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#')) continue;
                first = i + 1;
            }
            if (text.EndsWith('\\'))
            {
                command.Append(text.AsSpan(0, text.Length - 1).TrimEnd()).Append(' ');
                continue;
            }
            command.Append(text.Trim());
            yield return new DocExample(page, first, command.ToString().Trim(), reason);
            command.Clear();
        }
        if (command.Length > 0) yield return new DocExample(page, first, command.ToString().Trim(), reason);
    }

    /// <summary>
    /// The command as the test runs it: <c>dotnet run --project src/LiquidationLab.Cli --</c> (with or without
    /// <c>-c Release</c>) and <c>./liqlab</c> become <c>dotnet exec</c> of the built <c>liqlab.dll</c>, and the documented
    /// server address (<c>127.0.0.1:5080</c> or <c>localhost:5080</c>) becomes <paramref name="serverAuthority"/>.
    /// </summary>
    /// <param name="command">A documented command.</param>
    /// <param name="liqlabDll">Full path of the built <c>liqlab.dll</c>.</param>
    /// <param name="serverAuthority"><c>host:port</c> of the temporary server.</param>
    public static string Rewrite(string command, string liqlabDll, string serverAuthority)
    {
        var exec = $"dotnet exec '{liqlabDll}'";
        command = DotnetRunCli().Replace(command, exec.Replace("$", "$$", StringComparison.Ordinal));
        command = Launcher().Replace(command, exec.Replace("$", "$$", StringComparison.Ordinal));
        return DocumentedAuthority().Replace(command, serverAuthority);
    }

    [GeneratedRegex(@"(?<![&>])&\s*(?:#.*)?$")]
    private static partial Regex TrailingAmpersand();

    /// <summary>Whether a command starts a background process (ends with <c>&amp;</c>), which would outlive its test step.</summary>
    public static bool RunsInBackground(string command) => TrailingAmpersand().IsMatch(command);

    /// <summary>Whether a documented command still needs the source tree's build (a <c>dotnet</c> command the rewrite left).</summary>
    public static bool BuildsFromSource(string rewritten) => rewritten.Contains("dotnet run", StringComparison.Ordinal);
}
