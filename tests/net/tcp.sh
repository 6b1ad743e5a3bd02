#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# Namespace integration test for `nettriage tcp`.
#
# 1. States: in a namespace H (loopback), tcp_helper builds 7 established
#    pairs, 5 TIME-WAIT, 4 server-side CLOSE-WAIT (a process that never
#    closes) and a listener with listen(3) whose accept queue holds 4 (full)
#    plus one SYN the full queue drops. Every state count of
#    `nettriage -N H -j tcp` is checked against `ss -Htan state X` in H, the
#    CLOSE-WAIT port and process attribution (--procs) against ss -tanp,
#    the accept queue against `ss -Hltn`, ListenOverflows against nstat.
# 2. Retransmits: C -> R -> S (veth, 192.0.2.0/30 and 198.51.100.0/30); a
#    sender in C writes to a sink in S while an nft rule in R drops the flow
#    for ~2.5 s. The RetransSegs/OutSegs deltas and ratio nettriage reports
#    since its previous run are checked against nstat in C, and the --top
#    socket (kernel-filtered on --dport) against `ss -ti`.
# 3. Ephemeral ports: in a namespace E with ip_local_port_range "40000
#    40999" (per-namespace sysctl), 700 connections to one listener: the
#    tcp.ephemeral verdict WARNs (70 %) naming 127.0.0.1:6300, the count
#    equals `ss -tan` counting the same sockets, CRIT with
#    --crit-ephemeral 60; TIME-WAIT sockets count; reserved ports leave
#    the usable range and the count.
# 4. SYN queue: in a namespace Y, a listen(1) listener that never accepts
#    and an nft rule dropping the handshake's final ACK: with
#    tcp_syncookies=0 later SYNs overflow the SYN queue (TCPReqQFullDrop),
#    with 1 they get cookies (TCPReqQFullDoCookies, SyncookiesSent):
#    tcp.synq WARNs naming each counter; the counters equal nstat's in Y.
# 5. Bad input: unknown state, --top -1, unreadable /proc (NETTRIAGE_PROC),
#    missing namespace: one line on stderr, documented exit code.
#
# Env: NT (nettriage), NT_BUILD (holds tests/tcp_helper).
set -u

NT=${NT:-}
NT_BUILD=${NT_BUILD:-}
HELPER="$NT_BUILD/tests/tcp_helper"

skip() {
	echo "ok - tcp netns test # SKIP $*"
	exit 0
}
if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "not ok - NT is not set to an executable nettriage (NT='$NT')"
	exit 1
fi
if [ ! -x "$HELPER" ]; then
	echo "not ok - $HELPER not built (make unit)"
	exit 1
fi
[ "$(id -u)" -eq 0 ] || skip "not root"
for t in ip jq ss nstat nft; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t"
done

sfx="$$-$RANDOM"
H="nt-tcp-h-$sfx"
C="nt-tcp-c-$sfx"
R="nt-tcp-r-$sfx"
S="nt-tcp-s-$sfx"
E="nt-tcp-e-$sfx"
Y="nt-tcp-y-$sfx"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-tcp-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
export NETTRIAGE_STATE_DIR="$TMP/state"
export NSTAT_HISTORY="$TMP/nstat.hist" # never nstat's shared per-uid file
mkdir -p "$NETTRIAGE_STATE_DIR"
unset NETTRIAGE_PROC
BG_PIDS=()
# shellcheck source=unpriv.inc
. "$(dirname "$0")/unpriv.inc"

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "$H" "$C" "$R" "$S" "$E" "$Y"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
	unpriv_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
