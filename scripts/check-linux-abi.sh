#!/bin/sh
# Usage: scripts/check-linux-abi.sh FILE.node...
#
# Fails (exit 1) when a Linux binary asks for more than the oldest systems
# os-mutex supports: glibc 2.28, and the libstdc++ of GCC 8 (GLIBCXX_3.4.25,
# CXXABI_1.3.11) — the floor of Debian 10 and RHEL 8, which Node 20's own
# binaries also run on. Also fails on a shared library outside the C/C++
# runtime. Prints one summary line per file. See native/platform/glibc_compat.h for
# how the build stays under these limits.
set -eu

MAX_GLIBC=2.28
MAX_GLIBCXX=3.4.25
MAX_CXXABI=1.3.11
ALLOWED_NEEDED='^(libc\.so\.6|libdl\.so\.2|libpthread\.so\.0|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-.*\.so\.[0-9])$'

# newer A B: true when version A > version B.
newer() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]; }

# The objdump that reads this file's architecture (Debian's host one reads x86-64 only).
objdump_for() {
  case "$(readelf -h "$1" | sed -n 's/^ *Machine: *//p')" in
    *AArch64*) echo aarch64-linux-gnu-objdump ;;
    *) echo objdump ;;
  esac
}

status=0
for file in "$@"; do
  dump=$("$(objdump_for "$file")" -T -p "$file")
  line="$file:"
  for lib in GLIBC GLIBCXX CXXABI; do
    eval "max=\$MAX_$lib"
    # Every version of this library the binary binds to, newest last.
    versions=$(printf '%s\n' "$dump" | grep -oE "\b${lib}_[0-9]+(\.[0-9]+)*\b" | sed "s/^${lib}_//" | sort -uV)
    newest=$(printf '%s\n' "$versions" | tail -n 1)
    line="$line $lib ${newest:-none}"
    for v in $versions; do
      if newer "$v" "$max"; then
        echo "error: $file needs ${lib}_$v (> ${lib}_$max) for:" >&2
        printf '%s\n' "$dump" | grep -E "\b${lib}_$v\b" | sed 's/^/  /' >&2
        status=1
      fi
    done
  done
  needed=$(printf '%s\n' "$dump" | sed -n 's/^ *NEEDED *//p')
  for lib in $needed; do
    if ! printf '%s\n' "$lib" | grep -qE "$ALLOWED_NEEDED"; then
      echo "error: $file links $lib, which is not part of the C/C++ runtime" >&2
      status=1
    fi
  done
  echo "$line; NEEDED $(echo $needed)"
done
exit $status
