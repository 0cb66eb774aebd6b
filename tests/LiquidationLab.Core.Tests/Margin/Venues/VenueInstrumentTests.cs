using LiquidationLab.Core.Margin.Venues;

namespace LiquidationLab.Core.Tests.Margin.Venues;

/// <summary>One user symbol names the same market on every venue (<see cref="VenueInfo.Instrument"/>).</summary>
public class VenueInstrumentTests
{
    [Theory]
    [InlineData("BTC", "BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC")]
    [InlineData("BTCUSDT", "BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC")]
    [InlineData("btcusdt", "BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC")]
    [InlineData("BTC-USDT-SWAP", "BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC")]
    [InlineData(" eth ", "ETHUSDT", "ETHUSDT", "ETH-USDT-SWAP", "ETH")]
    [InlineData("1000PEPEUSDT", "1000PEPEUSDT", "1000PEPEUSDT", "1000PEPE-USDT-SWAP", "1000PEPE")]
    public void A_symbol_maps_to_each_venues_instrument(string symbol, string binance, string bybit, string okx, string hyperliquid)
    {
        Assert.Equal(binance, VenueInfo.Instrument(Venue.BinanceUsdm, symbol));
        Assert.Equal(bybit, VenueInfo.Instrument(Venue.BybitLinear, symbol));
        Assert.Equal(okx, VenueInfo.Instrument(Venue.OkxSwap, symbol));
        Assert.Equal(hyperliquid, VenueInfo.Instrument(Venue.Hyperliquid, symbol));
        foreach (var v in VenueInfo.All) Assert.True(VenueInfo.IsInstrument(v, VenueInfo.Instrument(v, symbol)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("../BTC")]
    [InlineData("BTC/USDT")]
    [InlineData("BTC.json")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    public void A_symbol_naming_no_asset_maps_to_nothing(string symbol)
    {
        Assert.Null(VenueInfo.BaseAsset(symbol));
        var e = Assert.Throws<ArgumentException>(() => VenueInfo.Instrument(Venue.OkxSwap, symbol));
        Assert.Equal("symbol", e.ParamName);
    }

    [Fact]
    public void The_store_venue_of_each_venue_is_its_tier_folder()
    {
        Assert.Equal(["binance-usdm", "bybit-linear", "okx-swap", "hyperliquid"], VenueInfo.All.Select(VenueInfo.StoreVenue));
    }
}
