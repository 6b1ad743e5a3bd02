#!/bin/bash
# nt_layer_path as triage drives it (tests/net/lib_path_threads.c): one
# state per target, open while privileged, one drop for all, then every
# collect at once in its own thread while the main thread collects the
# link layer. On host -> r1 -> r2 -> r3 -> target: the reachable target
# gets every hop with 0 % loss, 203.0.113.99 (no route at r2) path.reach
# CRIT, both in the same run, with overlapping collects; names resolve in
# the threads, reverse DNS is bounded, a failing target is its own error
# and the others are still reported; open neither changes the uid nor
# drops a capability; nothing is printed by collect.
set -u
cd "${NT_TOP:-.}" || exit 1
NT_BUILD=${NT_BUILD:-$PWD/build}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path layer in threads # SKIP need root for network namespaces"
	exit 0
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
HELPER=$NT_BUILD/tests/lib_path_threads
inh() { ip netns exec "$H" "$@"; }
if [ ! -x "$HELPER" ]; then
	nok "$HELPER not built (make unit)"
	exit 1
fi
topo_start resolver
# Debian's python3 has jsonschema (tests/net/schema.sh says more)
PY=/usr/bin/python3
"$PY" -c 'import jsonschema' 2>/dev/null || PY=""

# docs FILE: the JSON lines of the helper's output, in target order
docs() { grep '^{' "$1"; }
# jqt FILE EXPR...: jq -e that fails on an empty or missing file too
jqt() { local f=$1; shift; test -s "$f" && jq -e "$@" "$f"; }
# overlap FILE: every thread started before any ended
overlap() {
	awk 'BEGIN { n = 0 } /^thread / { s[n] = $4; e[n] = $6; n++ }
	     END { if (n < 2) exit 1; ms = 0; me = 1e18
		   for (i = 0; i < n; i++) { if (s[i] > ms) ms = s[i]; if (e[i] < me) me = e[i] }
		   exit !(ms < me) }' "$1"
}

# ---- two targets at once, numeric, triage's default cycles ----
timeout 60 ip netns exec "$H" "$HELPER" -n -c 10 -i 0.2 "$DST4" 203.0.113.99 \
	>$T/a.out 2>$T/a.err
rc=$?
cat $T/a.out $T/a.err >&2
assert "two collects in two threads: exit 0 (got $rc), nothing on stderr" \
	test "$rc" = 0 -a ! -s $T/a.err
assert "  open changed nothing: uid 0 and CAP_NET_RAW still held after every open" \
	grep -qx 'open: uid 0 caps-kept 1' $T/a.out
assert "  the main thread collected the link layer meanwhile" grep -q '^link: [0-9]* verdicts$' $T/a.out
assert "  the collects overlapped ($(grep '^thread' $T/a.out | tr '\n' ' '))" overlap $T/a.out
assert "  each took its 10 cycles at 0.2 s (>= 1.8 s)" \
	awk '/^thread / && $6 - $4 < 1.8 { bad = 1 } END { exit bad }' $T/a.out
assert "  collect printed nothing: 6 lines (open, link, 2 threads, 2 documents)" \
	test "$(wc -l <$T/a.out)" = 6
docs $T/a.out | sed -n 1p >$T/a1.json
docs $T/a.out | sed -n 2p >$T/a2.json
assert "reachable $DST4: hops $HOPS4" test "$(hops_of $T/a1.json)" = "$HOPS4"
assert "  every hop answered every probe sent (0 % loss; routers paced under the ICMP rate limit), the destination all 10" \
	jqt $T/a1.json '([.hops[].responders[0] | .sent > 0 and .received == .sent and .loss_pct == 0] | all) and
	       .hops[-1].responders[0].sent == 10'
assert "  reached at TTL 4, 10 cycles, interval_s 0.2, raw socket" \
	test "$(jq -r '[.reached, .destination_ttl, .cycles, .interval_s, .socket] | join(" ")' $T/a1.json)" = "true 4 10 0.2 raw"
assert "  path.reach ok and path.loss ok, subject $DST4" \
	jqt $T/a1.json --arg t "$DST4" '[.verdicts[] | select(.subject == $t) | "\(.check)=\(.level)"] == ["path.reach=ok", "path.loss=ok"]'
assert "  privileges_dropped false: uid 0 with CAP_NET_ADMIN is not dropped" \
	jqt $T/a1.json '.privileges_dropped == false'
assert "unreachable 203.0.113.99: reached false, path.reach crit for it" \
	jqt $T/a2.json '.reached == false and .target.host == "203.0.113.99" and
	       ([.verdicts[] | select(.check == "path.reach" and .subject == "203.0.113.99") | .level] == ["crit"])'
assert "  its last hop is r2 answering net unreachable (3/0)" \
	test "$(jq -r '.hops[-1].responders[0] | "\(.ip) \(.icmp_type)/\(.icmp_code)"' $T/a2.json)" = "198.51.100.2 3/0"
if [ -n "$PY" ]; then
	"$PY" tests/schema_validate.py schema "layer documents" $T/a1.json $T/a2.json
elif [ "${CI:-}" = true ]; then
	nok "python3-jsonschema missing: the layer's documents are not validated"
else
	ok "the layer's documents against the schema # SKIP python3-jsonschema missing"
fi

# ---- names, reverse DNS, UDP and a failing target in one run ----
# Names resolve in the threads (the namespace's /etc/hosts); reverse DNS is
# on and the testbed's name server is silent, so every lookup waits until
# the 1 s budget cancels it; nosuch.test goes to that server too and fails
# after its 2 s timeout, alone.
t0=$EPOCHREALTIME
timeout 60 ip netns exec "$H" "$HELPER" -c 3 -i 0.1 -- "--udp target6.test" target.test \
	nosuch.test >$T/b.out 2>$T/b.err
rc=$?
t1=$EPOCHREALTIME
cat $T/b.out $T/b.err >&2
assert "names, rDNS and a failing target: exit 0 (got $rc), nothing on stderr" \
	test "$rc" = 0 -a ! -s $T/b.err
assert "  the three collects overlapped" overlap $T/b.out
assert "  reverse DNS bounded: the run took $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s (< 4.5)" \
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 4.5) }'
docs $T/b.out | sed -n 1p >$T/b1.json
docs $T/b.out | sed -n 2p >$T/b2.json
assert "target6.test over UDP: $DST6, hops $HOPS6" \
	test "$(jq -r '"\(.target.ip) \(.mode)"' $T/b1.json) $(hops_of $T/b1.json)" = "$DST6 udp $HOPS6"
assert "  reverse DNS in the thread: the routers' lookups (silent server) cancelled at the budget, the target's name from /etc/hosts" \
	jqt $T/b1.json '([.hops[:-1][].responders[].host] | all(. == null)) and .hops[-1].responders[0].host == "target6.test"'
assert "target.test over ICMP: $DST4, hops $HOPS4" \
	test "$(jq -r .target.ip $T/b2.json) $(hops_of $T/b2.json)" = "$DST4 $HOPS4"
assert "nosuch.test: one error line naming it, the others still reported" \
	sh -c "test \$(grep -c '^error' $T/b.out) = 1 && grep -q '^error 2: nosuch.test: ' $T/b.out &&
	       test \$(grep -c '^{' $T/b.out) = 2"
exit 0
