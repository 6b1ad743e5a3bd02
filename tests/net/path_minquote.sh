#!/bin/bash
# A router that quotes only the RFC 792 minimum (IP header + 8 bytes):
# r2's own time-exceeded messages are dropped by nft and path_quoter
# answers instead with exactly IHL*4 + 8 quoted bytes. path must find r2
# with 0 % loss in ICMP and UDP mode (raw socket as root, and the ICMP
# ping socket unprivileged, UDP on per-probe sockets unprivileged, and ICMP
# falling back to UDP without ping_group_range), 0 foreign replies,
# cross-checked with mtr -u --report.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
NT_BUILD=${NT_BUILD:-$PWD/build}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - minimal-quote router tests # SKIP need root for network namespaces"
	exit 0
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
inh() { ip netns exec "$H" "$@"; }
R2IF=v2b$SUF
R2IP=198.51.100.2

topo_start

ip netns exec "$R2" nft -f - <<EOF || { nok "nft rule in r2"; exit 1; }
table inet ntq {
	chain out {
		type filter hook output priority 0;
		meta mark != 0x5171 icmp type time-exceeded drop
	}
}
EOF
ip netns exec "$R2" "$NT_BUILD/tests/path_quoter" "$R2IF" 0x5171 >"$T/q.out" 2>"$T/q.err" &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 50); do grep -q ready "$T/q.out" && break; sleep 0.05; done
assert "path_quoter listens on r2's ingress" grep -q ready "$T/q.out"

# The quote on the wire: 20 + 8 (ICMP) + 20 + 8 (quote) = 56 bytes.
ip netns exec "$H" timeout 5 tcpdump -l -c 1 -nv -i v1a$SUF "icmp[0] = 11 and src $R2IP" \
	>"$T/td" 2>/dev/null &
tp=$!
sleep 0.5
inh "$NT" path -n -c 1 -m 2 $DST4 >/dev/null 2>&1
wait $tp
assert "r2's time exceeded carries exactly IP header + 8 bytes (IP length 56)" \
	grep -q "proto ICMP (1), length 56)" "$T/td"

hop2() { # json: "ip sent/received/loss type"
	jq -r '.hops[1].responders[0] | "\(.ip) \(.sent)/\(.received)/\(.loss_pct) \(.icmp_type)"' "$1"
}
run() { # name args...
	local name=$1; shift
	"$@" >"$T/$name.json" 2>"$T/$name.err"
	local got
	got=$(hop2 "$T/$name.json" 2>/dev/null)
	if [ "$got" = "$R2IP 20/20/0 11" ] &&
	   [ "$(hops_of "$T/$name.json")" = "$HOPS4" ] &&
	   [ "$(jq -r .foreign "$T/$name.json")" = 0 ]; then
		ok "$name: minimal-quote hop $R2IP 20 sent, 20 received, 0 % loss, 0 foreign"
	else
		nok "$name: hop 2 '$got' (want '$R2IP 20/20/0 11'), hops '$(hops_of "$T/$name.json" 2>/dev/null)', foreign $(jq -r .foreign "$T/$name.json" 2>/dev/null) $(head -c 300 "$T/$name.err")"
	fi
}
run icmp-raw inh "$NT" -j path -n -c 20 -i 0.05 --no-pace $DST4
assert "  ICMP ran on a raw socket" test "$(jq -r .socket "$T/icmp-raw.json")" = raw
run udp-raw inh "$NT" -j path -n -c 20 -i 0.05 --no-pace --udp $DST4
assert "  UDP replies read from the raw ICMP socket (udp+raw)" \
	test "$(jq -r .socket "$T/udp-raw.json")" = udp+raw
run udp-raw-flows inh "$NT" -j path -n -c 20 -i 0.05 --no-pace --udp --flows 4 $DST4

# Unprivileged ICMP: the ping socket's error queue hands back the quoted
# echo header (id, seq): 8 bytes are enough there too.
BIN=$(mktemp -d)
cp "$NT" "$BIN/nettriage" && chmod 755 "$BIN" "$BIN/nettriage"
inh sysctl -qw net.ipv4.ping_group_range="0 2147483647"
run icmp-dgram inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all --no-new-privs "$BIN/nettriage" -j path -n -c 20 -i 0.05 --no-pace $DST4
assert "  unprivileged ICMP ran on a ping socket" \
	test "$(jq -r .socket "$T/icmp-dgram.json")" = icmp-dgram
inh sysctl -qw net.ipv4.ping_group_range="1 0"

# Unprivileged UDP: the error queue of a UDP socket gets no quoted header
# (and from a minimal quote no payload either): one socket per probe, so
# the socket names the probe; flow_mode says so.
run udp-unpriv inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all --no-new-privs "$BIN/nettriage" -j path -n -c 20 -i 0.05 --no-pace --udp $DST4
assert "  unprivileged UDP ran on per-probe sockets (socket udp, flow_mode per-probe)" \
	test "$(jq -r '"\(.socket) \(.flow_mode)"' "$T/udp-unpriv.json")" = "udp per-probe"
assert "  unprivileged UDP: no foreign replies" \
	test "$(jq -r .foreign "$T/udp-unpriv.json")" = 0
# Unprivileged ICMP without ping_group_range: UDP stands in, per probe.
run icmp-fallback inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all --no-new-privs "$BIN/nettriage" -j path -n -c 20 -i 0.05 --no-pace $DST4
assert "  unprivileged ICMP without ping_group_range fell back to UDP (fallback udp, per-probe)" \
	test "$(jq -r '"\(.mode) \(.fallback) \(.flow_mode)"' "$T/icmp-fallback.json")" = "udp udp per-probe"
assert "  root UDP keeps one 5-tuple per flow (flow_mode paris)" \
	test "$(jq -r .flow_mode "$T/udp-raw.json")" = paris
# as many sockets open after the run as before it: each probe's closed
inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all --no-new-privs "$BIN/nettriage" -j path -n -c 300 -i 0.01 \
	--no-pace --udp $DST4 >"$T/udp-many.json" 2>"$T/udp-many.err"
got=$(hop2 "$T/udp-many.json" 2>/dev/null)
if [ "$got" = "$R2IP 300/300/0 11" ] &&
   [ "$(hops_of "$T/udp-many.json")" = "$HOPS4" ] &&
   [ "$(jq -r .foreign "$T/udp-many.json")" = 0 ]; then
	ok "  unprivileged UDP, 300 cycles at 10 ms: every hop, hop 2 400/400/0, no foreign"
else
	nok "  unprivileged UDP, 300 cycles at 10 ms: hop 2 '$got' (want '$R2IP 300/300/0 11'), hops '$(hops_of "$T/udp-many.json" 2>/dev/null)', foreign $(jq -r .foreign "$T/udp-many.json" 2>/dev/null) $(head -c 300 "$T/udp-many.err")"
fi
rm -rf "$BIN"

# mtr -u sees the same hop with 0 % loss
if command -v mtr >/dev/null; then
	inh mtr -u --report -n -c 10 -i 0.1 -G 0.2 $DST4 >"$T/mtr.txt" 2>&1
	mloss=$(awk -v ip=$R2IP '$2 == ip {print $3}' "$T/mtr.txt")
	assert "mtr -u --report: hop $R2IP loss ${mloss:-missing} (want 0.0%)" test "$mloss" = "0.0%"
else
	nok "mtr missing (package mtr-tiny)"
fi
kill "${TOPO_PIDS##* }" 2>/dev/null
exit 0
