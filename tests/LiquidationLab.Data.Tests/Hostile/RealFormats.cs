using System.Globalization;
using System.IO.Compression;
using System.Text;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Hostile;

/// <summary>What a field of a generated file holds, which decides the values that must be refused.</summary>
public enum FieldKind
{
    /// <summary>A price or size: finite, &gt; 0.</summary>
    Positive,

    /// <summary>A volume, USD total or open interest: finite, ≥ 0.</summary>
    NonNegative,

    /// <summary>A funding rate: finite, within ±1.</summary>
    Rate,

    /// <summary>An epoch in milliseconds.</summary>
    EpochMs,

    /// <summary>A UTC date-time text.</summary>
    IsoTime,

    /// <summary>A Polymarket price: a decimal in (0, 1).</summary>
    Probability,
}

/// <summary>A field the row rules cover.</summary>
/// <param name="Index">Position in the row.</param>
/// <param name="Name">The file's field name, which an error must name.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Required">Whether an empty value must be refused.</param>
public sealed record CheckedField(int Index, string Name, FieldKind Kind, bool Required = true);

/// <summary>How a generated file is written.</summary>
/// <param name="Header">Write the header line (formats that have one).</param>
/// <param name="Crlf">End lines with CRLF.</param>
/// <param name="Quoted">Quote every CSV field.</param>
/// <param name="Repeat">Write the rows this many times in one file.</param>
/// <param name="Packed">Wrap a CSV in a .zip (Binance Vision) or re-gzip a recording at another level.</param>
public sealed record Variant(bool Header = true, bool Crlf = false, bool Quoted = false, int Repeat = 1, bool Packed = false);

/// <summary>
/// One input format, with rows taken from the repository's real-data snapshot (<c>data/real</c>): the generator behind the
/// hostile-input suite. Rows are text fields; <see cref="Write"/> turns them into the format's bytes, so a mutation is a
/// change of one field (or of the bytes) of real data.
/// </summary>
public sealed class RealFormat
{
    public required string Name { get; init; }

    /// <summary>File name (the importers recognise formats by name and first line).</summary>
    public required string FileName { get; init; }

    public string? Header { get; init; }

    public required IReadOnlyList<string[]> Rows { get; init; }

    public required IReadOnlyList<CheckedField> Fields { get; init; }

    /// <summary>The table the rows land in and how many rows one copy of the file gives there.</summary>
    public required (string Table, long Rows) Lands { get; init; }

    /// <summary>Lines (or records) before the first row: the header line, if any.</summary>
    public int Preamble(Variant v) => Header is not null && v.Header ? 1 : 0;

    /// <summary>How an error names the row at index i: "line n" for text formats, "element i" for a JSON array.</summary>
    public Func<int, Variant, string> Location { get; init; } = (i, v) => "";

    /// <summary>Serialises rows (a CSV line or a JSON record each).</summary>
    public required Func<IReadOnlyList<string[]>, Variant, byte[]> Serialize { get; init; }

    /// <summary>The importers to use (null: the built-in ones).</summary>
    public IReadOnlyList<IImporter>? Importers { get; init; }

    /// <summary>Whether the format supports <see cref="Variant.Header"/> = false and <see cref="Variant.Quoted"/>.</summary>
    public bool Csv { get; init; }

