using System.Data.Common;
using DuckDB.NET.Data;
using LiquidationLab.Core.Binning;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using Microsoft.Data.Analysis;

namespace LiquidationLab.Data.Query;

/// <summary>
/// Typed reads from the store for models (arrays of Core records, ordered by time) and notebooks
/// (<see cref="DataFrame"/>). Time ranges are half-open <c>[from, to)</c> in UTC.
/// </summary>
public sealed partial class MarketDataReader(LabStore store)
{
    /// <summary>Open-interest sources in order of preference when several cover the same bars.</summary>
    public static IReadOnlyList<string> OpenInterestSourcePreference { get; } =
        ["binance-openInterestHist", "binance-metrics", "coinglass"];

    /// <summary>
    /// Candles of <paramref name="symbol"/> at <paramref name="interval"/> with the open interest (USD) of the same
    /// bar time from the preferred source, NaN where none.
    /// </summary>
    /// <param name="symbol">e.g. <c>BTCUSDT</c>.</param>
    /// <param name="interval">e.g. <c>5m</c>, <c>1h</c>.</param>
    /// <param name="from">Inclusive start, UTC.</param>
    /// <param name="to">Exclusive end, UTC.</param>
    /// <param name="market"><c>perp</c> (default) or <c>spot</c>.</param>
    /// <param name="openInterestSymbol">The open-interest series' symbol when it differs from the candles' (e.g. <c>BTC</c> for
    /// Coinglass's all-exchange OI beside BTCUSDT candles); default: <paramref name="symbol"/>.</param>
    /// <remarks>One candle per open time: where several venues name the same symbol (Binance USDⓈ-M and Bybit linear both
    /// list <c>BTCUSDT</c>), Binance USDⓈ-M's bar is read, else the first venue by name.</remarks>
    public Candle[] Candles(string symbol, string interval, DateTime from, DateTime to, string market = "perp", string? openInterestSymbol = null)
    {
        const string sql = """
            WITH oi AS (
                SELECT time, oi_usd FROM open_interest
                WHERE symbol = $7 AND interval = $2 AND time >= $3 AND time < $4 AND oi_usd IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY time ORDER BY coalesce(list_position($6, source), 99)) = 1)
            SELECT k.open_time, k.open, k.high, k.low, k.close, k.volume, k.taker_buy_volume, oi.oi_usd
            FROM klines k LEFT JOIN oi ON oi.time = k.open_time
            WHERE k.symbol = $1 AND k.interval = $2 AND k.open_time >= $3 AND k.open_time < $4 AND k.market = $5
            QUALIFY row_number() OVER (PARTITION BY k.open_time ORDER BY k.venue <> 'binance-usdm', k.venue) = 1
            ORDER BY k.open_time
            """;
        using var cmd = store.Command(sql, symbol, interval, from, to, market, OpenInterestSourcePreference.ToArray(), openInterestSymbol ?? symbol);
        using var r = cmd.ExecuteReader();
        var list = new List<Candle>();
        while (r.Read())
            list.Add(new Candle(r.GetDateTime(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4),
                D(r, 5), D(r, 6), D(r, 7)));
        return list.ToArray();
    }

    /// <summary>
    /// Candles of one venue's instrument, by time, without open interest (NaN): the venue is explicit, so two venues listing
    /// the same symbol (Binance USDⓈ-M and Bybit linear both list <c>BTCUSDT</c>) are never mixed.
    /// </summary>
    /// <param name="venue">The store's venue, e.g. <c>binance-usdm</c>, <c>bybit-linear</c>, <c>okx-swap</c>, <c>hyperliquid</c>.</param>
    /// <param name="symbol">The venue's instrument, e.g. <c>BTCUSDT</c>, <c>BTC-USDT-SWAP</c>, <c>BTC</c>.</param>
    /// <param name="interval">e.g. <c>1h</c>.</param>
    /// <param name="from">Inclusive start, UTC.</param>
    /// <param name="to">Exclusive end, UTC.</param>
    /// <param name="market"><c>perp</c> (default) or <c>spot</c>.</param>
    public Candle[] VenueCandles(string venue, string symbol, string interval, DateTime from, DateTime to, string market = "perp")
    {
        using var cmd = store.Command(
            "SELECT open_time, open, high, low, close, volume, taker_buy_volume FROM klines " +
            "WHERE venue = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4 AND open_time < $5 AND market = $6 ORDER BY open_time",
            venue, symbol, interval, from, to, market);
        using var r = cmd.ExecuteReader();
        var list = new List<Candle>();
        while (r.Read())
            list.Add(new Candle(r.GetDateTime(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), D(r, 5), D(r, 6), double.NaN));
        return list.ToArray();
    }

