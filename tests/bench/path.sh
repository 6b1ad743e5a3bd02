#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: `nettriage path` against mtr and ping on the namespace
# topology host -> r1 -> r2 -> r3 -> target (tests/net/path-lib.inc).
#  (a) accuracy: the delay line (tests/net/path_delay.c) adds 20 ms +- 5 ms
#      uniform (sd 2.887 ms) in r2; destination mean and stddev measured by
#      nettriage, mtr (--json) and ping, REPS runs each, interleaved.
#  (b) cost: CPU time (user+sys, children included) per probe for the same
#      probe count, nettriage vs mtr, no delay line. Target <= 1x.
#  (c) wall time of a 10-cycle report at -i 0.1: nettriage --report vs
#      mtr --report -c 10 -i 0.1, with mtr's default 5 s grace and -G 0.2;
#      plus one 30-TTL cycle with the delay line (costs one round trip).
# Prints every figure, medians, ratios and peak RSS.
# Env: NT, NT_BUILD, REPS (default 5), CYCLES (default 300),
# NT_BENCH_STRICT=1 to exit 1 when a target is missed.
set -u
cd "${NT_TOP:-$(dirname "$0")/../..}" || exit 1
NT=${NT:-$PWD/build/nettriage}
BUILD=${NT_BUILD:-$PWD/build}
REPS=${REPS:-5}
CYCLES=${CYCLES:-300}
if [ "$(id -u)" -ne 0 ]; then echo "bench path: SKIP (not root)"; exit 0; fi
for t in mtr ping jq /usr/bin/time; do
	command -v $t >/dev/null || { echo "bench path: $t missing" >&2; exit 1; }
done
if [ ! -x "$BUILD/tests/path_delay" ]; then
	make -s unit >/dev/null 2>&1 || { echo "bench path: cannot build path_delay" >&2; exit 1; }
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
topo_up || { echo "bench path: topology failed" >&2; exit 1; }
inh() { ip netns exec "$H" "$@"; }
med() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
now() { echo "$EPOCHREALTIME"; }
fail=0

# ---------- (b) CPU per probe, no delay ----------
echo "(b) CPU per probe, $CYCLES cycles at -i 0.01 to a 4-hop target, $REPS runs each"
: >$T/cpu_nt; : >$T/cpu_mtr; : >$T/rss_nt; : >$T/rss_mtr
# CPU: bash's `time` inside the namespace (getrusage of the child, ms
# resolution); peak RSS from /usr/bin/time in a separate run.
cpu() { # outfile cmd...
	local o=$1; shift
	ip netns exec "$H" bash -c 'TIMEFORMAT="%3U %3S"; { time "$@" >'"$T"'/out 2>/dev/null; } 2>'"$o" _ "$@"
}
for r in $(seq "$REPS"); do
	cpu $T/t "$NT" -j path -n -c "$CYCLES" -i 0.01 --no-pace $DST4
	probes=$(jq '[.hops[].responders[0].sent] | add' $T/out)
	read -r u s <$T/t
	awk -v u="$u" -v s="$s" -v p="$probes" 'BEGIN {printf "%.3f\n", (u + s) * 1e6 / p}' >>$T/cpu_nt
	cpu $T/t mtr --json -n -c "$CYCLES" -i 0.01 -G 0.2 $DST4
	mprobes=$(jq '[.report.hubs[].Snt] | add' $T/out)
	read -r u s <$T/t
	awk -v u="$u" -v s="$s" -v p="$mprobes" 'BEGIN {printf "%.3f\n", (u + s) * 1e6 / p}' >>$T/cpu_mtr
	echo "  run $r: nettriage $probes probes $(tail -1 $T/cpu_nt) us/probe; mtr $mprobes probes $(tail -1 $T/cpu_mtr) us/probe"
