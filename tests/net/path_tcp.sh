#!/bin/bash
# path --tcp / HOST:PORT: TCP SYN probes to a service port, half-open from
# a raw socket (root) and one connect() per probe (unprivileged, setpriv).
#   listening port: every hop, port_state open, exit 0;
#   closed port: reached, closed (RST), path.port CRIT;
#   a router dropping TCP to the port: filtered, not reached;
#   half-open: the server accepts nothing, no ESTABLISHED socket is left;
#   a router quoting only IP header + 8 bytes: found with 0 % loss;
#   the delay line (20 ms +- 5 ms in r2): TCP RTT within 5 % of ICMP's.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
BUILD=${NT_BUILD:-$PWD/build}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path TCP tests # SKIP need root for network namespaces"
	exit 0
fi
for h in path_tcp_srv path_quoter path_delay; do
	if [ ! -x "$BUILD/tests/$h" ]; then
		echo "not ok - $BUILD/tests/$h not built (make unit)"
		exit 1
	fi
done
. tests/net/path-lib.inc
. tests/net/unpriv.inc
trap 'topo_cleanup; unpriv_cleanup' EXIT
T=$TOPO_TMP
inh() { ip netns exec "$H" "$@"; }
near_pct() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= b * p / 100) }'; }
P=5432
CLOSED=5433
HOLD=5434
RSTP=5435

topo_up || { nok "build the 5-namespace topology"; exit 1; }
ok "5-namespace topology host -> r1 -> r2 -> r3 -> target"
# (in the host namespace: a regression would only probe the test's target)
# -p/--port (UDP) with --tcp or HOST:PORT: a usage error naming both
for a in "-p 5 --tcp $P $DST4" "-p 5 $DST4:$P" "-u -p 5 $DST4:$P"; do
	inh "$NT" path -c 1 $a >/dev/null 2>"$T/popt.err"
	rc=$?
	assert "path $a: usage error (rc $rc, 64) naming -p/--port and the other: $(cat "$T/popt.err")" \
		sh -c "test $rc = 64 && grep -q -- '-p/--port' '$T/popt.err' && grep -Eq -- '--tcp|HOST:' '$T/popt.err'"
done

ip netns exec "$TG" "$BUILD/tests/path_tcp_srv" :: $P >"$T/srv.out" 2>"$T/srv.err" &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 50); do grep -q ready "$T/srv.out" && break; sleep 0.05; done
assert "listener on the target, port $P (IPv4 and IPv6)" grep -q ready "$T/srv.out"
accepts() { grep -c '^accept ' "$T/srv.out"; }
established() { ip netns exec "$TG" ss -Htn state established "( sport = :$P )" | wc -l; }

summary() { jq -c '{mode, socket, flow_mode, port, port_state, port_answers, reached, foreign}' "$1" 2>/dev/null; }

# ---- half-open SYNs (root: raw sockets) ----
a0=$(accepts)
inh "$NT" -j path -n -c 10 -i 0.05 --no-pace $DST4:$P >"$T/raw4.json" 2>"$T/raw4.err"
rc=$?
est=$(established)
a1=$(accepts)
assert "raw IPv4 $DST4:$P: exit 0 (rc $rc), every hop '$(hops_of "$T/raw4.json")'" \
	test "$rc:$(hops_of "$T/raw4.json")" = "0:$HOPS4"
assert "  mode tcp, socket tcp-raw, flow_mode paris, port $P open, reached: $(summary "$T/raw4.json")" \
	jq -e ".mode == \"tcp\" and .socket == \"tcp-raw\" and .flow_mode == \"paris\" and .port == $P and
	       .port_state == \"open\" and .reached and .port_answers.open >= 10 and .port_rtt_ms > 0" "$T/raw4.json"
assert "  every probe answered at every hop (10/10, 0 % loss), no foreign" \
	jq -e '[.hops[].responders[0] | .sent == 10 and .received == 10 and .loss_pct == 0] | all and (. | length) == 4' "$T/raw4.json"
