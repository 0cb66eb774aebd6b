using System.Globalization;
using System.Text.Json;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;
using Microsoft.Data.Sqlite;

namespace LiquidationLab.Data.Ingest.Liquidations;

/// <summary>
/// Writes staged liquidation prints into <c>liquidation_orders</c>: identical events (same venue, symbol, time, order side,
/// price and quantity) are one row — within the file (archives that repeat rows) and against the store (a print recorded
/// live and the same print from a file). The staging table <c>print_stage</c> has the store's columns plus
/// <c>source_line</c>.
/// </summary>
internal static class PrintStage
{
    /// <summary>Creates the staging table from its declaration (<see cref="PrintStageRow"/>).</summary>
    public static string Create { get; } = PrintStageRow.Table.CreateTempTable(PrintStageRow.Table.Name);

    /// <summary>Its columns, for an <c>INSERT INTO print_stage (…) SELECT</c>.</summary>
    public static string Columns => PrintStageRow.Table.ColumnList;

    /// <summary>A typed writer of staged prints.</summary>
    public static TableWriter<PrintStageRow> Writer(LabStore store) => new(store.Connection);

    /// <summary>Moves the staged rows into the store; returns the outcome (rows added, span, duplicates skipped).</summary>
    public static ImportOutcome Commit(ImportContext context, string what)
    {
        var store = context.Store;
        try
        {
            var staged = store.Scalar<long>("SELECT count(*) FROM print_stage");
            var rows = store.Execute($"""
                INSERT INTO liquidation_orders ({LiquidationOrderRow.Table.ColumnList})
                SELECT venue, symbol, time, side, price, quantity, order_type, NULL, {context.FileId}, liquidated_side, average_price, filled_quantity, source
                FROM (SELECT DISTINCT ON (venue, symbol, time, side, price, quantity) * FROM print_stage ORDER BY source_line) s
                WHERE NOT EXISTS (SELECT 1 FROM liquidation_orders o WHERE o.venue = s.venue AND o.symbol = s.symbol AND o.time = s.time
                                  AND o.side = s.side AND o.price = s.price AND o.quantity = s.quantity)
                """);
            DateTime? first = null, last = null;
            using (var cmd = store.Command("SELECT min(time), max(time) FROM liquidation_orders WHERE file_id = $1", context.FileId))
            using (var r = cmd.ExecuteReader())
                if (r.Read() && !r.IsDBNull(0)) (first, last) = (r.GetDateTime(0), r.GetDateTime(1));
            var detail = string.Create(CultureInfo.InvariantCulture, $"liquidation_orders +{rows} ({what}; {staged - rows} repeated or already stored)");
            return new ImportOutcome(rows, first, last, detail);
        }
        finally
        {
            store.ExecuteCleanup("DROP TABLE IF EXISTS print_stage");
        }
    }

    /// <summary>Finds the first staged row breaking a rule and throws naming its line and field.</summary>
    public static void Check(ImportContext context, params (string Predicate, string Field, string Problem)[] rules)
    {
        foreach (var (predicate, field, problem) in rules)
        {
            using var cmd = context.Store.Command($"SELECT source_line FROM print_stage WHERE NOT ({predicate}) ORDER BY source_line LIMIT 1");
            var line = cmd.ExecuteScalar();
            if (line is not null and not DBNull)
                throw new IngestException(context.Path, string.Create(CultureInfo.InvariantCulture, $"line {Convert.ToInt64(line, CultureInfo.InvariantCulture)}: field {field}: {problem}"));
        }
    }

    /// <summary>The earliest epoch millisecond a print may carry (<see cref="TimeBounds.Earliest"/>).</summary>
    public static long EarliestMs => (long)(TimeBounds.Earliest - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>The latest epoch millisecond a print may carry now (<see cref="TimeBounds.Latest"/>).</summary>
    public static long LatestMs => (long)(TimeBounds.Latest - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>
    /// The UTC time of epoch milliseconds <paramref name="ms"/>, checked against <see cref="TimeBounds"/> before any
    /// arithmetic (so <c>9e18</c> is refused in words, not by an overflow).
    /// </summary>
    /// <exception cref="FormatException">Outside the bounds; the message names <paramref name="field"/>.</exception>
    public static DateTime EpochMs(long ms, string field) => ms >= EarliestMs && ms <= LatestMs
        ? DateTime.UnixEpoch.AddMilliseconds(ms)
        : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"field {field}: epoch {ms} ms is outside {TimeBounds.Earliest:yyyy-MM-dd} … now + {TimeBounds.FutureTolerance.TotalHours:0} h (a wrong epoch unit, a placeholder date or a corrupt value)."));

