/* Privilege drop for the probe engine: after the raw sockets are open,
 * give up everything before the first packet (or name) is parsed
 * (OpenBSD ping order: groups, gid, uid, verify, capabilities,
 * no_new_privs). Root drops to nobody: uid 0 without capabilities still
 * owns most of the system's files. */
#include <errno.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "nt_priv.h"
#include "nt_probe.h"

bool nt_probe_drops_uid(void)
{
	return getuid() == 0;
}

int nt_probe_drop_privs(void)
{
	uid_t ru = getuid(), eu, su;
	gid_t rg = getgid(), eg, sg;
	int r;

	if (ru == 0) {
		ru = NT_PROBE_DROP_UID;
		rg = NT_PROBE_DROP_GID;
	}
	nt_priv_bound(0); /* while CAP_SETPCAP is still ours */
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
	if (getresuid(&ru, &eu, &su) < 0 || ru != eu || eu != su || ru == 0)
		return -EPERM;
	if (setresuid((uid_t)-1, 0, (uid_t)-1) == 0)
		return -EPERM; /* could become root again: the drop did not hold */
	/* every capability, ambient and inheritable too; no_new_privs */
	r = nt_priv_keep(NULL, 0);
	return r;
}
