#!/bin/bash
# path on host -> r1 -> r2 -> r3 -> target: the privilege drop from
# /proc/PID/task/*/status of a running prober; names resolved after the
# drop (a testbed resolver, no machine DNS); every hop in ICMP and UDP mode,
# IPv4 and IPv6; unprivileged (setpriv) UDP and ICMP ping sockets; output
# formats (JSON keys, promtool, CSV); deterministic 25 % loss at the last
# router; ICMP rate limiting at one router; unreachable and black-holed
# targets; foreign ICMP ignored and counted; cross-check with mtr.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path namespace tests # SKIP need root for network namespaces"
	exit 0
fi
. tests/net/path-lib.inc
# shellcheck source=unpriv.inc
. tests/net/unpriv.inc
T=$TOPO_TMP
inh() { ip netns exec "$H" "$@"; }
trap 'topo_cleanup; unpriv_cleanup' EXIT

topo_start resolver

# ---- the privilege drop, as the kernel reports it ----
# A raw-socket prober (root, ICMP) in the background; reverse DNS is on and
# every lookup hangs at the silent name server, so its threads are alive
# while every task's /proc status is read.
inh "$NT" -j path -c 50 -i 0.1 $DST4 >$T/bg.json 2>$T/bg.err &
ipx=$!
TOPO_PIDS="$TOPO_PIDS $ipx"
bg=""
for _ in $(seq 40); do # ip netns exec forks: the prober is its child
	bg=$(ps -o pid= --ppid $ipx | tr -d ' ')
	[ -n "$bg" ] && break
	sleep 0.05
done
sleep 1.2
ntask=0 bad=""
for st in /proc/$bg/task/*/status; do
	[ -r "$st" ] || continue
	ntask=$((ntask + 1))
	tid=${st%/status}; tid=${tid##*/}
	uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")
	gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")
	caps=$(awk '/^Cap(Inh|Prm|Eff|Amb):/ {printf "%s%s ", $1, $2}' "$st")
	nnp=$(awk '/^NoNewPrivs:/ {print $2}' "$st")
	echo "task $tid: Uid $uid Gid $gid $caps NoNewPrivs $nnp" >>$T/status.txt
	for u in $uid $gid; do [ "$u" -ne 0 ] || bad="$bad $tid:uid/gid-0"; done
	echo "$caps" | grep -Eq ':0*[1-9a-f]' && bad="$bad $tid:caps"
	[ "$nnp" = 1 ] || bad="$bad $tid:nnp=$nnp"
done
cat $T/status.txt >&2
assert "running raw prober: all $ntask tasks (main + reverse-DNS threads) have Uid/Gid non-zero in all four fields, CapInh/Prm/Eff/Amb 0, NoNewPrivs 1 ($(head -1 $T/status.txt))" \
	test "$ntask" -ge 2 -a -z "$bad"
assert "  the main task runs as 65534 (nobody)" \
	grep -q "^task $bg: Uid 65534 65534 65534 65534 Gid 65534 65534 65534 65534 " $T/status.txt
t0=$EPOCHREALTIME
kill -INT $bg
wait $ipx
rc=$?
t1=$EPOCHREALTIME
assert "SIGINT mid-run: exit $rc within 2 s ($(awk -v a=$t0 -v b=$t1 'BEGIN {printf "%.2f", b - a}') s), DNS threads cancelled, partial JSON ($(jq -r .cycles $T/bg.json) cycles)" \
	awk -v a="$t0" -v b="$t1" -v rc=$rc -v c="$(jq -r .cycles $T/bg.json)" \
	'BEGIN { exit !(b - a < 2.0 && rc <= 2 && c > 0 && c < 50) }'
assert "  privileges_dropped (read back from the kernel) is true, socket raw" \
	test "$(jq -r '.socket + " " + (.privileges_dropped|tostring)' $T/bg.json)" = "raw true"

# ---- names are resolved after the drop, never by a privileged process ----
inh "$NT" -j path -n -c 2 -i 0.05 target.test >$T/name.json 2>$T/name.err
assert "a name from the namespace's /etc/hosts resolves (target.test -> $DST4) and is reached" \
	test "$(jq -r '"\(.target.host) \(.target.ip) \(.reached)"' $T/name.json)" = "target.test $DST4 true"
inh "$NT" -j path -n -c 2 -i 0.05 --udp target6.test >$T/name6.json 2>$T/name6.err
assert "  an IPv6 name (UDP) uses the IPv6 sockets opened before it was known" \
	test "$(jq -r '"\(.target.ip) \(.family) \(.reached)"' $T/name6.json)" = "$DST6 ipv6 true"
