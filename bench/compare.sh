#!/usr/bin/env bash
# Side by side, in one run: Tack's relay, Hocuspocus 3 and 4, and the y-websocket server, driven
# by the same tack-loadgen scenarios on loopback. Peers are installed from npm into $PEERS_DIR
# (versions: bench/peers/versions.txt) and run with their documented defaults and no persistence
# extension; Tack runs as shipped, committing every update to PostgreSQL (a fresh database),
# with `--updates-per-second 0` (no per-connection rate limit: the generator sets the pace).
# With two or more cores the server is pinned to core 0 and the load generator to core 1.
# Server CPU per delivered update comes from /proc/PID/stat (utime+stime over the run); RSS
# per idle connection from /proc/PID/status (VmRSS after − before opening them).
#
# Scenarios (which servers run each: `applies` below):
#   fanout-100, fanout-1000      N clients on one board, 5 writers at 50 edits/s in total
#   ack-1k, ack-5k, ack-20k      durable ack latency, 50 writers on 50 boards (Tack, PostgreSQL)
#   throughput                   20 writers × 64 unacknowledged updates: durable updates/s
#   capacity-50k, capacity-100k  idle authenticated, synced sockets from 10 source addresses
#                                (any capacity-Nk works: N thousand sockets)
#   boards                       10,000 boards over 5,000 multiplexed sockets
#   storm                        5,000 synced clients, server restarted: time until all resynced
#
#   bash bench/compare.sh    # everything; writes the BENCHMARKS.md tables and benchmarks/*.svg
#   SERVERS="tack y-websocket" SCENARIOS="fanout-100" DURATION=5 WRITE=0 bash bench/compare.sh
#   TACK_SERVER=/path/to/older/tack-server SERVERS=tack WRITE=0 bash bench/compare.sh
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}"
PEERS_DIR="${PEERS_DIR:-/var/tmp/tack-peers}"
DURATION="${DURATION:-20}"
SERVERS="${SERVERS:-tack hocuspocus3 hocuspocus4 y-websocket}"
SCENARIOS="${SCENARIOS:-fanout-100 fanout-1000 ack-1k ack-5k ack-20k throughput capacity-50k capacity-100k boards storm}"
WRITE="${WRITE:-1}"
PLOTS="${PLOTS:-$ROOT/benchmarks}"
OUT="${OUT:-$(mktemp -d /tmp/tack-compare.XXXXXX)}"
DB="tack_compare_$$"
mkdir -p "$OUT" "$PEERS_DIR"
# 100,000 sockets on each side of loopback: raise the descriptor limit (root may raise the hard
# limit too, unless a container withholds CAP_SYS_RESOURCE: then the hard limit caps capacity,
# and the table says so); 10 source addresses each have the whole ephemeral port range.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

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
# Another relay binary (e.g. a build of an older commit, for before/after figures).
TACK_SERVER="${TACK_SERVER:-$BIN/tack-server}"

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

# start_server NAME [PORT]: sets SERVER_PID, PORT, URL (what tack-loadgen dials) and FRAMING.
# Tack's database is created fresh unless KEEP_DB=1 (the storm restarts onto the same data).
start_server() {
    local name=$1 log="$OUT/$1"
    PORT=${2:-$(free_port)}
    case $name in
        tack)
            if [[ ${KEEP_DB:-0} != 1 ]]; then
                dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
                createdb -h 127.0.0.1 -U postgres "$DB"
            fi
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" TACK_LOG=warn \
                "${SERVER_CPU[@]}" "$TACK_SERVER" --listen "127.0.0.1:$PORT" \
                --insecure-allow-anonymous --updates-per-second 0 >>"$log.out" 2>>"$log.err" &
            SERVER_PID=$! FRAMING=mux ;;
        hocuspocus3 | hocuspocus4)
            PEER_DIR="$PEERS_DIR/$name" PORT=$PORT "${SERVER_CPU[@]}" \
                node bench/peers/hocuspocus.cjs >>"$log.out" 2>>"$log.err" &
            SERVER_PID=$! FRAMING=mux ;;
        y-websocket)
            HOST=127.0.0.1 PORT=$PORT "${SERVER_CPU[@]}" \
                node "$PEERS_DIR/y-websocket/node_modules/@y/websocket-server/src/server.js" \
                >>"$log.out" 2>>"$log.err" &
            SERVER_PID=$! FRAMING=yws ;;
        *) echo "unknown server $name" >&2; exit 1 ;;
    esac
    local up=0
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then up=1; break; fi
        sleep 0.1
    done
    [[ $up == 1 ]] || { cat "$log.err" >&2; echo "$name did not start" >&2; exit 1; }
    # Hocuspocus serves every path; the y-websocket server (and tack-loadgen's yws framing)
    # appends the board to the path.
    URL="ws://127.0.0.1:$PORT/sync"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