    /// <summary>The order side a liquidated position's closing order has: a long is closed by a SELL.</summary>
    public static string OrderSide(string liquidatedSide) => liquidatedSide == "long" ? "SELL" : "BUY";
}

/// <summary>
/// A recorder's CSV of Binance USDⓈ-M <c>forceOrder</c> events: header <c>Symbol,Side,Order Type,Time,Quantity,Price</c>,
/// <c>Time</c> the event's <c>T</c> in ms UTC, <c>Price</c> the order's limit price <c>p</c> (not the average fill
/// <c>ap</c>), <c>Quantity</c> the order's <c>q</c> in base units. Side SELL = a liquidated long.
/// </summary>
public sealed class ForceOrderCsvImporter : IImporter
{
    /// <summary>The exact header.</summary>
    public const string Header = "Symbol,Side,Order Type,Time,Quantity,Price";

    /// <inheritdoc />
    public string Kind => "binance-forceorder-csv";

    /// <inheritdoc />
    public string Description => "Binance USDⓈ-M forceOrder prints recorded as CSV (Symbol,Side,Order Type,Time,Quantity,Price; order price p, base quantity q).";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine?.Trim().Trim('\uFEFF') == Header;

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var store = context.Store;
        store.Execute(PrintStage.Create);
        var src = $"read_csv({LabStore.Literal(context.Path)}, header = true, auto_detect = false, all_varchar = true, " +
                  "columns = {'symbol': 'VARCHAR', 'side': 'VARCHAR', 'order_type': 'VARCHAR', 'time': 'VARCHAR', 'quantity': 'VARCHAR', 'price': 'VARCHAR'})";
        store.Execute($"""
            INSERT INTO print_stage ({PrintStage.Columns})
            SELECT 'binance-usdm', upper(trim(symbol)),
                   CASE WHEN TRY_CAST(time AS BIGINT) BETWEEN {PrintStage.EarliestMs} AND {PrintStage.LatestMs} THEN make_timestamp(TRY_CAST(time AS BIGINT) * 1000) END,
                   upper(trim(side)), TRY_CAST(price AS DOUBLE),
                   TRY_CAST(quantity AS DOUBLE), upper(trim(order_type)), CASE upper(trim(side)) WHEN 'SELL' THEN 'long' WHEN 'BUY' THEN 'short' END,
                   NULL, NULL, 'binance-forceOrder-csv', row_number() OVER () + 1
            FROM {src}
            """);
        PrintStage.Check(context,
            ("symbol <> ''", "Symbol", "empty."),
            ("liquidated_side IS NOT NULL", "Side", "expected BUY or SELL."),
            ("time IS NOT NULL", "Time", $"expected epoch milliseconds within {TimeBounds.Earliest:yyyy-MM-dd} … now + {TimeBounds.FutureTolerance.TotalHours:0} h."),
            ("price > 0 AND isfinite(price)", "Price", "expected a positive number."),
            ("quantity > 0 AND isfinite(quantity)", "Quantity", "expected a positive number."));
        return PrintStage.Commit(context, "forceOrder CSV, order price p");
    }
}

/// <summary>
/// Binance USDⓈ-M <c>forceOrder</c> websocket messages, one JSON object per line: the event
/// (<c>{"e":"forceOrder","E":…,"o":{…}}</c>), the combined-stream wrapper (<c>{"stream":"btcusdt@forceOrder" or
/// "!forceOrder@arr","data":{…}}</c>), optionally after a local receive time (<c>&lt;ms&gt; {json}</c>). Fields of
/// <c>o</c>: <c>s</c> symbol, <c>S</c> order side, <c>o</c> type, <c>q</c> order quantity, <c>p</c> order price,
/// <c>ap</c> average fill price, <c>z</c> filled quantity, <c>T</c> trade time.
/// </summary>
public sealed class ForceOrderJsonImporter : IImporter
{
    /// <inheritdoc />
    public string Kind => "binance-forceorder-json";