eq() { # eq DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else notok "$1: got '$2', want '$3'"; fi
}
wait_line() { # wait_line FILE TEXT SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
ready_or_exit() { # ready_or_exit BASE WHAT SECONDS: BASE.out says ready, else fail and stop
	wait_line "$1.out" ready "$3" && return 0
	notok "tcp_helper $2 ready: $(head -3 "$1.err")"
	exit 1
}
promcheck() { # promcheck FILE WHAT: promtool check metrics passes
	if ! command -v promtool >/dev/null 2>&1; then
		notok "promtool installed (package prometheus)"
	elif promtool check metrics <"$1" >"$TMP/promtool" 2>&1; then
		ok "promtool check metrics passes$2"
	else
		notok "promtool check metrics$2: $(head -3 "$TMP/promtool")"
	fi
}
nstat_get() { # nstat_get NS NAME: absolute value
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v n="$2" '$1 == n {print $2}'
}

if ! ip netns add "$H" 2>"$TMP/err"; then
	skip "ip netns add failed: $(head -1 "$TMP/err")"
fi
ip -n "$H" link set lo up

# ---- 1. states ---------------------------------------------------------------
NEST=7 NTW=5 NCW=4 BACKLOG=3 PORT=7000
ip netns exec "$H" "$HELPER" fill 127.0.0.1 $PORT $NEST $NTW $NCW $BACKLOG >"$TMP/fill.out" 2>"$TMP/fill.err" &
BG_PIDS+=($!)
FILL_PID=$!
if ! wait_line "$TMP/fill.out" ready 20; then
	notok "tcp_helper fill ready: $(head -3 "$TMP/fill.err")"
	exit 1
fi
# The same over IPv6 (::1), smaller, so the second family is counted too.
NEST6=2 NTW6=1 NCW6=1 BACKLOG6=1 PORT6=7100
if ! ip -n "$H" -6 addr show dev lo | grep -q '::1'; then
	notok "::1 on lo in the test namespace (IPv6 disabled?)"
	exit 1
fi
ip netns exec "$H" "$HELPER" fill ::1 $PORT6 $NEST6 $NTW6 $NCW6 $BACKLOG6 >"$TMP/fill6.out" 2>"$TMP/fill6.err" &
BG_PIDS+=($!)
FILL6_PID=$!
if ! wait_line "$TMP/fill6.out" ready 20; then
	notok "tcp_helper fill ::1 ready: $(head -3 "$TMP/fill6.err")"
	exit 1
fi

# The SYN the full queue dropped is retransmitted (1 s, 3 s, ...), and
# each retry raises ListenOverflows again: a run that a retry straddles
# (a slow sanitizer build) is taken again, up to 10 times, each a first run.
for try in 1 2 3 4 5 6 7 8 9 10; do
	[ "$try" -gt 1 ] && sleep 0.3
	rm -rf "${NETTRIAGE_STATE_DIR:?}"/*
	lo0=$(nstat_get "$H" TcpExtListenOverflows)
	"$NT" -N "$H" -j tcp --procs >"$TMP/s.json" 2>"$TMP/s.err"
	rc=$?
	lo1=$(nstat_get "$H" TcpExtListenOverflows)
	[ "$lo0" = "$lo1" ] && break
	echo "# ListenOverflows moved during run $try ($lo0 -> $lo1): again"
done
if [ "$rc" -ge 3 ] || ! jq -e . "$TMP/s.json" >/dev/null 2>&1; then
	notok "nettriage -N H -j tcp --procs ran (exit $rc: $(head -1 "$TMP/s.err"))"
	exit 1
fi
ok "nettriage -N H -j tcp --procs ran (exit $rc)"

total=0
for st in established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed close-wait last-ack listening closing; do
	want=$(ip netns exec "$H" ss -Htan state "$st" | wc -l)
	key=${st//-/_}
	case $st in
	closed) key=close ;;
	listening) key=listen ;;
	fin-wait-1) key=fin_wait1 ;;
	fin-wait-2) key=fin_wait2 ;;
	esac
	got=$(jq ".states.$key" "$TMP/s.json")
	eq "states.$key equals ss -tan state $st" "$got" "$want"
	total=$((total + want))
done
eq "total equals the ss per-state sum" "$(jq .total "$TMP/s.json")" "$total"
# the constructed numbers, so a test that agrees with a broken ss fails too
eq "established: 2*($NEST+$NEST6) pairs + 2*($((BACKLOG + 1))+$((BACKLOG6 + 1))) queued" \
	"$(jq .states.established "$TMP/s.json")" $((2 * (NEST + NEST6) + 2 * (BACKLOG + 1 + BACKLOG6 + 1)))
eq "time_wait: $NTW+$NTW6" "$(jq .states.time_wait "$TMP/s.json")" $((NTW + NTW6))
eq "close_wait: $NCW+$NCW6" "$(jq .states.close_wait "$TMP/s.json")" $((NCW + NCW6))
eq "listen: 8 listeners" "$(jq .states.listen "$TMP/s.json")" 8
eq "syn_sent: the two SYNs the full queues dropped" "$(jq .states.syn_sent "$TMP/s.json")" 2
eq "families.ipv4 equals ss -4" "$(jq .families.ipv4 "$TMP/s.json")" "$(ip netns exec "$H" ss -Htan -4 | wc -l)"
eq "families.ipv6 equals ss -6" "$(jq .families.ipv6 "$TMP/s.json")" "$(ip netns exec "$H" ss -Htan -6 | wc -l)"
eq "close_wait_top[1] is the IPv6 port $((PORT6 + 2)), a local service" \
	"$(jq -c '.close_wait_top[1] | [.side, .addr, .port, .sockets]' "$TMP/s.json")" "[\"local\",null,$((PORT6 + 2)),$NCW6]"
eq "close_wait_top[0] is port $((PORT + 2))" "$(jq '.close_wait_top[0].port' "$TMP/s.json")" $((PORT + 2))
eq "close_wait_top[0].sockets" "$(jq '.close_wait_top[0].sockets' "$TMP/s.json")" "$NCW"
eq "server CLOSE-WAIT: the verdict reason names the listener port $((PORT + 2)) (local port $((PORT + 2)): $NCW)" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.close_wait") | .reason | contains("local port '$((PORT + 2))': '$NCW'")' "$TMP/s.json")" true
eq "close_wait_procs[0] is the helper pid" "$(jq '.close_wait_procs[0].pid' "$TMP/s.json")" "$FILL_PID"
eq "close_wait_procs[0].process" "$(jq -r '.close_wait_procs[0].process' "$TMP/s.json")" tcp_helper
ssq=$(ip netns exec "$H" ss -Hltn "sport = :$((PORT + 3))" | awk '{print $2 "/" $3}')
eq "listen queue on $((PORT + 3)) equals ss -ltn Recv-Q/Send-Q" \
	"$(jq -r --argjson p $((PORT + 3)) '.listen_queues[] | select(.port == $p) | "\(.accept_queue)/\(.backlog)"' "$TMP/s.json")" "$ssq"
eq "that queue is flagged full" \
	"$(jq --argjson p $((PORT + 3)) '.listen_queues[] | select(.port == $p) | .full' "$TMP/s.json")" true
eq "listener owner by --procs" \
	"$(jq --argjson p $((PORT + 3)) '.listen_queues[] | select(.port == $p) | .pid' "$TMP/s.json")" "$FILL_PID"
eq "accept_queue WARN verdicts name 127.0.0.1:$((PORT + 3)) and [::1]:$((PORT6 + 3))" \
	"$(jq -r '[.verdicts[] | select(.check == "tcp.accept_queue" and .level == "warn") | .subject] | join(",")' "$TMP/s.json")" \
	"127.0.0.1:$((PORT + 3)),[::1]:$((PORT6 + 3))"
eq "ListenOverflows equals nstat TcpExtListenOverflows (unchanged around the run)" \
	"$(jq .counters.tcpext.ListenOverflows "$TMP/s.json")" "$lo1"
[ "$lo0" = "$lo1" ] || notok "ListenOverflows moved during the run ($lo0 -> $lo1)"
ntlo=$(jq .counters.tcpext.ListenOverflows "$TMP/s.json")
if [ "${lo1:-0}" -gt 0 ] && [ "$ntlo" = "$lo1" ]; then
	ok "the full queue raised ListenOverflows: nstat $lo1, nettriage $ntlo"
else
	notok "ListenOverflows rose: nstat '$lo1', nettriage '$ntlo' (want equal and > 0)"
fi
eq "counters.tcp.CurrEstab equals /proc/net/snmp read in H" "$(jq .counters.tcp.CurrEstab "$TMP/s.json")" \
	"$(ip netns exec "$H" awk '/^Tcp:/ {n++; if (n == 1) for (i = 2; i <= NF; i++) h[i] = $i; else for (i = 2; i <= NF; i++) if (h[i] == "CurrEstab") print $i}' /proc/net/snmp)"
eq "JSON keys of the issue present (top_sockets null without --top)" \
	"$(jq -c '[has("states"), has("total"), (.counters | has("tcp") and has("tcpext")), has("retrans_ratio_pct"), (.close_wait_top | type), (.listen_queues | type), .top_sockets, .schema]' "$TMP/s.json")" \
	'[true,true,true,true,"array","array",null,1]'
"$NT" -N "$H" -j -i 0.3 -c 2 tcp >"$TMP/iv.json" 2>/dev/null
eq "-i 0.3 -c 2: two documents: the first against the previous run (history), the second over the interval" \
	"$(jq -sc '[length, .[0].baseline.kind, .[1].baseline.kind, (.[1].baseline.seconds > 0.2 and .[1].baseline.seconds < 1), (.[1].rates.tcp | has("OutSegs"))]' "$TMP/iv.json")" \
	'[2,"history","interval",true,true]'
eq "first run: baseline since boot, rates null" "$(jq -c '[.baseline.kind, .rates.tcp]' "$TMP/s.json")" '["boot",null]'

# States filtered in the kernel: only what was asked.
"$NT" -N "$H" -j tcp --state close-wait,time-wait >"$TMP/f.json" 2>/dev/null
eq "--state close-wait,time-wait: other states null, total the two" \
	"$(jq -c '[.states.established, .states.close_wait, .states.time_wait, .total]' "$TMP/f.json")" \
	"[null,$((NCW + NCW6)),$((NTW + NTW6)),$((NCW + NCW6 + NTW + NTW6))]"

# CLOSE-WAIT thresholds (5 sockets): WARN at 5 exits 1, not at 6; CRIT at 5 exits 2.
"$NT" -N "$H" -q tcp --warn-close-wait 5 --crit-close-wait 100 --queue-warn 1000 >/dev/null 2>&1
eq "--warn-close-wait 5 with 5 CLOSE-WAIT: exit 1" "$?" 1
"$NT" -N "$H" -q tcp --warn-close-wait 6 --crit-close-wait 100 --queue-warn 1000 >/dev/null 2>&1
eq "--warn-close-wait 6 with 5 CLOSE-WAIT (queues not judged): exit 0" "$?" 0
"$NT" -N "$H" -q tcp --warn-close-wait 2 --crit-close-wait 5 >/dev/null 2>&1
eq "--crit-close-wait 5: exit 2" "$?" 2

# Prometheus: passes promtool when present; state gauges carry the namespace.
"$NT" -N "$H" --prom tcp --top 3 >"$TMP/p.txt" 2>/dev/null
eq "prom: nettriage_tcp_sockets close_wait" \
	"$(awk -v n="$H" '$1 == "nettriage_tcp_sockets{netns=\"" n "\",state=\"close_wait\"}" {print $2}' "$TMP/p.txt")" $((NCW + NCW6))
if grep -q '^# TYPE nettriage_tcp_retrans_segs_total counter' "$TMP/p.txt"; then
	ok "prom: nettriage_tcp_retrans_segs_total typed counter"
else
	notok "prom: retrans_segs_total counter"
fi
promcheck "$TMP/p.txt" ""
# --procs without privilege: the root helper's fd table is unreadable and
# must be named, not silently skipped.
# The binary is copied to a world-readable directory first (unpriv.inc): the
# checkout may sit under a 0700 directory that uid 65534 cannot enter.
if ! command -v setpriv >/dev/null 2>&1; then
	notok "setpriv installed (util-linux)"
elif ! unpriv_setup 2>"$TMP/unpriv.err"; then
	notok "copy nettriage where uid 65534 can run it: $(head -1 "$TMP/unpriv.err")"
else
	unpriv "$H" "$UNPRIV_NT" -j tcp --procs >"$TMP/nobody.json" 2>"$TMP/nobody.err"
	eq "unprivileged --procs lists the helper pid as unreadable" \
		"$(jq --argjson p "$FILL_PID" '.procs_unreadable | index($p) != null' "$TMP/nobody.json")" true
	eq "unprivileged --procs: CLOSE-WAIT attributed to no process (pid 0)" \
		"$(jq -c '[.close_wait_procs[0].pid, .close_wait_procs[0].sockets]' "$TMP/nobody.json")" "[0,$((NCW + NCW6))]"
	eq "unprivileged: states still counted" "$(jq .states.close_wait "$TMP/nobody.json")" $((NCW + NCW6))
fi
kill "$FILL_PID" "$FILL6_PID" 2>/dev/null

# Client-side CLOSE-WAIT: clients on ephemeral ports whose server closed.
# The group is the server they talk to, never their own ports.
NCWC=6 CPORT=7200
ip netns exec "$H" "$HELPER" cwclient 127.0.0.1 $CPORT $NCWC >"$TMP/cwc.out" 2>"$TMP/cwc.err" &
BG_PIDS+=($!)
if ! wait_line "$TMP/cwc.out" ready 20; then
	notok "tcp_helper cwclient ready: $(head -3 "$TMP/cwc.err")"
	exit 1
fi
sleep 0.2 # the killed fill helpers' sockets leave CLOSE-WAIT
"$NT" -N "$H" -j tcp --warn-close-wait $NCWC >"$TMP/cwc.json" 2>"$TMP/cwc.json.err"
eq "client CLOSE-WAIT: close_wait_top[0] is the peer service 127.0.0.1:$CPORT" \
	"$(jq -c '.close_wait_top[0] | [.side, .addr, .port, .sockets]' "$TMP/cwc.json")" \
	"[\"peer\",\"127.0.0.1\",$CPORT,$NCWC]"
eq "client CLOSE-WAIT: close_wait equals ss -tan state close-wait" \
	"$(jq .states.close_wait "$TMP/cwc.json")" "$(ip netns exec "$H" ss -Htan state close-wait | wc -l)"
eph=$(ip netns exec "$H" ss -Htan state close-wait "dport = :$CPORT" | awk '{n = split($3, a, ":"); print a[n]}' | sort -u)
named=no
for p in $eph; do
	jq -e --argjson p "$p" '.close_wait_top[] | select(.side == "local" and .port == $p)' "$TMP/cwc.json" >/dev/null && named=$p
	jq -e --arg p "port $p:" '.verdicts[] | select(.check == "tcp.close_wait") | .reason | contains($p)' "$TMP/cwc.json" >/dev/null && named=$p
done
eq "client CLOSE-WAIT: ss shows the $NCWC clients on their own ports" "$(echo "$eph" | wc -w)" "$NCWC"
eq "client CLOSE-WAIT: none of those ephemeral ports named" "$named" no
eq "client CLOSE-WAIT: the WARN verdict names the server" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.close_wait") | [.level, (.reason | contains("peer 127.0.0.1:'$CPORT': '$NCWC'"))] | @tsv' "$TMP/cwc.json")" \
	"$(printf 'warn\ttrue')"
# The issue's case: 1,300 CLOSE-WAIT left by a client of a service on port
# 6300: CRIT, the reason names 127.0.0.1:6300, with --procs the process.
NBIG=1300 BPORT=6300
ip netns exec "$H" "$HELPER" cwclient 127.0.0.1 $BPORT $NBIG >"$TMP/cwbig.out" 2>"$TMP/cwbig.err" &
BG_PIDS+=($!)
BIG_PID=$!
ready_or_exit "$TMP/cwbig" "cwclient $NBIG" 60
"$NT" -N "$H" -j tcp --procs >"$TMP/cwbig.json" 2>/dev/null
eq "$NBIG client CLOSE-WAIT to 127.0.0.1:$BPORT: CRIT, the reason names the server and the process" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.close_wait") | [.level, (.reason | contains("peer 127.0.0.1:'$BPORT': '$NBIG'")), (.reason | contains("tcp_helper['$BIG_PID']: '$NBIG'"))] | @tsv' "$TMP/cwbig.json")" \
	"$(printf 'crit\ttrue\ttrue')"
eq "$NBIG client CLOSE-WAIT: ss agrees" \
	"$(ip netns exec "$H" ss -Htan state close-wait "dport = :$BPORT" | wc -l)" "$NBIG"
kill "$BIG_PID" 2>/dev/null

# ---- 2. retransmits ------------------------------------------------------------
for n in "$C" "$R" "$S"; do ip netns add "$n" || { notok "ip netns add $n"; exit 1; }; done
ip link add vc type veth peer name vr1 netns "$R" || { notok "veth"; exit 1; }
ip link set vc netns "$C"
ip -n "$R" link add vr2 type veth peer name vs netns "$S"
ip -n "$C" addr add 192.0.2.1/30 dev vc
ip -n "$R" addr add 192.0.2.2/30 dev vr1
ip -n "$R" addr add 198.51.100.1/30 dev vr2
ip -n "$S" addr add 198.51.100.2/30 dev vs
for n in "$C" "$R" "$S"; do ip -n "$n" link set lo up; done
ip -n "$C" link set vc up
ip -n "$R" link set vr1 up
ip -n "$R" link set vr2 up
ip -n "$S" link set vs up
ip -n "$C" route add default via 192.0.2.2
ip -n "$S" route add default via 198.51.100.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$R" nft add table inet nt
ip netns exec "$R" nft add chain inet nt fchain '{ type filter hook forward priority 0; }'

ip netns exec "$S" "$HELPER" sink 198.51.100.2 5001 2>"$TMP/sink.err" &
BG_PIDS+=($!)
sleep 0.2
"$NT" -N "$C" -j tcp >"$TMP/r0.json" 2>"$TMP/r0.err" # the baseline run
rs0=$(nstat_get "$C" TcpRetransSegs)
os0=$(nstat_get "$C" TcpOutSegs)
to0=$(nstat_get "$C" TcpExtTCPTimeouts)

ip netns exec "$C" "$HELPER" send 198.51.100.2 5001 4 >"$TMP/send.out" 2>"$TMP/send.err" &
BG_PIDS+=($!)
sleep 1
ip netns exec "$R" nft add rule inet nt fchain tcp dport 5001 drop
sleep 2.5
ip netns exec "$R" nft flush chain inet nt fchain
if ! wait_line "$TMP/send.out" "done" 40; then
	notok "sender drained its queue: $(head -2 "$TMP/send.err")"
	exit 1
fi

"$NT" -N "$C" -j tcp >"$TMP/r1.json" 2>"$TMP/r1.err"
rc=$?
rs1=$(nstat_get "$C" TcpRetransSegs)
os1=$(nstat_get "$C" TcpOutSegs)
to1=$(nstat_get "$C" TcpExtTCPTimeouts)
ip netns exec "$C" ss -tiH "dport = :5001" >"$TMP/ssti"
"$NT" -N "$C" -j tcp --top 1 --dport 5001 >"$TMP/top.json" 2>"$TMP/top.err"

eq "second run: baseline is the history file" "$(jq -r .baseline.kind "$TMP/r1.json")" history
eq "RetransSegs equals nstat TcpRetransSegs" "$(jq .counters.tcp.RetransSegs "$TMP/r1.json")" "$rs1"
drs=$((rs1 - rs0))
dos=$((os1 - os0))
ntrs=$(jq .retrans_window.retrans_segs "$TMP/r1.json")
if [ "$drs" -gt 0 ] && [ "$ntrs" = "$drs" ]; then
	ok "dropping the flow raised RetransSegs: nstat delta $drs, nettriage retrans_window.retrans_segs $ntrs"
else
	notok "RetransSegs rose: nstat delta $drs, nettriage '$ntrs' (want equal and > 0)"
fi
# TCPTimeouts as nettriage read it in the baseline run and in this one
ntto=$(jq -n --slurpfile a "$TMP/r0.json" --slurpfile b "$TMP/r1.json" \
	'$b[0].counters.tcpext.TCPTimeouts - $a[0].counters.tcpext.TCPTimeouts' 2>/dev/null)
if [ $((to1 - to0)) -gt 0 ] && [ "$ntto" = $((to1 - to0)) ]; then
	ok "TcpExtTCPTimeouts rose: nstat by $((to1 - to0)), nettriage counters.tcpext.TCPTimeouts by $ntto"
else
	notok "TCPTimeouts rose: nstat by $((to1 - to0)), nettriage by '$ntto' (want equal and > 0)"
fi
eq "retrans_window.retrans_segs equals the nstat delta" "$(jq .retrans_window.retrans_segs "$TMP/r1.json")" "$drs"
eq "retrans_window.out_segs equals the nstat delta" "$(jq .retrans_window.out_segs "$TMP/r1.json")" "$dos"
want=$(awk -v r="$drs" -v o="$dos" 'BEGIN {printf "%.6f", 100 * r / o}')
eq "retrans_ratio_pct = 100 * dRetransSegs / dOutSegs" \
	"$(jq -r '.retrans_ratio_pct * 1000000 | round / 1000000' "$TMP/r1.json" | awk '{printf "%.6f", $1}')" "$want"
eq "rates.tcp present with a baseline" "$(jq '.rates.tcp | has("RetransSegs")' "$TMP/r1.json")" true
ss_rtx=$(grep -o 'retrans:[0-9]*/[0-9]*' "$TMP/ssti" | head -1 | cut -d/ -f2)
eq "top_sockets[0].dport is the filtered port" "$(jq '.top_sockets[0].dport' "$TMP/top.json")" 5001
eq "exactly one socket kept" "$(jq '.top_sockets | length' "$TMP/top.json")" 1
eq "top_sockets[0].total_retrans equals ss -ti retrans:X/TOTAL" \
	"$(jq '.top_sockets[0].total_retrans' "$TMP/top.json")" "${ss_rtx:-none}"
ntrtx=$(jq '.top_sockets[0].total_retrans' "$TMP/top.json")
if [ "${ss_rtx:-0}" -gt 0 ] && [ "$ntrtx" = "$ss_rtx" ]; then
	ok "the socket retransmitted: ss -ti $ss_rtx, nettriage top_sockets[0].total_retrans $ntrtx"
else
	notok "the socket retransmitted: ss -ti '${ss_rtx:-}', nettriage '$ntrtx' (want equal and > 0)"
fi
ss_cwnd=$(grep -o 'cwnd:[0-9]*' "$TMP/ssti" | head -1 | cut -d: -f2)
eq "top_sockets[0].cwnd equals ss -ti cwnd" "$(jq '.top_sockets[0].cwnd' "$TMP/top.json")" "${ss_cwnd:-none}"
"$NT" -N "$C" -j tcp --top 5 --dport 5002 >"$TMP/none.json" 2>/dev/null
eq "--dport 5002 (no such flow): top_sockets empty" "$(jq '.top_sockets | length' "$TMP/none.json")" 0
"$NT" -N "$C" -j tcp --top 5 --dst 198.51.100.0/24 --sport 1 >"$TMP/none.json" 2>/dev/null
eq "--dst net --sport 1 (no such local port): empty" "$(jq '.top_sockets | length' "$TMP/none.json")" 0
"$NT" -N "$C" -j tcp --top 5 --dst 198.51.100.2 >"$TMP/dst.json" 2>/dev/null
eq "--dst 198.51.100.2: the flow" "$(jq '[.top_sockets[].dport] | join(",")' -r "$TMP/dst.json")" 5001
"$NT" -N "$C" -j tcp --top 5 --dst 2001:db8::1 >"$TMP/dst6.json" 2>/dev/null
eq "--dst 2001:db8::1: nothing" "$(jq '.top_sockets | length' "$TMP/dst6.json")" 0

# ---- 3. ephemeral ports -----------------------------------------------------------
ip netns add "$E" || { notok "ip netns add $E"; exit 1; }
ip -n "$E" link set lo up
ip netns exec "$E" sysctl -qw net.ipv4.ip_local_port_range="40000 40999" # per namespace
# first (before clients take the port), a service listening inside the range (40600) with 3 server-side
# CLOSE-WAIT: its sockets are a server's, not counted
ip netns exec "$E" "$HELPER" leak 127.0.0.1 40600 3 >"$TMP/eleak.out" 2>"$TMP/eleak.err" &
BG_PIDS+=($!)
ready_or_exit "$TMP/eleak" "leak (E)" 20
NEPH=700 EPORT=6300
ip netns exec "$E" "$HELPER" pairs 127.0.0.1 $EPORT $NEPH >"$TMP/eph.out" 2>"$TMP/eph.err" &
BG_PIDS+=($!)
ready_or_exit "$TMP/eph" "pairs" 30
# 5 TIME-WAIT sockets of clients (fill: listener PORT+1), 1 established
# pair, 1 server-side CLOSE-WAIT, a queue of 2 and a dropped SYN
ip netns exec "$E" "$HELPER" fill 127.0.0.1 7000 1 5 1 1 >"$TMP/efill.out" 2>"$TMP/efill.err" &
BG_PIDS+=($!)
ready_or_exit "$TMP/efill" "fill (E)" 20
# ss: the sockets on a local port of the range towards one destination
ss_eph() { # ss_eph DPORT [RESERVED-AWK-TEST]
	ip netns exec "$E" ss -Htan state all "dst 127.0.0.1:$1" |
		awk -v skip="${2:-0}" '$1 != "LISTEN" {n = split($4, a, ":"); p = a[n] + 0
			if (p >= 40000 && p <= 40999 && !(skip && (p <= 40099 || p == 40500))) c++}
			END {print c + 0}'
}
"$NT" -N "$E" -j tcp --ports 100 >"$TMP/e.json" 2>"$TMP/e.err"
rc=$?
want=$(ss_eph $EPORT)
eq "ephemeral: ss counts $NEPH sockets on 40000-40999 to 127.0.0.1:$EPORT" "$want" $NEPH
eq "ephemeral: usable_ports is the namespace's range (1000), read in E" \
	"$(jq -c '.ephemeral | [.range_lo, .range_hi, .reserved_ports, .usable_ports]' "$TMP/e.json")" '[40000,40999,0,1000]'
