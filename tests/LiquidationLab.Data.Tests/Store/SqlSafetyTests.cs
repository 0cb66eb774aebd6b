using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Store;

/// <summary>Text from a file, a flag or a notebook parameter must never become SQL of its own (issue 14, class 1).</summary>
public sealed class SqlSafetyTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Literals_and_identifiers_double_their_quotes_and_refuse_nul()
    {
        Assert.Equal("'it''s'", Sql.Literal("it's"));
        Assert.Equal("''';DROP TABLE klines;--'", Sql.Literal("';DROP TABLE klines;--"));
        Assert.Equal("\"a\"\"b\"", Sql.Identifier("a\"b"));
        Assert.Throws<ArgumentException>(() => Sql.Literal("a\0b"));
        Assert.Throws<ArgumentException>(() => Sql.Identifier(""));
        // Round trip through DuckDB: the literal reads back as the text itself.
        foreach (var text in new[] { "it's", "';DROP TABLE klines;--", "z':'VARCHAR'});", "\\'", "''", "line\nbreak" })
            Assert.Equal(text, _t.Store.Scalar<string>($"SELECT {Sql.Literal(text)}"));
    }

    [Fact]
    public void The_store_runs_one_statement_per_command()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _t.Store.Execute("SELECT 1; DROP TABLE klines"));
        Assert.StartsWith("One SQL statement per command, found 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => _t.Store.Scalar<long>("SELECT 1; SELECT 2"));
        Assert.Equal(0, _t.Count("klines")); // still there
    }

    [Theory]
    [InlineData("z':'VARCHAR'});DROP TABLE klines;--")]
    [InlineData("z':'VARCHAR'}); COPY (SELECT 42) TO '{0}';--")]
    [InlineData("z\");DROP TABLE klines;--")]
    public void A_hostile_csv_header_is_a_column_name_and_nothing_more(string hostile)
    {
        var pwned = Path.Combine(_t.Directory, "pwned.csv");
        hostile = hostile.Replace("{0}", pwned, StringComparison.Ordinal);
        _t.Store.Execute("INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id) " +
                         "VALUES ('x', 'BTCUSDT', 'perp', '1h', TIMESTAMP '2020-01-01', 1, 1, 1, 1, 0)");
        var path = _t.Write("bars.csv", $"ts,o,h,l,c,{hostile}\n1779724800,100,110,95,105,a\n1779728400,105,106,101,102,b\n");
        var map = new BarMapping(BarMapping.ParsePairs("ts=time,o=open,h=high,l=low,c=close"), "ETHUSDT");
        var r = new Ingestor(_t.Store, [new MappedBarImporter(map)]).IngestFile(path, "mapped");
        Assert.Equal(IngestStatus.Ingested, r.Status);
        Assert.Equal(2, _t.Count("klines", "symbol = 'ETHUSDT'"));
        Assert.Equal(1, _t.Count("klines", "symbol = 'BTCUSDT'")); // the table and its other rows are intact
        Assert.False(File.Exists(pwned));
    }

    [Fact]
    public void A_hostile_mapped_column_name_is_quoted_as_an_identifier()
    {
        const string hostile = "c\" FROM bar_source); DROP TABLE klines; --";
        var path = _t.Write("bars.csv", $"ts,o,h,l,\"{hostile.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n1779724800,100,110,95,105\n");
        var map = new BarMapping(new Dictionary<string, string> { ["ts"] = "time", ["o"] = "open", ["h"] = "high", ["l"] = "low", [hostile] = "close" }, "ETHUSDT");
        try
        {
            new Ingestor(_t.Store, [new MappedBarImporter(map)]).IngestFile(path, "mapped");
        }
        catch (IngestException)
        {
            // refusing the file is fine too; what may never happen is the DROP
        }
        Assert.Equal(0, _t.Store.Scalar<long>("SELECT count(*) FROM klines WHERE symbol = 'nothing'")); // klines still exists
    }
}
