#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# History keys are never reused: a namespace that gets a deleted one's
# nsfs inode number must not inherit its history.
#
# Namespace A: link, conntrack and tcp run twice (the second run's baseline
# is "history", so history works at all), then A is deleted and namespaces
# are made until one, B, gets A's inode number again (the kernel hands
# freed numbers out again once A is really gone; a few tries with a pause
# usually do it). B's first run of each command must say
# baseline.kind "boot" (no previous run) and baseline.key "netns_cookie".
# The old inode-keyed history gave "history" there. Also: without /proc
# (a private mount namespace with /proc unmounted) the namespace is still
# identified (cookie; inode from SIOCGSKNS) and history is refused with a
# reason, not shared under key 0.
#
# Env: NT (absolute path of nettriage). Root. TAP-like lines.
set -u
T_NAME="history key netns test"
T_NEED="unshare stat"
# shellcheck source=tests/net/netns-lib.inc
. "$(dirname "$0")/netns-lib.inc"
A="nt-hk-a-$T_SFX"
B="nt-hk-b-$T_SFX"
T_NETNS+=("$A" "$B")

# expect DESC FILE JQ: ok when the jq program is true on FILE
expect() {
	if jq -e "$3" "$2" >/dev/null 2>&1; then ok "$1"
	else notok "$1: got $(jq -c '.baseline' "$2" 2>/dev/null | head -c 200)"; fi
}

CMDS="link conntrack tcp"
ip netns add "$A" 2>"$TMP/err" || skip "ip netns add failed: $(head -1 "$TMP/err")"
ino_a=$(stat -L -c %i "/run/netns/$A")
for c in $CMDS; do
	"$NT" -N "$A" -j "$c" >"$TMP/a1.$c" 2>"$TMP/a1.$c.err"
	expect "$c in A, first run: baseline boot, key netns_cookie" "$TMP/a1.$c" \
		'.baseline.kind == "boot" and .baseline.key == "netns_cookie"'
	"$NT" -N "$A" -j "$c" >"$TMP/a2.$c" 2>"$TMP/a2.$c.err"
	expect "$c in A, second run: baseline history (history works)" "$TMP/a2.$c" \
		'.baseline.kind == "history" and .baseline.key == "netns_cookie"'
done
hist=("$NETTRIAGE_STATE_DIR"/*.hist)
by_cookie=("$NETTRIAGE_STATE_DIR"/*-cookie-*.hist)
if [ "${#hist[@]}" -eq 3 ] && [ "${#by_cookie[@]}" -eq 3 ] &&
   [ -e "${by_cookie[0]}" ] && [[ "${hist[*]}" != *"$ino_a"* ]]; then
	ok "history files are named by cookie, not by inode"
else
	notok "history files are named by cookie, not by inode: ${hist[*]##*/}"
fi
ip netns del "$A"

reused=no
for _ in $(seq 1 20); do
	sleep 0.3
	ip netns add "$B" || { notok "ip netns add $B"; exit 1; }
	if [ "$(stat -L -c %i "/run/netns/$B")" = "$ino_a" ]; then
		reused=yes
		break
	fi
	ip netns del "$B"
done
if [ "$reused" = no ]; then
	# Cannot force the kernel to recycle; still check a new namespace.
	echo "# inode $ino_a was not handed out again in 20 tries; checking a fresh namespace"
	ip netns add "$B" || { notok "ip netns add $B"; exit 1; }
else
	echo "# namespace B got A's inode $ino_a"
fi
# The table's words first (it saves history too), then JSON.
"$NT" -N "$B" tcp >"$TMP/b0.table" 2>&1
if grep -q 'baseline: since-boot totals (no previous run' "$TMP/b0.table"; then
	ok "tcp table in B (inode reused: $reused) says since-boot totals, no previous run"
else
	notok "tcp table in B says since-boot totals: $(grep baseline "$TMP/b0.table")"
fi
for c in link conntrack; do
	"$NT" -N "$B" -j "$c" >"$TMP/b1.$c" 2>"$TMP/b1.$c.err"
	expect "$c in B (inode reused: $reused): no inherited baseline (kind boot)" \
		"$TMP/b1.$c" '.baseline.kind == "boot"'
	expect "$c in B: baseline.key netns_cookie" "$TMP/b1.$c" '.baseline.key == "netns_cookie"'
done
"$NT" -N "$B" -j tcp >"$TMP/b1.tcp" 2>"$TMP/b1.tcp.err"
expect "tcp in B, second run: B's own history (kind history, key netns_cookie)" \
	"$TMP/b1.tcp" '.baseline.kind == "history" and .baseline.key == "netns_cookie"'

# Without /proc: identity from the socket, history refused with a reason.
if unshare -m --propagation private sh -c \
	'umount -l /proc 2>/dev/null; [ ! -e /proc/self ] && exec "$2" -N "$1" -j link' \
	sh "$B" "$NT" >"$TMP/noproc.json" 2>"$TMP/noproc.err" ||
   [ -s "$TMP/noproc.json" ]; then
	expect "no /proc: namespace still identified by its cookie" "$TMP/noproc.json" \
		'.baseline.key == "netns_cookie" and .baseline.kind == "boot"'
	expect "no /proc: netns_inode from the socket (SIOCGSKNS), not 0" "$TMP/noproc.json" \
		".netns_inode == $(stat -L -c %i "/run/netns/$B")"
	if grep -q 'history is off' "$TMP/noproc.err"; then
		ok "no /proc: history refused with a reason"
	else
		notok "no /proc: history refused with a reason: $(head -1 "$TMP/noproc.err")"
	fi
else
	notok "run without /proc: $(head -1 "$TMP/noproc.err")"
fi

[ "$fails" -eq 0 ]
