# Shared by run.sh and test.sh: install what is missing, configure, build.
# Source it; it defines ROOT, BUILD and the functions below.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${WSKIT_BUILD_DIR:-$ROOT/build}

# Debian packages the build needs; test.sh adds the test peers, and the shells
# and groff that docs.sync loads the completions and renders the man pages with.
BUILD_PACKAGES=(g++ cmake ninja-build ccache pkg-config libwebsocketpp-dev libasio-dev libcli11-dev
  libfmt-dev catch2 libssl-dev zlib1g-dev libedit-dev nlohmann-json3-dev libre2-dev libhiredis-dev
  libicu-dev libnghttp2-dev)
TEST_PACKAGES=(python3 python3-websockets python3-jsonschema openssl tinyproxy microsocks tmux curl procps zsh fish
  groff-base chromium python3-prometheus-client redis-server haproxy bc nghttp2-proxy python3-h2 apache2-bin
  python3-junitparser socat)
# scripts/fuzz.sh builds its libFuzzer targets with clang.
FUZZ_PACKAGES=(clang libfuzzer-14-dev)
# Node.js may come from elsewhere than Debian (its npm then comes with it):
# install Debian's only when there is no node or npm at all.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  TEST_PACKAGES+=(nodejs npm)
fi

log() { printf '==> %s\n' "$*" >&2; }

# Installs the Debian packages that are not installed yet (apt-get update only
# when something is missing, so a second run is quick).
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Node peers (ws, wscat, playwright-core) under $1/npm, as
# tests/e2e/package.json lists them: the end-to-end tests and bench/run.sh
# use them.
install_node_peers() {
  local dir="$1/npm"
  if [ ! -f "$dir/package.json" ] || ! cmp -s "$ROOT/tests/e2e/package.json" "$dir/package.json"; then
    mkdir -p "$dir"
    cp "$ROOT/tests/e2e/package.json" "$dir/package.json"
    rm -rf "$dir/node_modules"
  fi
  if [ ! -d "$dir/node_modules" ]; then
    log "installing npm packages into $dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# Configures $BUILD (Release unless the arguments say otherwise), once: the
# arguments apply to a new build folder only.
configure() {
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    log "configuring $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  fi
}

# Configures and builds into $BUILD.
build() {
  configure "$@"
  log "building"
  cmake --build "$BUILD" -j"$(nproc)"
}
