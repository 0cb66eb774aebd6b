using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LiquidationLab.Cli.Tests.Commands;

/// <summary><c>liqlab serve</c> as a real process beside <c>liqlab data ingest</c> on the same store.</summary>
public sealed partial class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string AggTrades(string day, int count, long firstId)
    {
        var start = DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var sb = new StringBuilder("agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n");
        for (var i = 0; i < count; i++)
        {
            var ms = new DateTimeOffset(start.AddSeconds(i * 30)).ToUnixTimeMilliseconds();
            sb.Append(CultureInfo.InvariantCulture, $"{firstId + i},{60_000 + (i % 50) * 10},{0.5 + i % 7},{firstId + i},{firstId + i},{ms},{(i % 2 == 0 ? "true" : "false")}\n");
        }
        var path = Path.Combine(_dir, $"BTCUSDT-aggTrades-{day}.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [GeneratedRegex(@"on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ServingUrl();

    [Fact]
    public async Task A_running_server_and_an_ingest_share_the_store_and_the_ingest_shows_up()
    {
        var db = Path.Combine(_dir, "lab.duckdb");
        Assert.Equal(0, (await CliRunner.Run("data", "ingest", AggTrades("2024-01-01", 400, 1), "--db", db)).Exit);

        var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "liqlab.dll"), "serve", "--db", db, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var server = Process.Start(psi)!;
        try
        {
            var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var match = ServingUrl().Match(line ?? "");
            Assert.True(match.Success, $"no URL in '{line}'; stderr: {(server.HasExited ? await server.StandardError.ReadToEndAsync() : "")}");
            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };

            async Task<(HttpStatusCode Status, long? Trades, string? Cache, bool RetryAfter)> Map(int threshold)
            {
                using var r = await http.GetAsync(new Uri($"/liquidations/map?symbol=BTCUSDT&mode=top_n&threshold={threshold}", UriKind.Relative));
                long? trades = null;
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    using var d = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                    trades = d.RootElement.GetProperty("trades_in_window").GetInt64();
                }
                return (r.StatusCode, trades, r.Headers.TryGetValues("X-Cache", out var c) ? c.Single() : null, r.Headers.RetryAfter is not null);
            }

            var before = await Map(10);
            Assert.Equal((HttpStatusCode.OK, 400L, "miss"), (before.Status, before.Trades, before.Cache));
            Assert.Equal("hit", (await Map(10)).Cache);

            // Readers hammer the store (a new query each time, so every request opens it) while a second file is ingested.
            using var stop = new CancellationTokenSource();
            var seen = new List<(HttpStatusCode, bool)>();
            var readers = Task.Run(async () =>
            {
                for (var i = 1; !stop.IsCancellationRequested; i++)
                {
                    var r = await Map(10 + i % 200);
                    lock (seen) seen.Add((r.Status, r.RetryAfter));
                }
            });
            // The ingest starts once readers are answering and the readers stop once some requests ran after it: conditions
            // awaited, not fixed waits (a loaded machine stretches both).
            await Until(() => { lock (seen) return seen.Count >= 3; });
            var ingest = await CliRunner.Run("data", "ingest", AggTrades("2024-01-02", 400, 10_000), "--db", db);
            int seenAtIngestEnd;
            lock (seen) seenAtIngestEnd = seen.Count;
            await Until(() => { lock (seen) return seen.Count >= seenAtIngestEnd + 3; });
            await stop.CancelAsync();
            await readers;
            Assert.True(ingest.Exit == 0, ingest.Err); // the writer waited out the readers' short-lived connections
            lock (seen)
            {
                Assert.True(seen.Count > 5, $"{seen.Count} requests during the ingest");
                Assert.All(seen, s => Assert.True(s.Item1 == HttpStatusCode.OK || (s.Item1 == HttpStatusCode.ServiceUnavailable && s.Item2), s.ToString()));
            }

            var after = await Map(10);
            Assert.Equal((HttpStatusCode.OK, 800L, "miss"), (after.Status, after.Trades, after.Cache)); // the new store version invalidated the cache
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 20 ms, for at most a minute (then the test's own
    /// assertions say what is missing).</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
    }
}
