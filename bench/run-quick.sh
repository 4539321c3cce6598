#!/usr/bin/env bash
# Quick relay figures: fan-out latency, durable ack latency and group-commit throughput.
# Starts a release tack-server on 127.0.0.1:0 per scenario (PostgreSQL in a fresh database
# tack_bench_$$, dropped at exit; SQLite in a temp dir for comparison), runs tack-loadgen,
# saves the relay's /metrics after each scenario, and stops the relay with SIGTERM.
#
#   bash bench/run-quick.sh            # DURATION=20 by default; OUT=dir keeps the results
#   TACK_SERVER=/path/to/tack-server ONLY=fanout bash bench/run-quick.sh
#                                      # another relay binary; only scenarios whose name matches
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
DURATION="${DURATION:-20}"
OUT="${OUT:-$(mktemp -d /tmp/tack-bench.XXXXXX)}"
PGHOST_ADDR=127.0.0.1
DB="tack_bench_$$"
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

cargo build --release -p sync-server -p tack-bench
BIN="$CARGO_TARGET_DIR/release"
SERVER="${TACK_SERVER:-$BIN/tack-server}"
ONLY="${ONLY:-}"

RELAY_PID=""
stop_relay() {
    if [[ -n "$RELAY_PID" ]] && kill -0 "$RELAY_PID" 2>/dev/null; then
        kill -TERM "$RELAY_PID"
        for _ in $(seq 1 100); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$RELAY_PID" 2>/dev/null && kill -KILL "$RELAY_PID"
        wait "$RELAY_PID" 2>/dev/null || true
    fi
    RELAY_PID=""
}
cleanup() {
    stop_relay
    dropdb -h "$PGHOST_ADDR" -U postgres --if-exists "$DB" || true
}
trap cleanup EXIT

createdb -h "$PGHOST_ADDR" -U postgres "$DB"

# start_relay NAME postgres|sqlite: sets ADDR and RELAY_PID.
start_relay() {
    local name=$1 storage=$2
    local log="$OUT/$name.relay"
    if [[ $storage == postgres ]]; then
        DATABASE_URL="postgres://postgres@$PGHOST_ADDR:5432/$DB" TACK_LOG=warn \
            "$SERVER" --listen 127.0.0.1:0 --insecure-allow-anonymous --updates-per-second 0 \
            >"$log.out" 2>"$log.err" &
    else
        TACK_LOG=warn "$SERVER" --listen 127.0.0.1:0 --insecure-allow-anonymous --updates-per-second 0 \
            --sqlite-path "$OUT/$name.sqlite3" >"$log.out" 2>"$log.err" &
    fi
    RELAY_PID=$!
    ADDR=""
    for _ in $(seq 1 100); do
        ADDR=$(awk '/^listening on /{print $3}' "$log.out" 2>/dev/null || true)
        [[ -n "$ADDR" ]] && break
        sleep 0.1
    done
    [[ -n "$ADDR" ]] || { cat "$log.err"; echo "relay did not start" >&2; exit 1; }
}

# scenario NAME STORAGE loadgen-args...
scenario() {
    local name=$1 storage=$2
    shift 2
    [[ -z "$ONLY" || "$name" == *"$ONLY"* ]] || return 0
    start_relay "$name" "$storage"
    echo "== $name ($storage, relay $ADDR): tack-loadgen $*"
    local status=0
    timeout $((DURATION + 120)) "$BIN/tack-loadgen" --url "ws://$ADDR/sync" "$@" \
        --duration "$DURATION" --json >"$OUT/$name.json" || status=$?
    curl -fsS "http://$ADDR/metrics" >"$OUT/$name.metrics" || true
    stop_relay
    python3 - "$OUT/$name.json" "$OUT/$name.metrics" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d, a = r["delivery_latency"], r["ack_latency"]
print(f"  sent {r['sent']} ({r['sent_per_s']:.0f}/s)  acked {r['acked']} ({r['acked_in_window_per_s']:.0f}/s while sending)  all_delivered={r['all_delivered']}  errors={len(r['errors'])}")
if d["count"]:
    print(f"  delivery ms p50 {d['p50_ms']:.3f} p95 {d['p95_ms']:.3f} p99 {d['p99_ms']:.3f} max {d['max_ms']:.3f}  ({r['delivered']}/{r['expected_deliveries']}, {r['deliveries_per_s']:.0f}/s)")
if a["count"]:
    print(f"  ack ms      p50 {a['p50_ms']:.3f} p95 {a['p95_ms']:.3f} p99 {a['p99_ms']:.3f} max {a['max_ms']:.3f}")
sums = {}
for line in open(sys.argv[2]):
    for key in ("fanout_seconds", "ack_seconds", "commit_batch_updates"):
        for part in ("_sum", "_count"):
            if line.startswith(f"tack_relay_{key}{part} "):
                sums[key + part] = float(line.split()[1])
for key in ("fanout_seconds", "ack_seconds", "commit_batch_updates"):
    n = sums.get(key + "_count", 0)
    if n:
        mean = sums[key + "_sum"] / n
        shown = f"{mean*1000:.3f} ms" if key.endswith("seconds") else f"{mean:.1f}"
        print(f"  relay /metrics {key}: mean {shown} over {n:.0f}")
for e in r["errors"][:3]:
    print("  error:", e)
PY
    [[ $status -eq 0 ]] || echo "  (tack-loadgen exited $status)"
}

scenario fanout-100c-50eps postgres --scenario fanout --clients 100 --writers 5 --rate 50
scenario fanout-1000c-50eps postgres --scenario fanout --clients 1000 --writers 5 --rate 50
scenario ack-1000ups postgres --scenario ack --writers 20 --boards 20 --rate 1000
scenario throughput-postgres postgres --scenario throughput --writers 20 --boards 20 --window 64
scenario throughput-sqlite sqlite --scenario throughput --writers 20 --boards 20 --window 64
echo "results in $OUT"
