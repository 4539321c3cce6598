#!/usr/bin/env bash
# Side by side, in one run: Tack's relay, Hocuspocus 3 and 4, and the y-websocket server, driven
# by the same tack-loadgen scenarios on loopback. Peers are installed from npm into $PEERS_DIR
# (versions: bench/peers/versions.txt) and run with their documented defaults and no persistence
# extension; Tack runs as shipped, committing every update to PostgreSQL (a fresh database).
# With two or more cores the server is pinned to core 0 and the load generator to core 1.
# Server CPU per delivered update comes from /proc/PID/stat (utime+stime over the run).
#
#   bash bench/compare.sh                    # DURATION=20 s per scenario
#   SERVERS="tack y-websocket" SCENARIOS="fanout-100" DURATION=5 bash bench/compare.sh
#   WRITE=1 bash bench/compare.sh            # also replace the table in BENCHMARKS.md
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
PEERS_DIR="${PEERS_DIR:-/var/tmp/tack-peers}"
DURATION="${DURATION:-20}"
SERVERS="${SERVERS:-tack hocuspocus3 hocuspocus4 y-websocket}"
SCENARIOS="${SCENARIOS:-fanout-100 fanout-1000}"
OUT="${OUT:-$(mktemp -d /tmp/tack-compare.XXXXXX)}"
DB="tack_compare_$$"
mkdir -p "$OUT" "$PEERS_DIR"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

SERVER_CPU=() LOADGEN_CPU=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
    SERVER_CPU=(taskset -c 0) LOADGEN_CPU=(taskset -c 1)
fi

# Peers: one folder each, so Hocuspocus 3 and 4 do not share node_modules.
while read -r name packages; do
    [[ -z $name || $name == \#* ]] && continue
    [[ " $SERVERS " == *" $name "* ]] || continue
    dir="$PEERS_DIR/$name"
    stamp="$dir/.installed"
    if [[ ! -f $stamp || $(cat "$stamp") != "$packages" ]]; then
        echo "== installing $name: $packages"
        mkdir -p "$dir"
        [[ -f $dir/package.json ]] || echo '{"name":"tack-peer","private":true}' >"$dir/package.json"
        # shellcheck disable=SC2086
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --save-exact $packages
        echo "$packages" >"$stamp"
    fi
done <bench/peers/versions.txt

cargo build --release --locked -q -p sync-server -p tack-bench
BIN="$CARGO_TARGET_DIR/release"

SERVER_PID=""
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    dropdb -h 127.0.0.1 -U postgres --if-exists "$DB" 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME: sets SERVER_PID, URL (what tack-loadgen dials) and FRAMING.
start_server() {
    local name=$1 log="$OUT/$1"
    local addr=""
    case $name in
        tack)
            dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
            createdb -h 127.0.0.1 -U postgres "$DB"
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=warn \
                "${SERVER_CPU[@]}" "$BIN/tack-server" --listen 127.0.0.1:0 \
                --insecure-allow-anonymous >"$log.out" 2>"$log.err" &
            SERVER_PID=$! FRAMING=mux ;;
        hocuspocus3 | hocuspocus4)
            PEER_DIR="$PEERS_DIR/$name" "${SERVER_CPU[@]}" node bench/peers/hocuspocus.cjs \
                >"$log.out" 2>"$log.err" &
            SERVER_PID=$! FRAMING=mux ;;
        y-websocket)
            local port
            port=$(free_port)
            HOST=127.0.0.1 PORT=$port "${SERVER_CPU[@]}" \
                node "$PEERS_DIR/y-websocket/node_modules/@y/websocket-server/src/server.js" \
                >"$log.out" 2>"$log.err" &
            SERVER_PID=$! FRAMING=yws
            addr="127.0.0.1:$port" ;;
        *) echo "unknown server $name" >&2; exit 1 ;;
    esac
    # Ready when the address is known and accepts a TCP connection.
    for _ in $(seq 1 100); do
        [[ -n $addr ]] || addr=$(awk '/^listening on /{print $3}' "$log.out" 2>/dev/null || true)
        if [[ -n $addr ]] && (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    [[ -n $addr ]] || { cat "$log.err" >&2; echo "$name did not start" >&2; exit 1; }
    # Hocuspocus serves every path; the y-websocket server (and tack-loadgen's yws framing)
    # appends the board to the path.
    URL="ws://$addr/sync"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

# scenario NAME: the tack-loadgen arguments for one scenario.
scenario_args() {
    case $1 in
        fanout-100) echo "--scenario fanout --clients 100 --writers 5 --rate 50" ;;
        fanout-1000) echo "--scenario fanout --clients 1000 --writers 5 --rate 50" ;;
        *) echo "unknown scenario $1" >&2; exit 1 ;;
    esac
}

