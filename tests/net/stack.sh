#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# Namespace integration test for `nettriage stack`, cross-checked with the
# kernel's own tools in the same namespace:
#   - a clean namespace: exit 0, every section present;
#   - a UDP socket with SO_RCVBUF 2048 that never reads, flooded with 300
#     datagrams of 500 bytes on the namespace's loopback: the rise of
#     Udp RcvbufErrors equals `nstat -az UdpRcvbufErrors`'s, and stack.udp
#     Udp is WARN (exit 1), also over -i;
#   - file-nr figures agree with /proc/sys/fs/file-nr read beside (within
#     what other processes open meanwhile); softnet rows = online CPUs;
#   - -N of a missing namespace: exit 3 with one line; --all-netns lists
#     the namespace (global figures not judged there); -j valid against
#     schema/nettriage-stack.schema.json; --prom clean for promtool.
# Env: NT, NT_BUILD (build dir holding tests/udp_helper), NT_TOP.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-}
NT_BUILD=${NT_BUILD:-$PWD/build}
. tests/net/ns-lib.inc
nt_setup stack jq nstat promtool
HELPER=$NT_BUILD/tests/udp_helper
if [ ! -x "$HELPER" ]; then
	echo "not ok - $HELPER missing (make unit builds the tests/net helpers)"
	exit 1
fi
SINK=
nt_cleanup_extra() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null && wait "$SINK" 2>/dev/null
}
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # check NAME TEST
	if eval "$2"; then ok "$1"; else nok "$1"; fi
}
ip -n "$NS" link set lo up
export NSTAT_HISTORY=$TMP/nstat.hist # nstat's own history stays ours
inns() { ip netns exec "$NS" "$@"; }
PY=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done

# ---- 1. clean namespace ----
"$NT" -N "$NS" stack >"$TMP/clean.txt" 2>"$TMP/clean.err"
rc=$?
check "clean namespace: exit 0 (got $rc: $(head -1 "$TMP/clean.err"))" '[ "$rc" -eq 0 ]'
check "clean namespace: the verdict summary line" 'grep -q "^stack: OK" "$TMP/clean.txt"'
"$NT" -N "$NS" -j stack >"$TMP/clean.json" 2>/dev/null
check "clean: JSON baseline history after a first run, status ok" \
	'[ "$(jq -r ".baseline.kind + \" \" + .status" "$TMP/clean.json")" = "history ok" ]'
cpus=$(grep -c . /proc/net/softnet_stat)
online=$(getconf _NPROCESSORS_ONLN)
n_sn=$(jq '.softnet | length' "$TMP/clean.json")
check "softnet rows ($n_sn) = CPUs ($online online, $cpus rows in /proc/net/softnet_stat)" \
	'[ "$n_sn" -eq "$online" ] && [ "$n_sn" -eq "$cpus" ]'
check "softnet rows are scope global" '[ "$(jq -r "[.softnet[].scope] | unique | join(\",\")" "$TMP/clean.json")" = global ]'
check "limits: tcp_timewait is netns, the others global" \
	'[ "$(jq -r "[.limits[] | .name + \"=\" + .scope] | join(\",\")" "$TMP/clean.json")" = "tcp_mem_pages=global,udp_mem_pages=global,tcp_orphans=global,tcp_timewait=netns,files=global" ]'
# tcp_mem, udp_mem, tcp_max_orphans exist only in the initial namespace:
# under -N either read there (through /proc/1/ns/net, then judged and
# noted) or null, with a note naming the checks not judged and no verdict
read -r _ _ tmem_max </proc/sys/net/ipv4/tcp_mem
gl=$(jq -r '[.limits[0].limit, ([.verdicts[] | select(.check == "stack.sockmem" or .check == "stack.orphans")] | length),
	(.notes | map(select(test("read there through /proc/1/ns/net"))) | length),
	(.notes | map(select(test("^stack.sockmem and stack.orphans not judged: tcp_mem, udp_mem, tcp_max_orphans"))) | length)] | map(tostring) | join(" ")' "$TMP/clean.json")
check "limits under -N: tcp_mem from the initial namespace ($tmem_max) and judged, or null with a 'not judged' note and no verdict (got: $gl)" \
	'[ "$gl" = "$tmem_max 3 1 0" ] || [ "$gl" = "null 0 0 1" ]'
tw_max=$(inns cat /proc/sys/net/ipv4/tcp_max_tw_buckets)
check "limits: tcp_timewait limit = this namespace's tcp_max_tw_buckets ($tw_max)" \
	'[ "$(jq -r ".limits[3].limit" "$TMP/clean.json")" = "$tw_max" ]'
