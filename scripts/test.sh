#!/usr/bin/env bash
# Installs what is missing (Debian packages, and npm packages under the build
# folder), builds, and runs every test: unit, end-to-end, docs sync.
# Extra arguments go to ctest (e.g. scripts/test.sh -R e2e.connect).
#
# scripts/test.sh --sanitize [CTEST ARGS]: the unit and end-to-end tests again,
# on a build with AddressSanitizer (leak checking on) and UndefinedBehavior-
# Sanitizer in its own folder ($BUILD-asan, i.e. build-asan/ by default). The
# docs, firewall and install tests check nothing a sanitizer can see, so they
# run only in the normal pass.
set -euo pipefail
source "$(dirname "$0")/common.sh"

SANITIZE=0
if [ "${1:-}" = "--sanitize" ]; then
  SANITIZE=1
  shift
  # WSKIT_BUILD_DIR may already name the sanitizer build (…/build-asan).
  case "$BUILD" in *-asan) ;; *) BUILD="$BUILD-asan" ;; esac
fi

install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"

# Node peers for the end-to-end tests, kept under the build folder. The
# sanitizer build shares the normal build's (one npm install per clone, not
# two: about a minute of CI).
if [ "$SANITIZE" -eq 1 ]; then
  install_node_peers "${BUILD%-asan}"
  mkdir -p "$BUILD"
  [ -L "$BUILD/npm" ] || rm -rf "$BUILD/npm"  # a copy of its own, from before
  ln -sfn "${BUILD%-asan}/npm" "$BUILD/npm"
else
  install_node_peers "$BUILD"
fi

# WSKIT_UNITY_BUILD=1 (CI sets it) makes the normal build a unity build too,
# as the sanitizer build always is: half the time from nothing, where an
# edit would recompile a batch (see CMakeLists.txt). A new build folder only.
if [ "$SANITIZE" -eq 0 ]; then
  unity=OFF
  [ "${WSKIT_UNITY_BUILD:-0}" = 1 ] && unity=ON
  build -DWSKIT_BUILD_TESTS=ON -DWSKIT_UNITY_BUILD=$unity
  cd "$BUILD"
  exec ctest --output-on-failure -j"$(nproc)" "$@"
fi

# -O1 -g1: optimised enough that timing-sensitive tests still hold, with line
# numbers in the sanitizer reports. GCC's ASan + UBSan at -O2 -g took twice as
# long to compile (lib/src/net/server.cpp: 132 s against 65 s), the longest
# part of a fresh clone's CI. A unity build (see CMakeLists.txt): 6m44s
# fresh on 2 cores, where one file at a time took 12m04s.
build -DWSKIT_BUILD_TESTS=ON -DWSKIT_SANITIZE=ON -DWSKIT_UNITY_BUILD=ON -DWSKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"

# Reports go to files, one per process, not to stderr: a finding in a process
# whose exit status a test does not look at (a server stopped at the end of a
# test) must fail the pass too, and a report must not be taken for the
# program's own stderr. halt_on_error: the first finding ends the process.
REPORTS="$BUILD/sanitizer-reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:check_initialization_order=1:strict_init_order=1:log_path=$REPORTS/report"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/report"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
# Tests that bound time or memory read this to relax what ASan legitimately
# changes (its shadow memory and quarantine inflate RSS).
export WSKIT_SANITIZE=1

# The other tests are left out with -E, not chosen with -R: ctest keeps only
# the last -R, which would drop this filter when the caller gives one
# (scripts/test.sh --sanitize -R chat). A caller's -E is merged into ours.
exclude='^(docs|firewall|install|demo)\.'
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -E|--exclude-regex) exclude="$exclude|$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cd "$BUILD"
status=0
ctest --output-on-failure -j"$(nproc)" -E "$exclude" ${args[@]+"${args[@]}"} || status=$?

shopt -s nullglob
reports=("$REPORTS"/report.*)
if [ ${#reports[@]} -gt 0 ]; then
  for r in "${reports[@]}"; do
    printf '\n==> sanitizer report %s\n' "$r" >&2
    cat "$r" >&2
  done
  log "sanitizers: ${#reports[@]} report(s) in $REPORTS"
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -eq 0 ]; then
  log "sanitizers: no findings"
fi
exit "$status"
