#!/bin/bash
# The JSON schemas (schema/*.schema.json) against real documents: every
# built command (link, stack, conntrack, tcp, path, capture) in every mode that changes the
# document's shape, run inside the 5-namespace testbed of path-lib.inc
# (host -> r1 -> r2 -> r3 -> target): first run and with history, -i 0.1
# -c 2 (JSON Lines, deltas in the second sample), link's and conntrack's
# /proc fallbacks, conntrack --by every key and -e, tcp --top/--procs/
# --state and unreadable counters, path ICMP/UDP, IPv4/IPv6, unprivileged
# sockets, unreached and black-holed targets, WARN/CRIT/UNKNOWN verdicts.
# Every line is validated with tests/schema_validate.py (Debian's
# python3-jsonschema, draft 2020-12, refs resolved from schema/ only), and
# doctored documents must be rejected, so the test can fail.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
NT_BUILD=${NT_BUILD:-$PWD/build}
SCHEMAS=$PWD/schema
VALIDATE=$PWD/tests/schema_validate.py

# Debian's python3 first: a pyenv python3 earlier in PATH lacks jsonschema.
PY=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import jsonschema' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	if [ "${CI:-}" = true ]; then
		echo "not ok - python3-jsonschema missing (apt-get install -y python3-jsonschema)"
		exit 1
	fi
	echo "ok - JSON schemas # SKIP python3-jsonschema missing (apt-get install -y python3-jsonschema)"
	exit 0
fi

# The schemas themselves: valid draft 2020-12, every object closed.
"$PY" "$VALIDATE" "$SCHEMAS" --lint

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - JSON schemas against real documents # SKIP need root for network namespaces"
	exit 0
fi
for t in jq setpriv conntrack iptables; do
	if ! command -v $t >/dev/null; then
		echo "not ok - $t missing (scripts/packages.txt)"
		exit 1
	fi
done
. tests/net/path-lib.inc
T=$TOPO_TMP
OUT=$T/docs
mkdir -p "$OUT"
topo_start
inh() { ip netns exec "$H" "$@"; }
# Unprivileged runs: the binary copied where uid 65534 can reach it, a
# state directory it owns.
chmod 711 "$T"
mkdir -m 755 "$T/bin" && cp "$NT" "$T/bin/nettriage"
mkdir "$T/nobody" && chown 65534:65534 "$T/nobody"
unpriv() {
	NETTRIAGE_STATE_DIR=$T/nobody ip netns exec "$H" setpriv --reuid=65534 \
		--regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		--no-new-privs "$@"
}
UNT=$T/bin/nettriage

# gen NAME EXITS JQ CMD...: run CMD (stdout to $OUT/NAME.jsonl); the exit
# status must be one of EXITS and JQ true on the last line, so each mode
# really is the one its name says.
gen() {
	local name=$1 exits=$2 want=$3 rc; shift 3
	"$@" >"$OUT/$name.jsonl" 2>"$T/$name.err"
	rc=$?
	if [[ " $exits " != *" $rc "* ]]; then
		nok "$name: exit $rc, want $exits: $(head -2 "$T/$name.err")"
	elif ! tail -1 "$OUT/$name.jsonl" | jq -e "$want" >/dev/null 2>&1; then
		nok "$name: mode check failed: $want"
	else
		ok "$name: produced ($(wc -l <"$OUT/$name.jsonl") documents, exit $rc, $want)"
	fi
}
fresh() { # a new, empty history directory: the next run is a first run
	export NETTRIAGE_STATE_DIR=$T/state-$1
	mkdir -p "$NETTRIAGE_STATE_DIR"
}

# ---- link ----
fresh link
gen link-boot 0 '.baseline.kind == "boot" and .source == "netlink" and (.interfaces[0] | has("rates") | not)' \
	"$NT" -N "$H" -j link