chmod 600 "$TOPO_ETC/hosts"
inh "$NT" -j path -n -c 2 -i 0.05 target.test >/dev/null 2>$T/name600.err
rc=$?
assert "hosts readable by root only: root's path cannot resolve it (the lookup runs as nobody): exit $rc, one line" \
	test $rc -eq 3 -a "$(wc -l <$T/name600.err)" -eq 1
chmod 644 "$TOPO_ETC/hosts"
inh "$NT" path -n -c 1 nosuch.test >/dev/null 2>$T/nosuch.err
rc=$?
assert "unresolvable name (testbed resolver, no DNS answer): exit 3, one line: $(cat $T/nosuch.err)" \
	test $rc -eq 3 -a "$(wc -l <$T/nosuch.err)" -eq 1

# ---- every hop, ICMP and UDP, IPv4 and IPv6 ----
run() { # name want-hops args...
	local name=$1 want=$2; shift 2
	inh "$NT" -j path -n -c 5 -i 0.05 "$@" >"$T/$name.json" 2>"$T/$name.err"
	local rc=$? got
	got=$(hops_of "$T/$name.json" 2>/dev/null)
	if [ "$got" = "$want" ] && [ "$rc" -eq 0 ]; then
		ok "$name: hops $got, exit 0"
	else
		nok "$name: hops '$got' want '$want', exit $rc $(cat "$T/$name.err")"
	fi
}
run icmp4 "$HOPS4" $DST4
run udp4 "$HOPS4" --udp $DST4
run icmp6 "$HOPS6" $DST6
run udp6 "$HOPS6" --udp $DST6
run udp4-port "$HOPS4" --udp $DST4:33500

j=$T/icmp4.json
assert "icmp4: raw socket as root, privileges dropped before parsing" \
	test "$(jq -r '.socket + " " + (.privileges_dropped|tostring)' $j)" = "raw true"
assert "icmp4: reached, destination TTL 4, mode icmp, 5 cycles" \
	test "$(jq -r '[.reached, .destination_ttl, .mode, .cycles] | join(" ")' $j)" = "true 4 icmp 5"
assert "icmp4: kernel RX and TX timestamps" test "$(jq -r .timestamp_source $j)" = kernel
for f in udp4 icmp6 udp6; do
	assert "$f: kernel RX and TX timestamps" test "$(jq -r .timestamp_source $T/$f.json)" = kernel
done
NETTRIAGE_PATH_NO_TXSTAMP=1 inh "$NT" -j path -n -c 2 -i 0.05 $DST4 >$T/notx.json 2>&1
assert "without TX stamps (test seam): timestamp_source kernel_rx" \
	test "$(jq -r .timestamp_source $T/notx.json)" = kernel_rx
assert "icmp4: every hop 5 sent, 5 received, 0 % loss" \
	test "$(jq -r '[.hops[].responders[0] | "\(.sent)/\(.received)/\(.loss_pct)"] | unique | join(",")' $j)" = "5/5/0"
assert "icmp4: time exceeded (11) at routers, echo reply (0) at the target" \
	test "$(jq -r '[.hops[].responders[0].icmp_type] | join(" ")' $j)" = "11 11 11 0"
assert "icmp4: reply TTLs 64 63 62 61" \
	test "$(jq -r '[.hops[].responders[0].reply_ttl] | join(" ")' $j)" = "64 63 62 61"
assert "icmp4: target {host, ip}, host null with -n, rtt/jitter/loss_ci keys" \
	jq -e '.target.ip == "203.0.113.2" and .hops[0].responders[0].host == null and
	       (.hops[3].responders[0].rtt_ms | has("p99") and has("stddev") and has("p50")) and
	       (.hops[3].responders[0].jitter_ms | has("rfc3550")) and
	       .hops[3].responders[0].loss_ci_pct.high > 0 and .hops[3].responders[0].is_destination' $j
assert "icmp4: RTT ordering min <= p50 <= max, all positive" \
	jq -e '[.hops[].responders[0].rtt_ms | .min > 0 and .min <= .p50 and .p50 <= .max and .mean <= .max] | all' $j
assert "udp4: port unreachable (3/3) from the target" \
	test "$(jq -r '.hops[3].responders[0] | "\(.icmp_type)/\(.icmp_code)"' $T/udp4.json)" = "3/3"
