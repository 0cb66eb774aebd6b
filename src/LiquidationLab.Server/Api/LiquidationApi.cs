using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.Charts;
using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Tiers;
using LiquidationLab.Data.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using System.Threading.RateLimiting;
using Scalar.AspNetCore;

namespace LiquidationLab.Server.Api;

/// <summary>Settings of <c>liqlab serve</c>.</summary>
/// <param name="StorePath">The DuckDB store, read through short-lived read-only connections.</param>
/// <param name="TierDirectory">Tier-table directory, or null to locate it the usual way.</param>
/// <param name="Urls">Listen URLs (default <c>http://127.0.0.1:5080</c>: loopback only); port 0 picks a free one.</param>
/// <param name="Limits">Per-request limits.</param>
/// <param name="CacheBytes">Response cache budget.</param>
/// <param name="AllowedHosts">Host names (the <c>Host</c> header, without port) answered besides the loopback ones
/// (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>); <c>*.example.org</c> allows subdomains. Requests naming any other
/// host get 400 (a browser page on another origin cannot reach the API through DNS rebinding).</param>
/// <param name="MaxConcurrentComputations">Uncached results (model runs, store reads) computed at once (default: the
/// processor count).</param>
/// <param name="MaxQueuedComputations">Uncached requests waiting for a computation slot; past it, 503 with Retry-After
/// (default 32).</param>
public sealed record LiquidationApiOptions(string StorePath, string? TierDirectory = null, IReadOnlyList<string>? Urls = null, AnalysisLimits? Limits = null,
    long CacheBytes = 512L << 20, IReadOnlyList<string>? AllowedHosts = null, int? MaxConcurrentComputations = null, int MaxQueuedComputations = 32)
{
    /// <summary>The default listen URL.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The hosts always answered: loopback.</summary>
    public static IReadOnlyList<string> LoopbackHosts { get; } = ["localhost", "127.0.0.1", "[::1]"];
}