# scenario_args NAME: the tack-loadgen arguments for one scenario.
scenario_args() {
    local d="--duration $DURATION"
    case $1 in
        fanout-100) echo "--scenario fanout --clients 100 --writers 5 --rate 50 $d" ;;
        fanout-1000) echo "--scenario fanout --clients 1000 --writers 5 --rate 50 $d" ;;
        ack-1k) echo "--scenario ack --writers 50 --boards 50 --rate 1000 $d" ;;
        ack-5k) echo "--scenario ack --writers 50 --boards 50 --rate 5000 $d" ;;
        ack-20k) echo "--scenario ack --writers 50 --boards 50 --rate 20000 $d" ;;
        throughput) echo "--scenario throughput --writers 20 --boards 20 --window 64 $d" ;;
        capacity-*k) echo "--scenario capacity --clients ${1//[!0-9]/}000 --boards 100 --sources 10" ;;
        boards) echo "--scenario boards --clients 5000 --boards 10000 --sources 2" ;;
        storm) echo "--scenario storm --clients 5000 --boards 100 --sources 2" ;;
        *) echo "unknown scenario $1" >&2; exit 1 ;;
    esac
}

# applies SCENARIO SERVER: whether that server runs that scenario.
applies() {
    case $1 in
        ack-* | throughput) [[ $2 == tack ]] ;; # the peers have no durable acknowledgement
        boards) [[ $2 != y-websocket ]] ;;      # one board per y-websocket socket
        capacity-100k) [[ $2 == tack ]] ;;      # Tack's target; every server runs 50k
        *) true ;;
    esac
}

TICKS=$(getconf CLK_TCK)
ROWS="$OUT/rows.jsonl"
: >"$ROWS"
for scenario in $SCENARIOS; do
    for server in $SERVERS; do
        applies "$scenario" "$server" || continue
        start_server "$server"
        echo "== $scenario on $server ($URL, $FRAMING)"
        report="$OUT/$scenario.$server.json"
        errors="$OUT/$scenario.$server.loadgen.err"
        read -r -a args <<<"$(scenario_args "$scenario")"
        before=$(cpu_ticks "$SERVER_PID")
        status=0
        if [[ $scenario == storm ]]; then
            ready="$OUT/$scenario.$server.ready"
            rm -f "$ready"
            timeout 900 "${LOADGEN_CPU[@]}" "$BIN/tack-loadgen" --url "$URL" --framing "$FRAMING" \
                "${args[@]}" --ready-file "$ready" --json >"$report" 2>"$errors" &
            loadgen=$!
            for _ in $(seq 1 6000); do
                [[ -f $ready ]] && break
                kill -0 "$loadgen" 2>/dev/null || break
                sleep 0.1
            done
            if [[ -f $ready ]]; then
                port=$PORT
                stop_server
                KEEP_DB=1 start_server "$server" "$port"
                before=$(cpu_ticks "$SERVER_PID")
            fi
            wait "$loadgen" || status=$?
        else
            timeout $((DURATION + 900)) "${LOADGEN_CPU[@]}" "$BIN/tack-loadgen" --url "$URL" \
                --framing "$FRAMING" "${args[@]}" --server-pid "$SERVER_PID" --json \
                >"$report" 2>"$errors" || status=$?
        fi
        after=$(cpu_ticks "$SERVER_PID")
        rss=$(peak_rss_kb "$SERVER_PID")
        stop_server
        python3 -c 'import json, sys; print(json.dumps(dict(zip(
            ["scenario", "server", "report", "ticks", "hz", "peak_rss_kb", "status", "args"],
            sys.argv[1:]))))' "$scenario" "$server" "$report" "$((after - before))" "$TICKS" \
            "$rss" "$status" "${args[*]}" >>"$ROWS"
    done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE="$OUT/compare.md"
python3 bench/compare-report.py "$ROWS" "$OUT/plots.tsv" \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$DURATION" "$LOAD_BEFORE" "$LOAD_AFTER" \
    "$(grep -v '^#' bench/peers/versions.txt | awk '{$1=$1; print}' | paste -sd';' | sed 's/;/; /g')" \
    "$(ulimit -n)" >"$TABLE"
"$BIN/tack-plot" "$OUT/plots.tsv" "$OUT/plots" >/dev/null
cat "$TABLE"
if [[ $WRITE == 1 ]]; then
    mkdir -p "$PLOTS"
    cp "$OUT"/plots/*.svg "$PLOTS"/
    python3 - "$ROOT/BENCHMARKS.md" "$TABLE" "$(realpath --relative-to="$ROOT" "$PLOTS")" <<'PY'
import os, sys
path, table, plots = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
svgs = sorted(f for f in os.listdir(os.path.join(os.path.dirname(path), plots)) if f.endswith(".svg"))
table += "\n" + "\n".join(f"![{f[:-4]}]({plots}/{f})" for f in svgs) + "\n"
text = open(path).read()
begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + begin + "\n" + table + end + rest.split(end, 1)[1]
else:
    text += "\n## Relay side by side (`bench/compare.sh`)\n\n" + begin + "\n" + table + end + "\n"
open(path, "w").write(text)
PY
    echo "BENCHMARKS.md and $PLOTS updated"
fi
echo "results in $OUT"
