#!/bin/bash
# Namespace test for `nettriage conntrack`: a known mix of entries inserted
# with `conntrack -R`, checked against `conntrack -L` / `conntrack -S`
# counted here; the /proc fallback without CAP_NET_ADMIN (setpriv); bad
# input; and the table-full case (this namespace filled up to the global
# nf_conntrack_max, which is never changed) giving CRIT and exit 2.
set -u
NT=${NT:-build/nettriage}
sfx=$RANDOM$RANDOM
ns=nt-ct-$sfx
ns2=nt-ctfull-$sfx
ns3=nt-ctsrc-$sfx
tmp=$(mktemp -d)
# shellcheck source=unpriv.inc
. "$(dirname "$0")/unpriv.inc"
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
	ip netns del "$ns3" 2>/dev/null
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

# No root needed: the /proc seam. A fake /proc in old column naming, read
# end to end; and no conntrack at all -> exit 3, "not in use here".
fake=$tmp/proc
mkdir -p "$fake/sys/net/netfilter" "$fake/net/stat"
echo 1234 >"$fake/sys/net/netfilter/nf_conntrack_count"
echo 2000 >"$fake/sys/net/netfilter/nf_conntrack_max"
echo 512 >"$fake/sys/net/netfilter/nf_conntrack_buckets"
cat >"$fake/net/stat/nf_conntrack" <<'EOF2'
entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
000004d2  00000011 00000002 00000000 00000003 00000000 00000000 00000000 00000005 00000006 00000007 00000008 00000009  00000000 00000000 00000000 0000000a
000004d2  00000011 00000002 00000000 00000003 00000000 00000000 00000000 00000005 00000006 00000001 00000008 00000009  00000000 00000000 00000000 0000000a
EOF2
out=$(NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack -j --warn 50 --crit 70)
rc=$?
check "fake /proc (old columns): exit 1 at 61.7 % with --warn 50 --crit 70" "$rc" 1
check "fake /proc: count, max, buckets, source" "$(jq -c '[.count, .max, .buckets, .source]' <<<"$out")" '[1234,2000,512,"proc"]'
check "fake /proc: drop summed over rows, clash_resolve null (old kernel)" \
	"$(jq -c '[.stats.drop, .stats.clash_resolve, .per_cpu[0].extra.searched]' <<<"$out")" '[8,null,17]'
