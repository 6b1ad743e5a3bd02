#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: the `nettriage tcp` state histogram with >= 100,000 sockets.
#
# In a throwaway namespace, WORKERS tcp_helper processes (the fd limit is
# 20,000 a process) each open PAIRS established loopback pairs: with the
# defaults 6 x 9,000 = 108,000 sockets. Then, after a warm-up round, REPS
# interleaved rounds (order rotated each round) time:
#   nettriage -j tcp              state histogram + counters + verdicts
#                                 (ephemeral ports per destination included)
#   ss -tan | awk                 counting states the usual way
#   ss -s                         the summary (reads /proc/net/sockstat:
#                                 no dump, and partly global numbers)
#   tcp_bare_dump                 a bare sock_diag dump per family that
#                                 discards the data: the kernel's own cost
#   nettriage -j tcp --top 10     plus the per-socket INET_DIAG_INFO dump
#   ss -tin                       its peer: every socket with tcp_info
# Every tool enters the namespace the same way (nsenter --net, one exec),
# output to /dev/null. Prints median and min wall time, the median ratios
# and peak RSS (/usr/bin/time -f %M, max of 3 runs).
# Targets (DESIGN.md): nettriage <= 0.5x `ss -tan | awk`, <= 1.3x the bare
# dump, peak RSS < 8 MiB.
#
# Env: NT, WORKERS (6), PAIRS (9000), REPS (11), CC (cc),
# NT_BENCH_STRICT=1 to exit 1 when a target is missed.
set -u

NT=${NT:-}
WORKERS=${WORKERS:-6}
PAIRS=${PAIRS:-9000}
REPS=${REPS:-11}
CC=${CC:-cc}
top=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "bench tcp: NT is not an executable nettriage (NT='$NT')" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then echo "bench tcp: SKIP (not root)"; exit 0; fi
if ! ip netns list >/dev/null 2>&1; then echo "bench tcp: SKIP (no ip netns)"; exit 0; fi
for t in nsenter ss jq awk; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench tcp: needs $t" >&2; exit 1; }
done
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench tcp: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; fi
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

NS="nt-bench-tcp-$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-bench-tcp.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$CC" -O2 -o "$TMP/tcp_bare_dump" "$top/tests/bench/tcp_bare_dump.c" ||
	{ echo "bench tcp: cannot build tcp_bare_dump" >&2; exit 1; }
"$CC" -O2 -D_GNU_SOURCE -o "$TMP/tcp_helper" "$top/tests/net/tcp_helper.c" ||
	{ echo "bench tcp: cannot build tcp_helper" >&2; exit 1; }

ip netns add "$NS" || { echo "bench tcp: ip netns add failed" >&2; exit 1; }
ip -n "$NS" link set lo up
# per-namespace sysctls only
ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
	net.ipv4.ip_local_port_range="10000 65535"
IN=(nsenter "--net=/run/netns/$NS")

t0=$EPOCHREALTIME
for ((w = 0; w < WORKERS; w++)); do
	"${IN[@]}" "$TMP/tcp_helper" pairs 127.0.0.1 $((5000 + w)) "$PAIRS" >"$TMP/w$w.out" 2>"$TMP/w$w.err" &
	PIDS+=($!)
done
for ((w = 0; w < WORKERS; w++)); do
	for ((i = 0; i < 600; i++)); do
		grep -q ready "$TMP/w$w.out" 2>/dev/null && break
		if ! kill -0 "${PIDS[w]}" 2>/dev/null; then
			echo "bench tcp: worker $w died: $(head -1 "$TMP/w$w.err")" >&2
			exit 1
		fi
		sleep 0.1
	done
done
t1=$EPOCHREALTIME
nss=$("${IN[@]}" ss -Htan | wc -l)
printf 'setup: %d workers x %d pairs, %d TCP sockets in %s, %s ms\n' "$WORKERS" "$PAIRS" "$nss" "$NS" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1000}')"

# Sanity: nettriage counts what ss counts.
"${IN[@]}" "$NT" -j tcp >"$TMP/nt.json" 2>"$TMP/nt.err"
ntt=$(jq .total "$TMP/nt.json" 2>/dev/null)
if [ "${ntt:-0}" -ne "$nss" ]; then
	echo "bench tcp: nettriage total ${ntt:-none} != ss $nss: $(head -1 "$TMP/nt.err")" >&2
	exit 1
fi

# The run counts ephemeral ports too (every client socket of the pairs is on
# one of 10000-65535, towards one of WORKERS listeners): the same as ss.
# (A build from before the check has no "ephemeral" key: "before" runs.)
nte=$(jq '.ephemeral.sockets' "$TMP/nt.json" 2>/dev/null)
sse=$("${IN[@]}" ss -Htan state all | awk '$1 != "LISTEN" {n = split($4, a, ":"); p = a[n] + 0; if (p >= 10000) c++} END {print c + 0}')
if [ "$(jq 'has("ephemeral")' "$TMP/nt.json" 2>/dev/null)" != true ]; then
	echo "ephemeral ports: not counted by this build"
