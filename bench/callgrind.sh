#!/usr/bin/env bash
# Relay instruction counts (valgrind callgrind) over a fixed, bounded fan-out: N clients on one
# board, 5 writers at RATE edits/s for DURATION s, PostgreSQL storage. Instruction counts barely
# move with machine load, unlike wall-clock latency, so before/after comparisons of the relay's
# hot path use them. Handshakes are included (same in every run); the kernel's share of each
# write is not (see compare.sh's CPU µs per delivery for that).
#
#   bash bench/callgrind.sh [SERVER_BINARY]     # default: the release tack-server
#   CLIENTS=100 RATE=20 DURATION=20 OUT=dir bash bench/callgrind.sh
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
SERVER="${1:-$CARGO_TARGET_DIR/release/tack-server}"
LOADGEN="$CARGO_TARGET_DIR/release/tack-loadgen"
CLIENTS="${CLIENTS:-100}"
RATE="${RATE:-20}"
DURATION="${DURATION:-20}"
OUT="${OUT:-$(mktemp -d /tmp/tack-callgrind.XXXXXX)}"
DB="tack_callgrind_$$"
mkdir -p "$OUT"
[[ -x $LOADGEN ]] || cargo build --release --locked -q -p tack-bench

PID=""
cleanup() {
    if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
    dropdb -h 127.0.0.1 -U postgres --if-exists "$DB" 2>/dev/null || true
}
trap cleanup EXIT
createdb -h 127.0.0.1 -U postgres "$DB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$SERVER" \
    --listen "127.0.0.1:$PORT" --insecure-allow-anonymous --updates-per-second 0 \
    >"$OUT/server.out" 2>"$OUT/valgrind.err" &
PID=$!
for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
status=0
timeout 600 "$LOADGEN" --url "ws://127.0.0.1:$PORT/sync" --scenario fanout --clients "$CLIENTS" \
    --writers 5 --rate "$RATE" --duration "$DURATION" --json >"$OUT/report.json" || status=$?
kill -TERM "$PID"
wait "$PID" || true
PID=""
callgrind_annotate "$OUT/callgrind.out" >"$OUT/annotate.txt" 2>/dev/null || true
python3 - "$OUT/callgrind.out" "$OUT/report.json" "$status" <<'PY'
import json, sys
total = None
for line in open(sys.argv[1]):
    if line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
r = json.load(open(sys.argv[2]))
delivered = r["delivered"]
print(f"clients {r['clients']}, sent {r['sent']}, delivered {delivered}/{r['expected_deliveries']}, "
      f"all delivered {r['all_delivered']} (loadgen exit {sys.argv[3]})")
print(f"relay instructions (Ir): {total:,}")
if delivered:
    print(f"Ir per delivery (whole run, handshakes included): {total / delivered:,.0f}")
PY
echo "callgrind output in $OUT (annotate.txt: functions by Ir)"
