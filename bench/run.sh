#!/usr/bin/env bash
# Runs the wskit benchmarks and prints the results as Markdown tables:
# `wskit echo` against a minimal websocketpp echo server (throughput at 1
# connection ping-pong and 100 connections x 64 messages in flight, memory per
# idle connection), pipe throughput of `wskit connect` against a minimal
# websocketpp client, Python websockets and wscat, and the wall time of
# `wskit --version`, of a connect -> handshake -> close, and of
# `echo hi | wskit connect` with its end-of-input wait.
#
# Third-party echo servers, measured in the same run by the same throughput
# and idle-memory rows where they apply, in tables of their own (echoes/s and
# server CPU per echo side by side): Node ws (tests/e2e/peers/node_server.cjs),
# Python websockets (tests/e2e/peers/py_echo_server.py) and websocketd
# running `cat` per connection as bench/exec.sh does (32 B rows only: it
# echoes lines; no idle row: a process per connection; its CPU counts its
# `cat` processes). One more row, the load of bench/compress.sh: 100
# connections x 64 in flight of 1 KiB compressible text, permessage-deflate
# (`wskit bench --compress`), `wskit echo --compress` against Node ws with
# perMessageDeflate (tests/e2e/peers/node_deflate.cjs) and Python websockets
# (compression on by default). Each third-party server starts afresh for
# every run; one that is missing is "-".
#
# Every number is the median of 3; baseline and wskit runs alternate so that
# both see the same machine, the third-party servers' runs follow theirs.
# Servers run on CPU $SERVER_CPU, clients and the load generator
# (`wskit bench`) on CPU $LOAD_CPU (taskset). Loopback only.
#
# Environment: BUILD (build folder, default ./build), SECS (seconds per
# throughput run, default 3), REPS (default 3), IDLE_CONNS (default 10000),
# PIPE_LINES (default 1000000), PEER_LINES (Python and wscat, default 100000),
# SERVER_CPU (default 0), LOAD_CPU (default 1), NO_BUILD=1 to skip the build.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECS=${SECS:-3}
REPS=${REPS:-3}
IDLE_CONNS=${IDLE_CONNS:-10000}
PIPE_LINES=${PIPE_LINES:-1000000}
PEER_LINES=${PEER_LINES:-100000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

PY_CLIENT=$ROOT/bench/peers/py_pipe_client.py
WSCAT=$BUILD/npm/node_modules/.bin/wscat
export NODE_PATH=$BUILD/npm/node_modules
# The third-party echo servers; node_deflate: perMessageDeflate, threshold 0.
NODE_SERVER=(node "$ROOT/tests/e2e/peers/node_server.cjs")
NODE_DEFLATE=(node "$ROOT/tests/e2e/peers/node_deflate.cjs" server)
PY_SERVER=(/usr/bin/python3 "$ROOT/tests/e2e/peers/py_echo_server.py")
# websocketd runs the same program as in bench/exec.sh, by the same path.
CAT=$(command -v cat)

if [ "${NO_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD" -j2 --target wskit_cli bench_echo_server bench_pipe_client >&2
fi
for f in "$BUILD/apps/wskit" "$BUILD/bench/bench_echo_server" "$BUILD/bench/bench_pipe_client"; do
  [ -x "$f" ] || { echo "missing $f (build with -DWSKIT_BUILD_BENCH=ON)" >&2; exit 1; }
done

# 10,000 idle connections need as many descriptors in the server and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 100)) ]; then
  echo "ulimit -n is $(ulimit -n); need more than $IDLE_CONNS" >&2
  exit 1
fi

source "$ROOT/bench/lib.sh"
scratch run
measured_copies "$BUILD/bench/bench_echo_server" "$BUILD/bench/bench_pipe_client"
BASE_SERVER=$TMP/bin/bench_echo_server
BASE_CLIENT=$TMP/bin/bench_pipe_client
# The load generator is a copy of wskit too: `wskit bench`.
LOAD=("$WSKIT" bench -q --json)

# The Node peers (ws, wscat) under $BUILD/npm and websocketd from Debian,
# installed when missing; VERSION of each third-party server, "-" if missing.
if [ ! -x "$WSCAT" ] || [ ! -d "$NODE_PATH/ws" ]; then
  log "the Node peers are missing: installing them into $BUILD/npm"
  (build_dir=$BUILD && source "$ROOT/scripts/common.sh" && install_node_peers "$build_dir") >&2 || true
fi
(source "$ROOT/scripts/common.sh" && install_packages websocketd) >&2 || true
declare -A VERSION=([node]=- [py]=- [websocketd]=-)
if command -v node >/dev/null && [ -f "$NODE_PATH/ws/package.json" ]; then
  VERSION[node]=$(json "d['version']" <"$NODE_PATH/ws/package.json")
fi
VERSION[py]=$(/usr/bin/python3 -c 'import websockets; print(websockets.version.version)' 2>/dev/null || echo -)
if command -v websocketd >/dev/null; then
  VERSION[websocketd]=$(dpkg-query -W -f='${Version}' websocketd 2>/dev/null || echo '?')
fi
log "third-party servers: Node ws ${VERSION[node]}, Python websockets ${VERSION[py]}, websocketd ${VERSION[websocketd]}"

# ---------------------------------------------------------------- throughput
# load SERVER_PID URL ARGS...: prints echoes/s, the server's CPU time per
# echo in microseconds (over the whole run, connection set-up included, with
# the processes it forked: websocketd's `cat`), after a 0.5 s warm-up, and
# bench's error count (logged with the first error, the run counts all the
# same); "- -" when bench gave no result or the run no echo, or when a
# connection that opened, offered compression (--compress), did not agree to it.
load() {
  local pid=$1 url=$2
  shift 2
  local out c0 c1 name
  name=$(ps -o comm= -p "$pid" || echo "$pid")
  c0=$(tree_cpu_seconds "$pid")
  out=$(taskset -c "$LOAD_CPU" "${LOAD[@]}" "$@" --warmup 0.5 -d "$SECS" "$url" || true)
  wait_children "$pid"
  c1=$(tree_cpu_seconds "$pid")
  local rate total errors client_us agreed note=""
  if ! total=$(json "d['received']" <<<"$out" 2>/dev/null); then
    log "    $name: no result from wskit bench: $out"
    echo "- -"
    return
  fi
  rate=$(json "d['per_second']" <<<"$out")
  errors=$(json "d['errors']['total']" <<<"$out")
  client_us=$(json "d['client_cpu_us_per_message']" <<<"$out")
  agreed=$(json "'-' if d['compression'] is None else d['compression']['agreed']" <<<"$out")
  [ "$agreed" = - ] || note=" compression_agreed=$agreed"
  [ "$errors" = 0 ] || note+=" first_error='$(json "d['errors']['first']" <<<"$out")'"
  log "    $name: echoes/s=$rate total=$total errors=$errors client_us_per_echo=$client_us server_cpu_s=$c0..$c1$note"
  if [ "$total" = 0 ] || { [ "$agreed" != - ] && [ "$agreed" != "$(json "d['opened']" <<<"$out")" ]; }; then
    log "    $name: no echo, or compression not agreed: the run counts as -"
    echo "- -"
    return
  fi
  awk -v r="$rate" -v t="$total" -v c0="$c0" -v c1="$c1" -v e="$errors" \
    'BEGIN {printf "%.0f %.3f %d\n", r, (t > 0 ? (c1 - c0) * 1e6 / t : 0), e}'
}
# peer KIND ARGS...: `load` with ARGS against a fresh server of KIND (node,
# node_deflate, py, websocketd), stopped after the run (with what it forked),
# so that a server still working through a run it could not keep up with does
# not share SERVER_CPU with the next; "- -" when KIND is missing.
peer() {
  local kind=$1
  shift
  if [ "${VERSION[${kind%_deflate}]}" = - ]; then
    echo "- -"
    return
  fi
  case $kind in
    node) start_server "${NODE_SERVER[@]}" ;;
    node_deflate) start_server "${NODE_DEFLATE[@]}" ;;
    py) start_server "${PY_SERVER[@]}" ;;
    websocketd) start_websocketd "$CAT" ;;
  esac
  load "$SERVER_PID" "$SERVER_URL" "$@"
  stop_tree "$SERVER_PID"
}
# medians KEY: RESULT[KEY.KIND] (echoes/s) and RESULT[KEY.KIND.cpu] of each kind of server.
KINDS=(base wskit node py websocketd)
declare -A NAME=([base]="websocketpp baseline" [wskit]=wskit [node]="Node ws" [py]="Python websockets" [websocketd]=websocketd)
medians() {
  local k
  for k in "${KINDS[@]}"; do
    RESULT[$1.$k]=$(col 1 "$TMP/$1.$k")
    RESULT[$1.$k.cpu]=$(col 2 "$TMP/$1.$k")
  done
}

