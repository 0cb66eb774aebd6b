#!/usr/bin/env bash
# Runs every shipped notebook on Microsoft's .NET Interactive Jupyter kernel (`.net-csharp`) with nbconvert, unchanged,
# and compares the outputs with the headless runner's (artifacts/report, written by `liqlab report` before this runs):
# output types, stream text, errors, figure JSON and static images must match (tests/kernel/compare_outputs.py).
#   1. the dotnet-interactive tool at the version in .config/dotnet-tools.json (a local tool: `dotnet interactive` works
#      anywhere inside the clone);
#   2. the libraries packed into artifacts/packages, which notebooks/NuGet.Config names as a feed, so each notebook's
#      first cell (`#r "nuget: LiquidationLab.Interactive, 1.0.0"`) restores them and loads the kernel extension;
#   3. the tool's kernelspec as scripts/install-dotnet-interactive-kernel.sh installs it (HTTP on loopback only, telemetry
#      off: checked below), into a temporary JUPYTER_PATH (nothing outside the clone is changed).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1
dotnet tool restore
pack_log="$(dotnet pack LiquidationLab.sln -c Release -nologo -v quiet 2>&1)" || { echo "$pack_log"; exit 1; }
# A package without a readme is a NuGet warning that -warnaserror does not catch: refuse it here.
if grep -q "is missing a readme" <<< "$pack_log"; then echo "$pack_log"; echo "dotnet pack: a package has no readme" >&2; exit 1; fi
jupyter_path="$(mktemp -d)"
trap 'rm -rf "$jupyter_path"' EXIT
mkdir -p "$jupyter_path/kernels"
scripts/install-dotnet-interactive-kernel.sh "$jupyter_path/kernels"
# What the project installs must not phone home or listen beyond loopback (the tool's own spec does both).
/usr/bin/python3 - "$jupyter_path/kernels/.net-csharp/kernel.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
assert "--http-local-only" in spec["argv"], f"{sys.argv[1]}: the kernel's HTTP port is not loopback-only: {spec['argv']}"
assert spec.get("env", {}).get("DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT") == "1", f"{sys.argv[1]}: telemetry is not opted out"
PY
out=artifacts/nbconvert-dotnet-interactive
rm -rf "$out"
JUPYTER_PATH="$jupyter_path" /usr/bin/python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=.net-csharp \
  --ExecutePreprocessor.timeout=600 --output-dir "$out" notebooks/*.ipynb
/usr/bin/python3 tests/kernel/compare_outputs.py --kernel dotnet-interactive "$out" artifacts/report
