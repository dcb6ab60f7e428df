#!/usr/bin/env bash
# The load generator's own ceiling with application traffic (issue #25),
# recorded in bench/RESULTS.md: `wskit bench` against `wskit echo`, 100
# connections x 64 in flight, with
#   plain      --size 32 (one payload built once for the run),
#   templated  --message '{"id":{seq},"c":{conn},"p":"..."}' (32-ish bytes,
#              rendered, framed and masked per message),
#   matched    the same with --match /id (every request and reply parsed as JSON).
# Figures: messages/s, and wskit bench's CPU per message (target: templates
# cost at most 1.2x the plain mode's). The server runs on SERVER_CPU, the
# load on LOAD_CPU; each figure is the median of REPS runs, the three kinds
# interleaved.
#
#   bench/templates.sh            (BUILD, REPS, SECS to change it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

cmake --build "$BUILD" -j2 --target wskit_cli >&2
source "$ROOT/bench/lib.sh"
scratch templates
measured_copies

TEMPLATE='{"id":{seq},"c":{conn},"p":"abcdefgh"}'

# run KIND ARGS...: one bench run; prints "messages/s client_cpu_us_per_message p99_us".
run() {
  local kind=$1 out
  shift
  start_server "$WSKIT" echo 0
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json -c 100 -w 64 -d "$SECS" "$@" "$SERVER_URL")
  stop_server
  log "    $kind: $(json "d['per_second']" <<<"$out") msg/s, $(json "d['client_cpu_us_per_message']" <<<"$out") us of CPU per message"
  echo "$(json "d['per_second']" <<<"$out") $(json "d['client_cpu_us_per_message']" <<<"$out") $(json "d['latency_us']['p99']" <<<"$out")"
}

log "== 100 connections x 64 in flight against wskit echo (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  run plain --size 32 >>"$TMP/plain"
  run templated --message "$TEMPLATE" >>"$TMP/templated"
  run matched --message "$TEMPLATE" --match /id >>"$TMP/matched"
done

plain_cpu=$(col 2 "$TMP/plain")
printf '| traffic | messages/s | client CPU per message (us) | against plain | p99 (us) |\n|---|---|---|---|---|\n'
for kind in plain templated matched; do
  printf '| %s | %s | %s | %s | %s |\n' "$kind" "$(fmt "$(col 1 "$TMP/$kind")")" "$(col 2 "$TMP/$kind")" \
    "$(ratio "$(col 2 "$TMP/$kind")" "$plain_cpu" x)" "$(fmt "$(col 3 "$TMP/$kind")")"
done