declare -A RESULT
log "== throughput (${SECS}s per run, median of $REPS)"
start_server "$BASE_SERVER"
BASE_PID=$SERVER_PID BASE_URL=$SERVER_URL
start_server "$WSKIT" echo 0
WSKIT_PID=$SERVER_PID WSKIT_URL=$SERVER_URL

CASES=(
  "pingpong|1 connection ping-pong, 32 B (echoes/s)|-c 1 -w 1 --size 32"
  "small|100 conns x 64 in flight, 32 B text (echoes/s)|-c 100 -w 64 --size 32"
  "large|100 conns x 64 in flight, 64 KiB text (echoes/s)|-c 100 -w 64 --size 64k"
  "large_bin|100 conns x 64 in flight, 64 KiB binary (echoes/s)|-c 100 -w 64 --size 64k --binary"
)
# The third-party servers of each case: websocketd echoes lines, 32 B only.
declare -A PEERS=([pingpong]="node py websocketd" [small]="node py websocketd" [large]="node py" [large_bin]="node py")
for c in "${CASES[@]}"; do
  IFS='|' read -r key label args <<<"$c"
  log "  $label"
  for k in "${KINDS[@]}"; do : >"$TMP/$key.$k"; done
  for _ in $(seq 1 "$REPS"); do
    # shellcheck disable=SC2086
    load "$BASE_PID" "$BASE_URL" $args >>"$TMP/$key.base"
    # shellcheck disable=SC2086
    load "$WSKIT_PID" "$WSKIT_URL" $args >>"$TMP/$key.wskit"
    for k in ${PEERS[$key]}; do
      # shellcheck disable=SC2086
      peer "$k" $args >>"$TMP/$key.$k"
    done
  done
  medians "$key"
