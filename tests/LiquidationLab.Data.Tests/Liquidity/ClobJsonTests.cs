using LiquidationLab.Core.Liquidity;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;

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
    public void Parses_a_real_captured_clob_book_response()
    {
        // nautilus_trader's captured REST /book response (SOURCES.md: 5 bids / 7 asks, 2024-10-13 06:03:38 UTC).
        var file = Path.Combine(RealData.Polymarket, "nautechsystems__nautilus_trader", "tests", "integration_tests", "adapters", "polymarket",
            "resources", "http_responses", "book.json");
        var b = ClobJson.ParseBook(File.ReadAllText(file), file);
        Assert.Equal(5, b.Bids.Count);
        Assert.Equal(7, b.Asks.Count);
        Assert.Equal(new DateTime(2024, 10, 13, 6, 3, 38, DateTimeKind.Utc), DateTime.UnixEpoch.AddSeconds(b.TimestampMs / 1000));
        Assert.True(b.BestBid < b.BestAsk);
        Assert.True(b.BidDepthUsd > 0 && b.AskDepthUsd > 0);
    }

    [Fact]
    public void Markets_parse_from_lines_or_json_and_reject_duplicates()
    {
        var lines = WatchMarket.Parse("# markets\n0xabc 111\n0xdef=222\n\nsingle\n", "m.txt");
        Assert.Equal([new WatchMarket("0xabc", "111"), new WatchMarket("0xdef", "222"), new WatchMarket("single", "single")], lines);
        var json = WatchMarket.Parse("""[{"condition_id":"c","token_id":"t"}]""", "m.json");
        Assert.Equal([new WatchMarket("c", "t")], json);
        Assert.Equal("m.txt: line 2: expected 'condition_id token_id', found 3 fields.",
            Assert.Throws<FormatException>(() => WatchMarket.Parse("a b\na b c", "m.txt")).Message);
        Assert.Equal("m.txt: condition_id a is listed twice.", Assert.Throws<FormatException>(() => WatchMarket.Parse("a 1\na 2", "m.txt")).Message);
    }
}

public class BookReplayTests
{
    private static OrderBook B(long ms, decimal bidSize) =>
        OrderBook.Create([new BookLevel(0.4m, bidSize)], [new BookLevel(0.6m, 10)], ms, PriceDomain.Probability, "fixture");

    [Fact]
    public async Task Serves_the_recorded_snapshot_current_at_the_replay_position_with_its_age_preserved()
    {
        long now = 5_000_000;
        var rec = new BookRecording("cond", "cond-up", [B(1_000, 1), B(3_000, 2), B(9_000, 3)], [new TradePrint(2_000, 0.5m, 4)], "fixture");
        await using var server = new BookReplayServer([rec], new BookReplayOptions(), () => now);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        now += 4_500; // replay position 5,500: the 3,000 snapshot, 2.5 s old
        var book = ClobJson.ParseBook(await http.GetStringAsync("book?token_id=cond-up"), "replay");
        Assert.Equal(2m, book.Bids[0].Size);
        Assert.Equal(now - 2_500, book.TimestampMs);
        var trades = await http.GetStringAsync("trades?token_id=cond-up&after_ms=0");
        Assert.Contains("\"size\":\"4\"", trades, StringComparison.Ordinal);
        Assert.Contains($"\"timestamp\":\"{now - 3_500}\"", trades, StringComparison.Ordinal); // 2,000 → 3.5 s before the position

        now += 10_000 - 4_500 + 500; // span 9,000 (8,000 + 1 s pad): position wraps to 1,500 → first snapshot
        book = ClobJson.ParseBook(await http.GetStringAsync("book?token_id=cond-up"), "replay");
        Assert.Equal(1m, book.Bids[0].Size);

        server.Outage = true;
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync("book?token_id=cond-up")).StatusCode);
        server.Outage = false;
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("book?token_id=nope")).StatusCode);
        server.SetEmpty("cond-up", true);
        Assert.True(ClobJson.ParseBook(await http.GetStringAsync("book?token_id=cond-up"), "replay").IsEmpty);
    }

    [Fact]
    public void Loads_the_real_collector_recordings()
    {
        var recs = BookRecordings.Load(RealData.Polymarket);
        var btc = Assert.Single(recs, r => r.TokenId == "btc-updown-1h-1765450800-up");
        Assert.Equal("btc-updown-1h-1765450800", btc.ConditionId);
        Assert.True(btc.Books.Count > 250); // SOURCES.md: 300 snapshots (equal timestamps collapse)
        Assert.Equal(200, btc.Trades.Count);
        var copies = new BookReplayServer(recs, new BookReplayOptions { Copies = 250 }).Markets;
        Assert.Equal(500, copies.Count); // two Up recordings × 250
    }
}
