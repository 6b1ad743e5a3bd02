#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# Namespace integration test for `nettriage link`.
#
# Two namespaces A and B joined by a veth pair (vethA in A, vethB in B), plus
# a TUN device with no reader in A. Counters are moved on purpose:
#   - unknown-ethertype frames (rawsend, 0x88b5) A -> B: B's rx_dropped
#   - IPv4 frames to a foreign unicast MAC A -> B: B's rx_otherhost_dropped
#   - ping through tunA (nobody reads the tun fd): tunA's tx_dropped
#   - ordinary ping A <-> B
# and every counter nettriage reports is cross-checked against
# `ip -j -s -s link` and sysfs in the same namespace while nothing moves.
# Also: exit statuses, verdicts under -i, interface re-creation against the
# history file, Prometheus output.
#
# Env: NT (absolute path of nettriage), NT_BUILD (build dir holding
# tests/rawsend). Prints "ok - ..." / "not ok - ..." lines; skips (exit 0)
# when it cannot run.
set -u

NT=${NT:-}
NT_BUILD=${NT_BUILD:-}

skip() {
	echo "ok - link netns test # SKIP $*"
	exit 0
}

if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "not ok - NT is not set to an executable nettriage (NT='$NT')"
	exit 1
fi
[ "$(id -u)" -eq 0 ] || skip "not root"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
command -v jq >/dev/null 2>&1 || skip "no jq"
ip netns list >/dev/null 2>&1 || skip "ip netns not supported"

sfx="$$-$RANDOM"
A="nt-link-a-$sfx"
B="nt-link-b-$sfx"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-link-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION CMD...: ok if CMD succeeds (one simple command)
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
jqt() { jq -e "$@" >/dev/null 2>&1; } # jq as a test: true iff the last output is truthy
result() { # COND; result DESCRIPTION: ok if the previous command succeeded
	if [ $? -eq 0 ]; then ok "$1"; else notok "$1"; fi
}

# --- namespaces -------------------------------------------------------------
if ! ip netns add "$A" 2>"$TMP/err"; then
	skip "ip netns add failed: $(head -1 "$TMP/err")"
fi
ip netns add "$B" || { notok "ip netns add $B"; exit 1; }

setup() {
	local n
	for n in "$A" "$B"; do
		# Before any interface exists, so no ND/MLD ever moves a counter.
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		ip -n "$n" link set lo up || return 1
	done
	ip -n "$A" link add vethA type veth peer name vethB netns "$B" || return 1
	ip -n "$A" addr add 192.0.2.1/24 dev vethA || return 1
	ip -n "$B" addr add 192.0.2.2/24 dev vethB || return 1
	ip -n "$A" link set vethA up || return 1
	ip -n "$B" link set vethB up || return 1
	ip -n "$A" tuntap add dev tunA mode tun || return 1
	ip -n "$A" addr add 198.51.100.1/30 dev tunA || return 1
	ip -n "$A" link set tunA up || return 1
	ip -n "$A" route add 203.0.113.0/24 dev tunA || return 1
}
if ! setup 2>"$TMP/err"; then
	notok "namespace setup: $(head -1 "$TMP/err")"
	exit 1
fi
ok "namespaces $A and $B with vethA<->vethB and tunA (IPv6 off)"

# --- rawsend helper -----------------------------------------------------------
RAWSEND="$NT_BUILD/tests/rawsend"
if [ ! -x "$RAWSEND" ]; then
	top=$(cd "$(dirname "$0")/../.." && pwd)
	RAWSEND="$TMP/rawsend"
	if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$RAWSEND" "$top/tests/net/rawsend.c" 2>"$TMP/err"; then
		notok "build rawsend: $(head -1 "$TMP/err")"
		exit 1
	fi
fi
rawsend() { # rawsend NS IFACE ARGS...
	local ns=$1
	shift
	ip netns exec "$ns" "$RAWSEND" "$@"
}

# nt_field NS IFACE KEY: one value from `nettriage -j link IFACE`.
nt_field() {
	"$NT" -N "$1" -j link "$2" 2>/dev/null |
		jq -r --arg i "$2" --arg k "$3" '.interfaces[] | select(.name == $i) | .[$k]'
}

# --- normal traffic ------------------------------------------------------------
if ip netns exec "$A" ping -c 5 -i 0.05 -W 1 -q 192.0.2.2 >"$TMP/ping" 2>&1 &&
	ip netns exec "$B" ping -c 5 -i 0.05 -W 1 -q 192.0.2.1 >>"$TMP/ping" 2>&1; then
	ok "ping A <-> B over the veth pair"
else
	notok "ping A <-> B: $(grep -m1 -E 'loss|unreach' "$TMP/ping")"
fi

# --- verdicts under -i, no traffic -----------------------------------------------
# vethB has dropped nothing since it was created, so even the first sample
# (since-creation totals) is OK.
"$NT" -N "$B" -j -i 0.5 -c 2 link vethB >"$TMP/quiet.json" 2>"$TMP/err"
rc=$?
check "-i 0.5 -c 2 link vethB with no traffic exits 0 (got $rc)" [ "$rc" -eq 0 ]
lvl=$(jq -r 'select(.sample == 1) | .verdicts[] | select(.check == "link.drops" and .subject == "vethB") | .level' \
	"$TMP/quiet.json" 2>/dev/null)
[ "$(wc -l <"$TMP/quiet.json")" -eq 2 ] && [ "$lvl" = ok ]
result "-i: two JSON lines, second sample link.drops vethB is ok (got '${lvl}')"

