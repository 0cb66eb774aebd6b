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

/// <summary>How the endpoints answer: parameters checked, results cached and bounded, errors as problem details.</summary>
public sealed partial class LiquidationApi
{
    private sealed partial class Endpoints
    {
        /// <summary>Checks the parameters, then serves from the cache or computes; maps the application's errors to problem details.</summary>
        private static IResult? UnknownParameter(HttpContext ctx, string[] allowed)
        {
            var unknown = ctx.Request.Query.Keys.Where(k => !allowed.Contains(k, StringComparer.Ordinal)).ToArray();
            if (unknown.Length == 0) return null;
            var name = unknown[0].Length > 40 ? unknown[0][..40] + "…" : unknown[0];
            return Problem(400, "Unknown parameter", $"{name}: not a parameter of {ctx.Request.Path}; accepted: {(allowed.Length == 0 ? "none" : string.Join(", ", allowed))}.", name);
        }

        private async Task<IResult> Serve(HttpContext ctx, string[] allowed, string? fixedVersion, bool bounded, Func<CachedResponse> compute)
        {
            if (UnknownParameter(ctx, allowed) is { } unknown) return unknown;
            if (ctx.Request.Query.FirstOrDefault(q => q.Value.Count > 1) is { Key: { } repeated })
                return Problem(400, "Repeated parameter", $"{repeated}: give it once.", repeated);
            var key = ctx.Request.Path + "?" + string.Join("&", ctx.Request.Query.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => q.Key + "=" + q.Value))
                      + (WantsHtml(ctx, null) ? "#html" : "");
            string version;
            try
            {
                version = fixedVersion ?? analysis.Store.Version;
                var (response, hit) = await cache.GetAsync(key, version, bounded ? () => Bounded(compute, ctx.RequestAborted) : () => Task.Run(compute)).ConfigureAwait(false);
                ctx.Response.Headers["X-Cache"] = hit ? "hit" : "miss";
                return Body(ctx, response);
            }
            catch (ServerBusyException)
            {
                ctx.Response.Headers.RetryAfter = "2";
                return Problem(503, "Server busy", "Too many uncached requests are waiting for a computation; retry in a few seconds (cached results are still served).", null);
            }
            catch (QueryParameterException e)
            {
                return Problem(400, "Invalid parameter", scrub.Clean(e.Message), e.Parameter);
            }
            catch (LeverageBracketTableNotFoundException e)
            {
                return Problem(404, "No tier table for the symbol", scrub.Clean(e.Message), "symbol");
            }
            catch (VenueTierTableNotFoundException e)
            {
                return Problem(404, "No tier table for the symbol", scrub.Clean(e.Message), "symbol");
            }
            catch (DataUnavailableException e)
            {
                return Problem(404, "No data for the query", scrub.Clean(e.Message), e.Parameter);
            }
            catch (StoreLockedException)
            {
                if (cache.Stale(key) is { } stale)
                {
                    ctx.Response.Headers["X-Cache"] = "stale";
                    ctx.Response.Headers.Warning = $"110 - \"a writer holds the store; this result was computed at {ApiDocuments.Time(stale.Computed)}\"";
                    return Body(ctx, stale);
                }
                ctx.Response.Headers.RetryAfter = "2";
                return Problem(503, "Store busy", "A writer (e.g. 'liqlab data ingest') holds the store or is waiting for it; retry in a few seconds.", null);
            }
            catch (FileNotFoundException e)
            {
                return Problem(503, "No store", scrub.Clean(e.Message), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug, not the caller's input: the server's log gets the stack, the caller an apology and a trace id.
                await Console.Error.WriteLineAsync($"liqlab serve: {ctx.TraceIdentifier} {ctx.Request.Path}{ctx.Request.QueryString}: {e}").ConfigureAwait(false);
                return Problem(500, "Internal error", $"The server failed on this request (trace {ctx.TraceIdentifier}); its log has the details.", null);
            }
        }

        /// <summary>Runs an uncached computation in one of the limiter's slots; past the queue, <see cref="ServerBusyException"/>.</summary>
        private async Task<CachedResponse> Bounded(Func<CachedResponse> compute, CancellationToken aborted)
        {
            using var lease = await limiter.AcquireAsync(1, aborted).ConfigureAwait(false);
            if (!lease.IsAcquired) throw new ServerBusyException();
            return await Task.Run(compute, CancellationToken.None).ConfigureAwait(false);
        }

        /// <summary>The body, gzip-encoded when the client accepts it and it is worth it (over 1 KB).</summary>
        private static IResult Body(HttpContext ctx, CachedResponse response)
        {
            ctx.Response.Headers.Vary = "Accept-Encoding";
            if (response.Body.Length > 1024 && ctx.Request.Headers.AcceptEncoding.Any(e => e is not null && e.Contains("gzip", StringComparison.OrdinalIgnoreCase)))
            {
                ctx.Response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(response.Gzip, response.ContentType);
            }
            return Results.Bytes(response.Body, response.ContentType);
        }

        private static IResult Problem(int status, string title, string detail, string? parameter) =>
            Results.Problem(detail: detail, statusCode: status, title: title,
                extensions: parameter is null ? null : new Dictionary<string, object?> { ["parameter"] = parameter });

        private static bool WantsHtml(HttpContext ctx, string? format) =>
            string.Equals(format ?? ctx.Request.Query["format"].FirstOrDefault(), "html", StringComparison.OrdinalIgnoreCase)
            || (ctx.Request.Query["format"].Count == 0 && ctx.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/html", StringComparison.OrdinalIgnoreCase)));

        private static CachedResponse Formatted(HttpContext ctx, string? format, Func<object> json, string title, string? summary, Func<IReadOnlyList<Figure>> figures)
        {
            if (WantsHtml(ctx, format))
                return new(Encoding.UTF8.GetBytes(HtmlDocument.Render(title, figures(), summary is null ? null : WebUtility.HtmlEncode(summary))), HtmlType, "", DateTime.UtcNow);
            return (format ?? "json").ToLowerInvariant() switch
            {
                "json" => Json(json()),
                "plotly" => new(ApiDocuments.Figures(title, summary, figures()), JsonType, "", DateTime.UtcNow),
                _ => throw new QueryParameterException("format", $"expected json, plotly or html, found '{format}'."),
            };
        }

        private static CachedResponse Json(object document) =>
            new(JsonSerializer.SerializeToUtf8Bytes(document, ApiDocuments.Json), JsonType, "", DateTime.UtcNow);

        private static T Required<T>(string? text, string name, Func<string, string, T> parse) =>
            text is null ? throw new QueryParameterException(name, "required.") : parse(text, name);

        private static decimal Decimal(string text, string name) =>
            decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new QueryParameterException(name, $"expected a number, found '{text}'.");

        private static double Double(string text, string name) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
                : throw new QueryParameterException(name, $"expected a number, found '{text}'.");

        private static int Int(string text, string name) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new QueryParameterException(name, $"expected a whole number ≥ 0, found '{text}'.");
    }
}
