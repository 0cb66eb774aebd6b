using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidationLab.Core.Backtesting;
using LiquidationLab.Core.MarketData;
using LiquidationLab.Data.Models;
using LiquidationLab.Data.Query;

namespace LiquidationLab.Analysis;

/// <summary>
/// The evaluation protocol's question: which series (symbol, period, candle market, OI series, liquidation scope and side),
/// which span (training from <see cref="Window"/>'s start, scored from <see cref="TestFrom"/> to its end), which touch-model
/// configurations, and the protocol's settings. <c>liqlab backtest</c>, <c>lab.Backtest(…)</c> and
/// <c>GET /liquidations/backtest</c> all build one and pass only what the user gave; the defaults are here.
/// </summary>
/// <param name="Symbol">Candle symbol; totals are read for its base asset (BTCUSDT → BTC).</param>
/// <param name="Interval">Period: <c>30m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c> … (stored, or built from a shorter stored interval that divides it).</param>
/// <param name="Window">First period used (training starts here) to the end of the scored periods; open ends: the data's.</param>
/// <param name="TestFrom">First scored period; null: the middle of the data. Nothing from here on fits or chooses anything.</param>
/// <param name="TrainUntil">With a value: fit once on the periods before it and freeze (no walk-forward refits).</param>
/// <param name="Market"><c>perp</c> or <c>spot</c> candles; null: the market whose candles cover more periods that have
/// liquidation totals (perp on a tie), named in the result.</param>
/// <param name="Models">Touch-model configurations: specs <c>RULE:CALIBRATION[:HALF_LIFE_DAYS[:HORIZON_BARS]]</c> or frozen
/// files (<c>….json</c>); <c>["none"]</c> scores the baselines alone; null: the repository's frozen configuration
/// (<c>data/models/touch-model.json</c>).</param>
/// <param name="OpenInterestSymbol">OI series symbol when it differs from the candles' (e.g. <c>BTC</c>), or null.</param>
/// <param name="Scope">Exchange scope of the totals (e.g. <c>Binance</c>); null: the only one stored.</param>
/// <param name="Side">Total, or the longs or the shorts liquidated.</param>
/// <param name="RefitDays">Walk-forward refit interval, days, 1–3650.</param>
/// <param name="BlockDays">Bootstrap block length, days, 1–3650.</param>
/// <param name="EventQuantile">Events: periods at or above this quantile of the training totals, in (0, 1).</param>
/// <param name="Resamples">Bootstrap resamples, 100–100,000.</param>
public sealed record BacktestQuery(
    string Symbol = QueryDefaults.Symbol, string Interval = QueryDefaults.BacktestInterval, TimeWindow Window = default, DateTime? TestFrom = null,
    DateTime? TrainUntil = null, string? Market = null, IReadOnlyList<string>? Models = null, string? OpenInterestSymbol = null, string? Scope = null,
    LiquidationSide Side = LiquidationSide.Total, double RefitDays = QueryDefaults.RefitDays, double BlockDays = QueryDefaults.BlockDays,
    double EventQuantile = QueryDefaults.EventQuantile, int Resamples = QueryDefaults.Resamples)
{
    /// <summary>The most configurations one backtest scores.</summary>
    public const int MaxModels = 32;

    /// <summary>
    /// The configurations <paramref name="specs"/> name (comma-separated or one per item): specs, frozen files (<c>….json</c>),
    /// <c>none</c> (the baselines alone: an empty list); null or no item: the repository's frozen configuration.
    /// </summary>
    /// <exception cref="QueryParameterException">(<c>model</c>) A spec that does not parse, a file that is missing or invalid,
    /// more than <see cref="MaxModels"/>, or no frozen configuration to default to.</exception>
    public static IReadOnlyList<TouchModelConfig> ParseModels(IEnumerable<string>? specs)
    {
        var given = (specs ?? []).ToArray();
        var parts = given.SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        if (given.Length > 0 && parts.Length == 0)
            throw new QueryParameterException("model", "empty; give RULE:CALIBRATION (e.g. absolute:stacked), or 'none' to score the baselines alone.");
        if (parts.Length == 0)
            return TouchModelLocation.Frozen() is { } frozen ? [ReadFile(frozen)]
                : throw new QueryParameterException("model", $"no frozen configuration ({TouchModelLocation.RelativePath}) in this clone; give one such as absolute:stacked, or none.");
        if (parts is ["none"]) return [];
        if (parts.Length > MaxModels) throw new QueryParameterException("model", $"at most {MaxModels} configurations per backtest, found {parts.Length}.");
        return parts.Select(p => p == "none"
                ? throw new QueryParameterException("model", "'none' scores the baselines alone; it cannot be combined with configurations.")
                : p.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadFile(p) : ParseSpec(p))
            .ToArray();

        static TouchModelConfig ParseSpec(string spec)
        {
            try
            {
                return TouchModelConfig.Parse(spec);
            }
            catch (FormatException e)
            {
                throw new QueryParameterException("model", $"{spec}: {e.Message}");
            }
        }

        static TouchModelConfig ReadFile(string path)
        {
            if (!File.Exists(path)) throw new QueryParameterException("model", $"no configuration file at {path}.");
            try
            {
                return TouchModelConfigFile.Read(path);
            }
            catch (FormatException e)
            {
                throw new QueryParameterException("model", e.Message);
            }
        }
    }

    /// <summary>Parses <c>total</c>, <c>long</c> or <c>short</c> (null: total).</summary>
    /// <exception cref="QueryParameterException">(<c>side</c>) Anything else.</exception>
    public static LiquidationSide ParseSide(string? text) => (text ?? "total").Trim().ToLowerInvariant() switch
    {
        "total" or "" => LiquidationSide.Total,
        "long" => LiquidationSide.Long,
        "short" => LiquidationSide.Short,
        _ => throw new QueryParameterException("side", $"expected total, long or short, found '{text}'."),
    };
}

