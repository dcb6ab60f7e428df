#!/usr/bin/env bash
# Cross-process fan-out benchmark of issue #13 (broadcast-chat over Redis),
# printed as a Markdown table for bench/RESULTS.md. In one run, alternating
# (A B A B ...) so that both see the same machine:
# - cross-process: a redis-server (Debian's, fresh for each run, on a free
#   loopback port, no persistence) and 2 `wskit broadcast-chat --redis`
#   processes sharing one room, RECEIVERS receivers on each, one sender on the
#   first process;
# - single-process: 1 `wskit broadcast-chat` (no Redis) with 2 x RECEIVERS
#   receivers and one sender, as bench/fanout.sh measures it;
# each at RATE msg/s (default 100) and at bench's fan-out pacing with no
# --rate (1000 msg/s offered, more than either delivers: the max-rate row).
# Target (issue #13): cross-process p99 <= single-process p99 + 2 ms at 100 msg/s.
# Then the same pair with SMALL receivers per process (default 20) at RATE: a
# room that small costs chat little per message, so its latency shows what the
# hop through Redis itself adds, apart from the time to write 1000 sockets.
#
# `wskit bench --mode fanout URL1 URL2` spreads the receivers round robin over
# both processes and keeps the sender on the first, so every measured delivery
# to the second process went chat -> Redis -> chat. Its stamp sits behind
# chat's 'NAME: ' and chat's own lines (joins) are not counted. The room is
# still filling (and announcing its joins, together, a few lines a second) when
# the sender starts: WARMUP seconds (default 3) are run but not measured, then
# SECS are, so the table shows the steady state, not the room filling up
# (bench/fanout.sh measures from the start instead).
#
# Servers (both chat processes) and redis-server run on SERVER_CPU (default 0),
# the load on LOAD_CPU (default 1), with `taskset`: the two chat processes and
# Redis share one core, as the single chat process has it alone. CPU seconds of
# the chat processes and of redis-server come from /proc/PID/stat over each run.
#
#   bench/fanout_redis.sh   (BUILD, SECS, WARMUP, REPS, RECEIVERS (per process), RATE, SMALL (0: skip),
#                            SERVER_CPU, LOAD_CPU, NO_BUILD=1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
SECS=${SECS:-5}
WARMUP=${WARMUP:-3}
REPS=${REPS:-3}
RECEIVERS=${RECEIVERS:-500}
RATE=${RATE:-100}
SMALL=${SMALL:-20}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

