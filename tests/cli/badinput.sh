#!/bin/sh
# Bad input to the CLI: exact exit codes (Nagios convention, 64 for usage),
# exactly one "nettriage: ..." line on stderr, nothing on stdout, and no
# crash (exit code < 128). Also the help paths and global options placed
# after the command. Needs no root; touches only a temporary state dir.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
# Env: NT (absolute path to the binary; default build/nettriage).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"

# Usage errors: 64
expect_err 64 "unknown command" frobnicate
expect_err 64 "unknown global option" --frobnicate link
expect_err 64 "unknown global option after the command" link --frobnicate
expect_err 64 "unknown link option" link -x
expect_err 64 "help for an unknown command" help frobnicate
expect_err 64 "-i 0" -i 0 link
expect_err 64 "-i -1" -i -1 link
expect_err 64 "-i below the 0.01 s minimum" -i 0.001 link
expect_err 64 "-i not a number" -i abc link
expect_err 64 "-i without a value" link -i
expect_err 64 "-c abc" -c abc link
expect_err 64 "-c 0" -c 0 link
expect_err 64 "-c not a whole number" -c 1.5 link
expect_err 64 "--prom-file with an empty path" --prom-file= link
expect_err 64 "value given to a flag (--json=x)" --json=x link
expect_err 64 "-N ." -N . link
expect_err 64 "link --warn -1" link --warn -1
expect_err 64 "link --warn above 100" link --warn 101
expect_err 64 "link --warn not a number" link --warn abc
expect_err 64 "link --warn without a value" link --warn
expect_err 64 "link --warn 5 --crit 1" link --warn 5 --crit 1
expect_err 64 "link --warn-drops 2 --crit-drops 1" link --warn-drops 2 --crit-drops 1

# Could not measure: 3
expect_err 3 "missing netns" -N "nosuch-$$" link
expect_err 3 "missing netns path" -N "/nonexistent-dir/netns-$$" link
expect_err 3 "unknown interface" link "nosuch$$"
expect_err 3 "unknown interface among known ones" link lo "nosuch$$"
expect_err 3 "--prom-file in a missing directory" --prom-file /nonexistent-dir/x.prom link
expect_err 64 "--all-netns with -N" --all-netns -N "nosuch-$$" link
expect_err 64 "--all-netns with path" --all-netns path 192.0.2.1
expect_err 64 "--all-netns with -c" --all-netns -c 3 link
expect_err 64 "triage: unknown option" triage --nosuch

# Every command --help marks "[not built yet]" exits 3, and says so.
if ! "$NT" --help >"$tmp/help" 2>/dev/null; then
	notok "nettriage --help exits 0"
	exit 1
fi
sed -n '/^Commands:/,/^$/p' "$tmp/help" | grep -E '^  [a-z]+ ' >"$tmp/cmds"
grep -q '^  link ' "$tmp/cmds" || notok "nettriage --help lists link"
while read -r cmd rest; do
	case "$rest" in *"[not built yet]"*) ;; *) continue ;; esac
	expect_err 3 "$cmd (not built yet)" "$cmd"
	if grep -q 'not built' "$tmp/err"; then
		ok "$cmd (not built yet): message says not built"
	else
		notok "$cmd (not built yet): message says not built"
	fi
	expect_help "help $cmd (not built yet)" help "$cmd"
	if [ "$cmd" = triage ]; then
		expect_err 3 "no command runs triage (not built yet)"
	fi
done <"$tmp/cmds"

# Help and version: 0, on stdout.
expect_help "--help" --help
expect_help "-h" -h
expect_help "help" help
expect_help "help link" help link
expect_help "link --help" link --help
expect_help "link -h" link -h
expect_help "--version" --version
if grep -Eq '^nettriage [0-9]+\.[0-9]+' "$tmp/out"; then
	ok "--version prints 'nettriage X.Y...'"
else
	notok "--version prints 'nettriage X.Y...' (got: $(head -c 80 "$tmp/out"))"
fi

# Global options after the command, and the same output either way.
if ! command -v jq >/dev/null 2>&1; then
	echo "ok - JSON checks # SKIP jq not installed"
	exit $fail
fi

# json DESC STATE ARGS...: run with a fresh state dir, expect a measured
# result (0, 1 or 2), nothing on stderr, and one valid JSON document.
json() {
	desc=$1
	NETTRIAGE_STATE_DIR="$tmp/$2"
	shift 2
	run "$@"
	NETTRIAGE_STATE_DIR="$tmp/state"
	why=""
	[ "$rc" -le 2 ] || why="$why; exit $rc, want 0, 1 or 2"
	[ ! -s "$tmp/err" ] || why="$why; output on stderr"
	if ! jq -e '.schema == 1 and .command == "link" and
	    (.interfaces | length) == 1 and .interfaces[0].name == "lo" and
	    (.verdicts | type) == "array" and (.status | type) == "string"' \
	    "$tmp/out" >/dev/null 2>&1; then
		why="$why; not one link JSON document for lo"
	fi
	if [ -z "$why" ]; then
		ok "$desc: valid JSON"
	else
		notok "$desc (nettriage $*)${why#;}"
		sed 's/^/    stderr: /' "$tmp/err" | head -5 >&2
	fi
}

# The shape of a document: every path, leaves' values left out.
shape() {
	jq -r 'paths | map(tostring) | join(".")' "$1"
}

json "link -j lo (global option between command and argument)" s1 link -j lo
json "-j link lo" s2 -j link lo
shape "$tmp/out" >"$tmp/shape-before"
json "link lo -j" s3 link lo -j
shape "$tmp/out" >"$tmp/shape-after"
if [ -s "$tmp/shape-before" ] && cmp -s "$tmp/shape-before" "$tmp/shape-after"; then
	ok "nettriage -j link lo and nettriage link lo -j have the same structure"
else
	notok "nettriage -j link lo and nettriage link lo -j have the same structure"
	diff "$tmp/shape-before" "$tmp/shape-after" | head -10 >&2
fi
exit $fail
