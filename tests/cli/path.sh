#!/bin/sh
# path: bad input gives one line on stderr and exit 64 (usage), without
# any DNS; raw-socket calls live only under probes/, and that check is
# shown to fail on a planted call.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-build/nettriage}
NETTRIAGE_STATE_DIR=$(mktemp -d)
export NETTRIAGE_STATE_DIR
trap 'rm -rf "$NETTRIAGE_STATE_DIR"' EXIT

check() { # want-rc description args...
	want=$1; what=$2; shift 2
	err=$("$NT" path "$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && echo "$err" | grep -q '^nettriage: '; then
		echo "ok - $what: exit $rc, one line: $err"
	else
		echo "not ok - $what: exit $rc (want $want), $lines lines: $err"
	fi
}
# Names that cannot exist are refused before any lookup (no resolver
# involved); resolution failures are tested in tests/net/path.sh against
# the testbed's own resolver.
check 64 "empty label in a host name" -n no..such.example
check 64 "64-character label" -n "$(printf 'a%.0s' $(seq 64)).example"
check 64 "control character in a host name" -n "$(printf 'bad\033[2Jname')"
check 64 "-c 0" -c 0 192.0.2.1
check 64 "-i -1" -i -1 192.0.2.1
check 64 "--max-ttl 0" --max-ttl 0 192.0.2.1
check 64 "--max-ttl 300" --max-ttl 300 192.0.2.1
check 64 "port 70000 in HOST:PORT" 192.0.2.1:70000
check 64 "HOST:0 (TCP port 0)" 192.0.2.1:0
check 64 "HOST:99999" 192.0.2.1:99999
check 64 "[V6]:0" "[2001:db8::1]:0"
check 64 "--tcp 0" --tcp 0 192.0.2.1
check 64 "--tcp 99999" --tcp 99999 192.0.2.1
check 64 "--tcp with --udp" --tcp 443 --udp 192.0.2.1
check 64 "--tcp and HOST:PORT name two ports" --tcp 443 192.0.2.1:80
check 64 "--port 70000" --udp --port 70000 192.0.2.1
check 64 "IPv6 literal with -4" -4 2001:db8::1
check 64 "IPv4 literal with -6" -6 192.0.2.1
check 64 "--first-ttl above --max-ttl" --first-ttl 9 --max-ttl 3 192.0.2.1
check 64 "--size below the probe header" --size 4 192.0.2.1
check 64 "--timeout 0" --timeout 0 192.0.2.1
check 64 "missing HOST"
check 64 "two hosts, the second malformed" 192.0.2.1 no..such.example
check 64 "--rate 0" --rate 0 192.0.2.1
check 64 "--rate not a number" --rate fast 192.0.2.1
check 64 "--log in a missing directory" --log "$NETTRIAGE_STATE_DIR/none/x.ndjson" 192.0.2.1
check 64 "--log on a directory" --log "$NETTRIAGE_STATE_DIR" 192.0.2.1
check 64 "[v6 without bracket end" "[2001:db8::1"
check 64 "--csv with -j" --csv -j 192.0.2.1

# The probe engine is the only code that opens raw sockets (mtr's rule).
# Every C file of the tree is searched, by path relative to its top, so the
# probes/ exclusion applies (the old check searched four directories and
# filtered a prefix none of its hits could have). tests/net and tests/bench
# hold test fixtures (packet senders, responders), not nettriage.
RAW_RE='SOCK_RAW|SOCK_PACKET|AF_PACKET|PF_PACKET|IPPROTO_RAW|IP_HDRINCL|IPV6_HDRINCL'
raw_hits() { # top
	(cd "$1" && find . \( -name .git -o -name 'build*' \) -prune -o -type f \
		\( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' |
		grep -Ev '^(probes|tests/net|tests/bench)/' | sort |
		xargs -r grep -nE "$RAW_RE" /dev/null)
}
hits=$(raw_hits .)
if [ -z "$hits" ] && grep -q 'SOCK_RAW' probes/probe_sock.c; then
	echo "ok - raw-socket calls only under probes/"
else
	echo "not ok - raw-socket calls outside probes/: $hits"
fi
# ... and the check can fail: a copy of the tree with one SOCK_RAW in src/
tmp=$(mktemp -d)
cp -r src include probes "$tmp/" && mkdir -p "$tmp/src/core" &&
	printf 'int fd_raw(void) { return socket(AF_INET, SOCK_RAW, 1); }\n' >"$tmp/src/core/x.c"
seeded=$(raw_hits "$tmp")
rm -rf "$tmp"
if [ "$seeded" = "src/core/x.c:1:int fd_raw(void) { return socket(AF_INET, SOCK_RAW, 1); }" ]; then
	echo "ok - the raw-socket check catches a SOCK_RAW planted in src/core/ (and not probes/'s own)"
else
	echo "not ok - the raw-socket check missed a planted SOCK_RAW: '$seeded'"
fi
"$NT" help path | grep -q -- '--max-ttl' && echo "ok - help path lists the options" ||
	echo "not ok - help path"