    /// <inheritdoc />
    public string Description => "Binance USDⓈ-M forceOrder websocket messages, one per line (single stream or !forceOrder@arr; p and ap kept apart).";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine is { } l && l.Contains("\"forceOrder\"", StringComparison.Ordinal) && l.Contains("\"o\"", StringComparison.Ordinal);

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var store = context.Store;
        store.Execute(PrintStage.Create);
        using (var stage = PrintStage.Writer(store))
        using (var reader = ImportFiles.OpenText(context.Path))
        {
            string? line;
            long number = 0;
            while ((line = reader.ReadLine()) is not null)
            {
                number++;
                var text = line.Trim();
                if (text.Length == 0) continue;
                var brace = text.IndexOf('{', StringComparison.Ordinal);
                if (brace < 0) throw new IngestException(context.Path, $"line {number}: expected a JSON object.");
                try
                {
                    using var doc = JsonDocument.Parse(text.AsMemory(brace));
                    var root = doc.RootElement;
                    var evt = root.TryGetProperty("data", out var data) ? data : root;
                    if (!evt.TryGetProperty("e", out var e) || e.GetString() != "forceOrder") continue; // other streams on the same connection
                    var o = evt.TryGetProperty("o", out var order) ? order : throw new FormatException("field o: missing.");
                    var symbol = Str(o, "s");
                    var side = Str(o, "S").ToUpperInvariant();
                    var liquidated = side switch { "SELL" => "long", "BUY" => "short", _ => throw new FormatException($"field o.S: expected BUY or SELL, found '{side}'.") };
                    var price = Positive(o, "p");
                    var quantity = Positive(o, "q");
                    // ap and z are 0 until the order fills: 0 is "none"; anything else must be a real price or size.
                    var ap = o.TryGetProperty("ap", out _) ? Fill(o, "ap") : null;
                    var z = o.TryGetProperty("z", out _) ? Fill(o, "z") : null;
                    var time = o.TryGetProperty("T", out var t) ? Time(t, "o.T")
                        : evt.TryGetProperty("E", out var eventTime) ? Time(eventTime, "E") : throw new FormatException("field o.T: missing (and no event time E).");
                    stage.Append(new PrintStageRow("binance-usdm", symbol, time, side, price, quantity, o.TryGetProperty("o", out var ot) ? ot.GetString() : "LIMIT",
                        liquidated, ap, z, "binance-forceOrder", number));
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentOutOfRangeException or OverflowException)
                {
                    throw new IngestException(context.Path, $"line {number}: {ex.Message}", ex);
                }
            }
        }
        return PrintStage.Commit(context, "forceOrder messages, order price p and average price ap");
    }

    private static string Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s.ToUpperInvariant()
            : throw new FormatException($"field o.{name}: missing or not a string.");

    /// <summary>A price or quantity: finite, &gt; 0 and at most <see cref="RowRules.MaxMagnitude"/>.</summary>
    private static double Positive(JsonElement o, string name)
    {
        var v = Num(o, name);
        return v > 0 && v <= RowRules.MaxMagnitude ? v
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"field o.{name}: {o.GetProperty(name).GetRawText()} is not a finite positive number of at most 1e15."));
    }

    /// <summary>A fill's average price or size: 0 (no fill yet) is none; otherwise finite, &gt; 0 and at most <see cref="RowRules.MaxMagnitude"/>.</summary>
    private static double? Fill(JsonElement o, string name)
    {
        var v = Num(o, name);
        if (v == 0) return null;
        return v > 0 && v <= RowRules.MaxMagnitude ? v
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"field o.{name}: {o.GetProperty(name).GetRawText()} is not 0 or a finite positive number of at most 1e15."));
    }

    /// <summary>An event or trade time: integer epoch milliseconds within <see cref="TimeBounds"/>.</summary>
    private static DateTime Time(JsonElement v, string field) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ms) ? PrintStage.EpochMs(ms, field)
            : throw new FormatException($"field {field}: expected integer epoch milliseconds, found {v.GetRawText()}.");

    private static double Num(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v)) throw new FormatException($"field o.{name}: missing.");
        return v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => throw new FormatException($"field o.{name}: expected a number, found {v.GetRawText()}."),
        };
    }
}

/// <summary>
/// Hyperliquid's published liquidations (<c>liquidations.csv</c>: time, user, liquidated notional, account value, margin
/// mode — no coin, side or price) joined to the liquidated user's fills in the same second from <c>non_mm_trades.csv</c>
/// beside it (coin, side Ask/Bid, px, sz): the user's Ask closes a liquidated long. Several fills of one liquidation are
/// one print at their size-weighted price.
/// </summary>
public sealed class HyperliquidLiquidationsImporter : IImporter
{
    /// <summary>The header of liquidations.csv.</summary>
    public const string Header = "time,user,liquidated_ntl_pos,liquidated_account_value,leverage_type";

