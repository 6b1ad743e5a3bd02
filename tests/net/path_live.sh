#!/bin/bash
# The live view of path, driven in tmux (send-keys, capture-pane) on
# host -> r1 -> r2 -> r3 -> target (tests/net/path-lib.inc): the table and
# the sparklines appear (UTF-8 bars, ASCII under LANG=C), d cycles the
# display, p pauses the redraw, r resets the statistics, q exits 0; after
# q, Ctrl-C and SIGTERM the terminal is as it was (stty -g before and
# after equal, alternate screen left, cursor shown). --report on a
# terminal shows its progress on stderr; with stdout not a terminal the
# report is plain text. Probes go only to the namespaces made here.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-$PWD/build/nettriage}
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - path_live needs root for network namespaces"
	exit 1
fi
if ! command -v tmux >/dev/null; then
	echo "not ok - path_live needs tmux (scripts/packages.txt)"
	exit 1
fi
. tests/net/path-lib.inc
T=$TOPO_TMP
tm() { LANG=C.UTF-8 tmux -u -S "$T/tmux.sock" "$@"; }
live_cleanup() {
	tm kill-server 2>/dev/null
	topo_cleanup
}
trap live_cleanup EXIT

topo_start resolver

# run NAME LANG ARGS...: a pane that saves the terminal's modes, runs
# nettriage in the host namespace, then saves its status and the modes.
run() {
	local name=$1 lang=$2; shift 2
	cat >"$T/$name.sh" <<EOF
trap : INT
stty -g >"$T/$name.before"
ip netns exec $H env LANG=$lang $NT $*
echo \$? >"$T/$name.rc"
stty -g >"$T/$name.after"
exec sleep 300
EOF
	tm new-session -d -s "$name" -x "${PANE_X:-160}" -y "${PANE_Y:-40}" "sh $T/$name.sh"
}
pane() { tm capture-pane -p -t "$1"; }
# wait_for NAME SECONDS ERE: until the pane shows a line matching ERE
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		pane "$1" | grep -Eq -- "$3" && return 0
		sleep 0.1
	done
	return 1
}
wait_file() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# The sent count of the destination's row (the SNT column).
dst_sent() { pane "$1" | awk -v d="$DST4" '$2 == d { print $4; exit }'; }
flag() { tm display -p -t "$1" "#{$2}"; }
restored() { # NAME: modes equal, alternate screen left, cursor shown
	[ -s "$T/$1.before" ] && cmp -s "$T/$1.before" "$T/$1.after" &&
		[ "$(flag "$1" alternate_on)" = 0 ] && [ "$(flag "$1" cursor_flag)" = 1 ]
}

# ---- UTF-8: table, sparklines, d, p, r, q ----
run u C.UTF-8 path -n -c 2000 -i 0.1 --timeout 0.5 "$DST4"
if wait_for u 10 "^ +4 +$DST4 .*[▁▂▃▄▅▆▇█]{8}"; then
	ok "live: the table and the destination's sparkline (UTF-8 bars) appear"
else
	nok "live: the table and the destination's sparkline (UTF-8 bars) appear"
	pane u | sed 's/^/# /'
fi
[ -n "${NT_LIVE_SHOW:-}" ] && pane u >"$NT_LIVE_SHOW"
assert "live: every hop has a row" \
	sh -c "pane() { LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t u; }; n=0; for h in $HOPS4; do pane | grep -Eq \"^ +[0-9]+ +\$h \" && n=\$((n+1)); done; [ \$n -eq 4 ]"
assert "live: the sparkline is shown with its scale (LO-HI ms)" \
	sh -c "LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t u | grep -E \"^ +4 +$DST4 \" | grep -Eq '[0-9]+\.[0-9]+-[0-9]+\.[0-9]+ *$'"
assert "live: the alternate screen is on while it runs" test "$(flag u alternate_on)" = 1
assert "live: the cursor is hidden while it runs" test "$(flag u cursor_flag)" = 0
pane u | grep -q "LOSS%" && pane u | grep -q "SCALE" && both=1 || both=0
tm send-keys -t u d
wait_for u 3 "display \(statistics\)" && ! pane u | grep -q SCALE && s1=1 || s1=0
tm send-keys -t u d
wait_for u 3 "display \(sparklines\)" && ! pane u | grep -q "LOSS%" && pane u | grep -q SCALE &&
	s2=1 || s2=0
tm send-keys -t u d
wait_for u 3 "display \(both\)" && s3=1 || s3=0
assert "live: d cycles both -> statistics -> sparklines -> both ($both$s1$s2$s3)" \
	test "$both$s1$s2$s3" = 1111
