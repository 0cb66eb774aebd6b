using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Liquidity;

namespace LiquidationLab.Liquidity.Service;

/// <summary>
/// The service's view of an untrusted CLOB-compatible endpoint: <c>GET /book</c> and <c>GET /trades</c> with a bounded body
/// (<see cref="LiquidityWatchOptions.MaxResponseBytes"/>), parsed and checked against <see cref="LiquidityWatchOptions.Limits"/>.
/// Every outcome is counted (<c>polls_total</c>, <c>trade_polls_total</c>, <c>books_rejected_total</c>) and returned as a
/// value with its error text; only cancellation escapes. Thread-safe: called by every worker at once (one pooled
/// <see cref="HttpClient"/>, at most <see cref="LiquidityWatchOptions.MaxInFlight"/> connections).
/// </summary>
internal sealed class ClobClient : IDisposable
{
    private readonly LiquidityWatchOptions _options;
    private readonly WatchMetrics _metrics;
    private readonly WatchStatus _status;
    private readonly Func<long> _clock;
    private readonly HttpClient _http;

    public ClobClient(LiquidityWatchOptions options, WatchMetrics metrics, WatchStatus status, Func<long> clock)
    {
        _options = options;
        _metrics = metrics;
        _status = status;
        _clock = clock;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxInFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = options.ClobBaseUrl,
            Timeout = options.RequestTimeout,
        };
    }

    /// <summary>GET with a bounded body: (body, null) or (null, outcome label and message).</summary>
    private async Task<(string? Body, int? Status, string? Outcome, string? Error)> GetBoundedAsync(string url, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                return (null, status, "http_" + status.ToString(CultureInfo.InvariantCulture), $"GET {url}: HTTP {status}");
            var max = _options.MaxResponseBytes;
            if (response.Content.Headers.ContentLength is { } declared && declared > max)
                return (null, status, "too_large", $"GET {url}: body of {declared} bytes exceeds the {max}-byte limit");
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > max) return (null, status, "too_large", $"GET {url}: body exceeds the {max}-byte limit");
                buffer.Write(chunk, 0, n);
            }
            return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), status, null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return (null, null, e is TaskCanceledException ? "timeout" : "error", $"GET {url}: {e.Message}");
        }
    }

    /// <summary>The market's current book, or null and why (HTTP error, timeout, too large, invalid, rejected by the bounds).</summary>
    public async Task<(OrderBook? Book, string? Error)> FetchBookAsync(WatchMarket market, CancellationToken ct)
    {
        var url = "book?token_id=" + Uri.EscapeDataString(market.TokenId);
        var (body, status, outcome, error) = await GetBoundedAsync(url, ct).ConfigureAwait(false);
        if (status is { } code) _status.LastClobStatus = code;
        if (body is null)
        {
            _metrics.Polls.WithLabels(outcome!).Inc();
            return (null, error);
        }
        OrderBook book;
        var sw = Stopwatch.StartNew();
        try
        {
            book = ClobJson.ParseBook(body, $"{_options.ClobBaseUrl}{url}");
        }
        catch (OrderBookException e)
        {
            _metrics.Polls.WithLabels("invalid").Inc();
            return (null, e.Message);
        }
        _metrics.Parse.Observe(sw.Elapsed.TotalSeconds);
        if (_options.Limits.Violation(book, _clock()) is { } violation)
        {
            var future = violation.StartsWith("timestamp", StringComparison.Ordinal);
            _metrics.Polls.WithLabels("rejected").Inc();
            _metrics.Rejected.WithLabels(future ? "future_timestamp" : "bounds").Inc();
            return (null, $"{LiquidityReasonCodes.BookRejected}: GET {url}: {violation}");
        }
        _metrics.Polls.WithLabels("ok").Inc();
        return (book, null);
    }

    /// <summary>The market's trades after <paramref name="afterMs"/>; (null, null) when the endpoint has no trades (404), (null,
    /// why) when the reply is unusable.</summary>
    public async Task<(IReadOnlyList<TradePrint>? Trades, string? Error)> FetchTradesAsync(WatchMarket market, long afterMs, CancellationToken ct)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"trades?token_id={Uri.EscapeDataString(market.TokenId)}&after_ms={afterMs}");
        var (body, status, outcome, error) = await GetBoundedAsync(url, ct).ConfigureAwait(false);
        if (body is null)
        {
            if (status == (int)HttpStatusCode.NotFound)
            {
                _metrics.TradePolls.WithLabels("not_found").Inc(); // an endpoint without trades: the fill rate stays unknown
                return (null, null);
            }
            _metrics.TradePolls.WithLabels(outcome!).Inc();
            return (null, error);
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                _metrics.TradePolls.WithLabels("invalid").Inc();
                var head = body.Length <= 80 ? body : body[..80] + "…";
                return (null, $"GET {url}: expected a JSON array of trades, got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()} {head}");
            }
            var trades = new List<TradePrint>(doc.RootElement.GetArrayLength());
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var t = ClobJson.ParseTrade(e, url);
                if (t.Price * t.Size > _options.Limits.MaxLevelNotionalPusd)
                    throw new OrderBookException($"{url}: trade notional {t.Price * t.Size} exceeds {_options.Limits.MaxLevelNotionalPusd} pUSD.");
                trades.Add(t);
            }
            _metrics.TradePolls.WithLabels("ok").Inc();
            return (trades, null);
        }
        catch (Exception e) when (e is JsonException or OrderBookException or InvalidOperationException or FormatException)
        {
            _metrics.TradePolls.WithLabels("invalid").Inc();
            return (null, e.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
