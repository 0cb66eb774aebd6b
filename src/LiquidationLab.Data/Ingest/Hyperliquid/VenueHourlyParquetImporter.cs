using System.Globalization;
using System.Text;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest.Hyperliquid;

/// <summary>
/// Multi-venue hourly Parquet tables of <c>0xknxwledge/group-m-finm33150-final</c>: candles (<c>timestamp, venue, coin, o, h,
/// l, c, v</c>) into <c>klines</c> (interval <c>1h</c>, market <c>perp</c>, <c>v</c> as base volume) and open interest
/// (<c>timestamp, venue, coin, oi_usd</c>) into <c>open_interest</c> (source <c>group-m-hourly</c>; interval <c>1h</c> for
/// rows on the hour, <c>snapshot</c> for the single off-hour readings). Detected from the Parquet schema in the file's footer.
/// </summary>
/// <remarks>
/// Venues are named as the store names them where the instrument is known — <c>binance</c> → <c>binance-usdm</c>
/// <c>&lt;COIN&gt;USDT</c> (checked: 0.1 ticks and about 40 USD under Binance spot, i.e. the USDⓈ-M perpetual), <c>bybit</c> →
/// <c>bybit-linear</c> <c>&lt;COIN&gt;USDT</c>, <c>okx</c> → <c>okx-swap</c> <c>&lt;COIN&gt;-USDT-SWAP</c>, <c>hyperliquid</c> →
/// <c>hyperliquid</c> <c>&lt;COIN&gt;</c> — and otherwise by the file's own label with the coin as symbol. Venue labels and coins
/// must be 1–20 letters or digits. Values are checked by <see cref="RowRules"/> (naming the row), keys repeated with other
/// values fail the file, and a key stored with other values goes to the revisions as for every keyed series.
/// </remarks>
public sealed class VenueHourlyParquetImporter : IImporter
{
    /// <summary>Largest Parquet footer read to detect the file, in bytes: 1 MiB.</summary>
    public const int MaxFooterBytes = 1 << 20;

    /// <summary>The <c>source</c> of the open-interest rows.</summary>
    public const string Source = "group-m-hourly";

    /// <inheritdoc />
    public string Kind => "venue-hourly-parquet";

    /// <inheritdoc />
    public string Description => "Multi-venue hourly Parquet (group-m): candles (timestamp, venue, coin, o, h, l, c, v) → klines 1h; open interest (timestamp, venue, coin, oi_usd) → open_interest.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => Layout(probe.Path) is not null;

