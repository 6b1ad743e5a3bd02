#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup and run() are called indirectly
# Benchmark: `nettriage triage` (ISSUE 9, "Performance").
#
# Part 1. One throwaway namespace gets ~100,000 TCP sockets (WORKERS
# tcp_helper processes, PAIRS established loopback pairs each: the fd limit
# is 20,000 a process) and CT conntrack entries (`conntrack -R`, no traffic;
# the namespace's own count must reach CT: the global nf_conntrack_max is
# never changed). After a warm-up round, REPS interleaved rounds (order
# rotated each round) time, every tool entering the namespace the same way
# (nsenter --net, one exec each), output to /dev/null:
#   nettriage triage        the table a user reads
#   nettriage -j triage     the same as JSON
#   shell pipeline          the same facts gathered the usual way:
#                           ip -s -s link; conntrack -C; conntrack -S;
#                           ss -tan | awk (counting states); nstat -az
# and, for reference (no target), each layer's own command and the
# `ss -tan | awk` part alone, so a layer-by-layer projection is at hand
# while triage gains layers. Target: triage <= 0.5x the pipeline (table and
# JSON both). Peak RSS (/usr/bin/time -f %M, max of 3 runs) of nettriage
# and of every process of the pipeline.
# The layers the triage JSON reports are printed; where a layer is present
# its figures are checked against the peers (link: interfaces vs
# `ip -o link`; tcp: total vs `ss -Htan | wc -l`; conntrack: count vs
# `conntrack -C`), and a disagreement fails the bench. An absent layer is
# only reported.
#
# Part 2. NNS namespaces in a ring (lo up, a veth pair to the next one, a
# tcp_helper listener with a few established pairs, a few conntrack
# entries, one ping over the veth), then `nettriage --all-netns triage`
# (JSON and table, interleaved, SWEEP_REPS rounds). Target: median < 2 s.
# --all-netns sweeps EVERY namespace of the machine, so the number the JSON
# reports (and how many are not ours) is printed; ours are sanity-checked
# like part 1.
#
# Setup times, the total time (target < 3 min) and a cleanup check (no
# namespace, no process left; also on ^C) are printed.
#
# Env: NT, WORKERS (6), PAIRS (8500), CT (200000), REPS (9), NNS (50),
# SWEEP_REPS (7), CC (cc), NT_BENCH_STRICT=1 to exit 1 when a target is
# missed. Wrong figures and leftovers fail the bench always.
set -u

NT=${NT:-}
WORKERS=${WORKERS:-6}
PAIRS=${PAIRS:-8500}
CT=${CT:-200000}
REPS=${REPS:-9}
NNS=${NNS:-50}
SWEEP_REPS=${SWEEP_REPS:-7}
CC=${CC:-cc}
top=$(cd "$(dirname "$0")/../.." && pwd)
B="bench triage"

if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "$B: NT is not an executable nettriage (NT='$NT')" >&2
	exit 1
fi
NT=$(cd "$(dirname "$NT")" && pwd)/$(basename "$NT")
if [ "$(id -u)" -ne 0 ]; then echo "$B: SKIP (not root)"; exit 0; fi
if ! ip netns list >/dev/null 2>&1; then echo "$B: SKIP (no ip netns)"; exit 0; fi
for t in nsenter ss jq awk conntrack nstat ping; do
	command -v "$t" >/dev/null 2>&1 || { echo "$B: needs $t" >&2; exit 1; }
done
if [ -z "${EPOCHREALTIME:-}" ]; then echo "$B: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; fi
if [ "$NNS" -gt 64 ] || [ "$NNS" -lt 2 ]; then echo "$B: NNS must be 2..64 (one /30 of 198.51.100.0/24 each)" >&2; exit 1; fi
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=
max=$(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo 0)
if [ "$CT" -ge "$max" ]; then
	echo "$B: CT=$CT does not fit the global nf_conntrack_max $max (never changed here)" >&2
	exit 1
fi

