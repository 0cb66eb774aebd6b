using LiquidationLab.TestSupport;
using System.Diagnostics;
using System.Text.Json.Nodes;
using LiquidationLab.Cli.Commands;

namespace LiquidationLab.Cli.Tests.Commands;

public sealed class KernelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("liqlab-kernel-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Install_writes_a_kernelspec_that_runs_its_own_copy_of_this_build_and_remove_deletes_it()
    {
        var (exit, _, err) = await CliRunner.Run("kernel", "install", "--prefix", _dir);
        Assert.True(exit == 0, err);
        var specPath = Path.Combine(_dir, "share", "jupyter", "kernels", "liquidationlab-csharp", "kernel.json");
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(specPath))!;
        Assert.Equal("C# (LiquidationLab)", spec["display_name"]!.GetValue<string>());
        Assert.Equal("csharp", spec["language"]!.GetValue<string>());
        Assert.Equal("message", spec["interrupt_mode"]!.GetValue<string>());
        var argv = spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
        // The kernel runs a copy inside the kernelspec folder, not the build output: `git clean` or a rebuild cannot break it.
        var specDir = Path.GetDirectoryName(specPath)!;
        Assert.Equal(Path.Combine(specDir, "app", "liqlab.dll"), argv[1]);
        Assert.True(File.Exists(argv[1]));
        Assert.True(File.Exists(Path.Combine(specDir, "app", "LiquidationLab.Notebooks.dll")));
        Assert.True(File.Exists(Path.Combine(specDir, "app", "data", "tiers", "binance-usdm", "BTCUSDT.json")));
        Assert.False(Directory.Exists(Path.Combine(specDir, "app", "runtimes", "win-x64")), "other platforms' native runtimes are left out");
        Assert.Equal(["kernel", "start", "-f", "{connection_file}"], argv[2..]);
        // Tiered JIT tuned for a process that compiles new code every cell (see KernelCommand.RuntimeEnvironment).
        Assert.Equal("0", spec["env"]!["DOTNET_TC_CallCountingDelayMs"]!.GetValue<string>());
        Assert.Equal("0", spec["env"]!["DOTNET_TieredPGO"]!.GetValue<string>());
        // Installing again replaces the copy in place (no staging folder left behind).
        Assert.Equal(0, (await CliRunner.Run("kernel", "install", "--prefix", _dir)).Exit);
        Assert.Equal([Path.GetFileName(specDir)], Directory.GetDirectories(Path.GetDirectoryName(specDir)!).Select(Path.GetFileName));
        Assert.Equal(0, (await CliRunner.Run("kernel", "remove", "--prefix", _dir)).Exit);
        Assert.False(File.Exists(specPath));
    }

    /// <summary>
    /// Debian's jupyter_client drives the kernel (tests/kernel/test_kernel.py): state across cells, display and update,
    /// an error, completion (ranked, with kinds) and inspection (variables' values, signature help), input_request on stdin,
    /// is_complete, interrupting while(true){} within 2 s, a bad signature, restart.
    /// </summary>
    [Fact]
    [Trait(RequiredTools.Trait, "python3-jupyter-client")]
    public async Task Jupyter_client_suite_passes_against_the_kernel()
    {
        Assert.Equal(0, (await CliRunner.Run("kernel", "install", "--prefix", _dir)).Exit);
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "LiquidationLab.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        var python = RequiredTools.Python3(("jupyter_client", "python3-jupyter-client"));
        var psi = new ProcessStartInfo(python, ["-u", Path.Combine(root, "tests", "kernel", "test_kernel.py"), "50"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["JUPYTER_PATH"] = Path.Combine(_dir, "share", "jupyter");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) p.Kill(entireProcessTree: true);
        var output = await stdout;
        Assert.True(p.ExitCode == 0, output + await stderr);
        Assert.Contains("32 passed, 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kernel_start_refuses_an_unsigned_connection_on_a_network_address()
    {
        var file = Path.Combine(_dir, "conn.json");
        await File.WriteAllTextAsync(file, """{"transport":"tcp","ip":"0.0.0.0","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"","signature_scheme":"hmac-sha256"}""");
        var (exit, _, err) = await CliRunner.Run("kernel", "start", "-f", file);
        Assert.Equal(1, exit);
        Assert.Contains("empty key and binds 0.0.0.0", err, StringComparison.Ordinal);
        Assert.Contains("--insecure", err, StringComparison.Ordinal);
    }
}