# the unnamed columns (extra) are in every format: the -a table, Prometheus
prom=$(NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" --prom conntrack)
check "fake /proc: per-CPU counters and extra.searched in Prometheus" \
	"$(grep -E '^nettriage_conntrack_cpu_(drop|searched)_total\{cpu="1"\}' <<<"$prom" | tr '\n' ' ')" \
	'nettriage_conntrack_cpu_drop_total{cpu="1"} 1 nettriage_conntrack_cpu_searched_total{cpu="1"} 17 '
check "fake /proc: -a table has the extra columns" \
	"$(NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack -a | awk '$1 == "CPU" { print $2, $12, $NF }')" \
	'found searched expect_delete'
# A counter that went down is not a wrap: history from one fake /proc,
# then drop 8 -> 1 (a module reload), then a third CPU row (rows are
# numbered by position). Each is a reset: no false CRIT, fill still judged.
rs=$tmp/rstate
mkdir -p "$rs"
NETTRIAGE_STATE_DIR=$rs NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack -j >/dev/null
sed -i 's/^\(\(\S*\s*\)\{10\}\)00000007/\100000000/; s/^\(\(\S*\s*\)\{10\}\)00000001/\100000001/' "$fake/net/stat/nf_conntrack"
out=$(NETTRIAGE_STATE_DIR=$rs NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack -j)
rc=$?
check "drop went down 8 -> 1: counters_reset, drop not judged, exit 0" \
	"$(jq -c '[.stats.drop, .counters_reset, .deltas.drop, (.verdicts[] | select(.check == "conntrack.drop") | .level)]' <<<"$out") $rc" \
	'[1,true,null,"ok"] 0'
jq -e '.counters_reset_reason | test("went down")' <<<"$out" >/dev/null &&
	ok "reset reason: $(jq -r .counters_reset_reason <<<"$out")" || nok "reset reason: $(jq .counters_reset_reason <<<"$out")"
out=$(NETTRIAGE_STATE_DIR=$rs NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack -j)
check "same rows again: no reset, deltas 0" "$(jq -c '[.counters_reset, .deltas.drop]' <<<"$out")" '[false,0]'
tail -1 "$fake/net/stat/nf_conntrack" >>"$fake/net/stat/nf_conntrack"
out=$(NETTRIAGE_STATE_DIR=$rs NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$fake "$NT" conntrack --warn 50 --crit 70)
rc=$?
if [ "$rc" = 1 ] && grep -q '^counters reset since the baseline: the CPU set changed' <<<"$out" &&
   grep -q 'not judged' <<<"$out"; then
	ok "a third CPU row: reset noted in the table, fill still WARN (exit $rc)"
else
	nok "a third CPU row: exit $rc, $(grep -i reset <<<"$out" | head -2)"
fi

mkdir -p "$tmp/empty"
NETTRIAGE_CT_SOURCE=proc NETTRIAGE_PROC=$tmp/empty "$NT" conntrack >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" = 3 ] && grep -q "conntrack is not in use here" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]; then
	ok "no conntrack at all: exit 3, $(cat "$tmp/err")"
else
	nok "no conntrack at all: exit $rc, $(cat "$tmp/err")"
fi

if [ "$(id -u)" != 0 ] || ! command -v conntrack >/dev/null || ! command -v jq >/dev/null; then
	echo "ok - conntrack namespace test # SKIP needs root, conntrack and jq"
	exit 0
fi
if ! ip netns add "$ns"; then
	echo "ok - conntrack namespace test # SKIP cannot create a network namespace"
	exit 0
fi
nsx() { ip netns exec "$ns" "$@"; }

# The mix: 3,000 TCP ESTABLISHED ASSURED from four sources with distinct
# weights, 1,000 TCP SYN_SENT unreplied from 50 sources, 500 UDP from 5.
awk 'BEGIN {
	n = 0
	split("1200 900 500 400", w, " ")
	for (s = 1; s <= 4; s++)
		for (i = 0; i < w[s]; i++) {
			printf "-I -s 192.0.2.%d -d 198.51.100.%d -p tcp --sport %d --dport 443 --state ESTABLISHED -u ASSURED -t 3600\n", s, 1 + i % 200, 1024 + n % 60000
			n++
		}
	for (i = 0; i < 1000; i++)
		printf "-I -s 203.0.113.%d -d 198.51.100.10 -p tcp --sport %d --dport 80 --state SYN_SENT -t 3600\n", 1 + i % 50, 2000 + i
	for (i = 0; i < 500; i++)
		printf "-I -s 198.51.100.%d -d 203.0.113.200 -p udp --sport %d --dport 53 -t 3600\n", 101 + i % 5, 3000 + i
}' >"$tmp/mix"
if ! nsx conntrack -R "$tmp/mix" >/dev/null 2>"$tmp/err"; then
	nok "conntrack -R inserted the mix: $(head -1 "$tmp/err")"
	exit 1
fi

# What the peer tool says, counted here.
nsx conntrack -L 2>/dev/null >"$tmp/list"
want_count=$(wc -l <"$tmp/list")
want_assured=$(grep -c '\[ASSURED\]' "$tmp/list")
max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
# state: TCP lines carry it in column 4; protocols without states -> "none"
awk '{ if ($1 == "tcp") print $4; else print "none" }' "$tmp/list" | sort | uniq -c |
	awk '{print $2, $1}' | sort >"$tmp/want_state"
awk '{print $1}' "$tmp/list" | sort | uniq -c | awk '{print $2, $1}' | sort >"$tmp/want_proto"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^src=/) { sub(/^src=/, "", $i); print $i; break } }' "$tmp/list" |
	sort | uniq -c | sort -k1,1nr -k2 | head -3 | awk '{print $2, $1}' >"$tmp/want_src"

check "conntrack -L sees the inserted mix" "$want_count" 4500

