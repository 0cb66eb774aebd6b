using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using LiquidationLab.Data.Ingest;

namespace LiquidationLab.Data.Download;

/// <summary>One archive to fetch from Binance Vision.</summary>
/// <param name="RelativePath">Path under the base URL, e.g. <c>data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01-01.zip</c>.</param>
/// <param name="Kind">Data kind (<c>aggTrades</c>, <c>klines</c>, …).</param>
public sealed record VisionArchive(string RelativePath, string Kind)
{
    /// <summary>The archive's file name.</summary>
    public string FileName => RelativePath[(RelativePath.LastIndexOf('/') + 1)..];

    /// <summary>
    /// Whether the archive may lack a published <c>.CHECKSUM</c>: true for the <c>data3/</c> tree (the USDⓈ-M
    /// <c>liquidationSnapshot</c> archive), whose sidecars could not be confirmed. Then a missing checksum is not a missing
    /// file: the zip is fetched and its integrity checked by reading every entry (CRC-32) instead. False (the default) for
    /// the <c>data/</c> tree, where Binance publishes a <c>.CHECKSUM</c> beside every archive, so its absence means the
    /// archive is absent.
    /// </summary>
    public bool ChecksumOptional { get; init; }
}

/// <summary>How fetching one archive ended.</summary>
public enum FetchStatus
{
    /// <summary>Downloaded and its SHA-256 matched the published <c>.CHECKSUM</c> (or, where none is published and
    /// <see cref="VisionArchive.ChecksumOptional"/>, every zip entry's CRC-32 matched).</summary>
    Downloaded,

    /// <summary>Already on disk with a matching checksum: not downloaded again.</summary>
    AlreadyPresent,

    /// <summary>The server has no such file (HTTP 404): e.g. a date before the symbol was listed.</summary>
    Missing,

    /// <summary>The downloaded bytes do not match the published checksum (or, without one, are not a whole zip): deleted, not to be ingested.</summary>
    ChecksumMismatch,

    /// <summary>Failed after all retries (network or server errors).</summary>
    Failed,
}

/// <summary>Result for one archive.</summary>
public sealed record FetchResult(VisionArchive Archive, FetchStatus Status, string? LocalPath, long Bytes, string Message);

/// <summary>Options of <see cref="BinanceVisionDownloader"/>.</summary>
public sealed record DownloaderOptions
{
    /// <summary>Base URL; default <c>https://data.binance.vision/</c>.</summary>
    public Uri BaseUrl { get; init; } = new("https://data.binance.vision/");

    /// <summary>Local directory; archives keep their relative paths under it.</summary>
    public required string Destination { get; init; }

    /// <summary>Attempts per request (first try included), ≥ 1; default 4.</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>Delay before the first retry; doubled on each further retry. Default 500 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeout per request; default 100 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Limits on expanding a zip while checking it (archives without a published checksum); default <see cref="ArchiveLimits.Default"/>.</summary>
    public ArchiveLimits ArchiveLimits { get; init; } = ArchiveLimits.Default;
}

/// <summary>
/// Fetches Binance Vision USDⓈ-M archives: plans daily and monthly files for a date range, verifies each archive
/// against its published <c>.CHECKSUM</c> (SHA-256), resumes partial downloads (<c>.part</c> files, HTTP Range),
/// and retries transient failures with exponential backoff. A missing file is reported and the rest continue; a
/// corrupted one is deleted and reported.
/// </summary>
public sealed class BinanceVisionDownloader(HttpClient http, DownloaderOptions options)
{
    /// <summary>Kinds with monthly archives (used for whole calendar months inside the range).</summary>
    private static readonly HashSet<string> Monthly = new(StringComparer.Ordinal) { "aggTrades", "trades", "klines", "fundingRate" };

    /// <summary>Kinds with daily archives under <c>data/futures/um/daily/</c>.</summary>
    private static readonly HashSet<string> Daily = new(StringComparer.Ordinal) { "aggTrades", "trades", "klines", "metrics", "bookDepth" };