/// <summary>
/// A backtest's answer: what was scored (<see cref="Series"/>), with which configurations and settings, and the three
/// evaluations — ex ante, conditional, zones — plus the price-level scores where prints exist in the test span.
/// <see cref="ToJson"/> is the document <c>liqlab backtest --json</c> prints and <c>GET /liquidations/backtest</c> returns.
/// </summary>
/// <param name="Query">The query, with the market it read.</param>
/// <param name="Series">Candles and totals scored, the test start, where each came from.</param>
/// <param name="Models">The touch-model configurations scored (empty: the baselines alone).</param>
/// <param name="Settings">The protocol settings.</param>
/// <param name="ExAnte">Next-period forecasts made at each period's open.</param>
/// <param name="Conditional">Liquidations given the period's own range.</param>
/// <param name="Zones">Zone-touch probabilities of the first configuration's book; null with no configuration.</param>
/// <param name="Prints">Price-level scores against the real prints of the test span; null when none were scored.</param>
/// <param name="PrintSettings">The settings <paramref name="Prints"/> were scored with, or null.</param>
/// <param name="Quantiles">P50/P90/P99 forecasts (climatology quantile, quantile HAR, each configuration's regression with and
/// without the map) scored by pinball loss and coverage.</param>
/// <param name="Ablation">Each configuration's results beside the same regression without the map's feature (empty without a configuration).</param>
public sealed record BacktestResult(BacktestQuery Query, BacktestSeries Series, IReadOnlyList<TouchModelConfig> Models, ExAnteSettings Settings,
    ProtocolReport ExAnte, ProtocolReport Conditional, ZoneReport? Zones, PooledPriceLevelScore? Prints, PriceLevelScoringSettings? PrintSettings,
    QuantileReport? Quantiles = null, IReadOnlyList<AblationRow>? Ablation = null)
{
    /// <summary>The JSON conventions of the document: camelCase names, NaN where a metric is undefined, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The turnover model's walk-forward fit (refits, spread of the fitted values), or null when not scored.</summary>
    public TurnoverFitResult? Turnover { get; init; }

    /// <summary>The conditional diagnosis (near-zero shares, the models against range × OI), or null.</summary>
    public ConditionalDiagnosis? Diagnosis { get; init; }

    /// <summary>The whole evaluation as one report (null when only the baselines were scored).</summary>
    public BacktestReport? Report => Zones is null ? null : new BacktestReport(ExAnte, Conditional, Zones, Models, Prints, PrintSettings, Turnover, Diagnosis, Quantiles, Ablation);

    /// <summary>What the liquidation totals are: the scope, and the side when not the total (e.g. <c>Binance+Bybit+OKX long</c>).</summary>
    public string TotalsLabel
    {
        get
        {
            var what = Series.Side == LiquidationSide.Total ? Series.LiquidationScope : $"{Series.LiquidationScope} {Series.Side.ToString().ToLowerInvariant()}";
            return Series.TotalsSource == Series.Interval ? what : $"{what} ({Series.TotalsSource})";
        }
    }

    /// <summary>The report as JSON (UTF-8 text): series, configurations, settings, both protocols (the ex-ante one with the baseline
    /// ladder), the quantile forecasts, the ablation, zones, prints.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        symbol = Series.Symbol, interval = Series.Interval, market = Series.Market, candles = Series.CandleSource, openInterestSymbol = Series.OpenInterestSymbol,
        openInterestExchanges = Series.OpenInterestExchanges, openInterestMatchesScope = Series.OpenInterestMatchesScope,
        liquidationScope = Series.LiquidationScope, side = Series.Side.ToString().ToLowerInvariant(), liquidationTotals = Series.TotalsSource, funding = Series.Funding,
        models = Models, settings = Settings, exAnte = ExAnte, conditional = Conditional, quantiles = Quantiles, ablation = Ablation,
        zones = Zones is null ? null : new
        {
            Zones.TestPeriods, zoneCount = Zones.Observations.Count, Zones.TouchRate, Zones.BrierDifference,
            scores = Zones.Scores.Select(z => new { z.Name, z.Brier, z.Reliability }),
        },
        prints = Prints, printSettings = PrintSettings,
        turnover = Turnover is null ? null : new
        {
            shareSource = Turnover.ShareSource.ToString(), Turnover.PerSide,
            refits = Turnover.Refits.Select(r => new
            {
                r.TrainEndTime, r.Parameters.LeverageExponent, mix = r.Parameters.Mix.Tiers.Select(t => new { t.Leverage, t.Weight }),
                r.Parameters.TurnoverShare, r.Parameters.HazardPerBar, r.Parameters.LifetimeBars, r.Parameters.LongTilt, r.Parameters.FloorUsd, r.Scale, r.Loss, r.Evaluations,
            }),
            Turnover.Spread,
        },
        conditionalDiagnosis = Diagnosis,
    }, JsonOptions);
}

