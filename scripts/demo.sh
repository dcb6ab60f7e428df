#!/usr/bin/env bash
# The demo run.sh shows: what a user sees when wskit talks to a server.
# Usage: demo.sh PATH/TO/wskit
set -euo pipefail
WSKIT=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true  # the server exits 143 on SIGTERM
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# Port 0: the server picks a free port and says which on stderr.
"$WSKIT" echo 0 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$tmp/server.err" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$tmp/server.err")
[ -n "$url" ] || { echo "demo: the echo server did not start" >&2; cat "$tmp/server.err" >&2; exit 1; }

step "wskit echo 0            # -> $(cat "$tmp/server.err")"

step "printf 'hello\\nworld\\n' | wskit connect --output human -P $url"
printf 'hello\nworld\n' | "$WSKIT" connect --output human -P --color never "$url"

step "printf 'hello\\n/bin 00ff10\\n/ping are-you-there\\n/close 1000 bye\\n' | wskit connect --slash --output human -P $url"
printf 'hello\n/bin 00ff10\n/ping are-you-there\n/close 1000 bye\n' |
  "$WSKIT" connect --slash --output human -P --color never "$url"

step "echo '{\"op\":\"hi\"}' | wskit connect --json $url"
echo '{"op":"hi"}' | "$WSKIT" connect --json "$url"

step "seq 1 100000 | wskit connect $url | wc -l"
lines=$(seq 1 100000 | "$WSKIT" connect "$url" | wc -l)
echo "$lines"
[ "$lines" -eq 100000 ] || { echo "demo: expected 100000 echoes" >&2; exit 1; }

step "wskit connect ws://127.0.0.1:1/    # nothing listens there: exit 3"
status=0
"$WSKIT" connect ws://127.0.0.1:1/ </dev/null || status=$?
echo "exit status: $status"
[ "$status" -eq 3 ] || { echo "demo: expected exit status 3" >&2; exit 1; }
