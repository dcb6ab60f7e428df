#!/usr/bin/env bash
# Installs what is missing (Debian packages, and npm packages under the build
# folder), builds, and runs every test: unit, end-to-end, docs sync.
# Extra arguments go to ctest (e.g. scripts/test.sh -R e2e.connect).
set -euo pipefail
source "$(dirname "$0")/common.sh"

install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"

# Node peers for the end-to-end tests, kept under the build folder.
NPM_DIR="$BUILD/npm"
if [ ! -f "$NPM_DIR/package.json" ] || ! cmp -s "$ROOT/tests/e2e/package.json" "$NPM_DIR/package.json"; then
  mkdir -p "$NPM_DIR"
  cp "$ROOT/tests/e2e/package.json" "$NPM_DIR/package.json"
  rm -rf "$NPM_DIR/node_modules"
fi
if [ ! -d "$NPM_DIR/node_modules" ]; then
  log "installing npm packages into $NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

build -DWSKIT_BUILD_TESTS=ON
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" "$@"