T_START=$EPOCHREALTIME
PREFIX="nt-bench-tri-$$-$RANDOM"
NS="$PREFIX-big"
SW=() # the sweep namespaces
for ((i = 0; i < NNS; i++)); do SW+=("$PREFIX-s$i"); done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-bench-triage.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state" NSTAT_HISTORY="$TMP/nstat.history"
mkdir -p "$NETTRIAGE_STATE_DIR"
# The traps may fire inside a redirection to /dev/null (run K): they write
# to the original stdout and stderr, kept as fds 3 and 4.
exec 3>&1 4>&2
PIDS=()    # every process started, also the ones already stopped
SPIDS=()
CLEANED=0

stop_pids() { # stop_pids PID...: TERM, then wait for each
	local p
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
}
del_namespaces() { # del_namespaces NAME...: one ip -batch, for the ones that exist
	local n have
	have=$(ip netns list 2>/dev/null | awk '{print $1}')
	for n in "$@"; do
		grep -qxF "$n" <<<"$have" && echo "netns del $n"
	done >"$TMP/del.batch"
	[ -s "$TMP/del.batch" ] && ip -batch "$TMP/del.batch" >/dev/null 2>&1
}
leftovers() { # prints what is left: namespaces named PREFIX*, live PIDS
	local p n=0 np=0
	n=$(ip netns list 2>/dev/null | awk -v p="$PREFIX-" 'index($1, p) == 1' | wc -l)
	for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && np=$((np + 1)); done
	echo "$n $np"
}
cleanup() {
	local rc=$? left
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM
	stop_pids "${PIDS[@]}"
	ip netns exec "$NS" conntrack -F >/dev/null 2>&1
	del_namespaces "$NS" "${SW[@]}"
	left=$(leftovers)
	rm -rf "$TMP"
	if [ "$left" = "0 0" ]; then
		echo "cleanup: ok (0 namespaces, 0 processes left)" >&3
	else
		# shellcheck disable=SC2086 # two numbers
		set -- $left
		echo "cleanup: FAILED: $1 namespaces $PREFIX-* and $2 processes left" >&4
		rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$B: interrupted" >&4; exit 130' INT TERM

ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", (b - a) * 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'; }
peak_rss() { # peak_rss CMD...: max %M over 3 runs (KiB), output discarded
	local m=0 v
	[ -n "$TIME" ] || { echo n/a; return; }
	for _ in 1 2 3; do
		"$TIME" -f %M -o "$TMP/rss" "$@" >/dev/null 2>&1
		v=$(tail -1 "$TMP/rss")
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	echo "$m"
}
# shellcheck source=tests/bench/bench-lib.inc
. "$(dirname "$0")/bench-lib.inc"
FAIL=0    # a wrong figure: fails always
MISSED=0  # a missed target: fails with NT_BENCH_STRICT=1
target() { # target LABEL AWK-CONDITION: prints MET or MISSED (and sets MISSED)
	if awk "BEGIN {exit !($2)}"; then
		echo "  $1: MET"
	else
		echo "  $1: MISSED"
		MISSED=1
	fi
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$CC" -O2 -D_GNU_SOURCE -o "$TMP/tcp_helper" "$top/tests/net/tcp_helper.c" ||
	{ echo "$B: cannot build tcp_helper" >&2; exit 1; }

# ---------------------------------------------------------------- part 1
t0=$EPOCHREALTIME
ip netns add "$NS" || { echo "$B: ip netns add failed" >&2; exit 1; }
ip -n "$NS" link set lo up
# per-namespace sysctls only
ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
	net.ipv4.ip_local_port_range="10000 65535"
IN=(nsenter "--net=/run/netns/$NS")
WPIDS=()
for ((w = 0; w < WORKERS; w++)); do
	"${IN[@]}" "$TMP/tcp_helper" pairs 127.0.0.1 $((5000 + w)) "$PAIRS" >"$TMP/w$w.out" 2>"$TMP/w$w.err" &
	PIDS+=($!) WPIDS+=($!)
done
# conntrack entries while the workers connect: ESTABLISHED ASSURED, every
# 4th SYN_SENT, every 10th UDP; 3600 s, so none expires during the bench
awk -v n="$CT" 'BEGIN {
	for (i = 0; i < n; i++) {
		h = int(i / 60000); p = 1024 + i % 60000
		src = "198.51.100." (h + 1)
		if (i % 10 == 0)
			printf "-I -s %s -d 192.0.2.53 -p udp --sport %d --dport 53 -t 3600\n", src, p
		else if (i % 4 == 0)
			printf "-I -s %s -d 192.0.2.80 -p tcp --sport %d --dport 80 --state SYN_SENT -t 3600\n", src, p
		else
			printf "-I -s %s -d 192.0.2.80 -p tcp --sport %d --dport 443 --state ESTABLISHED -u ASSURED -t 3600\n", src, p
	}
}' >"$TMP/ct"
ip netns exec "$NS" conntrack -R "$TMP/ct" >/dev/null 2>"$TMP/ct.err"
rm -f "$TMP/ct"
t_ct=$EPOCHREALTIME
for ((w = 0; w < WORKERS; w++)); do
	for ((i = 0; i < 600; i++)); do
		grep -q ready "$TMP/w$w.out" 2>/dev/null && break
		if ! kill -0 "${WPIDS[w]}" 2>/dev/null; then
			echo "$B: worker $w died: $(head -1 "$TMP/w$w.err")" >&2
			exit 1
		fi
		sleep 0.1
	done
done
t1=$EPOCHREALTIME
nss=$("${IN[@]}" ss -Htan | wc -l)
nct=$(ip netns exec "$NS" conntrack -C 2>/dev/null)
nif=$(ip -n "$NS" -o link show | wc -l)
printf 'setup 1: %d TCP sockets (%d workers x %d pairs), %s conntrack entries, %d interfaces in %s: %s ms (conntrack -R %s ms)\n' \
	"$nss" "$WORKERS" "$PAIRS" "${nct:-none}" "$nif" "$NS" "$(ms "$t0" "$t1")" "$(ms "$t0" "$t_ct")"
if [ "$nss" -ne $((WORKERS * (2 * PAIRS + 1))) ]; then
	echo "$B: $nss TCP sockets, want $((WORKERS * (2 * PAIRS + 1)))" >&2
	exit 1
fi
if [ "${nct:-0}" -lt "$CT" ]; then
	echo "$B: the namespace holds ${nct:-no} conntrack entries, want $CT: $(head -1 "$TMP/ct.err")" >&2
	exit 1
fi

# Which layers triage reports, and do the present ones agree with the peers?
"${IN[@]}" "$NT" -j triage >"$TMP/tri.json" 2>"$TMP/tri.err"
rc=$?
if ! jq -e '.layers' "$TMP/tri.json" >/dev/null 2>&1; then
	echo "$B: nettriage -j triage exit $rc, no JSON layers: $(head -1 "$TMP/tri.err")" >&2
	exit 1
fi
layers=$(jq -c '.layers | keys' "$TMP/tri.json")
echo "triage: exit $rc, layers $layers, $(jq '.checks' "$TMP/tri.json") checks, level $(jq -r '.level' "$TMP/tri.json")"
jq -r '.verdicts[]? | select(.level != "ok") | "  verdict: \(.layer) \(.check) \(.subject) \(.level): \(.reason)"' "$TMP/tri.json"
check_fig() { # check_fig LAYER WHAT JQ-EXPR PEER-VALUE
	local got
	if ! jq -e --arg l "$1" '.layers | has($l)' "$TMP/tri.json" >/dev/null; then
		echo "  sanity $1: layer absent, not checked"
		return
	fi
	got=$(jq "$3" "$TMP/tri.json")
	if [ "$got" = "$4" ]; then
		echo "  sanity $1: $2 $got = peer $4"
	else
		echo "  sanity $1: $2 ${got:-none} != peer $4: WRONG" >&2
		FAIL=1
	fi
}
check_fig link "interfaces" '.layers.link.interfaces | length' "$nif"
check_fig tcp "total" '.layers.tcp.total' "$("${IN[@]}" ss -Htan | wc -l)"
check_fig conntrack "count" '.layers.conntrack.count' "$(ip netns exec "$NS" conntrack -C 2>/dev/null)"
[ "$FAIL" = 1 ] && exit 1

# shellcheck disable=SC2016 # awk's own $1
AWK_STATES='NR > 1 {c[$1]++} END {for (s in c) print s, c[s]}'
names=("nettriage triage" "nettriage -j triage" "shell pipeline"
	"  nettriage -j link" "  nettriage -j conntrack" "  nettriage -j tcp" "  ss -tan | awk")
NK=${#names[@]}
run() { # run K: one invocation of tool K, output discarded
	case $1 in
	0) "${IN[@]}" "$NT" triage ;;
	1) "${IN[@]}" "$NT" -j triage ;;
	2)
		"${IN[@]}" ip -s -s link
		"${IN[@]}" conntrack -C
		"${IN[@]}" conntrack -S
		"${IN[@]}" ss -tan | awk "$AWK_STATES"
		"${IN[@]}" nstat -az
		;;
	3) "${IN[@]}" "$NT" -j link ;;
	4) "${IN[@]}" "$NT" -j conntrack ;;
	5) "${IN[@]}" "$NT" -j tcp ;;
	6) "${IN[@]}" ss -tan | awk "$AWK_STATES" ;;
	esac >/dev/null 2>&1
}
bench_interleave "$NK" "$REPS"
med=() mins=()
for ((k = 0; k < NK; k++)); do
	# shellcheck disable=SC2086 # word splitting of the sample list
	med[k]=$(median ${T[$k]})
	# shellcheck disable=SC2086
	mins[k]=$(minimum ${T[$k]})
