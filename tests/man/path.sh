#!/bin/sh
# man/nettriage-path.8 documents every JSON key path emits and every option
# of `nettriage help path`.
set -u
cd "${NT_TOP:-.}" || exit 1
NT=${NT:-build/nettriage}
man=man/nettriage-path.8
NETTRIAGE_STATE_DIR=$(mktemp -d)
export NETTRIAGE_STATE_DIR
trap 'rm -rf "$NETTRIAGE_STATE_DIR"' EXIT
# UDP to loopback needs no privilege and gives every key
json=$("$NT" -j path -n -c 2 -i 0.05 --udp 127.0.0.1 2>/dev/null)
keys=$(printf '%s' "$json" | jq -r '[paths | map(select(type == "string")) | last] | unique | .[]' 2>/dev/null)
if [ -z "$keys" ]; then
	echo "not ok - path -j on loopback gave no JSON"
	exit 0
fi
missing=""
for k in $keys; do
	grep -q -- "$(printf '%s' "$k" | sed 's/_/\\\\*_/g')" "$man" ||
		grep -qF -- "$k" "$man" || missing="$missing $k"
done
[ -z "$missing" ] && echo "ok - every JSON key of path is in $man ($(echo $keys | wc -w) keys)" ||
	echo "not ok - JSON keys missing from $man:$missing"
missing=""
for o in $("$NT" help path | sed "/^Global options/,\$d" | grep -oE '^ +(-[a-z0-9], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
	grep -qF -- "$(echo "$o" | sed 's/-/\\-/g')" "$man" || missing="$missing $o"
done
[ -z "$missing" ] && echo "ok - every option of help path is in $man" ||
	echo "not ok - options missing from $man:$missing"
if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$w" ] && echo "ok - $man renders without groff warnings" ||
		echo "not ok - groff warnings: $w"
fi
