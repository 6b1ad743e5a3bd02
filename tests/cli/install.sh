#!/bin/sh
# make install / make uninstall into a DESTDIR: the binary, every man page,
# the bash completion, the systemd units with their sysusers.d/tmpfiles.d
# snippets and the Prometheus rules land where they should (bash-
# completion's completionsdir and systemd's unit, sysusers and tmpfiles
# directories from pkg-config, else under PREFIX), the installed service
# runs the installed binary, and uninstall removes them all. No root;
# touches only a temporary directory.
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
	if cmp -s "$dest/opt/nt/share/nettriage/prometheus/nettriage.rules.yml" contrib/prometheus/nettriage.rules.yml; then
		ok "$name: Prometheus rules in PREFIX/share/nettriage/prometheus"
	else
		notok "$name: no PREFIX/share/nettriage/prometheus/nettriage.rules.yml"
	fi
}

# units NAME DESTDIR UNITDIR SYSUSERSDIR TMPFILESDIR: the systemd files are
# there, and the service runs PREFIX/bin/nettriage (and is otherwise the
# file in contrib/systemd)
units() {
	name=$1 dest=$2
	sed 's|^ExecStart=/usr/local/bin/nettriage |ExecStart=/opt/nt/bin/nettriage |' \
		contrib/systemd/nettriage.service >"$tmp/want.service"
	if ! grep -q '^ExecStart=/opt/nt/bin/nettriage ' "$tmp/want.service"; then
		notok "$name: contrib/systemd/nettriage.service does not run /usr/local/bin/nettriage"
	elif cmp -s "$dest$3/nettriage.service" "$tmp/want.service"; then
		ok "$name: nettriage.service in $3, ExecStart=/opt/nt/bin/nettriage"
	else
		notok "$name: $3/nettriage.service missing or not running /opt/nt/bin/nettriage: $(grep ExecStart= "$dest$3/nettriage.service" 2>&1)"
	fi
	for f in "$3/nettriage.timer timer" "$4/nettriage.conf sysusers" "$5/nettriage.conf tmpfiles"; do
		if cmp -s "$dest${f% *}" "contrib/systemd/nettriage.${f#* }"; then
			ok "$name: nettriage.${f#* } at ${f% *}"
		else
			notok "$name: nettriage.${f#* } not at ${f% *}: $(cd "$dest" && find . -name 'nettriage.*' | tr '\n' ' ')"
		fi
	done
}

# 1. pkg-config knows bash-completion and systemd (scripts/packages.txt
# installs both)
want=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
sd_unit=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
sd_users=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
sd_tmp=$(pkg-config --variable=tmpfilesdir systemd 2>/dev/null)
if [ -z "$want" ]; then
	notok "pkg-config --variable=completionsdir bash-completion (package bash-completion)"
elif [ -z "$sd_unit" ] || [ -z "$sd_users" ] || [ -z "$sd_tmp" ]; then
	notok "pkg-config --variable=systemdsystemunitdir/sysusersdir/tmpfilesdir systemd (package systemd)"
else
	inst "with bash-completion" "$tmp/a"
	units "with systemd.pc" "$tmp/a" "$sd_unit" "$sd_users" "$sd_tmp"
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

# 2. pkg-config knows neither bash-completion nor systemd: every .pc file
# but theirs
mkdir -p "$tmp/pc"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
	for f in "$d"/*.pc; do
		case ${f##*/} in bash-completion.pc | systemd.pc) continue ;; esac
		[ -f "$f" ] && ln -sf "$f" "$tmp/pc/"
	done
done
if PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH='' pkg-config --exists bash-completion ||
	PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH='' pkg-config --exists systemd; then
	notok "hide bash-completion and systemd from pkg-config"
elif PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH='' inst "without bash-completion" "$tmp/b"; then
	f=$tmp/b/opt/nt/share/bash-completion/completions/nettriage
	if cmp -s "$f" contrib/bash-completion/nettriage; then
		ok "fallback: completion in PREFIX/share/bash-completion/completions"
	else
		notok "fallback: not at $f: $(cd "$tmp/b" && find . -name nettriage)"
	fi
	units "fallback" "$tmp/b" /opt/nt/lib/systemd/system /opt/nt/lib/sysusers.d /opt/nt/lib/tmpfiles.d
fi
exit $fail
