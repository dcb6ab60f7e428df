#!/usr/bin/env bash
# wskit as a WebSocket-to-TCP bridge (issue #24), recorded in bench/RESULTS.md:
# `wskit listen 0 --to tcp:127.0.0.1:ECHO` against websockify (Debian's
# package, 0.10) in front of the same TCP echo service
# (bench/peers/tcp_echo.py). Target: at least 2x websockify's MB/s for 64 KiB
# binary messages, and a lower p99.
# - The load is bench/peers/node_bridge_load.cjs (Node, ws): CONNS
#   connections, each sends one SIZE-byte binary message, waits until SIZE
#   bytes have come back and sends the next. A bridge does not keep message
#   boundaries (it sends what it reads from TCP as it comes), so the client
#   counts bytes, not messages, and compares every piece with what it sent;
#   `wskit bench` cannot measure a bridge: it takes a reply of another size
#   for "not an echo" (see RESULTS.md).
# - Measured: MB/s echoed back (MB = 10^6 bytes) and the p50 and p99 of the
#   round trips, over SECS seconds after a WARMUP; the bridge's CPU time per
#   round trip (its processes' user + system time, websockify's children
#   included); how many messages an echo came back in; the echo service's CPU
#   share, to show that it is not what limits the bridges.
# - Before measuring, one SIZE-byte and one 1 MB transfer go through each
#   bridge, and the SHA-256 of what came back must be that of what was sent.
# The bridges and the echo service share SERVER_CPU (ECHO_CPU to move the
# echo), the load runs on LOAD_CPU; each figure is the median of REPS runs,
# wskit and websockify interleaved (their order swapped every run). The run
# waits (up to QUIET_WAIT s) for the 1-minute load average to fall to
# QUIET_LOAD first, as other jobs share this machine; it logs the load
# average before every run.
#
#   bench/bridge.sh          (BUILD, REPS, SECS, WARMUP, CONNS, SIZE, SERVER_CPU,
#                             LOAD_CPU, ECHO_CPU, QUIET_LOAD, QUIET_WAIT;
#                             NO_BUILD=1 to skip the build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
WARMUP=${WARMUP:-0.5}
CONNS=${CONNS:-4}
SIZE=${SIZE:-65536}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
ECHO_CPU=${ECHO_CPU:-$SERVER_CPU}
QUIET_LOAD=${QUIET_LOAD:-0.7}
QUIET_WAIT=${QUIET_WAIT:-900}

[ "${NO_BUILD:-0}" = 1 ] || cmake --build "$BUILD" -j2 --target wskit_cli >&2
# websockify from Debian, and Node's ws (installed under the build folder, as
# scripts/test.sh does); in a subshell, as common.sh sets BUILD and log.
(
  build_dir=$BUILD
  source "$ROOT/scripts/common.sh"
  install_packages websockify
  [ -d "$build_dir/npm/node_modules/ws" ] || install_node_peers "$build_dir"
) >&2
WEBSOCKIFY=$(command -v websockify)
WEBSOCKIFY_VERSION=$(dpkg-query -W -f='${Version}' websockify 2>/dev/null || echo '?')
export NODE_PATH=$BUILD/npm/node_modules
LOAD=(node "$ROOT/bench/peers/node_bridge_load.cjs")
ECHO=(python3 "$ROOT/bench/peers/tcp_echo.py")

source "$ROOT/bench/lib.sh"
scratch bridge
measured_copies

# Waits until the 1-minute load average is at most QUIET_LOAD (QUIET_WAIT s at most).
wait_quiet() {
  local waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN {exit !(l > q)}'; do
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      log "  the machine is still busy (load $(loadavg)) after ${waited}s: measuring anyway"
      return
    fi
    log "  load $(loadavg) > $QUIET_LOAD: waiting (${waited}s so far)"
    sleep 30
    waited=$((waited + 30))
  done
}

# The echo service, for the whole run.
ECHO_PORT=$(free_port)
taskset -c "$ECHO_CPU" "${ECHO[@]}" "$ECHO_PORT" 2>"$TMP/echo.err" &
ECHO_PID=$!
PIDS+=("$ECHO_PID")
wait_for "$TMP/echo.err" "listening on"

# start_bridge KIND: sets BRIDGE_PID and BRIDGE_URL.
start_bridge() {
  local port
  case $1 in
    wskit)
      start_server "$WSKIT" listen 0 --to "tcp:127.0.0.1:$ECHO_PORT"
      BRIDGE_PID=$SERVER_PID
      BRIDGE_URL=$SERVER_URL
      ;;
    websockify)
      port=$(free_port)
      PYTHONUNBUFFERED=1 taskset -c "$SERVER_CPU" "$WEBSOCKIFY" "127.0.0.1:$port" "127.0.0.1:$ECHO_PORT" \
        >"$TMP/websockify.log" 2>&1 &
      BRIDGE_PID=$!
      PIDS+=("$BRIDGE_PID")
      wait_for "$TMP/websockify.log" "proxying from"
      BRIDGE_URL=ws://127.0.0.1:$port/
      ;;
  esac
}

# verify KIND BYTES: BYTES random bytes through the bridge and back, by SHA-256.
verify() {
  local out
  start_bridge "$1"
  out=$(taskset -c "$LOAD_CPU" "${LOAD[@]}" "$BRIDGE_URL" --verify "$2") || {
    stop_tree "$BRIDGE_PID"
    log "  $1: $2 bytes did not come back intact: $out"
    exit 1
  }
  stop_tree "$BRIDGE_PID"
  log "  $1, $2 bytes: $(json "'sent %s, received %s (%d bytes in %d messages): %s' % (d['sent_sha256'][:16], d['received_sha256'][:16], d['bytes_received'], d['messages_received'], 'same' if d['match'] else 'DIFFERENT')" <<<"$out")"
}

