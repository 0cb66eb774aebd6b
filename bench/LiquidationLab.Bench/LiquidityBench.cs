using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LiquidationLab.Liquidity;
using LiquidationLab.Liquidity.Service;
using Spectre.Console;

namespace LiquidationLab.Bench;

/// <summary><c>liqlab bench liquidity</c>: the liquidity service's performance figures (docs/performance.md), printed: the
/// forecast computation per poll, then the watch service polling N markets against the replay server in its own
/// process.</summary>
internal static class LiquidityBench
{
    public static Command Create(BenchHost host)
    {
        var data = host.BooksOption();
        var markets = new Option<int>("--markets") { Description = "Markets to watch (copies of the recordings).", DefaultValueFactory = _ => 500 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds of the service run.", DefaultValueFactory = _ => 60 };
        var iterations = new Option<int>("--iterations") { Description = "Forecast computations to time.", DefaultValueFactory = _ => 200_000 };
        var redis = new Option<string?>("--redis") { Description = "Redis to use (default: start redis-server on a free loopback port)." };
        var liquidity = new Command("liquidity", "Forecast computation per poll (p50/p99), then the watch service polling N markets every second against the replay server (CPU, lag).")
        {
            data, markets, seconds, iterations, redis,
        };
        liquidity.SetAction(async (parse, ct) =>
        {
            var console = host.Console(parse.InvocationConfiguration.Output);
            var (recordings, folder) = host.LoadBooks(parse.GetValue(data));
            var model = new LiquidityForecastOptions();
            var n = parse.GetValue(iterations);
            LiquidityBenchmark.ForecastComputation(recordings, model, Math.Min(n, 20_000)); // JIT warm-up
            var (total, evaluate) = LiquidityBenchmark.ForecastComputation(recordings, model, n);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Forecast computation per poll ({n:N0} real books, {model.Estimator}): parse /book + evaluate p50 {total.P50:F1} µs, p99 {total.P99:F1} µs, p99.9 {total.P999:F1} µs, max {total.Max:F0} µs; evaluate alone p50 {evaluate.P50:F2} µs, p99 {evaluate.P99:F2} µs (spec gate: < 5 s)")));

            var count = parse.GetValue(markets);
            var ups = recordings.Count(r => r.Books.Count >= 2 && !r.TokenId.EndsWith("-down", StringComparison.Ordinal));
            var copies = (int)Math.Ceiling(count / (double)Math.Max(1, ups));
            var secs = parse.GetValue(seconds);
            string redisConfig = parse.GetValue(redis) ?? "";
            using var redisServer = parse.GetValue(redis) is null ? StartRedis(out redisConfig) : null;
            try
            {
                var replayPort = FreePort();
                using var replay = StartChild([.. host.Launcher(), "liquidity", "replay", "--data", folder, "--port", replayPort.ToString(CultureInfo.InvariantCulture),
                    "--copies", copies.ToString(CultureInfo.InvariantCulture), "--duration", (secs + 60).ToString(CultureInfo.InvariantCulture)]);
                var baseUrl = new Uri($"http://127.0.0.1:{replayPort}/");
                var served = await WaitForMarkets(baseUrl, ct).ConfigureAwait(false);
                var watch = served.Take(count).ToList();
                var storeDir = Directory.CreateTempSubdirectory("liqlab-bench-");
                try
                {
                    console.MarkupLine(Markup.Escape($"Service: {watch.Count} markets polled every 1 s from the replay server (separate process) at {baseUrl}, Redis {redisConfig}, DuckDB {storeDir.FullName}; 10 s warm-up, {secs} s measured…"));
                    var replayCpu0 = replay.TotalProcessorTime;
                    var r = await LiquidityBenchmark.RunServiceAsync(new LiquidityWatchOptions
                    {
                        ClobBaseUrl = baseUrl, Markets = watch, Model = model, PollIntervalSeconds = 1,
                    }, redisConfig, Path.Combine(storeDir.FullName, "bench.duckdb"), 10, secs).ConfigureAwait(false);
                    replay.Refresh();
                    console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"  polls {r.Polls:N0} in {r.Seconds:F1} s = {r.Polls / r.Seconds:F0}/s (target {watch.Count}/s); dropped {r.Dropped:N0}; reports emitted {r.Emitted:N0} ({r.ReportsInStore:N0} in DuckDB after the run)")));
                    console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"  poll lag (scheduled → evaluated): p50 {r.LagSeconds.P50 * 1000:F1} ms, p99 {r.LagSeconds.P99 * 1000:F1} ms, max {r.LagSeconds.Max * 1000:F0} ms")));
                    console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"  CPU: watcher {r.CpuPercentOfOneCore:F0} % of one core; replay server ≈ {(replay.TotalProcessorTime - replayCpu0).TotalSeconds / (r.Seconds + 10) * 100:F0} % (incl. warm-up); {Environment.ProcessorCount} cores")));
                }
                finally
                {
                    if (!replay.HasExited) replay.Kill(entireProcessTree: true);
                    storeDir.Delete(recursive: true);
                }
            }
            finally
            {
                if (redisServer is { HasExited: false }) redisServer.Kill(entireProcessTree: true); // Dispose alone leaves it running
            }
            return 0;
        });
        return liquidity;
    }

    private static readonly string[] RedisPaths = ["/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"];

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Process StartChild(string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {argv[0]}.");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static Process StartRedis(out string configuration)
    {
        var exe = RedisPaths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server), or pass --redis.");
        var port = FreePort();
        configuration = $"127.0.0.1:{port}";
        var p = StartChild([exe, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return p;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not start on port {port}.");
    }

    private static async Task<IReadOnlyList<WatchMarket>> WaitForMarkets(Uri baseUrl, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                var json = await http.GetStringAsync(new Uri(baseUrl, "replay/markets"), ct).ConfigureAwait(false);
                return WatchMarket.Parse(json, "replay/markets");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
        throw new InvalidOperationException($"The replay server did not start at {baseUrl}.");
    }
}
