#!/bin/sh
# Install what nettriage needs to build and test, on Debian.
# As root: apt-get install the missing packages. Otherwise: print the exact
# apt-get line and fail.
set -u
PKGS="build-essential pkg-config libmnl-dev libjansson-dev libnetfilter-conntrack-dev
libpcap-dev clang libclang-rt-14-dev jq iproute2 iputils-ping conntrack nftables
iptables mtr-tiny tcpdump prometheus man-db groff-base util-linux time procps kmod"
missing=""
for p in $PKGS; do
	# libclang-rt-14-dev only where clang 14 is the default (Debian 12)
	if [ "$p" = libclang-rt-14-dev ] && ! apt-cache show "$p" >/dev/null 2>&1; then
		continue
	fi
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "nettriage: missing packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && \
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
	echo "nettriage: apt-get install$missing failed" >&2; exit 1; }
