"""Drives the LiquidationLab kernel with Debian's jupyter_client (a client no one here wrote).

Usage: JUPYTER_PATH=<prefix>/share/jupyter /usr/bin/python3 tests/kernel/test_kernel.py
Prints one line per check and 'N passed, N failed'; exit code 1 on any failure.
"""
import sys, time, json, hmac, hashlib, uuid, datetime
import jupyter_client, zmq

passed, failed = 0, 0
def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1; print(f"ok   {name}")
    else:
        failed += 1; print(f"FAIL {name} {detail}")

def run(kc, code, timeout=60, **kw):
    """Execute and collect iopub messages of this request until idle, plus the reply."""
    msg_id = kc.execute(code, **kw)
    outputs = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id: continue
        t = m["msg_type"]
        if t == "status" and m["content"]["execution_state"] == "idle": break
        if t not in ("status",): outputs.append(m)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id: reply = kc.get_shell_msg(timeout=timeout)
    return reply, outputs

km = jupyter_client.KernelManager(kernel_name="liquidationlab-csharp")
t0 = time.time()
km.start_kernel()
kc = km.client(); kc.start_channels()
kc.wait_for_ready(timeout=60)
cold = time.time() - t0
info = kc.kernel_info(reply=True, timeout=30)
check("kernel_info", info["content"]["language_info"]["name"] == "csharp" and info["content"]["protocol_version"] == "5.3", info["content"])
print(f"cold start to kernel_info_reply: {cold:.2f} s")

reply, outs = run(kc, "var x = 20;")
check("execute ok", reply["content"]["status"] == "ok")
reply, outs = run(kc, "x * 2 + 2")
results = [o for o in outs if o["msg_type"] == "execute_result"]
check("state across cells", results and results[0]["content"]["data"]["text/plain"] == "42", outs)
check("execute_input published", any(o["msg_type"] == "execute_input" for o in outs))

reply, outs = run(kc, 'Console.WriteLine("hello"); var h = display("first", "d1"); h.Update("second");')
types = [o["msg_type"] for o in outs]
check("stream", any(o["msg_type"] == "stream" and "hello" in o["content"]["text"] for o in outs), types)
check("display and update", "display_data" in types and "update_display_data" in types and
      [o for o in outs if o["msg_type"] == "update_display_data"][0]["content"]["transient"]["display_id"] == "d1", types)

reply, outs = run(kc, 'throw new InvalidOperationException("boom");')
check("error reply", reply["content"]["status"] == "error" and reply["content"]["ename"] == "InvalidOperationException", reply["content"])
check("error on iopub", any(o["msg_type"] == "error" for o in outs))

c = kc.complete("Math.Ma", 7, reply=True, timeout=30)["content"]
check("complete members", "Max" in c["matches"] and c["cursor_start"] == 5, c)
c = kc.complete("var zzTop = 1; zz", 17, reply=True, timeout=30)["content"]
check("complete session names", "zzTop" in c["matches"], c)
i = kc.inspect("LiquidationPriceCalculator", 5, reply=True, timeout=30)["content"]
check("inspect", i["found"] and "LiquidationPriceCalculator" in i["data"]["text/plain"] and "Binance" in i["data"]["text/plain"], i)
# inspect a session variable: type, current value, the type's documentation
run(kc, "var prices = new List<double> { 1.5, 2.5 }; var calc = new PriceBins(60_000, 100, 50);")
i = kc.inspect("prices", 6, reply=True, timeout=30)["content"]
t = i["data"].get("text/plain", "")
check("inspect variable: type and value", i["found"] and "List<double> prices" in t and "2 items: 1.5, 2.5" in t and "text/markdown" in i["data"], i)
# the framework's own documentation: cells compile against its reference assemblies, whose XML docs the SDK ships
check("inspect variable: the framework type's docs", "strongly typed list of objects" in t, t)
i = kc.inspect("calc", 4, reply=True, timeout=30)["content"]
check("inspect variable: our type's docs", i["found"] and "PriceBins calc" in i["data"]["text/plain"] and "bins" in i["data"]["text/plain"].lower(), i)
# signature help inside an argument list: every overload, the parameter being typed marked, its documentation
code = "LiquidationPriceCalculator.Isolated(table, PositionSide.Long, "
i = kc.inspect(code, len(code), reply=True, timeout=30)["content"]
t = i["data"].get("text/plain", "")
check("signature help", i["found"] and "Isolated(" in t and "[decimal quantityBase]" in t, i)
code = "Math.Round(2.5, "
i = kc.inspect(code, len(code), reply=True, timeout=30)["content"]
check("signature help lists overloads", i["found"] and i["data"]["text/plain"].count("Math.Round(") >= 4, i)
check("signature help: the framework method's docs", "Rounds" in i["data"]["text/plain"], i["data"]["text/plain"][:400])
# completion: the session's variables first, kinds and signatures for the front end
c = kc.complete("pri", 3, reply=True, timeout=30)["content"]
types = c["metadata"].get("_jupyter_types_experimental", [])
check("completion ranks session variables first", c["matches"][:1] == ["prices"] and types[0]["type"] == "variable" and "List<double>" in types[0]["signature"], c["matches"][:5])
c = kc.complete("calc.Ce", 7, reply=True, timeout=30)["content"]
check("completion of members", c["matches"][:1] == ["Center"] and c["cursor_start"] == 5, c["matches"][:5])

