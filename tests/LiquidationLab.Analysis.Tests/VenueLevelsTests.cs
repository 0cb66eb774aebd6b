using LiquidationLab.Core.Margin;
using LiquidationLab.Core.Margin.Venues;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>Issue 32: the levels query on every venue, through the application layer.</summary>
public sealed class VenueLevelsTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private LiquidationAnalysis Analysis() => new(new OpenStoreAccess(_store.Store), VenueTierTableStore.Locate());

    private static IMarginModel CoreModel(Venue venue, string instrument)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "LiquidationLab.sln"))) continue;
            var file = Path.Combine(d.FullName, "data", "tiers", VenueInfo.TierFolder(venue), instrument + ".json");
            return MarginModels.Parse(venue, File.ReadAllText(file), file);
        }
        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void A_query_without_a_venue_is_binance_usdm()
    {
        Assert.Equal(Venue.BinanceUsdm, QueryDefaults.Venue);
        Assert.Equal(Venue.BinanceUsdm, new LevelsQuery("BTCUSDT", 1m, 1m, [10], [], []).Venue);
        Assert.Equal(Venue.BinanceUsdm, LevelsQuery.ParseVenue(null));
        Assert.Equal("binance", Analysis().Levels(new LevelsQuery("BTCUSDT", 60_000m, 1m, [10], [], [])).Document().Venue);
    }

    [Fact]
    public void Binance_levels_keep_the_numbers_and_fields_of_the_bracket_calculator()
    {
        var table = LeverageBracketTableStore.Locate().Get("BTCUSDT");
        // Rows of every kind: accepted, rejected above the maximum, rejected at a large notional's bracket, cross with an account.
        var account = new CrossMarginAccount(30_000m, 500m, -250m);
        var query = new LevelsQuery("BTCUSDT", 61_234.5m, 40m, [1, 5, 20, 50, 100, 125, 150], [MarginMode.Isolated, MarginMode.Cross],
            [PositionSide.Long, PositionSide.Short], 60_000m, account);
        var result = Analysis().Levels(query);
        var request = new LiquidationLevelsRequest
        {
            EntryPrice = query.EntryPrice, QuantityBase = query.QuantityBase, Leverages = query.Leverages, MarginModes = query.MarginModes,
            Sides = query.Sides, ReferencePrice = query.ReferencePrice, CrossAccount = account,
        };
        var expected = LiquidationLevels.Compute(table, request);
        var rows = result.Document().Levels;
        Assert.Equal(expected.Count, rows.Count);
        Assert.Contains(expected, e => e.Rejection is not null);
        static decimal? R(decimal? v) => v is { } x ? Math.Round(x, 8, MidpointRounding.AwayFromZero) : null;
        foreach (var (e, row) in expected.Zip(rows))
        {
            Assert.Equal(e.Leverage, row.Leverage);
            Assert.Equal(e.Side == PositionSide.Long ? "long" : "short", row.Side);
            Assert.Equal(e.MarginMode == MarginMode.Cross ? "cross" : "isolated", row.MarginMode);
            Assert.Equal(e.Result?.Bracket.Number, row.Bracket);
            Assert.Equal(e.Result?.MaintenanceMarginRate, row.MaintenanceMarginRate);
            Assert.Equal(e.Result?.MaintenanceAmountUsd, row.MaintenanceAmountUsd);
            Assert.Equal(R(e.Result?.LiquidationPrice), row.LiquidationPrice);
            Assert.Equal(e.Result?.IsLiquidatable, row.Liquidatable);
            Assert.Equal(R(e.Result?.BankruptcyPrice), row.BankruptcyPrice);
            Assert.Equal(R(e.Distance?.DistanceUsd), row.DistanceUsd);
            Assert.Equal(R(e.Distance?.DistancePercent), row.DistancePercent);
            Assert.Equal(e.Result is null ? null : e.Risk?.ToString().ToLowerInvariant(), row.Risk);
            Assert.Equal(e.Rejection, row.Rejection);
        }
        var d = result.Document();
        Assert.Equal(("binance", "BTCUSDT", table.EffectiveDate.ToString("yyyy-MM-dd"), table.Source, table.TickSize, table.PriceDecimals),
            (d.Venue, d.Symbol, d.BracketsEffectiveDate, d.BracketsSource, d.TickSize, d.PriceDecimals));
    }

    [Theory]
    [InlineData(Venue.BybitLinear, "BTCUSDT", 60_000, 1)]
    [InlineData(Venue.BybitLinear, "BTCUSDT", 60_000, 50)] // 3 M USDT: tier 2
    [InlineData(Venue.OkxSwap, "BTC-USDT-SWAP", 60_000, 1.5)]
    [InlineData(Venue.Hyperliquid, "BTC", 60_000, 3)]
    [InlineData(Venue.Hyperliquid, "ETH", 3_000, 10)]
    public void Each_venues_levels_are_its_core_models_numbers_and_name_the_venue_and_table(Venue venue, string instrument, double entry, double quantity)
    {
        var model = CoreModel(venue, instrument);
        var query = new LevelsQuery(instrument, (decimal)entry, (decimal)quantity, [3, 10, 25, 40, 50, 100, 125], [MarginMode.Isolated, MarginMode.Cross],
            [PositionSide.Long, PositionSide.Short], Venue: venue);
        var result = Analysis().Levels(query);
        var expected = VenueLiquidationLevels.Compute(model, new LiquidationLevelsRequest
        {
            EntryPrice = query.EntryPrice, QuantityBase = query.QuantityBase, Leverages = query.Leverages, MarginModes = query.MarginModes, Sides = query.Sides,
        });
        Assert.Equal(expected, result.Rows);
        Assert.Contains(expected, r => r.Result is not null);
        var d = result.Document();
        Assert.Equal((VenueInfo.Name(venue), instrument, model.Tiers.EffectiveDate.ToString("yyyy-MM-dd"), model.Tiers.Source),
            (d.Venue, d.Symbol, d.BracketsEffectiveDate, d.BracketsSource));
        foreach (var (e, row) in expected.Zip(d.Levels))
        {
            Assert.Equal(e.Result?.Tier.Number, row.Bracket);
            Assert.Equal(e.Result?.Tier.MaintenanceDeductionUsd, row.MaintenanceAmountUsd);
            Assert.Equal(e.Result is { } r ? Math.Round(r.LiquidationPrice, 8, MidpointRounding.AwayFromZero) : null, row.LiquidationPrice);
            Assert.Equal(e.Rejection, row.Rejection);
        }
    }

    [Fact]
    public void An_unknown_venue_names_the_parameter_and_lists_the_four()
    {
        var e = Assert.Throws<QueryParameterException>(() => LevelsQuery.ParseVenue("kraken"));
        Assert.Equal("venue", e.Parameter);
        foreach (var name in new[] { "binance", "bybit", "okx", "hyperliquid" }) Assert.Contains(name, e.Problem, StringComparison.Ordinal);
        Assert.Equal("--venue", Assert.Throws<QueryParameterException>(() => LevelsQuery.ParseVenue(new string('x', 5000), "--venue")).Parameter);
        Assert.Equal(Venue.OkxSwap, LevelsQuery.ParseVenue(" OKX "));
        Assert.Equal(Venue.BybitLinear, LevelsQuery.ParseVenue("bybit-linear"));
    }

    [Fact]
    public void An_instrument_without_a_table_on_the_venue_lists_the_venues_instruments()
    {
        var e = Assert.Throws<VenueTierTableNotFoundException>(() =>
            Analysis().Levels(new LevelsQuery("ETH-USDT-SWAP", 3_000m, 1m, [10], [], [], Venue: Venue.OkxSwap)));
        Assert.Contains("okx", e.Message, StringComparison.Ordinal);
        Assert.Contains("BTC-USDT-SWAP", e.Message, StringComparison.Ordinal);
        var blank = Assert.Throws<QueryParameterException>(() => Analysis().Levels(new LevelsQuery(" ", 3_000m, 1m, [10], [], [], Venue: Venue.Hyperliquid)));
        Assert.Equal("symbol", blank.Parameter);
        Assert.Contains("BTC, ETH", blank.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Venue.OkxSwap, "BTC-USDT-SWAP", 2.5)] // 250 contracts: OKX's published table ends at 200
    [InlineData(Venue.BybitLinear, "BTCUSDT", 101)] // 6.06 M USDT: beyond the three published tiers
    [InlineData(Venue.Hyperliquid, "BTC", 2_000_000_000_000)] // beyond any position the models take
    public void A_position_beyond_the_venues_table_is_a_quantity_error(Venue venue, string instrument, double quantity)
    {
        var e = Assert.Throws<QueryParameterException>(() =>
            Analysis().Levels(new LevelsQuery(instrument, 60_000m, (decimal)quantity, [10], [], [], Venue: venue)));
        Assert.Equal("quantity", e.Parameter);
    }

    [Fact]
    public void A_tiny_entry_price_is_answered_or_refused_by_parameter_never_an_overflow()
    {
        // The fit check divided the table's cap by the entry price: 500,000,000 / 1e-28 left decimal's range (an unhandled
        // OverflowException: a 500 from the API).
        var tiny = new LevelsQuery("BTCUSDT", 0.0000000000000000000000000001m, 1m, [10], [], []);
        var e = Record.Exception(() => Analysis().Levels(tiny));
        Assert.True(e is null or QueryParameterException, e?.ToString());
    }
}
