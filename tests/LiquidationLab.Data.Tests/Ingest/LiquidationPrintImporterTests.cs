using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;
using Microsoft.Data.Sqlite;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>The liquidation-print importers, on rows copied from the real files in the team's raw collection (sources in data/real/SOURCES.md).</summary>
public sealed class LiquidationPrintImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    // The first lines of AnotherYearWasted/Trivix data/liquidations/BTCUSDT.csv, and its line 141: an absurd price the exchange sent.
    private const string TrivixCsv = """
        Symbol,Side,Order Type,Time,Quantity,Price
        BTCUSDT,BUY,LIMIT,1700990938132,0.036,37867.24
        BTCUSDT,SELL,LIMIT,1700991015924,0.011,37595.92
        BTCUSDT,SELL,LIMIT,1700991190356,0.003,37580.72
        BTCUSDT,SELL,LIMIT,1700991237108,0.011,37576.07
        BTCUSDT,SELL,LIMIT,1701009286467,0.005,48933.99

        """;

    [Fact]
    public void ForceOrder_csv_keeps_the_order_price_and_the_liquidated_side()
    {
        var r = _t.Ingestor.IngestFile(_t.Write("trivix/BTCUSDT.csv", TrivixCsv));
        Assert.Equal("binance-forceorder-csv", r.Kind);
        Assert.Equal(5, _t.Count("liquidation_orders"));
        Assert.Equal(1, _t.Count("liquidation_orders",
            "side = 'BUY' AND liquidated_side = 'short' AND price = 37867.24 AND quantity = 0.036 AND average_price IS NULL AND time = TIMESTAMP '2023-11-26 09:28:58.132' AND source = 'binance-forceOrder-csv'"));
        Assert.Equal(4, _t.Count("liquidation_orders", "liquidated_side = 'long' AND side = 'SELL'"));
        Assert.Equal(1, _t.Count("liquidation_orders", "price = 48933.99")); // kept as sent; scoring leaves it out

        // The same prints in another file (a second recorder, or the live recording of the same stream) add nothing.
        var again = _t.Ingestor.IngestFile(_t.Write("other/BTCUSDT.csv", TrivixCsv.Replace("37576.07\n", "37576.07\nBTCUSDT,BUY,LIMIT,1700991300000,0.002,37700\n", StringComparison.Ordinal)));
        Assert.Equal(1, again.Rows);
        Assert.Equal(6, _t.Count("liquidation_orders"));
    }

    [Fact]
    public void A_bad_line_names_its_field_and_leaves_the_store_as_it_was()
    {
        var before = _t.Fingerprint();
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("bad/BTCUSDT.csv",
            "Symbol,Side,Order Type,Time,Quantity,Price\nBTCUSDT,SELL,LIMIT,1700991015924,0.011,37595.92\nBTCUSDT,HOLD,LIMIT,1700991190356,0.003,37580.72\n")));
        Assert.Contains("line 3: field Side", e.Message, StringComparison.Ordinal);
        var p = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("bad2/BTCUSDT.csv",
            "Symbol,Side,Order Type,Time,Quantity,Price\nBTCUSDT,SELL,LIMIT,1700991015924,0.011,-1\n")));
        Assert.Contains("line 2: field Price", p.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void ForceOrder_messages_keep_p_and_ap_apart_and_meet_the_csv_print_as_one_row()
    {
        // Binance's documented forceOrder payload; the first event is the CSV's first print (same T, S, p, q).
        var lines = string.Join("\n",
            """{"e":"forceOrder","E":1700990938140,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"0.036","p":"37867.24","ap":"37612.10","X":"FILLED","l":"0.036","z":"0.036","T":1700990938132}}""",
            """{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1700991400001,"o":{"s":"ETHUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"1.250","p":"2031.10","ap":"2040.55","X":"FILLED","l":"1.250","z":"1.250","T":1700991400000}}}""",
            """1700991500123 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1700991500100,"s":"BTCUSDT","p":"37600.0","q":"0.1"}}""",
            """1700991500456 {"e":"forceOrder","E":1700991500450,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.2","p":"37400.5","ap":"37550.0","X":"FILLED","l":"0.2","z":"0.2","T":1700991500449}}""") + "\n";
        _t.Ingestor.IngestFile(_t.Write("ws/forceOrder.jsonl", lines));
        Assert.Equal(3, _t.Count("liquidation_orders"));
        Assert.Equal(1, _t.Count("liquidation_orders", "symbol = 'ETHUSDT' AND side = 'SELL' AND liquidated_side = 'long' AND price = 2031.10 AND average_price = 2040.55 AND filled_quantity = 1.25"));
        _t.Ingestor.IngestFile(_t.Write("trivix/BTCUSDT.csv", TrivixCsv));
        Assert.Equal(3 + 4, _t.Count("liquidation_orders")); // the CSV's first print is the message already stored
        Assert.Equal(1, _t.Count("liquidation_orders", "price = 37867.24"));

        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("ws/bad.jsonl",
            """{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"UP","q":"1","p":"2","T":1}}""" + "\n")));
        Assert.Contains("line 1: field o.S", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hyperliquid_liquidations_take_coin_side_and_price_from_the_users_fills()
    {
        // hyperliquid-dex/historical_data: two liquidations; the second (cross margin) closed shorts in two coins at once.
        _t.Write("hl/non_mm_trades.csv", """
            time,user,coin,side,px,sz,crossed
            2023-03-02T22:27:37Z,0xc12899141fde243c1f6a1e77f285aafdcb50afc8,ETH,Bid,1668.41,0.4316,false
            2023-03-12T11:26:44Z,0x6482a07ec9b8ed76cf7989d19d39d508cfb5e875,AVAX,Bid,14.634,4.74,false
            2023-03-12T11:26:44Z,0x6482a07ec9b8ed76cf7989d19d39d508cfb5e875,SOL,Bid,18.4288,16.05,false
            2023-03-12T11:26:45Z,0x6482a07ec9b8ed76cf7989d19d39d508cfb5e875,SOL,Ask,18.5,1.0,true

            """);
        var r = _t.Ingestor.IngestFile(_t.Write("hl/liquidations.csv", """
            time,user,liquidated_ntl_pos,liquidated_account_value,leverage_type
            2023-03-02T22:27:37Z,0xc12899141fde243c1f6a1e77f285aafdcb50afc8,713.706708,6.382163,Cross
            2023-03-12T11:26:44Z,0x6482a07ec9b8ed76cf7989d19d39d508cfb5e875,361.803,3.345709,Cross

            """));
        Assert.Equal(3, r.Rows);
        Assert.Equal(1, _t.Count("liquidation_orders", "venue = 'hyperliquid' AND symbol = 'ETH' AND liquidated_side = 'short' AND side = 'BUY' AND abs(price - 1668.41) < 1e-9 AND quantity = 0.4316"));
        Assert.Equal(2, _t.Count("liquidation_orders", "time = TIMESTAMP '2023-03-12 11:26:44' AND liquidated_side = 'short'"));

        var lonely = Path.Combine(_t.Directory, "lonely");
        Directory.CreateDirectory(lonely);
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(_t.Write("lonely/liquidations.csv",
            "time,user,liquidated_ntl_pos,liquidated_account_value,leverage_type\n2023-03-02T22:27:37Z,0xabc,1,1,Cross\n")));
        Assert.Contains("non_mm_trades.csv", e.Message, StringComparison.Ordinal);
    }

    private string Liqmap(string name, params string[] events)
    {
        var path = Path.Combine(_t.Directory, name);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        // The project's schema, and rows copied from its liqmap.db (Binance: the order side; Bybit: the position side; OKX: posSide:side).
        cmd.CommandText = """
            CREATE TABLE liquidation_events (id INTEGER PRIMARY KEY AUTOINCREMENT, exchange TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, raw_side TEXT,
                qty REAL NOT NULL, price REAL NOT NULL, mark_price REAL NOT NULL, notional_usd REAL NOT NULL, event_ts INTEGER NOT NULL, inserted_ts INTEGER NOT NULL);
            CREATE TABLE band_reports (id INTEGER PRIMARY KEY AUTOINCREMENT, report_ts INTEGER NOT NULL, symbol TEXT NOT NULL, current_price REAL NOT NULL, band INTEGER NOT NULL,
                up_price REAL NOT NULL, up_notional_usd REAL NOT NULL, down_price REAL NOT NULL, down_notional_usd REAL NOT NULL);
            INSERT INTO band_reports (report_ts, symbol, current_price, band, up_price, up_notional_usd, down_price, down_notional_usd)
                VALUES (1775206585817, 'ETHUSDT', 2057.88, 10, 2067.9, 125000.5, 2047.9, 98000.25);
            """ + string.Concat(events.Select(e => $"INSERT INTO liquidation_events (exchange, symbol, side, raw_side, qty, price, mark_price, notional_usd, event_ts, inserted_ts) VALUES ({e});\n"));
        cmd.ExecuteNonQuery();
        return path;
    }

    [Fact]
    public void Liqmap_events_normalise_each_exchanges_side_and_units_and_its_bands_become_a_peer_map()
    {
        var path = Liqmap("liqmap.db",
            "'binance', 'ETHUSDT', 'short', 'BUY', 0.201, 2044.81, 2044.83431008, 411.00681, 1775222290153, 1775222290236",
            "'okx', 'ETHUSDT', 'long', 'long:sell', 1.5, 2046.62, 2046.7, 306.993, 1775222480000, 1775222480100",
            "'bybit', 'ETHUSDT', 'short', 'Sell', 0.02, 2063.24, 2063.3, 41.2648, 1775226463000, 1775226463100");
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal("liqmap-sqlite", r.Kind);
        Assert.Equal(3, _t.Count("liquidation_orders"));
        Assert.Equal(1, _t.Count("liquidation_orders", "venue = 'okx' AND liquidated_side = 'long' AND side = 'SELL' AND abs(quantity - 0.15) < 1e-9")); // 1.5 contracts of 0.1 ETH
        Assert.Equal(1, _t.Count("liquidation_orders", "venue = 'bybit' AND liquidated_side = 'short' AND side = 'BUY'"));
        Assert.Equal(1, _t.Count("liquidation_orders", "venue = 'binance-usdm' AND time = TIMESTAMP '2026-04-03 13:18:10.153'"));
        Assert.Equal(1, _t.Count("peer_liquidation_bands", "liquidated_side = 'short' AND price = 2067.9 AND notional_usd = 125000.5 AND reference_price = 2057.88"));
        Assert.Equal(1, _t.Count("peer_liquidation_bands", "liquidated_side = 'long' AND price = 2047.9 AND band = 10"));

        var before = _t.Fingerprint();
        var bad = Liqmap("contradiction.db", "'bybit', 'ETHUSDT', 'short', 'Buy', 0.02, 2063.24, 2063.3, 41.2648, 1775226463000, 1775226463100");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(bad));
        Assert.Contains("liquidation_events id 1: field raw_side: bybit's 'Buy' means a liquidated long", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void Coin_margined_snapshots_convert_contracts_and_drop_the_repeated_rows()
    {
        // yhwhhwhy001/beidou: the head of Binance Vision's BTCUSD_PERP liquidationSnapshot of 2024-10-01 (each row twice).
        var rows = "1727740869082,BUY,LIMIT,IOC,7,63661.4,63425.1,FILLED,7,7\n1727742058019,SELL,LIMIT,IOC,1,62779.5,63020.9,FILLED,1,1\n";
        _t.Ingestor.IngestFile(_t.Write("BTCUSD_PERP-liquidationSnapshot-2024-10-01.head.csv",
            "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity\n" + rows + rows));
        Assert.Equal(2, _t.Count("liquidation_orders"));
        Assert.Equal(1, _t.Count("liquidation_orders",
            "venue = 'binance-coinm' AND symbol = 'BTCUSD_PERP' AND liquidated_side = 'short' AND price = 63661.4 AND average_price = 63425.1 AND abs(quantity - 700 / 63425.1) < 1e-12"));
    }

    [Fact]
    public void Rows_stored_before_schema_v4_are_backfilled_as_fills()
    {
        _t.Store.Execute("INSERT INTO liquidation_orders (venue, symbol, time, side, price, quantity, order_type, trade_id, file_id) VALUES ('binance-usdm', 'BTCUSDT', TIMESTAMP '2023-04-05 00:01:14.4', 'BUY', 28722.5, 0.001, 'INSURANCE_FUND', 3535191080, 1)");
        _t.Store.ExecuteScript(Schema.Backfills[3]);
        Assert.Equal(1, _t.Count("liquidation_orders", "liquidated_side = 'short' AND average_price = 28722.5 AND filled_quantity = 0.001 AND source = 'binance-trade-stream'"));
    }
}
