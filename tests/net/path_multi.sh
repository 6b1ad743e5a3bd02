#!/bin/bash
# path with several targets on host -> r1 -> r2 -> r3 -> target, r3
# black-holing 203.0.113.128/25: three targets, one unreachable (three
# sections, the right verdict for each, exit 2, the other targets' replies
# not counted foreign, the JSON document of
# several targets against its schema, CSV with one header, one Prometheus
# exposition with each family once, also for triage HOST HOST); the
# global --rate cap counted by an nft counter in r1 (--rate 200 for 2 s:
# about 400 probes, and sent + held = every probe the cycles asked for; a
# cap below the demand still reaches every target); --log (one line per
# probe outcome, lines equal the probes sent, held lines equal the held
# count, created by root before the drop to nobody, written per cycle so a
# SIGTERM loses nothing, appended); bad input (--rate 0, an unwritable
# --log, a name that does not resolve among others); one target keeps its
# document.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - path multi-target tests # SKIP need root for network namespaces"
	exit 0
fi
for t in jq nft promtool; do
	if ! command -v $t >/dev/null; then
		echo "not ok - $t missing (scripts/packages.txt)"
		exit 1
	fi
done
# Debian's python3 (a pyenv one earlier in PATH lacks jsonschema)
PY=/usr/bin/python3
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	echo "not ok - python3-jsonschema missing (scripts/packages.txt)"
	exit 1
fi
. tests/net/path-lib.inc
# shellcheck source=unpriv.inc
. tests/net/unpriv.inc
trap 'topo_cleanup; unpriv_cleanup' EXIT
T=$TOPO_TMP
inh() { ip netns exec "$H" "$@"; }
topo_start
# r2 routes 203.0.113.128/25 to r3, which drops it silently (r2 alone
# would answer "net unreachable", rate-limited by its own per-peer limit)
ip -n "$R2" route add 203.0.113.128/25 via 198.51.100.6
ip -n "$R3" route add blackhole 203.0.113.128/25
UNR=203.0.113.200
MID=198.51.100.6

# ---- three targets, one unreachable ----
inh "$NT" path -n --report -c 5 -i 0.1 $DST4 $MID $UNR >$T/three.txt 2>$T/three.err
rc=$?
assert "three targets, one unreachable: exit 2 (rc $rc)" test "$rc" -eq 2
assert "three sections, in the order given" \
	test "$(grep '^nettriage path to ' $T/three.txt | awk '{print $4}' | tr '\n' ' ')" = "$DST4 $MID $UNR "
assert "three verdict summaries: OK, OK, CRIT" \
	test "$(grep '^path: ' $T/three.txt | awk '{print $2}' | tr '\n' ' ')" = "OK OK CRIT "
assert "the unreachable one: CRIT path.reach $UNR" grep -q "^CRIT *path.reach $UNR: destination not reached" $T/three.txt
assert "the reachable ones end at their destination (4 and 3 hops)" \
	test "$(awk '/^nettriage path to /{s++} /\|--/{n[s]++} END {print n[1], n[2]}' $T/three.txt)" = "4 3"
assert "a histogram under each reached target, none under the unreachable one" \
	test "$(awk '/^nettriage path to /{s++} /^RTT histogram/{h[s]++} END {print h[1]+0, h[2]+0, h[3]+0}' $T/three.txt)" = "1 1 0"

inh "$NT" -j path -n -c 5 -i 0.1 --log $T/three.ndjson $DST4 $MID $UNR >$T/three.json 2>$T/three.jerr
rc=$?
assert "-j, three targets: exit 2 (rc $rc)" test "$rc" -eq 2
assert "-j: targets[] of 3 documents, statuses ok ok crit, status crit" \
	test "$(jq -r '[.targets[].status] + [.status] | join(" ")' $T/three.json)" = "ok ok crit crit"
assert "-j: each target's host and reached" \
	test "$(jq -r '[.targets[] | "\(.target.host)=\(.reached)"] | join(" ")' $T/three.json)" = "$DST4=true $MID=true $UNR=false"
assert "-j: top-level verdicts are every target's verdicts" \
	test "$(jq '[.targets[].verdicts[]] == .verdicts' $T/three.json)" = true
assert "-j: histogram of a reached target counts its destination replies" \
	test "$(jq '[.targets[0].histogram[].count] | add' $T/three.json)" = \
	"$(jq '.targets[0].hops[-1].responders[0].received' $T/three.json)"
assert "-j: raw sockets read each other's replies: counted in other_targets, none foreign" \
	test "$(jq '([.targets[].foreign] | add) == 0 and ([.targets[].other_targets] | add) > 0' $T/three.json)" = true
