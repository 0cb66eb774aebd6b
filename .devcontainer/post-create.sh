#!/usr/bin/env bash
# Onboarding: Jupyter from Debian, build, the C# (LiquidationLab) kernel, and a first ingest when data is present.
# Runs as-is in the dev container and on a plain Debian machine with the .NET 10 SDK (tested on the latter).
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
dotnet build LiquidationLab.sln -v quiet -nologo
dotnet run --project src/LiquidationLab.Cli --no-build -- kernel install --user
if [ -d ../shared/data/real ] || [ -d data/real ]; then
  dotnet run --project src/LiquidationLab.Cli --no-build -- data ingest "$( [ -d data/real ] && echo data/real || echo ../shared/data/real )" | tail -1
fi
echo "Ready: open notebooks/*.ipynb in VS Code and pick the kernel 'C# (LiquidationLab)'."
