using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiquidationLab.TestSupport;

/// <summary>A real redis-server on a free loopback port (Debian's redis-server; ./test.sh installs it). No persistence:
/// a restart starts empty, the worst case for the service's recovery.</summary>
internal sealed class RedisServer : IDisposable
{
    private Process? _process;

    private readonly string[] _extra;

    /// <param name="extraArguments">More redis-server arguments (e.g. ACL users).</param>
    public RedisServer(params string[] extraArguments)
    {
        _extra = extraArguments;
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        Port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        Start();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static string Executable() => RequiredTools.RedisServer();

    public void Start()
    {
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
            psi.ArgumentList.Add(a);
        foreach (var a in _extra) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, Port);
                using var s = c.GetStream();
                s.Write("PING\r\n"u8);
                var buf = new byte[64];
                var n = s.Read(buf, 0, buf.Length);
                if (n > 0 && (buf[0] == (byte)'+' || buf[0] == (byte)'-')) return; // -NOAUTH: up, with ACLs
            }
            catch (SocketException)
            {
                // not up yet
            }
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within 10 s.");
    }

    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