    /// <summary>Which table the Parquet file's columns describe: <c>klines</c>, <c>open_interest</c>, or null.</summary>
    internal static string? Layout(string path)
    {
        if (!path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            using var f = File.OpenRead(path);
            if (f.Length < 12) return null;
            Span<byte> tail = stackalloc byte[8];
            f.Seek(-8, SeekOrigin.End);
            f.ReadExactly(tail);
            if (Encoding.ASCII.GetString(tail[4..]) != "PAR1") return null;
            var length = BitConverter.ToInt32(tail[..4]);
            if (length <= 0 || length > MaxFooterBytes || length > f.Length - 12) return null;
            var footer = new byte[length];
            f.Seek(-8 - length, SeekOrigin.End);
            f.ReadExactly(footer);
            var text = Encoding.Latin1.GetString(footer);
            bool Has(params string[] names) => names.All(n => text.Contains(n, StringComparison.Ordinal));
            if (!Has("timestamp", "venue", "coin")) return null;
            if (Has("oi_usd")) return "open_interest";
            return text.Contains("\u0001o", StringComparison.Ordinal) && text.Contains("\u0001c", StringComparison.Ordinal) && text.Contains("\u0001v", StringComparison.Ordinal)
                ? "klines" : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var table = Layout(context.Path) ?? throw new IngestException(context.Path, "not a group-m hourly Parquet table (columns timestamp, venue, coin and o/h/l/c/v or oi_usd).");
        var file = Sql.Literal(context.Path);
        string[] required = table == "klines" ? ["timestamp", "venue", "coin", "o", "h", "l", "c", "v"] : ["timestamp", "venue", "coin", "oi_usd"];
        var columns = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var cmd = context.Store.Command($"SELECT name FROM parquet_schema({file})");
            using var r = cmd.ExecuteReader();
            while (r.Read()) columns.Add(r.GetString(0));
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException)
        {
            throw new IngestException(context.Path, $"unreadable Parquet file ({ImportFiles.Brief(e)}).", e);
        }
        if (required.FirstOrDefault(c => !columns.Contains(c)) is { } missing) throw new IngestException(context.Path, $"field {missing}: missing.");

        // Names that become series names are checked before anything is written.
        var src = $"(SELECT *, row_number() OVER () AS source_line FROM read_parquet({file}))";
        var bad = context.Store.Scalar<string?>(
            $"SELECT 'row ' || source_line || ': field ' || CASE WHEN NOT regexp_full_match(coalesce(venue, ''), '[A-Za-z0-9]{{1,20}}') THEN 'venue: ''' || left(coalesce(venue, 'NULL'), 40) || '''' " +
            $"ELSE 'coin: ''' || left(coalesce(coin, 'NULL'), 40) || '''' END || ' is not 1–20 letters or digits' FROM {src} " +
            "WHERE NOT regexp_full_match(coalesce(venue, ''), '[A-Za-z0-9]{1,20}') OR NOT regexp_full_match(coalesce(coin, ''), '[A-Za-z0-9]{1,20}') ORDER BY source_line LIMIT 1");
        if (bad is not null) throw new IngestException(context.Path, bad + ".");

        const string venue = "CASE lower(venue) WHEN 'binance' THEN 'binance-usdm' WHEN 'bybit' THEN 'bybit-linear' WHEN 'okx' THEN 'okx-swap' ELSE lower(venue) END";
        const string symbol = "CASE lower(venue) WHEN 'binance' THEN upper(coin) || 'USDT' WHEN 'bybit' THEN upper(coin) || 'USDT' WHEN 'okx' THEN upper(coin) || '-USDT-SWAP' ELSE upper(coin) END";
        const string time = "CAST(timestamp AT TIME ZONE 'UTC' AS TIMESTAMP)";
        try
        {
            return TimeSeriesWriter.Outcome(
            [
                table == "klines"
                    ? TimeSeriesWriter.Merge(context, "klines",
                        $"SELECT {venue} AS venue, {symbol} AS symbol, 'perp' AS market, '1h' AS interval, {time} AS open_time, o AS open, h AS high, l AS low, c AS close, v AS volume, source_line FROM {src}",
                        ["venue", "symbol", "market", "interval", "open_time", "open", "high", "low", "close", "volume"], ["venue", "symbol", "market", "interval", "open_time"],
                        "open_time", "source_line", new Dictionary<string, string> { ["open_time"] = "timestamp", ["open"] = "o", ["high"] = "h", ["low"] = "l", ["close"] = "c", ["volume"] = "v" })
                    : TimeSeriesWriter.Merge(context, "open_interest",
                        $"SELECT {venue} AS venue, {symbol} AS symbol, '{Source}' AS source, CASE WHEN epoch_us({time}) % 3600000000 = 0 THEN '1h' ELSE 'snapshot' END AS interval, " +
                        $"{time} AS time, oi_usd, source_line FROM {src}",
                        ["venue", "symbol", "source", "interval", "time", "oi_usd"], ["venue", "symbol", "source", "interval", "time"], "time", "source_line",
                        new Dictionary<string, string> { ["time"] = "timestamp" }),
            ], table == "klines" ? "hourly candles, v in base units" : "open interest in USD");
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException)
        {
            throw new IngestException(context.Path, ImportFiles.Brief(e), e);
        }
    }
}
