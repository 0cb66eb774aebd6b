using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace LiquidationLab.Data.Tests.Recording;

/// <summary>
/// A local stand-in for Hyperliquid's API on 127.0.0.1 (HttpListener): the websocket at <c>/ws</c> (answers the
/// <c>trades</c> subscriptions with <c>subscriptionResponse</c>, then sends the scripted frames of that connection; answers
/// <c>{"method":"ping"}</c> with <c>{"channel":"pong"}</c>) and <c>POST /info</c> (answers by the body's <c>type</c>, and for
/// <c>clearinghouseState</c> by its <c>user</c>). A connection whose script says so is aborted after its frames (a dropped
/// connection); the others stay open until the server is disposed. Every request and subscription is counted.
/// </summary>
internal sealed class HyperliquidLoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    /// <param name="connections">Per connection (1st, 2nd, …): the frames sent once every coin is subscribed, and whether the
    /// connection is then aborted. Connections past the list get no frames and stay open.</param>
    /// <param name="coins">The coins the client is expected to subscribe to before the frames are sent.</param>
    public HyperliquidLoopbackServer(IReadOnlyList<(IReadOnlyList<string> Frames, bool Abort)> connections, int coins)
    {
        Connections = connections;
        Coins = coins;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        }
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public Uri BaseUrl { get; }

    public Uri WebSocketUrl => new UriBuilder(new Uri(BaseUrl, "ws")) { Scheme = "ws" }.Uri;

    public Uri InfoUrl => new(BaseUrl, "info");

    private IReadOnlyList<(IReadOnlyList<string> Frames, bool Abort)> Connections { get; }

    private int Coins { get; }

    /// <summary>The answer to each info <c>type</c> (a function of the request body, for <c>clearinghouseState</c> per user).</summary>
    public ConcurrentDictionary<string, Func<JsonElement, (int Status, string Body)>> Answers { get; } = new(StringComparer.Ordinal);

    /// <summary>Info requests received, per <c>type</c>.</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>The users asked for with <c>clearinghouseState</c>, in order.</summary>
    public ConcurrentQueue<string> Users { get; } = new();

    /// <summary>Subscription messages received (all connections).</summary>
    public ConcurrentQueue<string> Subscriptions { get; } = new();

    /// <summary>Per connection number (1-based), a task its frames wait for after the subscriptions (a test's gate).</summary>
    public ConcurrentDictionary<int, Task> Gates { get; } = new();

    /// <summary>Websocket connections accepted.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Pings answered.</summary>
    public int Pings;

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    private async Task Handle(HttpListenerContext ctx)
    {
        try
        {
            if (ctx.Request.IsWebSocketRequest && ctx.Request.Url!.AbsolutePath == "/ws")
            {
                var n = Interlocked.Increment(ref _connections);
                var ws = (await ctx.AcceptWebSocketAsync(null)).WebSocket;
                await Serve(ctx, ws, n <= Connections.Count ? Connections[n - 1] : ([], false), Gates.GetValueOrDefault(n) ?? Task.CompletedTask);
                return;
            }
            if (ctx.Request.HttpMethod == "POST" && ctx.Request.Url!.AbsolutePath == "/info")
            {
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                using var doc = JsonDocument.Parse(await reader.ReadToEndAsync());
                var type = doc.RootElement.GetProperty("type").GetString()!;
                if (type == "clearinghouseState") Users.Enqueue(doc.RootElement.GetProperty("user").GetString()!);
                Requests.AddOrUpdate(type, 1, (_, c) => c + 1);
                var (status, body) = Answers.TryGetValue(type, out var answer) ? answer(doc.RootElement) : (422, "Failed to deserialize the JSON body");
                var bytes = Encoding.UTF8.GetBytes(body);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
                return;
            }
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // the client went away or the server is stopping
        }
    }

    private async Task Serve(HttpListenerContext ctx, WebSocket ws, (IReadOnlyList<string> Frames, bool Abort) script, Task gate)
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sendLock = new SemaphoreSlim(1, 1); // the reader (pongs, acknowledgements) and the script both send
        async Task SendText(string text)
        {
            await sendLock.WaitAsync(_stop.Token);
            try
            {
                await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, _stop.Token);
            }
            finally
            {
                sendLock.Release();
            }
        }
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            var count = 0;
            try
            {
                while (ws.State == WebSocketState.Open)
                {
                    var r = await ws.ReceiveAsync(buffer, _stop.Token);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    var text = Encoding.UTF8.GetString(buffer, 0, r.Count);
                    using var doc = JsonDocument.Parse(text);
                    var method = doc.RootElement.GetProperty("method").GetString();
                    if (method == "ping")
                    {
                        Interlocked.Increment(ref Pings);
                        await SendText("""{"channel":"pong"}""");
                    }
                    else if (method == "subscribe")
                    {
                        Subscriptions.Enqueue(text);
                        await SendText($$"""{"channel":"subscriptionResponse","data":{{text}}}""");
                        if (++count == Coins) subscribed.TrySetResult();
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // closed
            }
        });
        await subscribed.Task.WaitAsync(_stop.Token);
        await gate.WaitAsync(_stop.Token);
        foreach (var frame in script.Frames) await SendText(frame);
        if (script.Abort)
        {
            ws.Abort();
            ctx.Response.Abort(); // closes the TCP connection: the client sees it dropped, not a clean close
            return;
        }
        try
        {
            await reader.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            ws.Abort();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