eq "ephemeral_top[0] is 127.0.0.1 -> 127.0.0.1:$EPORT with ss's count" \
	"$(jq -c '.ephemeral_top[0] | [.laddr, .raddr, .rport, .sockets, .usable_ports, .in_use_pct]' "$TMP/e.json")" \
	"[\"127.0.0.1\",\"127.0.0.1\",$EPORT,$want,1000,70]"
eq "ephemeral: the TIME-WAIT clients count (to 127.0.0.1:7001, ss says $(ss_eph 7001))" \
	"$(jq '.ephemeral_top[] | select(.rport == 7001) | .sockets' "$TMP/e.json")" "$(ss_eph 7001)"
eq "ephemeral: 5 TIME-WAIT to 7001" "$(ip netns exec "$E" ss -Htan state time-wait "dport = :7001" | wc -l)" 5
eq "ephemeral: the listener's port 40600 is a server's: no destination but 40600 on an rport of the range" \
	"$(jq '[.ephemeral_top[] | select(.rport != 40600 and .rport >= 40000 and .rport <= 40999)] | length' "$TMP/e.json")" 0
eq "ephemeral: the 3 clients of 40600 count towards it" \
	"$(jq '.ephemeral_top[] | select(.rport == 40600) | .sockets' "$TMP/e.json")" "$(ss_eph 40600)"