done
stop "$BASE_PID"
stop "$WSKIT_PID"

# Compressed echo, bench/compress.sh's load: no baseline (the websocketpp
# server does not compress), nor websocketd (0.4.1 does not either).
DEFLATE="deflate|100 conns x 64 in flight, 1 KiB compressible text, permessage-deflate (echoes/s)|-c 100 -w 64 --size 1k --compress"
IFS='|' read -r key label args <<<"$DEFLATE"
log "  $label"
start_server "$WSKIT" echo --compress 0
DEFLATE_PID=$SERVER_PID DEFLATE_URL=$SERVER_URL
for k in "${KINDS[@]}"; do : >"$TMP/$key.$k"; done
for _ in $(seq 1 "$REPS"); do
  # shellcheck disable=SC2086
  load "$DEFLATE_PID" "$DEFLATE_URL" $args >>"$TMP/$key.wskit"
  # shellcheck disable=SC2086
  peer node_deflate $args >>"$TMP/$key.node"
  # shellcheck disable=SC2086
  peer py $args >>"$TMP/$key.py"
done
medians "$key"
stop "$DEFLATE_PID"


log "== memory per idle connection ($IDLE_CONNS connections, median of $REPS)"
for k in "${KINDS[@]}"; do : >"$TMP/idle.$k"; done
for _ in $(seq 1 "$REPS"); do
  idle_rss "$BASE_SERVER" >>"$TMP/idle.base"
  idle_rss "$WSKIT" echo 0 >>"$TMP/idle.wskit"
  [ "${VERSION[node]}" = - ] || idle_rss "${NODE_SERVER[@]}" >>"$TMP/idle.node"
  [ "${VERSION[py]}" = - ] || idle_rss "${PY_SERVER[@]}" >>"$TMP/idle.py"
done
for k in "${KINDS[@]}"; do RESULT[idle.$k]=$(col 1 "$TMP/idle.$k"); done

# ---------------------------------------------------------------- pipes
# pipe_time LINES COMMAND...: seconds for `seq 1 LINES | COMMAND`, all echoes
# counted; prints "SECONDS ECHOES".
pipe_time() {
  local lines=$1
  shift
  local t0 t1 n
  t0=$(now_ns)
  n=$(seq 1 "$lines" | taskset -c "$LOAD_CPU" "$@" | wc -l)
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {printf "%.3f %d\n", (b - a) / 1e9, n}'
}

