#!/usr/bin/env bash
# Topics across instances: two BenchServers on one Redis against two on a three-master Redis Cluster,
# the same scenarios in one run (LoadDriver mode "redis"), and how the cluster spread the work over its
# masters (INFO commandstats of each, before and after).
# usage: bench/redis.sh [java-binary]     writes bench/results-redis.md
# Redis: redis-server on the PATH, else the binary the embedded-redis artifact ships (from Maven Central).
# The cluster is made without redis-cli: CLUSTER ADDSLOTS and MEET sent over /dev/tcp.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${1:-java}"
rm -f sse-bench/target/sse-bench-*.jar  # the repackaged jar is not rebuilt when only a dependency changed
mvn -B -q -pl sse-bench -am package -DskipTests
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

# A port p with p + 10000 free too (a cluster node's bus).
free_port() {
  python3 -c '
import random, socket
while True:
    p = random.randint(20000, 40000)
    try:
        for q in (p, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass'
}
# One command as a RESP array; prints the reply.
redis_cmd() {
  local port=$1; shift
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  { printf '*%d\r\n' "$#"; for a in "$@"; do printf '$%d\r\n%s\r\n' "${#a}" "$a"; done; } >&3
  timeout 2 cat <&3 || true
  exec 3<&- 3>&-
}
start_redis() { # port, extra args...
  local port=$1; shift
  mkdir -p "$WORK/redis-$port"
  "$REDIS_BIN" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis-$port" "$@" \
    >"$WORK/redis-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do redis_cmd "$port" PING 2>/dev/null | grep -q PONG && return; sleep 0.1; done
  echo "redis on $port did not start"; exit 1
}

SINGLE=$(free_port)
start_redis "$SINGLE"
MASTERS=()
for i in 0 1 2; do
  p=$(free_port)
  start_redis "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 2000
  MASTERS+=("$p")
done
for i in 0 1 2; do
  from=$(( i * 16384 / 3 )); to=$(( (i + 1) * 16384 / 3 - 1 ))
  redis_cmd "${MASTERS[$i]}" CLUSTER ADDSLOTS $(seq "$from" "$to") >/dev/null
done
for p in "${MASTERS[@]:1}"; do redis_cmd "$p" CLUSTER MEET 127.0.0.1 "${MASTERS[0]}" >/dev/null; done
for _ in $(seq 1 100); do
  ok=0; for p in "${MASTERS[@]}"; do redis_cmd "$p" CLUSTER INFO | grep -q "cluster_state:ok" && ok=$((ok+1)); done
  [ "$ok" = 3 ] && break; sleep 0.2
done
[ "$ok" = 3 ] || { echo "the cluster did not form"; exit 1; }
NODES="127.0.0.1:${MASTERS[0]},127.0.0.1:${MASTERS[1]},127.0.0.1:${MASTERS[2]}"

start() { # port, extra args...
  local port=$1; shift
  "$JAVA" -Xms1g -Xmx1g -jar sse-bench/target/sse-bench-0.1.0-SNAPSHOT.jar \
    --server.address=127.0.0.1 --server.port="$port" --sse.keep-alive-interval=0 --logging.level.root=WARN \
    --sse.broker.type=redis --sse.topics.history.size=20000 --sse.topics.history.max-bytes=512MB "$@" \
    >"$WORK/server-$port.log" 2>&1 &
  PIDS+=($!)
}
A=$(free_port); B=$(free_port); C=$(free_port); D=$(free_port)
start "$A" --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$SINGLE"
start "$B" --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$SINGLE"
start "$C" --spring.data.redis.cluster.nodes="$NODES"
start "$D" --spring.data.redis.cluster.nodes="$NODES"
for port in "$A" "$B" "$C" "$D"; do
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/bench/state"; then break; fi
    sleep 0.5
  done
  # Until the broker takes publications (its readers synced with Redis).
  for _ in $(seq 1 120); do
    if curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/starter/publish-many?n=1&threads=1"; then break; fi
    sleep 0.5
  done
done
stats() { # port: "<scripts> <xread> <xrange> <script usec> <xadd>" from INFO commandstats
  redis_cmd "$1" INFO commandstats | tr -d '\r' | awk -F'[=:,]' '
    /^cmdstat_(evalsha|eval):/ { s += $3; u += $5 } /^cmdstat_xread:/ { r = $3 } /^cmdstat_xrange:/ { g = $3 }
    /^cmdstat_xadd:/ { x = $3 }
    END { printf "%d %d %d %d %d", s, r, g, u, x }'
}
BEFORE=(); for p in "${MASTERS[@]}"; do BEFORE+=("$(stats "$p")"); done
read -r _ _ _ U0 X0 <<<"$(stats "$SINGLE")"

OUT=bench/results-redis.md
"$JAVA" -cp sse-bench/target/classes dev.sse.bench.LoadDriver "$A" "$WORK/table.md" redis "$A,$B" "$C,$D"
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), $("$REDIS_BIN" --version | cut -d' ' -f1-3),"
  echo "four BenchServers (1 GiB heap each), four redis-server processes and the LoadDriver on loopback, all on the same cores."
  echo
  cat "$WORK/table.md"
  echo
  read -r _ _ _ U1 X1 <<<"$(stats "$SINGLE")"
  # Each publication adds two stream entries (its topic's and the feed's).
  PER=$(( (U1 - U0) * 2 / (X1 - X0 > 0 ? X1 - X0 : 1) ))
  echo "The single Redis spent ${PER} µs inside scripts per publication over the run (\`INFO commandstats\`: the time"
  echo "of every script, publish and the resume rows' replay pages, over half the XADD calls); by that measure one Redis"
  echo "thread runs out near $(( 1000000 / (PER > 0 ? PER : 1) )) publications/s."
  echo
  echo "How the cluster spread the run over its masters (\`INFO commandstats\`, calls during the run):"
  echo
  echo "| master | slots | scripts (EVALSHA/EVAL) | XREAD | XRANGE |"
  echo "|---|---|---|---|---|"
  for i in 0 1 2; do
    read -r s0 x0 r0 _ _ <<<"${BEFORE[$i]}"; read -r s1 x1 r1 _ _ <<<"$(stats "${MASTERS[$i]}")"
    echo "| ${MASTERS[$i]} | $(( i * 16384 / 3 ))-$(( (i + 1) * 16384 / 3 - 1 )) | $((s1 - s0)) | $((x1 - x0)) | $((r1 - r0)) |"
  done
} >"$OUT"
cat "$OUT"
echo "wrote $OUT"