assert "-j: the unreachable target's histogram is null" test "$(jq '.targets[2].histogram' $T/three.json)" = null
"$PY" tests/schema_validate.py schema "multi-target document" $T/three.json
inh "$NT" -j path -n -c 3 -i 0.1 $DST4 >$T/one.json 2>/dev/null
assert "one target: the one-target document (no targets key, a histogram)" \
	test "$(jq -r '(has("targets")|tostring) + " " + (.histogram|type)' $T/one.json)" = "false array"
"$PY" tests/schema_validate.py schema "one-target document with histogram" $T/one.json
# the multi schema can fail: a doctored document is rejected
jq -c '.targets[0].hops = 1' $T/three.json >$T/bad.json
"$PY" tests/schema_validate.py schema --expect-invalid "doctored multi-target document" $T/bad.json

# --log of that run: one line per probe outcome
assert "--log: every line is a JSON object" test "$(jq -c 'type' $T/three.ndjson | sort -u)" = '"object"'
# the hops of the document end at the destination; the log has every
# probe, also those of the first cycle beyond it (sent before its TTL
# was known)
for k in 0 1; do
	tg=$(jq -r ".targets[$k].target.host" $T/three.json)
	dt=$(jq ".targets[$k].destination_ttl" $T/three.json)
	sent=$(jq "[.targets[$k].hops[].responders[0].sent] | add" $T/three.json)
	fin=$(jq -r "select(.target == \"$tg\" and .ttl <= $dt and (.outcome == \"reply\" or .outcome == \"lost\")) | 1" $T/three.ndjson | wc -l)
	assert "--log: $tg: reply + lost lines up to its TTL $dt = probes sent ($fin = $sent)" test "$fin" -eq "$sent"
done
assert "--log: 5 cycles of the unreachable target: a line for each of its 5 x 30 probes" \
	test "$(jq -r "select(.target == \"$UNR\") | 1" $T/three.ndjson | wc -l)" -eq 150
assert "--log: reply lines carry responder and rtt_ms" \
	test "$(jq -r 'select(.outcome == "reply") | select((.responder | type) != "string" or (.rtt_ms | type) != "number") | 1' $T/three.ndjson | wc -l)" -eq 0
assert "--log: the unreachable target's TTLs beyond r3 are lost" \
	test "$(jq -r "select(.target == \"$UNR\" and .ttl == 4) | .outcome" $T/three.ndjson | sort -u)" = lost
assert "--log: created by root before the drop to nobody (owner 0, mode 640)" \
	test "$(stat -c '%u %a' $T/three.ndjson)" = "0 640"
# a --log that cannot be written (/dev/full: ENOSPC) does not void the
# measurement: both targets are judged, the exit status is theirs, and one
# line per target names the file and the error
inh "$NT" -j path -n -c 2 -i 0.1 --log /dev/full $DST4 $MID >$T/full.json 2>$T/full.err
rc=$?
assert "--log /dev/full: exit 0 (rc $rc), both targets measured and reached" \
	test "$rc:$(jq -r '[.targets[].reached] | join(" ")' $T/full.json)" = "0:true true"
assert "--log /dev/full: one error line per target naming the file and ENOSPC ($(head -c 200 $T/full.err))" \
	test "$(grep -c '^nettriage: path: --log /dev/full: .*: No space left on device; [1-9][0-9]* of its lines not written (the measurement stands)$' $T/full.err)" -eq 2

# ---- CSV, several targets: one header, every target's rows ----
inh "$NT" path -n --csv -c 2 -i 0.1 $DST4 $MID >$T/two.csv 2>/dev/null
assert "--csv, two targets: one header line" test "$(grep -c '^target,ttl,' $T/two.csv)" -eq 1
assert "--csv, two targets: 4 + 3 rows, in order" \
	test "$(tail -n +2 $T/two.csv | cut -d, -f1 | uniq -c | awk '{printf "%s:%s ", $2, $1}')" = "$DST4:4 $MID:3 "

# ---- Prometheus, several targets: each family once ----
inh "$NT" --prom path -n -c 3 -i 0.1 $DST4 $MID $UNR >$T/three.prom 2>/dev/null
assert "--prom, three targets: promtool check metrics" sh -c "promtool check metrics <$T/three.prom"
assert "--prom: one TYPE line per family" \
	test "$(grep -c '^# TYPE nettriage_path_destination_rtt_seconds histogram' $T/three.prom)" -eq 1
assert "--prom: a histogram per reached target" \
	test "$(grep -c '^nettriage_path_destination_rtt_seconds_count{' $T/three.prom)" -eq 2
