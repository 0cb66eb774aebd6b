namespace LiquidationLab.Data.Tests.Liquidity;

/// <summary>Locates ../shared/data/real beside the repository (the real data the issue asks the replay to serve).</summary>
internal static class RealData
{
    public static string Polymarket
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln")))
                {
                    var p = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "real", "polymarket"));
                    return Directory.Exists(p) ? p : throw new DirectoryNotFoundException($"Real Polymarket data not found at {p}.");
                }
            throw new DirectoryNotFoundException("LiquidationLab.sln not found above the test binaries.");
        }
    }
}
