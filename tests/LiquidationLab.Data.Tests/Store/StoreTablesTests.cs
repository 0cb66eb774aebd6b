using LiquidationLab.Data.Store;
using LiquidationLab.Data.Store.Tables;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Store;

/// <summary>The table declarations (one per table; the row records' for tables filled by appender) against the real schema.</summary>
public sealed class StoreTablesTests
{
    private static List<ColumnDeclaration> ColumnsInStore(LabStore store, string table)
    {
        var columns = new List<ColumnDeclaration>();
        using var cmd = store.Command(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1 ORDER BY ordinal_position", table);
        using var r = cmd.ExecuteReader();
        while (r.Read()) columns.Add(new ColumnDeclaration(r.GetString(0), r.GetString(1), r.GetString(2) == "YES"));
        return columns;
    }

    [Fact]
    public void Every_declared_table_has_the_columns_of_a_new_store_in_name_order_type_and_nullability()
    {
        using var t = new TempStore();
        foreach (var table in StoreTables.All)
        {
            var actual = ColumnsInStore(t.Store, table.Name);
            Assert.True(actual.Count > 0, $"{table.Name}: not in a new store");
            Assert.True(table.Columns.SequenceEqual(actual),
                $"{table.Name}: declared ({string.Join(", ", table.Columns.Select(c => c.Definition))})\n" +
                $"   but the store has ({string.Join(", ", actual.Select(c => c.Definition))})");
        }
    }

    [Fact]
    public void Every_table_of_a_new_store_is_declared_once()
    {
        using var t = new TempStore();
        var tables = new List<string>();
        using (var cmd = t.Store.Command("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) tables.Add(r.GetString(0));
        var declared = StoreTables.All.Select(d => d.Name).ToList();
        Assert.Equal(declared.Count, declared.Distinct().Count());
        Assert.Equal(tables, declared.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Every_row_record_opens_a_writer_on_its_table_so_its_fields_fit_the_columns()
    {
        using var t = new TempStore();
        // DuckDB.NET's mapped appender compares the map (built from the declaration) with the table when it is created.
        using (new TableWriter<AggTradeRow>(t.Store.Connection)) { }
        using (new TableWriter<TradeRow>(t.Store.Connection)) { }
        using (new TableWriter<LiquidationOrderRow>(t.Store.Connection)) { }
        using (new TableWriter<FundingRateRow>(t.Store.Connection)) { }
        using (new TableWriter<PeerLiquidationBandRow>(t.Store.Connection)) { }
        using (new TableWriter<BookSnapshotRow>(t.Store.Connection)) { }
        using (new TableWriter<BookTradeRow>(t.Store.Connection)) { }
        using (new TableWriter<BookStateRow>(t.Store.Connection)) { }
        using (new TableWriter<InstrumentRow>(t.Store.Connection)) { }
        using (new TableWriter<LiquidityReportRow>(t.Store.Connection)) { }
        using (new TableWriter<RecordingRejectRow>(t.Store.Connection)) { }
        using (new TableWriter<RecordingGapRow>(t.Store.Connection)) { }
        t.Store.Execute(PrintStageRow.Table.CreateTempTable("print_stage"));
        using (new TableWriter<PrintStageRow>(t.Store.Connection)) { }
        Assert.Equal(0L, t.Count("book_snapshots"));
    }

    [Fact]
    public void A_writer_whose_fields_do_not_fit_the_table_is_refused_before_any_row()
    {
        using var t = new TempStore();
        // book_snapshots' columns under another table's name, with price and size as DOUBLE: the decimal fields do not fit.
        t.Store.Execute("CREATE TEMP TABLE book_doubles (venue VARCHAR, instrument_id VARCHAR, time TIMESTAMP, side VARCHAR, level INTEGER, price DOUBLE, size DOUBLE, file_id BIGINT)");
        var e = Assert.Throws<InvalidOperationException>(() => new TableWriter<BookSnapshotRow>(t.Store.Connection, "book_doubles"));
        Assert.StartsWith("BookSnapshotRow does not fit the table book_doubles", e.Message, StringComparison.Ordinal);
        Assert.Contains("column index 5", e.Message, StringComparison.Ordinal);
        // One column short (an older schema's book_state, before awaiting_first).
        t.Store.Execute("CREATE TEMP TABLE old_book_state AS SELECT * EXCLUDE (awaiting_first) FROM book_state");
        var e2 = Assert.Throws<InvalidOperationException>(() => new TableWriter<BookStateRow>(t.Store.Connection, "old_book_state"));
        Assert.Contains("9 mappings but table has 8 columns", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_written_through_its_writer_reads_back_field_by_field_with_exact_decimals_and_nulls()
    {
        using var t = new TempStore();
        var time = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        using (var w = new TableWriter<BookSnapshotRow>(t.Store.Connection))
        {
            w.Append(new BookSnapshotRow("polymarket", "123456789012345678901234567890", time, "bid", 1, 0.123456789012345678m, 1234567.000000000000000001m, 7));
            w.Append(new BookSnapshotRow("polymarket", "123456789012345678901234567890", time, "ask", 1, 0.5m, 0m, 7));
            Assert.Equal(2L, w.Rows);
        }
        using (var w = new TableWriter<InstrumentRow>(t.Store.Connection))
            w.Append(new InstrumentRow("polymarket", "tok", null, "outcome-token", null, null, time, """{"a":1}""", 7));

        using (var cmd = t.Store.Command("SELECT venue, instrument_id, time, side, level, price, size, file_id FROM book_snapshots ORDER BY side DESC"))
        using (var r = cmd.ExecuteReader())
        {
            Assert.True(r.Read());
            Assert.Equal("polymarket", r.GetString(0));
            Assert.Equal("123456789012345678901234567890", r.GetString(1));
            Assert.Equal(time, DateTime.SpecifyKind(r.GetDateTime(2), DateTimeKind.Utc));
            Assert.Equal("bid", r.GetString(3));
            Assert.Equal(1, r.GetInt32(4));
            Assert.Equal(0.123456789012345678m, r.GetDecimal(5));
            Assert.Equal(1234567.000000000000000001m, r.GetDecimal(6));
            Assert.Equal(7L, r.GetInt64(7));
        }
        using (var cmd = t.Store.Command("SELECT symbol IS NULL, kind, description IS NULL, starts_at IS NULL, ends_at, metadata->>'a' FROM instruments"))
        using (var r = cmd.ExecuteReader())
        {
            Assert.True(r.Read());
            Assert.True(r.GetBoolean(0));
            Assert.Equal("outcome-token", r.GetString(1));
            Assert.True(r.GetBoolean(2));
            Assert.True(r.GetBoolean(3));
            Assert.Equal(time, DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc));
            Assert.Equal("1", r.GetString(5));
        }
    }

    /// <summary>
    /// The declarations describe the schema after every migration; an older store reaches it only through the migrations
    /// it has not applied yet. A released migration edited in place (say, a column added to v1's CREATE TABLE) would give
    /// new stores the column and pass the declaration test, while every existing store stayed without it: released
    /// migrations are pinned, and a change is a new migration.
    /// </summary>
    [Fact]
    public void Released_migrations_are_never_edited_a_change_is_a_new_migration()
    {
        string[] released =
        [
            "2b425d42b6add99fb5febe5a292ad33e9a97ba5f74cb1b2f166aa035ac391fc7", // v1
            "8092d73394089a94aebd6ea258a0fc8862d243ad4dee252c1e724ddb525b4de7", // v2
            "9c83ce27ea014888a26e816250956217796842a819cd8a390c6402e5066aa087", // v3
            "43aa3ef3dbfabfd780c24479d1faacfcc7d69623da0bae40da640e5995b1fa07", // v4
            "0646a086cf9eccf647ebba04dd38bbc236ec95f99b22321ee629114009c02a47", // v5
            "3a08acc7ba64042defe7d9ab61a64210faf4f83e6b36607227654e24e48de390", // v6
            "ceef167a59836bffd491dfe6eb80809999c61590d439ce8b7739399303c1a821", // v7
        ];
        var actual = Schema.Migrations.Take(released.Length)
            .Select(m => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(m.ReplaceLineEndings("\n")))))
            .ToArray();
        Assert.True(Schema.Migrations.Count >= released.Length, "a released migration was removed");
        Assert.Equal(released, actual);
    }

    [Fact]
    public void The_print_stage_is_created_from_its_declaration()
    {
        using var t = new TempStore();
        t.Store.Execute(PrintStageRow.Table.CreateTempTable("print_stage"));
        var columns = new List<string>();
        using (var cmd = t.Store.Command("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'print_stage' ORDER BY ordinal_position"))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) columns.Add($"{r.GetString(0)} {r.GetString(1)}");
        Assert.Equal(PrintStageRow.Table.Columns.Select(c => $"{c.Name} {c.DataType}"), columns);
    }
}