    /// <summary>Writes the file under <paramref name="folder"/> (a fresh sub-folder per call, so names never clash).</summary>
    public string Write(string folder, IReadOnlyList<string[]> rows, Variant? variant = null, string? fileName = null)
    {
        variant ??= new Variant();
        var target = Directory.CreateDirectory(Path.Combine(folder, "in-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        var name = fileName ?? FileName;
        var bytes = Serialize(rows, variant);
        if (variant.Packed && name.EndsWith(".csv", StringComparison.Ordinal))
        {
            var zip = Path.Combine(target, name[..^4] + ".zip");
            using var archive = ZipFile.Open(zip, ZipArchiveMode.Create);
            using var entry = archive.CreateEntry(name).Open();
            entry.Write(bytes);
            return zip;
        }
        var path = Path.Combine(target, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public Ingestor Ingestor(LabStore store) => new(store, Importers);

    public override string ToString() => Name;

    internal static byte[] CsvBytes(string? header, IReadOnlyList<string[]> rows, Variant v)
    {
        var eol = v.Crlf ? "\r\n" : "\n";
        var sb = new StringBuilder();
        if (header is not null && v.Header) sb.Append(header).Append(eol);
        for (var r = 0; r < v.Repeat; r++)
            foreach (var row in rows)
                sb.Append(string.Join(',', v.Quoted ? row.Select(f => "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"") : row)).Append(eol);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    internal static byte[] Gzip(string text, bool other)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, other ? CompressionLevel.Fastest : CompressionLevel.Optimal)) gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }
}

/// <summary>The formats, built once per test process from the real-data snapshot.</summary>
public static class RealFormats
{
    private static readonly Lazy<IReadOnlyList<RealFormat>> Lazy = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every format.</summary>
    public static IReadOnlyList<RealFormat> All => Lazy.Value;

    public static RealFormat Get(string name) => All.Single(f => f.Name == name);

    private static List<string[]> Query(LabStore store, string sql)
    {
        var rows = new List<string[]>();
        using var cmd = store.Command(sql);
        using var r = cmd.ExecuteReader();
        while (r.Read())
            rows.Add(Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)!).ToArray());
        return rows.Count > 0 ? rows : throw new InvalidOperationException($"The real snapshot returned no rows for: {sql}");
    }

    private static string Line(int i, Variant v, int preamble) => string.Create(CultureInfo.InvariantCulture, $"line {i + 1 + preamble}");

    private static List<RealFormat> Build()
    {
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var formats = new List<RealFormat>();

        const string aggHeader = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker";
        var agg = Query(store, "SELECT agg_trade_id, CAST(price AS VARCHAR), CAST(quantity AS VARCHAR), first_trade_id, last_trade_id, epoch_ms(transact_time), " +
                               "CASE WHEN is_buyer_maker THEN 'true' ELSE 'false' END FROM agg_trades WHERE symbol = 'BTCUSDT' ORDER BY agg_trade_id LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "binance-vision-aggTrades", FileName = "BTCUSDT-aggTrades-2024-07-18.csv", Header = aggHeader, Rows = agg, Csv = true,
            Fields = [new(1, "price", FieldKind.Positive), new(2, "quantity", FieldKind.Positive), new(5, "transact_time", FieldKind.EpochMs)],
            Lands = ("agg_trades", agg.Count),
            Location = (i, v) => Line(i, v, v.Header ? 1 : 0),
            Serialize = (rows, v) => RealFormat.CsvBytes(aggHeader, rows, v),
        });

        const string tradeHeader = "id,price,qty,quote_qty,time,is_buyer_maker";
        var trades = Query(store, "SELECT trade_id, CAST(price AS VARCHAR), CAST(quantity AS VARCHAR), CAST(round(quote_quantity, 8) AS VARCHAR), epoch_ms(transact_time), " +
                                  "CASE WHEN is_buyer_maker THEN 'true' ELSE 'false' END FROM trades WHERE symbol = 'ETHUSDT' ORDER BY trade_id LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "binance-vision-trades", FileName = "ETHUSDT-trades-2024-07-18.csv", Header = tradeHeader, Rows = trades, Csv = true,
            Fields = [new(1, "price", FieldKind.Positive), new(2, "qty", FieldKind.Positive), new(3, "quote_qty", FieldKind.NonNegative, Required: false), new(4, "time", FieldKind.EpochMs)],
            Lands = ("trades", trades.Count),
            Location = (i, v) => Line(i, v, v.Header ? 1 : 0),
            Serialize = (rows, v) => RealFormat.CsvBytes(tradeHeader, rows, v),
        });

        const string klineHeader = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
        var klines = Query(store, "SELECT epoch_ms(open_time), CAST(open AS VARCHAR), CAST(high AS VARCHAR), CAST(low AS VARCHAR), CAST(close AS VARCHAR), " +
                                  "'12.5', epoch_ms(open_time) + 299999, '800000.25', '321', '6.25', '400000.5', '0' FROM klines " +
                                  "WHERE market = 'perp' AND interval = '5m' ORDER BY open_time LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "binance-vision-klines", FileName = "BTCUSDT-5m-2026-06-08.csv", Header = klineHeader, Rows = klines, Csv = true,
            Fields =
            [
                new(0, "open_time", FieldKind.EpochMs), new(1, "open", FieldKind.Positive), new(2, "high", FieldKind.Positive), new(3, "low", FieldKind.Positive),
                new(4, "close", FieldKind.Positive), new(5, "volume", FieldKind.NonNegative, Required: false), new(8, "count", FieldKind.NonNegative, Required: false),
            ],
            Lands = ("klines", klines.Count),
            Location = (i, v) => Line(i, v, v.Header ? 1 : 0),
            Serialize = (rows, v) => RealFormat.CsvBytes(klineHeader, rows, v),
        });

        const string fundingHeader = "calc_time,funding_interval_hours,last_funding_rate";
        var funding = Query(store, "SELECT epoch_ms(funding_time), '8', CAST(funding_rate AS VARCHAR) FROM funding_rates " +
                                   "WHERE source = 'binance-fundingRate' AND symbol = 'ETHUSDT' ORDER BY funding_time LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "binance-vision-fundingRate", FileName = "ETHUSDT-fundingRate-2023-01.csv", Header = fundingHeader, Rows = funding, Csv = true,
            Fields = [new(0, "calc_time", FieldKind.EpochMs), new(2, "last_funding_rate", FieldKind.Rate)],
            Lands = ("funding_rates", funding.Count),
            Location = (i, v) => Line(i, v, v.Header ? 1 : 0),
            Serialize = (rows, v) => RealFormat.CsvBytes(fundingHeader, rows, v),
        });

        const string liqHeader = "timestamp,long_usd,short_usd";
        var liq = Query(store, "SELECT strftime(period_start, '%Y-%m-%d %H:%M:%S'), CAST(long_usd AS VARCHAR), CAST(short_usd AS VARCHAR) FROM liquidation_totals " +
                               "WHERE exchange_scope = 'Binance' AND symbol = 'BTC' ORDER BY period_start LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "coinglass-liquidation-binance", FileName = "coinglass_liquidation_4h.csv", Header = liqHeader, Rows = liq,
            Fields = [new(0, "timestamp", FieldKind.IsoTime), new(1, "long_usd", FieldKind.NonNegative), new(2, "short_usd", FieldKind.NonNegative)],
            Lands = ("liquidation_totals", liq.Count),
            Location = (i, v) => Line(i, v, 1),
            Serialize = (rows, v) => RealFormat.CsvBytes(liqHeader, rows, v with { Header = true }),
        });

        // Open-interest bars through --map: the layout a user declares for a file LiquidationLab does not know.
        const string mappedHeader = "ts,oi";
        var oi = Query(store, "SELECT epoch_ms(time), CAST(oi_usd AS VARCHAR) FROM open_interest WHERE source = 'coinglass' AND interval = '4h' AND symbol = 'BTC' ORDER BY time LIMIT 120");
        var mapping = new BarMapping(BarMapping.ParsePairs("ts=time,oi=oi_usd"), "BTC", "all-exchanges", Source: "mapped-test", Interval: "4h");
        formats.Add(new RealFormat
        {
            Name = "mapped-open-interest", FileName = "oi_export.csv", Header = mappedHeader, Rows = oi,
            Fields = [new(0, "ts", FieldKind.EpochMs), new(1, "oi", FieldKind.NonNegative, Required: false)],
            Lands = ("open_interest", oi.Count),
            Importers = [new MappedBarImporter(mapping)],
            Location = (i, v) => Line(i, v, 1),
            Serialize = (rows, v) => RealFormat.CsvBytes(mappedHeader, rows, v with { Header = true }),
        });

        // Websocket recording lines rebuilt from real BTCUSDT trades: "<local ns> {stream, data}".
        var ws = Query(store, "SELECT epoch_ns(transact_time) + 1500000, epoch_ms(transact_time), trade_id, CAST(price AS VARCHAR), CAST(quantity AS VARCHAR), " +
                              "CASE WHEN is_buyer_maker THEN 'true' ELSE 'false' END FROM trades WHERE symbol = 'BTCUSDT' ORDER BY trade_id LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "binance-ws-recording", FileName = "btcusdt_20240718.gz", Rows = ws,
            Fields = [new(1, "T", FieldKind.EpochMs), new(3, "p", FieldKind.Positive), new(4, "q", FieldKind.Positive)],
            Lands = ("trades", ws.Count),
            Location = (i, v) => Line(i, v, 0),
            Serialize = (rows, v) =>
            {
                var eol = v.Crlf ? "\r\n" : "\n";
                var sb = new StringBuilder();
                for (var r = 0; r < v.Repeat; r++)
                    foreach (var f in rows)
                        sb.Append(f[0]).Append(" {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":").Append(long.Parse(f[0], CultureInfo.InvariantCulture) / 1_000_000).Append(",\"T\":").Append(f[1])
                          .Append(",\"s\":\"BTCUSDT\",\"t\":").Append(f[2]).Append(",\"p\":\"").Append(f[3]).Append("\",\"q\":\"").Append(f[4])
                          .Append("\",\"X\":\"MARKET\",\"m\":").Append(f[5]).Append("}}").Append(eol);
                return RealFormat.Gzip(sb.ToString(), v.Packed);
            },
        });

        // A Polymarket trade series rebuilt from the real collector's trades, with trade ids.
        var pm = Query(store, "SELECT instrument_id, CAST(price AS VARCHAR), CAST(size AS VARCHAR), coalesce(side, 'BUY'), epoch_ms(time), " +
                              "'0x' || md5(concat_ws('/', instrument_id, time, price, size, row_number() OVER ())) FROM book_trades " +
                              "WHERE price > 0 AND price < 1 AND size > 0 ORDER BY time, instrument_id LIMIT 120");
        formats.Add(new RealFormat
        {
            Name = "polymarket-trades", FileName = "trades_series.json", Rows = pm,
            Fields = [new(1, "price", FieldKind.Probability), new(2, "size", FieldKind.Positive), new(4, "timestamp", FieldKind.EpochMs)],
            Lands = ("book_trades", pm.Count),
            Location = (i, v) => string.Create(CultureInfo.InvariantCulture, $"element {i}"),
            Serialize = (rows, v) =>
            {
                var sb = new StringBuilder("[");
                var first = true;
                for (var r = 0; r < v.Repeat; r++)
                    foreach (var f in rows)
                    {
                        if (!first) sb.Append(',').Append(v.Crlf ? "\r\n" : "\n");
                        first = false;
                        sb.Append("{\"asset_id\":\"").Append(f[0]).Append("\",\"price\":\"").Append(f[1]).Append("\",\"size\":\"").Append(f[2])
                          .Append("\",\"side\":\"").Append(f[3]).Append("\",\"timestamp\":\"").Append(f[4]).Append("\",\"id\":\"").Append(f[5]).Append("\"}");
                    }
                return Encoding.UTF8.GetBytes(sb.Append(']').ToString());
            },
        });
        return formats;
    }
}