# frames without a protocol handler into the host's veth: link.drops WARN
ip netns exec "$R1" "$NT_BUILD/tests/rawsend" "v1b$SUF" 5 >/dev/null
# an interface re-created between runs: counters_reset, no rates
ip -n "$H" link add vx$SUF type veth peer name vy$SUF
gen link-history-warn "1 2" '.baseline.kind == "history" and .status != "ok" and (.interfaces[0] | has("rates") and (has("deltas") | not))' \
	"$NT" -N "$H" -j link
ip -n "$H" link del vx$SUF
ip -n "$H" link add vx$SUF type veth peer name vy$SUF
gen link-reset "0 1 2" '[.interfaces[] | select(.counters_reset)] | length >= 1' inh "$NT" -j link
gen link-interval "0 1" '.sample == 1 and .baseline.kind == "interval" and (.interfaces[0].deltas | length == 28)' \
	"$NT" -N "$H" -j -i 0.1 -c 2 link lo
fresh link-i
gen link-interval-first "0 1 2" '.sample == 1' "$NT" -N "$H" -j -i 0.1 -c 2 link
export NETTRIAGE_LINK_SOURCE=proc
gen link-proc-boot "0 1 2" '.source == "proc" and .baseline.kind == "boot" and .interfaces[0].ifindex == null' \
	"$NT" -N "$H" -j link
gen link-proc-history "0 1 2" '.source == "proc" and .baseline.kind == "history"' "$NT" -N "$H" -j link
gen link-proc-interval "0 1 2" '.source == "proc" and .sample == 1 and .baseline.kind == "interval"' \
	"$NT" -N "$H" -j -i 0.1 -c 2 link
unset NETTRIAGE_LINK_SOURCE
gen link-unpriv "0 1 2" '.netns == null and .source == "netlink"' unpriv "$UNT" -j link

# ---- conntrack ----
awk 'BEGIN {
	for (i = 0; i < 6; i++)
		printf "-I -s 192.0.2.%d -d 198.51.100.9 -p tcp --sport %d --dport 443 --state ESTABLISHED -u ASSURED -t 3600 --mark %d\n", 1 + i % 3, 1024 + i, i % 2
	for (i = 0; i < 4; i++)
		printf "-I -s 203.0.113.%d -d 198.51.100.10 -p tcp --sport %d --dport 80 --state SYN_SENT -t 3600\n", 1 + i, 2000 + i
	for (i = 0; i < 3; i++)
		printf "-I -s 198.51.100.%d -d 203.0.113.200 -p udp --sport %d --dport 53 -t 3600 --zone 7\n", 101 + i, 3000 + i
}' >"$T/ct-mix"
if inh conntrack -R "$T/ct-mix" >/dev/null 2>"$T/ct-mix.err"; then
	ok "conntrack -R: 13 entries in the host namespace"
else
	nok "conntrack -R: $(head -1 "$T/ct-mix.err")"
fi
fresh ct
gen ct-boot 0 '.baseline.kind == "boot" and .source == "ctnetlink" and .breakdown == null and (has("rates") | not)' \
	"$NT" -N "$H" -j conntrack
gen ct-history 0 '.baseline.kind == "history" and has("deltas")' "$NT" -N "$H" -j conntrack
gen ct-interval 0 '.sample == 1 and .baseline.kind == "interval"' "$NT" -N "$H" -j -i 0.1 -c 2 conntrack
for by in proto state src dst dport zone mark status; do
	gen ct-by-$by 0 ".breakdown.key == \"$by\" and (.breakdown.top | length >= 1)" \
		"$NT" -N "$H" -j conntrack --by $by --top 2
done
gen ct-effective 0 '.breakdown.key == "none" and .assured == 6' "$NT" -N "$H" -j conntrack -e
gen ct-filtered 0 '.breakdown.key == "state"' \
	"$NT" -N "$H" -j conntrack --by state --family inet --status unreplied --mark 0/0 --zone 0
