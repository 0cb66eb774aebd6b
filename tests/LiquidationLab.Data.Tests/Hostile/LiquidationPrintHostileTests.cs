using LiquidationLab.Data.Ingest;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Hostile;

/// <summary>
/// Liquidation prints with impossible values (issue 30), in the exact exchange formats: Binance's <c>forceOrder</c>
/// websocket payload and a recorder's forceOrder CSV. Each is refused naming the file, the line and the file's own field,
/// and leaves every table as it was — never an overflow message without a place, never a value dropped to NULL in silence.
/// </summary>
public sealed class LiquidationPrintHostileTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    // A real forceOrder event (Binance's documented payload), then the one under test on line 2.
    private const string GoodEvent = """{"e":"forceOrder","E":1700990938140,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"0.036","p":"37867.24","ap":"37612.10","X":"FILLED","l":"0.036","z":"0.036","T":1700990938132}}""";

    private static string Event(string t = "1700991400000", string p = "\"2031.10\"", string q = "\"1.250\"", string ap = "\"2040.55\"", string z = "\"1.250\"", string e = "1700991400001") =>
        $$$"""{"e":"forceOrder","E":{{{e}}},"o":{"s":"ETHUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":{{{q}}},"p":{{{p}}},"ap":{{{ap}}},"X":"FILLED","l":"1.250","z":{{{z}}},"T":{{{t}}}}}""";

    public static TheoryData<string, string> BadEvents => new()
    {
        { Event(t: "9000000000000000000"), "field o.T: epoch 9000000000000000000 ms is outside 2009-01-03" },
        { Event(t: "-5"), "field o.T: epoch -5 ms is outside" },
        { Event(t: "32503680000000"), "field o.T: epoch 32503680000000 ms is outside" },
        { Event(t: "1.7e12"), "field o.T: expected integer epoch milliseconds" },
        { Event(t: "\"soon\""), "field o.T: expected integer epoch milliseconds" },
        { Event(t: "99999999999999999999999"), "field o.T: expected integer epoch milliseconds" },
        { Event(ap: "\"NaN\""), "field o.ap: \"NaN\" is not 0 or a finite positive number" },
        { Event(ap: "\"Infinity\""), "field o.ap: \"Infinity\" is not 0 or a finite positive number" },
        { Event(ap: "\"1e400\""), "field o.ap: \"1e400\" is not 0 or a finite positive number" },
        { Event(ap: "\"-2040.55\""), "field o.ap: \"-2040.55\" is not 0 or a finite positive number" },
        { Event(z: "\"NaN\""), "field o.z: \"NaN\" is not 0 or a finite positive number" },
        { Event(p: "\"1e400\""), "field o.p: \"1e400\" is not a finite positive number" },
        { Event(q: "\"NaN\""), "field o.q: \"NaN\" is not a finite positive number" },
        { Event(p: "1e16"), "field o.p: 1e16 is not a finite positive number" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public void A_forceOrder_message_with_an_impossible_value_is_refused_naming_file_line_and_field(string bad, string expected)
    {
        var before = _t.Fingerprint();
        var path = _t.Write("ws/forceOrder.jsonl", GoodEvent + "\n" + bad + "\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith($"{path}: line 2: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void A_forceOrder_message_without_a_trade_time_takes_the_checked_event_time()
    {
        var before = _t.Fingerprint();
        var bad = """{"e":"forceOrder","E":9000000000000000000,"o":{"s":"ETHUSDT","S":"SELL","o":"LIMIT","q":"1.25","p":"2031.10","ap":"0","z":"0"}}""";
        var path = _t.Write("ws/no-T.jsonl", GoodEvent + "\n" + bad + "\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.StartsWith($"{path}: line 2: field E: epoch 9000000000000000000 ms is outside", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.Fingerprint());
    }

    [Fact]
    public void An_unfilled_forceOrder_message_with_zero_ap_and_z_is_kept_without_a_fill()
    {
        var r = _t.Ingestor.IngestFile(_t.Write("ws/unfilled.jsonl", Event(ap: "\"0\"", z: "\"0\"") + "\n"));
        Assert.Equal(1, r.Rows);
        Assert.Equal(1, _t.Count("liquidation_orders", "average_price IS NULL AND filled_quantity IS NULL AND price = 2031.10"));
    }

    [Theory]
    [InlineData("9000000000000000000")]
    [InlineData("32503680000000")]
    [InlineData("-5")]
    public void A_forceOrder_csv_time_out_of_range_is_refused_naming_file_line_and_field(string time)
    {
        var before = _t.Fingerprint();
        var path = _t.Write("csv/BTCUSDT.csv",
            $"Symbol,Side,Order Type,Time,Quantity,Price\nBTCUSDT,BUY,LIMIT,1700990938132,0.036,37867.24\nBTCUSDT,SELL,LIMIT,{time},0.011,37595.92\n");
        var e = Assert.Throws<IngestException>(() => _t.Ingestor.IngestFile(path));
        Assert.Equal($"{path}: line 3: field Time: expected epoch milliseconds within 2009-01-03 … now + 1 h.", e.Message);
        Assert.Equal(before, _t.Fingerprint());
    }
}
