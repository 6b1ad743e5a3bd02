#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: `nettriage link` with 1,000+ interfaces against iproute2.
#
# In a throwaway namespace, 500 veth pairs (1,001 interfaces with lo) are
# created with one `ip -batch`; then `nettriage -N NS -j link`,
# `ip -n NS -s -s link` and `ip -n NS -j -s -s link` (output to /dev/null)
# run REPS times each, interleaved, after one warm-up round. Prints median
# and min wall time, the ratios nettriage/ip, and the peak RSS of each
# (/usr/bin/time -f %M). Targets (DESIGN.md): `nettriage -j link` <= 1.0x
# `ip -s -s link` and <= 1.0x `ip -j -s -s link`; both must hold for MET.
#
# Both sides enter the namespace themselves (nettriage -N and ip -n both
# setns), so the comparison is fair. Nothing outside the namespace is touched.
#
# Env: NT (nettriage binary), PAIRS (default 500), REPS (default 15),
# NT_BENCH_STRICT=1 to exit 1 when the target is missed.
set -u

NT=${NT:-}
PAIRS=${PAIRS:-500}
REPS=${REPS:-15}

if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "bench link: NT is not an executable nettriage (NT='$NT')" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then echo "bench link: SKIP (not root)"; exit 0; fi
if ! ip netns list >/dev/null 2>&1; then echo "bench link: SKIP (no ip netns)"; exit 0; fi
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench link: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; fi
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

NS="nt-bench-link-$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-bench-link.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" || { echo "bench link: ip netns add failed" >&2; exit 1; }
{
	echo "link set lo up"
	for ((i = 0; i < PAIRS; i++)); do
		echo "link add ntb$i type veth peer name ntp$i"
	done
	for ((i = 0; i < PAIRS; i++)); do
		echo "link set ntb$i up"
		echo "link set ntp$i up"
	done
} >"$TMP/batch"
t0=$EPOCHREALTIME
ip -n "$NS" -batch "$TMP/batch" >/dev/null || { echo "bench link: ip -batch failed" >&2; exit 1; }
t1=$EPOCHREALTIME
nif=$(ip -n "$NS" -o link show | wc -l)
printf 'setup: %d veth pairs, %d interfaces in %s, %s ms\n' "$PAIRS" "$nif" "$NS" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1000}')"

# Sanity: nettriage sees every interface and can measure.
"$NT" -N "$NS" -j link >"$TMP/nt.json" 2>"$TMP/nt.err"
rc=$?
ntif=$(jq '.interfaces | length' "$TMP/nt.json" 2>/dev/null)
if [ "$rc" -ge 3 ] || [ "${ntif:-0}" -ne "$nif" ]; then
	echo "bench link: nettriage -N $NS -j link exit $rc, ${ntif:-no} interfaces (ip: $nif): $(head -1 "$TMP/nt.err")" >&2
	exit 1
fi

names=("nettriage -j link" "ip -s -s link" "ip -j -s -s link" "nettriage link" "nettriage -q link")
NTOOLS=${#names[@]}
run() { # run K: one invocation of tool K, output discarded
	case $1 in
	0) "$NT" -N "$NS" -j link ;;
	1) ip -n "$NS" -s -s link ;;
	2) ip -n "$NS" -j -s -s link ;;
	3) "$NT" -N "$NS" link ;;
	4) "$NT" -N "$NS" -q link ;;
	esac >/dev/null 2>&1
}

# Warm-up, then REPS interleaved rounds (rotating the order every round).
. "$(dirname "$0")/bench-lib.inc"
bench_interleave "$NTOOLS" "$REPS"

med=() mins=()
for ((k = 0; k < NTOOLS; k++)); do
	# shellcheck disable=SC2086 # word splitting of the sample list
	med[k]=$(median ${T[$k]})
	# shellcheck disable=SC2086
	mins[k]=$(minimum ${T[$k]})
done

# Peak RSS (KiB): max over 3 runs each.
rss=()
for ((k = 0; k < NTOOLS; k++)); do
	rss[k]="n/a"
	[ -n "$TIME" ] || continue
	m=0
	for _ in 1 2 3; do
		case $k in
		0) "$TIME" -f %M -o "$TMP/rss" "$NT" -N "$NS" -j link ;;
		1) "$TIME" -f %M -o "$TMP/rss" ip -n "$NS" -s -s link ;;
		2) "$TIME" -f %M -o "$TMP/rss" ip -n "$NS" -j -s -s link ;;
		3) "$TIME" -f %M -o "$TMP/rss" "$NT" -N "$NS" link ;;
		4) "$TIME" -f %M -o "$TMP/rss" "$NT" -N "$NS" -q link ;;
		esac >/dev/null 2>&1
		v=$(tail -1 "$TMP/rss")
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	rss[k]=$m
done

printf '%d interfaces, %d interleaved runs each (median / min wall time, peak RSS)\n' "$nif" "$REPS"
for ((k = 0; k < NTOOLS; k++)); do
	printf '  %-20s %8.2f ms %8.2f ms %8s KiB\n' "${names[k]}" \
		"$(awk -v u="${med[k]}" 'BEGIN {print u / 1000}')" "$(awk -v u="${mins[k]}" 'BEGIN {print u / 1000}')" "${rss[k]}"
done
r3=$(awk -v a="${med[3]}" -v b="${med[1]}" 'BEGIN {print a / b}')
r4=$(awk -v a="${med[4]}" -v b="${med[1]}" 'BEGIN {print a / b}')
printf '  ratio nettriage link (table) / ip -s -s link: %.2fx\n' "$r3"
printf '  ratio nettriage -q link / ip -s -s link:      %.2fx\n' "$r4"
r1=$(awk -v a="${med[0]}" -v b="${med[1]}" 'BEGIN {print a / b}')
r2=$(awk -v a="${med[0]}" -v b="${med[2]}" 'BEGIN {print a / b}')
printf '  ratio nettriage -j / ip -s -s link:    %.2fx (target <= 1.00x)\n' "$r1"
printf '  ratio nettriage -j / ip -j -s -s link: %.2fx (target <= 1.00x)\n' "$r2"
if awk -v a="$r1" -v b="$r2" 'BEGIN {exit !(a <= 1.0 && b <= 1.0)}'; then
	echo "  target: MET"
else
	echo "  target: MISSED"
	[ "${NT_BENCH_STRICT:-}" = 1 ] && exit 1
fi
exit 0
