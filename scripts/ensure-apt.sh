#!/bin/sh
# Usage: scripts/ensure-apt.sh COMMAND=PACKAGE...
#
# Installs each Debian PACKAGE whose COMMAND (a program name, or an absolute
# path to any file) is missing, with one `apt-get update` first and
# --no-install-recommends. Needs root (the project's machines and CI are).
# Prints nothing when everything is already there.
set -eu

missing=""
for pair in "$@"; do
  cmd=${pair%%=*}
  pkg=${pair#*=}
  case "$cmd" in
    /*) [ -e "$cmd" ] && continue ;;
    *) command -v "$cmd" >/dev/null 2>&1 && continue ;;
  esac
  case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
[ -z "$missing" ] && exit 0

echo "ensure-apt: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086  # a list of package names
apt-get install -y -qq --no-install-recommends $missing >&2