tm send-keys -t u p
wait_for u 3 "\[paused\]" && c1=$(pane u | head -1) && sleep 1.5 && c2=$(pane u | head -1) || c1=x c2=y
assert "live: p pauses the redraw (the cycle count stands still)" test "$c1" = "$c2"
tm send-keys -t u p
sleep 1
c3=$(pane u | head -1)
assert "live: p again resumes it" sh -c "[ \"$c3\" != \"$c2\" ] && ! echo \"$c3\" | grep -q paused"
# r: wait for a large sent count, reset, see it start again
for i in $(seq 100); do
	n=$(dst_sent u); [ "${n:-0}" -ge 40 ] && break; sleep 0.1
done
before=$(dst_sent u)
tm send-keys -t u r
wait_for u 3 "since reset" && wait_for u 3 "^ +4 +$DST4 " && after=$(dst_sent u) || after=
if [ -n "$after" ] && [ "${before:-0}" -ge 40 ] && [ "$after" -lt 20 ]; then
	ok "live: r resets the statistics (destination sent $before -> $after)"
else
	nok "live: r resets the statistics (destination sent ${before:-?} -> ${after:-?})"
	pane u | sed 's/^/# /'
fi
sleep 1
assert "live: after r, loss stays 0 % at the destination (in-flight probes not miscounted)" \
	sh -c "LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t u | awk -v d=$DST4 '\$2 == d { exit !(\$3 == \"0.0%\") }'"
t0=$(date +%s.%N)
tm send-keys -t u q
if wait_file "$T/u.rc" 3; then
	t1=$(date +%s.%N)
	assert "live: q exits 0" test "$(cat "$T/u.rc")" = 0
	assert "live: q ends the run within 1.5 s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s)" \
		awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.5) }'
else
	nok "live: q exits 0 (no exit status)"
fi
assert "live: after q the terminal is restored (stty -g equal, alternate screen off, cursor on)" restored u
assert "live: after q the report is printed on the normal screen" \
	sh -c "LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t u | grep -q '^nettriage path to $DST4'"

# ---- n: names of the lookups done, and back; q with a long interval ----
run d C.UTF-8 path -c 2000 -i 5 "$DST4"
if wait_for d 10 "^ +4 +target\.test "; then
	ok "live: reverse DNS names shown (target.test from the testbed's hosts file)"
else
	nok "live: reverse DNS names shown (target.test from the testbed's hosts file)"
	pane d | sed 's/^/# /'
fi
tm send-keys -t d n
assert "live: n shows addresses" wait_for d 8 "^ +4 +$DST4 "
tm send-keys -t d n
assert "live: n again shows the names" wait_for d 8 "^ +4 +target\.test "
t0=$(date +%s.%N)
tm send-keys -t d q
wait_file "$T/d.rc" 5
t1=$(date +%s.%N)
assert "live: q at -i 5 ends the run at once ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s < 1.5 s; exit $(cat "$T/d.rc" 2>/dev/null))" \
	awk -v a="$t0" -v b="$t1" -v rc="$(cat "$T/d.rc" 2>/dev/null)" 'BEGIN { exit !(b - a < 1.5 && rc == "0") }'
assert "live: after q the terminal is restored (-i 5)" restored d

# ---- a small terminal: rows cut with a note, nothing scrolls or wraps ----
PANE_X=60 PANE_Y=6 run w C.UTF-8 path -n -c 2000 -i 0.1 --timeout 0.5 "$DST4"
if wait_for w 10 "^\(2 more rows"; then
	ok "live: 60x6 terminal: 2 rows shown, '(2 more rows ...)' on the last line"
else
	nok "live: 60x6 terminal: 2 rows shown, '(2 more rows ...)' on the last line"
	pane w | sed 's/^/# /'
fi
assert "live: 60x6 terminal: the title stays on the first line (nothing scrolled)" \
	sh -c "LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t w | head -1 | grep -q '^nettriage path to'"
assert "live: 60x6 terminal: the first hop on line 4 (no line folded)" \
	sh -c "LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t w | sed -n 4p | grep -Eq '^ +1 +192\.0\.2\.2 '"
tm send-keys -t w q
wait_file "$T/w.rc" 3
assert "live: 60x6 terminal: restored after q" restored w