# wscat reads stdin before its connection is open and drops those lines, and it
# exits at the end of stdin without waiting for echoes. It is timed from the
# first input line (sent 0.5 s after start) to the last echo, with stdin held open.
wscat_time() {
  local lines=$1 url=$2 out=$TMP/wscat.out fifo=$TMP/wscat.in
  : >"$out"
  mkfifo "$fifo"
  taskset -c "$LOAD_CPU" "$WSCAT" -c "$url" <"$fifo" >"$out" 2>/dev/null &
  local pid=$!
  PIDS+=("$pid")
  exec 7>"$fifo"
  sleep 0.5
  local t0 t1="" deadline
  t0=$(now_ns)
  deadline=$((t0 + 60000000000))
  seq 1 "$lines" >&7
  while [ "$(now_ns)" -lt "$deadline" ]; do
    if [ "$(tail -c 20 "$out" | sed 's/^\(> \)*//' | tail -1)" = "$lines" ]; then
      t1=$(now_ns)
      break
    fi
    sleep 0.005
  done
  exec 7>&-
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$fifo"
  local n
  n=$(sed 's/^\(> \)*//' "$out" | grep -c '^[0-9]' || true)
  if [ -z "$t1" ]; then
    echo "- $n"
  else
    awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {printf "%.3f %d\n", (b - a) / 1e9, n}'
  fi
}

log "== pipe throughput against the baseline server (median of $REPS)"
start_server "$BASE_SERVER"
PIPE_PID=$SERVER_PID PIPE_URL=$SERVER_URL
for k in base wskit py wscat; do : >"$TMP/pipe.$k"; done
for _ in $(seq 1 "$REPS"); do
  pipe_time "$PIPE_LINES" "$BASE_CLIENT" "$PIPE_URL" >>"$TMP/pipe.base"
  # -w 0: close once all is written, as the baseline client closes once all
  # is echoed (it counts them); the server answers everything before the
  # close, and the end-of-input wait is measured on its own below.
  pipe_time "$PIPE_LINES" "$WSKIT" connect --raw -w 0 "$PIPE_URL" >>"$TMP/pipe.wskit"
  pipe_time "$PEER_LINES" /usr/bin/python3 "$PY_CLIENT" "$PIPE_URL" >>"$TMP/pipe.py"
  if [ -x "$WSCAT" ]; then wscat_time "$PEER_LINES" "$PIPE_URL" >>"$TMP/pipe.wscat"; fi
done
for k in base wskit py wscat; do
  log "  $k: $(tr '\n' ';' <"$TMP/pipe.$k")"
  RESULT[pipe.$k]=$(cut -d' ' -f1 <"$TMP/pipe.$k" | median)
  RESULT[pipe.$k.min_echoes]=$(cut -d' ' -f2 <"$TMP/pipe.$k" | sort -n | head -1)
done
# wscat in a plain pipe: how many of the echoes arrive.
WSCAT_PLAIN=-
if [ -x "$WSCAT" ]; then
  WSCAT_PLAIN=$(seq 1 "$PEER_LINES" | timeout 30 taskset -c "$LOAD_CPU" "$WSCAT" -c "$PIPE_URL" 2>/dev/null |
    sed 's/^\(> \)*//' | grep -c '^[0-9]' || true)
fi
stop "$PIPE_PID"

# ---------------------------------------------------------------- startup and connect
# per_run_ms N COMMAND...: mean wall time in ms of N runs of COMMAND.
per_run_ms() {
  local n=$1
  shift
  local t0 t1 i
  t0=$(now_ns)
  for ((i = 0; i < n; i++)); do
    taskset -c "$LOAD_CPU" "$@" >/dev/null 2>&1 </dev/null || true
  done
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {printf "%.2f\n", (b - a) / 1e6 / n}'
}

# per_run_ms_hi N COMMAND...: like per_run_ms, with "hi" on stdin: the wall
# time of `echo hi | wskit connect`, which waits for the server to be silent
# for -w (0.5 s by default) after the end of input.
per_run_ms_hi() {
  local n=$1 t0 t1 i
  shift
  t0=$(now_ns)
  for ((i = 0; i < n; i++)); do
    echo hi | taskset -c "$LOAD_CPU" "$@" >/dev/null 2>&1 || true
  done
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {printf "%.2f\n", (b - a) / 1e6 / n}'
}

