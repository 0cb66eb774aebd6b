namespace LiquidationLab.Data.Ingest;

/// <summary>The importers <c>liqlab data ingest</c> tries, in order.</summary>
public static class BuiltInImporters
{
    /// <summary>All built-in importers; the first that recognises a file imports it.</summary>
    public static IReadOnlyList<IImporter> All { get; } =
    [
        new Liquidations.LiquidationSnapshotImporter(),
        new Binance.BinanceVisionImporter(),
        new Binance.WebSocketRecordingImporter(),
        new Liquidations.ForceOrderCsvImporter(),
        new Liquidations.ForceOrderJsonImporter(),
        new Liquidations.HyperliquidLiquidationsImporter(),
        new Liquidations.LiqmapSqliteImporter(),
        new Hyperliquid.TopTraderLevelsImporter(),
        new Hyperliquid.VenueHourlyParquetImporter(),
        new Polymarket.PolymarketJsonImporter(),
        new Polymarket.PolymarketTopOfBookCsvImporter(),
        .. BarLayouts.All.Select(l => (IImporter)new BarCsvImporter(l)),
    ];
}
