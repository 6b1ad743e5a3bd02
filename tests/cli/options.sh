#!/bin/sh
# The option pre-pass (nettriage(8), OPTIONS): global options before or
# after the command name, told apart from the command's own options, so a
# command option's value is never taken for a global option; bundled flags;
# --opt=VAL and -oVAL; "--" ends options; unique prefixes of long options,
# ambiguous ones an error; unknown options one line naming the command.
# Needs no root. Env: NT (absolute path to the binary).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"

# Values that look like options belong to the option before them.
expect_msg 64 "nettriage: tcp: --dport: not a port: -1" \
	"tcp --dport -1" tcp --dport -1
expect_msg 64 "nettriage: tcp: --dport: not a port: -c5" \
	"tcp --dport -c5 (not the global -c)" tcp --dport -c5
expect_msg 64 "nettriage: tcp: --sport: not a port: -N" \
	"tcp --sport -N (not the global -N)" tcp --sport -N
expect_msg 64 "nettriage: link: --warn: not a percentage from 0 to 100: -i0.5" \
	"link --warn -i0.5 (not the global -i)" link --warn -i0.5
expect_msg 64 "nettriage: path: --port: not a port: 0" "path -p0" path -p0 127.0.0.1

# Unknown, ambiguous, missing values: one line naming option and command.
expect_msg 64 "nettriage: tcp: unknown option: --frob (see nettriage tcp --help)" \
	"tcp --frob" tcp --frob
expect_msg 64 "nettriage: link: unknown option: -Z (see nettriage link --help)" \
	"unknown letter inside a bundle" link -jZ
expect_msg 64 "nettriage: unknown option: -Z (see nettriage --help)" \
	"unknown letter before the command" -jZ link
expect_msg 64 "nettriage: path: ambiguous option: --p (could be --port, --prom, --prom-file)" \
	"ambiguous prefix (command and global options)" path --p 5 127.0.0.1
expect_msg 64 "nettriage: link: ambiguous option: --al (could be --all, --all-netns)" \
	"ambiguous prefix --al" link --al
expect_msg 64 "nettriage: link: --json: takes no value: --json=1 (see nettriage link --help)" \
	"value given to a flag after the command" link --json=1
expect_msg 64 "nettriage: conntrack: --top: missing argument" \
	"missing value at the end" conntrack --top
expect_msg 64 "nettriage: link: unknown option: --version (see nettriage link --help)" \
	"--version belongs before the command" link --version
expect_msg 3 "nettriage: link: -q: no such interface" \
	"-- ends options: -q is an interface name" link -- -q

if ! command -v jq >/dev/null 2>&1; then
	echo "ok - JSON checks # SKIP jq not installed"
	exit $fail
fi

# ok_json DESC JQ ARGS...: exit 0..2, nothing on stderr, stdout passes the
# jq program (given the slurped documents as an array).
ok_json() {
	d=$1 prog=$2
	shift 2
	run "$@"
	why=""
	[ "$rc" -le 2 ] || why="$why; exit $rc"
	[ ! -s "$tmp/err" ] || why="$why; stderr: $(head -c 160 "$tmp/err")"
	jq -es "$prog" "$tmp/out" >/dev/null 2>&1 || why="$why; jq $prog failed"
	if [ -z "$why" ]; then
		ok "$d"
	else
		notok "$d (nettriage $*)${why#;}"
	fi
}

one_lo='length == 1 and .[0].command == "link" and (.[0].interfaces | length) == 1 and .[0].interfaces[0].name == "lo"'
ok_json "-jq link lo: bundled globals before the command" "$one_lo" -jq link lo
ok_json "link -jq lo: bundled globals after the command" "$one_lo" link -jq lo
ok_json "link lo -qj: after the operand" "$one_lo" link lo -qj
ok_json "link -ajn lo: command and global letters in one bundle" \
	"$one_lo and (.[0].interfaces[0] | has(\"rx_crc_errors\"))" link -ajn lo
ok_json "link --js lo: a unique prefix of --json" "$one_lo" link --js lo
ok_json "--num --json link lo: unique prefix before the command" "$one_lo" --num --json link lo
ok_json "-j link lo -i 0.1 -c 2: two samples" \
	'length == 2 and .[1].sample == 1' -j link lo -i 0.1 -c 2
ok_json "link lo --interval=0.1 --count=2 -j: the = forms" \
	'length == 2' link lo --interval=0.1 --count=2 -j
ok_json "-i0.1 -c2 -j link lo: attached values" 'length == 2' -i0.1 -c2 -j link lo
ok_json "tcp --state established -jc1: a value, then a bundle ending in a value" \
	'length == 1 and .[0].command == "tcp"' tcp --state established -jc1
ok_json "-- before the command word" "$one_lo" -j -- link lo

# --prom on stdout is one exposition: repeated samples would repeat every
# HELP/TYPE (promtool rejects that); --prom-file and -j are the ways to sample.
expect_msg 64 "nettriage: --prom: one exposition per run: with -i/-c use --prom-file PATH (rewritten at every sample) or -j (JSON Lines)" \
	"--prom with -i/-c" --prom -i 0.1 -c 2 link lo

# -h: before the command, the main help; after it, the command's.
run -jh
if [ "$rc" -eq 0 ] && grep -q '^Commands:' "$tmp/out"; then
	ok "-jh: main help"
else
	notok "-jh: main help (exit $rc)"
fi
run link -jh
if [ "$rc" -eq 0 ] && grep -q 'nettriage link' "$tmp/out"; then
	ok "link -jh: link's help"
else
	notok "link -jh: link's help (exit $rc)"
fi
exit $fail