gen ct-warn 1 '.status == "warn"' inh "$NT" -j conntrack --warn 0 --crit 100
gen ct-proc 0 '.source == "proc"' env NETTRIAGE_CT_SOURCE=proc "$NT" -N "$H" -j conntrack
# an older kernel: this one's /proc files without the clashres column
fake=$T/ct-proc
mkdir -p "$fake/sys/net/netfilter" "$fake/net/stat"
cp /proc/sys/net/netfilter/nf_conntrack_{count,max,buckets} "$fake/sys/net/netfilter/"
awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "clashres") c = i }
	{ s = ""; for (i = 1; i <= NF; i++) if (i != c) s = s (s == "" ? "" : " ") $i; print s }' \
	/proc/net/stat/nf_conntrack >"$fake/net/stat/nf_conntrack"
gen ct-proc-old-kernel 0 '.stats.clash_resolve == null and (.per_cpu[0].extra | length) > 0' \
	env NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC="$fake" "$NT" -j conntrack
# a CPU row gone since ct-proc's baseline (same namespace, same source):
# the counters are not comparable, a reset with its reason
fake2=$T/ct-proc-cpus
mkdir -p "$fake2/sys/net/netfilter" "$fake2/net/stat"
cp /proc/sys/net/netfilter/nf_conntrack_{count,max,buckets} "$fake2/sys/net/netfilter/"
awk 'NR != 2' /proc/net/stat/nf_conntrack >"$fake2/net/stat/nf_conntrack"
gen ct-reset 0 '.counters_reset == true and (.counters_reset_reason | type == "string") and .rates.drop == null' \
	env NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC="$fake2" "$NT" -N "$H" -j conntrack
# more distinct sources (7) than counters (2): approximate counts with bounds
gen ct-by-approx 0 '.breakdown.exact == false and .breakdown.count_error_max >= 1 and (.breakdown.top[0] | .count_error_max >= 0)' \
	"$NT" -N "$H" -j conntrack --by src --counters 2 --top 2
gen ct-unpriv-by 3 '.source == "proc" and .breakdown == null and .status == "unknown"' \
	unpriv "$UNT" -j conntrack --by state

# ---- tcp ----
# not through inh(): a backgrounded function is a subshell, and killing it
# would leave tcp_helper (and the namespace it pins) behind
ip netns exec "$H" "$NT_BUILD/tests/tcp_helper" fill 127.0.0.1 7000 3 2 4 2 >"$T/fill.out" 2>"$T/fill.err" &
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/fill.out" 2>/dev/null && break; sleep 0.1; done
if grep -q ready "$T/fill.out"; then
	ok "tcp_helper: established, TIME-WAIT, CLOSE-WAIT sockets and a full accept queue"
else
	nok "tcp_helper fill: $(head -2 "$T/fill.err")"
fi
fresh tcp
gen tcp-boot 1 '.baseline.kind == "boot" and .rates.tcp == null and .top_sockets == null and (has("close_wait_procs") | not)' \
	"$NT" -N "$H" -j tcp
gen tcp-history 1 '.baseline.kind == "history" and (.rates.tcpext | type) == "object"' "$NT" -N "$H" -j tcp
gen tcp-interval 1 '.sample == 1 and .baseline.kind == "interval"' "$NT" -N "$H" -j -i 0.1 -c 2 tcp
gen tcp-procs 1 '.close_wait_procs[0].process == "tcp_helper" and .listen_queues[0].pid != null' \
	"$NT" -N "$H" -j tcp --procs
gen tcp-top 1 '(.top_sockets | length) == 3' "$NT" -N "$H" -j tcp --top 3
gen tcp-top-none 1 '.top_sockets == []' "$NT" -N "$H" -j tcp --top 3 --dport 1
gen tcp-states 1 '.states.time_wait == null and .states.established != null' \
	inh "$NT" -j tcp --state established,listen,close-wait
gen tcp-crit 2 '.status == "crit"' "$NT" -N "$H" -j tcp --warn-close-wait 1 --crit-close-wait 2
mkdir -p "$T/noproc"
gen tcp-no-counters 3 '.counters.tcp == null and .status == "unknown"' \
	env NETTRIAGE_PROC="$T/noproc" "$NT" -N "$H" -j tcp
