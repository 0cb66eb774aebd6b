using System.CommandLine;
using LiquidationLab.Data.Liquidity;
using LiquidationLab.Data.Store;
using Spectre.Console;

namespace LiquidationLab.Bench;

/// <summary>
/// What the whole-process benchmarks take from the command that hosts them (<c>liqlab bench …</c>): its console, the
/// command line that starts this same <c>liqlab</c>, the clone's folders, its <c>--db</c> and <c>--data</c> options and
/// their checks, and the kernel installer. The CLI owns all of these; the benchmarks only use them (nothing references the
/// CLI).
/// </summary>
/// <param name="Console">Spectre console over a command's output writer.</param>
/// <param name="Launcher">argv that starts this <c>liqlab</c> (the executable, or <c>dotnet liqlab.dll</c>).</param>
/// <param name="WorkspacePath">A path under the clone's root, or null outside a clone.</param>
/// <param name="DbOption">A new <c>--db</c> option as every store command declares it.</param>
/// <param name="ExistingStore">The store a <c>--db</c> value names, which must exist (an <see cref="IOException"/> naming the
/// option otherwise).</param>
/// <param name="StoreIfPresent">The store a <c>--db</c> value names, which may not exist yet.</param>
/// <param name="OpenReadOnly">Opens a checked store read-only.</param>
/// <param name="BooksOption">A new <c>--data</c> option (recorded Polymarket books).</param>
/// <param name="LoadBooks">Loads the recorded books a <c>--data</c> value names, with the folder it resolved.</param>
/// <param name="InstallKernel">Installs this build's Jupyter kernel spec into a folder.</param>
internal sealed record BenchHost(
    Func<TextWriter, IAnsiConsole> Console,
    Func<string[]> Launcher,
    Func<string[], string?> WorkspacePath,
    Func<Option<string?>> DbOption,
    Func<string?, string> ExistingStore,
    Func<string?, string> StoreIfPresent,
    Func<string, LabStore> OpenReadOnly,
    Func<Option<string?>> BooksOption,
    Func<string?, (IReadOnlyList<BookRecording> Recordings, string Folder)> LoadBooks,
    Action<string> InstallKernel);
