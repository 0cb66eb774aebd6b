using System.Collections.Concurrent;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Data.Tiers;

/// <summary>
/// Reads leverage-bracket tables from a directory holding one <c>&lt;SYMBOL&gt;.json</c> per symbol
/// (see <c>data/README.md</c> and <see cref="LeverageBracketTableJson"/>). Tables are parsed and validated on first
/// use and cached. Thread-safe.
/// </summary>
public sealed class LeverageBracketTableStore
{
    /// <summary>Environment variable that overrides the tier directory.</summary>
    public const string EnvironmentVariable = "LIQLAB_TIERS";

    /// <summary>Path of the Binance USDⓈ-M tier tables relative to the repository root or the binary's directory.</summary>
    public const string RelativeDirectory = "data/tiers/binance-usdm";

    private readonly ConcurrentDictionary<string, LeverageBracketTable> _cache = new(StringComparer.Ordinal);

    /// <summary>Uses the tables in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public LeverageBracketTableStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
            throw new DirectoryNotFoundException($"Leverage-bracket directory not found: {Directory}");
    }

    /// <summary>The absolute directory the tables are read from.</summary>
    public string Directory { get; }

    /// <summary>Symbols with a table file in the directory, sorted.</summary>
    public IReadOnlyList<string> Symbols =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>The table of <paramref name="symbol"/> (case-insensitive; symbols are upper-case on Binance).</summary>
    /// <exception cref="LeverageBracketTableNotFoundException">No file for the symbol, or the symbol is not a Binance symbol
    /// (<see cref="LeverageBracketResponse.IsSymbol"/>; such a name is never turned into a path).</exception>
    /// <exception cref="LeverageBracketTableException">The file is malformed or inconsistent, or names another symbol.</exception>
    public LeverageBracketTable Get(string symbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        var key = symbol.Trim().ToUpperInvariant();
        return _cache.GetOrAdd(key, Load);
    }

    private LeverageBracketTable Load(string symbol)
    {
        // Only a Binance symbol names a file: "../X" must not reach a file outside the directory.
        if (!LeverageBracketResponse.IsSymbol(symbol))
            throw new LeverageBracketTableNotFoundException(symbol, Directory, Symbols);
        var path = Path.Combine(Directory, symbol + ".json");
        if (!File.Exists(path))
            throw new LeverageBracketTableNotFoundException(symbol, Directory, Symbols);
        var table = LeverageBracketTableJson.Parse(File.ReadAllText(path), path);
        if (!string.Equals(table.Symbol, symbol, StringComparison.Ordinal))
            throw new LeverageBracketTableException(path, null, "symbol", $"the file is named for {symbol} but declares '{table.Symbol}'.");
        return table;
    }

    /// <summary>
    /// Finds the tier directory: <paramref name="explicitDirectory"/> if given, else the <c>LIQLAB_TIERS</c>
    /// environment variable, else <c>data/tiers/binance-usdm</c> beside the running binary (the build copies it
    /// there) or beside this assembly (where the NuGet package puts it), else <c>data/tiers/binance-usdm</c> in the current directory or any of its parents.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">None of these exists; the message lists where it looked.</exception>
    public static LeverageBracketTableStore Locate(string? explicitDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
            return new LeverageBracketTableStore(explicitDirectory);
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
            return new LeverageBracketTableStore(env);
        var looked = new List<string>();
        var besideBinary = Path.Combine(AppContext.BaseDirectory, RelativeDirectory);
        looked.Add(besideBinary);
        if (System.IO.Directory.Exists(besideBinary))
            return new LeverageBracketTableStore(besideBinary);
        if (Path.GetDirectoryName(typeof(LeverageBracketTableStore).Assembly.Location) is { Length: > 0 } assemblyDirectory)
        {
            var besideAssembly = Path.Combine(assemblyDirectory, RelativeDirectory);
            if (!looked.Contains(besideAssembly))
            {
                looked.Add(besideAssembly);
                if (System.IO.Directory.Exists(besideAssembly))
                    return new LeverageBracketTableStore(besideAssembly);
            }
        }
        for (var dir = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativeDirectory);
            looked.Add(candidate);
            if (System.IO.Directory.Exists(candidate))
                return new LeverageBracketTableStore(candidate);
        }
        throw new DirectoryNotFoundException(
            $"No leverage-bracket tables found. Pass --tiers DIR or set {EnvironmentVariable}. Looked in: {string.Join(", ", looked)}");
    }
}