assert "--prom: +Inf bucket = _count ($DST4)" \
	test "$(awk -v t="target=\"$DST4\"" 'index($0, "_bucket{" t ",le=\"+Inf\"}") {print $2}' $T/three.prom)" = \
	"$(awk -v t="target=\"$DST4\"" 'index($0, "_count{" t "}") && /destination_rtt/ {print $2}' $T/three.prom)"

# --prom-file as root (the prober is a child that drops to nobody; the
# parent writes the file) with two targets and --log
inh "$NT" --prom-file $T/pf.prom path -n --report -c 2 -i 0.1 --log $T/pf.ndjson $DST4 $MID >/dev/null 2>&1
rc=$?
assert "--prom-file, two targets, as root: exit 0 (rc $rc), promtool clean" \
	sh -c "test $rc -eq 0 && promtool check metrics <$T/pf.prom"
assert "--prom-file: both targets' histograms" \
	test "$(grep -c '^nettriage_path_destination_rtt_seconds_count{' $T/pf.prom)" -eq 2
assert "--prom-file: the --log lines of the child (2 cycles: 30 + 30 + 4 + 3)" \
	test "$(wc -l <$T/pf.ndjson)" -eq 67

# triage HOST HOST: the path families once each (they were twice)
inh "$NT" --prom triage -c 3 -i 0.1 $DST4 $MID >$T/triage.prom 2>/dev/null
assert "triage --prom, two targets: promtool check metrics" sh -c "promtool check metrics <$T/triage.prom"
assert "triage --prom: a destination histogram per target" \
	test "$(grep -c '^nettriage_path_destination_rtt_seconds_count{' $T/triage.prom)" -eq 2
# as root each target's raw socket sees the other's replies: one group, as
# path A B, so they count as other_targets, none foreign
inh "$NT" -j triage -c 5 -i 0.1 $DST4 $MID >$T/triage.json 2>/dev/null
assert "triage -j, two targets as root: foreign $(jq -c '[.layers.path[].foreign]' $T/triage.json), other_targets $(jq -c '[.layers.path[].other_targets]' $T/triage.json)" \
	test "$(jq '([.layers.path[].foreign] | add) == 0 and ([.layers.path[].other_targets] | add) > 0' $T/triage.json)" = true

# unprivileged ICMP without ping_group_range: every target falls back to
# UDP and each says so (the note named one target only)
unpriv_setup 2>$T/unpriv.err || nok "copy nettriage where uid 65534 can run it: $(head -1 $T/unpriv.err)"
inh sysctl -qw net.ipv4.ping_group_range="1 0"
unpriv "$H" "$UNPRIV_NT" -j path -n -c 2 -i 0.1 $DST4 $MID >$T/fb.json 2>$T/fb.err
assert "unprivileged, no ping_group_range, two targets: a UDP fallback note per target ($(grep -c 'probing with UDP' $T/fb.err))" \
	test "$(grep -c 'probing with UDP' $T/fb.err)" -eq 2 -a -n "$(grep -F "$DST4: ICMP echo" $T/fb.err)" \
	-a -n "$(grep -F "$MID: ICMP echo" $T/fb.err)"
assert "  both run UDP: fallback udp in each section" \
	test "$(jq -r '[.targets[].fallback] | join(" ")' $T/fb.json)" = "udp udp"
# --report with stderr a terminal (script(1) gives one): "cycle N/M" as
# with one target
inh script -qec "$NT path -n --report -c 3 -i 0.1 $DST4 $MID 2>&1 >/dev/null" /dev/null >$T/prog.out 2>&1
assert "--report, two targets, stderr a terminal: progress cycle N/3 shown" \
	grep -q 'path: cycle [0-9]/3' $T/prog.out

# ---- the global rate cap, counted in r1 ----
ip netns exec "$R1" nft -f - <<NFT
table ip ntrate {
	chain pre {
		type filter hook prerouting priority 0;
		ip saddr 192.0.2.1 icmp type echo-request counter
	}
}
NFT
# two unreachable targets ask for 2 x 30 probes per cycle, 10 cycles/s:
# 600 pps against --rate 200; 20 cycles span 1.9 s: 20 (the burst) +
# 200 x 1.9 = 400
inh "$NT" -j path -n --no-pace -c 20 -i 0.1 --timeout 0.5 --rate 200 --log $T/rate.ndjson \
	203.0.113.201 203.0.113.202 >$T/rate.json 2>$T/rate.err
