#!/usr/bin/env bash
# The starter against the peers a user would pick instead, in one run, scenario by scenario interleaved:
# plain SseEmitter (Tomcat) and the starter in BenchServer, WebFlux with a multicast sink (Netty), and
# better-sse on Node (installed from npm here), all behind the same small HTTP contract, driven by the
# same LoadDriver. usage: bench/peers.sh [java-binary]
# writes bench/results-peers.md and the generated peers section of BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
rm -f sse-bench/target/sse-bench-*.jar sse-bench-webflux/target/sse-bench-webflux-*.jar  # a repackaged jar is not rebuilt when only a dependency changed
mvn -B -q -pl sse-bench,sse-bench-webflux -am package -DskipTests
(cd bench/peers/better-sse && npm install --no-audit --no-fund --loglevel=error >/dev/null)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
S=$(free_port); W=$(free_port); N=$(free_port)
"$JAVA" -Xms2g -Xmx2g -jar sse-bench/target/sse-bench-0.1.0-SNAPSHOT.jar \
  --server.address=127.0.0.1 --server.port="$S" --server.tomcat.max-connections=15000 --server.tomcat.accept-count=2000 \
  --sse.executor.max-concurrency=10000 --sse.keep-alive-interval=0 --logging.level.root=WARN >"$WORK/starter.log" 2>&1 &
PIDS+=($!)
"$JAVA" -Xms2g -Xmx2g -jar sse-bench-webflux/target/sse-bench-webflux-0.1.0-SNAPSHOT.jar \
  --server.address=127.0.0.1 --server.port="$W" --logging.level.root=WARN >"$WORK/webflux.log" 2>&1 &
PIDS+=($!)
node bench/peers/better-sse/server.mjs "$N" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
for port in "$S" "$W" "$N"; do
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/bench/state"; then break; fi
    sleep 0.5
  done
  curl -s -o /dev/null "http://127.0.0.1:$port/bench/state" || { echo "a server on port $port did not start (logs in $WORK)"; cat "$WORK"/*.log; exit 1; }
done
OUT=bench/results-peers.md
FLAGS="-Xms2g -Xmx2g (each JVM); BenchServer: --server.tomcat.max-connections=15000 --server.tomcat.accept-count=2000 --sse.executor.max-concurrency=10000 --sse.keep-alive-interval=0"
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/peers.sh\` on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "Linux $(uname -r), $("$JAVA" -version 2>&1 | head -1), Node $(node --version),"
  echo "better-sse $(node -p 'require("./bench/peers/better-sse/node_modules/better-sse/package.json").version'). JVM flags: $FLAGS."
  echo "Three servers and the LoadDriver on loopback, on the same cores; each scenario runs against the four in turn"
  echo "before the next, so drift hits all alike."
  echo
} >"$WORK/head.md"
"$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$S" "$WORK/table.md" peers "$W,$N"
# Idle streams: each peer in a fresh server (Tomcat keeps what closed connections used), 5,000 held.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
hold() { # <name> <path> <command...>: start, measure, stop
  local name="$1" path="$2"; shift 2
  "$@" >"$WORK/$name-idle.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/bench/state"; then break; fi
    sleep 0.5
  done
  curl -s -o /dev/null "http://127.0.0.1:$PORT/bench/state" || { echo "$name did not start"; cat "$WORK/$name-idle.log"; exit 1; }
  "$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$PORT" "$WORK/$name-idle.md" hold "$path" 5000 >/dev/null \
    || echo "failed" >"$WORK/$name-idle.md"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
BENCH=("$JAVA" -Xms2g -Xmx2g -jar sse-bench/target/sse-bench-0.1.0-SNAPSHOT.jar --server.address=127.0.0.1
  --server.tomcat.max-connections=15000 --server.tomcat.accept-count=2000 --sse.keep-alive-interval=0 --logging.level.root=WARN)
PORT=$(free_port); hold plain /plain/idle "${BENCH[@]}" --server.port="$PORT"
PORT=$(free_port); hold webflux /starter/subscribe "$JAVA" -Xms2g -Xmx2g -jar sse-bench-webflux/target/sse-bench-webflux-0.1.0-SNAPSHOT.jar \
  --server.address=127.0.0.1 --server.port="$PORT" --logging.level.root=WARN
PORT=$(free_port); hold node /starter/subscribe node --expose-gc bench/peers/better-sse/server.mjs "$PORT"
PORT=$(free_port); hold starter /starter/subscribe "${BENCH[@]}" --server.port="$PORT"
PORT=$(free_port); hold lean /starter/subscribe "${BENCH[@]}" --server.port="$PORT" --sse.tomcat.lean-connections=true
echo "| idle streams, 5,000 held, each peer in a fresh server (after full GCs; better-sse: RSS is the figure) | $(cat "$WORK/plain-idle.md") | $(cat "$WORK/webflux-idle.md") | $(cat "$WORK/node-idle.md") | $(cat "$WORK/starter-idle.md"); with \`sse.tomcat.lean-connections=true\`: $(cat "$WORK/lean-idle.md") |" >>"$WORK/table.md"
if grep -q 'failed' "$WORK/table.md"; then
  cat "$WORK/table.md"; echo "a scenario failed: BENCHMARKS.md and $OUT left as they were"; exit 1
fi
cat "$WORK/head.md" "$WORK/table.md" >"$OUT"
# The same block replaces the generated section of BENCHMARKS.md (between its markers).
python3 - "$OUT" BENCHMARKS.md <<'PY'
import sys
block = open(sys.argv[1]).read().rstrip() + "\n"
doc = open(sys.argv[2]).read()
begin, end = "<!-- peers.sh:begin -->\n", "<!-- peers.sh:end -->"
start, stop = doc.index(begin) + len(begin), doc.index(end)
open(sys.argv[2], "w").write(doc[:start] + block + doc[stop:])
PY
echo "wrote $OUT and the peers section of BENCHMARKS.md"
