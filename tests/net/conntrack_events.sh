#!/bin/bash
# Namespace test for `nettriage conntrack --events SEC` and the time-to-full
# projection: entries inserted with `conntrack -R` while our subscription
# and `conntrack -E` run side by side in the same namespace; NEW and
# DESTROY counted against what was inserted and against conntrack -E's
# lines; the dominant source on top; overruns reported; SIGINT ends the
# window early and still prints; without CAP_NET_ADMIN one line and exit 3;
# a table filled at a steady known rate gives a projection within 20 % of
# (max - count) / rate and the conntrack.time_to_full verdict. The global
# nf_conntrack_max is only read, never written.
set -u
NT=${NT:-build/nettriage}
sfx=$RANDOM$RANDOM
ns=nt-ctev-$sfx
ns2=nt-ctttf-$sfx
tmp=$(mktemp -d)
pids=()
# shellcheck source=unpriv.inc
. "$(dirname "$0")/unpriv.inc"
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
	rm -rf "$tmp"
	unpriv_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export NETTRIAGE_STATE_DIR=$tmp/state
mkdir -p "$NETTRIAGE_STATE_DIR"

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi
}
within() { # within NAME GOT WANT PCT: |got - want| <= pct % of want
	if awk -v g="$2" -v w="$3" -v p="$4" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && w > 0 && d <= w * p / 100) }'; then
		ok "$1 ($2 vs $3, within $4 %)"
	else
		nok "$1: got '$2', want $3 within $4 %"
	fi
}

for t in jq conntrack setpriv; do
	if ! command -v $t >/dev/null; then
		nok "$t installed (scripts/packages.txt)"
		exit 1
	fi
done
ip netns add "$ns" || { nok "ip netns add"; exit 1; }
ip -n "$ns" link set lo up

# entries: N lines from source SRC (a /24 prefix and a spread, or one
# address), unique by sport; proto tcp ASSURED
gen() { # gen FILE COUNT SRCSPEC FIRSTPORT
	awk -v n="$2" -v s="$3" -v p="$4" 'BEGIN {
		for (i = 0; i < n; i++) {
			src = s; if (s ~ /\.$/) src = s (i % 200 + 1)
			printf "-I -s %s -d 203.0.113.%d -p tcp --sport %d --dport 80 --state ESTABLISHED -u ASSURED -t 3600\n", src, i % 100 + 1, p + i % 60000
		}
	}' >"$1"
}
lines() { grep -c "$1" "$2"; }

# ---- 1. a paced run: conntrack -E keeps up, so the two counts compare ----
# 3,000 entries in 100 batches of 30 (conntrack -E loses events on bigger
# bursts even with a large buffer: it says ENOBUFS; phase 2 shows that).
gen "$tmp/paced" 3000 198.51.100. 1024
split -l 30 -d -a 3 "$tmp/paced" "$tmp/paced."
good=0
for attempt in 1 2 3 4 5; do
	ip netns exec "$ns" conntrack -F >/dev/null 2>&1
	ip netns exec "$ns" conntrack -E -e NEW -b 16777216 >"$tmp/E1" 2>"$tmp/E1.err" &
	epid=$!
	pids+=("$epid")
	"$NT" -N "$ns" -j conntrack --events 3 >"$tmp/J1" 2>"$tmp/J1.err" &
	npid=$!
	pids+=("$npid")
	sleep 0.6
	for f in "$tmp"/paced.[0-9]*; do
		ip netns exec "$ns" conntrack -R "$f" >/dev/null 2>&1
	done
	wait "$npid"
	rc=$?
	sleep 0.3
	kill -INT "$epid" 2>/dev/null
	wait "$epid" 2>/dev/null
	if ! grep -q ENOBUFS "$tmp/E1.err"; then
		good=1
		break
	fi
	echo "# attempt $attempt: conntrack -E hit ENOBUFS ($(lines ENOBUFS "$tmp/E1.err") times; $(grep -c '\[NEW\]' "$tmp/E1") lines), again"
	grep -v 'ENOBUFS\|buffer size\|manpage' "$tmp/E1.err" | sed 's/^/#   /' 
