#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# The "make demo" scenario as a test (issue 9 section 6): tests/net/demo-lib.inc
# builds a host namespace with six faults behind two routers, and a healthy
# namespace. With the existing commands, run in the host namespace
# (`nettriage -j -N HOST link | conntrack | tcp -i 1 -c 2 | path ...`), each
# fault must be found by the right check at the right level, and its figure
# must agree with the peer tool read around the run:
#   link.drops eth0 CRIT         ip -j -s link (rx_dropped brackets ours)
#   conntrack.fill CRIT          conntrack -C, nf_conntrack_max
#   tcp.close_wait CRIT          ss -tan state close-wait
#   tcp.accept_queue WARN        ss -ltn Recv-Q/Send-Q
#   tcp.listen_overflows/drops   nstat TcpExtListenOverflows/ListenDrops
#   tcp.retrans_ratio CRIT       nstat TcpRetransSegs/TcpOutSegs, r1's nft counter
#   path.loss CRIT, path.p99     ping -q loss and rtt avg/mdev, dep's nft counter
# The healthy namespace exits 0 for the same commands. Then everything is
# torn down and checked gone (namespaces, helper processes). The triage
# assertions go at the marked place near the end.
#
# Env: NT (nettriage), NT_BUILD (holds tests/tcp_helper, path_delay, rawsend).
set -u

export NT_BUILD=${NT_BUILD:-build}
T_NAME="demo faults netns test"
T_NEED="ss nstat conntrack nft iptables ping setsid"
# shellcheck source=tests/net/netns-lib.inc
. "$(dirname "$0")/netns-lib.inc" # ok, notok, skip, $fails, $TMP, t_cleanup
[ -r /proc/sys/net/netfilter/nf_conntrack_max ] || skip "nf_conntrack not loaded"
export NSTAT_HISTORY="$TMP/nstat.hist" # never nstat's shared per-uid file
unset NETTRIAGE_PROC
demo_cleanup_extra() { t_cleanup; }
# demo-lib's EXIT/INT/TERM traps replace netns-lib's and call t_cleanup last
# shellcheck source=tests/net/demo-lib.inc
. "$(dirname "$0")/demo-lib.inc"

eq() { # eq DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else notok "$1: got '$2', want '$3'"; fi
}
cond() { # cond DESC JQ-EXPR FILE...: ok if jq -e says true
	local d=$1 e=$2
	shift 2
	if jq -e "$e" "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi
}
aw() { awk "BEGIN { exit !($1) }"; } # aw 'AWK-CONDITION'
level() { # level FILE CHECK [SUBJECT]: the verdict's level ("" if none)
	jq -r --arg c "$2" --arg s "${3:-}" \
		'[.verdicts[] | select(.check == $c and .subject == $s) | .level] | join(",")' "$1"
}
nstat_get() { # nstat_get NS NAME: absolute value
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v n="$2" '$1 == n {print $2}'
}
nft_drops() { # nft_drops NS: packets of the demo table's counter
	ip netns exec "$1" nft -j list table ip demo 2>/dev/null |
		jq '[.. | objects | select(has("counter")) | .counter.packets] | add // 0'
}
run() { # run NAME NS ARGS...: nettriage -j -N NS ARGS > $TMP/NAME.json; sets rc
	local name=$1 ns=$2
	shift 2
	"$NT" -j -N "$ns" "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
	rc=$?
	if [ "$rc" -ge 3 ] || ! jq -se 'length > 0' "$TMP/$name.json" >/dev/null 2>&1; then
		notok "nettriage -N $ns $* ran (exit $rc: $(head -1 "$TMP/$name.err"))"
		return 1
	fi
}

# ---- the scenario ------------------------------------------------------------
if ! demo_up nt-dft 2>"$TMP/up.err"; then
	notok "demo_up: $(head -3 "$TMP/up.err")"
	exit 1