public sealed partial class LiquidationAnalysis
{
    /// <summary>
    /// The evaluation protocol: the ex-ante protocol with the touch-model configurations and every same-information
    /// baseline, the conditional protocol, the zone-touch scores and, where the store holds prints in the test span, the
    /// price-level scores; block-bootstrap intervals throughout.
    /// </summary>
    /// <exception cref="QueryParameterException">A bad interval, market, scope, side, model, time or setting.</exception>
    /// <exception cref="DataUnavailableException">No candles or totals, or fewer than 10 periods with both.</exception>
    /// <exception cref="Core.Margin.LeverageBracketTableNotFoundException">No tier table for the symbol (with a model to run).</exception>
    public BacktestResult Backtest(BacktestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckInterval(query.Interval);
        if (query.Market is not null) CheckMarket(query.Market);
        if (string.IsNullOrWhiteSpace(query.Symbol)) throw new QueryParameterException("symbol", "required, e.g. BTCUSDT.");
        CheckDays(query.RefitDays, "refit_days");
        CheckDays(query.BlockDays, "block_days");
        if (!(query.EventQuantile > 0 && query.EventQuantile < 1))
            throw new QueryParameterException("event_quantile", $"expected a number strictly between 0 and 1, found {query.EventQuantile.ToString(CultureInfo.InvariantCulture)}.");
        if (query.Resamples is < 100 or > 100_000)
            throw new QueryParameterException("resamples", $"expected a whole number from 100 to 100,000, found {query.Resamples}.");
        if (!Enum.IsDefined(query.Side)) throw new QueryParameterException("side", "expected total, long or short.");
        var configs = BacktestQuery.ParseModels(query.Models);
        var brackets = configs.Count == 0 ? null : Table(query.Symbol);
        var (series, prints) = Store.Read(s =>
        {
            var reader = new MarketDataReader(s);
            var loaded = LoadSeries(reader, query.Symbol, query.Interval, query.Market, query.Window, query.TestFrom, query.OpenInterestSymbol, query.Scope, query.Side);
            var (from, to) = loaded.TestSpan;
            var p = configs.Count > 0 ? reader.LiquidationPrints(query.Symbol, from, to).Select(x => x.ToPoint()).ToArray() : [];
            return (loaded, p);
        });
        if (series.Candles.Length > Limits.MaxCandles)
            throw new QueryParameterException("from", $"{series.Candles.Length:N0} periods; at most {Limits.MaxCandles:N0} per request.");
        ExAnteSettings settings;
        try
        {
            settings = series.Settings(query.RefitDays, query.BlockDays, query.EventQuantile, query.Resamples, query.TrainUntil);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "trainUntil")
        {
            throw new QueryParameterException("train_until", e.Message.Split(Environment.NewLine)[0].Split(" (Parameter")[0]);
        }
        query = query with { Market = series.Market };
        if (settings.FitStart < 2 * settings.BlockLength)
            throw new QueryParameterException("test_from", string.Create(CultureInfo.InvariantCulture,
                $"the training span ({series.TestStart:N0} periods before {series.Candles[series.TestStart].OpenTime:yyyy-MM-ddTHH:mm}Z) must hold at least two bootstrap blocks of {settings.BlockLength} periods (block_days {query.BlockDays}): start the test later or the data earlier."));
        if (series.Candles.Length - series.TestStart < 2 * settings.BlockLength)
            throw new QueryParameterException("test_to", string.Create(CultureInfo.InvariantCulture,
                $"the test span ({series.Candles.Length - series.TestStart:N0} periods) must hold at least two bootstrap blocks of {settings.BlockLength} periods (block_days {query.BlockDays})."));
        try
        {
            return Evaluate(query, series, configs, brackets, settings, prints);
        }
        catch (ArgumentException e) when (e is not QueryParameterException)
        {
            // What the protocol cannot score on these data (e.g. no zone near the price before the test start): the data, not a bug.
            throw new DataUnavailableException($"The protocol cannot score this span: {e.Message}");
        }
    }

