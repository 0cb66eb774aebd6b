using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiquidationLab.Liquidity.Service;

/// <summary>A quiet Kestrel app listening on 127.0.0.1 only (the service's endpoints and the replay server).</summary>
internal static class LoopbackHttp
{
    /// <summary>Builds, maps and starts the app; returns it with its base URL (<c>http://127.0.0.1:port/</c>).</summary>
    /// <param name="port">Port; 0 picks a free one.</param>
    /// <param name="map">Adds the endpoints.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(int port, Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address + "/"));
    }
}
