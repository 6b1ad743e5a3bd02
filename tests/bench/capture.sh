#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# Benchmark: `nettriage capture`, from a file and live.
#
# 1. File: tests/pcapgen (built by make unit) writes a PACKETS-packet pcap
#    over FLOWS TCP flows (`pcapgen bench OUT PACKETS FLOWS`; defaults
#    500,000 and 2,000). After a sanity run (our packet count = the bare
#    loop's; flows and retransmissions printed next to tshark's), one
#    warm-up round and REPS interleaved rounds (order rotated) time, wall
#    clock, output to /dev/null:
#      nettriage capture -r F -j     the whole analysis
#      tshark -q -z expert -r F      Wireshark's expert info, the peer
#      pcap_bare F                   tests/bench/pcap_bare.c: a bare
#                                    libpcap pcap_next_ex loop, the limit
#    Prints best (min) and median wall time and packets/s of each, the
#    best-time ratios nettriage/tshark (target <= 0.1) and nettriage/bare
#    (target <= 2), and nettriage's peak RSS (/usr/bin/time -f %M, max of
#    3 runs; target < 64 MiB).
# 2. Live: namespaces A and B joined by a veth pair; tests/bench/cap_flood.c
#    sends RATE (200,000) UDP datagrams a second A -> B for FLOOD_S seconds
#    (sendmmsg, paced on CLOCK_MONOTONIC; B drops them in INPUT, after
#    the capture tap); `nettriage capture -d <B's veth> -t SEC -j` in B
#    captures it. Prints the achieved send rate, the datagrams sent,
#    B's rx_packets delta, the frames captured, and `dropped` (ps_drop;
#    target 0 at 200k packets/s); then the same flood under
#    `tcpdump -i <B's veth> -w /dev/null` for comparison.
# 3. Live TCP: the file of 1. replayed onto the same veth (A -> B) at RATE
#    frames a second by tests/bench/cap_replay.c (AF_PACKET SOCK_RAW bound
#    to A's veth, sendmmsg batches paced on CLOCK_MONOTONIC, every frame
#    once, in order); `nettriage capture -d <B's veth> -t SEC -j` in B
#    counts them as TCP flows. Prints the achieved rate, captured,
#    tcp_packets, flows_total, retrans, dropped; target: 0 dropped, every
#    frame a TCP packet, flows_total and retrans (fast ones too) equal to
#    capture -r of the same file.
# Every figure is printed, and each target line says MET or MISSED (NOT
# MEASURED when the sender fell short of RATE); the bench fails on a
# missed target only with NT_BENCH_STRICT=1: performance is measured,
# not asserted.
#
# Env: NT, NT_BUILD (holds tests/pcapgen), PACKETS (500000), FLOWS (2000),
# REPS (3), RATE (200000), FLOOD_S (3), CC (cc), NT_BENCH_STRICT.
set -u

NT=${NT:-}
NT_BUILD=${NT_BUILD:-}
PACKETS=${PACKETS:-500000}
FLOWS=${FLOWS:-2000}
REPS=${REPS:-3}
RATE=${RATE:-200000}
FLOOD_S=${FLOOD_S:-3}
CC=${CC:-cc}
top=$(cd "$(dirname "$0")/../.." && pwd)
PCAPGEN=$NT_BUILD/tests/pcapgen

if [ -z "$NT" ] || [ ! -x "$NT" ]; then
	echo "bench capture: NT is not an executable nettriage (NT='$NT')" >&2
	exit 1
fi
if [ ! -x "$PCAPGEN" ]; then
	echo "bench capture: $PCAPGEN not built (make unit)" >&2
	exit 1
fi
for t in tshark jq awk; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench capture: needs $t (scripts/packages.txt)" >&2; exit 1; }
done
if [ -z "${EPOCHREALTIME:-}" ]; then echo "bench capture: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; fi
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-bench-capture.XXXXXX") || exit 1
export NETTRIAGE_STATE_DIR="$TMP/state"
mkdir -p "$NETTRIAGE_STATE_DIR"
SUF=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NA=nt-bcap-a-$SUF NB=nt-bcap-b-$SUF VA=nbca$SUF VB=nbcb$SUF
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$CC" -O2 -o "$TMP/pcap_bare" "$top/tests/bench/pcap_bare.c" -lpcap ||
	{ echo "bench capture: cannot build pcap_bare" >&2; exit 1; }
