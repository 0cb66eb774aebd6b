using System.Globalization;
using LiquidationLab.Charts;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;

namespace LiquidationLab.Analysis;

/// <summary>The <c>levels</c> rows of a <see cref="LevelsQuery"/>.</summary>
/// <param name="Query">The query.</param>
/// <param name="Model">The venue's margin model used (its tier table is <see cref="Table"/>).</param>
/// <param name="Request">The request as the calculator saw it (defaults filled in).</param>
/// <param name="Rows">One row per leverage × side × margin mode; a row the venue rejects carries the reason.</param>
public sealed record LevelsResult(LevelsQuery Query, IMarginModel Model, LiquidationLevelsRequest Request, IReadOnlyList<VenueLiquidationLevel> Rows)
{
    /// <summary>The venue.</summary>
    public Venue Venue => Model.Venue;

    /// <summary>The tier table used (Binance: its brackets as tiers; deduction = <c>cum</c>).</summary>
    public MarginTierTable Table => Model.Tiers;

    /// <summary>Decimals to show prices with: the table's tick's (0.10 → 1), else 2.</summary>
    public int PriceDecimals => Table.TickSize is { } tick ? PriceTicks.Decimals(tick) : 2;

    /// <summary>The rows as a serialisable document (prices rounded to 8 decimals), the one shape <c>levels --json</c> and
    /// <c>GET /liquidations/levels</c> print, each in its own naming convention.</summary>
    public LevelsDocument Document()
    {
        static decimal R(decimal v) => Math.Round(v, 8, MidpointRounding.AwayFromZero);
        static decimal? Rn(decimal? v) => v is { } x ? R(x) : null;
        var q = Request;
        return new LevelsDocument(VenueInfo.Name(Venue), Table.Symbol, Table.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Table.Source,
            q.EntryPrice, q.QuantityBase, q.QuantityBase * q.EntryPrice, q.ReferencePrice ?? q.EntryPrice,
            new RiskThresholdsPercent(q.RiskThresholds.HighBelowPercent, q.RiskThresholds.MediumBelowPercent),
            Rows.Select(l => new LevelRow(l.Leverage, l.Side == PositionSide.Long ? "long" : "short", l.MarginMode == MarginMode.Cross ? "cross" : "isolated",
                l.Result?.Tier.Number, l.Result?.MaintenanceMarginRate, l.Result?.Tier.MaintenanceDeductionUsd, Rn(l.Result?.LiquidationPrice), l.Result?.IsLiquidatable,
                Rn(l.Result?.BankruptcyPrice), Rn(l.Distance?.DistanceUsd), Rn(l.Distance?.DistancePercent),
                l.Result is null ? null : l.Risk?.ToString().ToLowerInvariant(), l.Rejection)).ToArray(), Table.TickSize, PriceDecimals);
    }
}

/// <summary>Risk thresholds in percent of adverse move.</summary>
/// <param name="High">High below this.</param>
/// <param name="Medium">Medium below this (low above).</param>
public sealed record RiskThresholdsPercent(decimal High, decimal Medium);

/// <summary>One levels row: the position's bracket (tier), rates, prices (quote currency), distance and risk, or why the leverage is
/// not allowed. <c>Bracket</c> is the 1-based tier number; <c>MaintenanceAmountUsd</c> the tier's deduction (Binance <c>cum</c>,
/// Bybit <c>mmDeduction</c>, Hyperliquid's maintenance deduction, 0 on OKX).</summary>
public sealed record LevelRow(int Leverage, string Side, string MarginMode, int? Bracket, decimal? MaintenanceMarginRate, decimal? MaintenanceAmountUsd,
    decimal? LiquidationPrice, bool? Liquidatable, decimal? BankruptcyPrice, decimal? DistanceUsd, decimal? DistancePercent, string? Risk, string? Rejection);