elif [ "${nte:-x}" != "$sse" ]; then
	echo "bench tcp: nettriage ephemeral.sockets ${nte:-none} != ss $sse" >&2
	exit 1
else
	printf 'ephemeral ports: %s sockets hold one (ss: %s), %s destinations, busiest %s\n' "$nte" "$sse" \
		"$(jq .ephemeral.destinations "$TMP/nt.json")" \
		"$(jq -r '.ephemeral_top[0] | "\(.raddr):\(.rport) \(.sockets)/\(.usable_ports)"' "$TMP/nt.json")"
fi

names=("nettriage -j tcp" "ss -tan | awk" "ss -s" "tcp_bare_dump" "nettriage --top 10" "ss -tin")
NK=${#names[@]}
run() { # run K: one invocation of tool K, output discarded
	case $1 in
	0) "${IN[@]}" "$NT" -j tcp >/dev/null 2>&1 ;;
	1) "${IN[@]}" ss -tan 2>/dev/null | awk 'NR > 1 {c[$1]++} END {for (s in c) print s, c[s]}' >/dev/null ;;
	2) "${IN[@]}" ss -s >/dev/null 2>&1 ;;
	3) "${IN[@]}" "$TMP/tcp_bare_dump" >/dev/null 2>&1 ;;
	4) "${IN[@]}" "$NT" -j tcp --top 10 >/dev/null 2>&1 ;;
	5) "${IN[@]}" ss -tin >/dev/null 2>&1 ;;
	esac
}

. "$(dirname "$0")/bench-lib.inc"
bench_interleave "$NK" "$REPS"

med=() mins=() rss=()
for ((k = 0; k < NK; k++)); do
	# shellcheck disable=SC2086 # word splitting of the list is wanted
	med+=("$(median ${T[$k]})")
	# shellcheck disable=SC2086
	mins+=("$(minimum ${T[$k]})")
	rss+=("n/a")
done
if [ -n "$TIME" ]; then
	for ((k = 0; k < NK; k++)); do
		m=0
		for _ in 1 2 3; do
			case $k in
			0) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" "$NT" -j tcp ;;
			1) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" ss -tan ;;
			2) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" ss -s ;;
			3) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" "$TMP/tcp_bare_dump" ;;
			4) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" "$NT" -j tcp --top 10 ;;
			5) "$TIME" -f %M -o "$TMP/rss" "${IN[@]}" ss -tin ;;
			esac >/dev/null 2>&1
			v=$(tail -1 "$TMP/rss")
			[ "${v:-0}" -gt "$m" ] && m=$v
		done
		rss[k]=$m
	done
fi

printf '%d sockets, %d interleaved runs each (median / min wall time, peak RSS)\n' "$nss" "$REPS"
for ((k = 0; k < NK; k++)); do
	printf '  %-18s %9.2f ms %9.2f ms %8s KiB\n' "${names[k]}" \
		"$(awk -v u="${med[k]}" 'BEGIN {print u / 1000}')" "$(awk -v u="${mins[k]}" 'BEGIN {print u / 1000}')" "${rss[k]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
r1=$(ratio "${med[0]}" "${med[1]}")
r2=$(ratio "${med[0]}" "${med[2]}")
r3=$(ratio "${med[0]}" "${med[3]}")
printf '  median ratio nettriage / ss -tan | awk:  %sx (target <= 0.50x)\n' "$r1"
printf '  median ratio nettriage / ss -s:          %sx (ss -s reads /proc/net/sockstat, no dump)\n' "$r2"
printf '  median ratio nettriage / bare dump:      %sx (target <= 1.30x)\n' "$r3"
printf '  median ratio nettriage --top 10 / ss -tin: %sx (no target)\n' "$(ratio "${med[4]}" "${med[5]}")"
printf '  peak RSS nettriage: %s KiB (target < 8192 KiB)\n' "${rss[0]}"
met=1
awk -v r="$r1" 'BEGIN {exit !(r <= 0.5)}' || met=0
awk -v r="$r3" 'BEGIN {exit !(r <= 1.3)}' || met=0
[ "${rss[0]}" = n/a ] || [ "${rss[0]}" -lt 8192 ] || met=0
if [ "$met" = 1 ]; then
	echo "  targets: MET"
else
	echo "  targets: MISSED"
	[ "${NT_BENCH_STRICT:-}" = 1 ] && exit 1
fi
exit 0