"$CC" -O2 -D_GNU_SOURCE -o "$TMP/cap_flood" "$top/tests/bench/cap_flood.c" ||
	{ echo "bench capture: cannot build cap_flood" >&2; exit 1; }
"$CC" -O2 -D_GNU_SOURCE -o "$TMP/cap_replay" "$top/tests/bench/cap_replay.c" -lpcap ||
	{ echo "bench capture: cannot build cap_replay" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }
pps() { awk -v n="$1" -v u="$2" 'BEGIN {printf "%.0f", n / (u / 1e6)}'; }

# ---- 1. from a file ----
F=$TMP/bench.pcap
t0=$EPOCHREALTIME
if ! "$PCAPGEN" bench "$F" "$PACKETS" "$FLOWS" >"$TMP/gen.out" 2>"$TMP/gen.err"; then
	echo "bench capture: pcapgen bench failed: $(head -1 "$TMP/gen.err")" >&2
	exit 1
fi
t1=$EPOCHREALTIME
printf 'machine: %s CPUs, load average %s (benches share it)\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'file: %s packets over %s flows, %s bytes, written by pcapgen in %s ms\n' "$PACKETS" "$FLOWS" \
	"$(stat -c %s "$F")" "$(ms $((${t1/[.,]/} - ${t0/[.,]/})))"

"$NT" capture -r "$F" -j >"$TMP/nt.json" 2>"$TMP/nt.err"
rc=$?
if [ "$rc" -gt 2 ] || ! jq -e . "$TMP/nt.json" >/dev/null 2>&1; then
	echo "bench capture: nettriage capture -r exited $rc: $(head -1 "$TMP/nt.err")" >&2
	exit 1
fi
bare=$("$TMP/pcap_bare" "$F" | awk '{print $2}')
ntp=$(jq .packets "$TMP/nt.json")
printf 'sanity: nettriage packets %s, pcap_bare %s, pcapgen asked for %s\n' "$ntp" "$bare" "$PACKETS"
if [ "$ntp" != "$bare" ]; then
	echo "bench capture: nettriage read $ntp packets, the bare loop $bare" >&2
	exit 1
fi
# tshark's expert info once, for the figures next to ours (and warm cache)
t0=$EPOCHREALTIME
tshark -q -z expert -r "$F" >"$TMP/expert.txt" 2>/dev/null
t1=$EPOCHREALTIME
tx() { awk -v pat="$1" 'index($0, pat) {s += $1} END {print s + 0}' "$TMP/expert.txt"; }
printf 'nettriage: flows_total %s, evicted %s, retrans %s (fast %s, spurious %s), out-of-order %s, dup ACKs %s, exit %s\n' \
	"$(jq .flows_total "$TMP/nt.json")" "$(jq .evicted "$TMP/nt.json")" "$(jq .totals.retrans "$TMP/nt.json")" \
	"$(jq .totals.fast_retrans "$TMP/nt.json")" "$(jq .totals.spurious_retrans "$TMP/nt.json")" \
	"$(jq .totals.out_of_order "$TMP/nt.json")" "$(jq .totals.dup_acks "$TMP/nt.json")" "$rc"
printf 'tshark expert: retransmission %s, fast %s, spurious %s, out-of-order %s, dup ACKs %s (%s ms)\n' \
	"$(tx 'a (suspected) retransmission')" "$(tx 'fast retransmission')" "$(tx 'spurious retransmission')" \
	"$(tx 'out-of-order')" "$(tx 'Duplicate ACK')" "$(ms $((${t1/[.,]/} - ${t0/[.,]/})))"

