using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Bench;

/// <summary>
/// <c>liqlab bench api</c>: concurrent clients against a running <c>liqlab serve</c> (its own child process unless
/// <c>--url</c> names one) on a realistic mix — levels, the 4-week 5-minute heatmap, compare-models, history — reporting
/// p50/p95/p99 latency and throughput per endpoint, cold (every request a new query), cached, and cached while a share of
/// uncached heatmaps loads the server (the mixed phases: what a user of a busy server meets).
/// </summary>
internal static class ApiBench
{
    private sealed record Sample(string Endpoint, double Milliseconds, HttpStatusCode Status);

    public static Command Create(BenchHost host)
    {
        var url = new Option<string?>("--url") { Description = "A running server (default: start 'liqlab serve' on the store as a child process)." };
        var db = host.DbOption();
        var clients = new Option<int[]>("--clients") { Description = "Concurrent clients per cached phase.", DefaultValueFactory = _ => [16, 64], AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per cached phase.", DefaultValueFactory = _ => 10 };
        var cold = new Option<int>("--cold") { Description = "Uncached requests per endpoint (each a query the server has not seen).", DefaultValueFactory = _ => 8 };
        var encoding = new Option<string>("--encoding")
        {
            Description = "gzip: ask for gzip as browsers do (bodies are read compressed, not decompressed: the server's latency, not the client's inflate); identity: plain bodies.",
            DefaultValueFactory = _ => "gzip",
        };
        encoding.AcceptOnlyFromAmong("gzip", "identity");
        var uncachedShare = new Option<double>("--uncached-share")
        {
            Description = "Mixed phases: the share of requests that are uncached heatmaps (a query the server has not seen) among the cached mix; 0 skips the mixed phases.",
            DefaultValueFactory = _ => 0.1,
        };
        var only = new Option<string?>("--only") { Description = "Cached phases on one endpoint alone: levels, heatmap, compare-models or history (default: the mix)." };
        var cmd = new Command("api", "REST API latency and throughput: uncached requests per endpoint, then N concurrent clients on a cached mix (p50/p95/p99, requests/s).")
        {
            url, db, clients, seconds, cold, only, encoding, uncachedShare,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var console = host.Console(parse.InvocationConfiguration.Output);
            Process? server = null;
            Uri baseUrl;
            if (parse.GetValue(url) is { } given) baseUrl = new Uri(given.TrimEnd('/') + "/");
            else
            {
                (server, baseUrl) = await StartServer(host, host.StoreIfPresent(parse.GetValue(db)), ct).ConfigureAwait(false);
            }
            try
            {
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
                using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
                var (heatFrom, heatTo) = await HeatmapWindow(http, ct).ConfigureAwait(false);
                var gzip = parse.GetValue(encoding) == "gzip";
                if (gzip) http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");
                console.MarkupLine(Markup.Escape($"Server {baseUrl} ({(server is null ? "given" : $"child process {server.Id}")}); heatmap window {heatFrom} → {heatTo} (5m candles); {Environment.ProcessorCount} cores shared by server and clients; " +
                    (gzip ? "Accept-Encoding: gzip, bodies read compressed (as a browser receives them; its inflate is not timed)." : "identity encoding (plain bodies).")));

                // Cold: queries the server has not seen (a distinct parameter each time), one at a time.
                var coldSamples = new List<Sample>();
                var n = parse.GetValue(cold);
                var salt = Random.Shared.Next(1_000, 9_000);
                for (var i = 0; i < n; i++)
                {
                    coldSamples.Add(await Time(http, "heatmap", $"liquidations/heatmap?symbol=BTCUSDT&interval=5m&from={heatFrom}&to={heatTo}&candles_per_column={8 + (salt + i) % 50}", ct).ConfigureAwait(false));
                    coldSamples.Add(await Time(http, "levels", $"liquidations/levels?symbol=BTCUSDT&entry_price={60_000 + salt + i}.5&leverage_levels=5,10,25,50,100,125&margin=both", ct).ConfigureAwait(false));
                    coldSamples.Add(await Time(http, "compare-models", $"liquidations/compare-models?symbol=BTCUSDT&portion=0.0{5 + i % 4}{salt}{i}", ct).ConfigureAwait(false));
                    coldSamples.Add(await Time(http, "history", $"liquidations/history?symbol=BTCUSDT&interval=4h&oi_symbol=BTC&from=2025-0{1 + i % 9}-0{1 + (salt % 9)}", ct).ConfigureAwait(false));
                }
                if (n > 0) Report(console, $"Uncached, one request at a time ({n} per endpoint)", coldSamples, null);

                // Cached: a fixed mix the server has answered once; many clients at once.
                string[] levels = [.. Enumerable.Range(0, 20).Select(i => $"liquidations/levels?symbol={(i % 2 == 0 ? "BTCUSDT" : "ETHUSDT")}&entry_price={(i % 2 == 0 ? 60_000 + 250 * i : 3_000 + 20 * i)}&leverage_levels=5,10,25,50,100,125")];
                var heatmap = $"liquidations/heatmap?symbol=BTCUSDT&interval=5m&from={heatFrom}&to={heatTo}";
                const string compare = "liquidations/compare-models?symbol=BTCUSDT";
                const string history = "liquidations/history?symbol=BTCUSDT&interval=4h&oi_symbol=BTC";
                foreach (var warm in levels.Append(heatmap).Append(compare).Append(history))
                    await Time(http, "warm", warm, ct).ConfigureAwait(false);
                var endpoint = parse.GetValue(only);
                if (endpoint is not null && endpoint is not ("levels" or "heatmap" or "compare-models" or "history"))
                    throw new ArgumentException($"--only: expected levels, heatmap, compare-models or history, found '{endpoint}'.");
                foreach (var c in parse.GetValue(clients) ?? [16, 64])
                {
                    var samples = new List<Sample>();
                    var clock = Stopwatch.StartNew();
                    var until = TimeSpan.FromSeconds(parse.GetValue(seconds));
                    var tasks = Enumerable.Range(0, c).Select(async k =>
                    {
                        var rng = new Random(k);
                        var mine = new List<Sample>();
                        while (clock.Elapsed < until)
                        {
                            var roll = endpoint switch { "levels" => 0.0, "heatmap" => 0.5, "compare-models" => 0.8, "history" => 0.9, _ => rng.NextDouble() };
                            var (name, path) = roll < 0.4 ? ("levels", levels[rng.Next(levels.Length)])
                                : roll < 0.7 ? ("heatmap", heatmap) : roll < 0.85 ? ("compare-models", compare) : ("history", history);
                            mine.Add(await Time(http, name, path, ct, tolerateBusy: true).ConfigureAwait(false));
                        }
                        lock (samples) samples.AddRange(mine);
                    }).ToArray();
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                    Report(console, endpoint is null
                        ? $"Cached mix, {c} concurrent clients, {clock.Elapsed.TotalSeconds:F1} s (40 % levels, 30 % heatmap, 15 % compare-models, 15 % history)"
                        : $"Cached {endpoint} alone, {c} concurrent clients, {clock.Elapsed.TotalSeconds:F1} s", samples, clock.Elapsed);
                }

                // Mixed: the cached mix with a share of uncached heatmaps at the same time, so the cached figures are measured
                // while the server computes (the load a real user meets); 503s (the server's queue limit) are counted, not failed.
                var share = parse.GetValue(uncachedShare);
                if (share is < 0 or > 1) throw new ArgumentException($"--uncached-share: expected a fraction in [0, 1], found {share}.");
                var fresh = 0;
                foreach (var c in share > 0 ? parse.GetValue(clients) ?? [16, 64] : [])
                {
                    var samples = new List<Sample>();
                    var clock = Stopwatch.StartNew();
                    var until = TimeSpan.FromSeconds(parse.GetValue(seconds));
                    var tasks = Enumerable.Range(0, c).Select(async k =>
                    {
                        var rng = new Random(1_000 + k);
                        var mine = new List<Sample>();
                        while (clock.Elapsed < until)
                        {
                            if (rng.NextDouble() < share)
                            {
                                var n = Interlocked.Increment(ref fresh);
                                mine.Add(await Time(http, "heatmap uncached", $"{heatmap}&candles_per_column={5 + (salt * 7 + n) % 4_000}", ct, tolerateBusy: true).ConfigureAwait(false));
                                continue;
                            }
                            var roll = rng.NextDouble();
                            var (name, path) = roll < 0.4 ? ("levels", levels[rng.Next(levels.Length)])
                                : roll < 0.7 ? ("heatmap cached", heatmap) : roll < 0.85 ? ("compare-models", compare) : ("history", history);
                            mine.Add(await Time(http, name, path, ct, tolerateBusy: true).ConfigureAwait(false));
                        }
                        lock (samples) samples.AddRange(mine);
                    }).ToArray();
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                    Report(console, string.Create(CultureInfo.InvariantCulture,
                        $"Cached mix under load, {c} concurrent clients, {clock.Elapsed.TotalSeconds:F1} s ({share:P0} uncached heatmaps; the rest 40 % levels, 30 % cached heatmap, 15 % compare-models, 15 % history; '503' rows are requests the server turned away)"),
                        samples, clock.Elapsed);
                }
                return 0;
            }
            finally
            {
                if (server is not null)
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    server.Dispose();
                }
            }
        });
        return cmd;
    }

    private static async Task<(Process, Uri)> StartServer(BenchHost host, string db, CancellationToken ct)
    {
        var argv = host.Launcher();
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1).Concat(["serve", "--db", db, "--urls", "http://127.0.0.1:0"])) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start 'liqlab serve'.");
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) first.TrySetResult(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        p.EnableRaisingEvents = true;
        p.Exited += (_, _) => first.TrySetResult("");
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var line = await first.Task.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        var at = line.IndexOf(" on http://", StringComparison.Ordinal);
        if (at < 0)
        {
            if (!p.HasExited) p.Kill(true);
            lock (errors) throw new InvalidOperationException($"'liqlab serve' did not report its address: {line} {errors}");
        }
        var rest = line[(at + 4)..];
        return (p, new Uri(rest[..(rest.IndexOf('/', "http://".Length) + 1)]));
    }

    /// <summary>The last 28 days of stored 5m BTCUSDT candles (from the symbols endpoint's data and the heatmap's own bounds).</summary>
    private static async Task<(string From, string To)> HeatmapWindow(HttpClient http, CancellationToken ct)
    {
        using var r = await http.GetAsync(new Uri("liquidations/heatmap?symbol=BTCUSDT&interval=5m&format=json", UriKind.Relative), ct).ConfigureAwait(false);
        if (!r.IsSuccessStatusCode)
            throw new InvalidOperationException($"The server has no BTCUSDT 5m heatmap ({(int)r.StatusCode}): {await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        using var doc = await System.Text.Json.JsonDocument.ParseAsync(await r.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
        var to = DateTime.Parse(doc.RootElement.GetProperty("to").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var from = to.AddDays(-28);
        return (from.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), to.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
    }

    private static async Task<Sample> Time(HttpClient http, string endpoint, string path, CancellationToken ct, bool tolerateBusy = false)
    {
        var t = Stopwatch.GetTimestamp();
        using var r = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        if (tolerateBusy && r.StatusCode == HttpStatusCode.ServiceUnavailable) return new Sample(endpoint + " 503", ms, r.StatusCode);
        if (!r.IsSuccessStatusCode)
            throw new InvalidOperationException($"{path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        return new Sample(endpoint, ms, r.StatusCode);
    }

    private static void Report(IAnsiConsole console, string title, List<Sample> samples, TimeSpan? elapsed)
    {
        console.MarkupLine(Markup.Escape(title));
        if (samples.Count == 0)
        {
            console.MarkupLine("(no requests)");
            return;
        }
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("endpoint");
        foreach (var h in new[] { "requests", "p50 ms", "p95 ms", "p99 ms", "max ms" }) t.AddColumn(h, c => c.RightAligned());
        if (elapsed is not null) t.AddColumn("req/s", c => c.RightAligned());
        foreach (var g in samples.GroupBy(s => s.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal).Append(samples.GroupBy(_ => "all").Single()))
        {
            var ms = g.Select(s => s.Milliseconds).Order().ToArray();
            double P(double q) => ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(q * ms.Length) - 1)];
            var cells = new List<string>
            {
                g.Key, ms.Length.ToString("N0", CultureInfo.InvariantCulture), P(0.5).ToString("F1", CultureInfo.InvariantCulture),
                P(0.95).ToString("F1", CultureInfo.InvariantCulture), P(0.99).ToString("F1", CultureInfo.InvariantCulture), ms[^1].ToString("F1", CultureInfo.InvariantCulture),
            };
            if (elapsed is { } e) cells.Add((ms.Length / e.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture));
            t.AddRow(cells.ToArray());
        }
        console.Write(t);
    }
}
