using System.Globalization;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Frameworks;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Signing;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>A <c>#r "nuget: Id[, Version]"</c> line of a cell.</summary>
/// <param name="Line">0-based line in the cell.</param>
/// <param name="Id">Package id.</param>
/// <param name="Version">Version or range as written (<c>1.2.3</c>, <c>1.2.*</c>, <c>[1.0,2.0)</c>), or null for the latest stable.</param>
public sealed record PackageRequest(int Line, string Id, string? Version);

/// <summary>A restored package.</summary>
/// <param name="Id">Package id as the feed spells it.</param>
/// <param name="Version">Version restored.</param>
/// <param name="Assemblies">Its assemblies for the nearest framework to the session's (absolute paths in the global packages folder).</param>
/// <param name="Source">The feed it came from, or "global packages folder" when it was there already.</param>
/// <param name="Dependency">Whether it was restored as another package's dependency.</param>
public sealed record RestoredPackage(string Id, NuGetVersion Version, IReadOnlyList<string> Assemblies, string Source, bool Dependency);

/// <summary>A package that cannot be restored: the message names the package, the version and what the feeds have.</summary>
public sealed class PackageRestoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Restores NuGet packages for <c>#r "nuget: …"</c> with NuGet's own client libraries, as .NET Interactive users expect:
/// the feeds of the NuGet.Config files that apply to the notebook's folder (or <c>LIQLAB_NUGET_SOURCE</c>), the version
/// written (exact, floating <c>1.2.*</c> or a range; the latest stable when none), its dependencies for the nearest
/// framework to .NET 10 at their lowest applicable version — except those the runtime or the session already provide —
/// into the global packages folder (<c>~/.nuget/packages</c>, <c>NUGET_PACKAGES</c>), where later sessions find them.
/// Returns each package's <c>lib</c> assemblies. Native assets and content files are not handled.
/// </summary>
public static class PackageRestorer
{
    /// <summary>Environment variable with a feed (URL or folder) to use instead of the NuGet.Config feeds.</summary>
    public const string SourceVariable = "LIQLAB_NUGET_SOURCE";

    private static readonly NuGetFramework Target = NuGetFramework.Parse("net10.0");

    /// <summary>Restores <paramref name="requests"/> and their dependencies.</summary>
    /// <param name="requests">The cell's package lines.</param>
    /// <param name="root">The notebook's folder (NuGet.Config files apply from there up).</param>
    /// <param name="provided">Assembly names already available (the runtime's and the session's): packages of that name are not restored.</param>
    /// <param name="progress">Receives one line per package as it is resolved and restored.</param>
    /// <param name="cancellationToken">Interrupt.</param>
    /// <param name="source">A feed (URL or folder) to use instead of the configured ones (default: <see cref="SourceVariable"/>, else NuGet.Config).</param>
    /// <param name="packagesFolder">The global packages folder to use (default: NuGet's, from <c>NUGET_PACKAGES</c> or NuGet.Config).</param>
    /// <param name="extraSources">Feeds added by the notebook (<c>#i "nuget: …"</c>), searched first.</param>
    /// <exception cref="PackageRestoreException">A package or version the feeds do not have, or a feed that fails.</exception>
    public static async Task<IReadOnlyList<RestoredPackage>> RestoreAsync(IReadOnlyList<PackageRequest> requests, string root, ISet<string> provided,
        Action<string> progress, CancellationToken cancellationToken, string? source = null, string? packagesFolder = null, IReadOnlyList<string>? extraSources = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(provided);
        ArgumentNullException.ThrowIfNull(progress);
        var settings = Settings.LoadDefaultSettings(root);
        var sources = (source ?? Environment.GetEnvironmentVariable(SourceVariable)) is { Length: > 0 } configured
            ? [new PackageSource(configured, "LIQLAB_NUGET_SOURCE")]
            : new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).ToList();
        // Feeds a notebook added with #i "nuget: …" come first.
        sources.InsertRange(0, (extraSources ?? []).Where(e => sources.All(s => s.Source != e)).Select((e, i) => new PackageSource(e, $"#i {i + 1}")));
        if (sources.Count == 0) throw new PackageRestoreException("No NuGet feed is configured (NuGet.Config has no enabled packageSources, and LIQLAB_NUGET_SOURCE is not set).");
        var globalFolder = packagesFolder ?? SettingsUtility.GetGlobalPackagesFolder(settings);
        var logger = NullLogger.Instance;
        using var cache = new SourceCacheContext();
        var feeds = sources.Select(s => (Source: s, Repository: Repository.Factory.GetCoreV3(s))).ToList();
        var policy = ClientPolicyContext.GetClientPolicy(settings, logger);