out=$(nsx "$NT" conntrack -j)
rc=$?
check "nettriage conntrack exit status (4500 of $max: OK)" "$rc" 0
check "count matches conntrack -L" "$(jq .count <<<"$out")" "$want_count"
check "count matches conntrack -C" "$(jq .count <<<"$out")" "$(nsx conntrack -C)"
check "max is nf_conntrack_max" "$(jq .max <<<"$out")" "$max"
check "source is ctnetlink" "$(jq -r .source <<<"$out")" ctnetlink
want_fill=$(awk -v c="$want_count" -v m="$max" 'BEGIN { printf "%.6f", 100 * c / m }')
check "fill_pct = count / max" "$(jq '.fill_pct * 1000000 | round / 1000000' <<<"$out" | xargs printf '%.6f')" "$want_fill"
check "no dump without --by: assured is null" "$(jq .assured <<<"$out")" null
check "stats.drop matches conntrack -S (sum over CPUs)" "$(jq .stats.drop <<<"$out")" \
	"$(nsx conntrack -S | sed -n 's/.* drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s}')"
check "per_cpu has one record per CPU of conntrack -S" "$(jq '.per_cpu | length' <<<"$out")" \
	"$(nsx conntrack -S | wc -l)"

out=$("$NT" -N "$ns" conntrack -j --by proto)
check "-N $ns: the namespace's count and its name on the records" \
	"$(jq -c '[.count, .netns, .breakdown.top[0].netns]' <<<"$out")" "[$want_count,\"$ns\",\"$ns\"]"

out=$(nsx "$NT" conntrack --by state -j)
jq -r '.breakdown.top[] | "\(.value) \(.count)"' <<<"$out" | sort >"$tmp/got_state"
if cmp -s "$tmp/got_state" "$tmp/want_state"; then
	ok "--by state matches conntrack -L counted by state ($(tr '\n' ' ' <"$tmp/got_state"))"
else
	nok "--by state differs from conntrack -L: got [$(tr '\n' ' ' <"$tmp/got_state")] want [$(tr '\n' ' ' <"$tmp/want_state")]"
fi
check "--by state read every entry" "$(jq .breakdown.entries <<<"$out")" "$want_count"
check "assured matches [ASSURED] lines of conntrack -L" "$(jq .assured <<<"$out")" "$want_assured"
check "unreplied = entries neither ASSURED nor replied" "$(jq .unreplied <<<"$out")" \
	"$(grep -v '\[ASSURED\]' "$tmp/list" | grep -c '\[UNREPLIED\]')"
want_eff=$(awk -v c="$want_assured" -v m="$max" 'BEGIN { printf "%.6f", 100 * c / m }')
check "effective_fill_pct = assured / max" "$(jq '.effective_fill_pct' <<<"$out" | xargs printf '%.6f')" "$want_eff"
if jq -e '.breakdown.duration_ms > 0 and (.breakdown.note | test("reap"))' <<<"$out" >/dev/null; then
	ok "breakdown reports the dump's duration and that a dump reaps expired entries"
else
	nok "breakdown lacks duration_ms or the reaping note"
fi

out=$(nsx "$NT" conntrack --by proto -j)
jq -r '.breakdown.top[] | "\(.value) \(.count)"' <<<"$out" | sort >"$tmp/got_proto"
if cmp -s "$tmp/got_proto" "$tmp/want_proto"; then
	ok "--by proto matches conntrack -L ($(tr '\n' ' ' <"$tmp/got_proto"))"
else
	nok "--by proto: got [$(tr '\n' ' ' <"$tmp/got_proto")] want [$(tr '\n' ' ' <"$tmp/want_proto")]"
fi

out=$(nsx "$NT" conntrack --by src --top 3 -j)
jq -r '.breakdown.top[] | "\(.value) \(.count)"' <<<"$out" >"$tmp/got_src"
if cmp -s "$tmp/got_src" "$tmp/want_src"; then
	ok "--by src --top 3 matches conntrack -L ($(tr '\n' ' ' <"$tmp/got_src"))"
else
	nok "--by src --top 3: got [$(tr '\n' ' ' <"$tmp/got_src")] want [$(tr '\n' ' ' <"$tmp/want_src")]"
fi

# kernel-side filter: only unreplied entries, counted by state
out=$(nsx "$NT" conntrack --by state --status unreplied -j)
check "--status unreplied keeps the SYN_SENT and UDP entries" \
	"$(jq '.breakdown.entries' <<<"$out")" "$(grep -c '^' <(grep -v 'ASSURED' "$tmp/list"))"