log "== wall time of wskit --version and of connect -> close (mean of 50 runs, median of $REPS)"
start_server "$WSKIT" echo 0
CC_PID=$SERVER_PID CC_URL=$SERVER_URL
for k in true version base_cc wskit_cc eoi; do : >"$TMP/time.$k"; done
for _ in $(seq 1 "$REPS"); do
  per_run_ms 50 /bin/true >>"$TMP/time.true"
  per_run_ms 50 "$WSKIT" --version >>"$TMP/time.version"
  per_run_ms 50 "$BASE_CLIENT" "$CC_URL" >>"$TMP/time.base_cc"
  # -w 0: the handshake and the close alone, without the end-of-input wait.
  per_run_ms 50 "$WSKIT" connect -w 0 "$CC_URL" >>"$TMP/time.wskit_cc"
  per_run_ms_hi 10 "$WSKIT" connect "$CC_URL" >>"$TMP/time.eoi"
done
for k in true version base_cc wskit_cc eoi; do
  log "  $k: $(tr '\n' ' ' <"$TMP/time.$k")"
  RESULT[time.$k]=$(median <"$TMP/time.$k")
done
stop "$CC_PID"

# ---------------------------------------------------------------- table
# Comparisons fail when a value is missing (-).
ge() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 >= b + 0)}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 <= b + 0)}'; }
yesno() { if "$@"; then echo yes; else echo "**no**"; fi; }

echo "Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- lib apps 2>/dev/null || echo ' (with uncommitted changes in lib/ or apps/)'); $(date -u '+%Y-%m-%d %H:%M UTC'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| Benchmark | baseline | wskit | wskit / baseline | target | met |"
echo "|---|---:|---:|---:|---|---|"
for c in "${CASES[@]}"; do
  IFS='|' read -r key label _ <<<"$c"
  b=${RESULT[$key.base]} w=${RESULT[$key.wskit]} r=$(ratio "${RESULT[$key.wskit]}" "${RESULT[$key.base]}")
  echo "| $label | $(fmt "$b") | $(fmt "$w") | ${r}× | ≥ 1.0× | $(yesno ge "$r" 1.0) |"
done
b=${RESULT[idle.base]} w=${RESULT[idle.wskit]} r=$(ratio "$w" "$b")
echo "| memory per idle connection, $IDLE_CONNS held (KiB) | $(fmt "$b" 2) | $(fmt "$w" 2) | ${r}× | ≤ 1.0× | $(yesno le "$w" "$b") |"
b=${RESULT[pipe.base]} w=${RESULT[pipe.wskit]} r=$(ratio "$w" "$b")
echo "| pipe \`seq 1 $PIPE_LINES\` → echoes (s) | $(fmt "$b" 3) | $(fmt "$w" 3) | ${r}× | ≤ 1.5× | $(yesno le "$r" 1.5) |"
echo "| \`wskit --version\` (ms; /bin/true: $(fmt "${RESULT[time.true]}" 2)) | – | $(fmt "${RESULT[time.version]}" 2) | – | ≤ 5 ms | $(yesno le "${RESULT[time.version]}" 5) |"
b=${RESULT[time.base_cc]} w=${RESULT[time.wskit_cc]}
echo "| connect → handshake → close against \`wskit echo\`, \`-w 0\` (ms) | $(fmt "$b" 2) | $(fmt "$w" 2) | $(ratio "$w" "$b" ×) | ≤ 10 ms | $(yesno le "$w" 10) |"
w=${RESULT[time.eoi]}
echo "| \`echo hi \| wskit connect\` against \`wskit echo\`, default \`-w 0.5\` (ms; mean of 10) | – | $(fmt "$w" 2) | – | ≤ 500 + 20 ms | $(yesno le "$w" 520) |"

echo
echo "Server CPU time per echo (µs, whole run; lower is better), less sensitive to other load on the machine:"
echo
echo "| Benchmark | baseline | wskit | wskit / baseline |"
echo "|---|---:|---:|---:|"
for c in "${CASES[@]}"; do
  IFS='|' read -r key label _ <<<"$c"
  b=${RESULT[$key.base.cpu]} w=${RESULT[$key.wskit.cpu]}
  echo "| ${label% (echoes/s)} | $(fmt "$b" 2) | $(fmt "$w" 2) | $(ratio "$w" "$b" ×) |"
done

