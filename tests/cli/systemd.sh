#!/bin/sh
# contrib/systemd: the service and timer pass `systemd-analyze verify`
# with no warning (and a typo'd key or a bad value would not), the
# sandbox stays tight (`systemd-analyze security --offline`), the timer
# fires every minute, and the unit keeps the promises the tool needs: the
# --prom-file directory writable, exit 1 and 2 successes, only
# CAP_NET_ADMIN/CAP_NET_RAW, no private network or user namespace, the
# state directories nettriage is told about are the ones systemd makes.
# As root, also what the unit sets up, rebuilt by hand: the sysusers and
# tmpfiles snippets applied under a scratch root (user "nobody" for the
# ACL, which must resolve on this host), then nettriage run as uid 65534
# with only the unit's ambient capabilities: it writes the textfile and
# its history, and CAP_NET_ADMIN is what gives conntrack ctnetlink.
# Env: NT (the binary; default build/nettriage).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"
cd "$top" || exit 1
D=contrib/systemd
S=$D/nettriage.service

# val FILE KEY: every value of KEY= in FILE, one a line, in order
val() {
	sed -n "s/^$2=//p" "$1"
}
# envval NAME: the value of Environment=NAME=... in the service
envval() {
	val "$S" Environment | sed -n "s/^\"\{0,1\}$1=\([^\"]*\)\"\{0,1\}$/\1/p" | tail -1
}
words() { # words < TEXT: its words sorted, one a line
	tr ' ' '\n' | sed '/^$/d' | sort -u
}
line() { # line < LINES: on one line
	tr '\n' ' ' | sed 's/ $//'
}

# 1. the unit's promises, read from the file
exec_start=$(val "$S" ExecStart)
prom_file=$(envval NETTRIAGE_PROM_FILE)
case $exec_start in
/usr/local/bin/nettriage\ triage\ *'--prom-file ${NETTRIAGE_PROM_FILE}'*)
	ok "ExecStart runs nettriage triage --prom-file \${NETTRIAGE_PROM_FILE}" ;;
*) notok "ExecStart is '$exec_start'" ;;
esac
if [ "$prom_file" = /var/lib/node_exporter/textfile_collector/nettriage.prom ]; then
	ok "NETTRIAGE_PROM_FILE defaults to $prom_file"
else
	notok "NETTRIAGE_PROM_FILE is '$prom_file'"
fi
if val "$S" ReadWritePaths | tr ' ' '\n' | sed 's/^-//' | grep -qxF "${prom_file%/*}"; then
	ok "ReadWritePaths has the textfile directory ${prom_file%/*}"
else
	notok "ReadWritePaths ($(val "$S" ReadWritePaths)) lacks ${prom_file%/*}"
fi
if [ "$(val "$S" SuccessExitStatus | words | line)" = "1 2" ]; then
	ok "SuccessExitStatus=1 2 (WARN and CRIT are verdicts; 3 and 64 fail)"
else
	notok "SuccessExitStatus is '$(val "$S" SuccessExitStatus)', want 1 2"
fi
amb=$(val "$S" AmbientCapabilities | words)
bnd=$(val "$S" CapabilityBoundingSet | words)
extra=$(echo "$amb" | grep -vxE 'CAP_NET_ADMIN|CAP_NET_RAW')
if [ "$amb" = "$bnd" ] && [ -z "$extra" ] && echo "$amb" | grep -qx CAP_NET_ADMIN; then
	ok "capabilities: $(echo "$amb" | line), ambient = bounding set"
else
	notok "AmbientCapabilities '$(echo "$amb" | line)' / CapabilityBoundingSet '$(echo "$bnd" | line)': want the same, CAP_NET_ADMIN [CAP_NET_RAW]"
fi
fam=$(val "$S" RestrictAddressFamilies | words)
miss=""
for f in AF_NETLINK AF_INET AF_INET6; do
	echo "$fam" | grep -qx "$f" || miss="$miss $f"
done
if [ -z "$miss" ]; then ok "RestrictAddressFamilies allows $(echo "$fam" | line)"
else notok "RestrictAddressFamilies lacks$miss (netlink dumps, path probes)"; fi
for kv in PrivateNetwork=yes PrivateUsers=yes ProcSubset=pid DynamicUser=yes; do
	k=${kv%%=*}
	case $(val "$S" "$k" | tail -1) in
	yes | true | on | 1 | pid) notok "$k= is set: nettriage would measure nothing (see the unit's comment)" ;;
	*) ok "$k= not set" ;;
	esac
done
rt=$(val "$S" RuntimeDirectory) st=$(val "$S" StateDirectory)
if [ -n "$rt" ] && [ "$(envval NETTRIAGE_STATE_DIR)" = "%t/$rt" ] &&
	[ "$(val "$S" RuntimeDirectoryPreserve)" = yes ]; then
	ok "history in RuntimeDirectory=$rt (NETTRIAGE_STATE_DIR=%t/$rt), kept between runs"
