#!/usr/bin/env bash
# JMH microbenchmarks of the encoder: events/s and bytes allocated per event, for string and
# object data. usage: bench/encoder.sh [java-binary]     writes bench/results-encoder.md
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
rm -f sse-bench/target/sse-bench-*.jar sse-bench-webflux/target/sse-bench-webflux-*.jar  # a repackaged jar is not rebuilt when only a dependency changed
mvn -B -q -pl sse-bench -am package -DskipTests
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mvn -B -q -pl sse-bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
CP="sse-bench/target/classes:$(cat "$WORK/classpath.txt")"
"$JAVA" -cp "$CP" org.openjdk.jmh.Main dev.sse.bench.jmh.EncoderBenchmark -prof gc -rf json -rff "$WORK/jmh.json" \
  >"$WORK/jmh.log" 2>&1 || { tail -40 "$WORK/jmh.log"; exit 1; }
if grep -q "<failure>" "$WORK/jmh.log"; then grep -A10 "<failure>" "$WORK/jmh.log"; exit 1; fi
OUT=bench/results-encoder.md
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $("$JAVA" -version 2>&1 | head -1); JMH 1.37, 1 fork,"
  echo "3 x 1 s warm-up, 5 x 1 s measured, one thread; \`-prof gc\` for allocation. One event per operation."
  echo
  python3 - "$WORK/jmh.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print("| case | events/s (± 99.9 %) | bytes allocated per event |")
print("|---|---|---|")
for r in rows:
    name = r["benchmark"].rsplit(".", 1)[1]
    score, err = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]
    alloc = r["secondaryMetrics"].get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    print(f"| `{name}` | {score:,.0f} (± {err:,.0f}) | {alloc:,.0f} |")
PY
} >"$OUT"
echo "wrote $OUT"
