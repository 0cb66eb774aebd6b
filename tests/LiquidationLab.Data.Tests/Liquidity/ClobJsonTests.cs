using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Liquidity;

public class ClobJsonTests
{
    // The shape of a CLOB GET /book response (bids ascending, asks descending, strings).
    private const string Book = """
        {"market":"0x1a4f04c2","asset_id":"123","timestamp":"1728799418000","hash":"abc",
         "bids":[{"price":"0.47","size":"100"},{"price":"0.48","size":"20.5"}],
         "asks":[{"price":"0.52","size":"10"},{"price":"0.50","size":"30"}]}
        """;

    [Fact]
    public void Parses_a_book_response_exactly()
    {
        var b = ClobJson.ParseBook(Book, "GET /book");
        Assert.Equal(1728799418000, b.TimestampMs);
        Assert.Equal(0.48m, b.BestBid);
        Assert.Equal(0.50m, b.BestAsk);
        Assert.Equal(0.47m * 100 + 0.48m * 20.5m, b.BidDepthUsd);
        Assert.Equal(0.52m * 10 + 0.50m * 30, b.AskDepthUsd);
        // WriteBook → ParseBook round trip.
        var again = ClobJson.ParseBook(ClobJson.WriteBook("c", "t", b.TimestampMs, b.Bids, b.Asks), "w");
        Assert.Equal(b.Bids, again.Bids);
        Assert.Equal(b.Asks, again.Asks);
    }

    [Theory]
    [InlineData("""{"timestamp":"1","bids":[{"price":"0.5"}],"asks":[]}""", "GET /book: bids[0].size is missing.")]
    [InlineData("""{"timestamp":"1","bids":[{"price":"x","size":"1"}],"asks":[]}""", "GET /book: bids[0].price is not a number: 'x'.")]
    [InlineData("""{"bids":[],"asks":[]}""", "GET /book: timestamp is missing.")]
    [InlineData("""{"timestamp":"1","bids":[{"price":"0.6","size":"1"}],"asks":[{"price":"0.5","size":"1"}]}""", "GET /book: crossed book: best bid 0.6 ≥ best ask 0.5.")]
    [InlineData("""{"timestamp":"1","bids":[{"price":"1.5","size":"1"}],"asks":[]}""", "GET /book: bids[0].price 1.5 is outside (0, 1).")]
    [InlineData("not json", null)]
    public void Bad_books_name_the_field(string json, string? message)
    {
        var e = Assert.Throws<OrderBookException>(() => ClobJson.ParseBook(json, "GET /book"));
        if (message is not null) Assert.Equal(message, e.Message);
        else Assert.StartsWith("GET /book: invalid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_real_captured_clob_book_in_the_snapshot_round_trips_through_the_book_json()
    {
        // nautilus_trader's captured REST /book response (data/real/SOURCES.md: 5 bids / 7 asks, 2024-10-13 06:03:38 UTC),
        // as the store holds it after ingesting the repository's snapshot.
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var token = store.Scalar<string>(
            "SELECT b.instrument_id FROM book_snapshots b JOIN ingest_log l ON l.id = b.file_id WHERE l.file_path LIKE '%http_responses/book.json' LIMIT 1");
        var snapshot = Assert.Single(new MarketDataReader(store).BookSnapshots("polymarket", token, DateTime.MinValue, DateTime.MaxValue));
        var book = OrderBook.FromSnapshot(snapshot, PriceDomain.Probability, "snapshot");
        var b = ClobJson.ParseBook(ClobJson.WriteBook("c", token, book.TimestampMs, book.Bids, book.Asks), "written");
        Assert.Equal(5, b.Bids.Count);
        Assert.Equal(7, b.Asks.Count);
        Assert.Equal(new DateTime(2024, 10, 13, 6, 3, 38, DateTimeKind.Utc), DateTime.UnixEpoch.AddSeconds(b.TimestampMs / 1000));
        Assert.Equal(book.Bids, b.Bids);
        Assert.Equal(book.Asks, b.Asks);
        Assert.True(b.BestBid < b.BestAsk);
    }

    [Fact]
    public void The_snapshot_store_gives_the_collector_book_series_with_their_trades()
    {
        using var store = LabStore.Open(RealSnapshot.StorePath, readOnly: true);
        var recs = BookRecordings.FromStore(store);
        Assert.Equal(["btc-updown-1h-1765450800-down", "btc-updown-1h-1765450800-up", "sol-updown-15m-1765450800-down", "sol-updown-15m-1765450800-up"],
            recs.Select(r => r.TokenId));
        var btc = recs.Single(r => r.TokenId == "btc-updown-1h-1765450800-up");
        Assert.Equal("btc-updown-1h-1765450800", btc.ConditionId);
        Assert.Equal(300, btc.Books.Count);   // SOURCES.md: 300 snapshots, 11:00:42 – 11:09:56
        Assert.Equal(200, btc.Trades.Count);  // 1h/btc/trades/…up.json
        Assert.True(btc.Books.Zip(btc.Books.Skip(1)).All(p => p.First.TimestampMs < p.Second.TimestampMs));
        Assert.Equal(248, recs.Single(r => r.TokenId == "sol-updown-15m-1765450800-up").Books.Count);
        Assert.Contains("1h/btc/orderbooks/1765450800up.json", btc.Source, StringComparison.Ordinal);
    }
}
