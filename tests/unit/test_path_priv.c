/* Unit tests: the privilege drops, checked from the kernel's side. Each
 * case forks; the child drops (nt_probe_drop_privs, or nt_priv_keep with a
 * command's set), then reads back getresuid/getresgid, capget,
 * no_new_privs and the bounding set and sends them to the parent over a
 * pipe. Needs root (make check runs as root; under CI=true the skip is a
 * failure). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nt_priv.h"
#include "nt_probe.h"
#include "t.h"

struct state {
	int rc;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int ngroups;
	uint64_t eff, prm, inh;
	int nnp, bset_sys_admin, bset_net_admin, ambient_net_raw, regain_root;
};

enum { DROP, KEEP_NET_ADMIN, KEEP_NONE };

static void child(int how, int fd)
{
	static const int na[] = { CAP_NET_ADMIN };
	struct state st;

	memset(&st, 0, sizeof(st));
	st.rc = how == DROP ? nt_probe_drop_privs() :
		how == KEEP_NET_ADMIN ? nt_priv_keep(na, 1) : nt_priv_keep(NULL, 0);
	getresuid(&st.ru, &st.eu, &st.su);
	getresgid(&st.rg, &st.eg, &st.sg);
	st.ngroups = getgroups(0, NULL);
	nt_priv_get(&st.eff, &st.prm, &st.inh);
	st.nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	st.bset_sys_admin = prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0);
	st.bset_net_admin = prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0);
	st.ambient_net_raw = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0);
	st.regain_root = setresuid(0, 0, 0) == 0;
	if (write(fd, &st, sizeof(st)) != (ssize_t)sizeof(st))
		_exit(2);
	_exit(0);
}

static int run(int how, struct state *st)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pfd) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(pfd[0]);
		child(how, pfd[1]);
	}
	close(pfd[1]);
	n = read(pfd[0], st, sizeof(*st));
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return n == (ssize_t)sizeof(*st) ? 0 : -EIO;
}

/* In a child dropped to nobody: ICMP mode with ping sockets refused
 * (NETTRIAGE_PATH_NO_DGRAM stands in for ping_group_range) and no
 * CAP_NET_RAW. Exit status bits: 1 open failed, 2 no fallback reported,
 * 4 target failed, 8 not a per-probe UDP run, 16 with NO_FALLBACK the
 * open did not fail with EACCES/EPERM. */
static int fallback_child(void)
{
	struct nt_probe_opts o = { .mode = NT_PM_ICMP, .port = 33434, .first_ttl = 1,
				   .max_ttl = 3, .cycles = 1, .interval = 1, .timeout = 1,
				   .size = 36, .tos = -1, .flows = 1 };
	struct nt_paddr lo;
	struct nt_prober *p;
	const char *why;
	int bits = 0, r;

	if (nt_probe_drop_privs())
		return 64;
	setenv("NETTRIAGE_PATH_NO_DGRAM", "1", 1);
	nt_paddr_parse("127.0.0.1", &lo);
	o.dst = lo;
	r = nt_probe_open(&p, &o, &why);
	if (r)
		return 1;
	if (!nt_probe_fallback(p))
		bits |= 2;
	if (nt_probe_target(p, &lo, &why))
		bits |= 4;
	else if (nt_probe_socktype(p) != NT_PS_UDP || !nt_probe_per_probe(p) ||
		 nt_probe_port(p) != 33434)
		bits |= 8;
	nt_probe_close(p);
	setenv("NETTRIAGE_PATH_NO_FALLBACK", "1", 1);
	r = nt_probe_open(&p, &o, &why);
	if (r != -EACCES && r != -EPERM)
		bits |= 16;
	if (!r)
		nt_probe_close(p);
	return bits;
}

static int run_fallback(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fallback_child());
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

int main(void)
{
	struct state st;

	if (geteuid() != 0) {
		printf("ok - privilege drop checked from the kernel # SKIP needs root (fork, setresuid)\n");
		return 0;
	}
	T_EQ_I(run(DROP, &st), 0, "nt_probe_drop_privs: child reported back");
	T_EQ_I(st.rc, 0, "  returned 0");
	T_OK(st.ru == NT_PROBE_DROP_UID && st.eu == NT_PROBE_DROP_UID && st.su == NT_PROBE_DROP_UID,
	     "  real/effective/saved uid %u/%u/%u (want %u)", (unsigned)st.ru, (unsigned)st.eu,
	     (unsigned)st.su, NT_PROBE_DROP_UID);
	T_OK(st.rg == NT_PROBE_DROP_GID && st.eg == NT_PROBE_DROP_GID && st.sg == NT_PROBE_DROP_GID,
	     "  real/effective/saved gid %u/%u/%u", (unsigned)st.rg, (unsigned)st.eg, (unsigned)st.sg);
	T_EQ_I(st.ngroups, 0, "  no supplementary groups");
	T_OK(!st.eff && !st.prm && !st.inh, "  capget: effective %#llx permitted %#llx inheritable %#llx all 0",
	     (unsigned long long)st.eff, (unsigned long long)st.prm, (unsigned long long)st.inh);
	T_EQ_I(st.nnp, 1, "  no_new_privs set");
	T_EQ_I(st.bset_sys_admin, 0, "  CAP_SYS_ADMIN gone from the bounding set");
	T_EQ_I(st.ambient_net_raw, 0, "  ambient set empty");
	T_EQ_I(st.regain_root, 0, "  setresuid(0, 0, 0) fails afterwards");

	T_EQ_I(run(KEEP_NET_ADMIN, &st), 0, "nt_priv_keep(CAP_NET_ADMIN) (conntrack): child reported back");
	T_EQ_I(st.rc, 0, "  returned 0");
	T_OK(st.eff == NT_CAP(CAP_NET_ADMIN) && st.prm == NT_CAP(CAP_NET_ADMIN) && !st.inh,
	     "  effective = permitted = CAP_NET_ADMIN only (%#llx/%#llx), inheritable 0",
	     (unsigned long long)st.eff, (unsigned long long)st.prm);
	T_OK(st.ru == 0 && st.eu == 0, "  uid stays 0 (history paths depend on it)");
	T_OK(st.bset_net_admin == 1 && st.bset_sys_admin == 0,
	     "  bounding set keeps CAP_NET_ADMIN, loses CAP_SYS_ADMIN");
	T_EQ_I(st.nnp, 1, "  no_new_privs set");

	T_EQ_I(run(KEEP_NONE, &st), 0, "nt_priv_keep(none) (link): child reported back");
	T_OK(st.rc == 0 && !st.eff && !st.prm && !st.inh && st.eu == 0,
	     "  every capability gone, uid 0 kept");
	T_EQ_I(run_fallback(), 0,
	       "ICMP without a ping socket or CAP_NET_RAW (as nobody): open falls back to UDP, per-probe sockets, port 33434; with NETTRIAGE_PATH_NO_FALLBACK it fails with EACCES/EPERM (bits: 1 open, 2 flag, 4 target, 8 kind, 16 no-fallback)");
	return T_DONE();
}