names=("nettriage capture -r" "tshark -q -z expert" "pcap_bare")
NK=${#names[@]}
run() {
	case $1 in
	0) "$NT" capture -r "$F" -j >/dev/null 2>&1 ;;
	1) tshark -q -z expert -r "$F" >/dev/null 2>&1 ;;
	2) "$TMP/pcap_bare" "$F" >/dev/null 2>&1 ;;
	esac
}
. "$(dirname "$0")/bench-lib.inc"
bench_interleave "$NK" "$REPS"
best=() med=()
for ((k = 0; k < NK; k++)); do
	# shellcheck disable=SC2086 # word splitting of the list is wanted
	best+=("$(minimum ${T[$k]})")
	# shellcheck disable=SC2086
	med+=("$(median ${T[$k]})")
done
rss=n/a brss=n/a
if [ -n "$TIME" ]; then
	rss=0
	for _ in 1 2 3; do
		"$TIME" -f %M -o "$TMP/rss" "$NT" capture -r "$F" -j >/dev/null 2>&1
		v=$(tail -1 "$TMP/rss")
		[ "${v:-0}" -gt "$rss" ] && rss=$v
	done
	"$TIME" -f %M -o "$TMP/rss" "$TMP/pcap_bare" "$F" >/dev/null 2>&1
	brss=$(tail -1 "$TMP/rss")
fi
printf '%s packets, %d interleaved runs each after a warm-up (best / median wall, packets/s at best)\n' "$PACKETS" "$REPS"
for ((k = 0; k < NK; k++)); do
	printf '  %-22s %9s ms %9s ms %10s pkt/s\n' "${names[k]}" "$(ms "${best[k]}")" "$(ms "${med[k]}")" \
		"$(pps "$PACKETS" "${best[k]}")"
done
r1=$(ratio "${best[0]}" "${best[1]}")
r2=$(ratio "${best[0]}" "${best[2]}")
mm() { if awk "BEGIN {exit !($1)}"; then echo MET; else echo MISSED; fi; }
printf '  ratio nettriage / tshark:    %sx (target <= 0.1x: %s; median %sx)\n' "$r1" "$(mm "$r1 <= 0.1")" \
	"$(ratio "${med[0]}" "${med[1]}")"
printf '  ratio nettriage / bare loop: %sx (target <= 2x: %s; median %sx)\n' "$r2" "$(mm "$r2 <= 2")" \
	"$(ratio "${med[0]}" "${med[2]}")"
printf '  ratio tshark / bare loop:    %sx\n' "$(ratio "${best[1]}" "${best[2]}")"
printf '  peak RSS nettriage: %s KiB (target < 65536 KiB: %s); pcap_bare %s KiB\n' "$rss" \
	"$( [ "$rss" = n/a ] && echo "NOT MEASURED" || mm "$rss < 65536")" "$brss"
met=1
awk -v r="$r1" 'BEGIN {exit !(r <= 0.1)}' || met=0
awk -v r="$r2" 'BEGIN {exit !(r <= 2)}' || met=0
[ "$rss" = n/a ] || [ "$rss" -lt 65536 ] || met=0

# ---- 2. live, on a veth at RATE packets/s ----
live_ok=0
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "live: SKIP (needs root and ip netns)"
elif ! { ip netns add "$NA" && ip netns add "$NB" &&
	ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" &&
	ip -n "$NA" addr add 192.0.2.1/30 dev "$VA" && ip -n "$NB" addr add 192.0.2.2/30 dev "$VB" &&
	ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
	ip netns exec "$NB" iptables -A INPUT -p udp --dport 9 -j DROP &&
	ip netns exec "$NA" ping -c1 -w3 -q 192.0.2.2 >/dev/null; }; then
	echo "bench capture: cannot build the veth pair $NA -- $NB" >&2
	met=0
