#!/bin/sh
# The configuration file (nettriage(8), CONFIGURATION FILE), end to end:
# a threshold from the file changes a verdict (link over a canned
# /proc/net/dev: 50 errors in 20000 packets, 0.25 %, WARN at the default
# 0.1 %, OK at 0.5 %); the command line wins over the file; each of link,
# conntrack, tcp and path gets its section; a bad line is exit 64 and one
# line naming FILE:LINE; a missing --config file is exit 64 naming it; a
# missing default file is no configuration. As root also, in a private
# mount namespace with an overlay on /etc (the real /etc untouched): the
# real default /etc/nettriage.conf, one that the user cannot read, and a
# set-group-ID run, where --config is refused and NETTRIAGE_CONFIG ignored.
# Env: NT (absolute path to the binary).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"
pub=""
trap 'rm -rf "$tmp" ${pub:+"$pub"}' EXIT

mkdir -p "$tmp/proc/net"
cat >"$tmp/proc/net/dev" <<'EOF'
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
  eth9: 1000000  10000    50    0    0     0          0         0  1000000  10000    0    0    0     0       0          0
EOF
export NETTRIAGE_PROC="$tmp/proc" NETTRIAGE_LINK_SOURCE=proc
export NETTRIAGE_CONFIG="$tmp/no-such.conf"

# conf NAME TEXT: write $tmp/NAME (printf format: \n, \r)
conf() {
	# shellcheck disable=SC2059 # the text is the format
	printf "$2" >"$tmp/$1"
}

# verdict RC DESC ARGS...: a link run judged on its own (no history: every
# run is a first run), exits RC, nothing on stderr.
verdict() {
	want=$1 d=$2
	shift 2
	rm -rf "$tmp/state"
	run "$@"
	if [ "$rc" -eq "$want" ] && [ ! -s "$tmp/err" ]; then
		ok "$d: exit $want"
	else
		notok "$d: exit $rc, want $want (nettriage $*; stderr: $(head -c 200 "$tmp/err"))"
	fi
}

conf ok.conf '# thresholds\n[link]\nwarn = 0.5\n\n[triage]\ntargets = 192.0.2.1 [2001:db8::1]:443\n'
conf crlf.conf '[link]\r\n  warn\t=\t0.5\r\n'
conf all.conf '[link]\nall = yes\n'
conf allno.conf '[link]\nall = yes\nall = no\n'

verdict 1 "no configuration file: the default threshold (0.1 %): WARN" link
verdict 1 "a default file that does not exist: no configuration, no message" link
NETTRIAGE_CONFIG="" verdict 1 "NETTRIAGE_CONFIG empty: no configuration" link
NETTRIAGE_CONFIG="$tmp/ok.conf" verdict 0 "the default file (NETTRIAGE_CONFIG) sets warn = 0.5: OK" link
verdict 0 "--config FILE before the command: OK" --config "$tmp/ok.conf" link
verdict 0 "--config=FILE after the command: OK" link "--config=$tmp/ok.conf"
verdict 0 "--config FILE with CR LF lines and tabs: OK" --config "$tmp/crlf.conf" link
verdict 1 "the command line wins: --warn 0.2 after warn = 0.5 in the file: WARN" \
	--config "$tmp/ok.conf" link --warn 0.2
NETTRIAGE_CONFIG="$tmp/ok.conf" verdict 1 "the command line wins over the default file too" \
	link --warn=0.2
verdict 1 "--config replaces the default file (not read with it)" \
	--config "$tmp/all.conf" link
NETTRIAGE_CONFIG="$tmp/ok.conf" verdict 1 "... so the default's warn = 0.5 does not apply" \
	--config "$tmp/all.conf" link
verdict 0 "the last --config wins" --config "$tmp/all.conf" link --config "$tmp/ok.conf"

if command -v jq >/dev/null 2>&1; then
	rm -rf "$tmp/state"
	run --config "$tmp/ok.conf" -j link
	if jq -e '.verdicts[] | select(.check == "link.errors") | .threshold == 0.5' \
		"$tmp/out" >/dev/null 2>&1; then
		ok "-j: the link.errors threshold is the file's 0.5"
	else
		notok "-j: the link.errors threshold is the file's 0.5 ($(head -c 300 "$tmp/out"))"
	fi
else
	notok "jq installed (make deps)"
fi

# a flag: all = yes is -a (the RX-FIFO column shows only with -a)
rm -rf "$tmp/state"
run --config "$tmp/all.conf" link
if [ "$rc" -eq 1 ] && grep -q 'RX-FIFO' "$tmp/out"; then
	ok "all = yes: as -a (every column)"
else
	notok "all = yes: as -a (exit $rc; $(sed -n 3p "$tmp/out" | head -c 200))"
fi
rm -rf "$tmp/state"
run --config "$tmp/allno.conf" link
if [ "$rc" -eq 1 ] && ! grep -q 'RX-FIFO' "$tmp/out"; then
	ok "all = yes, then all = no: the last wins, no -a"
else
	notok "all = yes, then all = no: the last wins, no -a (exit $rc)"
