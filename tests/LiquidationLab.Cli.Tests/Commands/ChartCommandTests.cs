using LiquidationLab.Analysis;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class ChartCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-chartcmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Store(Action<LabStore> fill)
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        using var store = LabStore.Open(db);
        fill(store);
        return db;
    }

    [Fact]
    public async Task Heatmap_writes_html_for_candles_with_open_interest()
    {
        var db = Store(s => s.ExecuteScript("""
            INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id)
              SELECT 'binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '2026-05-25 00:00:00' + i * INTERVAL 5 MINUTE,
                     60000 + i, 60100 + i, 59900 + i, 60050 + i, 1 FROM range(50) t(i);
            INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id)
              SELECT 'binance-usdm', 'BTCUSDT', 'binance-openInterestHist', '5m', TIMESTAMP '2026-05-25 00:00:00' + i * INTERVAL 5 MINUTE,
                     6e9 + 1e7 * (i % 7), 1 FROM range(50) t(i);
            """));
        var output = Path.Combine(_dir, "out", "heatmap.html");
        var (exit, stdout, stderr) = await CliRunner.Run("heatmap", "--symbol", "BTCUSDT", "--interval", "5m", "--from", "2026-05-25", "--to", "2026-05-25",
            "--model", "time-evolving", "--out", output, "--db", db);
        Assert.True(exit == 0, stderr);
        Assert.Contains("50 candles", stdout, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(output);
        Assert.Contains("\"type\":\"heatmap\"", html, StringComparison.Ordinal);
        Assert.Contains("Open liquidation levels at the end of the window", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_writes_html_from_aggregate_trades_and_errors_are_clear()
    {
        var db = Store(s =>
        {
            var id = s.SeriesId("binance-usdm", "BTCUSDT");
            s.Execute($"""
                INSERT INTO agg_trades_data SELECT {id}, i, 64000 + (i % 50), CASE WHEN i % 10 = 0 THEN 3.0 ELSE 0.01 END, i, i,
                       TIMESTAMP '2024-07-19 00:00:00' + i * INTERVAL 1 SECOND, i % 2 = 0, 1 FROM range(200) t(i);
                """);
        });
        var output = Path.Combine(_dir, "map.html");
        var (exit, stdout, stderr) = await CliRunner.Run("map", "--symbol", "BTCUSDT", "--from", "2024-07-18", "--to", "2024-07-19",
            "--mode", "gross_value", "--threshold", "100000", "--out", output, "--db", db);
        Assert.True(exit == 0, stderr);
        Assert.Contains("20 trades selected", stdout, StringComparison.Ordinal);
        Assert.Contains("\"barmode\":\"stack\"", await File.ReadAllTextAsync(output), StringComparison.Ordinal);

        var none = await CliRunner.Run("map", "--symbol", "ETHUSDT", "--out", output, "--db", db);
        Assert.Equal(1, none.Exit);
        Assert.Contains("No aggregate trades for ETHUSDT", none.Err, StringComparison.Ordinal);
        var badModel = await CliRunner.Run("heatmap", "--model", "binance-standard", "--db", db);
        Assert.Contains("heatmaps need a time-aware model", badModel.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_on_the_users_own_machine_has_no_cap_on_the_trades_it_selects()
    {
        // 2,000,001 trades of 0.5 BTC (about 30 k USD each), every one above a 10 k USD threshold: one more than a shared
        // server allows per request (AnalysisLimits.Default), which the CLI refused with "at most 2,000,000 per request".
        const long trades = 2_000_001;
        var db = Store(s =>
        {
            var id = s.SeriesId("binance-usdm", "BTCUSDT");
            s.Execute($"""
                INSERT INTO agg_trades_data SELECT {id}, i, 60000 + (i % 997), 0.5, i, i,
                       TIMESTAMP '2026-05-01 00:00:00' + i * INTERVAL 1 SECOND, i % 3 = 0, 1 FROM range({trades}) t(i);
                """);
        });
        Assert.True(trades > AnalysisLimits.Default.MaxSelectedTrades);
        var output = Path.Combine(_dir, "month.html");
        var (exit, stdout, stderr) = await CliRunner.Run("map", "--symbol", "BTCUSDT", "--threshold", "10000", "--out", output, "--db", db);
        Assert.True(exit == 0, stderr);
        Assert.Contains("2,000,001 trades selected", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(output));
    }
}
