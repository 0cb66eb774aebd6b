using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace LiquidationLab.Bench;

/// <summary><c>liqlab bench kernel</c>: the kernel's latency through Debian's jupyter_client.</summary>
internal static class KernelBench
{
    /// <summary>
    /// <c>liqlab bench kernel</c>: installs this build's kernel into a temporary Jupyter prefix and has Debian's
    /// jupyter_client measure it (tests/kernel/bench_kernel.py): process start → ready, the first cell right after ready,
    /// and trivial-cell round trips (p50/p95), per start and as medians.
    /// </summary>
    public static Command Create(BenchHost host, string kernelName)
    {
        var cells = new Option<int>("--cells") { Description = "Trivial cells per start.", DefaultValueFactory = _ => 200 };
        var starts = new Option<int>("--starts") { Description = "Kernel starts (each measured; medians printed).", DefaultValueFactory = _ => 3 };
        var cmd = new Command("kernel", "Kernel latency through jupyter_client: start to ready, first cell after ready (< 1 s), trivial cell round trip p95 (< 20 ms).") { cells, starts };
        cmd.SetAction(async (parse, ct) =>
        {
            var script = host.WorkspacePath(["tests", "kernel", "bench_kernel.py"]) is { } s && File.Exists(s) ? s
                : throw new FileNotFoundException("tests/kernel/bench_kernel.py not found: run from the repository.");
            const string python = "/usr/bin/python3";
            if (!File.Exists(python)) throw new InvalidOperationException("python3 with jupyter_client is needed (apt-get install python3-jupyter-client; ./test.sh installs it).");
            var prefix = Directory.CreateTempSubdirectory("liqlab-kernel-bench-");
            try
            {
                host.InstallKernel(Path.Combine(prefix.FullName, "share", "jupyter", "kernels", kernelName));
                var psi = new ProcessStartInfo(python, ["-u", script, "--cells", parse.GetValue(cells).ToString(CultureInfo.InvariantCulture),
                    "--starts", parse.GetValue(starts).ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true };
                psi.Environment["JUPYTER_PATH"] = Path.Combine(prefix.FullName, "share", "jupyter");
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync(ct);
                while (await p.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false) is { } line) parse.InvocationConfiguration.Output.WriteLine(line);
                await p.WaitForExitAsync(ct).ConfigureAwait(false);
                if (p.ExitCode != 0) throw new InvalidOperationException($"bench_kernel.py failed (exit {p.ExitCode}): {(await err.ConfigureAwait(false)).Trim()}");
                return 0;
            }
            finally
            {
                prefix.Delete(recursive: true);
            }
        });
        return cmd;
    }
}
