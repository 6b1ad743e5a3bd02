#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: `nettriage path` with two targets x 30 hops at --rate 1000 on
# a 30-hop chain of namespaces (host -> r1 .. r29 -> target, the target
# holding both addresses, so both are 30 hops away).
#  (a) cost: CPU time (user+sys) per probe: two targets at --rate 1000
#      vs one target vs mtr (one target), same cycles and interval, no
#      delay. Targets: two targets <= 1.2x one target, and <= mtr.
#  (b) accuracy: a delay line (tests/net/path_delay.c, 20 ms +- 5 ms
#      uniform, sd 2.887 ms) in r15; the destination's mean and stddev,
#      two targets vs one target: unchanged.
#  (c) the cap: --rate 1000 against 2 x 30 TTLs every 0.02 s (3000 pps
#      asked): probes sent per second.
# Prints every figure. Env: NT, NT_BUILD, REPS (default 3), CYCLES
# (default 100), NT_BENCH_STRICT=1 to exit 1 when a target is missed.
set -u
cd "${NT_TOP:-$(dirname "$0")/../..}" || exit 1
NT=${NT:-$PWD/build/nettriage}
BUILD=${NT_BUILD:-$PWD/build}
REPS=${REPS:-3}
CYCLES=${CYCLES:-100}
if [ "$(id -u)" -ne 0 ]; then echo "bench path_multi: SKIP (not root)"; exit 0; fi
for t in mtr jq; do
	command -v $t >/dev/null || { echo "bench path_multi: $t missing" >&2; exit 1; }
done
if [ ! -x "$BUILD/tests/path_delay" ]; then
	make -s unit >/dev/null 2>&1 || { echo "bench path_multi: cannot build path_delay" >&2; exit 1; }
fi
SUF=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
T=$(mktemp -d)
NS=() PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
# link k (0..29): 198.51.100.(4k+1)/30 left, .(4k+2)/30 right; node 0 the
# host, nodes 1..29 routers, node 30 the target (+ 203.0.113.1/32).
for k in $(seq 0 30); do
	NS[k]=nt-m$k-$SUF
	ip netns add "${NS[k]}" || exit 1
	ip -n "${NS[k]}" link set lo up
done
for k in $(seq 0 29); do
	ip link add ma$k$SUF netns "${NS[k]}" type veth peer name mb$k$SUF netns "${NS[k + 1]}" || exit 1
	ip -n "${NS[k]}" addr add 198.51.100.$((4 * k + 1))/30 dev ma$k$SUF
	ip -n "${NS[k]}" link set ma$k$SUF up
	ip -n "${NS[k + 1]}" addr add 198.51.100.$((4 * k + 2))/30 dev mb$k$SUF
	ip -n "${NS[k + 1]}" link set mb$k$SUF up
done
H=${NS[0]} TG=${NS[30]}
ip -n "$H" route add default via 198.51.100.2
for k in $(seq 1 29); do
	ip netns exec "${NS[k]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratemask=0 >/dev/null
	ip -n "${NS[k]}" route add default via 198.51.100.$((4 * k + 2))
	[ "$k" -ge 2 ] && ip -n "${NS[k]}" route add 198.51.100.0/30 via 198.51.100.$((4 * k - 3))
done
ip netns exec "$TG" sysctl -qw net.ipv4.icmp_ratemask=0 >/dev/null
ip -n "$TG" addr add 203.0.113.1/32 dev lo
ip -n "$TG" route add default via 198.51.100.117
A=198.51.100.118 B=203.0.113.1
inh() { ip netns exec "$H" "$@"; }
inh ping -c1 -w3 -q $A >/dev/null && inh ping -c1 -w3 -q $B >/dev/null ||
	{ echo "bench path_multi: the 30-hop chain does not route" >&2; exit 1; }
med() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
cpu() { # outfile cmd...
	local o=$1; shift
	ip netns exec "$H" bash -c 'TIMEFORMAT="%3U %3S"; { time "$@" >'"$T"'/out 2>/dev/null; } 2>'"$o" _ "$@"
}
per() { read -r u s <"$1"; awk -v u="$u" -v s="$s" -v p="$2" 'BEGIN {printf "%.3f\n", (u + s) * 1e6 / p}'; }
fail=0
IV=0.1

echo "(a) CPU per probe, $CYCLES cycles at -i $IV, 30 hops, $REPS runs each"
: >$T/c2; : >$T/c1; : >$T/cm
for r in $(seq "$REPS"); do
	cpu $T/t "$NT" -j path -n --no-pace -c "$CYCLES" -i $IV --rate 1000 $A $B
	p2=$(jq '[.targets[].hops[].responders[0].sent // 0] | add' $T/out)
	h2=$(jq '[.targets[].rate_held] | add' $T/out)
	per $T/t "$p2" >>$T/c2
	cpu $T/t "$NT" -j path -n --no-pace -c "$CYCLES" -i $IV $A
	p1=$(jq '[.hops[].responders[0].sent // 0] | add' $T/out)
	per $T/t "$p1" >>$T/c1
	cpu $T/t mtr --json -n -c "$CYCLES" -i $IV -G 0.2 $A
	pm=$(jq '[.report.hubs[].Snt] | add' $T/out)
	per $T/t "$pm" >>$T/cm
	echo "  run $r: two targets $p2 probes ($h2 held by --rate) $(tail -1 $T/c2) us/probe;" \
		"one target $p1 probes $(tail -1 $T/c1) us/probe; mtr $pm probes $(tail -1 $T/cm) us/probe"