done
rss=(
	"$(peak_rss "${IN[@]}" "$NT" triage)"
	"$(peak_rss "${IN[@]}" "$NT" -j triage)"
	"" # the pipeline: below
	"$(peak_rss "${IN[@]}" "$NT" -j link)"
	"$(peak_rss "${IN[@]}" "$NT" -j conntrack)"
	"$(peak_rss "${IN[@]}" "$NT" -j tcp)"
	"" # ss -tan | awk: below
)
if [ -n "$TIME" ]; then
	"${IN[@]}" ss -tan >"$TMP/ss.out" 2>/dev/null
	prss_ip=$(peak_rss "${IN[@]}" ip -s -s link)
	prss_cc=$(peak_rss "${IN[@]}" conntrack -C)
	prss_cs=$(peak_rss "${IN[@]}" conntrack -S)
	prss_ss=$(peak_rss "${IN[@]}" ss -tan)
	prss_awk=$(peak_rss awk "$AWK_STATES" "$TMP/ss.out")
	prss_ns=$(peak_rss "${IN[@]}" nstat -az)
	rm -f "$TMP/ss.out"
	rss[2]=$(printf '%s\n' "$prss_ip" "$prss_cc" "$prss_cs" "$prss_ss" "$prss_awk" "$prss_ns" | sort -n | tail -1)
	rss[6]=$prss_ss
