using System.Globalization;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Liquidity;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Core.Models;
using LiquidationLab.Data.Models;
using LiquidationLab.Data.Query;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Analysis;

/// <summary>
/// The notebook facade: the common views in one line each — <c>lab.Heatmap("BTCUSDT", "5m", "2026-05-25", "2026-06-23")</c>,
/// <c>lab.Map(…)</c>, <c>lab.Levels(…)</c>, <c>lab.Compare(…)</c>, <c>lab.History(…)</c>, <c>lab.Backtest(…)</c> — built on the
/// application layer the CLI and the API use (<see cref="LiquidationAnalysis"/>), so a notebook, <c>liqlab heatmap</c> and
/// <c>GET /liquidations/heatmap</c> give the same numbers. Each result displays itself in a notebook (chart, summary and
/// table) and keeps every number for the analysis that follows. Dates are <c>yyyy-MM-dd</c> or ISO times, UTC; a
/// missing end means the last data.
/// </summary>
public sealed class Lab : IDisposable
{
    private readonly LabStore _store;

    private Lab(LabStore store, string path)
    {
        _store = store;
        StorePath = path;
        Analysis = LiquidationAnalysis.ForStore(store);
        Data = new MarketDataReader(store);
    }

    /// <summary>Opens the DuckDB store read-only (other processes may read it meanwhile).</summary>
    /// <param name="db">The store file, e.g. <c>../data/lab.duckdb</c>.</param>
    /// <exception cref="FileNotFoundException">No store there: the message says how to make one.</exception>
    public static Lab Open(string db)
    {
        ArgumentException.ThrowIfNullOrEmpty(db);
        var path = Path.GetFullPath(db);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No LiquidationLab store at {path}. Create it with `liqlab data ingest data/real` (or run notebook 01-quickstart), " +
                                            "or pass another file with -p db=PATH.", path);
        var store = LabStore.Open(path, readOnly: true);
        if (store.SchemaVersion < Schema.CurrentVersion)
        {
            // A store written by an older build: bring its schema up to date once (a short write), then read as usual.
            store.Dispose();
            LabStore.Open(path).Dispose();
            store = LabStore.Open(path, readOnly: true);
        }
        return new Lab(store, path);
    }

    /// <summary>Ingests a folder of raw files or a snapshot into the store (created if missing), as <c>liqlab data ingest</c>
    /// does: each file in one transaction, logged by SHA-256, so files already ingested are skipped.</summary>
    /// <param name="db">The store file.</param>
    /// <param name="folder">Files or a snapshot folder.</param>
    /// <returns>One line: files ingested now, already in the store, not recognised.</returns>
    public static string Ingest(string db, string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(db);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        using var store = LabStore.Open(Path.GetFullPath(db));
        var results = new LiquidationLab.Data.Ingest.Ingestor(store).Ingest([Path.GetFullPath(folder)]);
        return string.Create(CultureInfo.InvariantCulture,
            $"{results.Count(r => r.Status == LiquidationLab.Data.Ingest.IngestStatus.Ingested)} files ingested now, " +
            $"{results.Count(r => r.Status == LiquidationLab.Data.Ingest.IngestStatus.AlreadyIngested)} already in the store.");
    }

    /// <summary>The store file.</summary>
    public string StorePath { get; }

    /// <summary>The application layer, for queries the facade does not shorten.</summary>
    public LiquidationAnalysis Analysis { get; }

    /// <summary>Typed reads (candles, trades, totals, prints…) and SQL (<c>lab.Data.Query("SELECT …")</c>).</summary>
    public MarketDataReader Data { get; }

    /// <summary>What the store holds per table: rows and time span.</summary>
    public IReadOnlyList<TableStatus> Status() => StoreStatus.Read(_store);

    /// <summary>Liquidation price, bracket, distance and risk of one position at each leverage (isolated and/or cross, long and/or short).</summary>
    /// <param name="symbol">Symbol with a tier table, e.g. <c>BTCUSDT</c>.</param>
    /// <param name="entryPrice">Entry price, USDT.</param>
    /// <param name="quantity">Position size, base units (e.g. BTC).</param>
    /// <param name="leverages">Comma-separated leverages (default 5,10,25,50,100,125).</param>
    /// <param name="side"><c>long</c>, <c>short</c> or <c>both</c>.</param>
    /// <param name="margin"><c>isolated</c>, <c>cross</c> or both (<c>isolated,cross</c>).</param>
    /// <param name="venue"><c>binance</c> (default), <c>bybit</c>, <c>okx</c> or <c>hyperliquid</c>: whose margin model and tier table.</param>
    /// <exception cref="QueryParameterException">A bad value, naming the parameter.</exception>
    public LevelsResult Levels(string symbol, double entryPrice, double quantity = 1, string? leverages = null, string side = "both", string margin = "isolated", string? venue = null) =>
        Analysis.Levels(new LevelsQuery(symbol, (decimal)entryPrice, (decimal)quantity,
            leverages is null ? LevelsQuery.DefaultLeverages : LevelsQuery.ParseLeverages(leverages.Split(','), "leverages"),
            LevelsQuery.ParseMarginModes(margin.Split(','), "margin"), LevelsQuery.ParseSides(side), Venue: LevelsQuery.ParseVenue(venue)));

    /// <summary>The time-evolving heatmap of a symbol over a window, with its end-of-window map.</summary>
    /// <param name="symbol">Candle symbol.</param>
    /// <param name="interval">Candle interval (<c>5m</c>, <c>1h</c>, <c>4h</c>…).</param>
    /// <param name="from">Start (inclusive) or null for the first candle.</param>
    /// <param name="to">End (a date includes that day) or null for the last candle.</param>
    /// <param name="market"><c>perp</c> or <c>spot</c> candles; null: what the store has (perp when both).</param>
    /// <param name="maxColumns">Heatmap columns at most (candles are grouped to stay below).</param>
    /// <param name="openInterestSymbol">OI series when it is another symbol's (e.g. <c>BTC</c>).</param>
    /// <param name="venues">Venues whose maps are summed: <c>all</c> or e.g. <c>binance,hyperliquid</c> (each from its own OI, candles and
    /// tier table; <paramref name="symbol"/> <c>BTC</c> or <c>BTCUSDT</c> names each venue's instrument); null: Binance alone.</param>
    /// <param name="priceVenue">With <paramref name="venues"/>: the venue whose candles give the price path of a venue without candles
    /// (e.g. <c>binance</c> for <c>hyperliquid</c>); null: none.</param>
    public HeatmapResult Heatmap(string symbol, string interval, string? from = null, string? to = null, string? market = null, int maxColumns = QueryDefaults.MaxColumns,
        string? openInterestSymbol = null, string? venues = null, string? priceVenue = null) =>
        Analysis.Heatmap(new HeatmapQuery(symbol, interval, TimeWindow.Parse(from, to), market, MaxColumns: maxColumns, OpenInterestSymbol: openInterestSymbol,
            Venues: VenueSelection.Parse(venues), PriceVenue: HeatmapQuery.ParsePriceVenue(priceVenue, "priceVenue")));

    /// <summary>A liquidation map from the window's large trades (Binance standard model).</summary>
    /// <param name="symbol">Symbol with stored aggregate trades.</param>
    /// <param name="from">Start or null.</param>
    /// <param name="to">End or null.</param>
    /// <param name="filter"><c>gross_value</c> (USD ≥ threshold), <c>top_n</c> (the N largest) or <c>portion</c> (the largest share).</param>
    /// <param name="threshold">The filter's threshold (default 100,000 USD for gross_value).</param>
    /// <param name="binWidth">Price bin width, USDT, or null for ~250 bins.</param>
    public MapResult Map(string symbol, string? from = null, string? to = null, string filter = "gross_value", double threshold = 100_000, double? binWidth = null) =>
        Analysis.Map(new MapQuery(symbol, TimeWindow.Parse(from, to), MapQuery.ParseFilter(filter, threshold, "filter", "threshold"), BinWidth: binWidth));

    /// <summary>Every model on one symbol, trade-based ones on the trade window and candle-based ones on the candle window,
    /// compared by distance from each window's price.</summary>
    public CompareResult Compare(string symbol, string tradeFrom, string tradeTo, string candleFrom, string candleTo, string interval = QueryDefaults.Interval) =>
        Analysis.Compare(new CompareQuery(symbol, TimeWindow.Parse(tradeFrom, tradeTo, "tradeFrom", "tradeTo"), TimeWindow.Parse(candleFrom, candleTo, "candleFrom", "candleTo"), interval));

    /// <summary>One order-book instrument's depth series (both sides' depth in the book's currency, from every stored
    /// snapshot) and its trade prints, as the depth forecasts take them (<see cref="DepthForecastBacktest"/>,
    /// <see cref="LiquidityForecastModel"/>).</summary>
    /// <param name="venue">Book venue, e.g. <c>polymarket</c> or <c>binance-usdm</c>.</param>
    /// <param name="instrument">Instrument id (a Polymarket token or slug, a Binance symbol).</param>
    /// <param name="domain">Price domain: <see cref="PriceDomain.Probability"/> for prediction markets, else positive prices.</param>
    public DepthSeries DepthSeries(string venue, string instrument, PriceDomain domain)
    {
        var observations = Data.BookSnapshots(venue, instrument, DateTime.MinValue, DateTime.MaxValue)
            .Select(s => OrderBook.FromSnapshot(s, domain, $"{venue}:{instrument}"))
            .Select(b => new DepthObservation(b.TimestampMs, (double)b.BidDepthUsd, (double)b.AskDepthUsd)).ToList();
        return new DepthSeries(observations, Data.BookTrades(venue, instrument).Select(t => (t.TimeMs, t.NotionalUsd)).ToList());
    }

    /// <summary>A peer project's stored map and our leverage ladder, both as of a window's start, scored against the real
    /// liquidation prints inside it (share of liquidated notional in each map's densest zones against the bins nearest the
    /// price and random zones over the visited range, with bootstrap intervals).</summary>
    /// <param name="symbol">Symbol with prints and a peer map (e.g. ETHUSDT).</param>
    /// <param name="from">Window start: the maps are taken as of this time.</param>
    /// <param name="to">Window end.</param>
    /// <param name="zones">k: a map's densest bins per side.</param>
    /// <param name="tolerancePercent">A print within this % of a zone counts.</param>
    public PeerComparisonResult PeerComparison(string symbol, string from, string to, int zones = 3, double tolerancePercent = 0.25) =>
        Analysis.PeerComparison(new PeerComparisonQuery(symbol, TimeWindow.Parse(from, to),
            Settings: new PriceLevelScoringSettings(Zones: zones, TolerancePercent: tolerancePercent)));

    /// <summary>Our map against the true liquidation levels of a venue's largest accounts (<see cref="LiquidationAnalysis.TrueLevels"/>):
    /// snapshots of <paramref name="coin"/> in [from, to] (all when null), the k densest buckets within ±<paramref name="maxDistance"/>
    /// of the price, a level within <paramref name="tolerancePercent"/> % of a bucket centre (at least half a bucket) counting for it.</summary>
    public TrueLevelsResult TrueLevels(string coin = "BTC", string? from = null, string? to = null, int zones = 3, double tolerancePercent = 0.5, double maxDistance = 0.15,
        double warmupDays = QueryDefaults.TrueLevelWarmupDays, string? mix = null) =>
        Analysis.TrueLevels(new TrueLevelsQuery(coin, TimeWindow.Parse(from, to), Mix: mix, WarmupDays: warmupDays,
            Settings: new TrueLevelSettings(Zones: zones, TolerancePercent: tolerancePercent, MaxDistance: maxDistance)));

    /// <summary>Real liquidation totals next to the time-evolving model's, per period, with the stored prints.</summary>
    public HistoryResult History(string symbol, string interval, string? from = null, string? to = null, string? market = null, string? openInterestSymbol = null) =>
        Analysis.History(new HistoryQuery(symbol, interval, TimeWindow.Parse(from, to), market, openInterestSymbol));

    /// <summary>
    /// The evaluation protocol of <c>liqlab backtest</c>: ex-ante and conditional forecasts of each period's liquidations
    /// against real totals with every same-information baseline, zone-touch probabilities, and — where prints exist in the
    /// test span — price-level scores; block-bootstrap intervals throughout.
    /// </summary>
    /// <param name="symbol">Candle symbol (totals are read for its base asset).</param>
    /// <param name="interval">Period.</param>
    /// <param name="testFrom">First scored period; nothing from here on is used to fit anything.</param>
    /// <param name="from">First period used (training starts here), or null.</param>
    /// <param name="testTo">End of the scored periods, or null.</param>
    /// <param name="market"><c>spot</c> or <c>perp</c> candles, or null: the one covering more periods with totals.</param>
    /// <param name="model">Touch-model configuration(s), comma-separated: specs <c>RULE:CALIBRATION[:HALF_LIFE_DAYS[:HORIZON_BARS]]</c>
    /// or frozen files (<c>….json</c>); <c>none</c> scores the baselines alone; null: the repository's frozen configuration
    /// (<c>data/models/touch-model.json</c>, what <c>liqlab backtest</c> scores by default).</param>
    /// <param name="openInterestSymbol">OI series symbol, or null.</param>
    /// <param name="scope">Liquidation-total scope, or null for the only one stored.</param>
    /// <param name="resamples">Bootstrap resamples (default 2,000).</param>
    /// <param name="refitDays">Days between refits of the model's calibration (walk-forward).</param>
    /// <param name="blockDays">Bootstrap block length, days.</param>
    /// <param name="eventQuantile">Quantile of the training totals above which a period is an event (0–1).</param>
    /// <param name="side">Which liquidations to forecast: the total, or longs / shorts liquidated (where the store has sides).</param>
    /// <param name="trainUntil">Fit once on the periods before this time and freeze, or null (walk-forward refits).</param>
    public BacktestResult Backtest(string symbol, string interval, string? testFrom = null, string? from = null, string? testTo = null, string? market = null,
        string? model = null, string? openInterestSymbol = null, string? scope = null, int resamples = QueryDefaults.Resamples,
        double refitDays = QueryDefaults.RefitDays, double blockDays = QueryDefaults.BlockDays, double eventQuantile = QueryDefaults.EventQuantile,
        LiquidationSide side = LiquidationSide.Total, string? trainUntil = null) =>
        Analysis.Backtest(new BacktestQuery(symbol, interval, TimeWindow.Parse(from, testTo, "from", "testTo"), TimeWindow.Parse(testFrom, null, "testFrom").From,
            TimeWindow.Parse(trainUntil, null, "trainUntil").From, market, model is null ? null : [model], openInterestSymbol, scope, side, refitDays, blockDays, eventQuantile, resamples));

    /// <summary>Closes the store.</summary>
    public void Dispose() => _store.Dispose();
}

/// <summary>An order book's depth over time and its trades (<see cref="Lab.DepthSeries"/>).</summary>
/// <param name="Observations">One per stored snapshot, in time order.</param>
/// <param name="Trades">(Unix ms, notional in the book's currency), in time order.</param>
public sealed record DepthSeries(IReadOnlyList<DepthObservation> Observations, IReadOnlyList<(long TimeMs, double NotionalUsd)> Trades);