eq "ephemeral: total sockets equals ss (every destination, sport 40600 left out)" "$(jq .ephemeral.sockets "$TMP/e.json")" \
	"$(ip netns exec "$E" ss -Htan state all | awk '$1 != "LISTEN" {n = split($4, a, ":"); p = a[n] + 0; if (p >= 40000 && p <= 40999 && p != 40600) c++} END {print c + 0}')"
eq "tcp.ephemeral WARN (70 %) names the service, exit 1" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.ephemeral") | [.level, .subject, (.reason | contains("127.0.0.1:'$EPORT'") and contains("'$want' of 1000"))] | @tsv' "$TMP/e.json") rc=$rc" \
	"$(printf 'warn\t127.0.0.1 -> 127.0.0.1:%s\ttrue' $EPORT) rc=1"
"$NT" -N "$E" -j tcp --crit-ephemeral 60 >"$TMP/e2.json" 2>/dev/null
rc=$?
eq "--crit-ephemeral 60: CRIT, exit 2" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.ephemeral") | .level' "$TMP/e2.json") rc=$rc" "crit rc=2"
"$NT" -N "$E" -j tcp --warn-ephemeral 71 >"$TMP/e3.json" 2>/dev/null
eq "--warn-ephemeral 71: OK naming the busiest" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.ephemeral") | [.level, (.reason | contains("127.0.0.1 -> 127.0.0.1:'$EPORT'"))] | @tsv' "$TMP/e3.json")" "$(printf 'ok\ttrue')"
"$NT" -N "$E" --prom tcp >"$TMP/e.prom" 2>/dev/null
eq "prom: nettriage_tcp_ephemeral_in_use{laddr,raddr,rport}" \
	"$(grep -c "^nettriage_tcp_ephemeral_in_use{netns=\"$E\",laddr=\"127.0.0.1\",raddr=\"127.0.0.1\",rport=\"$EPORT\"} $want\$" "$TMP/e.prom")" 1
