#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Every command's --prom output, in a namespace made here (loopback only,
# 192.0.2.0/24), through `promtool check metrics` and through our own
# lint of the Prometheus naming conventions (DESIGN.md, issue 8):
#   - no _pct and no _ms in a metric name (base units, ratios 0..1)
#   - no empty label set "{}"
#   - a family typed counter ends in _total, and nothing else does
#   - HELP and TYPE once per family, before its samples, and all samples
#     of a family contiguous
# Run with -N (a netns label on every series) and from inside the
# namespace without -N (no label at all: where "{}" used to appear).
# The lint is first run on a bad exposition, so it is known to fail.
set -u
NT=${NT:-}
. "$(dirname "$0")/ns-lib.inc"
PY=
nt_cleanup_extra() { [ -n "$PY" ] && kill "$PY" 2>/dev/null; }
nt_setup prom promtool python3
ip -n "$NS" link set lo up
ip -n "$NS" addr add 192.0.2.1/24 dev lo
ip -n "$NS" link add ntpv0 type veth peer name ntpv1
ip -n "$NS" link set ntpv0 up
ip -n "$NS" link set ntpv1 up

# lint FILE: prints one line per problem, exits 1 if any
lint() {
	awk '
	function bad(msg) { printf "%s:%d: %s: %s\n", FILENAME, FNR, msg, $0; n++ }
	function family(name,   b) {
		b = name
		if (b in type) return b
		if (sub(/_(sum|count|bucket)$/, "", b) && (type[b] == "summary" || type[b] == "histogram"))
			return b
		return name
	}
	/^# HELP / { if (help[$3]++) bad("second HELP for " $3); next }
	/^# TYPE / {
		if ($3 in type) bad("second TYPE for " $3)
		type[$3] = $4; if (done[$3]) bad("TYPE after samples of " $3)
		if ($4 == "counter" && $3 !~ /_total$/) bad("counter not ending in _total")
		if ($4 != "counter" && $3 ~ /_total$/) bad("_total on a " $4)
		next
	}
	/^#/ { next }
	/^$/ { next }
	{
		name = $0; sub(/[{ ].*/, "", name)
		if (name ~ /_pct(_|$)/) bad("_pct in a metric name")
		if (name ~ /_ms(_|$)/) bad("_ms in a metric name")
		if ($0 ~ /\{\}/) bad("empty label set")
		f = family(name)
		if (!(f in type)) bad("sample without TYPE")
		if (f != cur) { if (done[f]) bad("samples of " f " not contiguous"); cur = f }
		done[f] = 1
	}
	END { exit n > 0 }' "$1"
}

cat >"$TMP/bad.prom" <<'EOF'
# HELP nt_a_pct x
# TYPE nt_a_pct gauge
nt_a_pct{} 5
# TYPE nt_b counter
nt_b 1
# HELP nt_c_total x
# TYPE nt_c_total counter
nt_c_total 1
# TYPE nt_d gauge
nt_d 1
nt_c_total 2
# TYPE nt_d gauge
nt_rtt_ms 3
EOF
if lint "$TMP/bad.prom" >"$TMP/bad.out"; then
	echo "not ok - the lint passes a bad exposition"
else
	want=8 got=$(wc -l <"$TMP/bad.out")
	if [ "$got" -eq "$want" ]; then echo "ok - the lint finds all $want faults of a bad exposition"
	else echo "not ok - the lint found $got faults, want $want"; sed 's/^/# /' "$TMP/bad.out"; fi
fi

# A listener and one established connection, for the tcp listen and
# top-socket families.
ip netns exec "$NS" python3 -c '
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("192.0.2.1", 0)); l.listen(8)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
c.send(b"x" * 1000); s.recv(1000)
open("'"$TMP"'/ready", "w").close()
time.sleep(60)' &
PY=$!
for _ in $(seq 50); do [ -e "$TMP/ready" ] && break; sleep 0.1; done

cmds=("link" "stack" "stack --top 3" "conntrack" "conntrack --by proto" "tcp --top 5" "path -n -c 2 -i 0.1 192.0.2.1" "capture -d lo -t 0.5")
for c in "${cmds[@]}"; do
	for how in with-N inside; do
		out="$TMP/out.prom"
		# shellcheck disable=SC2086 # c is a command line
		if [ "$how" = with-N ]; then "$NT" -N "$NS" --prom $c >"$out" 2>"$TMP/err"
		else ip netns exec "$NS" "$NT" --prom $c >"$out" 2>"$TMP/err"; fi
		rc=$?
		if [ "$rc" -ge 3 ] || [ ! -s "$out" ]; then
			echo "not ok - --prom $c ($how): exit $rc, $(wc -l <"$out") lines: $(head -1 "$TMP/err")"
			continue
		fi
		if promtool check metrics <"$out" >"$TMP/pt" 2>&1; then
			echo "ok - promtool check metrics: --prom $c ($how, $(grep -c '^# TYPE' "$out") families)"
		else
			echo "not ok - promtool check metrics: --prom $c ($how)"; sed 's/^/# /' "$TMP/pt" | head -10
		fi
		if lint "$out" >"$TMP/lint"; then
			echo "ok - naming lint: --prom $c ($how)"
		else
			echo "not ok - naming lint: --prom $c ($how)"; sed 's/^/# /' "$TMP/lint" | head -10
		fi
		cp "$out" "$TMP/last-$how-${c%% *}.prom"
	done
done

# The renamed families carry base units and 0..1 values.
chk() { # chk FILE REGEX NAME
	if grep -Eq "$2" "$1"; then echo "ok - $3"; else echo "not ok - $3"; fi
}
chk "$TMP/last-with-N-link.prom" '^nettriage_link_mtu_bytes\{netns="'"$NS"'",iface="lo"\} 65536$' "link: mtu_bytes"
chk "$TMP/last-inside-link.prom" '^nettriage_link_mtu_bytes\{iface="lo"\} 65536$' "link: labels without netns"
chk "$TMP/last-inside-conntrack.prom" '^nettriage_conntrack_fill_ratio 0(\.[0-9e-]+)?$' "conntrack: fill_ratio, no {}"
chk "$TMP/last-with-N-conntrack.prom" '^nettriage_conntrack_cpu_drop_total\{netns="'"$NS"'",cpu="0"\} [0-9]+$' "conntrack: per-CPU counters, netns and cpu labels"
chk "$TMP/last-inside-conntrack.prom" '^nettriage_conntrack_breakdown_duration_seconds\{by="proto"\} [0-9.e-]+$' "conntrack: dump duration in seconds"
chk "$TMP/last-inside-tcp.prom" '^nettriage_tcp_rto_min_seconds 0\.2$' "tcp: rto_min in seconds"
chk "$TMP/last-inside-tcp.prom" '^nettriage_tcp_listen_fill_ratio\{addr="192\.0\.2\.1",port="[0-9]+"\} 0$' "tcp: listen fill_ratio"
chk "$TMP/last-inside-tcp.prom" '^nettriage_tcp_top_socket_rtt_seconds\{[^}]*\} [0-9.e-]+$' "tcp: top socket rtt_seconds"
chk "$TMP/last-inside-path.prom" '^nettriage_path_loss_ratio\{target="192\.0\.2\.1",ttl="1",responder="192\.0\.2\.1"\} 0$' "path: loss_ratio"
chk "$TMP/last-inside-capture.prom" '^nettriage_capture_dropped_packets_total [0-9]+$' "capture: kernel drops counter"
