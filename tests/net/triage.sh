#!/bin/bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Namespace test for `nettriage triage` and --all-netns:
#   - a healthy namespace: exit 0, "no fault found in N checks", N equal to
#     the JSON verdict count, every layer section present;
#   - a namespace whose TUN device has no reader: pings through it raise
#     tx_dropped (cross-checked with ip -j -s link); the second run names
#     link as the first fault, exit 2 (CRIT: every packet dropped);
#   - --all-netns over the machine: both namespaces labelled by name, the
#     faulty one's rows worst first, a fake /run/netns entry (a plain file,
#     not a namespace) is UNKNOWN with the setns reason and the others are
#     still measured; Prometheus has one HELP per family and a netns label
#     on our series (promtool check metrics); -N with --all-netns is 64.
# Env: NT (absolute path of nettriage). Root. TAP-like lines.
set -u
# shellcheck source=unpriv.inc
. "$(dirname "$0")/unpriv.inc"

pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

if [ -z "${NT:-}" ] || [ ! -x "$NT" ]; then
	echo "not ok - NT is not set to an executable nettriage (NT='${NT:-}')"
	exit 1
fi
[ "$(id -u)" -eq 0 ] || { echo "ok - triage netns test # SKIP not root"; exit 0; }
for t in ip jq ping promtool; do
	command -v "$t" >/dev/null 2>&1 || { echo "ok - triage netns test # SKIP no $t"; exit 0; }
done

