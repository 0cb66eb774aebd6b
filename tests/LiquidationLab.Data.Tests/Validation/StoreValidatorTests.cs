using LiquidationLab.TestSupport;
using LiquidationLab.Data.Validation;

namespace LiquidationLab.Data.Tests.Validation;

public sealed class StoreValidatorTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private void Kline(string time, double o, double h, double l, double c) =>
        _t.Store.Execute($"INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id) VALUES ('binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '{time}', {o}, {h}, {l}, {c}, 1)");

    private void Level(string side, decimal price, decimal size, string time = "2024-01-01 00:00:00") =>
        _t.Store.Execute($"INSERT INTO book_snapshots VALUES ('binance-usdm', 'BTCUSDT', TIMESTAMP '{time}', '{side}', 1, {price}, {size}, 1)");

    [Fact]
    public void Clean_store_has_no_findings()
    {
        Kline("2024-01-01 00:00:00", 100, 101, 99, 100);
        Kline("2024-01-01 00:05:00", 100, 101, 99, 100);
        Level("bid", 99.9m, 1m);
        Level("ask", 100m, 1m);
        Assert.Empty(StoreValidator.Validate(_t.Store));
    }

    [Fact]
    public void Gaps_are_warnings_and_wrong_data_are_errors()
    {
        Kline("2024-01-01 00:00:00", 100, 101, 99, 100);
        Kline("2024-01-01 00:15:00", 100, 98, 99, 100);    // two bars missing; high < low
        Kline("2024-01-01 00:20:00", 0, 101, 99, 100);     // non-positive open (also outside [low, high])
        Level("bid", 100.5m, 1m);
        Level("ask", 100m, 1m);                             // crossed
        var findings = StoreValidator.Validate(_t.Store);
        Assert.Contains(findings, f => f is { Severity: FindingSeverity.Warning, Table: "klines", Count: 1 } && f.Check.StartsWith("gaps", StringComparison.Ordinal)
                                      && f.Example.Contains("after 2024-01-01 00:00:00 next 2024-01-01 00:15:00", StringComparison.Ordinal));
        Assert.Contains(findings, f => f is { Severity: FindingSeverity.Error, Table: "klines", Check: "non-positive price", Count: 1 });
        Assert.Contains(findings, f => f is { Severity: FindingSeverity.Error, Table: "klines", Count: 2 } && f.Check.StartsWith("inconsistent OHLC", StringComparison.Ordinal));
        Assert.Contains(findings, f => f is { Severity: FindingSeverity.Error, Table: "book_snapshots", Count: 1 } && f.Check.StartsWith("crossed book", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Error, findings[0].Severity); // errors first
    }

    [Fact]
    public void Conflicting_duplicates_are_errors_but_identical_ones_are_not()
    {
        Kline("2024-01-01 00:00:00", 100, 101, 99, 100);
        Kline("2024-01-01 00:00:00", 100, 101, 99, 100);
        Assert.DoesNotContain(StoreValidator.Validate(_t.Store), f => f.Check.StartsWith("duplicates", StringComparison.Ordinal));
        Kline("2024-01-01 00:00:00", 100, 101, 99, 100.5);
        Assert.Contains(StoreValidator.Validate(_t.Store), f => f is { Severity: FindingSeverity.Error, Table: "klines" } && f.Check.StartsWith("duplicates", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_interest_frozen_for_an_hour_is_flagged_and_exposed_by_the_reader()
    {
        void Oi(int i, double usd) => _t.Store.Execute(
            "INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id) VALUES ('binance-usdm', 'BTCUSDT', 'binance-openInterestHist', '5m', $1, $2, 1)",
            new DateTime(2026, 6, 14, 14, 50, 0).AddMinutes(5 * i), usd);
        Oi(0, 6.40e9);
        Oi(1, 6.41e9);
        for (var i = 2; i < 15; i++) Oi(i, 6.458e9); // 13 equal samples, 15:00 → 16:00
        Oi(15, 6.47e9);
        for (var i = 0; i < 16; i++) Kline(new DateTime(2026, 6, 14, 14, 50, 0).AddMinutes(5 * i).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), 100, 101, 99, 100);
        var f = Assert.Single(StoreValidator.Validate(_t.Store), x => x.Check.StartsWith("frozen", StringComparison.Ordinal));
        Assert.Equal((FindingSeverity.Warning, "open_interest", 1L), (f.Severity, f.Table, f.Count));
        Assert.Equal("BTCUSDT binance-openInterestHist 5m 13 identical values 2026-06-14 15:00:00 → 2026-06-14 16:00:00", f.Example);
        var span = Assert.Single(new LiquidationLab.Data.Query.MarketDataReader(_t.Store).FrozenOpenInterest("BTCUSDT", "5m", DateTime.MinValue, DateTime.MaxValue));
        Assert.Equal((new DateTime(2026, 6, 14, 15, 0, 0), 13), (span.From, span.Samples));
    }
}