if [ "${NO_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD" -j2 --target wskit_cli >&2
fi
command -v redis-server >/dev/null || { echo "missing redis-server (scripts/test.sh installs it)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source "$ROOT/bench/lib.sh"
scratch fanout_redis
measured_copies
LOAD=(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json)
CHAT=("$WSKIT" broadcast-chat --rate 0 --history 0 --ping-interval 0)

# start_redis: sets REDIS_PID and REDIS_URL.
start_redis() {
  local port out=$TMP/redis.$RANDOM.out
  port=$(free_port)
  taskset -c "$SERVER_CPU" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$out" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  wait_for "$out" "Ready to accept connections"
  REDIS_URL=redis://127.0.0.1:$port
}

# run KIND RATE(0: bench's pacing) RECEIVERS_PER_PROCESS WARMUP ->
# "deliveries/s p50_us p99_us lost duplicated chat_cpu_s redis_cpu_s".
run() {
  local kind=$1 rate=$2 total=$((2 * $3)) warmup=$4 out rate_args=() urls=() chats=() redis_cpu=0 before=() chat_cpu=0 i
  [ "$rate" != 0 ] && rate_args=(--rate "$rate")
  if [ "$kind" = single ]; then
    start_server "${CHAT[@]}" 0
    urls=("$SERVER_URL") chats=("$SERVER_PID")
  else
    start_redis
    for _ in 1 2; do
      start_server "${CHAT[@]}" --redis "$REDIS_URL" 0
      wait_for "$SERVER_ERR" "sharing rooms through Redis"
      urls+=("$SERVER_URL") chats+=("$SERVER_PID")
    done
  fi
  for i in "${!chats[@]}"; do before[i]=$(cpu_seconds "${chats[i]}"); done
  [ "$kind" = cross ] && redis_cpu=$(cpu_seconds "$REDIS_PID")
  out=$("${LOAD[@]}" --mode fanout -c "$total" --warmup "$warmup" -d "$SECS" "${rate_args[@]}" \
        --server-pid "${chats[0]}" "${urls[@]}" || true)
  for i in "${!chats[@]}"; do
    chat_cpu=$(awk -v a="$chat_cpu" -v b="${before[i]}" -v c="$(cpu_seconds "${chats[i]}")" 'BEGIN {print a + c - b}')
    stop "${chats[i]}"
  done
  if [ "$kind" = cross ]; then
    redis_cpu=$(awk -v a="$redis_cpu" -v b="$(cpu_seconds "$REDIS_PID")" 'BEGIN {print b - a}')
    stop "$REDIS_PID"
  fi
  echo "$out" >"$TMP/last.$kind.$rate.json"
  json "'%.0f %.0f %.0f %d %d' % (d['per_second'], d['latency_us']['p50'], d['latency_us']['p99'],
        d['lost'], d['duplicated'])" <<<"$out" | tr '\n' ' '
  echo "$chat_cpu $redis_cpu"
  log "    $kind rate=$rate: $(json "'p50 %.0f us p99 %.0f us sent=%d measured=%d received=%d seconds=%.2f opened=%d errors=%d (%s) load CPU %.0f %%%s per server %s' % (
      d['latency_us']['p50'], d['latency_us']['p99'], d['sent'], d['measured'], d['received'], d['seconds'], d['opened'], d['errors']['total'], d['errors']['first'],
      d['client_cpu_percent'], ' (saturated)' if d['client_saturated'] else '',
      [(s, sum(x['received'] for x in d['receivers'] if x['server'] == s),
        sum(x['lost'] for x in d['receivers'] if x['server'] == s)) for s in range(len(d['urls']))])" <<<"$out")"
  log "      chat CPU ${chat_cpu}s, redis CPU ${redis_cpu}s"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for rate in "$RATE" 0; do
  log "== fan-out to $((2 * RECEIVERS)) receivers, rate ${rate/#0/max} msg/s: 1 chat process vs 2 + Redis" \
      "(${WARMUP}s warm-up, ${SECS}s measured, median of $REPS)"
  for _ in $(seq 1 "$REPS"); do
    for kind in single cross; do run "$kind" "$rate" "$RECEIVERS" "$WARMUP" >>"$TMP/fanout.$kind.$rate"; done
  done
done
if [ "$SMALL" -gt 0 ]; then
  log "== small room, $((2 * SMALL)) receivers, rate $RATE msg/s (1s warm-up, ${SECS}s measured, median of $REPS)"
  for _ in $(seq 1 "$REPS"); do
    for kind in single cross; do run "$kind" "$RATE" "$SMALL" 1 >>"$TMP/fanout.$kind.small"; done
  done
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

each() { awk -v c="$1" '{printf "%s%s", (NR > 1 ? " / " : ""), $c}' "$2"; }  # every run's value, in order
single_p99=$(col 3 "$TMP/fanout.single.$RATE")
cross_p99=$(col 3 "$TMP/fanout.cross.$RATE")
target=$(awk -v s="$single_p99" 'BEGIN {printf "%.0f", s + 2000}')
met=$(awk -v c="$cross_p99" -v t="$target" 'BEGIN {print (c <= t ? "yes" : "no")}')

printf 'nproc %s; load average (1, 5, 15 min) %s before, %s after; servers and redis-server on CPU %s, load on CPU %s\n\n' \
  "$(nproc)" "$LOAD_BEFORE" "$LOAD_AFTER" "$SERVER_CPU" "$LOAD_CPU"
printf '| measure | 1 chat process, %s receivers | 2 chat processes + Redis, %s + %s | target |\n|---|---|---|---|\n' \
  "$((2 * RECEIVERS))" "$RECEIVERS" "$RECEIVERS"
for rate in "$RATE" 0 small; do
  [ "$rate" = small ] && [ "$SMALL" -eq 0 ] && continue
  case $rate in
    0) label="max (1000 msg/s offered)" ;;
    small) label="$((2 * SMALL)) receivers ($SMALL + $SMALL), $RATE msg/s" ;;
    *) label="$rate msg/s" ;;
  esac
  row() {  # row NAME COLUMN TARGET
    printf '| %s: %s | %s | %s | %s |\n' "$label" "$1" "$(col "$2" "$TMP/fanout.single.$rate")" \
      "$(col "$2" "$TMP/fanout.cross.$rate")" "$3"
  }
  row "deliveries/s" 1 ""
  row "p50 latency (us)" 2 ""
  row "p99 latency (us)" 3 "$([ "$rate" = "$RATE" ] && echo "cross <= $target (single + 2 ms): $met")"
  printf '| %s: p99 of each run (us) | %s | %s | |\n' "$label" "$(each 3 "$TMP/fanout.single.$rate")" \
    "$(each 3 "$TMP/fanout.cross.$rate")"
  row "lost" 4 "0"
  row "duplicated" 5 "0"
  row "chat CPU s (all processes)" 6 ""
  row "redis-server CPU s" 7 ""
done