/// <summary>The levels of one position: the table used, the request and the rows. Prices are exact to 8 decimals; a front end
/// shows them with <paramref name="PriceDecimals"/> (the symbol's tick).</summary>
/// <param name="Venue">The venue's user name: <c>binance</c>, <c>bybit</c>, <c>okx</c> or <c>hyperliquid</c>.</param>
/// <param name="Symbol">The venue's instrument.</param>
/// <param name="BracketsEffectiveDate">The tier table's effective date, yyyy-MM-dd.</param>
/// <param name="BracketsSource">The tier table's provenance.</param>
/// <param name="EntryPrice">Entry price, USDT.</param>
/// <param name="QuantityBase">Position size, base units.</param>
/// <param name="NotionalUsd">Entry notional, USD.</param>
/// <param name="ReferencePrice">The price distances are measured from (mark, else entry), USDT.</param>
/// <param name="RiskThresholdsPercent">The risk-level thresholds.</param>
/// <param name="Levels">One row per leverage × side × margin mode.</param>
/// <param name="TickSize">The symbol's price tick (USDT), null when its table has none.</param>
/// <param name="PriceDecimals">Decimals to show prices with: the tick's (0.10 → 1), else 2.</param>
public sealed record LevelsDocument(string Venue, string Symbol, string BracketsEffectiveDate, string BracketsSource, decimal EntryPrice, decimal QuantityBase,
    decimal NotionalUsd, decimal ReferencePrice, RiskThresholdsPercent RiskThresholdsPercent, IReadOnlyList<LevelRow> Levels, decimal? TickSize, int PriceDecimals);

/// <summary>A time-evolving heatmap and what went into it: of Binance USDⓈ-M alone (the default), or the sum of several venues'
/// maps on one price grid and time axis (<see cref="VenueMaps"/>).</summary>
/// <param name="Query">The query.</param>
/// <param name="Table">The Binance tier table used; null when Binance is not among the venues.</param>
/// <param name="Candles">The candles of the price path, by time (the aggregate's: its first venue with candles of its own).</param>
/// <param name="OpenInterestCandles">How many carry open interest (the aggregate: candles where at least one venue's does).</param>
/// <param name="Mix">The leverage mix.</param>
/// <param name="CandlesPerColumn">Candles per heatmap column.</param>
/// <param name="Result">The model's output: levels open at the end, the grid, liquidations per candle (the aggregate: sums).</param>
/// <param name="Totals">Created, consumed, closed and open notional, USD (the aggregate: sums over the venues).</param>
/// <param name="FrozenOpenInterest">Spans where an OI source stopped updating (shaded on the chart).</param>
/// <param name="EndMap">The levels open after the last candle as a liquidation map on the grid's bins.</param>
/// <param name="Title">Chart title (an aggregate's names its venue set).</param>
/// <param name="VenueMaps">Per venue, in the order asked: its instrument, margin model, the OI and candle series used, its map and
/// totals; null for the default query (Binance alone, read as before venues existed).</param>
/// <param name="LeftOut">Venues of <c>venues=all</c> left out, each with the reason; empty otherwise.</param>
public sealed record HeatmapResult(HeatmapQuery Query, LeverageBracketTable? Table, Candle[] Candles, int OpenInterestCandles, LeverageMix Mix, int CandlesPerColumn,
    LiquidationModelResult Result, TimeEvolvingTotals Totals, IReadOnlyList<FrozenSpan> FrozenOpenInterest, LiquidationMap EndMap, string Title,
    IReadOnlyList<VenueHeatmap>? VenueMaps = null, IReadOnlyList<VenueLeftOut>? LeftOut = null)
{
    /// <summary>The time × price grid of open liquidation notional, USD per bin.</summary>
    public TimePriceGrid Grid => Result.Heatmap!;

    /// <summary>The symbol: the Binance table's (default query), else the user's asset (e.g. <c>BTC</c>) for a venue set.</summary>
    public string Symbol => VenueMaps is null ? Table!.Symbol : VenueInfo.BaseAsset(Query.Symbol) ?? Query.Symbol;

    /// <summary>The venues whose maps the grid sums, by user name (<c>binance</c> for the default query).</summary>
    public IReadOnlyList<string> VenueNames => VenueMaps is null ? [VenueInfo.Name(Venue.BinanceUsdm)] : VenueMaps.Select(v => v.Name).ToArray();

    /// <summary>The venue set as a label: <c>binance</c>, <c>binance + hyperliquid</c>.</summary>
    public string VenueSet => string.Join(" + ", VenueNames);

    /// <summary>Decimals prices are shown with: the Binance table's tick's, else the first venue's table's, else 2.</summary>
    public int PriceDecimals => Table?.PriceDecimals
        ?? (VenueMaps is [var first, ..] && first.Margin.Tiers.TickSize is { } tick ? PriceTicks.Decimals(tick) : 2);

    /// <summary>The heatmap with the price path (dark theme, colour bar in USD, frozen OI shaded).</summary>
    public Figure HeatmapFigure() => LiquidationCharts.Heatmap(Grid, Candles, Title, FrozenOpenInterest, PriceDecimals);

    /// <summary>The liquidation map of the last column.</summary>
    public Figure EndMapFigure() => LiquidationCharts.Map(EndMap,
        $"Open liquidation levels at the end of the window ({Result.Model}{(VenueMaps is null ? "" : ", venues " + VenueSet)})", PriceDecimals);

    /// <summary>One sentence: candles, OI coverage and the model's totals; for a venue set, each venue's open notional, the
    /// series it used and the venues left out.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Candles.Length:N0} candles ({OpenInterestCandles:N0} with open interest). Created {Totals.CreatedUsd:N0} USD of positions, " +
        $"liquidated {Totals.ConsumedUsd:N0}, closed by OI decreases {Totals.ClosedUsd:N0}, open at the end {Totals.OpenUsd:N0}.") + VenueSummary;

    private string VenueSummary => VenueMaps is null ? "" :
        $" Venues {VenueSet}: " + string.Join("; ", VenueMaps.Select(v => string.Create(CultureInfo.InvariantCulture,
            $"{v.Name} {v.Instrument} open {v.Totals.OpenUsd:N0} USD (OI {v.OpenInterest.Describe()}; candles {v.Candles.Describe()})"))) + "." +
        (LeftOut is { Count: > 0 } ? " Left out: " + string.Join("; ", LeftOut.Select(l => $"{VenueInfo.Name(l.Venue)} ({l.Reason})")) + "." : "");
}

