using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LiquidationLab.Analysis;
using LiquidationLab.Charts;
using LiquidationLab.Core.Margin;
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

/// <summary>Every computation slot and queue place is taken.</summary>
internal sealed class ServerBusyException : Exception;

/// <summary>Keeps the machine's paths out of what callers see: the store's and tier directory's absolute paths become
/// their names.</summary>
internal sealed class Scrubber(LiquidationAnalysis analysis)
{
    private readonly (string Path, string Name)[] _replacements = new[]
    {
        (analysis.Store.Path, Path.GetFileName(analysis.Store.Path)),
        (Path.GetDirectoryName(analysis.Store.Path) ?? "", "the store's folder"),
        (analysis.Tiers.Directory, "the tier tables"),
    }.Concat(analysis.Venues.AllDirectories.Select(d => (d, "the tier tables"))).Where(r => r.Item1.Length > 1).OrderByDescending(r => r.Item1.Length).ToArray();

    /// <summary><paramref name="text"/> without the server's absolute paths.</summary>
    public string Clean(string text)
    {
        foreach (var (path, name) in _replacements) text = text.Replace(path, name, StringComparison.Ordinal);
        return text;
    }
}

/// <summary>Request-size limits with problem-details answers (Kestrel's own, set higher, answer with empty bodies), and
/// only GET/HEAD on the API.</summary>
internal static class RequestGuard
{
    /// <summary>Longest path and query, characters.</summary>
    public const int MaxRequestTarget = 8 * 1024;

    /// <summary>Largest header block, bytes.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public static async Task Check(HttpContext ctx, RequestDelegate next)
    {
        var target = (ctx.Request.Path.Value?.Length ?? 0) + (ctx.Request.QueryString.Value?.Length ?? 0);
        if (target > MaxRequestTarget)
        {
            await Write(ctx, 414, "URI too long", $"The path and query are {target:N0} characters; at most {MaxRequestTarget:N0}.").ConfigureAwait(false);
            return;
        }
        long headers = 0;
        foreach (var h in ctx.Request.Headers) headers += h.Key.Length + 4 + h.Value.Sum(v => (long)(v?.Length ?? 0));
        if (headers > MaxHeaderBytes)
        {
            await Write(ctx, 431, "Request headers too large", $"The headers hold {headers:N0} bytes; at most {MaxHeaderBytes:N0}.").ConfigureAwait(false);
            return;
        }
        await next(ctx).ConfigureAwait(false);
    }

    private static Task Write(HttpContext ctx, int status, string title, string detail)
    {
        ctx.Response.StatusCode = status;
        return Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(ctx);
    }
}

/// <summary>A symbol the API can serve: its table and what the store holds for it (<c>HeatmapIntervals</c>: the perp intervals
/// whose candles carry open interest, what the heatmap needs).</summary>
internal sealed record SymbolInfo(string Venue, string Symbol, decimal MaxLeverage, string BracketsEffectiveDate, string BracketsSource, IReadOnlyList<string> PerpIntervals, IReadOnlyList<string> SpotIntervals, IReadOnlyList<string> HeatmapIntervals, long AggTrades);

/// <summary>The page's static files: the HTML (embedded) and plotly.js (the copy the charts embed).</summary>
internal static class Page
{
    public static byte[] Index { get; } = Read("index.html");

    public static byte[] Plotly => PlotlyBytes.Value;

    private static readonly Lazy<byte[]> PlotlyBytes = new(() => Encoding.UTF8.GetBytes(PlotlyJs.Source));

    private static byte[] Read(string name)
    {
        using var s = typeof(Page).Assembly.GetManifestResourceStream("LiquidationLab.Server.Api.Page." + name)
                      ?? throw new InvalidOperationException($"Embedded page file {name} is missing from the build.");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