# ---- an error in the run (a name that does not resolve): restored too ----
run e C.UTF-8 path -n nosuch.invalid
if wait_file "$T/e.rc" 10; then
	assert "live: a run that fails exits non-zero ($(cat "$T/e.rc"))" test "$(cat "$T/e.rc")" != 0
	assert "live: after a failed run the terminal is restored" restored e
	assert "live: the error is shown on the normal screen" wait_for e 2 "nosuch\.invalid"
else
	nok "live: a run that fails ends"
fi

# ---- ASCII under LANG=C ----
run a C path -n -c 2000 -i 0.1 --timeout 0.5 "$DST4"
if wait_for a 10 "^ +4 +$DST4 .*[-_~=+*#@]{8}"; then
	ok "live: LANG=C draws the sparkline in ASCII"
else
	nok "live: LANG=C draws the sparkline in ASCII"
	pane a | sed 's/^/# /'
fi
assert "live: LANG=C: no byte outside ASCII on the screen" \
	sh -c "! LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t a | LC_ALL=C grep -q '[^ -~]'"
tm send-keys -t a C-c
wait_file "$T/a.rc" 3
assert "live: after Ctrl-C the terminal is restored" restored a

# ---- SIGTERM ----
run s C.UTF-8 path -n -c 2000 -i 0.1 --timeout 0.5 "$DST4"
wait_for s 10 "^ +4 +$DST4 " || true
shpid=$(tm display -p -t s '#{pane_pid}')
pid=$(pgrep -P "$shpid" -x nettriage | head -1)
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	wait_file "$T/s.rc" 3
	assert "live: SIGTERM ends the run" test -s "$T/s.rc"
	assert "live: after SIGTERM the terminal is restored" restored s
else
	nok "live: the prober of the SIGTERM pane was not found"
fi

# ---- --report on a terminal: progress on stderr; stdout a file ----
cat >"$T/r.sh" <<EOF
ip netns exec $H $NT path --report -n -c 30 -i 0.1 $DST4 >"$T/r.out"
echo \$? >"$T/r.rc"
exec sleep 300
EOF
tm new-session -d -s r -x 160 -y 40 "sh $T/r.sh"
assert "report: progress 'cycle N/30' on stderr (a terminal)" wait_for r 5 "path: cycle [0-9]+/30"
wait_file "$T/r.rc" 10
assert "report: the progress line is erased at the end" \
	sh -c "! LANG=C.UTF-8 tmux -u -S $T/tmux.sock capture-pane -p -t r | grep -q 'path: cycle'"
assert "report: stdout not a terminal gets the plain report (no escape sequences)" \
	sh -c "grep -q '^nettriage path to $DST4' $T/r.out && ! grep -q \$(printf '\\033') $T/r.out"
# A stopped terminal (^S) never stalls probing: the progress update is
# skipped, not waited for. The --log lines' times show the gaps.
cat >"$T/stop.sh" <<EOF
stty ixon
ip netns exec $H $NT path --report -n -c 300 -i 0.01 --log "$T/stop.ndjson" $DST4 >"$T/stop.out"
echo \$? >"$T/stop.rc"
exec sleep 300
EOF
tm new-session -d -s stop -x 160 -y 40 "sh $T/stop.sh"
wait_for stop 5 "path: cycle [0-9]+/300" >/dev/null
tm send-keys -t stop C-s
sleep 3
tm send-keys -t stop C-q
wait_file "$T/stop.rc" 10
lines=$(wc -l <"$T/stop.ndjson" 2>/dev/null)
gap=$(jq -r '.time' "$T/stop.ndjson" 2>/dev/null | awk -F'[T:Z]' '{ t = $2 * 3600 + $3 * 60 + $4; if (NR > 1 && t - p > m) m = t - p; p = t } END { printf "%.3f", m }')
assert "report: ^S on the terminal for 3 s does not stall the probes ($lines log lines, >= 300; largest gap between them $gap s < 0.5 s)" \
	awk -v g="$gap" -v n="${lines:-0}" 'BEGIN { exit !(n >= 300 && g != "" && g < 0.5) }'
cat >"$T/n.sh" <<EOF
ip netns exec $H $NT path -n -c 3 -i 0.1 $DST4 >"$T/n.out"
echo \$? >"$T/n.rc"
exec sleep 300
EOF
tm new-session -d -s n -x 160 -y 40 "sh $T/n.sh"
wait_file "$T/n.rc" 10
assert "no --report, stdout not a terminal: falls back to the report" \
	sh -c "grep -q '^nettriage path to $DST4' $T/n.out && ! grep -q \$(printf '\\033') $T/n.out && [ \$(cat $T/n.rc) = 0 ]"
exit 0
