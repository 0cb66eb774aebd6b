namespace LiquidationLab.Formatting;

/// <summary>
/// The namespaces a LiquidationLab notebook cell sees without a <c>using</c>: the same list for our engine
/// (<c>ScriptSession.DefaultImports</c>) and for the .NET Interactive C# kernel (the LiquidationLab.Interactive extension
/// submits them when the package loads), so one notebook's cells compile unchanged under both.
/// </summary>
public static class NotebookNamespaces
{
    /// <summary>System namespaces (the .NET Interactive kernel imports some of them itself; importing twice is harmless).</summary>
    public static IReadOnlyList<string> System { get; } =
    [
        "System", "System.Collections.Generic", "System.Globalization", "System.IO", "System.Linq", "System.Text", "System.Threading", "System.Threading.Tasks",
    ];

    /// <summary>The workspace's libraries and the packages cells use directly: the LiquidationLab libraries, DuckDB.NET,
    /// Microsoft.Data.Analysis, MathNet.Numerics and Plotly.NET's C# API.</summary>
    public static IReadOnlyList<string> Workspace { get; } =
    [
        "LiquidationLab.Core.Backtesting", "LiquidationLab.Core.Binning", "LiquidationLab.Core.Heatmaps", "LiquidationLab.Liquidity", "LiquidationLab.Core.Margin", "LiquidationLab.Core.MarketData", "LiquidationLab.Core.Models",
        "LiquidationLab.Data.Ingest", "LiquidationLab.Data.Liquidity", "LiquidationLab.Data.Models", "LiquidationLab.Data.Query", "LiquidationLab.Data.Store", "LiquidationLab.Data.Tiers",
        "LiquidationLab.Analysis", "LiquidationLab.Charts", "DuckDB.NET.Data", "Microsoft.Data.Analysis", "MathNet.Numerics", "MathNet.Numerics.Statistics", "Plotly.NET.CSharp",
    ];
}
