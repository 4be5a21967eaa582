#!/usr/bin/env bash
# Topics across instances: 1,000 subscribers spread over two BenchServers on one Redis, beside the same
# load on one in-memory BenchServer, measured by the same LoadDriver in the same run.
# usage: bench/redis.sh [java-binary]     writes bench/results-redis.md
# Redis: redis-server on the PATH, else the binary the embedded-redis artifact ships (from Maven Central).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
mvn -B -q -pl sse-bench -am package -DskipTests
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

REDIS_BIN="$(command -v redis-server || true)"
if [ -z "$REDIS_BIN" ]; then
  JAR="$HOME/.m2/repository/com/github/codemonstur/embedded-redis/1.4.3/embedded-redis-1.4.3.jar"
  [ -f "$JAR" ] || mvn -B -q dependency:get -Dartifact=com.github.codemonstur:embedded-redis:1.4.3
  (cd "$WORK" && unzip -q -o "$JAR" 'redis-server-6.2.6-v5-linux-amd64')
  REDIS_BIN="$WORK/redis-server-6.2.6-v5-linux-amd64"
  chmod +x "$REDIS_BIN"
fi
REDIS_PORT=$(free_port)
"$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

start() { # port, extra args...
  local port=$1; shift
  "$JAVA" -Xms1g -Xmx1g -jar sse-bench/target/sse-bench-0.1.0-SNAPSHOT.jar \
    --server.address=127.0.0.1 --server.port="$port" --sse.keep-alive-interval=0 --logging.level.root=WARN \
    --spring.data.redis.port="$REDIS_PORT" --spring.data.redis.host=127.0.0.1 "$@" >"$WORK/server-$port.log" 2>&1 &
  PIDS+=($!)
}
MEM=$(free_port); A=$(free_port); B=$(free_port)
start "$MEM"
start "$A" --sse.broker.type=redis
start "$B" --sse.broker.type=redis
for port in "$MEM" "$A" "$B"; do
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/bench/state"; then break; fi
    sleep 0.5
  done
done
OUT=bench/results-redis.md
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), $("$REDIS_BIN" --version | cut -d' ' -f1-3),"
  echo "three BenchServers (1 GiB heap each) and the LoadDriver on loopback, all on the same cores."
  echo
} >"$OUT"
"$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$MEM" "$WORK/table.md" cross "$A,$B"
cat "$WORK/table.md" >>"$OUT"
echo "wrote $OUT"
