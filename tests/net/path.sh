#!/bin/bash
# path on host -> r1 -> r2 -> r3 -> target: every hop in ICMP and UDP mode,
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

if ! topo_up; then
	nok "build the 5-namespace topology"
	exit 1
fi
ok "5-namespace topology host -> r1 -> r2 -> r3 -> target"

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
run udp4-port "$HOPS4" $DST4:33500

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
assert "udp4-port: HOST:PORT gives UDP to that port" \
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
assert "reverse DNS (no resolver here) adds at most ~1 s after the run, host null without a name" \
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
unpriv "$H" "$UNPRIV_NT" path -n -c 1 $DST4 >/dev/null 2>$T/np.err
rc=$?
assert "unprivileged ICMP without ping_group_range: exit 3, one line naming the fix" \
	test $rc -eq 3 -a "$(wc -l <$T/np.err)" -eq 1 -a -n "$(grep -F 'net.ipv4.ping_group_range' $T/np.err)"
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

# ---- unreachable targets ----
inh "$NT" -j path -n -c 3 -i 0.05 203.0.113.99 >$T/u.json 2>$T/u.err
rc=$?
assert "no route at r2: reached false, exit 2 (got $rc)" \
	test "$(jq -r .reached $T/u.json) $rc" = "false 2"
assert "  the last hop is r2 answering net unreachable (3/0)" \
	test "$(jq -r '.hops[-1].responders[0] | "\(.ip) \(.icmp_type)/\(.icmp_code)"' $T/u.json)" = "198.51.100.2 3/0"
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
