#!/usr/bin/env bash
# Onboarding: Jupyter clients from the distribution, the build, the C# (LiquidationLab) kernel, the repository's
# real-data snapshot (data/real) loaded into data/lab.duckdb, and the packages the .NET Interactive kernel loads. Runs as the container's non-root user (sudo for apt) and
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
# For Microsoft's .NET Interactive kernel (Polyglot Notebooks, `.net-csharp`): the libraries as packages in
# artifacts/packages (notebooks/NuGet.Config names that feed) and the dotnet-interactive tool pinned in .config.
dotnet pack LiquidationLab.sln -c Release -v quiet -nologo
dotnet tool restore > /dev/null
echo "Ready: open notebooks/*.ipynb in VS Code and pick the kernel 'C# (LiquidationLab)' (or Polyglot Notebooks' .NET kernel); 'dotnet run --project src/LiquidationLab.Cli -- report' runs them all."
