#!/bin/bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# The stack layer's netlink sources (tests/net/lib_stack_nl.c prints what
# they return) against the kernel's own tools in the same namespace:
#  - qdisc: a tbf with a tiny limit under a UDP burst on a veth: drops,
#    packets, bytes, backlog equal `tc -s -j qdisc show dev IF` read right
#    after; stack.qdisc fires over the baseline (before the burst);
#  - neighbour tables: 768 stale entries (every address of the three IPv4
#    documentation /24s) added with `ip -b`: entries and table_fulls equal
#    `ip -j -s ntable show name arp_cache` read beside ours (the table is
#    global: other tests may change it, so they are read together and the
#    rise is compared, not an absolute figure), and stack.neigh fires once
#    >= 75 % of gc_thresh3; 50 datagrams to a neighbour that never answers
#    raise unresolved_discards by 49, read from inside a namespace as the
#    initial namespace's /proc/net/stat/arp_cache has it;
#  - UDP: a socket with SO_RCVBUF 2048 that never reads, 300 datagrams of
#    500 bytes on loopback: its SK_MEMINFO drops equal the rise of `nstat
#    -az UdpRcvbufErrors` and `ss -uamn`'s d counter, and udp_top ranks it
#    first (above a socket with data queued but no drops), naming its
#    port and, with procs, its process.
set -u
cd "${NT_TOP:-.}" || exit 1
NT_BUILD=${NT_BUILD:-$PWD/build}
NT=${NT:-$NT_BUILD/nettriage}
. tests/net/ns-lib.inc
. tests/net/stack-lib.inc
H=$NT_BUILD/tests/lib_stack_nl
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
PIDS=()
NS2="" NS3=""
nt_cleanup_extra() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "$NS2" ] && ip netns del "$NS2" 2>/dev/null
	[ -n "$NS3" ] && ip netns del "$NS3" 2>/dev/null
}
nt_setup stack_nl tc nstat ss jq python3
if [ ! -x "$H" ]; then
	nok "$H not built (make unit)"
	exit 1
fi
NS2="$NS-b"
NS3="$NS-n"
in1() { ip netns exec "$NS" "$@"; }
in2() { ip netns exec "$NS2" "$@"; }
in3() { ip netns exec "$NS3" "$@"; }
# jqt FILE EXPR...: jq -e that fails on an empty or missing file too
jqt() { local f=$1; shift; test -s "$f" && jq -e "$@" "$f" >/dev/null; }

# ---- qdisc: tbf with a tiny limit ----
if ! tbf_setup "$NS" "$NS2"; then
	nok "veth pair with a tbf (rate 1mbit burst 1600 limit 3000)"
	exit 1
fi
ok "veth pair 192.0.2.1/30 -> 192.0.2.2/30 with tbf rate 1mbit burst 1600 limit 3000"

Q=$TMP/qdisc.state
if in1 "$H" qdisc "$Q" >"$TMP/q0.json" &&
   jqt "$TMP/q0.json" '.qdiscs[] | select(.iface == "va" and .kind == "tbf" and .parent == "root")'; then
	ok "qdisc dump before the burst names va's tbf, parent root"
else
	nok "qdisc dump before the burst"; cat "$TMP/q0.json" >&2
fi
in1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d = b"x" * 1000
for _ in range(400):
    try:
        s.sendto(d, ("192.0.2.2", 9))
    except OSError:
        pass
'
sleep 0.5 # let the tbf drain its backlog: then the counters stand still
in1 "$H" qdisc "$Q" >"$TMP/q1.json"
in1 tc -s -j qdisc show dev va >"$TMP/tc.json"
ours() { jq -r ".qdiscs[] | select(.iface == \"va\" and .kind == \"tbf\") | .$1" "$TMP/q1.json"; }
theirs() { jq -r ".[] | select(.kind == \"tbf\") | .$1" "$TMP/tc.json"; }
for f in drops packets bytes backlog qlen overlimits requeues; do
	a=$(ours "$f") b=$(theirs "$f")
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "qdisc tbf $f: ours $a = tc -s -j $b"
	else
		nok "qdisc tbf $f: ours '$a', tc -s -j '$b'"
	fi
done
# tc -j says "root": true instead of a parent for a root qdisc
h=$(theirs handle) p=$(theirs 'parent // (if .root then "root" else "none" end)')
if [ -n "$h" ] && [ "$(ours handle)" = "$h" ] && [ "$(ours parent)" = "$p" ]; then
	ok "qdisc handle '$h' and parent '$p' as tc prints them"
else
	nok "qdisc handle '$(ours handle)' parent '$(ours parent)', tc: '$h' '$p'"
fi
d=$(ours drops)
if [ "${d:-0}" -ge 300 ] && [ "$(ours drops_delta)" = "$d" ]; then
	ok "burst of 400 x 1000 B: $d drops, all of them over the baseline"
else
	nok "burst: drops '$d', drops_delta '$(ours drops_delta)' (want >= 300 and equal)"