rc=$?
cnt=$(ip netns exec "$R1" nft -j list ruleset | jq '[.nftables[].rule? // empty | .expr[] | .counter? // empty | .packets] | add')
rheld=$(jq '[.targets[].rate_held] | add' $T/rate.json)
echo "# --rate 200, 2 s: r1 counted $cnt echo requests; nettriage held $rheld"
assert "--rate 200 for 2 s: 400 +- 20 % probes on the wire ($cnt)" test "$cnt" -ge 320 -a "$cnt" -le 480
rfin=$(jq -r 'select(.outcome == "reply" or .outcome == "lost") | 1' $T/rate.ndjson | wc -l)
assert "--rate: the wire count is the probes logged as answered or lost ($cnt = $rfin)" test "$cnt" -eq "$rfin"
assert "--rate: sent + held = every probe asked for, 2 x 20 x 30 ($rfin + $rheld)" \
	test $((rfin + rheld)) -eq 1200
assert "--rate: exit 2 (both unreachable, rc $rc)" test "$rc" -eq 2
assert "--rate: rate_pps 200 in each target" test "$(jq -r '[.targets[].rate_pps] | unique | join(" ")' $T/rate.json)" = 200
assert "--log: held lines = the held count ($rheld)" \
	test "$(jq -r 'select(.outcome == "held" and .held_by == "rate") | 1' $T/rate.ndjson | wc -l)" -eq "$rheld"
# a cap below what the cycles ask for still reaches every destination:
# the highest TTL goes first, the other hops take turns
inh "$NT" -j path -n -c 5 -i 0.1 --rate 100 $DST4 $MID $DST6 >$T/low.json 2>/dev/null
rc=$?
assert "--rate 100 for three targets (held $(jq '[.targets[].rate_held] | add' $T/low.json)): exit 0, each reached (rc $rc)" \
	test "$rc:$(jq -r '[.targets[].reached] | join(" ")' $T/low.json)" = "0:true true true"
assert "--rate 100: probes were held, every hop still answered" \
	test "$(jq '([.targets[].rate_held] | add) > 0 and ([.targets[].hops[] | select((.responders | length) == 0)] | length) == 0' $T/low.json)" = true
inh "$NT" path -n --report --no-pace -c 3 -i 0.1 --timeout 0.5 --rate 50 203.0.113.201 >$T/rate.txt 2>&1
assert "--report: the held probes are said" grep -q "held back by --rate (the packet-rate cap of the run: not sent, not lost)" $T/rate.txt

# ---- SIGTERM with --log: the cycles done are in the file ----
inh timeout -s TERM 1.5 "$NT" path -n --report -c 100 -i 0.1 --log $T/kill.ndjson $DST4 $MID >/dev/null 2>&1
rc=$?
kl=$(wc -l <$T/kill.ndjson)
assert "SIGTERM after 1.5 s: stopped (rc $rc), $kl lines logged (>= 10 cycles x 7 TTLs)" test "$kl" -ge 70
assert "SIGTERM: every line whole" test "$(jq -c 'type' $T/kill.ndjson | sort -u)" = '"object"'
# appending: a second run adds, keeps the first
before=$(wc -l <$T/kill.ndjson)
inh "$NT" path -n --report -c 1 -m 4 --log $T/kill.ndjson $DST4 >/dev/null 2>&1
assert "--log appends (O_APPEND): $before lines + 4" test "$(wc -l <$T/kill.ndjson)" -eq $((before + 4))

# ---- bad input ----
inh "$NT" path --rate 0 $DST4 >/dev/null 2>$T/e1
rc=$?
assert "--rate 0: usage error 64 (rc $rc)" test "$rc" -eq 64
assert "--rate 0: says why" grep -q -- "--rate: not a number from 1 to" $T/e1
inh "$NT" path --log /nonexistent.$SUF/x.ndjson $DST4 >/dev/null 2>$T/e2
rc=$?
assert "--log in a missing directory: usage error 64 (rc $rc)" test "$rc" -eq 64
assert "--log: names the path and the errno" grep -q "log /nonexistent.$SUF/x.ndjson: No such file or directory" $T/e2
inh "$NT" path --log "$T" $DST4 >/dev/null 2>$T/e3
rc=$?
assert "--log on a directory: usage error 64 (rc $rc)" test "$rc" -eq 64
assert "--log on a directory: Is a directory" grep -q "Is a directory" $T/e3
inh "$NT" path -n --report -c 1 $DST4 nosuch.invalid >$T/e4.txt 2>&1
rc=$?
assert "a target that does not resolve: UNKNOWN for it, the other measured (rc $rc = 3)" test "$rc" -eq 3
assert "... its section says why" grep -q "^nettriage path to nosuch.invalid: " $T/e4.txt
inh "$NT" -j path -n -c 1 $DST4 nosuch.invalid >$T/e4.json 2>/dev/null
"$PY" tests/schema_validate.py schema "multi-target document with an unmeasured target" $T/e4.json
exit 0