/// <summary>A stored series a venue's heatmap read.</summary>
/// <param name="Venue">The store's venue (<c>binance-usdm</c>, <c>hyperliquid</c>, …).</param>
/// <param name="Symbol">The store's symbol (the venue's instrument).</param>
/// <param name="Source">The rows' source (open interest: e.g. <c>coinglass</c>, <c>group-m-hourly</c>; candles: <c>klines perp</c>).</param>
/// <param name="Interval">The interval, e.g. <c>1h</c>.</param>
/// <param name="Rows">Rows used (after the common time axis).</param>
public sealed record SeriesUsed(string Venue, string Symbol, string Source, string Interval, int Rows)
{
    /// <summary><c>hyperliquid BTC group-m-hourly 1h, 744 rows</c>.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Venue} {Symbol} {Source} {Interval}, {Rows:N0} rows");
}

/// <summary>One venue's part of a heatmap.</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Instrument">Its instrument for the user's symbol (<see cref="VenueInfo.Instrument"/>).</param>
/// <param name="Margin">Its margin model (tier table with source and effective date).</param>
/// <param name="OpenInterest">The open-interest series used.</param>
/// <param name="Candles">The candle series of its price path: its own, or another venue's when the query names a price venue.</param>
/// <param name="OpenInterestCandles">Candles carrying this venue's open interest.</param>
/// <param name="Result">Its run: grid on the common price axis and time columns, levels, liquidations, totals.</param>
public sealed record VenueHeatmap(Venue Venue, string Instrument, IMarginModel Margin, SeriesUsed OpenInterest, SeriesUsed Candles, int OpenInterestCandles,
    LiquidationModelResult Result)
{
    /// <summary>The venue's user name (<c>binance</c>, <c>hyperliquid</c>).</summary>
    public string Name => VenueInfo.Name(Venue);

    /// <summary>Its grid, USD per bin.</summary>
    public TimePriceGrid Grid => Result.Heatmap!;

    /// <summary>Its totals, USD.</summary>
    public TimeEvolvingTotals Totals => Result.Totals!.Value;
}

/// <summary>A venue of <c>venues=all</c> that the result leaves out.</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Reason">What it lacks (e.g. no 1h open interest of BTCUSDT in the window).</param>
public sealed record VenueLeftOut(Venue Venue, string Reason);

