#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in
# their own folder ($BUILD-fuzz, i.e. build-fuzz/ by default) and runs each
# for SECONDS (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]    e.g. scripts/fuzz.sh 600 url printer
#
# Each target starts from its committed seeds (tests/fuzz/corpus/NAME/) and
# the inputs earlier runs found ($BUILD-fuzz/corpus/NAME/). A finding (crash,
# leak, undefined behaviour, broken property) leaves its input in
# $BUILD-fuzz/findings/ and fails the run; replay it with
# $BUILD-fuzz/tests/fuzz/fuzz_NAME FILE.
set -euo pipefail
source "$(dirname "$0")/common.sh"

SECONDS_EACH=${1:-60}
shift || true
if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [NAME...]" >&2
  exit 2
fi
BUILD="$BUILD-fuzz"

install_packages "${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
configure -DCMAKE_CXX_COMPILER=clang++ -DWSKIT_FUZZ=ON -DWSKIT_BUILD_TESTS=OFF -DWSKIT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
log "building the fuzz targets"
cmake --build "$BUILD" -j"$(nproc)" --target fuzz_targets

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for source in "$ROOT"/tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    names+=("${name#fuzz_}")
  done
fi

FINDINGS="$BUILD/findings"
mkdir -p "$FINDINGS"
failed=()
for name in "${names[@]}"; do
  target="$BUILD/tests/fuzz/fuzz_$name"
  corpus="$BUILD/corpus/$name"
  mkdir -p "$corpus"
  log "fuzzing $name for ${SECONDS_EACH}s"
  out="$BUILD/fuzz_$name.log"
  # New inputs go to the first folder only: the committed seeds stay as they
  # are. -timeout: one input taking over 10 s is a finding (a hang).
  status=0
  "$target" "$corpus" "$ROOT/tests/fuzz/corpus/$name" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -artifact_prefix="$FINDINGS/$name-" -print_final_stats=1 >"$out" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$out" >&2
    log "fuzz $name: FAILED (exit $status) after ${runs:-?} runs; input in $FINDINGS, log in $out"
    failed+=("$name")
  else
    log "fuzz $name: ${runs:-?} runs, no findings"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  log "fuzzing: findings in ${failed[*]}"
  exit 1
fi
log "fuzzing: ${#names[@]} targets, no findings"