/// <summary>
/// The REST API and the heatmap page (<c>liqlab serve</c>): <c>GET /liquidations/levels</c>, <c>/heatmap</c>, <c>/map</c>,
/// <c>/compare-models</c>, <c>/history</c>, <c>/symbols</c>, <c>/health</c>, the OpenAPI document at
/// <c>/openapi/v1.json</c>, its reference page at <c>/scalar</c> and the page at <c>/</c>. Every result comes from
/// <see cref="LiquidationAnalysis"/>; nothing writes to the store. Responses are cached per (request, store version).
/// Errors are RFC 7807 problem details naming the parameter.
/// </summary>
public sealed partial class LiquidationApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ResultCache _cache;
    private readonly ConcurrencyLimiter _limiter;

    private LiquidationApi(WebApplication app, ResultCache cache, LiquidationAnalysis analysis, IReadOnlyList<Uri> urls, ConcurrencyLimiter limiter)
    {
        _app = app;
        _cache = cache;
        _limiter = limiter;
        Analysis = analysis;
        Urls = urls;
    }

    /// <summary>The addresses the server listens on.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>The application layer behind the endpoints.</summary>
    public LiquidationAnalysis Analysis { get; }

    /// <summary>Cache hits and misses so far.</summary>
    public (long Hits, long Misses) CacheCounts => _cache.Counts;

    /// <summary>Forgets every cached response (cold measurements).</summary>
    public void ClearCache() => _cache.Clear();

    /// <summary>Builds, maps and starts the server.</summary>
    /// <exception cref="DirectoryNotFoundException">No tier tables.</exception>
    /// <exception cref="IOException">A listen address is taken.</exception>
    public static async Task<LiquidationApi> StartAsync(LiquidationApiOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxConcurrentComputations is < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxConcurrentComputations must be ≥ 1.");
        if (options.MaxQueuedComputations < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxQueuedComputations must be ≥ 0.");
        var analysis = LiquidationAnalysis.ForFile(options.StorePath, options.TierDirectory, options.Limits);
        var cache = new ResultCache(options.CacheBytes);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. options.Urls ?? [LiquidationApiOptions.DefaultUrl]]);
        // Kestrel answers an over-long request line or header block itself, with an empty body; its limits sit above the
        // API's own (checked in RequestGuard, which answers with problem details) so that, short of absurd sizes, the API answers.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestLineSize = RequestGuard.MaxRequestTarget * 8;
            k.Limits.MaxRequestHeadersTotalSize = RequestGuard.MaxHeaderBytes * 4;
        });
        var hosts = LiquidationApiOptions.LoopbackHosts.Concat(options.AllowedHosts ?? []).Select(h => h.Trim()).Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var scrub = new Scrubber(analysis);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            var status = c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode;
            if (c.ProblemDetails.Detail is null)
                c.ProblemDetails.Detail = status switch
                {
                    400 when !HostFilteringPassed(c.HttpContext) => $"Host '{Clip(c.HttpContext.Request.Headers.Host.ToString())}' is not served: this API answers {string.Join(", ", hosts)} (liqlab serve --allowed-hosts adds names).",
                    400 => "The request is malformed.",
                    404 => $"No endpoint at {Clip(c.HttpContext.Request.Path.Value ?? "/")}; see /openapi/v1.json or /scalar for the API.",
                    405 => $"{Clip(c.HttpContext.Request.Method)} is not allowed here: the API answers GET.",
                    _ => null,
                };
            if (status == 400 && !HostFilteringPassed(c.HttpContext)) c.ProblemDetails.Extensions["parameter"] = "Host";
            c.ProblemDetails.Detail = c.ProblemDetails.Detail is { } d ? scrub.Clean(d) : null;
            c.ProblemDetails.Extensions.Remove("exception"); // never a .NET type name or stack
        });
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "LiquidationLab API";
            doc.Info.Description = "Liquidation levels on Binance USDS-M, Bybit linear, OKX USDT swaps and Hyperliquid (the `venue` parameter of " +
                                   "/liquidations/levels; each venue's instruments with a tier table: " + VenueList(analysis) + "; /liquidations/symbols?venue=… lists them), " +
                                   "and time × price heatmaps (Binance USDS-M, or summed over venues), liquidation maps, model comparisons and real liquidation history, " +
                                   "computed from the LiquidationLab store. Read-only. Times are UTC, prices USDT (USDC on Hyperliquid), notionals USD.";
            return Task.CompletedTask;
        }));
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages(); // empty 4xx/5xx (404, 405, host refused) get problem details
        // Host filtering with ASP.NET Core's own matcher (HostString.MatchesAny, as its HostFiltering middleware uses), here
        // rather than that middleware so the refusal is a problem detail: that middleware answers with an empty body or HTML.
        var patterns = hosts.Select(h => new StringSegment(h)).ToArray();
        app.Use(async (ctx, next) =>
        {
            if (!ctx.Request.Host.HasValue || !HostString.MatchesAny(new StringSegment(ctx.Request.Host.Value), patterns))
            {
                ctx.Items[HostCheckKey] = false;
                ctx.Response.StatusCode = 400;
                return; // the status-code pages write the problem detail
            }
            await next(ctx).ConfigureAwait(false);
        });
        app.Use(RequestGuard.Check);
        var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentComputations ?? Math.Max(1, Environment.ProcessorCount),
            QueueLimit = options.MaxQueuedComputations,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        var api = new Endpoints(analysis, cache, limiter, scrub);
        api.Map(app);
        app.MapOpenApi();
        // The reference page offline and to itself: no "Ask AI" agent, no MCP or telemetry calls, and no developer toolbar
        // ("Deploy", "Generate SDK"), whose buttons lead to Scalar's hosted services.
        app.MapScalarApiReference(o => o.WithTitle("LiquidationLab API").DisableDefaultFonts().DisableAgent().DisableMcp().DisableTelemetry().HideDeveloperTools());
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a + "/")).ToArray();
        return new LiquidationApi(app, cache, analysis, addresses, limiter);
    }

    private const string HostCheckKey = "liqlab.host-checked";

    private static bool HostFilteringPassed(HttpContext ctx) => !ctx.Items.TryGetValue(HostCheckKey, out var v) || v is not false;

    private static string Clip(string text) => text.Length > 80 ? text[..80] + "…" : text;

    /// <summary>Each venue with its instruments, for the OpenAPI description: <c>binance (BTCUSDT, ETHUSDT), bybit (BTCUSDT), …</c>.</summary>
    private static string VenueList(LiquidationAnalysis analysis) =>
        string.Join(", ", VenueInfo.All.Select(v => $"{VenueInfo.Name(v)} ({(analysis.Venues.Instruments(v) is { Count: > 0 } i ? string.Join(", ", i) : "none")})"));

    /// <summary>Waits until the server stops (Ctrl+C or <paramref name="cancellationToken"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _cache.Dispose();
        await _limiter.DisposeAsync().ConfigureAwait(false);
    }

    private sealed partial class Endpoints(LiquidationAnalysis analysis, ResultCache cache, ConcurrencyLimiter limiter, Scrubber scrub)
    {
        private const string JsonType = "application/json; charset=utf-8";
        private const string HtmlType = "text/html; charset=utf-8";

        public void Map(WebApplication app)
        {
            app.MapGet("/", () => Results.Bytes(Page.Index, HtmlType)).ExcludeFromDescription();
            app.MapGet("/assets/plotly.min.js", (HttpContext ctx) =>
            {
                ctx.Response.Headers.CacheControl = "public, max-age=86400";
                return Results.Bytes(Page.Plotly, "text/javascript; charset=utf-8");
            }).ExcludeFromDescription();

            var liq = app.MapGroup("/liquidations");
            liq.MapGet("/levels", (HttpContext ctx,
                    [Description("Venue whose margin model and tier table compute the levels: binance (USDS-M, default), bybit (linear), okx (USDT swaps) or hyperliquid")] string? venue,
                    [Description("The venue's instrument with a tier table (default BTCUSDT): BTCUSDT on binance and bybit, BTC-USDT-SWAP on okx, BTC on hyperliquid; /liquidations/symbols?venue=… lists them")] string? symbol,
                    [Description("Entry price, USDT (required)")] string? entry_price,
                    [Description("Leverages, comma-separated (default 5,10,25,50,100,125)")] string? leverage_levels,
                    [Description("isolated, cross or both (default isolated)")] string? margin,
                    [Description("long, short or both (default both)")] string? side,
                    [Description("Position size in base units (default 1)")] string? quantity,
                    [Description("Mark price for distances, USDT (default: the entry)")] string? mark,
                    [Description("Cross: wallet balance, USDT")] string? wallet_balance) =>
                Serve(ctx, ["venue", "symbol", "entry_price", "leverage_levels", "margin", "side", "quantity", "mark", "wallet_balance"], "tiers", bounded: false, () =>
                {
                    var parsedVenue = LevelsQuery.ParseVenue(venue);
                    var query = new LevelsQuery(symbol ?? QueryDefaults.Symbol, Required(entry_price, "entry_price", Decimal), quantity is null ? 1m : Decimal(quantity, "quantity"),
                        leverage_levels is null ? LevelsQuery.DefaultLeverages : LevelsQuery.ParseLeverages([leverage_levels]),
                        LevelsQuery.ParseMarginModes(margin is null ? [] : [margin]), LevelsQuery.ParseSides(side), mark is null ? null : Decimal(mark, "mark"),
                        wallet_balance is null ? null : new CrossMarginAccount(Decimal(wallet_balance, "wallet_balance"), 0, 0), parsedVenue);
                    return Json(ApiDocuments.Levels(analysis.Levels(query)));
                }))
                .WithSummary("Liquidation prices, brackets (tiers), distance and risk for a batch of leverages, on one venue")
                .WithDescription("The venue's margin model with its tier table: Binance's exact USDS-M formula with maintenance-margin brackets (default), " +
                                 "Bybit's linear risk-limit tiers, OKX swap position tiers (contracts), Hyperliquid's margin tables. The result names the venue and " +
                                 "the table's source and effective date; leverages above a tier's maximum come back with a rejection. Instruments per venue: " +
                                 VenueList(analysis) + ".");

            liq.MapGet("/heatmap", (HttpContext ctx,
                    [Description("Symbol with candles, open interest and a tier table (default BTCUSDT)")] string? symbol,
                    [Description("Stored candle interval, e.g. 5m, 1h, 4h (default 5m)")] string? interval,
                    [Description("Start, yyyy-MM-dd or ISO date-time UTC (default: first candle)")] string? from,
                    [Description("End; a date includes that day (default: last candle)")] string? to,
                    [Description("Time-aware model (time-evolving)")] string? model,
                    [Description("perp or spot candles (default: what the store has for the symbol, interval and window; perp when both)")] string? market,
                    [Description("Leverage mix, e.g. 5:0.15,10:0.3,25:0.25,50:0.2,100:0.1")] string? mix,
                    [Description("Candles per column (default: ≤ 1,000 columns)")] string? candles_per_column,
                    [Description("OI series symbol when it differs from the candles', e.g. BTC")] string? oi_symbol,
                    [Description("Venues whose maps are summed on one price grid and time axis, each from its own open interest, candles and tier table: " +
                                 "all (venues without data are left out and named), or a comma-separated list of binance, bybit, okx, hyperliquid " +
                                 "(a listed venue without data is a 404 naming it). Default: binance alone, as without the parameter. " +
                                 "symbol BTC or BTCUSDT names each venue's instrument (BTCUSDT, BTC-USDT-SWAP, BTC)")] string? venues,
                    [Description("With venues: the venue whose candles give the price path of a venue with open interest but no candles of its own, " +
                                 "e.g. binance for hyperliquid (default none)")] string? price_venue,
                    [Description("json (grid), plotly (figures) or html (chart page); Accept: text/html also gives the page")] string? format) =>
                Serve(ctx, ["symbol", "interval", "from", "to", "model", "market", "mix", "candles_per_column", "oi_symbol", "venues", "price_venue", "format"], null, bounded: true, () =>
                {
                    var result = analysis.Heatmap(new HeatmapQuery(symbol ?? QueryDefaults.Symbol, interval ?? QueryDefaults.Interval, TimeWindow.Parse(from, to), market,
                        model ?? Core.Models.TimeEvolvingModel.ModelName, mix, candles_per_column is null ? 0 : Int(candles_per_column, "candles_per_column"), oi_symbol,
                        Venues: VenueSelection.Parse(venues), PriceVenue: HeatmapQuery.ParsePriceVenue(price_venue)));
                    return Formatted(ctx, format, () => ApiDocuments.Heatmap(result), result.Title, result.Summary, () => [result.HeatmapFigure(), result.EndMapFigure()]);
                }))
                .WithSummary("Time × price liquidation heatmap of the time-evolving model, with the price path: of Binance, or summed over venues")
                .WithDescription("values[price_bin][time] in USD of open model notional; price_bins.centers and times label the axes. venues names the set " +
                                 "summed; per_venue gives each venue's instrument, tier table, open-interest and candle series, totals and values on the same axes " +
                                 "(their cell-by-cell sum is values); left_out names the venues of venues=all without data and why.");

            liq.MapGet("/map", (HttpContext ctx,
                    [Description("Symbol with aggregate trades and a tier table (default BTCUSDT)")] string? symbol,
                    [Description("Start (default: first trade)")] string? from,
                    [Description("End (default: last trade)")] string? to,
                    [Description("gross_value, top_n or portion (default gross_value)")] string? mode,
                    [Description("USD notional, count or fraction, by mode (default 100000)")] string? threshold,
                    [Description("Leverage mix")] string? mix,
                    [Description("Price bin width, USD (default ~250 bins)")] string? bin_width,
                    [Description("json, plotly or html")] string? format) =>
                Serve(ctx, ["symbol", "from", "to", "mode", "threshold", "mix", "bin_width", "format"], null, bounded: true, () =>
                {
                    var result = analysis.Map(new MapQuery(symbol ?? QueryDefaults.Symbol, TimeWindow.Parse(from, to),
                        MapQuery.ParseFilter(mode, threshold is null ? 100_000 : Double(threshold, "threshold")), mix, bin_width is null ? null : Double(bin_width, "bin_width")));
                    return Formatted(ctx, format, () => ApiDocuments.Map(result), result.Title, null, () => [result.Figure()]);
                }))
                .WithSummary("Large-trade liquidation map: notional per leverage tier and side by liquidation price, cumulative curves");

            liq.MapGet("/compare-models", (HttpContext ctx,
                    [Description("Symbol (default BTCUSDT)")] string? symbol,
                    [Description("Trade window start (default: the last day of stored trades)")] string? trade_from,
                    [Description("Trade window end")] string? trade_to,
                    [Description("Candle window start (default: the last 30 days of candles)")] string? candle_from,
                    [Description("Candle window end")] string? candle_to,
                    [Description("Candle interval (default 5m)")] string? interval,
                    [Description("Share of the largest trades the trade models use (default 0.05)")] string? portion,
                    [Description("json, plotly or html")] string? format) =>
                Serve(ctx, ["symbol", "trade_from", "trade_to", "candle_from", "candle_to", "interval", "portion", "format"], null, bounded: true, () =>
                {
                    var result = analysis.Compare(new CompareQuery(symbol ?? QueryDefaults.Symbol, TimeWindow.Parse(trade_from, trade_to, "trade_from", "trade_to"),
                        TimeWindow.Parse(candle_from, candle_to, "candle_from", "candle_to"), interval ?? QueryDefaults.Interval, portion is null ? QueryDefaults.TradePortion : Double(portion, "portion")));
                    return Formatted(ctx, format, () => ApiDocuments.Compare(result), $"{result.Query.Symbol}: model comparison", null, () => [result.Figure()]);
                }))
                .WithSummary("Every model on one symbol, or why it could not run");

            liq.MapGet("/history", (HttpContext ctx,
                    [Description("Candle symbol (default BTCUSDT); totals are read for its base asset")] string? symbol,
                    [Description("Period: 1h, 4h, 1d … (default 4h)")] string? interval,
                    [Description("Start")] string? from,
                    [Description("End")] string? to,
                    [Description("perp or spot candles (default: what the store has for the symbol, interval and window; perp when both)")] string? market,
                    [Description("OI series symbol when it differs, e.g. BTC")] string? oi_symbol,
                    [Description("Exchange scope of the totals, e.g. Binance")] string? scope,
                    [Description("json, plotly or html")] string? format) =>
                Serve(ctx, ["symbol", "interval", "from", "to", "market", "oi_symbol", "scope", "format"], null, bounded: true, () =>
                {
                    var result = analysis.History(new HistoryQuery(symbol ?? QueryDefaults.Symbol, interval ?? QueryDefaults.HistoryInterval, TimeWindow.Parse(from, to), market, oi_symbol, scope));
                    return Formatted(ctx, format, () => ApiDocuments.History(result), $"{result.Query.Symbol} liquidation history", null, () => [result.Figure()]);
                }))
                .WithSummary("Real liquidation totals and prints next to the time-evolving model's predictions, per period");

            liq.MapGet("/backtest", (HttpContext ctx,
                    [Description("Candle symbol (default BTCUSDT); totals are read for its base asset")] string? symbol,
                    [Description("Period: 30m, 1h, 4h, 1d … (default 1h)")] string? interval,
                    [Description("First period used: training starts here (default: the first)")] string? from,
                    [Description("First scored period (default: the middle of the data); nothing from here on fits anything")] string? test_from,
                    [Description("End of the scored periods; a date includes that day (default: the last)")] string? test_to,
                    [Description("Fit once on the periods before this time and freeze (default: walk-forward refits)")] string? train_until,
                    [Description("perp or spot candles (default: the one covering more periods with totals; perp on a tie)")] string? market,
                    [Description("Touch-model configurations, comma-separated RULE:CALIBRATION[:HALF_LIFE_DAYS[:HORIZON_BARS]], or none (default: the frozen configuration)")] string? model,
                    [Description("OI series symbol when it differs, e.g. BTC")] string? oi_symbol,
                    [Description("Exchange scope of the totals, e.g. Binance (default: the only one stored)")] string? scope,
                    [Description("total, long or short (default total)")] string? side,
                    [Description("Walk-forward refit interval, days (default 7)")] string? refit_days,
                    [Description("Bootstrap block length, days (default 1)")] string? block_days,
                    [Description("Event quantile of the training totals, (0, 1) (default 0.8)")] string? event_quantile,
                    [Description("Bootstrap resamples, 100–100,000 (default 2,000)")] string? resamples) =>
                Serve(ctx, ["symbol", "interval", "from", "test_from", "test_to", "train_until", "market", "model", "oi_symbol", "scope", "side", "refit_days", "block_days", "event_quantile", "resamples"],
                    null, bounded: true, () =>
                {
                    var result = analysis.Backtest(new BacktestQuery(symbol ?? QueryDefaults.Symbol, interval ?? QueryDefaults.BacktestInterval, TimeWindow.Parse(from, test_to, "from", "test_to"),
                        TimeWindow.Parse(test_from, null, "test_from").From, TimeWindow.Parse(train_until, null, "train_until").From, market, model is null ? null : [model],
                        oi_symbol, scope, BacktestQuery.ParseSide(side), refit_days is null ? QueryDefaults.RefitDays : Double(refit_days, "refit_days"),
                        block_days is null ? QueryDefaults.BlockDays : Double(block_days, "block_days"), event_quantile is null ? QueryDefaults.EventQuantile : Double(event_quantile, "event_quantile"),
                        resamples is null ? QueryDefaults.Resamples : Int(resamples, "resamples")));
                    return new CachedResponse(Encoding.UTF8.GetBytes(result.ToJson()), JsonType, "", DateTime.UtcNow);
                }))
                .WithSummary("The evaluation protocol: ex-ante and conditional forecasts, zone touches and price-level scores against real liquidations, with baselines and bootstrap intervals")
                .WithDescription("The same JSON document as `liqlab backtest --json` (camelCase names, NaN where a metric is undefined).");

            liq.MapGet("/symbols", (HttpContext ctx,
                    [Description("binance (default: its symbols and the market data the store holds for each), bybit, okx or hyperliquid (their instruments with a tier table; the store holds Binance market data only)")] string? venue) =>
                Serve(ctx, ["venue"], null, bounded: true, () => Json(Symbols(LevelsQuery.ParseVenue(venue)))))
                .WithSummary("A venue's instruments with a tier table, and the data the store holds for each")
                .WithDescription("Instruments per venue: " + VenueList(analysis) + ".");

            app.MapGet("/health", (HttpContext ctx) => Health(ctx)).WithSummary("Store reachable, schema version, data freshness per series");
        }

        private SymbolInfo[] Symbols(Venue venue)
        {
            var name = VenueInfo.Name(venue);
            if (venue != Venue.BinanceUsdm)
                return analysis.Venues.Instruments(venue).Select(s =>
                {
                    var tiers = analysis.Venues.Get(venue, s).Tiers;
                    // The store's market data is Binance's: nothing of it is claimed for another venue's instrument.
                    return new SymbolInfo(name, s, tiers.MaxLeverage, tiers.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), tiers.Source, [], [], [], 0);
                }).ToArray();
            return analysis.Store.Read(store => analysis.Tiers.Symbols.Select(s =>
            {
                var reader = new Data.Query.MarketDataReader(store);
                var table = analysis.Tiers.Get(s);
                var trades = reader.TradeCount(s);
                return new SymbolInfo(name, s, table.MaxInitialLeverage, table.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), table.Source,
                    reader.CandleIntervals(s, "perp"), reader.CandleIntervals(s, "spot"), reader.CandleIntervalsWithOpenInterest(s, "perp"), trades);
            }).ToArray());
        }

        private IResult Health(HttpContext ctx)
        {
            ctx.Response.Headers.CacheControl = "no-store";
            if (UnknownParameter(ctx, []) is { } unknown) return unknown;
            try
            {
                var (schema, tables) = analysis.Store.Read(s => (s.SchemaVersion, StoreStatus.Read(s)));
                var now = DateTime.UtcNow;
                return Results.Json(new
                {
                    Status = "ok",
                    Store = new { File = Path.GetFileName(analysis.Store.Path), Reachable = true, SchemaVersion = schema, analysis.Store.Version },
                    Tiers = new { analysis.Tiers.Symbols, Venues = VenueInfo.All.ToDictionary(VenueInfo.Name, analysis.Venues.Instruments) },
                    Series = tables.Select(t => new
                    {
                        t.Table, t.Rows, t.Symbols,
                        FirstTime = t.FirstTime is { } f ? ApiDocuments.Time(f) : null,
                        LastTime = t.LastTime is { } l ? ApiDocuments.Time(l) : null,
                        AgeHours = t.LastTime is { } last ? Math.Round((now - last).TotalHours, 1) : (double?)null,
                    }),
                    Cache = new { cache.Counts.Hits, cache.Counts.Misses },
                }, ApiDocuments.Json, statusCode: 200);
            }
            catch (Exception e) when (e is StoreLockedException or FileNotFoundException or IOException)
            {
                return Results.Json(new
                {
                    Status = "unavailable",
                    Store = new { File = Path.GetFileName(analysis.Store.Path), Reachable = false, Error = scrub.Clean(e.Message) },
                    Tiers = new { analysis.Tiers.Symbols },
                }, ApiDocuments.Json, statusCode: 503);
            }
        }
    }
}