fi
if jqt "$TMP/q1.json" --arg s "va $h root" \
	'.verdicts[] | select(.check == "stack.qdisc" and .subject == $s and .level == "crit" and (.hint | length > 0) and (.reason | test("since the previous sample")))'; then
	ok "stack.qdisc CRIT for 'va $h root' over the baseline, with a hint"
else
	nok "stack.qdisc verdict for va $h"; jq -c '.verdicts' "$TMP/q1.json" >&2
fi
in1 "$H" qdisc "$Q" >"$TMP/q2.json"
if jqt "$TMP/q2.json" --arg s "va $h root" \
	'.verdicts[] | select(.check == "stack.qdisc" and .subject == $s and .level == "ok")' &&
   jqt "$TMP/q2.json" '.qdiscs[] | select(.iface == "va" and .kind == "tbf" and .drops_delta == 0)'; then
	ok "a third sample without traffic: no new drops, stack.qdisc OK"
else
	nok "third sample"; jq -c '.verdicts' "$TMP/q2.json" >&2
fi

# ---- neighbour tables ----
if ! neigh_fill_setup "$NS3" "$TMP/neigh.batch"; then
	nok "namespace $NS3 with a veth for the neighbour entries"
	exit 1
fi
# ntable_pair TAG: our dump and ip's, read together; retried when the
# global table changed between the two reads (other tests)
ntable_pair() {
	local tag=$1 t a b
	for t in 1 2 3 4 5; do
		in3 "$H" neigh "$TMP/neigh.state" >"$TMP/n$tag.json"
		in3 ip -j -s ntable show name arp_cache >"$TMP/ip$tag.json"
		a=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .entries' "$TMP/n$tag.json")
		b=$(jq -r '[.[] | select(.entries != null)][0].entries' "$TMP/ip$tag.json")
		[ -n "$a" ] && [ "$a" = "$b" ] && break
	done
	echo "$a $b"
}
# same_entries WHEN OURS IPS
same_entries() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "arp_cache entries $1: ours $2 = ip -s ntable $3"
	else
		nok "arp_cache entries $1: ours '$2', ip -s ntable '$3'"
	fi
}
read -r e0 i0 < <(ntable_pair 0)
same_entries before "$e0" "$i0"
if jqt "$TMP/n0.json" '.neigh_tables[] | select(.table == "arp_cache" and .scope == "global" and .gc_thresh3 > 0)' &&
   jqt "$TMP/n0.json" '.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache" and (.reason | test("global")))'; then
	ok "arp_cache record is labelled scope global and its verdict says so"
else
	nok "scope global"; cat "$TMP/n0.json" >&2
fi
if in3 ip -b "$TMP/neigh.batch"; then
	ok "768 stale entries added with ip -b"
else
	nok "ip -b neigh replace"
fi
read -r e1 i1 < <(ntable_pair 1)
same_entries after "$e1" "$i1"
own=$(ip -n "$NS3" neigh show dev vn | grep -c STALE)
if [ "$own" -eq 768 ] && [ $((e1 - e0)) -eq $((i1 - i0)) ] && [ $((e1 - e0)) -ge 700 ]; then
	ok "rise of entries: ours $((e1 - e0)) = ip's $((i1 - i0)) ($own of ours in the table)"
else
	nok "rise of entries: ours $((e1 - e0)), ip's $((i1 - i0)), $own of ours STALE"
fi
a=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .table_fulls' "$TMP/n1.json")
b=$(jq -r '[.[] | select(.entries != null)][0].table_fulls' "$TMP/ip1.json")
g3=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .gc_thresh3' "$TMP/n1.json")
b3=$(jq -r '[.[] | select(.entries != null)][0].thresh3' "$TMP/ip1.json")
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$g3" = "$b3" ]; then
	ok "arp_cache table_fulls $a and gc_thresh3 $g3 equal ip -s ntable's"
else
	nok "table_fulls ours '$a' ip '$b', gc_thresh3 ours '$g3' ip '$b3'"
fi
lvl=$(jq -r '.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | .level' "$TMP/n1.json")
want=ok
if [ "$g3" -gt 0 ]; then
	pct=$((e1 * 100 / g3))
	[ $((e1 * 100)) -ge $((g3 * 75)) ] && want=warn
	[ $((e1 * 100)) -ge $((g3 * 90)) ] && want=crit
	[ "$a" != "$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .table_fulls' "$TMP/n0.json")" ] && want=crit
fi
if [ "$want" != ok ] && [ "$lvl" = "$want" ] &&
   jqt "$TMP/n1.json" '.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | select(.hint | test("gc_thresh"))'; then
	ok "stack.neigh $lvl at $e1 entries ($pct % of gc_thresh3 $g3), hint names gc_thresh"
else
	nok "stack.neigh '$lvl' at $e1 entries of gc_thresh3 $g3 (want $want)"
	jq -c '.verdicts' "$TMP/n1.json" >&2
fi
ip netns del "$NS3" && NS3=""

