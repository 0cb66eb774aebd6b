using System.Globalization;
using System.Text.RegularExpressions;
using LiquidationLab.Data.Ingest.Binance;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Ingest.Liquidations;

/// <summary>
/// Binance Vision's <c>liquidationSnapshot</c> daily files (<c>.csv</c> or the published <c>.zip</c>): one liquidation order
/// per row, columns <c>time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,
/// last_fill_quantity,accumulated_fill_quantity</c>, with or without that header. <c>time</c> is the order's time in epoch
/// milliseconds (UTC; a file holds one UTC day); <c>side</c> the liquidation order's side (SELL closes a liquidated long);
/// <c>price</c> the order's limit price (the bankruptcy-side price Binance sends the order at), <c>average_price</c> its
/// average fill price (0 when nothing filled); the quantities are base units for USDⓈ-M symbols (<c>BTCUSDT</c>, from
/// <c>data3/liquidationSnapshot/</c>) and contracts for COIN-M ones (<c>BTCUSD_PERP</c>: 100 USD a contract for BTC, 10 USD
/// for the others, converted to base units at the fill price, else the order price). The file carries no symbol: it comes
/// from the name <c>&lt;SYMBOL&gt;-liquidationSnapshot-YYYY-MM-DD.csv|zip</c>, checked against Binance's grammar.
/// Rows go to <c>liquidation_orders</c> with <c>source = 'binance-vision-liquidationSnapshot'</c>: the order's price and
/// quantity, the average fill and filled quantity kept apart. Binance's files list every row twice, and the same print may
/// already be stored from a live <c>forceOrder</c> recording: identical prints (venue, symbol, time, side, price, quantity)
/// are one row. Every field of every row is checked before anything is stored; the first bad one fails the file naming its
/// line and field. Sources: https://github.com/binance/binance-public-data (archive layout) and the files themselves
/// (header and units read from published COIN-M and USDⓈ-M days, 2023–2024).
/// </summary>
public sealed partial class LiquidationSnapshotImporter : IImporter
{
    /// <summary>The header Binance writes (the files of some days have none).</summary>
    public const string Header = "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity";

    /// <summary>The <c>source</c> the rows carry in <c>liquidation_orders</c>.</summary>
    public const string Source = "binance-vision-liquidationSnapshot";

    private static readonly string[] Columns = Header.Split(',');

    /// <inheritdoc />
    public string Kind => "binance-vision-liquidationsnapshot";

    /// <inheritdoc />
    public string Description => "Binance Vision liquidationSnapshot daily files (.csv/.zip, USDⓈ-M or COIN-M): liquidation orders, order price and average fill kept apart.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => ParseName(probe.FileName) is not null || IsHeader(probe.FirstLine);

    private static bool IsHeader(string? line) => line?.Trim().TrimStart('\uFEFF') == Header;

