#!/usr/bin/env bash
# Usage: scripts/test-electron-mode.sh [mocha test files...]   (default: the whole suite)
#
# Shows that the addon works where external ArrayBuffers are refused, as in
# Electron >= 21 (V8 memory cage: napi_create_external_arraybuffer and
# napi_create_external_buffer return napi_no_external_buffers_allowed).
# Electron's own binary cannot be fetched here, so:
#   1. control: the shim header scripts/electron-mode/no-external-buffers.h
#      really makes those calls fail (a tiny program compiled with it);
#   2. builds the addon with that header force-included and node-addon-api's
#      NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED, in a staging copy (the work
#      tree's build/ is not touched);
#   3. no binary imports the functions: objdump of that build, of
#      build/Release/os_mutex.node and of every prebuild present;
#   4. runs the test suite (node scripts/test.js, dist/test) on that build
#      through OS_MUTEX_NATIVE_BINDING.
# Ends with `N passed, N failed` (checks 1-3 count one each, plus the suite's tests).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SHIM=$ROOT/scripts/electron-mode/no-external-buffers.h
NODEDIR=${npm_config_nodedir:-$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)}
export npm_config_nodedir=$NODEDIR
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/os-mutex-electron.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

PASSED=0
FAILED=0
check() {  # check NAME COMMAND...: one pass or one failure
  local name=$1
  shift
  if "$@"; then echo "ok: $name"; PASSED=$((PASSED + 1)); else echo "FAIL: $name" >&2; FAILED=$((FAILED + 1)); fi
}
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }

# 1. The shim bites: with it, the calls return napi_no_external_buffers_allowed
#    without reaching Node at all (so this program needs no Node to run).
shim_control() {
  cat > "$STAGE/control.cc" <<'EOF'
#include <cstdio>
int main() {
  napi_value value;
  void* data;
  napi_status a = napi_create_external_arraybuffer(nullptr, nullptr, 0, nullptr, nullptr, &value);
  napi_status b = napi_create_external_buffer(nullptr, 0, nullptr, nullptr, nullptr, &value);
  (void)data;
  std::printf("external arraybuffer: %d, external buffer: %d (napi_no_external_buffers_allowed = %d)\n",
              a, b, napi_no_external_buffers_allowed);
  return a == napi_no_external_buffers_allowed && b == napi_no_external_buffers_allowed ? 0 : 1;
}
EOF
  g++ -std=c++17 -include "$SHIM" -I"$NODEDIR/include/node" -o "$STAGE/control" "$STAGE/control.cc" &&
    "$STAGE/control"
}
check "the shim makes napi_create_external_{arraybuffer,buffer} fail (control)" shim_control

# 2. The addon, built in Electron mode.
mkdir -p "$STAGE/pkg/scripts"
cp -r package.json native "$STAGE/pkg/"
cp scripts/build-native.js "$STAGE/pkg/scripts/"
rm -rf "$STAGE/pkg/native/build"
ln -s "$ROOT/node_modules" "$STAGE/pkg/node_modules"
BINARY=$STAGE/pkg/build/Release/os_mutex.node
build() {
  CXXFLAGS="${CXXFLAGS:-} -include $SHIM -DNODE_API_NO_EXTERNAL_BUFFERS_ALLOWED" \
    node "$STAGE/pkg/scripts/build-native.js" > "$STAGE/build.log" 2>&1 || { tail -n 30 "$STAGE/build.log"; return 1; }
  # the shim was compiled in (make echoes no flags: look in node-gyp's dependency files)
  grep -rqs 'no-external-buffers.h' "$STAGE/pkg/native/build/Release/.deps" ||
    { echo "the shim header is not among the build's dependencies" >&2; return 1; }
}
check "addon built with external buffers refused" build || finish

# 3. No binary imports the functions Electron refuses.
no_external_imports() {
  local file imports status=0
  for file in "$BINARY" build/Release/os_mutex.node prebuilds/*/*.node; do
    [ -f "$file" ] || continue
    case "$file" in
      prebuilds/win32-*) command -v x86_64-w64-mingw32-objdump >/dev/null || continue
        imports=$(x86_64-w64-mingw32-objdump -p "$file") ;;
      prebuilds/linux-arm64/*) command -v aarch64-linux-gnu-objdump >/dev/null || continue
        imports=$(aarch64-linux-gnu-objdump -T "$file") ;;
      *) imports=$(objdump -T "$file") ;;
    esac
    if grep -q 'napi_create_external_' <<<"$imports"; then
      echo "$file imports: $(grep -o 'napi_create_external_[a-z]*' <<<"$imports" | sort -u | xargs)" >&2
      status=1
    else
      echo "$file: no napi_create_external_* import ($(grep -c 'napi_' <<<"$imports") napi_ symbols)"
    fi
  done
  return $status
}
check "no binary imports napi_create_external_*" no_external_imports

# 4. The suite on the Electron-mode build.
echo "=== test suite on the Electron-mode build (OS_MUTEX_NATIVE_BINDING=$BINARY)"
OS_MUTEX_NATIVE_BINDING=$BINARY OS_MUTEX_BACKEND='' node scripts/test.js "$@" > "$STAGE/suite.log" 2>&1
rc=$?
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$STAGE/suite.log" | tail -n 1)
if [ -z "$line" ]; then
  tail -n 30 "$STAGE/suite.log"
  FAILED=$((FAILED + 1))
else
  [ $rc -eq 0 ] || grep -E '^\s+[0-9]+\) ' "$STAGE/suite.log" | sort -u | head -n 20
  echo "suite: $line"
  PASSED=$((PASSED + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  FAILED=$((FAILED + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
fi
finish
