using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;

namespace LiquidationLab.Server.Api;

/// <summary>A finished response body: bytes, content type and the store version it was computed from.</summary>
/// <param name="Body">The encoded body.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="StoreVersion">The store version it reflects.</param>
/// <param name="Computed">When it was computed (UTC).</param>
internal sealed record CachedResponse(byte[] Body, string ContentType, string StoreVersion, DateTime Computed)
{
    private byte[]? _gzip;

    /// <summary>The body gzip-compressed, computed on first use and kept (a cached heatmap is sent many times: compressing
    /// it once makes each hit a copy of a quarter of the bytes).</summary>
    public byte[] Gzip
    {
        get
        {
            if (_gzip is { } done) return done;
            using var buffer = new MemoryStream(Body.Length / 4 + 64);
            using (var z = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                z.Write(Body);
            return _gzip = buffer.ToArray();
        }
    }
}

/// <summary>
/// Responses cached per (request, store version), in a size-bounded <see cref="MemoryCache"/> (one entry per request,
/// holding the response and the version it reflects). A lookup under a newer store version misses, so a finished ingest
/// invalidates everything it may have changed; concurrent misses of one (request, version) compute once (the others
/// await it). Bounded by total body bytes: past the budget, the cache compacts, the least recently used entries first.
/// </summary>
/// <param name="budgetBytes">Total body bytes kept (responses larger than the budget are served but not kept).</param>
internal sealed class ResultCache(long budgetBytes = 512L << 20) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, budgetBytes), CompactionPercentage = 0.25 });
    private readonly ConcurrentDictionary<(string Key, string Version), Lazy<Task<CachedResponse>>> _computing = new();
    private long _hits;
    private long _misses;

    /// <summary>Hits and misses so far.</summary>
    public (long Hits, long Misses) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>Drops everything (benchmarks measure cold requests with it).</summary>
    public void Clear() => _cache.Clear();

    /// <summary>The response for <paramref name="key"/> at <paramref name="version"/>: cached, or computed once.</summary>
    public async Task<(CachedResponse Response, bool Hit)> GetAsync(string key, string version, Func<Task<CachedResponse>> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (Cached(key, version) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return (cached, true);
        }
        var id = (key, version);
        var mine = new Lazy<Task<CachedResponse>>(async () =>
        {
            // A request that finished between our lookup and our claim has stored its response: use it.
            if (Cached(key, version) is { } done) return done;
            var response = await compute().ConfigureAwait(false) with { StoreVersion = version };
            _cache.Set(key, response, new MemoryCacheEntryOptions { Size = Math.Max(1, response.Body.LongLength) });
            return response;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        var claimed = _computing.GetOrAdd(id, mine);
        if (!ReferenceEquals(claimed, mine))
        {
            var shared = await claimed.Value.ConfigureAwait(false);
            Interlocked.Increment(ref _hits);
            return (shared, true);
        }
        Interlocked.Increment(ref _misses);
        try
        {
            return (await mine.Value.ConfigureAwait(false), false);
        }
        finally
        {
            _computing.TryRemove(new KeyValuePair<(string, string), Lazy<Task<CachedResponse>>>(id, mine)); // failures are not kept
        }
    }

    /// <summary>The last computed response for <paramref name="key"/> whatever its version (served, marked stale, while a
    /// writer holds the store), or null when the cache no longer holds one.</summary>
    public CachedResponse? Stale(string key) => _cache.TryGetValue(key, out CachedResponse? r) ? r : null;

    /// <inheritdoc/>
    public void Dispose() => _cache.Dispose();

    private CachedResponse? Cached(string key, string version) =>
        _cache.TryGetValue(key, out CachedResponse? r) && r is not null && string.Equals(r.StoreVersion, version, StringComparison.Ordinal) ? r : null;
}
