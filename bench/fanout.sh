#!/usr/bin/env bash
# Fan-out benchmarks of issues #10 (broadcast-chat) and #11 (compression),
# printed as a Markdown table for bench/RESULTS.md. In one run:
# - 1 sender, RECEIVERS receivers in one room, at 100 msg/s and at bench's
#   full fan-out pace ("max": 1000 msg/s, a million deliveries a second with
#   1000 receivers; the server's CPU per delivery says how much is left):
#   `wskit broadcast-chat` against the minimal websocketpp broadcast
#   server (bench/baseline/broadcast_server.cpp, the library's ceiling) and
#   Node ws (bench/peers/node_broadcast_server.cjs);
# - memory per idle connected chat client against `wskit echo`'s per connection;
# - BIG_ROOM clients in one chat room: does every client get every message?
# - compression fan-out at full speed, receivers agreeing to permessage-deflate:
#   chat --compress (one compression per message, shared by every receiver)
#   against Node ws with perMessageDeflate (compression per receiver).
#
# `wskit bench --mode fanout` finds its stamp (sender, sequence, send time)
# behind chat's 'NAME: ' as in a message relayed as sent, and does not count a
# relay's own lines (chat's joins), so every server is measured alike.
#
# The big room: N receivers and a sender at 0.05 msg/s for BIG_SECS (default
# 120, from the start: the room fills first, at a few hundred handshakes a
# second), and every receiver must get every message sent (bench: none lost,
# none duplicated, none closed).
#
#   bench/fanout.sh   (BUILD, SECS, REPS, RECEIVERS, IDLE_CONNS, BIG_ROOM (0: skip), BIG_SECS,
#                      SERVER_CPU, LOAD_CPU, NO_BUILD=1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
SECS=${SECS:-5}
REPS=${REPS:-3}
RECEIVERS=${RECEIVERS:-1000}
IDLE_CONNS=${IDLE_CONNS:-1000}
IDLE_SECS=2  # held as long as in the recorded results
BIG_ROOM=${BIG_ROOM:-10000}
BIG_SECS=${BIG_SECS:-120}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

if [ "${NO_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD" -j2 --target wskit_cli bench_broadcast_server >&2
fi
export NODE_PATH=$BUILD/npm/node_modules
[ -d "$NODE_PATH/ws" ] || { echo "missing $NODE_PATH/ws (scripts/test.sh installs it)" >&2; exit 1; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FDS=$(ulimit -n)

source "$ROOT/bench/lib.sh"
scratch fanout
measured_copies "$BUILD/bench/bench_broadcast_server"
LOAD=(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json)
CHAT=("$WSKIT" broadcast-chat --rate 0 --history 0 --ping-interval 0 0)
WSPP=("$TMP/bin/bench_broadcast_server" 0)
NODE=(node "$ROOT/bench/peers/node_broadcast_server.cjs" 0)
CHAT_DEFLATE=("${CHAT[@]:0:${#CHAT[@]}-1}" --compress 0)
NODE_DEFLATE=(node "$ROOT/bench/peers/node_broadcast_server.cjs" 0 --deflate)

# fanout KIND RATE(0: flood) -> "deliveries/s p50_us p99_us lost duplicated server_cpu_us_per_delivery" on stdout.
fanout() {
  local kind=$1 rate=$2 server out rate_args=() load_args=()
  case $kind in
    chat) server=("${CHAT[@]}") ;;
    chat-deflate) server=("${CHAT_DEFLATE[@]}"); load_args=(--compress) ;;
    wspp) server=("${WSPP[@]}") ;;
    node) server=("${NODE[@]}") ;;
    node-deflate) server=("${NODE_DEFLATE[@]}"); load_args=(--compress) ;;
  esac
  [ "$rate" != 0 ] && rate_args=(--rate "$rate")
  start_server "${server[@]}"
  out=$("${LOAD[@]}" --mode fanout -c "$RECEIVERS" -d "$SECS" "${rate_args[@]}" "${load_args[@]}" \
        --server-pid "$SERVER_PID" "$SERVER_URL" || true)
  stop_server
  echo "$out" >"$TMP/last.$kind.$rate.json"
  json "'%.0f %.0f %.0f %d %d %.2f' % (d['per_second'], d['latency_us']['p50'], d['latency_us']['p99'],
        d['lost'], d['duplicated'], d['server']['cpu_us_per_message'])" <<<"$out"
  log "    $kind rate=$rate: $(json "'sent=%d received=%d seconds=%.2f errors=%d (%s) server_cpu=%s' % (d['sent'],
      d['received'], d['seconds'], d['errors']['total'], d['errors']['first'], d['server'] and d['server']['cpu_s'])" <<<"$out")"
}


# big_room N TIMEOUT: "yes (...)"/"no (...)": every receiver got every message, see the header.
big_room() {
  local n=$1 out
  start_server "${CHAT[@]}"
  out=$(timeout "$2" "${LOAD[@]}" --mode fanout -c "$n" -d "$BIG_SECS" --rate 0.05 --connect-timeout 120 \
        --server-pid "$SERVER_PID" "$SERVER_URL" || true)
  stop_server
  [ -n "$out" ] || { echo "timeout"; return; }
  json "('yes (%d messages, p99 %.0f ms, server RSS %d MiB)' % (d['sent'], d['latency_us']['p99'] / 1000,
         d['server']['rss_after_kib'] // 1024)
         if d['opened'] == $n + 1 and d['sent'] >= 1 and d['errors']['closed'] == 0 and d['lost'] == 0
            and d['duplicated'] == 0 and d['measured'] == d['sent'] * $n
         else 'no (opened %d, sent %d, closed %d, measured %d, lost %d)' % (d['opened'], d['sent'],
         d['errors']['closed'], d['measured'], d['lost']))" <<<"$out"
}