        var restored = new Dictionary<string, RestoredPackage>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<(string Id, string? Version, bool Dependency, string Requester)>(requests.Select(r => (r.Id, r.Version, false, $"line {r.Line + 1}")));
        while (queue.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (id, versionText, dependency, requester) = queue.Dequeue();
            if (restored.ContainsKey(id)) continue;
            if (provided.Contains(id))
            {
                // Loading a second copy next to the session's would clash with it (one default load context).
                progress($"{id}: provided by the session already; using that copy.\n");
                continue;
            }
            var (feed, resource, version) = await ResolveAsync(feeds, id, versionText, cache, logger, requester, cancellationToken).ConfigureAwait(false);
            var identity = new PackageIdentity(id, version);
            var folder = new VersionFolderPathResolver(globalFolder).GetInstallPath(id, version);
            string from;
            if (File.Exists(new VersionFolderPathResolver(globalFolder).GetHashPath(id, version)))
            {
                from = "global packages folder";
            }
            else
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"Downloading {id} {version.ToNormalizedString()} from {feed.Source.Source} …\n"));
                using var stream = new MemoryStream();
                if (!await resource.CopyNupkgToStreamAsync(id, version, stream, cache, logger, cancellationToken).ConfigureAwait(false))
                    throw new PackageRestoreException($"{requester}: {id} {version.ToNormalizedString()} could not be downloaded from {feed.Source.Source}.");
                stream.Position = 0;
                using var result = await GlobalPackagesFolderUtility.AddPackageAsync(feed.Source.Source, identity, stream, globalFolder, Guid.Empty, policy, logger, cancellationToken)
                    .ConfigureAwait(false);
                if (result.Status != DownloadResourceResultStatus.Available)
                    throw new PackageRestoreException($"{requester}: {id} {version.ToNormalizedString()} could not be extracted into {globalFolder} ({result.Status}).");
                from = feed.Source.Source;
            }
            using var reader = new PackageFolderReader(folder);
            var frameworks = new FrameworkReducer();
            var libGroups = reader.GetLibItems().ToList();
            var nearest = frameworks.GetNearest(Target, libGroups.Select(g => g.TargetFramework));
            var assemblies = nearest is null ? [] : libGroups.First(g => g.TargetFramework == nearest).Items
                .Where(i => i.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Select(i => Path.GetFullPath(Path.Combine(folder, i))).ToList();
            if (libGroups.Count > 0 && nearest is null)
                throw new PackageRestoreException($"{requester}: {id} {version.ToNormalizedString()} has no assemblies for .NET 10 (it targets {string.Join(", ", libGroups.Select(g => g.TargetFramework.GetShortFolderName()))}).");
            var package = new RestoredPackage(reader.GetIdentity().Id, version, assemblies, from, dependency);
            restored[id] = package;
            progress(string.Create(CultureInfo.InvariantCulture,
                $"{(dependency ? "  dependency " : "")}{package.Id} {version.ToNormalizedString()}: {assemblies.Count} assembl{(assemblies.Count == 1 ? "y" : "ies")}{(from == "global packages folder" ? " (already in the global packages folder)" : "")}\n"));

            var depGroups = reader.GetPackageDependencies().ToList();
            var depNearest = frameworks.GetNearest(Target, depGroups.Select(g => g.TargetFramework));
            foreach (var d in depNearest is null ? [] : depGroups.First(g => g.TargetFramework == depNearest).Packages)
            {
                if (provided.Contains(d.Id) || restored.ContainsKey(d.Id)) continue;
                queue.Enqueue((d.Id, d.VersionRange.MinVersion is { } min ? $"[{min.ToNormalizedString()},)" : null, true, $"{package.Id} {version.ToNormalizedString()}"));
            }
        }
        return [.. restored.Values];
    }

    private static async Task<((PackageSource Source, SourceRepository Repository) Feed, FindPackageByIdResource Resource, NuGetVersion Version)> ResolveAsync(
        List<(PackageSource Source, SourceRepository Repository)> feeds, string id, string? versionText, SourceCacheContext cache, ILogger logger, string requester,
        CancellationToken cancellationToken)
    {
        VersionRange? range = null;
        NuGetVersion? exact = null;
        if (versionText is { Length: > 0 } text && !NuGetVersion.TryParse(text, out exact) && !VersionRange.TryParse(text, allowFloating: true, out range))
            throw new PackageRestoreException($"{requester}: \"{text}\" is not a NuGet version or range for {id} (e.g. 1.2.3, 1.2.*, [1.0,2.0)).");
        var everything = new List<NuGetVersion>();
        var failures = new List<string>();
        foreach (var feed in feeds)
        {
            FindPackageByIdResource? resource;
            IEnumerable<NuGetVersion> versions;
            try
            {
                resource = await feed.Repository.GetResourceAsync<FindPackageByIdResource>(cancellationToken).ConfigureAwait(false);
                if (resource is null)
                {
                    failures.Add($"{feed.Source.Source}: not a NuGet feed");
                    continue;
                }
                versions = await resource.GetAllVersionsAsync(id, cache, logger, cancellationToken).ConfigureAwait(false) ?? [];
            }
            catch (Exception e) when (e is FatalProtocolException or HttpRequestException or IOException or InvalidOperationException)
            {
                failures.Add($"{feed.Source.Source}: {e.Message}");
                continue;
            }
            var list = versions.ToList();
            everything.AddRange(list);
            NuGetVersion? chosen = exact is not null ? list.FirstOrDefault(v => v == exact)
                : range is not null ? range.FindBestMatch(list)
                : list.Where(v => !v.IsPrerelease).DefaultIfEmpty(list.Max()).Max();
            if (chosen is not null) return (feed, resource, chosen);
        }
        var where = string.Join(", ", feeds.Select(f => f.Source.Source));
        var failed = failures.Count > 0 ? $" Feed errors: {string.Join("; ", failures)}." : "";
        if (everything.Count == 0) throw new PackageRestoreException($"{requester}: package {id} was not found on {where}.{failed}");
        var nearby = everything.Distinct().OrderByDescending(v => v).Take(8).Select(v => v.ToNormalizedString());
        throw new PackageRestoreException($"{requester}: {id} has no version {(exact?.ToNormalizedString() ?? range?.ToString() ?? versionText)} on {where}; latest versions there: {string.Join(", ", nearby)}.{failed}");
    }
}
