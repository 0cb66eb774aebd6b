using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using LiquidationLab.Notebooks.Engine;
using LiquidationLab.Notebooks.Ipynb;
using NetMQ;
using NetMQ.Sockets;

namespace LiquidationLab.Kernel;

/// <summary>
/// The LiquidationLab Jupyter kernel: shell, control and stdin ROUTER sockets, an iopub PUB socket and a heartbeat REP
/// echo, speaking messaging protocol 5.3 onto one <see cref="ScriptSession"/> — the same engine the runner uses.
/// Every outgoing message is signed; incoming messages with a wrong or missing signature are dropped and logged.
/// </summary>
public sealed class KernelServer : IDisposable
{
    private readonly ConnectionInfo _connection;
    private readonly WireProtocol _wire;
    private readonly TextWriter _log;
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly BlockingCollection<JupyterMessage> _iopub = [];
    private readonly CancellationTokenSource _stop = new();
    private ScriptSession _engine = null!;
    private volatile CancellationTokenSource? _running; // set by the shell thread, cancelled by the control thread
    private JsonObject _currentParent = [];
    private int _executionCount;
    private bool _silent;

    /// <summary>Creates the kernel for a connection file's ports and key.</summary>
    public KernelServer(ConnectionInfo connection, TextWriter log)
    {
        _connection = connection;
        _wire = new WireProtocol(connection.Key);
        _log = log;
        NewEngine();
    }

    private void NewEngine()
    {
        _engine = new ScriptSession(Directory.GetCurrentDirectory());
        _engine.EventEmitted += OnEngineEvent;
        _executionCount = 0;
    }

    /// <summary>Messages dropped for bad signatures or malformed frames (for tests and logs).</summary>
    public int DroppedMessages { get; private set; }

    /// <summary>Requests answered with an error reply because their content was malformed.</summary>
    public int MalformedRequests { get; private set; }

    /// <summary>Stops the kernel from any thread (a signal handler, the parent watchdog): <see cref="Run"/> returns soon after,
    /// the running cell is cancelled.</summary>
    public void Stop(string reason)
    {
        _log.WriteLine($"liqlab kernel: stopping ({reason})");
        _running?.Cancel();
        if (!_stop.IsCancellationRequested) _stop.Cancel();
    }

    /// <summary>Runs until a shutdown request without restart.</summary>
    public void Run()
    {
        using var shell = new RouterSocket();
        using var control = new RouterSocket();
        using var stdin = new RouterSocket();
        using var iopub = new PublisherSocket();
        using var heartbeat = new ResponseSocket();
        shell.Bind(_connection.Address(_connection.ShellPort));
        control.Bind(_connection.Address(_connection.ControlPort));
        stdin.Bind(_connection.Address(_connection.StdinPort));
        _stdin = stdin;
        iopub.Bind(_connection.Address(_connection.IopubPort));
        heartbeat.Bind(_connection.Address(_connection.HbPort));
        _log.WriteLine($"liqlab kernel: listening on {_connection.Ip} (shell {_connection.ShellPort}, iopub {_connection.IopubPort}, control {_connection.ControlPort})");

        var threads = new[]
        {
            new Thread(() => Publish(iopub)) { IsBackground = true, Name = "iopub" },
            new Thread(() => Echo(heartbeat)) { IsBackground = true, Name = "heartbeat" },
            new Thread(() => Serve(control, isControl: true)) { IsBackground = true, Name = "control" },
        };
        foreach (var t in threads) t.Start();
        Send(null, "status", new JsonObject { ["execution_state"] = "starting" }, parent: []);
        // Warm the engine before the first request is read: the client's kernel_info_request waits in the socket, so the
        // kernel reports ready only once its first cell will be quick (heartbeats are answered meanwhile).
        try
        {
            _log.WriteLine($"liqlab kernel: engine warmed in {_engine.WarmUp(_stop.Token).TotalSeconds:0.00} s");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.WriteLine($"liqlab kernel: warm-up failed ({e.GetType().Name}: {e.Message}); the first cell will be slower");
        }
        Serve(shell, isControl: false);
        _iopub.CompleteAdding();
        threads[0].Join(TimeSpan.FromSeconds(2));
    }