/// <summary>A liquidation map from large trades.</summary>
/// <param name="Query">The query.</param>
/// <param name="Table">The tier table used.</param>
/// <param name="Trades">What the filter selected (count, price range; the trades themselves were streamed, not kept) and what the window held.</param>
/// <param name="Map">Liquidation notional per tier, side and price bin, with cumulative curves.</param>
/// <param name="Title">Chart title.</param>
public sealed record MapResult(MapQuery Query, LeverageBracketTable Table, TradeSelectionSummary Trades, LiquidationMap Map, string Title)
{
    /// <summary>The map chart.</summary>
    public Figure Figure() => LiquidationCharts.Map(Map, Title, Table.PriceDecimals);

    /// <summary>The densest bin of each side: price, distance from the current price (%) and notional (USD); null for a side without levels.</summary>
    public (double Price, double DistancePercent, double NotionalUsd)? DensestCluster(PositionSide side)
    {
        var bins = Enumerable.Range(0, Map.Bins.Count)
            .Where(b => side == PositionSide.Long ? Map.Bins.Center(b) < Map.CurrentPrice : Map.Bins.Center(b) > Map.CurrentPrice)
            .Where(b => Map.BinTotal(side, b) > 0).ToArray();
        if (bins.Length == 0) return null;
        var top = bins.MaxBy(b => Map.BinTotal(side, b));
        return (Map.Bins.Center(top), 100 * (Map.Bins.Center(top) / Map.CurrentPrice - 1), Map.BinTotal(side, top));
    }

    /// <summary>One sentence: trades selected, totals per side, the densest clusters.</summary>
    public string Summary
    {
        get
        {
            double Total(double[,] a) { var t = 0.0; foreach (var v in a) t += v; return t; }
            string Cluster(PositionSide side) => DensestCluster(side) is { } c
                ? string.Create(CultureInfo.InvariantCulture, $"{c.Price:N0} ({c.DistancePercent:+0.00;−0.00} %)") : "none";
            return string.Create(CultureInfo.InvariantCulture,
                $"{Trades.SelectedCount:N0} of {Trades.TradeCount:N0} trades selected; longs {Total(Map.LongUsd) / 1e6:N2} M USD, shorts {Total(Map.ShortUsd) / 1e6:N2} M USD " +
                $"around {Map.CurrentPrice:N1}. Densest long cluster {Cluster(PositionSide.Long)}, densest short cluster {Cluster(PositionSide.Short)}.");
        }
    }
}

/// <summary>One model of a comparison: its result, or why it could not run.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Window"><c>trade</c> or <c>candle</c>: the data it ran on.</param>
/// <param name="Result">Its levels, or null when it did not run.</param>
/// <param name="CurrentPrice">The window's last price.</param>
/// <param name="NotRun">Why it did not run, or null.</param>
public sealed record ModelOutcome(string Model, string Window, LiquidationModelResult? Result, double? CurrentPrice, string? NotRun)
{
    /// <summary>The levels' prices as percent distance from the window's price (models of different windows compare by shape).</summary>
    public LiquidationModelResult? Relative() => Result is null || CurrentPrice is not { } p ? null
        : new LiquidationModelResult($"{Result.Model} ({Window})", Result.Levels.Select(l => l with { Price = 100 * (l.Price / p - 1) }).ToArray());
}

/// <summary>Every model on one symbol.</summary>
/// <param name="Query">The query.</param>
/// <param name="TradeWindow">The trade window used (null: the store has no trades for the symbol).</param>
/// <param name="CandleWindow">The candle window used (null: no candles).</param>
/// <param name="Trades">Trades read.</param>
/// <param name="Candles">Candles read.</param>
/// <param name="FundingObservations">Funding rates read (for the funding-adjusted model).</param>
/// <param name="Models">Each model's outcome.</param>
/// <param name="EnsembleSkipped">Components the ensemble skipped, with the reason.</param>
public sealed record CompareResult(CompareQuery Query, DataWindow? TradeWindow, DataWindow? CandleWindow, int Trades, int Candles, int FundingObservations,
    IReadOnlyList<ModelOutcome> Models, IReadOnlyList<string> EnsembleSkipped)
{
    /// <summary>Bins of the relative comparison: −30 % to +30 % of the price in 0.5 % steps.</summary>
    public static PriceBins RelativeBins { get; } = new(-30, 0.5, 120);

    /// <summary>Per model that ran: levels, the long share of its notional, the notional-weighted mean distance of its long
    /// and short levels from the price (%), and the share within 5 % of the price.</summary>
    public IReadOnlyList<ModelShape> Shapes() => Models.Select(m => m.Relative()).OfType<LiquidationModelResult>().Select(r =>
    {
        var total = r.Levels.Sum(l => l.NotionalUsd);
        double Mean(PositionSide side)
        {
            var ls = r.Levels.Where(l => l.Side == side).ToArray();
            var n = ls.Sum(l => l.NotionalUsd);
            return n == 0 ? double.NaN : ls.Sum(l => l.Price * l.NotionalUsd) / n;
        }
        return new ModelShape(r.Model, r.Levels.Count, r.Levels.Where(l => l.Side == PositionSide.Long).Sum(l => l.NotionalUsd) / total,
            Mean(PositionSide.Long), Mean(PositionSide.Short), r.Levels.Where(l => Math.Abs(l.Price) <= 5).Sum(l => l.NotionalUsd) / total);
    }).ToList();

    /// <summary>Every model that ran, by distance from its window's price.</summary>
    public Figure Figure() => LiquidationCharts.ModelComparison(Models.Select(m => m.Relative()).OfType<LiquidationModelResult>().ToList(), RelativeBins, 0,
        $"{Query.Symbol}: liquidation notional by distance from the current price (%)", "distance from the current price (%)");
}