# --- verdicts under -i, flood of unknown-ethertype frames during the run ------------
"$NT" -N "$B" -j -i 1 -c 3 link vethB >"$TMP/flood.json" 2>"$TMP/flood.err" &
ntpid=$!
BG_PIDS+=("$ntpid")
# Start flooding once sample 0 is out, stop when nettriage has exited.
for _ in $(seq 100); do
	[ -s "$TMP/flood.json" ] && break
	sleep 0.02
done
flooded=0
while kill -0 "$ntpid" 2>/dev/null; do
	rawsend "$A" vethA 50 2>>"$TMP/flood.err" && flooded=$((flooded + 50))
	sleep 0.05
done
wait "$ntpid"
rc=$?
BG_PIDS=()
[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]
result "-i 1 -c 3 with $flooded unknown-ethertype frames flooded into vethB exits 1 or 2 (got $rc)"
check "-i 1 -c 3 printed 3 JSON lines" [ "$(wc -l <"$TMP/flood.json")" -eq 3 ]
lvl0=$(jq -r 'select(.sample == 0) | .verdicts[] | select(.check == "link.drops" and .subject == "vethB") | .level' \
	"$TMP/flood.json" 2>/dev/null)
check "flood: sample 0 (before the flood) link.drops vethB is ok (got '$lvl0')" [ "$lvl0" = ok ]
hit=$(jq -c 'select(.sample >= 1)
	| select(any(.verdicts[]; .check == "link.drops" and .subject == "vethB" and (.level == "warn" or .level == "crit")))
	| select(any(.interfaces[]; .name == "vethB" and (.rates.rx_dropped // 0) > 0))
	| {sample, rx_dropped_per_s: (.interfaces[] | select(.name == "vethB") | .rates.rx_dropped)}' \
	"$TMP/flood.json" 2>/dev/null | head -1)
check "flood: a later sample has link.drops vethB warn/crit and rates.rx_dropped > 0 (${hit:-none})" [ -n "$hit" ]

# --- targeted counter moves ----------------------------------------------------------
d0=$(nt_field "$B" vethB rx_dropped)
rawsend "$A" vethA 100 || notok "rawsend vethA 100"
sleep 0.1
d1=$(nt_field "$B" vethB rx_dropped)
[ -n "$d0" ] && [ -n "$d1" ] && [ "$((d1 - d0))" -eq 100 ]
result "100 frames of ethertype 0x88b5 raise vethB rx_dropped by exactly 100 ($d0 -> $d1)"

o0=$(nt_field "$B" vethB rx_otherhost_dropped)
rawsend "$A" vethA 7 0x0800 02:00:5e:00:53:01 || notok "rawsend vethA 7 0x0800"
sleep 0.1
o1=$(nt_field "$B" vethB rx_otherhost_dropped)
[ -n "$o0" ] && [ -n "$o1" ] && [ "$((o1 - o0))" -eq 7 ]
result "7 IPv4 frames to a foreign MAC raise vethB rx_otherhost_dropped by 7 ($o0 -> $o1)"

t0=$("$NT" -N "$A" -j link tunA 2>/dev/null | jq -c '.interfaces[0] | {tx_dropped, tx_errors, tx_packets}')
ip netns exec "$A" ping -c 5 -i 0.05 -W 0.2 -q 203.0.113.5 >/dev/null 2>&1
sleep 0.1
t1=$("$NT" -N "$A" -j link tunA 2>/dev/null | jq -c '.interfaces[0] | {tx_dropped, tx_errors, tx_packets}')
moved=$(jq -n --argjson a "${t0:-null}" --argjson b "${t1:-null}" \
	'if $a == null or $b == null then "no data"
	 elif $b.tx_dropped - $a.tx_dropped == 5 and $b.tx_errors == $a.tx_errors and $b.tx_packets == $a.tx_packets
	 then "ok" else "\($a) -> \($b)" end' -r 2>/dev/null)
check "5 pings into tunA with no reader raise its tx_dropped by 5, not tx_errors/tx_packets ($moved)" [ "$moved" = ok ]

# --- cross-check against ip -j -s -s link and sysfs -------------------------------------
# sysfs as seen from inside NS (ip netns exec mounts the namespace's sysfs).
sysfs_json() {
	ip netns exec "$1" sh -c '
		for d in /sys/class/net/*; do
			n=${d##*/}
			for f in "$d"/statistics/*; do echo "$n ${f##*/} $(cat "$f")"; done
			for f in ifindex mtu operstate carrier carrier_changes carrier_up_count carrier_down_count; do
				v=$(cat "$d/$f" 2>/dev/null) || v=unreadable
				echo "$n $f $v"
			done
		done' |
		jq -R -n 'reduce (inputs | split(" ")) as [$n, $k, $v]
			({}; .[$n][$k] = ($v | tonumber? // .))'
}

# ip JSON key -> nettriage key. ip 6.1 prints rx.compressed, rx.nohandler,
# rx.otherhost and tx.compressed only when non-zero.
IPMAP='[
 ["rx","bytes","rx_bytes"], ["rx","packets","rx_packets"], ["rx","errors","rx_errors"],
 ["rx","dropped","rx_dropped"], ["rx","over_errors","rx_over_errors"], ["rx","multicast","multicast"],
 ["rx","compressed","rx_compressed"], ["rx","length_errors","rx_length_errors"],
 ["rx","crc_errors","rx_crc_errors"], ["rx","frame_errors","rx_frame_errors"],
 ["rx","fifo_errors","rx_fifo_errors"], ["rx","missed_errors","rx_missed_errors"],
 ["rx","nohandler","rx_nohandler"], ["rx","otherhost","rx_otherhost_dropped"],
 ["tx","bytes","tx_bytes"], ["tx","packets","tx_packets"], ["tx","errors","tx_errors"],
 ["tx","dropped","tx_dropped"], ["tx","carrier_errors","tx_carrier_errors"],
 ["tx","collisions","collisions"], ["tx","compressed","tx_compressed"],
 ["tx","aborted_errors","tx_aborted_errors"], ["tx","fifo_errors","tx_fifo_errors"],
 ["tx","window_errors","tx_window_errors"], ["tx","heartbeat_errors","tx_heartbeat_errors"],
 ["tx","carrier_changes","carrier_changes"]
]'
# Every counter nettriage must report (rtnl_link_stats64 + carrier counts).
NTKEYS='["rx_packets","tx_packets","rx_bytes","tx_bytes","rx_errors","tx_errors","rx_dropped",
 "tx_dropped","multicast","collisions","rx_length_errors","rx_over_errors","rx_crc_errors",
 "rx_frame_errors","rx_fifo_errors","rx_missed_errors","tx_aborted_errors","tx_carrier_errors",
 "tx_fifo_errors","tx_heartbeat_errors","tx_window_errors","rx_compressed","tx_compressed",
 "rx_nohandler","rx_otherhost_dropped","carrier_changes","carrier_up_count","carrier_down_count"]'

# Snapshot both namespaces: ip before, nettriage, sysfs, ip after. The ip
# stats must be identical before and after, or the comparison is void.
snap() {
	local n=$1 tag=$2
	ip -n "$n" -j -s -s link >"$TMP/$tag.ip1.json" 2>"$TMP/$tag.ip.err" &&
		"$NT" -N "$n" -j link >"$TMP/$tag.nt.json" 2>"$TMP/$tag.nt.err"
	echo $? >"$TMP/$tag.nt.rc"
	sysfs_json "$n" >"$TMP/$tag.sys.json" 2>>"$TMP/$tag.ip.err"
	ip -n "$n" -j -s -s link >"$TMP/$tag.ip2.json" 2>>"$TMP/$tag.ip.err"
	jq -e -n --slurpfile x "$TMP/$tag.ip1.json" --slurpfile y "$TMP/$tag.ip2.json" \
		'[$x[0][] | {ifname, stats64}] == [$y[0][] | {ifname, stats64}]' >/dev/null 2>&1
}
sleep 0.2 # let any in-flight frame land
quiet=0
for _ in 1 2 3; do
	if snap "$A" A && snap "$B" B; then quiet=1; break; fi
	sleep 0.5
done
check "counters quiescent while ip, nettriage and sysfs were read" [ "$quiet" -eq 1 ]

# ip's JSON keys seen anywhere in this run: a conditional key ip knows but
# did not print for an interface means 0 there.
ipknown=$(jq -c -s '[.[][] | .stats64 // {} | (.rx // {}), (.tx // {}) | keys[]] | unique
	| map({(.): true}) | add // {}' "$TMP"/A.ip1.json "$TMP"/B.ip1.json 2>/dev/null)
ipknown=${ipknown:-{\}}

for ns in A B; do
	nsname=$A
	[ "$ns" = B ] && nsname=$B
	rc=$(cat "$TMP/$ns.nt.rc")
	check "nettriage -N $ns -j link exits 0-2 (got $rc)" [ "$rc" -le 2 ]
	check "nettriage -N $ns -j link and ip list the same interfaces" \
		jqt -n --slurpfile ip "$TMP/$ns.ip1.json" --slurpfile nt "$TMP/$ns.nt.json" \
		'([$ip[0][].ifname] | sort) == ([$nt[0].interfaces[].name] | sort)'
	check "nettriage -N $ns: JSON names the namespace ($nsname) on the document and every interface" \
		jqt --arg ns "$nsname" '.netns == $ns and all(.interfaces[]; .netns == $ns)' "$TMP/$ns.nt.json"

	# One result line per interface: ip cross-check.
	jq -r -n --slurpfile ip "$TMP/$ns.ip1.json" --slurpfile nt "$TMP/$ns.nt.json" \
		--argjson map "$IPMAP" --argjson known "$ipknown" --argjson keys "$NTKEYS" --arg ns "$ns" '
		$nt[0].interfaces[] as $i
		| ($ip[0][] | select(.ifname == $i.name)) as $p
		| [ $map[] as [$dir, $ik, $nk]
		    | ($p.stats64[$dir] // {}) as $s
		    | if $s | has($ik) then
		        {k: $nk, ip: $s[$ik], nt: $i[$nk], how: "ip"}
		      elif $known["\($ik)"] then
		        {k: $nk, ip: 0, nt: $i[$nk], how: "absent=0"}
		      else {k: $nk, how: "skip"} end ] as $cmp
		| ([ {k: "ifindex", ip: $p.ifindex, nt: $i.ifindex, how: "ip"},
		     {k: "mtu", ip: $p.mtu, nt: $i.mtu, how: "ip"},
		     {k: "operstate", ip: ($p.operstate | ascii_downcase), nt: $i.operstate, how: "ip"} ]) as $attrs
		| ($cmp + $attrs | map(select(.how != "skip" and .ip != .nt))) as $bad
		| ([$keys[] | select(. as $k | $i | has($k) | not)]) as $missing
		| ($cmp | map(select(.how == "ip")) | length) as $nip
		| ($cmp | map(select(.how == "absent=0")) | map(.k)) as $zero
		| ($keys - ($cmp | map(select(.how != "skip")) | map(.k))) as $notip
		| if ($bad | length) == 0 and ($missing | length) == 0 then
		    "ok - \($ns)/\($i.name): \($nip + ($zero | length)) counters + ifindex, mtu, operstate equal to ip -j -s -s link"
		    + (if ($zero | length) > 0 then " (\($zero | join(",")): omitted by ip when 0, compared as 0)" else "" end)
		    + "; not in ip, compared with sysfs below: \($notip | join(","))"
		  else
		    "not ok - \($ns)/\($i.name) differs from ip -j -s -s link: "
		    + ([$bad[] | "\(.k) nettriage=\(.nt) ip=\(.ip)"] + [$missing[] | "\(.) missing in nettriage JSON"] | join("; "))
		  end' >"$TMP/$ns.cmp" 2>"$TMP/$ns.cmp.err"
	if [ -s "$TMP/$ns.cmp" ]; then
		cat "$TMP/$ns.cmp"
		fails=$((fails + $(grep -c '^not ok' "$TMP/$ns.cmp")))
	else
		notok "$ns: ip cross-check produced nothing: $(head -1 "$TMP/$ns.cmp.err")"
	fi

	# Second independent source: sysfs (has rx/tx_compressed, rx_nohandler,
	# carrier_up/down_count, carrier that ip's JSON does not show).
	jq -r -n --slurpfile sys "$TMP/$ns.sys.json" --slurpfile nt "$TMP/$ns.nt.json" --arg ns "$ns" '
		$nt[0].interfaces[] as $i
		| ($sys[0][$i.name] // {}) as $s
		| [ $s | keys[] | select(. as $k | $i | has($k)) ] as $common
		| [ $common[] | select($s[.] != "unreadable")
		    | if . == "carrier" then {k: ., sys: $s[.], nt: (if $i.carrier == true then 1 elif $i.carrier == false then 0 else $i.carrier end)}
		      else {k: ., sys: $s[.], nt: $i[.]} end
		    | select(.sys != .nt) ] as $bad
		| ([$common[] | select($s[.] == "unreadable")]) as $unread
		| if ($s | length) == 0 then "not ok - \($ns)/\($i.name): not in sysfs"
		  elif ($bad | length) == 0 then
		    "ok - \($ns)/\($i.name): \($common | length) fields equal to /sys/class/net/\($i.name) (incl. rx_compressed,tx_compressed,rx_nohandler,carrier_up_count,carrier_down_count)"
		    + (if ($unread | length) > 0 then "; unreadable in sysfs: \($unread | join(","))" else "" end)
		    + "; rx_otherhost_dropped not in sysfs"
		  else
		    "not ok - \($ns)/\($i.name) differs from sysfs: " + ([$bad[] | "\(.k) nettriage=\(.nt) sysfs=\(.sys)"] | join("; "))
		  end' >"$TMP/$ns.scmp" 2>"$TMP/$ns.scmp.err"
	if [ -s "$TMP/$ns.scmp" ]; then
		cat "$TMP/$ns.scmp"
		fails=$((fails + $(grep -c '^not ok' "$TMP/$ns.scmp")))
	else
		notok "$ns: sysfs cross-check produced nothing: $(head -1 "$TMP/$ns.scmp.err")"
	fi
done

# The counters this test moved must be non-zero in what was compared, or the
# cross-check proved little.
check "cross-checked values include the moved counters (vethB rx_dropped, rx_otherhost_dropped; tunA tx_dropped)" \
	jqt -n --slurpfile a "$TMP/A.nt.json" --slurpfile b "$TMP/B.nt.json" '
		($b[0].interfaces[] | select(.name == "vethB") | .rx_dropped > 0 and .rx_otherhost_dropped > 0)
		and ($a[0].interfaces[] | select(.name == "tunA") | .tx_dropped > 0)'

# --- table output and errors ------------------------------------------------------------------
"$NT" -N "$B" link vethB >"$TMP/table" 2>"$TMP/err"
rc=$?
check "table: -N B link vethB exits 0 or 1 (got $rc)" [ "$rc" -le 1 ]
grep -q '^IFACE' "$TMP/table" && grep -q '^vethB ' "$TMP/table"
result "table: has a header and a vethB row"

"$NT" -N "$B" link nosuchif >"$TMP/out" 2>"$TMP/err"
rc=$?
check "link nosuchif exits 3 (got $rc)" [ "$rc" -eq 3 ]
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q nosuchif "$TMP/err"
result "link nosuchif: one line on stderr naming the interface ($(head -1 "$TMP/err"))"

"$NT" -N "nosuchns-$$" link >"$TMP/out" 2>"$TMP/err"
rc=$?
check "-N nosuchns-$$ link exits 3 (got $rc)" [ "$rc" -eq 3 ]
check "-N nosuchns: stderr names the namespace ($(head -1 "$TMP/err"))" grep -q "nosuchns-$$" "$TMP/err"

"$NT" -N "$B" link --no-such-option >/dev/null 2>&1
rc=$?
check "link --no-such-option exits 64 (got $rc)" [ "$rc" -eq 64 ]

# --- Prometheus -----------------------------------------------------------------------------------
"$NT" -N "$B" --prom link >"$TMP/prom" 2>"$TMP/err"
rc=$?
check "--prom link exits 0-2 (got $rc)" [ "$rc" -le 2 ]
if command -v promtool >/dev/null 2>&1; then
	if promtool check metrics <"$TMP/prom" >"$TMP/promtool" 2>&1; then
		ok "--prom output passes promtool check metrics"
	else
		notok "--prom output fails promtool check metrics: $(head -3 "$TMP/promtool" | tr '\n' ' ')"
	fi
else
	ok "promtool check metrics # SKIP promtool not installed"
fi
# Every JSON counter is a nettriage_link_<key>_total sample with the same value. Both come
# from one sample (-j on stdout, --prom-file beside it): two runs race IPv6 router
# solicitations and DAD on the veth, which once moved vethB's counters between them.
mkdir -p "$TMP/promone"
"$NT" -N "$B" -j --prom-file "$TMP/promone/one.prom" link >"$TMP/prom.json" 2>/dev/null
pbad=$(jq -r -n --rawfile prom "$TMP/promone/one.prom" --slurpfile nt "$TMP/prom.json" --argjson keys "$NTKEYS" '
	($prom | split("\n") | map(select(startswith("nettriage_link_")))
	 | map(capture("^nettriage_link_(?<m>[a-z_]+)\\{.*iface=\"(?<i>[^\"]+)\".*\\} (?<v>\\S+)$"))
	 | map({key: "\(.i)/\(.m)", value: (.v | tonumber)}) | from_entries) as $p
	| [ $nt[0].interfaces[] as $i | $keys[]
	    | select($p["\($i.name)/\(.)_total"] != $i[.]) | "\($i.name)/\(.)" ] | join(" ")' 2>&1)
check "--prom: every counter present as nettriage_link_*_total with the JSON value (${pbad:-all equal})" [ -z "$pbad" ]
check "--prom: counters typed counter" grep -q '^# TYPE nettriage_link_rx_dropped_total counter$' "$TMP/prom"

mkdir -p "$TMP/prom.d"
"$NT" -N "$B" --prom --prom-file "$TMP/prom.d/x.prom" link >"$TMP/prom.stdout" 2>"$TMP/err"
rc=$?
check "--prom-file DIR/x.prom exits 0-2 (got $rc)" [ "$rc" -le 2 ]
check "--prom-file: file written, same content as --prom on stdout" cmp -s "$TMP/prom.d/x.prom" "$TMP/prom.stdout"
check "--prom-file: no temp file left beside it" [ "$(ls -A "$TMP/prom.d")" = x.prom ]
if command -v promtool >/dev/null 2>&1; then
	check "--prom-file: file passes promtool check metrics" sh -c 'promtool check metrics <"$1" >/dev/null 2>&1' sh "$TMP/prom.d/x.prom"
fi
# JSON on stdout, Prometheus only in the file.
"$NT" -N "$B" -j --prom-file "$TMP/prom.d/x.prom" link >"$TMP/prom.stdout" 2>/dev/null
check "--prom-file with -j: JSON on stdout, Prometheus text in the file" \
	sh -c 'jq -e .interfaces "$1" >/dev/null && grep -q "^# TYPE nettriage_link_" "$2"' sh "$TMP/prom.stdout" "$TMP/prom.d/x.prom"

# --- interface re-creation ---------------------------------------------------------------------------
"$NT" -N "$B" -j link vethB >"$TMP/re1.json" 2>/dev/null
idx1=$(jq -r '.interfaces[0].ifindex' "$TMP/re1.json" 2>/dev/null)
if ip -n "$A" link del vethA &&
	ip -n "$A" link add vethA type veth peer name vethB netns "$B" &&
	ip -n "$A" addr add 192.0.2.1/24 dev vethA && ip -n "$B" addr add 192.0.2.2/24 dev vethB &&
	ip -n "$A" link set vethA up && ip -n "$B" link set vethB up; then
	ip netns exec "$A" ping -c 2 -i 0.05 -W 1 -q 192.0.2.2 >/dev/null 2>&1
	"$NT" -N "$B" -j link vethB >"$TMP/re2.json" 2>/dev/null
	r=$(jq -c '.interfaces[0] | {ifindex, counters_reset, rx_dropped,
		rates_null: (.rates == null or ([.rates[]?] | all(. == null))),
		max_rate: ([.rates[]? | numbers] | max)}' "$TMP/re2.json" 2>/dev/null)
	check "re-created vethB (ifindex $idx1 -> $(jq -r .ifindex <<<"${r:-null}")): counters_reset true, rates null ($r)" \
		jqt --arg old "$idx1" '.counters_reset == true and .rates_null == true and (.ifindex | tostring) != $old' \
		<<<"${r:-null}"
	check "re-created vethB: no drop/error verdict from the counter reset" \
		jqt 'all(.verdicts[] | select(.subject == "vethB" and (.check == "link.drops" or .check == "link.errors")); .level == "ok" or .level == "unknown")' \
		"$TMP/re2.json"
	# A fresh veth has carrier_changes 2 (1 down at creation, 1 up):
	# its creation, not flapping, and it has its carrier.
	rv=$(jq -c '[.verdicts[] | select(.subject == "vethB" and (.check == "link.flapping" or .check == "link.carrier")) | {check, level, value, reason}]
		+ [.interfaces[0] | {carrier_changes, carrier_up_count, carrier_down_count}]' "$TMP/re2.json" 2>/dev/null)
	check "re-created vethB between two runs: link.flapping and link.carrier ok, value 0 ($rv)" \
		jqt -n --argjson v "${rv:-null}" '($v | map(select(.check)) | map({(.check): .}) | add) as $m
			| $m["link.flapping"].level == "ok" and $m["link.flapping"].value == 0
			and $m["link.carrier"].level == "ok" and ($m["link.flapping"].reason | test("from its creation"))
			and $v[-1].carrier_changes >= 2'
	# ...and toggled twice after that: flapping, judged on the delta
	for _ in 1 2; do
		ip -n "$A" link set vethA down
		ip -n "$A" link set vethA up
	done
	"$NT" -N "$B" -j link vethB >"$TMP/re3.json" 2>/dev/null
	rv=$(jq -c '.verdicts[] | select(.subject == "vethB" and .check == "link.flapping") | {level, value, reason}' "$TMP/re3.json" 2>/dev/null)
	check "re-created vethB, then peer down/up twice: link.flapping warn value 4 ($rv)" \
		jqt -n --argjson v "${rv:-null}" '$v.level == "warn" and $v.value == 4 and ($v.reason | test("creation") | not)'
else
	notok "re-create the veth pair"
fi

# --- speed, duplex, utilization, flapping (issue 10) ----------------------------------------
# Speed and duplex of every interface of both namespaces equal what
# `ethtool IF` prints inside the namespace (null where ethtool prints no
# Speed/Duplex line or "Unknown!").
if ! command -v ethtool >/dev/null 2>&1; then
	notok "ethtool is not installed (scripts/packages.txt has it)"
else
	for nsl in "A:$A" "B:$B"; do
		ns=${nsl#*:}
		"$NT" -N "$ns" -j link >"$TMP/spd.json" 2>/dev/null
		check "-N ${nsl%%:*}: speed_source is ethtool" jqt '.speed_source == "ethtool"' "$TMP/spd.json"
		for ifn in $(jq -r '.interfaces[].name' "$TMP/spd.json"); do
			et=$(ip netns exec "$ns" ethtool "$ifn" 2>/dev/null)
			es=$(sed -n 's/^[[:space:]]*Speed: \([0-9][0-9]*\)Mb\/s$/\1/p' <<<"$et")
			ed=$(sed -n 's/^[[:space:]]*Duplex: \(Full\|Half\)$/\1/p' <<<"$et" | tr 'FH' 'fh')
			got=$(jq -r --arg i "$ifn" '.interfaces[] | select(.name == $i) | "\(.speed_mbps // "") \(.duplex // "")"' "$TMP/spd.json")
			check "${nsl%%:*}/$ifn: speed/duplex '$got' equal ethtool's '${es} ${ed}'" [ "$got" = "${es} ${ed}" ]
		done
	done
	# vethA really has one (veth: 10000 Mb/s full), so the comparison is not all-null
	check "vethA has a speed and a duplex (not null)" \
		jqt '.interfaces[] | select(.name == "vethA") | .speed_mbps > 0 and .duplex != null' \
		<("$NT" -N "$A" -j link vethA 2>/dev/null)
fi

# The sysfs fallback (as on a kernel without ethtool netlink, through the
# NETTRIAGE_LINK_SPEED=sysfs seam): inside `ip netns exec` (which mounts
# the namespace's own sysfs) without -N it reads /sys/class/net and gets
# ethtool's figures; with -N (setns: sysfs is still the starting
# namespace's) speed and duplex are null, never another namespace's.
NETTRIAGE_LINK_SPEED=sysfs ip netns exec "$A" "$NT" -j link vethA >"$TMP/sysfs.json" 2>/dev/null
check "sysfs fallback inside ip netns exec: speed_source sysfs, vethA 10000 full" \
	jqt '.speed_source == "sysfs" and .interfaces[0].speed_mbps == 10000 and .interfaces[0].duplex == "full"' "$TMP/sysfs.json"
NETTRIAGE_LINK_SPEED=sysfs "$NT" -N "$A" -j link vethA >"$TMP/sysfsN.json" 2>/dev/null
check "sysfs fallback with -N: speed_source null, vethA speed and duplex null (not guessed)" \
	jqt '.speed_source == null and .interfaces[0].speed_mbps == null and .interfaces[0].duplex == null' "$TMP/sysfsN.json"

# A LINKMODES_GET dump that ends in an error (the kernel stops the whole
# dump at a device failing with -ENODEV) is followed by one request per
# interface still without a reply. The NETTRIAGE_LINK_SPEED=perdev seam
# drops the dump's replies and takes its end as -ENODEV, so every
# interface is asked for on its own: the speeds and duplexes equal the
# dump's, and the document's notes say what happened.
"$NT" -N "$A" -j link >"$TMP/pd-dump.json" 2>/dev/null
NETTRIAGE_LINK_SPEED=perdev "$NT" -N "$A" -j link >"$TMP/pd.json" 2>"$TMP/pd.err"
pdcmp=$(jq -r -n --slurpfile d "$TMP/pd-dump.json" --slurpfile p "$TMP/pd.json" '
	def sd(x): [x.interfaces[] | {name, speed_mbps, duplex}] | sort_by(.name);
	if sd($d[0]) == sd($p[0]) and ($p[0].speed_source == "ethtool")
	   and ($p[0].notes | length == 1) and ($p[0].notes[0] | test("dump ended after 0 replies: No such device; asked [0-9]+ one by one"))
	   and ($d[0].notes == [])
	then "ok: \(sd($p[0]) | map("\(.name)=\(.speed_mbps)/\(.duplex)") | join(" ")); note: \($p[0].notes[0])"
	else "bad: dump \(sd($d[0])) per-device \(sd($p[0])) notes \($p[0].notes)" end' 2>&1)
check "per-device LINKMODES_GET after a failed dump: same speeds/duplexes as the dump, note in JSON ($pdcmp)" \
	[ "${pdcmp#ok}" != "$pdcmp" ]
check "per-device fallback: nothing on stderr (the note is in the document)" [ ! -s "$TMP/pd.err" ]
NETTRIAGE_LINK_SPEED=perdev "$NT" -N "$A" link >"$TMP/pd.table" 2>/dev/null
check "per-device fallback: the table has the same note line" grep -q '^note: ethtool netlink LINKMODES_GET dump ended after 0 replies' "$TMP/pd.table"

# lo has no link settings: null speed, duplex and utilization, no
# utilization verdict, also over -i with traffic on it.
ip netns exec "$A" ping -c 3 -i 0.05 -q 127.0.0.1 >/dev/null 2>&1 &
BG_PIDS+=("$!")
"$NT" -N "$A" -j -i 0.3 -c 2 link lo >"$TMP/lo.json" 2>/dev/null
wait "${BG_PIDS[-1]}" 2>/dev/null
BG_PIDS=()
check "lo: speed_mbps, duplex, rx/tx_util_pct null over -i" \
	jqt -s '.[1].interfaces[0] | .speed_mbps == null and .duplex == null and .rx_util_pct == null and .tx_util_pct == null and .deltas.rx_bytes > 0' "$TMP/lo.json"
check "lo: no link.utilization verdict" \
	jqt -s 'all(.[].verdicts[]; .check != "link.utilization")' "$TMP/lo.json"

# Utilization over -i: a known burst between the two samples, nothing
# else moving (IPv6 off). ip -j -s link before and after the run brackets
# both samples, so its byte delta must equal nettriage's exactly, and
# rx/tx_util_pct must equal delta x 8 / seconds / (speed x 10^6) x 100 to
# 1e-6 relative (JSON numbers carry 10 significant digits; the seconds are
# nettriage's own, baseline.seconds: ip has no timestamps).
ipbytes() { # ipbytes NS IF: "rx tx"
	ip -n "$1" -j -s link show "$2" | jq -r '.[0].stats64 | "\(.rx.bytes) \(.tx.bytes)"'
}
read -r arx0 atx0 <<<"$(ipbytes "$A" vethA)"
"$NT" -N "$A" -j -i 1.5 -c 2 link vethA >"$TMP/util.json" 2>"$TMP/util.err" &
ntpid=$!
BG_PIDS+=("$ntpid")
for _ in $(seq 100); do
	[ -s "$TMP/util.json" ] && break
	sleep 0.02
done
ip netns exec "$A" ping -c 50 -i 0.005 -s 1200 -W 1 -q 192.0.2.2 >/dev/null 2>&1
wait "$ntpid"
BG_PIDS=()
read -r arx1 atx1 <<<"$(ipbytes "$A" vethA)"
ucmp=$(jq -r -s --argjson drx "$((arx1 - arx0))" --argjson dtx "$((atx1 - atx0))" '
	.[1] as $d | $d.interfaces[0] as $i | $d.baseline.seconds as $s
	| ($drx * 8 / $s / ($i.speed_mbps * 1e6) * 100) as $erx
	| ($dtx * 8 / $s / ($i.speed_mbps * 1e6) * 100) as $etx
	| def near(a; b): ((a - b) | fabs) <= 1e-6 * ((b | fabs) + 1e-12);
	if $i.deltas.rx_bytes == $drx and $i.deltas.tx_bytes == $dtx
	   and near($i.rx_util_pct; $erx) and near($i.tx_util_pct; $etx) and $dtx > 50 * 1200
	then "ok rx \($i.rx_util_pct)% tx \($i.tx_util_pct)% = ip bytes \($drx)/\($dtx) x 8 / \($s) s / \($i.speed_mbps) Mb/s"
	else "bad: nettriage deltas \($i.deltas.rx_bytes)/\($i.deltas.tx_bytes) util \($i.rx_util_pct)/\($i.tx_util_pct), ip \($drx)/\($dtx) want \($erx)/\($etx) over \($s) s" end' "$TMP/util.json" 2>&1)
check "-i 1.5: vethA utilization equals ip -j -s link bytes x 8 / dt / speed ($ucmp)" [ "${ucmp#ok}" != "$ucmp" ]

# Ethernet framing (24 bytes per frame) is added only for a device with a
# wire (ARPHRD_ETHER without IFLA_INFO_KIND): veth and tun have a kind and
# 0, which is why the byte equality above holds exactly; lo 0.
fr=$("$NT" -N "$A" -j link 2>/dev/null | jq -c '[.interfaces[] | {name, kind, framing_bytes}] | sort_by(.name)')
check "framing: vethA kind veth 0, tunA kind tun 0, lo no kind 0 ($fr)" \
	jqt -n --argjson v "${fr:-null}" '($v | map({(.name): .}) | add) as $m
		| $m.vethA.kind == "veth" and $m.vethA.framing_bytes == 0
		and $m.tunA.kind == "tun" and $m.tunA.framing_bytes == 0
		and $m.lo.kind == null and $m.lo.framing_bytes == 0'
fr=$(NETTRIAGE_LINK_SOURCE=proc "$NT" -N "$A" -j link vethA 2>/dev/null | jq -c '.interfaces[0] | {kind, framing_bytes}')
check "framing with /proc/net/dev: unknown, null ($fr)" jqt -n --argjson v "${fr:-null}" '$v.kind == null and $v.framing_bytes == null'

# Utilization since the previous run (history): two runs, a burst between.
"$NT" -N "$A" -j link vethA >/dev/null 2>&1
read -r arx0 atx0 <<<"$(ipbytes "$A" vethA)"
ip netns exec "$A" ping -c 20 -i 0.005 -s 1000 -W 1 -q 192.0.2.2 >/dev/null 2>&1
read -r arx1 atx1 <<<"$(ipbytes "$A" vethA)"
"$NT" -N "$A" -j link vethA >"$TMP/uhist.json" 2>/dev/null
hcmp=$(jq -r --argjson dtx "$((atx1 - atx0))" '
	.interfaces[0] as $i | .baseline.seconds as $s
	| ($dtx * 8 / $s / ($i.speed_mbps * 1e6) * 100) as $e
	| if .baseline.kind == "history" and ((($i.tx_util_pct - $e) | fabs) <= 1e-6 * $e) and $dtx > 0
	  then "ok tx \($i.tx_util_pct)% over \($s) s" else "bad: \($i.tx_util_pct) want \($e) (\(.baseline.kind))" end' \
	"$TMP/uhist.json" 2>&1)
check "history: vethA tx_util_pct equals ip bytes delta x 8 / dt / speed ($hcmp)" [ "${hcmp#ok}" != "$hcmp" ]

# The verdict: a ping flood A -> B during -i 1 -c 2 with --warn-util 0.01
# (1 Mb/s of a 10000 Mb/s veth): link.utilization WARN on vethA; at the
# defaults (80/95 %) the same flood is OK.
ip netns exec "$A" ping -f -s 500 -w 4 -q 192.0.2.2 >/dev/null 2>&1 &
BG_PIDS+=("$!")
sleep 0.2
"$NT" -N "$A" -j -i 1 -c 2 link --warn-util 0.01 --crit-util 1000000 vethA >"$TMP/uflood.json" 2>/dev/null
rc=$?
"$NT" -N "$A" -j -i 1 -c 2 link vethA >"$TMP/uflood-def.json" 2>/dev/null
rcd=$?
wait "${BG_PIDS[-1]}" 2>/dev/null
BG_PIDS=()
uv=$(jq -c -s '.[1].verdicts[] | select(.check == "link.utilization") | {subject, level, value, reason}' "$TMP/uflood.json" 2>/dev/null)
check "ping flood, --warn-util 0.01: exit 1 (got $rc), link.utilization vethA warn ($uv)" \
	jqt -n --argjson v "${uv:-null}" --argjson rc "$rc" '$rc == 1 and $v.subject == "vethA" and $v.level == "warn" and $v.value >= 0.01'
check "ping flood at the default thresholds: link.utilization vethA ok (exit $rcd)" \
	jqt -s '.[1].verdicts[] | select(.check == "link.utilization" and .subject == "vethA") | .level == "ok"' "$TMP/uflood-def.json"
check "the table row of vethA carries the utilization verdict (subject = IFACE)" \
	sh -c '"$1" -N "$2" -i 0.5 -c 2 link --warn-util 0 --crit-util 1000000 vethA 2>/dev/null | grep -q "^vethA .* WARN$"' sh "$NT" "$A"

# Flapping between two runs (history): the peer toggled down/up twice is
# 4 carrier changes on vethB, carrier up again: link.flapping WARN,
# link.carrier OK (nothing lost now).
"$NT" -N "$B" -j link vethB >/dev/null 2>&1
for _ in 1 2; do
	ip -n "$A" link set vethA down
	ip -n "$A" link set vethA up
done
"$NT" -N "$B" -j link vethB >"$TMP/flap.json" 2>/dev/null
rc=$?
fv=$(jq -c '[.verdicts[] | select(.subject == "vethB" and (.check == "link.flapping" or .check == "link.carrier")) | {check, level, value}]' "$TMP/flap.json" 2>/dev/null)
check "peer down/up twice between runs: exit 1 (got $rc), link.flapping warn value 4, link.carrier ok ($fv)" \
	jqt -n --argjson v "${fv:-null}" --argjson rc "$rc" '$rc == 1 and ($v | map({(.check): .}) | add) as $m
		| $m["link.flapping"].level == "warn" and $m["link.flapping"].value == 4 and $m["link.carrier"].level == "ok"'
# within -i: the same, and the carrier deltas say it
"$NT" -N "$B" -j -i 1.5 -c 2 link vethB >"$TMP/flapi.json" 2>/dev/null &
ntpid=$!
BG_PIDS+=("$ntpid")
for _ in $(seq 100); do
	[ -s "$TMP/flapi.json" ] && break
	sleep 0.02
done
for _ in 1 2; do
	ip -n "$A" link set vethA down
	ip -n "$A" link set vethA up
done
wait "$ntpid"
BG_PIDS=()
check "peer down/up twice within -i 1.5: sample 1 link.flapping vethB warn, deltas.carrier_changes 4, carrier_down_count 2" \
	jqt -s '.[1] | (.verdicts[] | select(.check == "link.flapping" and .subject == "vethB") | .level == "warn")
		and .interfaces[0].deltas.carrier_changes == 4 and .interfaces[0].deltas.carrier_down_count == 2' "$TMP/flapi.json"
# one down that stays down: link.carrier WARN, not flapping
"$NT" -N "$B" -j link vethB >/dev/null 2>&1
ip -n "$A" link set vethA down
"$NT" -N "$B" -j link vethB >"$TMP/lost.json" 2>/dev/null
ip -n "$A" link set vethA up
check "peer down once and still down: link.carrier warn, link.flapping ok" \
	jqt '([.verdicts[] | select(.subject == "vethB") | {(.check): .level}] | add) as $m
		| $m["link.carrier"] == "warn" and $m["link.flapping"] == "ok"' "$TMP/lost.json"

exit $((fails > 0))
