using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiquidationLab.Server.Tests.Recording;

/// <summary>
/// A scripted stand-in for Binance USDⓈ-M on 127.0.0.1 that sends what a hostile or broken server would: each websocket
/// connection runs <see cref="OnConnection"/> (by default answering pings, as every live server does, while the script
/// sends), and the REST endpoints answer with whatever <see cref="DepthBody"/> and <see cref="OpenInterestBody"/> give.
/// </summary>
internal sealed class HostileBinanceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private HostileBinanceServer(WebApplication app) => _app = app;

    /// <summary>The script of connection n (1-based): what to send on the socket.</summary>
    public required Func<int, WebSocket, CancellationToken, Task> OnConnection { get; init; }

    /// <summary>Whether a connection reads (so pings are answered) while its script runs; default true.</summary>
    public bool AnswerPings { get; init; } = true;

    /// <summary>The depth snapshot body and content type.</summary>
    public Func<(string Body, string ContentType)> DepthBody { get; init; } =
        () => ("""{"lastUpdateId":1000,"E":1,"T":1,"bids":[["67000.0","1.0"]],"asks":[["67000.1","1.0"]]}""", "application/json");

    /// <summary>The open-interest body.</summary>
    public Func<string> OpenInterestBody { get; init; } =
        () => $$"""{"symbol":"BTCUSDT","openInterest":"81234.500","time":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""";

    public Uri BaseUrl { get; private set; } = null!;

    public Uri WsUrl => new UriBuilder(BaseUrl) { Scheme = "ws" }.Uri;

    public int Connections => Volatile.Read(ref _connections);

    public static async Task<HostileBinanceServer> StartAsync(Func<int, WebSocket, CancellationToken, Task> onConnection, bool answerPings = true,
        Func<(string, string)>? depth = null, Func<string>? openInterest = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        var s = new HostileBinanceServer(app) { OnConnection = onConnection, AnswerPings = answerPings };
        s = new HostileBinanceServer(app)
        {
            OnConnection = onConnection, AnswerPings = answerPings, DepthBody = depth ?? s.DepthBody, OpenInterestBody = openInterest ?? s.OpenInterestBody,
        };
        app.Map("/stream", s.Stream);
        app.MapGet("/fapi/v1/depth", () =>
        {
            var (body, type) = s.DepthBody();
            return Results.Text(body, type);
        });
        app.MapGet("/fapi/v1/openInterest", () => Results.Text(s.OpenInterestBody(), "application/json"));
        await app.StartAsync();
        s.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return s;
    }

    private async Task Stream(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = 400;
            return;
        }
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var n = Interlocked.Increment(ref _connections);
        // A live server answers pings; ASP.NET Core answers them while a receive is pending.
        var reader = AnswerPings ? Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                    if ((await socket.ReceiveAsync(buffer, ctx.RequestAborted)).MessageType == WebSocketMessageType.Close) return;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // the client went away
            }
        }) : Task.CompletedTask;
        try
        {
            await OnConnection(n, socket, ctx.RequestAborted);
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted); // idle, as Binance between messages
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // the client closed or dropped the connection
        }
        await reader;
    }

    public static Task Send(WebSocket socket, string text, CancellationToken token) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, token);

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static string AggTrade(long id, long ms, string price = "67000.1", string stream = "btcusdt@aggTrade", string symbol = "BTCUSDT") =>
        Invariant($"{{\"stream\":\"{stream}\",\"data\":{{\"e\":\"aggTrade\",\"E\":{ms},\"s\":\"{symbol}\",\"a\":{id},\"p\":\"{price}\",\"q\":\"0.010\",\"f\":{id * 10},\"l\":{id * 10},\"T\":{ms},\"m\":false}}}}");

    public static string ForceOrder(long ms, string price = "66000", string averagePrice = "66010", string quantity = "0.5", long? tradeMs = null) =>
        Invariant($"{{\"stream\":\"btcusdt@forceOrder\",\"data\":{{\"e\":\"forceOrder\",\"E\":{ms},\"o\":{{\"s\":\"BTCUSDT\",\"S\":\"SELL\",\"o\":\"LIMIT\",\"f\":\"IOC\",\"q\":\"{quantity}\",\"p\":\"{price}\",\"ap\":\"{averagePrice}\",\"X\":\"FILLED\",\"l\":\"0.5\",\"z\":\"0.5\",\"T\":{tradeMs ?? ms}}}}}}}");

    public static string MarkPrice(long ms, string mark = "67000.5", string rate = "0.00010000", string time = "") =>
        Invariant($"{{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{{\"e\":\"markPriceUpdate\",\"E\":{(time.Length > 0 ? time : ms.ToString(CultureInfo.InvariantCulture))},\"s\":\"BTCUSDT\",\"p\":\"{mark}\",\"i\":\"{mark}\",\"P\":\"{mark}\",\"r\":\"{rate}\",\"T\":{ms + 3_600_000}}}}}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A TCP listener on 127.0.0.1 that accepts connections and never answers: a websocket handshake to it never completes.</summary>
internal sealed class MuteTcpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    public MuteTcpServer()
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_clients) _clients.Add(client); // held open, never read or written
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // stopped
            }
        });
    }

    public Uri Url => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public int Accepted => Volatile.Read(ref _accepted);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
            foreach (var c in _clients) c.Dispose();
        _stop.Dispose();
    }
}
