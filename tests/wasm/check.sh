#!/usr/bin/env bash
# The library compiled to WebAssembly with Emscripten (em++) and run under node must print what
# the native build prints, bit for bit.
#   check.sh trajectories <work dir> <native trajectories> <scalar trajectories> <include dir>...
#     `trajectories seed` from em++ against the native build; `trajectories large` against the
#     native build without SIMD (the path WebAssembly runs; see trajectories.cpp).
#   check.sh example <work dir> <data dir> <native example> [--reduces] <include dir>...
#     the example built with em++ and run under node in a folder of its own: its standard output,
#     exit status and every file it writes equal the native example's. With --reduces (a rule
#     that sums over a tensor long enough to fill SIMD batches, whose lanes sum in another order)
#     the reference is the example built natively without SIMD instead, by ${CXX:-c++}.
# The include dirs are those of xtensor, xsimd, xtl and xxhash: only their folders are given to
# em++ (a system /usr/include would bring the host's C library). Exits 77 (skipped) when em++ or
# node is missing.
set -euo pipefail

mode="$1"
work="$2"
shift 2
source_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"

if ! command -v em++ >/dev/null || ! command -v node >/dev/null; then
  echo "wasm checks skipped: em++ or node not found (Debian: apt-get install emscripten)"
  exit 77
fi
# Debian's emscripten finds its JavaScript modules (acorn) in Debian's node folder.
if [[ -d /usr/share/nodejs ]]; then
  export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
fi
mkdir -p "$work"

# stage_includes <include dir>...: a folder holding only the dependencies' headers.
stage_includes() {
  local staged="$work/include" dir entry
  rm -rf "$staged"
  mkdir -p "$staged"
  for dir in "$@"; do
    for entry in xtensor xsimd xtl xxhash.h; do
      if [[ -e "$dir/$entry" && ! -e "$staged/$entry" ]]; then
        ln -s "$dir/$entry" "$staged/$entry"
      fi
    done
  done
  for entry in xtensor xsimd xtl xxhash.h; do
    if [[ ! -e "$staged/$entry" ]]; then
      echo "check.sh: $entry not found in the include dirs: $*" >&2
      exit 1
    fi
  done
}

# em <output.js> <source> [flags...]: one program for node, the .wasm inside the .js.
em() {
  local out="$1" src="$2"
  shift 2
  em++ -std=c++20 -O1 -ffp-contract=off -fexceptions -sSINGLE_FILE=1 -sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 \
    -I"$source_dir/include" -I"$work/include" "$@" "$src" -o "$out" 2>"$out.log" || {
    echo "check.sh: em++ failed on $src:" >&2
    cat "$out.log" >&2
    return 1
  }
}

# same <what> <a> <b>: the two files are equal, or the first differing lines are shown.
same() {
  if cmp -s "$2" "$3"; then
    return 0
  fi
  echo "FAIL $1: $2 and $3 differ:" >&2
  diff "$2" "$3" | head -n 10 >&2
  return 1
}

status=0
case "$mode" in
  trajectories)
    native="$1"
    scalar="$2"
    shift 2
    stage_includes "$@"
    em "$work/trajectories.js" "$source_dir/tests/wasm/trajectories.cpp"
    for part in seed large; do
      node "$work/trajectories.js" "$part" >"$work/$part-wasm.txt"
      "$native" "$part" >"$work/$part-native.txt"
      "$scalar" "$part" >"$work/$part-scalar.txt"
    done
    same "seed: WebAssembly against native" "$work/seed-wasm.txt" "$work/seed-native.txt" || status=1
    same "seed: native without SIMD against native" "$work/seed-scalar.txt" "$work/seed-native.txt" || status=1
    same "large: WebAssembly against native without SIMD" "$work/large-wasm.txt" "$work/large-scalar.txt" || status=1
    runs=$(grep -c '^seed ' "$work/seed-native.txt")
    large=$(grep -c '^large ' "$work/large-native.txt")
    if [[ $status -eq 0 ]]; then
      echo "wasm trajectories: ${runs} seed runs and ${large} large runs equal bit for bit"
    fi
    ;;
  example)
    data_dir="$1"
    native="$2"
    shift 2
    reduces=0
    if [[ "${1:-}" == "--reduces" ]]; then
      reduces=1
      shift
    fi
    stage_includes "$@"
    name="$(basename "$native")"
    name="${name#example_}"
    args=()
    if [[ "$name" == "mlp_digits" ]]; then
      args=("$data_dir/digits.csv")
    fi
    em "$work/$name.js" "$source_dir/examples/$name.cpp" -DXOPTIM_DATA_DIR="\"$data_dir\""
    if [[ $reduces -eq 1 ]]; then
      "${CXX:-c++}" -std=c++20 -O1 -ffp-contract=off -DXSIMD_NO_SUPPORTED_ARCHITECTURE -I"$source_dir/include" \
        -I"$work/include" "$source_dir/examples/$name.cpp" -o "$work/${name}_scalar" -pthread
      native="$work/${name}_scalar"
    fi
    rm -rf "$work/run-native" "$work/run-wasm"
    mkdir -p "$work/run-native" "$work/run-wasm"
    rc_native=0
    rc_wasm=0
    (cd "$work/run-native" && "$native" "${args[@]}" >../native.out 2>&1) || rc_native=$?
    (cd "$work/run-wasm" && node "$work/$name.js" "${args[@]}" >../wasm.out 2>&1) || rc_wasm=$?
    if [[ $rc_native -ne $rc_wasm ]]; then
      echo "FAIL $name: exit status $rc_wasm under node, $rc_native native" >&2
      status=1
    fi
    same "$name: output" "$work/wasm.out" "$work/native.out" || status=1
    if ! diff -r "$work/run-wasm" "$work/run-native" >/dev/null; then
      echo "FAIL $name: the files it writes differ:" >&2
      diff -rq "$work/run-wasm" "$work/run-native" >&2 || true
      status=1
    fi
    if [[ $status -eq 0 ]]; then
      files=$(find "$work/run-native" -type f | wc -l)
      reference="the native example"
      if [[ $reduces -eq 1 ]]; then reference="the example built natively without SIMD"; fi
      echo "wasm example $name: the same output, exit status $rc_native and $files files written as ${reference}, byte for byte"
    fi
    ;;
  *)
    echo "usage: check.sh trajectories|example ..." >&2
    exit 2
    ;;
esac
exit $status
