#!/bin/sh
# Man page checks: every man/*.8 formats without a groff warning, every
# built command has man/nettriage-CMD.8, and every option that --help
# prints is documented in the matching page.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
# Env: NT (absolute path to the binary; default build/nettriage),
#      NT_MANDIR (the pages to check; default man/).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NT=${NT:-$top/build/nettriage}
mandir=${NT_MANDIR:-$top/man}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

if ! command -v groff >/dev/null 2>&1; then
	echo "ok - man pages # SKIP groff not installed (apt-get install groff-base)"
	exit 0
fi

# 1. groff -man -ww -z: any output on stderr is a failure. Also for the
# devices man(1) uses on a terminal (ascii under LANG=C, utf8), which lack
# some glyphs the default device has.
set -- "$mandir"/*.8
if [ ! -e "$1" ]; then
	notok "man pages exist in $mandir"
	exit 1
fi
for page in "$@"; do
	name=$(basename "$page")
	: >"$tmp/err"
	for dev in "" -Tascii -Tutf8; do
		groff $dev -man -ww -z "$page" >"$tmp/out" 2>>"$tmp/err" ||
			echo "groff $dev exited $?" >>"$tmp/err"
	done
	if [ ! -s "$tmp/err" ]; then
		ok "$name formats without groff warnings"
	else
		notok "$name formats without groff warnings"
		sed 's/^/    /' "$tmp/err" >&2
	fi
done

# Render a page to plain ASCII on very long lines, so an option name is
# never hyphenated or split across lines.
render() {
	groff -man -Tascii -P-c -P-b -P-o -P-u -rLL=1000n "$1" 2>/dev/null
}

# Long options (--foo) in a help text, one per line.
long_opts() {
	grep -o -- '--[a-z][a-z-]*' | sort -u
}

# 2. Every built command in --help has a page; its options are documented.
if [ ! -x "$NT" ]; then
	notok "binary $NT exists (build it with make)"
	exit 1
fi
if ! "$NT" --help >"$tmp/help" 2>"$tmp/err"; then
	notok "nettriage --help exits 0"
	exit 1
fi
# Command lines: two spaces, the name, spaces, the summary.
sed -n '/^Commands:/,/^$/p' "$tmp/help" | grep -E '^  [a-z]+ ' >"$tmp/cmds"
if [ ! -s "$tmp/cmds" ]; then
	notok "nettriage --help lists commands"
	exit 1
fi
nbuilt=0
while read -r cmd rest; do
	case "$rest" in *"[not built yet]"*) continue ;; esac
	[ "$cmd" = help ] && continue
	nbuilt=$((nbuilt + 1))
	page="$mandir/nettriage-$cmd.8"
	if [ -f "$page" ]; then
		ok "built command $cmd has man/nettriage-$cmd.8"
	else
		notok "built command $cmd has man/nettriage-$cmd.8"
		continue
	fi
	render "$page" >"$tmp/page"
	"$NT" "$cmd" --help 2>/dev/null | sed -n '/^Options:/,/^$/p' | long_opts >"$tmp/opts"
	missing=""
	while read -r o; do
		grep -qF -- "$o" "$tmp/page" || missing="$missing $o"
	done <"$tmp/opts"
	if [ ! -s "$tmp/opts" ]; then
		notok "nettriage $cmd --help lists options"
	elif [ -z "$missing" ]; then
		ok "every option of nettriage $cmd --help is in nettriage-$cmd.8"
	else
		notok "every option of nettriage $cmd --help is in nettriage-$cmd.8 (missing:$missing)"
	fi
done <"$tmp/cmds"
[ "$nbuilt" -gt 0 ] || notok "nettriage --help shows at least one built command"

# 3. Every global option and every command is in nettriage.8.
if [ -f "$mandir/nettriage.8" ]; then
	render "$mandir/nettriage.8" >"$tmp/page"
	long_opts <"$tmp/help" >"$tmp/opts"
	missing=""
	while read -r o; do
		grep -qF -- "$o" "$tmp/page" || missing="$missing $o"
	done <"$tmp/opts"
	if [ -z "$missing" ]; then
		ok "every option of nettriage --help is in nettriage.8"
	else
		notok "every option of nettriage --help is in nettriage.8 (missing:$missing)"
	fi
	missing=""
	while read -r cmd rest; do
		grep -qE "^ +$cmd( |\$)" "$tmp/page" || missing="$missing $cmd"
	done <"$tmp/cmds"
	if [ -z "$missing" ]; then
		ok "every command of nettriage --help is in nettriage.8 COMMANDS"
	else
		notok "every command of nettriage --help is in nettriage.8 COMMANDS (missing:$missing)"
	fi
else
	notok "man/nettriage.8 exists"
fi
exit $fail