    /// <inheritdoc />
    public string Kind => "hyperliquid-liquidations";

    /// <inheritdoc />
    public string Description => "Hyperliquid liquidations.csv joined to non_mm_trades.csv beside it (coin, side and price of each liquidation).";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine?.Trim() == Header;

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var trades = Path.Combine(Path.GetDirectoryName(context.Path)!, "non_mm_trades.csv");
        if (!File.Exists(trades))
            throw new IngestException(context.Path, $"the liquidations carry no coin, side or price: {trades} (the publisher's trades file) must lie beside it.");
        var store = context.Store;
        store.Execute(PrintStage.Create);
        var liq = $"read_csv({LabStore.Literal(context.Path)}, header = true, auto_detect = false, all_varchar = true, " +
                  "columns = {'time': 'VARCHAR', 'user': 'VARCHAR', 'ntl': 'VARCHAR', 'account': 'VARCHAR', 'leverage_type': 'VARCHAR'})";
        var fills = $"read_csv({LabStore.Literal(trades)}, header = true, auto_detect = false, all_varchar = true, " +
                    "columns = {'time': 'VARCHAR', 'user': 'VARCHAR', 'coin': 'VARCHAR', 'side': 'VARCHAR', 'px': 'VARCHAR', 'sz': 'VARCHAR', 'crossed': 'VARCHAR'})";
        store.Execute($"""
            INSERT INTO print_stage ({PrintStage.Columns})
            WITH l AS (SELECT TRY_CAST(time AS TIMESTAMP) AS t, user, row_number() OVER () + 1 AS line FROM {liq}),
                 f AS (SELECT TRY_CAST(time AS TIMESTAMP) AS t, user, upper(coin) AS coin, side, TRY_CAST(px AS DOUBLE) AS px, TRY_CAST(sz AS DOUBLE) AS sz FROM {fills})
            SELECT 'hyperliquid', coin, l.t, CASE any_value(f.side) WHEN 'Ask' THEN 'SELL' ELSE 'BUY' END,
                   sum(f.px * f.sz) / sum(f.sz), sum(f.sz), 'LIQUIDATION', CASE any_value(f.side) WHEN 'Ask' THEN 'long' WHEN 'Bid' THEN 'short' END,
                   sum(f.px * f.sz) / sum(f.sz), sum(f.sz), 'hyperliquid-liquidations', l.line
            FROM l LEFT JOIN f ON f.user = l.user AND f.t = l.t
            GROUP BY l.line, l.t, coin
            """);
        PrintStage.Check(context,
            ("time IS NOT NULL", "time", "expected an ISO time."),
            ("symbol IS NOT NULL", "time", $"no fill of this user in this second in {Path.GetFileName(trades)}: coin, side and price unknown."),
            ("liquidated_side IS NOT NULL", "side", "the fills' side is neither Ask nor Bid."),
            ("price > 0 AND quantity > 0", "px", "non-positive price or size."));
        return PrintStage.Commit(context, "Hyperliquid, joined to the liquidated user's fills");
    }
}

/// <summary>
/// The SQLite file of the MultipleExchangeLiquidationMap project (<c>liqmap.db</c>): its <c>liquidation_events</c>
/// (Binance, OKX, Bybit prints: exchange, symbol, liquidated side long/short, the order's raw side, quantity, price, mark
/// price, USD notional, ms time) go to <c>liquidation_orders</c> — quantities as notional ÷ price, since OKX counts
/// contracts — and its <c>band_reports</c> (the project's predicted notional in bands above and below the price, per
/// report time) to <c>peer_liquidation_bands</c>, a peer model's map to compare with ours.
/// </summary>
public sealed class LiqmapSqliteImporter : IImporter
{
    /// <inheritdoc />
    public string Kind => "liqmap-sqlite";

    /// <inheritdoc />
    public string Description => "MultipleExchangeLiquidationMap's liqmap.db (SQLite): multi-exchange liquidation events and the peer model's predicted bands.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine?.StartsWith("SQLite format 3", StringComparison.Ordinal) == true;

