namespace LiquidationLab.Data.Ingest;

/// <summary>
/// The built-in bar layouts: the Coinglass-style and Binance-statistics exports of the team's raw real-data collection (see data/real/SOURCES.md)
/// (see its SOURCES.md for provenance). Each honours its file's quirks, stated in its description.
/// </summary>
public static class BarLayouts
{
    private const string D = "DOUBLE";
    private const string B = "BIGINT";
    private const string V = "VARCHAR";

    private static readonly (string, string)[] RegimeColumns =
    [
        ("timestamp", B), ("datetime_utc", V),
        ("price_open", D), ("price_high", D), ("price_low", D), ("price_close", D),
        ("liquidation_long_usd", D), ("liquidation_short_usd", D), ("liquidation_total_usd", D),
        ("funding_open", D), ("funding_high", D), ("funding_low", D), ("funding_close", D),
        ("oi_open", D), ("oi_high", D), ("oi_low", D), ("oi_close", D),
        ("oi_weight_open", D), ("oi_weight_high", D), ("oi_weight_low", D), ("oi_weight_close", D),
        ("cvd_open", D), ("cvd_high", D), ("cvd_low", D), ("cvd_close", D),
    ];

    private const string RegimeHeader =
        "timestamp,datetime_utc,price_open,price_high,price_low,price_close,liquidation_long_usd,liquidation_short_usd,liquidation_total_usd," +
        "funding_open,funding_high,funding_low,funding_close,oi_open,oi_high,oi_low,oi_close,oi_weight_open,oi_weight_high,oi_weight_low," +
        "oi_weight_close,cvd_open,cvd_high,cvd_low,cvd_close";

    private static readonly string[] KlineKeys = ["venue", "symbol", "market", "interval", "open_time"];
    private static readonly string[] OiKeys = ["venue", "symbol", "source", "interval", "time"];
    private static readonly string[] FundingKeys = ["venue", "symbol", "source", "funding_time"];
    private static readonly string[] LiquidationKeys = ["source", "exchange_scope", "symbol", "interval", "period_start"];
    private static readonly string[] RatioKeys = ["venue", "symbol", "kind", "interval", "time"];

    private static string S(string v) => "'" + v + "'";

    private static BarProjection Klines(string venue, string symbol, string market, string interval) => new("klines", KlineKeys, "open_time",
    [
        ("venue", S(venue)), ("symbol", S(symbol)), ("market", S(market)), ("interval", S(interval)), ("open_time", "ts"),
        ("open", "price_open"), ("high", "price_high"), ("low", "price_low"), ("close", "price_close"),
    ]);

    private static BarProjection LiquidationTotals(string scope, string interval, string longExpr, string shortExpr) =>
        new("liquidation_totals", LiquidationKeys, "period_start",
        [
            ("source", S("coinglass")), ("exchange_scope", S(scope)), ("symbol", S("BTC")), ("interval", S(interval)),
            ("period_start", "ts"), ("long_usd", longExpr), ("short_usd", shortExpr),
        ]);

    private static BarLayout LongShortAccountRatio(string fileToken, string kind, string what) => new(
        "binance-long-short-ratio-" + fileToken,
        what + "; file name contains 'ls_" + fileToken + "'; interval from the row spacing.",
        "symbol,longAccount,longShortRatio,shortAccount,timestamp", "ls_" + fileToken,
        [("symbol", V), ("longAccount", D), ("longShortRatio", D), ("shortAccount", D), ("timestamp", B)], "timestamp", BarTime.Epoch,
        interval =>
        [
            new("long_short_ratios", RatioKeys, "time",
            [
                ("venue", S("binance-usdm")), ("symbol", "symbol"), ("kind", S(kind)), ("interval", S(interval)), ("time", "ts"),
                ("long_fraction", "longAccount"), ("short_fraction", "shortAccount"), ("ratio", "longShortRatio"),
            ]),
        ]);

