using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using LiquidationLab.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Formatting;

namespace LiquidationLab.Interactive;

/// <summary>
/// Loaded by a .NET Interactive kernel when a notebook runs <c>#r "nuget: LiquidationLab.Interactive"</c> (the package
/// carries this assembly under <c>interactive-extensions/dotnet</c>). It makes the notebooks written for our own kernel run
/// unchanged there:
/// <list type="number">
/// <item>lets Plotly.NET (built against FSharp.Core 10.1) run on the FSharp.Core the tool has loaded (10.0), before any
/// Plotly type is touched (<see cref="FSharpCoreUnification"/>);</item>
/// <item>registers our formatters (<see cref="FormatterRegistry"/>: charts with the figure JSON once, plotly.js once per
/// session and a static PNG; tables by unit; the models' and the facade's results; sequences) for every MIME type they
/// produce;</item>
/// <item>submits the notebooks' default namespaces (<see cref="NotebookNamespaces"/>) to the C# kernel, ahead of the next
/// cell.</item>
/// </list>
/// Plotly.NET.Interactive is deliberately not a dependency: its chart formatter loads plotly.js from a CDN (nothing shows
/// offline or in nbconvert's HTML), and whichever of the two extensions loads last would own the chart output.
/// </summary>
public sealed class LiquidationLabKernelExtension : IKernelExtension
{
    /// <summary>The registry behind the formatters, shared by every kernel of the process (formatters are process-wide in
    /// .NET Interactive); null until the extension has loaded.</summary>
    public static FormatterRegistry? Registry { get; private set; }

    /// <inheritdoc />
    public Task OnLoadAsync(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        FSharpCoreUnification.Install();
        RegisterFormatters();
        var csharp = kernel.FindKernelByName("csharp") ?? kernel;
        csharp.DeferCommand(new SubmitCode(UsingDirectives()));
        return Task.CompletedTask;
    }

    /// <summary>The <c>using</c> lines submitted to the C# kernel: <see cref="NotebookNamespaces"/>, and
    /// <c>Microsoft.AspNetCore.Html</c> so that <c>new HtmlString("…")</c> in a notebook binds to the type this kernel shows
    /// as HTML (our engine has its own <c>HtmlString</c>).</summary>
    public static string UsingDirectives() =>
        string.Concat(NotebookNamespaces.System.Concat(NotebookNamespaces.Workspace).Append("Microsoft.AspNetCore.Html").Distinct().Select(n => $"using {n};\n"));

    // Not inlined: the formatter types (and through them Plotly.NET) must load only after the FSharp.Core handler is in.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterFormatters()
    {
        if (Registry is not null) return;
        var registry = new FormatterRegistry();
        registry.StartChartImages();
        var bridge = new MimeBridge(registry);
        foreach (var type in registry.FormattedTypes) bridge.Register(type, registry.MimeTypesOf(type));
        // Sequences (lists of records, arrays of numbers) as our tables, as our kernel shows them; strings keep their own.
        bridge.Register(typeof(IEnumerable), ["text/html", "text/plain"]);
        Registry = registry;
    }
}

/// <summary>
/// Serves one <see cref="MimeBundle"/> per displayed value to .NET Interactive, which asks a formatter per MIME type: the
/// bundle of the last value is kept until a MIME type is asked for a second time (then the value is shown anew and
/// formatted again), so a chart is rendered once per display, not once per MIME type.
/// </summary>
internal sealed class MimeBridge(FormatterRegistry registry)
{
    private readonly Lock _gate = new();
    private object? _value;
    private MimeBundle? _bundle;
    private readonly HashSet<string> _served = new(StringComparer.Ordinal);

    public void Register(Type type, IReadOnlyList<string> mimeTypes)
    {
        foreach (var mime in mimeTypes)
            Formatter.Register(type, (value, writer) => writer.Write(Text(value, mime)), mime);
        Formatter.SetPreferredMimeTypesFor(type, [.. mimeTypes]);
    }

    internal string Text(object value, string mimeType)
    {
        if (value is string s) return mimeType == "text/html" ? "<pre>" + System.Net.WebUtility.HtmlEncode(s) + "</pre>" : s;
        MimeBundle bundle;
        lock (_gate)
        {
            if (!ReferenceEquals(value, _value) || !_served.Add(mimeType))
            {
                _value = value;
                _bundle = registry.Format(value);
                _served.Clear();
                _served.Add(mimeType);
            }
            bundle = _bundle!;
        }
        if (bundle.Data.TryGetValue(mimeType, out var content)) return content.GetValue<string>();
        // A table of scalars has only text/plain; a chart whose image failed has no image/png (its HTML says why).
        return mimeType == "text/html" ? "<pre>" + System.Net.WebUtility.HtmlEncode(bundle.Data["text/plain"].GetValue<string>()) + "</pre>" : "";
    }
}

/// <summary>
/// Plotly.NET 6.0.0 is built against FSharp.Core 10.1; the dotnet-interactive tool (1.0.712001) has FSharp.Core 10.0 in its
/// own dependencies, so the runtime refuses the higher version ("Could not load file or assembly 'FSharp.Core,
/// Version=10.1.0.0'") and Plotly's type initialisers fail for the rest of the session. The handler answers that request
/// with the FSharp.Core the process has (a minor version apart, same API for what Plotly.NET calls); it must be in before the
/// first Plotly type loads. It answers only for FSharp.Core.
/// </summary>
public static class FSharpCoreUnification
{
    private static int _installed;
    [ThreadStatic] private static bool _resolving;

    /// <summary>Adds the handler to the default load context (once per process).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0) AssemblyLoadContext.Default.Resolving += Resolve;
    }

    /// <summary>The loaded (or loadable) FSharp.Core for a request of another version; null for other assemblies.</summary>
    public static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        if (!string.Equals(name.Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase) || _resolving) return null;
        var loaded = context.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase));
        if (loaded is not null) return loaded;
        try
        {
            _resolving = true;
            return context.LoadFromAssemblyName(new AssemblyName("FSharp.Core")); // the version the application ships
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        finally
        {
            _resolving = false;
        }
    }
}
