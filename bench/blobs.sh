#!/usr/bin/env bash
# Attachments through a relay binary over loopback (DESIGN §4 "Blobs"): a SIZE_MB file (100 by
# default) uploaded with PUT and downloaded with GET by curl, each timed, and the relay's RSS
# (VmRSS) before, after and at its peak (VmHWM), on an embedded SQLite relay with the default
# directory blob store (STORE=postgres|s3 are not wired here yet).
#
#   bash bench/blobs.sh [RELAY_BIN]        # default: target/debug/tack-server
#   SIZE_MB=20 bash bench/blobs.sh target/release/tack-server
#   CONCURRENT=100 CONCURRENT_MB=10 (defaults; CONCURRENT=0 skips the concurrent part)
set -euo pipefail

cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-/var/tmp/tack-ci-target}/debug/tack-server}"
SIZE_MB="${SIZE_MB:-100}"
OUT="$(mktemp -d /tmp/tack-blobs.XXXXXX)"
trap 'kill "$RELAY" 2>/dev/null || true; rm -rf "$OUT"' EXIT

"$BIN" --listen 127.0.0.1:0 --sqlite-path "$OUT/relay.sqlite3" \
    --blob-max-bytes $((SIZE_MB * 1024 * 1024 + 1)) >"$OUT/relay.out" 2>"$OUT/relay.err" &
RELAY=$!
for _ in $(seq 1 200); do grep -q "listening on" "$OUT/relay.out" 2>/dev/null && break; sleep 0.05; done
ADDR="$(sed -n 's/^listening on //p' "$OUT/relay.out")"
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$RELAY/status"; }

TOKEN="$(curl -sf -X POST "http://$ADDR/v1/signup" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')"
BOARD="0192f000-0000-7000-8000-0000000be7c4"
curl -sf -X PUT "http://$ADDR/v1/boards/$BOARD" -H "Authorization: Bearer $TOKEN" >/dev/null

head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$OUT/file"
SHA="$(sha256sum "$OUT/file" | cut -d' ' -f1)"
BEFORE="$(rss VmRSS)"
UP="$(curl -sf -o /dev/null -w '%{time_total} %{http_code}' -X PUT --data-binary "@$OUT/file" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/octet-stream' \
    "http://$ADDR/v1/boards/$BOARD/blobs/$SHA")"
AFTER_UP="$(rss VmRSS)"
DOWN="$(curl -sf -o "$OUT/back" -w '%{time_total} %{http_code}' \
    -H "Authorization: Bearer $TOKEN" "http://$ADDR/v1/boards/$BOARD/blobs/$SHA")"
AFTER="$(rss VmRSS)"
PEAK="$(rss VmHWM)"
cmp -s "$OUT/file" "$OUT/back" || { echo "downloaded bytes differ" >&2; exit 1; }
mbps() { awk -v s="$1" -v mb="$SIZE_MB" 'BEGIN { printf "%.0f", mb * 1.048576 / s }'; }
set -- $UP; UP_S=$1; UP_CODE=$2
set -- $DOWN; DOWN_S=$1
echo "| file | upload | download | relay RSS before → after upload → after download (peak) |"
echo "|---|---|---|---|"
echo "| ${SIZE_MB} MiB | ${UP_S} s, $(mbps "$UP_S") MB/s (HTTP $UP_CODE) | ${DOWN_S} s, $(mbps "$DOWN_S") MB/s | $((BEFORE / 1024)) → $((AFTER_UP / 1024)) → $((AFTER / 1024)) MiB ($((PEAK / 1024)) MiB) |"

# CONCURRENT uploads of CONCURRENT_MB MiB each at once (100 × 10 MiB by default) to the same
# board; the relay's RSS before and after, and its peak over the whole run.
CONCURRENT="${CONCURRENT:-100}"
CONCURRENT_MB="${CONCURRENT_MB:-10}"
if [ "$CONCURRENT" -gt 0 ]; then
    BEFORE="$(rss VmRSS)"
    for i in $(seq 1 "$CONCURRENT"); do
        head -c $((CONCURRENT_MB * 1024 * 1024)) /dev/urandom >"$OUT/c$i"
        sha256sum "$OUT/c$i" | cut -d' ' -f1 >"$OUT/c$i.sha"
    done
    # Throttled to CONCURRENT_RATE each (curl --limit-rate, default 2M), so all of them are
    # in flight at once rather than finishing one after another on loopback.
    RATE="${CONCURRENT_RATE:-2M}"
    START="$(date +%s.%N)"
    pids=()
    for i in $(seq 1 "$CONCURRENT"); do
        SHA_I="$(cat "$OUT/c$i.sha")"
        curl --limit-rate "$RATE" -sf -o /dev/null -X PUT --data-binary "@$OUT/c$i" \
            -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/octet-stream' \
            "http://$ADDR/v1/boards/$BOARD/blobs/$SHA_I" &
        pids+=("$!")
    done
    # The relay's RSS while all are in flight (sampled every 0.2 s).
    MID=0
    while kill -0 "${pids[0]}" 2>/dev/null; do
        NOW="$(rss VmRSS)"; [ "$NOW" -gt "$MID" ] && MID="$NOW"; sleep 0.2
    done
    failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
    END="$(date +%s.%N)"
    AFTER="$(rss VmRSS)"
    echo
    echo "| concurrent uploads | wall time | failed | relay RSS before → highest while in flight → after (VmHWM) |"
    echo "|---|---|---|---|"
    echo "| ${CONCURRENT} × ${CONCURRENT_MB} MiB at ${RATE}/s each | $(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.2f", b - a }') s | $failed | $((BEFORE / 1024)) → $((MID / 1024)) → $((AFTER / 1024)) MiB ($(( $(rss VmHWM) / 1024 )) MiB) |"
fi
