#!/bin/sh
# Install what nettriage needs to build and test (scripts/packages.txt), on
# Debian. As root: apt-get install the missing ones. Otherwise: print the
# exact apt-get line and fail.
set -u
here=$(dirname "$0")
missing=""
for p in $(cat "$here/packages.txt"); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in *"install ok installed"*) continue ;; esac
	# libclang-rt-14-dev exists only where clang 14 is the default (Debian 12)
	if [ "$p" = libclang-rt-14-dev ] && ! apt-cache show "$p" >/dev/null 2>&1; then
		continue
	fi
	missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nettriage: missing Debian packages; as root run:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# From the package lists already there first (fast, and works offline when
# the .debs are cached); refresh the lists only when that fails.
# shellcheck disable=SC2086 # $missing is a list of words
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
	{ apt-get update -qq >/dev/null &&
	apt-get install -y -qq --no-install-recommends $missing >/dev/null; } || {
	echo "nettriage: apt-get install -y$missing failed" >&2; exit 1; }
