using System.Text;
using System.Text.Json.Nodes;

namespace LiquidationLab.Kernel.Tests;

public class WireProtocolTests
{
    private const string Key = "a0b1c2d3-e4f5-0617-2839-4a5b6c7d8e9f";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Signature_is_hmac_sha256_of_the_four_parts_in_order()
    {
        // Independent reference: HMAC-SHA256(key, header + parent + metadata + content), computed with the BCL directly.
        var (h, p, m, c) = (B("{\"msg_id\":\"1\"}"), B("{}"), B("{}"), B("{\"code\":\"1+1\"}"));
        using var hmac = new System.Security.Cryptography.HMACSHA256(B(Key));
        var expected = Convert.ToHexStringLower(hmac.ComputeHash([.. h, .. p, .. m, .. c]));
        Assert.Equal(expected, new WireProtocol(Key).Sign(h, p, m, c));
        Assert.Equal("", new WireProtocol("").Sign(h, p, m, c)); // no key: no signing, as the spec allows
    }

    [Fact]
    public void Serialize_then_parse_round_trips_identities_parts_and_buffers()
    {
        var wire = new WireProtocol(Key);
        var message = new JupyterMessage
        {
            Identities = [B("client-1")], Header = WireProtocol.NewHeader("execute_request", "s1"), Content = new JsonObject { ["code"] = "x" },
            Buffers = [new byte[] { 1, 2, 3 }],
        };
        var frames = wire.Serialize(message);
        Assert.Equal("<IDS|MSG>", Encoding.UTF8.GetString(frames[1]));
        var parsed = wire.Parse(frames, out var problem);
        Assert.Null(problem);
        Assert.Equal("client-1", Encoding.UTF8.GetString(parsed!.Identities.Single()));
        Assert.Equal("execute_request", parsed.Type);
        Assert.Equal("5.3", parsed.Header["version"]!.GetValue<string>());
        Assert.Equal("x", parsed.Content["code"]!.GetValue<string>());
        Assert.Equal(new byte[] { 1, 2, 3 }, parsed.Buffers.Single());
    }

    [Fact]
    public void Wrong_or_missing_signatures_and_malformed_frames_are_rejected()
    {
        var wire = new WireProtocol(Key);
        var frames = wire.Serialize(new JupyterMessage { Header = WireProtocol.NewHeader("execute_request", "s"), Content = new JsonObject { ["code"] = "1" } });
        var tampered = frames.Select(f => (byte[])f.Clone()).ToList();
        tampered[^1] = B("{\"code\":\"System.IO.File.Delete(\\\"x\\\")\"}");
        Assert.Null(wire.Parse(tampered, out var p1));
        Assert.Equal("invalid signature", p1);
        var unsigned = frames.Select(f => (byte[])f.Clone()).ToList();
        unsigned[1] = [];
        Assert.Null(wire.Parse(unsigned, out var p2));
        Assert.Equal("missing signature", p2);
        Assert.Null(new WireProtocol("other-key").Parse(frames, out _));
        Assert.Null(wire.Parse([B("no delimiter")], out var p3));
        Assert.StartsWith("malformed message", p3, StringComparison.Ordinal);
        var badJson = new WireProtocol("").Serialize(new JupyterMessage { Header = [] });
        badJson[^1] = B("{not json");
        Assert.Null(new WireProtocol("").Parse(badJson, out var p4));
        Assert.StartsWith("malformed JSON", p4, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_files_are_read_and_bad_schemes_refused()
    {
        var dir = Directory.CreateTempSubdirectory("liqlab-conn-").FullName;
        try
        {
            var path = Path.Combine(dir, "c.json");
            File.WriteAllText(path, """{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"ip":"127.0.0.1","key":"k","transport":"tcp","signature_scheme":"hmac-sha256"}""");
            var c = ConnectionInfo.Load(path);
            Assert.Equal("tcp://127.0.0.1:1", c.Address(c.ShellPort));
            File.WriteAllText(path, """{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-md5"}""");
            Assert.Throws<FormatException>(() => ConnectionInfo.Load(path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

public class ConnectionSecurityTests
{
    private static ConnectionInfo Conn(string ip, string key) => new("tcp", ip, 1, 2, 3, 4, 5, key, "hmac-sha256");

    [Fact]
    public void An_empty_key_on_a_network_address_is_refused_unless_insecure_and_then_warned_loudly()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Conn("0.0.0.0", "").CheckSecurity(insecure: false));
        Assert.StartsWith("The connection file has an empty key and binds 0.0.0.0", e.Message, StringComparison.Ordinal);
        Assert.Contains("ANYONE WHO CAN REACH THIS ADDRESS CAN RUN CODE", Assert.Single(Conn("0.0.0.0", "").CheckSecurity(insecure: true)), StringComparison.Ordinal);
        Assert.StartsWith("WARNING: the connection file has an empty key", Assert.Single(Conn("127.0.0.1", "").CheckSecurity(insecure: false)), StringComparison.Ordinal);
        Assert.Empty(Conn("0.0.0.0", "a-key").CheckSecurity(insecure: false));
    }
}