fi
if [ "$DEMO_SETUP_MS" -lt 15000 ]; then
	ok "demo scenario set up in $DEMO_SETUP_MS ms (< 15 s)"
else
	notok "demo scenario set up in $DEMO_SETUP_MS ms (want < 15 s)"
fi
if ! demo_healthy_up nt-dft 2>"$TMP/okup.err"; then
	notok "demo_healthy_up: $(head -3 "$TMP/okup.err")"
	exit 1
fi
H=$DEMO_HOST

# ---- link: eth0 rx_dropped rises ------------------------------------------------
rxd() { ip -n "$H" -j -s link show dev eth0 | jq '.[0].stats64.rx.dropped'; }
d0=$(rxd)
run link "$H" link && {
	d1=$(rxd)
	eq "link: exit 2 (CRIT)" "$rc" 2
	eq "link.drops eth0 CRIT" "$(level "$TMP/link.json" link.drops eth0)" crit
	eq "link.drops lo OK" "$(level "$TMP/link.json" link.drops lo)" ok
	ntd=$(jq '.interfaces[] | select(.name == "eth0") | .rx_dropped' "$TMP/link.json")
	if [ "$d0" -gt 0 ] && [ "$d0" -le "$ntd" ] && [ "$ntd" -le "$d1" ]; then
		ok "eth0 rx_dropped: ip -s link $d0 <= nettriage $ntd <= ip -s link $d1"
	else
		notok "eth0 rx_dropped: ip -s link $d0, nettriage '$ntd', ip -s link $d1 (want bracketed, > 0)"
	fi
	want=$(jq '.interfaces[] | select(.name == "eth0") |
		100 * .rx_dropped / (.rx_packets + .tx_packets + .rx_dropped) * 1000 | round' "$TMP/link.json")
	eq "link.drops value = 100 * rx_dropped / (packets + drops), in milli-percent" \
		"$(jq '.verdicts[] | select(.check == "link.drops" and .subject == "eth0") | .value * 1000 | round' "$TMP/link.json")" \
		"$want"
}
run link_iv "$H" -i 1 -c 2 link eth0 && {
	jq -s '.[1]' "$TMP/link_iv.json" >"$TMP/link_iv1.json"
	rise=$(jq -s '.[1].interfaces[0].rx_dropped - .[0].interfaces[0].rx_dropped' "$TMP/link_iv.json")
	if [ "${rise:-0}" -ge 20 ] && [ "$(level "$TMP/link_iv1.json" link.drops eth0)" = crit ]; then
		ok "link -i 1: rx_dropped rose by $rise over the interval (~$DEMO_DROP_PPS/s), link.drops CRIT over the interval"
	else
		notok "link -i 1: rx_dropped rose by '$rise' (want >= 20), level '$(level "$TMP/link_iv1.json" link.drops eth0)' (want crit)"
	fi
	cond "  the verdict says it is over the interval" \
		'.verdicts[] | select(.check == "link.drops" and .subject == "eth0") | .reason | test("over the interval")' \
		"$TMP/link_iv1.json"
}

# ---- conntrack: 93 % of the global max --------------------------------------------
max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
run ct "$H" conntrack && {
	eq "conntrack: exit 2 (CRIT)" "$rc" 2
	eq "conntrack.fill CRIT" "$(level "$TMP/ct.json" conntrack.fill)" crit
	eq "count equals conntrack -C in the host namespace" "$(jq .count "$TMP/ct.json")" \
		"$(ip netns exec "$H" conntrack -C)"
	eq "count is what demo_up inserted" "$(jq .count "$TMP/ct.json")" "$DEMO_CT_N"
	eq "max is the global nf_conntrack_max, scope global" "$(jq -r '"\(.max) \(.max_scope)"' "$TMP/ct.json")" "$max global"
	fill=$(jq .fill_pct "$TMP/ct.json")
	if aw "$fill >= 92 && $fill - 100 * $DEMO_CT_N / $max < 0.001 && 100 * $DEMO_CT_N / $max - $fill < 0.001"; then
		ok "fill_pct $fill = 100 * conntrack -C / max, >= 92"
	else
		notok "fill_pct $fill: want 100 * $DEMO_CT_N / $max and >= 92"
	fi
}

# ---- tcp: CLOSE-WAIT, accept queue, overflows, retransmits -----------------------------
# shellcheck disable=SC2034 # lo0 ld0 lo1 ld1 are read through ${!n0} ${!n1}
lo0=$(nstat_get "$H" TcpExtListenOverflows) ld0=$(nstat_get "$H" TcpExtListenDrops)
rs0=$(nstat_get "$H" TcpRetransSegs) os0=$(nstat_get "$H" TcpOutSegs)
r1d0=$(nft_drops "$DEMO_R1")
run tcp "$H" -i 1 -c 2 tcp && {
	# shellcheck disable=SC2034
	lo1=$(nstat_get "$H" TcpExtListenOverflows) ld1=$(nstat_get "$H" TcpExtListenDrops)
	rs1=$(nstat_get "$H" TcpRetransSegs) os1=$(nstat_get "$H" TcpOutSegs)
	r1d1=$(nft_drops "$DEMO_R1")
	cw_ss=$(ip netns exec "$H" ss -Htan state close-wait | wc -l)
	aq_ss=$(ip netns exec "$H" ss -Hltn "sport = :$DEMO_AQ_PORT" | awk '{print $2 "/" $3}')
	eq "tcp -i 1 -c 2: exit 2 (CRIT), two documents" "$rc $(jq -s length "$TMP/tcp.json")" "2 2"
	jq -s '.[0]' "$TMP/tcp.json" >"$TMP/tcp0.json"
	jq -s '.[1]' "$TMP/tcp.json" >"$TMP/tcp1.json"
	T=$TMP/tcp1.json
	eq "second document judged over the interval" "$(jq -r .baseline.kind "$T")" interval

	eq "tcp.close_wait CRIT" "$(level "$T" tcp.close_wait)" crit
	eq "close_wait equals ss -tan state close-wait" "$(jq .states.close_wait "$T")" "$cw_ss"
	eq "close_wait is the leak's $DEMO_CW_N, all on port $DEMO_CW_PORT" \
		"$(jq -c '[(.verdicts[] | select(.check == "tcp.close_wait") | .value), (.close_wait_top[0] | .port, .sockets)]' "$T")" \
		"[$DEMO_CW_N,$DEMO_CW_PORT,$DEMO_CW_N]"

	eq "tcp.accept_queue 127.0.0.1:$DEMO_AQ_PORT WARN" "$(level "$T" tcp.accept_queue "127.0.0.1:$DEMO_AQ_PORT")" warn
	eq "accept queue equals ss -ltn Recv-Q/Send-Q" \
		"$(jq -r --argjson p "$DEMO_AQ_PORT" '.listen_queues[] | select(.port == $p) | "\(.accept_queue)/\(.backlog)"' "$T")" \
		"$aq_ss"
	eq "  and is the helper's backlog + 1 of $DEMO_AQ_BACKLOG" "$aq_ss" "$((DEMO_AQ_BACKLOG + 1))/$DEMO_AQ_BACKLOG"

	for c in ListenOverflows:listen_overflows:lo ListenDrops:listen_drops:ld; do
		IFS=: read -r name chk v <<<"$c"
		a=$(jq ".counters.tcpext.$name" "$TMP/tcp0.json") b=$(jq ".counters.tcpext.$name" "$T")
		n0=${v}0 n1=${v}1
		eq "tcp.$chk WARN" "$(level "$T" "tcp.$chk")" warn
		eq "  its value is the rise between the two samples" \
			"$(jq ".verdicts[] | select(.check == \"tcp.$chk\") | .value" "$T")" "$((b - a))"
		if [ "${!n0}" -le "$a" ] && [ "$a" -lt "$b" ] && [ "$b" -le "${!n1}" ] && [ $((b - a)) -ge $((DEMO_AQ_SYN_RATE / 2)) ]; then
			ok "  $name: nstat ${!n0} <= nettriage $a < $b <= nstat ${!n1}, +$((b - a)) in 1 s (~$DEMO_AQ_SYN_RATE SYNs/s)"
		else
			notok "  $name: nstat ${!n0}, nettriage $a -> $b, nstat ${!n1} (want bracketed and a rise >= $((DEMO_AQ_SYN_RATE / 2)))"
		fi
	done

	eq "tcp.retrans_ratio CRIT" "$(level "$T" tcp.retrans_ratio)" crit
	ra=$(jq .counters.tcp.RetransSegs "$TMP/tcp0.json") rb=$(jq .counters.tcp.RetransSegs "$T")
	oa=$(jq .counters.tcp.OutSegs "$TMP/tcp0.json") ob=$(jq .counters.tcp.OutSegs "$T")
	eq "retrans_window = the RetransSegs/OutSegs rises between the samples" \
		"$(jq -c '.retrans_window | [.retrans_segs, .out_segs]' "$T")" "[$((rb - ra)),$((ob - oa))]"
	if [ "$rs0" -le "$ra" ] && [ "$rb" -le "$rs1" ] && [ "$os0" -le "$oa" ] && [ "$ob" -le "$os1" ]; then
		ok "  RetransSegs/OutSegs bracketed by nstat: $rs0 <= $ra, $rb <= $rs1; $os0 <= $oa, $ob <= $os1"
	else
		notok "  RetransSegs/OutSegs not bracketed by nstat: $rs0 $ra $rb $rs1; $os0 $oa $ob $os1"
	fi
	ratio=$(jq .retrans_ratio_pct "$T") rate=$(jq .retrans_window.out_segs_per_sec "$T")
	nsr=$(awk -v r=$((rs1 - rs0)) -v o=$((os1 - os0)) 'BEGIN { printf "%.2f", o ? 100 * r / o : 0 }')
	if aw "$rate >= 100 && $ratio > 5 && $nsr > 5"; then
		ok "  ratio $ratio % at $rate segs/s (>= 100: judged); nstat over the run $nsr %"
	else
		notok "  ratio $ratio % at $rate segs/s, nstat $nsr % (want > 5 % at >= 100 segs/s)"
	fi
	r1=$((r1d1 - r1d0)) ntrt=$((rb - ra))
	if [ "$r1" -gt 0 ] && aw "$ntrt >= 0.5 * $r1 && $ntrt <= 2 * $r1 + 5"; then
		ok "  r1's nft drop counter rose by $r1 during the run; nettriage counted $ntrt retransmits in its 1 s window"
	else
		notok "  r1's nft drops $r1 vs nettriage retransmits $ntrt (want > 0 and within a factor 2)"
	fi
}

# ---- path: the jittery, lossy dependency behind two routers ---------------------------
dd0=$(nft_drops "$DEMO_DEP")
run path "$H" path -c 10 -i 0.2 "$DEMO_TARGET" && {
	dd1=$(nft_drops "$DEMO_DEP")
	P=$TMP/path.json
	eq "path: exit 2 (CRIT)" "$rc" 2
	eq "path.reach OK at hop 3 (behind r1 and r2)" \
		"$(jq -r '"\(.verdicts[] | select(.check == "path.reach") | .level) \(.destination_ttl)"' "$P")" "ok 3"
	eq "hops: r1, r2, the dependency" "$(jq -r '[.hops[].responders[0].ip] | join(" ")' "$P")" \
		"192.0.2.2 198.51.100.2 $DEMO_TARGET"
	eq "path.loss CRIT" "$(level "$P" path.loss "$DEMO_TARGET")" crit
	# Every 5th echo request the dependency sees is dropped; path's first
	# cycle also sends the TTLs past the destination (they reach it too),
	# so its 10 counted probes lose 1 to 3, never 0.
	lost=$(jq '.hops[2].responders[0] | .sent - .received' "$P")
	if [ "$(jq '.hops[2].responders[0].sent' "$P")" = 10 ] && [ "$lost" -ge 1 ] && [ "$lost" -le 3 ] &&
		[ "$lost" -le $((dd1 - dd0)) ]; then
		ok "  $lost of 10 probes lost (loss $(jq '.verdicts[] | select(.check == "path.loss") | .value' "$P") %); the dependency's nft counter dropped $((dd1 - dd0)) echo requests"
	else
		notok "  lost '$lost' of $(jq '.hops[2].responders[0].sent' "$P") (want 1..3 of 10, <= the nft counter's $((dd1 - dd0)))"
	fi
	h12=$(jq -c '[.hops[0,1].responders[0].rtt_ms.mean]' "$P")
	if jq -e 'all(. < 5)' <<<"$h12" >/dev/null; then
		ok "  hops 1 and 2 not delayed (means $h12 ms < 5)"
	else
		notok "  hops 1 and 2 delayed: means $h12 ms"
	fi
	m=$(jq '.hops[2].responders[0].rtt_ms.mean' "$P")
	if aw "$m > 12 && $m < 28"; then
		ok "  destination mean $m ms (20 +- 10 uniform, 8-9 samples)"
	else
		notok "  destination mean $m ms (want 12..28)"
	fi
}
dp0=$(nft_drops "$DEMO_DEP")
ip netns exec "$H" ping -c 10 -i 0.2 -q "$DEMO_TARGET" >"$TMP/ping10" 2>&1
dp1=$(nft_drops "$DEMO_DEP")
eq "ping -c 10 -i 0.2 -q: exactly 2 of 10 lost (20 %), the dependency's counter +2" \
	"$(grep -o '[0-9]* received' "$TMP/ping10") $((dp1 - dp0))" "8 received 2"
# Jitter with enough samples to measure it: 20 +- 10 ms uniform has
# sd 10/sqrt(3) = 5.77 ms. A --max-p99 of 25 ms judges it.
run path60 "$H" path -c 60 -i 0.02 --timeout 0.5 --max-p99 25 "$DEMO_TARGET" && {
	P=$TMP/path60.json
	m=$(jq '.hops[2].responders[0].rtt_ms.mean' "$P") s=$(jq '.hops[2].responders[0].rtt_ms.stddev' "$P")
	ip netns exec "$H" ping -c 60 -i 0.02 -q "$DEMO_TARGET" >"$TMP/ping60" 2>&1
	read -r pa pm < <(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/[0-9.]*/\([0-9.]*\) ms.*|\1 \2|p' "$TMP/ping60")
	eq "path --max-p99 25: path.p99 WARN (the jitter judged)" "$(level "$P" path.p99 "$DEMO_TARGET")" warn
	if aw "$m > 17.5 && $m < 22.5"; then
		ok "  destination mean $m ms within 2.5 ms of 20"
	else
		notok "  destination mean $m ms (want 20 +- 2.5)"
	fi
	if aw "$s > 4.3 && $s < 7.2"; then
		ok "  destination stddev $s ms within 25 % of 5.77"
	else
		notok "  destination stddev $s ms (want 5.77 +- 25 %)"
	fi
	if aw "${pa:-0} > 0 && $m - ${pa:-0} < 3.5 && ${pa:-0} - $m < 3.5 && $s - ${pm:-0} < 2 && ${pm:-0} - $s < 2"; then
		ok "  ping -c 60 agrees: avg ${pa:-?} ms (ours $m), mdev ${pm:-?} ms (our stddev $s)"
	else
		notok "  ping -c 60: avg ${pa:-?} mdev ${pm:-?} vs ours mean $m stddev $s (want within 3.5 / 2 ms)"
	fi
}

# ---- the healthy namespace: the same commands, all OK --------------------------------
for c in "link" "conntrack" "tcp -i 1 -c 2" "path -c 10 -i 0.2 127.0.0.1"; do
	# shellcheck disable=SC2086 # $c is the command and its options
	run ok "$DEMO_OK" $c || continue
	bad=$(jq -sr '[.[].verdicts[] | select(.level != "ok") | "\(.check) \(.subject) \(.level)"] | join("; ")' "$TMP/ok.json")
	if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
		ok "healthy namespace: $c exits 0, every verdict OK ($(jq -s '[.[].verdicts[]] | length' "$TMP/ok.json") checks)"
	else
		notok "healthy namespace: $c exits $rc, not OK: $bad"
	fi
done

# ---- triage ------------------------------------------------------------------------
# Every injected fault by the right check at the right level in one
# triage run (-i 1: the local layers judged over one second; the path
# target probed meanwhile), the first fault naming the lowest layer.
"$NT" -j -N "$H" triage -i 1 "$DEMO_TARGET" >"$TMP/triage.all" 2>"$TMP/triage.err"
rc=$?
{
	jq -s '.[-1]' "$TMP/triage.all" >"$TMP/triage.json" 2>/dev/null
	eq "triage: exit 2 (CRIT)" "$rc" 2
	for want in "link link.drops eth0 crit" "conntrack conntrack.fill - crit" \
		"tcp tcp.close_wait - crit" "tcp tcp.accept_queue 127.0.0.1:$DEMO_AQ_PORT warn" \
		"tcp tcp.listen_overflows - warn" "tcp tcp.listen_drops - warn" \
		"tcp tcp.retrans_ratio - crit" "path path.loss $DEMO_TARGET crit"; do
		read -r l c sj v <<<"$want"
		[ "$sj" = - ] && sj=""
		eq "triage: $l $c ${sj:+$sj }$v" "$(jq -r --arg l "$l" --arg c "$c" --arg s "$sj" \
			'[.verdicts[] | select(.layer == $l and .check == $c and .subject == $s) | .level] | join(",")' \
			"$TMP/triage.json")" "$v"
	done
	eq "triage: first fault is the lowest layer at fault, link" \
		"$(jq -r '.first_fault.layer' "$TMP/triage.json")" link
	eq "triage: the first-fault line in the table names link" \
		"$("$NT" -N "$H" triage "$DEMO_TARGET" 2>/dev/null | grep -c '^first fault: link: ')" 1
	"$NT" -N "$DEMO_OK" triage 127.0.0.1 >"$TMP/triage_ok.out" 2>&1
	eq "triage in the healthy namespace: exit 0" "$?" 0
}

# ---- teardown, checked --------------------------------------------------------------
pids=("${DEMO_PIDS[@]}" "${DEMO_OK_PIDS[@]}")
names=("${DEMO_NETNS[@]}" "${DEMO_OK_NETNS[@]}")
demo_down nt-dft
demo_healthy_down nt-dft
left=""
for n in "${names[@]}"; do
	[ -e "/run/netns/$n" ] && left="$left $n"
done
eq "demo_down: none of the ${#names[@]} namespaces left" "${left:-none}" none
left=""
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null && left="$left $p"
	# a session leader's children (the drop generator's sleep) too
	s=$(ps -o pid=,args= -s "$p" 2>/dev/null)
	[ -n "$s" ] && left="$left [session $p: $s]"
done
eq "demo_down: none of the ${#pids[@]} helper processes (or their sessions) left" "${left:-none}" none
if [ "$SECONDS" -lt 60 ]; then ok "whole test in ${SECONDS} s (< 60)"; else notok "whole test took ${SECONDS} s (want < 60)"; fi

[ "$fails" -eq 0 ]