    /// <summary>
    /// Open interest (USD) of one venue's instrument at <paramref name="interval"/>, one value per time from the preferred
    /// source (<see cref="OpenInterestSourcePreference"/>, then the others by name), by time.
    /// </summary>
    /// <param name="venue">The store's venue, e.g. <c>hyperliquid</c>.</param>
    /// <param name="symbol">The venue's instrument, e.g. <c>BTC</c>.</param>
    /// <param name="interval">e.g. <c>1h</c>.</param>
    /// <param name="from">Inclusive start, UTC.</param>
    /// <param name="to">Exclusive end, UTC.</param>
    public OpenInterestPoint[] VenueOpenInterest(string venue, string symbol, string interval, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT time, oi_usd, source FROM open_interest " +
            "WHERE venue = $1 AND symbol = $2 AND interval = $3 AND time >= $4 AND time < $5 AND oi_usd IS NOT NULL " +
            "QUALIFY row_number() OVER (PARTITION BY time ORDER BY coalesce(list_position($6, source), 99), source) = 1 ORDER BY time",
            venue, symbol, interval, from, to, OpenInterestSourcePreference.ToArray());
        using var r = cmd.ExecuteReader();
        var list = new List<OpenInterestPoint>();
        while (r.Read()) list.Add(new OpenInterestPoint(r.GetDateTime(0), r.GetDouble(1), r.GetString(2)));
        return list.ToArray();
    }

    /// <summary>The intervals at which the store has open interest (USD) of one venue's instrument, any time, sorted by name.</summary>
    public IReadOnlyList<string> VenueOpenInterestIntervals(string venue, string symbol) =>
        Strings("SELECT DISTINCT interval FROM open_interest WHERE venue = $1 AND symbol = $2 AND oi_usd IS NOT NULL ORDER BY 1", venue, symbol);

    /// <summary>The intervals at which the store has candles of one venue's instrument in a market, any time, sorted by name.</summary>
    public IReadOnlyList<string> VenueCandleIntervals(string venue, string symbol, string market = "perp") =>
        Strings("SELECT DISTINCT interval FROM klines WHERE venue = $1 AND symbol = $2 AND market = $3 ORDER BY 1", venue, symbol, market);


    /// <summary>Liquidation totals per period for one source scope (e.g. <c>Binance</c>, <c>Binance+Bybit+OKX</c>).</summary>
    public LiquidationTotal[] LiquidationTotals(string symbol, string interval, string exchangeScope, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT period_start, long_usd, short_usd FROM liquidation_totals WHERE symbol = $1 AND interval = $2 AND exchange_scope = $3 " +
            "AND period_start >= $4 AND period_start < $5 ORDER BY period_start", symbol, interval, exchangeScope, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<LiquidationTotal>();
        while (r.Read()) list.Add(new LiquidationTotal(r.GetDateTime(0), r.GetDouble(1), r.GetDouble(2)));
        return list.ToArray();
    }

    /// <summary>
    /// Individual liquidation prints of a symbol (all venues), by time: the order's side and price as the source gives them,
    /// the average fill price where known, base quantity, the liquidated position's side (schema v4).
    /// </summary>
    public LiquidationPrint[] LiquidationPrints(string symbol, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT time, side, price, quantity, venue, liquidated_side, average_price, source FROM liquidation_orders " +
            "WHERE symbol = $1 AND time >= $2 AND time < $3 ORDER BY time, venue, price", symbol, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<LiquidationPrint>();
        while (r.Read())
            list.Add(new LiquidationPrint(r.GetDateTime(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetString(4),
                r.IsDBNull(5) ? (r.GetString(1) == "SELL" ? "long" : "short") : r.GetString(5), r.IsDBNull(6) ? null : r.GetDouble(6), r.IsDBNull(7) ? "" : r.GetString(7)));
        return list.ToArray();
    }

    /// <summary>Another project's predicted liquidation bands (<c>peer_liquidation_bands</c>) of a symbol, by report time and price.</summary>
    /// <param name="source">The peer, e.g. <c>liqmap</c>.</param>
    /// <param name="symbol">e.g. <c>ETHUSDT</c>.</param>
    /// <param name="from">Inclusive start of the report times, UTC.</param>
    /// <param name="to">Exclusive end.</param>
    public PeerBand[] PeerBands(string source, string symbol, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT report_time, reference_price, band, price, liquidated_side, notional_usd FROM peer_liquidation_bands " +
            "WHERE source = $1 AND symbol = $2 AND report_time >= $3 AND report_time < $4 ORDER BY report_time, price", source, symbol, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<PeerBand>();
        while (r.Read()) list.Add(new PeerBand(r.GetDateTime(0), r.GetDouble(1), r.GetInt32(2), r.GetDouble(3), r.GetString(4), r.GetDouble(5)));
        return list.ToArray();
    }

    /// <summary>
    /// The true liquidation levels of <paramref name="coin"/> as they stood at <paramref name="at"/>: the latest snapshot of
    /// <c>position_level_buckets</c> taken at or before that time (and no older than <paramref name="maxAge"/>), its buckets by
    /// side, price and leverage class; null when there is none.
    /// </summary>
    /// <param name="coin">The venue's coin, e.g. <c>BTC</c>.</param>
    /// <param name="at">The time, UTC.</param>
    /// <param name="source">The publisher, e.g. <c>kittycapital-hl-top-traders</c>.</param>
    /// <param name="maxAge">Oldest snapshot accepted, counted back from <paramref name="at"/>; null for any age.</param>
    public PositionLevelSnapshot? PositionLevelsAt(string coin, DateTime at, string source, TimeSpan? maxAge = null)
    {
        var earliest = maxAge is { } age ? at - age : DateTime.MinValue;
        using var cmd = store.Command(
            "SELECT time, venue, source, coin, reference_price, liquidated_side, price, leverage_class, value_usd, trader_count, position_count " +
            "FROM position_level_buckets WHERE coin = $1 AND source = $2 AND time = (SELECT max(time) FROM position_level_buckets " +
            "WHERE coin = $1 AND source = $2 AND time <= $3 AND time >= $4) ORDER BY liquidated_side, price, leverage_class", coin, source, at, earliest);
        using var r = cmd.ExecuteReader();
        PositionLevelSnapshot? snapshot = null;
        var buckets = new List<PositionLevelBucket>();
        while (r.Read())
        {
            snapshot ??= new PositionLevelSnapshot(r.GetDateTime(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetInt32(9),
                r.IsDBNull(10) ? null : r.GetInt32(10), []);
            buckets.Add(new PositionLevelBucket(r.GetString(5), r.GetDouble(6), r.GetInt32(7), r.GetDouble(8)));
        }
        return snapshot is null ? null : snapshot with { Buckets = buckets.ToArray() };
    }

    /// <summary>The times of the <c>position_level_buckets</c> snapshots of a coin and source in [from, to), ascending.</summary>
    /// <param name="coin">The venue's coin, e.g. <c>BTC</c>.</param>
    /// <param name="source">The publisher.</param>
    /// <param name="from">Inclusive start, UTC.</param>
    /// <param name="to">Exclusive end, UTC.</param>
    public IReadOnlyList<DateTime> PositionLevelTimes(string coin, string source, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT DISTINCT time FROM position_level_buckets WHERE coin = $1 AND source = $2 AND time >= $3 AND time < $4 ORDER BY time", coin, source, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<DateTime>();
        while (r.Read()) list.Add(r.GetDateTime(0));
        return list;
    }

    /// <summary>The open-interest series of <paramref name="symbol"/> at <paramref name="interval"/> in [from, to) with a USD value:
    /// venue, source and readings, most readings first (what <see cref="Candles"/> joins, before its per-time source preference).</summary>
    public IReadOnlyList<(string Venue, string Source, long Readings)> OpenInterestSeries(string symbol, string interval, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT venue, source, count(*) FROM open_interest WHERE symbol = $1 AND interval = $2 AND time >= $3 AND time < $4 AND oi_usd IS NOT NULL " +
            "GROUP BY ALL ORDER BY 3 DESC, 1, 2", symbol, interval, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string, long)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1), r.GetInt64(2)));
        return list;
    }

    /// <summary>The candle intervals of a symbol and market with at least two bars that carry open interest (what
    /// <see cref="Candles"/> joins: same symbol, interval and time, <c>oi_usd</c> not null) — the intervals a time-evolving
    /// heatmap can be computed on; sorted by name.</summary>
    public IReadOnlyList<string> CandleIntervalsWithOpenInterest(string symbol, string market = "perp") =>
        Strings("""
            SELECT k.interval FROM klines k
            WHERE k.symbol = $1 AND k.market = $2
              AND EXISTS (SELECT 1 FROM open_interest o WHERE o.symbol = k.symbol AND o.interval = k.interval AND o.time = k.open_time AND o.oi_usd IS NOT NULL)
            GROUP BY k.interval HAVING count(DISTINCT k.open_time) >= 2 ORDER BY 1
            """, symbol, market);

    /// <summary>The candle intervals stored for a symbol and market (e.g. <c>1h</c>, <c>5m</c>), sorted by name.</summary>
    public IReadOnlyList<string> CandleIntervals(string symbol, string market = "perp") =>
        Strings("SELECT DISTINCT interval FROM klines WHERE symbol = $1 AND market = $2 ORDER BY 1", symbol, market);

    /// <summary>Candle (market, interval) pairs of a symbol with at least one bar in [<paramref name="from"/>, <paramref name="to"/>),
    /// e.g. (<c>perp</c>, <c>5m</c>), (<c>spot</c>, <c>1h</c>); sorted.</summary>
    public IReadOnlyList<(string Market, string Interval)> CandleSeries(string symbol, DateTime from, DateTime to)
    {
        using var cmd = store.Command("SELECT market, interval FROM klines WHERE symbol = $1 AND open_time >= $2 AND open_time < $3 GROUP BY ALL ORDER BY ALL", symbol, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>First and last aggTrade time of a symbol, or null when it has none.</summary>
    public (DateTime First, DateTime Last)? TradeSpan(string symbol) =>
        Span("SELECT min(transact_time), max(transact_time) FROM agg_trades WHERE symbol = $1", symbol);

    /// <summary>First and last candle open time of a symbol at an interval in a market, or null when it has none.</summary>
    public (DateTime First, DateTime Last)? CandleSpan(string symbol, string interval, string market = "perp") =>
        Span("SELECT min(open_time), max(open_time) FROM klines WHERE symbol = $1 AND interval = $2 AND market = $3", symbol, interval, market);

    /// <summary>Aggregate trades stored for a symbol.</summary>
    public long TradeCount(string symbol) => store.Scalar<long>("SELECT count(*) FROM agg_trades WHERE symbol = $1", symbol);

    private (DateTime, DateTime)? Span(string sql, params object[] parameters)
    {
        using var cmd = store.Command(sql, parameters);
        using var r = cmd.ExecuteReader();
        return r.Read() && !r.IsDBNull(0) ? (r.GetDateTime(0), r.GetDateTime(1)) : null;
    }

    /// <summary>Symbols with open interest (USD) at <paramref name="interval"/> in [<paramref name="from"/>, <paramref name="to"/>), sorted.</summary>
    public IReadOnlyList<string> OpenInterestSymbols(string interval, DateTime from, DateTime to) =>
        Strings("SELECT DISTINCT symbol FROM open_interest WHERE interval = $1 AND time >= $2 AND time < $3 AND oi_usd IS NOT NULL ORDER BY 1", interval, from, to);

    /// <summary>The intervals with liquidation totals for a symbol (e.g. <c>1h</c>, <c>4h</c>), sorted by name.</summary>
    public IReadOnlyList<string> LiquidationIntervals(string symbol) =>
        Strings("SELECT DISTINCT interval FROM liquidation_totals WHERE symbol = $1 ORDER BY 1", symbol);

    /// <summary>The exchange scopes (e.g. <c>Binance</c>, <c>Binance+Bybit+OKX</c>) with liquidation totals for a symbol and interval, sorted.</summary>
    public IReadOnlyList<string> LiquidationScopes(string symbol, string interval) =>
        Strings("SELECT DISTINCT exchange_scope FROM liquidation_totals WHERE symbol = $1 AND interval = $2 ORDER BY 1", symbol, interval);

    /// <summary>The funding-rate sources of <paramref name="symbol"/> with settlements in [<paramref name="from"/>, <paramref name="to"/>),
    /// most settlements first (ties by name).</summary>
    public IReadOnlyList<string> FundingSources(string symbol, DateTime from, DateTime to) =>
        Strings("SELECT source FROM funding_rates WHERE symbol = $1 AND funding_time >= $2 AND funding_time < $3 GROUP BY source ORDER BY count(*) DESC, source",
            symbol, from, to);

    /// <summary>Funding rates of <paramref name="symbol"/> from one source (e.g. <c>binance-fundingRate</c>).</summary>
    public FundingRate[] FundingRates(string symbol, string source, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT funding_time, funding_rate FROM funding_rates WHERE symbol = $1 AND source = $2 AND funding_time >= $3 AND funding_time < $4 ORDER BY funding_time",
            symbol, source, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<FundingRate>();
        while (r.Read()) list.Add(new FundingRate(r.GetDateTime(0), r.GetDouble(1)));
        return list.ToArray();
    }

    /// <summary>Order-book snapshots of one instrument, levels best first.</summary>
    public BookSnapshot[] BookSnapshots(string venue, string instrumentId, DateTime from, DateTime to)
    {
        using var cmd = store.Command(
            "SELECT time, side, price, size FROM book_snapshots WHERE venue = $1 AND instrument_id = $2 AND time >= $3 AND time < $4 " +
            "ORDER BY time, file_id, side, level", venue, instrumentId, from, to);
        using var r = cmd.ExecuteReader();
        var list = new List<BookSnapshot>();
        DateTime? current = null;
        List<BookLevel> bids = [], asks = [];
        while (r.Read())
        {
            var t = r.GetDateTime(0);
            if (current != t)
            {
                if (current is not null) list.Add(new BookSnapshot(current.Value, bids, asks));
                (current, bids, asks) = (t, [], []);
            }
            (r.GetString(1) == "bid" ? bids : asks).Add(new BookLevel(r.GetDecimal(2), r.GetDecimal(3)));
        }
        if (current is not null) list.Add(new BookSnapshot(current.Value, bids, asks));
        return list.ToArray();
    }

    /// <summary>The trade prints of one order-book instrument (<c>book_trades</c>), in time order, exact prices and sizes:
    /// the fill-rate input of the depth forecasts.</summary>
    public TradePrint[] BookTrades(string venue, string instrumentId)
    {
        using var cmd = store.Command("SELECT epoch_ms(time), price, size FROM book_trades WHERE venue = $1 AND instrument_id = $2 ORDER BY time", venue, instrumentId);
        using var r = cmd.ExecuteReader();
        var list = new List<TradePrint>();
        while (r.Read()) list.Add(new TradePrint(r.GetInt64(0), r.GetDecimal(1), r.GetDecimal(2)));
        return list.ToArray();
    }

    /// <summary>Instruments whose books were recorded by <c>liqlab liquidity watch --record-books</c> (ingest kind
    /// <c>liquidity-watch-books</c>), sorted.</summary>
    public IReadOnlyList<string> RecordedBookInstruments()
    {
        using var cmd = store.Command(
            "SELECT DISTINCT b.instrument_id FROM book_snapshots b JOIN ingest_log l ON l.id = b.file_id WHERE l.kind = 'liquidity-watch-books' ORDER BY 1");
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>
    /// Spans where the candles' open interest repeats one value implausibly long (<see cref="FrozenRuns.OpenInterest"/>: at
    /// least 12 samples over an hour or more) — a source that stopped updating, not a market fact. Charts shade them.
    /// </summary>
    public IReadOnlyList<FrozenSpan> FrozenOpenInterest(string symbol, string interval, DateTime from, DateTime to, string market = "perp") =>
        FrozenRuns.OpenInterest(Candles(symbol, interval, from, to, market));

    /// <summary>Runs SQL and returns the result as a <see cref="DataFrame"/> (columns typed from DuckDB's types).</summary>
    /// <param name="sql">A query; positional parameters <c>$1</c>… bind to <paramref name="parameters"/>.</param>
    /// <param name="parameters">Parameter values.</param>
    public DataFrame Query(string sql, params object?[] parameters)
    {
        using var cmd = store.Command(sql, parameters);
        using var r = cmd.ExecuteReader();
        return DataFrames.From(r);
    }

    private List<string> Strings(string sql, params object?[] parameters)
    {
        using var cmd = store.Command(sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    private static double D(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
}
