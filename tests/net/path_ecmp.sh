#!/bin/bash
# path over ECMP: r1 reaches the target over two equal-cost next hops (r2
# and a second router r2b, both into r3), hashing on the L4 ports
# (fib_multipath_hash_policy=1 in r1). Paris probes (one flow) keep one
# path: hop 2 has one responder in every run. With --flows 16 the UDP source
# ports differ, both routers answer at hop 2, and each keeps its own row.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path ECMP test # SKIP need root for network namespaces"
	exit 0
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
topo_up || { nok "build the topology"; exit 1; }
RB=nt-pb-$SUF
TOPO_NS="$TOPO_NS $RB"
ip netns add "$RB" && ip -n "$RB" link set lo up &&
ip link add v5a$SUF netns "$R1" type veth peer name v5b$SUF netns "$RB" &&
ip link add v6a$SUF netns "$RB" type veth peer name v6b$SUF netns "$R3" &&
topo_addr "$R1" v5a$SUF 198.51.100.9/30 2001:db8:5::1/64 &&
topo_addr "$RB" v5b$SUF 198.51.100.10/30 2001:db8:5::2/64 &&
topo_addr "$RB" v6a$SUF 198.51.100.13/30 2001:db8:6::1/64 &&
topo_addr "$R3" v6b$SUF 198.51.100.14/30 2001:db8:6::2/64 &&
ip -n "$RB" route add 192.0.2.0/30 via 198.51.100.9 &&
ip -n "$RB" route add 203.0.113.0/30 via 198.51.100.14 &&
ip netns exec "$RB" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratemask=0 >/dev/null &&
ip netns exec "$R1" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 >/dev/null &&
ip -n "$R1" route add 203.0.113.0/30 nexthop via 198.51.100.2 nexthop via 198.51.100.10 ||
	{ nok "add the second path r1 -> r2b -> r3"; exit 1; }
ip netns exec "$H" ping -c1 -w3 -q $DST4 >/dev/null || { nok "target reachable over ECMP"; exit 1; }
ok "two equal-cost paths r1 -> {r2, r2b} -> r3 (L4 hash)"

# Paris: one flow, one path, in each of 12 runs (fresh source port each run)
one=0
for r in $(seq 12); do
	ip netns exec "$H" "$NT" -j path -n --udp -c 3 -i 0.02 --no-pace $DST4 >$T/p$r.json 2>/dev/null
	n=$(jq '.hops[1].responders | length' $T/p$r.json)
	[ "$n" = 1 ] && one=$((one + 1))
	jq -r '.hops[1].responders[].ip' $T/p$r.json >>$T/seen
done
assert "one flow (Paris): hop 2 has one responder in each of 12 runs ($one of 12)" test $one -eq 12
assert "  over the runs both next hops were used ($(sort -u $T/seen | tr '\n' ' '))" \
	test "$(sort -u $T/seen | tr '\n' ' ')" = "198.51.100.10 198.51.100.2 "
ip netns exec "$H" "$NT" -j path -n --udp --flows 16 -c 32 -i 0.02 --no-pace $DST4 >$T/f.json 2>$T/f.err
assert "--flows 16: hop 2 shows both routers, one row each" \
	test "$(jq -r '[.hops[1].responders[].ip] | sort | join(" ")' $T/f.json)" = "198.51.100.10 198.51.100.2"
assert "  their received counts add up to the hop's sent ($(jq -r '[.hops[1].responders[] | .received] | join("+")' $T/f.json) of 32)" \
	jq -e '([.hops[1].responders[].received] | add) == 32 and .hops[1].responders[0].sent == 32 and
	       .hops[1].responders[0].loss_pct == 0' $T/f.json
assert "  hops 1, 3 and the target keep one row each, 4 hops" \
	jq -e '[.hops[] | .responders | length] == [1, 2, 1, 1]' $T/f.json
ip netns exec "$H" "$NT" path -n --report --udp --flows 16 -c 32 -i 0.02 --no-pace $DST4 >$T/f.txt 2>&1
assert "  the table prints the second responder on its own line under TTL 2" \
	awk '/^  2\.\|--/ {getline; if ($0 ~ /^    \|-- 198\.51\.100\.(2|10) /) f = 1} END {exit !f}' $T/f.txt
exit 0
