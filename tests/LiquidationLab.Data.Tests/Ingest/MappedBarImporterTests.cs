using LiquidationLab.TestSupport;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Tests.Ingest;

public sealed class MappedBarImporterTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private Ingestor With(BarMapping m) => new(_t.Store, [new MappedBarImporter(m)]);

    [Fact]
    public void A_custom_layout_with_epoch_seconds_fills_klines_and_open_interest()
    {
        var path = _t.Write("my_bars.csv", "ts,o,h,l,c,v,oi,note\n1779724800,100,110,95,105,3.5,7.7e9,x\n1779728400,105,106,101,102,1.0,7.8e9,y\n");
        var map = new BarMapping(BarMapping.ParsePairs("ts=time,o=open,h=high,l=low,c=close,v=volume,oi=oi_usd"), "ETHUSDT", Venue: "okx-swap");
        var r = With(map).IngestFile(path, "mapped");
        Assert.Contains("interval 1h", r.Detail, StringComparison.Ordinal);   // from the row spacing
        Assert.Equal(2, _t.Count("klines", "symbol = 'ETHUSDT' AND venue = 'okx-swap' AND interval = '1h' AND market = 'perp'"));
        Assert.Equal(1, _t.Count("klines", "open_time = TIMESTAMP '2026-05-25 16:00:00' AND close = 105 AND volume = 3.5"));
        Assert.Equal(2, _t.Count("open_interest", "symbol = 'ETHUSDT' AND source = 'custom'"));
    }

    [Fact]
    public void Iso_times_with_offsets_are_converted_to_utc_and_the_interval_can_be_forced()
    {
        var path = _t.Write("liq.csv", "when,longs,shorts\n2026-05-25T19:00:00+03:00,10,20\n");
        var map = new BarMapping(BarMapping.ParsePairs("when=time,longs=long_usd,shorts=short_usd"), "BTC", Venue: "Deribit", Interval: "4h");
        With(map).IngestFile(path, "mapped");
        Assert.Equal(1, _t.Count("liquidation_totals", "exchange_scope = 'Deribit' AND interval = '4h' AND period_start = TIMESTAMP '2026-05-25 16:00:00'"));
    }

    [Fact]
    public void Mapping_errors_are_clear()
    {
        Assert.Contains("not column=name", Assert.Throws<FormatException>(() => BarMapping.ParsePairs("ts")).Message, StringComparison.Ordinal);
        Assert.Contains("'price' is not one of", Assert.Throws<FormatException>(() => BarMapping.ParsePairs("ts=time,p=price")).Message, StringComparison.Ordinal);
        Assert.Contains("must map to 'time'", Assert.Throws<FormatException>(() => BarMapping.ParsePairs("c=close")).Message, StringComparison.Ordinal);
        var path = _t.Write("bars.csv", "ts,c\n1779724800,100\n");
        var missing = new BarMapping(BarMapping.ParsePairs("ts=time,close_px=close"), "X");
        Assert.Contains("line 1: --map names column(s) close_px", Assert.Throws<IngestException>(() => With(missing).IngestFile(path, "mapped")).Message, StringComparison.Ordinal);
        var incomplete = new BarMapping(BarMapping.ParsePairs("ts=time,c=close"), "X");
        Assert.Contains("maps no complete target", Assert.Throws<IngestException>(() => With(incomplete).IngestFile(path, "mapped")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_numeric_values_name_the_line()
    {
        var path = _t.Write("bars.csv", "ts,o,h,l,c\n1779724800,100,110,95,105\n1779725100,100,oops,95,105\n");
        var map = new BarMapping(BarMapping.ParsePairs("ts=time,o=open,h=high,l=low,c=close"), "X");
        Assert.Contains("line 3: field h: 'oops' is not a number", Assert.Throws<IngestException>(() => With(map).IngestFile(path, "mapped")).Message, StringComparison.Ordinal);
        Assert.Equal(0, _t.Count("klines"));
    }
}