# ---- unresolved_discards: packets to a neighbour that never answers ----
# The counters are global and the kernel keeps their file in the initial
# namespace only: read through /proc/1 from here, and compared with the
# host's file read beside ours. unres_qlen_bytes 1 (va's own, in our
# namespace): each queued packet pushes out the one before it.
statsum() {
	python3 -c '
import sys
L = open("/proc/1/net/stat/arp_cache").read().split("\n")
c = L[0].split().index("unresolved_discards")
print(sum(int(r.split()[c], 16) for r in L[1:] if r.strip()))'
}
unres_pair() { # ours and the file's, read together (retried if they moved)
	local t a b
	for t in 1 2 3 4 5; do
		in1 "$H" neigh "$TMP/unres.state" >"$TMP/u$1.json"
		b=$(statsum)
		a=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .unresolved_discards' "$TMP/u$1.json")
		[ "$a" = "$b" ] && break
	done
	echo "$a $b"
}
in1 sysctl -qw net.ipv4.neigh.va.unres_qlen_bytes=1
ip -n "$NS" route add 192.0.2.4/30 dev va
read -r u0 f0 < <(unres_pair 0)
in1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(50):
    s.sendto(b"x" * 1000, ("192.0.2.5", 9))
'
read -r u1 f1 < <(unres_pair 1)
if [ -n "$u0" ] && [ "$u0" = "$f0" ] && [ -n "$u1" ] && [ "$u1" = "$f1" ] &&
   [ $((u1 - u0)) -ge 49 ]; then
	ok "arp_cache unresolved_discards from a namespace $u0 -> $u1 (+$((u1 - u0)) for 50 datagrams to an unresolved neighbour) = /proc/net/stat's sum $f0 -> $f1"
else
	nok "unresolved_discards ours $u0 -> $u1, /proc/net/stat $f0 -> $f1 (want a rise >= 49)"
fi

# ---- UDP receive-buffer drops ----
# sink PORT RCVBUF FILE: a UDP socket that never reads; started with ip
# netns exec itself so that $! is the helper (the trap kills it)
sink() {
	ip netns exec "$NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(sys.argv[2]))
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(3600)
' "$1" "$2" >"$3" &
	PIDS+=("$!")
}
send() { # send PORT N SIZE
	in1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d = b"x" * int(sys.argv[3])
for _ in range(int(sys.argv[2])):
    s.sendto(d, ("127.0.0.1", int(sys.argv[1])))
' "$@"
}
nstat_rcvbuf() { in1 nstat -asz UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { print $2 }'; }
sink 5301 2048 "$TMP/sink1"
pid1=${PIDS[-1]}
sink 5302 1000000 "$TMP/sink2"
for _ in $(seq 50); do
	grep -q ready "$TMP/sink1" 2>/dev/null && grep -q ready "$TMP/sink2" 2>/dev/null && break
	sleep 0.1
done
n0=$(nstat_rcvbuf)
send 5301 300 500
send 5302 1 100
n1=$(nstat_rcvbuf)
ssd=$(in1 ss -uamn 'sport = :5301' | tr -s ' \t' '\n' | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p')
in1 "$H" udp 5 procs >"$TMP/u.json"
drops=$(jq -r '.udp_top[] | select(.port == 5301) | .drops' "$TMP/u.json")
rise=$(( ${n1:-0} - ${n0:-0} ))
if [ -n "$drops" ] && [ "$drops" -gt 0 ] && [ "$drops" = "$rise" ]; then
	ok "UDP socket :5301 SK_MEMINFO drops $drops = rise of nstat UdpRcvbufErrors ($n0 -> $n1)"
else
	nok "UDP drops ours '$drops', nstat UdpRcvbufErrors rise $rise ($n0 -> $n1)"
fi
if [ -n "$drops" ] && [ "$drops" = "$ssd" ]; then
	ok "UDP socket :5301 drops $drops = ss -uamn d$ssd"
else
	nok "UDP drops ours '$drops', ss -uamn d'$ssd'"
fi
if jqt "$TMP/u.json" --argjson p "$pid1" \
	'.udp_top[0] | select(.port == 5301 and .local == "127.0.0.1" and .family == 4 and .pid == $p and .process == "python3" and .rcvbuf > 0)' &&
   jqt "$TMP/u.json" '.udp_top[1] | select(.port == 5302 and .drops == 0 and .rqueue > 0)' &&
   jqt "$TMP/u.json" '.udp_seen >= 2 and (.udp_top | length) == 2'; then
	ok "udp_top ranks :5301 first (pid $pid1 python3), the queued-only :5302 second"
else
	nok "udp_top order (sink pid $pid1)"; cat "$TMP/u.json" >&2
fi
in1 "$H" udp 1 >"$TMP/u1.json"
if jqt "$TMP/u1.json" '(.udp_top | length) == 1 and .udp_top[0].port == 5301 and .udp_top[0].pid == null'; then
	ok "udp_top 1 keeps only the worst socket; without procs no pid"
else
	nok "udp_top 1"; cat "$TMP/u1.json" >&2
fi
