namespace LiquidationLab.Data.Models;

/// <summary>Where the repository's frozen touch-model configuration lives (<c>data/models/touch-model.json</c>).</summary>
public static class TouchModelLocation
{
    /// <summary>The path inside the repository.</summary>
    public static readonly string RelativePath = Path.Combine("data", "models", "touch-model.json");

    /// <summary>
    /// The frozen configuration of the clone this runs in: the clone's root is the first folder above the current directory,
    /// then above the binaries, that holds <c>LiquidationLab.sln</c>; null outside a clone or when the file is missing there.
    /// </summary>
    public static string? Frozen()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln")))
                {
                    var path = Path.Combine(dir.FullName, RelativePath);
                    if (File.Exists(path)) return path;
                    break;
                }
        return null;
    }
}