eq "prom: nettriage_tcp_ephemeral_ports 1000" \
	"$(awk '$1 ~ /^nettriage_tcp_ephemeral_ports[{]/ {print $2}' "$TMP/e.prom")" 1000
promcheck "$TMP/e.prom" " (ephemeral)"
# reserved ports: they leave the usable range and the count
ip netns exec "$E" sysctl -qw net.ipv4.ip_local_reserved_ports="40000-40099,40500,50000-50010"
"$NT" -N "$E" -j tcp >"$TMP/e4.json" 2>/dev/null
want=$(ss_eph $EPORT 1)
eq "reserved 40000-40099,40500 (and 50000-50010 outside): usable 899" \
	"$(jq -c '.ephemeral | [.reserved_ports, .usable_ports]' "$TMP/e4.json")" '[101,899]'
eq "reserved: ephemeral_top[0].sockets equals ss without the reserved ports ($want)" \
	"$(jq '.ephemeral_top[0].sockets' "$TMP/e4.json")" "$want"
"$NT" -N "$E" -j tcp --state established >"$TMP/e5.json" 2>/dev/null
eq "--state established: ephemeral not counted (null), no tcp.ephemeral verdict" \
	"$(jq -c '[.ephemeral, .ephemeral_top, ([.verdicts[] | select(.check == "tcp.ephemeral")] | length)]' "$TMP/e5.json")" '[null,null,0]'