for rate in 100 0; do
  log "== fan-out, 1 sender -> $RECEIVERS receivers, rate ${rate/#0/max} msg/s (${SECS}s, median of $REPS)"
  for _ in $(seq 1 "$REPS"); do
    for kind in chat wspp node; do fanout "$kind" "$rate" >>"$TMP/fanout.$kind.$rate"; done
  done
done

log "== compression fan-out, 1 sender -> $RECEIVERS receivers offering permessage-deflate, max rate (median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  for kind in chat-deflate node-deflate; do fanout "$kind" 0 >>"$TMP/fanout.$kind.0"; done
done

log "== memory per idle connection ($IDLE_CONNS, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  idle_rss "${CHAT[@]}" >>"$TMP/idle.chat"
  idle_rss "$WSKIT" echo 0 >>"$TMP/idle.echo"
done

big=$BIG_ROOM big_result=skipped
[ "$BIG_ROOM" -gt 0 ] && log "== $BIG_ROOM clients in one chat room, one message to all (ulimit -n $FDS)"
if [ "$FDS" != unlimited ] && [ "$FDS" -lt $((BIG_ROOM + 100)) ]; then
  log "    ulimit -n $FDS: too few descriptors for $BIG_ROOM clients (bench and the server each need one per client)"
fi
[ "$BIG_ROOM" -gt 0 ] && big_result=$(big_room "$big" $((BIG_SECS + 60)))
log "    $big: $big_result"
if [ "${big_result%% *}" != yes ] && [ "$big_result" != skipped ]; then  # the largest count that works, in one more try
  big=$((BIG_ROOM / 2))
  big_result=$(big_room "$big" $((BIG_SECS + 60)))
  log "    $big: $big_result"
fi

chat_max=$(col 1 "$TMP/fanout.chat.0"); wspp_max=$(col 1 "$TMP/fanout.wspp.0")
wspp_p99=$(col 3 "$TMP/fanout.wspp.100")
chat_idle=$(median <"$TMP/idle.chat"); echo_idle=$(median <"$TMP/idle.echo")

printf '| measure | chat | websocketpp | Node ws | target |\n|---|---|---|---|---|\n'
for rate in 100 0; do
  label=$([ "$rate" = 100 ] && echo "100 msg/s" || echo "max")
  printf '| %s: deliveries/s | %s | %s | %s | |\n' "$label" \
    "$(col 1 "$TMP/fanout.chat.$rate")" "$(col 1 "$TMP/fanout.wspp.$rate")" "$(col 1 "$TMP/fanout.node.$rate")"
  for c in 2:p50 3:p99; do
    printf '| %s: %s latency (us) | %s | %s | %s | %s |\n' "$label" "${c#*:}" \
      "$(col "${c%%:*}" "$TMP/fanout.chat.$rate")" "$(col "${c%%:*}" "$TMP/fanout.wspp.$rate")" \
      "$(col "${c%%:*}" "$TMP/fanout.node.$rate")" \
      "$([ "$rate:${c#*:}" = 100:p99 ] && echo "chat <= $(awk -v p="$wspp_p99" 'BEGIN {printf "%.0f", p * 1.2}') (1.2x websocketpp)")"
  done
  printf '| %s: lost | %s | %s | %s | 0 |\n' "$label" \
    "$(col 4 "$TMP/fanout.chat.$rate")" "$(col 4 "$TMP/fanout.wspp.$rate")" "$(col 4 "$TMP/fanout.node.$rate")"
  printf '| %s: duplicated | %s | %s | %s | 0 |\n' "$label" \
    "$(col 5 "$TMP/fanout.chat.$rate")" "$(col 5 "$TMP/fanout.wspp.$rate")" "$(col 5 "$TMP/fanout.node.$rate")"
  printf '| %s: server CPU per delivery (us) | %s | %s | %s | |\n' "$label" \
    "$(col 6 "$TMP/fanout.chat.$rate")" "$(col 6 "$TMP/fanout.wspp.$rate")" "$(col 6 "$TMP/fanout.node.$rate")"
done
printf '| chat / websocketpp deliveries/s (max) | %s | | | >= 1.0x |\n' "$(ratio "$chat_max" "$wspp_max" x)"
printf '| RSS per idle connection (KiB): chat client / echo connection | %s / %s = %s | | | <= 1.3x |\n' \
  "$chat_idle" "$echo_idle" "$(ratio "$chat_idle" "$echo_idle" x)"
printf '| %s clients in one chat room, a message every 20 s: all received | %s | | | yes |\n' "$big" "$big_result"
printf '| compression fan-out, max: deliveries/s (chat --compress: shared; Node ws: per receiver) | %s | | %s | |\n' \
  "$(col 1 "$TMP/fanout.chat-deflate.0")" "$(col 1 "$TMP/fanout.node-deflate.0")"