# input(): input_request on the stdin channel, the reply's value back in the cell; Console.ReadLine the same
msg_id = kc.execute('var who = input("name? "); Console.WriteLine($"hi {who}"); var again = Console.ReadLine(); Console.WriteLine($"and {again}");', allow_stdin=True)
req = kc.get_stdin_msg(timeout=30)
check("input_request with prompt", req["msg_type"] == "input_request" and req["content"]["prompt"] == "name? " and req["content"]["password"] is False, req["content"])
kc.input("Ada")
req2 = kc.get_stdin_msg(timeout=30)
kc.input("Grace")
texts = []
while True:
    m = kc.get_iopub_msg(timeout=30)
    if m["parent_header"].get("msg_id") != msg_id: continue
    if m["msg_type"] == "stream": texts.append(m["content"]["text"])
    if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle": break
reply = kc.get_shell_msg(timeout=30)
while reply["parent_header"].get("msg_id") != msg_id: reply = kc.get_shell_msg(timeout=30)
check("input values reach the cell", reply["content"]["status"] == "ok" and "hi Ada\n" in "".join(texts) and "and Grace\n" in "".join(texts), (texts, reply["content"]))
reply, outs = run(kc, 'var x2 = input("x? ");', allow_stdin=False)
check("input without stdin fails clearly", reply["content"]["status"] == "error" and "does not accept input" in reply["content"]["evalue"], reply["content"])

def is_complete(code):
    mid = kc.is_complete(code)
    r = kc.get_shell_msg(timeout=30)
    while r["parent_header"].get("msg_id") != mid: r = kc.get_shell_msg(timeout=30)
    return r["content"]
ic = is_complete("for (var i = 0; i < 3; i++) {")
check("is_complete incomplete", ic["status"] == "incomplete", ic)
ic = is_complete("var a = 1;")
check("is_complete complete", ic["status"] == "complete", ic)

# interrupt a tight loop
msg_id = kc.execute("long n = 0; while (true) n++;")
time.sleep(1.0)
t1 = time.time()
km.interrupt_kernel()
reply = kc.get_shell_msg(timeout=30)
while reply["parent_header"].get("msg_id") != msg_id: reply = kc.get_shell_msg(timeout=30)
check("interrupt within 2 s", reply["content"]["status"] == "error" and time.time() - t1 < 2.0, (reply["content"], time.time() - t1))
reply, outs = run(kc, "x + 1")
check("works after interrupt", [o for o in outs if o["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"] == "21")

# a message with a bad signature is ignored: send raw frames on the shell socket
session = kc.session
header = {"msg_id": uuid.uuid4().hex, "session": session.session, "username": "x", "date": datetime.datetime.utcnow().isoformat() + "Z", "msg_type": "execute_request", "version": "5.3"}
parts = [json.dumps(p).encode() for p in (header, {}, {}, {"code": "x = 999;", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False})]
bad = [b"<IDS|MSG>", b"0" * 64] + parts
ctx = zmq.Context.instance(); sock = ctx.socket(zmq.DEALER); sock.connect(f"tcp://{km.ip}:{km.shell_port}")
sock.send_multipart(bad); time.sleep(0.5); sock.close()
reply, outs = run(kc, "x")
check("bad signature ignored", [o for o in outs if o["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"] == "20")

# a malformed execute_request (code is not a string) gets an error reply instead of silence
msg = kc.session.msg("execute_request", {"code": 123, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False})
kc.shell_channel.send(msg)
reply = kc.get_shell_msg(timeout=30)
while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]: reply = kc.get_shell_msg(timeout=30)
check("malformed request answered", reply["msg_type"] == "execute_reply" and reply["content"]["status"] == "error"
      and reply["content"]["ename"] == "MalformedRequest" and "content.code must be a string" in reply["content"]["evalue"], reply["content"])
reply, outs = run(kc, "x")
check("works after a malformed request", [o for o in outs if o["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"] == "20")

# latency of trivial requests
lat = []
for k in range(int(sys.argv[1]) if len(sys.argv) > 1 else 50):
    s = time.perf_counter(); run(kc, "1;" if False else "x;" if False else "var _t = 1;"); lat.append((time.perf_counter() - s) * 1000)
lat.sort()
print(f"execute round trip over {len(lat)} requests: p50 {lat[len(lat)//2]:.1f} ms, p95 {lat[int(len(lat)*0.95)-1]:.1f} ms")

# restart: state is gone
km.restart_kernel(now=False); kc.wait_for_ready(timeout=60)
reply, outs = run(kc, "x")
check("restart clears state", reply["content"]["status"] == "error")

kc.stop_channels(); km.shutdown_kernel(now=False)

# SIGTERM ends the kernel cleanly (it ignored SIGTERM before)
import signal, subprocess, os
km2 = jupyter_client.KernelManager(kernel_name="liquidationlab-csharp")
km2.start_kernel()
kc2 = km2.client(); kc2.start_channels(); kc2.wait_for_ready(timeout=60)
proc = km2.provisioner.process
t2 = time.time(); proc.send_signal(signal.SIGTERM)
try:
    code = proc.wait(timeout=10)
except subprocess.TimeoutExpired:
    code = None; proc.kill()
check("SIGTERM exits cleanly", code == 0, (code, time.time() - t2))
kc2.stop_channels()

# an orphan exits: JPY_PARENT_PID names a process that ends (started by hand: jupyter_client would set it to itself)
parent = subprocess.Popen(["sleep", "2"])
km3 = jupyter_client.KernelManager(kernel_name="liquidationlab-csharp")
km3.write_connection_file()
proc3 = subprocess.Popen([a.replace("{connection_file}", km3.connection_file) for a in km3.kernel_spec.argv], env={**os.environ, "JPY_PARENT_PID": str(parent.pid)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
parent.wait()
try:
    code3 = proc3.wait(timeout=15)
except subprocess.TimeoutExpired:
    code3 = None; proc3.kill()
km3.cleanup_connection_file()
check("exits when JPY_PARENT_PID is gone", code3 == 0, code3)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
