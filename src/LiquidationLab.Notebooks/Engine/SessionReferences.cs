using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;

namespace LiquidationLab.Notebooks.Engine;

/// <summary>
/// What cells compile against. Each cell is a new Roslyn compilation, and its cost grows with the references it binds:
/// the session's 18 assemblies plus the ~120 they depend on (which Roslyn would otherwise look up again for every cell as
/// "missing assemblies") made a trivial cell cost ~14 ms; the 18 alone ~6.5 ms (median of 6 alternating rounds on the
/// 2-core machine). So cells compile against <see cref="Roots"/> plus what earlier cells were found to use; a cell that
/// does not compile that way is compiled against the whole closure (<see cref="All"/>, found once per process from
/// metadata through the runtime's trusted platform assemblies, nothing loaded), and the references it used join the
/// session's set (<see cref="ScriptSession"/>).
/// </summary>
internal static class SessionReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Closure = new(() => Build(ScriptSession.DefaultAssemblies), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The session assemblies' references and their dependency closure (computed once per process), roots first.</summary>
    public static ImmutableArray<MetadataReference> All => Closure.Value;

    /// <summary>The session assemblies' own references (the same instances as in <see cref="All"/>).</summary>
    public static ImmutableArray<MetadataReference> Roots => [.. All.Take(RootCount)];

    private static int RootCount { get; set; }

    /// <summary>The closure's reference to the assembly with this simple name (e.g. <c>System.Runtime</c>), or null.</summary>
    public static MetadataReference? Find(string assemblyName) => assemblyName.Length == 0 ? null
        : All.FirstOrDefault(r => string.Equals(Path.GetFileNameWithoutExtension(r.Display), assemblyName, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The metadata references a compiled cell depends on: the assemblies of every symbol and type its syntax binds to,
    /// with their types' base types, interfaces, type arguments and members' signatures (what a later cell using the same
    /// values needs to bind).
    /// </summary>
    public static IReadOnlyList<MetadataReference> UsedBy(Compilation compilation, CancellationToken cancellationToken)
    {
        var assemblies = new HashSet<IAssemblySymbol>(SymbolEqualityComparer.Default);
        var seenTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        void AddType(ITypeSymbol? t)
        {
            if (t is null || !seenTypes.Add(t)) return;
            if (t.ContainingAssembly is { } a) assemblies.Add(a);
            switch (t)
            {
                case IArrayTypeSymbol array: AddType(array.ElementType); break;
                case IPointerTypeSymbol pointer: AddType(pointer.PointedAtType); break;
                case INamedTypeSymbol named:
                    foreach (var arg in named.TypeArguments) AddType(arg);
                    if (named.ContainingType is { } outer) AddType(outer);
                    break;
            }
            AddType(t.BaseType);
            foreach (var i in t.AllInterfaces) AddType(i);
        }
        void AddSymbol(ISymbol? symbol)
        {
            switch (symbol)
            {
                case null: return;
                case ITypeSymbol type: AddType(type); return;
                case IMethodSymbol m:
                    AddType(m.ReturnType);
                    foreach (var p in m.Parameters) AddType(p.Type);
                    foreach (var a in m.TypeArguments) AddType(a);
                    if (m.ReducedFrom is { } extension) AddSymbol(extension);
                    break;
                case IPropertySymbol p: AddType(p.Type); break;
                case IFieldSymbol f: AddType(f.Type); break;
                case IEventSymbol e: AddType(e.Type); break;
                case ILocalSymbol l: AddType(l.Type); break;
                case IParameterSymbol p: AddType(p.Type); break;
            }
            if (symbol.ContainingAssembly is { } owner) assemblies.Add(owner);
            AddType(symbol.ContainingType);
        }
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = model.GetSymbolInfo(node, cancellationToken);
                AddSymbol(info.Symbol);
                foreach (var candidate in info.CandidateSymbols) AddSymbol(candidate);
                var typeInfo = model.GetTypeInfo(node, cancellationToken);
                AddType(typeInfo.Type);
                AddType(typeInfo.ConvertedType);
                AddSymbol(model.GetDeclaredSymbol(node, cancellationToken));
            }
        }
        return assemblies.Select(compilation.GetMetadataReference).OfType<MetadataReference>().ToList();
    }

    private static ImmutableArray<MetadataReference> Build(IEnumerable<Assembly> roots)
    {
        var trusted = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var paths = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<string>();
        foreach (var a in roots)
            if (!a.IsDynamic && a.Location.Length > 0 && seen.Add(a.GetName().Name ?? a.Location)) queue.Enqueue(a.Location);
        RootCount = queue.Count;
        while (queue.Count > 0)
        {
            var path = queue.Dequeue();
            paths.Add(path);
            foreach (var name in References(path))
                if (seen.Add(name) && trusted.TryGetValue(name, out var dependency)) queue.Enqueue(dependency);
        }
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    private static string[] References(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return [];
            var md = pe.GetMetadataReader();
            return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToArray();
        }
        catch (BadImageFormatException)
        {
            return [];
        }
    }
}

/// <summary>
/// The session's metadata resolver: <c>#r</c> resolves as Roslyn's script resolver does; missing assemblies are not
/// searched for (the closure in <see cref="SessionReferences"/> holds them) until a cell loads an assembly of its own with
/// <c>#r</c>, whose dependencies the closure cannot know.
/// </summary>
internal sealed class SessionMetadataResolver(MetadataReferenceResolver inner) : MetadataReferenceResolver
{
    /// <summary>Whether missing assemblies are resolved (set once a cell uses <c>#r</c> on a file).</summary>
    public bool ResolveMissing { get; set; }

    public override bool ResolveMissingAssemblies => ResolveMissing;

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity) =>
        inner.ResolveMissingAssembly(definition, referenceIdentity);

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties) =>
        inner.ResolveReference(reference, baseFilePath, properties);

    public override bool Equals(object? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