# ---- 4. SYN queue ----------------------------------------------------------------
ip netns add "$Y" || { notok "ip netns add $Y"; exit 1; }
ip -n "$Y" link set lo up
ip netns exec "$Y" sysctl -qw net.ipv4.tcp_syncookies=0 # per namespace
ip netns exec "$Y" nft add table inet nt
ip netns exec "$Y" nft add chain inet nt in '{ type filter hook input priority 0; }'
# the handshake's last ACK never reaches the listeners: requests stay
ip netns exec "$Y" nft add rule inet nt in tcp dport '{ 6500, 6501 }' 'tcp flags & (syn | ack) == ack' drop
"$NT" -N "$Y" -j tcp >/dev/null 2>&1 # the baseline run
cp -r "$NETTRIAGE_STATE_DIR" "$TMP/state.y0"
synq_run() { # synq_run OUT: a run against the baseline, again while a SYN retry moved the counters
	local try a0 a1
	for try in 1 2 3 4 5 6 7 8 9 10; do
		[ "$try" -gt 1 ] && sleep 0.3
		rm -rf "$NETTRIAGE_STATE_DIR"
		cp -r "$TMP/state.y0" "$NETTRIAGE_STATE_DIR"
		a0=$(ip netns exec "$Y" nstat -asz 2>/dev/null | awk '$1 ~ /^TcpExt(TCPReqQFull|Syncookies)/ {print $1 "=" $2}' | sort | tr '\n' ' ')
		"$NT" -N "$Y" -j tcp >"$1" 2>/dev/null
		a1=$(ip netns exec "$Y" nstat -asz 2>/dev/null | awk '$1 ~ /^TcpExt(TCPReqQFull|Syncookies)/ {print $1 "=" $2}' | sort | tr '\n' ' ')
		[ "$a0" = "$a1" ] && return 0
		echo "# SYN-queue counters moved during run $try: again"
	done
	return 0
}
ip netns exec "$Y" "$HELPER" synq 127.0.0.1 6500 5 >"$TMP/synq.out" 2>"$TMP/synq.err" &
BG_PIDS+=($!)
ready_or_exit "$TMP/synq" synq 20
sleep 0.2
synq_run "$TMP/y1.json"
qd=$(nstat_get "$Y" TcpExtTCPReqQFullDrop)
eq "TCPReqQFullDrop equals nstat in Y" "$(jq .counters.tcpext.TCPReqQFullDrop "$TMP/y1.json")" "$qd"
if [ "${qd:-0}" -ge 3 ]; then ok "syncookies off: 3 or more SYNs overflowed the SYN queue of 1 (nstat $qd)"; else notok "TCPReqQFullDrop rose: nstat '$qd' (want >= 3)"; fi
eq "tcp.synq WARN names TCPReqQFullDrop, rose by nstat's count" \
	"$(jq -r '.verdicts[] | select(.check == "tcp.synq" and .subject == "TCPReqQFullDrop") | [.level, .value] | @tsv' "$TMP/y1.json")" \
	"$(printf 'warn\t%s' "$qd")"
