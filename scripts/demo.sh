#!/usr/bin/env bash
# make demo: build a namespace scenario with real trouble in it
# (tests/net/demo-lib.inc: rising interface drops, a conntrack table near
# full, a CLOSE-WAIT leak, an overflowing accept queue, retransmits from a
# lossy router, a jittery and lossy dependency behind two routers), run
# `nettriage triage` inside it, tear everything down.
#
# Env: BUILD (default build): where nettriage and the test helpers are;
# DEMO_TRIAGE_OPTS (default "-i 1": rates judged over one second, not
# against a previous run the fresh namespace never had).
# Exit status: 0 when nettriage found the faults (its own exit 1 or 2),
# 1 when it found none or the scenario could not be built, else
# nettriage's status (3 could not measure, 64 usage).
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (it builds network namespaces); try: sudo make demo" >&2
	exit 1
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
NT=$top/$BUILD/nettriage
export NT_BUILD=$top/$BUILD
for t in ip conntrack nft iptables ss setsid; do
	command -v "$t" >/dev/null 2>&1 ||
		{ echo "demo: $t not found (make deps installs it)" >&2; exit 1; }
done
[ -x "$NT" ] || { echo "demo: $NT not built (make)" >&2; exit 1; }
[ -r /proc/sys/net/netfilter/nf_conntrack_max ] ||
	{ echo "demo: nf_conntrack is not loaded (modprobe nf_conntrack)" >&2; exit 1; }

# The throwaway namespaces' history stays out of the user's state dir.
DEMO_STATE=$(mktemp -d "${TMPDIR:-/tmp}/nt-demo-state.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR=$DEMO_STATE
# shellcheck disable=SC2317 # called from demo-lib.inc's EXIT trap
demo_cleanup_extra() { rm -rf "$DEMO_STATE"; }
# shellcheck source=tests/net/demo-lib.inc
. tests/net/demo-lib.inc

echo "demo: building the scenario (network namespaces, helpers, ~244k conntrack entries)"
demo_up nt-demo || { echo "demo: could not build the scenario (see above)" >&2; exit 1; }
demo_describe
echo

# show NT-ARGS...: print the command as a user would type it, run it
show() {
	echo "# nettriage $*"
	"$NT" "$@"
}
read -r -a topts <<<"${DEMO_TRIAGE_OPTS--i 1}"
err=$DEMO_TMP/triage.err
show -N "$DEMO_HOST" triage "${topts[@]}" "$DEMO_TARGET" 2>"$err"
rc=$?
cat "$err" >&2

demo_down nt-demo
echo "demo: torn down (namespaces deleted, helper processes stopped)"
case $rc in
1 | 2) echo "demo: nettriage exited $rc: the injected faults were found"; exit 0 ;;
0) echo "demo: nettriage found no fault in a scenario full of them: that is a bug" >&2; exit 1 ;;
*) echo "demo: nettriage exited $rc (could not measure, usage error or crash)" >&2; exit "$rc" ;;
esac
