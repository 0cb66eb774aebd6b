using System.Diagnostics;

namespace LiquidationLab.Charts.Tests;

internal static class Chromium
{
    /// <summary>Runs Debian's headless Chromium (./test.sh installs it) and returns the DOM after scripts ran.</summary>
    /// <exception cref="InvalidOperationException">chromium is not installed; the message names the package.</exception>
    public static string DumpDom(string htmlPath, string profileParent)
    {
        var psi = new ProcessStartInfo(LiquidationLab.TestSupport.RequiredTools.Chromium(),
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(profileParent, "profile")}",
            "--virtual-time-budget=10000", "--dump-dom", new Uri(htmlPath).AbsoluteUri,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start chromium");
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90))) p.Kill(true);
        return stdout.Result;
    }
}
