using System.CommandLine;
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
        var start = new Command("start", "Run the kernel (Jupyter starts it with the argv of kernel.json).") { file };
        start.SetAction((parse, _) =>
        {
            using var server = new KernelServer(ConnectionInfo.Load(parse.GetValue(file)!), Console.Error);
            server.Run();
            return Task.FromResult(0);
        });
        kernel.Add(start);

        var user = new Option<bool>("--user") { Description = "Install for the current user (default): ~/.local/share/jupyter/kernels or $JUPYTER_DATA_DIR/kernels." };
        var prefix = new Option<string?>("--prefix") { Description = "Install under DIR/share/jupyter/kernels (e.g. a virtualenv or a test folder)." };
        var install = new Command("install", "Write the kernelspec (kernel.json) without needing the jupyter command.") { user, prefix };
        install.SetAction((parse, _) =>
        {
            var dir = SpecDirectory(parse.GetValue(prefix));
            Directory.CreateDirectory(dir);
            var spec = new JsonObject
            {
                ["argv"] = new JsonArray(Launcher().Select(a => (JsonNode?)a).Concat(["kernel", "start", "-f", "{connection_file}"]).ToArray()),
                ["display_name"] = "C# (LiquidationLab)", ["language"] = "csharp", ["interrupt_mode"] = "message",
                ["metadata"] = new JsonObject { ["debugger"] = false },
            };
            File.WriteAllText(Path.Combine(dir, "kernel.json"), spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Terminal.Console(parse.InvocationConfiguration.Output).MarkupLine($"Installed kernelspec {KernelName} in {Markup.Escape(dir)}");
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
