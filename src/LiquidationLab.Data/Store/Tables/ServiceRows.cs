using LiquidationLab.Liquidity;

namespace LiquidationLab.Data.Store.Tables;

/// <summary>A row of <c>liquidity_reports</c>: one ObservationReport of the liquidity service (schema v2).</summary>
/// <param name="ReportId">The report's id.</param>
/// <param name="TraceId">Its trace id.</param>
/// <param name="ConditionId">The Polymarket market.</param>
/// <param name="TokenId">The outcome token whose book was read.</param>
/// <param name="SnapshotTsMs">The book snapshot's time (Unix ms); with the condition id, the idempotency key.</param>
/// <param name="EmittedAt">Emission time (UTC).</param>
/// <param name="EmittedAtMs">Emission time (Unix ms).</param>
/// <param name="CurrentBidDepthPusd">Bid depth now (pUSD).</param>
/// <param name="CurrentAskDepthPusd">Ask depth now (pUSD).</param>
/// <param name="ForecastPusd">Forecast depth (pUSD).</param>
/// <param name="HorizonSeconds">Forecast horizon (s).</param>
/// <param name="LowForecast">The forecast is below the alert level.</param>
/// <param name="BookEmpty">The book had no levels.</param>
/// <param name="Severity">Report severity.</param>
/// <param name="ReasonCodes">Reason codes, comma-separated.</param>
/// <param name="ReportJson">The whole report as JSON.</param>
public readonly record struct LiquidityReportRow(
    string ReportId, string TraceId, string ConditionId, string? TokenId, long SnapshotTsMs, DateTime EmittedAt, long EmittedAtMs,
    double CurrentBidDepthPusd, double CurrentAskDepthPusd, double ForecastPusd, double HorizonSeconds, bool LowForecast, bool BookEmpty,
    string Severity, string ReasonCodes, string ReportJson) : ITableRow<LiquidityReportRow>
{
    /// <inheritdoc />
    public static TableDeclaration<LiquidityReportRow> Table { get; } = new TableDeclaration<LiquidityReportRow>("liquidity_reports")
        .Column("report_id", "VARCHAR NOT NULL", r => r.ReportId)
        .Column("trace_id", "VARCHAR NOT NULL", r => r.TraceId)
        .Column("condition_id", "VARCHAR NOT NULL", r => r.ConditionId)
        .Column("token_id", "VARCHAR", r => r.TokenId)
        .Column("snapshot_ts_ms", "BIGINT NOT NULL", r => r.SnapshotTsMs)
        .Column("emitted_at", "TIMESTAMP NOT NULL", r => r.EmittedAt)
        .Column("emitted_at_ms", "BIGINT NOT NULL", r => r.EmittedAtMs)
        .Column("current_bid_depth_pusd", "DOUBLE NOT NULL", r => r.CurrentBidDepthPusd)
        .Column("current_ask_depth_pusd", "DOUBLE NOT NULL", r => r.CurrentAskDepthPusd)
        .Column("forecast_pusd", "DOUBLE NOT NULL", r => r.ForecastPusd)
        .Column("horizon_s", "DOUBLE NOT NULL", r => r.HorizonSeconds)
        .Column("low_forecast", "BOOLEAN NOT NULL", r => r.LowForecast)
        .Column("book_empty", "BOOLEAN NOT NULL", r => r.BookEmpty)
        .Column("severity", "VARCHAR NOT NULL", r => r.Severity)
        .Column("reason_codes", "VARCHAR NOT NULL", r => r.ReasonCodes)
        .Column("report_json", "JSON NOT NULL", r => r.ReportJson);

    /// <summary>The row of <paramref name="report"/> for the book snapshot at <paramref name="snapshotMs"/> of <paramref name="tokenId"/>.</summary>
    public static LiquidityReportRow Of(ObservationReport report, long snapshotMs, string? tokenId)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new LiquidityReportRow(report.ReportId, report.TraceId, report.ConditionId, tokenId, snapshotMs,
            DateTime.UnixEpoch.AddMilliseconds(report.EmittedAtMs), report.EmittedAtMs, report.CurrentBidDepthPusd, report.CurrentAskDepthPusd,
            report.ForecastPusd, report.HorizonSeconds, report.LowForecast, report.BookEmpty, report.Severity, string.Join(',', report.ReasonCodes),
            report.ToJson());
    }
}

