# Shared by bench/compress.sh, bench/fanout.sh and bench/fanout_redis.sh
# (sourced): a scratch folder and the processes to stop (one by one, or all on
# exit), copies of the binaries measured, logging, medians, reading bench's
# JSON, and starting a server pinned to SERVER_CPU. The caller sets BUILD and
# SERVER_CPU.

# scratch NAME: TMP, a scratch folder under the build folder (/tmp is shared
# with jobs that clean it), and PIDS, the processes to stop: on exit each is
# sent TERM and waited for, and TMP is removed.
scratch() {
  TMP=$(mktemp -d "$BUILD/$1.XXXXXX")
  PIDS=()
  trap stop_all EXIT
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
# A Python expression over the JSON document on stdin, as d: json "d['per_second']".
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# start_server COMMAND...: sets SERVER_PID, SERVER_URL (from its "listening on" line) and
# SERVER_ERR (the file its stderr goes to, for a caller that waits for more of it).
start_server() {
  local err=$TMP/server.$RANDOM.err
  SERVER_ERR=$err
  taskset -c "$SERVER_CPU" "$@" >/dev/null 2>"$err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 500); do
    SERVER_URL=$(sed -n 's/^listening on \(ws:\/\/[^ ]*\).*/\1/p' "$err" | head -1)
    [ -n "$SERVER_URL" ] && return 0
    sleep 0.01
  done
  log "server did not start: $(cat "$err")"
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
