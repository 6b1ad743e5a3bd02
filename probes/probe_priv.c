/* Privilege drop for the probe engine: after the raw socket is open, give
 * up everything before the first packet is parsed (OpenBSD ping order:
 * groups, gid, uid, verify, capabilities, no_new_privs). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "nt_probe.h"

static int capset0(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (d[0].effective || d[1].effective || d[0].permitted || d[1].permitted)
		return -EPERM;
	return 0;
}

int nt_probe_drop_privs(void)
{
	uid_t ru = getuid(), eu, su;
	gid_t rg = getgid(), eg, sg;
	int r;

	/* Supplementary groups: only a process allowed to change them has
	 * any to worry about; EPERM means we cannot and need not. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return -errno;
	if (setresgid(rg, rg, rg) < 0)
		return -errno;
	if (setresuid(ru, ru, ru) < 0)
		return -errno;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != eg || eg != sg)
		return -EPERM;
	if (getresuid(&ru, &eu, &su) < 0 || ru != eu || eu != su)
		return -EPERM;
	r = capset0();
	if (r)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