# Prometheus text passes promtool and carries the issue's names.
nsx "$NT" --prom conntrack --by state >"$tmp/prom"
if command -v promtool >/dev/null; then
	if promtool check metrics <"$tmp/prom" >"$tmp/promtool" 2>&1; then
		ok "promtool check metrics accepts the exposition"
	else
		nok "promtool check metrics: $(head -3 "$tmp/promtool" | tr '\n' ' ')"
	fi
else
	echo "ok - promtool check metrics # SKIP promtool not installed"
fi
check "nettriage_conntrack_entries in the exposition (no empty {})" \
	"$(sed -n 's/^nettriage_conntrack_entries //p' "$tmp/prom")" "$want_count"
check "nettriage_conntrack_fill_ratio is fill_pct / 100" \
	"$(awk '/^nettriage_conntrack_fill_ratio /{printf "%.6f", $2}' "$tmp/prom")" \
	"$(nsx "$NT" -j conntrack | jq -r '.fill_pct / 100 | . * 1000000 | round / 1000000' | awk '{printf "%.6f", $1}')"
grep -q '^# TYPE nettriage_conntrack_drop_total counter' "$tmp/prom" &&
	ok "nettriage_conntrack_drop_total typed counter" || nok "nettriage_conntrack_drop_total missing"
check "per-CPU drop counters: one series per CPU of conntrack -S, summing to nettriage_conntrack_drop_total" \
	"$(awk '/^nettriage_conntrack_cpu_drop_total\{cpu="[0-9]+"\} / { n++; s += $2 } END { print n, s }' "$tmp/prom")" \
	"$(nsx conntrack -S | wc -l) $(sed -n 's/^nettriage_conntrack_drop_total //p' "$tmp/prom")"
check "nettriage_conntrack_breakdown_entries: what the dump read" \
	"$(sed -n 's/^nettriage_conntrack_breakdown_entries{by="state"} //p' "$tmp/prom")" "$want_count"

# Table view: the fill bar line.
nsx "$NT" conntrack --by state --no-color >"$tmp/table"
grep -Eq "^conntrack: $want_count / $max entries \[[#.]+\]" "$tmp/table" &&
	ok "table view starts with count / max and a fill bar" || nok "table view: $(head -1 "$tmp/table")"

# Interval mode: two samples, the second with rates.
out=$(nsx "$NT" -i 0.2 -c 2 -j conntrack)
check "-i 0.2 -c 2 prints two samples" "$(wc -l <<<"$out")" 2
check "second sample has an interval baseline" "$(tail -1 <<<"$out" | jq -r .baseline.kind)" interval
check "second sample has a drop rate" "$(tail -1 <<<"$out" | jq '.rates.drop')" 0

# Fallback without CAP_NET_ADMIN: same count from /proc, says so. uid 65534
# runs a copy of the binary (unpriv.inc): the checkout may be unreachable.
if ! command -v setpriv >/dev/null; then
	echo "ok - fallback without CAP_NET_ADMIN # SKIP setpriv not installed"
elif ! unpriv_setup 2>"$tmp/unpriv.err"; then
	nok "copy nettriage where uid 65534 can run it: $(head -1 "$tmp/unpriv.err")"
else
	out=$(unpriv "$ns" "$UNPRIV_NT" conntrack -j 2>"$tmp/fberr")
	check "fallback exit status" "$?" 0
	check "fallback source is proc" "$(jq -r .source <<<"$out")" proc
	check "fallback count matches conntrack -C" "$(jq .count <<<"$out")" "$(nsx conntrack -C)"
	check "fallback max" "$(jq .max <<<"$out")" "$max"
	check "fallback stats.drop matches conntrack -S" "$(jq .stats.drop <<<"$out")" \
		"$(nsx conntrack -S | sed -n 's/.* drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s}')"
	grep -q 'Operation not permitted (need CAP_NET_ADMIN; falling back to /proc)' "$tmp/fberr" &&
		ok "fallback says why, in one line" || nok "fallback message: $(cat "$tmp/fberr")"
	unpriv "$ns" "$UNPRIV_NT" conntrack --by state >/dev/null 2>&1
	check "--by without CAP_NET_ADMIN cannot measure: exit 3" "$?" 3
fi

