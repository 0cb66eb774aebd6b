using Microsoft.CodeAnalysis;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>The session's <c>#r "nuget:"</c> support: restore, then add the packages' assemblies to the references.</summary>
public sealed partial class ScriptSession
{
    /// <summary>A feed (URL or folder) for <c>#r "nuget:"</c> instead of the NuGet.Config ones (null: <see cref="PackageRestorer.SourceVariable"/> or NuGet.Config).</summary>
    public string? NuGetSource { get; set; }

    /// <summary>The global packages folder for <c>#r "nuget:"</c> (null: NuGet's default).</summary>
    public string? NuGetPackagesFolder { get; set; }

    private readonly HashSet<string> _restored = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _sources = [];

    /// <summary>Restores a cell's packages (progress on stdout) and adds their assemblies to the session's references.</summary>
    private async Task<bool> RestorePackagesAsync(IReadOnlyList<PackageRequest> requests, CancellationToken cancellationToken)
    {
        var provided = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            provided.Add(Path.GetFileNameWithoutExtension(name));
        provided.UnionWith(_restored);
        try
        {
            var packages = await PackageRestorer.RestoreAsync(requests, WorkingDirectory, provided, text => Emit(new StreamEvent("stdout", text)), cancellationToken,
                NuGetSource, NuGetPackagesFolder, _sources).ConfigureAwait(false);
            _chain.AddReferences(packages.SelectMany(p => p.Assemblies).Select(path => (MetadataReference)NotebookReferences.File(path)));
            foreach (var p in packages) _restored.Add(p.Id);
            return true;
        }
        catch (PackageRestoreException e)
        {
            Emit(new ErrorEvent("PackageRestoreError", e.Message, [$"PackageRestoreError: {e.Message}"]));
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Emit(new ErrorEvent("KeyboardInterrupt", "Package restore interrupted.", ["Package restore interrupted."]));
            return false;
        }
    }
}
