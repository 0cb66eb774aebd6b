using System.IO.Compression;
using System.Text;
using LiquidationLab.Data.Ingest;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Ingest;

/// <summary>
/// A websocket recording with bad lines: <c>data ingest</c> refuses the file whole (a file is checked before it is trusted),
/// while the live recorder's ingestor (<see cref="Ingestor.QuarantineLines"/>) sets each bad line aside with its line and
/// field and stores every other line, with no half-written row left by a refused one.
/// </summary>
public sealed class RecordingQuarantineTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private const long Ms = 1_721_347_200_000; // 2024-07-19 00:00:00 UTC

    private static string Agg(long id, string p, string q = "0.010", string extra = "") =>
        $"{Ms + id} {{\"stream\":\"btcusdt@aggTrade\",\"data\":{{\"e\":\"aggTrade\",\"E\":{Ms + id},\"s\":\"BTCUSDT\",\"a\":{id},\"p\":\"{p}\",\"q\":\"{q}\",{extra}\"T\":{Ms + id},\"m\":false}}}}";

    private static string Force(string p, string ap, long t = Ms) =>
        $"{Ms} {{\"stream\":\"btcusdt@forceOrder\",\"data\":{{\"e\":\"forceOrder\",\"E\":{Ms},\"o\":{{\"s\":\"BTCUSDT\",\"S\":\"SELL\",\"o\":\"LIMIT\",\"q\":\"0.5\",\"p\":\"{p}\",\"ap\":\"{ap}\",\"z\":\"0.5\",\"T\":{t}}}}}}}";

    private static string Mark(string p, string r) =>
        $"{Ms} {{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{{\"e\":\"markPriceUpdate\",\"E\":{Ms},\"s\":\"BTCUSDT\",\"p\":\"{p}\",\"r\":\"{r}\",\"T\":{Ms}}}}}";

    private string File(params string[] lines)
    {
        var path = Path.Combine(_t.Directory, $"btcusdt-{Guid.NewGuid():N}.gz");
        using var gz = new GZipStream(System.IO.File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        return path;
    }

    private string[] Lines() =>
    [
        Agg(1, "67000.1", extra: "\"f\":10,\"l\":10,"),
        Agg(2, "NaN", extra: "\"f\":20,\"l\":20,"),                 // line 2: impossible price
        Agg(3, "67000.2"),                                           // line 3: no first/last trade ids (f, l): refused before any value is appended
        Force("66000", "NaN"),                                       // line 4: average price NaN is not "unknown"
        Force("66000", "66010", t: 4_102_444_800_000),               // line 5: a time in 2100
        Force("66000", "0"),                                          // line 6: nothing filled yet: average price unknown (NULL)
        Mark("1e300", "0.0001"),                                     // line 7: an impossible mark price
        Mark("67000", "0.0001"),
        Agg(4, "67000.3", extra: "\"f\":40,\"l\":40,\"s\":\"ETHUSDT\","), // line 9: "s" again: the last one is read, another symbol than the recording's
        Agg(5, "67000.4", extra: "\"f\":50,\"l\":50,"),
    ];

    [Fact]
    public void Data_ingest_refuses_a_recording_with_a_bad_line_naming_the_line_and_field()
    {
        var path = File(Lines());
        var before = _t.Snapshot();
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Contains("line 2: aggTrade 2: field p: 'NaN'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Snapshot());
    }

    [Fact]
    public void The_recorders_ingestor_sets_bad_lines_aside_and_stores_every_other_line()
    {
        var path = File(Lines());
        var r = new Ingestor(_t.Store) { QuarantineLines = true }.IngestFile(path);

        Assert.NotNull(r.Rejected);
        Assert.Equal([2L, 3L, 4L, 5L, 7L, 9L], r.Rejected!.Select(x => x.Line).ToArray());
        Assert.Contains("field p: 'NaN'", r.Rejected[0].Problem, StringComparison.Ordinal);
        Assert.Contains("aggTrade: field f: missing", r.Rejected[1].Problem, StringComparison.Ordinal);
        Assert.Contains("field ap: 'NaN'", r.Rejected[2].Problem, StringComparison.Ordinal);
        Assert.Contains("field o.T", r.Rejected[3].Problem, StringComparison.Ordinal);
        Assert.Contains("field p: '1e300'", r.Rejected[4].Problem, StringComparison.Ordinal);
        Assert.Equal(Lines()[1], r.Rejected[0].Text); // kept raw, whole
        Assert.Contains("in a recording of BTCUSDT", r.Rejected[5].Problem, StringComparison.Ordinal);
        Assert.Contains("6 lines set aside", r.Detail, StringComparison.Ordinal);
        Assert.Equal(2, _t.Count("agg_trades"));
        Assert.Equal(0, _t.Count("agg_trades", "price <> price OR agg_trade_id = 3")); // nothing of a refused line was written
        Assert.Equal(1, _t.Count("liquidation_orders"));
        Assert.Equal(1, _t.Count("liquidation_orders", "average_price IS NULL"));
        Assert.Equal(1, _t.Count("funding_rates", "mark_price = 67000"));
    }
}
