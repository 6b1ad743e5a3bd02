#!/bin/sh
# path: bad input gives one line on stderr and exit 64 (usage) or 3 (could
# not resolve); raw-socket calls live only under probes/.
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
check 3 "unresolvable name" -n nosuch-host.invalid
check 64 "-c 0" -c 0 192.0.2.1
check 64 "-i -1" -i -1 192.0.2.1
check 64 "--max-ttl 0" --max-ttl 0 192.0.2.1
check 64 "--max-ttl 300" --max-ttl 300 192.0.2.1
check 64 "port 70000 in HOST:PORT" 192.0.2.1:70000
check 64 "--port 70000" --udp --port 70000 192.0.2.1
check 64 "IPv6 literal with -4" -4 2001:db8::1
check 64 "IPv4 literal with -6" -6 192.0.2.1
check 64 "--first-ttl above --max-ttl" --first-ttl 9 --max-ttl 3 192.0.2.1
check 64 "--size below the probe header" --size 4 192.0.2.1
check 64 "--timeout 0" --timeout 0 192.0.2.1
check 64 "missing HOST"
check 64 "two hosts" 192.0.2.1 192.0.2.2
check 64 "[v6 without bracket end" "[2001:db8::1"
check 64 "--csv with -j" --csv -j 192.0.2.1

# The probe engine is the only code that opens raw sockets (mtr's rule).
hits=$(grep -rnE 'SOCK_RAW|SOCK_PACKET|AF_PACKET|IPPROTO_RAW|IP_HDRINCL' src include tests/unit tests/fuzz 2>/dev/null |
	grep -v '^probes/')
if [ -z "$hits" ] && grep -q 'SOCK_RAW' probes/probe_sock.c; then
	echo "ok - raw-socket calls only under probes/"
else
	echo "not ok - raw-socket calls outside probes/: $hits"
fi
"$NT" help path | grep -q -- '--max-ttl' && echo "ok - help path lists the options" ||
	echo "not ok - help path"
