using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidationLab.Analysis;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab levels</c>: liquidation prices for a batch of leverages, as a table or JSON.</summary>
internal static class LevelsCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly Dictionary<string, string> OptionNames = new(StringComparer.Ordinal)
    {
        ["entry_price"] = "--entry", ["quantity"] = "--quantity", ["leverage_levels"] = "--leverage", ["mark"] = "--mark", ["venue"] = "--venue", ["symbol"] = "--symbol",
    };

    public static Command Create()
    {
        var venue = new Option<string>("--venue")
        {
            Description = "Venue whose margin model computes the levels: binance (USDⓈ-M), bybit (linear), okx (USDT swaps) or hyperliquid.",
            DefaultValueFactory = _ => VenueInfo.Name(QueryDefaults.Venue),
        };
        var symbol = new Option<string>("--symbol")
        {
            Description = "The venue's instrument with a tier table data/tiers/<venue folder>/<INSTRUMENT>.json: BTCUSDT (binance, bybit), BTC-USDT-SWAP (okx), BTC (hyperliquid).",
            DefaultValueFactory = _ => QueryDefaults.Symbol,
        };
        var entry = new Option<decimal>("--entry") { Description = "Entry price, USDT.", Required = true };
        var quantity = new Option<decimal>("--quantity") { Description = "Position size in base units (BTC for BTCUSDT).", DefaultValueFactory = _ => 1m };
        var leverage = new Option<int[]>("--leverage")
        {
            Description = "Leverages, comma-separated or repeated.",
            DefaultValueFactory = _ => [5, 10, 25, 50, 100, 125],
            CustomParser = ParseLeverages,
            AllowMultipleArgumentsPerToken = true,
        };
        var margin = new Option<MarginMode[]>("--margin")
        {
            Description = "Margin modes: isolated, cross, or both (space- or comma-separated).",
            DefaultValueFactory = _ => [MarginMode.Isolated],
            CustomParser = ParseMarginModes,
            AllowMultipleArgumentsPerToken = true,
        };
        var side = new Option<string>("--side") { Description = "long, short or both.", DefaultValueFactory = _ => "both" };
        side.AcceptOnlyFromAmong("long", "short", "both");
        var mark = new Option<decimal?>("--mark") { Description = "Mark price for distances, USDT (default: the entry price)." };
        var walletBalance = new Option<decimal?>("--wallet-balance") { Description = "Cross: cross wallet balance WB, USDT (default: each leverage's initial margin, no other positions)." };
        var otherMm = new Option<decimal>("--other-mm") { Description = "Cross: maintenance margin of the other positions (TMM1), USDT.", DefaultValueFactory = _ => 0m };
        var otherUpnl = new Option<decimal>("--other-upnl") { Description = "Cross: unrealized PnL of the other positions (UPNL1), USDT.", DefaultValueFactory = _ => 0m };
        var tiers = new Option<string?>("--tiers")
        {
            Description = "Directory of your own tier tables, read before the shipped ones: Binance tables in it, other venues' in its bybit-linear/, okx-swap/, hyperliquid/ (default: LIQLAB_TIERS).",
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };

        var cmd = new Command("levels", "Liquidation prices, distance and risk for a batch of leverages, from the venue's margin model and tier table (default: the exact Binance USDⓈ-M formula with maintenance-margin brackets).")
        {
            venue, symbol, entry, quantity, leverage, margin, side, mark, walletBalance, otherMm, otherUpnl, tiers, json,
        };
        cmd.SetAction((parse, _) =>
        {
            var wb = parse.GetValue(walletBalance);
            var mm = parse.GetValue(otherMm);
            var upnl = parse.GetValue(otherUpnl);
            if (wb is null && (mm != 0 || upnl != 0))
                throw new ArgumentException("--other-mm and --other-upnl need --wallet-balance (the cross wallet balance).");
            // Levels read no market data: the store access is never opened.
            var analysis = new LiquidationAnalysis(new FileStoreAccess(Workspace.ResolveStore(null)), VenueTierTableStore.Locate(parse.GetValue(tiers)));
            LevelsResult result;
            try
            {
                result = analysis.Levels(new LevelsQuery(parse.GetValue(symbol)!, parse.GetValue(entry), parse.GetValue(quantity), parse.GetValue(leverage)!,
                    parse.GetValue(margin)!, LevelsQuery.ParseSides(parse.GetValue(side), "--side"), parse.GetValue(mark),
                    wb is null ? null : new CrossMarginAccount(wb.Value, mm, upnl), LevelsQuery.ParseVenue(parse.GetValue(venue), "--venue")));
            }
            catch (QueryParameterException e) when (OptionNames.TryGetValue(e.Parameter, out var option))
            {
                throw new QueryParameterException(option, e.Problem); // the layer names API parameters; say the option typed here
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) WriteJson(output, result);
            else WriteTable(output, result);
            return Task.FromResult(0);
        });
        return cmd;
    }

    // The option parsers are the application layer's (one grammar for CLI and API), errors reported as usage errors.
    private static int[] ParseLeverages(ArgumentResult result) => Usage(result, () => LevelsQuery.ParseLeverages(result.Tokens.Select(t => t.Value), "--leverage").ToArray(), []);

    private static MarginMode[] ParseMarginModes(ArgumentResult result) => Usage(result, () => LevelsQuery.ParseMarginModes(result.Tokens.Select(t => t.Value), "--margin").ToArray(), []);

    private static T Usage<T>(ArgumentResult result, Func<T> parse, T fallback)
    {
        try
        {
            return parse();
        }
        catch (QueryParameterException e)
        {
            result.AddError(e.Message);
            return fallback;
        }
    }

    private static void WriteTable(TextWriter output, LevelsResult result)
    {
        var (table, request, rows) = (result.Table, result.Request, result.Rows);
        var binance = result.Venue == Venue.BinanceUsdm;
        // Prices to the symbol's tick (BTCUSDT 0.10 → 1 decimal, XRPUSDT 0.0001 → 4); notionals to the cent.
        var decimals = result.PriceDecimals;
        var format = "#,0." + new string('0', decimals);
        string Price(decimal v) => v.ToString(decimals == 0 ? "#,0" : format, CultureInfo.InvariantCulture);
        static string Usd(decimal v) => v.ToString("#,0.00", CultureInfo.InvariantCulture);
        var quote = result.Venue == Venue.Hyperliquid ? "USDC" : "USDT";
        var console = Terminal.Console(output);
        var notional = request.QuantityBase * request.EntryPrice;
        console.MarkupLine(Markup.Escape(
            $"{(binance ? "" : VenueInfo.Name(result.Venue) + " ")}{table.Symbol} {request.QuantityBase.ToString(CultureInfo.InvariantCulture)} @ {Price(request.EntryPrice)} {quote} " +
            $"(notional {Usd(notional)} {quote}) · {(binance ? "brackets" : "tiers")} effective {table.EffectiveDate:yyyy-MM-dd} · distance from " +
            $"{Price(request.ReferencePrice ?? request.EntryPrice)}"));
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("Leverage", c => c.RightAligned());
        t.AddColumn("Side");
        if (request.MarginModes.Count > 1 || request.MarginModes[0] != MarginMode.Isolated) t.AddColumn("Margin");
        t.AddColumn(binance ? "Bracket" : "Tier", c => c.RightAligned());
        t.AddColumn("MMR", c => c.RightAligned());
        t.AddColumn("Liquidation price", c => c.RightAligned());
        t.AddColumn("Distance %", c => c.RightAligned());
        t.AddColumn("Risk");
        var withMode = t.Columns.Count == 8;
        foreach (var r in rows)
        {
            var cells = new List<string> { $"{r.Leverage}x", r.Side == PositionSide.Long ? "[green]long[/]" : "[red]short[/]" };
            if (withMode) cells.Add(r.MarginMode.ToString().ToLowerInvariant());
            if (r.Result is null)
            {
                cells.AddRange(["-", "-", $"[grey]{Markup.Escape(r.Rejection ?? "not allowed")}[/]", "-", "-"]);
            }
            else
            {
                var res = r.Result;
                cells.Add(res.Tier.Number.ToString(CultureInfo.InvariantCulture));
                cells.Add((res.MaintenanceMarginRate * 100m).ToString("0.###", CultureInfo.InvariantCulture) + "%");
                cells.Add(res.IsLiquidatable ? Price(res.LiquidationPrice) : "-- (none)");
                cells.Add(r.Distance!.Value.DistancePercent.ToString("0.00", CultureInfo.InvariantCulture));
                cells.Add(r.Risk switch
                {
                    RiskLevel.High => "[red]high[/]",
                    RiskLevel.Medium => "[yellow]medium[/]",
                    _ => "[green]low[/]",
                });
            }
            t.AddRow(cells.ToArray());
        }
        console.Write(t);
        console.MarkupLine(Markup.Escape($"Risk: high < {request.RiskThresholds.HighBelowPercent}% ≤ medium < {request.RiskThresholds.MediumBelowPercent}% ≤ low (adverse move to liquidation)."));
    }

    private static void WriteJson(TextWriter output, LevelsResult result) =>
        output.WriteLine(JsonSerializer.Serialize(result.Document(), Json));
}