done
inh /usr/bin/time -f '%M' -o $T/rss_nt "$NT" -j path -n -c 20 -i 0.01 --no-pace $DST4 >/dev/null 2>&1
inh /usr/bin/time -f '%M' -o $T/rss_mtr mtr --json -n -c 20 -i 0.01 -G 0.2 $DST4 >/dev/null 2>&1
cn=$(med <$T/cpu_nt); cm=$(med <$T/cpu_mtr)
ratio=$(awk -v a="$cn" -v b="$cm" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
echo "  median CPU per probe: nettriage $cn us, mtr $cm us, ratio ${ratio}x (target <= 1x)"
echo "  peak RSS: nettriage $(med <$T/rss_nt) KiB, mtr $(med <$T/rss_mtr) KiB"
awk -v r="$ratio" 'BEGIN {exit !(r <= 1.0)}' || fail=1

# ---------- (c) wall time of a 10-cycle report ----------
echo "(c) wall time, report of 10 cycles at -i 0.1, $REPS runs each"
: >$T/w_nt; : >$T/w_mtr; : >$T/w_mtrg
for r in $(seq "$REPS"); do
	a=$(now); inh "$NT" path -n --report -c 10 -i 0.1 $DST4 >/dev/null 2>&1; b=$(now)
	awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f\n", b - a}' >>$T/w_nt
	a=$(now); inh mtr --report -n -c 10 -i 0.1 -G 0.2 $DST4 >/dev/null 2>&1; b=$(now)
	awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f\n", b - a}' >>$T/w_mtrg
	if [ "$r" -le 2 ]; then # the 5 s grace makes these slow: two runs
		a=$(now); inh mtr --report -n -c 10 -i 0.1 $DST4 >/dev/null 2>&1; b=$(now)
		awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f\n", b - a}' >>$T/w_mtr
	fi
done
wn=$(med <$T/w_nt); wg=$(med <$T/w_mtrg); wm=$(med <$T/w_mtr)
echo "  median wall: nettriage ${wn}s, mtr -G 0.2 ${wg}s ($(awk -v a="$wn" -v b="$wg" 'BEGIN {printf "%.2f", a / b}')x), mtr default grace ${wm}s ($(awk -v a="$wn" -v b="$wm" 'BEGIN {printf "%.2f", a / b}')x)"

# ---------- (a) accuracy with the delay line ----------
ip netns exec "$R2" "$BUILD/tests/path_delay" 0 20 5 uniform 11 600 >$T/dl.out 2>$T/dl.err &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready $T/dl.out 2>/dev/null && break; sleep 0.05; done
ip netns exec "$R2" iptables -A FORWARD -i v2b$SUF -j NFQUEUE --queue-num 0 --queue-bypass
inh ping -c1 -w3 -q $DST4 >/dev/null || { echo "bench path: delay line not working" >&2; exit 1; }

a=$(now); inh "$NT" path -n --report -c 1 -m 30 $DST4 >/dev/null 2>&1; b=$(now)
echo "(c') one cycle of TTL 1..30 with a 20 ms delay: $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", (b - a) * 1000}') ms wall (one round trip, not 30)"

echo "(a) accuracy: injected mean 20.000 ms, sd 2.887 ms (uniform +-5 ms); $CYCLES probes per run, $REPS runs"
: >$T/a_nt; : >$T/a_mtr; : >$T/a_ping
for r in $(seq "$REPS"); do
	inh "$NT" -j path -n -c "$CYCLES" -i 0.01 --no-pace $DST4 >$T/n.json 2>/dev/null
	jq -r '.hops[-1].responders[0].rtt_ms | "\(.mean) \(.stddev)"' $T/n.json >>$T/a_nt
	inh mtr --json -n -c "$CYCLES" -i 0.01 -G 0.5 $DST4 >$T/m.json 2>/dev/null
	jq -r '.report.hubs[-1] | "\(.Avg) \(.StDev)"' $T/m.json >>$T/a_mtr
	inh ping -q -c "$CYCLES" -i 0.01 $DST4 2>/dev/null |
		sed -n 's|.*= [0-9.]*/\([0-9.]*\)/[0-9.]*/\([0-9.]*\) ms.*|\1 \2|p' >>$T/a_ping
