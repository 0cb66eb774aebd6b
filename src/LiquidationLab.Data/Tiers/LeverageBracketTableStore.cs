using System.Collections.Concurrent;
using LiquidationLab.Core.Margin;

namespace LiquidationLab.Data.Tiers;

/// <summary>
/// Reads leverage-bracket tables from one or more directories holding one <c>&lt;SYMBOL&gt;.json</c> per symbol
/// (see <c>data/README.md</c> and <see cref="LeverageBracketTableJson"/>): a symbol's table is taken from the first
/// directory that has it, so a user directory layered before the repository's <c>data/tiers/binance-usdm</c> adds
/// symbols and overrides single tables without copying the rest. Tables are parsed and validated on first use and
/// cached. Thread-safe.
/// </summary>
public sealed class LeverageBracketTableStore
{
    /// <summary>Environment variable naming a user tier directory layered before the repository's.</summary>
    public const string EnvironmentVariable = "LIQLAB_TIERS";

    /// <summary>Path of the Binance USDⓈ-M tier tables relative to the repository root or the binary's directory.</summary>
    public const string RelativeDirectory = "data/tiers/binance-usdm";

    private readonly ConcurrentDictionary<string, LeverageBracketTable> _cache = new(StringComparer.Ordinal);
    private readonly string[] _directories;

    /// <summary>Uses the tables in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public LeverageBracketTableStore(string directory)
        : this([directory])
    {
    }

    /// <summary>Uses the tables in <paramref name="directories"/>, the first holding a symbol winning.</summary>
    /// <exception cref="ArgumentException">No directory given.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory does not exist (named).</exception>
    public LeverageBracketTableStore(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (directories.Count == 0) throw new ArgumentException("Give at least one tier directory.", nameof(directories));
        _directories = directories.Select(d =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(d);
            var full = Path.GetFullPath(d);
            return System.IO.Directory.Exists(full) ? full : throw new DirectoryNotFoundException($"Leverage-bracket directory not found: {full}");
        }).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The first directory: where a new table belongs by default (<c>tiers import</c>) — the user's directory when
    /// one is layered, else the repository's.</summary>
    public string Directory => _directories[0];

    /// <summary>Every directory tables are read from, in the order they are searched.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>Symbols with a table file in any directory, sorted.</summary>
    public IReadOnlyList<string> Symbols =>
        _directories.SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*.json"))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
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

    private string Searched => string.Join(" and ", _directories);

    private LeverageBracketTable Load(string symbol)
    {
        // Only a Binance symbol names a file: "../X" must not reach a file outside the directory.
        if (!LeverageBracketResponse.IsSymbol(symbol))
            throw new LeverageBracketTableNotFoundException(symbol, Searched, Symbols);
        var path = _directories.Select(d => Path.Combine(d, symbol + ".json")).FirstOrDefault(File.Exists)
            ?? throw new LeverageBracketTableNotFoundException(symbol, Searched, Symbols);
        var table = LeverageBracketTableJson.Parse(File.ReadAllText(path), path);
        if (!string.Equals(table.Symbol, symbol, StringComparison.Ordinal))
            throw new LeverageBracketTableException(path, null, "symbol", $"the file is named for {symbol} but declares '{table.Symbol}'.");
        return table;
    }

    /// <summary>
    /// Finds the tier directories. The repository's <c>data/tiers/binance-usdm</c> is the one source of the shipped tables:
    /// it is found above the running binary (a build or <c>./liqlab</c>'s publish inside the clone) or above the current
    /// directory; only outside a clone (an installed kernel's copy, the NuGet package) are the copies beside the binary or
    /// this assembly used. A user directory — <paramref name="explicitDirectory"/> (<c>--tiers</c>), else the <c>LIQLAB_TIERS</c>
    /// environment variable — is layered before it: its tables add to the shipped ones and take precedence for their symbols.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The user directory does not exist, or no shipped tables were found
    /// (the message lists where it looked).</exception>
    public static LeverageBracketTableStore Locate(string? explicitDirectory = null)
    {
        var layers = new List<string>();
        var user = UserDirectory(explicitDirectory);
        if (user is not null) layers.Add(user);
        if (Shipped(RelativeDirectory, out var looked) is { } shipped) layers.Add(shipped);
        else if (user is null)
            throw new DirectoryNotFoundException(
                $"No leverage-bracket tables found. Pass --tiers DIR or set {EnvironmentVariable}. Looked in: {string.Join(", ", looked)}");
        return new LeverageBracketTableStore(layers);
    }

    /// <summary>The user's tier directory: <paramref name="explicitDirectory"/> (<c>--tiers</c>), else the <c>LIQLAB_TIERS</c>
    /// environment variable; null when neither is set.</summary>
    internal static string? UserDirectory(string? explicitDirectory) =>
        !string.IsNullOrWhiteSpace(explicitDirectory) ? explicitDirectory
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env && !string.IsNullOrWhiteSpace(env) ? env : null;

    /// <summary>The shipped tables' directory <paramref name="relativeDirectory"/> (e.g. <c>data/tiers/bybit-linear</c>): the
    /// repository's (above the binary, then above the current directory), else a copy beside the binary or this assembly;
    /// null when none exists. The venue stores (<see cref="VenueTierTableStore"/>) find their folders the same way.</summary>
    internal static string? Shipped(string relativeDirectory, out List<string> looked)
    {
        looked = [];
        string? InClone(string start, List<string> looked)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativeDirectory);
                // The clone's root holds the solution; a build's output folder (bin/…/data/tiers) is a copy, not the source.
                if (File.Exists(Path.Combine(dir.FullName, "LiquidationLab.sln")))
                {
                    looked.Add(candidate);
                    return System.IO.Directory.Exists(candidate) ? candidate : null;
                }
            }
            return null;
        }
        if (InClone(AppContext.BaseDirectory, looked) is { } fromBinary) return fromBinary;
        if (InClone(System.IO.Directory.GetCurrentDirectory(), looked) is { } fromCwd) return fromCwd;
        var copies = new List<string> { Path.Combine(AppContext.BaseDirectory, relativeDirectory) };
        if (Path.GetDirectoryName(typeof(LeverageBracketTableStore).Assembly.Location) is { Length: > 0 } assemblyDirectory)
            copies.Add(Path.Combine(assemblyDirectory, relativeDirectory));
        foreach (var copy in copies.Distinct(StringComparer.Ordinal))
        {
            looked.Add(copy);
            if (System.IO.Directory.Exists(copy)) return copy;
        }
        // Outside a clone and without a copy: any data/tiers above the current directory (a folder laid out like the repository's).
        for (var dir = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativeDirectory);
            looked.Add(candidate);
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