H="nt-trh-$$"
D="nt-trd-$$"
B="nt-trb-$$"
GHOST="/run/netns/nt-trghost-$$"
FIFO="/run/netns/nt-trfifo-$$"
CW="nt-trcw-$$"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-triage.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
cleanup() {
	ip netns del "$H" 2>/dev/null
	ip netns del "$D" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -f "$GHOST" "$FIFO"
	[ -n "${LEAK:-}" ] && kill "$LEAK" 2>/dev/null
	ip netns del "$CW" 2>/dev/null
	[ -n "${WRITER:-}" ] && kill "$WRITER" 2>/dev/null
	unpriv_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$H" && ip netns add "$B" || { notok "ip netns add"; exit 1; }
ip -n "$H" link set lo up
ip -n "$B" link set lo up
ip -n "$B" tuntap add dev tunT mode tun || { notok "tuntap add"; exit 1; }
ip -n "$B" addr add 198.51.100.1/30 dev tunT
ip -n "$B" link set tunT up
ip -n "$B" route add 203.0.113.0/24 dev tunT

# 1. healthy: first run (since boot), then second run against history.
"$NT" -N "$H" triage >/dev/null 2>&1
"$NT" -N "$H" triage >"$TMP/h.txt" 2>"$TMP/h.err"
rc=$?
hbad=$(grep -E '^(WARN|CRIT|UNKNOWN) ' "$TMP/h.txt" | head -3 | tr '\n' ';')
check "healthy namespace: exit 0 (got $rc${hbad:+: $hbad})" '[ "$rc" -eq 0 ]'
check "healthy namespace: 'no fault found' line" 'grep -q "^no fault found in [0-9]* checks" "$TMP/h.txt"'
"$NT" -N "$H" >"$TMP/bare.txt" 2>/dev/null
rc=$?
check "nettriage with no command runs triage (exit $rc)" '[ "$rc" -eq 0 ] && grep -q "^no fault found in [0-9]* checks" "$TMP/bare.txt"'
"$NT" -j -N "$H" triage >"$TMP/h.json" 2>/dev/null
n_json=$(jq '.verdicts | length' "$TMP/h.json")
n_text=$(sed -n 's/^no fault found in \([0-9]*\) checks.*/\1/p' "$TMP/h.txt")
check "healthy: table count ($n_text) = JSON verdicts ($n_json)" '[ "$n_text" = "$n_json" ] && [ "$n_json" -gt 0 ]'
check "healthy: JSON first_fault is null, level ok" \
	'[ "$(jq -r ".first_fault, .level" "$TMP/h.json" | tr "\n" " ")" = "null ok " ]'
check "healthy: every layer has a section" \
	'[ "$(jq -r ".layers | keys | join(\",\")" "$TMP/h.json")" = "$(jq -r "[.verdicts[].layer] | unique | join(\",\")" "$TMP/h.json")" ]'
check "healthy: checks field = verdict count" '[ "$(jq .checks "$TMP/h.json")" = "$n_json" ]'
check "healthy: the layers in order link, stack, conntrack, tcp" \
	'[ "$(jq -r ".layers | keys_unsorted | join(\",\")" "$TMP/h.json")" = "link,stack,conntrack,tcp" ]'
check "healthy: the stack layer's verdicts are rows (stack.udp, stack.fd)" \
	'[ "$(jq -r "[.verdicts[] | select(.layer == \"stack\") | .check] | unique | map(select(. == \"stack.udp\" or . == \"stack.fd\")) | length" "$TMP/h.json")" = 2 ]'

# 1z. path targets, probed concurrently: a reachable dependency in D and
# an unreachable one (routed to D, which has no route on): each its own
# verdict, the others still reported; JSON layers.path per target.
ip netns add "$D"
ip link add "vh$$" netns "$H" type veth peer name "vd$$" netns "$D"
ip -n "$H" addr add 198.51.100.5/30 dev "vh$$"
ip -n "$D" addr add 198.51.100.6/30 dev "vd$$"
ip -n "$H" link set "vh$$" up
ip -n "$D" link set "vd$$" up
ip -n "$D" link set lo up
ip -n "$H" route add 203.0.113.0/24 via 198.51.100.6
"$NT" -N "$H" triage >/dev/null 2>&1 # the new veth's first run
# IpOutNoRoutes in H across the run: H has no route to the machine's
# resolver, so a reverse lookup of a hop would raise it (by 2 a lookup)
noroutes() { NSTAT_HISTORY=$TMP/nstat.h ip netns exec "$H" nstat -asz IpOutNoRoutes | awk '$1 == "IpOutNoRoutes" { print $2 }'; }
nr0=$(noroutes)
t0=$EPOCHREALTIME
"$NT" -j -N "$H" triage 198.51.100.6 203.0.113.77 >"$TMP/p.json" 2>"$TMP/p.err"
rc=$?
t1=$EPOCHREALTIME
nr1=$(noroutes)
lv() { jq -r --arg c "$1" --arg s "$2" '.verdicts[] | select(.check == $c and .subject == $s) | .level' "$TMP/p.json"; }
check "path: reachable target is ok (reach $(lv path.reach 198.51.100.6), loss $(lv path.loss 198.51.100.6))" \
	'[ "$(lv path.reach 198.51.100.6) $(lv path.loss 198.51.100.6)" = "ok ok" ]'
check "path: unreachable target is crit ($(lv path.reach 203.0.113.77))" '[ "$(lv path.reach 203.0.113.77)" = crit ]'
check "path: exit 2 (got $rc: $(head -1 "$TMP/p.err"))" '[ "$rc" -eq 2 ]'
check "path: the local layers are still reported" '[ "$(jq -r ".layers.link.interfaces | length" "$TMP/p.json")" -ge 2 ]'
check "path: layers.path has one section per target, in order" \
	'[ "$(jq -r "[.layers.path[].target.host] | join(\" \")" "$TMP/p.json")" = "198.51.100.6 203.0.113.77" ]'
check "path: the probe threads dropped every privilege (uid nobody, no capability)" \
	'[ "$(jq -r "[.layers.path[].privileges_dropped] | unique | join(\",\")" "$TMP/p.json")" = true ]'
# The first fault is path.reach of the unreachable target: triage's own
# probes leave no trace in the stack layer's counters (no reverse DNS of
# the hops, whose lookups went to a resolver H has no route to and raised
# IpOutNoRoutes, so that stack.ip warned about triage itself)
ff=$(jq -r ".first_fault.check + \" \" + .first_fault.subject" "$TMP/p.json")
check "path: first fault is path.reach 203.0.113.77 (got '$ff')" '[ "$ff" = "path.reach 203.0.113.77" ]'
check "path: IpOutNoRoutes in H unchanged by triage's probes ($nr0 -> $nr1), stack.ip OK ($(jq -r '[.verdicts[] | select(.check == "stack.ip") | .level] | unique | join(",")' "$TMP/p.json"))" \
	'[ -n "$nr0" ] && [ "$nr0" = "$nr1" ] && [ "$(jq -r "[.verdicts[] | select(.check == \"stack.ip\") | .level] | unique | join(\",\")" "$TMP/p.json")" = ok ]'
sent=$(jq '.layers.path[0].hops[-1].responders[0].sent' "$TMP/p.json")
check "path: 10 probes to the destination by default (got $sent)" '[ "$sent" = 10 ]'
# both targets at once: 10 cycles of 0.2 s plus the timeout, not twice that
el=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
check "path: two targets concurrently in ${el} s (< 8 s)" 'awk -v e="$el" "BEGIN {exit !(e < 8)}"'
"$NT" -N "$H" triage 'bad:port:x' >/dev/null 2>&1
rc=$?
check "path: a malformed target is a usage error (got $rc)" '[ "$rc" -eq 64 ]'

# 1a. conntrack not in use (no nf_conntrack files: a /proc without them):
# an OK conntrack.measure saying so, not UNKNOWN; `conntrack` itself is 3.
mkdir -p "$TMP/noproc"
NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC="$TMP/noproc" "$NT" -j -N "$H" triage >"$TMP/noct.json" 2>/dev/null
check "no nf_conntrack: conntrack.measure is ok with the reason" \
	'[ "$(jq -r ".verdicts[] | select(.check == \"conntrack.measure\") | .level + \" \" + (.reason | test(\"not in use\") | tostring)" "$TMP/noct.json")" = "ok true" ]'
NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC="$TMP/noproc" "$NT" -N "$H" conntrack >/dev/null 2>&1
rc=$?
check "no nf_conntrack: nettriage conntrack exits 3 (got $rc)" '[ "$rc" -eq 3 ]'

# 1b. unprivileged (uid 65534, no capabilities): every layer still runs,
# and what needs a capability says which.
if unpriv_setup 2>"$TMP/unpriv.err"; then
	unpriv "$H" "$UNPRIV_NT" -j triage >"$TMP/u.json" 2>"$TMP/u.err"
	rc=$?
	check "unprivileged: exit 0 in a healthy namespace (got $rc: $(head -1 "$TMP/u.err"))" '[ "$rc" -eq 0 ]'
	check "unprivileged: same layers as root" \
		'[ "$(jq -c ".layers | keys" "$TMP/u.json")" = "$(jq -c ".layers | keys" "$TMP/h.json")" ]'
	check "unprivileged: no layer is UNKNOWN" \
		'[ "$(jq "[.verdicts[] | select(.level == \"unknown\")] | length" "$TMP/u.json")" = 0 ]'
	if jq -e '.layers.conntrack' "$TMP/u.json" >/dev/null 2>&1; then
		check "unprivileged: the conntrack note names CAP_NET_ADMIN" 'grep -q CAP_NET_ADMIN "$TMP/u.err"'
	fi
else
	notok "unprivileged copy: $(head -1 "$TMP/unpriv.err")"
fi

# 1c. --prom-file: a reader never sees a half-written file.
"$NT" -N "$H" triage --prom-file "$TMP/t.prom" >/dev/null 2>&1
( for _ in $(seq 30); do "$NT" -N "$H" triage --prom-file "$TMP/t.prom" >/dev/null 2>&1; done ) &
WRITER=$!
torn=0 reads=0
while kill -0 "$WRITER" 2>/dev/null; do
	tail -1 "$TMP/t.prom" | grep -q '^nettriage_triage_timestamp_seconds[{ ].* [0-9]*$' || torn=$((torn + 1))
	reads=$((reads + 1))
done
wait "$WRITER"
WRITER=
check "--prom-file: $reads reads during 30 rewrites, none torn ($torn)" '[ "$torn" -eq 0 ] && [ "$reads" -gt 10 ]'
check "--prom-file: promtool check metrics" 'promtool check metrics <"$TMP/t.prom" >/dev/null 2>&1'
check "--prom-file: nettriage_check_level present" 'grep -q "^nettriage_check_level{" "$TMP/t.prom"'

# 2. drops on tunT: a baseline run, then 20 pings into the reader-less tun.
"$NT" -N "$B" triage >/dev/null 2>&1
before=$(ip -n "$B" -j -s link show tunT | jq '.[0].stats64.tx.dropped')
ip netns exec "$B" ping -c 20 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
after=$(ip -n "$B" -j -s link show tunT | jq '.[0].stats64.tx.dropped')
"$NT" -j -N "$B" triage >"$TMP/b.json" 2>/dev/null
rc=$?
check "tun drops: ip says tx_dropped rose ($before -> $after)" '[ "$after" -gt "$before" ]'
got=$(jq '.layers.link.interfaces[] | select(.name == "tunT") | .tx_dropped' "$TMP/b.json")
check "tun drops: tx_dropped $got = ip's $after" '[ "$got" = "$after" ]'
lvl=$(jq -r '.verdicts[] | select(.check == "link.drops" and .subject == "tunT") | .level' "$TMP/b.json")
check "tun drops: link.drops tunT is crit (got $lvl)" '[ "$lvl" = crit ]'
check "tun drops: exit 2 (got $rc)" '[ "$rc" -eq 2 ]'
check "tun drops: first_fault names link.drops tunT" \
	'[ "$(jq -r ".first_fault | .layer + \" \" + .check + \" \" + .subject" "$TMP/b.json")" = "link link.drops tunT" ]'
ip netns exec "$B" ping -c 20 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" -N "$B" triage >"$TMP/b.txt" 2>/dev/null
check "tun drops: table 'first fault: link: link.drops tunT: ... (CRIT)' (-N: no netns prefix)" \
	'grep -q "^first fault: link: link.drops tunT: .*(CRIT)$" "$TMP/b.txt"'

# 2a. the config file: [link] thresholds reach triage's link layer,
# [triage] targets are probed when the command line gives none.
printf '[link]\nwarn-drops = 100\ncrit-drops = 100\n' >"$TMP/nt.conf"
ip netns exec "$B" ping -c 20 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" --config "$TMP/nt.conf" -j -N "$B" triage >"$TMP/cf.json" 2>"$TMP/cf.err"
rc=$?
check "config: [link] crit-drops 100 makes tunT's drops ok (exit $rc: $(head -1 "$TMP/cf.err"))" \
	'[ "$(jq -r ".verdicts[] | select(.check == \"link.drops\" and .subject == \"tunT\") | .level" "$TMP/cf.json")" = ok ] && [ "$rc" -eq 0 ]'
printf '[triage]\ntargets = 198.51.100.6\n[path]\nmax-loss = 50\n' >"$TMP/nt2.conf"
"$NT" --config "$TMP/nt2.conf" -j -N "$H" triage >"$TMP/cf2.json" 2>"$TMP/cf2.err"
check "config: [triage] targets probed ($(jq -r "[.layers.path[]?.target.host] | join(\",\")" "$TMP/cf2.json"))" \
	'[ "$(jq -r "[.layers.path[].target.host] | join(\",\")" "$TMP/cf2.json")" = 198.51.100.6 ]'
