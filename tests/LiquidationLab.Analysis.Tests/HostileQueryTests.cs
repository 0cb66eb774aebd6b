using LiquidationLab.Core.Binning;
using LiquidationLab.Core.Margin;
using LiquidationLab.Data.Tiers;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Analysis.Tests;

/// <summary>Absurd parameters (issue 30's trial) are parameter errors, found from the parameters before anything big is built.</summary>
public sealed class HostileQueryTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private LiquidationAnalysis Analysis() => new(new OpenStoreAccess(_store.Store), LeverageBracketTableStore.Locate());

    private void Trades(int count, double price)
    {
        var series = _store.Store.SeriesId("binance-usdm", "BTCUSDT");
        for (var i = 0; i < count; i++)
            _store.Store.Execute("INSERT INTO agg_trades_data VALUES ($1, $2, $3, $4, $2, $2, $5, $6, 1)",
                series, (long)i + 1, price * (1 + 0.001 * (i % 11 - 5)), 0.1 + i % 13, T0.AddSeconds(i), i % 2 == 0);
    }

    private static LevelsQuery Levels(decimal entry, decimal quantity, CrossMarginAccount? account = null, IReadOnlyList<MarginMode>? modes = null) =>
        new("BTCUSDT", entry, quantity, LevelsQuery.DefaultLeverages, modes ?? [MarginMode.Isolated], [PositionSide.Long, PositionSide.Short], null, account);

    [Fact]
    public void Levels_with_an_absurd_entry_price_is_a_parameter_error_naming_entry_price()
    {
        Assert.Equal("entry_price", Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(1e15m, 1m))).Parameter);
        Assert.Equal("mark", Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(60_000m, 1m) with { ReferencePrice = 1e20m })).Parameter);
    }

    [Fact]
    public void Levels_with_an_absurd_quantity_is_a_parameter_error_naming_quantity()
    {
        Assert.Equal("quantity", Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(60_000m, 1e12m))).Parameter);
        Assert.Equal("quantity", Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(1e9m, 1e25m))).Parameter); // the product overflows a decimal
        Assert.NotEmpty(Analysis().Levels(Levels(60_000m, 10m)).Rows); // a real position still works
    }

    [Fact]
    public void Cross_margin_with_a_negative_wallet_balance_names_wallet_balance()
    {
        var e = Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(60_000m, 1m, new CrossMarginAccount(-5m), [MarginMode.Cross])));
        Assert.Equal("wallet_balance", e.Parameter);
        Assert.Contains("≥ 0", e.Message, StringComparison.Ordinal);
        Assert.Equal("wallet_balance", Assert.Throws<QueryParameterException>(() => Analysis().Levels(Levels(60_000m, 1m, new CrossMarginAccount(1e27m), [MarginMode.Cross]))).Parameter);
    }

    [Theory]
    [InlineData("0001-01-01", null, "from")]
    [InlineData(null, "9999-12-31", "to")]
    [InlineData("9999-12-31T23:59:59", null, "from")]
    [InlineData(null, "0001-01-01T00:00:00", "to")]
    [InlineData("1969-12-31", null, "from")]
    public void Extreme_dates_are_parameter_errors_naming_the_end(string? from, string? to, string parameter)
    {
        var e = Assert.Throws<QueryParameterException>(() => TimeWindow.Parse(from, to));
        Assert.Equal(parameter, e.Parameter);
        Assert.Contains("range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_map_bin_width_too_fine_for_the_price_range_is_refused_before_the_map_is_built()
    {
        Trades(200, 60_000);
        var analysis = Analysis();
        var window = new TimeWindow(null, null);
        var filter = new TradeFilter(TradeFilterMode.GrossValue, 0);
        analysis.Map(new MapQuery("BTCUSDT", window, filter, BinWidth: 100)); // warm: the store and the tables are loaded
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<QueryParameterException>(() => analysis.Map(new MapQuery("BTCUSDT", window, filter, BinWidth: 0.01)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("bin_width", e.Parameter);
        Assert.Contains("bins", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 << 20, $"{allocated:N0} bytes allocated before refusing"); // millions of bins were never allocated
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-9)]
    [InlineData(1e300)]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_map_bin_width_outside_its_range_is_a_parameter_error(double width)
    {
        Trades(50, 60_000);
        var e = Assert.Throws<QueryParameterException>(() => Analysis().Map(new MapQuery("BTCUSDT", new TimeWindow(null, null), new TradeFilter(TradeFilterMode.GrossValue, 0), BinWidth: width)));
        Assert.Equal("bin_width", e.Parameter);
    }

    [Fact]
    public void Price_bins_too_fine_to_count_are_refused_not_wrapped_to_one_bin()
    {
        Assert.True(double.IsPositiveInfinity(PriceBins.FixedWidthCount(40_000, 80_000, 1e-300)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceBins.FixedWidth(40_000, 80_000, 1e-300));
        Assert.Equal(401, PriceBins.FixedWidthCount(40_000, 80_000, 100));
    }
}
