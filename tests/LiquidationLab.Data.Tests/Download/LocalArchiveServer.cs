using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LiquidationLab.Data.Tests.Download;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 that serves fixture archives by path, honours Range requests, and can fail a path
/// a given number of times with HTTP 500 (to test retries). Every request is counted.
/// </summary>
public sealed class LocalArchiveServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LocalArchiveServer()
    {
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public Uri BaseUrl { get; }

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    public ConcurrentBag<string> RangeHeaders { get; } = [];

    public void Serve(string path, byte[] content) => _files[path] = content;

    public void FailTimes(string path, int times) => _failures[path] = times;

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            var path = ctx.Request.Url!.AbsolutePath.TrimStart('/');
            Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            var res = ctx.Response;
            try
            {
                if (_failures.TryGetValue(path, out var left) && left > 0)
                {
                    _failures[path] = left - 1;
                    res.StatusCode = 500;
                }
                else if (!_files.TryGetValue(path, out var body))
                {
                    res.StatusCode = 404;
                }
                else
                {
                    var range = ctx.Request.Headers["Range"];
                    var start = 0;
                    if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
                    {
                        RangeHeaders.Add(range);
                        start = int.Parse(range[6..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                        res.StatusCode = 206;
                        res.AddHeader("Content-Range", $"bytes {start}-{body.Length - 1}/{body.Length}");
                    }
                    res.ContentLength64 = body.Length - start;
                    await res.OutputStream.WriteAsync(body.AsMemory(start));
                }
            }
            finally
            {
                res.Close();
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
