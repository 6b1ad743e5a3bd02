#!/bin/bash
# The probe engine's counts and its TTL cap on host -> r1 -> r2 -> r3 ->
# target: replies to probes above the destination's TTL are counted as
# beyond_destination (not foreign, not a hop); probes pacing holds back at
# a rate-limiting router are counted per hop (paced) and sent + paced is
# what a hop was given; the cap follows a route that gets longer (the
# target first answers at TTL 3, then at 4); unprivileged UDP's per-probe
# sockets stay under their cap (held back and counted, none dropped).
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path engine tests # SKIP need root for network namespaces"
	exit 0
fi
. tests/net/path-lib.inc
# shellcheck source=unpriv.inc
. tests/net/unpriv.inc
T=$TOPO_TMP
inh() { ip netns exec "$H" "$@"; }
trap 'topo_cleanup; unpriv_cleanup' EXIT

topo_start

# ---- beyond the destination ----
# Cycle 0 goes out to TTL 1..10 at once; the target answers TTL 4..10:
# 4 is the destination, 5..10 (6 replies) are beyond it. Later cycles
# stop at 4.
inh "$NT" -j path -n -c 3 -i 0.2 -m 10 $DST4 >$T/b.json 2>$T/b.err
assert "beyond_destination: the target's 6 answers to TTL 5..10 of cycle 0 ($(jq -c '[.beyond_destination, .foreign]' $T/b.json 2>/dev/null), want [6,0])" \
	test "$(jq -c '[.beyond_destination, .foreign, .destination_ttl]' $T/b.json)" = "[6,0,4]"
assert "  hops unchanged, the destination 3/3" \
	test "$(hops_of $T/b.json) $(jq -r '.hops[3].responders[0] | "\(.sent)/\(.received)"' $T/b.json)" = "$HOPS4 3/3"
inh "$NT" path --report -n -c 3 -i 0.2 -m 10 $DST4 >$T/b.txt 2>&1
assert "  the report footer states it: '6 beyond the destination'" grep -q "^  6 beyond the destination" $T/b.txt
assert "  ... and 0 foreign with the reasons, 0 late, 0 paced" \
	sh -c "grep -q '^  0 foreign, ignored (0 answer no probe' $T/b.txt && grep -q '^Counted apart: 0 late' $T/b.txt && grep -q '^  0 paced' $T/b.txt"
assert "  the title says flow_mode paris" grep -q "flow_mode paris$" $T/b.txt

# ---- pacing at a rate-limiting router ----
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=6168
inh "$NT" -j path -n -c 20 -i 0.02 $DST4 >$T/p.json 2>$T/p.err
ps=$(jq '.hops[1].responders[0].sent' $T/p.json)
pp=$(jq '.hops[1].paced' $T/p.json)
pd=$(jq '.hops[3].responders[0].sent' $T/p.json)
assert "paced: r2 got $ps probes and $pp were held back (sent + paced = 20, paced > 0), the destination 20" \
	test "$((ps + pp))" -eq 20 -a "$pp" -gt 0 -a "$pd" -eq 20
assert "  total paced $(jq .paced $T/p.json) = the hops' sum" \
	test "$(jq '.paced == ([.hops[].paced] | add)' $T/p.json)" = true
inh "$NT" path --report -n -c 20 -i 0.02 $DST4 >$T/p.txt 2>&1
assert "  the report footer says why r2 shows fewer probes" grep -Eq "^  [1-9][0-9]* paced \(held back, not sent" $T/p.txt
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=0

# ---- the route gets longer ----
# r3 holds the target's address at first (the target answers at TTL 3);
# 1 s into the run it lets go and the target proper answers at TTL 4:
# probes at TTL 3 now expire at r3, and the cap must move on.
ip -n "$R3" addr add $DST4/32 dev lo
inh "$NT" -j path -n -c 30 -i 0.1 --timeout 0.5 $DST4 >$T/l.json 2>$T/l.err &
lp=$!
sleep 1
ip -n "$R3" addr del $DST4/32 dev lo
wait $lp
assert "route longer: destination_ttl $(jq .destination_ttl $T/l.json) (want 4), reached" \
	test "$(jq -c '[.destination_ttl, .reached]' $T/l.json)" = "[4,true]"
