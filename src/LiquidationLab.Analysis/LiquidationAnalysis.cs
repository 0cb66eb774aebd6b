using System.Globalization;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Heatmaps;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;
using LiquidationLab.Data.Tiers;

namespace LiquidationLab.Analysis;

/// <summary>
/// The application layer: runs <see cref="LevelsQuery"/>, <see cref="HeatmapQuery"/>, <see cref="MapQuery"/>,
/// <see cref="CompareQuery"/> and <see cref="HistoryQuery"/> — validation, store reads, model, result. The CLI commands,
/// the notebooks and the REST API all call it, so a parameter means the same everywhere. Thread-safe (each query reads
/// through its own store access).
/// </summary>
/// <param name="store">How the store is read.</param>
/// <param name="venues">The tier tables of every venue (Binance's leverage brackets among them).</param>
/// <param name="limits">Upper bounds per query (default <see cref="AnalysisLimits.Default"/>).</param>
public sealed partial class LiquidationAnalysis(IStoreAccess store, VenueTierTableStore venues, AnalysisLimits? limits = null)
{
    /// <summary>Uses <paramref name="tiers"/> for Binance and the other venues' shipped tables (found as
    /// <see cref="VenueTierTableStore.WithShipped"/> finds them).</summary>
    /// <param name="store">How the store is read.</param>
    /// <param name="tiers">The Binance USDⓈ-M leverage-bracket tables.</param>
    /// <param name="limits">Upper bounds per query (default <see cref="AnalysisLimits.Default"/>).</param>
    public LiquidationAnalysis(IStoreAccess store, LeverageBracketTableStore tiers, AnalysisLimits? limits = null)
        : this(store, VenueTierTableStore.WithShipped(tiers ?? throw new ArgumentNullException(nameof(tiers))), limits)
    {
    }

    /// <summary>The store.</summary>
    public IStoreAccess Store { get; } = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>Every venue's tier tables.</summary>
    public VenueTierTableStore Venues { get; } = venues ?? throw new ArgumentNullException(nameof(venues));

    /// <summary>The Binance USDⓈ-M tier tables (the heatmap, map, compare and history queries' tables).</summary>
    public LeverageBracketTableStore Tiers => Venues.Binance;

    /// <summary>The limits.</summary>
    public AnalysisLimits Limits { get; } = limits ?? AnalysisLimits.Default;

    /// <summary>The narrowest price bin a map accepts, USD (1e-8: finer than any tick).</summary>
    public const double MinBinWidthUsd = 1e-8;

    /// <summary>The widest price bin a map accepts, USD (1e9).</summary>
    public const double MaxBinWidthUsd = 1e9;

    /// <summary>The models <see cref="HeatmapQuery"/> accepts.</summary>
    public static IReadOnlyList<string> HeatmapModels { get; } = [TimeEvolvingModel.ModelName, TurnoverModel.ModelName];

    /// <summary>Opens the store file at <paramref name="path"/> through short-lived read-only connections.</summary>
    public static LiquidationAnalysis ForFile(string path, string? tierDirectory = null, AnalysisLimits? limits = null) =>
        new(new FileStoreAccess(path), VenueTierTableStore.Locate(tierDirectory), limits);

    /// <summary>Uses an open store (a notebook's, on the user's own machine: <see cref="AnalysisLimits.Local"/>) and the
    /// tier tables found the usual way.</summary>
    public static LiquidationAnalysis ForStore(LabStore store, string? tierDirectory = null) =>
        new(new OpenStoreAccess(store), VenueTierTableStore.Locate(tierDirectory), AnalysisLimits.Local);

