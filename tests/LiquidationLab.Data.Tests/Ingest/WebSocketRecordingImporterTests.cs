using LiquidationLab.TestSupport;
using System.IO.Compression;
using System.Text;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Ingest.Binance;

namespace LiquidationLab.Data.Tests.Ingest;

public sealed class WebSocketRecordingImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private string Gz(string name, params string[] lines)
    {
        var path = Path.Combine(_t.Directory, name);
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        gz.Write(bytes);
        return path;
    }

    // Local timestamps in nanoseconds (2024 format) unless a test says otherwise.
    private static string Trade(long local, long t, long id, string p, string q, bool maker, string x = "MARKET") =>
        $$$"""{{{local}}} {"stream":"btcusdt@trade","data":{"e":"trade","E":{{{t + 3}}},"T":{{{t}}},"s":"BTCUSDT","t":{{{id}}},"p":"{{{p}}}","q":"{{{q}}}","X":"{{{x}}}","m":{{{(maker ? "true" : "false")}}}}}""";

    private static string Depth(long local, long e, long first, long final, long prev, string bids, string asks) =>
        $$$"""{{{local}}} {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":{{{e}}},"T":{{{e}}},"s":"BTCUSDT","U":{{{first}}},"u":{{{final}}},"pu":{{{prev}}},"b":[{{{bids}}}],"a":[{{{asks}}}]}}""";

    private static string Snapshot(long local, long lastUpdateId) =>
        $$$"""{{{local}}} {"lastUpdateId":{{{lastUpdateId}}},"E":1,"T":1,"bids":[["100.0","1.000"],["99.9","2.000"]],"asks":[["100.1","1.500"],["100.2","3.000"]]}""";

    private const long Ns = 1_721_347_200_000_000_000; // 2024-07-19 00:00:00 UTC in ns
    private const long Ms = 1_721_347_200_000;

    [Fact]
    public void Trades_are_stored_and_consecutive_equal_time_price_and_side_are_merged_into_aggtrades()
    {
        var path = Gz("btcusdt_20240719.gz",
            Trade(Ns, Ms + 10, 1, "100.0", "0.001", true),
            Trade(Ns + 1, Ms + 10, 2, "100.0", "0.002", true),   // merges with 1
            Trade(Ns + 2, Ms + 10, 3, "100.0", "0.004", false),  // other maker flag: new aggregate
            Trade(Ns + 3, Ms + 11, 4, "100.0", "0.008", false)); // other time: new aggregate
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal("binance-ws-recording", r.Kind);
        Assert.Equal(4, _t.Count("trades"));
        Assert.Equal(3, _t.Count("agg_trades"));
        Assert.Equal(0.003, _t.Store.Scalar<double>("SELECT quantity FROM agg_trades WHERE first_trade_id = 1 AND last_trade_id = 2"), 12);
        Assert.Contains("local timestamps in ns", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_market_prints_become_liquidation_orders_with_the_side_inferred_from_the_market()
    {
        var path = Gz("btcusdt_20230405.dat.gz",
            Trade(1_680_652_874_000_000, 1_680_652_874_000, 10, "28150.0", "0.010", true),
            Trade(1_680_652_874_400_000, 1_680_652_874_400, 11, "28722.5", "0.001", true, "INSURANCE_FUND"),
            Trade(1_680_652_874_500_000, 1_680_652_874_500, 12, "27600.0", "0.002", false, "LIQUIDATION"));
        var r = _t.Ingestor.IngestFile(path);
        Assert.Equal(1, _t.Count("trades"));
        Assert.Equal(1, _t.Count("liquidation_orders", "order_type = 'INSURANCE_FUND' AND side = 'BUY' AND price = 28722.5"));
        Assert.Equal(1, _t.Count("liquidation_orders", "order_type = 'LIQUIDATION' AND side = 'SELL'"));
        Assert.Contains("local timestamps in µs", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Book_is_rebuilt_from_snapshot_and_buffered_diffs_and_sampled_each_second()
    {
        var path = Gz("btcusdt_20240718.gz",
            Depth(Ns, Ms + 100, 90, 95, 89, "", ""),                          // stale: u < lastUpdateId, dropped
            Depth(Ns + 1, Ms + 200, 96, 105, 95, """["100.0","0.500"]""", ""), // straddles 100: first applied, recorded before the snapshot
            Snapshot(Ns + 2, 100),
            Depth(Ns + 3, Ms + 1_100, 106, 110, 105, """["99.9","0.000"]""", """["100.1","2.500"]"""),
            Depth(Ns + 4, Ms + 2_100, 111, 112, 110, "", ""));
        var r = _t.Ingestor.IngestFile(path);
        Assert.Contains("depth updates applied 3, gaps 0", r.Detail, StringComparison.Ordinal);
        // Sample at Ms+1000 (state after update 96–105): bid 100.0 × 0.5, 99.9 × 2; asks unchanged.
        Assert.Equal(0.5m, _t.Store.Scalar<decimal>("SELECT size FROM book_snapshots WHERE time = epoch_ms(1721347201000) AND side = 'bid' AND level = 1"));
        Assert.Equal(2, _t.Count("book_snapshots", "time = epoch_ms(1721347201000) AND side = 'bid'"));
        // Sample at Ms+2000: 99.9 removed, ask 100.1 now 2.5.
        Assert.Equal(1, _t.Count("book_snapshots", "time = epoch_ms(1721347202000) AND side = 'bid'"));
        Assert.Equal(2.5m, _t.Store.Scalar<decimal>("SELECT size FROM book_snapshots WHERE time = epoch_ms(1721347202000) AND side = 'ask' AND level = 1"));
    }

    [Fact]
    public void A_recording_delivered_twice_in_one_file_is_stored_once()
    {
        string[] once =
        [
            Snapshot(Ns, 100),
            Trade(Ns + 1, Ms + 150, 1, "100.0", "0.5", false),
            Depth(Ns + 2, Ms + 200, 99, 101, 98, """["100.0","7.000"]""", ""),
            Trade(Ns + 3, Ms + 1_150, 2, "100.1", "0.25", true),
            Depth(Ns + 4, Ms + 1_200, 102, 103, 101, "", """["100.1","4.000"]"""),
            Depth(Ns + 5, Ms + 2_300, 104, 104, 103, "", ""),
        ];
        var r = _t.Ingestor.IngestFile(Gz("btcusdt_20240718.gz", [.. once, .. once, .. once]));
        Assert.Contains("gaps 0, already applied (re-delivered) 6 updates and 2 snapshots", r.Detail, StringComparison.Ordinal);
        Assert.Equal(2, _t.Count("trades"));
        Assert.Equal(2, _t.Count("agg_trades"));
        Assert.Equal(0, _t.Store.Scalar<long>("SELECT count(*) FROM (SELECT 1 FROM book_snapshots GROUP BY instrument_id, time, side, level HAVING count(*) > 1)"));
        Assert.Equal(2, _t.Store.Scalar<long>("SELECT count(DISTINCT time) FROM book_snapshots"));
    }

    [Fact]
    public void A_sequence_gap_stops_sampling_and_is_reported()
    {
        var path = Gz("btcusdt_20240718.gz",
            Snapshot(Ns, 100),
            Depth(Ns + 1, Ms + 200, 99, 101, 98, "", ""),
            Depth(Ns + 2, Ms + 1_200, 105, 106, 104, "", ""),   // pu 104 ≠ 101: gap
            Depth(Ns + 3, Ms + 5_200, 107, 108, 106, "", ""));
        var r = _t.Ingestor.IngestFile(path);
        Assert.Contains("gaps 1", r.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _t.Store.Scalar<long>("SELECT count(DISTINCT time) FROM book_snapshots")); // only the sample at Ms+1000, before the gap
    }

    [Fact]
    public void The_next_recording_continues_the_stored_book_when_the_sequence_connects()
    {
        _t.Ingestor.IngestFile(Gz("btcusdt_20240718.gz", Snapshot(Ns, 100), Depth(Ns + 1, Ms + 200, 99, 101, 98, """["100.0","7.000"]""", "")));
        var second = _t.Ingestor.IngestFile(Gz("btcusdt_20240719.gz", Depth(Ns + 5, Ms + 3_000, 102, 103, 101, "", ""), Depth(Ns + 6, Ms + 4_100, 104, 104, 103, "", "")));
        Assert.Contains("continued the stored book at update 101", second.Detail, StringComparison.Ordinal);
        Assert.Equal(7m, _t.Store.Scalar<decimal>("SELECT size FROM book_snapshots WHERE time = epoch_ms(1721347204000) AND side = 'bid' AND level = 1"));

        var disconnected = _t.Ingestor.IngestFile(Gz("btcusdt_20240720.gz", Depth(Ns + 9, Ms + 9_000, 500, 501, 499, "", "")));
        Assert.Contains("not continuous", disconnected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_names_the_line_and_leaves_the_store_unchanged()
    {
        var before = _t.Snapshot();
        var path = Gz("btcusdt_20240719.gz", Trade(Ns, Ms, 1, "100.0", "0.001", true), $"{Ns + 1} {{\"stream\":\"btcusdt@trade\",\"data\":{{\"e\":");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith($"{path}: line 2:", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void Non_numeric_price_names_the_line()
    {
        var path = Gz("btcusdt_20240719.gz", Trade(Ns, Ms, 1, "abc", "0.001", true));
        Assert.StartsWith($"{path}: line 1:", Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketRecordingImporter(sampleIntervalMs: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketRecordingImporter(levels: 0));
    }
}
