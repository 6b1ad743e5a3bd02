#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# Namespace test for `nettriage capture -d IFACE` (live capture, libpcap).
#
# Topology: C (client) -- R (router) -- S (server), veth pairs,
#   C 198.51.100.2/24 -- 198.51.100.1/24 R 203.0.113.1/24 -- 203.0.113.2/24 S
# forwarding on in R only (per-namespace sysctl). TSO, GSO and GRO are off
# on every veth (ethtool -K, per device), so each captured frame is one TCP
# segment, as the sender counts them.
# Loss: R drops every EVERY-th data segment C -> S with iptables
# `-m statistic --mode nth --every N --packet 0 -j DROP` (xt_statistic
# works here through iptables-nft's compat layer; `-m length` first, so
# only segments with payload are counted and dropped, never a SYN, FIN or
# pure ACK). R's egress to S is a 20 Mbit/s tbf: a segment then takes
# ~600 us to serialise, so the sender (ACK-clocked or paced) never sends
# two segments closer than that, and a re-sent segment always comes more
# than the initial RTT (~0.1 ms on a veth path) after the previous new one.
# Without it Wireshark's out-of-order heuristic (a segment within the iRTT
# of the highest one that doesn't end at it) claims about a third of the
# re-sent segments as "out-of-order", not "retransmission", when captured
# at the sender (measured: 39 retrans + 18 out-of-order = 57 re-sent).
#
# Transfer: tests/net/cap_xfer (client in C, server in S) writes XFER
# bytes; once every byte is ACKed, before close, the client prints its own
# tcpi_total_retrans (TCP_INFO); `ss -ti` in C reads the same socket
# (retrans:A/TOTAL) while it lingers.
#
#  1. `capture -d <C's veth> -t SEC -j` in C, started before the transfer
#     (a ping runs alongside): source live/iface, packets > 0, frames
#     other than TCP seen, dropped 0, the flow found by port; its retrans
#     equals the sender's tcpi_total_retrans within one segment (and ss
#     agrees with TCP_INFO), its data_segments tcpi_data_segs_out within
#     one; R's DROP counter moved and retrans >= the drops; exit status
#     is the verdict (status field).
#  2. Filter form `capture -d IF -t SEC tcp port 5001`, with the ping
#     again: only TCP frames, one flow, the same retrans check.
#  3. `-w FILE`: tshark reads the file, counts as many frames as our
#     `packets`, and its tcp.analysis.retransmission (the expert info's
#     retransmissions, fast ones included) and out-of-order counts equal
#     ours within one; ours equals the sender's too.
#     Its duration_s is within 10 % of -t.
#  4. SIGINT during `-t 60`: ends within seconds with the results so far
#     (JSON, the flow, its retrans, stopped true), exit status the
#     verdict, no crash. SIGTERM ~1 s into `-t 30` (a ping running): ends
#     in under 3 s with the JSON (stopped true), exit status the verdict.
#  5. A missing interface: one line on stderr, exit 3. Without CAP_NET_RAW
#     (uid 65534, no capabilities: tests/net/unpriv.inc): one line naming
#     CAP_NET_RAW, exit 3.
# A trap removes every namespace, process and file the test made.
#
# Env: NT (nettriage), NT_BUILD (holds tests/cap_xfer). Root.
set -u

NT=${NT:-}
NT_BUILD=${NT_BUILD:-}
XFER="$NT_BUILD/tests/cap_xfer"
EVERY=50          # R drops every 50th data segment C -> S
XFER_BYTES=3000000
PORT=5001
RATE=20mbit

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	nok "NT is not set to an executable nettriage (NT='$NT')"
	exit 1
fi
if [ ! -x "$XFER" ]; then
	nok "$XFER not built (make unit)"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - capture_live netns test # SKIP not root"
	exit 0
fi
for t in ip jq ss ethtool iptables tc tshark setpriv timeout; do
	if ! command -v "$t" >/dev/null 2>&1; then
		nok "$t installed (scripts/packages.txt)"
		exit 1
	fi
done

sfx=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
C=nt-capc-$sfx R=nt-capr-$sfx S=nt-caps-$sfx
VC=ncc$sfx VRC=ncrc$sfx VRS=ncrs$sfx VS=ncs$sfx # <= 15 characters
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-capture-live.XXXXXX") || { nok "mktemp"; exit 1; }
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
PIDS=()
# shellcheck source=unpriv.inc
. "$(dirname "$0")/unpriv.inc"

cleanup() {
	local p n
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "$C" "$R" "$S"; do ip netns del "$n" 2>/dev/null; done
	unpriv_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

assert() { # description, then a command: ok if it succeeds
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else nok "$what"; fi
}
within1() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -ge 0 ] 2>/dev/null && [ $(($1 - $2)) -le 1 ] && [ $(($2 - $1)) -le 1 ]; }

