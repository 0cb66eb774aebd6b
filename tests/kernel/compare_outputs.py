"""Compares notebooks executed by nbconvert through the kernel with the same notebooks run by `liqlab notebook run`
(liqlab report): same cells, same output types, same text/plain, Plotly JSON (the data block in a chart's HTML) and whether a static image is present; ids, timings and HTML element ids
are ignored. Usage: compare_outputs.py <nbconvert-dir> <report-dir>. Prints 'N passed, N failed'."""
import json, os, re, sys
def key(o):
    t = o["output_type"]
    if t == "stream": return (t, o["name"], "".join(o["text"]) if isinstance(o["text"], list) else o["text"])
    if t == "error": return (t, o["ename"], o["evalue"])
    d = o.get("data", {})
    text = d.get("text/plain", ""); text = "".join(text) if isinstance(text, list) else text
    return (t, text, json.dumps(figure(d), sort_keys=True) if figure(d) else None, "image/png" in d)
def figure(d):
    """The figure JSON of a chart output: the data block in its HTML (or a vnd.plotly entry)."""
    if "application/vnd.plotly.v1+json" in d: return d["application/vnd.plotly.v1+json"]
    html = d.get("text/html", ""); html = "".join(html) if isinstance(html, list) else html
    m = re.search(r'<script type="application/vnd\.plotly\.v1\+json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None
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
