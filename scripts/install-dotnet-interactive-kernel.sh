#!/usr/bin/env bash
# Installs the kernelspecs of Microsoft's .NET Interactive Jupyter kernel (`.net-csharp`, `.net-fsharp`, `.net-pwsh`) from
# the dotnet-interactive tool pinned in .config/dotnet-tools.json, changing two things in what the tool writes:
#   - the kernel's HTTP services listen on loopback only (`--http-local-only`): as the tool installs it, a running kernel
#     opens an HTTP port (2048-3000) on every network interface of the machine;
#   - the tool's telemetry is off (DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 and DOTNET_CLI_TELEMETRY_OPTOUT=1 in each
#     kernelspec's env, and for this script's own runs): dotnet-interactive sends usage data to Microsoft unless told not to.
# Usage: scripts/install-dotnet-interactive-kernel.sh [KERNELS_DIR]
#   KERNELS_DIR defaults to the user's Jupyter kernels folder ($JUPYTER_DATA_DIR/kernels, else ~/.local/share/jupyter/kernels).
# The kernel starts the tool with `dotnet interactive`, a local tool: it runs for notebooks inside this clone.
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1
root="$(cd "$(dirname "$0")/.." && pwd)"
kernels="${1:-${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels}"
mkdir -p "$kernels"
(cd "$root" && dotnet tool restore > /dev/null)
(cd "$root/notebooks" && dotnet interactive jupyter install --path "$kernels" > /dev/null)
/usr/bin/python3 - "$kernels" <<'PY'
import json, os, sys
kernels = sys.argv[1]
patched = 0
for name in (".net-csharp", ".net-fsharp", ".net-pwsh", ".net-powershell"):
    path = os.path.join(kernels, name, "kernel.json")
    if not os.path.exists(path):
        continue
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    if "--http-local-only" not in spec["argv"]:
        spec["argv"].append("--http-local-only")
    env = spec.setdefault("env", {})
    env["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1"
    env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    patched += 1
if patched == 0:
    sys.exit(f"no .NET Interactive kernelspec found under {kernels}: did 'dotnet interactive jupyter install' change its layout?")
print(f"Installed the .NET Interactive kernelspecs in {kernels} (HTTP on loopback only, telemetry off).")
PY