topo() {
	local n p
	for n in "$C" "$R" "$S"; do
		ip netns add "$n" || return 1
		ip -n "$n" link set lo up
	done
	ip link add "$VC" netns "$C" type veth peer name "$VRC" netns "$R" || return 1
	ip link add "$VS" netns "$S" type veth peer name "$VRS" netns "$R" || return 1
	ip -n "$C" addr add 198.51.100.2/24 dev "$VC" &&
	ip -n "$R" addr add 198.51.100.1/24 dev "$VRC" &&
	ip -n "$R" addr add 203.0.113.1/24 dev "$VRS" &&
	ip -n "$S" addr add 203.0.113.2/24 dev "$VS" || return 1
	for p in "$C $VC" "$R $VRC" "$R $VRS" "$S $VS"; do
		# shellcheck disable=SC2086 # two words: namespace, device
		set -- $p
		ip -n "$1" link set "$2" up || return 1
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null || return 1
	done
	ip -n "$C" route add default via 198.51.100.1 &&
	ip -n "$S" route add default via 203.0.113.1 &&
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
	ip netns exec "$R" tc qdisc add dev "$VRS" root tbf rate $RATE burst 3000 limit 1000000 || return 1
	ip netns exec "$R" iptables -A FORWARD -i "$VRC" -p tcp --dport $PORT -m length --length 200:65535 \
		-m statistic --mode nth --every $EVERY --packet 0 -j DROP || return 1
	ip netns exec "$C" ping -c1 -w3 -q 203.0.113.2 >/dev/null
}
if ! topo; then
	nok "build C -- R -- S with the drop rule in R"
	exit 1
fi
ok "C -- R -- S, offloads off, R drops every ${EVERY}th data segment, $RATE to S"

ip netns exec "$S" "$XFER" server 203.0.113.2 $PORT >"$TMP/srv.out" 2>"$TMP/srv.err" &
PIDS+=($!)
for _ in $(seq 100); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.05; done
if ! grep -q ready "$TMP/srv.out"; then
	nok "cap_xfer server in S ($(head -1 "$TMP/srv.err"))"
	exit 1
fi

drops() { ip netns exec "$R" iptables -L FORWARD -v -n -x | awk '/statistic/ {print $1}'; }

# xfer TAG: one transfer C -> S; sets RET (tcpi_total_retrans), DSEGS
# (tcpi_data_segs_out), CPORT (client port), SSRET (ss -ti's total retrans)
xfer() {
	local tag=$1 line
	RET="" DSEGS="" CPORT="" SSRET=""
	ip netns exec "$C" "$XFER" client 203.0.113.2 $PORT $XFER_BYTES 400 \
		>"$TMP/$tag.cli" 2>"$TMP/$tag.clierr" &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 600); do
		grep -q '^sent' "$TMP/$tag.cli" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	line=$(grep '^sent' "$TMP/$tag.cli")
	if [ -n "$line" ]; then
		# shellcheck disable=SC2086 # the helper's words
		set -- $line
		RET=$4 DSEGS=$6 CPORT=${10}
		SSRET=$(ip netns exec "$C" ss -Htin state established "( sport = :$CPORT )" |
			sed -n 's/.*retrans:[0-9]*\/\([0-9]*\).*/\1/p')
	fi
	wait "$pid"
	[ -n "$RET" ]
}

# cap_start TAG ARGS...: nettriage -j capture ARGS in C, in the background
# (CAPPID: nettriage itself, under a 60 s watchdog); returns once its
# packet socket exists in C.
cap_start() {
	local tag=$1
	shift
	timeout -s KILL 90 ip netns exec "$C" "$NT" -j capture "$@" >"$TMP/$tag.json" 2>"$TMP/$tag.err" &
	CAPW=$!
	PIDS+=("$CAPW")
	for _ in $(seq 100); do
		CAPPID=$(ps -o pid= --ppid "$CAPW" | tr -d ' ')
		[ -n "$CAPPID" ] && ip netns exec "$C" awk 'NR > 1 {f = 1} END {exit !f}' /proc/net/packet && break
		kill -0 "$CAPW" 2>/dev/null || return 1
		sleep 0.05
	done
	sleep 0.2 # the filter is attached after the socket exists
	kill -0 "$CAPW" 2>/dev/null
}
cap_wait() { wait "$CAPW"; }

