using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;

namespace LiquidationLab.Data.Ingest.Polymarket;

/// <summary>
/// Polymarket best bid/ask snapshots with sizes for both outcome tokens of an Up/Down market
/// (<c>captured_at,slug,condition_id,…,up_best_bid,up_best_bid_size,…,down_best_ask_size</c>): each row becomes four
/// level-1 rows of <c>book_snapshots</c> (Up bid/ask, Down bid/ask) keyed by token id. Parsed inside DuckDB.
/// </summary>
public sealed class PolymarketTopOfBookCsvImporter : IImporter
{
    private const string Header =
        "captured_at,slug,condition_id,title,market_end_time,seconds_to_close,up_token_id,down_token_id,up_best_bid,up_best_bid_size," +
        "up_best_ask,up_best_ask_size,down_best_bid,down_best_bid_size,down_best_ask,down_best_ask_size";

    /// <inheritdoc />
    public string Kind => "polymarket-top-of-book-csv";

    /// <inheritdoc />
    public string Description => "Polymarket Up/Down best bid/ask with sizes per token (CSV) → level-1 book snapshots.";

    /// <inheritdoc />
    public bool CanImport(FileProbe probe) => probe.FirstLine?.Trim() == Header;

    /// <inheritdoc />
    public ImportOutcome Import(ImportContext context)
    {
        if (context.Probe.FirstLine?.Trim() != Header)
            throw new IngestException(context.Path, $"line 1: header does not match {Kind}: expected '{Header}'.");
        const string dec = "DECIMAL(38,18)";
        var src = $"read_csv({LabStore.Literal(context.Path)}, header = true, auto_detect = false, delim = ',', quote = '\"', columns = {{" +
                  "'captured_at': 'TIMESTAMPTZ', 'slug': 'VARCHAR', 'condition_id': 'VARCHAR', 'title': 'VARCHAR', 'market_end_time': 'TIMESTAMPTZ', " +
                  "'seconds_to_close': 'INTEGER', 'up_token_id': 'VARCHAR', 'down_token_id': 'VARCHAR', " +
                  $"'up_best_bid': '{dec}', 'up_best_bid_size': '{dec}', 'up_best_ask': '{dec}', 'up_best_ask_size': '{dec}', " +
                  $"'down_best_bid': '{dec}', 'down_best_bid_size': '{dec}', 'down_best_ask': '{dec}', 'down_best_ask_size': '{dec}'}})";
        string Part(string token, string side, string prefix) =>
            $"SELECT 'polymarket', {token}, timezone('UTC', captured_at), '{side}', 1, {prefix}_best_{side}, {prefix}_best_{side}_size, {context.FileId} " +
            $"FROM {src} WHERE {prefix}_best_{side} IS NOT NULL";
        var rows = context.Store.Execute(
            $"INSERT INTO book_snapshots ({BookSnapshotRow.Table.ColumnList}) " +
            string.Join(" UNION ALL ", Part("up_token_id", "bid", "up"), Part("up_token_id", "ask", "up"),
                Part("down_token_id", "bid", "down"), Part("down_token_id", "ask", "down")));
        // Rules first: a time past year 9999 is a DuckDB timestamp but no .NET DateTime.
        if (RowRules.FirstViolation(context.Store, "book_snapshots", $"file_id = {context.FileId}") is { } bad)
            throw new IngestException(context.Path, bad.ToString());
        context.CheckedTables.Add("book_snapshots");
        var first = context.Store.Scalar<DateTime?>("SELECT min(time) FROM book_snapshots WHERE file_id = $1", context.FileId);
        var last = context.Store.Scalar<DateTime?>("SELECT max(time) FROM book_snapshots WHERE file_id = $1", context.FileId);
        return new ImportOutcome(rows, first, last, $"book_snapshots +{rows} (level 1 of both outcome tokens)");
    }
}
