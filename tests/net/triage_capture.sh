#!/bin/bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Namespace test for `nettriage triage --capture SEC -d IFACE`: the capture
# layer inside a triage run, cross-checked against tcpdump on the same
# interface over the same traffic.
#   - a TCP transfer on the namespace's loopback (tests/net/cap_xfer) while
#     tcpdump and triage --capture both capture lo: triage's capture section
#     counts exactly the TCP frames tcpdump wrote (read back with tcpdump
#     -r), and `nettriage capture -r` of tcpdump's file gives the same
#     totals; the capture rows sit after tcp's in the verdict list;
#   - connections to a closed port (the kernel answers each SYN with a RST
#     from that port): capture.rst is WARN, triage exits 1 and names capture
#     as the first fault;
#   - --capture-filter, a missing interface (capture.measure UNKNOWN, the
#     other layers still measured), --capture 0 and -d without --capture
#     (usage, 64).
# Env: NT (absolute path of nettriage), NT_BUILD. Root. TAP-like lines.
set -u
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

if [ -z "${NT:-}" ] || [ ! -x "$NT" ]; then
	echo "not ok - NT is not set to an executable nettriage (NT='${NT:-}')"
	exit 1
fi
XFER=${NT_BUILD:-$(dirname "$NT")}/tests/cap_xfer
[ -x "$XFER" ] || { echo "not ok - $XFER not built (make unit)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "ok - triage capture test # SKIP not root"; exit 0; }
for t in ip jq tcpdump; do
	command -v "$t" >/dev/null 2>&1 || { echo "ok - triage capture test # SKIP no $t"; exit 0; }
done

NS="nt-tcap-$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-tcap.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || { echo "not ok - ip netns add"; exit 1; }
ip -n "$NS" link set lo up
IN=(ip netns exec "$NS")

# 1. a transfer captured by tcpdump and by triage at once
"${IN[@]}" "$XFER" server 127.0.0.1 5001 >"$TMP/srv" 2>&1 &
pids+=($!)
"${IN[@]}" tcpdump -i lo -s 256 -U -w "$TMP/lo.pcap" 'tcp port 5001' 2>"$TMP/tcpdump.err" &
tdpid=$!
pids+=("$tdpid")
for _ in $(seq 50); do
	grep -q ready "$TMP/srv" && grep -q "listening on" "$TMP/tcpdump.err" && break
	sleep 0.1
done
"${IN[@]}" "$NT" -j triage --capture 3 -d lo --capture-filter 'tcp port 5001' \
	>"$TMP/t.json" 2>"$TMP/t.err" &
trpid=$!
sleep 1 # triage's other layers and the capture handle are up by now
"${IN[@]}" "$XFER" client 127.0.0.1 5001 2000000 >"$TMP/cli" 2>&1
wait "$trpid"
trc=$?
sleep 0.3
kill -INT "$tdpid" 2>/dev/null
wait "$tdpid" 2>/dev/null
check "triage --capture 3 -d lo ran (exit $trc: 0 or 1)" '[ "$trc" -le 1 ] && jq -e . "$TMP/t.json" >/dev/null'
check "the transfer completed ($(cat "$TMP/cli"))" 'grep -q "^sent 2000000 " "$TMP/cli"'
ours=$(jq '.layers.capture.tcp_packets' "$TMP/t.json")
theirs=$(tcpdump -r "$TMP/lo.pcap" 2>/dev/null | wc -l)
check "triage's capture counts the TCP frames tcpdump wrote ($ours = $theirs)" '[ "$ours" -gt 10 ] && [ "$ours" = "$theirs" ]'
check "the capture section: source live on lo, the filter, one flow" \
	'jq -e ".layers.capture.source.kind == \"live\" and .layers.capture.source.iface == \"lo\" and .layers.capture.source.filter == \"tcp port 5001\" and .layers.capture.flows_total == 1" "$TMP/t.json" >/dev/null'
"$NT" -j capture -r "$TMP/lo.pcap" >"$TMP/r.json" 2>/dev/null
for k in packets bytes data_segments retrans dup_acks rsts; do
	a=$(jq ".layers.capture.totals.$k" "$TMP/t.json")
	b=$(jq ".totals.$k" "$TMP/r.json")
	check "totals.$k live in triage = capture -r of tcpdump's file ($a = $b)" '[ "$a" = "$b" ]'
done
order=$(jq -r '[.verdicts[].layer] | map(select(. == "tcp" or . == "capture")) | unique_by(.) | length' "$TMP/t.json")
last_tcp=$(jq '[.verdicts | to_entries[] | select(.value.layer == "tcp") | .key] | max' "$TMP/t.json")
first_cap=$(jq '[.verdicts | to_entries[] | select(.value.layer == "capture") | .key] | min' "$TMP/t.json")
check "capture rows follow tcp's in the verdict list ($last_tcp < $first_cap)" \
	'[ "$order" = 2 ] && [ "$last_tcp" -lt "$first_cap" ]'
check "five capture checks in triage" \
	'[ "$(jq "[.verdicts[] | select(.layer == \"capture\")] | length" "$TMP/t.json")" = 5 ]'

# 2. RSTs from a closed port: capture.rst WARN is the first fault
"${IN[@]}" "$NT" -j triage --capture 2 -d lo --capture-filter 'tcp port 5999' \
	>"$TMP/rst.json" 2>"$TMP/rst.err" &
trpid=$!
sleep 1
for _ in 1 2 3; do
	"${IN[@]}" "$XFER" client 127.0.0.1 5999 10 >/dev/null 2>&1
done
wait "$trpid"
trc=$?
rsts=$(jq '.layers.capture.totals.rsts_server' "$TMP/rst.json")
check "3 connections to a closed port: 3 RSTs from the server side ($rsts)" '[ "$rsts" = 3 ]'
check "capture.rst is WARN" \
	'jq -e "[.verdicts[] | select(.check == \"capture.rst\")][0].level == \"warn\"" "$TMP/rst.json" >/dev/null'
# The first fault is capture's row, unless a lower layer also warned (the
# RSTs may move tcp's counters too): then the lowest layer's not-ok row.
ff=$(jq -r '.first_fault.check // empty' "$TMP/rst.json")
lowest=$(jq -r '[.verdicts[] | select(.level != "ok")] | map(.layer) as $l |
	(["link", "stack", "conntrack", "tcp", "capture"] | map(select(. as $x | $l | index($x))) | first) // empty' "$TMP/rst.json")
check "triage exits 1 or 2 and names the lowest layer at fault, capture unless a lower one warned too (exit $trc, first fault $ff, lowest $lowest)" \
	'[ "$trc" -ge 1 ] && [ "$trc" -le 2 ] && [ -n "$ff" ] && [ "${ff%%.*}" = "$lowest" ]'

# 3. bad input
"${IN[@]}" "$NT" -j triage --capture 1 -d nt-nosuch0 >"$TMP/bad.json" 2>/dev/null
check "a missing interface: capture.measure UNKNOWN naming it, tcp still measured" \
	'jq -e "([.verdicts[] | select(.check == \"capture.measure\")][0] | .level == \"unknown\" and (.reason | test(\"nt-nosuch0\"))) and ([.verdicts[] | select(.layer == \"tcp\")] | length > 0)" "$TMP/bad.json" >/dev/null'
"${IN[@]}" "$NT" triage --capture 0 -d lo >"$TMP/o" 2>"$TMP/e"
rc=$?
check "--capture 0: usage, exit 64, one line on stderr" '[ "$rc" = 64 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && [ ! -s "$TMP/o" ]'
"${IN[@]}" "$NT" triage -d lo >"$TMP/o" 2>"$TMP/e"
rc=$?
check "-d without --capture: usage, exit 64" '[ "$rc" = 64 ] && [ ! -s "$TMP/o" ]'

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
