#!/bin/sh
# capture -r: every count of every fixture equals the known answer of the
# fixture writer (tests/net/pcapgen.c: the counts the frames were built to
# hold) AND what tshark (Wireshark's own TCP analysis) says about the same
# file, in the same run; link types give the flow counts Ethernet gives;
# bad input gets one line on stderr, exit 3 or 64, nothing on stdout.
#
# tshark's side of each key: the "-z expert" count of its message (below),
# or, for the keys Wireshark has no expert message for, a count over
# tshark's own decoded fields (-T fields): packets, tcp_packets, bytes,
# payload_bytes (tcp.len), data_segments, flows (tcp.stream),
# icmp_errors (ICMP/ICMPv6 error types), rsts_server (RSTs from the port
# that sent the stream's SYN/ACK), zero_window_ms (from a zero window to
# that side's next non-zero one), handshake_rtt_ms (SYN to SYN/ACK) and
# irtt_ms (tcp.analysis.initial_rtt).
# Documented differences are listed in DIFFS below and printed by name on
# every line they touch; there is none today.
#
# Env: NT (the binary), NT_BUILD (its build dir: pcapgen is there).
# Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"
GEN=${NT_BUILD:-$top/build}/tests/pcapgen

if [ ! -x "$GEN" ]; then
	notok "fixture writer $GEN exists (make -j2 unit)"
	exit 1
fi
for t in tshark jq; do
	if ! command -v "$t" >/dev/null 2>&1; then
		notok "$t is installed (scripts/packages.txt)"
		exit 1
	fi
done

# fixture:key reason -- where tshark's judgement is not the known answer
DIFFS=""

# The count keys: totals and each flow record carry them all.
COUNT_KEYS="bytes data_segments retrans fast_retrans spurious_retrans out_of_order
lost_segments acked_unseen dup_acks zero_windows zero_window_probes window_full
keep_alives rsts rsts_server port_reuse icmp_errors"

