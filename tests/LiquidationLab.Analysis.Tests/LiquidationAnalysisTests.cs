using System.Globalization;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Liquidity;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>The application layer on stores the tests write themselves.</summary>
public sealed class LiquidationAnalysisTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private LiquidationAnalysis Analysis(AnalysisLimits? limits = null) =>
        new(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate(), limits);

    /// <summary>Hourly BTCUSDT perp candles on a slow sine with OI rising then falling, and (optionally) liquidation totals for BTC.</summary>
    private void Candles(int count, string interval = "1h", bool withOpenInterest = true, bool withTotals = false, string market = "perp")
    {
        var step = interval == "1h" ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(5);
        for (var i = 0; i < count; i++)
        {
            var t = T0 + step * i;
            var close = 60_000 + 3_000 * Math.Sin(i / 15.0);
            var open = 60_000 + 3_000 * Math.Sin((i - 1) / 15.0);
            var high = Math.Max(open, close) + 150;
            var low = Math.Min(open, close) - 150;
            _store.Store.Execute("INSERT INTO klines VALUES ('binance-usdm', 'BTCUSDT', $7, $1, $2, $3, $4, $5, $6, 10, 600000, 100, 5, 300000, 1)",
                interval, t, open, high, low, close, market);
            if (withOpenInterest)
                _store.Store.Execute("INSERT INTO open_interest VALUES ('binance-usdm', 'BTCUSDT', 'binance-openInterestHist', $1, $2, NULL, $3, NULL, NULL, NULL, 1)",
                    interval, t, 5e9 + 2e7 * (i < count / 2 ? i : count - i));
            if (withTotals)
                _store.Store.Execute("INSERT INTO liquidation_totals VALUES ('test', 'Binance', 'BTC', $1, $2, $3, $4, 1)", interval, t, 1e5 * (1 + i % 7), 5e4 * (1 + i % 5));
        }
    }

    private void Trades(string symbol, int count, double price)
    {
        var series = _store.Store.SeriesId("binance-usdm", symbol);
        for (var i = 0; i < count; i++)
            _store.Store.Execute("INSERT INTO agg_trades_data VALUES ($1, $2, $3, $4, $2, $2, $5, $6, 1)",
                series, (long)i + 1, price * (1 + 0.001 * (i % 11 - 5)), 0.1 + i % 13, T0.AddSeconds(i), i % 2 == 0);
    }

    [Fact]
    public void Time_windows_parse_dates_and_times_and_name_the_bad_end()
    {
        var w = TimeWindow.Parse("2026-03-01", "2026-03-02");
        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), w.From);
        Assert.Equal(new DateTime(2026, 3, 3, 0, 0, 0, DateTimeKind.Utc), w.To); // a date-only end includes that day
        Assert.Equal(new DateTime(2026, 3, 1, 12, 30, 0), TimeWindow.Parse("2026-03-01T12:30", null).From);
        Assert.Equal(DateTime.MaxValue, TimeWindow.Parse(null, null).End);
        Assert.Equal("from", Assert.Throws<QueryParameterException>(() => TimeWindow.Parse("March", null)).Parameter);
        Assert.Equal("--to", Assert.Throws<QueryParameterException>(() => TimeWindow.Parse("2026-03-05", "2026-03-01", "--from", "--to")).Parameter);
    }

    [Fact]
    public void Levels_are_the_calculators_rows_and_bad_inputs_name_their_parameter()
    {
        var analysis = Analysis(new AnalysisLimits(MaxLeverages: 4));
        var r = analysis.Levels(new LevelsQuery("ethusdt", 3_500m, 2m, [10, 50], [MarginMode.Isolated], [PositionSide.Long, PositionSide.Short]));
        var table = LeverageBracketTableStore.Locate().Get("ETHUSDT");
        var direct = LiquidationLevels.Compute(table, new LiquidationLevelsRequest { EntryPrice = 3_500m, QuantityBase = 2m, Leverages = [10, 50] });
        Assert.Equal(direct.Select(d => d.Result!.LiquidationPrice), r.Rows.Select(x => x.Result!.LiquidationPrice));
        Assert.Equal("ETHUSDT", r.Table.Symbol);

        QueryParameterException Bad(LevelsQuery q) => Assert.Throws<QueryParameterException>(() => analysis.Levels(q));
        var ok = new LevelsQuery("BTCUSDT", 60_000m, 1m, [10], [], []);
        Assert.Equal("entry_price", Bad(ok with { EntryPrice = 0 }).Parameter);
        Assert.Equal("quantity", Bad(ok with { QuantityBase = -1 }).Parameter);
        Assert.Equal("leverage_levels", Bad(ok with { Leverages = [1, 2, 3, 4, 5] }).Parameter);
        Assert.Equal("mark", Bad(ok with { ReferencePrice = -3 }).Parameter);
        Assert.Equal("leverage_levels", Assert.Throws<QueryParameterException>(() => LevelsQuery.ParseLeverages(["10,abc"])).Parameter);
        Assert.Equal("side", Assert.Throws<QueryParameterException>(() => LevelsQuery.ParseSides("up")).Parameter);
        var missing = Assert.Throws<LeverageBracketTableNotFoundException>(() => analysis.Levels(ok with { Symbol = "DOGEUSDT" }));
        Assert.Contains("ETHUSDT", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heatmap_runs_the_time_evolving_model_with_the_column_budget()
    {
        Candles(300);
        var analysis = Analysis();
        var r = analysis.Heatmap(new HeatmapQuery("BTCUSDT", "1h", new TimeWindow(null, null), MaxColumns: 40));
        Assert.Equal(300, r.Candles.Length);
        Assert.Equal(300, r.OpenInterestCandles);
        Assert.Equal(8, r.CandlesPerColumn); // ⌈300 / 40⌉
        Assert.Equal(38, r.Grid.Times.Count); // ⌈300 / 8⌉
        var direct = new TimeEvolvingModel(candlesPerColumn: 8).Run(new MarketWindow("BTCUSDT", LeverageBracketTableStore.Locate().Get("BTCUSDT"), r.Candles, [], []));
        Assert.Equal(direct.Heatmap!.ColumnTotal(37), r.Grid.ColumnTotal(37), 6);
        Assert.Equal(r.Result.Levels.Sum(l => l.NotionalUsd), r.EndMap.CumulativeLongUsd[0] + r.EndMap.CumulativeShortUsd[^1] + r.EndMap.OutOfRangeUsd, 1e-3 * r.Totals.OpenUsd + 1);
        Assert.Contains("300 candles", r.Summary, StringComparison.Ordinal);
        Assert.Contains("heatmap", r.HeatmapFigure().ToJson(), StringComparison.Ordinal);

        var window = analysis.Heatmap(new HeatmapQuery("BTCUSDT", "1h", TimeWindow.Parse("2026-03-03", "2026-03-03")));
        Assert.Equal(24, window.Candles.Length);
    }

    [Fact]
    public void History_says_why_its_rank_correlation_is_undefined_instead_of_a_bare_null()
    {
        // 4h windows of 2025 answered "spearman": null: the candles had no open interest of BTCUSDT at 4h, so the model opened
        // nothing and predicted 0 in every period. The result now says so (and which OI series the store has).
        Candles(48, withOpenInterest: false, withTotals: true);
        var r = Analysis().History(new HistoryQuery("BTCUSDT", "1h", default));
        Assert.True(double.IsNaN(r.Spearman));
        Assert.Equal(0, r.OpenInterestPeriods);
        Assert.Contains("only 0 of 48 candles carry open interest of BTCUSDT at 1h", r.Note, StringComparison.Ordinal);
        Assert.Equal("perp", r.Query.Market);
    }

    [Fact]
    public void The_notebook_facade_asks_the_heatmap_question_with_the_query_records_defaults()
    {
        // The facade used a 600-column budget where the CLI and the API used the query's 1,000: the same 30-day window gave
        // 576 columns in a notebook and 960 elsewhere. Defaults live in QueryDefaults only.
        Candles(2_000);
        var viaQuery = Analysis().Heatmap(new HeatmapQuery(QueryDefaults.Symbol, "1h", default));
        var copy = System.IO.Path.Combine(_store.Directory, "facade.duckdb");
        _store.Store.Execute("CHECKPOINT");
        File.Copy(System.IO.Path.Combine(_store.Directory, "lab.duckdb"), copy);
        using var lab = Lab.Open(copy);
        var viaFacade = lab.Heatmap(QueryDefaults.Symbol, "1h");
        Assert.Equal(viaQuery.CandlesPerColumn, viaFacade.CandlesPerColumn);
        Assert.Equal(viaQuery.Grid.Times.Count, viaFacade.Grid.Times.Count);
        Assert.Equal(2, viaQuery.CandlesPerColumn); // 2,000 candles under a 1,000-column budget
    }

    [Fact]
    public void Without_a_market_the_store_decides_and_the_result_names_it()
    {
        // The repository's hourly BTCUSDT candles are spot: a default of perp answered "no perp 1h candles" (a 404 in the API).
        Candles(300, market: "spot");
        var r = Analysis().Heatmap(new HeatmapQuery("BTCUSDT", "1h", default));
        Assert.Equal("spot", r.Query.Market);
        Assert.Contains("spot 1h", r.Title, StringComparison.Ordinal);
        Assert.Contains("the candles the store has", r.Title, StringComparison.Ordinal);
        Assert.Throws<DataUnavailableException>(() => Analysis().Heatmap(new HeatmapQuery("BTCUSDT", "1h", default, Market: "perp"))); // asked for: not second-guessed
        Candles(300); // perp too: perp wins
        Assert.Equal("perp", Analysis().Heatmap(new HeatmapQuery("BTCUSDT", "1h", default)).Query.Market);
    }

    [Fact]
    public void Heatmap_errors_say_what_is_missing_and_which_parameter_is_wrong()
    {
        Candles(30, withOpenInterest: false);
        var analysis = Analysis(new AnalysisLimits(MaxCandles: 20));
        var q = new HeatmapQuery("BTCUSDT", "1h", new TimeWindow(null, null));
        Assert.Equal("model", Assert.Throws<QueryParameterException>(() => analysis.Heatmap(q with { Model = "binance-standard" })).Parameter);
        Assert.Equal("interval", Assert.Throws<QueryParameterException>(() => analysis.Heatmap(q with { Interval = "hourly" })).Parameter);
        Assert.Equal("market", Assert.Throws<QueryParameterException>(() => analysis.Heatmap(q with { Market = "options" })).Parameter);
        Assert.Equal("mix", Assert.Throws<QueryParameterException>(() => analysis.Heatmap(q with { Mix = "10:2" })).Parameter);
        var none = Assert.Throws<DataUnavailableException>(() => analysis.Heatmap(q with { Interval = "5m" }));
        Assert.Contains("stored perp intervals for BTCUSDT: 1h", none.Message, StringComparison.Ordinal);
        Assert.Equal("from", Assert.Throws<QueryParameterException>(() => analysis.Heatmap(q)).Parameter); // 30 candles > 20
        var noOi = Assert.Throws<DataUnavailableException>(() => Analysis().Heatmap(q));
        Assert.Contains("only 0 with open interest", noOi.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_selects_trades_in_the_store_and_reports_an_empty_window()
    {
        Trades("ETHUSDT", 200, 3_400);
        var analysis = Analysis();
        var r = analysis.Map(new MapQuery("ETHUSDT", new TimeWindow(null, null), MapQuery.ParseFilter("top_n", 25), BinWidth: 5));
        Assert.Equal(200, r.Trades.TradeCount);
        Assert.Equal(25, r.Trades.SelectedCount);
        Assert.Equal(5, r.Map.Bins.Width);
        var all = new Data.Query.MarketDataReader(_store.Store).AggTrades("ETHUSDT", DateTime.MinValue, DateTime.MaxValue);
        var expected = new BinanceStandardModel(new TradeFilter(TradeFilterMode.TopN, 25), priceBinWidth: 5)
            .BuildMap(all, LeverageBracketTableStore.Locate().Get("ETHUSDT"), r.Trades.LastPrice);
        Assert.Equal(expected.CumulativeLongUsd, r.Map.CumulativeLongUsd);
        Assert.Contains("25 of 200 trades", r.Title, StringComparison.Ordinal);

        Assert.Equal("threshold", Assert.Throws<QueryParameterException>(() => MapQuery.ParseFilter("portion", 1.5)).Parameter);
        Assert.Equal("mode", Assert.Throws<QueryParameterException>(() => MapQuery.ParseFilter("largest", 1)).Parameter);
        Assert.Equal("bin_width", Assert.Throws<QueryParameterException>(() => analysis.Map(new MapQuery("ETHUSDT", default, TradeFilter.All, BinWidth: 0))).Parameter);
        var empty = Assert.Throws<DataUnavailableException>(() => analysis.Map(new MapQuery("ETHUSDT", TimeWindow.Parse("2020-01-01", "2020-01-02"), TradeFilter.All)));
        Assert.Contains("its trades span 2026-03-02 00:00", empty.Message, StringComparison.Ordinal);
        Assert.Contains("no BTCUSDT trades", Assert.Throws<DataUnavailableException>(() => analysis.Map(new MapQuery("BTCUSDT", default, TradeFilter.All))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gross_value", 20_000, null)]
    [InlineData("gross_value", 0, 2.5)]
    [InlineData("top_n", 150, null)]
    [InlineData("portion", 0.3, 1.0)]
    public void A_map_streamed_in_tiny_batches_equals_the_in_memory_map_to_the_last_bin(string mode, double threshold, double? binWidth)
    {
        Trades("ETHUSDT", 1_000, 3_400);
        var all = new Data.Query.MarketDataReader(_store.Store).AggTrades("ETHUSDT", DateTime.MinValue, DateTime.MaxValue);
        var filter = MapQuery.ParseFilter(mode, threshold);
        var expected = new BinanceStandardModel(filter, priceBinWidth: binWidth).BuildMap(all, LeverageBracketTableStore.Locate().Get("ETHUSDT"), all[^1].Price);
        var selected = filter.Select(all).Length;
        Assert.InRange(selected, 100, 1_000);
        foreach (var batch in new[] { 1, 7, selected - 1, 1 << 16 }) // one trade a batch, many batches, one short of all, all in one
        {
            var analysis = new LiquidationAnalysis(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate()) { MapBatchSize = batch };
            var r = analysis.Map(new MapQuery("ETHUSDT", default, filter, BinWidth: binWidth));
            Assert.Equal(selected, r.Trades.SelectedCount);
            Assert.Equal(expected.Bins, r.Map.Bins);
            // Exact: the store streams the selected trades in the in-memory order, and each is added as BuildMap adds it.
            Assert.Equal(expected.LongUsd.Cast<double>(), r.Map.LongUsd.Cast<double>());
            Assert.Equal(expected.ShortUsd.Cast<double>(), r.Map.ShortUsd.Cast<double>());
            Assert.Equal(expected.LongEntryWeighted.Cast<double>(), r.Map.LongEntryWeighted.Cast<double>());
            Assert.Equal(expected.CumulativeLongUsd, r.Map.CumulativeLongUsd);
            Assert.Equal(expected.CumulativeShortUsd, r.Map.CumulativeShortUsd);
            Assert.Equal(expected.OutOfRangeUsd, r.Map.OutOfRangeUsd);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new LiquidationAnalysis(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate()) { MapBatchSize = 0 });
    }

    [Fact]
    public void A_servers_cap_on_selected_trades_names_the_threshold_and_the_users_own_machine_has_none()
    {
        Trades("ETHUSDT", 200, 3_400);
        var query = new MapQuery("ETHUSDT", default, MapQuery.ParseFilter("top_n", 25));
        var capped = Assert.Throws<QueryParameterException>(() => Analysis(new AnalysisLimits(MaxSelectedTrades: 24)).Map(query));
        Assert.Equal("threshold", capped.Parameter);
        Assert.Contains("selects 25 trades; at most 24 per request", capped.Message, StringComparison.Ordinal);
        Assert.Equal(25, Analysis(new AnalysisLimits(MaxSelectedTrades: 25)).Map(query).Trades.SelectedCount);
        Assert.Equal(2_000_000, AnalysisLimits.Default.MaxSelectedTrades); // a shared server's
        Assert.Null(AnalysisLimits.Local.MaxSelectedTrades);
        Assert.Equal(AnalysisLimits.Default with { MaxSelectedTrades = null }, AnalysisLimits.Local); // every other limit the same
        Assert.Equal(25, Analysis(AnalysisLimits.Local).Map(query).Trades.SelectedCount);
    }

    [Fact]
    public void The_lab_facade_gives_the_application_layers_results_in_one_call()
    {
        Assert.Contains("liqlab data ingest data/real", Assert.Throws<FileNotFoundException>(() => Lab.Open("/nonexistent/lab.duckdb")).Message, StringComparison.Ordinal);
        Trades("ETHUSDT", 200, 3_400);
        Candles(48, withTotals: true);
        _store.Store.Execute("CHECKPOINT");
        var copy = System.IO.Path.Combine(_store.Directory, "copy.duckdb"); // a file of its own: the test's store keeps its write connection
        File.Copy(System.IO.Path.Combine(_store.Directory, "lab.duckdb"), copy);
        var direct = Analysis();
        using var lab = Lab.Open(copy);
        var map = lab.Map("ETHUSDT", filter: "top_n", threshold: 25, binWidth: 5);
        Assert.Equal(direct.Map(new MapQuery("ETHUSDT", default, MapQuery.ParseFilter("top_n", 25), BinWidth: 5)).Map.CumulativeShortUsd, map.Map.CumulativeShortUsd);
        var (price, distance, notional) = map.DensestCluster(PositionSide.Long)!.Value;
        Assert.True(price < map.Map.CurrentPrice && distance < 0 && notional > 0);
        Assert.Contains("25 of 200 trades selected", map.Summary, StringComparison.Ordinal);
        var heat = lab.Heatmap("BTCUSDT", "1h");
        Assert.Equal(direct.Heatmap(new HeatmapQuery("BTCUSDT", "1h", default, MaxColumns: 600)).Totals, heat.Totals);
        var levels = lab.Levels("BTCUSDT", 67_000, 1, leverages: "10,25", side: "long");
        Assert.Equal(2, levels.Rows.Count);
        Assert.Equal(60_552.76m, Math.Round(levels.Rows[0].Result!.LiquidationPrice, 2));
        Assert.Equal("leverages", Assert.Throws<QueryParameterException>(() => lab.Levels("BTCUSDT", 67_000, leverages: "ten")).Parameter);
        Assert.Equal("filter", Assert.Throws<QueryParameterException>(() => lab.Map("ETHUSDT", filter: "biggest")).Parameter);
        Assert.Contains(lab.Status(), t => t.Table == "klines" && t.Rows == 48);
        var badModel = Assert.Throws<QueryParameterException>(() => lab.Backtest("BTCUSDT", "1h", "2026-03-03", model: "absolute:stacked:-1"));
        Assert.Equal("model", badModel.Parameter);
        Assert.Contains("half-life", badModel.Message, StringComparison.Ordinal); // the same grammar and messages as liqlab backtest --model
    }

    [Fact]
    public void The_lab_facade_reads_order_books_with_their_trades_and_takes_a_frozen_model_file()
    {
        _store.Ingestor.IngestFile(_store.Write("data/1h/btc/orderbooks/1765450800up.json", """
            [ { "bids": [ {"price": "0.47", "size": "100"}, {"price": "0.46", "size": "50"} ], "asks": [ {"price": "0.48", "size": "80"} ], "timestamp": "1765450842123" },
              { "bids": [ {"price": "0.45", "size": "10"} ], "asks": [ {"price": "0.5", "size": "20"} ], "timestamp": "1765450843000" } ]
            """));
        _store.Ingestor.IngestFile(_store.Write("data/1h/btc/trades/1765450800up.json",
            """[ {"price": "0.47", "size": "100", "side": "buy", "timestamp": "1765450860035"}, {"price": "0.5", "size": "3", "side": "sell", "timestamp": "1765450861000"} ]"""));
        var config = _store.Write("frozen.json", """{ "version": 1, "decreaseRule": "absolute", "calibration": "stacked", "volatilityHalfLifeDays": 1, "mix": null }""");
        var broken = _store.Write("broken.json", """{ "version": 1, "decreaseRule": "sideways" }""");
        _store.Store.Execute("CHECKPOINT");
        var copy = System.IO.Path.Combine(_store.Directory, "copy.duckdb");
        File.Copy(System.IO.Path.Combine(_store.Directory, "lab.duckdb"), copy);
        using var lab = Lab.Open(copy);

        var depth = lab.DepthSeries("polymarket", "btc-updown-1h-1765450800-up", PriceDomain.Probability);
        Assert.Equal([1765450842123L, 1765450843000L], depth.Observations.Select(o => o.TimeMs));
        Assert.True(depth.Observations[0].BidUsd > depth.Observations[1].BidUsd); // 47 + 23 pUSD of bids, then 4.5
        Assert.Equal([(1765450860035L, 47.0), (1765450861000L, 1.5)], depth.Trades.Select(t => (t.TimeMs, Math.Round(t.NotionalUsd, 9))));
        Assert.Empty(lab.Data.RecordedBookInstruments()); // nothing recorded by `liquidity watch` here
        Assert.Empty(lab.DepthSeries("polymarket", "no-such-token", PriceDomain.Probability).Observations);

        // A frozen configuration file is read (and checked) as liqlab backtest reads it; errors name the file and the field.
        var missing = Assert.Throws<QueryParameterException>(() => lab.Backtest("BTCUSDT", "1h", "2026-03-03", model: "/nonexistent/frozen.json"));
        Assert.Equal("model", missing.Parameter);
        Assert.Contains("no configuration file at /nonexistent/frozen.json", missing.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<QueryParameterException>(() => lab.Backtest("BTCUSDT", "1h", "2026-03-03", model: broken));
        Assert.Contains("broken.json: field 'decreaseRule' is 'sideways'", bad.Message, StringComparison.Ordinal);
        // A valid file gets past the model and fails on the data (this store has no candles), not on the file.
        var noData = Assert.ThrowsAny<Exception>(() => lab.Backtest("BTCUSDT", "1h", "2026-03-03", model: config));
        Assert.IsNotType<QueryParameterException>(noData);
    }

    [Fact]
    public void Compare_runs_what_the_windows_support_and_says_why_the_rest_cannot_run()
    {
        Trades("BTCUSDT", 400, 60_000);
        var analysis = Analysis();
        var r = analysis.Compare(new CompareQuery("BTCUSDT", new TimeWindow(null, null), new TimeWindow(null, null)));
        Assert.Equal(400, r.Trades);
        Assert.Equal(0, r.Candles);
        Assert.Null(r.CandleWindow);
        Assert.True(r.Models.Single(m => m.Model == "binance-standard").Result!.Levels.Count > 0);
        var te = r.Models.Single(m => m.Model == TimeEvolvingModel.ModelName);
        Assert.Null(te.Result);
        Assert.Contains("no 5m candles", te.NotRun, StringComparison.Ordinal);
        Assert.Equal(5, r.Models.Count);
        Assert.Contains("binance-standard (trade)", r.Figure().ToJson(), StringComparison.Ordinal);
        Assert.Throws<DataUnavailableException>(() => analysis.Compare(new CompareQuery("ETHUSDT", default, default)));
    }

    [Fact]
    public void History_pairs_real_totals_with_the_models_liquidations_per_period()
    {
        Candles(120, withTotals: true);
        _store.Store.Execute("INSERT INTO liquidation_orders VALUES ('binance-usdm', 'BTCUSDT', $1, 'SELL', 59100.5, 0.25, 'LIMIT', NULL, 1, 'long', 59000.5, 0.25, 'binance-forceOrder')", T0.AddHours(3));
        var r = Analysis().History(new HistoryQuery("BTCUSDT", "1h", new TimeWindow(null, null)));
        Assert.Equal(120, r.Periods.Count);
        Assert.Equal("Binance", r.Scope);
        Assert.Equal(1e5 * (1 + 5 % 7), r.Periods[5].RealLongUsd);
        Assert.Equal(5e4 * (1 + 5 % 5), r.Periods[5].RealShortUsd);
        var run = new TimeEvolvingModel().Run(new MarketWindow("BTCUSDT", LeverageBracketTableStore.Locate().Get("BTCUSDT"),
            Analysis().Heatmap(new HeatmapQuery("BTCUSDT", "1h", default)).Candles, [], []));
        Assert.Equal(run.Liquidations!.Sum(p => p.TotalUsd), r.Periods.Sum(p => p.ModelLongUsd + p.ModelShortUsd), 1e-6 * run.Liquidations!.Sum(p => p.TotalUsd) + 1e-6);
        var print = Assert.Single(r.Prints);
        Assert.True(print.LongLiquidated);
        Assert.Equal(59000.5 * 0.25, print.NotionalUsd, 9);
        Assert.InRange(r.Spearman, -1, 1);
        Assert.Equal("interval", Assert.Throws<QueryParameterException>(() => Analysis().History(new HistoryQuery("BTCUSDT", "x", default))).Parameter);
        Assert.Throws<DataUnavailableException>(() => Analysis().History(new HistoryQuery("BTCUSDT", "1h", TimeWindow.Parse("2020-01-01", "2020-01-02"))));
    }

    [Fact]
    public void A_store_file_is_read_through_short_connections_and_its_version_follows_writes()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-access-").FullName;
        try
        {
            var path = Path.Combine(dir, "lab.duckdb");
            var access = new FileStoreAccess(path);
            Assert.Contains("liqlab data ingest", Assert.Throws<FileNotFoundException>(() => access.Read(s => s.SchemaVersion)).Message, StringComparison.Ordinal);
            using (var w = Data.Store.LabStore.Open(path)) w.Execute("CREATE TABLE marker (x INTEGER)");
            var v1 = access.Version;
            Assert.Equal(Data.Store.Schema.CurrentVersion, access.Read(s => s.SchemaVersion));
            using (var w = Data.Store.LabStore.Open(path)) // the reader closed its connection: a writer can open the file
            {
                w.Execute("INSERT INTO marker SELECT range FROM range(100000)");
                w.Execute("CHECKPOINT");
            }
            Assert.NotEqual(v1, access.Version);
            Assert.Equal(100_000L, access.Read(s => s.Scalar<long>("SELECT count(*) FROM marker")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class PeerComparisonTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 4, 3, 13, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private void Report(DateTime time, double reference, params (int Band, double Long, double Short)[] bands)
    {
        foreach (var (band, l, s) in bands)
        {
            _store.Store.Execute("INSERT INTO peer_liquidation_bands VALUES ('liqmap', 'ETHUSDT', $1, $2, $3, $4, 'long', $5, 1)", time, reference, band, reference - band, l);
            _store.Store.Execute("INSERT INTO peer_liquidation_bands VALUES ('liqmap', 'ETHUSDT', $1, $2, $3, $4, 'short', $5, 1)", time, reference, band, reference + band, s);
        }
    }

    private void Print(DateTime time, string liquidated, double price, double quantity) =>
        _store.Store.Execute("INSERT INTO liquidation_orders VALUES ('binance-usdm', 'ETHUSDT', $1, $2, $3, $4, 'LIMIT', NULL, 1, $5, NULL, NULL, 'test')",
            time, liquidated == "long" ? "SELL" : "BUY", price, quantity, liquidated);

    [Fact]
    public void Maps_are_taken_before_the_first_print_and_the_peers_cumulative_bands_are_differenced()
    {
        for (var i = 0; i < 60; i++) Report(T0.AddMinutes(-60 + i), 2_000 + i % 5, (10, 0, 0), (20, 1e6, 2e6), (40, 3e6, 2e6));
        Report(T0.AddMinutes(1), 2_100, (10, 9e9, 9e9)); // after the first print: must not be used
        Print(T0.AddSeconds(30), "short", 2_013, 2);
        Print(T0.AddMinutes(3), "long", 1_975, 1);
        var analysis = new LiquidationAnalysis(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate());
        var r = analysis.PeerComparison(new PeerComparisonQuery("ETHUSDT", new TimeWindow(T0, T0.AddHours(1)),
            Settings: new PriceLevelScoringSettings(Zones: 1, TolerancePercent: 0, RandomDraws: 500, Resamples: 200)));
        Assert.Equal(T0.AddMinutes(-1), r.MapTime);
        Assert.Equal(2_004, r.ReferencePrice);
        var (name, peerLong, peerShort) = r.Maps[0];
        Assert.Equal("liqmap (peer)", name);
        Assert.Equal(3e6, peerLong.Sum(), 3);  // cumulative 3e6 within 40 USD below
        Assert.Equal(2e6, peerShort.Sum(), 3); // cumulative 2e6 within 20 and still 2e6 within 40: nothing between 20 and 40
        Assert.Equal(0, peerShort[r.Bins.IndexOf(2_004 + 30)]);
        Assert.Equal(1e6 / 1, peerLong[r.Bins.IndexOf(2_004 - 15)], 3); // 10–20 USD below: 1e6 over one 10-USD bin
        Assert.Equal(60, r.PricePathSamples);
        var ladder = r.Maps[1];
        Assert.True(ladder.Long.Sum() > 0 && ladder.Short.Sum() > 0);
        Assert.Equal(2, r.Prints.Count);
        Assert.Equal(2, r.Scores.Count);
        Assert.All(r.Scores, s => Assert.NotNull(s.Score.Short));
        Assert.InRange(r.VisitedLow, 1_975, 1_975); // the long print's fill stretches the visited range
        Assert.Throws<DataUnavailableException>(() => analysis.PeerComparison(new PeerComparisonQuery("ETHUSDT", TimeWindow.Parse("2020-01-01", "2020-01-02"))));
    }
}
