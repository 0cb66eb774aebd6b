using System.Collections.Concurrent;
using System.Diagnostics;
using LiquidationLab.Liquidity;
using LiquidationLab.Data.Store;

using LiquidationLab.Data.Liquidity;

using LiquidationLab.Liquidity.Service;

namespace LiquidationLab.Bench;

/// <summary>Percentiles of a sample, in the sample's unit.</summary>
/// <param name="Count">Samples.</param>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="P999">99.9th percentile.</param>
/// <param name="Max">Maximum.</param>
/// <param name="Mean">Mean.</param>
public sealed record Percentiles(long Count, double P50, double P99, double P999, double Max, double Mean)
{
    /// <summary>Percentiles of <paramref name="values"/> (nearest rank); all NaN when empty.</summary>
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var a = values.Order().ToArray();
        double Q(double q) => a[Math.Min(a.Length - 1, (int)Math.Ceiling(q * a.Length) - 1)];
        return new Percentiles(a.Length, Q(0.5), Q(0.99), Q(0.999), a[^1], a.Average());
    }
}

/// <summary>Result of <see cref="LiquidityBenchmark.RunServiceAsync"/>.</summary>
/// <param name="Markets">Markets watched.</param>
/// <param name="Seconds">Measured wall seconds (after warm-up).</param>
/// <param name="Polls">Polls completed in the measured window.</param>
/// <param name="Emitted">Reports emitted in the window.</param>
/// <param name="Dropped">Polls dropped by backpressure in the window.</param>
/// <param name="LagSeconds">Poll lag (scheduled → evaluated) percentiles, seconds.</param>
/// <param name="CpuPercentOfOneCore">Watcher process CPU time ÷ wall time, % of one core.</param>
/// <param name="ReportsInStore">Rows in <c>liquidity_reports</c> after the run.</param>
public sealed record ServiceBenchmarkResult(int Markets, double Seconds, long Polls, long Emitted, long Dropped, Percentiles LagSeconds,
    double CpuPercentOfOneCore, long ReportsInStore);

/// <summary>Measurements behind <c>liqlab bench liquidity</c>.</summary>
public static class LiquidityBenchmark
{
    /// <summary>
    /// Per-poll forecast computation: parse a real <c>/book</c> response and evaluate the model, <paramref name="iterations"/>
    /// times over the recorded books (cycled, timestamps kept increasing so every poll is a new snapshot). Returns
    /// microsecond percentiles of (parse + evaluate) and of evaluate alone.
    /// </summary>
    public static (Percentiles ParseAndEvaluateUs, Percentiles EvaluateUs) ForecastComputation(
        IReadOnlyList<BookRecording> recordings, LiquidityForecastOptions options, int iterations)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        var books = recordings.Where(r => r.Books.Count > 0).SelectMany(r => r.Books).ToList();
        if (books.Count == 0) throw new ArgumentException("No recorded books.", nameof(recordings));
        var json = books.Select(b => ClobBookJson.LevelArrays(b)).ToArray();
        var model = new LiquidityForecastModel("bench", options);
        var total = new double[iterations];
        var evaluate = new double[iterations];
        var tick = 1_000_000_000_000L;
        for (var i = 0; i < iterations; i++)
        {
            tick += 500;
            var (bids, asks) = json[i % json.Length];
            var body = $"{{\"market\":\"bench\",\"asset_id\":\"t\",\"timestamp\":\"{tick}\",\"bids\":{bids},\"asks\":{asks}}}";
            var t0 = Stopwatch.GetTimestamp();
            var book = ClobJson.ParseBook(body, "bench");
            var t1 = Stopwatch.GetTimestamp();
            model.Evaluate(book, tick + 100, false, "00000000000000000000000000000000");
            var t2 = Stopwatch.GetTimestamp();
            total[i] = (t2 - t0) * 1e6 / Stopwatch.Frequency;
            evaluate[i] = (t2 - t1) * 1e6 / Stopwatch.Frequency;
        }
        return (Percentiles.Of(total), Percentiles.Of(evaluate));
    }

    /// <summary>
    /// Runs the watch service against a CLOB-compatible endpoint for <paramref name="warmUpSeconds"/> + <paramref name="seconds"/>
    /// and measures the second part: poll throughput and lag, backpressure drops and the process's CPU.
    /// </summary>
    public static async Task<ServiceBenchmarkResult> RunServiceAsync(LiquidityWatchOptions options, string redisConfiguration, string storePath,
        double warmUpSeconds, double seconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var state = await RedisLiquidityState.ConnectAsync(redisConfiguration).ConfigureAwait(false);
        using var store = LabStore.Open(storePath);
        var writer = new LiquidityReportWriter(store);
        var lags = new ConcurrentQueue<double>();
        var measuring = false;
        long polls = 0, emitted0 = 0, dropped0 = 0;
        TimeSpan cpu0;
        double wall;
        ServiceBenchmarkResult result;
        await using (var service = new LiquidityWatchService(options, state, writer))
        {
            service.PollCompleted += lag =>
            {
                if (!Volatile.Read(ref measuring)) return;
                lags.Enqueue(lag);
                Interlocked.Increment(ref polls);
            };
            await service.StartAsync().ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(warmUpSeconds)).ConfigureAwait(false);
            var process = Process.GetCurrentProcess();
            process.Refresh();
            cpu0 = process.TotalProcessorTime;
            (emitted0, dropped0) = (service.Emitted, service.Dropped);
            var sw = Stopwatch.StartNew();
            Volatile.Write(ref measuring, true);
            await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
            Volatile.Write(ref measuring, false);
            wall = sw.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            result = new ServiceBenchmarkResult(options.Markets.Count, wall, Interlocked.Read(ref polls), service.Emitted - emitted0, service.Dropped - dropped0,
                Percentiles.Of(lags.ToArray()), 100 * cpu / wall, 0);
        }
        await writer.DisposeAsync().ConfigureAwait(false);
        return result with { ReportsInStore = LiquidityReportTable.Count(store) };
    }
}
