using LiquidationLab.Liquidity;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Liquidity.Service;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Liquidity.Service.Tests;

public class WatchMarketTests
{
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
    public void Serves_copies_of_the_real_recordings_up_tokens_only()
    {
        var recs = RealSnapshot.PolymarketRecordings;
        var copies = new BookReplayServer(recs, new BookReplayOptions { Copies = 250 }).Markets;
        Assert.Equal(500, copies.Count); // two Up recordings × 250
    }
}
