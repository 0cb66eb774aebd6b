#!/usr/bin/env bash
# Usage: tests/stress/liquidity-beside-cpu-hogs.sh   (after dotnet build LiquidationLab.sln -c Release; needs redis-server)
# 10 runs of the liquidity service tests (Liquidity.Service.Tests + the CLI liquidity tests) beside three CPU hogs.
cd "$(dirname "$0")/../.."
for k in 1 2 3; do (while :; do :; done) & hogs+=($!); done
pass=0; fail=0
for i in $(seq 1 10); do
  if timeout 600 dotnet test tests/LiquidationLab.Liquidity.Service.Tests -c Release --no-build > ${TMPDIR:-/tmp}/hog-server-$i.log 2>&1 \
     && timeout 600 dotnet test tests/LiquidationLab.Cli.Tests -c Release --no-build --filter "FullyQualifiedName~LiquidityCommand" > ${TMPDIR:-/tmp}/hog-cli-$i.log 2>&1; then
    pass=$((pass+1)); echo "run $i: passed $(grep -h 'Passed!' ${TMPDIR:-/tmp}/hog-server-$i.log ${TMPDIR:-/tmp}/hog-cli-$i.log | sed 's/ - .*//' | tr '\n' ' ')"
  else
    fail=$((fail+1)); echo "run $i: FAILED"; grep -h "\[FAIL\]" ${TMPDIR:-/tmp}/hog-server-$i.log ${TMPDIR:-/tmp}/hog-cli-$i.log
  fi
done
kill "${hogs[@]}"
echo "runs passed $pass, failed $fail"
