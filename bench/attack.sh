#!/usr/bin/env bash
# Issue 15's attacks against one or two relay binaries, back to back in one run: for each, the
# relay's RSS (VmRSS every 50 ms, and VmHWM) before, at the peak and at the end of each attack,
# and an honest editor's durable-ack latency (send → SyncStatus) during it, as a markdown table.
# Each binary gets its own PostgreSQL database, migrated by an owner role, with the relay
# logged in as a role that is a member of `tack_relay` (README, "PostgreSQL roles"); each
# attack runs on a freshly started relay (see bench/src/attack.rs for what each one sends).
#
#   bash bench/attack.sh BEFORE_BIN [AFTER_BIN]
#   STORE=sqlite bash bench/attack.sh /var/tmp/tack-relay-before
#   ATTACK_ARGS="--attacks logins,slowloris --slowloris-secs 10" bash bench/attack.sh BIN
#   bash bench/attack.sh BIN -- --hold-secs 2          # arguments after -- go to tack-attack
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/tack-ci-target}"
STORE="${STORE:-postgres}"
OUT="${OUT:-$(mktemp -d /tmp/tack-attack.XXXXXX)}"
mkdir -p "$OUT"
BINARIES=()
while [[ $# -gt 0 && $1 != -- ]]; do BINARIES+=("$(realpath "$1")"); shift; done
[[ ${1:-} == -- ]] && shift
[[ ${#BINARIES[@]} -ge 1 ]] || { echo "usage: $0 BEFORE_BIN [AFTER_BIN] [-- tack-attack args]" >&2; exit 2; }
# 300 slowloris sockets and 20 Auth sockets on each side of loopback.
ulimit -n 4096 2>/dev/null || true

cargo build --release --locked -q -p tack-bench --bin tack-attack
ATTACK="$CARGO_TARGET_DIR/release/tack-attack"

n=0
for binary in "${BINARIES[@]}"; do
    n=$((n + 1))
    label="relay $n: $binary"
    [[ ${#BINARIES[@]} == 2 ]] && label="$([[ $n == 1 ]] && echo before || echo after): $binary"
    echo "== $label (uptime: $(uptime))" >&2
    # shellcheck disable=SC2086
    "$ATTACK" "$binary" --store "$STORE" --label "$label" --scratch "$OUT/relay-$n" \
        ${ATTACK_ARGS:-} "$@" >"$OUT/table-$n.md"
done
for i in $(seq 1 "$n"); do
    cat "$OUT/table-$i.md"
    echo
done
echo "tables and relay logs in $OUT" >&2
