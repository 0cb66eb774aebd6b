#!/usr/bin/env bash
# Onboarding: Debian packages (Jupyter clients and the jupyter command, Chromium for the charts' static images and the
# browser tests, Redis), the build in Release, the C# (LiquidationLab) kernel, the repository's real-data snapshot
# (data/real) loaded into data/lab.duckdb, and what Microsoft's .NET Interactive kernel needs (the libraries packed, the
# pinned tool, its kernelspec with HTTP on loopback only and telemetry off). Runs as the container's non-root user (sudo
# for apt) and as-is on a plain Debian machine with the .NET 10 SDK: CI runs it on every submission (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
pkgs=()
/usr/bin/python3 -c "import jupyter_client, nbclient, nbconvert, nbformat" >/dev/null 2>&1 || pkgs+=(python3-jupyter-client python3-nbclient python3-nbconvert python3-nbformat)
{ command -v jupyter && command -v jupyter-nbconvert && command -v jupyter-kernelspec; } >/dev/null 2>&1 || pkgs+=(jupyter-core jupyter-client jupyter-nbconvert)
command -v jupyter-console >/dev/null 2>&1 || pkgs+=(jupyter-console)
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || pkgs+=(redis-server)
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "post-create: installing Debian packages: ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
dotnet build src/LiquidationLab.Cli -c Release -v quiet -nologo
dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- kernel install --user
dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- data ingest data/real | tail -1
# For Microsoft's .NET Interactive kernel (Polyglot Notebooks, `.net-csharp`): the libraries as packages in
# artifacts/packages (notebooks/NuGet.Config names that feed), the dotnet-interactive tool pinned in .config, its kernelspec.
dotnet pack LiquidationLab.sln -c Release -v quiet -nologo
scripts/install-dotnet-interactive-kernel.sh
cat <<'MSG'
Ready. Built in Release and installed:
  dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- report     # every notebook, headless, into artifacts/report
  dotnet run --project src/LiquidationLab.Cli -c Release --no-build -- serve      # the API and page on http://127.0.0.1:5080 (forwarded)
  ./test.sh                                                                        # every test
Notebooks: open notebooks/*.ipynb in VS Code and pick the kernel 'C# (LiquidationLab)' (or '.NET (C#)', Polyglot Notebooks).
MSG