else
	rss[2]=n/a rss[6]=n/a
fi

printf '%d sockets, %d conntrack entries, %d interleaved runs each (median / min wall time, peak RSS)\n' "$nss" "$nct" "$REPS"
for ((k = 0; k < NK; k++)); do
	[ "$k" = 3 ] && echo "  reference (no target): each layer's own command"
	printf '  %-24s %9.2f ms %9.2f ms %8s KiB\n' "${names[k]}" \
		"$(awk -v u="${med[k]}" 'BEGIN {print u / 1000}')" "$(awk -v u="${mins[k]}" 'BEGIN {print u / 1000}')" "${rss[k]}"
done
[ -n "$TIME" ] && printf '  pipeline peak RSS per process (KiB): ip %s, conntrack -C %s, conntrack -S %s, ss -tan %s, awk %s, nstat %s\n' \
	"$prss_ip" "$prss_cc" "$prss_cs" "$prss_ss" "$prss_awk" "$prss_ns"
r0=$(ratio "${med[0]}" "${med[2]}")
r1=$(ratio "${med[1]}" "${med[2]}")
printf '  median ratio nettriage triage / pipeline:    %sx (target <= 0.50x; layers %s)\n' "$r0" "$layers"
printf '  median ratio nettriage -j triage / pipeline: %sx (target <= 0.50x)\n' "$r1"
printf '  sum of the layer commands / pipeline:        %sx (what a full triage would cost run one by one)\n' \
	"$(ratio "$((med[3] + med[4] + med[5]))" "${med[2]}")"
