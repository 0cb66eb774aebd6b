using System.CommandLine;
using System.Globalization;
using LiquidationLab.Charts;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab heatmap</c> and <c>liqlab map</c>: models on store data, written as self-contained HTML.</summary>
internal static class ChartCommands
{
    public static Command Heatmap()
    {
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => "BTCUSDT", Description = "Symbol." };
        var interval = new Option<string>("--interval") { DefaultValueFactory = _ => "5m", Description = "Candle interval in the store (e.g. 5m, 1h)." };
        var market = new Option<string>("--market") { DefaultValueFactory = _ => "perp", Description = "perp or spot candles." };
        var from = new Option<string?>("--from") { Description = "Start, yyyy-MM-dd or ISO date-time (UTC); default: first candle." };
        var to = new Option<string?>("--to") { Description = "End (a date includes that whole day); default: last candle." };
        var model = new Option<string>("--model") { DefaultValueFactory = _ => TimeEvolvingModel.ModelName, Description = "Time-aware model (time-evolving)." };
        var mix = new Option<string?>("--mix") { Description = "Leverage mix, e.g. 5:0.15,10:0.3,25:0.25,50:0.2,100:0.1 (default)." };
        var perColumn = new Option<int>("--candles-per-column") { DefaultValueFactory = _ => 0, Description = "Candles per heatmap column (default: enough to keep ≤ 1,000 columns)." };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "heatmap.html", Description = "HTML file to write." };
        var db = DataCommand.DbOption();
        var tiers = new Option<string?>("--tiers") { Description = "Tier-table directory." };
        var cmd = new Command("heatmap", "Time × price liquidation heatmap of a time-aware model over candles with open interest, as HTML.")
        {
            symbol, interval, market, from, to, model, mix, perColumn, output, db, tiers,
        };
        cmd.SetAction((parse, _) =>
        {
            if (parse.GetValue(model) != TimeEvolvingModel.ModelName)
                throw new ArgumentException($"--model {parse.GetValue(model)}: heatmaps need a time-aware model; available: {TimeEvolvingModel.ModelName}.");
            ChartWarmup.Start(); // Plotly.NET's one-time set-up on the other core while the store is read and the model runs
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = LabStore.Open(LabStore.ResolvePath(parse.GetValue(db)), readOnly: true);
            var reader = new MarketDataReader(store);
            var sym = parse.GetValue(symbol)!;
            var (start, end) = Range(parse.GetValue(from), parse.GetValue(to));
            var candles = reader.Candles(sym, parse.GetValue(interval)!, start, end, parse.GetValue(market)!);
            if (candles.Length == 0)
                throw new InvalidOperationException($"No {parse.GetValue(market)} {parse.GetValue(interval)} candles for {sym} in [{start:u}, {end:u}) in {store.Path}; run 'liqlab data ingest' first.");
            var oiCount = candles.Count(c => double.IsFinite(c.OpenInterestUsd));
            if (oiCount < 2)
                throw new InvalidOperationException($"{candles.Length} candles but only {oiCount} with open interest: the time-evolving model needs OI.");
            var table = LeverageBracketTableStore.Locate(parse.GetValue(tiers)).Get(sym);
            var columns = parse.GetValue(perColumn) is > 0 and var n ? n : Math.Max(1, (candles.Length + 999) / 1000);
            var te = new TimeEvolvingModel(parse.GetValue(mix) is { } m ? LeverageMix.Parse(m) : null, candlesPerColumn: columns);
            var result = te.Run(new MarketWindow(sym, table, candles, [], []));
            var title = $"{sym} {parse.GetValue(interval)} liquidation heatmap ({te.Name}), {candles[0].OpenTime:yyyy-MM-dd HH:mm} – {candles[^1].OpenTime:yyyy-MM-dd HH:mm} UTC";
            var frozen = FrozenRuns.OpenInterest(candles);
            var heat = LiquidationCharts.Heatmap(result.Heatmap!, candles, title, frozen);
            foreach (var f in frozen)
                Terminal.Console(parse.InvocationConfiguration.Output).MarkupLine(Markup.Escape(
                    $"warning: open interest repeats {f.Value:N0} USD for {f.Samples:N0} candles, {f.From:yyyy-MM-dd HH:mm} → {f.To:yyyy-MM-dd HH:mm} UTC: the source stopped updating; the span is shaded on the chart."));
            var map = Core.Heatmaps.LiquidationMap.FromLevels(result.Levels, result.Heatmap!.Price, candles[^1].Close, te.Mix.Tiers.Select(t => t.Leverage).ToArray());
            var mapFigure = LiquidationCharts.Map(map, $"Open liquidation levels at the end of the window ({te.Name})");
            var path = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var t = te.LastTotals;
            File.WriteAllText(path, HtmlDocument.Render($"{sym} liquidation heatmap report", [heat, mapFigure],
                $"{candles.Length:N0} candles ({oiCount:N0} with open interest). Created {t.CreatedUsd:N0} USD of positions, " +
                $"liquidated {t.ConsumedUsd:N0}, closed by OI decreases {t.ClosedUsd:N0}, open at the end {t.OpenUsd:N0}."));
            console.MarkupLine($"Wrote {Markup.Escape(path)} ({candles.Length:N0} candles, {result.Heatmap!.Price.Count} price bins × {result.Heatmap.Times.Count} columns)");
            return Task.FromResult(0);
        });
        return cmd;
    }

    public static Command Map()
    {
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => "BTCUSDT", Description = "Symbol." };
        var from = new Option<string?>("--from") { Description = "Start, yyyy-MM-dd or ISO date-time (UTC); default: first trade." };
        var to = new Option<string?>("--to") { Description = "End (a date includes that whole day); default: last trade." };
        var mode = new Option<string>("--mode") { DefaultValueFactory = _ => "gross_value", Description = "gross_value, top_n or portion." };
        mode.AcceptOnlyFromAmong("gross_value", "top_n", "portion");
        var threshold = new Option<double>("--threshold") { DefaultValueFactory = _ => 100_000, Description = "USD notional, count or fraction, by mode." };
        var mix = new Option<string?>("--mix") { Description = "Leverage mix (default 5:0.15,10:0.3,25:0.25,50:0.2,100:0.1)." };
        var binWidth = new Option<double?>("--bin-width") { Description = "Price bin width in USD (default: ~250 nice bins)." };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "map.html", Description = "HTML file to write." };
        var db = DataCommand.DbOption();
        var tiers = new Option<string?>("--tiers") { Description = "Tier-table directory." };
        var cmd = new Command("map", "Large-trade liquidation map (Binance standard model) from the store's aggregate trades, as HTML.")
        {
            symbol, from, to, mode, threshold, mix, binWidth, output, db, tiers,
        };
        cmd.SetAction((parse, _) =>
        {
            ChartWarmup.Start();
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            using var store = LabStore.Open(LabStore.ResolvePath(parse.GetValue(db)), readOnly: true);
            var sym = parse.GetValue(symbol)!;
            var (start, end) = Range(parse.GetValue(from), parse.GetValue(to));
            var filterMode = parse.GetValue(mode) switch { "top_n" => TradeFilterMode.TopN, "portion" => TradeFilterMode.Portion, _ => TradeFilterMode.GrossValue };
            var filter = new TradeFilter(filterMode, parse.GetValue(threshold));
            // The large trades are selected inside DuckDB; only they are read (the rest of the window is counted, not loaded).
            var window = new MarketDataReader(store).SelectAggTrades(sym, start, end, filter);
            if (window.TradeCount == 0)
                throw new InvalidOperationException($"No aggregate trades for {sym} in [{start:u}, {end:u}) in {store.Path}; run 'liqlab data ingest' first.");
            var table = LeverageBracketTableStore.Locate(parse.GetValue(tiers)).Get(sym);
            var model = new BinanceStandardModel(TradeFilter.All, parse.GetValue(mix) is { } m ? LeverageMix.Parse(m) : null, priceBinWidth: parse.GetValue(binWidth));
            var map = model.BuildMap(window.Selected, table, window.LastPrice);
            var selected = window.Selected.Length;
            var title = $"{sym} liquidation map, {parse.GetValue(mode)} {parse.GetValue(threshold).ToString(CultureInfo.InvariantCulture)}: " +
                        $"{selected:N0} of {window.TradeCount:N0} trades, {window.FirstTime:yyyy-MM-dd HH:mm} – {window.LastTime:yyyy-MM-dd HH:mm} UTC";
            var path = Path.GetFullPath(parse.GetValue(output)!);
            LiquidationCharts.Map(map, title).SaveHtml(path);
            console.MarkupLine($"Wrote {Markup.Escape(path)} ({selected:N0} trades selected, {map.Bins.Count} bins of {map.Bins.Width:G4} USD)");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>Parses --from/--to: a date, or an ISO date-time (UTC). A date-only --to includes that day.</summary>
    internal static (DateTime From, DateTime To) Range(string? from, string? to)
    {
        var start = from is null ? DateTime.MinValue : Parse(from, "--from", endOfDay: false);
        var end = to is null ? DateTime.MaxValue : Parse(to, "--to", endOfDay: true);
        if (end <= start) throw new ArgumentException($"--to ({to}) must be after --from ({from}).");
        return (start, end);
    }

    private static DateTime Parse(string text, string option, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(endOfDay ? 1 : 0);
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
            return t;
        throw new FormatException($"{option}: expected yyyy-MM-dd or an ISO date-time, found '{text}'.");
    }
}