    /// <summary>Trades a map streams from the store per batch (default 65,536, about 2 MB): the map's memory besides its
    /// bins. Any size gives the same map.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public int MapBatchSize
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MapBatchSize), value, "At least one trade per batch.");
    } = 1 << 16;

    /// <summary>The symbol's tier table.</summary>
    /// <exception cref="LeverageBracketTableNotFoundException">No table: the message lists the symbols that have one.</exception>
    public LeverageBracketTable Table(string symbol)
    {
        if (string.IsNullOrWhiteSpace(symbol)) throw new QueryParameterException("symbol", "required, e.g. BTCUSDT.");
        return Tiers.Get(symbol);
    }

    /// <summary>The margin model of <paramref name="symbol"/> on <paramref name="venue"/>.</summary>
    /// <exception cref="QueryParameterException">No symbol given, or an unknown venue.</exception>
    /// <exception cref="LeverageBracketTableNotFoundException">Binance: no table (the message lists the symbols that have one).</exception>
    /// <exception cref="VenueTierTableNotFoundException">Another venue: no table (the message lists the venue's instruments).</exception>
    public IMarginModel MarginModel(Venue venue, string symbol)
    {
        if (!VenueInfo.All.Contains(venue))
            throw new QueryParameterException("venue", $"expected one of {string.Join(", ", VenueInfo.All.Select(VenueInfo.Name))}.");
        if (string.IsNullOrWhiteSpace(symbol))
            throw new QueryParameterException("symbol", venue == Venue.BinanceUsdm ? "required, e.g. BTCUSDT." : $"required; {VenueInfo.Name(venue)} has tables for: {string.Join(", ", Venues.Instruments(venue))}.");
        return Venues.Get(venue, symbol);
    }

    /// <summary>Liquidation price, tier, distance and risk for each leverage, side and margin mode, from the query's venue's
    /// margin model (<see cref="VenueLiquidationLevels.Compute"/>; on Binance the rows are those of <see cref="LiquidationLevels"/>).</summary>
    /// <exception cref="QueryParameterException">A non-positive price or quantity, a position beyond the venue's table, too many
    /// leverages, other cross positions without a wallet balance, an unknown venue.</exception>
    /// <exception cref="LeverageBracketTableNotFoundException">Binance: no tier table for the symbol.</exception>
    /// <exception cref="VenueTierTableNotFoundException">Another venue: no tier table for the instrument (the message lists the
    /// venue's instruments).</exception>
    public LevelsResult Levels(LevelsQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.EntryPrice <= 0) throw new QueryParameterException("entry_price", $"the entry price must be > 0 USDT, found {query.EntryPrice.ToString(CultureInfo.InvariantCulture)}.");
        if (query.QuantityBase <= 0) throw new QueryParameterException("quantity", $"the position quantity must be > 0 (base units), found {query.QuantityBase.ToString(CultureInfo.InvariantCulture)}.");
        if (query.EntryPrice > Limits.MaxPriceUsd)
            throw new QueryParameterException("entry_price", $"the entry price must be at most {Limits.MaxPriceUsd.ToString("N0", CultureInfo.InvariantCulture)} USDT, found {query.EntryPrice.ToString(CultureInfo.InvariantCulture)}.");
        if (query.ReferencePrice is <= 0) throw new QueryParameterException("mark", "the mark price must be > 0 USDT.");
        if (query.ReferencePrice > Limits.MaxPriceUsd)
            throw new QueryParameterException("mark", $"the mark price must be at most {Limits.MaxPriceUsd.ToString("N0", CultureInfo.InvariantCulture)} USDT, found {query.ReferencePrice.Value.ToString(CultureInfo.InvariantCulture)}.");
        if (query.CrossAccount is { } account)
        {
            if (account.WalletBalanceUsd < 0)
                throw new QueryParameterException("wallet_balance", $"the cross wallet balance must be ≥ 0 USDT, found {account.WalletBalanceUsd.ToString(CultureInfo.InvariantCulture)}.");
            if (account.WalletBalanceUsd > Limits.MaxWalletBalanceUsd)
                throw new QueryParameterException("wallet_balance", $"the cross wallet balance must be at most {Limits.MaxWalletBalanceUsd.ToString("N0", CultureInfo.InvariantCulture)} USDT, found {account.WalletBalanceUsd.ToString(CultureInfo.InvariantCulture)}.");
            if (account.OtherMaintenanceMarginUsd < 0 || account.OtherMaintenanceMarginUsd > Limits.MaxWalletBalanceUsd
                || Math.Abs(account.OtherUnrealizedPnlUsd) > Limits.MaxWalletBalanceUsd)
                throw new QueryParameterException("wallet_balance", "the other positions' maintenance margin must be ≥ 0 and both it and their unrealized PnL within the wallet-balance limit.");
        }
        if (query.Leverages.Count == 0) throw new QueryParameterException("leverage_levels", "give at least one leverage.");
        if (query.Leverages.Count > Limits.MaxLeverages)
            throw new QueryParameterException("leverage_levels", $"at most {Limits.MaxLeverages} leverages per request, found {query.Leverages.Count}.");
        if (query.Leverages.Any(l => l < 1)) throw new QueryParameterException("leverage_levels", "leverages are whole numbers ≥ 1.");
        var model = MarginModel(query.Venue, query.Symbol);
        var tiers = model.Tiers;
        var name = model.Venue == Venue.BinanceUsdm ? model.Symbol : $"{VenueInfo.Name(model.Venue)} {model.Symbol}";
        // The position must fit the table; the quantity is bounded first, so quantity × price (≤ 1e21) cannot overflow.
        if (query.QuantityBase > MaxVenueQuantityBase)
            throw new QueryParameterException("quantity", $"the position quantity must be at most {MaxVenueQuantityBase.ToString("N0", CultureInfo.InvariantCulture)} base units, found {query.QuantityBase.ToString(CultureInfo.InvariantCulture)}.");
        if (tiers.MaxSize is { } cap && (tiers.Basis == TierBasis.NotionalUsd ? query.QuantityBase * query.EntryPrice > cap : query.QuantityBase > cap * tiers.ContractValueBase!.Value))
            throw new QueryParameterException("quantity", tiers.Basis == TierBasis.NotionalUsd
                ? string.Create(CultureInfo.InvariantCulture, $"{query.QuantityBase} × {query.EntryPrice} USDT is above {name}'s largest {TierWord(model.Venue)} cap of {cap:N0} USDT notional.")
                : string.Create(CultureInfo.InvariantCulture, $"{query.QuantityBase} base units ({query.QuantityBase / tiers.ContractValueBase!.Value:0.##########} contracts of {tiers.ContractValueBase.Value}) is above {name}'s largest tier cap of {cap:N0} contracts."));
        var request = new LiquidationLevelsRequest
        {
            EntryPrice = query.EntryPrice,
            QuantityBase = query.QuantityBase,
            Leverages = query.Leverages,
            MarginModes = query.MarginModes.Count == 0 ? [MarginMode.Isolated] : query.MarginModes,
            Sides = query.Sides.Count == 0 ? [PositionSide.Long, PositionSide.Short] : query.Sides,
            ReferencePrice = query.ReferencePrice,
            CrossAccount = query.CrossAccount,
        };
        try
        {
            return new LevelsResult(query, model, request, VenueLiquidationLevels.Compute(model, request));
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is "notionalUsd" or "size" or "quantityBase")
        {
            // A short's notional at its liquidation price (above the entry) may leave the table though the entry's fits.
            throw new QueryParameterException("quantity", $"the position's notional at its liquidation price is above {name}'s largest {TierWord(model.Venue)} cap" +
                (tiers.MaxSize is { } c ? $" of {c.ToString("N0", CultureInfo.InvariantCulture)} {(tiers.Basis == TierBasis.NotionalUsd ? "USDT" : "contracts")}" : "") + ": use a smaller quantity.");
        }
    }

    /// <summary>Largest position quantity a levels query accepts, base units (1e12: the venue models' bound).</summary>
    public const decimal MaxVenueQuantityBase = 1_000_000_000_000m;

    private static string TierWord(Venue venue) => venue == Venue.BinanceUsdm ? "bracket" : "tier";

    /// <summary>The time-evolving model over the window's candles: the heatmap, the open levels at the end, totals. With
    /// <see cref="HeatmapQuery.Venues"/>, one map per venue from its own open interest, candles and tier table, summed on one
    /// price grid and time axis (see <see cref="HeatmapQuery"/>).</summary>
    /// <exception cref="QueryParameterException">An unknown model or interval, a bad mix, a window over the limits; with venues,
    /// a symbol naming no asset, <c>spot</c> candles, an <c>oi_symbol</c>, a price venue without candles.</exception>
    /// <exception cref="DataUnavailableException">No candles, or fewer than two with open interest; with venues, a named venue
    /// without open interest in the window, or without candles and no price venue (the message names the venue and the fix).</exception>
    /// <exception cref="LeverageBracketTableNotFoundException">No tier table for the symbol.</exception>
    /// <exception cref="VenueTierTableNotFoundException">A named venue has no tier table for the symbol's instrument.</exception>
    public HeatmapResult Heatmap(HeatmapQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!HeatmapModels.Contains(query.Model))
            throw new QueryParameterException("model", $"heatmaps need a time-aware model; '{query.Model}' is not one. Available: {string.Join(", ", HeatmapModels)}.");
        CheckInterval(query.Interval);
        if (query.CandlesPerColumn < 0) throw new QueryParameterException("candles_per_column", "must be ≥ 0 (0 chooses).");
        if (query.MaxColumns < 1) throw new QueryParameterException("max_columns", "must be ≥ 1.");
        var mix = ParseMix(query.Mix);
        if (query.Venues is not null)
        {
            if (query.Model != TimeEvolvingModel.ModelName)
                throw new QueryParameterException("model", $"a heatmap of venues runs the {TimeEvolvingModel.ModelName} model with each venue's margin model; '{query.Model}' prices Binance USDⓈ-M positions only: leave venues out, or use model={TimeEvolvingModel.ModelName}.");
            return HeatmapOfVenues(query, mix);
        }
        if (query.PriceVenue is not null)
            throw new QueryParameterException("price_venue", "applies to a heatmap of venues: give venues too (e.g. venues=binance,hyperliquid&price_venue=binance).");
        var table = Table(query.Symbol);
        var symbol = table.Symbol;
        var chosen = query.Market is null;
        var market = ChooseMarket(query.Market, symbol, query.Interval, query.Window);
        query = query with { Market = market };
        var candles = Store.Read(s => new MarketDataReader(s).Candles(symbol, query.Interval, query.Window.Start, query.Window.End, market, query.OpenInterestSymbol));
        if (candles.Length == 0)
            throw new DataUnavailableException($"No {market} {query.Interval} candles for {symbol} in {Describe(query.Window)} in {Store.Path}" +
                $"{StoredIntervals(symbol, market)}; run 'liqlab data ingest' first.");
        if (candles.Length > Limits.MaxCandles)
            throw new QueryParameterException("from", $"the window holds {candles.Length:N0} {query.Interval} candles; at most {Limits.MaxCandles:N0} per request: narrow from/to or use a longer interval.");
        var oiCount = candles.Count(c => double.IsFinite(c.OpenInterestUsd));
        if (oiCount < 2)
            throw new DataUnavailableException($"{candles.Length:N0} {symbol} {query.Interval} candles in {Describe(query.Window)} but only {oiCount} with open interest: the time-evolving model needs OI.");
        var perColumn = query.CandlesPerColumn > 0 ? query.CandlesPerColumn : Math.Max(1, (candles.Length + query.MaxColumns - 1) / query.MaxColumns);
        if ((candles.Length + perColumn - 1) / perColumn > Limits.MaxColumns)
            throw new QueryParameterException("candles_per_column", $"{candles.Length:N0} candles at {perColumn} per column make more than {Limits.MaxColumns:N0} columns.");
        // The turnover model runs with the frozen parameters (data/models/turnover-model.json) for this interval's bars, a given
        // mix replacing theirs.
        var turnover = query.Model == TurnoverModel.ModelName ? FrozenTurnover(query.Interval) : null;
        ILiquidationModel model = turnover is null ? new TimeEvolvingModel(mix, candlesPerColumn: perColumn)
            : new TurnoverModel(mix ?? turnover.Mix, new TurnoverSettings(turnover.TurnoverShare, turnover.HazardPerBar, turnover.LongTilt), candlesPerColumn: perColumn);
        var usedMix = model is TurnoverModel t ? t.Mix : ((TimeEvolvingModel)model).Mix;
        var result = model.Run(new MarketWindow(symbol, table, candles, [], []));
        var frozen = FrozenRuns.OpenInterest(candles);
        var grid = result.Heatmap!;
        var map = LiquidationMap.FromLevels(result.Levels, grid.Price, candles[^1].Close, usedMix.Tiers.Select(t => t.Leverage).ToArray());
        var title = string.Create(CultureInfo.InvariantCulture,
            $"{symbol} {query.Market} {query.Interval} liquidation heatmap ({model.Name}), {candles[0].OpenTime:yyyy-MM-dd HH:mm} – {candles[^1].OpenTime:yyyy-MM-dd HH:mm} UTC{(chosen ? $" ({query.Market}: the candles the store has)" : "")}");
        return new HeatmapResult(query, table, candles, oiCount, usedMix, perColumn, result, result.Totals!.Value, frozen, map, title);
    }

    /// <summary>
    /// Large trades selected inside DuckDB, each spread over the leverage mix: liquidation notional per price bin. The
    /// selection is counted and measured in the store first (limits checked before anything is read), then streamed through
    /// the model in batches of <see cref="MapBatchSize"/>: memory stays bounded however many trades the filter selects, and
    /// the map equals the in-memory <see cref="BinanceStandardModel.BuildMap"/>'s to the last bit (same trades, same order).
    /// </summary>
    /// <exception cref="QueryParameterException">A bad bin width or mix, a selection over <see cref="AnalysisLimits.MaxSelectedTrades"/>
    /// or <see cref="AnalysisLimits.MaxPriceBins"/>.</exception>
    /// <exception cref="DataUnavailableException">No trades in the window.</exception>
    /// <exception cref="LeverageBracketTableNotFoundException">No tier table for the symbol.</exception>
    public MapResult Map(MapQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.BinWidth is { } w && (!double.IsFinite(w) || w < MinBinWidthUsd || w > MaxBinWidthUsd))
            throw new QueryParameterException("bin_width", string.Create(CultureInfo.InvariantCulture, $"a bin width in USD between {MinBinWidthUsd:G} and {MaxBinWidthUsd:N0}, found {w:G}."));
        var mix = ParseMix(query.Mix);
        var table = Table(query.Symbol);
        var symbol = table.Symbol;
        var model = new BinanceStandardModel(TradeFilter.All, mix, priceBinWidth: query.BinWidth);
        // One read: the summary and the trades it describes come from the same connection (no writer in between).
        var (selection, map) = Store.Read<(TradeSelectionSummary, LiquidationMap?)>(s =>
        {
            var reader = new MarketDataReader(s);
            var summary = reader.SummarizeAggTradeSelection(symbol, query.Window.Start, query.Window.End, query.Filter);
            if (summary.TradeCount == 0) return (summary, null);
            if (Limits.MaxSelectedTrades is { } cap && summary.SelectedCount > cap)
                throw new QueryParameterException("threshold", $"the filter selects {summary.SelectedCount:N0} trades; at most {cap:N0} per request: narrow from/to or select fewer (a higher gross_value threshold, a smaller top_n or portion).");
            // The bin count follows from the width and the selected trades' price range: checked before the map is allocated.
            var bins = model.PlannedBinCount(summary.Selected, table, summary.LastPrice);
            if (!(bins <= Limits.MaxPriceBins))
                throw new QueryParameterException("bin_width", string.Create(CultureInfo.InvariantCulture,
                    $"a width of {query.BinWidth:G} USD makes {(double.IsFinite(bins) ? bins.ToString("N0", CultureInfo.InvariantCulture) : "uncountably many")} bins over the trades' price range; at most {Limits.MaxPriceBins:N0}: use a wider bin."));
            var builder = model.StartMap(summary.Selected, table, summary.LastPrice);
            reader.ReadSelectedAggTrades(summary, MapBatchSize, builder.Add);
            if (builder.Count != summary.SelectedCount)
                throw new InvalidOperationException($"The store gave {builder.Count:N0} trades for a selection counted at {summary.SelectedCount:N0}.");
            return (summary, builder.Complete());
        });
        if (map is null)
            throw new DataUnavailableException($"No aggregate trades for {symbol} in {Describe(query.Window)} in {Store.Path}{StoredTradeSpan(symbol)}.");
        var title = string.Create(CultureInfo.InvariantCulture,
            $"{symbol} liquidation map, {MapQuery.ModeName(query.Filter.Mode)} {query.Filter.Threshold}: {selection.SelectedCount:N0} of {selection.TradeCount:N0} trades, " +
            $"{selection.FirstTime:yyyy-MM-dd HH:mm} – {selection.LastTime:yyyy-MM-dd HH:mm} UTC");
        return new MapResult(query, table, selection, map, title);
    }

    /// <summary>
    /// Every model on the symbol: the standard, funding-adjusted and open-interest-profile models on the trade window,
    /// the time-evolving and ensemble models on the candle window; a model that cannot run says why instead.
    /// </summary>
    /// <exception cref="QueryParameterException">A bad interval or portion.</exception>
    /// <exception cref="DataUnavailableException">Neither trades nor candles for the symbol.</exception>
    public CompareResult Compare(CompareQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckInterval(query.Interval);
        if (!(query.TradePortion > 0 && query.TradePortion <= 1)) throw new QueryParameterException("portion", "a fraction in (0, 1].");
        var table = Table(query.Symbol);
        var symbol = table.Symbol;
        var data = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            var tradeWindow = Resolve(query.TradeWindow, () => TradeSpan(s, symbol), TimeSpan.FromDays(1));
            var candleWindow = Resolve(query.CandleWindow, () => CandleSpan(s, symbol, query.Interval), TimeSpan.FromDays(30));
            var trades = tradeWindow is { } tw ? reader.AggTrades(symbol, tw.Start, tw.End) : [];
            var candles = candleWindow is { } cw ? reader.Candles(symbol, query.Interval, cw.Start, cw.End) : [];
            var funding = tradeWindow is { } fw ? reader.FundingRates(symbol, "binance-fundingRate", fw.Start.AddDays(-3), fw.End) : [];
            return (tradeWindow, candleWindow, trades, candles, funding);
        });
        if (data.trades.Length == 0 && data.candles.Length == 0)
            throw new DataUnavailableException($"No aggregate trades and no {query.Interval} candles for {symbol} in the requested windows in {Store.Path}.");
        if (data.candles.Length > Limits.MaxCandles)
            throw new QueryParameterException("candle_from", $"the candle window holds {data.candles.Length:N0} candles; at most {Limits.MaxCandles:N0}.");
        var tradeMarket = new MarketWindow(symbol, table, [], data.trades, data.funding);
        var candleMarket = new MarketWindow(symbol, table, data.candles, [], []);
        var outcomes = new List<ModelOutcome>();
        void Try(ILiquidationModel model, MarketWindow window, string name, bool has, string lacking)
        {
            if (!has)
            {
                outcomes.Add(new ModelOutcome(model.Name, name, null, null, lacking));
                return;
            }
            try
            {
                outcomes.Add(new ModelOutcome(model.Name, name, model.Run(window), window.CurrentPrice, null));
            }
            catch (InvalidOperationException e)
            {
                outcomes.Add(new ModelOutcome(model.Name, name, null, null, e.Message));
            }
        }
        var hasTrades = data.trades.Length > 0;
        var hasCandles = data.candles.Length > 0;
        var noTrades = $"no aggregate trades for {symbol} in the trade window";
        var noCandles = $"no {query.Interval} candles for {symbol} in the candle window";
        var standard = new BinanceStandardModel(new TradeFilter(TradeFilterMode.Portion, query.TradePortion));
        Try(standard, tradeMarket, "trade", hasTrades, noTrades);
        Try(new FundingAdjustedModel(standard), tradeMarket, "trade", hasTrades, noTrades);
        Try(new OpenInterestProfileModel(), tradeMarket, "trade", hasTrades, noTrades);
        Try(new TimeEvolvingModel(), candleMarket, "candle", hasCandles, noCandles);
        var ensemble = new EnsembleModel();
        Try(ensemble, candleMarket, "candle", hasCandles, noCandles);
        var skipped = outcomes[^1].Result?.Skipped?.ToArray() ?? [];
        return new CompareResult(query, data.tradeWindow, data.candleWindow, data.trades.Length, data.candles.Length, data.funding.Length, outcomes, skipped);
    }

    /// <summary>Real liquidation totals per period (long and short) with the time-evolving model's predicted liquidations
    /// for the same periods, and the individual prints the store holds in the window.</summary>
    /// <exception cref="QueryParameterException">A bad interval, scope or window.</exception>
    /// <exception cref="DataUnavailableException">No candles or totals, or fewer than 10 periods with both.</exception>
    public HistoryResult History(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckInterval(query.Interval);
        var table = Table(query.Symbol);
        var symbol = table.Symbol;
        if (query.Market is not null) CheckMarket(query.Market);
        var (longs, shorts, prints) = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            var l = LoadSeries(reader, symbol, query.Interval, query.Market, query.Window, null, query.OpenInterestSymbol, query.Scope, LiquidationSide.Long);
            var sh = BacktestSeriesReader.Load(reader, symbol, query.Interval, l.Market, query.Window, null, query.OpenInterestSymbol, l.LiquidationScope, LiquidationSide.Short);
            var p = reader.LiquidationPrints(symbol, query.Window.Start, query.Window.End);
            return (l, sh, p);
        });
        query = query with { Market = longs.Market };
        if (longs.Candles.Length > Limits.MaxCandles)
            throw new QueryParameterException("from", $"{longs.Candles.Length:N0} periods; at most {Limits.MaxCandles:N0} per request.");
        var model = new TimeEvolvingModel(candlesPerColumn: Math.Max(1, (longs.Candles.Length + QueryDefaults.MaxColumns - 1) / QueryDefaults.MaxColumns));
        var run = model.Run(new MarketWindow(symbol, table, longs.Candles, [], []));
        var predicted = run.Liquidations!.ToDictionary(p => p.PeriodStart);
        var periods = new HistoryPeriod[longs.Candles.Length];
        for (var i = 0; i < periods.Length; i++)
        {
            var t = longs.Candles[i].OpenTime;
            var p = predicted.TryGetValue(t, out var v) ? v : new PeriodLiquidations(t, 0, 0);
            periods[i] = new HistoryPeriod(t, longs.Candles[i].Close, longs.ActualUsd[i], shorts.ActualUsd[i], p.LongUsd, p.ShortUsd);
        }
        var spearman = periods.Length >= 3
            ? Metrics.Spearman(periods.Select(p => p.ModelLongUsd + p.ModelShortUsd).ToArray(), periods.Select(p => p.RealLongUsd + p.RealShortUsd).ToArray())
            : double.NaN;
        var withOi = longs.Candles.Count(c => double.IsFinite(c.OpenInterestUsd));
        string? note = null;
        if (!double.IsFinite(spearman))
        {
            var modelConstant = periods.Select(p => p.ModelLongUsd + p.ModelShortUsd).Distinct().Count() <= 1;
            note = periods.Length < 3 ? $"the rank correlation needs at least 3 periods; the window has {periods.Length}."
                : modelConstant && withOi < periods.Length / 2
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"the rank correlation is undefined: the model liquidated the same amount in every period because only {withOi} of {periods.Length} candles carry open interest of {query.OpenInterestSymbol ?? symbol} at {query.Interval} (the model opens positions from OI){OpenInterestAlternatives(symbol, query.Interval, query.Window)}.")
                    : "the rank correlation is undefined: the " + (modelConstant ? "model's" : "real") + " totals are the same in every period of the window.";
        }
        return new HistoryResult(query, longs.CandleSource, longs.TotalsSource, longs.LiquidationScope, periods, prints, spearman, withOi, note);
    }

    private static DataWindow? Resolve(TimeWindow requested, Func<(DateTime First, DateTime Last)?> span, TimeSpan defaultLength)
    {
        if (requested.From is not null && requested.To is not null) return new DataWindow(requested.From.Value, requested.To.Value);
        if (span() is not { } s) return null;
        var end = requested.To ?? s.Last.AddMicroseconds(1); // DuckDB keeps microseconds: one tick would round back onto the last row
        var start = requested.From ?? (end - defaultLength < s.First ? s.First : end - defaultLength);
        return new DataWindow(start, end);
    }

    private static (DateTime, DateTime)? TradeSpan(LabStore s, string symbol) => new MarketDataReader(s).TradeSpan(symbol);

    private static (DateTime, DateTime)? CandleSpan(LabStore s, string symbol, string interval) => new MarketDataReader(s).CandleSpan(symbol, interval);

    /// <summary>
    /// The candle market a heatmap reads: the one given (checked), else the one the store has for the symbol at the interval in
    /// the window, perp when both have it, perp when neither does (the error then names what is stored). Queries that score
    /// real totals choose by coverage of the totals instead (<see cref="LoadSeries"/>).
    /// </summary>
    private string ChooseMarket(string? market, string symbol, string interval, TimeWindow window)
    {
        if (market is not null)
        {
            CheckMarket(market);
            return market;
        }
        var series = Store.Read(s => new MarketDataReader(s).CandleSeries(symbol, window.Start, window.End));
        bool Serves(string m) => series.Any(x => x.Market == m && x.Interval == interval);
        return Serves("perp") ? "perp" : Serves("spot") ? "spot" : "perp";
    }

    // Other open-interest series of the symbol's base asset (e.g. Coinglass's all-exchange "BTC" beside "BTCUSDT") at the interval in the window.
    private string OpenInterestAlternatives(string symbol, string interval, TimeWindow window)
    {
        var others = Store.Read(s => new MarketDataReader(s).OpenInterestSymbols(interval, window.Start, window.End))
            .Where(o => o != symbol && symbol.StartsWith(o, StringComparison.Ordinal)).ToList();
        return others.Count == 0 ? "" : $"; the store has {interval} open interest of {string.Join(", ", others)} there: oi_symbol={others[0]}";
    }

    private string StoredIntervals(string symbol, string market)
    {
        var stored = Store.Read(s => new MarketDataReader(s).CandleIntervals(symbol, market));
        return stored.Count == 0 ? $" (the store has no {market} candles for {symbol})" : $" (stored {market} intervals for {symbol}: {string.Join(", ", stored)})";
    }

    private string StoredTradeSpan(string symbol) =>
        Store.Read(s => TradeSpan(s, symbol)) is { } span
            ? string.Create(CultureInfo.InvariantCulture, $" (its trades span {span.Item1:yyyy-MM-dd HH:mm} – {span.Item2:yyyy-MM-dd HH:mm} UTC)")
            : $" (the store has no {symbol} trades; run 'liqlab data ingest' first)";

    private static string Describe(TimeWindow w) => w.From is null && w.To is null ? "the whole store" : w.ToString();

    private static void CheckInterval(string interval)
    {
        if (string.IsNullOrWhiteSpace(interval) || BarPeriod.Parse(interval) is null)
            throw new QueryParameterException("interval", $"expected minutes, hours or days such as 5m, 1h, 4h, 1d; found '{interval}'.");
    }

    private static void CheckMarket(string market)
    {
        if (market is not ("perp" or "spot")) throw new QueryParameterException("market", $"expected perp or spot, found '{market}'.");
    }

    /// <summary>The frozen turnover parameters for bars of <paramref name="interval"/> (the hazard converted from the bars they were
    /// fitted on), or the fit's starting values (hourly) when the clone has no file.</summary>
    internal static Core.Backtesting.TurnoverParameters FrozenTurnover(string interval)
    {
        var bar = BarPeriod.Parse(interval) ?? throw new QueryParameterException("interval", $"'{interval}' is not a candle interval.");
        return Data.Models.TurnoverModelFile.Frozen() is { } file ? file.ParametersFor(bar) : Core.Backtesting.TurnoverParameters.Start.ForBar(TimeSpan.FromHours(1), bar);
    }

    private static LeverageMix? ParseMix(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return LeverageMix.Parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new QueryParameterException("mix", e.Message);
        }
    }
}

/// <summary>A resolved data window [Start, End).</summary>
/// <param name="Start">Start, UTC.</param>
/// <param name="End">End, exclusive, UTC.</param>
public readonly record struct DataWindow(DateTime Start, DateTime End);
