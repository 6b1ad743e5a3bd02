#!/bin/sh
# capture's libpcap side (src/capture/capture_src.c): -w refused on -r's own
# file (also through a symlink or a hard link) with the input intact; a -w
# write error is one line and exit 3; -r's bytes are parsed only after the
# privilege drop (a FIFO with no byte in it yet: the process must be nobody
# while it waits for the header); -r with -t keeps SEC seconds of capture
# time (tshark's frame.time_relative says how many frames); --promisc on
# "any" gives if_dropped null and a note, on lo a number; SIGTERM ends a
# live capture at once with its results.
# Env: NT (the binary), NT_BUILD (pcapgen). Needs root (CI has it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"
GEN=${NT_BUILD:-$top/build}/tests/pcapgen
pid=""
trap '[ -n "$pid" ] && kill -KILL $pid 2>/dev/null; rm -rf "$tmp"' EXIT

for t in tshark jq; do
	command -v "$t" >/dev/null 2>&1 || { notok "$t is installed"; exit 1; }
done
[ -x "$GEN" ] || { notok "fixture writer $GEN exists (make -j2 unit)"; exit 1; }
"$GEN" retrans3 "$tmp/r.pcap" >/dev/null && "$GEN" random "$tmp/random.pcap" >/dev/null ||
	{ notok "pcapgen writes retrans3 and random"; exit 1; }
nframes=$(tshark -r "$tmp/r.pcap" 2>/dev/null | grep -c '')

# 1: -w onto -r's file, directly, through a symlink, through a hard link
cp "$tmp/r.pcap" "$tmp/X"
ln -s X "$tmp/L"
ln "$tmp/X" "$tmp/H"
for w in X L H; do
	expect_err 3 "-r X -w $w (the same file)" capture -r "$tmp/X" -w "$tmp/$w"
	grep -q 'the same file' "$tmp/err" && ok "-w $w: the message says it is the same file" ||
		notok "-w $w: message: $(cat "$tmp/err")"
	cmp -s "$tmp/X" "$tmp/r.pcap" && ok "-w $w: the input is untouched" ||
		notok "-w $w: the input changed ($(wc -c <"$tmp/X") bytes)"
done
run capture -r "$tmp/X" -w "$tmp/copy.pcap" -q
n=$(tshark -r "$tmp/copy.pcap" 2>/dev/null | grep -c '')
[ "$rc" -lt 3 ] && [ "$n" -eq "$nframes" ] && ok "-w another file: $n of $nframes frames (tshark)" ||
	notok "-w another file: exit $rc, $n of $nframes frames"

# 2: a write error is reported, not lost
expect_msg 3 "nettriage: capture: -w /dev/full: No space left on device" \
	"-w /dev/full" capture -r "$tmp/random.pcap" -w /dev/full -q
expect_err 3 "-w /dev/full -j" capture -r "$tmp/random.pcap" -w /dev/full -j

if [ "$(id -u)" -ne 0 ]; then
	ok "privilege drop before the file is parsed # SKIP not root"
	ok "live: --promisc, SIGTERM # SKIP not root"
	exit $fail
fi

# 3: the FIFO holds no byte until the process has dropped to nobody: a
# parse before the drop would wait for the header as root
mkfifo "$tmp/ff"
exec 3<>"$tmp/ff"
"$NT" capture -r "$tmp/ff" -j </dev/null >"$tmp/ff.json" 2>"$tmp/ff.err" 3>&- &
pid=$!
uid=""
i=0
while [ $i -lt 50 ]; do
	uid=$(awk '/^Uid:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	[ "$uid" = 65534 ] && break
	sleep 0.1
	i=$((i + 1))
done
[ "$uid" = 65534 ] && ok "-r FIFO: nobody (uid 65534) before a byte of the file exists" ||
	notok "-r FIFO: still uid ${uid:-gone} while waiting for the file's header: it would be parsed as root"
cat "$tmp/r.pcap" >&3
exec 3>&-
( sleep 10; kill -KILL $pid 2>/dev/null ) 3>&- >/dev/null 2>&1 &
dog=$!
wait $pid
rc=$?
pid=""
kill $dog 2>/dev/null
n=$(jq -r .packets "$tmp/ff.json" 2>/dev/null)
[ "$rc" -lt 3 ] && [ "$n" = "$nframes" ] && ok "-r FIFO: $n frames read after the drop" ||
	notok "-r FIFO: exit $rc, packets '$n' (want $nframes): $(head -c 200 "$tmp/ff.err")"

# 6a: -r with -t 0.1: frames within 0.1 s of the first frame's stamp
want=$(tshark -r "$tmp/r.pcap" -T fields -e frame.time_relative 2>/dev/null |
	awk '$1 <= 0.1 { n++ } END { print n + 0 }')
run capture -r "$tmp/r.pcap" -t 0.1 -j -w "$tmp/t.pcap"
n=$(jq -r .packets "$tmp/out" 2>/dev/null)
nw=$(tshark -r "$tmp/t.pcap" 2>/dev/null | grep -c '')
[ "$rc" -lt 3 ] && [ "$n" = "$want" ] && [ "$nw" = "$want" ] && [ "$want" -lt "$nframes" ] &&
	ok "-r -t 0.1: $n frames read and written, tshark: $want of $nframes within 0.1 s" ||
	notok "-r -t 0.1: exit $rc, read '$n', written '$nw', tshark $want of $nframes"

# 4: --promisc on any: no promiscuous mode, if_dropped null, a note
run capture -d any --promisc -t 0.5 -j
ifd=$(jq -r '.if_dropped' "$tmp/out" 2>/dev/null)
drp=$(jq -r '.dropped | type' "$tmp/out" 2>/dev/null)
[ "$rc" -lt 3 ] && [ "$ifd" = null ] && [ "$drp" = number ] &&
	ok "-d any --promisc: if_dropped null, dropped a number" ||
	notok "-d any --promisc: exit $rc, if_dropped '$ifd', dropped is '$drp'"
grep -q 'promisc.*not in effect' "$tmp/err" && [ "$(lines "$tmp/err")" -eq 1 ] &&
	ok "-d any --promisc: one note on stderr" || notok "-d any --promisc: stderr: $(cat "$tmp/err")"
run capture -d lo --promisc -t 0.3 -j
ifd=$(jq -r '.if_dropped | type' "$tmp/out" 2>/dev/null)
[ "$rc" -lt 3 ] && [ "$ifd" = number ] && [ ! -s "$tmp/err" ] &&
	ok "-d lo --promisc: if_dropped a number, no note" ||
	notok "-d lo --promisc: exit $rc, if_dropped is '$ifd', stderr: $(cat "$tmp/err")"

# 6b: SIGTERM after 1 s of -t 30 on lo
t0=$(date +%s.%N)
"$NT" capture -d lo -t 30 -j </dev/null >"$tmp/term.json" 2>"$tmp/term.err" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
pid=""
wall=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
st=$(jq -r .stopped "$tmp/term.json" 2>/dev/null)
[ "$rc" -lt 3 ] && [ "$st" = true ] && awk "BEGIN { exit !($wall < 3) }" &&
	ok "SIGTERM on -d lo -t 30: exit $rc by verdict, stopped true, $wall s" ||
	notok "SIGTERM on -d lo -t 30: exit $rc, stopped '$st', $wall s: $(head -c 200 "$tmp/term.err")"
exit $fail