# Bad input: one line on stderr, exit 64 (usage) or 3 (no such netns).
bad() { # bad WANT-RC DESC ARGS...
	local want=$1 desc=$2
	shift 2
	"$NT" "$@" >/dev/null 2>"$tmp/bad"
	local rc=$?
	if [ "$rc" = "$want" ] && [ "$(wc -l <"$tmp/bad")" = 1 ]; then
		ok "$desc: exit $rc, $(cat "$tmp/bad")"
	else
		nok "$desc: exit $rc (want $want), stderr: $(cat "$tmp/bad")"
	fi
}
bad 64 "unknown --by key" conntrack --by bogus
bad 64 "--top 0" conntrack --by src --top 0
bad 64 "--counters 0" conntrack --by src --counters 0
bad 64 "--counters without --by" conntrack --counters 64
bad 64 "negative --warn" conntrack --warn -5
bad 64 "negative --crit" conntrack --crit -1
bad 64 "--warn above --crit" conntrack --warn 95 --crit 90
bad 3 "missing netns" -N "nt-ct-missing-$sfx" conntrack

# Bounded --by src: a spoofed-source flood (20,000 sources in
# 2001:db8::/32 with one entry each) and five heavy sources (3000, 2000,
# 1500, 1000, 500 entries) counted in --counters 512, so Space-Saving
# overflows; checked against conntrack -L counted here.
if ! ip netns add "$ns3"; then
	nok "cannot create $ns3"
	exit 1
fi
ns3x() { ip netns exec "$ns3" "$@"; }
awk 'BEGIN {
	split("3000 2000 1500 1000 500", w, " ")
	for (s = 1; s <= 5; s++)
		for (i = 0; i < w[s]; i++)
			printf "-I -s 192.0.2.%d -d 203.0.113.9 -p tcp --sport %d --dport 443 --state ESTABLISHED -u ASSURED -t 600\n", 10 + s, 1024 + i
	for (i = 0; i < 20000; i++)
		printf "-I -s 2001:db8:5:%x::1 -d 2001:db8::80 -p tcp --sport 40000 --dport 80 --state SYN_SENT -t 600\n", i
}' >"$tmp/flood"
ns3x conntrack -R "$tmp/flood" >/dev/null 2>&1
ns3x conntrack -L 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^src=/) { s[substr($i, 5)]++; break } } END { for (k in s) print k, s[k] }' |
	sort -k2,2nr -k1,1 >"$tmp/src_all"
nf=$(wc -l <"$tmp/src_all")
ne=$(awk '{ n += $2 } END { print n }' "$tmp/src_all")
check "flood inserted: distinct sources and entries" "$nf $ne" "20005 28000"
out=$(ns3x "$NT" conntrack --by src --top 5 --counters 512 -j)
check "--counters 512: approximate, 512 counters, every entry read" \
	"$(jq -c '.breakdown | [.exact, .counters, .entries, .distinct_estimated]' <<<"$out")" '[false,512,28000,true]'
