"""Compares notebooks executed by nbconvert through a Jupyter kernel with the same notebooks run by `liqlab notebook run`
(liqlab report).

Usage: compare_outputs.py [--kernel liquidationlab|dotnet-interactive] <nbconvert-dir> <report-dir>
Prints one DIFF line per differing cell and 'N passed, N failed'; exit code 1 when any cell differs.

Our kernel (default): same cells, same output types, same text/plain, the same Plotly figure JSON (the data block in a
chart's HTML) and whether a static image is present; ids, timings and HTML element ids are ignored.

Microsoft's .NET Interactive kernel (`.net-csharp`, notebooks loading the LiquidationLab.Interactive package): the same,
except that
- the kernel's own messages are left out (its bootstrap script in the first cell, "Installed Packages", "Loading
  extensions from ..."), and consecutive stream outputs of one name are joined (that kernel writes a stream message per
  write);
- text/plain is compared where both outputs have it: HTML that a cell displays (`new HtmlString(...)`) is text/html only
  there, while our engine adds the markup as text/plain.
Output types, stream text, errors, figure JSON and static images must match exactly.
"""
import json, os, re, sys

def text(v):
    return "".join(v) if isinstance(v, list) else (v or "")

def figure(d):
    """The figure JSON of a chart output: the data block in its HTML (or a vnd.plotly entry)."""
    if "application/vnd.plotly.v1+json" in d: return d["application/vnd.plotly.v1+json"]
    m = re.search(r'<script type="application/vnd\.plotly\.v1\+json">(.*?)</script>', text(d.get("text/html")), re.S)
    return json.loads(m.group(1)) if m else None

def is_kernel_message(o):
    """.NET Interactive's own displays: its bootstrap script, the package list of `#r "nuget:"`, extension loading."""
    if o["output_type"] != "display_data": return False
    d = o.get("data", {})
    html, plain = text(d.get("text/html")), text(d.get("text/plain"))
    return ("dotnet-interactive-this-cell" in html or "<strong>Installed Packages</strong>" in html
            or plain.startswith("Loading extensions from `"))

def join_streams(outputs):
    joined = []
    for o in outputs:
        if o["output_type"] == "stream" and joined and joined[-1]["output_type"] == "stream" and joined[-1]["name"] == o["name"]:
            joined[-1] = dict(joined[-1], text=text(joined[-1]["text"]) + text(o["text"]))
        else:
            joined.append(o)
    return joined

def key(o):
    t = o["output_type"]
    if t == "stream": return (t, o["name"], text(o["text"]))
    if t == "error": return (t, o["ename"], o["evalue"])
    d = o.get("data", {})
    f = figure(d)
    return (t, text(d["text/plain"]) if "text/plain" in d else None, json.dumps(f, sort_keys=True) if f else None, "image/png" in d)

def same(x, y, loose_plain):
    if len(x) != len(y): return False
    if x[0] in ("stream", "error") or not loose_plain: return x == y
    # display_data / execute_result: text/plain only where both have it.
    return x[0] == y[0] and x[2:] == y[2:] and (x[1] is None or y[1] is None or x[1] == y[1])

def main(argv):
    kernel = "liquidationlab"
    if len(argv) > 1 and argv[0] == "--kernel": kernel, argv = argv[1], argv[2:]
    if kernel not in ("liquidationlab", "dotnet-interactive") or len(argv) != 2:
        print(__doc__); return 2
    di = kernel == "dotnet-interactive"
    passed = failed = 0
    a_dir, b_dir = argv
    for name in sorted(f for f in os.listdir(a_dir) if f.endswith(".ipynb")):
        a = json.load(open(os.path.join(a_dir, name))); b = json.load(open(os.path.join(b_dir, name)))
        bc = {c["id"]: c for c in b["cells"]}
        for c in a["cells"]:
            if c["cell_type"] != "code": continue
            other = bc.get(c["id"])
            oa, ob = c.get("outputs", []), (other or {}).get("outputs", [])
            if di: oa, ob = join_streams([o for o in oa if not is_kernel_message(o)]), join_streams(ob)
            ka, kb = [key(o) for o in oa], [key(o) for o in ob]
            if other is not None and len(ka) == len(kb) and all(same(x, y, di) for x, y in zip(ka, kb)): passed += 1
            else:
                failed += 1
                print(f"DIFF {name} cell {c['id']}: nbconvert {[k[0] for k in ka]} vs liqlab {[k[0] for k in kb]}")
                for x, y in zip(ka, kb):
                    if not same(x, y, di): print("   nbconvert:", str(x)[:300]); print("   liqlab:   ", str(y)[:300]); break
    print(f"{passed} passed, {failed} failed ({kernel} kernel)")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
