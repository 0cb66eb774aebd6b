using System.Diagnostics;

namespace LiquidationLab.Benchmarks;

/// <summary>
/// The <c>liqlab</c> command for whole-process benchmarks. Nothing references the CLI project (it would make its
/// top-level <c>Program</c> collide with ours), so the benchmark builds it in Release and runs its <c>liqlab.dll</c>.
/// </summary>
internal static class CliBuild
{
    /// <summary>Builds <c>src/LiquidationLab.Cli</c> in Release (incremental: fast when up to date) and returns its <c>liqlab.dll</c>.</summary>
    /// <exception cref="InvalidOperationException">The repository or the build failed; the message carries the build output.</exception>
    public static string LiqlabDll()
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, "src", "LiquidationLab.Cli", "LiquidationLab.Cli.csproj");
        var psi = new ProcessStartInfo("dotnet", ["build", project, "-c", "Release", "--nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"dotnet build {project} failed:\n{output.Result}\n{error}");
        var dll = Path.Combine(root, "src", "LiquidationLab.Cli", "bin", "Release", "net10.0", "liqlab.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found after the build.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln"))) return dir.FullName;
        throw new InvalidOperationException($"LiquidationLab.sln not found above {AppContext.BaseDirectory}.");
    }
}
