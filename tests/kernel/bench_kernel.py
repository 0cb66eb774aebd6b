"""Kernel latency as a Jupyter front end sees it, measured with Debian's jupyter_client (`liqlab bench kernel` runs it).

Usage: JUPYTER_PATH=<prefix>/share/jupyter /usr/bin/python3 tests/kernel/bench_kernel.py [--cells N] [--starts N]
Per start: process start → kernel_info_reply ("ready"), then the first cell right after ready (a LiquidationLab call, as
a notebook's first cell would make), then N trivial cells (`var _t = 1;`) one after another: the round trip from
execute_request to the idle status and the reply. Prints each start and the medians over starts.
"""
import argparse, statistics, time
import jupyter_client

parser = argparse.ArgumentParser()
parser.add_argument("--cells", type=int, default=200)
parser.add_argument("--starts", type=int, default=3)
parser.add_argument("--kernel", default="liquidationlab-csharp")
args = parser.parse_args()

def run(kc, code, timeout=120):
    msg_id = kc.execute(code)
    status = None
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id: continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle": break
        if m["msg_type"] == "error": status = m["content"]["evalue"]
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id: reply = kc.get_shell_msg(timeout=timeout)
    if reply["content"]["status"] != "ok": raise SystemExit(f"cell failed: {code!r}: {status or reply['content']}")

def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, max(0, int(round(q * len(xs) + 0.5)) - 1))]

ready, first, p50, p95 = [], [], [], []
for start in range(args.starts):
    km = jupyter_client.KernelManager(kernel_name=args.kernel)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client(); kc.start_channels()
    kc.wait_for_ready(timeout=120)
    ready.append(time.perf_counter() - t0)
    t1 = time.perf_counter()
    run(kc, 'var bins = new PriceBins(60_000, 100, 50);\nvar centres = Enumerable.Range(0, bins.Count).Select(bins.Center).ToList();\ncentres.Count')
    first.append(time.perf_counter() - t1)
    lat = []
    for _ in range(args.cells):
        s = time.perf_counter(); run(kc, "var _t = 1;"); lat.append((time.perf_counter() - s) * 1000)
    p50.append(pct(lat, 0.50)); p95.append(pct(lat, 0.95))
    kc.stop_channels(); km.shutdown_kernel(now=False)
    print(f"start {start + 1}: ready {ready[-1]:.2f} s, first cell {first[-1]:.3f} s, {args.cells} trivial cells p50 {p50[-1]:.1f} ms, p95 {p95[-1]:.1f} ms", flush=True)
print(f"median over {args.starts} starts: ready {statistics.median(ready):.2f} s, first cell after ready {statistics.median(first):.3f} s "
      f"(target < 1 s), trivial cell p50 {statistics.median(p50):.1f} ms, p95 {statistics.median(p95):.1f} ms (target p95 < 20 ms)")
