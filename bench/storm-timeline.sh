#!/usr/bin/env bash
# The reconnect storm with its timeline: 5,000 synced clients (tack-loadgen --scenario storm),
# then SIGTERM to the relay, how long it takes to exit, how long the restarted relay takes to
# serve, and when every client is synced again. Relay on core 0, generator on core 1.
#
#   bash bench/storm-timeline.sh RELAY_BINARY
set -uo pipefail
BIN=$1
LOADGEN="${CARGO_TARGET_DIR:-/work/target-bench}/release/tack-loadgen"
DB=tack_storm_$$
OUT=$(mktemp -d /tmp/tack-storm.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
createdb -h 127.0.0.1 -U postgres "$DB"
ulimit -n 20000 2>/dev/null || true
ts() { date +%s.%N; }
start() {
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=info,sqlx=warn taskset -c 0 \
        "$BIN" --listen "127.0.0.1:$PORT" --insecure-allow-anonymous --updates-per-second 0 \
        >>"$OUT/relay.out" 2>>"$OUT/relay.err" &
    PID=$!
}
served() { grep -c " listening " "$OUT/relay.err"; }
start
until [[ $(served) -ge 1 ]]; do sleep 0.05; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 "$LOADGEN" --url "ws://127.0.0.1:$PORT/sync" --scenario storm --clients 5000 \
    --boards 100 --sources 2 --ready-file "$OUT/ready" --json >"$OUT/storm.json" 2>"$OUT/loadgen.err" &
LG=$!
until [[ -f $OUT/ready ]]; do sleep 0.05; done
T0=$(ts); kill -TERM "$PID"
while kill -0 "$PID" 2>/dev/null; do sleep 0.01; done
T1=$(ts)
start
until [[ $(served) -ge 2 ]]; do sleep 0.01; done
T2=$(ts)
wait "$LG"
python3 -c "
import json, sys
t0, t1, t2 = map(float, sys.argv[1:4]); r = json.load(open(sys.argv[4]))
print(f'SIGTERM -> exit {t1 - t0:.2f} s; exit -> serving again {t2 - t1:.2f} s; '
      f'first close -> all resynced {r[\"storm_seconds\"]:.2f} s; {r[\"reconnect_attempts\"]} attempts')" \
    "$T0" "$T1" "$T2" "$OUT/storm.json"
kill -TERM "$PID"; wait "$PID"
dropdb -h 127.0.0.1 -U postgres "$DB"