# run KIND: one measure. Prints "MB/s p50_us p99_us bridge_cpu_us_per_round_trip
# messages_per_round_trip echo_cpu_share client_cpu_share".
run() {
  local out bridge_before bridge_after echo_before echo_after all
  start_bridge "$1"
  bridge_before=$(tree_cpu_seconds "$BRIDGE_PID")
  echo_before=$(cpu_seconds "$ECHO_PID")
  out=$(taskset -c "$LOAD_CPU" "${LOAD[@]}" "$BRIDGE_URL" -c "$CONNS" --size "$SIZE" -d "$SECS" --warmup "$WARMUP") || {
    stop_tree "$BRIDGE_PID"
    log "  $1: the load failed: $out"
    exit 1
  }
  sleep 0.3  # websockify's children end and are reaped, their CPU time with them
  bridge_after=$(tree_cpu_seconds "$BRIDGE_PID")
  echo_after=$(cpu_seconds "$ECHO_PID")
  stop_tree "$BRIDGE_PID"
  all=$(json "d['round_trips_all']" <<<"$out")
  log "    $1: $(json "'%s MB/s, p50 %s us, p99 %s us, %s messages per echo, client %s cores' % (d['mb_per_s'], d['latency_us']['p50'], d['latency_us']['p99'], d['messages_per_round_trip'], d['client_cpu'])" <<<"$out")"
  echo "$(json "d['mb_per_s'], d['latency_us']['p50'], d['latency_us']['p99']" <<<"$out" | tr -d '(),')" \
       "$(awk -v a="$bridge_before" -v b="$bridge_after" -v n="$all" 'BEGIN {printf "%.1f", (b - a) * 1e6 / n}')" \
       "$(json "d['messages_per_round_trip']" <<<"$out")" \
       "$(awk -v a="$echo_before" -v b="$echo_after" -v s="$SECS" -v w="$WARMUP" 'BEGIN {printf "%.2f", (b - a) / (s + w)}')" \
       "$(json "d['client_cpu']" <<<"$out")"
}

log "== wskit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), websockify $WEBSOCKIFY_VERSION," \
    "$(date -u '+%Y-%m-%d %H:%M UTC'), load $(loadavg)"
log "== the bridges carry the bytes intact (SHA-256 of what was sent and of what came back)"
for kind in wskit websockify; do
  verify "$kind" "$SIZE"
  verify "$kind" 1000000
done
log "== $CONNS connections x $SIZE-byte binary round trips (${SECS}s after ${WARMUP}s, median of $REPS)"
wait_quiet
for rep in $(seq 1 "$REPS"); do
  log "  run $rep: load $(loadavg), $(ps -eo comm= | grep -cxE 'cc1plus|cc1|ld|collect2|ninja|make' || true) compiler processes on the machine"
  if [ $((rep % 2)) = 1 ]; then order=(wskit websockify); else order=(websockify wskit); fi
  for kind in "${order[@]}"; do run "$kind" >>"$TMP/$kind"; done
done
log "== done, load $(loadavg)"

W=$TMP/wskit
F=$TMP/websockify
each() { awk -v c="$1" '{printf "%s%s", (NR > 1 ? " / " : ""), $c} END {print ""}' "$2"; }
mb_ratio=$(ratio "$(col 1 "$W")" "$(col 1 "$F")")
p99_ratio=$(ratio "$(col 3 "$W")" "$(col 3 "$F")")
printf '| measure | `wskit listen --to` | websockify %s | wskit / websockify |\n|---|---:|---:|---:|\n' "$WEBSOCKIFY_VERSION"
printf '| MB/s echoed back | %s | %s | %sx |\n' "$(fmt "$(col 1 "$W")" 1)" "$(fmt "$(col 1 "$F")" 1)" "$mb_ratio"
printf '| MB/s of each run | %s | %s | |\n' "$(each 1 "$W")" "$(each 1 "$F")"
printf '| round trip p50 (us) | %s | %s | %s |\n' "$(fmt "$(col 2 "$W")")" "$(fmt "$(col 2 "$F")")" \
  "$(ratio "$(col 2 "$W")" "$(col 2 "$F")" x)"
printf '| round trip p99 (us) | %s | %s | %sx |\n' "$(fmt "$(col 3 "$W")")" "$(fmt "$(col 3 "$F")")" "$p99_ratio"
printf '| p99 of each run (us) | %s | %s | |\n' "$(each 3 "$W")" "$(each 3 "$F")"
printf '| bridge CPU per round trip (us) | %s | %s | %s |\n' "$(col 4 "$W")" "$(col 4 "$F")" \
  "$(ratio "$(col 4 "$W")" "$(col 4 "$F")" x)"
printf '| messages per echo of %s bytes | %s | %s | |\n' "$SIZE" "$(col 5 "$W")" "$(col 5 "$F")"
printf '| echo service CPU (cores) | %s | %s | |\n' "$(col 6 "$W")" "$(col 6 "$F")"
printf '| load client CPU (cores) | %s | %s | |\n' "$(col 7 "$W")" "$(col 7 "$F")"
met=$(awk -v m="$mb_ratio" -v p="$p99_ratio" 'BEGIN {if (m == "-" || p == "-") print "-"; else print (m >= 2 && p < 1) ? "met" : "not met"}')
printf '\nTarget (at least 2x the MB/s, a lower p99): %s (%sx the MB/s, %sx the p99).\n' "$met" "$mb_ratio" "$p99_ratio"
