#!/usr/bin/env bash
# The starter against the peers a user would pick instead, in one run, scenario by scenario interleaved:
# plain SseEmitter (Tomcat) and the starter in BenchServer, WebFlux with a multicast sink (Netty), and
# better-sse on Node (installed from npm here), all behind the same small HTTP contract, driven by the
# same LoadDriver. usage: bench/peers.sh [java-binary]     writes bench/results-peers.md
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
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
done
OUT=bench/results-peers.md
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $("$JAVA" -version 2>&1 | head -1) (2 GiB heap each), Node $(node --version),"
  echo "better-sse $(node -p 'require("./bench/peers/better-sse/node_modules/better-sse/package.json").version'); three servers and"
  echo "the LoadDriver on loopback, on the same cores. Each scenario runs against the four in turn before the next."
  echo
} >"$OUT"
"$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$S" "$WORK/table.md" peers "$W,$N"
cat "$WORK/table.md" >>"$OUT"
echo "wrote $OUT"
