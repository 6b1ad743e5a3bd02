#!/bin/sh
# make install / make uninstall into a DESTDIR: the binary, every man page
# and the bash completion land where they should (bash-completion's
# completionsdir from pkg-config, else PREFIX/share/bash-completion/
# completions), and uninstall removes them all. No root; touches only a
# temporary directory.
# Env: NT_BUILD (build directory holding nettriage; default build).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${NT_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
cd "$top" || exit 1
if [ ! -x "$BUILD/nettriage" ]; then
	notok "$BUILD/nettriage built (make)"
	exit 1
fi

# inst NAME DESTDIR [VAR=VALUE...]: make install, then check what is there
inst() {
	name=$1 dest=$2
	shift 2
	if ! make -s install BUILD="$BUILD" DESTDIR="$dest" PREFIX=/opt/nt "$@" >"$tmp/out" 2>&1; then
		notok "$name: make install failed: $(head -3 "$tmp/out")"
		return 1
	fi
	ok "$name: make install DESTDIR=... PREFIX=/opt/nt"
	if [ -x "$dest/opt/nt/bin/nettriage" ] && cmp -s "$dest/opt/nt/bin/nettriage" "$BUILD/nettriage"; then
		ok "$name: PREFIX/bin/nettriage is the built binary, executable"
	else
		notok "$name: $dest/opt/nt/bin/nettriage missing or differs"
	fi
	missing=""
	for m in man/*.8; do
		[ -f "$dest/opt/nt/share/man/man8/${m#man/}" ] || missing="$missing ${m#man/}"
	done
	if [ -z "$missing" ]; then
		ok "$name: every man page in PREFIX/share/man/man8 ($(ls man/*.8 | wc -l))"
	else
		notok "$name: man pages missing:$missing"
	fi
}

# 1. pkg-config knows bash-completion (scripts/packages.txt installs it)
want=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
if [ -z "$want" ]; then
	notok "pkg-config --variable=completionsdir bash-completion (package bash-completion)"
else
	inst "with bash-completion" "$tmp/a"
	if cmp -s "$tmp/a$want/nettriage" contrib/bash-completion/nettriage; then
		ok "completion installed in bash-completion's completionsdir ($want/nettriage)"
	else
		notok "completion not at DESTDIR$want/nettriage: $(cd "$tmp/a" && find . -name nettriage)"
	fi
	if bash -c '. "$1" && complete -p nettriage' sh "$tmp/a$want/nettriage" 2>&1 | grep -q -- '-F _nettriage nettriage'; then
		ok "the installed completion registers itself in bash"
	else
		notok "the installed completion does not register (complete -p nettriage)"
	fi
	make -s uninstall BUILD="$BUILD" DESTDIR="$tmp/a" PREFIX=/opt/nt >"$tmp/out" 2>&1
	left=$(find "$tmp/a" -type f | sed "s|^$tmp/a||")
	if [ -z "$left" ]; then ok "make uninstall removes every file"; else notok "make uninstall left: $left"; fi
fi

# 2. pkg-config does not know bash-completion: every .pc file but its own
mkdir -p "$tmp/pc"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
	for f in "$d"/*.pc; do
		[ -f "$f" ] && [ "${f##*/}" != bash-completion.pc ] && ln -sf "$f" "$tmp/pc/"
	done
done
if PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH='' pkg-config --exists bash-completion; then
	notok "hide bash-completion from pkg-config"
elif PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH='' inst "without bash-completion" "$tmp/b"; then
	f=$tmp/b/opt/nt/share/bash-completion/completions/nettriage
	if cmp -s "$f" contrib/bash-completion/nettriage; then
		ok "fallback: completion in PREFIX/share/bash-completion/completions"
	else
		notok "fallback: not at $f: $(cd "$tmp/b" && find . -name nettriage)"
	fi
fi
exit $fail
