using DuckDB.NET.Data;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Store;

public sealed class IngestLogTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void An_entry_is_begun_empty_completed_with_its_counts_and_found_by_sha_path_or_suffix()
    {
        using var t = new TempStore();
        var log = new IngestLog(t.Store);
        Assert.Null(log.KindOf("ab12"));
        var id = log.Begin("/data/in/BTCUSDT-aggTrades-2026-03-01.csv", "ab12", "binance-vision");
        Assert.Equal("binance-vision", log.KindOf("ab12"));
        var begun = Assert.Single(log.Entries());
        Assert.Equal((id, 0L, (DateTime?)null, (string?)null), (begun.Id, begun.Rows, begun.FirstTime, begun.Detail));

        log.Complete(id, 42, T0, T0.AddHours(1), "agg_trades +42");
        var done = Assert.Single(log.Find("AB12", "/elsewhere"));
        Assert.Equal((42L, (DateTime?)T0, (DateTime?)T0.AddHours(1), "agg_trades +42"), (done.Rows, done.FirstTime, done.LastTime, done.Detail));
        Assert.Equal(id, Assert.Single(log.Find("BTCUSDT-aggTrades-2026-03-01.csv", "/x")).Id);
        Assert.Equal(id, Assert.Single(log.Find("x", "/data/in/BTCUSDT-aggTrades-2026-03-01.csv")).Id);
        Assert.Empty(log.Find("aggTrades-2026-03-01.csv", "/x")); // a suffix counts only after a '/'
        Assert.Equal(["ab12"], log.Sha256s());
    }

    [Fact]
    public void A_session_entry_grows_batch_by_batch_and_its_span_only_widens()
    {
        using var t = new TempStore();
        var log = new IngestLog(t.Store);
        var id = log.Begin("liquidity watch (session 1)", "s1", "liquidity-watch-books", "books polled by the liquidity service");
        log.Extend(id, 10, T0.AddMinutes(5), T0.AddMinutes(6));
        log.Extend(id, 4, T0, T0.AddMinutes(2));
        var e = Assert.Single(log.Entries());
        Assert.Equal((14L, (DateTime?)T0, (DateTime?)T0.AddMinutes(6)), (e.Rows, e.FirstTime, e.LastTime));
        Assert.Equal("books polled by the liquidity service", e.Detail);
    }

    [Fact]
    public void The_same_bytes_cannot_be_logged_twice_and_a_deleted_entry_frees_them()
    {
        using var t = new TempStore();
        var log = new IngestLog(t.Store);
        var id = log.Begin("/a.csv", "same", "k");
        Assert.Throws<DuckDBException>(() => log.Begin("/b.csv", "same", "k"));
        log.Delete(id);
        Assert.Equal((0L, (DateTime?)null, (DateTime?)null), log.Summary());
        var again = log.Restore("/b.csv", "same", "k", 3, T0, T0, "from a snapshot");
        Assert.NotEqual(id, again);
        Assert.Equal(1L, log.Summary().Files);
    }
}