scale=$(awk -v a="$PIPE_LINES" -v b="$PEER_LINES" 'BEGIN {print a / b}')
echo
echo "Pipe clients against the baseline server (median of $REPS; echoes = fewest received in a run):"
echo
echo "| client | lines | seconds | echoes | seconds per $PIPE_LINES lines | vs baseline client |"
echo "|---|---:|---:|---:|---:|---:|"
row() {
  local name=$1 key=$2 lines=$3 s
  s=$(awk -v t="${RESULT[pipe.$key]}" -v k="$(awk -v a="$PIPE_LINES" -v b="$lines" 'BEGIN {print a / b}')" 'BEGIN {printf "%.3f", t * k}')
  echo "| $name | $lines | $(fmt "${RESULT[pipe.$key]}" 3) | ${RESULT[pipe.$key.min_echoes]} | $s | $(ratio "$s" "${RESULT[pipe.base]}" ×) |"
}
row "websocketpp baseline client" base "$PIPE_LINES"
row "\`wskit connect --raw\`" wskit "$PIPE_LINES"
row "Python websockets ${VERSION[py]}" py "$PEER_LINES"
if [ -x "$WSCAT" ]; then
  row "wscat $("$WSCAT" --version) (stdin held open, see note)" wscat "$PEER_LINES"
  echo
  echo "wscat in a plain pipe (\`seq 1 $PEER_LINES | wscat -c …\`): $WSCAT_PLAIN of $PEER_LINES echoes printed."
fi
echo
echo "Python and wscat lines are scaled ×$scale to $PIPE_LINES lines."

# side KEY SUFFIX LABEL DECIMALS: a row of the side-by-side tables, RESULT[KEY.KIND SUFFIX].
side() {
  local k line="| $3 |"
  for k in "${KINDS[@]}"; do line+=" $(fmt "${RESULT[$1.$k$2]:--}" "$4") |"; done
  for k in base node py websocketd; do line+=" $(ratio "${RESULT[$1.wskit$2]:--}" "${RESULT[$1.$k$2]:--}" ×) |"; done
  echo "$line"
}
header="| Benchmark | websocketpp baseline | wskit | Node ws ${VERSION[node]} | Python websockets ${VERSION[py]} | websocketd ${VERSION[websocketd]} | wskit / baseline | wskit / Node ws | wskit / Python websockets | wskit / websocketd |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo
echo "Echo servers side by side (median of $REPS, the same load against each):"
echo
echo "$header"
for c in "${CASES[@]}" "$DEFLATE"; do
  IFS='|' read -r key label _ <<<"$c"
  side "$key" "" "$label" 0
done
side idle "" "memory per idle connection, $IDLE_CONNS held (KiB; lower is better)" 2
echo
echo "Server CPU time per echo side by side (µs, whole run; lower is better; websocketd: with its \`cat\` processes):"
echo
echo "$header"
for c in "${CASES[@]}" "$DEFLATE"; do
  IFS='|' read -r key label _ <<<"$c"
  side "$key" .cpu "${label% (echoes/s)}" 2
done
# Runs with errors, by case and server: "NAME, CASE: N of REPS runs, at most E errors".
errors=()
for c in "${CASES[@]}" "$DEFLATE"; do
  IFS='|' read -r key label _ <<<"$c"
  for k in "${KINDS[@]}"; do
    n=$(awk '$3 > 0' "$TMP/$key.$k" | wc -l)
    [ "$n" = 0 ] || errors+=("${NAME[$k]}, ${label% (echoes/s)}: $n of $REPS runs, at most $(awk '$3 > 0 {print $3}' "$TMP/$key.$k" | sort -n | tail -1) errors")
  done
done
echo
if [ ${#errors[@]} -eq 0 ]; then
  echo "No run had errors."
else
  echo "Runs with errors, counted all the same (the first error of each is in the log; a connection whose handshake timed out leaves fewer for the load):"
  echo
  printf -- '- %s\n' "${errors[@]}"
fi
echo
echo "Node ws: tests/e2e/peers/node_server.cjs, and node_deflate.cjs (perMessageDeflate, threshold 0) in the" \
     "permessage-deflate row; Python websockets: tests/e2e/peers/py_echo_server.py on /usr/bin/python3" \
     "(permessage-deflate with its default parameters in that row); websocketd: \`websocketd $CAT\`, a line per" \
     "message, 32 B rows only. Each started afresh for every run. - : not measured (does not apply, missing, or" \
     "no echo in any run)."