gen tcp-unpriv-procs "1 2" '(.procs_unreadable | length) >= 1 and .close_wait_procs[0].pid == 0' \
	unpriv "$UNT" -j tcp --procs
# client-side CLOSE-WAIT: grouped by the peer service (side peer, addr)
ip netns exec "$H" "$NT_BUILD/tests/tcp_helper" cwclient 127.0.0.1 7200 3 >"$T/cwc.out" 2>"$T/cwc.err" & # not inh(): see above
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/cwc.out" 2>/dev/null && break; sleep 0.1; done
gen tcp-cw-peer 1 '[.close_wait_top[] | select(.side == "peer" and .addr == "127.0.0.1" and .port == 7200)] | length == 1' \
	"$NT" -N "$H" -j tcp

# ---- stack ----
fresh stack
gen stack-boot 0 '.baseline.kind == "boot" and (.softnet[0] | has("rates") | not) and .judge_global' \
	"$NT" -N "$H" -j stack
gen stack-history "0 1" '.baseline.kind == "history" and (.udp[0] | has("rates")) and (.qdiscs | length) >= 1 and (.qdiscs[0] | has("drop_pct")) and (.neigh_tables | length) >= 1' \
	"$NT" -N "$H" -j stack
gen stack-interval "0 1" '.sample == 1 and .baseline.kind == "interval" and (.udp[0].deltas | length == 8) and (.qdiscs[0] | has("drops_delta"))' \
	"$NT" -N "$H" -j -i 0.1 -c 2 stack
gen stack-top "0 1" '(.notes | length) >= 1' "$NT" -N "$H" -j stack --top 3 --procs
# udp_top with real records: a 2 KiB-rcvbuf socket in H with drops
ip netns exec "$H" "$NT_BUILD/tests/udp_helper" sink 9111 2048 >"$T/usink.out" 2>"$T/usink.err" & # not inh(): $! is the helper
TOPO_PIDS="$TOPO_PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/usink.out" 2>/dev/null && break; sleep 0.05; done
inh "$NT_BUILD/tests/udp_helper" flood 9111 50 500 >/dev/null 2>&1
gen stack-udp-top "0 1" '(.udp_top | length) >= 1 and .udp_top[0].port == 9111 and .udp_top[0].drops > 0 and (.udp_top[0].pid | type) == "number" and (.udp_top[0].process | length) > 0' \
	"$NT" -N "$H" -j stack --top 3 --procs
gen stack-udp-top-noprocs "0 1" '.udp_top[0].port == 9111 and .udp_top[0].pid == null and .udp_top[0].process == null' \
	"$NT" -N "$H" -j stack --top 1
gen stack-crit 2 '.status == "crit" and ([.verdicts[] | select(.check == "stack.fd" and .level == "crit")] | length == 1)' \
	"$NT" -N "$H" -j stack --warn-fd 0 --crit-fd 0
gen stack-inside "0 1" '.limits[0].limit == null' inh "$NT" -j stack

# ---- path ----
P="-n -c 3 -i 0.05"
gen path-icmp4 0 '.mode == "icmp" and .socket == "raw" and .reached' inh "$NT" -j path $P $DST4
gen path-udp4 0 '.mode == "udp" and .port == 33434' inh "$NT" -j path $P --udp $DST4
gen path-icmp6 0 '.family == "ipv6" and .reached' inh "$NT" -j path $P $DST6
gen path-udp6 0 '.family == "ipv6" and .mode == "udp"' inh "$NT" -j path $P --udp $DST6
gen path-udp-port 0 '.mode == "udp" and .port == 33500' "$NT" -N "$H" -j path $P --udp $DST4:33500
gen path-tcp-closed 2 '.mode == "tcp" and .socket == "tcp-raw" and .port_state == "closed" and .reached' \
	inh "$NT" -j path $P $DST4:33500
gen path-tcp-unpriv 2 '.socket == "tcp-connect" and .flow_mode == "per-probe" and .port_state == "closed"' \
	unpriv "$UNT" -j path $P --tcp 33500 $DST4
