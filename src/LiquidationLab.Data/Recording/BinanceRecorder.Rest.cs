using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiquidationLab.Data.Ingest;
using LiquidationLab.Data.Store;

namespace LiquidationLab.Data.Recording;

/// <summary>REST calls of <see cref="BinanceRecorder"/>: depth snapshots and open-interest polls, bounded in size and time.</summary>
public sealed partial class BinanceRecorder
{
    /// <summary>GET with the REST timeout and size cap; the body, or null with the problem set aside as a reject.</summary>
    private async Task<string?> RestGet(string pathAndQuery, string symbol, string stream, CancellationToken token)
    {
        var received = DateTime.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.RestTimeout);
        string problem;
        var body = "";
        long bytes = 0;
        try
        {
            using var response = await http.GetAsync(new Uri(options.Rest, pathAndQuery), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is > 0 and var declared && declared > options.MaxRestBytes)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: a {declared:N0}-byte body, over the {options.MaxRestBytes:N0}-byte cap");
                bytes = declared;
            }
            else
            {
                await using var stream0 = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                using var copy = new MemoryStream();
                var chunk = new byte[1 << 16];
                int n;
                while ((n = await stream0.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    bytes += n;
                    if (bytes > options.MaxRestBytes) break;
                    copy.Write(chunk, 0, n);
                }
                body = Encoding.UTF8.GetString(copy.GetBuffer(), 0, (int)copy.Length);
                if (bytes > options.MaxRestBytes)
                    problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: body over the {options.MaxRestBytes:N0}-byte cap");
                else if (!response.IsSuccessStatusCode)
                    problem = string.Create(CultureInfo.InvariantCulture, $"REST {pathAndQuery}: HTTP {(int)response.StatusCode}");
                else
                    return body;
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            problem = $"REST {pathAndQuery}: no answer within {options.RestTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            problem = $"REST {pathAndQuery}: {e.Message}";
        }
        Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {problem}";
        if (body.Length > 0 || bytes > 0) AddReject(symbol, stream, received, problem, body, bytes);
        return null;
    }

    /// <summary>Fetches the REST depth snapshot; true when it is buffered, false (a reject and a gap) when it failed.</summary>
    private async Task<bool> Snapshot(string symbol, CancellationToken token)
    {
        var stream = symbol.ToLowerInvariant() + "@depth@100ms";
        var started = DateTime.UtcNow;
        var body = await RestGet($"/fapi/v1/depth?symbol={symbol}&limit=1000", symbol, stream, token).ConfigureAwait(false);
        string problem;
        if (body is null)
        {
            problem = "the REST depth snapshot failed (see the reject or the last error)";
        }
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("lastUpdateId", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out _)
                    && root.TryGetProperty("bids", out var bids) && bids.ValueKind == JsonValueKind.Array && root.TryGetProperty("asks", out var asks) && asks.ValueKind == JsonValueKind.Array)
                {
                    Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {body.ReplaceLineEndings("")}"));
                    _lastDepthU.Remove(symbol);
                    return true;
                }
                problem = "REST depth snapshot: not an order book (needs an integer lastUpdateId and bids/asks arrays)";
            }
            catch (JsonException e)
            {
                problem = $"REST depth snapshot: not valid JSON ({e.Message.Split(" LineNumber", 2)[0]})";
            }
            AddReject(symbol, stream, started, problem, body, Encoding.UTF8.GetByteCount(body));
        }
        AddGap(symbol, "depth", "snapshot-failed", started, DateTime.UtcNow, problem + ": the book waits for the next snapshot");
        return false;
    }

    private async Task PollOpenInterest(TimeSpan every, CancellationToken token)
    {
        using var timer = new PeriodicTimer(every);
        do
        {
            foreach (var symbol in options.Symbols)
            {
                if (token.IsCancellationRequested) return;
                var stream = symbol.ToLowerInvariant() + "@openInterest";
                var received = DateTime.UtcNow;
                string? body;
                try
                {
                    body = await RestGet($"/fapi/v1/openInterest?symbol={symbol}", symbol, stream, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return; // stopping
                }
                if (body is null) continue;
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    var r = doc.RootElement;
                    var time = r.GetProperty("time").GetInt64();
                    if (r.GetProperty("symbol").GetString() != symbol) throw new FormatException($"field symbol is not {symbol}");
                    var oi = r.GetProperty("openInterest").GetString() ?? throw new FormatException("field openInterest is null");
                    // The values are checked where every recording line is: the importer (a bad one is set aside there).
                    var line = JsonSerializer.Serialize(new { stream, data = new { e = "openInterest", E = time, s = symbol, o = oi } });
                    Stats.Messages.AddOrUpdate("openInterest", 1, (_, n) => n + 1);
                    Add(symbol, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {line}"));
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    var problem = $"REST openInterest: {(e is JsonException j ? "not valid JSON (" + j.Message.Split(" LineNumber", 2)[0] + ")" : e.Message)}";
                    Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {problem}";
                    AddReject(symbol, stream, received, problem, body, Encoding.UTF8.GetByteCount(body));
                }
            }
        }
        while (await WaitTick(timer, token).ConfigureAwait(false));
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