target "target 1" "$r0 <= 0.5 && $r1 <= 0.5"

t2=$EPOCHREALTIME
stop_pids "${WPIDS[@]}"
ip netns exec "$NS" conntrack -F >/dev/null 2>&1
del_namespaces "$NS"
t3=$EPOCHREALTIME
echo "teardown 1: $(ms "$t2" "$t3") ms"

# ---------------------------------------------------------------- part 2
t0=$EPOCHREALTIME
{
	for ((i = 0; i < NNS; i++)); do echo "netns add ${SW[i]}"; done
	for ((i = 0; i < NNS; i++)); do
		echo "link add va$i netns ${SW[i]} type veth peer name vb$i netns ${SW[(i + 1) % NNS]}"
	done
} >"$TMP/sw.batch"
ip -batch "$TMP/sw.batch" >/dev/null || { echo "$B: ip -batch (namespaces, veths) failed" >&2; exit 1; }
# link i: 198.51.100.(4i+1)/30 on va<i> in ns i, .(4i+2)/30 on vb<i> in ns i+1
for ((p = 0; p < 10; p++)); do
	echo "-I -s 203.0.113.$((1 + p)) -d 192.0.2.80 -p tcp --sport $((20000 + p)) --dport 80 --state ESTABLISHED -u ASSURED -t 3600"
done >"$TMP/ct10"
for ((i = 0; i < NNS; i++)); do
	j=$(((i + NNS - 1) % NNS))
	printf '%s\n' "link set lo up" "link set va$i up" "link set vb$j up" \
		"addr add 198.51.100.$((4 * i + 1))/30 dev va$i" "addr add 198.51.100.$((4 * j + 2))/30 dev vb$j" |
		ip -n "${SW[i]}" -batch - || { echo "$B: ip -n ${SW[i]} -batch failed" >&2; exit 1; }
	nsenter "--net=/run/netns/${SW[i]}" "$TMP/tcp_helper" pairs 127.0.0.1 5000 3 >"$TMP/s$i.out" 2>"$TMP/s$i.err" &
	PIDS+=($!) SPIDS[i]=$!
	nsenter "--net=/run/netns/${SW[i]}" conntrack -R "$TMP/ct10" >/dev/null 2>&1
done
for ((i = 0; i < NNS; i++)); do
	for ((k = 0; k < 100; k++)); do
		grep -q ready "$TMP/s$i.out" 2>/dev/null && break
		kill -0 "${SPIDS[i]}" 2>/dev/null || { echo "$B: helper in ${SW[i]} died: $(head -1 "$TMP/s$i.err")" >&2; exit 1; }
		sleep 0.05
	done
	# one ping over the veth to the next namespace: the counters move
	nsenter "--net=/run/netns/${SW[i]}" ping -q -c 1 -W 1 "198.51.100.$((4 * i + 2))" >/dev/null 2>&1 ||
		{ echo "$B: ping ${SW[i]} -> 198.51.100.$((4 * i + 2)) failed" >&2; exit 1; }
done
t1=$EPOCHREALTIME
echo "setup 2: $NNS namespaces in a ring (lo, 2 veths, 7 TCP sockets, 10 conntrack entries each): $(ms "$t0" "$t1") ms"

"$NT" -j --all-netns triage >"$TMP/all.json" 2>"$TMP/all.err"
rc=$?
if ! jq -e '.namespaces | type == "array"' "$TMP/all.json" >/dev/null 2>&1; then
	echo "$B: nettriage -j --all-netns triage exit $rc, no namespaces array: $(head -1 "$TMP/all.err")" >&2
	exit 1