done
check "paced: --events 3 exits 0" "$rc" 0
ours=$(jq '.events.new' "$tmp/J1")
theirs=$(lines '\[NEW\]' "$tmp/E1")
echo "# paced: inserted 3000, nettriage NEW $ours, conntrack -E NEW lines $theirs, overruns $(jq .events.overruns "$tmp/J1")"
within "paced: NEW counted vs inserted" "$ours" 3000 1
if [ "$good" = 1 ]; then
	within "paced: NEW counted vs conntrack -E's lines (it hit no ENOBUFS)" "$ours" "$theirs" 1
else
	nok "paced: conntrack -E hit ENOBUFS in 5 attempts; no clean peer count to compare with (ours $ours)"
fi
if python3 "$(dirname "$0")/../schema_validate.py" "$(dirname "$0")/../../schema" events "$tmp/J1" 2>/dev/null | grep -q '^ok'; then
	ok "paced: the document is valid against the conntrack schema"
else
	nok "paced: schema: $(python3 "$(dirname "$0")/../schema_validate.py" "$(dirname "$0")/../../schema" events "$tmp/J1" 2>&1 | tail -1)"
fi

# ---- 2. a burst of 20,000 then a flush: NEW, DESTROY, the top source ----
ip netns exec "$ns" conntrack -F >/dev/null 2>&1
gen "$tmp/dom" 10000 192.0.2.77 1024
gen "$tmp/spread" 10000 198.51.100. 20000
cat "$tmp/dom" "$tmp/spread" >"$tmp/burst"
ip netns exec "$ns" conntrack -E -e NEW,DESTROY -b 134217728 >"$tmp/E2" 2>"$tmp/E2.err" &
epid=$!
pids+=("$epid")
"$NT" -N "$ns" -j conntrack --events 4 --top 3 >"$tmp/J2" 2>"$tmp/J2.err" &
npid=$!
pids+=("$npid")
sleep 0.6
ip netns exec "$ns" conntrack -R "$tmp/burst" >/dev/null 2>&1
sleep 0.5
ip netns exec "$ns" conntrack -F >/dev/null 2>&1
wait "$npid"
rc=$?
sleep 0.3
kill -INT "$epid" 2>/dev/null
wait "$epid" 2>/dev/null
check "burst: --events 4 exits 0" "$rc" 0
read -r new destroy over top topn proto < <(jq -r '.events | "\(.new) \(.destroy) \(.overruns) \(.top_src[0].value) \(.top_src[0].new) \(.protocols[0].value)"' "$tmp/J2")
enew=$(lines '\[NEW\]' "$tmp/E2")
edes=$(lines '\[DESTROY\]' "$tmp/E2")
echo "# burst: inserted 20000 and flushed; nettriage NEW $new DESTROY $destroy overruns $over;" \
	"conntrack -E NEW $enew DESTROY $edes, ENOBUFS $(lines ENOBUFS "$tmp/E2.err") times"
within "burst: NEW vs the 20000 inserted" "$new" 20000 1
within "burst: DESTROY after conntrack -F vs the 20000 flushed" "$destroy" 20000 1
if [[ $over =~ ^[0-9]+$ ]]; then
	ok "burst: overruns reported ($over)"
else
	nok "burst: overruns not a number: '$over'"
fi
if [ "$over" = 0 ]; then
	check "burst: no overrun, so every event the kernel sent was counted" "$new $destroy" "20000 20000"
fi
if [ "$enew" -ge "$new" ] 2>/dev/null; then
	within "burst: NEW vs conntrack -E's lines" "$new" "$enew" 1
else
	# the peer lost events it says it lost (ENOBUFS): ours must not be below it
	if grep -q ENOBUFS "$tmp/E2.err" && [ "$new" -ge "$enew" ]; then
		ok "burst: conntrack -E lost events (said ENOBUFS): its $enew NEW lines <= our $new"
	else
		nok "burst: conntrack -E $enew NEW lines, ours $new"
	fi
fi
check "burst: the dominant source on top" "$top $topn" "192.0.2.77 10000"
check "burst: new flows by protocol" "$proto" tcp
table=$("$NT" -N "$ns" conntrack --events 0.3 2>&1)
if grep -q '^lost: ' <<<"$table"; then
	ok "table: the lost line ($(grep '^lost: ' <<<"$table"))"
