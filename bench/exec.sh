#!/usr/bin/env bash
# wskit as a server that runs a program per connection: `wskit listen 0 --exec
# cat` against websocketd (Debian's package, 0.4.1) running the same program,
# `websocketd --port=PORT --address=127.0.0.1 cat`. Both give each client its
# own process: every text message goes to its stdin as a line, every line of
# its stdout comes back as a message, so `cat` makes an echo server of each.
# Target: at least 1.5x websocketd's messages/s, with a lower p99.
# - The load is `wskit bench` (an echo client), 32-byte text messages, in two
#   shapes: 10 connections x 16 messages in flight (-c 10 -w 16), and one
#   connection ping-pong (-c 1 -w 1); SECS seconds measured after a 0.5 s
#   warm-up. A run with errors (a reply that is not an echo, a connection
#   that failed...) or with no echo at all is logged and counts as "-".
# - Measured: echoes/s, the p99 of the round trips (microseconds), and the
#   server's CPU time per echo: user + system time of the server and of its
#   `cat` processes (those still alive are read from their own /proc/PID/stat,
#   those already reaped from the server's cutime + cstime), from after its
#   start to after the run, divided by every echo of the run, warm-up
#   included.
# Each run starts a fresh server. The servers (and so their `cat` processes)
# run on SERVER_CPU, the load on LOAD_CPU; each figure is the median of REPS
# runs, wskit and websocketd interleaved (their order swapped every run).
#
#   bench/exec.sh            (BUILD, REPS, SECS, SERVER_CPU, LOAD_CPU;
#                             NO_BUILD=1 to skip the build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

[ "${NO_BUILD:-0}" = 1 ] || cmake --build "$BUILD" -j2 --target wskit_cli >&2
# websocketd from Debian; in a subshell, as common.sh sets BUILD and log.
(
  source "$ROOT/scripts/common.sh"
  install_packages websocketd
) >&2
command -v websocketd >/dev/null
WEBSOCKETD_VERSION=$(dpkg-query -W -f='${Version}' websocketd 2>/dev/null || echo '?')
# Both servers run the same program, by the same path.
CAT=$(command -v cat)

source "$ROOT/bench/lib.sh"
scratch exec
measured_copies

# start_exec KIND: sets EXEC_PID and EXEC_URL.
start_exec() {
  case $1 in
    wskit) start_server "$WSKIT" listen 0 --exec "$CAT" ;;
    websocketd) start_websocketd "$CAT" ;;
  esac
  EXEC_PID=$SERVER_PID
  EXEC_URL=$SERVER_URL
}

# run KIND BENCH_ARGS...: one measure. Prints "echoes/s p99_us
# cpu_us_per_echo", "-" for each when the run had errors or no echo.
run() {
  local kind=$1 out before after n errors
  shift
  start_exec "$kind"
  before=$(tree_cpu_seconds "$EXEC_PID")
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json --warmup 0.5 -d "$SECS" "$@" "$EXEC_URL" || true)
  wait_children "$EXEC_PID"
  after=$(tree_cpu_seconds "$EXEC_PID")
  stop_tree "$EXEC_PID"
  if ! n=$(json "d['received']" <<<"$out" 2>/dev/null); then
    log "    $kind $*: no result from wskit bench: $out"
    echo "- - -"
    return
  fi
  errors=$(json "d['errors']['total']" <<<"$out")
  log "    $kind $*: $(json "'%s echoes/s, p50 %s us, p99 %s us, %d echoes, %d errors%s, %d unanswered, client %s us per echo' % (d['per_second'], d['latency_us']['p50'], d['latency_us']['p99'], d['received'], d['errors']['total'], ' (first: %s)' % d['errors']['first'] if d['errors']['first'] else '', d['unanswered'], d['client_cpu_us_per_message'])" <<<"$out"), server CPU ${before}s -> ${after}s"
  if [ "$errors" != 0 ] || [ "$n" = 0 ] || [ "$(json "d['measured']" <<<"$out")" = 0 ]; then
    log "    $kind $*: errors or no echo: the run counts as -"
    echo "- - -"
    return
  fi
  echo "$(json "d['per_second']" <<<"$out") $(json "d['latency_us']['p99']" <<<"$out")" \
       "$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}')"
}

# Each text message must come back as it went.
for kind in wskit websocketd; do
  start_exec "$kind"
  reply=$(echo hi | taskset -c "$LOAD_CPU" "$WSKIT" connect -w 0.5 "$EXEC_URL" 2>/dev/null || true)
  stop_tree "$EXEC_PID"
  [ "$reply" = hi ] || { log "$kind did not echo 'hi' through $CAT: got '$reply'"; exit 1; }
done

SHAPES=(
  "flood|10 conns x 16 in flight, 32 B|-c 10 -w 16 --size 32"
  "pingpong|1 conn ping-pong, 32 B|-c 1 -w 1 --size 32"
)
log "== wskit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), websocketd $WEBSOCKETD_VERSION," \
    "$(date -u '+%Y-%m-%d %H:%M UTC'), load $(loadavg)"
log "== ${SECS}s after 0.5s per run, median of $REPS"
for rep in $(seq 1 "$REPS"); do
  log "  run $rep: load $(loadavg)"
  if [ $((rep % 2)) = 1 ]; then order=(wskit websocketd); else order=(websocketd wskit); fi
  for s in "${SHAPES[@]}"; do
    IFS='|' read -r key _ args <<<"$s"
    for kind in "${order[@]}"; do
      # shellcheck disable=SC2086
      run "$kind" $args >>"$TMP/$key.$kind"
    done
  done
done
log "== done, load $(loadavg)"

echo "Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- lib apps 2>/dev/null || echo ' (with uncommitted changes in lib/ or apps/)'); $(date -u '+%Y-%m-%d %H:%M UTC'); nproc $(nproc); load average at the end: $(loadavg)."
echo "$("$WSKIT" --version | head -1) ($("$WSKIT" --version | sed -n '2,3p' | paste -sd, - | sed 's/,/, /g')); websocketd $WEBSOCKETD_VERSION; both run $CAT (coreutils $(dpkg-query -W -f='${Version}' coreutils 2>/dev/null || echo '?'))."
echo "${SECS}s after a 0.5s warm-up per run, median of $REPS; servers on CPU $SERVER_CPU, \`wskit bench\` on CPU $LOAD_CPU; p99 in microseconds; CPU = server + its \`cat\` processes, user + system, per echo."
echo
echo "| load | wskit msg/s | websocketd msg/s | wskit / websocketd | wskit p99 (us) | websocketd p99 (us) | wskit CPU (us/msg) | websocketd CPU (us/msg) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for s in "${SHAPES[@]}"; do
  IFS='|' read -r key label _ <<<"$s"
  W=$TMP/$key.wskit
  D=$TMP/$key.websocketd
  echo "| $label | $(fmt "$(col 1 "$W")") | $(fmt "$(col 1 "$D")") | $(ratio "$(col 1 "$W")" "$(col 1 "$D")" x)" \
       "| $(fmt "$(col 2 "$W")") | $(fmt "$(col 2 "$D")") | $(fmt "$(col 3 "$W")" 2) | $(fmt "$(col 3 "$D")" 2) |"
done
