using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace LiquidationLab.Data.Recording;

/// <summary>The info-endpoint side of <see cref="HyperliquidRecorder"/>: <c>metaAndAssetCtxs</c> and <c>clearinghouseState</c>
/// polls, each within the request budget, the response size cap and the request timeout.</summary>
public sealed partial class HyperliquidRecorder
{
    /// <summary>
    /// POSTs one info request once the budget has <paramref name="weight"/> tokens; the body, or null when it failed (the
    /// problem set aside as a reject when anything was received, and in <see cref="RecorderStats.LastError"/>).
    /// </summary>
    /// <param name="request">The JSON body.</param>
    /// <param name="weight">Its weight in Hyperliquid's budget.</param>
    /// <param name="what">The request named in messages (never an address).</param>
    /// <param name="symbol">The coin or <see cref="AllCoins"/>, for rejects.</param>
    /// <param name="token">Stops the wait and the request.</param>
    private async Task<string?> PostInfo(string request, int weight, string what, string symbol, CancellationToken token)
    {
        await _budget!.AcquireAsync(weight, token).ConfigureAwait(false);
        var received = DateTime.UtcNow;
        Interlocked.Increment(ref _requestsSent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.RequestTimeout);
        string problem;
        var body = "";
        long bytes = 0;
        try
        {
            using var content = new StringContent(request, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(options.Info, content, timeout.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } declared && declared > options.MaxInfoBytes)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"{what}: a {declared:N0}-byte body, over the {options.MaxInfoBytes:N0}-byte cap");
                bytes = declared;
            }
            else
            {
                // Read in chunks up to the cap: a body without a declared length cannot make the recorder allocate more.
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                using var kept = new MemoryStream();
                var chunk = new byte[1 << 16];
                int n;
                while ((n = await stream.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    bytes += n;
                    if (bytes > options.MaxInfoBytes) break;
                    kept.Write(chunk, 0, n);
                }
                body = Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length);
                if (bytes > options.MaxInfoBytes)
                    problem = string.Create(CultureInfo.InvariantCulture, $"{what}: body over the {options.MaxInfoBytes:N0}-byte cap");
                else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    problem = $"{what}: HTTP 429, the venue's rate limit was reached (other clients on this IP address share the budget; lower the weight per minute)";
                else if (!response.IsSuccessStatusCode)
                    problem = string.Create(CultureInfo.InvariantCulture, $"{what}: HTTP {(int)response.StatusCode}");
                else
                    return body;
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            problem = $"{what}: no answer within {options.RequestTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            problem = $"{what}: {e.Message}";
        }
        Stats.LastError = $"{DateTime.UtcNow:HH:mm:ss} {problem}";
        var stream0 = what.Split(' ', 2)[0];
        if (body.Length > 0 || bytes > 0) AddReject(symbol, stream0, received, problem, body, bytes);
        AddGap(symbol, stream0, "poll-failed", received, DateTime.UtcNow, problem);
        return null;
    }

    private async Task PollMarket(TimeSpan every, CancellationToken token)
    {
        using var timer = new PeriodicTimer(every, _clock);
        do
        {
            string? body;
            try
            {
                body = await PostInfo("""{"type":"metaAndAssetCtxs"}""", HyperliquidRecorderOptions.MetaAndAssetCtxsWeight, "metaAndAssetCtxs", AllCoins, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            if (body is not null) Market(body, _clock.GetUtcNow().UtcDateTime);
        }
        while (await Tick(timer, token).ConfigureAwait(false));
    }

    // Per coin, the funding rate last buffered: a rate is stored where it changes (touched by the market poller only).
    private readonly Dictionary<string, double> _lastFunding = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads a <c>metaAndAssetCtxs</c> answer: <c>[{universe: [{name, szDecimals, maxLeverage, …}]}, [{funding, openInterest,
    /// markPx, oraclePx, …}]]</c>, the contexts in the universe's order; numbers as strings
    /// (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals, "Retrieve perpetuals
    /// asset contexts"). Per subscribed coin: <c>openInterest</c> (in coins) → <c>oi_base</c>, × <c>markPx</c> → <c>oi_usd</c>;
    /// <c>funding</c> (the current hourly rate) → <c>funding_rates</c> with <c>markPx</c>, where it changed. A coin with a bad
    /// value is set aside; the others are kept.
    /// </summary>
    internal void Market(string body, DateTime receivedAt)
    {
        Count("metaAndAssetCtxs");
        var time = DateTime.UnixEpoch.AddMilliseconds(Math.Floor((receivedAt - DateTime.UnixEpoch).TotalMilliseconds));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            AddReject(AllCoins, "metaAndAssetCtxs", receivedAt, $"metaAndAssetCtxs: not valid JSON ({e.Message.Split(" LineNumber", 2)[0]})", body, Encoding.UTF8.GetByteCount(body));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (!(root.ValueKind == JsonValueKind.Array && root.GetArrayLength() >= 2 && root[0].ValueKind == JsonValueKind.Object
                  && root[0].TryGetProperty("universe", out var universe) && universe.ValueKind == JsonValueKind.Array
                  && root[1].ValueKind == JsonValueKind.Array && root[1].GetArrayLength() == universe.GetArrayLength()))
            {
                AddReject(AllCoins, "metaAndAssetCtxs", receivedAt,
                    "metaAndAssetCtxs: expected [{universe: [...]}, [asset contexts]] with one context per universe entry", body, Encoding.UTF8.GetByteCount(body));
                return;
            }
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var i = 0;
            foreach (var asset in universe.EnumerateArray())
            {
                if (asset.ValueKind == JsonValueKind.Object && asset.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { } name)
                    index.TryAdd(name, i);
                i++;
            }
            foreach (var coin in options.Coins)
            {
                if (!index.TryGetValue(coin, out var at))
                {
                    AddReject(coin, "metaAndAssetCtxs", receivedAt, $"metaAndAssetCtxs: coin {coin} is not in the universe (not a perpetual of the first perp dex)", "", 0);
                    continue;
                }
                var ctx = root[1][at];
                var label = $"metaAndAssetCtxs {coin}";
                try
                {
                    if (ctx.ValueKind != JsonValueKind.Object) throw new FormatException($"{label}: expected an object");
                    var oi = Number(ctx, "openInterest", label, Rule.NonNegative, MaxQuantity);
                    var mark = Number(ctx, "markPx", label, Rule.Positive, MaxPrice);
                    var rate = Number(ctx, "funding", label, Rule.FundingRate, 1);
                    var funding = !_lastFunding.TryGetValue(coin, out var last) || last != rate;
                    _lastFunding[coin] = rate;
                    AddMarket(new PendingMarket(coin, time, oi, oi * mark, mark, funding ? rate : null));
                }
                catch (FormatException e)
                {
                    var raw = ctx.GetRawText();
                    AddReject(coin, "metaAndAssetCtxs", receivedAt, e.Message, raw, Encoding.UTF8.GetByteCount(raw));
                }
            }
        }
    }

    private async Task PollPositions(CancellationToken token)
    {
        using var timer = new PeriodicTimer(options.Positions, _clock);
        var accounts = options.AccountList.Select(a => (Address: a.ToLowerInvariant(), Hash: HyperliquidRecorderOptions.AccountHash(a))).ToList();
        do
        {
            foreach (var (address, hash) in accounts)
            {
                string? body;
                try
                {
                    var request = JsonSerializer.Serialize(new { type = "clearinghouseState", user = address });
                    body = await PostInfo(request, HyperliquidRecorderOptions.ClearinghouseStateWeight, $"clearinghouseState account {hash[..12]}", AllCoins, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                if (body is not null) Positions(body, hash, _clock.GetUtcNow().UtcDateTime);
            }
        }
        while (await Tick(timer, token).ConfigureAwait(false));
    }

    /// <summary>
    /// Reads a <c>clearinghouseState</c> answer: <c>{assetPositions: [{type: "oneWay", position: {coin, szi, entryPx,
    /// positionValue, leverage: {type: "cross"|"isolated", value, rawUsd?}, liquidationPx: string|null, marginUsed,
    /// maxLeverage, unrealizedPnl, returnOnEquity, cumFunding}}], marginSummary, crossMarginSummary, withdrawable, time: ms}</c>
    /// (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals, "Retrieve user's
    /// perpetuals account summary"). One <c>position_levels</c> row per position: side from the sign of <c>szi</c> (signed
    /// size: &gt; 0 long), size |<c>szi</c>| in coins, notional <c>positionValue</c> (USD at the mark price), entry
    /// <c>entryPx</c>, leverage <c>leverage.value</c>, margin mode <c>leverage.type</c>, liquidation price
    /// <c>liquidationPx</c> (null: the venue reports none — e.g. a cross position the account's other collateral covers).
    /// The row's time is the answer's <c>time</c> (the venue's), else the receive time. A bad position is set aside; the others are kept.
    /// </summary>
    /// <param name="body">The answer.</param>
    /// <param name="accountHash">The account as stored (<see cref="HyperliquidRecorderOptions.AccountHash"/>).</param>
    /// <param name="receivedAt">Receive time (UTC).</param>
    internal void Positions(string body, string accountHash, DateTime receivedAt)
    {
        Count("clearinghouseState");
        var what = $"clearinghouseState account {accountHash[..12]}";
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            AddReject(AllCoins, "clearinghouseState", receivedAt, $"{what}: not valid JSON ({e.Message.Split(" LineNumber", 2)[0]})", body, Encoding.UTF8.GetByteCount(body));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            DateTime time;
            try
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("assetPositions", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new FormatException($"{what}: expected an object with an array assetPositions");
                if (list.GetArrayLength() > options.MaxPositionsPerAccount)
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{what}: {list.GetArrayLength():N0} positions, more than the {options.MaxPositionsPerAccount:N0} read per account"));
                time = root.TryGetProperty("time", out _) ? Time(root, "time", what) : receivedAt;
            }
            catch (FormatException e)
            {
                AddReject(AllCoins, "clearinghouseState", receivedAt, e.Message, body, Encoding.UTF8.GetByteCount(body));
                return;
            }
            foreach (var item in root.GetProperty("assetPositions").EnumerateArray())
            {
                string? coin = null;
                try
                {
                    if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("position", out var p) || p.ValueKind != JsonValueKind.Object)
                        throw new FormatException($"{what}: expected {{type, position: {{…}}}} per entry of assetPositions");
                    var named = p.TryGetProperty("coin", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    if (!HyperliquidRecorderOptions.IsCoin(named))
                        throw new FormatException($"{what}: field coin: {(named is null ? "missing or not a string" : $"'{Cut(named, 40)}' is not a coin name (1–20 letters or digits)")}");
                    coin = named!;
                    var label = $"{what} {coin}";
                    var szi = Number(p, "szi", label, Rule.NonZero, MaxQuantity);
                    var entry = Number(p, "entryPx", label, Rule.Positive, MaxPrice);
                    var notional = Number(p, "positionValue", label, Rule.NonNegative, 1e15);
                    if (!p.TryGetProperty("leverage", out var lev) || lev.ValueKind != JsonValueKind.Object)
                        throw new FormatException($"{label}: field leverage: expected {{type, value}}");
                    var mode = lev.TryGetProperty("type", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    if (mode is not ("cross" or "isolated")) throw new FormatException($"{label}: field leverage.type: expected \"cross\" or \"isolated\"");
                    var leverage = Number(lev, "value", label + " leverage", Rule.Positive, 1_000);
                    double? liquidation = null;
                    if (p.TryGetProperty("liquidationPx", out var lp) && lp.ValueKind != JsonValueKind.Null)
                        liquidation = Number(p, "liquidationPx", label, Rule.Positive, MaxPrice);
                    AddPosition(new PendingPosition(time, accountHash, coin, szi > 0 ? "long" : "short", Math.Abs(szi), notional, entry, leverage, liquidation, mode));
                }
                catch (FormatException e)
                {
                    var raw = item.GetRawText();
                    AddReject(coin ?? AllCoins, "clearinghouseState", receivedAt, e.Message, raw, Encoding.UTF8.GetByteCount(raw));
                }
            }
        }
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken token)
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
