using System.Globalization;
using System.Text.Json;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary><c>liqlab backtest</c> on the real snapshot: the ex-ante protocol's report as JSON and as a table.</summary>
public sealed class BacktestCommandTests
{
    [Fact]
    public async Task Json_report_scores_every_baseline_on_the_test_span_only()
    {
        var r = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "1h", "--test-from", "2026-02-15", "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("Binance+Bybit+OKX", root.GetProperty("liquidationScope").GetString()); // the only hourly scope stored
        var report = root.GetProperty("exAnte");
        Assert.Equal("ex-ante, next period", report.GetProperty("protocol").GetString());
        Assert.True(report.GetProperty("testFrom").GetDateTime() >= new DateTime(2026, 2, 15, 0, 0, 0, DateTimeKind.Utc));
        Assert.True(report.GetProperty("trainPeriods").GetInt32() > 1000);
        var scores = report.GetProperty("scores").EnumerateArray().ToList();
        Assert.Equal(["persistence", "EWMA (half-life 24)", "hour-of-week climatology", "naive: same period yesterday", "naive: same period last week",
                "HAR · median", "HAR · log1p", "HAR + RV · median", "HAR + RV · log1p", "HAR + RV + OI · median", "HAR + RV + OI · log1p",
                "HAR + RV + OI + funding · median", "HAR + RV + OI + funding · log1p",
                "volatility × OI regression · median", "volatility × OI regression · log1p", "stacked baselines · median", "stacked baselines · log1p",
                "touch model (absolute, stacked) · median", "touch model (absolute, stacked) · log1p"],
            scores.Select(s => s.GetProperty("name").GetString())); // the baselines and the ladder, then the frozen model of data/models/touch-model.json
        Assert.Equal("BTCUSDT coinglass-1h", root.GetProperty("funding").GetString()); // the hourly Coinglass export's funding of the Binance pair
        foreach (var s in scores)
        {
            Assert.Equal(report.GetProperty("testPeriods").GetInt32(), s.GetProperty("periods").GetInt32());
            foreach (var m in s.GetProperty("metrics").EnumerateArray())
            {
                var i = m.GetProperty("interval");
                Assert.InRange(i.GetProperty("estimate").GetDouble(), i.GetProperty("lower").GetDouble(), i.GetProperty("upper").GetDouble());
            }
        }
        Assert.Equal(2, report.GetProperty("comparisons").GetArrayLength()); // the model's median and log1p forecasts against the best baseline

        // Quantiles: climatology, quantile HAR, the model's regression and the same without the map, at P50, P90 and P99.
        var quantiles = root.GetProperty("quantiles");
        Assert.Equal([0.5, 0.9, 0.99], quantiles.GetProperty("levels").EnumerateArray().Select(l => l.GetDouble()));
        var q = quantiles.GetProperty("scores").EnumerateArray().ToList();
        Assert.Equal(12, q.Count);
        Assert.Equal(["climatology quantile", "quantile HAR", "touch model (absolute, stacked)", "stacked baselines"],
            q.Where(s => s.GetProperty("tau").GetDouble() == 0.9).Select(s => s.GetProperty("name").GetString()));
        foreach (var s in q)
        {
            var coverage = s.GetProperty("coverage");
            Assert.InRange(coverage.GetProperty("estimate").GetDouble(), coverage.GetProperty("lower").GetDouble(), coverage.GetProperty("upper").GetDouble());
            Assert.True(s.GetProperty("pinball").GetProperty("estimate").GetDouble() > 0);
        }
        // Ablation: MAE, Spearman, RMSLE and the three pinball losses of the model beside the stacked baselines.
        var ablation = root.GetProperty("ablation").EnumerateArray().ToList();
        Assert.Equal(["MAE", "Spearman", "RMSLE", "pinball P50", "pinball P90", "pinball P99"], ablation.Select(a => a.GetProperty("metric").GetString()));
        Assert.All(ablation, a => Assert.True(a.GetProperty("difference").TryGetProperty("upper", out _)));

        var conditional = root.GetProperty("conditional");
        Assert.Equal("conditional on the period's range", conditional.GetProperty("protocol").GetString());
        Assert.Equal(["hour-of-week climatology", "range × OI (scaled)", "range × OI regression", "time-evolving (absolute, scaled)", "turnover model (fitted)"],
            conditional.GetProperty("scores").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        // The turnover model's refits and the diagnosis (issue 29): near-zero shares for every forecast, each model against range × OI.
        var turnover = root.GetProperty("turnover");
        Assert.True(turnover.GetProperty("refits").GetArrayLength() >= 1);
        Assert.Equal(6, turnover.GetProperty("spread").GetArrayLength());
        var diagnosis = root.GetProperty("conditionalDiagnosis");
        Assert.Equal(6, diagnosis.GetProperty("nearZero").GetArrayLength());
        Assert.All(diagnosis.GetProperty("comparisons").EnumerateArray(), c => Assert.Equal("range × OI regression", c.GetProperty("baseline").GetString()));
        Assert.Equal(root.GetProperty("openInterestSymbol").GetString() == "BTCUSDT" ? "Binance" : "all exchanges", root.GetProperty("openInterestExchanges").GetString());
        var zones = root.GetProperty("zones");
        Assert.True(zones.GetProperty("zoneCount").GetInt32() > 1000);
        Assert.Equal(3, zones.GetProperty("scores").GetArrayLength());
        Assert.True(zones.GetProperty("brierDifference").TryGetProperty("upper", out _));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("prints").ValueKind); // the snapshot has no BTCUSDT prints in 2026
    }