TICKS=$(getconf CLK_TCK)
ROWS="$OUT/rows.tsv"
: >"$ROWS"
for scenario in $SCENARIOS; do
    for server in $SERVERS; do
        start_server "$server"
        echo "== $scenario on $server ($URL, $FRAMING)"
        before=$(cpu_ticks "$SERVER_PID")
        status=0
        # shellcheck disable=SC2046
        timeout $((DURATION + 180)) "${LOADGEN_CPU[@]}" "$BIN/tack-loadgen" --url "$URL" \
            --framing "$FRAMING" $(scenario_args "$scenario") --duration "$DURATION" --json \
            >"$OUT/$scenario.$server.json" 2>"$OUT/$scenario.$server.loadgen.err" || status=$?
        after=$(cpu_ticks "$SERVER_PID")
        rss=$(peak_rss_kb "$SERVER_PID")
        stop_server
        python3 - "$OUT/$scenario.$server.json" "$scenario" "$server" "$((after - before))" \
            "$TICKS" "$rss" "$status" >>"$ROWS" <<'PY'
import json, sys
path, scenario, server, ticks, hz, rss, status = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception as error:  # a crashed run still gets a row
    print("\t".join([scenario, server, "-", "-", "-", "-", "-", "-", "-", f"no report ({error})"]))
    sys.exit(0)
d = r["delivery_latency"]
cpu_us = int(ticks) / int(hz) * 1e6 / r["delivered"] if r["delivered"] else float("nan")
note = "" if r["all_delivered"] and not r["errors"] else f"{len(r['errors'])} errors; exit {status}"
print("\t".join([scenario, server, f"{r['delivered']}/{r['expected_deliveries']}",
    f"{r['deliveries_per_s']:.0f}", f"{d['p50_ms']:.2f}", f"{d['p95_ms']:.2f}",
    f"{d['p99_ms']:.2f}", f"{d['max_ms']:.2f}", f"{cpu_us:.1f}", f"{int(rss)/1024:.0f}", note]))
PY
        tail -1 "$ROWS"
    done
done

TABLE="$OUT/compare.md"
{
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, ${DURATION} s per scenario:"
    echo "\`DURATION=$DURATION bash bench/compare.sh\`. Peers: $(grep -v '^#' bench/peers/versions.txt | awk '{$1=$1; print}' | paste -sd';' | sed 's/;/; /g')."
    echo
    echo "| scenario | server | delivered | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | server CPU µs/delivery | server peak RSS MB | notes |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11}' "$ROWS"
} >"$TABLE"
cat "$TABLE"
if [[ ${WRITE:-0} == 1 ]]; then
    python3 - "$ROOT/BENCHMARKS.md" "$TABLE" <<'PY'
import sys
path, table = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + begin + "\n" + table + end + rest.split(end, 1)[1]
else:
    text += "\n## Relay side by side (`bench/compare.sh`)\n\n" + begin + "\n" + table + end + "\n"
open(path, "w").write(text)
PY
    echo "BENCHMARKS.md updated"
fi
echo "results in $OUT"