gen path-flows 0 '.reached' inh "$NT" -j path $P --flows 2 $DST4
gen path-notx 0 '.timestamp_source == "kernel_rx"' \
	env NETTRIAGE_PATH_NO_TXSTAMP=1 ip netns exec "$H" "$NT" -j path $P $DST4
gen path-p99-warn 1 '.status == "warn"' inh "$NT" -j path $P --max-p99 0.0001 $DST4
gen path-unpriv-udp 0 '.socket == "udp" and .privileges_dropped' unpriv "$UNT" -j path $P --udp $DST4
gen path-max-ttl 2 '.reached == false and .destination_ttl == null' inh "$NT" -j path $P -m 2 $DST4
gen path-net-unreachable 2 '.reached == false and .hops[-1].responders[0].icmp_type == 3' \
	inh "$NT" -j path $P 203.0.113.99
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=6168
gen path-rate-limited 0 '[.hops[].rate_limited] | any' \
	inh "$NT" -j path -n -c 20 -i 0.02 --no-pace $DST4
ip netns exec "$R2" sysctl -qw net.ipv4.icmp_ratemask=0
# the target does not forward: it drops silently what is not its own
ip -n "$R2" route add 203.0.113.96/28 via 198.51.100.6
ip -n "$R3" route add 203.0.113.96/28 via 203.0.113.2
gen path-black-hole 2 '.hops[-1].responders[0].ip == null' \
	inh "$NT" -j path -n -c 2 -i 0.05 -m 6 --timeout 0.3 203.0.113.99
# ICMP datagram sockets for uid 65534 (a per-namespace sysctl), last: with
# it root's ICMP runs take the ping socket too
inh sysctl -qw net.ipv4.ping_group_range="0 2147483647"
gen path-unpriv-dgram 0 '.socket == "icmp-dgram"' unpriv "$UNT" -j path $P $DST4

# ---- capture ----
# fixtures from the suite's own writer (tests/net/pcapgen.c), and a live
# capture on the namespace's loopback
PG=$NT_BUILD/tests/pcapgen
for s in clean retrans3 rst zerowin ipv6; do
	"$PG" "$s" "$T/cap-$s.pcap" >/dev/null || nok "pcapgen $s"
done
gen capture-file 0 '.source.kind == "file" and .dropped == null and .if_dropped == null and (.flows | length) == 1 and .privileges_dropped' \
	"$NT" -j capture -r "$T/cap-clean.pcap"
gen capture-retrans "0 1 2" '.totals.retrans == 3 and .flows[0].retrans == 3' \
	"$NT" -j capture -r "$T/cap-retrans3.pcap"
gen capture-rst "1 2" '[.verdicts[] | select(.check == "capture.rst" and .level == "warn")] | length == 1' \
	"$NT" -j capture -r "$T/cap-rst.pcap"
gen capture-ipv6 "0 1 2" '.flows[0].family == "ipv6"' "$NT" -j capture -r "$T/cap-ipv6.pcap"
gen capture-top0 "0 1 2" '(.flows | length) == 0 and .totals.packets > 0 and .source.filter == "tcp"' \
	"$NT" -j capture --top 0 --sort zero_window -r "$T/cap-zerowin.pcap" tcp
gen capture-live "0 1" '.source.kind == "live" and .source.iface == "lo" and .dropped != null and .privileges_dropped' \
	inh "$NT" -j capture -d lo -t 0.3

