using System.Diagnostics;

namespace LiquidationLab.TestSupport;

/// <summary>
/// The Debian tools some tests drive (a real browser, a real Redis, real Jupyter clients). Each such test carries
/// <c>[Trait("Requires", "&lt;package&gt;")]</c> (filter with <c>dotnet test --filter "Requires!=chromium"</c>) and calls one of
/// these, which fails with the package to install when the tool is missing. <c>./test.sh</c> installs all of them.
/// </summary>
internal static class RequiredTools
{
    /// <summary>Trait name for tests that need a Debian package.</summary>
    public const string Trait = "Requires";

    /// <summary>Path of Debian's <c>chromium</c>.</summary>
    public static string Chromium() => Find("chromium", "chromium");

    /// <summary>Path of <c>promtool</c> (Debian's <c>prometheus</c> package).</summary>
    public static string Promtool() => Find("promtool", "prometheus");

    /// <summary>Path of <c>curl</c> (the documentation's HTTP examples).</summary>
    public static string Curl() => Find("curl", "curl");

    /// <summary>Path of Debian's <c>redis-server</c>.</summary>
    public static string RedisServer() => Find("redis-server", "redis-server");

    /// <summary><c>/usr/bin/python3</c>, after checking that it imports every module in <paramref name="modules"/>.</summary>
    /// <param name="modules">Python module → Debian package, e.g. <c>("nbformat", "python3-nbformat")</c>.</param>
    public static string Python3(params (string Module, string Package)[] modules)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) throw Missing("python3", "python3");
        foreach (var (module, package) in modules)
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", $"import {module}"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw Missing($"the Python module '{module}' (for {python})", package);
        }
        return python;
    }

    private static string Find(string executable, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var p = Path.Combine(dir, executable);
            if (File.Exists(p)) return p;
        }
        throw Missing(executable, package);
    }

    private static InvalidOperationException Missing(string what, string package) =>
        new($"{what} is not installed: this test needs Debian's package '{package}' (apt-get install {package}; ./test.sh installs it).");
}