else
	rxp() { ip -n "$NB" -j -s link show "$VB" | jq '.[0].stats64.rx.packets'; }
	# wait_sock PID: until a packet socket exists in B (the capture is open)
	wait_sock() {
		for _ in $(seq 100); do
			ip netns exec "$NB" awk 'NR > 1 {f = 1} END {exit !f}' /proc/net/packet && break
			kill -0 "$1" 2>/dev/null || return 1
			sleep 0.05
		done
		sleep 0.3
	}
	secs=$(awk -v s="$FLOOD_S" 'BEGIN {printf "%d", s + 2.999}')
	printf 'live: veth %s -> %s, UDP at %s packets/s for %s s\n' "$VA" "$VB" "$RATE" "$FLOOD_S"
	rx0=$(rxp)
	timeout -s KILL 60 ip netns exec "$NB" "$NT" capture -d "$VB" -t "$secs" -j >"$TMP/live.json" 2>"$TMP/live.err" &
	cp=$!
	PIDS+=("$cp")
	if wait_sock "$cp"; then
		fl=$(ip netns exec "$NA" "$TMP/cap_flood" 192.0.2.2 9 "$RATE" "$FLOOD_S")
		wait "$cp"
		rc=$?
		rx1=$(rxp)
		# shellcheck disable=SC2086 # the flood's words
		set -- $fl
		printf '  cap_flood %s datagrams in %s s: %s packets/s achieved (asked %s), %s refused\n' \
			"${2:-?}" "${4:-?}" "${6:-?}" "$RATE" "${8:-?}"
		if jq -e . "$TMP/live.json" >/dev/null 2>&1; then
			printf '  nettriage capture -d %s -t %s: captured %s frames (B rx_packets +%s, sent %s), dropped %s, if_dropped %s, exit %s\n' \
				"$VB" "$secs" "$(jq .packets "$TMP/live.json")" "$((rx1 - rx0))" "${2:-?}" \
				"$(jq .dropped "$TMP/live.json")" "$(jq .if_dropped "$TMP/live.json")" "$rc"
			d=$(jq .dropped "$TMP/live.json")
			if ! awk -v a="${6:-0}" -v r="$RATE" 'BEGIN {exit !(a >= 0.95 * r)}'; then
				echo "  kernel drops: $d at ${6:-?} packets/s; the target ($RATE packets/s) was NOT MEASURED:" \
					"the sender fell short (load average $(cut -d' ' -f1-3 /proc/loadavg))"
			elif [ "$d" = 0 ]; then
				live_ok=1
				echo "  kernel drops at ${6:-?} packets/s: 0 (target 0 at $RATE): MET"
			else
				echo "  kernel drops at ${6:-?} packets/s: $d (target 0 at $RATE): MISSED"
			fi
		else
			echo "  nettriage capture -d exited $rc: $(head -1 "$TMP/live.err")"
		fi
	else
		echo "  nettriage capture -d did not start: $(head -1 "$TMP/live.err")"
	fi
	if command -v tcpdump >/dev/null 2>&1; then
		rx0=$(rxp)
		ip netns exec "$NB" tcpdump -i "$VB" -w /dev/null 2>"$TMP/td.err" &
		tp=$!
		PIDS+=("$tp")
		if wait_sock "$tp"; then
			fl=$(ip netns exec "$NA" "$TMP/cap_flood" 192.0.2.2 9 "$RATE" "$FLOOD_S")
			sleep 1.5 # tcpdump's ring blocks time out after 1 s
			kill -INT "$tp"
			wait "$tp"
			rx1=$(rxp)
			# shellcheck disable=SC2086
			set -- $fl
			printf '  tcpdump -w /dev/null (same flood, %s packets/s achieved): %s, %s, %s (B rx_packets +%s)\n' \
				"${6:-?}" "$(grep 'captured' "$TMP/td.err")" "$(grep 'received by filter' "$TMP/td.err")" \
				"$(grep 'dropped by kernel' "$TMP/td.err")" "$((rx1 - rx0))"
		else
			echo "  tcpdump did not start: $(head -1 "$TMP/td.err")"
		fi
	fi
fi
# ---- 3. live TCP: the bench file replayed onto the veth at RATE ----
tcp_ok=0
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "live TCP: SKIP (needs root and ip netns)"
elif ! ip -n "$NB" link show "$VB" >/dev/null 2>&1; then
	echo "live TCP: no veth pair (see above)"
