/* Capabilities: keep only what a command uses, drop the rest at its
 * start (after main's setns, which needed CAP_SYS_ADMIN). A file
 * capability or root's full set then does not outlive its use. */
#include <errno.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_priv.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int nt_priv_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

void nt_priv_bound(uint64_t keep)
{
	uint64_t eff, prm, inh;
	int c;

	if (nt_priv_get(&eff, &prm, &inh) || !(eff & (1ull << CAP_SETPCAP)))
		return;
	for (c = 0; c < 64; c++) {
		if (keep & (1ull << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno == EINVAL)
			break; /* past the last capability this kernel knows */
	}
}

int nt_priv_keep(const int *caps, size_t n)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t keep = 0, eff, prm, inh;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if (caps[i] >= 0 && caps[i] < 64)
			keep |= 1ull << caps[i];
	r = nt_priv_get(&eff, &prm, &inh);
	if (r)
		return r;
	keep &= prm; /* never ask for more than we have */
	nt_priv_bound(keep);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = nt_priv_get(&eff, &prm, &inh);
	if (r)
		return r;
	if ((eff & ~keep) || (prm & ~keep) || inh)
		return -EPERM;
	return 0;
}

int nt_priv_restrict(const char *cmd, const struct nt_global *g, uint64_t keep)
{
	int caps[64], c, r;
	size_t n = 0;

	if (g && g->prom_file)
		keep |= NT_CAP(CAP_DAC_OVERRIDE);

	for (c = 0; c < 64; c++)
		if (keep & NT_CAP(c))
			caps[n++] = c;
	r = nt_priv_keep(caps, n);
	if (r) {
		nt_err(cmd, "dropping capabilities: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

bool nt_priv_dropped(void)
{
	uint64_t eff, prm, inh;
	uid_t ru, eu, su;

	if (nt_priv_get(&eff, &prm, &inh) || eff || prm || inh)
		return false;
	if (getresuid(&ru, &eu, &su) || !ru || !eu || !su)
		return false;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}