fi

# Every built command gets its section; the command line wins. The
# commands stop at the cross-check of their options, before measuring.
conf ct.conf '[conntrack]\nwarn = 95\n'
expect_msg 64 "nettriage: conntrack: --warn 95 is above --crit 90" \
	"[conntrack] warn = 95 reaches conntrack" --config "$tmp/ct.conf" conntrack --crit 90
expect_msg 64 "nettriage: conntrack: --warn 97 is above --crit 96" \
	"conntrack: the command line wins" --config "$tmp/ct.conf" conntrack --warn 97 --crit 96
conf tcp.conf '[tcp]\nwarn = 9\n'
expect_msg 64 "nettriage: tcp: --warn 9 is above --crit 5" \
	"[tcp] warn = 9 reaches tcp" --config "$tmp/tcp.conf" tcp --crit 5
expect_msg 64 "nettriage: tcp: --warn 8 is above --crit 7" \
	"tcp: the command line wins" --config "$tmp/tcp.conf" tcp --crit 7 --warn 8
conf path.conf '[path]\nmax-ttl = 5\n'
expect_msg 64 "nettriage: path: --first-ttl 9 is above --max-ttl 5" \
	"[path] max-ttl = 5 reaches path" --config "$tmp/path.conf" path --first-ttl 9 127.0.0.1
expect_msg 64 "nettriage: path: --first-ttl 9 is above --max-ttl 6" \
	"path: the command line wins" --config "$tmp/path.conf" path --first-ttl 9 -m 6 127.0.0.1
conf link.conf '[link]\nwarn-drops = 3\n'
expect_msg 64 "nettriage: link: --warn-drops 3 is above --crit-drops 2" \
	"[link] warn-drops = 3 reaches link" --config "$tmp/link.conf" link --crit-drops 2

# A bad line: exit 64, one line "nettriage: FILE:LINE: what is wrong".
conf b1.conf '# ok\n[link]\nwarn = 1\n\n[cnntrack]\nwarn = 80\n'
expect_msg 64 "nettriage: $tmp/b1.conf:5: [cnntrack]: no such command" \
	"a misspelt section" --config "$tmp/b1.conf" link
conf b2.conf '\n\nwarn = 1\n'
expect_msg 64 "nettriage: $tmp/b2.conf:3: key outside a section (a [COMMAND] line comes first)" \
	"a key outside a section" --config "$tmp/b2.conf" link
conf b3.conf '[conntrack]\nwarn = 80\nfoo = 1\n'
expect_msg 64 "nettriage: $tmp/b3.conf:3: conntrack: no option --foo" \
	"an unknown key (in another command's section)" --config "$tmp/b3.conf" link
conf b4.conf '[link]\r\nwarn =\r\n'
expect_msg 64 "nettriage: $tmp/b4.conf:2: link: --warn: no value" \
	"a key without its value (CR LF)" --config "$tmp/b4.conf" link
conf b5.conf '[link]\nhelp = yes\n'
expect_msg 64 "nettriage: $tmp/b5.conf:2: link: --help: not a setting" \
	"help is not a setting" --config "$tmp/b5.conf" link
conf b6.conf '[triage]\ntargets = 192.0.2.1 192.0.2.2:99999\n'
expect_msg 64 "nettriage: $tmp/b6.conf:2: triage: targets: not HOST[:PORT]: 192.0.2.2:99999" \
	"a bad target" --config "$tmp/b6.conf" link
printf '[link]\nwarn = 1\000\n' >"$tmp/b7.conf"
expect_msg 64 "nettriage: $tmp/b7.conf:2: NUL byte" "a NUL byte" --config "$tmp/b7.conf" link
conf b8.conf '[link]\nall = sometimes\n'
expect_msg 64 "nettriage: $tmp/b8.conf:2: link: --all: not true or false (yes, no, 1, 0): sometimes" \
	"a flag that is not a boolean" --config "$tmp/b8.conf" link
NETTRIAGE_CONFIG="$tmp/b1.conf" expect_msg 64 "nettriage: $tmp/b1.conf:5: [cnntrack]: no such command" \
	"a bad line in the default file" link
# a value is checked by the command, as on the command line
conf b9.conf '[link]\nwarn = abc\n'
expect_msg 64 "nettriage: link: --warn: not a percentage from 0 to 100: abc" \
	"a bad value: the command's message, naming option and value" --config "$tmp/b9.conf" link

# The file itself.
expect_msg 64 "nettriage: --config: $tmp/nosuch.conf: No such file or directory" \
	"a missing --config file" --config "$tmp/nosuch.conf" link
expect_msg 64 "nettriage: --config: $tmp: Is a directory" \
	"--config names a directory" --config "$tmp" link
expect_msg 64 "nettriage: --config: empty path" "--config with an empty path" --config= link
expect_msg 64 "nettriage: link: --config: missing argument" "--config without a value" link --config
NETTRIAGE_CONFIG="$tmp" expect_msg 64 "nettriage: $tmp: Is a directory" \
	"a default file that is a directory" link
