using LiquidationLab.Core.Backtesting;
using LiquidationLab.Data.Query;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Data.Tests.Query;

/// <summary>What a backtest reads: bars and liquidation totals, built from shorter intervals when needed, per side.</summary>
public sealed class BacktestSeriesTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private void Fill(int hours, params string[] scopes)
    {
        // Hourly spot bars with OI from 2026-01-01 00:00, and per scope hourly totals: long = 10·h, short = 1 (USD).
        _t.Store.ExecuteScript($"""
            INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id)
              SELECT 'binance-spot', 'BTCUSDT', 'spot', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 100, 101, 99, 100, 1 FROM range({hours}) t(i);
            INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id)
              SELECT 'binance-usdm', 'BTCUSDT', 'coinglass', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 1e9, 1 FROM range({hours}) t(i);
            """);
        foreach (var scope in scopes)
            _t.Store.ExecuteScript($"""
                INSERT INTO liquidation_totals (source, exchange_scope, symbol, interval, period_start, long_usd, short_usd, file_id)
                  SELECT 'coinglass', '{scope}', 'BTC', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 10 * i, 1, 1 FROM range({hours}) t(i) WHERE i <> 5;
                """);
    }

    [Fact]
    public void Hourly_series_read_per_side_and_split_at_the_test_start()
    {
        Fill(48, "Binance");
        var reader = new MarketDataReader(_t.Store);
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var total = BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, from.AddHours(24), DateTime.MaxValue);
        Assert.Equal(47, total.Candles.Length);                 // hour 5 has no total: left out
        Assert.Equal(23, total.TestStart);                      // 24 hours before the test start, minus hour 5
        Assert.Equal(10 * 6 + 1, total.ActualUsd[5]);           // the 6th kept hour is hour 6
        Assert.Equal(24, total.PeriodsPerDay);
        var longs = BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, from.AddHours(24), DateTime.MaxValue, side: LiquidationSide.Long);
        var shorts = BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, from.AddHours(24), DateTime.MaxValue, side: LiquidationSide.Short);
        Assert.Equal(60, longs.ActualUsd[5]);
        Assert.All(shorts.ActualUsd, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Longer_periods_are_built_from_shorter_bars_and_summed_totals_complete_periods_only()
    {
        Fill(48, "Binance");
        var reader = new MarketDataReader(_t.Store);
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var s = BacktestSeries.Load(reader, "BTCUSDT", "4h", "spot", from, from.AddHours(24), DateTime.MaxValue);
        Assert.Equal("4h built from 1h", s.CandleSource);
        Assert.Equal("4h summed from 1h", s.TotalsSource);
        Assert.Equal(11, s.Candles.Length);                     // 12 four-hour periods; 04:00–08:00 lacks hour 5's total
        Assert.Equal(from.AddHours(8), s.Candles[1].OpenTime);
        Assert.Equal(10 * (8 + 9 + 10 + 11) + 4, s.ActualUsd[1]);
        Assert.Equal(6, s.PeriodsPerDay);
    }

    [Fact]
    public void Scopes_and_bad_requests_are_named()
    {
        Fill(48, "Binance", "Binance+Bybit+OKX");
        var reader = new MarketDataReader(_t.Store);
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var e = Assert.Throws<ArgumentException>(() => BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, null, DateTime.MaxValue));
        Assert.Contains("exist for Binance, Binance+Bybit+OKX; choose one", e.Message, StringComparison.Ordinal);
        Assert.Equal("Binance", BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, null, DateTime.MaxValue, scope: "Binance").LiquidationScope);
        Assert.Contains("--scope OKX", Assert.Throws<ArgumentException>(() => BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, null, DateTime.MaxValue, scope: "OKX")).Message,
            StringComparison.Ordinal);
        Assert.Contains("--interval 90s", Assert.Throws<ArgumentException>(() => BacktestSeries.Load(reader, "BTCUSDT", "90s", "spot", from, null, DateTime.MaxValue)).Message,
            StringComparison.Ordinal);
        Assert.Contains("--test-from", Assert.Throws<ArgumentException>(() => BacktestSeries.Load(reader, "BTCUSDT", "1h", "spot", from, from.AddDays(30), DateTime.MaxValue, scope: "Binance")).Message,
            StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => BacktestSeries.Load(reader, "ETHUSDT", "1h", "spot", from, null, DateTime.MaxValue));
    }
}