    /// <summary>The symbol of a <c>&lt;SYMBOL&gt;-liquidationSnapshot-YYYY-MM-DD.csv|zip</c> name, or null for another name.</summary>
    internal static string? ParseName(string fileName) => FileName().Match(fileName) is { Success: true } m ? m.Groups[1].Value : null;

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        var symbol = ParseName(context.Probe.FileName) ?? ParseName(Path.GetFileName(context.Path))
            ?? throw new IngestException(context.Path,
                "a liquidationSnapshot file carries no symbol column: its symbol comes from its name, <SYMBOL>-liquidationSnapshot-YYYY-MM-DD.csv (or .zip) as Binance names it; rename the file.");
        var hasHeader = context.Probe.HasHeader;
        if (hasHeader && !IsHeader(context.Probe.FirstLine))
            throw new IngestException(context.Path, $"line 1: expected the liquidationSnapshot header '{Header}', found '{Shorten(context.Probe.FirstLine!.Trim())}'.");
        var contractUsd = BinanceVisionImporter.CoinMarginedContractUsd(symbol);
        var store = context.Store;
        using var csv = ImportFiles.Materialize(context.Path, context.ArchiveLimits);
        var columns = string.Join(", ", Columns.Select(c => $"{Sql.Literal(c)}: 'VARCHAR'"));
        var src = $"read_csv({LabStore.Literal(csv.CsvPath)}, header = {(hasHeader ? "true" : "false")}, auto_detect = false, all_varchar = true, " +
                  $"delim = ',', quote = '\"', columns = {{{columns}}})";
        try
        {
            store.Execute($"""
            CREATE TEMP TABLE snapshot_raw AS
            SELECT trim(time) AS time_text, TRY_CAST(trim(time) AS BIGINT) AS time_ms, trim(side) AS side, trim(order_type) AS order_type,
                   trim(time_in_force) AS time_in_force, TRY_CAST(original_quantity AS DOUBLE) AS original_quantity, TRY_CAST(price AS DOUBLE) AS price,
                   TRY_CAST(average_price AS DOUBLE) AS average_price, trim(order_status) AS order_status,
                   TRY_CAST(last_fill_quantity AS DOUBLE) AS last_fill_quantity, TRY_CAST(accumulated_fill_quantity AS DOUBLE) AS accumulated_fill_quantity,
                   row_number() OVER () + {(hasHeader ? 1 : 0)} AS source_line
            FROM {src}
            """);
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (ColumnCount().Match(e.Message) is { Success: true } m)
        {
            throw new IngestException(context.Path,
                $"line {m.Groups[1].Value}: expected {Columns.Length} fields ({Header}), found {m.Groups[2].Value}.", e);
        }
        try
        {
            const string max = "1e15";
            string Positive(string c) => $"{c} > 0 AND {c} <= {max}";
            string NonNegative(string c) => $"{c} >= 0 AND {c} <= {max}";
            string Word(string c) => $"regexp_full_match(coalesce({c}, ''), '[A-Z_]{{1,30}}')";
            Check(context,
                ($"time_ms BETWEEN {PrintStage.EarliestMs} AND {PrintStage.LatestMs}", "time",
                    $"expected epoch milliseconds within {TimeBounds.Earliest:yyyy-MM-dd} … now + {TimeBounds.FutureTolerance.TotalHours:0} h", "time_text"),
                ("side IN ('BUY', 'SELL')", "side", "expected BUY or SELL", "side"),
                (Word("order_type"), "order_type", "expected an order type such as LIMIT", "order_type"),
                (Word("time_in_force"), "time_in_force", "expected a time in force such as IOC", "time_in_force"),
                (Positive("original_quantity"), "original_quantity", "expected a finite positive number of at most 1e15", null),
                (Positive("price"), "price", "expected a finite positive number of at most 1e15", null),
                (NonNegative("average_price"), "average_price", "expected 0 (no fill) or a finite positive number of at most 1e15", null),
                (Word("order_status"), "order_status", "expected an order status such as FILLED", "order_status"),
                (NonNegative("last_fill_quantity"), "last_fill_quantity", "expected a finite number ≥ 0 of at most 1e15", null),
                (NonNegative("accumulated_fill_quantity"), "accumulated_fill_quantity", "expected a finite number ≥ 0 of at most 1e15", null),
                ("accumulated_fill_quantity <= original_quantity", "accumulated_fill_quantity", "is more than the order's original_quantity", null));

            store.Execute(PrintStage.Create);
            // COIN-M: contracts of a fixed USD value, in base units at the fill price (else the order price).
            const string fill = "coalesce(CASE WHEN average_price > 0 THEN average_price END, price)";
            string Base(string quantity) => contractUsd is { } usd ? $"{quantity} * {usd.ToString(CultureInfo.InvariantCulture)} / {fill}" : quantity;
            store.Execute($"""
                INSERT INTO print_stage ({PrintStage.Columns})
                SELECT {Sql.Literal(contractUsd is null ? "binance-usdm" : "binance-coinm")}, {Sql.Literal(symbol)}, make_timestamp(time_ms * 1000), side, price,
                       {Base("original_quantity")}, order_type, CASE side WHEN 'SELL' THEN 'long' ELSE 'short' END,
                       CASE WHEN average_price > 0 THEN average_price END, CASE WHEN accumulated_fill_quantity > 0 THEN {Base("accumulated_fill_quantity")} END,
                       {Sql.Literal(Source)}, source_line
                FROM snapshot_raw
                """);
        }
        finally
        {
            store.ExecuteCleanup("DROP TABLE IF EXISTS snapshot_raw");
        }
        return PrintStage.Commit(context, contractUsd is null
            ? "liquidationSnapshot, order price and average fill price"
            : "liquidationSnapshot (COIN-M: contracts converted to base units), order price and average fill price");
    }

    /// <summary>Throws naming the line, field and text of the first row of <c>snapshot_raw</c> breaking a rule.</summary>
    private static void Check(ImportContext context, params (string Predicate, string Field, string Problem, string? TextColumn)[] rules)
    {
        foreach (var (predicate, field, problem, textColumn) in rules)
        {
            using var cmd = context.Store.Command(
                $"SELECT source_line, CAST({textColumn ?? field} AS VARCHAR) FROM snapshot_raw WHERE NOT coalesce({predicate}, false) ORDER BY source_line LIMIT 1");
            using var r = cmd.ExecuteReader();
            if (!r.Read()) continue;
            var found = r.IsDBNull(1) ? "missing or not a number" : $"found '{Shorten(r.GetString(1))}'";
            throw new IngestException(context.Path, string.Create(CultureInfo.InvariantCulture, $"line {r.GetInt64(0)}: field {field}: {problem}, {found}."));
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    [GeneratedRegex(@"CSV Error on Line: (\d+)[\s\S]*?Expected Number of Columns: \d+ Found: (\d+)")]
    private static partial Regex ColumnCount();

    [GeneratedRegex(@"^([A-Z0-9]{2,30}(?:_(?:PERP|\d{6}))?)-liquidationSnapshot-\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?\.(?:csv|zip)$")]
    private static partial Regex FileName();
}
