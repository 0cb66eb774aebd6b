using System.Diagnostics;
using System.Globalization;

namespace LiquidationLab.Cli.Commands;

/// <summary>
/// Ends the kernel when the Jupyter client that started it is gone (<c>JPY_PARENT_PID</c>), so an orphaned kernel cannot
/// keep running — and keep the DuckDB write lock of a notebook's store — after its client was killed.
/// </summary>
internal sealed class ParentWatchdog : IDisposable
{
    private readonly Timer _timer;

    private ParentWatchdog(int pid, Action<string> stop)
    {
        // The timer callback runs on the thread pool every second; it only reads /proc (or asks the OS) and calls stop once.
        var stopped = 0;
        _timer = new Timer(_ =>
        {
            if (IsAlive(pid) || Interlocked.Exchange(ref stopped, 1) == 1) return;
            stop($"parent process {pid} (JPY_PARENT_PID) is gone");
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Starts watching the process named by <paramref name="parentPid"/>; null (nothing to watch) when it is not a
    /// positive integer.</summary>
    public static ParentWatchdog? Start(string? parentPid, Action<string> stop) =>
        int.TryParse(parentPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? new ParentWatchdog(pid, stop) : null;

    /// <summary>True while the process exists and is not a zombie.</summary>
    internal static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            var stat = $"/proc/{pid}/stat";
            try
            {
                var text = File.ReadAllText(stat);
                var afterName = text.LastIndexOf(')');
                return afterName < 0 || afterName + 2 >= text.Length || text[afterName + 2] is not ('Z' or 'X');
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                return false;
            }
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer.Dispose();
}
