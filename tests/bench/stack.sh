#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: `nettriage stack` on a quiet host (a fresh namespace with lo
# only) and in a namespace with 1,000 interfaces (500 veth pairs), against
# the peer pipeline gathering the same facts:
#   cat /proc/net/softnet_stat; tc -s qdisc; ip -s ntable; nstat -az;
#   cat /proc/net/sockstat /proc/sys/fs/file-nr
# Both run inside the namespace (nettriage -N, the pipeline under one
# `ip netns exec sh -c`), interleaved, REPS rounds after a warm-up. Prints
# median and min wall time and the ratios. Targets (issue 10): < 5 ms
# quiet, < 20 ms with 1,000 interfaces (median of `nettriage -N NS -j
# stack`). Note: until part B (qdisc and neighbour-table dumps) is merged,
# the layer's netlink sources are placeholders, so the time measured here
# is the /proc part only and the qdisc dump's cost is not in it.
# Env: NT, PAIRS (500), REPS (21), NT_BENCH_STRICT=1 to fail a missed target.
set -u
NT=${NT:-}
PAIRS=${PAIRS:-500}
REPS=${REPS:-21}
if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "bench stack: NT is not an executable nettriage (NT='$NT')" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then echo "bench stack: SKIP (not root)"; exit 0; fi
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench stack: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; fi
for t in tc nstat jq; do
	command -v $t >/dev/null || { echo "bench stack: $t missing (scripts/packages.txt)" >&2; exit 1; }
done
Q="nt-bench-stq-$$-$RANDOM"
B="nt-bench-stb-$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-bench-stack.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state" NSTAT_HISTORY="$TMP/nstat.hist"
mkdir -p "$NETTRIAGE_STATE_DIR"
cleanup() {
	ip netns del "$Q" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$Q" && ip netns add "$B" || { echo "bench stack: ip netns add failed" >&2; exit 1; }
ip -n "$Q" link set lo up
{
	echo "link set lo up"
	for ((i = 0; i < PAIRS; i++)); do echo "link add nsb$i type veth peer name nsp$i"; done
	for ((i = 0; i < PAIRS; i++)); do echo "link set nsb$i up"; echo "link set nsp$i up"; done
} >"$TMP/batch"
ip -n "$B" -batch "$TMP/batch" >/dev/null || { echo "bench stack: ip -batch failed" >&2; exit 1; }
nif=$(ip -n "$B" -o link show | wc -l)
PEER='cat /proc/net/softnet_stat; tc -s qdisc; ip -s ntable; nstat -az; cat /proc/net/sockstat /proc/sys/fs/file-nr'
. "$(dirname "$0")/bench-lib.inc"

rc=0
for where in quiet big; do
	ns=$Q target=5
	[ $where = big ] && ns=$B target=20
	"$NT" -N "$ns" -j stack >"$TMP/nt.json" 2>"$TMP/nt.err"
	r=$?
	if [ "$r" -ge 3 ] || ! jq -e '.softnet | length > 0' "$TMP/nt.json" >/dev/null 2>&1; then
		echo "bench stack: nettriage -N $ns -j stack exit $r: $(head -1 "$TMP/nt.err")" >&2
		exit 1
	fi
	run() {
		case $1 in
		0) "$NT" -N "$ns" -j stack ;;
		1) "$NT" -N "$ns" stack ;;
		2) ip netns exec "$ns" sh -c "$PEER" ;;
		esac >/dev/null 2>&1
	}
	unset T
	declare -A T
	bench_interleave 3 "$REPS"
	names=("nettriage -j stack" "nettriage stack" "peer pipeline")
	med=() mins=()
	for k in 0 1 2; do
		# shellcheck disable=SC2086
		med[k]=$(median ${T[$k]})
		# shellcheck disable=SC2086
		mins[k]=$(minimum ${T[$k]})
	done
	if [ $where = quiet ]; then
		echo "quiet namespace (lo only), $REPS interleaved runs each (median / min):"
	else
		echo "$nif interfaces ($PAIRS veth pairs), $REPS interleaved runs each (median / min):"
	fi
	for k in 0 1 2; do
		printf '  %-20s %8.2f ms %8.2f ms\n' "${names[k]}" \
			"$(awk -v u="${med[k]}" 'BEGIN {print u / 1000}')" "$(awk -v u="${mins[k]}" 'BEGIN {print u / 1000}')"
	done
	printf '  ratio nettriage -j stack / peer pipeline: %.2fx\n' \
		"$(awk -v a="${med[0]}" -v b="${med[2]}" 'BEGIN {print a / b}')"
	printf '  ratio nettriage stack (table) / peer pipeline: %.2fx\n' \
		"$(awk -v a="${med[1]}" -v b="${med[2]}" 'BEGIN {print a / b}')"
	if awk -v a="${med[0]}" -v t="$target" 'BEGIN {exit !(a / 1000 < t)}'; then
		echo "  target < $target ms: MET"
	else
		echo "  target < $target ms: MISSED"
		rc=1
	fi
done
[ "${NT_BENCH_STRICT:-}" = 1 ] && exit $rc
exit 0