jq -r '.breakdown.top[] | "\(.value) \(.count) \(.count_error_max)"' <<<"$out" >"$tmp/got_flood"
# true <= count <= true + count_error_max, in the order of conntrack -L
res=$(awk 'NR == FNR { t[$1] = $2; next }
	{ n++; want = "192.0.2." (10 + n); if ($1 != want || !($2 >= t[$1] && $2 <= t[$1] + $3) || $2 > t[$1] * 1.01) bad = bad " " $0 }
	END { print (n == 5 && bad == "") ? "ok" : "bad:" bad }' "$tmp/src_all" "$tmp/got_flood")
check "--counters 512: heavy five in order, true <= count <= true + error, within 1 % ($(tr '\n' ' ' <"$tmp/got_flood"))" "$res" ok
bound=$(jq .breakdown.count_error_max <<<"$out")
if [ "$bound" -ge 0 ] && [ "$bound" -le $((28000 / 512)) ]; then
	ok "--counters 512: count_error_max $bound <= entries / counters ($((28000 / 512)))"
else
	nok "--counters 512: count_error_max $bound > entries / counters"
fi
awk -v d="$(jq .breakdown.distinct <<<"$out")" 'BEGIN { exit !(d > 20005 * 0.9 && d < 20005 * 1.1) }' &&
	ok "distinct estimate $(jq .breakdown.distinct <<<"$out") within 10 % of 20005" ||
	nok "distinct estimate $(jq .breakdown.distinct <<<"$out") not within 10 % of 20005"
ns3x "$NT" conntrack --by src --top 5 --counters 512 --no-color >"$tmp/flood_table"
grep -Eq '^approximate: ~[0-9]+ distinct keys exceeded 512 counters; each count may be over by at most [0-9]+' "$tmp/flood_table" &&
	grep -q 'MAX-OVER' "$tmp/flood_table" &&
	ok "table: MAX-OVER column and the approximate footer" || nok "table footer: $(tail -2 "$tmp/flood_table")"
out=$(ns3x "$NT" conntrack --by src --top 5 --counters 32768 -j)
jq -r '.breakdown.top[] | "\(.value) \(.count)"' <<<"$out" >"$tmp/got_exact"
check "--counters 32768: exact, distinct counted, counts equal conntrack -L" \
	"$(jq -c '.breakdown | [.exact, .distinct, .count_error_max]' <<<"$out") $(head -5 "$tmp/src_all" | cmp -s - "$tmp/got_exact" && echo same)" \
	'[true,20005,0] same'
ip netns del "$ns3"

# Table full: fill a second namespace to the global max with ASSURED
# entries (never touching the max itself), then a new flow is dropped.
if ! ip netns add "$ns2"; then
	nok "cannot create $ns2"
	exit 1
fi
ns2x() { ip netns exec "$ns2" "$@"; }
ns2x ip link set lo up
ns2x nft -f - <<'EOF'
table inet ntct {
	chain out { type filter hook output priority 0; ct state new counter; }
}
EOF
ns2x "$NT" conntrack -j >/dev/null # baseline in the history file
awk -v max="$max" 'BEGIN {
	# 65,536 source ports x sources in 198.51.100.0/24 and 203.0.113.0/24
	n = 0
	for (h = 1; n < max; h++)
		for (p = 1024; p < 65535 && n < max; p++) {
			net = h <= 254 ? "198.51.100." h : "203.0.113." (h - 254)
			printf "-I -s %s -d 192.0.2.1 -p tcp --sport %d --dport 80 --state ESTABLISHED -u ASSURED -t 600\n", net, p
			n++
		}
}' >"$tmp/full"
ns2x conntrack -R "$tmp/full" >/dev/null 2>&1
rm -f "$tmp/full"
filled=$(ns2x conntrack -C)
drop0=$(ns2x conntrack -S | sed -n 's/.* drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s}')
ns2x ping -c 3 -i 0.2 -W 1 -q 127.0.0.1 >/dev/null 2>&1
drop1=$(ns2x conntrack -S | sed -n 's/.* drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s}')
out=$(ns2x "$NT" conntrack -j)
rc=$?
# the fixture moved, and nettriage saw the same numbers
check "namespace filled to the global max: conntrack -C, nettriage count" \
	"$filled $(jq .count <<<"$out")" "$max $max"
ntdrop=$(jq .stats.drop <<<"$out")
[ "$drop1" -gt "$drop0" ] && [ "$ntdrop" = "$drop1" ] &&
	ok "conntrack -S drop rose ($drop0 -> $drop1): new flows dropped; nettriage stats.drop $ntdrop" ||
	nok "conntrack -S drop $drop0 -> $drop1 (want a rise), nettriage stats.drop '$ntdrop' (want $drop1)"
check "table full: exit 2 (CRIT)" "$rc" 2
check "table full: fill verdict CRIT" "$(jq -r '.verdicts[] | select(.check == "conntrack.fill") | .level' <<<"$out")" crit
check "table full: drop verdict CRIT (rising since the previous run)" \
	"$(jq -r '.verdicts[] | select(.check == "conntrack.drop") | .level' <<<"$out")" crit
check "table full: drop rise equals conntrack -S" "$(jq '.deltas.drop' <<<"$out")" "$((drop1 - drop0))"
jq -e '.verdicts[] | select(.check == "conntrack.drop") | .hint | test("table full")' <<<"$out" >/dev/null &&
	ok "drop verdict carries the table-full hint" || nok "drop verdict hint missing"
ip netns del "$ns2" # free the 262,144 entries at once
exit 0
