#!/usr/bin/env bash
# WebSockets over HTTP/2 streams (RFC 8441, issue #26) against the same
# server's HTTP/1.1 path, recorded in bench/RESULTS.md. The server is nghttpx
# (Debian's nghttp2-proxy: cleartext HTTP/2 with prior knowledge and HTTP/1.1
# on one port) in front of `wskit echo`, both on SERVER_CPU; `wskit bench` runs
# on LOAD_CPU:
# - flood, 100 WebSockets x 16 in flight, 32 B text: echoes/s and p99, each
#   WebSocket its own TCP connection (HTTP/1.1) or a stream of 2 HTTP/2
#   connections (--streams-per-connection 50) or of 1 (100);
# - moderate load, 100 WebSockets at 2,000 messages/s in all (open loop,
#   latency from the intended send time): p50 and p99 both ways.
# Each measure is the median of REPS runs, the paths interleaved.
#
#   bench/http2.sh            (BUILD, REPS, SECS to change it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${WSKIT_BUILD_DIR:-$ROOT/build}}
REPS=${REPS:-3}
SECS=${SECS:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

cmake --build "$BUILD" -j2 --target wskit_cli >&2
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
command -v nghttpx >/dev/null || { echo "bench/http2.sh needs nghttpx (apt install nghttp2-proxy)" >&2; exit 1; }

source "$ROOT/bench/lib.sh"
scratch http2
measured_copies

start_server "$WSKIT" echo 0
echo_url=$SERVER_URL
port=$(free_port)
backend=${echo_url#ws://}
backend=${backend%/}
taskset -c "$SERVER_CPU" nghttpx --conf=/dev/null "-f127.0.0.1,$port;no-tls" "-b${backend/:/,}" --workers=1 \
  --no-ocsp --frontend-http2-max-concurrent-streams=1000 >"$TMP/nghttpx.log" 2>&1 &
PIDS+=("$!")
wait_for "$TMP/nghttpx.log" "Listening on"
url=ws://127.0.0.1:$port/

# run LABEL ARGS...: one bench run through nghttpx; prints "echoes/s p50_us p99_us".
run() {
  local label=$1 out
  shift
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json "$@" "$url")
  log "    $label: $(json "d['per_second']" <<<"$out") echoes/s, p99 $(json "d['latency_us']['p99']" <<<"$out") us, errors $(json "d['errors']['total']" <<<"$out")"
  echo "$(json "d['per_second']" <<<"$out") $(json "d['latency_us']['p50']" <<<"$out") $(json "d['latency_us']['p99']" <<<"$out")"
}

paths=(h1 h2x50 h2x100)
path_args() {
  case $1 in
    h1) ;;
    h2x50) echo --http2-prior-knowledge --streams-per-connection 50 ;;
    h2x100) echo --http2-prior-knowledge --streams-per-connection 100 ;;
  esac
}
log "== flood: 100 WebSockets x 16 in flight, 32 B text (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  for p in "${paths[@]}"; do
    # shellcheck disable=SC2046
    run "$p" $(path_args "$p") -c 100 -w 16 --size 32 -d "$SECS" >>"$TMP/flood.$p"
  done
done
log "== moderate load: 100 WebSockets, 2000 messages/s in all, 32 B text (${SECS}s, median of $REPS)"
for _ in $(seq 1 "$REPS"); do
  for p in "${paths[@]}"; do
    # shellcheck disable=SC2046
    run "$p" $(path_args "$p") -c 100 --rate 2000 --size 32 -d "$SECS" >>"$TMP/rate.$p"
  done
done

printf '| measure | HTTP/1.1: 100 TCP connections | HTTP/2: 2 connections x 50 streams | HTTP/2: 1 connection x 100 streams |\n'
printf '|---|---|---|---|\n'
printf '| flood: echoes/s | %s | %s (%s) | %s (%s) |\n' "$(fmt "$(col 1 "$TMP/flood.h1")")" \
  "$(fmt "$(col 1 "$TMP/flood.h2x50")")" "$(ratio "$(col 1 "$TMP/flood.h2x50")" "$(col 1 "$TMP/flood.h1")" x)" \
  "$(fmt "$(col 1 "$TMP/flood.h2x100")")" "$(ratio "$(col 1 "$TMP/flood.h2x100")" "$(col 1 "$TMP/flood.h1")" x)"
printf '| flood: p99 (us) | %s | %s | %s |\n' "$(fmt "$(col 3 "$TMP/flood.h1")")" \
  "$(fmt "$(col 3 "$TMP/flood.h2x50")")" "$(fmt "$(col 3 "$TMP/flood.h2x100")")"
printf '| 2,000 msg/s: p50 (us) | %s | %s | %s |\n' "$(fmt "$(col 2 "$TMP/rate.h1")")" \
  "$(fmt "$(col 2 "$TMP/rate.h2x50")")" "$(fmt "$(col 2 "$TMP/rate.h2x100")")"
printf '| 2,000 msg/s: p99 (us) | %s | %s | %s |\n' "$(fmt "$(col 3 "$TMP/rate.h1")")" \
  "$(fmt "$(col 3 "$TMP/rate.h2x50")")" "$(fmt "$(col 3 "$TMP/rate.h2x100")")"
