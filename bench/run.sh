#!/usr/bin/env bash
# Side-by-side load test: the starter against a plain SseEmitter, in one server, in one run.
# usage: bench/run.sh [java-binary]      (default: java on the PATH)
# Builds sse-bench, starts BenchServer on a free loopback port, drives it with LoadDriver from a
# second process, writes bench/results-java<N>.md, and stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
rm -f sse-bench/target/sse-bench-*.jar sse-bench-webflux/target/sse-bench-webflux-*.jar  # a repackaged jar is not rebuilt when only a dependency changed
mvn -B -q -pl sse-bench -am package -DskipTests
FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG="$(mktemp)"
"$JAVA" -Xms4g -Xmx4g -jar sse-bench/target/sse-bench-0.1.0-SNAPSHOT.jar \
  --server.address=127.0.0.1 --server.port="$PORT" --server.tomcat.max-connections=15000 --server.tomcat.accept-count=2000 \
  --sse.executor.max-concurrency=10000 --sse.keep-alive-interval=0 --logging.level.root=WARN >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/bench/state"; then break; fi
  sleep 0.5
done
OUT="bench/results-java$FEATURE.md"
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), server heap 4 GiB,"
  echo "BenchServer and LoadDriver in two processes on loopback. Plain producers run on a thread per stream"
  echo "(virtual on 21+), starter streams are async."
  echo
} >"$OUT.tmp"
"$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$PORT" "$OUT.table"
cat "$OUT.tmp" "$OUT.table" >"$OUT"
rm -f "$OUT.tmp" "$OUT.table"
echo "wrote $OUT"