assert "  0 foreign replies" jq -e '.foreign == 0' "$T/raw4.json"
assert "  the destination row has no ICMP type (a TCP answer), the hops time exceeded (11)" \
	jq -e '.hops[3].responders[0].icmp_type == null and ([.hops[0:3][].responders[0].icmp_type] | all(. == 11))' "$T/raw4.json"
assert "  half-open: the server accepted nothing ($a0 -> $a1 accepts)" test "$a0" = "$a1"
assert "  half-open: no ESTABLISHED socket on the server's port ($est)" test "$est" = 0
assert "  path.port OK verdict, subject HOST:PORT" \
	jq -e "[.verdicts[] | select(.check == \"path.port\" and .level == \"ok\" and .subject == \"$DST4:$P\")] | length == 1" "$T/raw4.json"

# other connections to the target's port from other local ports during a
# half-open run: the socket filter keeps their segments (SYN-ACKs, ACKs,
# FINs to ports that are not ours) away, nothing is counted foreign
for fam in 4 6; do
	[ $fam = 4 ] && d=$DST4 || d=$DST6
	ip netns exec "$H" bash -c "for i in \$(seq 150); do exec 3<>/dev/tcp/$d/$P && echo c; exec 3<&-; sleep 0.01; done" >"$T/other$fam.out" 2>/dev/null &
	op=$!
	sleep 0.1
	inh "$NT" -j path -n -c 20 -i 0.05 --no-pace --tcp $P $d >"$T/busy$fam.json" 2>"$T/busy$fam.err"
	wait "$op"
	assert "half-open IPv$fam with $(grep -c c "$T/other$fam.out") other connections to port $P meanwhile: open, 0 foreign ($(jq -c '[.foreign, .foreign_why]' "$T/busy$fam.json"))" \
		jq -e '.port_state == "open" and .foreign == 0 and .hops[-1].responders[0].received == 20' "$T/busy$fam.json"
done