    private static BacktestResult Evaluate(BacktestQuery query, BacktestSeries series, IReadOnlyList<TouchModelConfig> configs, Core.Margin.LeverageBracketTable? brackets,
        ExAnteSettings settings, LiquidationPrintPoint[] prints)
    {
        if (configs.Count == 0)
            return new BacktestResult(query, series, configs, settings, ExAnteProtocol.Evaluate(series.Candles, series.ActualUsd, [], settings, series.FundingRate),
                ConditionalProtocol.Evaluate(series.Candles, series.ActualUsd, [], settings, query.Side), null, null, null,
                QuantileProtocol.Evaluate(series.Candles, series.ActualUsd, [], settings), []);
        var report = BacktestEvaluation.Run(series.Candles, series.ActualUsd, brackets!, configs, settings, series.PeriodsPerDay, query.Side, prints,
            turnover: new TurnoverInputs(series.FundingRates, series.LongUsd, series.ShortUsd, TurnoverModelFile.Frozen()?.Parameters), fundingRate: series.FundingRate);
        return new BacktestResult(query, series, configs, settings, report.ExAnte, report.Conditional, report.Zones, report.Prints, report.PrintSettings,
            report.Quantiles, report.Ablation ?? [])
        {
            Turnover = report.Turnover, Diagnosis = report.Diagnosis,
        };
    }

    private static readonly string[] Markets = ["perp", "spot"];

