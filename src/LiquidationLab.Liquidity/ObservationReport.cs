using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiquidationLab.Liquidity;

/// <summary>
/// The LiquidityForecastModel's output (the specification in docs/liquidity-service.md, <c>kind = ObservationReport</c>): an observation for strategies, never an
/// order — the model has no signing or submission API. Serialised with the spec's snake_case field names; depths in pUSD
/// rounded to cents. Two fields are additions to the spec's list: <c>reason_codes</c> (the codes that apply, e.g.
/// <c>LIQUIDITYFORECAST_LOW_FORECAST</c>) and <c>severity</c> (INFO, WARN for a low forecast, CRITICAL — "avoid entry" —
/// below the 100 pUSD hard limit), so a consumer need not re-derive them.
/// </summary>
public sealed record ObservationReport
{
    /// <summary>The spec's bot id.</summary>
    public const string BotIdValue = "intel.liquidityforecastmodel";

    /// <summary><c>rep_lfm_&lt;condition prefix&gt;_&lt;emitted_at_ms&gt;</c>, see <see cref="MakeReportId"/>.</summary>
    [JsonPropertyName("report_id")] public required string ReportId { get; init; }

    /// <summary>Trace id (32 lowercase hex digits, W3C trace-context format).</summary>
    [JsonPropertyName("trace_id")] public required string TraceId { get; init; }

    /// <summary>Always <c>intel.liquidityforecastmodel</c>.</summary>
    [JsonPropertyName("bot_id")] public string BotId { get; init; } = BotIdValue;

    /// <summary>Always <c>ObservationReport</c>.</summary>
    [JsonPropertyName("kind")] public string Kind { get; init; } = "ObservationReport";

    /// <summary>The market (Polymarket condition id).</summary>
    [JsonPropertyName("condition_id")] public required string ConditionId { get; init; }

    /// <summary>Bid depth now, pUSD (Σ price · size).</summary>
    [JsonPropertyName("current_bid_depth_pusd")] public required double CurrentBidDepthPusd { get; init; }

    /// <summary>Ask depth now, pUSD (Σ price · size).</summary>
    [JsonPropertyName("current_ask_depth_pusd")] public required double CurrentAskDepthPusd { get; init; }

    /// <summary>Forecast depth of the thinner side at <see cref="HorizonSeconds"/>, fill-rate weighted, pUSD.</summary>
    [JsonPropertyName("forecast_pusd")] public required double ForecastPusd { get; init; }

    /// <summary>Forecast horizon, seconds.</summary>
    [JsonPropertyName("horizon_s")] public required double HorizonSeconds { get; init; }

    /// <summary>True when <see cref="ForecastPusd"/> &lt; <c>min_liquidity_pusd</c>.</summary>
    [JsonPropertyName("low_forecast")] public required bool LowForecast { get; init; }

    /// <summary>True when the book had no level on either side.</summary>
    [JsonPropertyName("book_empty")] public required bool BookEmpty { get; init; }

    /// <summary>Emission time, Unix epoch milliseconds.</summary>
    [JsonPropertyName("emitted_at_ms")] public required long EmittedAtMs { get; init; }

    /// <summary>Reason codes that apply (addition to the spec's fields).</summary>
    [JsonPropertyName("reason_codes")] public IReadOnlyList<string> ReasonCodes { get; init; } = [];

    /// <summary>INFO, WARN or CRITICAL (addition to the spec's fields).</summary>
    [JsonPropertyName("severity")] public string Severity { get; init; } = "INFO";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The report as one line of JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">Not a report.</exception>
    public static ObservationReport FromJson(string json) =>
        JsonSerializer.Deserialize<ObservationReport>(json, Json) ?? throw new JsonException("null is not an ObservationReport.");

    /// <summary>
    /// <c>rep_lfm_&lt;prefix&gt;_&lt;ms&gt;</c>: the prefix is the first 8 hex digits of a <c>0x…</c> condition id
    /// (<c>0x1a4f04c2…</c> → <c>1a4f04c2</c>), otherwise its first 8 letters or digits, lower case.
    /// </summary>
    public static string MakeReportId(string conditionId, long emittedAtMs)
    {
        ArgumentNullException.ThrowIfNull(conditionId);
        var s = conditionId.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? conditionId[2..] : conditionId;
        var sb = new StringBuilder(8);
        foreach (var c in s)
        {
            if (sb.Length == 8) break;
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
        }
        return string.Create(CultureInfo.InvariantCulture, $"rep_lfm_{sb}_{emittedAtMs}");
    }
}
