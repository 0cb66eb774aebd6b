using LiquidationLab.TestSupport;
using LiquidationLab.Data.Query;
using Microsoft.Data.Analysis;

namespace LiquidationLab.Data.Tests.Query;

public sealed class MarketDataReaderTests : IDisposable
{
    private readonly TempStore _t = new();
    private readonly MarketDataReader _reader;

    public MarketDataReaderTests() => _reader = new MarketDataReader(_t.Store);

    public void Dispose() => _t.Dispose();

    private static readonly DateTime T0 = new(2026, 5, 25, 16, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Candles_carry_open_interest_from_the_preferred_source_and_nan_where_missing()
    {
        _t.Store.ExecuteScript("""
            INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, volume, file_id) VALUES
              ('binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '2026-05-25 16:00:00', 100, 110, 95, 105, 12.5, 1),
              ('binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '2026-05-25 16:05:00', 105, 106, 101, 102, 3.0, 1),
              ('binance-spot', 'BTCUSDT', 'spot', '5m', TIMESTAMP '2026-05-25 16:00:00', 1, 1, 1, 1, 1, 1);
            INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id) VALUES
              ('binance-usdm', 'BTCUSDT', 'coinglass', '5m', TIMESTAMP '2026-05-25 16:00:00', 7.0e9, 1),
              ('binance-usdm', 'BTCUSDT', 'binance-openInterestHist', '5m', TIMESTAMP '2026-05-25 16:00:00', 7.7e9, 1);
            """);
        var c = _reader.Candles("BTCUSDT", "5m", T0, T0.AddHours(1));
        Assert.Equal(2, c.Length);
        Assert.Equal((100d, 110d, 95d, 105d, 12.5), (c[0].Open, c[0].High, c[0].Low, c[0].Close, c[0].VolumeBase));
        Assert.Equal(7.7e9, c[0].OpenInterestUsd);          // openInterestHist preferred over coinglass
        Assert.True(double.IsNaN(c[1].OpenInterestUsd));
        Assert.True(double.IsNaN(c[0].TakerBuyVolumeBase));
        Assert.Single(_reader.Candles("BTCUSDT", "5m", T0, T0.AddMinutes(5)));  // [from, to)
        Assert.Single(_reader.Candles("BTCUSDT", "5m", T0, T0.AddHours(1), market: "spot"));
    }

    [Fact]
    public void Trades_liquidations_funding_and_books_come_back_typed_and_ordered()
    {
        var id = _t.Store.SeriesId("binance-usdm", "BTCUSDT");
        _t.Store.ExecuteScript($"""
            INSERT INTO agg_trades_data VALUES
              ({id}, 2, 100.0, 2.0, 2, 2, TIMESTAMP '2026-05-25 16:00:01', false, 1),
              ({id}, 1, 100.0, 0.5, 1, 1, TIMESTAMP '2026-05-25 16:00:00', true, 1);
            INSERT INTO liquidation_totals VALUES ('coinglass', 'Binance', 'BTC', '4h', TIMESTAMP '2026-05-25 16:00:00', 1.5e6, 2.5e5, 1);
            INSERT INTO funding_rates VALUES ('binance-usdm', 'BTCUSDT', 'binance-fundingRate', '8h', TIMESTAMP '2026-05-25 16:00:00', 0.0001, NULL, 1);
            INSERT INTO book_snapshots VALUES
              ('polymarket', 'tok', TIMESTAMP '2026-05-25 16:00:00', 'bid', 1, 0.47, 10.869564, 1),
              ('polymarket', 'tok', TIMESTAMP '2026-05-25 16:00:00', 'ask', 1, 0.48, 5380.71, 1),
              ('polymarket', 'tok', TIMESTAMP '2026-05-25 16:00:01', 'ask', 1, 0.49, 1, 1);
            """);
        var trades = _reader.AggTrades("BTCUSDT", T0, T0.AddHours(1));
        Assert.Equal([0.5, 2.0], trades.Select(t => t.QuantityBase));
        Assert.Equal([2.0], _reader.AggTrades("BTCUSDT", T0, T0.AddHours(1), minNotionalUsd: 100).Select(t => t.QuantityBase));
        Assert.Equal(1.75e6, _reader.LiquidationTotals("BTC", "4h", "Binance", T0, T0.AddDays(1)).Single().TotalUsd);
        Assert.Equal(0.0001, _reader.FundingRates("BTCUSDT", "binance-fundingRate", T0, T0.AddDays(1)).Single().Rate);
        var books = _reader.BookSnapshots("polymarket", "tok", T0, T0.AddMinutes(1));
        Assert.Equal(2, books.Length);
        Assert.Equal(10.869564m, books[0].Bids[0].Size);
        Assert.Empty(books[1].Bids);
    }

    [Fact]
    public void Query_returns_a_typed_dataframe_with_nulls()
    {
        var df = _reader.Query("SELECT 1::BIGINT AS a, 2.5::DOUBLE AS b, NULL::DOUBLE AS c, 'x' AS d, TIMESTAMP '2026-01-01' AS e, 0.47::DECIMAL(38,18) AS f, $1 AS g", 7);
        Assert.Equal(1, df.Rows.Count);
        Assert.IsType<Int64DataFrameColumn>(df.Columns["a"]);
        Assert.IsType<DoubleDataFrameColumn>(df.Columns["b"]);
        Assert.Null(df.Columns["c"][0]);
        Assert.Equal("x", df.Columns["d"][0]);
        Assert.Equal(new DateTime(2026, 1, 1), df.Columns["e"][0]);
        Assert.Equal(0.47m, df.Columns["f"][0]);
        Assert.Equal(7, Convert.ToInt32(df.Columns["g"][0], System.Globalization.CultureInfo.InvariantCulture));
    }
}