else
	nok "table: no 'lost:' line"
fi

# ---- 3. SIGINT ends the window early and still prints ----
"$NT" -N "$ns" -j conntrack --events 30 >"$tmp/J3" 2>"$tmp/J3.err" &
npid=$!
pids+=("$npid")
sleep 1
t0=$(date +%s.%N)
kill -INT "$npid"
wait "$npid"
rc=$?
t1=$(date +%s.%N)
check "SIGINT: exit 0" "$rc" 0
check "SIGINT: interrupted, printed" "$(jq -c '.events.interrupted' "$tmp/J3" 2>/dev/null)" true
if awk -v a="$t0" -v b="$t1" -v e="$(jq .events.elapsed_s "$tmp/J3")" 'BEGIN { exit !(b - a < 2 && e < 5) }'; then
	ok "SIGINT: the window ended at once ($(jq .events.elapsed_s "$tmp/J3") s of 30)"
else
	nok "SIGINT: the window did not end early"
fi

# ---- 4. without CAP_NET_ADMIN: one line, exit 3 ----
if ! unpriv_setup 2>"$tmp/unpriv.err"; then
	nok "copy nettriage where uid 65534 can run it: $(head -1 "$tmp/unpriv.err")"
else
	unpriv "$ns" "$UNPRIV_NT" conntrack --events 1 >"$tmp/U.out" 2>"$tmp/U.err"
	rc=$?
	check "unprivileged --events: exit 3" "$rc" 3
	check "unprivileged --events: one line on stderr, nothing on stdout" \
		"$(wc -l <"$tmp/U.err") $(wc -c <"$tmp/U.out")" "1 0"
	if grep -q 'CAP_NET_ADMIN' "$tmp/U.err"; then
		ok "unprivileged --events: names CAP_NET_ADMIN ($(cat "$tmp/U.err"))"
	else
		nok "unprivileged --events: $(cat "$tmp/U.err")"
	fi
fi

# ---- 5. time to full: 10,000 entries/s in timed batches ----
ip netns add "$ns2" || { nok "ip netns add $ns2"; exit 1; }
max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
mkdir "$tmp/fill"
gen "$tmp/fill/all" 45000 192.0.2. 1024
# 1000 per batch, unique tuples: the sport range repeats only after 60000
split -l 1000 -d -a 3 "$tmp/fill/all" "$tmp/fill/b."
cat >"$tmp/filler.sh" <<'EOF2'
# one batch of 1000 every 0.1 s on a fixed grid; logs "time entries"
dir=$1
cd "$dir" || exit 1
start=$(date +%s.%N)
i=0
for f in "$dir"/b.[0-9]*; do
	due=$(awk -v s="$start" -v i="$i" 'BEGIN { printf "%.3f", s + i * 0.1 }')
	now=$(date +%s.%N)
	wait_s=$(awk -v d="$due" -v n="$now" 'BEGIN { w = d - n; printf "%.3f", (w > 0 ? w : 0) }')
	sleep "$wait_s"
	conntrack -R "$f" >/dev/null 2>&1
	echo "$(date +%s.%N) $(( (i + 1) * 1000 ))" >>"$dir/log"
	i=$((i + 1))