eq "tcp.synq: the counters that did not rise are OK" \
	"$(jq -r '[.verdicts[] | select(.check == "tcp.synq" and .subject != "TCPReqQFullDrop") | .level] | unique | join(",")' "$TMP/y1.json")" ok
ip netns exec "$Y" sysctl -qw net.ipv4.tcp_syncookies=1
"$NT" -N "$Y" -j tcp >/dev/null 2>&1
cp -r "$NETTRIAGE_STATE_DIR/." "$TMP/state.y0"
ip netns exec "$Y" "$HELPER" synq 127.0.0.1 6501 5 >"$TMP/synq2.out" 2>"$TMP/synq2.err" &
BG_PIDS+=($!)
ready_or_exit "$TMP/synq2" "synq (cookies)" 20
sleep 0.2
synq_run "$TMP/y2.json"
for ctr in TCPReqQFullDoCookies SyncookiesSent; do
	v=$(nstat_get "$Y" "TcpExt$ctr")
	eq "$ctr equals nstat in Y" "$(jq ".counters.tcpext.$ctr" "$TMP/y2.json")" "$v"
	eq "syncookies on: tcp.synq WARN names $ctr" \
		"$(jq -r --arg c "$ctr" '.verdicts[] | select(.check == "tcp.synq" and .subject == $c) | [.level, (.value > 0), (.hint | test("SYN"))] | @tsv' "$TMP/y2.json")" \
		"$(printf 'warn\ttrue\ttrue')"
