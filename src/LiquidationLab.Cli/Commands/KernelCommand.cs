using System.CommandLine;
using System.Runtime.InteropServices;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LiquidationLab.Kernel;
using Spectre.Console;

namespace LiquidationLab.Cli.Commands;

/// <summary><c>liqlab kernel start|install|remove</c>: the Jupyter kernel and its kernelspec.</summary>
internal static class KernelCommand
{
    public const string KernelName = "liquidationlab-csharp";

    public static Command Create()
    {
        var kernel = new Command("kernel", "The C# (LiquidationLab) Jupyter kernel for VS Code, JupyterLab and nbconvert.");
        var file = new Option<string>("--connection-file", "-f") { Description = "Connection file written by the Jupyter client.", Required = true };
        var insecure = new Option<bool>("--insecure") { Description = "Accept a connection file with an empty key on a non-loopback address (unsigned code from the network: never on a shared network)." };
        var start = new Command("start", "Run the kernel (Jupyter starts it with the argv of kernel.json). Exits on SIGTERM/SIGINT and when the process in $JPY_PARENT_PID is gone.") { file, insecure };
        start.SetAction((parse, _) =>
        {
            var connection = ConnectionInfo.Load(parse.GetValue(file)!);
            foreach (var warning in connection.CheckSecurity(parse.GetValue(insecure))) Console.Error.WriteLine($"liqlab kernel: {warning}");
            using var server = new KernelServer(connection, Console.Error);
            // SIGTERM (Jupyter's shutdown fallback, a killed session) and SIGINT (Ctrl+C in a terminal) end the kernel cleanly:
            // the handlers run on the runtime's signal thread and only ask the server to stop.
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; server.Stop("SIGTERM"); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; server.Stop("SIGINT"); });
            using var parent = ParentWatchdog.Start(Environment.GetEnvironmentVariable("JPY_PARENT_PID"), server.Stop);
            server.Run();
            return Task.FromResult(0);
        });
        kernel.Add(start);

        var user = new Option<bool>("--user") { Description = "Install for the current user (default): ~/.local/share/jupyter/kernels or $JUPYTER_DATA_DIR/kernels." };
        var prefix = new Option<string?>("--prefix") { Description = "Install under DIR/share/jupyter/kernels (e.g. a virtualenv or a test folder)." };
        var install = new Command("install",
            "Install the kernel: a copy of this build under the kernelspec folder (so it survives `git clean`, rebuilds and Debug/Release switches) " +
            "and kernel.json, without needing the jupyter command. Run it again after changing the code.") { user, prefix };
        install.SetAction((parse, _) =>
        {
            var dir = SpecDirectory(parse.GetValue(prefix));
            var (files, bytes) = Install(dir);
            Terminal.Console(parse.InvocationConfiguration.Output).MarkupLine(
                $"Installed kernelspec {KernelName} in {Markup.Escape(dir)} ({files} files, {bytes / 1e6:0} MB copied from {Markup.Escape(AppContext.BaseDirectory)})");
            return Task.FromResult(0);
        });
        kernel.Add(install);

        var removeUser = new Option<bool>("--user") { Description = "Remove the user installation (default)." };
        var removePrefix = new Option<string?>("--prefix") { Description = "Remove the installation under DIR." };
        var remove = new Command("remove", "Delete the kernelspec.") { removeUser, removePrefix };
        remove.SetAction((parse, _) =>
        {
            var dir = SpecDirectory(parse.GetValue(removePrefix));
            var console = Terminal.Console(parse.InvocationConfiguration.Output);
            if (!Directory.Exists(dir))
            {
                console.MarkupLine($"No kernelspec at {Markup.Escape(dir)}");
                return Task.FromResult(0);
            }
            Directory.Delete(dir, recursive: true);
            console.MarkupLine($"Removed {Markup.Escape(dir)}");
            return Task.FromResult(0);
        });
        kernel.Add(remove);
        return kernel;
    }

    /// <summary>
    /// The runtime settings the kernel process starts with (kernel.json's <c>env</c>): tiered JIT tuned for a process that
    /// JIT-compiles new code on every cell. <c>DOTNET_TC_CallCountingDelayMs=0</c>: by default the runtime starts counting
    /// calls for tier-1 recompilation only after 100 ms without new tier-0 JIT work, and every cell JIT-compiles its
    /// submission, so with cells back to back (Run All, nbconvert) the compiler's hot paths never reach tier 1.
    /// <c>DOTNET_TieredPGO=0</c>: hot precompiled methods go straight to tier 1 instead of through an instrumented tier first.
    /// Measured through jupyter_client (600 trivial cells, 2 kernel starts each, the round trip including ~3 ms of protocol):
    /// p50 of cells 100–600 about 10–13 ms with the delay off alone and 6–10 ms with both; the first 100 cells 16 ms and
    /// 11 ms. With cells seconds apart (a person typing) the default tiers up as well; these settings make it happen sooner.
    /// </summary>
    internal static JsonObject RuntimeEnvironment() => new() { ["DOTNET_TC_CallCountingDelayMs"] = "0", ["DOTNET_TieredPGO"] = "0" };

    /// <summary>
    /// Writes the kernelspec folder <paramref name="dir"/>: <c>app/</c> = a copy of the running build's folder (native
    /// runtimes of this platform only), and <c>kernel.json</c> whose argv runs <c>app/liqlab.dll</c> with the dotnet host. The
    /// new folder is assembled beside the old one and swapped in, so a failed copy leaves the previous installation intact.
    /// </summary>
    /// <returns>Files and bytes copied.</returns>
    internal static (int Files, long Bytes) Install(string dir)
    {
        var parent = Path.GetDirectoryName(dir)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{KernelName}.new-{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        var app = Path.Combine(staging, "app");
        var (files, bytes) = CopyBuild(AppContext.BaseDirectory, app);
        var spec = new JsonObject
        {
            ["argv"] = new JsonArray(new[] { DotnetHost(), Path.Combine(dir, "app", "liqlab.dll"), "kernel", "start", "-f", "{connection_file}" }
                .Select(a => (JsonNode?)a).ToArray()),
            ["display_name"] = "C# (LiquidationLab)", ["language"] = "csharp", ["interrupt_mode"] = "message",
            ["metadata"] = new JsonObject { ["debugger"] = false },
            ["env"] = RuntimeEnvironment(),
        };
        File.WriteAllText(Path.Combine(staging, "kernel.json"), spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var old = Path.Combine(parent, $".{KernelName}.old-{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(staging, dir);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        return (files, bytes);
    }

    /// <summary>Copies a build folder, leaving out the native runtimes of other platforms (runtimes/&lt;rid&gt; not matching this one).</summary>
    private static (int Files, long Bytes) CopyBuild(string source, string target)
    {
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        int files = 0;
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length > 2 && parts[0] == "runtimes" && !(rid == parts[1] || rid.StartsWith(parts[1] + "-", StringComparison.Ordinal)
                                                                   || (parts[1] == "unix" && !OperatingSystem.IsWindows())))
                continue;
            var to = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
            files++;
            bytes += new FileInfo(file).Length;
        }
        if (!File.Exists(Path.Combine(target, "liqlab.dll"))) throw new FileNotFoundException($"liqlab.dll not found in {source}: install from a liqlab build.");
        return (files, bytes);
    }

    /// <summary>The dotnet host running this process, else <c>dotnet</c> from PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? host : "dotnet";

    /// <summary>The kernelspec folder for a prefix, or the user's Jupyter data folder.</summary>
    internal static string SpecDirectory(string? prefix)
    {
        if (!string.IsNullOrWhiteSpace(prefix)) return Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels", KernelName);
        var data = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } d ? d
            : OperatingSystem.IsWindows() ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter")
            : OperatingSystem.IsMacOS() ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Library", "Jupyter")
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } x ? x
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "jupyter");
        return Path.Combine(data, "kernels", KernelName);
    }

    /// <summary>
    /// How to start this build of liqlab: its apphost when liqlab runs as one, else the dotnet host (the running one, or
    /// "dotnet" from PATH when hosted by something else, e.g. a test runner) with liqlab.dll beside this assembly.
    /// </summary>
    internal static string[] Launcher()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var name = Path.GetFileNameWithoutExtension(host);
        if (name.Equals("liqlab", StringComparison.OrdinalIgnoreCase)) return [host];
        var dotnet = name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? host : "dotnet";
        return [dotnet, Path.Combine(AppContext.BaseDirectory, "liqlab.dll")];
    }
}
