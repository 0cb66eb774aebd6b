"""Compares notebooks executed by nbconvert through the kernel with the same notebooks run by `liqlab notebook run`
(liqlab report): same cells, same output types, same text/plain and Plotly JSON; ids, timings and HTML element ids
are ignored. Usage: compare_outputs.py <nbconvert-dir> <report-dir>. Prints 'N passed, N failed'."""
import json, os, sys
def key(o):
    t = o["output_type"]
    if t == "stream": return (t, o["name"], "".join(o["text"]) if isinstance(o["text"], list) else o["text"])
    if t == "error": return (t, o["ename"], o["evalue"])
    d = o.get("data", {})
    text = d.get("text/plain", ""); text = "".join(text) if isinstance(text, list) else text
    plot = d.get("application/vnd.plotly.v1+json")
    return (t, text, json.dumps(plot, sort_keys=True) if plot else None)
passed = failed = 0
a_dir, b_dir = sys.argv[1], sys.argv[2]
for name in sorted(f for f in os.listdir(a_dir) if f.endswith(".ipynb")):
    a = json.load(open(os.path.join(a_dir, name))); b = json.load(open(os.path.join(b_dir, name)))
    bc = {c["id"]: c for c in b["cells"]}
    for c in a["cells"]:
        if c["cell_type"] != "code": continue
        other = bc.get(c["id"])
        ka = [key(o) for o in c.get("outputs", [])]; kb = [key(o) for o in (other or {}).get("outputs", [])]
        if other is not None and ka == kb: passed += 1
        else:
            failed += 1
            print(f"DIFF {name} cell {c['id']}: nbconvert {[k[0] for k in ka]} vs liqlab {[k[0] for k in kb]}")
            for x, y in zip(ka, kb):
                if x != y: print("   nbconvert:", str(x)[:300]); print("   liqlab:   ", str(y)[:300]); break
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