printf '[link]\nwarn-drops = abc\n' >"$TMP/bad.conf"
"$NT" --config "$TMP/bad.conf" -N "$H" triage >/dev/null 2>"$TMP/bad.err"
rc=$?
check "config: a bad [link] value in triage is exit 64 (got $rc: $(head -1 "$TMP/bad.err"))" '[ "$rc" -eq 64 ]'

# 2b. baselines: saved in a quiet period, then drops: the changed verdict.
export NETTRIAGE_BASELINE_DIR="$TMP/baselines"
"$NT" -N "$B" triage >/dev/null 2>&1
"$NT" -N "$B" triage --save-baseline >/dev/null 2>"$TMP/save.err"
bfile="$TMP/baselines/baseline-$(hostname)-$B.json"
check "baseline: saved per host and namespace ($bfile)" '[ -s "$bfile" ] && jq -e ".figures | length > 0" "$bfile" >/dev/null'
check "baseline: the save says where" 'grep -q "baseline saved to $bfile" "$TMP/save.err"'
ip netns exec "$B" ping -c 20 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" -j -N "$B" triage --baseline >"$TMP/bl.json" 2>/dev/null
check "baseline: link.drops.changed tunT is warn" \
	'[ "$(jq -r ".verdicts[] | select(.check == \"link.drops.changed\" and .subject == \"tunT\") | .level" "$TMP/bl.json")" = warn ]'
