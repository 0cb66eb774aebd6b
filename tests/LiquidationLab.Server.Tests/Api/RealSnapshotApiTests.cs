using System.Net;
using System.Text.Json;
using LiquidationLab.Server.Api;
using LiquidationLab.TestSupport;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>Tests of the REST API in-process (Kestrel on a free loopback port) over the repository's real-data snapshot:
/// one server per test class instance, a client on it, and JSON reads.</summary>
public abstract class RealSnapshotApiTests : IAsyncLifetime, IDisposable
{
    /// <summary>The running API.</summary>
    protected LiquidationApi Api { get; private set; } = null!;

    /// <summary>A client whose base address is the API.</summary>
    protected HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await LiquidationApi.StartAsync(new LiquidationApiOptions(RealSnapshot.StorePath, Urls: ["http://127.0.0.1:0"]));
        Http = new HttpClient { BaseAddress = Api.Urls[0] };
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();

    public void Dispose()
    {
        Http.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>GETs a relative URL and parses its body as JSON.</summary>
    protected async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Get(string url)
    {
        var response = await Http.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, doc.RootElement.Clone(), response);
    }
}
