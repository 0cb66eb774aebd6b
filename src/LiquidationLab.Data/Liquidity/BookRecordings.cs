using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Liquidity;

/// <summary>A recorded book series of one outcome token, with the token's trade prints, for replay and backtests.</summary>
/// <param name="ConditionId">Market id. For the l2-collector files, which carry none, <c>&lt;asset&gt;-updown-&lt;window&gt;-&lt;epoch&gt;</c>.</param>
/// <param name="TokenId">Outcome token (the <c>/book?token_id=</c> key): <c>…-up</c> / <c>…-down</c> for the collector files.</param>
/// <param name="Books">Snapshots in time order (equal timestamps: the last one kept).</param>
/// <param name="Trades">Trade prints in time order (may be empty).</param>
/// <param name="Source">The file the books came from.</param>
public sealed record BookRecording(string ConditionId, string TokenId, IReadOnlyList<OrderBook> Books, IReadOnlyList<TradePrint> Trades, string Source);

/// <summary>
/// Loads recorded Polymarket book series from a folder of raw collector files (the team's raw collection, <c>polymarket/Caiooooo__polymarket-l2-collector</c>): every
/// <c>…/&lt;window&gt;/&lt;asset&gt;/orderbooks/&lt;epoch&gt;&lt;up|down&gt;.json</c> (Caiooooo/polymarket-l2-collector: an array of
/// <c>{bids, asks, timestamp, …}</c>) with the matching <c>trades/</c> file when present. Single-snapshot captures are
/// not series and are skipped.
/// </summary>
public static partial class BookRecordings
{
    [GeneratedRegex(@"(?:^|[/\\])(\d+[mh])[/\\](\w+)[/\\]orderbooks[/\\](\d+)(up|down)\.json$", RegexOptions.IgnoreCase)]
    private static partial Regex CollectorBooks();

    /// <summary>Loads every recorded series under <paramref name="folder"/>, sorted by token id.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="OrderBookException">A snapshot is invalid; the message names the file and element.</exception>
    public static IReadOnlyList<BookRecording> Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Book recordings folder not found: {Path.GetFullPath(folder)}");
        var result = new List<BookRecording>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var m = CollectorBooks().Match(file);
            if (!m.Success) continue;
            var (window, asset, epoch, outcome) = (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value.ToLowerInvariant(), m.Groups[3].Value, m.Groups[4].Value.ToLowerInvariant());
            var condition = $"{asset}-updown-{window}-{epoch}";
            var books = ReadBooks(file);
            var tradesFile = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(file)!)!, "trades", Path.GetFileName(file));
            var trades = File.Exists(tradesFile) ? ReadTrades(tradesFile) : [];
            result.Add(new BookRecording(condition, $"{condition}-{outcome}", books, trades, file));
        }
        return result.OrderBy(r => r.TokenId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Loads the book series a store holds for <paramref name="venue"/> (e.g. the in-repo snapshot <c>data/real</c> once
    /// ingested), with each instrument's trade prints from <c>book_trades</c>, sorted by token id. By default only the
    /// recorded Up/Down series (instrument ids <c>…-up</c>/<c>…-down</c>, the collector's full-depth series, as
    /// <see cref="Load"/> reads from the raw files); their condition id is the id without that suffix. With
    /// <paramref name="allInstruments"/>, every instrument with at least two snapshots (top-of-book samples included),
    /// its condition id being the instrument id.
    /// </summary>
    /// <param name="store">An open store (read-only is enough).</param>
    /// <param name="venue">Venue of the books (default <c>polymarket</c>).</param>
    /// <param name="domain">Price domain of the books (default: probabilities in (0, 1), Polymarket's).</param>
    /// <param name="allInstruments">Include instruments other than the Up/Down series.</param>
    /// <exception cref="OrderBookException">A stored snapshot is invalid (crossed, out of domain); the message names the instrument and time.</exception>
    public static IReadOnlyList<BookRecording> FromStore(LabStore store, string venue = "polymarket", PriceDomain domain = PriceDomain.Probability,
        bool allInstruments = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        var ids = new List<(string Id, string Source)>();
        using (var cmd = store.Command(
            "SELECT b.instrument_id, string_agg(DISTINCT l.file_path, ', ' ORDER BY l.file_path) FROM book_snapshots b JOIN ingest_log l ON l.id = b.file_id " +
            "WHERE b.venue = $1 GROUP BY b.instrument_id HAVING count(DISTINCT b.time) >= 2 ORDER BY b.instrument_id", venue))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) ids.Add((r.GetString(0), r.GetString(1)));
        var reader = new MarketDataReader(store);
        var result = new List<BookRecording>();
        foreach (var (id, source) in ids)
        {
            var m = OutcomeSuffix().Match(id);
            if (!m.Success && !allInstruments) continue;
            var books = reader.BookSnapshots(venue, id, DateTime.MinValue, DateTime.MaxValue)
                .Select(s => OrderBook.FromSnapshot(s, domain, string.Create(CultureInfo.InvariantCulture, $"{venue}:{id} at {s.Time:yyyy-MM-dd HH:mm:ss.fff}")))
                .ToList();
            var trades = reader.BookTrades(venue, id);
            result.Add(new BookRecording(m.Success ? m.Groups[1].Value : id, id, books, trades, $"{store.Path}: {source}"));
        }
        return result.OrderBy(r => r.TokenId, StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"^(.+)-(up|down)$")]
    private static partial Regex OutcomeSuffix();

    /// <summary>Reads an array of book snapshots; snapshots sharing a timestamp keep the last.</summary>
    /// <exception cref="OrderBookException">Invalid JSON or snapshot, naming the file and element.</exception>
    public static IReadOnlyList<OrderBook> ReadBooks(string file)
    {
        using var doc = Parse(file);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new OrderBookException($"{file}: expected an array of book snapshots.");
        var books = new List<OrderBook>();
        var i = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var b = ClobJson.ParseBook(e, string.Create(CultureInfo.InvariantCulture, $"{file}: element {i++}"));
            if (books.Count > 0 && b.TimestampMs < books[^1].TimestampMs)
                throw new OrderBookException(string.Create(CultureInfo.InvariantCulture, $"{file}: element {i - 1}: timestamp {b.TimestampMs} goes back in time."));
            if (books.Count > 0 && b.TimestampMs == books[^1].TimestampMs) books[^1] = b;
            else books.Add(b);
        }
        return books;
    }

    /// <summary>Reads an array of trade prints, sorted by time.</summary>
    /// <exception cref="OrderBookException">Invalid JSON or print.</exception>
    public static IReadOnlyList<TradePrint> ReadTrades(string file)
    {
        using var doc = Parse(file);
        var trades = new List<TradePrint>();
        var i = 0;
        foreach (var e in doc.RootElement.EnumerateArray()) trades.Add(ClobJson.ParseTrade(e, string.Create(CultureInfo.InvariantCulture, $"{file}: element {i++}")));
        trades.Sort((a, b) => a.TimeMs.CompareTo(b.TimeMs));
        return trades;
    }

    private static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException e)
        {
            throw new OrderBookException($"{file}: invalid JSON: {e.Message}");
        }
    }
}