head -c 1048577 /dev/zero | tr '\0' '\n' >"$tmp/big.conf"
expect_msg 64 "nettriage: --config: $tmp/big.conf: larger than 1048576 bytes" \
	"a file above 1 MiB" --config "$tmp/big.conf" link

# Help works whatever the file says; help and --version do not read it.
expect_help "link --help with a bad file" --config "$tmp/b1.conf" link --help
expect_help "link -ah with a missing file" --config "$tmp/nosuch.conf" link -ah
expect_help "help link with a bad file" --config "$tmp/b1.conf" help link
NETTRIAGE_CONFIG="$tmp/b1.conf" expect_help "--version with a bad default file" --version
# capture's options from its [capture] section: read = FILE is -r FILE
# (a missing one: exit 3, strerror's words), and the command line adds to it
printf '[capture]\nread = %s\ntop = 3\n' "$tmp/nosuch.pcap" >"$tmp/cap.conf"
expect_msg 3 "nettriage: capture: $tmp/nosuch.pcap: No such file or directory" \
	"capture: read = FILE from [capture]" --config "$tmp/cap.conf" capture
expect_msg 64 "nettriage: capture: -r FILE and -d IFACE: give one of them" \
	"capture: [capture] read = FILE and -d on the command line" --config "$tmp/cap.conf" capture -d lo

# As root: the real default path, in a private mount namespace whose /etc
# is an overlay (the host's /etc is never written).
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$tmp/upper" "$tmp/work"
	chmod 755 "$tmp/upper" # the overlay's root takes this mode: /etc's
	# in_etc CMD...: CMD with $tmp/upper over /etc
	in_etc() {
		unshare -m sh -c 'mount --make-rprivate / &&
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/upper,workdir=$0/work" /etc &&
			exec "$@"' "$tmp" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
		rc=$?
	}
	# etc_case DESC RC MESSAGE CMD...: exit RC, stderr exactly MESSAGE
	etc_case() {
		d=$1 want=$2 msg=$3
		shift 3
		rm -rf "$tmp/state"
		in_etc "$@"
		# LeakSanitizer cannot trace a set-group-ID process (it is not
		# dumpable): in the sanitizer build it stops at exit with its
		# own status 1 and lines "==PID==..."; the message is still ours
		if grep -q '^==[0-9]*==LeakSanitizer has encountered a fatal error' "$tmp/err"; then
			grep -v '^==[0-9]*==' "$tmp/err" >"$tmp/err2"
			mv "$tmp/err2" "$tmp/err"
			[ "$rc" -eq 1 ] && rc=$want
		fi
		if [ "$rc" -eq "$want" ] && [ "$(cat "$tmp/err")" = "$msg" ]; then
			ok "$d: exit $want${msg:+, '$msg'}"
		else
			notok "$d: exit $rc, want $want; stderr '$(head -c 200 "$tmp/err")', want '$msg'"
		fi
	}
	in_etc test -d /etc/ssl
	if [ "$rc" -ne 0 ]; then
		notok "an overlay on /etc in a private mount namespace ($(head -c 200 "$tmp/err"))"
	else
		printf '[link]\nwarn = 0.5\n' >"$tmp/upper/nettriage.conf"
		etc_case "/etc/nettriage.conf (no NETTRIAGE_CONFIG) sets warn = 0.5" 0 "" \
			env -u NETTRIAGE_CONFIG "$NT" link
		[ -e /etc/nettriage.conf ] && notok "the host's /etc/nettriage.conf was not written"
		# a user who cannot read it: an error naming it and why
		pub=$(mktemp -d /tmp/nt-config.XXXXXX)
		chmod 755 "$pub"
		cp "$NT" "$pub/nettriage"
		chmod 600 "$tmp/upper/nettriage.conf"
		etc_case "/etc/nettriage.conf unreadable by the user" 64 \
			"nettriage: /etc/nettriage.conf: Permission denied" \
			env -u NETTRIAGE_CONFIG setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$pub/nettriage" link
		# set-group-ID: --config refused, NETTRIAGE_CONFIG ignored (here
		# /etc/nettriage.conf, readable again, has a bad line: it is read)
		printf '[link]\nbogus = 1\n' >"$tmp/upper/nettriage.conf"
		chmod 644 "$tmp/upper/nettriage.conf" "$tmp/ok.conf"
		chown 0:1 "$pub/nettriage" && chmod 2755 "$pub/nettriage"
		cp "$tmp/ok.conf" "$pub/ok.conf" && chmod 644 "$pub/ok.conf"
		etc_case "set-group-ID: --config refused" 64 \
			"nettriage: --config: not accepted when nettriage runs set-user-ID or with file capabilities" \
			setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$pub/nettriage" --config "$pub/ok.conf" link
		etc_case "set-group-ID: NETTRIAGE_CONFIG ignored, /etc/nettriage.conf read" 64 \
			"nettriage: /etc/nettriage.conf:2: link: no option --bogus" \
			env NETTRIAGE_CONFIG="$pub/ok.conf" setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$pub/nettriage" link
	fi
fi
exit $fail
