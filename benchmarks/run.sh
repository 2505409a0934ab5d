#!/usr/bin/env bash
# Runs every figure of README.md and writes the raw output to target/results/.
#   benchmarks/run.sh          full run (about 15 minutes)
#   benchmarks/run.sh --quick  smoke run (about 2-3 minutes; numbers are indicative only)
# Build first: mvn -B -pl benchmarks -am package -DskipTests
# On a shared machine, LOCK=/tmp/mvn.lock benchmarks/run.sh takes that lock around each step (not the whole run).
set -euo pipefail
cd "$(dirname "$0")"
JAR=${JAR:-target/benchmarks.jar}
OUT=${OUT:-target/results}
mkdir -p "$OUT"
L=()
[ -n "${LOCK:-}" ] && L=(flock "$LOCK")
[ -f "$JAR" ] || { echo "missing $JAR: run mvn -B -pl benchmarks -am package -DskipTests first" >&2; exit 1; }

if [ "${1:-}" = "--quick" ]; then
  HOT=(-f 1 -wi 1 -i 1 -w 1s -r 1s)
  FRESH=(-f 1 -wi 0 -i 1 -r 3s)
  COLD=(-f 1 -wi 3 -i 10)
  LOAD=(-Dquick)
  BRIDGE=(-f 1 -wi 2 -i 3 -w 1s -r 1s)
else
  HOT=()
  FRESH=()
  COLD=()
  LOAD=()
  BRIDGE=()
fi

# 1. Hot path at 1 and 2 threads, with allocation per operation.
for t in 1 2; do
  "${L[@]}" java -jar "$JAR" 'HotPathBenchmark' "${HOT[@]}" -t "$t" -prof gc -rf json -rff "$OUT/hotpath-t$t.json" \
    | tee "$OUT/hotpath-t$t.txt"
done
# 2. Freshness.
"${L[@]}" java -jar "$JAR" 'FreshnessBenchmark' "${FRESH[@]}" -rf json -rff "$OUT/freshness.json" | tee "$OUT/freshness.txt"
# 4 and 5. Cold start with 10 and 5,000 instances.
"${L[@]}" java -jar "$JAR" 'ColdStartBenchmark' "${COLD[@]}" -rf json -rff "$OUT/coldstart.json" | tee "$OUT/coldstart.txt"
# 3. Load on Consul.
"${L[@]}" java "${LOAD[@]}" -Dsun.net.httpserver.nodelay=true -cp "$JAR" dev.discovery.benchmarks.ConsulLoad \
  2>"$OUT/load.log" | tee "$OUT/load.txt"
# 6. Mesos bridge: one pass with 10,000 tasks over 100 agents, steady state (zero writes is checked).
"${L[@]}" java -jar "$JAR" 'BridgePassBenchmark' "${BRIDGE[@]}" -rf json -rff "$OUT/bridgepass.json" \
  | tee "$OUT/bridgepass.txt"