# tshark_expert FILE: key=value per count key from tshark -z expert.
tshark_expert() {
	tshark -r "$1" -q -z expert 2>/dev/null | awk '
	/^ +[0-9]+ +[A-Za-z]+ +[A-Za-z0-9]+ +/ {
		n = $1; $1 = ""; $2 = ""; $3 = ""
		m = $0; sub(/^ +/, "", m)
		if (m == "This frame is a (suspected) retransmission") k = "retrans"
		else if (m == "This frame is a (suspected) fast retransmission") k = "fast_retrans"
		else if (m == "This frame is a (suspected) spurious retransmission") k = "spurious_retrans"
		else if (m == "This frame is a (suspected) out-of-order segment") k = "out_of_order"
		else if (m == "Previous segment(s) not captured (common at capture start)") k = "lost_segments"
		else if (m == "ACKed segment that wasn'"'"'t captured (common at capture start)") k = "acked_unseen"
		else if (m ~ /^Duplicate ACK \(#[0-9]+\)$/) k = "dup_acks"
		else if (m == "TCP Zero Window segment") k = "zero_windows"
		else if (m == "TCP Zero Window Probe") k = "zero_window_probes"
		else if (m == "TCP window specified by the receiver is now completely full") k = "window_full"
		else if (m == "TCP keep-alive segment") k = "keep_alives"
		else if (m == "Connection reset (RST)") k = "rsts"
		else if (m ~ /^A new tcp session is started with the same ports as an earlier session/) k = "port_reuse"
		else next
		c[k] += n
	}
	END {
		split("retrans fast_retrans spurious_retrans out_of_order lost_segments acked_unseen dup_acks zero_windows zero_window_probes window_full keep_alives rsts port_reuse", ks, " ")
		for (i in ks) printf "%s=%d\n", ks[i], c[ks[i]]
	}'
}

# tshark_fields FILE: the keys with no expert message, from tshark's fields.
tshark_fields() {
	tshark -r "$1" -T fields -E separator=/t -E occurrence=f \
		-e frame.len -e icmp.type -e icmpv6.type -e tcp.stream -e tcp.srcport \
		-e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.reset -e tcp.flags.fin \
		-e tcp.len -e tcp.analysis.initial_rtt -e frame.time_relative \
		-e tcp.window_size_value -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
		-e tcp.dstport 2>/dev/null | awk -F'\t' '
	{
		pk++
		if ($2 != "" || $3 != "") {
			if ($2 == 3 || $2 == 11 || ($3 >= 1 && $3 <= 3)) icmp++
			next
		}
		if ($4 == "") next
		s = $4; tcp++; by += $1; pl += $10; if ($10 > 0) data++
		if (!(s in seen)) { seen[s] = 1; fl++ }
		if ($6 == 1 && $7 == 0 && !(s in syn)) {
			syn[s] = $12
			if (s == 0) printf "src=%s\nsport=%s\ndst=%s\ndport=%s\n", $14 $15, $5, $16 $17, $18
		}
		if ($6 == 1 && $7 == 1 && !(s in srv)) { srv[s] = $5; sa[s] = $12 }
		if ($8 == 1 && (s in srv) && $5 == srv[s]) rsrv++
		if ($11 != "" && !(s in irtt)) irtt[s] = $11
		d = s " " $5
		if ($13 == 0 && $6 == 0 && $8 == 0 && $9 == 0) {
			if (!(d in zw)) zw[d] = $12
		} else if ((d in zw) && $13 > 0) {
			zwms += ($12 - zw[d]) * 1000; delete zw[d]
		}
	}
	END {
		printf "packets=%d\ntcp_packets=%d\nbytes=%d\ndata_segments=%d\nflows=%d\n", pk, tcp, by, data, fl
		printf "icmp_errors=%d\nrsts_server=%d\nzero_window_ms=%.3f\n", icmp, rsrv, zwms
		printf "payload_bytes=%d\n", pl
		if ((0 in syn) && (0 in sa)) printf "handshake_rtt_ms=%.3f\n", (sa[0] - syn[0]) * 1000
		if (0 in irtt) printf "irtt_ms=%.3f\n", irtt[0] * 1000
	}'
}

# val FILE KEY: the value of KEY= in FILE ("" when absent).
val() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# same A B [TOL]: equal numbers (within TOL) or equal strings.
same() {
	if [ $# -ge 3 ]; then
		awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {
			if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/) exit 1
			d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
		return
	fi
	[ "$1" = "$2" ]
}

# check FIX KEY KNOWN TSHARK NETTRIAGE [TOL]
check() {
	f=$1 k=$2 kn=$3 ts=$4 nv=$5
	shift 5
	doc=""
	for d in $DIFFS; do
		case "$d" in "$f:$k="*) doc=${d#*=} ;; esac
	done
	line="$f: $k known $kn, tshark $ts, nettriage $nv"
	if [ -z "$kn" ]; then
		notok "$line (no known answer for this key)"
	elif ! same "$kn" "$nv" "$@"; then
		notok "$line (nettriage differs from the known answer)"
	elif [ -n "$doc" ]; then
		if same "$kn" "$ts" "$@"; then
			notok "$line (documented difference '$doc' no longer there: remove it)"
		else
			ok "$line (tshark differs as documented: $doc)"
		fi
	elif [ "$ts" != "(not compared)" ] && ! same "$kn" "$ts" "$@"; then
		notok "$line (tshark differs from the known answer)"
	else
		ok "$line"
	fi
}

# check_ts FIX KEY TSHARK NETTRIAGE: no known answer by construction
check_ts() {
	line="$1: $2 tshark $3, nettriage $4 (tshark is the only reference)"
	if [ -n "$3" ] && [ "$3" = "$4" ]; then ok "$line"; else notok "$line"; fi
}

# nt_json FILE OUT: run capture -r FILE -j [ARGS], flatten to key=value.
nt_json() {
	nj_f=$1 nj_o=$2
	shift 2
	run capture -r "$nj_f" -j "$@"
	if [ "$rc" -ge 3 ] || ! jq -e . "$tmp/out" >/dev/null 2>&1; then
		notok "capture -r $(basename "$nj_f") -j $*: exit $rc, JSON on stdout"
		sed 's/^/    stderr: /' "$tmp/err" | head -5 >&2
		: >"$nj_o"
		return 1
	fi
	jq -r '
		(.totals // {} | to_entries[] | "t.\(.key)=\(.value)"),
		(.flows // [] | length | "nflows=\(.)"),
		(.flows[0] // {} | to_entries[] | "f.\(.key)=\(.value)"),
		(to_entries[] | select(.value | type != "object" and type != "array")
			| "top.\(.key)=\(.value)"),
		(.source // {} | to_entries[] | "source.\(.key)=\(.value)")
	' "$tmp/out" >"$nj_o"
}

FIXTURES="clean retrans3 fastretrans spurious ooo lost rst zerowin ipv6 icmp
portreuse keepalive serial snap link-eth link-vlan link-sll link-sll2 link-raw
link-null pcapng bench"

for fx in $FIXTURES; do
	F=$tmp/$fx.pcap
	if [ "$fx" = bench ]; then
		# many interleaved flows, retransmissions, fast ones, RSTs
		"$GEN" bench "$F" 20000 60 40 >"$tmp/gen.out" || notok "pcapgen bench"
	else
		"$GEN" "$fx" "$F" >"$tmp/gen.out" || notok "pcapgen $fx"
	fi
	tr ' ' '\n' <"$tmp/gen.out" >"$tmp/$fx.known"
	K=$tmp/$fx.known
	tshark_expert "$F" >"$tmp/$fx.ts"
	tshark_fields "$F" >>"$tmp/$fx.ts"
	T=$tmp/$fx.ts
	N=$tmp/$fx.nt
	nt_json "$F" "$N" || continue

	check "$fx" packets "$(val "$K" packets)" "$(val "$T" packets)" "$(val "$N" top.packets)"
	check "$fx" tcp_packets "$(val "$K" tcp_packets)" "$(val "$T" tcp_packets)" \
		"$(val "$N" top.tcp_packets)"
	check "$fx" "tcp_packets (totals.packets)" "$(val "$K" tcp_packets)" \
		"$(val "$T" tcp_packets)" "$(val "$N" t.packets)"
	check "$fx" flows "$(val "$K" flows)" "$(val "$T" flows)" "$(val "$N" top.flows_total)"
	check "$fx" "icmp_errors (frames)" "$(val "$K" icmp_errors)" "$(val "$T" icmp_errors)" \
		"$(val "$N" top.icmp_errors)"
	for k in $COUNT_KEYS; do
		check "$fx" "$k" "$(val "$K" "$k")" "$(val "$T" "$k")" "$(val "$N" "t.$k")"
	done
	check "$fx" zero_window_ms "$(val "$K" zero_window_ms)" "$(val "$T" zero_window_ms)" \
		"$(val "$N" t.zero_window_ms)" 0.01
	# TCP payload: tshark's tcp.len comes from the IP header, so a
	# snapped frame (the snap fixture) still counts its full payload
	check "$fx" payload_bytes "$(val "$K" payload_bytes)" "$(val "$T" payload_bytes)" \
		"$(val "$N" t.payload_bytes)"
	# the flow record: one flow, the same counts as the totals, its
	# addresses and handshake times
	[ "$(val "$K" flows)" = 1 ] || continue
	check "$fx" "flows[] length" 1 1 "$(val "$N" nflows)"
	for k in src sport dst dport; do
		check "$fx" "flow $k" "$(val "$K" "$k")" "$(val "$T" "$k")" "$(val "$N" "f.$k")"
	done
	for k in packets payload_bytes $COUNT_KEYS; do
		kk=$k
		[ "$k" = packets ] && kk=tcp_packets
		check "$fx" "flow $k" "$(val "$K" "$kk")" "$(val "$T" "$kk")" "$(val "$N" "f.$k")"
	done
	check "$fx" "flow handshake_rtt_ms" "$(val "$K" handshake_rtt_ms)" \
		"$(val "$T" handshake_rtt_ms)" "$(val "$N" f.handshake_rtt_ms)" 0.002
	check "$fx" "flow irtt_ms" "$(val "$K" irtt_ms)" "$(val "$T" irtt_ms)" \
		"$(val "$N" f.irtt_ms)" 0.002
done

# Random segments of one flow (pcapgen random, fixed seed): the counts it
# was built to hold where construction alone decides them; every
# analysis count against tshark alone (what a random segment is, is
# Wireshark's judgement: no known answer by construction). Not compared:
# zero_window_ms (a stall that a RST, a new ISN or the end of the file
# interrupts has no common definition), rsts_server against tshark (a
# stream tshark starts at a new ISN has no SYN/ACK to name its server).
F=$tmp/random.pcap
"$GEN" random "$F" | tr ' ' '\n' >"$tmp/random.known"
K=$tmp/random.known T=$tmp/random.ts N=$tmp/random.nt
tshark_expert "$F" >"$T"
tshark_fields "$F" >>"$T"
if nt_json "$F" "$N"; then
	check random packets "$(val "$K" packets)" "$(val "$T" packets)" "$(val "$N" top.packets)"
	for k in bytes payload_bytes data_segments rsts; do
		check random "$k" "$(val "$K" "$k")" "$(val "$T" "$k")" "$(val "$N" "t.$k")"
	done
	check random rsts_server "$(val "$K" rsts_server)" "(not compared)" \
		"$(val "$N" t.rsts_server)"
	check_ts random flows "$(val "$T" flows)" "$(val "$N" top.flows_total)"
	for k in retrans fast_retrans spurious_retrans out_of_order lost_segments acked_unseen \
		dup_acks zero_windows zero_window_probes window_full keep_alives port_reuse; do
		check_ts random "$k" "$(val "$T" "$k")" "$(val "$N" "t.$k")"
	done
fi

# Link types: the same flow as on Ethernet, every count but the frame bytes.
E=$tmp/link-eth.nt
for fx in link-vlan:EN10MB link-sll:LINUX_SLL link-sll2:LINUX_SLL2 link-raw:RAW \
	link-null:NULL pcapng:EN10MB link-eth:EN10MB; do
	lt=${fx#*:} fx=${fx%%:*}
	N=$tmp/$fx.nt
	[ -s "$N" ] && [ -s "$E" ] || { notok "$fx: no JSON to compare"; continue; }
	got=$(val "$N" source.linktype)
	if [ "$got" = "$lt" ]; then
		ok "$fx: source.linktype $got"
	else
		notok "$fx: source.linktype '$got', want $lt"
	fi
	[ "$fx" = link-eth ] && continue
	bad=""
	for k in packets data_segments retrans fast_retrans spurious_retrans out_of_order \
		lost_segments acked_unseen dup_acks zero_windows rsts port_reuse; do
		[ "$(val "$N" "t.$k")" = "$(val "$E" "t.$k")" ] ||
			bad="$bad $k $(val "$N" "t.$k") (Ethernet $(val "$E" "t.$k"))"
	done
	for k in src sport dst dport handshake_rtt_ms irtt_ms; do
		[ "$(val "$N" "f.$k")" = "$(val "$E" "f.$k")" ] ||
			bad="$bad flow $k $(val "$N" "f.$k") (Ethernet $(val "$E" "f.$k"))"
	done
	if [ -z "$bad" ]; then
		ok "$fx: the same flow and counts as Ethernet"
	else
		notok "$fx: differs from Ethernet:$bad"
	fi
done

# Eviction. Flows that are done: a table of 4 over the 40 serial flows
# evicts 36 and its totals are the unbounded table's. Flows still open:
# a table of 8 over the bench's 60 interleaved ones loses their sequence
# state on eviction (a flow seen again starts afresh, so flows_total
# grows and retransmissions go unseen, as in any bounded table), but
# every segment is still counted once in the totals.
check_evict() { # fixture max-flows exact-keys
	ef=$1 em=$2 ek=$3
	nt_json "$tmp/$ef.pcap" "$tmp/$ef.ev" --max-flows "$em" || return
	bad=""
	for k in $ek; do
		[ "$(val "$tmp/$ef.ev" "t.$k")" = "$(val "$tmp/$ef.nt" "t.$k")" ] ||
			bad="$bad $k $(val "$tmp/$ef.ev" "t.$k") (unbounded $(val "$tmp/$ef.nt" "t.$k"))"
	done
	ev=$(val "$tmp/$ef.ev" top.evicted)
	[ "${ev:-0}" -gt 0 ] 2>/dev/null || bad="$bad evicted '$ev'"
	if [ -z "$bad" ]; then
		ok "$ef --max-flows $em: $ev flows evicted, totals unchanged:" $ek
	else
		notok "$ef --max-flows $em:$bad"
	fi
}
check_evict serial 4 "packets $COUNT_KEYS"
check_evict bench 8 "packets bytes data_segments rsts rsts_server zero_windows"
sf=$(val "$tmp/serial.known" flows)
if [ "$(val "$tmp/serial.ev" top.flows_total)" = "$sf" ] &&
	[ "$(val "$tmp/serial.ev" top.evicted)" = $((sf - 4)) ]; then
	ok "serial --max-flows 4: flows_total $sf, evicted $((sf - 4))"
else
	notok "serial --max-flows 4: flows_total $(val "$tmp/serial.ev" top.flows_total), evicted $(val "$tmp/serial.ev" top.evicted), want $sf and $((sf - 4))"
fi

# Ranking (nettriage-capture(8) --sort): worst first by the key (rst:
# rsts_server, then rsts; zero_window: zero_window_ms, then zero_windows;
# rtt: rtt_ms.p99, flows without a sample last), ties to more bytes, then
# to the older flow. "Older" is tshark's: its tcp.stream numbers streams in
# the order of their first frame. On three fixtures: random (ten flows,
# every key different), bench (127 flows, many ties on the key and flows
# without an RTT sample), serial (40 flows alike in every key and in
# bytes: the order is the flows' age alone). --top 10000 lists every flow
# (flows_total of them, each flow's bytes tshark's sum of frame.len over
# its stream); --top N lists the first N of that order; --top 0 none.
# The random fixture reuses one address pair for several streams (new
# ISNs): there the bytes are compared summed over the pair, and a tie
# down to the bytes between two flows of one pair cannot be judged from
# the JSON without a flow id, which fails. Where flows carry an "id", a
# tie goes to the lower one, and it must agree with tshark's order.
# tshark_streams FILE: "A B stream bytes n" per address pair, A and B its
# two endpoints (addr:port, in string order), stream the first stream
# number, bytes the sum over its n streams.
tshark_streams() {
	tshark -r "$1" -T fields -E separator=/t -e tcp.stream -e ip.src -e ipv6.src \
		-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e frame.len 2>/dev/null |
		awk -F'\t' '$1 != "" {
		a = $2 $3 ":" $4; b = $5 $6 ":" $7
		if (a > b) { t = a; a = b; b = t }
		k = a " " b
		if (!($1 in seen)) { seen[$1] = 1; ns[k]++ }
		if (!(k in st) || $1 < st[k]) st[k] = $1
		by[k] += $8
	}
	END { for (k in st) print k, st[k], by[k], ns[k] }'
}
# rank_rows FILE SORT: "A B key1 key2 bytes" per flow of the JSON, in order
rank_rows() {
	jq -r --arg s "$2" '.flows[] |
		([("\(.src):\(.sport)"), ("\(.dst):\(.dport)")] | sort) as $e |
		(if $s == "retrans" then [.retrans, 0]
		elif $s == "rst" then [.rsts_server, .rsts]
		elif $s == "rtt" then [(.rtt_ms.p99 // -1), 0]
		elif $s == "bytes" then [.bytes, 0]
		else [.zero_window_ms, .zero_windows] end) as $k |
		"\($e[0]) \($e[1]) \($k[0]) \($k[1]) \(.bytes) \(.id // "-")"' "$1"
}
for fx in random bench serial; do
	tshark_streams "$tmp/$fx.pcap" >"$tmp/$fx.streams"
	for so in retrans rst rtt bytes zero_window; do
		R=$tmp/$fx.$so
		run capture -r "$tmp/$fx.pcap" -j --sort "$so" --top 10000
		cp "$tmp/out" "$R.all"
		if [ "$rc" -ge 3 ] || ! rank_rows "$R.all" "$so" >"$R.rows"; then
			notok "$fx --sort $so --top 10000: exit $rc, JSON on stdout"
			continue
		fi
		# every flow listed, matched to a tshark stream of the same bytes,
		# and each row ranks at or below the one before it
		why=$(awk -v want="$(jq .flows_total "$R.all")" -v srt="$so" '
			NR == FNR { k = $1 " " $2; st[k] = $3; by[k] = $4; ns[k] = $5; next }
			{
				k = $1 " " $2; n++
				if (!(k in st)) { print "flow " k " is no tshark stream"; err = 1; exit }
				got[k] += $5
				if (n > 1) {
					c = ($3 != p3) ? ($3 > p3 ? 1 : -1) : ($4 != p4) ? ($4 > p4 ? 1 : -1) : \
					    ($5 != p5) ? ($5 > p5 ? 1 : -1) : 0
					amb = ns[k] > 1 || ns[pk] > 1
					if (c == 0 && $6 != "-" && pid != "-") {
						c = $6 + 0 < pid + 0 ? 1 : -1
						if (!amb && (c > 0) != (st[k] < ps)) {
							print "rows " n - 1 " and " n ": flow ids " pid ", " $6 " and tshark streams " ps ", " st[k] " disagree on the older"
							err = 1; exit
						}
					} else if (c == 0 && amb) {
						print "rows " n - 1 " and " n " tie down to the bytes within one address pair (" k "): no flow id to order them"
						err = 1; exit
					}
					if (c == 0) c = st[k] < ps ? 1 : -1
					if (c > 0) {
						print "row " n " (" k ": " srt " " $3 "/" $4 ", bytes " $5 \
						      ", stream " st[k] ") ranks above row " n - 1 " (" pk ": " \
						      p3 "/" p4 ", bytes " p5 ", stream " ps ")"
						err = 1; exit
					}
				}
				pk = k; p3 = $3; p4 = $4; p5 = $5; ps = st[k]; pid = $6
			}
			END {
				if (err) exit
				if (n != want) { print n " rows, flows_total " want; exit }
				for (k in got) if (got[k] != by[k]) {
					print "flows " k ": bytes " got[k] ", tshark " by[k] " over " ns[k] " streams"; exit
				}
			}' \
			"$tmp/$fx.streams" "$R.rows")
		if [ -z "$why" ]; then
			ok "$fx --sort $so: all $(lines "$R.rows") flows in order (key, then bytes, then tshark's stream order), bytes = tshark's"
		else
			notok "$fx --sort $so: $why"
		fi
		for n in 3 0; do
			run capture -r "$tmp/$fx.pcap" -j --sort "$so" --top "$n"
			rank_rows "$tmp/out" "$so" >"$R.top" 2>/dev/null
			if [ "$rc" -le 2 ] && head -n "$n" "$R.rows" | cmp -s - "$R.top" &&
				[ "$(lines "$R.top")" = "$n" ] &&
				[ "$(jq -r .sort "$tmp/out")" = "$so" ]; then
				ok "$fx --sort $so --top $n: the first $n of that order, sort \"$so\""
			else
				notok "$fx --sort $so --top $n: exit $rc, $(lines "$R.top") rows, sort '$(jq -r .sort "$tmp/out" 2>/dev/null)', want the first $n of --top 10000"
			fi
		done
	done
done

# -C and a BPF filter on a file
if nt_json "$tmp/clean.pcap" "$tmp/c5.nt" -C 5; then
	got=$(val "$tmp/c5.nt" top.packets)
	if [ "$got" = 5 ]; then ok "-C 5: 5 packets read"; else notok "-C 5: $got packets read"; fi
fi
if nt_json "$tmp/icmp.pcap" "$tmp/flt.nt" tcp; then
	want=$(val "$tmp/icmp.known" tcp_packets)
	got="$(val "$tmp/flt.nt" top.packets)/$(val "$tmp/flt.nt" top.icmp_errors)"
	if [ "$got" = "$want/0" ]; then
		ok "BPF filter 'tcp': $want packets, no ICMP"
	else
		notok "BPF filter 'tcp': packets/icmp_errors $got, want $want/0"
	fi
fi
# the table (no -j) names the flow
run capture -r "$tmp/clean.pcap"
if [ "$rc" -le 2 ] && grep -q "$(val "$tmp/clean.known" dst)" "$tmp/out"; then
	ok "table output names the server"
else
	notok "table output: exit $rc, server $(val "$tmp/clean.known" dst) not in it"
fi

# The table's totals and --prom on fixtures with non-zero counts: every
# count in the table's totals is the JSON's; promtool accepts the
# exposition and its counters are the JSON's totals.
# table_totals FILE: key=value of the table's totals, from a
# "totals: KEY VALUE ..." line or from the totals row under the flows
# (its cells found under the header's right-aligned column names).
table_totals() {
	awk '
	function cells(line, out,   pos, e, n) {
		pos = 1; n = 0
		while (match(substr(line, pos), /[^ ]+/)) {
			e = pos + RSTART + RLENGTH - 2
			out[e] = substr(line, pos + RSTART - 1, RLENGTH)
			pos = e + 2; n++
		}
		return n
	}
	BEGIN {
		m["PKTS"] = "packets"; m["DATA"] = "data_segments"; m["RETRANS"] = "retrans"
		m["FAST"] = "fast_retrans"; m["SPUR"] = "spurious_retrans"; m["OOO"] = "out_of_order"
		m["LOST"] = "lost_segments"; m["DUPACK"] = "dup_acks"; m["ZWIN"] = "zero_windows"
		m["RST"] = "rsts"; m["ZW-MS"] = "zero_window_ms"
	}
	/^totals: / { for (i = 2; i < NF; i += 2) print $i "=" $(i + 1); next }
	!h && / SPORT .* PKTS / { h = 1; cells($0, col); next }
	h && $2 == "totals" {
		cells($0, v)
		for (e in col) if ((col[e] in m) && (e in v)) print m[col[e]] "=" v[e]
		h = 0
	}' "$1"
}
for fx in bench random; do
	run capture -r "$tmp/$fx.pcap"
	table_totals "$tmp/out" >"$tmp/$fx.tt"
	bad=""
	for k in $(sed 's/=.*//' "$tmp/$fx.tt"); do
		same "$(val "$tmp/$fx.nt" "t.$k")" "$(val "$tmp/$fx.tt" "$k")" 0.5 ||
			bad="$bad $k table '$(val "$tmp/$fx.tt" "$k")' JSON '$(val "$tmp/$fx.nt" "t.$k")'"
	done
	for k in packets retrans rsts dup_acks; do
		[ -n "$(val "$tmp/$fx.tt" "$k")" ] || bad="$bad $k not in the table's totals"
	done
	if [ "$rc" -le 2 ] && [ -z "$bad" ]; then
		ok "$fx table: totals ($(lines "$tmp/$fx.tt") counts) = JSON totals (retrans $(val "$tmp/$fx.tt" retrans), rsts $(val "$tmp/$fx.tt" rsts), dup_acks $(val "$tmp/$fx.tt" dup_acks))"
	else
		notok "$fx table: exit $rc, totals line differs from JSON:$bad"
	fi
	run --prom capture -r "$tmp/$fx.pcap"
	if [ "$rc" -le 2 ] && promtool check metrics <"$tmp/out" >"$tmp/pt" 2>&1; then
		ok "$fx --prom: promtool check metrics passes"
	else
		notok "$fx --prom: exit $rc, promtool: $(head -c 300 "$tmp/pt")"
	fi
	bad=""
	for k in $COUNT_KEYS payload_bytes; do
		got=$(awk -v m="nettriage_capture_${k}_total" '$1 == m {print $2}' "$tmp/out")
		[ "$got" = "$(val "$tmp/$fx.nt" "t.$k")" ] ||
			bad="$bad nettriage_capture_${k}_total '$got' (JSON $(val "$tmp/$fx.nt" "t.$k"))"
	done
	if [ -z "$bad" ]; then
		ok "$fx --prom: nettriage_capture_retrans_total $(val "$tmp/$fx.nt" t.retrans) and every count counter = JSON totals"
	else
		notok "$fx --prom:$bad"
	fi
done

# -r with -t SEC: only the first SEC seconds of capture time are read
# (nettriage-capture(8)): the frames tshark puts at frame.time_relative
# <= SEC, a duration_s within SEC. The serial fixture's 40 flows spread
# over 9 s; 4.5 s falls between two frames.
tsn=$(tshark -r "$tmp/serial.pcap" -T fields -e frame.time_relative 2>/dev/null |
	awk '$1 <= 4.5 {n++} END {print n + 0}')
if nt_json "$tmp/serial.pcap" "$tmp/t45.nt" -t 4.5; then
	got=$(val "$tmp/t45.nt" top.packets)
	du=$(val "$tmp/t45.nt" source.duration_s)
	if [ "$got" = "$tsn" ] && [ "$got" -lt "$(val "$tmp/serial.known" packets)" ] &&
		awk -v d="$du" 'BEGIN {exit !(d > 0 && d <= 4.5)}'; then
		ok "-r with -t 4.5: $got of $(val "$tmp/serial.known" packets) frames read (tshark: $tsn within 4.5 s), duration_s $du"
	else
		notok "-r with -t 4.5: $got frames read, tshark $tsn within 4.5 s, duration_s '$du'"
	fi
fi

# A last record cut in the middle: the packets before it are counted,
# the JSON says truncated (nettriage-capture(8): "read up to it,
# truncated=1, exit by verdicts"), at most one note on stderr, no crash.
"$GEN" truncated "$tmp/trunc.pcap" | tr ' ' '\n' >"$tmp/trunc.known"
want=$(val "$tmp/trunc.known" packets)
tsn=$(tshark -r "$tmp/trunc.pcap" -T fields -e frame.number 2>/dev/null | grep -c .)
run capture -r "$tmp/trunc.pcap" -j
got=$(jq -r .packets "$tmp/out" 2>/dev/null)
tr=$(jq -r .truncated "$tmp/out" 2>/dev/null)
n=$(lines "$tmp/err")
if [ "$rc" -le 2 ] && [ "$got" = "$want" ] && [ "$tsn" = "$want" ] && [ "$n" -le 1 ] &&
	[ "$tr" = "$(val "$tmp/trunc.known" truncated)" ]; then
	ok "truncated last record: $got packets before it counted (tshark $tsn), truncated $tr, exit $rc"
else
	notok "truncated last record: exit $rc, packets '$got' (known $want, tshark $tsn), truncated '$tr', $n lines on stderr: $(head -c 300 "$tmp/err")"
fi

# Bad input
"$GEN" notpcap "$tmp/notpcap.pcap" >/dev/null
"$GEN" pcapng-mixed "$tmp/mixed.pcapng" >/dev/null
expect_err 3 "missing file" capture -r "$tmp/nosuch.pcap"
expect_err 3 "not a capture file" capture -r "$tmp/notpcap.pcap"
expect_err 3 "empty file" capture -r /dev/null
expect_err 3 "a directory" capture -r "$tmp"
expect_err 3 "pcapng with two link types" capture -r "$tmp/mixed.pcapng"
if grep -qi 'link type' "$tmp/err"; then
	ok "pcapng with two link types: the message names the limit"
else
	notok "pcapng with two link types: the message names the limit (got '$(cat "$tmp/err")')"
fi
expect_err 3 "bad BPF filter" capture -r "$tmp/clean.pcap" tcp and and
if grep -qi 'syntax' "$tmp/err"; then
	ok "bad BPF filter: libpcap's message quoted"
else
	notok "bad BPF filter: libpcap's message quoted (got '$(cat "$tmp/err")')"
fi
expect_err 64 "-t 0" capture -d lo -t 0
expect_err 64 "-t -1" capture -d lo -t -1
expect_err 64 "-t abc" capture -d lo -t abc
expect_err 64 "-r and -d" capture -r "$tmp/clean.pcap" -d lo
expect_err 64 "neither -r nor -d" capture
expect_err 64 "-r without a file" capture -r
expect_err 64 "--sort bogus" capture -r "$tmp/clean.pcap" --sort bogus
expect_err 64 "-i refused" -i 1 capture -r "$tmp/clean.pcap"
expect_err 64 "-c refused" -c 2 capture -r "$tmp/clean.pcap"
expect_err 64 "--all-netns refused" --all-netns capture -r "$tmp/clean.pcap"
expect_err 3 "missing interface" capture -d nt-nosuch0 -t 1

# Unreadable: as root, read it as nobody (root reads a mode-000 file).
mkdir "$tmp/ro" "$tmp/nstate"
chmod 755 "$tmp/ro"
chmod 1777 "$tmp/nstate"
chmod 711 "$tmp"
cp "$tmp/clean.pcap" "$tmp/ro/unreadable.pcap"
chmod 000 "$tmp/ro/unreadable.pcap"
if [ "$(id -u)" = 0 ]; then
	cat >"$tmp/asnobody" <<EOF
#!/bin/sh
NETTRIAGE_STATE_DIR=$tmp/nstate exec setpriv --reuid=65534 --regid=65534 --clear-groups "$NT" "\$@"
EOF
	chmod 755 "$tmp/asnobody"
	realnt=$NT
	NT=$tmp/asnobody
	expect_err 3 "unreadable file (as nobody)" capture -r "$tmp/ro/unreadable.pcap"
	NT=$realnt
else
	expect_err 3 "unreadable file" capture -r "$tmp/ro/unreadable.pcap"
fi
if grep -qi 'permission' "$tmp/err"; then
	ok "unreadable file: says permission denied"
else
	notok "unreadable file: says permission denied (got '$(cat "$tmp/err")')"
fi

exit $fail