else
	notok "NETTRIAGE_STATE_DIR '$(envval NETTRIAGE_STATE_DIR)' is not %t/RuntimeDirectory ('$rt') with RuntimeDirectoryPreserve=yes"
fi
if [ -n "$st" ] && [ "$(envval NETTRIAGE_BASELINE_DIR)" = "%S/$st" ]; then
	ok "baselines in StateDirectory=$st (NETTRIAGE_BASELINE_DIR=%S/$st)"
else
	notok "NETTRIAGE_BASELINE_DIR '$(envval NETTRIAGE_BASELINE_DIR)' is not %S/StateDirectory ('$st')"
fi
user=$(val "$S" User)
su=$(awk '$1 == "u" { print $2 }' $D/nettriage.sysusers)
acl=$(awk '$1 ~ /^a/ { print $2, $7 }' $D/nettriage.tmpfiles)
if [ -n "$user" ] && [ "$su" = "$user" ] && [ "$acl" = "${prom_file%/*} u:$user:rwx" ]; then
	ok "User=$user is made by nettriage.sysusers and given rwx on ${prom_file%/*} by nettriage.tmpfiles"
else
	notok "User '$user', sysusers '$su', tmpfiles ACL '$acl': want one user, rwx on ${prom_file%/*}"
fi
for m in $(val "$S" Documentation; val $D/nettriage.timer Documentation); do
	p=$(echo "$m" | sed -n 's/^man:\([^(]*\)(\([0-9]\))$/man\/\1.\2/p')
	if [ -n "$p" ] && [ -f "$p" ]; then ok "Documentation=$m is $p"
	else notok "Documentation=$m: no such page in man/"; fi
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "ok - systemd-analyze # SKIP not installed (apt-get install systemd)"
	exit "$fail"
fi

# 2. systemd-analyze verify: no message at all, on a copy that runs the
# built binary (verify checks that ExecStart exists)
u=$tmp/units
mkdir -p "$u"
sed "s|^ExecStart=/usr/local/bin/nettriage |ExecStart=$NT |" "$S" >"$u/nettriage.service"
cp $D/nettriage.timer "$u/"
# verify U...: rc and every message in $tmp/verify
verify() {
	systemd-analyze verify --man=no "$@" >"$tmp/verify" 2>&1
}
if ! grep -q "^ExecStart=$NT " "$u/nettriage.service"; then
	notok "could not point ExecStart at $NT"
elif verify "$u/nettriage.service" "$u/nettriage.timer" && [ ! -s "$tmp/verify" ]; then
	ok "systemd-analyze verify nettriage.service nettriage.timer: no warning"
else
	notok "systemd-analyze verify: $(head -3 "$tmp/verify")"
fi
# ... and it would say something about a typo'd key or a bad value
mkdir -p "$tmp/bad"
cp "$u/nettriage.timer" "$tmp/bad/"
for bad in 's/^AmbientCapabilities=/AmbientCapabilites=/' 's/^ProtectSystem=strict/ProtectSystem=strictly/'; do
	sed "$bad" "$u/nettriage.service" >"$tmp/bad/nettriage.service"
	if cmp -s "$u/nettriage.service" "$tmp/bad/nettriage.service"; then
		notok "could not break the unit with $bad"
	elif verify "$tmp/bad/nettriage.service" "$tmp/bad/nettriage.timer" && [ ! -s "$tmp/verify" ]; then
		notok "systemd-analyze verify is silent on a broken unit ($bad)"
	else
		ok "a broken unit is caught ($bad): $(head -1 "$tmp/verify" | sed 's|^[^:]*:[0-9]*: ||')"
	fi
done