    [Fact]
    public async Task Prints_in_the_test_span_are_scored_against_the_books_zones()
    {
        // The snapshot's store plus forceOrder prints (Binance's websocket payload, through the real importer) in March 2026:
        // one long per test hour at the hour's low + 20 %, one short at its high − 20 %, and a print at an absurd price.
        var dir = Directory.CreateTempSubdirectory("liqlab-prints-").FullName;
        try
        {
            var db = Path.Combine(dir, "lab.duckdb");
            File.Copy(RealSnapshot.StorePath, db);
            Candle[] candles;
            using (var store = LabStore.Open(db, readOnly: true))
                candles = new MarketDataReader(store).Candles("BTCUSDT", "1h", new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 8, 0, 0, 0, DateTimeKind.Utc), "spot");
            Assert.True(candles.Length > 100);
            var lines = new List<string>();
            void Add(DateTime time, string side, double fill, double quantity)
            {
                var ms = new DateTimeOffset(time).ToUnixTimeMilliseconds();
                var limit = side == "SELL" ? fill * 0.995 : fill * 1.005;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $$$"""{"e":"forceOrder","E":{{{ms + 5}}},"o":{"s":"BTCUSDT","S":"{{{side}}}","o":"LIMIT","f":"IOC","q":"{{{quantity}}}","p":"{{{limit:0.00}}}","ap":"{{{fill:0.00}}}","X":"FILLED","l":"{{{quantity}}}","z":"{{{quantity}}}","T":{{{ms}}}}}"""));
            }
            foreach (var c in candles)
            {
                Add(c.OpenTime.AddMinutes(13), "SELL", c.Low + 0.2 * (c.High - c.Low), 0.5);
                Add(c.OpenTime.AddMinutes(41), "BUY", c.High - 0.2 * (c.High - c.Low), 0.25);
            }
            Add(candles[5].OpenTime.AddMinutes(30), "SELL", 16_197.00, 0.001);
            var file = Path.Combine(dir, "btcusdt-forceOrder.jsonl");
            File.WriteAllLines(file, lines);
            var ingest = await CliRunner.Run("data", "ingest", file, "--db", db);
            Assert.True(ingest.Exit == 0, ingest.Err);

            var r = await CliRunner.Run("backtest", "--db", db, "--interval", "1h", "--test-from", "2026-03-01", "--test-to", "2026-03-07", "--json");
            Assert.True(r.Exit == 0, r.Err);
            using var doc = JsonDocument.Parse(r.Out);
            var prints = doc.RootElement.GetProperty("prints");
            var periods = doc.RootElement.GetProperty("exAnte").GetProperty("testPeriods").GetInt32();
            Assert.Equal(periods, prints.GetProperty("windows").GetInt32());
            Assert.Equal(periods, prints.GetProperty("windowsWithPrints").GetInt32());
            Assert.Equal(1, prints.GetProperty("excludedPrints").GetInt32()); // the absurd price
            foreach (var side in new[] { "long", "short" })
            {
                var s = prints.GetProperty(side);
                Assert.Equal(periods, s.GetProperty("prints").GetInt32());
                Assert.Equal(7, s.GetProperty("blocks").GetInt32()); // one-day blocks of prints (1–7 March)
                foreach (var name in new[] { "modelShare", "chanceShare", "nearestShare", "densityPercentile" })
                {
                    var i = s.GetProperty(name);
                    Assert.InRange(i.GetProperty("estimate").GetDouble(), 0, 1);
                    Assert.InRange(i.GetProperty("estimate").GetDouble(), i.GetProperty("lower").GetDouble(), i.GetProperty("upper").GetDouble());
                }
                // Three ~100 USD bins drawn in hourly ranges of a few hundred USD cover a print 20 % into the range about half the time.
                Assert.InRange(s.GetProperty("chanceShare").GetProperty("estimate").GetDouble(), 0.2, 0.8);
                Assert.InRange(s.GetProperty("chanceAtLeastModel").GetDouble(), 0, 1);
            }

            var table = await CliRunner.Run("backtest", "--db", db, "--interval", "1h", "--test-from", "2026-03-01", "--test-to", "2026-03-07");
            Assert.True(table.Exit == 0, table.Err);
            Assert.Contains($"Liquidation prints in the test span: {2 * periods} scored in {periods} of {periods} periods, 1 left out", table.Out, StringComparison.Ordinal);
            Assert.Contains("Candles are spot; prints are perpetual fills: the basis", table.Out, StringComparison.Ordinal);
            Assert.Contains("longs", table.Out, StringComparison.Ordinal);
            Assert.Contains("shorts", table.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Data_folders_are_scored_through_a_temporary_store_with_the_same_numbers()
    {
        var fromStore = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "4h", "--test-from", "2026-01-15", "--model", "none", "--json");
        var fromFolder = await CliRunner.Run("backtest", "--data", Path.Combine(RealSnapshot.RepositoryRoot, "data", "real"), "--interval", "4h", "--test-from", "2026-01-15", "--model", "none", "--json");
        Assert.True(fromFolder.Exit == 0, fromFolder.Err);
        using var a = JsonDocument.Parse(fromStore.Out);
        using var b = JsonDocument.Parse(fromFolder.Out);
        Assert.Equal(a.RootElement.GetProperty("exAnte").GetRawText(), b.RootElement.GetProperty("exAnte").GetRawText());
        var both = await CliRunner.Run("backtest", "--data", "data/real", "--db", RealSnapshot.StorePath);
        Assert.Contains("give one source", both.Err, StringComparison.Ordinal);
        var missing = await CliRunner.Run("backtest", "--data", "/nonexistent/later-data");
        Assert.Contains("--data /nonexistent/later-data: no such folder", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_report_and_clear_errors()
    {
        var table = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "4h", "--test-from", "2026-01-15");
        Assert.True(table.Exit == 0, table.Err);
        Assert.Contains("Binance liquidation totals", table.Out, StringComparison.Ordinal);
        Assert.Contains("Diebold–Mariano p =", table.Out, StringComparison.Ordinal);
        Assert.Contains("HAR + RV + OI", table.Out, StringComparison.Ordinal); // the ladder
        Assert.Contains("Quantile forecasts", table.Out, StringComparison.Ordinal);
        Assert.Contains("pinball − climatology", table.Out, StringComparison.Ordinal);
        Assert.Contains("Ablation: each model result beside the same regression without the map", table.Out, StringComparison.Ordinal);
        Assert.Contains("protocol: conditional on the period's range", table.Out, StringComparison.Ordinal);
        Assert.Contains("Model minus calibrated zone-free Brier", table.Out, StringComparison.Ordinal);

        var late = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--test-from", "2030-01-01");
        Assert.NotEqual(0, late.Exit);
        Assert.Contains("--test-from: 2030-01-01", late.Err, StringComparison.Ordinal);
        var shorts = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "1d", "--test-from", "2026-01-15", "--side", "short", "--model", "none", "--json");
        Assert.True(shorts.Exit == 0, shorts.Err);
        using (var doc = JsonDocument.Parse(shorts.Out))
        {
            Assert.Equal("short", doc.RootElement.GetProperty("side").GetString());
            Assert.Equal("1d built from 1h", doc.RootElement.GetProperty("candles").GetString());
            Assert.Equal("1d summed from 4h", doc.RootElement.GetProperty("liquidationTotals").GetString()); // the longest stored interval dividing a day
        }
        var baselinesOnly = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "4h", "--test-from", "2026-01-15", "--model", "none");
        Assert.True(baselinesOnly.Exit == 0, baselinesOnly.Err);
        Assert.DoesNotContain("touch model", baselinesOnly.Out, StringComparison.Ordinal);
        Assert.Contains("range × OI", baselinesOnly.Out, StringComparison.Ordinal); // the conditional baselines still run
        foreach (var (spec, message) in new[] { ("sideways:log", "proportional or absolute"), ("absolute:neural", "scale, log or stacked"), ("absolute:log:-1", "half-life"), ("absolute:log:1:0", "horizon") })
        {
            var bad = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--model", spec);
            Assert.NotEqual(0, bad.Exit);
            Assert.Contains($"--model: {spec}", bad.Err, StringComparison.Ordinal);
            Assert.Contains(message, bad.Err, StringComparison.Ordinal);
        }
        var frozen = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "4h", "--train-until", "2026-01-15", "--test-from", "2026-02-01", "--model", "none", "--json");
        Assert.True(frozen.Exit == 0, frozen.Err);
        using (var doc = JsonDocument.Parse(frozen.Out))
            Assert.True(doc.RootElement.GetProperty("settings").GetProperty("trainEnd").GetInt32() < doc.RootElement.GetProperty("settings").GetProperty("testStart").GetInt32());
        var trainAfterTest = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "4h", "--train-until", "2026-03-01", "--test-from", "2026-02-01");
        Assert.Contains("--train-until: 2026-03-01T00:00Z must leave at least 10 training periods and not pass the test start", trainAfterTest.Err, StringComparison.Ordinal);
        var badInterval = await CliRunner.Run("backtest", "--db", RealSnapshot.StorePath, "--interval", "1x");
        Assert.NotEqual(0, badInterval.Exit);
        Assert.Contains("--interval: expected minutes, hours or days such as 5m, 1h, 4h, 1d; found '1x'", badInterval.Err, StringComparison.Ordinal);
    }
}