check "baseline: rows carry the baseline figure" \
	'[ "$(jq -r ".verdicts[] | select(.check == \"link.drops\" and .subject == \"tunT\") | .baseline" "$TMP/bl.json")" = 0 ]'
check "baseline: baseline_file in the document" '[ "$(jq -r .baseline_file.path "$TMP/bl.json")" = "$bfile" ]'
"$NT" -N "$B" triage -a --baseline >"$TMP/bl.txt" 2>/dev/null
check "baseline: table has a BASELINE column" 'head -1 "$TMP/bl.txt" | grep -qw BASELINE'
"$NT" -N "$H" triage --save-baseline="$TMP/h-base.json" >/dev/null 2>&1
"$NT" -j -N "$H" triage --baseline="$TMP/h-base.json" >"$TMP/hb.json" 2>/dev/null
rc=$?
check "baseline: a quiet namespace against its own: figures matched, no changed verdict (exit $rc)" \
	'[ "$rc" -eq 0 ] && [ "$(jq "[.verdicts[] | select(.baseline != null)] | length" "$TMP/hb.json")" -gt 0 ] && [ "$(jq "[.verdicts[] | select(.check | endswith(\".changed\"))] | length" "$TMP/hb.json")" = 0 ]'
"$NT" -N "$H" triage --baseline="$bfile" >/dev/null 2>"$TMP/nomatch.err"
check "baseline: another namespace's file matches nothing, and says so" 'grep -q "none of its .* figures matches" "$TMP/nomatch.err"'
printf '{"schema":1,"kind":"nettriage-baseline","figures":[' >"$TMP/corrupt.json"
"$NT" -N "$B" triage --baseline="$TMP/corrupt.json" >/dev/null 2>"$TMP/corrupt.err"
rc=$?
check "baseline: a corrupt file is exit 3 (got $rc)" '[ "$rc" -eq 3 ]'
check "baseline: ... with one line naming it" \
	'[ "$(wc -l <"$TMP/corrupt.err")" -eq 1 ] && grep -q "corrupt.json: not JSON" "$TMP/corrupt.err"'