# 3. the sandbox: systemd's own exposure score (0 best, 10 worst); a unit
# with no hardening scores about 9.6
score() { # score UNIT: the overall exposure level
	systemd-analyze security --offline=yes --no-pager "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
e=$(score "$u/nettriage.service")
if [ -n "$e" ] && awk -v e="$e" 'BEGIN { exit !(e <= 2.5) }'; then
	ok "systemd-analyze security: exposure $e (at most 2.5)"
else
	notok "systemd-analyze security: exposure '$e', want at most 2.5"
fi
printf '[Service]\nType=oneshot\nExecStart=%s triage\n' "$NT" >"$tmp/bad/nettriage.service"
e=$(score "$tmp/bad/nettriage.service")
if [ -n "$e" ] && awk -v e="$e" 'BEGIN { exit !(e > 2.5) }'; then
	ok "an unhardened unit scores $e: the score check can fail"
else
	notok "an unhardened unit scores '$e'"
fi

# 4. the timer: every minute, on the minute (before the random delay)
cal=$(val $D/nettriage.timer OnCalendar)
TZ=UTC systemd-analyze calendar --iterations=3 --base-time='2024-01-01 00:00:30 UTC' "$cal" \
	>"$tmp/cal" 2>&1
got=$(sed -n 's/.*\(Next elapse\|Iter\. #[0-9]\): *//p' "$tmp/cal" | tr '\n' ',')
if [ "$got" = "Mon 2024-01-01 00:01:00 UTC,Mon 2024-01-01 00:02:00 UTC,Mon 2024-01-01 00:03:00 UTC," ]; then
	ok "OnCalendar=$cal elapses every minute"
else
	notok "OnCalendar=$cal elapses at: $got"
fi

# 5. as root: what the unit sets up, and nettriage inside it
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - the unit's user, ACL and capabilities at work # SKIP not root"
	exit "$fail"
fi
for t in systemd-sysusers systemd-tmpfiles setpriv; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "ok - the unit's user, ACL and capabilities at work # SKIP no $t"
		exit "$fail"
	fi
done
r=$tmp/root
mkdir -p "$r/etc"
cp /etc/passwd /etc/group "$r/etc/"
if systemd-sysusers --root="$r" "$top/$D/nettriage.sysusers" >"$tmp/out" 2>&1 &&
	grep -q "^$user:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$" "$r/etc/passwd"; then
	ok "nettriage.sysusers makes a system user $user without a login"
else
	notok "nettriage.sysusers: $(head -2 "$tmp/out")"
fi
# the textfile directory as node_exporter may have made it: root's, 0755
dir=$r${prom_file%/*}
mkdir -p "$dir"
chmod 0755 "$dir"
sed "s/u:$user:/u:nobody:/" $D/nettriage.tmpfiles >"$tmp/tmpfiles.conf"
if systemd-tmpfiles --create --root="$r" "$tmp/tmpfiles.conf" >"$tmp/out" 2>&1; then
	ok "nettriage.tmpfiles applies (ACL for nobody in place of $user)"
else
	notok "nettriage.tmpfiles: $(head -2 "$tmp/out")"
fi
# (the ACL's mask shows in the group bits: 0775 is 0755 plus the ACL)
if [ "$(stat -c '%U %G %a' "$dir")" = "root root 775" ]; then
	ok "the textfile directory keeps its owner, group and other bits"
else
	notok "tmpfiles changed the textfile directory to $(stat -c '%U %G %a' "$dir")"
fi
# nettriage as uid 65534 with the unit's capabilities, the binary copied
# where that uid can reach it, the runtime and state directories made as
# systemd makes them (owned by the user, 0700)
chmod 0755 "$tmp" "$r" "$r/var" "$r/var/lib"
install -m 0755 "$NT" "$tmp/nettriage"
install -d -o 65534 -g 65534 -m 0700 "$r/run/$rt" "$r/var/lib/$st"
caps=$(echo "$amb" | tr '[:upper:]' '[:lower:]' | sed 's/^cap_/+/' | tr '\n' ',' | sed 's/,$//')
asuser() { # asuser CAPS ARGS...: nettriage as 65534, only CAPS, the unit's environment
	c=$1
	shift
	setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
		--inh-caps=-all${c:+,$c} --ambient-caps=-all${c:+,$c} --bounding-set=-all${c:+,$c} \
		env -i PATH=/usr/bin:/bin NETTRIAGE_STATE_DIR="$r/run/$rt" \
		NETTRIAGE_BASELINE_DIR="$r/var/lib/$st" "$tmp/nettriage" "$@" </dev/null
}
asuser "$caps" triage -q --prom-file "$dir/nettriage.prom" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -le 2 ] && [ "$(stat -c '%u %a' "$dir/nettriage.prom" 2>/dev/null)" = "65534 644" ]; then
	ok "triage as uid 65534 ($caps) writes ${prom_file##*/}, mode 0644 (exit $rc)"
else
	notok "triage as uid 65534 ($caps): exit $rc, $(head -1 "$tmp/err"), file: $(ls -l "$dir" 2>&1 | tail -n +2 | tr '\n' ' ')"
fi
# the ACL is for that user alone: another uid still cannot write there
if setpriv --reuid=12345 --regid=12345 --clear-groups touch "$dir/other" 2>/dev/null; then
	notok "uid 12345 can write the textfile directory too"
else
	ok "another uid cannot write the textfile directory"
fi
hist=no
for h in "$r/run/$rt"/*.hist; do [ -f "$h" ] && hist=yes; done
if [ $hist = yes ]; then
	ok "its history goes to the RuntimeDirectory"
else
	notok "no history in the RuntimeDirectory: $(ls -a "$r/run/$rt" | tr '\n' ' ')"
fi
if command -v jq >/dev/null 2>&1; then
	a=$(asuser "$caps" -j conntrack 2>/dev/null | jq -r .source)
	b=$(asuser "" -j conntrack 2>/dev/null | jq -r .source)
	if [ "$a" = ctnetlink ] && [ "$b" = proc ]; then
		ok "conntrack: ctnetlink with the unit's capabilities, /proc without"
	else
		notok "conntrack source with the unit's capabilities '$a', without '$b' (want ctnetlink, proc)"
	fi
else
	echo "ok - conntrack with the unit's capabilities # SKIP jq not installed"
fi
exit "$fail"