else
	# capture -r of the same file: the figures the live capture must give
	rf=$(jq -r '"\(.flows_total) \(.totals.retrans) \(.totals.fast_retrans) \(.tcp_packets)"' "$TMP/nt.json")
	# shellcheck disable=SC2086 # four numbers
	set -- $rf
	rflows=$1 rretr=$2 rfast=$3 rtcp=$4
	secs=$(awk -v n="$PACKETS" -v r="$RATE" 'BEGIN {printf "%d", n / r + 2.999}')
	printf 'live TCP: %s (pcapgen bench, %s frames over %s flows) replayed %s -> %s at %s frames/s by cap_replay\n' \
		"$(basename "$F")" "$PACKETS" "$FLOWS" "$VA" "$VB" "$RATE"
	rxd() { ip -n "$NB" -j -s link show "$VB" | jq '.[0].stats64.rx.dropped'; }
	rx0=$(rxp) rd0=$(rxd)
	timeout -s KILL 120 ip netns exec "$NB" "$NT" capture -d "$VB" -t "$secs" -j >"$TMP/tcp.json" 2>"$TMP/tcp.err" &
	cp=$!
	PIDS+=("$cp")
	if wait_sock "$cp"; then
		fl=$(ip netns exec "$NA" "$TMP/cap_replay" "$VA" "$F" "$RATE" 2>"$TMP/replay.err")
		wait "$cp"
		rc=$?
		rx1=$(rxp) rd1=$(rxd)
		# shellcheck disable=SC2086 # the replay's words
		set -- $fl
		sent=${2:-?} ach=${6:-0}
		printf '  cap_replay %s frames in %s s: %s frames/s achieved (asked %s), %s sends retried%s\n' \
			"$sent" "${4:-?}" "$ach" "$RATE" "${8:-?}" "$(sed -n '1s/^/; /p' "$TMP/replay.err")"
		if jq -e . "$TMP/tcp.json" >/dev/null 2>&1; then
			J=$TMP/tcp.json
			lp=$(jq .packets "$J") ltcp=$(jq .tcp_packets "$J") lfl=$(jq .flows_total "$J")
			lretr=$(jq .totals.retrans "$J") lfast=$(jq .totals.fast_retrans "$J") d=$(jq .dropped "$J")
			printf '  nettriage capture -d %s -t %s: captured %s, tcp_packets %s, flows_total %s, retrans %s (fast %s), dropped %s, exit %s (B rx_packets +%s, rx_dropped +%s)\n' \
				"$VB" "$secs" "$lp" "$ltcp" "$lfl" "$lretr" "$lfast" "$d" "$rc" "$((rx1 - rx0))" "$((rd1 - rd0))"
			printf '  capture -r of the same file:  tcp_packets %s, flows_total %s, retrans %s (fast %s)\n' \
				"$rtcp" "$rflows" "$rretr" "$rfast"
			if [ "$sent" != "$PACKETS" ]; then
				echo "  live TCP: the replay sent $sent of $PACKETS frames: NOT MEASURED"
			elif ! awk -v a="$ach" -v r="$RATE" 'BEGIN {exit !(a >= 0.95 * r)}'; then
				echo "  live TCP: NOT MEASURED at $RATE frames/s: the sender reached $ach (load average $(cut -d' ' -f1-3 /proc/loadavg))"
			elif [ "$d" = 0 ] && [ "$ltcp" = "$PACKETS" ] && [ "$lfl" = "$rflows" ] &&
				[ "$lretr" = "$rretr" ] && [ "$lfast" = "$rfast" ]; then
				tcp_ok=1
				echo "  live TCP at $ach frames/s: every frame captured as TCP, 0 dropped, flows and retransmissions = capture -r's: MET"
			else
				echo "  live TCP at $ach frames/s: MISSED (want dropped 0, tcp_packets $PACKETS, flows_total $rflows, retrans $rretr, fast $rfast)"
			fi
		else
			echo "  nettriage capture -d exited $rc: $(head -1 "$TMP/tcp.err")"
		fi
	else
		echo "  nettriage capture -d did not start: $(head -1 "$TMP/tcp.err")"
	fi
fi
[ "$live_ok" = 1 ] || met=0
[ "$tcp_ok" = 1 ] || met=0
if [ "$met" = 1 ]; then
	echo "  targets: MET"
else
	echo "  targets: MISSED"
	[ "${NT_BENCH_STRICT:-}" = 1 ] && exit 1
fi
exit 0