    /// <summary>
    /// The USDⓈ-M liquidation-order archive: daily files under <c>data3/liquidationSnapshot/&lt;SYMBOL&gt;/</c> (about 311
    /// symbols, mid-2023 to 2024-03-31), not under <c>data/futures/um/daily/</c>, where Binance no longer serves them.
    /// </summary>
    public const string LiquidationSnapshot = "liquidationSnapshot";

    /// <summary>The kline intervals Binance Vision publishes (its folder names).</summary>
    private static readonly HashSet<string> Intervals = new(StringComparer.Ordinal)
    {
        "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo",
    };

    /// <summary>Most days one plan may span: 3,660 (ten years; the USDⓈ-M archive starts in 2019).</summary>
    public const int MaxDays = 3660;

    /// <summary>
    /// The archives covering <paramref name="from"/>..<paramref name="to"/> (inclusive) for each kind: monthly archives
    /// for whole months where the kind has them, daily ones elsewhere; <c>fundingRate</c> exists only monthly;
    /// <c>liquidationSnapshot</c> only daily, under <c>data3/liquidationSnapshot/</c> (see <see cref="LiquidationSnapshot"/>).
    /// Every path is built from checked parts only: the symbol matches Binance's grammar <c>[A-Z0-9]{2,30}</c> and the
    /// interval is one Binance publishes, so no path can leave the destination folder.
    /// </summary>
    /// <param name="symbol">e.g. <c>BTCUSDT</c>: <c>[A-Z0-9]{2,30}</c>.</param>
    /// <param name="kinds">e.g. <c>aggTrades</c>, <c>metrics</c>, <c>fundingRate</c>, <c>klines:5m</c>, <c>liquidationSnapshot</c>.</param>
    /// <param name="from">First day (UTC).</param>
    /// <param name="to">Last day (UTC), ≥ <paramref name="from"/>, at most <see cref="MaxDays"/> days after it.</param>
    /// <exception cref="ArgumentException">A symbol outside the grammar, an unknown kind or interval, klines without an
    /// interval, an inverted range or one longer than <see cref="MaxDays"/> (checked before anything is planned).</exception>
    public static IReadOnlyList<VisionArchive> Plan(string symbol, IEnumerable<string> kinds, DateOnly from, DateOnly to)
    {
        if (!IsSymbol(symbol))
            throw new ArgumentException($"symbol '{Shorten(symbol)}' is not a Binance USDⓈ-M symbol (2 to 30 capital letters and digits, e.g. BTCUSDT).", nameof(symbol));
        if (to < from) throw new ArgumentException($"--to {to:yyyy-MM-dd} is before --from {from:yyyy-MM-dd}.");
        if (to.DayNumber - from.DayNumber + 1 > MaxDays)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{from:yyyy-MM-dd} … {to:yyyy-MM-dd} spans {to.DayNumber - from.DayNumber + 1:N0} days; at most {MaxDays:N0} at a time."));
        var list = new List<VisionArchive>();
        foreach (var raw in kinds)
        {
            var parts = raw.Split(':', 2);
            var kind = parts[0];
            var interval = parts.Length > 1 ? parts[1] : null;
            if (kind == LiquidationSnapshot && interval is null)
            {
                for (var d = from; d <= to; d = d.AddDays(1))
                    list.Add(new VisionArchive($"data3/{kind}/{symbol}/{symbol}-{kind}-{d:yyyy-MM-dd}.zip", kind) { ChecksumOptional = true });
                continue;
            }
            if (!Monthly.Contains(kind) && !Daily.Contains(kind) || interval is not null && kind != "klines")
                throw new ArgumentException($"Unknown kind '{Shorten(raw)}': use aggTrades, trades, klines:<interval>, metrics, fundingRate, bookDepth, liquidationSnapshot.");
            if (kind == "klines" && string.IsNullOrEmpty(interval))
                throw new ArgumentException("klines needs an interval, e.g. klines:5m.");
            if (kind == "klines" && !Intervals.Contains(interval!))
                throw new ArgumentException($"klines:{Shorten(interval!)}: Binance publishes the intervals {string.Join(", ", Intervals)}.");
            var folder = kind == "klines" ? $"klines/{symbol}/{interval}" : $"{kind}/{symbol}";
            var stem = kind == "klines" ? $"{symbol}-{interval}" : $"{symbol}-{kind}";
            var day = from;
            while (day <= to)
            {
                var monthStart = new DateOnly(day.Year, day.Month, 1);
                var monthEnd = monthStart.AddMonths(1).AddDays(-1);
                var wholeMonth = day == monthStart && monthEnd <= to;
                if (Monthly.Contains(kind) && (wholeMonth || !Daily.Contains(kind)))
                {
                    list.Add(new VisionArchive($"data/futures/um/monthly/{folder}/{stem}-{monthStart:yyyy-MM}.zip", kind));
                    day = monthEnd.AddDays(1);
                }
                else
                {
                    list.Add(new VisionArchive($"data/futures/um/daily/{folder}/{stem}-{day:yyyy-MM-dd}.zip", kind));
                    day = day.AddDays(1);
                }
            }
        }
        return list;
    }

