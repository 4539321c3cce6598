#!/usr/bin/env bash
# Scale-out figures: several release tack-server processes on ONE PostgreSQL database.
#  - cross-instance fan-out: writers on relay A, the other clients on relay B (every measured
#    delivery crosses relays through the commit NOTIFY);
#  - throughput with 1, 2 and 3 relays, writers dealt round-robin over them.
#
#   bash bench/scale-out.sh          # DURATION=10 by default; OUT=dir keeps the results;
#                                    # ONLY=prefix runs only the scenarios named so;
#                                    # RELAY_ARGS adds tack-server flags
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
DURATION="${DURATION:-10}"
OUT="${OUT:-$(mktemp -d /tmp/tack-scale.XXXXXX)}"
DB="tack_scale_$$"
mkdir -p "$OUT"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

cargo build --release -p sync-server -p tack-bench --bin tack-server --bin tack-loadgen
BIN="$CARGO_TARGET_DIR/release"

PIDS=()
ADDRS=()
stop_relays() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    ADDRS=()
}
cleanup() {
    stop_relays
    dropdb -h 127.0.0.1 -U postgres --if-exists --force "$DB" || true
}
trap cleanup EXIT

# start_relays NAME COUNT: fresh database, COUNT relays on it; sets ADDRS.
start_relays() {
    local name=$1 count=$2
    dropdb -h 127.0.0.1 -U postgres --if-exists --force "$DB" || true
    createdb -h 127.0.0.1 -U postgres "$DB"
    for i in $(seq 1 "$count"); do
        local log="$OUT/$name.relay$i"
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=warn \
            "$BIN/tack-server" --listen 127.0.0.1:0 --insecure-allow-anonymous \
            --updates-per-second 0 ${RELAY_ARGS:-} >"$log.out" 2>"$log.err" &
        PIDS+=($!)
        local addr=""
        for _ in $(seq 1 100); do
            addr=$(awk '/^listening on /{print $3}' "$log.out" 2>/dev/null || true)
            [[ -n "$addr" ]] && break
            sleep 0.1
        done
        [[ -n "$addr" ]] || { cat "$log.err"; echo "relay $i did not start" >&2; exit 1; }
        ADDRS+=("$addr")
    done
}

# scenario NAME RELAYS loadgen-args...
scenario() {
    local name=$1 relays=$2
    shift 2
    [[ -n "${ONLY:-}" && $name != $ONLY* ]] && return 0
    start_relays "$name" "$relays"
    local urls=(--url "ws://${ADDRS[0]}/sync")
    for addr in "${ADDRS[@]:1}"; do urls+=(--also-url "ws://$addr/sync"); done
    echo "== $name ($relays relays on one PostgreSQL): tack-loadgen $*"
    local status=0
    timeout $((DURATION + 120)) "$BIN/tack-loadgen" "${urls[@]}" "$@" \
        --duration "$DURATION" --json >"$OUT/$name.json" || status=$?
    local i=1
    for addr in "${ADDRS[@]}"; do
        curl -fsS "http://$addr/metrics" >"$OUT/$name.relay$i.metrics" || true
        i=$((i + 1))
    done
    stop_relays
    python3 - "$OUT/$name.json" "$OUT"/"$name".relay*.metrics <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d, a = r["delivery_latency"], r["ack_latency"]
print(f"  sent {r['sent']} ({r['sent_per_s']:.0f}/s)  acked {r['acked']} ({r['acked_in_window_per_s']:.0f}/s while sending)  all_delivered={r['all_delivered']}  errors={len(r['errors'])}")
if d["count"]:
    print(f"  delivery ms p50 {d['p50_ms']:.3f} p95 {d['p95_ms']:.3f} p99 {d['p99_ms']:.3f} max {d['max_ms']:.3f}  ({r['delivered']}/{r['expected_deliveries']}, {r['deliveries_per_s']:.0f}/s)")
if a["count"]:
    print(f"  ack ms      p50 {a['p50_ms']:.3f} p95 {a['p95_ms']:.3f} p99 {a['p99_ms']:.3f} max {a['max_ms']:.3f}")
for path in sys.argv[2:]:
    s = {}
    for line in open(path):
        if line.startswith("#") or " " not in line:
            continue
        k, v = line.rsplit(" ", 1)
        s[k] = float(v)
    lag_n = s.get("tack_relay_cluster_notify_lag_seconds_count", 0)
    lag = s.get("tack_relay_cluster_notify_lag_seconds_sum", 0) / lag_n * 1000 if lag_n else 0
    batch_n = s.get("tack_relay_commit_batch_updates_count", 0)
    batch = s.get("tack_relay_commit_batch_updates_sum", 0) / batch_n if batch_n else 0
    print(f"  {path.rsplit('.', 2)[-2]}: committed {s.get('tack_relay_commit_batch_updates_sum', 0):.0f} ({batch:.1f}/commit), rows from others {s.get('tack_relay_cluster_rows_received_total', 0):.0f}, notify lag mean {lag:.3f} ms, catch-ups {s.get('tack_relay_cluster_catch_ups_total', 0):.0f}")
for e in r["errors"][:3]:
    print("  error:", e)
PY
    [[ $status -eq 0 ]] || echo "  (tack-loadgen exited $status)"
}

scenario fanout-cross-100c 2 --scenario fanout --clients 100 --writers 5 --rate 50 --spread readers
scenario fanout-same-100c 1 --scenario fanout --clients 100 --writers 5 --rate 50
for n in 1 2 3; do
    scenario "throughput-${n}relays" "$n" --scenario throughput --writers 20 --boards 20 --window 64 --spread all
done
scenario "throughput-shared-boards-3relays" 3 --scenario throughput --writers 21 --boards 7 --window 64 --spread all
echo "results in $OUT"
