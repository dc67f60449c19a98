#!/usr/bin/env bash
# Usage: scripts/prebuild-all.sh [linux-x64] [linux-arm64] [win32-x64]   (default: all three)
#
# Builds the prebuilt binaries that ship in the npm tarball, offline, into
# prebuilds/<platform>-<arch>/ (node-gyp-build picks the best-matching *.node
# there; prebuildify names it after the package):
#   linux-x64    os-mutex.glibc.node: prebuildify --napi --strip --tag-libc
#                (node-gyp, the machine's g++). The libc tag keeps musl (Alpine)
#                from loading a glibc binary: node-gyp-build skips a file tagged
#                glibc there, finds no prebuild, and the package builds from
#                source (npx os-mutex-build) or falls back to Atomics, with a warning.
#   linux-arm64  os-mutex.glibc.node: the same, cross-compiled with aarch64-linux-gnu-g++
#   win32-x64    os-mutex.node: cmake-js + cmake/toolchain-win32-x64.cmake (mingw-w64,
#                posix flavour)
# Every Linux binary must pass scripts/check-linux-abi.sh (glibc <= 2.28,
# GCC 8's libstdc++); the Windows one may import only system DLLs and node.exe.
# Any failure stops the script with a non-zero exit.
#
# The builds run in a staging copy of the sources: node-gyp's build/ in the
# work tree (a developer's own build) is never touched.
# Named prebuild-all, not prebuild: npm would run a `prebuild` script before `build`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(linux-x64 linux-arm64 win32-x64)
NAME=$(node -p "require('./package.json').name")

# Headers of the machine's Node: node-gyp must never download any.
NODEDIR=${npm_config_nodedir:-$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)}
[ -f "$NODEDIR/include/node/node_api.h" ] || { echo "no Node headers under $NODEDIR" >&2; exit 1; }
export npm_config_nodedir=$NODEDIR
NODE_VERSION=$(node -p process.versions.node)

need=(g++=g++ make=make python3=python3)
for target in "${TARGETS[@]}"; do
  case "$target" in
    linux-x64) ;;
    linux-arm64) need+=(aarch64-linux-gnu-g++=g++-aarch64-linux-gnu) ;;
    win32-x64) need+=(x86_64-w64-mingw32-g++-posix=mingw-w64 cmake=cmake) ;;
    *) echo "unknown target $target (linux-x64, linux-arm64, win32-x64)" >&2; exit 2 ;;
  esac
done
"$ROOT/scripts/ensure-apt.sh" "${need[@]}"

[ -x node_modules/.bin/prebuildify ] && [ -x node_modules/.bin/cmake-js ] ||
  { echo "run npm ci first (prebuildify, cmake-js are devDependencies)" >&2; exit 1; }

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/os-mutex-prebuild.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
cp -r package.json CMakeLists.txt native cmake "$STAGE/"
rm -rf "$STAGE/native/build"  # a developer's node-gyp build (scripts/build-native.js)
ln -s "$ROOT/node_modules" "$STAGE/node_modules"

# The file name each target's binary gets in prebuilds/<target>/.
binary_name() {
  case "$1" in linux-*) echo "$NAME.glibc.node" ;; *) echo "$NAME.node" ;; esac
}

run_prebuildify() {  # run_prebuildify ARGS...: into $ROOT/prebuilds/<platform>-<arch>/
  # native/binding.gyp: node-gyp runs in native/ (see the note in that file).
  (cd "$STAGE/native" && PATH="$ROOT/node_modules/.bin:$PATH" PREBUILD_LIBC=glibc \
    prebuildify --napi --strip --tag-libc --name "$NAME" --target "node@$NODE_VERSION" --out "$ROOT" "$@")
}

check_windows_dlls() {  # only system DLLs (advapi32: named locks' security descriptors) and node.exe may be imported
  local dlls bad
  dlls=$(x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^\s*DLL Name: //p')
  echo "$1: DLL Name $(echo $dlls)"
  bad=$(printf '%s\n' "$dlls" | grep -viE '^(kernel32\.dll|advapi32\.dll|msvcrt\.dll|node\.exe|api-ms-win-[a-z0-9-]+\.dll)$' || true)
  if [ -n "$bad" ]; then
    echo "error: $1 imports non-system DLLs: $(echo $bad)" >&2
    return 1
  fi
}

declare -A SECONDS_FOR
for target in "${TARGETS[@]}"; do
  start=$SECONDS
  out="prebuilds/$target"
  file="$out/$(binary_name "$target")"
  rm -rf "$out"
  echo "=== $target ==="
  case "$target" in
    linux-x64)
      run_prebuildify
      scripts/check-linux-abi.sh "$file"
      node -e "const b = require(process.argv[1]); b.init(0); const w = new Int32Array(new SharedArrayBuffer(16)); w[0] = -1; const s = new Int32Array(new SharedArrayBuffer(4)); b.setSlotWord(s); const anchor = {}; s[0] = b.create(1, w, anchor); if (b.tryLock() === undefined || w[0] !== 0) process.exit(1)" \
        "$ROOT/$file"
      ;;
    linux-arm64)
      CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
        run_prebuildify --arch=arm64 --strip-bin=aarch64-linux-gnu-strip
      scripts/check-linux-abi.sh "$file"
      ;;
    win32-x64)
      (cd "$STAGE" && node_modules/.bin/cmake-js build --log-level warn -O "$STAGE/build-win32-x64" \
        --CDCMAKE_TOOLCHAIN_FILE="$STAGE/cmake/toolchain-win32-x64.cmake")
      mkdir -p "$out"
      x86_64-w64-mingw32-strip -o "$file" "$STAGE/build-win32-x64/Release/os_mutex.node"
      check_windows_dlls "$file"
      ;;
  esac
  SECONDS_FOR[$target]=$((SECONDS - start))
done

echo
echo "prebuilds (node $NODE_VERSION headers from $NODEDIR):"
for target in "${TARGETS[@]}"; do
  file="prebuilds/$target/$(binary_name "$target")"
  printf '  %-12s %8s bytes  %3ss  %s\n' "$target" "$(stat -c %s "$file")" "${SECONDS_FOR[$target]}" "$file"
done
