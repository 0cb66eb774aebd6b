using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiquidationLab.Kernel;

/// <summary>A Jupyter connection file (https://jupyter-client.readthedocs.io/en/stable/kernels.html#connection-files).</summary>
public sealed record ConnectionInfo(string Transport, string Ip, int ShellPort, int IopubPort, int StdinPort, int ControlPort, int HbPort, string Key, string SignatureScheme)
{
    /// <summary>Reads a connection file.</summary>
    /// <exception cref="FormatException">Missing fields or an unsupported signature scheme.</exception>
    public static ConnectionInfo Load(string path)
    {
        var o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException($"{path}: not a JSON object.");
        int Port(string name) => o[name]?.GetValue<int>() ?? throw new FormatException($"{path}: '{name}' is missing.");
        var scheme = o["signature_scheme"]?.GetValue<string>() ?? "hmac-sha256";
        if (scheme != "hmac-sha256" && o["key"]?.GetValue<string>() is { Length: > 0 })
            throw new FormatException($"{path}: signature_scheme '{scheme}' is not supported (hmac-sha256 is).");
        return new ConnectionInfo(o["transport"]?.GetValue<string>() ?? "tcp", o["ip"]?.GetValue<string>() ?? "127.0.0.1",
            Port("shell_port"), Port("iopub_port"), Port("stdin_port"), Port("control_port"), Port("hb_port"), o["key"]?.GetValue<string>() ?? "", scheme);
    }

    /// <summary>ZeroMQ address of a port.</summary>
    public string Address(int port) => Transport == "ipc" ? $"ipc://{Ip}-{port}" : $"{Transport}://{Ip}:{port}";

    /// <summary>True when the kernel listens only on this machine (loopback TCP or an ipc socket).</summary>
    public bool IsLocalOnly => Transport == "ipc" || Ip is "127.0.0.1" or "localhost" or "::1" || Ip.StartsWith("127.", StringComparison.Ordinal);

    /// <summary>
    /// Refuses a connection that would run unsigned code from the network: an empty key on a non-loopback address, unless
    /// <paramref name="insecure"/> is given. Returns the warnings to print (always one when running unsigned).
    /// </summary>
    /// <exception cref="InvalidOperationException">Empty key on a non-loopback address without <paramref name="insecure"/>.</exception>
    public IReadOnlyList<string> CheckSecurity(bool insecure)
    {
        if (Key.Length > 0) return [];
        if (!IsLocalOnly && !insecure)
            throw new InvalidOperationException(
                $"The connection file has an empty key and binds {Ip}: anyone who can reach that address could run code unsigned. " +
                "Give the connection file a key, listen on 127.0.0.1, or pass --insecure if you really mean it.");
        return [IsLocalOnly
            ? "WARNING: the connection file has an empty key: messages are not signed (any local process can run code in this kernel)."
            : $"WARNING: --insecure: the connection file has an empty key and the kernel listens on {Ip}: ANYONE WHO CAN REACH THIS ADDRESS CAN RUN CODE."];
    }
}

/// <summary>A Jupyter protocol message (wire format 5.3).</summary>
public sealed class JupyterMessage
{
    /// <summary>ZeroMQ routing identities (ROUTER sockets).</summary>
    public IReadOnlyList<byte[]> Identities { get; init; } = [];

    /// <summary>Header: msg_id, session, username, date, msg_type, version.</summary>
    public required JsonObject Header { get; init; }

    /// <summary>The request's header for replies and side effects, or empty.</summary>
    public JsonObject ParentHeader { get; init; } = [];

    /// <summary>Metadata.</summary>
    public JsonObject Metadata { get; init; } = [];

    /// <summary>Content.</summary>
    public JsonObject Content { get; init; } = [];

    /// <summary>Extra binary buffers.</summary>
    public IReadOnlyList<byte[]> Buffers { get; init; } = [];

    /// <summary>msg_type.</summary>
    public string Type => Header["msg_type"]?.GetValue<string>() ?? "";
}

/// <summary>
/// Signing, verification and framing of Jupyter messages:
/// <c>[identities…, "&lt;IDS|MSG&gt;", HMAC-SHA256 hex, header, parent_header, metadata, content, buffers…]</c>.
/// Verification compares signatures in constant time; an empty key disables signing (as the spec allows).
/// </summary>
public sealed class WireProtocol(string key)
{
    /// <summary>The delimiter between identities and the message.</summary>
    public static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();

    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    /// <summary>Protocol version this kernel speaks.</summary>
    public const string ProtocolVersion = "5.3";

    /// <summary>Lower-case hex HMAC-SHA256 of the four JSON parts (empty when there is no key).</summary>
    public string Sign(byte[] header, byte[] parent, byte[] metadata, byte[] content)
    {
        if (_key.Length == 0) return "";
        using var h = new HMACSHA256(_key);
        h.TransformBlock(header, 0, header.Length, null, 0);
        h.TransformBlock(parent, 0, parent.Length, null, 0);
        h.TransformBlock(metadata, 0, metadata.Length, null, 0);
        h.TransformFinalBlock(content, 0, content.Length);
        return Convert.ToHexStringLower(h.Hash!);
    }

    private static byte[] Bytes(JsonObject o) => Encoding.UTF8.GetBytes(o.ToJsonString());

    /// <summary>The frames of a message, signed.</summary>
    public List<byte[]> Serialize(JupyterMessage m)
    {
        var header = Bytes(m.Header);
        var parent = Bytes(m.ParentHeader);
        var metadata = Bytes(m.Metadata);
        var content = Bytes(m.Content);
        var frames = new List<byte[]>(m.Identities) { Delimiter, Encoding.ASCII.GetBytes(Sign(header, parent, metadata, content)), header, parent, metadata, content };
        frames.AddRange(m.Buffers);
        return frames;
    }

    /// <summary>
    /// Parses and verifies frames. Returns <c>null</c> (and a reason) for malformed frames or a wrong or missing
    /// signature — such messages must be dropped, never run.
    /// </summary>
    public JupyterMessage? Parse(IReadOnlyList<byte[]> frames, out string? problem)
    {
        problem = null;
        var d = -1;
        for (var i = 0; i < frames.Count; i++)
            if (frames[i].AsSpan().SequenceEqual(Delimiter)) { d = i; break; }
        if (d < 0 || frames.Count < d + 6)
        {
            problem = "malformed message: no <IDS|MSG> delimiter or fewer than 5 parts after it";
            return null;
        }
        var signature = frames[d + 1];
        var expected = Encoding.ASCII.GetBytes(Sign(frames[d + 2], frames[d + 3], frames[d + 4], frames[d + 5]));
        if (_key.Length > 0 && !CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            problem = signature.Length == 0 ? "missing signature" : "invalid signature";
            return null;
        }
        try
        {
            JsonObject Obj(byte[] b) => b.Length == 0 ? [] : JsonNode.Parse(b)?.AsObject() ?? [];
            return new JupyterMessage
            {
                Identities = frames.Take(d).ToArray(), Header = Obj(frames[d + 2]), ParentHeader = Obj(frames[d + 3]), Metadata = Obj(frames[d + 4]),
                Content = Obj(frames[d + 5]), Buffers = frames.Skip(d + 6).ToArray(),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            problem = "malformed JSON: " + e.Message;
            return null;
        }
    }

    /// <summary>A new header of <paramref name="msgType"/> in <paramref name="session"/>.</summary>
    public static JsonObject NewHeader(string msgType, string session) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString("N"), ["session"] = session, ["username"] = "kernel",
        ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture), ["msg_type"] = msgType, ["version"] = ProtocolVersion,
    };
}
