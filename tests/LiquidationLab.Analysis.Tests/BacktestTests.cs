using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>The backtest query: what it reads (bars and totals, built from shorter intervals when needed, per side), which
/// market it chooses, and errors that name the query's parameter.</summary>
public sealed class BacktestTests : IDisposable
{
    private static readonly DateTime From = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private LiquidationAnalysis Analysis() => new(new OpenStoreAccess(_t.Store), LeverageBracketTableStore.Locate());

    private void Fill(int hours, params string[] scopes)
    {
        // Hourly spot bars with OI from 2026-01-01 00:00, and per scope hourly totals: long = 10·h, short = 1 (USD), hour 5 missing.
        _t.Store.ExecuteScript($"""
            INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id)
              SELECT 'binance-spot', 'BTCUSDT', 'spot', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 100, 101 + i % 3, 99 - i % 2, 100, 1 FROM range({hours}) t(i);
            INSERT INTO open_interest (venue, symbol, source, interval, time, oi_usd, file_id)
              SELECT 'binance-usdm', 'BTCUSDT', 'coinglass', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 1e9 + 1e6 * i, 1 FROM range({hours}) t(i);
            """);
        foreach (var scope in scopes)
            _t.Store.ExecuteScript($"""
                INSERT INTO liquidation_totals (source, exchange_scope, symbol, interval, period_start, long_usd, short_usd, file_id)
                  SELECT 'coinglass', '{scope}', 'BTC', '1h', TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 HOUR, 10 * i, 1, 1 FROM range({hours}) t(i) WHERE i <> 5;
                """);
    }

    private static BacktestQuery Baselines(string interval = "1h", DateTime? testFrom = null, string? scope = null, LiquidationSide side = LiquidationSide.Total,
        string? market = null, string symbol = "BTCUSDT") =>
        new(symbol, interval, new TimeWindow(From, null), testFrom, Market: market, Models: ["none"], Scope: scope, Side: side, Resamples: 100);

    [Fact]
    public void Hourly_series_read_per_side_and_split_at_the_test_start()
    {
        Fill(504, "Binance");
        var analysis = Analysis();
        var total = analysis.Backtest(Baselines(testFrom: From.AddHours(336))).Series;
        Assert.Equal(503, total.Candles.Length);                // hour 5 has no total: left out
        Assert.Equal(335, total.TestStart);                     // 336 hours before the test start, minus hour 5
        Assert.Equal(10 * 6 + 1, total.ActualUsd[5]);           // the 6th kept hour is hour 6
        Assert.Equal(24, total.PeriodsPerDay);
        Assert.Equal("spot", total.Market);                     // the only market stored: chosen without being told
        Assert.Equal(60, analysis.Backtest(Baselines(testFrom: From.AddHours(336), side: LiquidationSide.Long)).Series.ActualUsd[5]);
        Assert.All(analysis.Backtest(Baselines(testFrom: From.AddHours(336), side: LiquidationSide.Short)).Series.ActualUsd, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Longer_periods_are_built_from_shorter_bars_and_summed_totals_complete_periods_only()
    {
        Fill(504, "Binance");
        var s = Analysis().Backtest(Baselines("4h", From.AddHours(336))).Series;
        Assert.Equal("4h built from 1h", s.CandleSource);
        Assert.Equal("4h summed from 1h", s.TotalsSource);
        Assert.Equal(125, s.Candles.Length);                    // 126 four-hour periods; 04:00–08:00 lacks hour 5's total
        Assert.Equal(From.AddHours(8), s.Candles[1].OpenTime);
        Assert.Equal(10 * (8 + 9 + 10 + 11) + 4, s.ActualUsd[1]);
        Assert.Equal(6, s.PeriodsPerDay);
    }

    [Fact]
    public void Without_a_market_the_one_covering_the_totals_is_read()
    {
        // Perp 5-minute bars exist too, but a month after the totals: they serve 1h bars, none of which has a total.
        Fill(504, "Binance");
        _t.Store.ExecuteScript("""
            INSERT INTO klines (venue, symbol, market, interval, open_time, open, high, low, close, file_id)
              SELECT 'binance-usdm', 'BTCUSDT', 'perp', '5m', TIMESTAMP '2026-03-01 00:00:00' + i * INTERVAL 5 MINUTE, 100, 101, 99, 100, 1 FROM range(600) t(i);
            """);
        var result = Analysis().Backtest(Baselines(testFrom: From.AddHours(336)));
        Assert.Equal("spot", result.Series.Market);
        Assert.Equal("spot", result.Query.Market);
        Assert.Equal(503, result.Series.Candles.Length);
        // Asked for, perp is read and has no period with a total: the store lacks the data, said as such.
        Assert.Throws<DataUnavailableException>(() => Analysis().Backtest(Baselines(testFrom: From.AddHours(336), market: "perp")));
    }

    [Fact]
    public void Bad_requests_name_the_query_parameter()
    {
        Fill(504, "Binance", "Binance+Bybit+OKX");
        var analysis = Analysis();
        QueryParameterException Bad(BacktestQuery q) => Assert.Throws<QueryParameterException>(() => analysis.Backtest(q));
        var ambiguous = Bad(Baselines());
        Assert.Equal("scope", ambiguous.Parameter);
        Assert.Contains("exist for Binance, Binance+Bybit+OKX; choose one", ambiguous.Message, StringComparison.Ordinal);
        Assert.Equal("Binance", analysis.Backtest(Baselines(scope: "Binance")).Series.LiquidationScope);
        Assert.Equal("scope", Bad(Baselines(scope: "OKX")).Parameter);
        Assert.Equal("interval", Bad(Baselines("90s")).Parameter);
        Assert.Equal("test_from", Bad(Baselines(testFrom: From.AddDays(30), scope: "Binance")).Parameter);
        Assert.Equal("train_until", Bad(Baselines(testFrom: From.AddHours(336), scope: "Binance") with { TrainUntil = From.AddHours(340) }).Parameter);
        Assert.Equal("test_from", Bad(Baselines(testFrom: From.AddHours(30), scope: "Binance")).Parameter);     // 29 training hours: not two day-long blocks
        Assert.Equal("test_to", Bad(Baselines(testFrom: From.AddHours(484), scope: "Binance")).Parameter);     // 20 scored hours
        Assert.Equal("market", Bad(Baselines(market: "futures")).Parameter);
        Assert.Equal("model", Bad(Baselines(scope: "Binance") with { Models = ["absolute:median"] }).Parameter);
        Assert.Equal("model", Bad(Baselines(scope: "Binance") with { Models = ["none,absolute:scale"] }).Parameter);
        Assert.Equal("resamples", Bad(Baselines(scope: "Binance") with { Resamples = 5 }).Parameter);
        Assert.Equal("refit_days", Bad(Baselines(scope: "Binance") with { RefitDays = double.NaN }).Parameter);
        Assert.Equal("event_quantile", Bad(Baselines(scope: "Binance") with { EventQuantile = 1 }).Parameter);
        Assert.Throws<DataUnavailableException>(() => analysis.Backtest(Baselines(symbol: "ETHUSDT")));
    }

    [Fact]
    public void Without_models_the_frozen_configuration_of_the_clone_is_scored()
    {
        var frozen = BacktestQuery.ParseModels(null);
        Assert.Single(frozen); // data/models/touch-model.json of this repository
        Assert.Empty(BacktestQuery.ParseModels(["none"]));
        Assert.Equal(["touch model (absolute, scaled)", "touch model (proportional, stacked, horizon 3 bars)"],
            BacktestQuery.ParseModels(["absolute:scale, proportional:stacked:1:3"]).Select(m => m.Name));
    }
}
