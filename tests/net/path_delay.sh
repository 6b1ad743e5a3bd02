#!/bin/bash
# path accuracy: the delay line (tests/net/path_delay.c, NFQUEUE via
# libmnl) adds 20 ms +- 5 ms (uniform, sd 5/sqrt(3) = 2.887 ms) to packets
# r2 forwards toward the target. Hops 1-2 stay fast; at hops 3 and 4 the
# mean must be within 2 ms of 20 ms and the stddev within 15 % of 2.887 ms,
# in ICMP/IPv4 and UDP/IPv6; ping and mtr measure the same in this run.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
BUILD=${NT_BUILD:-$PWD/build}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path delay test # SKIP need root for network namespaces"
	exit 0
fi
if [ ! -x "$BUILD/tests/path_delay" ]; then
	echo "not ok - $BUILD/tests/path_delay not built (make unit)"
	exit 1
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && d >= -t) }'; }
SD=2.886751 # 5 / sqrt(3)

topo_up || { nok "build the topology"; exit 1; }
ip netns exec "$R2" "$BUILD/tests/path_delay" 0 20 5 uniform 7 50 >$T/dl.out 2>$T/dl.err &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready $T/dl.out 2>/dev/null && break; sleep 0.05; done
ip netns exec "$R2" iptables -A FORWARD -i v2b$SUF -j NFQUEUE --queue-num 0 --queue-bypass &&
ip netns exec "$R2" ip6tables -A FORWARD -i v2b$SUF -j NFQUEUE --queue-num 0 --queue-bypass
if ! grep -q ready $T/dl.out || ! ip netns exec "$H" ping -c1 -w3 -q $DST4 >/dev/null; then
	nok "delay line in r2 ($(cat $T/dl.err))"
	exit 1
fi
ok "delay line on NFQUEUE in r2: 20 ms +- 5 ms uniform"

check() { # label json
	local j=$2 h m s
	for h in 0 1; do
		m=$(jq ".hops[$h].responders[0].rtt_ms.mean" $j)
		assert "$1: hop $((h + 1)) not delayed (mean $m ms < 1 ms)" near "$m" 0 1
	done
	for h in 2 3; do
		m=$(jq ".hops[$h].responders[0].rtt_ms.mean" $j)
		s=$(jq ".hops[$h].responders[0].rtt_ms.stddev" $j)
		assert "$1: hop $((h + 1)) mean $m ms within 2 ms of 20" near "$m" 20 2
		assert "$1: hop $((h + 1)) stddev $s ms within 15 % of $SD" \
			near "$s" $SD "$(awk -v s=$SD 'BEGIN { print 0.15 * s }')"
	done
	assert "$1: p50 <= p90 <= p99 <= max at the destination" \
		jq -e '.hops[3].responders[0].rtt_ms | .p50 <= .p90 and .p90 <= .p99 and .p99 <= .max' $j
	assert "$1: jitter mean > 0 and RFC 3550 jitter > 0 at the destination" \
		jq -e '.hops[3].responders[0].jitter_ms | .mean > 0 and .rfc3550 > 0' $j
}

ip netns exec "$H" "$NT" -j path -n -c 200 -i 0.01 --no-pace $DST4 >$T/a.json 2>$T/a.err
check "ICMP/IPv4" $T/a.json
ip netns exec "$H" "$NT" -j path -n -c 200 -i 0.01 --no-pace --udp $DST6 >$T/b.json 2>$T/b.err
check "UDP/IPv6" $T/b.json

# replies after --timeout are late, not lost: 15 ms timeout, 15..25 ms delay
ip netns exec "$H" "$NT" -j path -n -c 40 -i 0.02 --no-pace --timeout 0.015 $DST4 >$T/late.json 2>$T/late.err
assert "--timeout 0.015: late replies counted ($(jq '.hops[3].responders[0].late' $T/late.json) of 40), received + late = sent" \
	jq -e '.hops[3].responders[0] | .late >= 20 and .received + .late == .sent' $T/late.json
assert "  late replies kept out of loss (loss $(jq '.hops[3].responders[0].loss_pct' $T/late.json) %), the last cycle's too" \
	jq -e '.hops[3].responders[0].loss_pct == 0' $T/late.json
assert "  and out of the RTT statistics (max $(jq '.hops[3].responders[0].rtt_ms.max' $T/late.json) ms < 15)" \
	jq -e '(.hops[3].responders[0].rtt_ms.max // 0) < 15' $T/late.json

# the peers, same run, same delay line
pm=$(ip netns exec "$H" ping -q -c 100 -i 0.02 $DST4 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/[0-9.]*/\([0-9.]*\) ms.*|\1 \2|p')
set -- $pm
assert "ping agrees: avg ${1:-?} ms within 2 ms of 20" near "${1:-0}" 20 2
ours=$(jq '.hops[3].responders[0].rtt_ms.mean' $T/a.json)
assert "nettriage mean $ours within 1.5 ms of ping's ${1:-?} (both sample the same distribution)" \
	near "$ours" "${1:-0}" 1.5
if command -v mtr >/dev/null; then
	ip netns exec "$H" mtr --report -n -c 100 -i 0.02 -G 0.2 $DST4 >$T/mtr.txt 2>&1
	ma=$(awk '/\|--/ {a=$6} END {print a}' $T/mtr.txt)
	assert "mtr agrees: destination Avg ${ma:-?} ms within 2 ms of 20" near "${ma:-0}" 20 2
	assert "nettriage mean $ours within 1.5 ms of mtr's Avg ${ma:-?}" near "$ours" "${ma:-0}" 1.5
else
	nok "mtr missing (package mtr-tiny)"
fi
exit 0