inh "$NT" -j path -n -c 5 -i 0.05 --no-pace --tcp $P $DST6 >"$T/raw6.json" 2>"$T/raw6.err"
assert "raw IPv6 --tcp $P $DST6: every hop '$(hops_of "$T/raw6.json")', open: $(summary "$T/raw6.json")" \
	jq -e ".port_state == \"open\" and .reached and .socket == \"tcp-raw\" and
	       ([.hops[].responders[0].ip] | join(\" \")) == \"$HOPS6\"" "$T/raw6.json"

inh "$NT" -j path -n -c 5 -i 0.05 --no-pace $DST4:$CLOSED >"$T/closed.json" 2>"$T/closed.err"
rc=$?
assert "closed port $CLOSED: reached, closed (RST), exit 2 (rc $rc): $(summary "$T/closed.json")" \
	test "$rc:$(jq -r '"\(.reached) \(.port_state) \(.port_answers.closed > 0)"' "$T/closed.json")" = "2:true closed true"
assert "  path.port CRIT says closed" \
	jq -e '[.verdicts[] | select(.check == "path.port" and .level == "crit" and (.reason | test("closed")))] | length == 1' "$T/closed.json"

inh "$NT" path -n --report -c 3 -i 0.05 --no-pace $DST4:$P >"$T/report.txt" 2>&1
assert "report: title says TCP and the port line says open with its RTT" \
	grep -q "TCP port $P: open (.*), RTT to the port" "$T/report.txt"
inh "$NT" --prom path -n -c 3 -i 0.05 --no-pace $DST4:$P >"$T/prom.txt" 2>&1
assert "Prometheus: nettriage_path_port_state{state=\"open\"} 1 and a port RTT" \
	grep -q "nettriage_path_port_state{target=\"$DST4\",port=\"$P\",state=\"open\"} 1" "$T/prom.txt"
if command -v promtool >/dev/null; then
	assert "  promtool check metrics clean" sh -c "promtool check metrics <'$T/prom.txt'"
else
	nok "promtool missing (package prometheus)"
fi

# ---- triage with TCP targets: every path verdict's subject is HOST:PORT ----
"$NT" -j -N "$H" triage $DST4:$P $DST4:$CLOSED >"$T/tri.json" 2>"$T/tri.err"
rc=$?
tv() { jq -r --arg c "$1" --arg s "$2" '[.verdicts[] | select(.check == $c and .subject == $s) | .level] | join(",")' "$T/tri.json"; }
assert "triage $DST4:$P $DST4:$CLOSED: exit 2 (rc $rc), path.port ok / crit ($(tv path.port $DST4:$P) / $(tv path.port $DST4:$CLOSED))" \
	test "$rc $(tv path.port $DST4:$P) $(tv path.port $DST4:$CLOSED)" = "2 ok crit"
assert "  path.reach and path.loss once per HOST:PORT subject: $(tv path.reach $DST4:$P) $(tv path.loss $DST4:$P) $(tv path.reach $DST4:$CLOSED) $(tv path.loss $DST4:$CLOSED)" \
	test "$(tv path.reach $DST4:$P) $(tv path.loss $DST4:$P) $(tv path.reach $DST4:$CLOSED) $(tv path.loss $DST4:$CLOSED)" = "ok ok ok ok"
assert "  no path verdict with the bare host as subject" \
	jq -e "[.verdicts[] | select((.check | startswith(\"path.\")) and .subject == \"$DST4\")] | length == 0" "$T/tri.json"
"$NT" -j -N "$H" triage $DST4:$P >"$T/tri1.json" 2>"$T/tri1.err"
rc=$?
assert "triage $DST4:$P alone (listening): path.port ok, exit 0 (rc $rc; not ok: $(jq -c '[.verdicts[] | select(.level != "ok") | .check + " " + .subject]' "$T/tri1.json"))" \
	test "$rc $(jq -r --arg s "$DST4:$P" '[.verdicts[] | select(.check == "path.port" and .subject == $s) | .level] | join(",")' "$T/tri1.json")" = "0 ok"

# ---- a router dropping TCP to the port: filtered, not reached ----
ip netns exec "$R3" nft -f - <<EOF || nok "nft drop rule in r3"
table inet nttcp {
	chain nt_fwd {
		type filter hook forward priority 0;
		tcp dport $P drop
	}
}
EOF
inh "$NT" -j path -n -c 3 -i 0.05 --no-pace -m 6 $DST4:$P >"$T/filt.json" 2>"$T/filt.err"
rc=$?
assert "r3 drops TCP $P: filtered, not reached, exit 2 (rc $rc): $(summary "$T/filt.json")" \
	test "$rc:$(jq -r '"\(.reached) \(.port_state)"' "$T/filt.json")" = "2:false filtered"
assert "  the hops before the drop still answer (192.0.2.2 198.51.100.2 198.51.100.6)" \
	test "$(jq -r '[.hops[0:3][].responders[0].ip] | join(" ")' "$T/filt.json")" = "192.0.2.2 198.51.100.2 198.51.100.6"
# every SYN the host sends, counted where it enters r1
ip netns exec "$R1" nft -f - <<EOF || nok "nft SYN counter in r1"
table inet ntsyn {
	counter syns { }
	chain pre {
		type filter hook prerouting priority -300;
		tcp dport $P tcp flags & (syn | ack) == syn counter name syns
	}
}
EOF
syns() { ip netns exec "$R1" nft -j list counter inet ntsyn syns | jq '[.nftables[].counter? | select(.) | .packets] | add'; }
s0=$(syns)
NETTRIAGE_PATH_NO_RAW=1 inh "$NT" -j path -n -c 3 -i 0.05 --no-pace -m 6 $DST4:$P >"$T/filtc.json" 2>"$T/filtc.err"
sleep 0.3
s1=$(syns)
assert "  connect() probes: filtered and not reached too: $(summary "$T/filtc.json")" \
	test "$(jq -r '"\(.reached) \(.port_state) \(.socket)"' "$T/filtc.json")" = "false filtered tcp-connect"
# 3 cycles x TTL 1..6: 18 probes, 9 of them unanswered (dropped in r3);
# a socket left open past 1 s would retransmit its SYN (27 before)
echo "# connect() probes at a dropping router: $((s1 - s0)) SYNs for 18 probes"
assert "  one SYN per connect() probe: $((s1 - s0)) SYNs entered r1 for 3 x 6 = 18 probes (no retransmitted SYN)" \
	test "$((s1 - s0))" = 18
ip netns exec "$R1" nft delete table inet ntsyn
ip netns exec "$R3" nft delete table inet nttcp

# ---- the target itself rejects: ICMP admin-prohibited, or a TCP reset ----
ip netns exec "$TG" nft -f - <<EOF || nok "nft reject rules in the target"
table inet ntrej {
	chain in {
		type filter hook input priority 0;
		tcp dport $P reject with icmpx type admin-prohibited
	}
}
EOF
inh "$NT" -j path -n -c 3 -i 0.05 --no-pace $DST4:$P >"$T/rej.json" 2>"$T/rej.err"
assert "the target rejects with ICMP admin-prohibited: reached (the target answered), port filtered: $(summary "$T/rej.json")" \
	test "$(jq -r '"\(.reached) \(.port_state)"' "$T/rej.json")" = "true filtered"
NETTRIAGE_PATH_NO_RAW=1 inh "$NT" -j path -n -c 3 -i 0.05 --no-pace $DST4:$P >"$T/rejc.json" 2>"$T/rejc.err"
assert "  connect() probes too: reached, filtered: $(summary "$T/rejc.json")" \
	test "$(jq -r '"\(.reached) \(.port_state)"' "$T/rejc.json")" = "true filtered"
ip netns exec "$TG" nft flush chain inet ntrej in
ip netns exec "$TG" nft add rule inet ntrej in tcp dport $P reject with tcp reset
inh "$NT" -j path -n -c 3 -i 0.05 --no-pace $DST4:$P >"$T/rejr.json" 2>"$T/rejr.err"
NETTRIAGE_PATH_NO_RAW=1 inh "$NT" -j path -n -c 3 -i 0.05 --no-pace $DST4:$P >"$T/rejrc.json" 2>"$T/rejrc.err"
assert "the target rejects with a TCP reset: reached, closed (as a closed port), raw and connect(): $(summary "$T/rejr.json") $(jq -r .port_state "$T/rejrc.json")" \
	test "$(jq -r '"\(.reached) \(.port_state)"' "$T/rejr.json") $(jq -r '"\(.reached) \(.port_state)"' "$T/rejrc.json")" = "true closed true closed"
ip netns exec "$TG" nft delete table inet ntrej

# ---- unprivileged: one connect() per probe ----
if unpriv_setup; then
	a0=$(accepts)
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 10 -i 0.05 --no-pace $DST4:$P >"$T/u4.json" 2>"$T/u4.err"
	rc=$?
	assert "unprivileged (setpriv uid 65534, no caps) $DST4:$P: exit 0 (rc $rc), every hop '$(hops_of "$T/u4.json")'" \
		test "$rc:$(hops_of "$T/u4.json")" = "0:$HOPS4"
	assert "  socket tcp-connect, flow_mode per-probe, open, privileges dropped: $(summary "$T/u4.json")" \
		jq -e '.socket == "tcp-connect" and .flow_mode == "per-probe" and .port_state == "open" and .reached' "$T/u4.json"
	assert "  every hop 10/10 answered, 0 foreign" \
		jq -e '([.hops[].responders[0] | .sent == 10 and .received == 10] | all) and .foreign == 0' "$T/u4.json"
	assert "  --timeout clamped to 0.9 s, and said on stderr" \
		sh -c "jq -e '.timeout_s == 0.9' '$T/u4.json' && grep -q 'clamped to 0.9 s' '$T/u4.err'"
	assert "  timestamp_source mixed: tcp_info (TCP_INFO tcpi_rtt) for the port, kernel_rx for the hops ($(jq -r .timestamp_source "$T/u4.json"))" \
		jq -e '.timestamp_source == "mixed"' "$T/u4.json"
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 3 -i 0.05 --no-pace --first-ttl 4 $DST4:$P >"$T/ut.json" 2>"$T/ut.err"
	assert "  the destination alone (--first-ttl 4): timestamp_source tcp_info, not a kernel TX stamp ($(jq -r .timestamp_source "$T/ut.json"))" \
		jq -e '.timestamp_source == "tcp_info" and .port_state == "open"' "$T/ut.json"
	a1=$(accepts)
	assert "  connect() probes complete handshakes (the server accepted $((a1 - a0)))" test "$a1" -gt "$a0"
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 5 -i 0.05 --no-pace "[$DST6]:$P" >"$T/u6.json" 2>"$T/u6.err"
	assert "unprivileged IPv6: every hop '$(hops_of "$T/u6.json")', open" \
		test "$(hops_of "$T/u6.json") $(jq -r .port_state "$T/u6.json")" = "$HOPS6 open"
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 5 -i 0.05 --no-pace $DST4:$CLOSED >"$T/uc.json" 2>"$T/uc.err"
	assert "unprivileged closed port: reached, closed: $(summary "$T/uc.json")" \
		test "$(jq -r '"\(.reached) \(.port_state)"' "$T/uc.json")" = "true closed"
	sleep 0.2
	assert "  no connection left ESTABLISHED on the server ($(established))" test "$(established)" = 0
	# a server that keeps what it accepts: each probe's RST (SO_LINGER 0)
	# ends its connection, none is left behind
	ip netns exec "$TG" "$BUILD/tests/path_tcp_srv" :: $HOLD hold >"$T/hold.out" 2>&1 &
	TOPO_PIDS="$TOPO_PIDS $!"
	for _ in $(seq 50); do grep -q ready "$T/hold.out" && break; sleep 0.05; done
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 5 -i 0.05 --no-pace $DST4:$HOLD >"$T/uh.json" 2>"$T/uh.err"
	sleep 0.2
	held=$(ip netns exec "$TG" ss -Htn state established "( sport = :$HOLD )" | wc -l)
	assert "unprivileged, server holding connections: open, every hop, $(grep -c '^accept' "$T/hold.out") accepted, $held left ESTABLISHED" \
		test "$(jq -r .port_state "$T/uh.json") $(hops_of "$T/uh.json") $held" = "open $HOPS4 0"
	# a server that resets right after accepting (SO_LINGER 0 close):
	# the handshake completed, so open (ECONNRESET, not ECONNREFUSED)
	ip netns exec "$TG" "$BUILD/tests/path_tcp_srv" :: $RSTP rst >"$T/rst.out" 2>&1 &
	TOPO_PIDS="$TOPO_PIDS $!"
	for _ in $(seq 50); do grep -q ready "$T/rst.out" && break; sleep 0.05; done
	# (the RST usually comes after the prober has seen the SYN-ACK; the
	# delay-line section below stops the prober so that it comes first)
	unpriv "$H" "$UNPRIV_NT" -j path -n -c 10 -i 0.1 --no-pace $DST4:$RSTP >"$T/ur.json" 2>"$T/ur.err"
	rc=$?
	assert "unprivileged, server resetting after accept ($(grep -c '^accept' "$T/rst.out") accepted): open, 10/10 at the destination, exit 0 (rc $rc): $(summary "$T/ur.json")" \
		jq -e '.port_state == "open" and .port_answers.closed == 0 and .port_rtt_ms > 0 and
		       .hops[-1].responders[0].received == 10' "$T/ur.json"
else
	nok "unprivileged setup"
fi

# ---- a router quoting only IP header + 8 bytes (ports and sequence) ----
R2IF=v2b$SUF
R2IP=198.51.100.2
ip netns exec "$R2" nft -f - <<EOF || nok "nft rule in r2"
table inet ntq {
	chain out {
		type filter hook output priority 0;
		meta mark != 0x5171 icmp type time-exceeded drop
	}
}
EOF
ip netns exec "$R2" "$BUILD/tests/path_quoter" "$R2IF" 0x5171 >"$T/q.out" 2>"$T/q.err" &
QPID=$!
TOPO_PIDS="$TOPO_PIDS $QPID"
for _ in $(seq 50); do grep -q ready "$T/q.out" && break; sleep 0.05; done
assert "path_quoter answers for r2" grep -q ready "$T/q.out"
ip netns exec "$H" timeout 5 tcpdump -l -c 1 -nv -i v1a$SUF "icmp[0] = 11 and src $R2IP" \
	>"$T/td" 2>/dev/null &
tp=$!
sleep 0.5
inh "$NT" -n path -c 1 -m 2 --report $DST4:$P >/dev/null 2>&1
wait $tp
assert "r2's time exceeded about a SYN quotes exactly IP header + 8 bytes (IP length 56)" \
	grep -q "proto ICMP (1), length 56)" "$T/td"
hop2() { jq -r '.hops[1].responders[0] | "\(.ip) \(.sent)/\(.received)/\(.loss_pct) \(.icmp_type)"' "$1" 2>/dev/null; }
inh "$NT" -j path -n -c 20 -i 0.05 --no-pace $DST4:$P >"$T/mq.json" 2>"$T/mq.err"
assert "minimal quote, half-open: hop 2 '$(hop2 "$T/mq.json")' (want $R2IP 20/20/0 11), every hop" \
	test "$(hop2 "$T/mq.json") $(hops_of "$T/mq.json")" = "$R2IP 20/20/0 11 $HOPS4"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 20 -i 0.05 --no-pace $DST4:$P >"$T/mqu.json" 2>"$T/mqu.err"
assert "minimal quote, unprivileged connect(): hop 2 '$(hop2 "$T/mqu.json")' (want $R2IP 20/20/0 11), every hop" \
	test "$(hop2 "$T/mqu.json") $(hops_of "$T/mqu.json")" = "$R2IP 20/20/0 11 $HOPS4"
kill "$QPID" 2>/dev/null
wait "$QPID" 2>/dev/null
ip netns exec "$R2" nft delete table inet ntq

# ---- RTT to the port vs ICMP RTT on the delay line ----
ip netns exec "$R2" "$BUILD/tests/path_delay" 0 20 5 uniform 7 50 >"$T/dl.out" 2>"$T/dl.err" &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/dl.out" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$R2" iptables -A FORWARD -i v2b$SUF -j NFQUEUE --queue-num 0 --queue-bypass
if grep -q ready "$T/dl.out" && inh ping -c1 -w3 -q $DST4 >/dev/null; then
	ok "delay line on NFQUEUE in r2: 20 ms +- 5 ms uniform"
else
	nok "delay line in r2 ($(cat "$T/dl.err"))"
fi
inh "$NT" -j path -n -c 200 -i 0.01 --no-pace $DST4 >"$T/dicmp.json" 2>"$T/dicmp.err"
# 10 ms apart and 20 ms away, one flow's SYNs overlap at the server on one
# 4-tuple while the first's half-open request is still there (our RST to
# its SYN-ACK is 20 ms on the way). With --flows 1 the server cannot answer
# both: ISNs one apart (tag << 16 | seq) put the next SYN in the request's
# window and the server answers it with an RST (measured 197/200 answered,
# 97 of them RSTs); ISNs 65536 apart (seq << 16 | tag) put it out of window,
# it draws an ACK for the first and is dropped (73/200). So 4 flows keep
# each 4-tuple 40 ms apart
inh "$NT" -j path -n -c 200 -i 0.01 --no-pace --flows 4 $DST4:$P >"$T/dtcp.json" 2>"$T/dtcp.err"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 200 -i 0.01 --no-pace $DST4:$P >"$T/dcon.json" 2>"$T/dcon.err"
mi=$(jq '.hops[3].responders[0].rtt_ms.mean' "$T/dicmp.json")
mt=$(jq '.port_rtt_ms' "$T/dtcp.json")
mc=$(jq '.port_rtt_ms' "$T/dcon.json")
echo "# delay line: ICMP mean $mi ms, TCP half-open $mt ms, TCP connect() $mc ms (200 cycles each)"
assert "ICMP mean $mi ms within 2 ms of 20 (the delay line works)" near_pct "$mi" 20 10
assert "TCP half-open RTT to the port $mt ms within 5 % of ICMP's $mi ms" near_pct "$mt" "$mi" 5
assert "TCP connect() RTT to the port $mc ms within 5 % of ICMP's $mi ms" near_pct "$mc" "$mi" 5
# before the destination's TTL is known each flow's first cycle reaches
# the server at several TTLs at once on one 4-tuple: at most one probe
# per flow (4) may go unanswered there
assert "  half-open, 4 flows: >= 196/200 at the destination ($(jq -c '[.hops[3].responders[0].received, .port_answers]' "$T/dtcp.json")), port open, no RST" \
	jq -e '.port_state == "open" and .hops[3].responders[0].received >= 196 and .port_answers.closed == 0' "$T/dtcp.json"
assert "  connect(): 200/200 at the destination, port open" \
	jq -e '.port_state == "open" and .hops[3].responders[0].received == 200' "$T/dcon.json"

# the reset-after-accept server again, with the prober stopped now and
# then (SIGSTOP 40 ms, SIGCONT 20 ms): the handshake and the server's RST
# (20 ms later, behind the delay line) happen in the kernel meanwhile, so
# many probes first see SO_ERROR ECONNRESET: still open, none lost
ip netns exec "$H" env NETTRIAGE_PATH_NO_RAW=1 "$NT" -j path -n -c 40 -i 0.05 --no-pace $DST4:$RSTP >"$T/rstd.json" 2>"$T/rstd.err" &
rp=$!
while kill -0 "$rp" 2>/dev/null; do
	kill -STOP "$rp" 2>/dev/null; sleep 0.04; kill -CONT "$rp" 2>/dev/null; sleep 0.02
done
wait "$rp"
kill -CONT "$rp" 2>/dev/null
assert "connect() probes, server resetting after accept, prober stopped at times: open, 40/40 at the destination: $(summary "$T/rstd.json") $(jq -c '.hops[-1].responders[0] | {sent, received}' "$T/rstd.json")" \
	jq -e '.port_state == "open" and .port_answers.closed == 0 and .hops[-1].responders[0].received == 40' "$T/rstd.json"

# every TCP document against the strict schema, and a doctored one rejected
for f in raw4 busy4 busy6 raw6 closed rej rejc rejr rejrc filt filtc u4 ut u6 uc uh ur mq mqu dtcp dcon rstd; do
	/usr/bin/python3 tests/schema_validate.py schema "schema $f" "$T/$f.json" || true
done
jq -c '.port_state = "half-open"' "$T/raw4.json" >"$T/bad.json"
/usr/bin/python3 tests/schema_validate.py schema --expect-invalid "schema rejects port_state half-open" "$T/bad.json" || true
jq -c 'del(.port_answers)' "$T/raw4.json" >"$T/bad2.json"
/usr/bin/python3 tests/schema_validate.py schema --expect-invalid "schema requires port_answers in TCP mode" "$T/bad2.json" || true
exit 0
