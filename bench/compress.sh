#!/usr/bin/env bash
# permessage-deflate benchmarks (issue #11), recorded in bench/RESULTS.md:
# - memory per idle connection with compression agreed vs without
#   (IDLE_CONNS connections that opened and sent nothing; target <= 1.5x);
# - echo of 1 KiB text, 100 connections x 64 in flight: wskit echo
#   --compress against Node ws (perMessageDeflate, threshold 0: every reply
#   compressed), and wskit echo without compression; server CPU per echo.
# The load (wskit bench --compress) sends its messages compressed and inflates
# every reply: what is measured is the servers inflating, compressing and
# echoing each message. Pinning, medians
# and CPU accounting as in bench/run.sh.
#
#   bench/compress.sh            (BUILD, REPS, SECS, IDLE_CONNS to change it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
IDLE_CONNS=${IDLE_CONNS:-10000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

cmake --build "$BUILD" -j2 --target wskit_cli >&2
NODE_PEER=$ROOT/tests/e2e/peers/node_deflate.cjs
export NODE_PATH=$BUILD/npm/node_modules
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source "$ROOT/bench/lib.sh"
scratch compress
measured_copies


# flood COMMAND...: "echoes/s cpu_us_per_echo" for 100 x 64 x 1 KiB text, compressed.
flood() {
  start_server "$@"
  local out
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench --json --compress -c 100 -w 64 --size 1k -d "$SECS" --server-pid "$SERVER_PID" \
          "$SERVER_URL")
  stop_server
  log "    $*: $(json "d['per_second']" <<<"$out") echoes/s"
  echo "$(json "d['per_second']" <<<"$out") $(json "d['server']['cpu_us_per_message']" <<<"$out")"
}

log "== memory per idle connection ($IDLE_CONNS, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  idle_rss "$WSKIT" echo 0 -- >>"$TMP/idle.plain"
  idle_rss "$WSKIT" echo --compress 0 -- --compress >>"$TMP/idle.deflate"
done
plain=$(median <"$TMP/idle.plain")
deflate=$(median <"$TMP/idle.deflate")

log "== echo, 100 connections x 64 in flight, 1 KiB text (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  flood "$WSKIT" echo --compress 0 >>"$TMP/flood.wskit"
  flood node "$NODE_PEER" server >>"$TMP/flood.node"
  flood "$WSKIT" echo 0 >>"$TMP/flood.plain"
done

printf '| measure | value |\n|---|---|\n'
printf '| memory per idle connection, no compression (KiB) | %s |\n' "$plain"
printf '| memory per idle connection, compression agreed (KiB) | %s |\n' "$deflate"
printf '| ratio (target <= 1.5x) | %s |\n' "$(ratio "$deflate" "$plain" x)"
for k in wskit node plain; do
  printf '| echo/s, %s | %s |\n' "$k" "$(col 1 <"$TMP/flood.$k")"
  printf '| server CPU per echo (us), %s | %s |\n' "$k" "$(col 2 <"$TMP/flood.$k")"
done
printf '| wskit --compress / Node ws (target >= 2x) | %s |\n' \
  "$(ratio "$(col 1 <"$TMP/flood.wskit")" "$(col 1 <"$TMP/flood.node")" x)"
