using LiquidationLab.TestSupport;
using System.IO.Compression;
using System.Text;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Tests.Ingest;

public sealed class PolymarketImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Book_series_levels_are_numbered_from_the_best_price_with_exact_decimals()
    {
        var path = _t.Write("data/1h/btc/orderbooks/1765450800up.json", """
            [ { "bids": [ {"price": "0.01", "size": "7612"}, {"price": "0.47", "size": "10.869564"} ],
                "asks": [ {"price": "0.99", "size": "5"}, {"price": "0.48", "size": "5380.71"} ],
                "timestamp": "1765450842123", "local_timestamp": "1765450842243", "asset_price": 90294.0 },
              { "bids": [], "asks": [ {"price": "0.5", "size": "1"} ], "timestamp": "1765450843000" } ]
            """);
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal("polymarket-json", r.Kind);
        const string inst = "instrument_id = 'btc-updown-1h-1765450800-up'";
        Assert.Equal(0.47m, _t.Store.Scalar<decimal>($"SELECT price FROM book_snapshots WHERE {inst} AND side = 'bid' AND level = 1"));
        Assert.Equal(10.869564m, _t.Store.Scalar<decimal>($"SELECT size FROM book_snapshots WHERE {inst} AND side = 'bid' AND level = 1"));
        Assert.Equal(0.48m, _t.Store.Scalar<decimal>($"SELECT price FROM book_snapshots WHERE {inst} AND side = 'ask' AND level = 1 AND time = epoch_ms(1765450842123)"));
        Assert.Equal(5, _t.Count("book_snapshots"));
    }

    [Fact]
    public void Trades_and_last_trade_price_prints_go_to_book_trades()
    {
        _t.Ingestor.IngestFile(_t.Write("data/15m/sol/trades/1765450800down.json",
            """[ {"price": "0.47", "size": "100", "side": "buy", "local_timestamp": "1765450860154", "timestamp": "1765450860035", "asset_price": 90294.025} ]"""));
        _t.Ingestor.IngestFile(_t.Write("last_trade_price.json",
            """{ "asset_id": "2174", "event_type": "last_trade_price", "market": "0xdd", "price": "0.491", "side": "SELL", "size": "85.36", "timestamp": "1724564136087" }"""));
        Assert.Equal(1, _t.Count("book_trades", "instrument_id = 'sol-updown-15m-1765450800-down' AND side = 'BUY' AND price = 0.47"));
        Assert.Equal(1, _t.Count("book_trades", "instrument_id = '2174' AND size = 85.36"));
    }

    [Fact]
    public void Price_outside_zero_one_is_rejected_naming_the_element_and_nothing_is_written()
    {
        var before = _t.Snapshot();
        var path = _t.Write("book.json", """
            [ { "bids": [ {"price": "0.4", "size": "1"} ], "asks": [], "timestamp": "1765450842123" },
              { "bids": [ {"price": "1.2", "size": "1"} ], "asks": [], "timestamp": "1765450843123" } ]
            """);
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Equal($"{path}: element 1: bids[0].price 1.2 is outside (0, 1).", e.Message);
        Assert.Equal(before, _t.Snapshot());
        var nonNumeric = _t.Write("book2.json", """{ "asset_id": "1", "bids": [ {"price": "abc", "size": "1"} ], "asks": [], "timestamp": "1765450800000" }""");
        Assert.Contains("bids[0].price is not a number: 'abc'", Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(nonNumeric)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Market_metadata_jsonl_gz_gives_one_instrument_per_outcome_token()
    {
        var path = Path.Combine(_t.Directory, "BTC-5m-markets-2026-06-08.jsonl.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes("""{"slug":"btc-updown-5m-1780876500","condition_id":"0x6fa1","token_ids":["1068","3454"],"start_sec":1780876500,"end_sec":1780876800}""" + "\n"));
        _t.Ingestor.IngestFile(path);
        Assert.Equal(2, _t.Count("instruments", "symbol = '0x6fa1' AND starts_at = TIMESTAMP '2026-06-07 23:55:00'"));
        Assert.Equal(1, _t.Count("instruments", "instrument_id = '3454' AND description LIKE '%[Down]'"));
    }

    [Fact]
    public void Top_of_book_csv_becomes_four_level_one_rows_per_snapshot_in_utc()
    {
        var path = _t.Write("orderbook_snapshots.csv",
            "captured_at,slug,condition_id,title,market_end_time,seconds_to_close,up_token_id,down_token_id,up_best_bid,up_best_bid_size,up_best_ask,up_best_ask_size,down_best_bid,down_best_bid_size,down_best_ask,down_best_ask_size\n" +
            "2026-05-18T13:51:52.758375+00:00,btc-updown-5m-1779112200,0xd3,\"Bitcoin Up or Down - May 18, 9:50AM-9:55AM ET\",2026-05-18T13:55:00+00:00,187,1435,6200,0.64,93.52,0.65,427.66,0.35,622.74,0.37,67.96\n");
        _t.Ingestor.IngestFile(path);
        Assert.Equal(4, _t.Count("book_snapshots", "level = 1 AND time = TIMESTAMP '2026-05-18 13:51:52.758375'"));
        Assert.Equal(622.74m, _t.Store.Scalar<decimal>("SELECT size FROM book_snapshots WHERE instrument_id = '6200' AND side = 'bid'"));
    }
}
