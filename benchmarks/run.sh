#!/usr/bin/env bash
# Runs every figure of README.md and writes the raw output to target/results/.
#   benchmarks/run.sh             full run (about 10 minutes on 2 cores)
#   benchmarks/run.sh --quick     smoke run, under 2 minutes; numbers are indicative only (also: -Dquick)
#   benchmarks/run.sh --stork-5m  freshness of Stork with its default 5-minute refresh (about 40 minutes)
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

MODE=full
case "${1:-}" in
  --quick|-Dquick) MODE=quick ;;
  --stork-5m) MODE=stork-5m ;;
  "") ;;
  *) echo "usage: $0 [--quick|--stork-5m]" >&2; exit 2 ;;
esac

if [ "$MODE" = stork-5m ]; then
  # Each sample waits up to one 5-minute period; 40 minutes give about 8 samples.
  "${L[@]}" java -jar "$JAR" 'FreshnessBenchmark.stork' -p refresh=5M -wi 0 -i 1 -r 40m -rf json \
    -rff "$OUT/freshness-stork-5m.json" | tee "$OUT/freshness-stork-5m.txt"
  exit 0
fi

if [ "$MODE" = quick ]; then
  # In-process (no fork), one short iteration each: checks that every benchmark runs, in under 2 minutes.
  J=(java -Dquick -jar "$JAR")
  HOT=(-w 300ms -r 300ms)
  FRESH=(-wi 0 -r 1500ms)
  COLD=(-i 3)
  SCALE=(-w 300ms -r 500ms)
  DNS=(-w 300ms -r 300ms)
  MEM=(-Dquick)
  LOAD=(-Dquick)
  BRIDGE=(-w 300ms -r 500ms)
else
  J=(java -jar "$JAR")
  HOT=(-wi 2 -i 3 -w 1s -r 2s)
  FRESH=(-wi 1 -i 2 -w 3s -r 10s)
  COLD=(-wi 5 -i 20)
  SCALE=(-wi 2 -i 3 -w 2s -r 2s)
  DNS=(-wi 2 -i 3 -w 1s -r 2s)
  MEM=()
  LOAD=()
  BRIDGE=(-wi 2 -i 3 -w 1s -r 2s)
fi

# 1. Hot path at 1 and 2 threads, with allocation per operation.
for t in 1 2; do
  "${L[@]}" "${J[@]}" 'HotPathBenchmark' "${HOT[@]}" -t "$t" -prof gc -rf json -rff "$OUT/hotpath-t$t.json" \
    | tee "$OUT/hotpath-t$t.txt"
done
# 2. Freshness (Stork with a 1 s refresh; its 5-minute default: --stork-5m).
"${L[@]}" "${J[@]}" 'FreshnessBenchmark' "${FRESH[@]}" -rf json -rff "$OUT/freshness.json" | tee "$OUT/freshness.txt"
# 4. Cold start with 10 and 5,000 instances (connection set-up, fetch, parse, first pick).
"${L[@]}" "${J[@]}" 'ColdStartBenchmark' "${COLD[@]}" -rf json -rff "$OUT/coldstart.json" | tee "$OUT/coldstart.txt"
# 5. Scale: parse and apply 5,000 instances (time, allocation), then retained bytes per instance.
"${L[@]}" "${J[@]}" 'ScaleBenchmark' "${SCALE[@]}" -prof gc -rf json -rff "$OUT/scale.json" | tee "$OUT/scale.txt"
"${L[@]}" java "${MEM[@]}" -XX:+UseSerialGC -Xmx1g -cp "$JAR" dev.discovery.benchmarks.ScaleMemory \
  2>"$OUT/scale-memory.log" | tee "$OUT/scale-memory.txt"
# 6. DNS: cached, uncached, raw dnsjava.
"${L[@]}" "${J[@]}" 'DnsBenchmark' "${DNS[@]}" -rf json -rff "$OUT/dns.json" | tee "$OUT/dns.txt"
# 8. DNS refresh through dnsmasq (needs dnsmasq-base): UDP first with TCP retry, SRV over TCP, all TCP.
"${L[@]}" "${J[@]}" 'DnsForwarderBenchmark' "${DNS[@]}" -prof gc -rf json -rff "$OUT/dns-forwarder.json" \
  | tee "$OUT/dns-forwarder.txt"
# 3. Load on Consul.
"${L[@]}" java "${LOAD[@]}" -Dsun.net.httpserver.nodelay=true -cp "$JAR" dev.discovery.benchmarks.ConsulLoad \
  2>"$OUT/load.log" | tee "$OUT/load.txt"
# 7. Mesos bridge: one pass with 10,000 tasks over 100 agents, steady state (zero writes is checked).
"${L[@]}" "${J[@]}" 'BridgePassBenchmark' "${BRIDGE[@]}" -rf json -rff "$OUT/bridgepass.json" \
  | tee "$OUT/bridgepass.txt"
echo "# run.sh ($MODE): ${SECONDS} s"
