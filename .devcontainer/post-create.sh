#!/usr/bin/env bash
# Onboarding: Jupyter clients from the distribution, the build, the C# (LiquidationLab) kernel, and the repository's
# real-data snapshot (data/real) loaded into data/lab.duckdb. Runs as the container's non-root user (sudo for apt) and
# as-is on a plain Debian/Ubuntu machine with the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
pkgs=()
/usr/bin/python3 -c "import jupyter_client, nbclient, nbconvert, nbformat" >/dev/null 2>&1 || pkgs+=(python3-jupyter-client python3-nbclient python3-nbconvert python3-nbformat)
command -v jupyter-console >/dev/null 2>&1 || pkgs+=(jupyter-console)
command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
if [ ${#pkgs[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
dotnet build src/LiquidationLab.Cli -c Release -v quiet -nologo
dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- kernel install --user
dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- data ingest data/real | tail -1
echo "Ready: open notebooks/*.ipynb in VS Code and pick the kernel 'C# (LiquidationLab)'; 'dotnet run --project src/LiquidationLab.Cli -- report' runs them all."
