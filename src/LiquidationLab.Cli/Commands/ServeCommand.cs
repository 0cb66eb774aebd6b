using System.CommandLine;
using LiquidationLab.Data.Store;
using LiquidationLab.Server.Api;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab serve</c>: the REST API and the heatmap page over the store (read-only).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var db = DataCommand.DbOption();
        var tiers = new Option<string?>("--tiers") { Description = "Tier-table directory." };
        var urls = new Option<string[]>("--urls")
        {
            Description = $"Listen URLs (default {LiquidationApiOptions.DefaultUrl}: loopback only; e.g. http://0.0.0.0:5080 to expose it).",
            AllowMultipleArgumentsPerToken = true,
        };
        var allowedHosts = new Option<string[]>("--allowed-hosts")
        {
            Description = "Host names answered besides localhost, 127.0.0.1 and [::1] (comma-separated; *.example.org for subdomains): needed with --urls on a non-loopback address. Other Host headers get 400 (DNS rebinding).",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("serve", "REST API (/liquidations/levels, heatmap, map, compare-models, history; /health; OpenAPI at /openapi/v1.json, reference at /scalar) and the heatmap page at /.")
        {
            db, tiers, urls, allowedHosts,
        };
        cmd.SetAction(async (parse, cancellationToken) =>
        {
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            var listen = (parse.GetValue(urls) ?? []).SelectMany(u => u.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var hosts = (parse.GetValue(allowedHosts) ?? []).SelectMany(h => h.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(Workspace.StorePath(parse.GetValue(db), StoreUse.ReadWhenPresent), parse.GetValue(tiers),
                listen.Length == 0 ? null : listen, AllowedHosts: hosts), cancellationToken).ConfigureAwait(false);
            foreach (var url in api.Urls)
                console.MarkupLine(Markup.Escape($"Serving {api.Analysis.Store.Path} (read-only) on {url} — page {url}, API reference {url}scalar; Ctrl+C stops."));
            await api.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }
}
