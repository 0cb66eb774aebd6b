using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using LiquidationLab.TestSupport;
using Xunit.Abstractions;

namespace LiquidationLab.Cli.Tests.Docs;

/// <summary>
/// The documentation's examples run: every <c>bash</c>/<c>sh</c> block of README.md and docs/*.md, command by command,
/// against the built CLI, a temporary copy of the store loaded with <c>data/real</c> and a temporary <c>liqlab serve</c>
/// on a free loopback port. A non-zero exit (curl: HTTP ≥ 400) fails the test naming the page, the line and the command.
/// </summary>
public sealed partial class DocsExamplesTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-docs-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a process the test killed may still hold a file for a moment; the temp folder is the OS's to clean then
        }
    }

    private static string Root => RealSnapshot.RepositoryRoot;

    /// <summary>README.md and every docs/*.md, relative to the repository root.</summary>
    private static IEnumerable<string> Pages() =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).Order(StringComparer.Ordinal));

    private static List<DocExample> AllExamples() =>
        Pages().SelectMany(p => DocsExamples.Extract(p, File.ReadAllText(Path.Combine(Root, p)))).ToList();

    [GeneratedRegex(@"on (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex ServingUrl();

    [Fact]
    [Trait(RequiredTools.Trait, "curl")]
    [Trait(RequiredTools.Trait, "redis-server")]
    [Trait(RequiredTools.Trait, "python3-jupyter-client")]
    [Trait(RequiredTools.Trait, "prometheus")]
    public async Task Every_shell_example_in_the_README_and_docs_runs_against_a_temporary_store_and_server()
    {
        RequiredTools.Curl();                                          // the API examples
        RequiredTools.RedisServer();                                   // bench liquidity
        RequiredTools.Promtool();                                      // the alert rules
        RequiredTools.Python3(("jupyter_client", "python3-jupyter-client")); // bench kernel
        var examples = AllExamples();
        var skipped = examples.Where(e => e.SkipReason is not null).ToList();
        var toRun = examples.Where(e => e.SkipReason is null).ToList();
        Assert.NotEmpty(toRun);

        // The working folder a reader has at the repository root, minus what the examples must not write to: data/real,
        // the tier tables and the frozen models are links to the repository's (read-only use); the store is a private copy
        // at the default path (data/lab.duckdb, also the notebooks' default ../data/lab.duckdb); notebooks are copies.
        var work = Path.Combine(_dir, "work");
        var data = Directory.CreateDirectory(Path.Combine(work, "data")).FullName;
        foreach (var link in new[] { "real", "tiers", "models" })
            Directory.CreateSymbolicLink(Path.Combine(data, link), Path.Combine(Root, "data", link));
        var db = Path.Combine(data, "lab.duckdb");
        File.Copy(RealSnapshot.StorePath, db);
        var notebooks = Directory.CreateDirectory(Path.Combine(work, "notebooks")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "notebooks")))
            File.Copy(file, Path.Combine(notebooks, Path.GetFileName(file)));
        foreach (var link in new[] { "deploy" })
            Directory.CreateSymbolicLink(Path.Combine(work, link), Path.Combine(Root, link));

        var dll = Path.Combine(AppContext.BaseDirectory, "liqlab.dll");
        var serverPsi = new ProcessStartInfo("dotnet", ["exec", dll, "serve", "--db", db, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = work,
        };
        using var server = Process.Start(serverPsi)!;
        var failures = new List<string>();
        var timings = new List<(DocExample Example, TimeSpan Took)>();
        try
        {
            var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
            var match = ServingUrl().Match(line ?? "");
            Assert.True(match.Success, $"liqlab serve printed no URL: '{line}'");
            var authority = new Uri(match.Groups[1].Value).Authority;
            _ = server.StandardOutput.ReadToEndAsync(); // keep draining its log
            _ = server.StandardError.ReadToEndAsync();

            foreach (var example in toRun)
            {
                var command = DocsExamples.Rewrite(example.Command, dll, authority);
                if (DocsExamples.BuildsFromSource(command))
                {
                    failures.Add($"{example.Where}: `{example.Command}` builds from source (dotnet run): document the CLI as `dotnet run --project src/LiquidationLab.Cli -- …` or mark the block no-run with a reason.");
                    continue;
                }
                if (DocsExamples.RunsInBackground(example.Command))
                {
                    failures.Add($"{example.Where}: `{example.Command}` starts a background process, which would outlive the test: mark the block no-run with a reason.");
                    continue;
                }
                var clock = Stopwatch.StartNew();
                var (exit, stdout, stderr) = await RunShell(command, work, db);
                timings.Add((example, clock.Elapsed));
                if (exit != 0)
                    failures.Add($"{example.Where}: `{example.Command}` exited {exit}{(exit == 22 ? " (curl: HTTP ≥ 400)" : "")}\n" +
                                 $"  ran: {command}\n  stdout: {Tail(stdout)}\n  stderr: {Tail(stderr)}");
            }
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        output.WriteLine($"Docs examples: {toRun.Count} run, {skipped.Count} skipped (marked no-run), {failures.Count} failed.");
        foreach (var (e, took) in timings.OrderByDescending(t => t.Took).Take(5))
            output.WriteLine($"  slowest: {e.Where} {took.TotalSeconds:0.0} s — {e.Command}");
        foreach (var s in skipped)
            output.WriteLine($"  skipped {s.Where}: {s.SkipReason} — {s.Command}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {toRun.Count} documented commands failed ({skipped.Count} skipped as no-run):\n" + string.Join("\n", failures));
    }

    private static async Task<(int Exit, string Out, string Err)> RunShell(string command, string workDir, string db)
    {
        // curl fails on HTTP ≥ 400 (exit 22) and still shows the body (the problem details) for the message.
        const string preamble = "set -o pipefail\ncurl() { command curl --fail-with-body --silent --show-error \"$@\"; }\n";
        var psi = new ProcessStartInfo("bash", ["-c", preamble + command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir,
        };
        psi.Environment["LIQLAB_DB"] = db;
        psi.Environment["LIQLAB_CHART_IMAGES"] = "0"; // charts keep their figure JSON; no browser start per process
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            return (-1, await stdout, $"timed out after {CommandTimeout.TotalMinutes} min\n" + await stderr);
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    private static string Tail(string text, int max = 1500)
    {
        text = text.Trim();
        return text.Length <= max ? text : "…" + text[^max..];
    }

    [Fact]
    public void A_no_run_block_without_a_reason_is_refused_naming_the_page_and_line()
    {
        var e = Assert.Throws<FormatException>(() => DocsExamples.Extract("docs/x.md", "intro\n\n```bash no-run\nliqlab data fetch\n```\n"));
        Assert.StartsWith("docs/x.md:3:", e.Message, StringComparison.Ordinal);
        var c = Assert.Throws<FormatException>(() => DocsExamples.Extract("docs/y.md", "<!-- no-run -->\n```bash\nx\n```\n"));
        Assert.StartsWith("docs/y.md:1:", c.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocks_marked_no_run_carry_their_reason_from_the_fence_or_a_comment_before_or_after_it()
    {
        const string page = "```bash no-run: needs the internet\na\n```\n\n<!-- no-run: starts a service -->\n```sh\nb\n```\n\n```bash\nc\n```\n<!-- no-run: the whole suite -->\n\n```bash\nd\n```\n";
        var examples = DocsExamples.Extract("p.md", page);
        Assert.Equal(
            [("a", "needs the internet"), ("b", "starts a service"), ("c", "the whole suite"), ("d", null)],
            examples.Select(e => (e.Command, e.SkipReason)).ToArray());
    }

    [Fact]
    public void Continued_lines_join_into_one_command_and_comments_and_other_languages_are_not_commands()
    {
        const string page = "text\n\n```bash\n# a comment\ndotnet run --project src/LiquidationLab.Cli -- heatmap --symbol BTCUSDT \\\n    --interval 1h   # hourly\n\ncurl 'http://127.0.0.1:5080/health'\n```\n\n```text\nliqlab levels --symbol X [--json]\n```\n";
        var examples = DocsExamples.Extract("docs/z.md", page);
        Assert.Equal(
            [("docs/z.md:5", "dotnet run --project src/LiquidationLab.Cli -- heatmap --symbol BTCUSDT --interval 1h   # hourly"), ("docs/z.md:8", "curl 'http://127.0.0.1:5080/health'")],
            examples.Select(e => (e.Where, e.Command)).ToArray());
    }

    [Fact]
    public void An_unclosed_code_block_is_refused_naming_where_it_opens()
    {
        var e = Assert.Throws<FormatException>(() => DocsExamples.Extract("docs/w.md", "a\n```bash\nls\n"));
        Assert.StartsWith("docs/w.md:2:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Documented_cli_invocations_and_the_server_address_are_rewritten_to_the_built_cli_and_the_temporary_server()
    {
        const string dll = "/b/liqlab.dll";
        Assert.Equal("dotnet exec '/b/liqlab.dll' levels --symbol BTCUSDT --entry 67000",
            DocsExamples.Rewrite("dotnet run --project src/LiquidationLab.Cli -- levels --symbol BTCUSDT --entry 67000", dll, "127.0.0.1:40000"));
        Assert.Equal("dotnet exec '/b/liqlab.dll' bench liquidity",
            DocsExamples.Rewrite("dotnet run -c Release --project src/LiquidationLab.Cli -- bench liquidity", dll, "127.0.0.1:40000"));
        Assert.Equal("dotnet exec '/b/liqlab.dll' levels --entry 1 && dotnet exec '/b/liqlab.dll' data status",
            DocsExamples.Rewrite("./liqlab levels --entry 1 && ./liqlab data status", dll, "127.0.0.1:40000"));
        Assert.Equal("curl 'http://127.0.0.1:40000/health' && curl localhost-other/x",
            DocsExamples.Rewrite("curl 'http://127.0.0.1:5080/health' && curl localhost-other/x", dll, "127.0.0.1:40000"));
        Assert.Equal("curl http://127.0.0.1:40000/",
            DocsExamples.Rewrite("curl http://localhost:5080/", dll, "127.0.0.1:40000"));
        Assert.True(DocsExamples.BuildsFromSource(DocsExamples.Rewrite("dotnet run -c Release --project bench/LiquidationLab.Benchmarks -- --filter '*'", dll, "x")));
    }

    [Fact]
    public void A_command_that_starts_a_background_process_is_recognised_and_redirections_are_not()
    {
        Assert.True(DocsExamples.RunsInBackground("redis-server --port 6379 &"));
        Assert.True(DocsExamples.RunsInBackground("liqlab liquidity replay --port 8765 &   # the replay server"));
        Assert.False(DocsExamples.RunsInBackground("liqlab levels --entry 1 > out.txt 2>&1"));
        Assert.False(DocsExamples.RunsInBackground("liqlab data status && liqlab data validate"));
        Assert.False(DocsExamples.RunsInBackground("curl 'http://127.0.0.1:5080/x?a=1&b=2'"));
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s#]*)(?:#(?<anchor>[^)\s]*))?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\s_-]")]
    private static partial Regex NotInSlug();

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens.</summary>
    internal static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inCode = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inCode = !inCode;
            if (inCode) continue;
            var m = Heading().Match(line.TrimEnd('\r'));
            if (!m.Success) continue;
            var slug = NotInSlug().Replace(m.Groups["title"].Value.ToLowerInvariant(), "").Replace(' ', '-');
            var unique = slug;
            for (var i = 1; !anchors.Add(unique); i++) unique = $"{slug}-{i}";
        }
        return anchors;
    }

    [Fact]
    public void Heading_anchors_are_the_ones_GitHub_makes()
    {
        var anchors = Anchors("# The `liqlab` command\n\n## The liquidity service — `liqlab bench liquidity`\n```bash\n# not a heading\n```\n## The Jupyter kernel: VS Code, JupyterLab, nbconvert\n## Notes\n## Notes\n");
        string[] expected = ["the-liqlab-command", "the-liquidity-service--liqlab-bench-liquidity", "the-jupyter-kernel-vs-code-jupyterlab-nbconvert", "notes", "notes-1"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), anchors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_relative_link_in_the_README_and_docs_points_at_a_file_and_heading_the_clone_contains()
    {
        var missing = new List<string>();
        foreach (var page in Pages())
        {
            var lines = File.ReadAllLines(Path.Combine(Root, page));
            for (var i = 0; i < lines.Length; i++)
                foreach (Match m in MarkdownLink().Matches(lines[i]))
                {
                    var target = m.Groups["target"].Value;
                    if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                    var path = target.Length == 0 ? Path.Combine(Root, page)
                        : Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(page)!, Uri.UnescapeDataString(target)));
                    if (!File.Exists(path) && !Directory.Exists(path))
                        missing.Add($"{page}:{i + 1}: {target}");
                    else if (m.Groups["anchor"].Success && path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !Anchors(File.ReadAllText(path)).Contains(m.Groups["anchor"].Value))
                        missing.Add($"{page}:{i + 1}: {target}#{m.Groups["anchor"].Value} (no such heading)");
                }
        }
        Assert.True(missing.Count == 0, "links to files or headings the clone does not contain:\n" + string.Join("\n", missing));
    }

    /// <summary>Phrases that point a reader at documents kept outside the repository.</summary>
    private static readonly string[] OutsideDocuments =
        ["DESIGN.md", "../shared", "shared folder", "shared/data", "issue notes", "see the issue", "seed specification", "seed spec", "seed plan"];

    [Fact]
    public void No_text_in_the_repository_refers_to_documents_a_clone_does_not_contain()
    {
        string[] extensions = [".md", ".cs", ".csproj", ".props", ".targets", ".ipynb", ".sh", ".py", ".json", ".yml"];
        var skip = new[] { "/bin/", "/obj/", "/artifacts/", "/.git/", "/node_modules/" };
        var selfPath = Path.Combine("tests", "LiquidationLab.Cli.Tests", "Docs");
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(Root, file);
            if (!extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)) continue;
            if (skip.Any(s => ("/" + rel.Replace('\\', '/')).Contains(s, StringComparison.Ordinal)) || rel.StartsWith(selfPath, StringComparison.Ordinal)) continue;
            if (rel.StartsWith("artifacts", StringComparison.Ordinal) || new FileInfo(file).Length > 20_000_000) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                foreach (var phrase in OutsideDocuments)
                    if (lines[i].Contains(phrase, StringComparison.OrdinalIgnoreCase))
                        found.Add($"{rel}:{i + 1}: '{phrase}'");
        }
        Assert.True(found.Count == 0, "text pointing at documents outside the clone:\n" + string.Join("\n", found));
    }
}
