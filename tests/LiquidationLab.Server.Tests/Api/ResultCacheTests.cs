using LiquidationLab.Server.Api;

namespace LiquidationLab.Server.Tests.Api;

/// <summary>The response cache under concurrency: distinct keys racing against a tiny budget, one key missed at once.</summary>
public sealed class ResultCacheTests
{
    private static CachedResponse Body(int bytes) => new(new byte[bytes], "application/json", "", DateTime.UtcNow);

    [Fact]
    public async Task Many_concurrent_distinct_keys_against_a_tiny_budget_never_fail()
    {
        var cache = new ResultCache(budgetBytes: 4_096);
        var failures = new List<Exception>();
        // 64 workers × 400 distinct keys, bodies of 300–1,300 bytes: the budget holds a handful, so nearly every insert evicts.
        var workers = Enumerable.Range(0, 64).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 4000; i++)
            {
                var key = $"/liquidations/levels?entry_price={w}.{i}";
                try
                {
                    var size = 300 + (w * 7 + i) % 1_000;
                    var (response, _) = await cache.GetAsync(key, "v1", () => i % 3 == 0 ? Task.FromResult(Body(size)) : Task.Run(() => Body(size)));
                    Assert.Equal(size, response.Body.Length);
                    if (i % 5 == 0) await cache.GetAsync($"/liquidations/levels?entry_price={w}.{i - 1}", "v1", () => Task.FromResult(Body(10)));
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add(e);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Empty(failures);
        var (hits, misses) = cache.Counts;
        Assert.Equal(64 * 4000 + 64 * 800, hits + misses);
    }

    [Fact]
    public async Task Concurrent_misses_of_one_key_compute_once()
    {
        var cache = new ResultCache(budgetBytes: 1 << 20);
        var computed = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<CachedResponse> Compute()
        {
            Interlocked.Increment(ref computed);
            await gate.Task;
            return Body(100);
        }
        var requests = Enumerable.Range(0, 32).Select(_ => Task.Run(() => cache.GetAsync("/liquidations/heatmap?x", "v1", Compute))).ToArray();
        while (cache.Counts.Hits + cache.Counts.Misses < 1) await Task.Yield(); // at least the first has entered
        gate.SetResult();
        var results = await Task.WhenAll(requests);
        Assert.Equal(1, computed);
        Assert.Single(results.Select(r => r.Response).Distinct());
        Assert.Equal(1, results.Count(r => !r.Hit));
        var later = await cache.GetAsync("/liquidations/heatmap?x", "v2", () => Task.FromResult(Body(7)));
        Assert.False(later.Hit); // a newer store version misses
        Assert.Equal(7, later.Response.Body.Length);
        Assert.Equal(7, cache.Stale("/liquidations/heatmap?x")?.Body.Length); // the last computed response, for a locked store
    }
}