# status field -> exit code
st_rc() { jq -r '{"ok": 0, "warn": 1, "crit": 2}[.status] // "none"' "$1" 2>/dev/null; }
flow() { jq -c --argjson p "$2" '[.flows[] | select(.sport == $p or .dport == $p)][0] // empty' "$1" 2>/dev/null; }
fget() { jq -r "$2" <<<"$1" 2>/dev/null; }

# ---- 1. plain live capture ----
d0=$(drops)
if ! cap_start plain -d "$VC" -t 5; then
	nok "capture -d $VC -t 5 started ($(head -1 "$TMP/plain.err"))"
	exit 1
fi
ip netns exec "$C" ping -q -c 10 -i 0.1 203.0.113.2 >/dev/null &
PIDS+=($!)
if ! xfer plain; then
	nok "transfer C -> S ($(head -1 "$TMP/plain.clierr"))"
	exit 1
fi
cap_wait
rc=$?
d1=$(drops)
J=$TMP/plain.json
ok "transfer: $XFER_BYTES bytes, sender tcpi_total_retrans $RET, data_segs_out $DSEGS, R dropped $((d1 - d0))"
assert "R's DROP rule fired ($((d1 - d0)) segments) and the sender re-sent at least as many ($RET)" \
	test $((d1 - d0)) -gt 0 -a "$RET" -ge $((d1 - d0))
assert "ss -ti agrees with TCP_INFO: retrans total ${SSRET:-none} = $RET" test "${SSRET:-x}" = "$RET"
assert "capture -d exit status $rc is the verdict (status $(jq -r .status "$J" 2>/dev/null))" \
	test "$(st_rc "$J")" = "$rc"
assert "source kind live, iface $VC" jq -e --arg i "$VC" '.source.kind == "live" and .source.iface == $i' "$J"
assert "packets $(jq .packets "$J" 2>/dev/null) > tcp_packets $(jq .tcp_packets "$J" 2>/dev/null) > 0 (the ping is seen)" \
	jq -e '.packets > .tcp_packets and .tcp_packets > 0' "$J"
assert "dropped (ps_drop) is 0: $(jq .dropped "$J" 2>/dev/null)" jq -e '.dropped == 0' "$J"
F=$(flow "$J" "$CPORT")
r=$(fget "$F" .retrans)
assert "the flow 198.51.100.2:$CPORT -> 203.0.113.2:$PORT is reported" test -n "$F"
assert "flow retrans ${r:-none} = sender tcpi_total_retrans $RET within one segment" within1 "${r:-}" "$RET"
s=$(fget "$F" .data_segments)
assert "flow data_segments ${s:-none} = sender tcpi_data_segs_out $DSEGS within one" within1 "${s:-}" "$DSEGS"
assert "totals.retrans >= the flow's" jq -e --argjson r "${r:-0}" '.totals.retrans >= $r and $r > 0' "$J"
assert "duration_s $(jq .source.duration_s "$J" 2>/dev/null) within 10 % of -t 5, stopped false" \
	jq -e '.source.duration_s >= 4.5 and .source.duration_s <= 5.5 and .stopped == false' "$J"

# ---- 2. the BPF filter form ----
if cap_start filt -d "$VC" -t 5 tcp port $PORT; then
	ip netns exec "$C" ping -q -c 10 -i 0.1 203.0.113.2 >/dev/null &
	PIDS+=($!)
	xfer filt || nok "transfer for the filter form"
	cap_wait
	rc=$?
	J=$TMP/filt.json
	assert "capture -d IF -t 5 tcp port $PORT: exit $rc is the verdict" test "$(st_rc "$J")" = "$rc"
	assert "  source.filter is \"tcp port $PORT\"" jq -e --arg f "tcp port $PORT" '.source.filter == $f' "$J"
	assert "  only TCP frames: packets $(jq .packets "$J" 2>/dev/null) = tcp_packets, one flow" \
		jq -e '.packets == .tcp_packets and .packets > 0 and .flows_total == 1' "$J"
	r=$(fget "$(flow "$J" "$CPORT")" .retrans)
	assert "  flow retrans ${r:-none} = sender $RET within one" within1 "${r:-}" "$RET"
else
	nok "capture with a BPF filter started ($(head -1 "$TMP/filt.err"))"
fi

