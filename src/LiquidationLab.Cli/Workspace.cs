namespace LiquidationLab.Cli;

/// <summary>
/// The LiquidationLab repository a command works in, so that <c>liqlab report</c> and friends work from any directory:
/// the first folder holding <c>LiquidationLab.sln</c> and <c>notebooks/</c>, looking up from the current directory, then up
/// from this build's binaries (which live under <c>src/LiquidationLab.Cli/bin/…</c> of a clone).
/// </summary>
internal static class Workspace
{
    /// <summary>The repository root, or <c>null</c> when neither the current directory nor the binaries lie inside a clone.</summary>
    public static string? Root => Find(Directory.GetCurrentDirectory()) ?? Find(AppContext.BaseDirectory);

    /// <summary>A path inside the repository, or <c>null</c> outside any clone.</summary>
    public static string? Path(params string[] parts) => Root is { } root ? System.IO.Path.Combine([root, .. parts]) : null;

    private static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LiquidationLab.sln")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "notebooks")))
                return dir.FullName;
        return null;
    }
}
