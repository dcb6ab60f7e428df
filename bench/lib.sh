# Shared by every bench script (sourced): a scratch folder and the processes
# to stop (one by one, or all on exit), copies of the binaries measured,
# logging, medians and ratios, reading bench's JSON, free ports, CPU time,
# and starting a server (or websocketd) pinned to SERVER_CPU. The caller sets
# BUILD and SERVER_CPU. A missing value is "-" everywhere, so that a table
# shows it.

# scratch NAME: TMP, a scratch folder under the build folder (/tmp is shared
# with jobs that clean it), and PIDS, the processes to stop: on exit each is
# sent TERM and waited for, and TMP is removed.
scratch() {
  TMP=$(mktemp -d "$BUILD/$1.XXXXXX")
  PIDS=()
  trap stop_all EXIT
  trap 'exit 130' INT TERM
}
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}

# measured_copies [BINARY...]: wskit, libwskit and BINARY... copied under TMP,
# so that a rebuild during the run does not change what is measured; sets
# WSKIT and LD_LIBRARY_PATH.
measured_copies() {
  mkdir -p "$TMP/bin" "$TMP/lib"
  cp "$BUILD/apps/wskit" "$@" "$TMP/bin/"
  cp -P "$BUILD"/lib/libwskit.so* "$TMP/lib/" 2>/dev/null || true
  export LD_LIBRARY_PATH=$TMP/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  WSKIT=$TMP/bin/wskit
}

log() { echo "$*" >&2; }
# The median of the numbers on stdin, "-" when there are none.
median() { sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# ratio A B [SUFFIX]: A / B with two decimals then SUFFIX ("x"), or "-" when
# either is missing or B is 0.
ratio() { awk -v a="$1" -v b="$2" -v s="${3:-}" 'BEGIN {if (a !~ /^[0-9.e+-]+$/ || a !~ /[0-9]/ || b !~ /^[0-9.e+-]+$/ || b !~ /[0-9]/ || b == 0) print "-"; else printf "%.2f%s\n", a / b, s}'; }
# fmt VALUE [DECIMALS]: a number as a table shows it; "-" stays "-".
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN {if (v !~ /^[0-9.e+-]+$/ || v !~ /[0-9]/) print "-"; else printf "%.*f", d, v}'; }
now_ns() { date +%s%N; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# user + system CPU seconds of a process so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"; }
# wait_for FILE TEXT: until TEXT appears in FILE (5 s at most).
wait_for() {
  for _ in $(seq 1 500); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  log "'$2' never appeared in $1: $(cat "$1")"
  exit 1
}
# col N [FILE]: the median of column N of FILE (or stdin), "-" values left out.
col() { awk -v c="$1" '$c != "-" {print $c}' "${2:-/dev/stdin}" | median; }
# A Python expression over the JSON document on stdin, as d: json "d['per_second']".
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# start_server COMMAND...: sets SERVER_PID, SERVER_URL (from its "listening on" line) and
# SERVER_ERR (the file its stderr goes to, for a caller that waits for more of it).
start_server() {
  local err=$TMP/server.$RANDOM.err
  SERVER_ERR=$err
  : >"$err"  # exists before the server opens it: sed below may run first
  taskset -c "$SERVER_CPU" "$@" >/dev/null 2>"$err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 500); do
    SERVER_URL=$(sed -n 's/^listening on \(ws:\/\/[^ ]*\).*/\1/p' "$err" | head -1)
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
  done
  log "$1 did not start: $(cat "$err")"
  exit 1
}
# accepts PORT: whether something accepts TCP connections on 127.0.0.1:PORT.
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start_websocketd PROGRAM...: websocketd (Debian's package, 0.4.1) running
# PROGRAM for each connection, `websocketd --port=PORT --address=127.0.0.1
# PROGRAM...` on a free port, pinned to SERVER_CPU; sets SERVER_PID, SERVER_URL
# and SERVER_ERR as start_server does. websocketd prints no "listening on"
# line: its port is waited for. Stop it with stop_tree (PROGRAM's processes).
start_websocketd() {
  local port err
  port=$(free_port)
  err=$TMP/websocketd.$port.log
  SERVER_ERR=$err
  taskset -c "$SERVER_CPU" websocketd --port="$port" --address=127.0.0.1 "$@" >/dev/null 2>"$err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_URL=ws://127.0.0.1:$port/
  for _ in $(seq 1 500); do
    accepts "$port" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
  done
  log "websocketd did not start: $(cat "$err")"
  exit 1
}
# stop PID: TERM, wait, and forget it (stop_all must not signal a reused PID).
stop() {
  local pid keep=()
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}
stop_server() { stop "$SERVER_PID"; }

# tree PID: the PID, its children, theirs...
tree() {
  local todo=("$1") p kids
  while [ ${#todo[@]} -gt 0 ]; do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    echo "$p"
    mapfile -t kids < <(pgrep -P "$p" || true)
    todo+=("${kids[@]}")
  done
}
# tree_cpu_seconds PID: user + system CPU seconds of a process tree so far:
# each process's own and that of its children already reaped (servers that
# fork one process per client: websockify, websocketd, listen --exec).
tree_cpu_seconds() {
  local p
  for p in $(tree "$1"); do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15} END {print t / hz}'
}
# wait_children PID: until PID has no child left (5 s at most), so that their
# CPU time is in its cutime + cstime rather than read from each while it ends.
wait_children() {
  for _ in $(seq 1 500); do
    pgrep -P "$1" >/dev/null || return 0
    sleep 0.01
  done
  log "    $(pgrep -P "$1" | wc -l) processes of $1 still running: their CPU time so far is counted"
}
# stop_tree PID: stop a process and whatever it forked.
stop_tree() {
  local kids
  mapfile -t kids < <(tree "$1" | tail -n +2)
  stop "$1"
  [ ${#kids[@]} -eq 0 ] || kill -TERM "${kids[@]}" 2>/dev/null || true
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# idle_rss SERVER_COMMAND... [-- BENCH_ARGS...]: the server's RSS growth per
# connection (KiB) with IDLE_CONNS idle connections open, held IDLE_SECS
# (default 0.5 s): `wskit bench --mode idle` reads the server's VmRSS before
# connecting and after every handshake completed. "-" when fewer than
# IDLE_CONNS were open at the end, or when bench gave no result.
idle_rss() {
  local server=() load=() out
  while [ $# -gt 0 ] && [ "$1" != -- ]; do server+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  load=("$@")
  start_server "${server[@]}"
  out=$(taskset -c "$LOAD_CPU" "$WSKIT" bench -q --json --mode idle -c "$IDLE_CONNS" -d "${IDLE_SECS:-0.5}" \
        --server-pid "$SERVER_PID" "${load[@]}" "$SERVER_URL" || true)
  stop_server
  log "    ${server[*]##*/} ${load[*]}: $(json "'%d of %d open, VmRSS %d -> %d KiB' % (d['open_at_end'], $IDLE_CONNS, d['server']['rss_before_kib'], d['server']['rss_after_kib'])" <<<"$out")"
  json "d['server']['rss_per_connection_kib'] if d['open_at_end'] == $IDLE_CONNS else '-'" <<<"$out" 2>/dev/null || echo -
}
