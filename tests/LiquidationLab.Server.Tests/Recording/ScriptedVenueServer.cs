using System.Collections.Concurrent;
using System.Net;
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
/// A stand-in for a venue's public websocket (Bybit v5, OKX v5) on 127.0.0.1: every text the client sends is kept
/// (<see cref="Received"/>: subscriptions, pings), an application ping is answered with <see cref="PongFor"/>'s answer
/// unless <see cref="AnswerPings"/> is off, and connection n (1-based) runs the script: what to send, after which the
/// connection stays open (idle, as a quiet market) until the client leaves or the script closes it.
/// </summary>
internal sealed class ScriptedVenueServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private ScriptedVenueServer(WebApplication app) => _app = app;

    /// <summary>The script of connection n (1-based).</summary>
    public required Func<int, WebSocket, CancellationToken, Task> OnConnection { get; init; }

    /// <summary>The answer to a client text (the venue's pong), or null for no answer.</summary>
    public required Func<string, string?> PongFor { get; init; }

    /// <summary>Whether pings are answered; default true.</summary>
    public bool AnswerPings { get; init; } = true;

    /// <summary>Every text the client sent, in order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public Uri Url { get; private set; } = null!;

    public int Connections => Volatile.Read(ref _connections);

    public static async Task<ScriptedVenueServer> StartAsync(Func<int, WebSocket, CancellationToken, Task> onConnection, Func<string, string?> pongFor, bool answerPings = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        var s = new ScriptedVenueServer(app) { OnConnection = onConnection, PongFor = pongFor, AnswerPings = answerPings };
        app.Map("/ws", s.Accept);
        await app.StartAsync();
        var http = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        s.Url = new UriBuilder(http) { Scheme = "ws", Path = "/ws" }.Uri;
        return s;
    }

    private async Task Accept(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = 400;
            return;
        }
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var n = Interlocked.Increment(ref _connections);
        using var send = new SemaphoreSlim(1, 1); // the script and the pong answers share the socket: one send at a time
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[64 << 10];
            try
            {
                while (socket.State is WebSocketState.Open or WebSocketState.CloseSent) // what the client sent before it saw our close is read too
                {
                    var r = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    var text = Encoding.UTF8.GetString(buffer, 0, r.Count);
                    Received.Enqueue(text);
                    if (AnswerPings && PongFor(text) is { } pong) await Locked(send, () => Send(socket, pong, ctx.RequestAborted));
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // the client went away
            }
        });
        try
        {
            await OnConnection(n, new LockedSocket(socket, send), ctx.RequestAborted);
            if (socket.State == WebSocketState.Open) await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // the client closed or dropped the connection
        }
        await reader;
    }

    private static async Task Locked(SemaphoreSlim gate, Func<Task> action)
    {
        await gate.WaitAsync();
        try
        {
            await action();
        }
        finally
        {
            gate.Release();
        }
    }

    public static Task Send(WebSocket socket, string text, CancellationToken token) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, token);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The server's socket for a script: its sends take the send lock (pongs may be going out at the same time).</summary>
    private sealed class LockedSocket(WebSocket inner, SemaphoreSlim gate) : WebSocket
    {
        public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

        public override string? CloseStatusDescription => inner.CloseStatusDescription;

        public override WebSocketState State => inner.State;

        public override string? SubProtocol => inner.SubProtocol;

        public override void Abort() => inner.Abort();

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            Locked(gate, () => inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken));

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            Locked(gate, () => inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken));

        public override void Dispose()
        {
        }

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the server's reader receives");

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            Locked(gate, () => inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken));
    }
}