assert "udp4-port: --udp HOST:PORT gives UDP to that port" \
	test "$(jq -r '"\(.mode) \(.port)"' $T/udp4-port.json)" = "udp 33500"
assert "icmp6: echo reply (129) at the target, time exceeded (3) before" \
	test "$(jq -r '[.hops[].responders[0].icmp_type] | join(" ")' $T/icmp6.json)" = "3 3 3 129"
assert "udp6: port unreachable (1/4) from the target" \
	test "$(jq -r '.hops[3].responders[0] | "\(.icmp_type)/\(.icmp_code)"' $T/udp6.json)" = "1/4"

run flows4-icmp "$HOPS4" --flows 4 $DST4
run flows4-udp "$HOPS6" --flows 4 --udp $DST6
t0=$EPOCHREALTIME
inh "$NT" -j path -c 2 -i 0.05 $DST4 >$T/dns.json 2>$T/dns.err
t1=$EPOCHREALTIME
assert "reverse DNS (name server silent) adds at most ~1 s after the run, host null without a name" \
	awk -v a="$t0" -v b="$t1" -v h="$(jq -r '.hops[0].responders[0].host' $T/dns.json)" \
	'BEGIN { exit !(b - a < 2.5 && h == "null") }'

# --tos and --size on the wire (tcpdump in r1)
if command -v tcpdump >/dev/null; then
	ip netns exec "$R1" timeout 5 tcpdump -l -c 2 -nv -i v1b$SUF icmp and src 192.0.2.1 >$T/td 2>/dev/null &
	tp=$!
	sleep 0.5
	inh "$NT" path -n -c 1 -m 2 --tos 184 --size 100 $DST4 >/dev/null 2>&1
	wait $tp
	assert "--tos 184 --size 100: probes leave with tos 0xb8 and 108 ICMP bytes" \
		test "$(grep -c 'tos 0xb8' $T/td) $(grep -c 'echo request.*length 108' $T/td)" = "2 2"
else
	nok "tcpdump missing"
fi

# ---- unprivileged ----
# uid 65534 runs a copy of the binary (unpriv.inc): the checkout may sit
# under a 0700 directory.
unpriv_setup 2>$T/unpriv.err || nok "copy nettriage where uid 65534 can run it: $(head -1 $T/unpriv.err)"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 3 -i 0.05 --udp $DST4 >$T/up.json 2>$T/up.err
assert "unprivileged (setpriv, no caps) UDP finds the same hops" \
	test "$(hops_of $T/up.json)" = "$HOPS4"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 3 -i 0.05 --udp $DST6 >$T/up6.json 2>$T/up6.err
assert "unprivileged UDP over IPv6 finds the same hops" test "$(hops_of $T/up6.json)" = "$HOPS6"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 3 -i 0.05 $DST4 >$T/np.json 2>$T/np.err
rc=$?
assert "unprivileged ICMP without ping_group_range: falls back to UDP, exit 0, one note line naming ping_group_range" \
	test $rc -eq 0 -a "$(wc -l <$T/np.err)" -eq 1 -a -n "$(grep -F 'net.ipv4.ping_group_range' $T/np.err)"
assert "  the fallback finds the same hops; JSON says mode udp, fallback udp, flow_mode per-probe" \
	test "$(jq -r '"\(.mode) \(.fallback) \(.flow_mode)"' $T/np.json) $(hops_of $T/np.json)" = "udp udp per-probe $HOPS4"
NETTRIAGE_PATH_NO_FALLBACK=1 unpriv "$H" "$UNPRIV_NT" path -n -c 1 $DST4 >/dev/null 2>$T/np2.err
rc=$?
assert "  where UDP may not stand in (NETTRIAGE_PATH_NO_FALLBACK): exit 3, the one error line naming the fix" \
	test $rc -eq 3 -a "$(wc -l <$T/np2.err)" -eq 1 -a -n "$(grep -F 'net.ipv4.ping_group_range' $T/np2.err)"
inh sysctl -qw net.ipv4.ping_group_range="0 2147483647"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 3 -i 0.05 $DST4 >$T/dg.json 2>$T/dg.err
assert "unprivileged ICMP on a ping socket: same hops" \
	test "$(jq -r .socket $T/dg.json) $(hops_of $T/dg.json)" = "icmp-dgram $HOPS4"
"$NT" -N "$H" -j path -n -c 3 -i 0.05 $DST6 >$T/dg6.json 2>$T/dg6.err
assert "ICMPv6 ping socket (-N netns) finds the same hops" \
	test "$(jq -r .socket $T/dg6.json) $(hops_of $T/dg6.json)" = "icmp-dgram $HOPS6"
