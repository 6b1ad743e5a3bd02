#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# `nettriage stack` at command level (what tests/net/stack_nl.sh checks at
# library level), against the kernel's own tools in the same namespace:
#  - a clean namespace: exit 0; when a global figure of the host is bad
#    (other tests share the neighbour table, softnet, file-nr), the check
#    names it, and every per-namespace verdict must still be OK;
#  - qdisc: a tbf with a tiny limit under a UDP burst (TESTBED recipe):
#    the qdiscs[] record of va equals `tc -s -j qdisc show dev va` read
#    right after (drops, packets, bytes, backlog, qlen, overlimits,
#    requeues, kind, handle, parent); stack.qdisc WARN against the previous
#    run with --crit-qdisc 100, CRIT with the default 1 %, over -i too; a
#    first run (no history) judges since-boot totals: CRIT on the ratio,
#    never a WARN for a rise it cannot see; exit status = the worst
#    verdict; --prom has nettriage_stack_qdisc_drops_total = tc's drops;
#  - UDP: a 2 KiB-rcvbuf socket flooded on loopback: `stack --top 5`
#    names its port in udp_top[0] and in the stack.udp reason, with drops =
#    nstat's UdpRcvbufErrors rise = ss -uamn's d; --procs names pid/comm
#    of the helper ($!);
#  - neighbour tables: 768 stale entries (the three IPv4 documentation
#    /24s): arp_cache entries equal `ip -j -s ntable show name arp_cache`
#    read beside (retried if the global table moved), the rise equals ip's,
#    stack.neigh fires (WARN, or CRIT when ip's figures say so) and its
#    reason says global; under --all-netns the stack.neigh arp_cache
#    verdict appears once, in the starting namespace's document, and
#    once in `triage --all-netns`;
#  - every document of the test valid against the strict schema.
# Env: NT, NT_BUILD (build dir holding tests/udp_helper), NT_TOP.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-}
NT_BUILD=${NT_BUILD:-$PWD/build}
. tests/net/ns-lib.inc
. tests/net/stack-lib.inc
nt_setup stack_cli jq tc nstat ss python3
HELPER=$NT_BUILD/tests/udp_helper
if [ ! -x "$HELPER" ]; then
	echo "not ok - $HELPER missing (make unit builds the tests/net helpers)"
	exit 1
fi
SINK="" NSB="" NSC="" NSN=""
nt_cleanup_extra() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null && wait "$SINK" 2>/dev/null
	for n in "$NSB" "$NSC" "$NSN"; do
		[ -n "$n" ] && ip netns del "$n" 2>/dev/null
	done
}
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # check NAME TEST
	if eval "$2"; then ok "$1"; else nok "$1"; fi
}
export NSTAT_HISTORY=$TMP/nstat.hist
in1() { ip netns exec "$NS" "$@"; }
# worst FILE: the exit status the verdicts of a document call for
worst() {
	jq -r '[.verdicts[].level] | if any(. == "crit") then 2 elif any(. == "warn") then 1 else 0 end' "$1"
}
# notok FILE: the verdicts that are not OK, one line
notok() {
	jq -r '[.verdicts[] | select(.level != "ok") | "\(.check) \(.subject) \(.level): \(.reason)"] | join("; ")' "$1"
}
GLOBAL_CHECKS='["stack.backlog","stack.squeeze","stack.neigh","stack.sockmem","stack.orphans","stack.fd"]'

# ---- 1. a clean namespace ----
NSC="$NS-c"
ip netns add "$NSC" && ip -n "$NSC" link set lo up
"$NT" -N "$NSC" -j stack >"$TMP/c0.json" 2>"$TMP/c0.err" # first run: history
"$NT" -N "$NSC" -j stack >"$TMP/c1.json" 2>"$TMP/c1.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(worst "$TMP/c1.json")" = 0 ]; then
	ok "clean namespace: stack exits 0, every verdict OK ($(jq '.verdicts | length' "$TMP/c1.json") verdicts)"