done
EOF2
ip netns exec "$ns2" bash "$tmp/filler.sh" "$tmp/fill" &
fpid=$!
pids+=("$fpid")
sleep 0.8
"$NT" -N "$ns2" -j -i 2 -c 2 conntrack --warn-ttf 100000 --crit-ttf 1 >"$tmp/T" 2>"$tmp/T.err"
rc=$?
wait "$fpid"
# the filler's own rate over its batches
rate=$(awk 'NR == 1 { t0 = $1; n0 = $2 } { t = $1; n = $2 } END { if (t > t0) printf "%.1f", (n - n0) / (t - t0) }' "$tmp/fill/log")
read -r count2 ttf growth lvl < <(tail -1 "$tmp/T" | jq -r '"\(.count) \(.time_to_full_s) \(.growth_per_s) \([.verdicts[] | select(.check == "conntrack.time_to_full")][0].level)"')
want=$(awk -v m="$max" -v c="$count2" -v r="$rate" 'BEGIN { if (r > 0) printf "%.1f", (m - c) / r }')
echo "# time to full: max $max, count $count2, filler rate $rate/s, nettriage growth $growth/s, projection $ttf s, from the filler's rate $want s"
within "time to full: growth vs the filler's rate" "$growth" "$rate" 20
within "time to full: projection vs (max - count) / rate" "$ttf" "$want" 20
check "time to full: the verdict fires (WARN under --warn-ttf 100000)" "$lvl" warn
check "time to full: exit 1" "$rc" 1
if tail -1 "$tmp/T" | jq -e '.verdicts[] | select(.check == "conntrack.time_to_full") | .reason | test("^full in .* at \\+[0-9]+ entries/s")' >/dev/null; then
	ok "time to full: reason $(tail -1 "$tmp/T" | jq -c '.verdicts[] | select(.check == "conntrack.time_to_full") | .reason')"
else
	nok "time to full: reason $(tail -1 "$tmp/T" | jq -c '.verdicts[] | select(.check == "conntrack.time_to_full")')"
fi
# a table that is not growing: no projection, OK
"$NT" -N "$ns2" -j -i 0.5 -c 2 conntrack >"$tmp/T2" 2>/dev/null
check "not growing: time_to_full_s null, verdict ok" \
	"$(tail -1 "$tmp/T2" | jq -c '[.time_to_full_s, ([.verdicts[] | select(.check == "conntrack.time_to_full")][0].level)]')" '[null,"ok"]'
# since the previous run (history): the count's growth between two runs
"$NT" -N "$ns2" -j conntrack >/dev/null 2>&1
gen "$tmp/more" 5000 203.0.113. 30000
ip netns exec "$ns2" conntrack -R "$tmp/more" >/dev/null 2>&1
"$NT" -N "$ns2" -j conntrack >"$tmp/T3" 2>/dev/null
if jq -e '.baseline.kind == "history" and .growth_per_s > 0 and .time_to_full_s > 0' "$tmp/T3" >/dev/null; then
	ok "since the previous run: growth $(jq .growth_per_s "$tmp/T3")/s, full in $(jq .time_to_full_s "$tmp/T3") s"
else
	nok "since the previous run: $(jq -c '[.baseline.kind, .growth_per_s, .time_to_full_s]' "$tmp/T3")"
fi

# ---- 6. kernel-side dump filters for --by: mark, zone, family ----
# filtered counts what the user-space check dropped: 0 means the kernel
# filtered (ctnetlink_alloc_filter: CTA_MARK/CTA_MARK_MASK, CTA_ZONE on
# 6.8+, the nfgenmsg family)
ip netns exec "$ns" conntrack -F >/dev/null 2>&1
printf -- '%s\n' \
	"-I -s 192.0.2.1 -d 198.51.100.9 -p udp --sport 1 --dport 53 -t 600 --zone 7" \
	"-I -s 192.0.2.2 -d 198.51.100.9 -p udp --sport 2 --dport 53 -t 600" \
	"-I -s 192.0.2.3 -d 198.51.100.9 -p udp --sport 3 --dport 53 -t 600 --mark 5" \
	"-I -s 2001:db8::1 -d 2001:db8::2 -p udp --sport 3 --dport 53 -t 600" >"$tmp/filt"
ip netns exec "$ns" conntrack -R "$tmp/filt" >/dev/null 2>&1
filt() { "$NT" -N "$ns" -j conntrack --by src "$@" | jq -c '[.breakdown.entries, .breakdown.filtered, [.breakdown.top[].value]]'; }
check "kernel filter --zone 7: one entry, none dropped in user space" "$(filt --zone 7)" '[1,0,["192.0.2.1"]]'
check "kernel filter --mark 4/4" "$(filt --mark 4/4)" '[1,0,["192.0.2.3"]]'
check "kernel filter --family inet6" "$(filt --family inet6)" '[1,0,["2001:db8::1"]]'
check "kernel filter --family inet --zone 0 --mark 0/1" "$(filt --family inet --zone 0 --mark 0/1)" '[1,0,["192.0.2.2"]]'