    /// <summary>
    /// A year of 4-hour Coinglass bars merged from daily API pulls (FelipeODonnell/liquidity-report; see SOURCES.md):
    /// Binance-only liquidations, all-exchange OI (USD OHLC), OI-weighted funding in percent and, for BTC, Binance BTCUSDT
    /// perp candles. The same series as the Binance-liquidation, aggregated-OI and OI-weighted-funding layouts (same keys:
    /// where both files hold a bar and Coinglass revised it between pulls, the store records the conflict). Rows whose
    /// series is empty (the file's first bars have candles only) are skipped per series; the *_snapshot columns (which pull
    /// a value came from) are provenance and not imported.
    /// </summary>
    private static BarLayout Merged4h(string asset, bool withCandles)
    {
        (string, string)[] columns = withCandles
            ?
            [
                ("time_ms", B), ("datetime_utc", V), ("liq_long_usd_binance", D), ("liq_short_usd_binance", D), ("liq_snapshot", V),
                ("oi_open_usd_agg", D), ("oi_high_usd_agg", D), ("oi_low_usd_agg", D), ("oi_close_usd_agg", D), ("oi_snapshot", V),
                ("px_open", D), ("px_high", D), ("px_low", D), ("px_close", D), ("px_volume_usd", D), ("px_snapshot", V),
                ("funding_oiw_close_pct", D), ("funding_snapshot", V),
            ]
            :
            [
                ("time_ms", B), ("datetime_utc", V), ("liq_long_usd_binance", D), ("liq_short_usd_binance", D), ("liq_snapshot", V),
                ("oi_open_usd_agg", D), ("oi_high_usd_agg", D), ("oi_low_usd_agg", D), ("oi_close_usd_agg", D), ("oi_snapshot", V),
                ("px_close", D), ("px_snapshot", V), ("funding_oiw_close_pct", D), ("funding_snapshot", V),
            ];
        var projections = (string interval) => new List<BarProjection>
        {
            new("liquidation_totals", LiquidationKeys, "period_start",
            [
                ("source", S("coinglass")), ("exchange_scope", S("Binance")), ("symbol", S(asset)), ("interval", S(interval)),
                ("period_start", "ts"), ("long_usd", "liq_long_usd_binance"), ("short_usd", "liq_short_usd_binance"),
            ], Where: "liq_long_usd_binance IS NOT NULL OR liq_short_usd_binance IS NOT NULL"),
            new("open_interest", OiKeys, "time",
            [
                ("venue", S("all-exchanges")), ("symbol", S(asset)), ("source", S("coinglass")), ("interval", S(interval)), ("time", "ts"),
                ("oi_usd", "oi_close_usd_agg"), ("oi_usd_open", "oi_open_usd_agg"), ("oi_usd_high", "oi_high_usd_agg"), ("oi_usd_low", "oi_low_usd_agg"),
            ], Where: "oi_close_usd_agg IS NOT NULL"),
            new("funding_rates", FundingKeys, "funding_time",
            [
                ("venue", S("all-exchanges")), ("symbol", S(asset)), ("source", S("coinglass-oi-weighted-" + interval)), ("interval", S(interval)),
                ("funding_time", "ts"), ("funding_rate", "funding_oiw_close_pct / 100.0"),
            ], Where: "funding_oiw_close_pct IS NOT NULL"),
        };
        return new BarLayout("coinglass-merged-4h-" + asset.ToLowerInvariant(),
            $"A year of 4-hour Coinglass {asset} bars merged from daily pulls: Binance-only liquidations (long/short USD), all-exchange OI in USD (OHLC), " +
            "OI-weighted funding in PERCENT (stored ÷ 100)" + (withCandles ? ", Binance BTCUSDT perp candles (px_volume_usd as quote volume)" : "; its px_close alone is not imported") +
            ". Empty cells skip that series for the bar; *_snapshot columns are provenance.",
            string.Join(",", columns.Select(c => c.Item1)), asset + @"_4h_coinglass_merged", columns, "time_ms", BarTime.Epoch,
            interval => withCandles
                ?
                [
                    new("klines", KlineKeys, "open_time",
                    [
                        ("venue", S("binance-usdm")), ("symbol", S(asset + "USDT")), ("market", S("perp")), ("interval", S(interval)), ("open_time", "ts"),
                        ("open", "px_open"), ("high", "px_high"), ("low", "px_low"), ("close", "px_close"), ("quote_volume", "px_volume_usd"),
                    ], Where: "px_close IS NOT NULL"),
                    .. projections(interval),
                ]
                : [.. projections(interval)]);
    }