# ---- 3. -w FILE, read back by tshark ----
if cap_start wr -d "$VC" -t 5 -w "$TMP/live.pcap"; then
	xfer wr || nok "transfer for -w"
	cap_wait
	rc=$?
	J=$TMP/wr.json
	assert "capture -w: exit $rc is the verdict" test "$(st_rc "$J")" = "$rc"
	nf=$(tshark -r "$TMP/live.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
	assert "tshark reads the -w file: $nf frames = our packets $(jq .packets "$J" 2>/dev/null)" \
		jq -e --argjson n "$nf" '.packets == $n and $n > 0' "$J"
	tr=$(tshark -r "$TMP/live.pcap" -Y tcp.analysis.retransmission -T fields -e frame.number 2>/dev/null | wc -l)
	to=$(tshark -r "$TMP/live.pcap" -Y tcp.analysis.out_of_order -T fields -e frame.number 2>/dev/null | wc -l)
	F=$(flow "$J" "$CPORT")
	r=$(fget "$F" .retrans)
	o=$(fget "$F" .out_of_order)
	assert "tshark expert retransmissions $tr = ours ${r:-none} within one" within1 "${r:-}" "$tr"
	assert "tshark out-of-order $to = ours ${o:-none} within one" within1 "${o:-}" "$to"
	assert "  and ours = sender tcpi_total_retrans $RET within one" within1 "${r:-}" "$RET"
else
	nok "capture -w started ($(head -1 "$TMP/wr.err"))"
fi

# ---- 4. SIGINT ends a long capture with the results so far ----
if cap_start int -d "$VC" -t 60; then
	xfer int || nok "transfer for the SIGINT run"
	t0=$(date +%s)
	kill -INT "$CAPPID"
	cap_wait
	rc=$?
	t1=$(date +%s)
	J=$TMP/int.json
	assert "SIGINT during -t 60: ended in $((t1 - t0)) s (<= 5), exit $rc the verdict, not a crash" \
		test $((t1 - t0)) -le 5 -a "$(st_rc "$J")" = "$rc"
	r=$(fget "$(flow "$J" "$CPORT")" .retrans)
	assert "  results so far: duration_s $(jq .source.duration_s "$J" 2>/dev/null) < 60, flow retrans ${r:-none} = sender $RET within one" \
		jq -e --argjson ok "$(within1 "${r:-}" "$RET" && echo true || echo false)" \
		'.source.duration_s < 60 and .packets > 0 and $ok' "$J"
	assert "  stderr empty" test ! -s "$TMP/int.err"
	assert "  stopped is true" jq -e '.stopped == true' "$J"
else
	nok "capture -t 60 started ($(head -1 "$TMP/int.err"))"
fi

# ---- 4b. SIGTERM ends it the same way ----
if cap_start term -d "$VC" -t 30; then
	ip netns exec "$C" ping -q -c 5 -i 0.2 203.0.113.2 >/dev/null
	t0=$EPOCHREALTIME
	kill -TERM "$CAPPID"
	cap_wait
	rc=$?
	t1=$EPOCHREALTIME
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
	J=$TMP/term.json
	assert "SIGTERM after ~1 s of -t 30: ended in $wall s (< 3), exit $rc the verdict (status $(jq -r .status "$J" 2>/dev/null))" \
		awk -v w="$wall" -v rc="$rc" -v want="$(st_rc "$J")" 'BEGIN {exit !(w < 3 && rc == want)}'
	assert "  JSON printed: stopped true, duration_s $(jq .source.duration_s "$J" 2>/dev/null) < 3, the ping seen (packets $(jq .packets "$J" 2>/dev/null))" \
		jq -e '.stopped == true and .source.duration_s < 3 and .packets > 0' "$J"
	assert "  stderr empty" test ! -s "$TMP/term.err"
else
	nok "capture -t 30 started ($(head -1 "$TMP/term.err"))"
fi

# ---- 5. could not measure: one line, exit 3 ----
ip netns exec "$C" "$NT" capture -d nt-nosuch0 -t 1 >"$TMP/miss.out" 2>"$TMP/miss.err"
rc=$?
assert "missing interface: exit $rc (3), one line on stderr naming it: $(head -1 "$TMP/miss.err")" \
	test "$rc" = 3 -a "$(wc -l <"$TMP/miss.err")" = 1 -a ! -s "$TMP/miss.out"
assert "  the line names nt-nosuch0" grep -q nt-nosuch0 "$TMP/miss.err"
if unpriv_setup 2>"$TMP/unpriv.err"; then
	unpriv "$C" "$UNPRIV_NT" capture -d "$VC" -t 1 >"$TMP/np.out" 2>"$TMP/np.err"
	rc=$?
	assert "without CAP_NET_RAW: exit $rc (3), one line: $(head -1 "$TMP/np.err")" \
		test "$rc" = 3 -a "$(wc -l <"$TMP/np.err")" = 1 -a ! -s "$TMP/np.out"
	assert "  the line names CAP_NET_RAW" grep -q CAP_NET_RAW "$TMP/np.err"
else
	nok "unprivileged copy of nettriage ($(head -1 "$TMP/unpriv.err"))"
fi
exit 0