done
for tool in nt mtr ping; do
	name=$tool; [ $tool = nt ] && name=nettriage
	mm=$(awk '{print $1}' $T/a_$tool | med); ss=$(awk '{print $2}' $T/a_$tool | med)
	awk -v n="$name" -v m="$mm" -v s="$ss" -v all="$(awk '{printf "%s/%s ", $1, $2}' $T/a_$tool)" 'BEGIN {
		printf "  %-9s median mean %.3f ms (error %+.2f %%), median sd %.3f ms (error %+.1f %%); runs mean/sd: %s\n",
			n, m, (m - 20) / 20 * 100, s, (s - 2.886751) / 2.886751 * 100, all }'
done
echo "  (ping's mdev is a population deviation; mtr's Avg/StDev have 3 decimals in --json)"

# ---------- (d) TCP: RTT to the port vs ICMP RTT, same delay line ----------
if [ -x "$BUILD/tests/path_tcp_srv" ] || make -s "$BUILD/tests/path_tcp_srv" >/dev/null 2>&1; then
	ip netns exec "$TG" "$BUILD/tests/path_tcp_srv" 203.0.113.2 5432 >$T/srv.out 2>&1 &
	TOPO_PIDS="$TOPO_PIDS $!"
	sleep 0.2
	echo "(d) TCP port 5432 vs ICMP on the delay line: $CYCLES probes per run, $REPS runs (half-open: --flows 4)"
	: >$T/d_icmp; : >$T/d_raw; : >$T/d_con; : >$T/d_mtr
	for r in $(seq "$REPS"); do
		inh "$NT" -j path -n -c "$CYCLES" -i 0.01 --no-pace $DST4 2>/dev/null |
			jq -r '.hops[-1].responders[0].rtt_ms.mean' >>$T/d_icmp
		inh "$NT" -j path -n -c "$CYCLES" -i 0.01 --no-pace --flows 4 $DST4:5432 2>/dev/null |
			jq -r '.port_rtt_ms' >>$T/d_raw
		NETTRIAGE_PATH_NO_RAW=1 inh "$NT" -j path -n -c "$CYCLES" -i 0.01 --no-pace $DST4:5432 2>/dev/null |
			jq -r '.port_rtt_ms' >>$T/d_con
		inh mtr --json -n --tcp -P 5432 -c "$CYCLES" -i 0.01 -G 0.5 $DST4 2>/dev/null |
			jq -r '.report.hubs[-1].Avg' >>$T/d_mtr
	done
	di=$(med <$T/d_icmp); dr=$(med <$T/d_raw); dc=$(med <$T/d_con); dm=$(med <$T/d_mtr)
	awk -v i="$di" -v r="$dr" -v c="$dc" -v m="$dm" 'BEGIN {
		printf "  median mean RTT: ICMP %.3f ms, TCP half-open %.3f ms (%+.2f %%), TCP connect() %.3f ms (%+.2f %%), mtr --tcp %.3f ms (%+.2f %%)\n",
			i, r, (r - i) / i * 100, c, (c - i) / i * 100, m, (m - i) / i * 100 }'
	echo "  runs ICMP: $(tr '\n' ' ' <$T/d_icmp); half-open: $(tr '\n' ' ' <$T/d_raw); connect(): $(tr '\n' ' ' <$T/d_con); mtr --tcp: $(tr '\n' ' ' <$T/d_mtr)"
	awk -v i="$di" -v r="$dr" -v c="$dc" 'BEGIN {a = r - i; b = c - i; if (a < 0) a = -a; if (b < 0) b = -b;
		exit !(a <= 0.05 * i && b <= 0.05 * i)}' || { echo "  TCP RTT not within 5 % of ICMP"; fail=1; }
fi
m=$(awk '{print $1}' $T/a_nt | med); s=$(awk '{print $2}' $T/a_nt | med)
awk -v m="$m" -v s="$s" 'BEGIN {d = m - 20; if (d < 0) d = -d; e = s - 2.886751; if (e < 0) e = -e;
	exit !(d <= 0.4 || d <= 0.05) || !(e <= 0.2887)}' || fail=1
[ "${NT_BENCH_STRICT:-}" = 1 ] && [ $fail = 1 ] && { echo "bench path: a target was missed"; exit 1; }
exit 0
