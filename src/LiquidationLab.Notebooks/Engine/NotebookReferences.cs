using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>
/// What cells compile against and how their assemblies find their dependencies at run time.
/// <para>The framework is the .NET 10 <em>reference</em> assemblies (Basic.Reference.Assemblies.Net100: all of them, as an
/// SDK project sees them), not the runtime's implementation assemblies. Why: a compilation binds every assembly reachable
/// from its references, and implementation assemblies reference each other densely — against them a trivial cell bound
/// 149 assemblies and compiled in 11–17 ms; against the reference assemblies the whole framework is reachable (213 bound) and
/// the same cell takes 7–10 ms (raw Roslyn, alternating runs: median ratio 1.6). The emitted cell references
/// <c>System.Runtime</c> &amp; co. as any compiled program does, and the runtime binds them to its implementation.</para>
/// <para>Libraries (ours, packages) are compiled against as files; their dependencies resolve to the framework's reference
/// assembly of that name, else to the host application's copy, else to a file beside the referencing one.</para>
/// </summary>
internal static class NotebookReferences
{
    /// <summary>The framework's reference assemblies by simple name (<c>System.Runtime</c>, <c>System.Linq</c>, <c>netstandard</c>…).</summary>
    public static IReadOnlyDictionary<string, PortableExecutableReference> Framework { get; } =
        Basic.Reference.Assemblies.Net100.References.All.ToDictionary(r => Path.GetFileNameWithoutExtension(r.FilePath!), r => r, StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<MetadataReference> FrameworkSet = new(Framework.Values, ReferenceEqualityComparer.Instance);

    private static readonly string RuntimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    /// <summary>The host application's assemblies outside the runtime's folder (its NuGet dependencies), by simple name.</summary>
    private static readonly Dictionary<string, string> HostLibraries =
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Where(p => !string.Equals(Path.GetDirectoryName(p), RuntimeDirectory, StringComparison.Ordinal))
        .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

    // One metadata reference per file for the whole process: the same file bound twice would be two assemblies to Roslyn.
    private static readonly ConcurrentDictionary<string, PortableExecutableReference> Files = new(StringComparer.Ordinal);

    // Run time: assemblies the default load context cannot find by itself — restored packages, #r'd files and their
    // neighbours (by path), and earlier cells (loaded from memory).
    private static readonly ConcurrentDictionary<string, string> LoadPaths = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, Assembly> Cells = new(StringComparer.Ordinal);
    private static int _hooked;

    /// <summary>Whether <paramref name="reference"/> is one of the framework's reference assemblies.</summary>
    public static bool IsFramework(MetadataReference reference) => FrameworkSet.Contains(reference);

    /// <summary>The reference for an assembly of the host or the framework (by its loaded <see cref="Assembly"/>): a framework
    /// assembly's reference assembly, else the assembly's own file.</summary>
    /// <exception cref="ArgumentException">A dynamic or in-memory assembly (no file to compile against), or a runtime assembly
    /// with no public reference assembly (e.g. <c>System.Private.CoreLib</c>).</exception>
    public static MetadataReference For(Assembly assembly)
    {
        var name = assembly.GetName().Name!;
        if (string.Equals(Path.GetDirectoryName(assembly.Location), RuntimeDirectory, StringComparison.Ordinal))
            return Framework.TryGetValue(name, out var framework) ? framework
                : throw new ArgumentException($"{name} is a runtime assembly without a reference assembly in .NET 10; reference a public one.", nameof(assembly));
        if (string.IsNullOrEmpty(assembly.Location)) throw new ArgumentException($"{name} has no file to compile against.", nameof(assembly));
        return File(assembly.Location);
    }

    /// <summary>The process's one reference to the file at <paramref name="path"/>; it is also made loadable at run time.</summary>
    public static PortableExecutableReference File(string path)
    {
        path = Path.GetFullPath(path);
        LoadPaths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        return Files.GetOrAdd(path, p => MetadataReference.CreateFromFile(p));
    }

    /// <summary>Makes a cell's assembly findable by the cells after it (they reference it by name).</summary>
    public static void RegisterCell(Assembly assembly)
    {
        Hook();
        Cells[assembly.GetName().Name!] = assembly;
    }

    /// <summary>Where a host or registered library of that simple name is, if known.</summary>
    public static string? LibraryPath(string name) =>
        HostLibraries.TryGetValue(name, out var host) ? host : LoadPaths.TryGetValue(name, out var path) ? path : null;

    private static void Hook()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            if (name.Name is null) return null;
            if (Cells.TryGetValue(name.Name, out var cell)) return cell;
            return LoadPaths.TryGetValue(name.Name, out var path) && System.IO.File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
        };
    }

    /// <summary>
    /// Resolves <c>#r</c> directives and the dependencies of referenced libraries: framework names to reference assemblies,
    /// other names to the host's copy or a file beside the one asking, paths relative to the notebook's folder.
    /// </summary>
    internal sealed class Resolver(string baseDirectory) : MetadataReferenceResolver
    {
        private readonly ScriptMetadataResolver _files = ScriptMetadataResolver.Default.WithBaseDirectory(baseDirectory).WithSearchPaths(baseDirectory);

        public override bool ResolveMissingAssemblies => true;

        public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
        {
            var bare = reference.IndexOfAny(['/', '\\']) < 0;
            var name = bare && reference.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? reference[..^4] : reference;
            if (bare && Framework.TryGetValue(name, out var framework) && !System.IO.File.Exists(Path.Combine(baseDirectory, reference))) return [framework];
            return [.. _files.ResolveReference(reference, baseFilePath, properties).Select(r => r.FilePath is { } path
                ? string.Equals(Path.GetDirectoryName(path), RuntimeDirectory, StringComparison.Ordinal) && Framework.TryGetValue(Path.GetFileNameWithoutExtension(path), out var f) ? f : File(path)
                : r)];
        }

        public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity)
        {
            if (Framework.TryGetValue(referenceIdentity.Name, out var framework)) return framework;
            if (LibraryPath(referenceIdentity.Name) is { } path && System.IO.File.Exists(path)) return File(path);
            if (definition is PortableExecutableReference { FilePath: { } from } && !IsFramework(definition)
                && Path.Combine(Path.GetDirectoryName(from) ?? "", referenceIdentity.Name + ".dll") is var beside && System.IO.File.Exists(beside))
                return File(beside);
            return null;
        }

        public override bool Equals(object? other) => ReferenceEquals(this, other);

        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
    }
}
