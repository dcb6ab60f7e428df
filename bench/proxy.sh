#!/usr/bin/env bash
# wskit proxy's cost (issue #22), recorded in bench/RESULTS.md: `wskit bench`
# against `wskit echo` directly, and through `wskit proxy` in front of it.
# - flood, 100 connections x 64 in flight, 32 B text: echoes/s, and the CPU
#   per message of the proxy against that of echo alone (target: the proxy
#   adds at most 50 % of echo's CPU per message);
# - moderate load, 10 connections at 2,000 messages/s (open loop, latency
#   from the intended send time): p50 and p99 both ways (target: the proxy
#   adds at most 0.2 ms to p99).
# echo and the proxy share SERVER_CPU, the load runs on LOAD_CPU; each
# measure is the median of REPS runs, direct and proxied interleaved.
#
#   bench/proxy.sh            (BUILD, REPS, SECS to change it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

cmake --build "$BUILD" -j2 --target wskit_cli >&2
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source "$ROOT/bench/lib.sh"
scratch proxy
measured_copies

# run VIA LOAD_ARGS...: one bench run against echo, directly (VIA=direct) or
# through the proxy (VIA=proxy). Prints "echoes/s p50_us p99_us
# echo_cpu_us_per_msg proxy_cpu_us_per_msg" ("-" for the proxy when direct).
run() {
  local via=$1 out echo_pid url proxy_pid="" echo_before proxy_before echo_after proxy_after n
  shift
  start_server "$WSKIT" echo 0
  echo_pid=$SERVER_PID
  url=$SERVER_URL
  if [ "$via" = proxy ]; then
    start_server "$WSKIT" proxy 0 "$url"
    proxy_pid=$SERVER_PID
    url=$SERVER_URL
  fi
  echo_before=$(cpu_seconds "$echo_pid")
  [ -n "$proxy_pid" ] && proxy_before=$(cpu_seconds "$proxy_pid")
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json "$@" "$url")
  echo_after=$(cpu_seconds "$echo_pid")
  [ -n "$proxy_pid" ] && proxy_after=$(cpu_seconds "$proxy_pid")
  [ -n "$proxy_pid" ] && stop "$proxy_pid"
  stop "$echo_pid"
  n=$(json "d['received']" <<<"$out")
  log "    $via $*: $(json "d['per_second']" <<<"$out") echoes/s, p99 $(json "d['latency_us']['p99']" <<<"$out") us"
  echo "$(json "d['per_second']" <<<"$out") $(json "d['latency_us']['p50']" <<<"$out") $(json "d['latency_us']['p99']" <<<"$out")" \
       "$(awk -v a="$echo_before" -v b="$echo_after" -v n="$n" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}')" \
       "$([ -n "$proxy_pid" ] && awk -v a="$proxy_before" -v b="$proxy_after" -v n="$n" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}' || echo -)"
}

log "== flood: 100 connections x 64 in flight, 32 B text (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  run direct -c 100 -w 64 --size 32 -d "$SECS" >>"$TMP/flood.direct"
  run proxy -c 100 -w 64 --size 32 -d "$SECS" >>"$TMP/flood.proxy"
done
log "== moderate load: 10 connections, 2000 messages/s, 32 B text (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  run direct -c 10 --rate 2000 --size 32 -d "$SECS" >>"$TMP/rate.direct"
  run proxy -c 10 --rate 2000 --size 32 -d "$SECS" >>"$TMP/rate.proxy"
done

echo_cpu=$(col 4 "$TMP/flood.direct")
proxy_cpu=$(col 5 "$TMP/flood.proxy")
p99_direct=$(col 3 "$TMP/rate.direct")
p99_proxy=$(col 3 "$TMP/rate.proxy")
printf '| measure | direct | through the proxy | ratio or difference |\n|---|---|---|---|\n'
printf '| flood: echoes/s | %s | %s | %s |\n' "$(fmt "$(col 1 "$TMP/flood.direct")")" \
  "$(fmt "$(col 1 "$TMP/flood.proxy")")" "$(ratio "$(col 1 "$TMP/flood.proxy")" "$(col 1 "$TMP/flood.direct")" x)"
printf '| flood: CPU per message, echo alone / the proxy (us) | %s | %s | %s |\n' "$echo_cpu" "$proxy_cpu" \
  "$(ratio "$proxy_cpu" "$echo_cpu" x)"
printf '| 2,000 msg/s: p50 (us) | %s | %s | %s |\n' "$(fmt "$(col 2 "$TMP/rate.direct")")" \
  "$(fmt "$(col 2 "$TMP/rate.proxy")")" \
  "$(awk -v a="$(col 2 "$TMP/rate.proxy")" -v b="$(col 2 "$TMP/rate.direct")" 'BEGIN {printf "+%.0f us", a - b}')"
printf '| 2,000 msg/s: p99 (us) | %s | %s | %s |\n' "$(fmt "$p99_direct")" "$(fmt "$p99_proxy")" \
  "$(awk -v a="$p99_proxy" -v b="$p99_direct" 'BEGIN {printf "+%.0f us", a - b}')"