    private static void CheckDays(double days, string name)
    {
        if (!(days >= 1 && days <= 3650))
            throw new QueryParameterException(name, $"expected days from 1 to 3,650, found {days.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>
    /// Candles and real totals of the same periods. One decision for every query that scores totals (backtest, history): with
    /// no market given, the market whose candles (stored, or built from a shorter interval that divides the period) cover
    /// more periods that have totals, perp on a tie — so an hourly BTCUSDT question on the repository's data (hourly spot
    /// candles over the hourly totals, 5-minute perp ones months later) reads spot without being told.
    /// </summary>
    private static BacktestSeries LoadSeries(MarketDataReader reader, string symbol, string interval, string? market, TimeWindow window, DateTime? testFrom,
        string? openInterestSymbol, string? scope, LiquidationSide side)
    {
        if (market is not null) return BacktestSeriesReader.Load(reader, symbol, interval, market, window, testFrom, openInterestSymbol, scope, side);
        var candidates = Markets.Where(m => BarPeriod.Serves(interval, reader.CandleIntervals(symbol, m))).ToList();
        if (candidates.Count <= 1) return BacktestSeriesReader.Load(reader, symbol, interval, candidates.FirstOrDefault() ?? "perp", window, testFrom, openInterestSymbol, scope, side);
        BacktestSeries? best = null;
        var errors = new List<Exception>();
        foreach (var m in candidates)
        {
            try
            {
                var s = BacktestSeriesReader.Load(reader, symbol, interval, m, window, testFrom, openInterestSymbol, scope, side);
                if (best is null || s.Candles.Length > best.Candles.Length) best = s;
            }
            catch (Exception e) when (e is DataUnavailableException or QueryParameterException)
            {
                errors.Add(e);
            }
        }
        // Neither market serves: a parameter that is wrong where data exist says more than a market without the data.
        return best ?? throw errors.OfType<QueryParameterException>().Cast<Exception>().Concat(errors).First();
    }
}

/// <summary>Reads a <see cref="BacktestSeries"/> from the store, with errors in the query's terms.</summary>
internal static class BacktestSeriesReader
{
    /// <summary>
    /// Candles of <paramref name="interval"/> (or, when none are stored, bars built from the longest stored interval that
    /// divides it, complete bars only) with the open interest of <paramref name="openInterestSymbol"/>, and the liquidation
    /// totals of the symbol's base asset (BTCUSDT → BTC) at the same interval (or summed from a shorter one); only periods
    /// with both are kept.
    /// </summary>
    /// <exception cref="QueryParameterException">(<c>interval</c>, <c>scope</c>, <c>test_from</c>) A bad interval, an ambiguous
    /// or unknown scope, a test start with nothing before or after it.</exception>
    /// <exception cref="DataUnavailableException">No candles or totals, or fewer than 10 periods with both.</exception>
    public static BacktestSeries Load(MarketDataReader reader, string symbol, string interval, string market, TimeWindow window, DateTime? testFrom,
        string? openInterestSymbol, string? scope, LiquidationSide side)
    {
        var period = BarPeriod.Parse(interval) ?? throw new QueryParameterException("interval", $"expected minutes, hours or days such as 30m, 1h, 4h, 1d; found '{interval}'.");
        var (from, to) = (window.Start, window.End);
        var candles = reader.Candles(symbol, interval, from, to, market, openInterestSymbol);
        var source = interval;
        if (candles.Length == 0)
        {
            var stored = reader.CandleIntervals(symbol, market);
            var finer = BarPeriod.LongestDivisor(period, stored)
                ?? throw new DataUnavailableException($"No {market} {interval} candles for {symbol}, nor a shorter interval to build them from " +
                                                      (stored.Count == 0 ? $"(the store has no {market} candles for {symbol}); run 'liqlab data ingest' first." : $"(stored: {string.Join(", ", stored)})."));
            var bars = reader.Candles(symbol, finer, from, to, market, openInterestSymbol);
            if (bars.Length < 2)
                throw new DataUnavailableException($"{bars.Length} {market} {finer} candles for {symbol} in {Describe(window)}: too few to build {interval} bars.");
            candles = CandleAggregation.Aggregate(bars, period);
            source = $"{interval} built from {finer}";
        }
        if (candles.Length == 0) throw new DataUnavailableException($"No {market} {interval} candles for {symbol} in {Describe(window)}.");
        var asset = symbol.EndsWith("USDT", StringComparison.Ordinal) ? symbol[..^4] : symbol;
        // Totals of the interval, else summed from the longest stored interval that divides it (complete periods only).
        var totalsInterval = interval;
        var scopes = reader.LiquidationScopes(asset, interval);
        if (scopes.Count == 0 || (scope is not null && !scopes.Contains(scope)))
        {
            var finer = BarPeriod.LongestDivisor(period, reader.LiquidationIntervals(asset).Where(i => scope is null || reader.LiquidationScopes(asset, i).Contains(scope)));
            if (finer is not null)
            {
                totalsInterval = finer;
                scopes = reader.LiquidationScopes(asset, finer);
            }
        }
        var sc = scope ?? (scopes.Count == 1 ? scopes[0]
            : scopes.Count == 0 ? throw new DataUnavailableException($"No {interval} liquidation totals for {asset}, nor a shorter interval to sum them from.")
            : throw new QueryParameterException("scope", $"{asset} {totalsInterval} liquidation totals exist for {string.Join(", ", scopes)}; choose one."));
        if (!scopes.Contains(sc))
            throw new QueryParameterException("scope", $"{sc}: no {asset} liquidation totals with that scope at {interval} or a shorter interval that divides it" +
                                                       (scopes.Count == 0 ? "." : $" (stored at {totalsInterval}: {string.Join(", ", scopes)})."));
        var raw = reader.LiquidationTotals(asset, totalsInterval, sc, candles[0].OpenTime, candles[^1].OpenTime.Add(period));
        var totals = totalsInterval == interval
            ? raw.ToDictionary(t => t.PeriodStart, t => BacktestSeries.Pick(t, side))
            : BacktestSeries.SumTotals(raw, period, BarPeriod.Parse(totalsInterval)!.Value, side);
        var (kept, actual) = BacktestSeries.Align(candles, totals);
        if (kept.Length < 10) throw new DataUnavailableException($"Only {kept.Length} {interval} periods have both a {market} candle and a {sc} liquidation total in {Describe(window)}.");
        var testStart = BacktestSeries.TestStartIndex(kept, testFrom);
        if (testStart <= 0)
            throw new QueryParameterException("test_from", string.Create(CultureInfo.InvariantCulture,
                $"{testFrom:yyyy-MM-ddTHH:mm}Z leaves no training periods before it, or no periods from it (data {kept[0].OpenTime:yyyy-MM-ddTHH:mm}Z – {kept[^1].OpenTime:yyyy-MM-ddTHH:mm}Z)."));
        Dictionary<DateTime, double> Of(LiquidationSide s) => totalsInterval == interval ? raw.ToDictionary(t => t.PeriodStart, t => BacktestSeries.Pick(t, s))
            : BacktestSeries.SumTotals(raw, period, BarPeriod.Parse(totalsInterval)!.Value, s);
        var (longs, shorts) = (Of(LiquidationSide.Long), Of(LiquidationSide.Short));
        var fundingRates = reader.FundingRates(symbol, "binance-fundingRate", kept[0].OpenTime.AddDays(-3), kept[^1].OpenTime.Add(period));
        var (fundingRate, funding) = Funding(reader, [openInterestSymbol ?? symbol, symbol, asset], kept, testStart, period);
        return new BacktestSeries(symbol, interval, market, source, openInterestSymbol ?? symbol, sc, side,
            totalsInterval == interval ? interval : $"{interval} summed from {totalsInterval}", kept, actual, testStart, TimeSpan.FromDays(1) / period,
            fundingRate, funding)
        {
            LongUsd = kept.Select(c => longs.GetValueOrDefault(c.OpenTime, double.NaN)).ToArray(),
            ShortUsd = kept.Select(c => shorts.GetValueOrDefault(c.OpenTime, double.NaN)).ToArray(),
            FundingRates = fundingRates,
            OpenInterestExchanges = OpenInterestExchanges(openInterestSymbol ?? symbol),
        };
    }

    /// <summary>
    /// The funding rate known at each period's open for the ladder's funding rung: of the first of <paramref name="symbols"/> with
    /// funding stored over the span, the source with the most settlements there, as of each open; none (and why) when no
    /// source has a rate within a day before every scored period.
    /// </summary>
    private static (double[]? Rate, string Note) Funding(MarketDataReader reader, IEnumerable<string> symbols, Candle[] kept, int testStart, TimeSpan period)
    {
        var (from, to) = (kept[0].OpenTime.AddDays(-2), kept[^1].OpenTime);
        var starts = kept.Select(c => c.OpenTime).ToArray();
        var tried = new List<string>();
        foreach (var symbol in symbols.Distinct())
        {
            foreach (var source in reader.FundingSources(symbol, from, to))
            {
                var rate = BaselineLadder.FundingAtOpen(starts, reader.FundingRates(symbol, source, from, to), period);
                if (rate.Skip(testStart).All(double.IsFinite)) return (rate, $"{symbol} {source}");
                tried.Add($"{symbol} {source}");
            }
        }
        return (null, tried.Count == 0
            ? $"no funding rates stored for {string.Join(" or ", symbols.Distinct())} over the span: the funding rung is left out"
            : $"funding ({string.Join(", ", tried)}) does not cover every scored period: the funding rung is left out");
    }

    private static string Describe(TimeWindow w) => w.From is null && w.To is null ? "the store" : w.ToString();

    /// <summary>
    /// The exchanges an OI series covers, in the liquidation scopes' terms: a pair symbol (<c>BTCUSDT</c>) is the Binance pair's
    /// OI (Binance's <c>openInterestHist</c> or Coinglass's Binance-pair series: data/real/SOURCES.md), a bare asset (<c>BTC</c>)
    /// Coinglass's all-exchange aggregate. No stored OI series covers Binance+Bybit+OKX together, so the 3-exchange totals
    /// never match (the result says so).
    /// </summary>
    internal static string OpenInterestExchanges(string openInterestSymbol) =>
        openInterestSymbol.EndsWith("USDT", StringComparison.Ordinal) ? "Binance" : "all exchanges";
}
