#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handler
# Names that any user controls reach the table escaped (DESIGN: tables;
# issue 8 section 3). In a namespace made for the test:
# 1. link: interfaces named ESC[31mx (an ANSI colour), one with a raw 0x9b
#    byte (a C1 CSI that is not UTF-8) and one with U+009B as UTF-8: the
#    table holds no raw ESC/CSI byte and shows \x1b[31mx; -j keeps the
#    names (\u001b) and still carries the invalid-UTF-8 one (0x9b as U+FFFD).
# 2. tcp --procs: a process named ESC[2J (PR_SET_NAME, "clear screen")
#    holding a CLOSE-WAIT socket: the by-process table shows \x1b[2J and
#    no raw ESC.
# Env: NT (nettriage), NT_BUILD (holds tests/escname_helper).
set -u

NT=${NT:-}
NT_BUILD=${NT_BUILD:-}
HELPER="$NT_BUILD/tests/escname_helper"
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
skip() {
	echo "ok - escape netns test # SKIP $*"
	exit 0
}
for x in "$NT" "$HELPER"; do
	[ -n "$x" ] && [ -x "$x" ] && continue
	echo "not ok - not executable: '$x' (set NT and NT_BUILD; make unit)"
	exit 1
done
[ "$(id -u)" -eq 0 ] || skip "not root"
for t in ip jq od; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t"
done

H="nt-esc-$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nt-esc-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
export NETTRIAGE_STATE_DIR="$TMP/state"
unset NETTRIAGE_PROC
HPID=""
cleanup() {
	if [ -n "$HPID" ]; then
		kill "$HPID" 2>/dev/null
		wait "$HPID" 2>/dev/null
	fi
	ip netns del "$H" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$H" || { echo "not ok - ip netns add"; exit 1; }
ip -n "$H" link set lo up
ESC=$'\e'
N1="${ESC}[31mx"
N2=$'c1\x9bx'
N3=$'u\xc2\x9bx'
# veth pairs (a namespace-local device type every kernel here has)
if ! ip -n "$H" link add "$N1" type veth peer name "$N2" 2>"$TMP/err" ||
   ! ip -n "$H" link add "$N3" type veth peer name "plain" 2>>"$TMP/err"; then
	echo "not ok - ip link add names with control bytes: $(cat "$TMP/err")"
	exit 1
fi

# no_raw FILE [RE]: no byte matching RE (octal, default ESC or 0x9b) in FILE
no_raw() {
	! od -An -b -v "$1" | grep -qE "${2:-033|233}"
}

"$NT" -N "$H" link >"$TMP/link.txt" 2>"$TMP/err"
rc=$?
if [ "$rc" -le 2 ] && grep -qF '\x1b[31mx' "$TMP/link.txt"; then
	ok "link table: the ESC name shown as \\x1b[31mx"
else
	notok "link table: the ESC name shown as \\x1b[31mx (exit $rc: $(head -c 200 "$TMP/err"))"
fi
if grep -qF 'c1\x9bx' "$TMP/link.txt" && grep -qF 'u\xc2\x9bx' "$TMP/link.txt"; then
	ok "link table: raw 0x9b and U+009B shown as \\x escapes"
else
	notok "link table: raw 0x9b and U+009B shown as \\x escapes"
fi
if no_raw "$TMP/link.txt"; then
	ok "link table: no raw ESC or 0x9b byte"
else
	notok "link table: no raw ESC or 0x9b byte"
	od -c "$TMP/link.txt" | grep -E '033|233' | head -3 >&2
fi
# columns stay aligned: every row, up to the VERDICT column, as long as the
# header (all ASCII once escaped, so bytes are columns)
if awk '{ sub(/  [A-Z]+$/, "") } /^IFACE / { w = length($0); next }
	/^link: / { w = 0 } w && length($0) != w { bad = 1 }
	END { exit bad }' "$TMP/link.txt"; then
	ok "link table: columns aligned on the escaped names"
else
	notok "link table: columns aligned on the escaped names"
fi

"$NT" -N "$H" -j link >"$TMP/link.json" 2>"$TMP/err"
rc=$?
if [ "$rc" -le 2 ] && jq -e --arg n "$N1" 'any(.interfaces[]; .name == $n)' \
	"$TMP/link.json" >/dev/null 2>&1; then
	ok "link -j: the ESC name kept exactly (jansson escapes it as \\u001b)"
else
	notok "link -j: the ESC name kept exactly (exit $rc: $(head -c 200 "$TMP/err"))"
fi
if jq -e 'any(.interfaces[]; .name == "c1\ufffdx")' "$TMP/link.json" >/dev/null 2>&1; then
	ok "link -j: an invalid-UTF-8 name is kept (as U+FFFD), not dropped"
else
	notok "link -j: an invalid-UTF-8 name is kept (as U+FFFD), not dropped"
fi
# JSON keeps U+009B as it is (valid JSON, the exact name); C0 is escaped
if no_raw "$TMP/link.json" 033; then
	ok "link -j: no raw ESC byte"
else
	notok "link -j: no raw ESC byte"
fi

# tcp --procs: the helper renames itself and holds one CLOSE-WAIT socket.
PNAME="${ESC}[2Jnt"
ip netns exec "$H" "$HELPER" "$PNAME" 127.0.0.1 4711 >"$TMP/helper.out" 2>"$TMP/helper.err" &
HPID=$!
for _ in $(seq 50); do
	grep -q ready "$TMP/helper.out" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q ready "$TMP/helper.out"; then
	notok "escname_helper ready ($(cat "$TMP/helper.err"))"
	exit 1
fi
if od -An -c "/proc/$HPID/comm" | grep -q 033; then
	ok "fixture: the helper's comm holds ESC"
else
	notok "fixture: the helper's comm holds ESC"
fi
"$NT" -N "$H" tcp --procs >"$TMP/tcp.txt" 2>"$TMP/err"
rc=$?
if [ "$rc" -le 2 ] && grep -qF '\x1b[2Jnt' "$TMP/tcp.txt"; then
	ok "tcp --procs: the process name shown as \\x1b[2Jnt"
else
	notok "tcp --procs: the process name shown as \\x1b[2Jnt (exit $rc: $(head -c 200 "$TMP/err"))"
	head -40 "$TMP/tcp.txt" | cat -v >&2
fi
if no_raw "$TMP/tcp.txt"; then
	ok "tcp --procs: no raw ESC byte in the table"
else
	notok "tcp --procs: no raw ESC byte in the table"
fi
exit $fail
