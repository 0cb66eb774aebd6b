using System.Net;
using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;
using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>The REST API in-process (Kestrel on a free loopback port) over the repository's real-data snapshot.</summary>
public sealed class LiquidationApiTests : RealSnapshotApiTests
{
    private static void AssertProblem((HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) r, HttpStatusCode status, string? parameter, string detailPart)
    {
        Assert.Equal(status, r.Status);
        Assert.Equal("application/problem+json", r.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, r.Body.GetProperty("status").GetInt32());
        Assert.Contains(detailPart, r.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (parameter is not null) Assert.Equal(parameter, r.Body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Levels_match_the_calculator_and_reject_leverages_above_the_table()
    {
        var (status, body, _) = await Get("/liquidations/levels?symbol=ETHUSDT&entry_price=3500&leverage_levels=10,200&side=both");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ETHUSDT", body.GetProperty("symbol").GetString());
        var levels = body.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(4, levels.Length);
        var table = LeverageBracketTableStore.Locate().Get("ETHUSDT");
        var expected = LiquidationLevels.Compute(table, new LiquidationLevelsRequest { EntryPrice = 3500m, Leverages = [10], Sides = [PositionSide.Long] })[0];
        var tenLong = levels.Single(l => l.GetProperty("leverage").GetInt32() == 10 && l.GetProperty("side").GetString() == "long");
        Assert.Equal(Math.Round(expected.Result!.LiquidationPrice, 8), tenLong.GetProperty("liquidation_price").GetDecimal());
        var rejected = levels.Where(l => l.GetProperty("leverage").GetInt32() == 200).ToArray();
        Assert.All(rejected, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("rejection").GetString())));
        Assert.All(rejected, l => Assert.Equal(JsonValueKind.Null, l.GetProperty("liquidation_price").ValueKind));

        // Every row is the application layer's for the same question with the API's defaults written out (quantity 1, isolated).
        var direct = Api.Analysis.Levels(new LevelsQuery("ETHUSDT", 3500m, 1m, [10, 200], [MarginMode.Isolated], [PositionSide.Long, PositionSide.Short])).Document();
        Assert.Equal(direct.Levels.Count, levels.Length);
        Assert.Equal(direct.NotionalUsd, body.GetProperty("notional_usd").GetDecimal());
        Assert.Equal(direct.BracketsEffectiveDate, body.GetProperty("brackets_effective_date").GetString());
        foreach (var (row, json) in direct.Levels.Zip(levels))
        {
            Assert.Equal((row.Leverage, row.Side, row.MarginMode), (json.GetProperty("leverage").GetInt32(), json.GetProperty("side").GetString(), json.GetProperty("margin_mode").GetString()));
            Assert.Equal(row.Bracket, Int(json.GetProperty("bracket")));
            Assert.Equal(row.MaintenanceMarginRate, Dec(json.GetProperty("maintenance_margin_rate")));
            Assert.Equal(row.LiquidationPrice, Dec(json.GetProperty("liquidation_price")));
            Assert.Equal(row.BankruptcyPrice, Dec(json.GetProperty("bankruptcy_price")));
            Assert.Equal(row.DistancePercent, Dec(json.GetProperty("distance_percent")));
            Assert.Equal(row.Risk, json.GetProperty("risk").GetString());
            Assert.Equal(row.Rejection, json.GetProperty("rejection").GetString());
        }
    }

    private static decimal? Dec(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDecimal();

    private static int? Int(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    private static double? Num(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static string Utc(DateTime t) => ApiDocuments.Time(t);

    [Fact]
    public async Task Bad_parameters_are_problem_details_naming_the_parameter()
    {
        AssertProblem(await Get("/liquidations/levels?entry_price=abc"), HttpStatusCode.BadRequest, "entry_price", "expected a number");
        AssertProblem(await Get("/liquidations/levels?symbol=BTCUSDT"), HttpStatusCode.BadRequest, "entry_price", "required");
        AssertProblem(await Get("/liquidations/levels?entry_price=-5"), HttpStatusCode.BadRequest, "entry_price", "> 0");
        AssertProblem(await Get("/liquidations/levels?entry_price=100&leverage_levels=0"), HttpStatusCode.BadRequest, "leverage_levels", "≥ 1");
        AssertProblem(await Get("/liquidations/levels?entry_price=100&margin=portfolio"), HttpStatusCode.BadRequest, "margin", "portfolio");
        var missing = await Get("/liquidations/levels?symbol=DOGEUSDT&entry_price=1");
        AssertProblem(missing, HttpStatusCode.NotFound, "symbol", "DOGEUSDT");
        Assert.Contains("ETHUSDT", missing.Body.GetProperty("detail").GetString(), StringComparison.Ordinal); // lists the symbols with a table
        AssertProblem(await Get("/liquidations/heatmap?fromm=2026-01-01"), HttpStatusCode.BadRequest, "fromm", "not a parameter");
        AssertProblem(await Get("/liquidations/heatmap?interval=7x"), HttpStatusCode.BadRequest, "interval", "7x");
        AssertProblem(await Get("/liquidations/heatmap?model=seed"), HttpStatusCode.BadRequest, "model", "time-evolving");
        AssertProblem(await Get("/liquidations/heatmap?from=2026-06-10&to=2026-06-01"), HttpStatusCode.BadRequest, "to", "after");
        AssertProblem(await Get("/liquidations/heatmap?from=last+week"), HttpStatusCode.BadRequest, "from", "yyyy-MM-dd");
        AssertProblem(await Get("/liquidations/heatmap?format=svg"), HttpStatusCode.BadRequest, "format", "plotly");
        AssertProblem(await Get("/liquidations/heatmap?symbol=ETHUSDT"), HttpStatusCode.NotFound, null, "No perp 5m candles for ETHUSDT");
        AssertProblem(await Get("/liquidations/map?mode=top_n&threshold=0.5"), HttpStatusCode.BadRequest, "threshold", "whole number");
        AssertProblem(await Get("/liquidations/map?from=2020-01-01&to=2020-01-02"), HttpStatusCode.NotFound, null, "No aggregate trades");
    }

    [Fact]
    public async Task Heatmap_grid_is_the_application_layers_and_is_cached_per_store_version()
    {
        const string url = "/liquidations/heatmap?symbol=BTCUSDT&interval=5m&from=2026-06-01&to=2026-06-07";
        var first = await Http.GetAsync(new Uri(url, UriKind.Relative));
        var bytes = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal("miss", first.Headers.GetValues("X-Cache").Single());
        var second = await Http.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal("hit", second.Headers.GetValues("X-Cache").Single());
        Assert.Equal(bytes, await second.Content.ReadAsByteArrayAsync());

        using (var gzipRequest = new HttpRequestMessage(HttpMethod.Get, url))
        {
            gzipRequest.Headers.AcceptEncoding.ParseAdd("gzip");
            var zipped = await Http.SendAsync(gzipRequest);
            Assert.Equal("gzip", zipped.Content.Headers.ContentEncoding.Single());
            var compressed = await zipped.Content.ReadAsByteArrayAsync();
            Assert.True(compressed.Length < bytes.Length * 4 / 5, $"{compressed.Length} of {bytes.Length} bytes");
            using var z = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await z.CopyToAsync(plain);
            Assert.Equal(bytes, plain.ToArray());
        }

        using var doc = JsonDocument.Parse(bytes);
        var body = doc.RootElement;
        var bins = body.GetProperty("price_bins");
        var times = body.GetProperty("times").GetArrayLength();
        var values = body.GetProperty("values").EnumerateArray().ToArray();
        Assert.Equal(bins.GetProperty("count").GetInt32(), values.Length);
        Assert.All(values, row => Assert.Equal(times, row.GetArrayLength()));
        Assert.Equal(bins.GetProperty("count").GetInt32(), bins.GetProperty("centers").GetArrayLength());

        var direct = Api.Analysis.Heatmap(new HeatmapQuery("BTCUSDT", "5m", TimeWindow.Parse("2026-06-01", "2026-06-07")));
        Assert.Equal(direct.Candles.Length, body.GetProperty("candles").GetInt32());
        Assert.Equal(direct.Candles.Length, body.GetProperty("price_path").GetProperty("close").GetArrayLength());
        Assert.Equal(direct.Grid.Times.Count, times);
        var last = direct.Grid.Times.Count - 1;
        Assert.Equal(direct.Grid.ColumnTotal(last), values.Sum(row => row[last].GetDouble()), direct.Grid.ColumnTotal(last) * 1e-6 + direct.Grid.Price.Count);
        Assert.Contains("model notional", body.GetProperty("units").GetProperty("values").GetString(), StringComparison.Ordinal);

        var (status, plotly, _) = await Get(url + "&format=plotly");
        Assert.Equal(HttpStatusCode.OK, status);
        var figures = plotly.GetProperty("figures").EnumerateArray().ToArray();
        Assert.Equal(2, figures.Length);
        Assert.Contains(figures[0].GetProperty("data").EnumerateArray(), t => t.GetProperty("type").GetString() == "heatmap");

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        var html = await Http.SendAsync(request);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var page = await html.Content.ReadAsStringAsync();
        Assert.Contains("embedded for offline use", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src=\"http", page, StringComparison.Ordinal); // nothing loaded from a CDN
    }

    [Fact]
    public async Task Map_is_the_application_layers_bin_for_bin()
    {
        var (status, map, _) = await Get("/liquidations/map?symbol=ETHUSDT&mode=portion&threshold=0.05");
        Assert.Equal(HttpStatusCode.OK, status);
        var direct = Api.Analysis.Map(new MapQuery("ETHUSDT", default, MapQuery.ParseFilter("portion", 0.05)));
        var m = direct.Map;
        Assert.True(direct.Trades.SelectedCount > 0 && m.LongUsd.Cast<double>().Sum() > 0 && m.ShortUsd.Cast<double>().Sum() > 0); // values to compare
        Assert.Equal(direct.Trades.TradeCount, map.GetProperty("trades_in_window").GetInt64());
        Assert.Equal(direct.Trades.SelectedCount, map.GetProperty("trades_selected").GetInt64());
        Assert.Equal(Utc(direct.Trades.FirstTime!.Value), map.GetProperty("from").GetString());
        Assert.Equal(Utc(direct.Trades.LastTime!.Value), map.GetProperty("to").GetString());
        Assert.Equal(m.CurrentPrice, map.GetProperty("current_price").GetDouble());
        var bins = map.GetProperty("price_bins");
        Assert.Equal((m.Bins.LowerEdge, m.Bins.Width, m.Bins.Count), (bins.GetProperty("lower_edge").GetDouble(), bins.GetProperty("width").GetDouble(), bins.GetProperty("count").GetInt32()));
        Assert.Equal(m.Bins.Centers(), Doubles(bins.GetProperty("centers")));
        Assert.Equal(m.Leverages, map.GetProperty("leverages").EnumerateArray().Select(l => l.GetInt32()));
        for (var t = 0; t < m.Leverages.Count; t++)
        {
            // Per tier and bin, to the cent (the API rounds to 2 decimals).
            Assert.Equal(Enumerable.Range(0, m.Bins.Count).Select(b => Math.Round(m.LongUsd[t, b], 2)), Doubles(map.GetProperty("long_usd")[t]));
            Assert.Equal(Enumerable.Range(0, m.Bins.Count).Select(b => Math.Round(m.ShortUsd[t, b], 2)), Doubles(map.GetProperty("short_usd")[t]));
        }
        Assert.Equal(m.CumulativeLongUsd, Doubles(map.GetProperty("cumulative_long_usd")));
        Assert.Equal(m.CumulativeShortUsd, Doubles(map.GetProperty("cumulative_short_usd")));
        Assert.Equal(m.OutOfRangeUsd, map.GetProperty("out_of_range_usd").GetDouble());
        Assert.Equal(direct.Title, map.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Compare_models_are_the_application_layers_model_for_model()
    {
        var (cs, compare, _) = await Get("/liquidations/compare-models?symbol=BTCUSDT");
        Assert.Equal(HttpStatusCode.OK, cs);
        var direct = Api.Analysis.Compare(new CompareQuery("BTCUSDT", default, default));
        Assert.Equal((direct.Trades, direct.Candles, direct.FundingObservations),
            (compare.GetProperty("trades").GetInt32(), compare.GetProperty("candles").GetInt32(), compare.GetProperty("funding_observations").GetInt32()));
        Assert.Equal(Utc(direct.TradeWindow!.Value.Start), compare.GetProperty("trade_window").GetProperty("from").GetString());
        Assert.Equal(Utc(direct.CandleWindow!.Value.End), compare.GetProperty("candle_window").GetProperty("to").GetString());
        var models = compare.GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(["binance-standard", "funding-adjusted", "open-interest-profile", "time-evolving", "ensemble"], models.Select(m => m.GetProperty("model").GetString()));
        Assert.Contains(models, m => !m.GetProperty("ran").GetBoolean()); // the trade window has no OI: said, not faked
        Assert.Contains(direct.Models, m => m.Result is { } r && r.TotalUsd(PositionSide.Long) > 0); // some model has values to compare
        foreach (var (outcome, json) in direct.Models.Zip(models))
        {
            Assert.Equal(outcome.Model, json.GetProperty("model").GetString());
            Assert.Equal(outcome.Result is not null, json.GetProperty("ran").GetBoolean());
            Assert.Equal(outcome.NotRun, json.GetProperty("reason").GetString());
            Assert.Equal(outcome.CurrentPrice, Num(json.GetProperty("current_price")));
            Assert.Equal(outcome.Result?.Levels.Count, Int(json.GetProperty("levels")));
            Assert.Equal(outcome.Result?.TotalUsd(PositionSide.Long), Num(json.GetProperty("long_usd")));
            Assert.Equal(outcome.Result?.TotalUsd(PositionSide.Short), Num(json.GetProperty("short_usd")));
        }
        Assert.Equal(direct.EnsembleSkipped.Count, compare.GetProperty("ensemble_skipped").GetArrayLength());

        var (ethStatus, eth, _) = await Get("/liquidations/compare-models?symbol=ETHUSDT");
        Assert.Equal(HttpStatusCode.OK, ethStatus);
        var ethDirect = Api.Analysis.Compare(new CompareQuery("ETHUSDT", default, default));
        Assert.Equal(ethDirect.Models.Select(m => m.NotRun), eth.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("reason").GetString()));
        Assert.Contains(eth.GetProperty("models").EnumerateArray(), m => m.GetProperty("model").GetString() == "time-evolving" && m.GetProperty("reason").GetString()!.Contains("no 5m candles", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_periods_and_rank_correlation_are_the_application_layers()
    {
        var (hs, history, _) = await Get("/liquidations/history?symbol=BTCUSDT&interval=4h&oi_symbol=BTC&from=2025-01-01&to=2025-04-01");
        Assert.Equal(HttpStatusCode.OK, hs);
        var direct = Api.Analysis.History(new HistoryQuery("BTCUSDT", "4h", TimeWindow.Parse("2025-01-01", "2025-04-01"), OpenInterestSymbol: "BTC"));
        Assert.Equal((direct.Query.Market, direct.Scope, direct.CandleSource, direct.TotalsSource),
            (history.GetProperty("market").GetString(), history.GetProperty("scope").GetString(), history.GetProperty("candle_source").GetString(), history.GetProperty("totals_source").GetString()));
        Assert.Equal("Binance", direct.Scope);
        Assert.True(double.IsFinite(direct.Spearman));
        Assert.Equal(direct.Spearman, history.GetProperty("spearman").GetDouble());
        Assert.Equal(direct.OpenInterestPeriods, history.GetProperty("open_interest_periods").GetInt32());
        var periods = history.GetProperty("periods").EnumerateArray().ToArray();
        Assert.Equal(direct.Periods.Count, periods.Length);
        Assert.True(direct.Periods.Sum(p => p.RealLongUsd) > 0 && direct.Periods.Sum(p => p.ModelLongUsd + p.ModelShortUsd) > 0); // values to compare
        foreach (var (p, json) in direct.Periods.Zip(periods))
        {
            Assert.Equal(Utc(p.PeriodStart), json.GetProperty("period_start").GetString());
            Assert.Equal(p.Close, json.GetProperty("close").GetDouble());
            Assert.Equal((p.RealLongUsd, p.RealShortUsd), (json.GetProperty("real_long_usd").GetDouble(), json.GetProperty("real_short_usd").GetDouble()));
            Assert.Equal((Math.Round(p.ModelLongUsd, 2), Math.Round(p.ModelShortUsd, 2)), (json.GetProperty("model_long_usd").GetDouble(), json.GetProperty("model_short_usd").GetDouble()));
        }
        Assert.Equal(direct.Prints.Count, history.GetProperty("prints").GetArrayLength());
    }

    [Fact]
    public async Task Health_and_symbols_report_the_stores_own_counts()
    {
        var (status, health, _) = await Get("/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var (schema, tables) = Api.Analysis.Store.Read(s => (s.SchemaVersion, StoreStatus.Read(s)));
        Assert.Equal(Schema.CurrentVersion, schema);
        Assert.Equal(schema, health.GetProperty("store").GetProperty("schema_version").GetInt32());
        Assert.Equal(Api.Analysis.Store.Version, health.GetProperty("store").GetProperty("version").GetString());
        var series = health.GetProperty("series").EnumerateArray().ToArray();
        Assert.Equal(tables.Select(t => t.Table), series.Select(s => s.GetProperty("table").GetString()));
        Assert.Contains(tables, t => t.Table == "klines" && t.Rows > 0);
        foreach (var (table, json) in tables.Zip(series))
        {
            Assert.Equal((table.Rows, table.Symbols), (json.GetProperty("rows").GetInt64(), json.GetProperty("symbols").GetString()));
            Assert.Equal(table.FirstTime is { } f ? Utc(f) : null, json.GetProperty("first_time").GetString());
            Assert.Equal(table.LastTime is { } l ? Utc(l) : null, json.GetProperty("last_time").GetString());
        }
        Assert.Equal(Api.Analysis.Tiers.Symbols, health.GetProperty("tiers").GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));

        var (_, symbols, _) = await Get("/liquidations/symbols");
        var list = symbols.EnumerateArray().ToArray();
        Assert.Equal(Api.Analysis.Tiers.Symbols, list.Select(s => s.GetProperty("symbol").GetString()));
        foreach (var json in list)
        {
            var symbol = json.GetProperty("symbol").GetString()!;
            var table = Api.Analysis.Table(symbol);
            Assert.Equal(table.MaxInitialLeverage, json.GetProperty("max_leverage").GetInt32());
            Assert.Equal(table.EffectiveDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("brackets_effective_date").GetString());
            var (perp, spot, heatmap, trades) = Api.Analysis.Store.Read(s =>
            {
                var reader = new MarketDataReader(s);
                return (reader.CandleIntervals(symbol, "perp"), reader.CandleIntervals(symbol, "spot"), reader.CandleIntervalsWithOpenInterest(symbol, "perp"), reader.TradeCount(symbol));
            });
            Assert.Equal(perp, json.GetProperty("perp_intervals").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal(spot, json.GetProperty("spot_intervals").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal(heatmap, json.GetProperty("heatmap_intervals").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal(trades, json.GetProperty("agg_trades").GetInt64());
        }
        // The trade counts are the ones the map counts in its window.
        Assert.Equal(Api.Analysis.Map(new MapQuery("ETHUSDT", default, TradeFilter.All)).Trades.TradeCount,
            list.Single(s => s.GetProperty("symbol").GetString() == "ETHUSDT").GetProperty("agg_trades").GetInt64());
        Assert.Contains(list, s => s.GetProperty("symbol").GetString() == "BTCUSDT" && s.GetProperty("heatmap_intervals").EnumerateArray().Any(i => i.GetString() == "5m"));
        // ETHUSDT has Binance perp 1h candles but no open interest at 1h: listed as candles, not as a heatmap interval.
        var eth = list.Single(s => s.GetProperty("symbol").GetString() == "ETHUSDT");
        Assert.Contains("1h", eth.GetProperty("perp_intervals").EnumerateArray().Select(i => i.GetString()));
        Assert.DoesNotContain("1h", eth.GetProperty("heatmap_intervals").EnumerateArray().Select(i => i.GetString()));
    }

    [Fact]
    public async Task The_openapi_document_and_reference_page_are_served_offline()
    {
        var (os, openapi, _) = await Get("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, os);
        var paths = openapi.GetProperty("paths");
        foreach (var path in new[] { "/liquidations/levels", "/liquidations/heatmap", "/liquidations/map", "/liquidations/compare-models", "/liquidations/history", "/health" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        var levelParams = paths.GetProperty("/liquidations/levels").GetProperty("get").GetProperty("parameters").EnumerateArray().ToArray();
        Assert.Contains(levelParams, p => p.GetProperty("name").GetString() == "entry_price" && p.GetProperty("description").GetString()!.Contains("USDT", StringComparison.Ordinal));

        var reference = await Http.GetStringAsync(new Uri("/scalar/", UriKind.Relative));
        Assert.Contains("openapi/v1.json", reference, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.jsdelivr", reference, StringComparison.Ordinal);
        // Nothing that leads off the machine: no "Ask AI" agent, no MCP, no telemetry, no "Deploy"/"Generate SDK" toolbar.
        foreach (var setting in new[] { "\"agent\":{\"disabled\":true}", "\"mcp\":{\"disabled\":true}", "\"telemetry\":false", "\"showDeveloperTools\":\"never\"" })
            Assert.Contains(setting, reference, StringComparison.Ordinal);
        Assert.DoesNotContain("\u24C8", openapi.ToString(), StringComparison.Ordinal); // "USDⓈ-M" is a missing glyph in Chromium's default fonts
        var page = await Http.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("/assets/plotly.min.js", page, StringComparison.Ordinal);
        var plotly = await Http.GetAsync(new Uri("/assets/plotly.min.js", UriKind.Relative));
        Assert.True((await plotly.Content.ReadAsByteArrayAsync()).Length > 1_000_000);
    }

    [Fact]
    public async Task Limits_and_a_missing_store_are_clear_errors()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-api-").FullName;
        try
        {
            await using var limited = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"],
                Limits: new AnalysisLimits(MaxCandles: 500, MaxLeverages: 3, MaxSelectedTrades: 10)));
            using var http = new HttpClient { BaseAddress = limited.Urls[0] };
            var heat = await http.GetAsync(new Uri("/liquidations/heatmap?interval=5m", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, heat.StatusCode);
            Assert.Contains("at most 500", await heat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var lev = await http.GetAsync(new Uri("/liquidations/levels?entry_price=100&leverage_levels=1,2,3,4", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, lev.StatusCode);
            var trades = await http.GetAsync(new Uri("/liquidations/map?symbol=ETHUSDT&mode=top_n&threshold=11", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, trades.StatusCode);
            var tradesText = await trades.Content.ReadAsStringAsync();
            Assert.Contains("selects 11 trades; at most 10 per request", tradesText, StringComparison.Ordinal);
            Assert.Contains("\"parameter\":\"threshold\"", tradesText, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/liquidations/map?symbol=ETHUSDT&mode=top_n&threshold=10", UriKind.Relative))).StatusCode);
            Assert.Equal(AnalysisLimits.Default, Api.Analysis.Limits); // a server started without limits keeps a shared server's
            Assert.Equal(2_000_000, Api.Analysis.Limits.MaxSelectedTrades);

            await using var empty = await LiquidationApi.StartAsync(new LiquidationApiOptions(Path.Combine(dir, "none.duckdb"), Urls: ["http://127.0.0.1:0"]));
            using var http2 = new HttpClient { BaseAddress = empty.Urls[0] };
            var health = await http2.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var map = await http2.GetAsync(new Uri("/liquidations/map", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, map.StatusCode);
            Assert.Contains("liqlab data ingest", await map.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "none.duckdb"))); // serving never creates or writes a store
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_changed_store_invalidates_cached_results()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-api-").FullName;
        try
        {
            var path = Path.Combine(dir, "copy.duckdb");
            File.Copy(RealSnapshot.StorePath, path);
            await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(path, Urls: ["http://127.0.0.1:0"]));
            using var http = new HttpClient { BaseAddress = api.Urls[0] };
            const string url = "/liquidations/map?symbol=ETHUSDT&mode=top_n&threshold=50";
            async Task<(string Cache, long Trades)> Map()
            {
                var r = await http.GetAsync(new Uri(url, UriKind.Relative));
                using var d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                return (r.Headers.GetValues("X-Cache").Single(), d.RootElement.GetProperty("trades_in_window").GetInt64());
            }
            var before = await Map();
            Assert.Equal("miss", before.Cache);
            Assert.Equal("hit", (await Map()).Cache);
            using (var store = LabStore.Open(path)) // a writer between two reads (the server holds no connection meanwhile)
                store.Execute("DELETE FROM agg_trades_data WHERE agg_trade_id IN (SELECT agg_trade_id FROM agg_trades WHERE symbol = 'ETHUSDT' ORDER BY transact_time LIMIT 10)");
            var after = await Map();
            Assert.Equal("miss", after.Cache);
            Assert.Equal(before.Trades - 10, after.Trades);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