inh sysctl -qw net.ipv4.ping_group_range="1 0"

# ---- formats ----
inh "$NT" --prom path -n -c 3 -i 0.05 $DST4 >$T/p.prom 2>&1
if command -v promtool >/dev/null; then
	assert "Prometheus output passes promtool check metrics" \
		sh -c "promtool check metrics <$T/p.prom >/dev/null 2>&1"
else
	nok "promtool missing (package prometheus)"
fi
assert "Prometheus: destination p99 quantile present" \
	grep -q "^nettriage_path_rtt_seconds{target=\"$DST4\",ttl=\"4\",responder=\"$DST4\",quantile=\"0.99\"} " $T/p.prom
inh "$NT" path -n --csv -c 2 -i 0.05 $DST4 >$T/p.csv 2>&1
assert "CSV: header + 4 rows, CRLF line ends" \
	test "$(wc -l <$T/p.csv) $(grep -c $'\r$' $T/p.csv)" = "5 5"
inh "$NT" path -n --report -c 2 -i 0.05 $DST4 >$T/p.txt 2>&1
assert "report table: mtr columns plus p99 and Jitter, 4 hop lines" \
	sh -c "grep -q 'Loss%.*Snt.*Last.*Avg.*Best.*Wrst.*StDev.*p99.*Jitter' $T/p.txt &&
	       test \$(grep -c '|-- ' $T/p.txt) -eq 4"

# ---- foreign ICMP is ignored and counted ----
inh ping -q -i 0.01 -c 200 $DST4 >/dev/null 2>&1 &
pp=$!
TOPO_PIDS="$TOPO_PIDS $pp"
inh "$NT" -j path -n -c 10 -i 0.05 $DST4 >$T/f.json 2>$T/f.err
wait $pp 2>/dev/null
assert "foreign echo replies (a concurrent ping) counted, hops and loss unchanged" \
	jq -e --arg h "$HOPS4" '.foreign > 0 and ([.hops[].responders[0].ip] | join(" ")) == $h and
	       ([.hops[].responders[0].loss_pct] | add) == 0' $T/f.json

# ---- cross-check with mtr on the same topology ----
if command -v mtr >/dev/null; then
	inh mtr --report -n -c 10 -i 0.1 -G 0.2 $DST4 >$T/mtr.txt 2>&1
	mhops=$(awk '/\|--/ {print $2}' $T/mtr.txt | tr '\n' ' ' | sed 's/ $//')
	inh "$NT" -j path -n -c 10 -i 0.1 $DST4 >$T/x.json 2>&1
	assert "mtr --report -n finds the same hop addresses ($mhops)" test "$mhops" = "$(hops_of $T/x.json)"
	mavg=$(awk '/\|--/ {a=$6} END {print a}' $T/mtr.txt)
	navg=$(jq -r '.hops[-1].responders[0].rtt_ms.mean' $T/x.json)
	assert "destination mean within 0.5 ms of mtr's Avg (ours $navg, mtr $mavg)" \
		awk -v a="$navg" -v b="$mavg" 'BEGIN { d = a - b; exit !(d < 0.5 && d > -0.5) }'
else
	nok "mtr missing (package mtr-tiny)"
fi

# ---- deterministic 25 % loss at the last router ----
ip netns exec "$R3" iptables -A FORWARD -i v3b$SUF -m statistic --mode nth --every 4 --packet 0 -j DROP
inh "$NT" -j path -n -m 4 -c 20 -i 0.02 --timeout 0.5 --max-loss 20 $DST4 >$T/l.json 2>$T/l.err
rc=$?
assert "every 4th packet dropped at r3: destination loss_pct 25" \
	test "$(jq -r '.hops[3].responders[0].loss_pct' $T/l.json)" = 25
assert "  exit status 2 with --max-loss 20 (got $rc)" test $rc -eq 2
assert "  hops 1-3 keep 0 % loss" \
	test "$(jq -r '[.hops[0:3][].responders[0].loss_pct] | join(" ")' $T/l.json)" = "0 0 0"
assert "  verdict path.loss crit" \
	jq -e '[.verdicts[] | select(.check == "path.loss" and .level == "crit")] | length == 1' $T/l.json
ip netns exec "$R3" iptables -F FORWARD