    /// <summary>True when <paramref name="symbol"/> matches Binance's symbol grammar <c>[A-Z0-9]{2,30}</c>.</summary>
    public static bool IsSymbol(string? symbol) =>
        symbol is { Length: >= 2 and <= 30 } && symbol.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c));

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>Fetches every archive in order, reporting each result.</summary>
    public async Task<IReadOnlyList<FetchResult>> FetchAllAsync(IEnumerable<VisionArchive> archives, IProgress<(FetchResult Result, int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var all = archives.ToList();
        var results = new List<FetchResult>(all.Count);
        foreach (var a in all)
        {
            var r = await FetchAsync(a, cancellationToken).ConfigureAwait(false);
            results.Add(r);
            progress?.Report((r, results.Count, all.Count));
        }
        return results;
    }

    /// <summary>
    /// Fetches one archive (see the class remarks). The local path is its relative path under
    /// <see cref="DownloaderOptions.Destination"/>; one that would resolve outside it is refused, nothing written. Bytes are
    /// written to a <c>.part</c> file and moved to the archive's name only once verified, so the archive's name never holds
    /// a partial or unverified file.
    /// </summary>
    public async Task<FetchResult> FetchAsync(VisionArchive archive, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Destination));
        var local = Path.GetFullPath(Path.Combine(root, archive.RelativePath.Replace('/', Path.DirectorySeparatorChar)));
        if (Path.IsPathRooted(archive.RelativePath) || !local.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return new FetchResult(archive, FetchStatus.Failed, null, 0, $"{archive.RelativePath}: would lie outside the destination folder: refused, nothing written.");
        var url = new Uri(options.BaseUrl, archive.RelativePath);
        try
        {
            var checksum = await WithRetries(() => GetStringOrNull(new Uri(url + ".CHECKSUM"), cancellationToken), cancellationToken).ConfigureAwait(false);
            if (checksum is null && !archive.ChecksumOptional)
                return new FetchResult(archive, FetchStatus.Missing, null, 0, $"{url} not found (HTTP 404): skipped.");
            string? expected = null;
            if (checksum is not null)
            {
                expected = checksum.Split(' ', 2, StringSplitOptions.TrimEntries)[0].ToLowerInvariant();
                if (expected.Length != 64 || !expected.All(Uri.IsHexDigit))
                    return new FetchResult(archive, FetchStatus.Failed, null, 0, $"{url}.CHECKSUM is not a SHA-256 line: '{Shorten(checksum.Trim())}'.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            if (File.Exists(local) && (expected is null ? WholeZipProblem(local) is null : await Sha256Async(local, cancellationToken).ConfigureAwait(false) == expected))
                return new FetchResult(archive, FetchStatus.AlreadyPresent, local, new FileInfo(local).Length,
                    $"{archive.FileName} already downloaded and verified{(expected is null ? " (no published checksum: zip CRC-32 checked)" : "")}.");
            var part = local + ".part";
            var found = await WithRetries(() => DownloadToPart(url, part, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (!found)
                return new FetchResult(archive, FetchStatus.Missing, null, 0, $"{url} not found (HTTP 404): skipped.");
            if (expected is null)
            {
                if (WholeZipProblem(part) is { } problem)
                {
                    File.Delete(part);
                    return new FetchResult(archive, FetchStatus.ChecksumMismatch, null, 0,
                        $"{archive.FileName}: no published checksum, and the download is not a whole zip archive ({problem}): deleted, not ingested.");
                }
            }
            else
            {
                var actual = await Sha256Async(part, cancellationToken).ConfigureAwait(false);
                if (actual != expected)
                {
                    File.Delete(part);
                    return new FetchResult(archive, FetchStatus.ChecksumMismatch, null, 0,
                        $"{archive.FileName}: checksum mismatch (published {expected}, downloaded {actual}): deleted, not ingested.");
                }
            }
            File.Move(part, local, overwrite: true);
            return new FetchResult(archive, FetchStatus.Downloaded, local, new FileInfo(local).Length,
                $"{archive.FileName} downloaded and verified{(expected is null ? " (no published checksum: zip CRC-32 checked)" : "")}.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new FetchResult(archive, FetchStatus.Failed, null, 0, $"{url}: failed after {options.Attempts} attempts: {e.Message}");
        }
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a zip archive whose every entry reads to its end with a matching CRC-32, within
    /// <see cref="DownloaderOptions.ArchiveLimits"/> (bytes and expansion ratio, counted as read, so a zip bomb stops
    /// early); otherwise what is wrong.
    /// </summary>
    private string? WholeZipProblem(string path)
    {
        var limits = options.ArchiveLimits;
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            if (zip.Entries.Count == 0) return "no entries";
            var buffer = new byte[1 << 16];
            foreach (var entry in zip.Entries)
            {
                var compressed = Math.Max(1, entry.CompressedLength);
                long read = 0;
                var crc = new System.IO.Hashing.Crc32();
                using (var s = entry.Open())
                {
                    int n;
                    while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        read += n;
                        if (read > limits.MaxBytes || read > limits.RatioFloorBytes && read / (double)compressed > limits.MaxRatio)
                            return string.Create(CultureInfo.InvariantCulture, $"{entry.FullName} expands past the limits ({limits.MaxBytes:N0} bytes, {limits.MaxRatio:0}×)");
                        crc.Append(buffer.AsSpan(0, n));
                    }
                }
                // System.IO.Compression does not compare an entry's content with its recorded CRC-32: done here.
                if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                    return string.Create(CultureInfo.InvariantCulture, $"{entry.FullName}: its content does not match its CRC-32 {entry.Crc32:x8}");
            }
            return null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    private async Task<string?> GetStringOrNull(Uri url, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var response = await http.GetAsync(url, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Downloads into <paramref name="part"/>, continuing an existing partial file with a Range request.
    /// Returns false on 404.</summary>
    private async Task<bool> DownloadToPart(Uri url, string part, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(part); // the partial file is not a prefix of this resource: start over on the next attempt
            throw new IOException($"server refused to resume {url} at byte {have}; restarting.");
        }
        response.EnsureSuccessStatusCode();
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        await using var target = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        await body.CopyToAsync(target, timeout.Token).ConfigureAwait(false);
        return true;
    }

    private async Task<T> WithRetries<T>(Func<Task<T>> action, CancellationToken ct)
    {
        var delay = options.InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < options.Attempts && !ct.IsCancellationRequested &&
                                      (e is IOException or TaskCanceledException || e is HttpRequestException h && (h.StatusCode is null || (int)h.StatusCode >= 500 || h.StatusCode == HttpStatusCode.TooManyRequests)))
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(s, ct).ConfigureAwait(false));
    }

    /// <summary>Parses <c>yyyy-MM-dd</c>.</summary>
    /// <exception cref="FormatException">Another format.</exception>
    public static DateOnly ParseDate(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d : throw new FormatException($"{option}: expected a date yyyy-MM-dd, found '{text}'.");
}