/// <summary>Where a model puts its liquidation notional relative to the price.</summary>
/// <param name="Model">Model (and window).</param>
/// <param name="Levels">Levels it produced.</param>
/// <param name="LongShare">Share of its notional on long levels (0…1).</param>
/// <param name="MeanLongDistancePercent">Notional-weighted mean distance of its long levels from the price, % (negative: below).</param>
/// <param name="MeanShortDistancePercent">The same for short levels (positive: above).</param>
/// <param name="Within5PercentShare">Share of its notional within 5 % of the price (0…1).</param>
public sealed record ModelShape(string Model, int Levels, double LongShare, double MeanLongDistancePercent, double MeanShortDistancePercent, double Within5PercentShare);

/// <summary>One period of a history: the real totals and the model's predicted liquidations.</summary>
/// <param name="PeriodStart">Period start, UTC.</param>
/// <param name="Close">The period's closing price.</param>
/// <param name="RealLongUsd">Longs liquidated (real totals), USD.</param>
/// <param name="RealShortUsd">Shorts liquidated, USD.</param>
/// <param name="ModelLongUsd">Longs the time-evolving model liquidates in the period (model notional, USD: the model's scale, not the market's).</param>
/// <param name="ModelShortUsd">Shorts the model liquidates.</param>
public sealed record HistoryPeriod(DateTime PeriodStart, double Close, double RealLongUsd, double RealShortUsd, double ModelLongUsd, double ModelShortUsd);

/// <summary>Real liquidations next to the model's, per period, and the stored prints.</summary>
/// <param name="Query">The query.</param>
/// <param name="CandleSource">Which candles were read (or how they were built).</param>
/// <param name="TotalsSource">Which totals were read (or how they were summed).</param>
/// <param name="Scope">The totals' exchange scope.</param>
/// <param name="Periods">Periods with both a candle and a total, by time.</param>
/// <param name="Prints">Individual liquidation orders in the window.</param>
/// <param name="Spearman">Rank correlation of the model's and the real totals per period (NaN under 3 periods, or when either
/// side is constant: <paramref name="Note"/> says why).</param>
/// <param name="OpenInterestPeriods">Periods whose candle carries open interest (the model opens positions only from OI).</param>
/// <param name="Note">Why <paramref name="Spearman"/> is undefined, in the user's terms, or null.</param>
public sealed record HistoryResult(HistoryQuery Query, string CandleSource, string TotalsSource, string Scope, IReadOnlyList<HistoryPeriod> Periods,
    IReadOnlyList<LiquidationPrint> Prints, double Spearman, int OpenInterestPeriods = 0, string? Note = null)
{
    /// <summary>Model vs real liquidations per period, the scatter and the error distribution.</summary>
    public Figure Figure() => LiquidationCharts.Backtest(Periods.Select(p => p.PeriodStart).ToArray(), Periods.Select(p => p.ModelLongUsd + p.ModelShortUsd).ToArray(),
        Periods.Select(p => p.RealLongUsd + p.RealShortUsd).ToArray(), $"{Query.Symbol} {Query.Market} {Query.Interval}: real liquidations ({Scope}) and the time-evolving model's");
}
