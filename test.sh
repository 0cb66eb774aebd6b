#!/usr/bin/env bash
# Runs every test of the solution (README's second command). On a fresh Debian machine with the .NET 10 SDK it first
# installs, when missing, the Debian packages some tests drive for real:
#   chromium                 headless browser: chart and HTML-export rendering tests
#   redis-server             the liquidity service's state store (tests start their own on a loopback port)
#   python3-nbformat         validates the notebooks the runner writes
#   python3-jupyter-client, python3-nbclient, python3-nbconvert   real Jupyter clients that drive the kernel
#   jupyter-core, jupyter-client, jupyter-nbconvert                the `jupyter` command (`jupyter nbconvert`,
#                                                                  `jupyter kernelspec list`) the docs and CI use
#   prometheus               its promtool checks and unit-tests the liquidity service's alert rules
#   curl                     the docs test runs the documentation's curl examples against a local `liqlab serve`
# Those tests carry [Trait("Requires", "<package>")]; without the package they fail naming it.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "Requires!=chromium").
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c "import nbformat" >/dev/null 2>&1 || missing+=(python3-nbformat)
/usr/bin/python3 -c "import jupyter_client, nbclient, nbconvert" >/dev/null 2>&1 || missing+=(python3-jupyter-client python3-nbclient python3-nbconvert)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
{ command -v jupyter && command -v jupyter-nbconvert && command -v jupyter-kernelspec; } >/dev/null 2>&1 || missing+=(jupyter-core jupyter-client jupyter-nbconvert)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
dotnet test LiquidationLab.sln "$@"
