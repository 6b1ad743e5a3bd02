#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; trap handlers
# Signal storm: `nettriage -j -i 0.1 -c 50 link|conntrack|tcp` in a fresh
# namespace while SIGWINCH and SIGCHLD are sent to it in a tight loop.
# Every sample must come from netlink (link .source "netlink", conntrack
# .source "ctnetlink", tcp: state counts, which only sock_diag gives), all
# 50 samples present, exit status 0 (a namespace with nothing in it).
#
# Why a preload shim: nettriage catches only SIGINT/SIGTERM (which stop
# it); SIGWINCH/SIGCHLD are ignored by default and then interrupt nothing.
# The shim (built here) installs handlers for both without SA_RESTART, as
# any caught signal has. And because the kernel answers netlink requests
# synchronously (the reply is queued by the send, and each recv queues the
# next part before returning), a recv of a dump never sleeps, so a real
# signal never lands inside one: the shim turns each signal that arrived
# since the last netlink send/recv into that call failing with EINTR,
# without transferring anything (what a signal interrupting a sleeping
# call does); every other time the send lets it pass to the first recv.
# The storm therefore drives EINTR into the netlink loops at the rate
# signals arrive. The old loop returned -EAGAIN for an EINTR on
# the first recv (link/conntrack fell back to /proc, tcp exited 3) and
# -EINTR for one on send.
#
# Env: NT (absolute path of nettriage). Root (namespaces). Prints TAP-like
# lines.
set -u
T_NAME="signals netns test"
T_NEED=""
# shellcheck source=tests/net/netns-lib.inc
. "$(dirname "$0")/netns-lib.inc"
NS="nt-sig-$T_SFX"
T_NETNS+=("$NS")

cat >"$TMP/sigshim.c" <<'EOF'
/* LD_PRELOAD shim for tests/net/signals.sh (see there). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t pending;
static volatile sig_atomic_t delivered;
static unsigned long injected;

static void on_signal(int sig)
{
	(void)sig;
	pending = 1;
	delivered++;
}

__attribute__((constructor)) static void shim_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

__attribute__((destructor)) static void shim_fini(void)
{
	const char *log = getenv("NT_SHIM_LOG");
	char line[96];
	int fd, n;

	if (!log)
		return;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld %lu\n", (long)delivered, injected);
	if (write(fd, line, (size_t)n) != n)
		n = 0;
	close(fd);
}

/* Every other pending signal is left to the recv after the send, so both
 * the send and the first recv of a dump see EINTR. */
static int interrupted(int fd, int is_send)
{
	static unsigned long sends;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (!pending || getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    ss.ss_family != AF_NETLINK)
		return 0;
	if (is_send && (sends++ & 1))
		return 0;
	pending = 0;
	injected++;
	errno = EINTR;
	return 1;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);

	if (!real)
		real = (ssize_t (*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
	return interrupted(fd, 0) ? -1 : real(fd, msg, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int,
			       const struct sockaddr *, socklen_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int,
				    const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
	return interrupted(fd, 1) ? -1 : real(fd, buf, len, flags, to, tolen);
}
EOF
if ! ${CC:-cc} -std=c11 -O2 -Wall -shared -fPIC -o "$TMP/sigshim.so" "$TMP/sigshim.c" -ldl 2>"$TMP/err"; then
	notok "build the signal shim: $(head -1 "$TMP/err")"
	exit 1
fi
ok "signal shim built (SIGWINCH/SIGCHLD handlers without SA_RESTART)"

if ! ip netns add "$NS" 2>"$TMP/err"; then
	skip "ip netns add failed: $(head -1 "$TMP/err")"
fi
ip -n "$NS" link set lo up

# storm PID: SIGWINCH and SIGCHLD to PID until it is gone.
storm() {
	while kill -WINCH "$1" 2>/dev/null && kill -CHLD "$1" 2>/dev/null; do :; done
}

# run CMD SOURCE_JQ: 50 samples under the storm, then the checks.
run() {
	local cmd=$1 srcq=$2 pid spid rc n bad d inj
	rm -f "$TMP/shim.log"
	NT_SHIM_LOG="$TMP/shim.log" LD_PRELOAD="$TMP/sigshim.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$NT" -N "$NS" -j -i 0.1 -c 50 "$cmd" >"$TMP/$cmd.json" 2>"$TMP/$cmd.err" &
	pid=$!
	storm "$pid" &
	spid=$!
	T_PIDS+=("$spid")
	wait "$pid"
	rc=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	read -r d inj <"$TMP/shim.log" 2>/dev/null || { d=0; inj=0; }
	echo "# $cmd: exit $rc, signals handled $d, EINTR injected into netlink calls $inj"
	if [ "$d" -gt 100 ] && [ "$inj" -ge 40 ]; then
		ok "$cmd: the storm reached it ($d signals handled, $inj netlink calls interrupted)"
	else
		notok "$cmd: the storm did not reach it ($d signals handled, $inj netlink calls interrupted)"
	fi
	n=$(jq -s 'length' "$TMP/$cmd.json" 2>/dev/null)
	if [ "$n" = 50 ]; then ok "$cmd: all 50 samples under the storm"
	else notok "$cmd: all 50 samples under the storm: got ${n:-none}"; fi
	bad=$(jq -s "[.[] | select(($srcq) | not)] | length" "$TMP/$cmd.json" 2>/dev/null)
	if [ "$n" = 50 ] && [ "$bad" = 0 ]; then ok "$cmd: every sample from netlink ($srcq)"
	else notok "$cmd: every sample from netlink ($srcq): ${bad:-?} of ${n:-?} not"; fi
	if [ "$(jq -s '[.[].sample] == [range(50)]' "$TMP/$cmd.json" 2>/dev/null)" = true ]; then
		ok "$cmd: samples 0..49 in order"
	else
		notok "$cmd: samples 0..49 in order"
	fi
	if [ "$rc" -eq 0 ]; then ok "$cmd: exit status 0"
	else notok "$cmd: exit status 0: got $rc ($(head -1 "$TMP/$cmd.err"))"; fi
	if [ ! -s "$TMP/$cmd.err" ]; then ok "$cmd: nothing on stderr"
	else notok "$cmd: nothing on stderr: $(head -1 "$TMP/$cmd.err")"; fi
}

run link '.source == "netlink"'
run conntrack '.source == "ctnetlink"'
run tcp '(.states | type) == "object" and (.total | type) == "number"'

[ "$fails" -eq 0 ]
