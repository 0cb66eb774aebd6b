using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LiquidationLab.Data.Store;
using LiquidationLab.Server.Api;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>A small store written for the hostile suite (hourly BTCUSDT candles with OI and totals, a few hundred trades)
/// and a server over it on a free loopback port.</summary>
public sealed class HostileApiFixture : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("liqlab-hostile-").FullName;
    public string StorePath => Path.Combine(Directory, "lab.duckdb");
    public LiquidationApi Api { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Writes the fixture store: 240 hourly candles with OI and totals, 400 trades around 60,000.</summary>
    public static void WriteStore(string path)
    {
        using var store = LabStore.Open(path);
        for (var i = 0; i < 240; i++)
        {
            var t = T0.AddHours(i);
            var close = 60_000 + 3_000 * Math.Sin(i / 15.0);
            var open = 60_000 + 3_000 * Math.Sin((i - 1) / 15.0);
            store.Execute("INSERT INTO klines VALUES ('binance-usdm', 'BTCUSDT', 'perp', '1h', $1, $2, $3, $4, $5, 10, 600000, 100, 5, 300000, 1)",
                t, open, Math.Max(open, close) + 150, Math.Min(open, close) - 150, close);
            store.Execute("INSERT INTO open_interest VALUES ('binance-usdm', 'BTCUSDT', 'binance-openInterestHist', '1h', $1, NULL, $2, NULL, NULL, NULL, 1)",
                t, 5e9 + 2e7 * (i < 120 ? i : 240 - i));
            store.Execute("INSERT INTO liquidation_totals VALUES ('test', 'Binance', 'BTC', '1h', $1, $2, $3, 1)", t, 1e5 * (1 + i % 7), 5e4 * (1 + i % 5));
        }
        var series = store.SeriesId("binance-usdm", "BTCUSDT");
        for (var i = 0; i < 400; i++)
            store.Execute("INSERT INTO agg_trades_data VALUES ($1, $2, $3, $4, $2, $2, $5, $6, 1)",
                series, (long)i + 1, 60_000 * (1 + 0.001 * (i % 11 - 5)), 0.1 + i % 13, T0.AddMinutes(i * 30), i % 2 == 0);
    }

    public async Task InitializeAsync()
    {
        WriteStore(StorePath);
        Api = await LiquidationApi.StartAsync(new LiquidationApiOptions(StorePath, Urls: ["http://127.0.0.1:0"]));
        Http = new HttpClient { BaseAddress = Api.Urls[0], Timeout = TimeSpan.FromSeconds(10) }; // a guard, not a benchmark
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>
/// Issue 30: hostile input against every endpoint. A property over random requests built from hostile numbers, dates and
/// strings and unknown parameters (no 500, every 4xx a problem detail, 400s naming a parameter, no paths or .NET type
/// names, a bounded time and memory per request), and one focused test per class of defect the trial found.
/// </summary>
public sealed partial class HostileApiTests(HostileApiFixture f) : IClassFixture<HostileApiFixture>
{
    private static readonly Dictionary<string, string[]> Endpoints = new()
    {
        ["/liquidations/levels"] = ["venue", "symbol", "entry_price", "leverage_levels", "margin", "side", "quantity", "mark", "wallet_balance"],
        ["/liquidations/heatmap"] = ["symbol", "interval", "from", "to", "model", "market", "mix", "candles_per_column", "oi_symbol", "venues", "price_venue", "format"],
        ["/liquidations/map"] = ["symbol", "from", "to", "mode", "threshold", "mix", "bin_width", "format"],
        ["/liquidations/compare-models"] = ["symbol", "trade_from", "trade_to", "candle_from", "candle_to", "interval", "portion", "format"],
        ["/liquidations/history"] = ["symbol", "interval", "from", "to", "market", "oi_symbol", "scope", "format"],
        ["/liquidations/backtest"] = ["symbol", "interval", "from", "test_from", "test_to", "train_until", "market", "model", "oi_symbol", "scope", "side", "refit_days", "block_days", "event_quantile", "resamples"],
        ["/liquidations/symbols"] = ["venue"],
        ["/health"] = [],
    };

    private static readonly string[] Numbers =
    [
        "1e15", "1e12", "-1", "0", "-0", "NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e-300", "4.9e-324", "1e309", "0.001", "0.0001",
        "99999999999999999999999999999999", "0x10", "1,5", "", " ", "1_000", "5", "100", "60000", "0.05", "125", "2147483648", "-2147483649", "1e-9",
    ];

    private static readonly string[] Dates =
    [
        "0001-01-01", "9999-12-31", "9999-12-31T23:59:59Z", "0000-00-00", "2026-02-30", "garbage", "31/12/2026", "12/31/2026", "2026-13-01",
        "2026-06-01T25:00", "-2026-01-01", "+275760-09-13", "1970-01-01", "2199-12-31", "2026-03-05T00:00:00+14:00", "2026-03-05T00:00:00-23:59",
        "2026-03-03", "2026-03-08", "1969-12-31T23:59:59", "2026-03-04T12:00", "Mon, 02 Mar 2026 00:00:00 GMT", "20260303",
    ];

    private static readonly string[] Strings =
    [
        new string('A', 5_000), "₿🚀ßü\u202e", "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "\0", "BTCUSDT;DROP TABLE klines", "' OR 1=1 --",
        "<script>alert(1)</script>", "C:\\x", "~/.ssh/id_rsa", "%00", "BTCUSDT", "ETHUSDT", "btcusdt", "5m", "1h", "4h", "1d", "perp", "spot", "json", "plotly",
        "html", "isolated", "cross", "both", "long", "short", "gross_value", "top_n", "portion", "5:0.5,10:0.5", "10:2", "5,10,25", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51",
        "time-evolving", "BTC", "Binance", "${jndi:ldap://x}", "all", "binance,hyperliquid", "hyperliquid", "okx,bybit", "binance,,ftx",
    ];

    private static readonly string[] UnknownNames = ["x", "fromm", "__proto__", "a[b]", "😀", "FROM", "symbol ", new string('p', 300)];

    private static readonly Regex TypeName = TypeNameRegex();

    /// <summary>A random request: an endpoint, some of its parameters with hostile values, maybe an unknown one.</summary>
    private static (string Url, string[] Sent) RandomRequest(int seed)
    {
        var rng = new Random(seed);
        var (path, names) = Endpoints.ElementAt(rng.Next(Endpoints.Count));
        var sent = new List<(string Name, string Value)>();
        foreach (var name in names)
        {
            if (rng.NextDouble() < (name == "entry_price" ? 0.8 : 0.45))
            {
                var pool = rng.Next(4) switch { 0 => Numbers, 1 => Dates, 2 => Strings, _ => name.Contains("from", StringComparison.Ordinal) || name.Contains("to", StringComparison.Ordinal) ? Dates : Numbers };
                sent.Add((name, pool[rng.Next(pool.Length)]));
            }
        }
        if (rng.NextDouble() < 0.15) sent.Add((UnknownNames[rng.Next(UnknownNames.Length)], Numbers[rng.Next(Numbers.Length)]));
        var query = string.Join("&", sent.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
        return (query.Length == 0 ? path : path + "?" + query, sent.Select(p => p.Name).ToArray());
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Get(string url, string? host = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (host is not null) request.Headers.Host = host;
        var response = await f.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>The suite's invariant for one answer: no 5xx but a 503 with Retry-After; every 4xx/5xx a problem detail
    /// (400s naming a parameter the caller sent or could have) without absolute paths or .NET exception type names.</summary>
    private void AssertWellFormed(string url, (HttpStatusCode Status, string Body, HttpResponseMessage Response) r, string[] sent)
    {
        var code = (int)r.Status;
        Assert.True(code < 500 || (code == 503 && r.Response.Headers.RetryAfter is not null), $"{url} → {code}: {r.Body}");
        Assert.DoesNotContain(f.Directory, r.Body, StringComparison.Ordinal);
        if (code < 400) return;
        Assert.Equal("application/problem+json", r.Response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(r.Body);
        var body = doc.RootElement;
        Assert.Equal(code, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("title").GetString()), url);
        var detail = body.GetProperty("detail").GetString() ?? "";
        Assert.False(string.IsNullOrWhiteSpace(detail), url);
        Assert.DoesNotMatch(TypeName, detail);
        if (code == 400)
        {
            var parameter = body.GetProperty("parameter").GetString();
            Assert.True(sent.Contains(parameter) || (parameter?.EndsWith('…') ?? false), $"{url}: names '{parameter}', sent {string.Join(", ", sent)}");
        }
    }

    [Property(MaxTest = 250)]
    public void Hostile_parameters_never_get_a_500_and_every_error_is_a_problem_detail_naming_the_parameter(int seed)
    {
        var (url, sent) = RandomRequest(seed);
        var r = Get(url).GetAwaiter().GetResult(); // the client's 10 s timeout bounds the request
        AssertWellFormed(url, r, [.. sent, .. Endpoints[url.Split('?')[0]]]); // a required parameter may be the one named
        Assert.True(GC.GetTotalMemory(false) < 2L << 30, $"{url}: {GC.GetTotalMemory(false):N0} bytes of managed memory after it"); // bounded memory
    }

    [Theory]
    [InlineData("/liquidations/levels?entry_price=1e15", "entry_price")]
    [InlineData("/liquidations/levels?entry_price=60000&quantity=1e12", "quantity")]
    [InlineData("/liquidations/levels?entry_price=60000&margin=cross&wallet_balance=-5", "wallet_balance")]
    [InlineData("/liquidations/heatmap?from=0001-01-01", "from")]
    [InlineData("/liquidations/heatmap?to=9999-12-31", "to")]
    [InlineData("/liquidations/heatmap?venues=binance,ftx", "venues")]
    [InlineData("/liquidations/heatmap?venues=../../etc/passwd", "venues")]
    [InlineData("/liquidations/heatmap?price_venue=binance", "price_venue")]
    [InlineData("/liquidations/heatmap?venues=all&symbol=../../etc/passwd", "symbol")]
    [InlineData("/liquidations/map?from=9999-12-31T23:59:59", "from")]
    [InlineData("/liquidations/history?interval=1h&to=9999-12-31", "to")]
    [InlineData("/liquidations/backtest?test_from=9999-12-31", "test_from")]
    [InlineData("/liquidations/backtest?resamples=1e9", "resamples")]
    [InlineData("/liquidations/backtest?resamples=10", "resamples")]
    [InlineData("/liquidations/backtest?refit_days=NaN", "refit_days")]
    [InlineData("/liquidations/backtest?block_days=1e308", "block_days")]
    [InlineData("/liquidations/backtest?event_quantile=1", "event_quantile")]
    [InlineData("/liquidations/backtest?model=sideways:scale", "model")]
    [InlineData("/liquidations/backtest?model=absolute:scale,none", "model")]
    [InlineData("/liquidations/backtest?side=up", "side")]
    [InlineData("/liquidations/backtest?interval=4h&test_from=2030-01-01", "test_from")]
    [InlineData("/liquidations/compare-models?candle_to=9999-12-31", "candle_to")]
    [InlineData("/liquidations/compare-models?trade_from=0001-01-01", "trade_from")]
    [InlineData("/liquidations/map?bin_width=0.001", "bin_width")]
    [InlineData("/liquidations/map?bin_width=0.0001", "bin_width")]
    [InlineData("/liquidations/map?bin_width=1e-300", "bin_width")]
    [InlineData("/health?x=1", "x")]
    public async Task Inputs_that_were_500s_or_accepted_are_400s_naming_the_parameter(string url, string parameter)
    {
        var r = await Get(url);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        AssertWellFormed(url, r, [parameter]);
        using var doc = JsonDocument.Parse(r.Body);
        Assert.Equal(parameter, doc.RootElement.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Foreign_hosts_are_refused_with_a_problem_detail_and_loopback_ones_answered()
    {
        foreach (var url in new[] { "/health", "/liquidations/levels?entry_price=60000", "/", "/openapi/v1.json" })
        {
            var refused = await Get(url, host: "attacker.example:" + f.Api.Urls[0].Port);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            AssertWellFormed(url, refused, ["Host"]);
            Assert.Contains("attacker.example", refused.Body, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await Get("/health", host: "localhost:" + f.Api.Urls[0].Port)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get("/health", host: "127.0.0.1:" + f.Api.Urls[0].Port)).Status);
    }

    [Fact]
    public async Task Hosts_the_user_lists_are_answered()
    {
        await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(f.StorePath, Urls: ["http://127.0.0.1:0"], AllowedHosts: ["lab.example.org"]));
        using var http = new HttpClient { BaseAddress = api.Urls[0] };
        using var listed = new HttpRequestMessage(HttpMethod.Get, "/health");
        listed.Headers.Host = "lab.example.org";
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(listed)).StatusCode);
        using var other = new HttpRequestMessage(HttpMethod.Get, "/health");
        other.Headers.Host = "evil.example.org";
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(other)).StatusCode);
    }

    [Fact]
    public async Task Health_and_errors_give_no_absolute_paths_or_exception_type_names()
    {
        var health = await Get("/health");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.DoesNotContain(f.Directory, health.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"directory\"", health.Body, StringComparison.Ordinal);
        Assert.Contains("lab.duckdb", health.Body, StringComparison.Ordinal); // the file's name is enough
        var noData = await Get("/liquidations/heatmap?interval=4h");
        Assert.Equal(HttpStatusCode.NotFound, noData.Status);
        AssertWellFormed("heatmap 4h", noData, []);

        var missing = Path.Combine(f.Directory, "missing", "none.duckdb");
        await using var empty = await LiquidationApi.StartAsync(new LiquidationApiOptions(missing, Urls: ["http://127.0.0.1:0"]));
        using var http = new HttpClient { BaseAddress = empty.Urls[0] };
        foreach (var url in new[] { "/health", "/liquidations/map", "/liquidations/symbols" })
        {
            var r = await http.GetAsync(new Uri(url, UriKind.Relative));
            var body = await r.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.DoesNotContain(f.Directory, body, StringComparison.Ordinal);
            Assert.DoesNotMatch(TypeName, body);
        }
    }

    [Fact]
    public async Task Wrong_methods_unknown_routes_long_uris_and_large_headers_get_problem_details()
    {
        var post = await Get("/liquidations/levels?entry_price=1", method: HttpMethod.Post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.Status);
        AssertWellFormed("POST", post, []);
        var route = await Get("/liquidations/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, route.Status);
        AssertWellFormed("404", route, []);
        var longUri = await Get("/liquidations/levels?entry_price=" + new string('9', 10_000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longUri.Status);
        AssertWellFormed("414", longUri, []);
        using var big = new HttpRequestMessage(HttpMethod.Get, "/health");
        big.Headers.Add("X-Padding", new string('p', 40_000));
        var large = await f.Http.SendAsync(big);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, large.StatusCode);
        AssertWellFormed("431", (large.StatusCode, await large.Content.ReadAsStringAsync(), large), []);
    }

    [Fact]
    public async Task Uncached_work_past_the_queue_is_a_503_with_retry_after()
    {
        await using var api = await LiquidationApi.StartAsync(new LiquidationApiOptions(f.StorePath, Urls: ["http://127.0.0.1:0"], MaxConcurrentComputations: 1, MaxQueuedComputations: 0));
        using var http = new HttpClient { BaseAddress = api.Urls[0] };
        HttpResponseMessage[] answers;
        using (LabStore.AnnounceWriter(f.StorePath)) // a waiting writer: the one computation slot stays taken while its read waits
            answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => http.GetAsync(new Uri($"/liquidations/map?threshold={1000 + i}", UriKind.Relative))));
        foreach (var a in answers)
        {
            var body = await a.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, a.StatusCode);
            Assert.NotNull(a.Headers.RetryAfter);
            Assert.Equal("application/problem+json", a.Content.Headers.ContentType?.MediaType);
        }
        var titles = await Task.WhenAll(answers.Select(async a => JsonDocument.Parse(await a.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString()));
        Assert.Contains("Server busy", titles); // turned away at once, not queued behind the slot
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/liquidations/levels?entry_price=60000", UriKind.Relative))).StatusCode); // levels need no slot
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/liquidations/map?threshold=1000", UriKind.Relative))).StatusCode); // the writer has gone
    }

    [GeneratedRegex(@"\b[A-Z]\w*(Exception|Error)\b|System\.\w+")]
    private static partial Regex TypeNameRegex();
}
