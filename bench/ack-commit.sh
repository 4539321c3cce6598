#!/usr/bin/env bash
# Durable-ack scenario against one relay binary, then the relay's own commit figures from
# /metrics (commits, updates per commit, time in commits, ack time), beside the generator's ack
# latency. Relay on core 0, generator on core 1, fresh PostgreSQL database, loopback only.
#
#   bash bench/ack-commit.sh RELAY_BINARY [RATE] [extra relay args]     # RATE default 5000
set -euo pipefail
BIN=$1 RATE=${2:-5000}
shift $(($# >= 2 ? 2 : 1))
LOADGEN="${CARGO_TARGET_DIR:-/work/target-bench}/release/tack-loadgen"
DB=tack_ack_commit_$$
OUT=$(mktemp -d /tmp/tack-ack-commit.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
createdb -h 127.0.0.1 -U postgres "$DB"
trap 'kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"' EXIT
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=warn taskset -c 0 "$BIN" \
    --listen "127.0.0.1:$PORT" --insecure-allow-anonymous --updates-per-second 0 "$@" \
    >"$OUT/relay.out" 2>"$OUT/relay.err" &
PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 "$LOADGEN" --url "ws://127.0.0.1:$PORT/sync" --scenario ack --writers 50 --boards 50 \
    --rate "$RATE" --duration 10 --json >"$OUT/loadgen.json" 2>"$OUT/loadgen.err" || true
curl -s "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics.txt"
python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
m = {k: float(v) for k, v in re.findall(r"^(tack_relay_\w+?_(?:sum|count)) (\S+)$", open(f"{out}/metrics.txt").read(), re.M)}
commits = m.get("tack_relay_commit_seconds_count", 0)
busy = m.get("tack_relay_commit_seconds_sum", 0)
updates = m.get("tack_relay_commit_batch_updates_sum", 0)
ack = json.load(open(f"{out}/loadgen.json"))["ack_latency"]
print(f"commits {commits:.0f}, updates per commit {updates / max(commits, 1):.0f}, "
      f"mean commit {1000 * busy / max(commits, 1):.1f} ms, time in commits {busy:.2f} s; "
      f"ack p50 {ack['p50_ms']} / p99 {ack['p99_ms']} / max {ack['max_ms']} ms")
PY
