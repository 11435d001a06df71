# Debian packages xoptim needs to build, test and package itself. Sourced by scripts/test
# and scripts/demo. This is the one list: append a package here when a part needs it.
XOPTIM_PACKAGES=(
  cmake
  ninja-build
  g++
  ccache
  pkg-config
  xtensor-dev
  libxsimd-dev
  xtl-dev
  libxxhash-dev
  doctest-dev
  libcli11-dev
  libbenchmark-dev
  libxml2-utils
  dpkg-dev
  libopenmpi-dev
  libxtensor-blas-dev
  libopenblas-dev
  openmpi-bin
  chromium
  fonts-dejavu-core
  python3
  clang
  clang-format
  libclang-rt-14-dev
)

# The WebAssembly compiler, for xoptim-viz's explorer page and the tests/wasm checks; scripts/demo
# and scripts/test install it when they can and go on without it when they cannot.
XOPTIM_WASM_PACKAGES=(
  emscripten
)

# Only for the tests (scripts/test): npm, for the browser test's playwright-core (tests/browser).
XOPTIM_TEST_PACKAGES=(
  npm
)

# xoptim_missing_packages [package...]: prints the packages of XOPTIM_PACKAGES, and the ones
# given, that are not installed.
xoptim_missing_packages() {
  local pkg status
  for pkg in "${XOPTIM_PACKAGES[@]}" "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# xoptim_ensure_packages [package...]: installs what is missing of XOPTIM_PACKAGES and the
# packages given when run as root; otherwise prints the exact command to run and returns 1.
xoptim_ensure_packages() {
  local missing
  mapfile -t missing < <(xoptim_missing_packages "$@")
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ $(id -u) -eq 0 ]]; then
    echo "Installing missing packages: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  else
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# Build with two jobs unless told otherwise.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
export CTEST_PARALLEL_LEVEL="${CTEST_PARALLEL_LEVEL:-2}"

# ccache (when installed) shares objects between checkouts: paths under the source tree are
# hashed relative to it, and the build folder is not hashed. Set either variable to override.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