done
c2=$(med <$T/c2) c1=$(med <$T/c1) cm=$(med <$T/cm)
r21=$(awk -v a="$c2" -v b="$c1" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
r2m=$(awk -v a="$c2" -v b="$cm" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
echo "  median CPU per probe: two targets $c2 us, one target $c1 us, mtr $cm us;" \
	"two/one ${r21}x (target <= 1.2x), two/mtr ${r2m}x (target <= 1x)"
awk -v r="$r21" -v m="$r2m" 'BEGIN {exit !(r <= 1.2 && m <= 1.0)}' || fail=1

echo "(c) --rate 1000 against 3000 pps asked (2 x 30 TTLs every 0.02 s, 100 cycles, 2 s)"
inh "$NT" -j path -n --no-pace -c 100 -i 0.02 --timeout 0.5 --rate 1000 --log $T/rate.ndjson $A $B >$T/rate.json 2>/dev/null
rs=$(jq -r 'select(.outcome == "reply" or .outcome == "lost" or .outcome == "cancelled") | 1' $T/rate.ndjson | wc -l)
rh=$(jq '[.targets[].rate_held] | add' $T/rate.json)
# each target's probes sent (a starved target never reaches its destination)
sa=$(jq -r --arg t "$A" 'select(.target == $t and (.outcome == "reply" or .outcome == "lost" or .outcome == "cancelled")) | 1' $T/rate.ndjson | wc -l)
sb=$(jq -r --arg t "$B" 'select(.target == $t and (.outcome == "reply" or .outcome == "lost" or .outcome == "cancelled")) | 1' $T/rate.ndjson | wc -l)
echo "  sent per target: $A $sa, $B $sb; rate_held $(jq -c '[.targets[].rate_held]' $T/rate.json)"
echo "  sent $rs, held $rh over 100 cycles of 0.02 s: $(awk -v s="$rs" 'BEGIN {printf "%.0f", s / 2.0}') pps" \
	"(expected 1000 x 2 s = 2000 probes: each target its share of a cycle's refill, 10)"

echo "(b) accuracy through a 20 ms +- 5 ms (uniform, sd 2.887) delay line in r15, $CYCLES cycles at -i $IV, $REPS runs"
ip netns exec "${NS[15]}" "$BUILD/tests/path_delay" 0 20 5 uniform 11 600 >$T/dl.out 2>$T/dl.err &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q ready $T/dl.out 2>/dev/null && break; sleep 0.05; done
ip netns exec "${NS[15]}" iptables -A FORWARD -i mb14$SUF -j NFQUEUE --queue-num 0 --queue-bypass
inh ping -c1 -w3 -q $A >/dev/null || { echo "bench path_multi: delay line not working" >&2; exit 1; }
: >$T/a2; : >$T/a1; : >$T/a1l
for r in $(seq "$REPS"); do
	# control: one target while other traffic (ping to B every 5 ms)
	# crosses the delay line, as the second target's probes do
	ip netns exec "$H" ping -q -i 0.005 -w 12 $B >/dev/null 2>&1 &
	lp=$!
	PIDS="$PIDS $lp"
	inh "$NT" -j path -n --no-pace -c "$CYCLES" -i $IV $A >$T/n1l.json 2>/dev/null
	kill "$lp" 2>/dev/null; wait "$lp" 2>/dev/null
	jq -r '.hops[-1].responders[0].rtt_ms | "\(.mean) \(.stddev)"' $T/n1l.json >>$T/a1l
	inh "$NT" -j path -n --no-pace -c "$CYCLES" -i $IV --rate 1000 $A $B >$T/n2.json 2>/dev/null
	jq -r '.targets[0].hops[-1].responders[0].rtt_ms | "\(.mean) \(.stddev)"' $T/n2.json >>$T/a2
	inh "$NT" -j path -n --no-pace -c "$CYCLES" -i $IV $A >$T/n1.json 2>/dev/null
	jq -r '.hops[-1].responders[0].rtt_ms | "\(.mean) \(.stddev)"' $T/n1.json >>$T/a1
	echo "  run $r: two targets mean/sd $(tail -1 $T/a2) ms; one target $(tail -1 $T/a1) ms;" \
		"one target with ping load $(tail -1 $T/a1l) ms"
done
m2=$(awk '{print $1}' $T/a2 | med) s2=$(awk '{print $2}' $T/a2 | med)
m1=$(awk '{print $1}' $T/a1 | med) s1=$(awk '{print $2}' $T/a1 | med)
echo "  median mean, one target with ping load through the delay line: $(awk '{print $1}' $T/a1l | med) ms" \
	"(control: other traffic through the same delay line)"
awk -v m2="$m2" -v s2="$s2" -v m1="$m1" -v s1="$s1" 'BEGIN {
	printf "  median mean: two targets %.3f ms, one target %.3f ms (difference %+.3f ms); median sd: %.3f vs %.3f ms (injected 2.887)\n",
		m2, m1, m2 - m1, s2, s1 }'
# unchanged: the difference of the means within 3 standard errors
awk -v m2="$m2" -v s2="$s2" -v m1="$m1" -v s1="$s1" -v n="$CYCLES" 'BEGIN {
	d = m2 - m1; if (d < 0) d = -d; se = sqrt((s1 * s1 + s2 * s2) / n)
	printf "  |difference| %.3f ms, 3 standard errors %.3f ms: %s\n", d, 3 * se, d <= 3 * se ? "unchanged" : "CHANGED"
	exit !(d <= 3 * se)}' || fail=1
[ "${NT_BENCH_STRICT:-}" = 1 ] && [ $fail = 1 ] && { echo "bench path_multi: a target was missed"; exit 1; }
exit 0
