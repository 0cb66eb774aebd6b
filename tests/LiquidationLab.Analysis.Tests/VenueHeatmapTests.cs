using LiquidationLab.Core.Models;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>Heatmaps per venue and summed over a venue set, on a store the tests write: Binance USDⓈ-M candles and OI, Bybit
/// candles (OI only when asked), Hyperliquid OI without candles, nothing of OKX.</summary>
public sealed class VenueHeatmapTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private LiquidationAnalysis Analysis() => new(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate());

    private void Write(int hours = 200, bool bybitOpenInterest = false)
    {
        for (var i = 0; i < hours; i++)
        {
            var t = T0.AddHours(i);
            var close = 95_000 + 4_000 * Math.Sin(i / 12.0);
            var open = 95_000 + 4_000 * Math.Sin((i - 1) / 12.0);
            _store.Store.Execute("INSERT INTO klines VALUES ('binance-usdm', 'BTCUSDT', 'perp', '1h', $1, $2, $3, $4, $5, 1000, NULL, NULL, 400, NULL, 1)",
                t, open, Math.Max(open, close) + 300, Math.Min(open, close) - 300, close);
            // Bybit's bars differ a little (its own book), and are missing for one hour.
            if (i != 17)
                _store.Store.Execute("INSERT INTO klines VALUES ('bybit-linear', 'BTCUSDT', 'perp', '1h', $1, $2, $3, $4, $5, 500, NULL, NULL, 260, NULL, 1)",
                    t, open + 20, Math.Max(open, close) + 380, Math.Min(open, close) - 410, close + 15);
            _store.Store.Execute("INSERT INTO open_interest VALUES ('binance-usdm', 'BTCUSDT', 'coinglass', '1h', $1, NULL, $2, NULL, NULL, NULL, 1)",
                t, 8e9 + 3e7 * Math.Sin(i / 7.0) + 1e7 * i);
            if (i % 50 != 3)
                _store.Store.Execute("INSERT INTO open_interest VALUES ('hyperliquid', 'BTC', 'group-m-hourly', '1h', $1, NULL, $2, NULL, NULL, NULL, 1)",
                    t, 2.5e9 + 2e7 * Math.Cos(i / 5.0));
            if (bybitOpenInterest)
                _store.Store.Execute("INSERT INTO open_interest VALUES ('bybit-linear', 'BTCUSDT', 'bybit-openInterest', '1h', $1, NULL, $2, NULL, NULL, NULL, 1)",
                    t, 5e9 + 4e7 * Math.Sin(i / 9.0));
        }
    }

    private static HeatmapQuery Query(string? venues = null, string symbol = "BTCUSDT", string? priceVenue = null) =>
        new(symbol, "1h", TimeWindow.Parse("2026-01-01", "2026-01-08"), Venues: VenueSelection.Parse(venues), PriceVenue: HeatmapQuery.ParsePriceVenue(priceVenue));

    private static void SameGrid(HeatmapResult expected, HeatmapResult actual)
    {
        Assert.Equal(expected.Grid.Price, actual.Grid.Price);
        Assert.Equal(expected.Grid.Times, actual.Grid.Times);
        for (var b = 0; b < expected.Grid.Price.Count; b++)
            for (var t = 0; t < expected.Grid.Times.Count; t++)
                Assert.Equal(expected.Grid.Values[b, t], actual.Grid.Values[b, t]);
        Assert.Equal(expected.Totals, actual.Totals);
        Assert.Equal(expected.Result.Liquidations, actual.Result.Liquidations);
    }

    [Fact]
    public void Binance_alone_named_as_a_venue_gives_the_default_heatmap_in_every_value()
    {
        Write();
        var analysis = Analysis();
        var byDefault = analysis.Heatmap(Query());
        var named = analysis.Heatmap(Query("binance"));
        SameGrid(byDefault, named);
        Assert.Null(byDefault.VenueMaps);
        Assert.Equal(["binance"], byDefault.VenueNames);
        Assert.Equal(["binance"], named.VenueNames);
        Assert.Equal(byDefault.Candles, named.Candles);
        Assert.Equal("BTCUSDT", byDefault.Symbol);
        Assert.Equal("coinglass", named.VenueMaps![0].OpenInterest.Source);
    }

    [Fact]
    public void A_two_venue_heatmap_is_the_cell_by_cell_sum_of_the_two_single_venue_maps()
    {
        Write();
        var analysis = Analysis();
        var both = analysis.Heatmap(Query("binance,hyperliquid", "BTC", priceVenue: "binance"));
        var binance = analysis.Heatmap(Query("binance", "BTC"));
        var hyperliquid = analysis.Heatmap(Query("hyperliquid", "BTC", priceVenue: "binance"));

        Assert.Equal(binance.Grid.Price, both.Grid.Price);
        Assert.Equal(hyperliquid.Grid.Price, both.Grid.Price);
        Assert.Equal(binance.Grid.Times, both.Grid.Times);
        for (var b = 0; b < both.Grid.Price.Count; b++)
            for (var t = 0; t < both.Grid.Times.Count; t++)
                Assert.Equal(binance.Grid.Values[b, t] + hyperliquid.Grid.Values[b, t], both.Grid.Values[b, t]);
        Assert.Equal(binance.Totals.OpenUsd + hyperliquid.Totals.OpenUsd, both.Totals.OpenUsd);
        Assert.Equal(binance.Totals.CreatedUsd + hyperliquid.Totals.CreatedUsd, both.Totals.CreatedUsd);
        for (var k = 0; k < both.Result.Liquidations!.Count; k++)
            Assert.Equal(binance.Result.Liquidations![k].TotalUsd + hyperliquid.Result.Liquidations![k].TotalUsd, both.Result.Liquidations[k].TotalUsd, 1e-6);

        // The per-venue maps of the aggregate are the single-venue maps, and the result names each series used.
        SameGrid(binance, Single(both, Venue.BinanceUsdm));
        SameGrid(hyperliquid, Single(both, Venue.Hyperliquid));
        var hl = both.VenueMaps!.Single(v => v.Venue == Venue.Hyperliquid);
        Assert.Equal(("hyperliquid", "BTC", "group-m-hourly", "1h"), (hl.OpenInterest.Venue, hl.OpenInterest.Symbol, hl.OpenInterest.Source, hl.OpenInterest.Interval));
        Assert.Equal(("binance-usdm", "BTCUSDT"), (hl.Candles.Venue, hl.Candles.Symbol));
        Assert.Contains("price path of binance", hl.Candles.Source, StringComparison.Ordinal);
        Assert.Equal("BTC", hl.Margin.Symbol);
        Assert.Equal(Venue.Hyperliquid, hl.Margin.Venue);
        Assert.Equal(["binance", "hyperliquid"], both.VenueNames);
        Assert.Contains("venues binance + hyperliquid (hyperliquid on binance prices)", both.Title, StringComparison.Ordinal);
        Assert.Contains("hyperliquid BTC open", both.Summary, StringComparison.Ordinal);
        // Hyperliquid's own tiers: no Binance map equals it though both run on the same candles.
        Assert.NotEqual(binance.Totals.OpenUsd, hyperliquid.Totals.OpenUsd);
    }

    private static HeatmapResult Single(HeatmapResult aggregate, Venue venue)
    {
        var v = aggregate.VenueMaps!.Single(m => m.Venue == venue);
        return aggregate with { Result = v.Result, Totals = v.Totals };
    }

    [Fact]
    public void Venues_with_their_own_candles_are_summed_on_the_times_they_share()
    {
        Write(bybitOpenInterest: true);
        var r = Analysis().Heatmap(Query("binance,bybit"));
        Assert.Equal(191, r.Candles.Length); // 192 hours of eight days, less the hour Bybit lacks
        Assert.DoesNotContain(T0.AddHours(17), r.Grid.Times);
        var bybit = r.VenueMaps!.Single(v => v.Venue == Venue.BybitLinear);
        Assert.Equal(("bybit-linear", "BTCUSDT", "klines perp"), (bybit.Candles.Venue, bybit.Candles.Symbol, bybit.Candles.Source));
        Assert.Equal("bybit-openInterest", bybit.OpenInterest.Source);
        // The common price axis covers both venues' ranges (Bybit's bars reach further).
        var binanceAlone = Analysis().Heatmap(Query("binance"));
        Assert.True(r.Grid.Price.LowerEdge <= binanceAlone.Grid.Price.LowerEdge);
        var sum = 0.0;
        foreach (var v in r.VenueMaps!) sum += v.Totals.OpenUsd;
        Assert.Equal(sum, r.Totals.OpenUsd);
    }

    [Fact]
    public void A_named_venue_without_open_interest_is_an_error_naming_the_venue_and_what_is_missing()
    {
        Write();
        var e = Assert.Throws<DataUnavailableException>(() => Analysis().Heatmap(Query("binance,bybit")));
        Assert.Equal("venues", e.Parameter);
        Assert.StartsWith("bybit: no 1h open interest of BTCUSDT (store venue bybit-linear)", e.Message, StringComparison.Ordinal);
        var okx = Assert.Throws<DataUnavailableException>(() => Analysis().Heatmap(Query("okx", "BTC")));
        Assert.Contains("BTC-USDT-SWAP", okx.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_turnover_model_over_venues_is_refused_naming_the_model_rather_than_run_as_another()
    {
        Write();
        var e = Assert.Throws<QueryParameterException>(() => Analysis().Heatmap(Query("binance") with { Model = TurnoverModel.ModelName }));
        Assert.Equal("model", e.Parameter);
        Assert.Contains("Binance USDⓈ-M positions only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_venue_with_open_interest_but_no_candles_needs_a_price_venue_and_the_error_says_how()
    {
        Write();
        var e = Assert.Throws<DataUnavailableException>(() => Analysis().Heatmap(Query("binance,hyperliquid", "BTC")));
        Assert.Equal("venues", e.Parameter);
        Assert.StartsWith("hyperliquid: open interest but no 1h perp candles of BTC", e.Message, StringComparison.Ordinal);
        Assert.Contains("price_venue=binance", e.Message, StringComparison.Ordinal);
        // A price venue without candles is the caller's choice gone wrong: named as price_venue.
        var p = Assert.Throws<QueryParameterException>(() => Analysis().Heatmap(Query("hyperliquid", "BTC", priceVenue: "okx")));
        Assert.Equal("price_venue", p.Parameter);
        Assert.Contains("okx has no 1h perp candles of BTC-USDT-SWAP", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_venues_leaves_out_those_without_data_and_says_so()
    {
        Write();
        var r = Analysis().Heatmap(Query("all", "BTC"));
        Assert.Equal(["binance"], r.VenueNames);
        Assert.Equal([Venue.BybitLinear, Venue.OkxSwap, Venue.Hyperliquid], r.LeftOut!.Select(l => l.Venue));
        Assert.Contains("price_venue=binance", r.LeftOut!.Single(l => l.Venue == Venue.Hyperliquid).Reason, StringComparison.Ordinal);
        Assert.Contains("left out: bybit, okx, hyperliquid", r.Title, StringComparison.Ordinal);
        Assert.Contains("Left out: bybit (no 1h open interest", r.Summary, StringComparison.Ordinal);

        var withPrices = Analysis().Heatmap(Query("all", "BTC", priceVenue: "binance"));
        Assert.Equal(["binance", "hyperliquid"], withPrices.VenueNames);
    }

    [Theory]
    [InlineData("binance,ftx", null, null, null, "venues")]
    [InlineData(",", null, null, null, "venues")]
    [InlineData(null, "binance", null, null, "price_venue")]
    [InlineData("binance", "nasdaq", null, null, "price_venue")]
    [InlineData("binance", null, "spot", null, "market")]
    [InlineData("binance", null, null, "BTC", "oi_symbol")]
    public void Bad_venue_parameters_name_the_parameter(string? venues, string? priceVenue, string? market, string? oiSymbol, string parameter)
    {
        Write(hours: 10);
        var e = Assert.Throws<QueryParameterException>(() => Analysis().Heatmap(new HeatmapQuery("BTCUSDT", "1h", TimeWindow.Parse(null, null), market,
            OpenInterestSymbol: oiSymbol, Venues: VenueSelection.Parse(venues), PriceVenue: HeatmapQuery.ParsePriceVenue(priceVenue))));
        Assert.Equal(parameter, e.Parameter);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("BTC/USDT")]
    public void A_symbol_naming_no_asset_is_a_symbol_error_before_any_file_is_looked_up(string symbol)
    {
        Write(hours: 10);
        var e = Assert.Throws<QueryParameterException>(() => Analysis().Heatmap(Query("all", symbol)));
        Assert.Equal("symbol", e.Parameter);
    }

    [Fact]
    public void Venue_lists_parse_names_and_folders_and_drop_duplicates()
    {
        Assert.Null(VenueSelection.Parse(null));
        Assert.Null(VenueSelection.Parse("  "));
        Assert.True(VenueSelection.Parse("ALL")!.All);
        Assert.Equal([Venue.Hyperliquid, Venue.BinanceUsdm], VenueSelection.Parse("hyperliquid, binance-usdm,HYPERLIQUID")!.List);
        Assert.Equal("hyperliquid,binance", VenueSelection.Parse("hyperliquid,binance")!.ToString());
        Assert.Equal("--venues", Assert.Throws<QueryParameterException>(() => VenueSelection.Parse(new string('b', 500), "--venues")).Parameter);
    }
}
