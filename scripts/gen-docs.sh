#!/usr/bin/env bash
# Regenerates man/*.1 and completions/* from the CLI definition, by running
# the hidden `wskit generate --out-dir`: a page per command, nested ones
# named git's way (wskit bench merge: man/wskit-bench-merge.1, which
# `wskit generate man bench-merge` prints alone). Builds wskit first if
# needed, in $WSKIT_BUILD_DIR (build/ by default); set WSKIT=/path/to/wskit
# to use an existing binary instead. Commit the result: the docs.sync test
# fails while the committed files differ from the output.
set -euo pipefail
source "$(dirname "$0")/common.sh"

if [ -z "${WSKIT:-}" ]; then
  install_packages "${BUILD_PACKAGES[@]}"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    log "configuring $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  log "building wskit"
  cmake --build "$BUILD" --target wskit_cli -j"$(nproc)"
  WSKIT="$BUILD/apps/wskit"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$WSKIT" generate --out-dir "$out"

# Replace, not merge: a page of a command that no longer exists must go too.
rm -f "$ROOT"/man/*.1
find "$ROOT/completions" -maxdepth 1 -type f -delete
mkdir -p "$ROOT/man" "$ROOT/completions"
cp "$out"/man/*.1 "$ROOT/man/"
cp "$out"/completions/* "$ROOT/completions/"
log "regenerated: $(cd "$ROOT" && echo man/*.1 completions/*)"
