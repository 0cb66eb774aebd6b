using System.CommandLine;
using System.Globalization;
using LiquidationLab.Analysis;
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
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => QueryDefaults.Symbol, Description = "Symbol." };
        var interval = new Option<string>("--interval") { DefaultValueFactory = _ => QueryDefaults.Interval, Description = "Candle interval in the store (e.g. 5m, 1h)." };
        var market = new Option<string?>("--market") { Description = "perp or spot candles (default: what the store has for the symbol, interval and window; perp when both)." };
        var from = new Option<string?>("--from") { Description = "Start, ISO 8601: yyyy-MM-dd or yyyy-MM-ddTHH:mm with Z or an offset (none: UTC); default: first candle." };
        var to = new Option<string?>("--to") { Description = "End (a date includes that whole day); default: last candle." };
        var model = new Option<string>("--model") { DefaultValueFactory = _ => TimeEvolvingModel.ModelName, Description = "Time-aware model: time-evolving, or time-evolving-turnover (an inventory that turns over, with the parameters frozen in data/models/turnover-model.json)." };
        var mix = new Option<string?>("--mix") { Description = "Leverage mix, e.g. 5:0.15,10:0.3,25:0.25,50:0.2,100:0.1 (default)." };
        var perColumn = new Option<int>("--candles-per-column") { DefaultValueFactory = _ => 0, Description = "Candles per heatmap column (default: enough to keep ≤ 1,000 columns)." };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "heatmap.html", Description = "HTML file to write." };
        var db = DataCommand.DbOption();
        var tiers = new Option<string?>("--tiers") { Description = "Tier-table directory." };
        var oiSymbol = new Option<string?>("--oi-symbol") { Description = "Open-interest series symbol when it differs from the candles' (e.g. BTC: Coinglass all-exchange OI)." };
        var venues = new Option<string?>("--venues")
        {
            Description = "Venues whose maps are summed, each from its own open interest, candles and tier table: all, or a comma-separated list of " +
                          "binance, bybit, okx, hyperliquid (default: binance alone, as without the option). --symbol BTC or BTCUSDT names each venue's instrument.",
        };
        var priceVenue = new Option<string?>("--price-venue")
        {
            Description = "With --venues: the venue whose candles give the price path of a venue with open interest but no candles of its own (e.g. binance for hyperliquid); default none (such a venue is an error, or left out with --venues all).",
        };
        var cmd = new Command("heatmap", "Time × price liquidation heatmap of a time-aware model over candles with open interest, as HTML: of Binance, or summed over venues.")
        {
            symbol, interval, market, from, to, model, mix, perColumn, oiSymbol, venues, priceVenue, output, db, tiers,
        };
        cmd.SetAction((parse, _) =>
        {
            ChartWarmup.Start(); // Plotly.NET's one-time set-up on the other core while the store is read and the model runs
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var analysis = LiquidationAnalysis.ForFile(Workspace.StorePath(parse.GetValue(db), StoreUse.Read), parse.GetValue(tiers));
            var result = analysis.Heatmap(new HeatmapQuery(parse.GetValue(symbol)!, parse.GetValue(interval)!,
                TimeWindow.Parse(parse.GetValue(from), parse.GetValue(to), "--from", "--to"), parse.GetValue(market), parse.GetValue(model)!,
                parse.GetValue(mix), parse.GetValue(perColumn), parse.GetValue(oiSymbol),
                Venues: VenueSelection.Parse(parse.GetValue(venues), "--venues"), PriceVenue: HeatmapQuery.ParsePriceVenue(parse.GetValue(priceVenue), "--price-venue")));
            foreach (var f in result.FrozenOpenInterest)
                console.MarkupLine(Markup.Escape(
                    $"warning: open interest repeats {f.Value:N0} USD for {f.Samples:N0} candles, {f.From:yyyy-MM-dd HH:mm} → {f.To:yyyy-MM-dd HH:mm} UTC: the source stopped updating; the span is shaded on the chart."));
            var path = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            foreach (var v in result.VenueMaps ?? [])
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{v.Name} {v.Instrument}: open interest {v.OpenInterest.Describe()}; candles {v.Candles.Describe()}; tier table effective {v.Margin.Tiers.EffectiveDate:yyyy-MM-dd}; open at the end {v.Totals.OpenUsd:N0} USD")));
            foreach (var l in result.LeftOut ?? [])
                console.MarkupLine(Markup.Escape($"left out: {Core.Margin.Venues.VenueInfo.Name(l.Venue)}: {l.Reason}"));
            File.WriteAllText(path, HtmlDocument.Render($"{result.Symbol} liquidation heatmap report (venues {result.VenueSet})", [result.HeatmapFigure(), result.EndMapFigure()], result.Summary));
            console.MarkupLine($"Wrote {Markup.Escape(path)} ({result.Candles.Length:N0} candles, {result.Grid.Price.Count} price bins × {result.Grid.Times.Count} columns)");
            return Task.FromResult(0);
        });
        return cmd;
    }

    public static Command Map()
    {
        var symbol = new Option<string>("--symbol") { DefaultValueFactory = _ => QueryDefaults.Symbol, Description = "Symbol." };
        var from = new Option<string?>("--from") { Description = "Start, ISO 8601: yyyy-MM-dd or yyyy-MM-ddTHH:mm with Z or an offset (none: UTC); default: first trade." };
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
            var analysis = LiquidationAnalysis.ForFile(Workspace.StorePath(parse.GetValue(db), StoreUse.Read), parse.GetValue(tiers), AnalysisLimits.Local); // the user's own machine: no cap on the trades a map streams
            var result = analysis.Map(new MapQuery(parse.GetValue(symbol)!, TimeWindow.Parse(parse.GetValue(from), parse.GetValue(to), "--from", "--to"),
                MapQuery.ParseFilter(parse.GetValue(mode), parse.GetValue(threshold), "--mode", "--threshold"), parse.GetValue(mix), parse.GetValue(binWidth)));
            var path = Path.GetFullPath(parse.GetValue(output)!);
            result.Figure().SaveHtml(path);
            console.MarkupLine($"Wrote {Markup.Escape(path)} ({result.Trades.SelectedCount:N0} trades selected, {result.Map.Bins.Count} bins of {result.Map.Bins.Width:G4} USD)");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>Parses --from/--to (<see cref="TimeWindow.Parse"/>): open ends become the extreme times.</summary>
    internal static (DateTime From, DateTime To) Range(string? from, string? to)
    {
        var w = TimeWindow.Parse(from, to, "--from", "--to");
        return (w.Start, w.End);
    }
}
