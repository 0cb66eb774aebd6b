using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidationLab.Analysis;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Models;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary>
/// <c>liqlab backtest</c>: the evaluation protocol on the store's (or a data folder's) candles and real liquidation totals —
/// the ex-ante protocol (<see cref="ExAnteProtocol"/>), the conditional one (<see cref="ConditionalProtocol"/>) and the
/// zone-touch scores (<see cref="ZoneTouchEvaluation"/>), each with every baseline that gets the same information, metrics
/// without floors and their block-bootstrap intervals, events with lift and paired comparisons — as tables or JSON.
/// </summary>
internal static class BacktestCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN where a metric is undefined
    };

    public static Command Create()
    {
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => QueryDefaults.Symbol, Description = "Candle symbol (liquidation totals are read for its base asset, e.g. BTC)." };
        var interval = new Option<string>("--interval") { DefaultValueFactory = _ => QueryDefaults.BacktestInterval, Description = "Period: the candle and liquidation-total interval (e.g. 1h, 4h)." };
        var market = new Option<string?>("--market") { Description = "Candles: spot or perp; default: the market whose candles cover more periods that have liquidation totals (perp on a tie)." };
        market.OneOf("spot", "perp");
        var scope = new Option<string?>("--scope") { Description = "Liquidation-total exchange scope (e.g. Binance, Binance+Bybit+OKX); default: the only one stored for the interval." };
        var from = new Option<string?>("--from") { Description = "First period used (training starts here), yyyy-MM-dd; default: first candle." }.IsTime();
        var testFrom = new Option<string?>("--test-from") { Description = "First scored period, yyyy-MM-dd or ISO time; default: the middle of the data. Nothing from here on is used to fit or choose anything." }.IsTime();
        var trainUntil = new Option<string?>("--train-until")
        {
            Description = "Fit everything once on the periods before this time and freeze it (no walk-forward refits): a frozen configuration scored on data that arrived later. Default: refit every --refit-days.",
        }.IsTime();
        var testTo = new Option<string?>("--test-to") { Description = "End of the scored periods (a date includes that day); default: last candle." }.IsTime();
        var refit = OptionRules.Days("--refit-days", QueryDefaults.RefitDays, "Walk-forward refit interval of the fitted baselines.");
        var block = OptionRules.Days("--block-days", QueryDefaults.BlockDays, "Bootstrap block length.");
        var quantile = OptionRules.OpenProbability("--event-quantile", QueryDefaults.EventQuantile, "Events: periods at or above this quantile of the training totals.");
        var json = new Option<bool>("--json") { Description = "Print the full report as JSON." };
        var oiSymbol = new Option<string?>("--oi-symbol") { Description = "Open-interest series symbol when it differs from the candles' (e.g. BTC: Coinglass all-exchange OI)." };
        var models = new Option<string[]>("--model")
        {
            Description = "Touch-model configuration(s) to score, RULE:CALIBRATION[:VOL_HALF_LIFE_DAYS[:HORIZON_BARS]] with RULE proportional|absolute and CALIBRATION scale|log|stacked " +
                          "(repeatable; default: the frozen configuration in data/models/touch-model.json; 'none' scores the baselines alone).",
            AllowMultipleArgumentsPerToken = true,
        };
        models.Validators.Add(r =>
        {
            try
            {
                BacktestQuery.ParseModels(r.Tokens.Select(t => t.Value));
            }
            catch (QueryParameterException e)
            {
                r.AddError(CommandErrors.Describe(e));
            }
        });
        var tiers = new Option<string?>("--tiers") { Description = "Tier-table directory." };
        var sideOption = new Option<string>("--side") { DefaultValueFactory = _ => "total", Description = "Which liquidations: total, long or short." };
        sideOption.OneOf("total", "long", "short");
        var db = DataCommand.DbOption();
        var data = new Option<string?>("--data")
        {
            Description = "Score data from this folder (raw files or a snapshot) instead of a store: it is ingested into a temporary store first, with the usual checks.",
        };
        var cmd = new Command("backtest", "Evaluation protocol: ex-ante and conditional liquidation forecasts and zone-touch probabilities against real totals, with same-information baselines and bootstrap intervals.")
        {
            symbol, interval, market, scope, from, trainUntil, testFrom, testTo, refit, block, quantile, json, oiSymbol, models, tiers, sideOption, db, data,
        };
        cmd.SetAction((parse, _) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(data) is not null && parse.GetValue(db) is not null) throw new ArgumentException("--data and --db: give one source, not both.");
            string? scratch = null;
            try
            {
                if (parse.GetValue(data) is { } folder)
                {
                    // Later data someone else holds: ingested into a throwaway store, so scoring it needs no set-up and changes nothing.
                    if (!Directory.Exists(folder) && !File.Exists(folder)) throw new ArgumentException($"--data {folder}: no such folder or file.");
                    scratch = Directory.CreateTempSubdirectory("liqlab-backtest-").FullName; // removed in the finally below, whatever fails
                    using (var fresh = LabStore.Open(Path.Combine(scratch, "lab.duckdb")))
                    {
                        var ingested = new LiquidationLab.Data.Ingest.Ingestor(fresh).Ingest([Path.GetFullPath(folder)]);
                        var stored = ingested.Count(r => r.Status == LiquidationLab.Data.Ingest.IngestStatus.Ingested);
                        if (stored == 0) throw new ArgumentException($"--data {folder}: no data file LiquidationLab knows (see `liqlab data ingest --list-kinds`).");
                        if (parse.GetValue(json) is false)
                            Terminal.Console(output).MarkupLine(Markup.Escape($"Ingested {stored} files from {folder} into a temporary store."));
                    }
                }
                return Run(parse, scratch is null ? Workspace.StorePath(parse.GetValue(db), StoreUse.Read) : Path.Combine(scratch, "lab.duckdb"));
            }
            finally
            {
                if (scratch is not null) Directory.Delete(scratch, recursive: true);
            }
        });
        return cmd;

        Task<int> Run(ParseResult parse, string storePath)
        {
            var output = parse.InvocationConfiguration.Output;
            var analysis = LiquidationAnalysis.ForFile(storePath, parse.GetValue(tiers));
            DateTime? Time(Option<string?> option, string name) => parse.GetValue(option) is { } text ? OptionRules.Time(text, name) : null;
            var result = analysis.Backtest(new BacktestQuery(parse.GetValue(symbol)!, parse.GetValue(interval)!,
                TimeWindow.Parse(parse.GetValue(from), parse.GetValue(testTo), "--from", "--test-to"), Time(testFrom, "--test-from"), Time(trainUntil, "--train-until"),
                parse.GetValue(market), parse.GetValue(models), parse.GetValue(oiSymbol), parse.GetValue(scope), BacktestQuery.ParseSide(parse.GetValue(sideOption)),
                parse.GetValue(refit), parse.GetValue(block), parse.GetValue(quantile)));
            if (parse.GetValue(json))
            {
                output.WriteLine(result.ToJson());
                return Task.FromResult(0);
            }
            var console = Terminal.Console(output);
            var (series, what) = (result.Series, result.TotalsLabel);
            Print(console, series.Symbol, series.CandleSource, what, result.ExAnte);
            console.MarkupLine(Markup.Escape($"Ladder: seasonal naive, HAR (last period, 24 h and 168 h means), + realised variance, + OI and ΔOI, + funding; every regression calibrated for MAE (· median) and for RMSLE (· log1p). Funding: {series.Funding}."));
            if (result.Quantiles is { } quantiles)
            {
                console.WriteLine();
                PrintQuantiles(console, quantiles);
            }
            if (result.Ablation is { Count: > 0 } ablation)
            {
                console.WriteLine();
                PrintAblation(console, ablation);
            }
            console.WriteLine();
            Print(console, series.Symbol, series.CandleSource, what, result.Conditional);
            if (result.Diagnosis is { } diagnosis && result.Turnover is { } turnover) PrintTurnover(console, series, diagnosis, turnover);
            if (result.Zones is { } zones)
            {
                console.WriteLine();
                PrintZones(console, zones);
            }
            if (result.Prints is { } scored)
            {
                console.WriteLine();
                PrintPrints(console, scored, result.PrintSettings!, result.Settings, series.Market);
            }
            return Task.FromResult(0);
        }
    }

    private static void PrintTurnover(IAnsiConsole console, BacktestSeries series, ConditionalDiagnosis d, TurnoverFitResult t)
    {
        static string F(FormattableString s) => Markup.Escape(s.ToString(CultureInfo.InvariantCulture));
        console.MarkupLine(F($"Open interest: {series.OpenInterestSymbol} ({series.OpenInterestExchanges}); liquidations: {series.LiquidationScope}{(series.OpenInterestMatchesScope ? " — same exchanges." : " — NOT the same exchanges: the OI stands for a different market than the liquidations.")}"));
        console.MarkupLine(F($"Near zero (below {d.ThresholdUsd / 100:N0} USD) while ≥ {d.ThresholdUsd / 1e6:0.##} M USD was liquidated, {d.PeriodsAtThreshold:N0} of {d.Periods:N0} scored periods: ") +
                           Markup.Escape(string.Join("; ", d.NearZero.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Forecast} {n.Share:P1}")))));
        foreach (var c in d.Comparisons)
            console.MarkupLine(F($"{c.Forecast} − {c.Baseline}: MAE {c.MaeDifference.Estimate / 1e6:+0.###;−0.###} M USD [{c.MaeDifference.Lower / 1e6:+0.###;−0.###}, {c.MaeDifference.Upper / 1e6:+0.###;−0.###}], Spearman {c.SpearmanDifference.Estimate:+0.###;−0.###} [{c.SpearmanDifference.Lower:+0.###;−0.###}, {c.SpearmanDifference.Upper:+0.###;−0.###}], RMSLE {c.RmsleDifference.Estimate:+0.##;−0.##} [{c.RmsleDifference.Lower:+0.##;−0.##}, {c.RmsleDifference.Upper:+0.##;−0.##}]."));
        console.MarkupLine(F($"Turnover model fitted {t.Refits.Count} times walk-forward ({(t.PerSide ? "per side" : "one series")}; long share of opens from {t.ShareSource}): ") +
                           Markup.Escape(string.Join("; ", t.Spread.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Median:G3} ({p.Min:G3} – {p.Max:G3})")))));
    }

    private static void PrintQuantiles(IAnsiConsole console, QuantileReport q)
    {
        static string F(FormattableString s) => Markup.Escape(s.ToString(CultureInfo.InvariantCulture));
        console.MarkupLine(F($"Quantile forecasts — {q.Protocol}, scored {q.TestFrom:yyyy-MM-dd HH:mm} – {q.TestTo:yyyy-MM-dd HH:mm} UTC: pinball loss (M USD, lower is better), coverage (share of actuals ≤ forecast; calibrated = τ) and pinball minus climatology's on the same resamples, 95 % block-bootstrap intervals."));
        console.MarkupLine(Markup.Escape("Climatology quantile: per time of day when every slot has ≥ ⌈5 ÷ (1 − τ)⌉ training values, else pooled — " +
            string.Join("; ", q.Climatology.Select(c => string.Create(CultureInfo.InvariantCulture, $"P{100 * c.Tau:0.#}: per slot in {c.WindowsByTimeOfDay} of {c.Windows} fits (≥ {c.MinimumPerSlot})"))) + "."));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "τ", "forecast", "periods", "pinball (M USD)", "coverage", "pinball − climatology (M USD)" }) table.AddColumn(h);
        foreach (var s in q.Scores)
            table.AddRow(F($"P{100 * s.Tau:0.#}"), Markup.Escape(s.Name), F($"{s.Periods:N0}"),
                F($"{s.Pinball.Estimate / 1e6:0.###} [{s.Pinball.Lower / 1e6:0.###}, {s.Pinball.Upper / 1e6:0.###}]"),
                F($"{s.Coverage.Estimate:0.000} [{s.Coverage.Lower:0.000}, {s.Coverage.Upper:0.000}]"),
                s.Name == QuantileProtocol.ClimatologyName ? "—" : F($"{s.PinballMinusClimatology.Estimate / 1e6:+0.###;−0.###;0} [{s.PinballMinusClimatology.Lower / 1e6:+0.###;−0.###;0}, {s.PinballMinusClimatology.Upper / 1e6:+0.###;−0.###;0}]"));
        console.Write(table);
    }

    private static void PrintAblation(IAnsiConsole console, IReadOnlyList<AblationRow> rows)
    {
        static string F(FormattableString s) => Markup.Escape(s.ToString(CultureInfo.InvariantCulture));
        console.MarkupLine(Markup.Escape("Ablation: each model result beside the same regression without the map's feature (the touch model's expected liquidations); difference = model − without, on the same resampled periods (errors: below zero = the map helps; Spearman: above zero)."));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "model forecast", "without the map", "metric", "model", "without", "difference" }) table.AddColumn(h);
        foreach (var r in rows)
        {
            var usd = r.Metric is "MAE" || r.Metric.StartsWith("pinball", StringComparison.Ordinal);
            var scale = usd ? 1e6 : 1;
            string I(BootstrapInterval b) => F($"{b.Estimate / scale:0.###} [{b.Lower / scale:0.###}, {b.Upper / scale:0.###}]");
            table.AddRow(Markup.Escape(r.Forecast), Markup.Escape(r.Without), Markup.Escape(usd ? r.Metric + " (M USD)" : r.Metric), I(r.Model), I(r.WithoutMap), I(r.Difference));
        }
        console.Write(table);
    }

    private static void PrintZones(IAnsiConsole console, ZoneReport z)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Zones: the model's 3 densest bins per side within 5 % of the price at each period's open; {z.Observations.Count:N0} zones over {z.TestPeriods:N0} scored periods, {z.TouchRate:P1} touched within the period.")));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "touch probability", "Brier", "reliability (mean forecast → observed, n)" }) table.AddColumn(h);
        foreach (var s in z.Scores)
            table.AddRow(Markup.Escape(s.Name), Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{s.Brier.Estimate:0.0000} [{s.Brier.Lower:0.0000}, {s.Brier.Upper:0.0000}]")),
                Markup.Escape(string.Join("  ", s.Reliability.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.MeanPredicted:0.00}→{b.ObservedFrequency:0.00} ({b.Count})")))));
        console.Write(table);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Model minus calibrated zone-free Brier: {z.BrierDifference.Estimate:0.00000} [{z.BrierDifference.Lower:0.00000}, {z.BrierDifference.Upper:0.00000}] (below zero and excluding it: the zones' density adds information).")));
    }

    private static void PrintPrints(IAnsiConsole console, PooledPriceLevelScore p, PriceLevelScoringSettings ps, ExAnteSettings settings, string market)
    {
        static string F(FormattableString s) => Markup.Escape(s.ToString(CultureInfo.InvariantCulture));
        string I(BootstrapInterval b) => double.IsNaN(b.Lower)
            ? F($"{b.Estimate:0.000} (one block: no interval)")
            : F($"{b.Estimate:0.000} [{b.Lower:0.000}, {b.Upper:0.000}]");
        var scored = (p.Long?.Prints ?? 0) + (p.Short?.Prints ?? 0);
        console.MarkupLine(F($"Liquidation prints in the test span: {scored:N0} scored in {p.WindowsWithPrints:N0} of {p.Windows:N0} periods, {p.ExcludedPrints:N0} left out (beyond their period's high–low by more than the tolerance: absurd prices, or limit prices beyond the market)."));
        console.MarkupLine(F($"Each period is scored with the book at its open: its {ps.Zones} densest bins per side within 5 % of the open{(ps.TolerancePercent > 0 ? $" (± {ps.TolerancePercent} %)" : "")}, against {ps.Zones} random bins in the range the period visited (chance) and the {ps.Zones} bins nearest the open (same information as the model). Intervals: 95 % bootstrap over {settings.BlockLength}-period blocks of prints."));
        if (market == "spot") console.MarkupLine(F($"Candles are spot; prints are perpetual fills: the basis between them shifts prints against the bins and visited ranges (score perp candles with --market perp where stored)."));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "liquidated", "prints (M USD)", "model share", $"nearest-{ps.Zones} share", "chance share", "lift over chance", "model − nearest", "P(chance ≥ model)", "density percentile" })
            table.AddColumn(h);
        foreach (var s in new[] { p.Long, p.Short })
        {
            if (s is null) continue;
            table.AddRow(s.Side == Core.Margin.PositionSide.Long ? "longs" : "shorts", F($"{s.Prints:N0} ({s.NotionalUsd / 1e6:0.###})"), I(s.ModelShare), I(s.NearestShare),
                I(s.ChanceShare), I(s.Lift), I(s.ModelMinusNearest), F($"{s.ChanceAtLeastModel:0.###}"), I(s.DensityPercentile));
        }
        console.Write(table);
    }

    private static void Print(IAnsiConsole console, string symbol, string interval, string scope, ProtocolReport r)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{symbol} {interval}, {scope} liquidation totals — protocol: {r.Protocol}. Training: {r.TrainPeriods:N0} periods; scored: {r.TestPeriods:N0} ({r.TestFrom:yyyy-MM-dd HH:mm} – {r.TestTo:yyyy-MM-dd HH:mm} UTC).")));
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Events: total ≥ {r.EventThreshold / 1e6:N2} M USD (training quantile), {r.EventRate:P1} of scored periods; flagging every period scores F1 {r.FlagAllF1:0.000}. Intervals: 95 % block bootstrap.")));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "forecast", "MAE (M USD)", "RMSE (M USD)", "RMSLE", "MASE vs clim.", "Pearson", "Spearman", "F1 (lift)", "MAPE ≥ floor (excl.)" }) table.AddColumn(h);
        foreach (var s in r.Scores)
        {
            string M(int i, double scale = 1) => Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{s.Metrics[i].Interval.Estimate / scale:0.###} [{s.Metrics[i].Interval.Lower / scale:0.###}, {s.Metrics[i].Interval.Upper / scale:0.###}]"));
            table.AddRow(Markup.Escape(s.Name), M(0, 1e6), M(1, 1e6), M(2), M(3), M(4), M(5),
                string.Create(CultureInfo.InvariantCulture, $"{s.Events.F1:0.000} ({s.F1Lift:0.00}×)"),
                string.Create(CultureInfo.InvariantCulture, $"{s.Mape.Percent:0.#} % ({(double)s.Mape.Excluded / Math.Max(1, s.Mape.Used + s.Mape.Excluded):P0})"));
        }
        console.Write(table);
        foreach (var c in r.Comparisons)
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{c.Forecast} vs best baseline {c.Baseline}: MAE difference {c.MaeDifference.Estimate / 1e6:0.###} M USD [{c.MaeDifference.Lower / 1e6:0.###}, {c.MaeDifference.Upper / 1e6:0.###}], " +
                $"Spearman difference {c.SpearmanDifference.Estimate:0.###} [{c.SpearmanDifference.Lower:0.###}, {c.SpearmanDifference.Upper:0.###}], " +
                $"Diebold–Mariano p = {c.DieboldMariano.PValue:0.####}.")));
    }
}
