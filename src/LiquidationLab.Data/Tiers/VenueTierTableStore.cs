using System.Collections.Concurrent;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Data.Tiers;

/// <summary>
/// The tier tables of every <see cref="Venue"/>, as margin models: <see cref="Get"/> returns the venue's
/// <see cref="IMarginModel"/> for an instrument. Binance USDⓈ-M tables come from a <see cref="LeverageBracketTableStore"/>
/// (unchanged behaviour, <c>data/tiers/binance-usdm</c>); the other venues' from their folders
/// (<c>data/tiers/&lt;</c><see cref="VenueInfo.TierFolder"/><c>&gt;</c>, see <c>data/README.md</c>), layered the same way: a
/// user folder first, then the repository's. Only names of the venue's instrument grammar
/// (<see cref="VenueInfo.IsInstrument"/>) become file names. Tables are parsed and validated on first use and cached.
/// Thread-safe.
/// </summary>
public sealed class VenueTierTableStore
{
    private readonly ConcurrentDictionary<(Venue, string), IMarginModel> _cache = new();
    private readonly Dictionary<Venue, string[]> _directories;

    /// <summary>Uses <paramref name="binance"/> for Binance and, for each other venue, the directories given (searched in
    /// order, the first holding an instrument winning; a venue missing from <paramref name="venueDirectories"/> has no
    /// tables).</summary>
    /// <param name="binance">The Binance USDⓈ-M bracket tables.</param>
    /// <param name="venueDirectories">Per venue other than Binance, its table directories.</param>
    /// <exception cref="ArgumentException">Directories given for Binance (they belong in <paramref name="binance"/>).</exception>
    /// <exception cref="DirectoryNotFoundException">A directory does not exist (named).</exception>
    public VenueTierTableStore(LeverageBracketTableStore binance, IReadOnlyDictionary<Venue, IReadOnlyList<string>> venueDirectories)
    {
        ArgumentNullException.ThrowIfNull(binance);
        ArgumentNullException.ThrowIfNull(venueDirectories);
        Binance = binance;
        _directories = [];
        foreach (var venue in VenueInfo.All)
        {
            if (venue == Venue.BinanceUsdm)
            {
                if (venueDirectories.ContainsKey(venue))
                    throw new ArgumentException("Binance USDⓈ-M tables are read through the LeverageBracketTableStore.", nameof(venueDirectories));
                continue;
            }
            _directories[venue] = (venueDirectories.TryGetValue(venue, out var dirs) ? dirs : []).Select(d =>
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(d);
                var full = Path.GetFullPath(d);
                return System.IO.Directory.Exists(full) ? full : throw new DirectoryNotFoundException($"Tier directory not found: {full}");
            }).Distinct(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>The Binance USDⓈ-M bracket tables.</summary>
    public LeverageBracketTableStore Binance { get; }

    /// <summary>A store over one folder laid out like the repository's <c>data/tiers</c>: one subfolder per venue
    /// (<see cref="VenueInfo.TierFolder"/>); a missing subfolder means no tables for that venue, except Binance's, which
    /// must exist.</summary>
    /// <param name="tiersRoot">The folder holding <c>binance-usdm/</c>, <c>bybit-linear/</c>, <c>okx-swap/</c>, <c>hyperliquid/</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The folder or its <c>binance-usdm</c> subfolder does not exist.</exception>
    public static VenueTierTableStore FromRoot(string tiersRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tiersRoot);
        var binance = new LeverageBracketTableStore(Path.Combine(tiersRoot, VenueInfo.TierFolder(Venue.BinanceUsdm)));
        return new VenueTierTableStore(binance, VenueInfo.All.Where(v => v != Venue.BinanceUsdm)
            .ToDictionary(v => v, v => (IReadOnlyList<string>)(System.IO.Directory.Exists(Path.Combine(tiersRoot, VenueInfo.TierFolder(v)))
                ? [Path.Combine(tiersRoot, VenueInfo.TierFolder(v))] : [])));
    }

    /// <summary>
    /// Finds every venue's tables the way <see cref="LeverageBracketTableStore.Locate"/> finds Binance's (and with its
    /// search): the repository's <c>data/tiers/&lt;venue folder&gt;</c>, with a user directory — <paramref name="explicitDirectory"/>
    /// (<c>--tiers</c>), else <c>LIQLAB_TIERS</c> — layered before it. The user directory holds Binance tables directly (as
    /// today) and other venues' tables in subfolders named like the repository's (<c>DIR/bybit-linear/BTCUSDT.json</c>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The user directory does not exist, or no Binance tables were found.</exception>
    public static VenueTierTableStore Locate(string? explicitDirectory = null) => WithShipped(LeverageBracketTableStore.Locate(explicitDirectory), explicitDirectory);

    /// <summary>A store over the given Binance tables and the other venues' tables found as <see cref="Locate"/> finds them.</summary>
    /// <param name="binance">The Binance USDⓈ-M bracket tables.</param>
    /// <param name="explicitDirectory">A user directory (<c>--tiers</c>), else <c>LIQLAB_TIERS</c>, whose venue subfolders are
    /// layered before the shipped ones; null for none.</param>
    public static VenueTierTableStore WithShipped(LeverageBracketTableStore binance, string? explicitDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(binance);
        var user = LeverageBracketTableStore.UserDirectory(explicitDirectory);
        var layers = new Dictionary<Venue, IReadOnlyList<string>>();
        foreach (var venue in VenueInfo.All.Where(v => v != Venue.BinanceUsdm))
        {
            var folder = VenueInfo.TierFolder(venue);
            var dirs = new List<string>();
            if (user is not null && System.IO.Directory.Exists(Path.Combine(user, folder))) dirs.Add(Path.Combine(user, folder));
            if (LeverageBracketTableStore.Shipped("data/tiers/" + folder, out _) is { } shipped) dirs.Add(shipped);
            layers[venue] = dirs;
        }
        return new VenueTierTableStore(binance, layers);
    }

    /// <summary>The directories a venue's tables are read from, in search order (Binance: <see cref="LeverageBracketTableStore.Directories"/>).</summary>
    public IReadOnlyList<string> Directories(Venue venue) => venue == Venue.BinanceUsdm ? Binance.Directories : _directories[venue];

    /// <summary>Every directory of every venue (for scrubbing paths from messages).</summary>
    public IReadOnlyList<string> AllDirectories => Binance.Directories.Concat(_directories.Values.SelectMany(d => d)).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The venue's instruments with a table file (names of the venue's grammar only), sorted ordinally.</summary>
    public IReadOnlyList<string> Instruments(Venue venue) => venue == Venue.BinanceUsdm
        ? Binance.Symbols
        : _directories[venue].SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*.json"))
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => VenueInfo.IsInstrument(venue, n))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// The margin model of <paramref name="instrument"/> on <paramref name="venue"/>. Binance, Bybit and OKX names are
    /// upper-cased (their instruments are upper-case); a Hyperliquid coin is matched exactly, else case-insensitively among
    /// the coins with a table (<c>btc</c> → <c>BTC</c>, <c>kPEPE</c> stays).
    /// </summary>
    /// <exception cref="LeverageBracketTableNotFoundException">Binance: no table for the symbol (the message lists those
    /// that have one).</exception>
    /// <exception cref="VenueTierTableNotFoundException">Another venue: no table for the name, or the name is not of the
    /// venue's grammar (such a name never becomes a path); the exception lists the venue's instruments.</exception>
    /// <exception cref="LeverageBracketTableException">A malformed Binance file.</exception>
    /// <exception cref="MarginTierTableException">A malformed file of another venue, too large, or naming another instrument.</exception>
    public IMarginModel Get(Venue venue, string instrument)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instrument);
        if (!VenueInfo.All.Contains(venue)) throw new ArgumentOutOfRangeException(nameof(venue), venue, "Unknown venue.");
        if (venue == Venue.BinanceUsdm) return MarginModels.For(Binance.Get(instrument));
        var key = instrument.Trim();
        if (venue != Venue.Hyperliquid) key = key.ToUpperInvariant();
        else if (!Instruments(venue).Contains(key, StringComparer.Ordinal)
                 && Instruments(venue).Where(i => string.Equals(i, key, StringComparison.OrdinalIgnoreCase)).ToArray() is [var only])
            key = only;
        return _cache.GetOrAdd((venue, key), k => Load(k.Item1, k.Item2));
    }

    private IMarginModel Load(Venue venue, string instrument)
    {
        // Only a name of the venue's grammar names a file: "../X" must not reach a file outside the directory.
        if (!VenueInfo.IsInstrument(venue, instrument))
            throw new VenueTierTableNotFoundException(venue, instrument, Instruments(venue));
        var file = VenueInfo.TierFileName(venue, instrument);
        var path = _directories[venue].Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists)
            ?? throw new VenueTierTableNotFoundException(venue, instrument, Instruments(venue));
        // Limit checked before the text is read: a table is at most MaxJsonChars characters (≤ 4 bytes each in UTF-8).
        var bytes = new FileInfo(path).Length;
        if (bytes > 4L * MarginTierTableJson.MaxJsonChars)
            throw new MarginTierTableException(path, null, null, $"the file has {bytes:N0} bytes; a tier table has at most {MarginTierTableJson.MaxJsonChars:N0} characters.");
        var model = MarginModels.Parse(venue, File.ReadAllText(path), path);
        if (!string.Equals(model.Symbol, instrument, StringComparison.Ordinal))
            throw new MarginTierTableException(path, null, "symbol", $"the file is named for {instrument} but declares '{model.Symbol}'.");
        return model;
    }
}

/// <summary>A venue has no tier table for the instrument asked for (or the name is not one of the venue's instruments). The
/// message names the venue and lists its instruments with a table; it holds no path.</summary>
public sealed class VenueTierTableNotFoundException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="venue">The venue.</param>
    /// <param name="instrument">The name asked for.</param>
    /// <param name="available">The venue's instruments with a table.</param>
    public VenueTierTableNotFoundException(Venue venue, string instrument, IReadOnlyList<string> available)
        : base($"No {VenueInfo.Name(venue)} tier table for '{Clip(instrument)}'" +
               (available.Count == 0 ? $"; {VenueInfo.Name(venue)} has no tier tables installed." : $"; {VenueInfo.Name(venue)} has tables for: {string.Join(", ", available)}.") +
               $" Add data/tiers/{VenueInfo.TierFolder(venue)}/<INSTRUMENT>.json (see data/README.md).")
    {
        Venue = venue;
        Instrument = instrument;
        Available = available;
    }

    /// <summary>The venue.</summary>
    public Venue Venue { get; }

    /// <summary>The name asked for.</summary>
    public string Instrument { get; }

    /// <summary>The venue's instruments with a table, sorted.</summary>
    public IReadOnlyList<string> Available { get; }

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
