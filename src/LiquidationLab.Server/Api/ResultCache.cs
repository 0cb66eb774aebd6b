using System.Collections.Concurrent;

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
/// Responses cached per (request, store version). A lookup under a newer store version misses, so a finished ingest
/// invalidates everything it may have changed; concurrent misses of one key compute once (the others await it). Bounded
/// by total bytes: past the budget, the least recently used entries go.
/// </summary>
/// <param name="budgetBytes">Total body bytes kept.</param>
internal sealed class ResultCache(long budgetBytes = 512L << 20)
{
    private sealed class Entry(string version, Lazy<Task<CachedResponse>> value)
    {
        public string Version { get; } = version;
        public Lazy<Task<CachedResponse>> Value { get; } = value;
        public long LastUse;
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedResponse> _lastGood = new(StringComparer.Ordinal);
    private long _clock;
    private long _bytes;
    private long _hits;
    private long _misses;

    /// <summary>Hits and misses so far.</summary>
    public (long Hits, long Misses) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>Drops everything (benchmarks measure cold requests with it).</summary>
    public void Clear()
    {
        _entries.Clear();
        _lastGood.Clear();
        Interlocked.Exchange(ref _bytes, 0);
    }

    /// <summary>The response for <paramref name="key"/> at <paramref name="version"/>: cached, or computed once.</summary>
    public async Task<(CachedResponse Response, bool Hit)> GetAsync(string key, string version, Func<Task<CachedResponse>> compute)
    {
        while (true)
        {
            var tick = Interlocked.Increment(ref _clock);
            if (_entries.TryGetValue(key, out var existing) && existing.Version == version)
            {
                existing.LastUse = tick;
                if (existing.Value.IsValueCreated && existing.Value.Value.IsCompletedSuccessfully)
                {
                    Interlocked.Increment(ref _hits);
                    return (existing.Value.Value.Result, true);
                }
                try
                {
                    var shared = await existing.Value.Value.ConfigureAwait(false);
                    Interlocked.Increment(ref _hits);
                    return (shared, true);
                }
                catch
                {
                    _entries.TryRemove(new KeyValuePair<string, Entry>(key, existing));
                    throw;
                }
            }
            var fresh = new Entry(version, new Lazy<Task<CachedResponse>>(compute, LazyThreadSafetyMode.ExecutionAndPublication)) { LastUse = tick };
            var added = existing is null ? _entries.TryAdd(key, fresh) : _entries.TryUpdate(key, fresh, existing);
            if (!added) continue; // another request got there first: use its entry
            if (existing is not null && existing.Value.IsValueCreated && existing.Value.Value.IsCompletedSuccessfully)
                Interlocked.Add(ref _bytes, -existing.Value.Value.Result.Body.Length);
            Interlocked.Increment(ref _misses);
            CachedResponse response;
            try
            {
                response = await fresh.Value.Value.ConfigureAwait(false);
            }
            catch
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, fresh));
                throw;
            }
            _lastGood[key] = response;
            if (Interlocked.Add(ref _bytes, response.Body.Length) > budgetBytes) Evict();
            return (response, false);
        }
    }

    /// <summary>The last computed response for <paramref name="key"/> whatever its version (served, marked stale, while a
    /// writer holds the store).</summary>
    public CachedResponse? Stale(string key) => _lastGood.TryGetValue(key, out var r) ? r : null;

    private void Evict()
    {
        foreach (var (key, entry) in _entries.OrderBy(e => e.Value.LastUse).ToArray())
        {
            if (Interlocked.Read(ref _bytes) <= budgetBytes * 3 / 4) break;
            if (!entry.Value.IsValueCreated || !entry.Value.Value.IsCompletedSuccessfully) continue;
            _lastGood.TryRemove(key, out _);
            if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
                Interlocked.Add(ref _bytes, -entry.Value.Value.Result.Body.Length);
        }
    }
}