# file-nr read beside: allocated - free, within what others open meanwhile
read -r alloc free _ </proc/sys/fs/file-nr
fd_nt=$(jq '.limits[4].used' "$TMP/clean.json")
fmax=$(cat /proc/sys/fs/file-max)
diff=$(( fd_nt - (alloc - free) ))
check "files: used $fd_nt vs file-nr $((alloc - free)) read beside (|diff| $diff <= 500), limit = file-max" \
	'[ "${diff#-}" -le 500 ] && [ "$(jq ".limits[4].limit" "$TMP/clean.json")" = "$fmax" ]'
check "sockstat: TCP tw and UDP inuse labelled netns, TCP mem global" \
	'[ "$(jq -r "[.sockstat[] | select((.proto == \"TCP\" and (.field == \"tw\" or .field == \"mem\")) or (.proto == \"UDP\" and .field == \"inuse\")) | .scope] | join(\",\")" "$TMP/clean.json")" = "netns,global,netns" ]'

# ---- 2. UDP receive-buffer drops ----
"$NT" -N "$NS" -j stack >"$TMP/before.json" 2>/dev/null # the baseline
nst_before=$(inns nstat -az UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { print $2 }')
ip netns exec "$NS" "$HELPER" sink 9109 2048 >"$TMP/sink.out" 2>"$TMP/sink.err" & # not inns(): $! must be the helper
SINK=$!
for _ in $(seq 100); do grep -q ready "$TMP/sink.out" 2>/dev/null && break; sleep 0.05; done
inns "$HELPER" flood 9109 300 500 >"$TMP/flood.out" 2>&1
nst_after=$(inns nstat -az UdpRcvbufErrors | awk '$1 == "UdpRcvbufErrors" { print $2 }')
"$NT" -N "$NS" -j stack >"$TMP/after.json" 2>"$TMP/after.err"
rc=$?
"$NT" -N "$NS" stack >"$TMP/after.txt" 2>&1 # the table too (a rise again of 0: OK)
rb_before=$(jq '.udp[] | select(.proto == "Udp") | .rcvbuf_errors' "$TMP/before.json")
rb_after=$(jq '.udp[] | select(.proto == "Udp") | .rcvbuf_errors' "$TMP/after.json")
rise=$(( rb_after - rb_before ))
nrise=$(( nst_after - nst_before ))
check "flood: $(cat "$TMP/flood.out"); RcvbufErrors rise $rise = nstat -az UdpRcvbufErrors rise $nrise (>= 200)" \
	'[ "$rise" -eq "$nrise" ] && [ "$rise" -ge 200 ]'
check "flood: total RcvbufErrors $rb_after = nstat's $nst_after" '[ "$rb_after" -eq "$nst_after" ]'
lvl=$(jq -r '.verdicts[] | select(.check == "stack.udp" and .subject == "Udp") | .level' "$TMP/after.json")
check "flood: stack.udp Udp is warn (got $lvl), exit 1 (got $rc)" '[ "$lvl" = warn ] && [ "$rc" -eq 1 ]'
check "flood: the WARN has the SO_RCVBUF hint and says since the previous run" \
	'jq -e ".verdicts[] | select(.check == \"stack.udp\" and .subject == \"Udp\") | (.hint | test(\"SO_RCVBUF\")) and (.reason | test(\"since the previous run\"))" "$TMP/after.json" >/dev/null'
# over -i: the second sample sees the next flood's rise in its deltas
( sleep 0.3; inns "$HELPER" flood 9109 50 500 >/dev/null 2>&1 ) &
FL=$!
"$NT" -N "$NS" -j -i 0.8 -c 2 stack >"$TMP/int.jsonl" 2>/dev/null
rc=$?
wait "$FL"
d=$(tail -1 "$TMP/int.jsonl" | jq '.udp[] | select(.proto == "Udp") | .deltas.rcvbuf_errors')
check "-i 0.8 -c 2: the second sample's delta is the 50 datagrams dropped (got $d), exit 1 (got $rc)" \
	'[ "$d" = 50 ] && [ "$rc" -eq 1 ]'
kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null; SINK=

# ---- 3. errors, sweeps, formats ----
"$NT" -N "nt-no-such-$$" stack >"$TMP/miss.out" 2>"$TMP/miss.err"
rc=$?
check "-N missing namespace: exit 3 (got $rc) with one line ($(head -1 "$TMP/miss.err"))" \
	'[ "$rc" -eq 3 ] && [ "$(wc -l <"$TMP/miss.err")" -eq 1 ] && [ ! -s "$TMP/miss.out" ]'
"$NT" stack --warn-fd 95 --crit-fd 90 >/dev/null 2>"$TMP/usage.err"
rc=$?
check "--warn-fd above --crit-fd: exit 64 (got $rc)" '[ "$rc" -eq 64 ]'
"$NT" --all-netns -j stack >"$TMP/all.jsonl" 2>"$TMP/all.err"
rc=$?
n=$(jq -r --arg n "$NS" 'select(.netns == $n) | .command' "$TMP/all.jsonl" | wc -l)
check "--all-netns: one document for $NS (got $n, exit $rc)" '[ "$n" -eq 1 ] && [ "$rc" -le 2 ]'
check "--all-netns: $NS's global figures shown, not judged (no stack.fd/backlog there)" \
	'[ "$(jq -r --arg n "$NS" "select(.netns == \$n) | .judge_global, ([.verdicts[] | select(.check == \"stack.fd\" or .check == \"stack.backlog\")] | length)" "$TMP/all.jsonl" | tr "\n" " ")" = "false 0 " ]'
check "--all-netns: the starting namespace judges them once" \
	'[ "$(jq -r "select(.judge_global) | .netns" "$TMP/all.jsonl" | wc -l)" -eq 1 ]'
"$NT" --all-netns stack >"$TMP/all.txt" 2>/dev/null
check "--all-netns table: a header for $NS" 'grep -q "^netns $NS " "$TMP/all.txt"'
"$NT" -N "$NS" stack -a >"$TMP/a.txt" 2>/dev/null
check "-a: the sockstat section and every CPU" \
	'grep -q "^sockstat:" "$TMP/a.txt" && grep -q "$cpus of $cpus CPUs" "$TMP/a.txt"'
for how in with-N inside; do
	if [ $how = with-N ]; then "$NT" -N "$NS" --prom stack >"$TMP/p.prom" 2>/dev/null
	else inns "$NT" --prom stack >"$TMP/p.prom" 2>/dev/null; fi
	if promtool check metrics <"$TMP/p.prom" >"$TMP/pt" 2>&1 && [ -s "$TMP/p.prom" ]; then
		ok "--prom ($how): promtool check metrics clean ($(grep -c '^# TYPE' "$TMP/p.prom") families)"
	else
		nok "--prom ($how): promtool: $(head -3 "$TMP/pt")"
	fi
	cp "$TMP/p.prom" "$TMP/p-$how.prom"
done
check "--prom: RcvbufErrors counter nettriage_stack_udp_rcvbuf_errors_total{netns,proto=\"Udp\"} = $((rb_after + 50))" \
	'grep -q "^nettriage_stack_udp_rcvbuf_errors_total{netns=\"$NS\",proto=\"Udp\"} $((rb_after + 50))$" "$TMP/p-with-N.prom" &&
	 grep -q "^nettriage_stack_udp_rcvbuf_errors_total{proto=\"Udp\"} $((rb_after + 50))$" "$TMP/p-inside.prom"'
"$NT" --all-netns --prom stack >"$TMP/allp.prom" 2>/dev/null
check "--all-netns --prom: promtool clean" 'promtool check metrics <"$TMP/allp.prom" >/dev/null 2>&1'
if [ -z "$PY" ]; then
	nok "python3-jsonschema missing (apt-get install -y python3-jsonschema)"
else
	cat "$TMP/clean.json" "$TMP/after.json" "$TMP/int.jsonl" "$TMP/all.jsonl" >"$TMP/docs.jsonl"
	"$PY" tests/schema_validate.py schema docs "$TMP/docs.jsonl" >"$TMP/valid.out"
	n=$(wc -l <"$TMP/docs.jsonl")
	good=$(grep -c "^ok - .*valid against nettriage-stack.schema.json" "$TMP/valid.out")
	check "-j: $good of $n documents valid against nettriage-stack.schema.json" '[ "$good" -eq "$n" ] && [ "$n" -ge 5 ]'
	jq -c '.softnet[0].dropped = -1' "$TMP/clean.json" >"$TMP/neg.jsonl"
	check "-j: a doctored document (negative dropped) is rejected" \
		'"$PY" tests/schema_validate.py schema --expect-invalid neg "$TMP/neg.jsonl" >/dev/null'
fi
exit 0