# ---- ICMP rate limiting at r2 ----
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=6168
inh "$NT" -j path -n -c 20 -i 0.02 $DST4 >$T/rp.json 2>$T/rp.err
assert "paced (default): r2's replies stay under its rate limit (sent $(jq '.hops[1].responders[0].sent' $T/rp.json) < 20, loss 0)" \
	jq -e '.hops[1].responders[0].sent < 20 and .hops[1].responders[0].loss_pct == 0 and
	       .hops[3].responders[0].sent == 20' $T/rp.json
inh "$NT" -j path -n -c 20 -i 0.02 --no-pace $DST4 >$T/r.json 2>$T/r.err
rc=$?
assert "--no-pace: hop 2 loses replies ($(jq '.hops[1].responders[0].loss_pct' $T/r.json) %) and is rate_limited" \
	jq -e '.hops[1].responders[0].loss_pct > 0 and .hops[1].rate_limited and .hops[1].responders[0].rate_limited' $T/r.json
assert "  while the destination shows 0 % loss and exit 0 (got $rc)" \
	test "$(jq -r '.hops[3].responders[0].loss_pct' $T/r.json) $rc" = "0 0"
inh "$NT" path -n --report -c 20 -i 0.02 --no-pace $DST4 >$T/r.txt 2>&1
assert "  the table labels the hop [rate-limited]" grep -q '198.51.100.2 \[rate-limited\]' $T/r.txt
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=0

# ---- --prom-file as root: the prober runs as nobody, the file is root's
PD=$(mktemp -d)
chmod 755 "$PD"
inh "$NT" -q -n -c 3 -i 0.05 --prom-file "$PD/path.prom" path $DST4 >/dev/null 2>$T/pf.err
rc=$?
assert "--prom-file as root into a root-only directory: exit 0 (got $rc: $(head -c 160 $T/pf.err))" test "$rc" = 0
assert "  the file is written, owned by root, and passes promtool" \
	sh -c "test \"\$(stat -c %u '$PD/path.prom')\" = 0 && promtool check metrics <'$PD/path.prom' >/dev/null 2>&1"
assert "  it holds the destination's loss" grep -q '^nettriage_path_loss_ratio{' "$PD/path.prom"
rm -rf "$PD"

# ---- unreachable targets ----
inh "$NT" -j path -n -c 3 -i 0.05 203.0.113.99 >$T/u.json 2>$T/u.err
rc=$?
assert "no route at r2: reached false, exit 2 (got $rc)" \
	test "$(jq -r .reached $T/u.json) $rc" = "false 2"
assert "  the last hop is r2 answering net unreachable (3/0)" \
	test "$(jq -r '.hops[-1].responders[0] | "\(.ip) \(.icmp_type)/\(.icmp_code)"' $T/u.json)" = "198.51.100.2 3/0"
# the same through an ICMP datagram socket (root takes one when
# ping_group_range allows): the net unreachable arrives as a pending socket
# error (ENETUNREACH on the next send), which must not end the run
inh sysctl -qw net.ipv4.ping_group_range="0 2147483647"
inh "$NT" -j path -n -c 3 -i 0.05 203.0.113.99 >$T/ud.json 2>$T/ud.err
rc=$?
inh sysctl -qw net.ipv4.ping_group_range="1 0"
assert "ping socket, no route at r2: reached false, exit 2 (got $rc: $(head -c 120 $T/ud.err))" \
	test "$(jq -r '"\(.socket) \(.reached)"' $T/ud.json) $rc" = "icmp-dgram false 2"
assert "  the last hop is r2 answering net unreachable (3/0)" \
	test "$(jq -r '.hops[-1].responders[0] | "\(.ip) \(.icmp_type)/\(.icmp_code)"' $T/ud.json)" = "198.51.100.2 3/0"
# the target does not forward: it drops silently what is not its own
ip -n "$R2" route add 203.0.113.96/28 via 198.51.100.6
ip -n "$R3" route add 203.0.113.96/28 via 203.0.113.2
inh "$NT" -j path -n -c 2 -i 0.05 -m 8 --timeout 0.3 203.0.113.99 >$T/b.json 2>$T/b.err
rc=$?
assert "black hole at the target: reached false, exit 2, hops r1 r2 r3 then one silent hop (got $(jq -r .reached $T/b.json) $rc $(hops_of $T/b.json))" \
	test "$(jq -r .reached $T/b.json) $rc $(hops_of $T/b.json)" = "false 2 192.0.2.2 198.51.100.2 198.51.100.6 *"
assert "  the silent hop has 100 % loss" \
	test "$(jq -r '.hops[-1].responders[0].loss_pct' $T/b.json)" = 100
exit 0