# 3. --all-netns, with a /run/netns entry that is not a namespace.
: >"$GHOST"
ip netns exec "$B" ping -c 10 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" --all-netns -j triage >"$TMP/all.json" 2>"$TMP/all.err"
rc=$?
check "--all-netns: a document (rc $rc)" 'jq -e .namespaces "$TMP/all.json" >/dev/null'
check "--all-netns: $H labelled by name" \
	'jq -e --arg n "$H" "[.namespaces[].netns] | index(\$n)" "$TMP/all.json" >/dev/null'
check "--all-netns: $B's link.drops tunT is crit" \
	'[ "$(jq -r --arg n "$B" ".verdicts[] | select(.netns == \$n and .check == \"link.drops\" and .subject == \"tunT\") | .level" "$TMP/all.json")" = crit ]'
check "--all-netns: $H has no fault" \
	'[ "$(jq -r --arg n "$H" "[.verdicts[] | select(.netns == \$n and .level != \"ok\")] | length" "$TMP/all.json")" = 0 ]'
ghost_lvl=$(jq -r --arg n "nt-trghost-$$" '.verdicts[] | select(.netns == $n) | .level' "$TMP/all.json" | sort -u)
check "--all-netns: the fake entry is unknown (got '$ghost_lvl')" '[ "$ghost_lvl" = unknown ]'
check "--all-netns: its reason says it is not a network namespace" \
	'jq -r --arg n "nt-trghost-$$" ".verdicts[] | select(.netns == \$n) | .reason" "$TMP/all.json" | grep -q "nt-trghost-$$: not a network namespace"'
check "--all-netns: exit 2 or worse with a crit namespace (got $rc)" '[ "$rc" -eq 2 ]'
# worst first: the first row of the table is not OK (each run needs new
# drops: the one before took the last ones into its history)
ip netns exec "$B" ping -c 10 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" --all-netns triage -a >"$TMP/all.txt" 2>/dev/null
first=$(sed -n '2p' "$TMP/all.txt")
check "--all-netns table: worst row first (got '$first')" 'sed -n 2p "$TMP/all.txt" | grep -qw crit'
ip netns exec "$B" ping -c 10 -i 0.01 -W 0.1 -q 203.0.113.9 >/dev/null 2>&1
"$NT" --all-netns --prom triage >"$TMP/all.prom" 2>/dev/null
check "--all-netns --prom: promtool check metrics" 'promtool check metrics <"$TMP/all.prom" >/dev/null 2>&1'
check "--all-netns --prom: one HELP per family" \
	'[ "$(grep -c "^# HELP nettriage_check_level " "$TMP/all.prom")" = 1 ]'
