#!/usr/bin/env bash
# Installs what is missing, builds, and runs a short demo of wskit: an echo
# server on a free loopback port, and a client that talks to it.
# With arguments, runs wskit with them instead: scripts/run.sh connect ws://...
set -euo pipefail
source "$(dirname "$0")/common.sh"

install_packages "${BUILD_PACKAGES[@]}"
build >&2
WSKIT="$BUILD/apps/wskit"

if [ $# -gt 0 ]; then
  exec "$WSKIT" "$@"
fi

exec "$ROOT/scripts/demo.sh" "$WSKIT"