/// <summary>A row of <c>recording_rejects</c>: a message a live recording set aside instead of storing (schema v6).</summary>
/// <param name="Venue">Venue.</param>
/// <param name="Symbol">The symbol the message named, if it named one the recorder subscribed to.</param>
/// <param name="Stream">The stream, likewise.</param>
/// <param name="ReceivedAt">Receive time (UTC).</param>
/// <param name="Problem">What was wrong.</param>
/// <param name="Raw">The message as received (cut to the recorder's size cap).</param>
/// <param name="RawBytes">The size received (bytes).</param>
/// <param name="Session">The recording session.</param>
/// <param name="RecordedAt">When the row was written (UTC).</param>
public readonly record struct RecordingRejectRow(
    string Venue, string? Symbol, string? Stream, DateTime ReceivedAt, string Problem, string Raw, long RawBytes, string Session, DateTime RecordedAt)
    : ITableRow<RecordingRejectRow>
{
    /// <inheritdoc />
    public static TableDeclaration<RecordingRejectRow> Table { get; } = new TableDeclaration<RecordingRejectRow>("recording_rejects")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("symbol", "VARCHAR", r => r.Symbol)
        .Column("stream", "VARCHAR", r => r.Stream)
        .Column("received_at", "TIMESTAMP NOT NULL", r => r.ReceivedAt)
        .Column("problem", "VARCHAR NOT NULL", r => r.Problem)
        .Column("raw", "VARCHAR NOT NULL", r => r.Raw)
        .Column("raw_bytes", "BIGINT NOT NULL", r => r.RawBytes)
        .Column("session", "VARCHAR NOT NULL", r => r.Session)
        .Column("recorded_at", "TIMESTAMP NOT NULL", r => r.RecordedAt);
}

/// <summary>A row of <c>recording_gaps</c>: what a live recording missed (schema v5).</summary>
/// <param name="Venue">Venue.</param>
/// <param name="Symbol">Exchange symbol.</param>
/// <param name="Stream">The stream.</param>
/// <param name="Kind">What happened (disconnection, sequence break, silence, …).</param>
/// <param name="GapStart">Start of the hole (UTC).</param>
/// <param name="GapEnd">End of the hole (UTC).</param>
/// <param name="Detail">Details, if any.</param>
/// <param name="Session">The recording session.</param>
/// <param name="RecordedAt">When the row was written (UTC).</param>
public readonly record struct RecordingGapRow(
    string Venue, string Symbol, string Stream, string Kind, DateTime GapStart, DateTime GapEnd, string? Detail, string Session, DateTime RecordedAt)
    : ITableRow<RecordingGapRow>
{
    /// <inheritdoc />
    public static TableDeclaration<RecordingGapRow> Table { get; } = new TableDeclaration<RecordingGapRow>("recording_gaps")
        .Column("venue", "VARCHAR NOT NULL", r => r.Venue)
        .Column("symbol", "VARCHAR NOT NULL", r => r.Symbol)
        .Column("stream", "VARCHAR NOT NULL", r => r.Stream)
        .Column("kind", "VARCHAR NOT NULL", r => r.Kind)
        .Column("gap_start", "TIMESTAMP NOT NULL", r => r.GapStart)
        .Column("gap_end", "TIMESTAMP NOT NULL", r => r.GapEnd)
        .Column("detail", "VARCHAR", r => r.Detail)
        .Column("session", "VARCHAR NOT NULL", r => r.Session)
        .Column("recorded_at", "TIMESTAMP NOT NULL", r => r.RecordedAt);
}