    /// <summary>Every built-in layout.</summary>
    public static IReadOnlyList<BarLayout> All { get; } =
    [
        new("coinglass-regime-binance-perp",
            "Binance USDⓈ-M only BTCUSDT bars (perp klines, openInterestHist USD, last funding forward-filled). Its liquidation_* " +
            "columns are hard-coded 0 placeholders and are NOT imported; funding is stored only where it changes; oi_weight_* and cvd_* are skipped.",
            RegimeHeader, @"regime_binance_", RegimeColumns, "timestamp", BarTime.Epoch,
            interval =>
            [
                Klines("binance-usdm", "BTCUSDT", "perp", interval),
                new("open_interest", OiKeys, "time",
                [
                    ("venue", S("binance-usdm")), ("symbol", S("BTCUSDT")), ("source", S("binance-openInterestHist")), ("interval", S(interval)),
                    ("time", "ts"), ("oi_usd", "oi_close"),
                ]),
                new("funding_rates", FundingKeys, "funding_time",
                [
                    ("venue", S("binance-usdm")), ("symbol", S("BTCUSDT")), ("source", S("binance-fundingRate-ffill")), ("interval", "NULL"),
                    ("funding_time", "ts"), ("funding_rate", "funding_close"),
                ], Qualify: "funding_close IS DISTINCT FROM lag(funding_close) OVER (ORDER BY ts)"),
            ]),
        new("coinglass-regime",
            "Hourly (or 30-minute) BTC regime bars: price_* are Binance SPOT BTCUSDT klines; liquidation_* are Coinglass Binance+Bybit+OKX totals; " +
            "funding_* is Coinglass Binance BTCUSDT funding (close stored); oi_* is Coinglass Binance BTCUSDT open interest in USD (OHLC). oi_weight_* and cvd_* are skipped.",
            RegimeHeader, @"regime_(?!binance_)", RegimeColumns, "timestamp", BarTime.Epoch,
            interval =>
            [
                Klines("binance-spot", "BTCUSDT", "spot", interval),
                LiquidationTotals("Binance+Bybit+OKX", interval, "liquidation_long_usd", "liquidation_short_usd"),
                new("funding_rates", FundingKeys, "funding_time",
                [
                    ("venue", S("binance-usdm")), ("symbol", S("BTCUSDT")), ("source", S("coinglass-" + interval)), ("interval", S(interval)),
                    ("funding_time", "ts"), ("funding_rate", "funding_close"),
                ]),
                new("open_interest", OiKeys, "time",
                [
                    ("venue", S("binance-usdm")), ("symbol", S("BTCUSDT")), ("source", S("coinglass")), ("interval", S(interval)), ("time", "ts"),
                    ("oi_usd", "oi_close"), ("oi_usd_open", "oi_open"), ("oi_usd_high", "oi_high"), ("oi_usd_low", "oi_low"),
                ]),
            ]),
        Merged4h("BTC", withCandles: true),
        Merged4h("ETH", withCandles: false),
        new("coinglass-liquidation-history",
            "Coinglass aggregated BTC liquidation history, Binance+Bybit+OKX, long/short USD per bar (interval from the file name).",
            "timestamp,datetime_utc,longUsd,shortUsd,totalUsd", @"liquidation",
            [("timestamp", B), ("datetime_utc", V), ("longUsd", D), ("shortUsd", D), ("totalUsd", D)], "timestamp", BarTime.Epoch,
            interval => [LiquidationTotals("Binance+Bybit+OKX", interval, "longUsd", "shortUsd")]),
        new("coinglass-liquidation-binance",
            "Coinglass BTC liquidation history for Binance only (exchange_list=Binance), ISO UTC timestamps, long/short USD.",
            "timestamp,long_usd,short_usd", @"liquidation",
            [("timestamp", V), ("long_usd", D), ("short_usd", D)], "timestamp", BarTime.Utc,
            interval => [LiquidationTotals("Binance", interval, "long_usd", "short_usd")]),
        new("coinglass-oi-aggregated",
            "Coinglass aggregated (all-exchange) BTC open interest OHLC in USD.",
            "timestamp,open,high,low,close", @"(^|_)oi_",
            [("timestamp", V), ("open", D), ("high", D), ("low", D), ("close", D)], "timestamp", BarTime.Utc,
            interval =>
            [
                new("open_interest", OiKeys, "time",
                [
                    ("venue", S("all-exchanges")), ("symbol", S("BTC")), ("source", S("coinglass")), ("interval", S(interval)), ("time", "ts"),
                    ("oi_usd", "close"), ("oi_usd_open", "open"), ("oi_usd_high", "high"), ("oi_usd_low", "low"),
                ]),
            ]),
        new("coinglass-funding-oi-weighted",
            "Coinglass OI-weighted BTC funding rate OHLC, in PERCENT in the file: stored as a fraction (÷100), close of each bar.",
            "timestamp,open,high,low,close", @"funding",
            [("timestamp", V), ("open", D), ("high", D), ("low", D), ("close", D)], "timestamp", BarTime.Utc,
            interval =>
            [
                new("funding_rates", FundingKeys, "funding_time",
                [
                    ("venue", S("all-exchanges")), ("symbol", S("BTC")), ("source", S("coinglass-oi-weighted-" + interval)), ("interval", S(interval)),
                    ("funding_time", "ts"), ("funding_rate", "close / 100.0"),
                ]),
            ]),
        new("binance-open-interest-hist",
            "Binance GET /futures/data/openInterestHist rows (sumOpenInterest in base units, sumOpenInterestValue in USD); interval from the row spacing.",
            "symbol,sumOpenInterest,sumOpenInterestValue,CMCCirculatingSupply,timestamp", @".",
            [("symbol", V), ("sumOpenInterest", D), ("sumOpenInterestValue", D), ("CMCCirculatingSupply", D), ("timestamp", B)], "timestamp", BarTime.Epoch,
            interval =>
            [
                new("open_interest", OiKeys, "time",
                [
                    ("venue", S("binance-usdm")), ("symbol", "symbol"), ("source", S("binance-openInterestHist")), ("interval", S(interval)), ("time", "ts"),
                    ("oi_base", "sumOpenInterest"), ("oi_usd", "sumOpenInterestValue"),
                ]),
            ]),
        LongShortAccountRatio("global", "global_account", "Binance globalLongShortAccountRatio (all accounts)"),
        LongShortAccountRatio("top", "top_trader_account", "Binance topLongShortAccountRatio (top traders' accounts)"),
        new("binance-taker-long-short-ratio",
            "Binance takerlongshortRatio (taker buy/sell volume in base units); symbol BTCUSDT (the file has no symbol column); interval from the row spacing.",
            "buySellRatio,sellVol,buyVol,timestamp", @"btcusdt",
            [("buySellRatio", D), ("sellVol", D), ("buyVol", D), ("timestamp", B)], "timestamp", BarTime.Epoch,
            interval =>
            [
                new("long_short_ratios", RatioKeys, "time",
                [
                    ("venue", S("binance-usdm")), ("symbol", S("BTCUSDT")), ("kind", S("taker_volume")), ("interval", S(interval)), ("time", "ts"),
                    ("ratio", "buySellRatio"), ("buy_volume", "buyVol"), ("sell_volume", "sellVol"),
                ]),
            ]),
        new("funding-history-utc3",
            "Funding history 'Symbol,Date,Funding Rate' with Date in local time UTC+3 (3 h subtracted to get UTC); symbol 'BTC-USDT' → 'BTCUSDT'.",
            "Symbol,Date,Funding Rate", @"funding_history",
            [("Symbol", V), ("Date", V), ("Funding Rate", D)], "Date", BarTime.UtcPlus3,
            _ =>
            [
                new("funding_rates", FundingKeys, "funding_time",
                [
                    ("venue", S("binance-usdm")), ("symbol", "replace(\"Symbol\", '-', '')"), ("source", S("binance-fundingRate")), ("interval", S("8h")),
                    ("funding_time", "ts"), ("funding_rate", "\"Funding Rate\""),
                ]),
            ]),
    ];
}