else
	# only the host's global figures may be bad, and the test says which
	bad_local=$(jq -r --argjson g "$GLOBAL_CHECKS" '[.verdicts[] | select(.level != "ok" and (.check as $c | $g | index($c) | not))] | length' "$TMP/c1.json")
	if [ "$bad_local" = 0 ] && [ "$rc" = "$(worst "$TMP/c1.json")" ]; then
		ok "clean namespace: exit $rc only because of the host's global figures: $(notok "$TMP/c1.json")"
	else
		nok "clean namespace: exit $rc ($(head -1 "$TMP/c1.err")); not OK: $(notok "$TMP/c1.json")"
	fi
fi
"$NT" -N "$NSC" stack >"$TMP/c1.txt" 2>&1
check "clean namespace: table run exits as the JSON run did, summary line 'stack: ...'" \
	'[ $? -eq "$rc" ] && grep -q "^stack: " "$TMP/c1.txt"'
ip netns del "$NSC" && NSC=""

# ---- 2. qdisc: tbf with a tiny limit ----
NSB="$NS-b"
if ! tbf_setup "$NS" "$NSB"; then
	nok "veth pair with a tbf (rate 1mbit burst 1600 limit 3000)"
	exit 1
fi
burst() { # 400 x 1000 B to the peer's discard port
	in1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(400):
    try:
        s.sendto(b"x" * 1000, ("192.0.2.2", 9))
    except OSError:
        pass
'
}
ours() { jq -r ".qdiscs[] | select(.iface == \"va\" and .kind == \"tbf\") | .$2" "$1"; }
theirs() { jq -r ".[] | select(.kind == \"tbf\") | .$2" "$1"; }
# same_as_tc DOC TC WHEN: every field of va's record equals tc's
same_as_tc() {
	local f a b bad="" all=""
	for f in drops packets bytes backlog qlen overlimits requeues kind handle; do
		a=$(ours "$1" "$f") b=$(theirs "$2" "$f")
		all="$all $f=$a"
		[ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad $f: ours '$a' tc '$b';"
	done
	a=$(ours "$1" parent) b=$(theirs "$2" 'parent // (if .root then "root" else "none" end)')
	all="$all parent=$a"
	[ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad parent: ours '$a' tc '$b';"
	if [ -z "$bad" ]; then
		ok "qdisc va $3: stack -j =$all = tc -s -j qdisc show dev va"
	else
		nok "qdisc va $3:$bad"
	fi
}
qv() { # qv DOC FIELD: va's stack.qdisc verdict
	jq -r --arg s "va $(ours "$1" handle) root" ".verdicts[] | select(.check == \"stack.qdisc\" and .subject == \$s) | .$2" "$1"
}

# run 0: no history in the namespace yet, no traffic
"$NT" -N "$NS" -j stack >"$TMP/q0.json" 2>"$TMP/q0.err"
check "qdisc run 0 (first run, no traffic): baseline boot, va OK since boot (got $(qv "$TMP/q0.json" level): $(qv "$TMP/q0.json" reason))" \
	'[ "$(jq -r .baseline.kind "$TMP/q0.json")" = boot ] && [ "$(qv "$TMP/q0.json" level)" = ok ] &&
	 qv "$TMP/q0.json" reason | grep -q "since boot (no baseline: first run)"'
# run 1: a burst, judged against run 0's history, CRIT out of reach: WARN
burst
sleep 0.5 # the tbf drains its backlog: the counters stand still
"$NT" -N "$NS" -j stack --crit-qdisc 100 >"$TMP/q1.json" 2>"$TMP/q1.err"
rc1=$?
in1 tc -s -j qdisc show dev va >"$TMP/tc1.json"
same_as_tc "$TMP/q1.json" "$TMP/tc1.json" "after burst 1"
d1=$(ours "$TMP/q1.json" drops) p1=$(ours "$TMP/q1.json" packets)
# against the history the record has totals and rates (deltas only with
# -i, as every layer): the rise is in the reason, "N dropped of M offered"
rise() { qv "$1" reason | sed -n 's/.*: \([0-9]*\) dropped of \([0-9]*\) offered.*/\1 \2/p'; }
read -r r1 o1 < <(rise "$TMP/q1.json")
check "run 1 --crit-qdisc 100: stack.qdisc 'va $(ours "$TMP/q1.json" handle)' WARN since the previous run: $r1 dropped of $o1 offered = tc's rise $d1 of $((d1 + p1)) (>= 300), hint names tc" \
	'[ "$(qv "$TMP/q1.json" level)" = warn ] && [ "${d1:-0}" -ge 300 ] &&
	 [ "$r1" = "$d1" ] && [ "$o1" = $((d1 + p1)) ] &&
	 qv "$TMP/q1.json" reason | grep -q "since the previous run" &&
	 qv "$TMP/q1.json" hint | grep -q "tc -s qdisc show dev va"'
check "run 1: exit $rc1 = the worst verdict (qdisc WARN; others: $(notok "$TMP/q1.json"))" \
	'[ "$rc1" -ge 1 ] && [ "$rc1" = "$(worst "$TMP/q1.json")" ]'
# run 2: another burst, default --crit-qdisc 1: CRIT, exit 2
burst
sleep 0.5
"$NT" -N "$NS" -j stack >"$TMP/q2.json" 2>"$TMP/q2.err"
rc2=$?
in1 tc -s -j qdisc show dev va >"$TMP/tc2.json"
same_as_tc "$TMP/q2.json" "$TMP/tc2.json" "after burst 2"
d2=$(ours "$TMP/q2.json" drops) p2=$(ours "$TMP/q2.json" packets)
read -r r2 o2 < <(rise "$TMP/q2.json")
check "run 2 (crit 1 %): stack.qdisc CRIT, $r2 dropped of $o2 offered = tc's rise $((d2 - d1)) of $((d2 - d1 + p2 - p1)), drop_pct $(ours "$TMP/q2.json" drop_pct) >= 1, exit $rc2 = 2" \
	'[ "$(qv "$TMP/q2.json" level)" = crit ] && [ "$rc2" -eq 2 ] &&
	 [ "$r2" = $((d2 - d1)) ] && [ "$o2" = $((d2 - d1 + p2 - p1)) ] &&
	 jq -e ".qdiscs[] | select(.iface == \"va\" and .kind == \"tbf\") | .drop_pct >= 1" "$TMP/q2.json" >/dev/null'
# --prom: the counter family with tc's value
"$NT" -N "$NS" --prom stack >"$TMP/q.prom" 2>/dev/null
in1 tc -s -j qdisc show dev va >"$TMP/tc3.json"
# shellcheck disable=SC2034 # h is read in the check's eval
h=$(theirs "$TMP/tc3.json" handle) td=$(theirs "$TMP/tc3.json" drops)
pl=$(grep '^nettriage_stack_qdisc_drops_total{' "$TMP/q.prom" | grep 'iface="va"' | grep 'kind="tbf"')
check "--prom: $pl (tc: $td drops)" \
	'[ -n "$pl" ] && [ "${pl##* }" = "$td" ] && echo "$pl" | grep -q "netns=\"$NS\"" && echo "$pl" | grep -q "handle=\"$h\""'
if command -v promtool >/dev/null; then
	check "--prom: promtool check metrics clean" 'promtool check metrics <"$TMP/q.prom" >/dev/null 2>&1'
fi
# over -i: a burst between the two samples
( sleep 0.4; burst ) &
BP=$!
"$NT" -N "$NS" -j -i 1.2 -c 2 stack >"$TMP/qi.jsonl" 2>/dev/null
rci=$?
wait "$BP"
sleep 0.5
in1 tc -s -j qdisc show dev va >"$TMP/tci.json"
tail -1 "$TMP/qi.jsonl" >"$TMP/qi2.json"
di=$(ours "$TMP/qi2.json" drops_delta)
check "-i 1.2 -c 2: the second sample's drops_delta $di = tc's rise $(( $(theirs "$TMP/tci.json" drops) - td )), CRIT over the interval, exit $rci = 2" \
	'[ "${di:-0}" -ge 300 ] && [ "$di" = $(( $(theirs "$TMP/tci.json" drops) - td )) ] &&
	 [ "$(qv "$TMP/qi2.json" level)" = crit ] && qv "$TMP/qi2.json" reason | grep -q "over the interval" && [ "$rci" -eq 2 ]'
# a first run (history removed) with drops in the qdisc: since-boot totals
rm -rf "${NETTRIAGE_STATE_DIR:?}"/*
"$NT" -N "$NS" -j stack --crit-qdisc 100 >"$TMP/qf1.json" 2>/dev/null
rm -rf "${NETTRIAGE_STATE_DIR:?}"/*
"$NT" -N "$NS" -j stack >"$TMP/qf2.json" 2>/dev/null
rcf=$?
check "first run, --crit-qdisc 100: no WARN for a rise it cannot see ($(qv "$TMP/qf1.json" level): $(qv "$TMP/qf1.json" reason))" \
	'[ "$(qv "$TMP/qf1.json" level)" = ok ] && [ "$(jq -r .baseline.kind "$TMP/qf1.json")" = boot ] &&
	 qv "$TMP/qf1.json" reason | grep -q "since boot (no baseline: first run)"'
check "first run, default: CRIT on the since-boot ratio ($(qv "$TMP/qf2.json" reason)), exit $rcf = 2" \
	'[ "$(qv "$TMP/qf2.json" level)" = crit ] && [ "$rcf" -eq 2 ] &&
	 qv "$TMP/qf2.json" reason | grep -q "since boot (no baseline: first run)"'

# ---- 3. UDP: a 2 KiB receive buffer flooded on loopback ----
"$NT" -N "$NS" -j stack >/dev/null 2>&1 # the baseline in the history
nrb() { in1 nstat -asz UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { print $2 }'; }
ip netns exec "$NS" "$HELPER" sink 9109 2048 >"$TMP/sink.out" 2>"$TMP/sink.err" &
SINK=$!
for _ in $(seq 100); do grep -q ready "$TMP/sink.out" 2>/dev/null && break; sleep 0.05; done
n0=$(nrb)
in1 "$HELPER" flood 9109 300 500 >"$TMP/flood.out" 2>&1
n1=$(nrb)
ssd=$(in1 ss -uamn 'sport = :9109' | tr -s ' \t' '\n' | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p')
"$NT" -N "$NS" -j stack --top 5 >"$TMP/u1.json" 2>"$TMP/u1.err"
rcu=$?
"$NT" -N "$NS" -j stack --top 5 --procs >"$TMP/u2.json" 2>"$TMP/u2.err"
comm=$(cat "/proc/$SINK/comm" 2>/dev/null)
ud=$(jq -r '.udp_top[0].drops' "$TMP/u1.json")
ur=$(jq -r '.verdicts[] | select(.check == "stack.udp" and .subject == "Udp") | .reason' "$TMP/u1.json")
check "--top 5: udp_top[0] is 127.0.0.1:$(jq -r '.udp_top[0].port' "$TMP/u1.json") with $ud drops = nstat UdpRcvbufErrors rise $((n1 - n0)) = ss -uamn d$ssd, rcvbuf $(jq -r '.udp_top[0].rcvbuf' "$TMP/u1.json")" \
	'[ "$(jq -r ".udp_top[0].port" "$TMP/u1.json")" = 9109 ] && [ "$(jq -r ".udp_top[0].local" "$TMP/u1.json")" = 127.0.0.1 ] &&
	 [ "${ud:-0}" -ge 200 ] && [ "$ud" = $((n1 - n0)) ] && [ "$ud" = "$ssd" ]'
check "--top 5: stack.udp Udp WARN, reason names port 9109 ($ur), no pid without --procs, exit $rcu = worst" \
	'[ "$(jq -r ".verdicts[] | select(.check == \"stack.udp\" and .subject == \"Udp\") | .level" "$TMP/u1.json")" = warn ] &&
	 echo "$ur" | grep -q "top socket: port 9109, $ud drops" && ! echo "$ur" | grep -q pid &&
	 [ "$(jq -r ".udp_top[0].pid" "$TMP/u1.json")" = null ] && [ "$rcu" = "$(worst "$TMP/u1.json")" ] && [ "$rcu" -ge 1 ]'
check "--procs: udp_top[0] pid $(jq -r '.udp_top[0].pid' "$TMP/u2.json") process $(jq -r '.udp_top[0].process' "$TMP/u2.json") = the helper's \$! $SINK ($comm)" \
	'[ "$(jq -r ".udp_top[0].pid" "$TMP/u2.json")" = "$SINK" ] && [ -n "$comm" ] &&
	 [ "$(jq -r ".udp_top[0].process" "$TMP/u2.json")" = "$comm" ]'
# the second run's stack.udp is OK (no new rise): run a third with a rise
in1 "$HELPER" flood 9109 50 500 >/dev/null 2>&1
"$NT" -N "$NS" -j stack --top 5 --procs >"$TMP/u3.json" 2>/dev/null
ur3=$(jq -r '.verdicts[] | select(.check == "stack.udp" and .subject == "Udp") | .reason' "$TMP/u3.json")
check "--top 5 --procs: the WARN's reason names port and process ($ur3)" \
	'echo "$ur3" | grep -q "top socket: port 9109, .* drops, pid $SINK ($comm)" &&
	 echo "$ur3" | grep -q "^50 RcvbufErrors"'
"$NT" -N "$NS" stack --top 5 --procs >"$TMP/u3.txt" 2>&1
check "--top 5 --procs table: a row with port 9109 and pid $SINK" \
	'grep -E "(^| )9109 .*$SINK" "$TMP/u3.txt" >/dev/null'
kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null; SINK=""

# ---- 4. neighbour tables: 768 stale entries ----
NSN="$NS-n"
if ! neigh_fill_setup "$NSN" "$TMP/neigh.batch"; then
	nok "namespace $NSN with a veth for the neighbour entries"
	exit 1
fi
# npair TAG: stack -j and ip -s ntable read together, retried while the
# global table moves between the two reads (other tests)
npair() {
	local t a b
	for t in 1 2 3 4 5 6; do
		"$NT" -N "$NSN" -j stack >"$TMP/n$1.json" 2>/dev/null
		ip -n "$NSN" -j -s ntable show name arp_cache >"$TMP/ip$1.json"
		a=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .entries' "$TMP/n$1.json")
		b=$(jq -r '[.[] | select(.entries != null)][0].entries' "$TMP/ip$1.json")
		[ -n "$a" ] && [ "$a" = "$b" ] && break
	done
	echo "$a $b $t"
}
read -r e0 i0 t0 < <(npair 0)
check "arp_cache entries before: stack -j $e0 = ip -j -s ntable $i0 (read $t0 times)" '[ -n "$e0" ] && [ "$e0" = "$i0" ]'
check "ip -b: 768 stale entries added" 'ip -n "$NSN" -b "$TMP/neigh.batch"'
read -r e1 i1 t1 < <(npair 1)
own=$(ip -n "$NSN" neigh show dev vn | grep -c STALE)
check "arp_cache entries after: stack -j $e1 = ip -j -s ntable $i1 (read $t1 times); rise ours $((e1 - e0)) = ip's $((i1 - i0)), $own of ours in the table" \
	'[ "$e1" = "$i1" ] && [ $((e1 - e0)) -eq $((i1 - i0)) ] && [ "$own" -eq 768 ] && [ $((e1 - e0)) -ge 700 ]'
for f in gc_thresh3:thresh3 table_fulls:table_fulls forced_gc_runs:forced_gc_runs res_failed:res_failed; do
	a=$(jq -r ".neigh_tables[] | select(.table == \"arp_cache\") | .${f%%:*}" "$TMP/n1.json")
	b=$(jq -r "[.[] | select(.entries != null)][0].${f##*:}" "$TMP/ip1.json")
	check "arp_cache ${f%%:*}: stack -j $a = ip -s ntable ${f##*:} $b" '[ -n "$a" ] && [ "$a" = "$b" ]'
done
g3=$(jq -r '.neigh_tables[] | select(.table == "arp_cache") | .gc_thresh3' "$TMP/n1.json")
f0=$(jq -r '[.[] | select(.entries != null)][0].table_fulls' "$TMP/ip0.json")
f1=$(jq -r '[.[] | select(.entries != null)][0].table_fulls' "$TMP/ip1.json")
want=ok
[ $((e1 * 100)) -ge $((g3 * 75)) ] && want=warn
[ $((e1 * 100)) -ge $((g3 * 90)) ] && want=crit
[ "$f1" != "$f0" ] && want=crit
nl=$(jq -r '.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | .level' "$TMP/n1.json")
nr=$(jq -r '.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | .reason' "$TMP/n1.json")
check "stack.neigh arp_cache $nl at $e1 of gc_thresh3 $g3 (ip's figures call for $want): $nr" \
	'[ "$want" != ok ] && [ "$nl" = "$want" ] && echo "$nr" | grep -q global &&
	 jq -e ".verdicts[] | select(.check == \"stack.neigh\" and .subject == \"arp_cache\") | .hint | test(\"gc_thresh\")" "$TMP/n1.json" >/dev/null'
"$NT" --all-netns -j stack >"$TMP/all.jsonl" 2>"$TMP/all.err"
ip -j -s ntable show name arp_cache >"$TMP/ipall.json"
docs=$(wc -l <"$TMP/all.jsonl")
nn=$(jq -r 'select(.verdicts != null) | .verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | .level' "$TMP/all.jsonl" | wc -l)
home=$(jq -r 'select([.verdicts[]? | select(.check == "stack.neigh" and .subject == "arp_cache")] | length > 0) | "\(.judge_global) \(.netns)"' "$TMP/all.jsonl")
mine=$(jq -r --arg n "$NSN" 'select(.netns == $n) | "\(.judge_global) \([.neigh_tables[] | select(.table == "arp_cache")] | length) \([.verdicts[] | select(.check == "stack.neigh")] | length)"' "$TMP/all.jsonl")
check "--all-netns: $docs documents, the stack.neigh arp_cache verdict once ($nn), in the judging starting namespace ($home); $NSN shows its table unjudged ($mine)" \
	'[ "$nn" -eq 1 ] && [ "$docs" -ge 3 ] && [ "${home%% *}" = true ] && [ "$mine" = "false 1 0" ]'
hl=$(jq -r 'select(.judge_global) | .verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | .level' "$TMP/all.jsonl")
check "--all-netns: the starting namespace's stack.neigh arp_cache is $hl (768 of ours still in the table: not ok)" \
	'[ -n "$hl" ] && [ "$hl" != ok ]'
# triage --all-netns: the same rule (stack is one of its local layers)
timeout 120 "$NT" --all-netns -j triage >"$TMP/tri.json" 2>"$TMP/tri.err"
tn=$(jq -r '[.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache")] | length' "$TMP/tri.json")
tl=$(jq -r '[.verdicts[] | select(.check == "stack.neigh" and .subject == "arp_cache") | "\(.netns) \(.level)"] | join(",")' "$TMP/tri.json")
tns=$(jq -r '[.namespaces[]?] | length' "$TMP/tri.json")
check "triage --all-netns: stack.neigh arp_cache once ($tn: $tl) over $tns namespaces, not ok" \
	'[ "$tn" = 1 ] && [ "${tl##* }" != ok ] && [ "${tns:-0}" -ge 2 ]'

# ---- 5. every document of this test against the strict schema ----
PY=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	nok "python3-jsonschema missing (apt-get install -y python3-jsonschema)"
else
	cat "$TMP"/c1.json "$TMP"/q[0-9].json "$TMP"/qi.jsonl "$TMP"/qf[12].json "$TMP"/u[123].json \
		"$TMP"/n[01].json "$TMP"/all.jsonl >"$TMP/docs.jsonl"
	"$PY" tests/schema_validate.py schema docs "$TMP/docs.jsonl" >"$TMP/valid.out"
	n=$(wc -l <"$TMP/docs.jsonl")
	good=$(grep -c "^ok - .*valid against nettriage-stack.schema.json" "$TMP/valid.out")
	check "-j: $good of $n documents (qdiscs with drops, udp_top with pid, neigh_tables) valid against nettriage-stack.schema.json" \
		'[ "$good" -eq "$n" ] && [ "$n" -ge 15 ]'
	[ "$good" -eq "$n" ] || grep -v "^ok" "$TMP/valid.out" | head -5 >&2
	jq -c '.udp_top[0].process = 5' "$TMP/u2.json" >"$TMP/bad.jsonl"
	check "-j: a doctored udp_top record (process a number) is rejected" \
		'"$PY" tests/schema_validate.py schema --expect-invalid bad "$TMP/bad.jsonl" >/dev/null'
fi
exit 0