    /// <summary>
    /// The liquidated position's side from an exchange's own side field, whose meaning differs by exchange: Binance sends the
    /// liquidation order's side (SELL closes a long); Bybit's <c>allLiquidation</c> sends the position's side (Buy: a long
    /// was liquidated); OKX sends <c>posSide:side</c> (<c>long:sell</c>). Null when the text is not one of these.
    /// </summary>
    internal static string? RawLiquidatedSide(string exchange, string raw)
    {
        var r = raw.Trim().ToLowerInvariant();
        return exchange switch
        {
            "binance" => r switch { "sell" => "long", "buy" => "short", _ => null },
            "bybit" => r switch { "buy" => "long", "sell" => "short", _ => null },
            "okx" => r.Split(':') is [var pos, var order] && pos is "long" or "short" && order == (pos == "long" ? "sell" : "buy") ? pos : null,
            _ => null,
        };
    }

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = context.Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        sqlite.Open();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = sqlite.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        if (!tables.Contains("liquidation_events"))
            throw new IngestException(context.Path, "not a liqmap database: no table liquidation_events.");
        var store = context.Store;
        store.Execute(PrintStage.Create);
        using (var stage = PrintStage.Writer(store))
        using (var cmd = sqlite.CreateCommand())
        {
            cmd.CommandText = "SELECT id, exchange, symbol, side, raw_side, qty, price, notional_usd, event_ts FROM liquidation_events ORDER BY event_ts, id";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var id = r.GetInt64(0);
                string Where(string field) => $"liquidation_events id {id}: field {field}";
                var exchange = r.GetString(1).ToLowerInvariant();
                var liquidated = r.GetString(3).ToLowerInvariant();
                if (liquidated is not ("long" or "short")) throw new IngestException(context.Path, $"{Where("side")}: expected long or short, found '{r.GetString(3)}'.");
                var raw = r.IsDBNull(4) ? null : r.GetString(4);
                var orderSide = PrintStage.OrderSide(liquidated);
                if (raw is not null && RawLiquidatedSide(exchange, raw) is { } fromRaw && fromRaw != liquidated)
                    throw new IngestException(context.Path, $"{Where("raw_side")}: {exchange}'s '{raw}' means a liquidated {fromRaw}, but side says {liquidated}.");
                var price = r.GetDouble(6);
                var notional = r.GetDouble(7);
                if (!(price > 0) || !(notional > 0)) throw new IngestException(context.Path, $"{Where("price")}: non-positive price or notional.");
                stage.Append(new PrintStageRow(exchange == "binance" ? "binance-usdm" : exchange, r.GetString(2).ToUpperInvariant(),
                    LiqmapTime(context, r.GetInt64(8), $"liquidation_events id {id}", "event_ts"), orderSide, price, notional / price,
                    "LIQUIDATION", liquidated, null, null, "liqmap", id));
            }
        }
        var outcome = PrintStage.Commit(context, "liqmap.db liquidation_events, quantity = notional ÷ price");
        var bands = 0;
        if (tables.Contains("band_reports"))
        {
            using var writer = new TableWriter<PeerLiquidationBandRow>(store.Connection);
            using var cmd = sqlite.CreateCommand();
            cmd.CommandText = "SELECT report_ts, symbol, current_price, band, up_price, up_notional_usd, down_price, down_notional_usd FROM band_reports ORDER BY report_ts, band";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var time = LiqmapTime(context, r.GetInt64(0), "band_reports", "report_ts");
                var symbol = r.GetString(1).ToUpperInvariant();
                var reference = r.GetDouble(2);
                // Above the price: shorts would be liquidated there; below: longs.
                writer.Append(new PeerLiquidationBandRow("liqmap", symbol, time, reference, r.GetInt32(3), r.GetDouble(4), "short", r.GetDouble(5), context.FileId));
                writer.Append(new PeerLiquidationBandRow("liqmap", symbol, time, reference, r.GetInt32(3), r.GetDouble(6), "long", r.GetDouble(7), context.FileId));
                bands += 2;
            }
        }
        return outcome with
        {
            Rows = outcome.Rows + bands,
            Detail = outcome.Detail + string.Create(CultureInfo.InvariantCulture, $"; peer_liquidation_bands +{bands} (the project's predicted bands)"),
        };
    }

    /// <summary>A liqmap epoch-ms column as a time, refused in words (naming the record and field) when out of bounds.</summary>
    private static DateTime LiqmapTime(ImportContext context, long ms, string record, string field)
    {
        try
        {
            return PrintStage.EpochMs(ms, field);
        }
        catch (FormatException e)
        {
            throw new IngestException(context.Path, $"{record}: {e.Message}", e);
        }
    }
}