done

# ---- 5. bad input ----------------------------------------------------------------
bad() { # bad DESC WANT_RC ARGS...
	local d=$1 want=$2
	shift 2
	"$@" >"$TMP/b.out" 2>"$TMP/b.err"
	local rc=$? lines
	lines=$(grep -c '' "$TMP/b.err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q '^nettriage: ' "$TMP/b.err"; then
		ok "$d: exit $rc, one line: $(cat "$TMP/b.err")"
	else
		notok "$d: exit $rc (want $want), $lines stderr lines: $(head -2 "$TMP/b.err")"
	fi
}
bad "unknown state name" 64 "$NT" tcp --state establishd
bad "--top -1" 64 "$NT" tcp --top -1
bad "--top 0" 64 "$NT" tcp --top 0
bad "--dport 70000" 64 "$NT" tcp --dport 70000
bad "--dst not-an-address" 64 "$NT" tcp --dst not-an-address
bad "--warn-ephemeral 101" 64 "$NT" tcp --warn-ephemeral 101
bad "--warn-ephemeral above --crit-ephemeral" 64 "$NT" tcp --warn-ephemeral 90 --crit-ephemeral 80
bad "missing namespace" 3 "$NT" -N "nt-tcp-no-such-$sfx" tcp
mkdir -p "$TMP/proc/net"
NETTRIAGE_PROC="$TMP/proc" bad "unreadable /proc/net/snmp and netstat (NETTRIAGE_PROC)" 3 "$NT" -N "$H" tcp
cp /proc/net/snmp "$TMP/proc/net/snmp"
mkdir "$TMP/proc/net/netstat" # a directory: read fails with EISDIR
NETTRIAGE_PROC="$TMP/proc" bad "unreadable /proc/net/netstat only" 3 "$NT" -N "$H" tcp
NETTRIAGE_PROC="$TMP/proc" "$NT" -N "$H" -j tcp >"$TMP/np.json" 2>/dev/null
eq "without TcpExt: counters.tcpext null, states still counted" \
	"$(jq -c '[.counters.tcpext, (.states.listen != null)]' "$TMP/np.json")" '[null,true]'

[ "$fails" -eq 0 ]
