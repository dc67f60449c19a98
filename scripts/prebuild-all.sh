#!/usr/bin/env bash
# Usage: scripts/prebuild-all.sh [linux-x64] [linux-arm64] [win32-x64]   (default: all three)
#
# Builds the prebuilt binaries that ship in the npm tarball, offline, into
# prebuilds/<platform>-<arch>/os-mutex.node (the name node-gyp-build looks for:
# any *.node there; prebuildify names it after the package):
#   linux-x64    prebuildify --napi --strip (node-gyp, the machine's g++)
#   linux-arm64  the same, cross-compiled with aarch64-linux-gnu-g++
#   win32-x64    cmake-js + cmake/toolchain-win32-x64.cmake (mingw-w64, posix flavour)
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
cp -r package.json binding.gyp CMakeLists.txt native cmake "$STAGE/"
ln -s "$ROOT/node_modules" "$STAGE/node_modules"

run_prebuildify() {  # run_prebuildify ARGS...: into $ROOT/prebuilds/<platform>-<arch>/
  (cd "$STAGE" && PATH="$ROOT/node_modules/.bin:$PATH" \
    prebuildify --napi --strip --target "node@$NODE_VERSION" --out "$ROOT" "$@")
}

check_windows_dlls() {  # only system DLLs and node.exe may be imported
  local dlls bad
  dlls=$(x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^\s*DLL Name: //p')
  echo "$1: DLL Name $(echo $dlls)"
  bad=$(printf '%s\n' "$dlls" | grep -viE '^(kernel32\.dll|msvcrt\.dll|node\.exe|api-ms-win-[a-z0-9-]+\.dll)$' || true)
  if [ -n "$bad" ]; then
    echo "error: $1 imports non-system DLLs: $(echo $bad)" >&2
    return 1
  fi
}

declare -A SECONDS_FOR
for target in "${TARGETS[@]}"; do
  start=$SECONDS
  out="prebuilds/$target"
  rm -rf "$out"
  echo "=== $target ==="
  case "$target" in
    linux-x64)
      run_prebuildify
      scripts/check-linux-abi.sh "$out/$NAME.node"
      node -e "const b = require(process.argv[1]); b.init(0); const w = new Int32Array(new SharedArrayBuffer(16)); w[0] = -1; if (!b.create(1, w).tryLock()) process.exit(1)" \
        "$ROOT/$out/$NAME.node"
      ;;
    linux-arm64)
      CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
        run_prebuildify --arch=arm64 --strip-bin=aarch64-linux-gnu-strip
      scripts/check-linux-abi.sh "$out/$NAME.node"
      ;;
    win32-x64)
      (cd "$STAGE" && node_modules/.bin/cmake-js build --log-level warn -O "$STAGE/build-win32-x64" \
        --CDCMAKE_TOOLCHAIN_FILE="$STAGE/cmake/toolchain-win32-x64.cmake")
      mkdir -p "$out"
      x86_64-w64-mingw32-strip -o "$out/$NAME.node" "$STAGE/build-win32-x64/Release/os_mutex.node"
      check_windows_dlls "$out/$NAME.node"
      ;;
  esac
  SECONDS_FOR[$target]=$((SECONDS - start))
done

echo
echo "prebuilds (node $NODE_VERSION headers from $NODEDIR):"
for target in "${TARGETS[@]}"; do
  printf '  %-12s %8s bytes  %3ss  %s\n' "$target" "$(stat -c %s "prebuilds/$target/$NAME.node")" \
    "${SECONDS_FOR[$target]}" "prebuilds/$target/$NAME.node"
done