# ---- every document against its schema ----
"$PY" "$VALIDATE" "$SCHEMAS" docs "$OUT"/*.jsonl >"$T/valid.out"
cat "$T/valid.out"
for c in link stack conntrack tcp path capture; do
	n=$(cat "$OUT"/*.jsonl | jq -r .command | grep -cx "$c")
	good=$(grep -c "^ok - .*valid against nettriage-$c.schema.json" "$T/valid.out")
	if [ "$n" -ge 5 ] && [ "$good" -eq "$n" ]; then
		ok "$c: $good of $n documents valid"
	else
		nok "$c: $good of $n documents valid (want at least 5, all valid)"
	fi
done

# ---- doctored documents must fail: the test can fail ----
# neg NAME WANT SOURCE JQ: apply JQ to the first line of SOURCE; the
# validator must reject it with an error that contains WANT.
neg() {
	local name=$1 want=$2 src=$3 f=$4 o
	head -1 "$OUT/$src.jsonl" | jq -c "$f" >"$T/neg-$name.jsonl"
	o=$("$PY" "$VALIDATE" "$SCHEMAS" --expect-invalid "negative $name" "$T/neg-$name.jsonl")
	if [ $? -eq 0 ] && [[ "$o" == *"$want"* ]]; then
		echo "$o"
	else
		nok "negative $name: want a rejection naming '$want', got: $o"
	fi
}
neg link-bogus-field "'bogus_field' was unexpected" link-boot '.bogus_field = 1'
neg link-iface-bogus-field "'rx_bogus' was unexpected" link-boot '.interfaces[0].rx_bogus = 0'
neg link-boot-with-reset "/interfaces/0/counters_reset" link-boot '.interfaces[0].counters_reset = false'
neg link-boot-util "/interfaces/0/rx_util_pct" link-boot '.interfaces[0].rx_util_pct = 1.5'
neg link-duplex-enum "/interfaces/0/duplex" link-boot '.interfaces[0].duplex = "auto"'
neg link-proc-ifindex "/interfaces/0/ifindex" link-proc-boot '.interfaces[0].ifindex = 1'
neg link-counter-real "/interfaces/0/rx_packets" link-boot '.interfaces[0].rx_packets = 1.5'
neg ct-count-string "/count" ct-boot '.count = "13"'
neg ct-per-cpu-extra-key "/per_cpu/0/extra" ct-boot '.per_cpu[0].extra["Bad-Key"] = 1'
neg tcp-missing-states "'states' is a required property" tcp-boot 'del(.states)'
neg tcp-tcpext-key "/counters/tcpext" tcp-boot '.counters.tcpext["no-such key"] = 1'
neg tcp-cw-local-addr "/close_wait_top/0/addr" tcp-boot '.close_wait_top[0].addr = "127.0.0.1"'
neg tcp-cw-side-enum "/close_wait_top/0/side" tcp-boot '.close_wait_top[0].side = "remote"'
neg stack-bogus-field "'bogus' was unexpected" stack-boot '.bogus = 1'
neg stack-scope-enum "/softnet/0/scope" stack-boot '.softnet[0].scope = "netns"'
neg stack-qdisc-bogus-field "'bogus' was unexpected" stack-boot '.qdiscs[0].bogus = 1'
neg stack-qdisc-drops-string "/qdiscs/0/drops" stack-boot '.qdiscs[0].drops = "3"'
neg stack-qdisc-missing-kind "'kind' is a required property" stack-boot 'del(.qdiscs[0].kind)'
neg stack-neigh-scope "/neigh_tables/0/scope" stack-boot '.neigh_tables[0].scope = "netns"'
neg stack-neigh-table-enum "/neigh_tables/0/table" stack-boot '.neigh_tables[0].table = "x_cache"'
neg stack-udp-top-port "/udp_top/0/port" stack-udp-top '.udp_top[0].port = 70000'
neg stack-udp-top-missing-drops "'drops' is a required property" stack-udp-top 'del(.udp_top[0].drops)'
neg stack-udp-top-bogus "'bogus' was unexpected" stack-udp-top '.udp_top[0].bogus = 0'
neg stack-check-enum "/verdicts/0/check" stack-boot '.verdicts[0].check = "stack.nope"'
neg path-level-enum "/verdicts/0/level" path-icmp4 '.verdicts[0].level = "fine"'
neg path-warn-without-hint "/verdicts" path-p99-warn '(.verdicts[] | select(.level == "warn") | .hint) = null'
neg path-netns-number "/netns" path-icmp4 '.netns = 4'
exit 0