    private void Echo(ResponseSocket hb)
    {
        while (!_stop.IsCancellationRequested)
        {
            if (hb.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(200), out var ping)) hb.SendFrame(ping);
        }
    }

    private void Publish(PublisherSocket iopub)
    {
        foreach (var m in _iopub.GetConsumingEnumerable())
        {
            var msg = new NetMQMessage();
            foreach (var f in _wire.Serialize(m)) msg.Append(f);
            iopub.SendMultipartMessage(msg);
        }
    }

    private void Serve(RouterSocket socket, bool isControl)
    {
        while (!_stop.IsCancellationRequested)
        {
            NetMQMessage? frames = null;
            if (!socket.TryReceiveMultipartMessage(TimeSpan.FromMilliseconds(200), ref frames) || frames is null) continue;
            var message = _wire.Parse(frames.Select(f => f.ToByteArray()).ToArray(), out var problem);
            if (message is null)
            {
                DroppedMessages++;
                _log.WriteLine($"liqlab kernel: dropped a message on {(isControl ? "control" : "shell")}: {problem}");
                continue;
            }
            try
            {
                Handle(socket, message, isControl);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A request the kernel could not read (e.g. code that is not a string) still gets an answer: a client waits for it.
                _log.WriteLine($"liqlab kernel: {message.Type} failed: {e.Message}");
                MalformedRequests++;
                if (message.Type.EndsWith("_request", StringComparison.Ordinal))
                {
                    try
                    {
                        Reply(socket, message, message.Type[..^"_request".Length] + "_reply", new JsonObject
                        {
                            ["status"] = "error", ["ename"] = "MalformedRequest", ["evalue"] = $"{message.Type}: {e.Message}",
                            ["traceback"] = new JsonArray($"MalformedRequest: {message.Type}: {e.Message}"),
                        });
                    }
                    catch (Exception replyError) when (replyError is not OutOfMemoryException)
                    {
                        _log.WriteLine($"liqlab kernel: could not answer {message.Type}: {replyError.Message}");
                    }
                }
            }
        }
    }

    private void Reply(RouterSocket socket, JupyterMessage request, string type, JsonObject content)
    {
        var reply = new JupyterMessage
        {
            Identities = request.Identities, Header = WireProtocol.NewHeader(type, _session), ParentHeader = request.Header, Content = content,
        };
        var msg = new NetMQMessage();
        foreach (var f in _wire.Serialize(reply)) msg.Append(f);
        socket.SendMultipartMessage(msg);
    }

    private void Send(JupyterMessage? request, string type, JsonObject content, JsonObject? parent = null) =>
        _iopub.TryAdd(new JupyterMessage { Header = WireProtocol.NewHeader(type, _session), ParentHeader = parent ?? request?.Header ?? [], Content = content });

    private void Status(JupyterMessage request, string state) => Send(request, "status", new JsonObject { ["execution_state"] = state });

    private void Handle(RouterSocket socket, JupyterMessage request, bool isControl)
    {
        Status(request, "busy");
        try
        {
            switch (request.Type)
            {
                case "kernel_info_request":
                    Reply(socket, request, "kernel_info_reply", KernelInfo());
                    break;
                case "execute_request" when !isControl:
                    Execute(socket, request);
                    break;
                case "is_complete_request":
                    var (status, indent) = LanguageServices.IsComplete(request.Content["code"]?.GetValue<string>() ?? "");
                    var ic = new JsonObject { ["status"] = status };
                    if (status == "incomplete") ic["indent"] = indent;
                    Reply(socket, request, "is_complete_reply", ic);
                    break;
                case "complete_request":
                    var code = request.Content["code"]?.GetValue<string>() ?? "";
                    var (matches, start, end) = LanguageServices.Complete(_engine, code, request.Content["cursor_pos"]?.GetValue<int>() ?? code.Length);
                    Reply(socket, request, "complete_reply", new JsonObject
                    {
                        ["status"] = "ok", ["matches"] = new JsonArray(matches.Select(m => (JsonNode?)m.Text).ToArray()), ["cursor_start"] = start, ["cursor_end"] = end,
                        // JupyterLab shows each match's kind and signature from this (the key IPython uses).
                        ["metadata"] = new JsonObject
                        {
                            ["_jupyter_types_experimental"] = new JsonArray(matches.Select(m => (JsonNode?)new JsonObject
                            {
                                ["start"] = start, ["end"] = end, ["text"] = m.Text, ["type"] = m.Kind, ["signature"] = m.Signature,
                            }).ToArray()),
                        },
                    });
                    break;
                case "inspect_request":
                    var icode = request.Content["code"]?.GetValue<string>() ?? "";
                    var inspection = LanguageServices.Inspect(_engine, icode, request.Content["cursor_pos"]?.GetValue<int>() ?? icode.Length);
                    Reply(socket, request, "inspect_reply", new JsonObject
                    {
                        ["status"] = "ok", ["found"] = inspection is not null,
                        ["data"] = inspection is null ? new JsonObject() : new JsonObject { ["text/plain"] = inspection.Text, ["text/markdown"] = inspection.Markdown },
                        ["metadata"] = new JsonObject(),
                    });
                    break;
                case "comm_info_request":
                    Reply(socket, request, "comm_info_reply", new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() });
                    break;
                case "history_request":
                    Reply(socket, request, "history_reply", new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() });
                    break;
                case "interrupt_request":
                    _running?.Cancel();
                    Reply(socket, request, "interrupt_reply", new JsonObject { ["status"] = "ok" });
                    break;
                case "shutdown_request":
                    var restart = request.Content["restart"]?.GetValue<bool>() ?? false;
                    _running?.Cancel();
                    Reply(socket, request, "shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart });
                    if (restart) NewEngine();
                    else _stop.Cancel();
                    break;
                default:
                    _log.WriteLine($"liqlab kernel: ignoring {request.Type} on {(isControl ? "control" : "shell")}");
                    break;
            }
        }
        finally
        {
            Status(request, "idle");
        }
    }

    private static JsonObject KernelInfo() => new()
    {
        ["status"] = "ok", ["protocol_version"] = WireProtocol.ProtocolVersion, ["implementation"] = "liquidationlab",
        ["implementation_version"] = typeof(KernelServer).Assembly.GetName().Version?.ToString() ?? "1.0",
        ["language_info"] = NotebookDocument.LanguageInfo(),
        ["banner"] = "C# (LiquidationLab) — Roslyn script submissions with the .NET 10 framework, the LiquidationLab libraries, DuckDB.NET, Microsoft.Data.Analysis, MathNet.Numerics and Plotly.NET",
        ["help_links"] = new JsonArray(), ["debugger"] = false,
    };

    private static T Field<T>(JsonObject content, string name, T missing)
    {
        var node = content[name];
        if (node is null) return missing;
        return node is JsonValue v && v.TryGetValue<T>(out var value) ? value
            : throw new FormatException($"content.{name} must be a {(typeof(T) == typeof(string) ? "string" : typeof(T) == typeof(bool) ? "boolean" : typeof(T).Name)}, got {node.ToJsonString()}.");
    }

    private void Execute(RouterSocket socket, JupyterMessage request)
    {
        var code = Field(request.Content, "code", "");
        var silent = Field(request.Content, "silent", false);
        var storeHistory = !silent && Field(request.Content, "store_history", true);
        if (storeHistory) _executionCount++;
        var count = _executionCount;
        if (!silent) Send(request, "execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count });
        _currentParent = request.Header;
        _silent = silent;
        _resultCount = count;
        // A cell that draws: start the headless browser for the charts' static images beside it, not after it.
        if (code.Contains("Chart", StringComparison.Ordinal) || code.Contains("Figure", StringComparison.Ordinal))
            _engine.Formatters.StartChartImages();
        // input() and Console.ReadLine() ask the front end when it accepts input (allow_stdin), else they fail saying why.
        _engine.InputHandler = Field(request.Content, "allow_stdin", false) ? (prompt, password, token) => RequestInput(request, prompt, password, token) : null;
        using var cts = new CancellationTokenSource();
        _running = cts;
        CellResult result;
        try
        {
            result = _engine.ExecuteAsync(code, cancellationToken: cts.Token).GetAwaiter().GetResult();
        }
        finally
        {
            _running = null;
        }
        var error = result.Events.OfType<ErrorEvent>().LastOrDefault();
        var reply = error is null
            ? new JsonObject { ["status"] = "ok", ["execution_count"] = count, ["user_expressions"] = new JsonObject(), ["payload"] = new JsonArray() }
            : new JsonObject
            {
                ["status"] = "error", ["execution_count"] = count, ["ename"] = error.Name, ["evalue"] = error.Value,
                ["traceback"] = new JsonArray(error.Traceback.Select(t => (JsonNode?)t).ToArray()),
            };
        Reply(socket, request, "execute_reply", reply);
    }

    private int _resultCount;
    private RouterSocket? _stdin;

    /// <summary>
    /// A cell's request for input: <c>input_request</c> on the stdin channel to the client that sent the execute request
    /// (same identities), then its <c>input_reply</c>. Runs on the cell's thread while the shell thread waits for the cell,
    /// so the stdin socket has one user at a time; an interrupt cancels the wait.
    /// </summary>
    private string? RequestInput(JupyterMessage request, string prompt, bool password, CancellationToken cancellationToken)
    {
        var socket = _stdin ?? throw new InvalidOperationException("The kernel's stdin channel is not open.");
        var ask = new JupyterMessage
        {
            Identities = request.Identities, Header = WireProtocol.NewHeader("input_request", _session), ParentHeader = request.Header,
            Content = new JsonObject { ["prompt"] = prompt, ["password"] = password },
        };
        var msg = new NetMQMessage();
        foreach (var f in _wire.Serialize(ask)) msg.Append(f);
        socket.SendMultipartMessage(msg);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_stop.IsCancellationRequested) throw new OperationCanceledException("The kernel is stopping.");
            NetMQMessage? frames = null;
            if (!socket.TryReceiveMultipartMessage(TimeSpan.FromMilliseconds(100), ref frames) || frames is null) continue;
            var reply = _wire.Parse(frames.Select(f => f.ToByteArray()).ToArray(), out var problem);
            if (reply is null)
            {
                DroppedMessages++;
                _log.WriteLine($"liqlab kernel: dropped a message on stdin: {problem}");
                continue;
            }
            if (reply.Type != "input_reply") continue;
            return reply.Content["value"]?.GetValue<string>() ?? "";
        }
    }

    /// <summary>Engine events go to iopub as they happen, through the same mapping the runner uses.</summary>
    private void OnEngineEvent(CellEvent e)
    {
        if (_silent) return;
        var output = OutputMapper.ToOutput(e, _resultCount);
        var type = OutputMapper.IopubMessageType(output);
        output.Remove("output_type");
        _iopub.TryAdd(new JupyterMessage { Header = WireProtocol.NewHeader(type, _session), ParentHeader = _currentParent, Content = output });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _iopub.Dispose();
    }
}