fi
nall=$(jq '.namespaces | length' "$TMP/all.json")
nours=$(jq --arg p "$PREFIX-s" '[.namespaces[] | select((.netns // "") | startswith($p))] | length' "$TMP/all.json")
echo "--all-netns triage: exit $rc, $nall namespaces in the JSON ($nours ours, $((nall - nours)) others on this machine)"
[ -s "$TMP/all.err" ] && echo "  stderr: $(head -1 "$TMP/all.err")"
echo "  first fault: $(jq -r '.first_fault | if . == null then "none" else "\(.netns // "-"): \(.layer) \(.check) \(.subject) \(.level)" end' "$TMP/all.json")"
if [ "$nours" -ne "$NNS" ]; then
	echo "  sanity: $nours of our $NNS namespaces reported: WRONG" >&2
	FAIL=1
fi
# per namespace of ours, where the layer is present: link 3 interfaces,
# tcp 7 sockets (3 pairs + listener), conntrack 10 entries
bad=$(jq -r --arg p "$PREFIX-s" '.namespaces[] | select((.netns // "") | startswith($p)) |
	. as $n | .layers |
	[ (if has("link") and ((.link.interfaces | length) != 3) then "link interfaces \(.link.interfaces | length) != 3" else empty end),
	  (if has("tcp") and (.tcp.total != 7) then "tcp total \(.tcp.total) != 7" else empty end),
	  (if has("conntrack") and (.conntrack.count != 10) then "conntrack count \(.conntrack.count) != 10" else empty end) ]
	| select(length > 0) | "\($n.netns): \(join(", "))"' "$TMP/all.json")
echo "  layers reported in ours: $(jq -c --arg p "$PREFIX-s" '[.namespaces[] | select((.netns // "") | startswith($p)) | .layers | keys] | unique' "$TMP/all.json")"
if [ -n "$bad" ]; then
	echo "  sanity: WRONG figures:" >&2
	head -5 <<<"$bad" | sed 's/^/    /' >&2
	FAIL=1
else
	echo "  sanity: every present layer of ours agrees (where present: link 3 interfaces, tcp 7 sockets, conntrack 10 entries)"
fi

T=()
names2=("nettriage -j --all-netns triage" "nettriage --all-netns triage")
run() {
	case $1 in
	0) "$NT" -j --all-netns triage ;;
	1) "$NT" --all-netns triage ;;
	esac >/dev/null 2>&1
}
bench_interleave 2 "$SWEEP_REPS"
rss2=("$(peak_rss "$NT" -j --all-netns triage)" "$(peak_rss "$NT" --all-netns triage)")
printf '%d namespaces swept, %d interleaved runs each (median / min wall time, peak RSS)\n' "$nall" "$SWEEP_REPS"
med2=()
for k in 0 1; do
	# shellcheck disable=SC2086
	med2[k]=$(median ${T[$k]})
	# shellcheck disable=SC2086
	printf '  %-32s %9.2f ms %9.2f ms %8s KiB\n' "${names2[k]}" \
		"$(awk -v u="${med2[k]}" 'BEGIN {print u / 1000}')" "$(awk -v u="$(minimum ${T[$k]})" 'BEGIN {print u / 1000}')" "${rss2[k]}"
done
printf '  per namespace: %.2f ms (JSON median / %d)\n' "$(awk -v u="${med2[0]}" -v n="$nall" 'BEGIN {print u / 1000 / n}')" "$nall"
target "target 2 (< 2 s)" "${med2[0]} < 2e6 && ${med2[1]} < 2e6"

t2=$EPOCHREALTIME
stop_pids "${SPIDS[@]}"
del_namespaces "${SW[@]}"
echo "teardown 2: $(ms "$t2" "$EPOCHREALTIME") ms"

total=$(ms "$T_START" "$EPOCHREALTIME")
echo "whole bench: $total ms"
target "whole bench (< 180000 ms)" "$total < 180000"
[ "$FAIL" = 1 ] && exit 1
[ "$MISSED" = 1 ] && [ "${NT_BENCH_STRICT:-}" = 1 ] && exit 1
exit 0