check "--all-netns --prom: netns label on $B's series" \
	'grep -q "^nettriage_check_level{layer=\"link\",netns=\"$B\",check=\"link.drops\",subject=\"tunT\"} 2$" "$TMP/all.prom"'
"$NT" --all-netns -j link >"$TMP/link.jsonl" 2>/dev/null
check "--all-netns link: a JSON document per namespace, $B's labelled" \
	'jq -c --arg n "$B" "select(.netns == \$n) | .interfaces[] | select(.name == \"tunT\") | .name" "$TMP/link.jsonl" | grep -q tunT'
"$NT" --all-netns --prom link >"$TMP/link.prom" 2>/dev/null
check "--all-netns --prom link: promtool check metrics" 'promtool check metrics <"$TMP/link.prom" >/dev/null 2>&1'
# a FIFO in /run/netns never hangs the sweep; it is not a namespace
mkfifo "$FIFO"
timeout 20 "$NT" --all-netns -j link >"$TMP/fifo.jsonl" 2>/dev/null
rc=$?
check "--all-netns with a FIFO in /run/netns: no hang (rc $rc)" '[ "$rc" -ne 124 ]'
check "--all-netns: the FIFO is reported as not a network namespace" \
	'jq -r --arg n "nt-trfifo-$$" "select(.netns == \$n) | .error" "$TMP/fifo.jsonl" | grep -q "not a network namespace"'
rm -f "$FIFO"
# --all-netns tcp and conntrack: a namespace with a CLOSE-WAIT leak
ip netns add "$CW"
ip -n "$CW" link set lo up
ip netns exec "$CW" "${NT_BUILD:-$(dirname "$NT")}/tests/tcp_helper" leak 127.0.0.1 8080 150 >"$TMP/leak.out" 2>"$TMP/leak.err" &
LEAK=$!
for _ in $(seq 100); do grep -q ready "$TMP/leak.out" 2>/dev/null && break; sleep 0.1; done
ss_cw=$(ip netns exec "$CW" ss -Htan state close-wait | wc -l)
"$NT" --all-netns -j tcp >"$TMP/tcp.jsonl" 2>/dev/null
got=$(jq -r --arg n "$CW" 'select(.netns == $n) | .verdicts[] | select(.check == "tcp.close_wait") | .level + " " + (.value | tostring)' "$TMP/tcp.jsonl")
check "--all-netns tcp: $CW's CLOSE-WAIT leak is warn with ss's count $ss_cw (got '$got')" '[ "$got" = "warn $ss_cw" ] && [ "$ss_cw" -ge 150 ]'
check "--all-netns tcp: $H has no CLOSE-WAIT fault" \
	'[ "$(jq -r --arg n "$H" "select(.netns == \$n) | .verdicts[] | select(.check == \"tcp.close_wait\") | .level" "$TMP/tcp.jsonl")" = ok ]'
"$NT" --all-netns tcp >"$TMP/tcp.txt" 2>/dev/null
check "--all-netns tcp table: a header per namespace, $CW's among the first (worst first)" \
	'grep "^netns " "$TMP/tcp.txt" | head -3 | grep -q "$CW"'
"$NT" --all-netns -j conntrack >"$TMP/ct.jsonl" 2>/dev/null
check "--all-netns conntrack: $H and $CW each their own document with a fill verdict" \
	'[ "$(jq -r --arg a "$H" --arg b "$CW" "select(.netns == \$a or .netns == \$b) | .verdicts[] | select(.check == \"conntrack.fill\") | .level" "$TMP/ct.jsonl" | wc -l)" = 2 ]'
kill "$LEAK" 2>/dev/null
wait "$LEAK" 2>/dev/null
LEAK=
"$NT" --all-netns -N "$H" triage >/dev/null 2>&1
rc=$?
check "--all-netns with -N: exit 64 (got $rc)" '[ "$rc" -eq 64 ]'
rm -f "$GHOST"

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
