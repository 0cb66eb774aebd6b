using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidationLab.Liquidity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// The service's own loopback web host: <c>/metrics</c>, the health endpoint, the served forecast and <c>POST …/recompute</c>.
/// Every endpoint checks the Host header (<see cref="LiquidityWatchOptions.AllowedHosts"/>, 403 otherwise);
/// <c>POST …/recompute</c> also needs <c>Authorization: Bearer &lt;token&gt;</c> (401 otherwise). Requests run on Kestrel's
/// threads and only read the service (health, outcomes, models through their own locks) or poll one market like a worker.
/// </summary>
internal sealed class WatchEndpoints : IAsyncDisposable
{
    private static readonly JsonSerializerOptions HealthJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly LiquidityWatchService _service;
    private readonly LiquidityWatchOptions _options;
    private readonly CollectorRegistry _registry;
    private readonly byte[] _token;
    private WebApplication? _app;

    public WatchEndpoints(LiquidityWatchService service, LiquidityWatchOptions options, CollectorRegistry registry, string token)
    {
        _service = service;
        _options = options;
        _registry = registry;
        _token = Encoding.UTF8.GetBytes(token);
    }

    /// <summary>Starts the host on 127.0.0.1:<paramref name="port"/> (0: a free port); returns its base URL.</summary>
    public async Task<Uri> StartAsync(int port)
    {
        (_app, var url) = await LoopbackHttp.StartAsync(port, Map).ConfigureAwait(false);
        return url;
    }

    /// <summary>True when <paramref name="host"/> (the Host header without its port) is allowed.</summary>
    internal bool HostAllowed(string host) => _options.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the request carries <c>Authorization: Bearer &lt;token&gt;</c> with this service's token (fixed-time compare).</summary>
    internal bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // DNS-rebinding defence: a browser page on another origin that resolves to 127.0.0.1 still sends its own Host.
            if (!HostAllowed(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = $"Host '{context.Request.Host.Host}' is not allowed" }).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/metrics", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await _registry.CollectAndExportAsTextAsync(c.Response.Body, c.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/internal/health/liquidityforecastmodel", () =>
        {
            var h = _service.Health();
            return Results.Json(h, HealthJson, statusCode: h.Status == HealthStatus.Red ? 503 : 200);
        });
        app.MapPost("/internal/liquidityforecastmodel/recompute", async (HttpRequest request, string? condition_id, CancellationToken ct) =>
        {
            if (!Authorized(request)) return Results.Json(new { error = "missing or wrong bearer token (Authorization: Bearer <token>)" }, statusCode: 401);
            if (string.IsNullOrEmpty(condition_id)) return Results.BadRequest(new { error = "condition_id is required" });
            if (!_service.Watches(condition_id)) return Results.NotFound(new { error = $"unknown condition_id {condition_id}" });
            var r = await _service.RecomputeAsync(condition_id, ct).ConfigureAwait(false);
            return Results.Json(new
            {
                condition_id,
                status = r.Status.ToString(),
                reason_codes = r.ReasonCodes,
                report = r.Report is null ? (JsonElement?)null : JsonDocument.Parse(r.Report.ToJson()).RootElement,
            });
        });
        app.MapGet("/internal/liquidityforecastmodel/forecast", (string? condition_id) =>
        {
            if (condition_id is null || _service.ServeableForecast(condition_id) is not { } served) return Results.NotFound(new { error = $"unknown condition_id {condition_id}" });
            var (forecast, snapshotMs) = served;
            return forecast is not { } f
                ? Results.Json(new { condition_id, reason_code = LiquidityReasonCodes.StaleData }, statusCode: 404)
                : Results.Json(new { condition_id, forecast_pusd = f, horizon_s = _options.Model.ForecastHorizonSeconds, snapshot_ts_ms = snapshotMs });
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