got=$(jq -r '[.hops[3].responders[] | select(.ip == "'$DST4'") | .received] | add // 0' $T/l.json)
assert "  the target answered at TTL 4 after the change ($got replies, want >= 10)" test "$got" -ge 10
assert "  TTL 3 shows r3 (time exceeded) and the target's earlier answers" \
	test "$(jq -r '[.hops[2].responders[].ip] | sort | join(" ")' $T/l.json)" = "198.51.100.6 $DST4"

# ---- per-probe sockets under their cap ----
# Unprivileged UDP, fd limit 80: at most 16 probe sockets open at once.
# The target drops UDP, so the probes to TTL 4 stay open for their
# linger (2 x timeout = 1 s): at 50 cycles a second the cap is reached,
# and the probes held back are counted, none dropped: sent + held = 40
# cycles x 4 TTLs.
ip netns exec "$TG" nft -f - <<EOF || nok "nft drop in the target"
table inet ntdrop {
	chain in {
		type filter hook input priority 0;
		meta l4proto udp drop
	}
}
EOF
unpriv_setup 2>$T/unpriv.err || nok "copy nettriage where uid 65534 can run it: $(head -1 $T/unpriv.err)"
unpriv "$H" sh -c 'ulimit -n 80 && exec "$@"' sh "$UNPRIV_NT" -j path -n -c 40 -i 0.02 \
	--timeout 0.5 -m 4 --no-pace --udp $DST4 >$T/c.json 2>$T/c.err
held=$(jq .held_sockets $T/c.json)
sent=$(jq '[.hops[].responders[0].sent] | add' $T/c.json)
assert "socket cap: $held probes held back at the cap of 16, $sent sent: sent + held = 160, held > 0" \
	test -n "$held" -a "$((sent + held))" -eq 160 -a "$held" -gt 0
assert "  flow_mode per-probe; hops 1..3 answered, the rest silent" \
	test "$(jq -r .flow_mode $T/c.json) $(hops_of $T/c.json)" = "per-probe 192.0.2.2 198.51.100.2 198.51.100.6 *"
assert "  no error, nothing on stderr: $(head -c 200 $T/c.err)" test ! -s $T/c.err

# ---- TX stamp keys across ENOBUFS ----
# A queue of 200 bytes behind a 1 Mbit/s bucket on the host's link drops
# most of each cycle's 30 probes (the target drops UDP: no cap), and
# sendmsg says ENOBUFS. The kernel has used an OPT_ID key for each of
# them: ours must advance too, or every later stamp is given to the
# wrong probe and refused (timestamps "mixed"). With SCM_TS_OPT_ID
# (Linux >= 6.13) each send names its key; NETTRIAGE_PATH_NO_TS_OPT_ID
# makes the engine keep in step by the kernel's rule instead.
tc -n "$H" qdisc add dev v1a$SUF root tbf rate 1mbit burst 1540 limit 200
for how in opt_id rule; do
	env=""
	[ $how = rule ] && env=NETTRIAGE_PATH_NO_TS_OPT_ID=1
	d0=$(tc -n "$H" -s qdisc show dev v1a$SUF | awk '/dropped/ {sub(",", "", $7); print $7; exit}')
	inh env $env "$NT" -j path -n -c 20 -i 0.05 --timeout 0.5 --no-pace --udp -m 30 \
		$DST4 >$T/e-$how.json 2>$T/e-$how.err
	d1=$(tc -n "$H" -s qdisc show dev v1a$SUF | awk '/dropped/ {sub(",", "", $7); print $7; exit}')
	got=$(jq -r '"\(.timestamp_source) \([.hops[0:3][].responders[0].received] | join(","))"' $T/e-$how.json)
	assert "TX stamps ($how): $((d1 - d0)) probes dropped on the way out (ENOBUFS), every reply still timed with its own kernel TX stamp ('$got', want 'kernel 20,20,20')" \
		test "$((d1 - d0))" -gt 20 -a "$got" = "kernel 20,20,20"
done
tc -n "$H" qdisc del dev v1a$SUF root
exit 0
