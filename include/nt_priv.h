/* Capabilities: keep only what a command uses (src/core/priv.c). Raw
 * capget/capset syscalls, no libcap. */
#ifndef NT_PRIV_H
#define NT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>

#define NT_CAP(c) (1ull << (c))

/* Reduce this thread's capabilities to caps[0..n-1] (CAP_* numbers; a
 * capability not held stays not held): effective = permitted = kept,
 * inheritable and ambient cleared, the bounding set cut to the kept ones
 * where CAP_SETPCAP allows, then PR_SET_NO_NEW_PRIVS. The uid is left
 * alone (history and state paths depend on it). Verified with capget.
 * Call it before any thread is started. 0 or -errno. */
int nt_priv_keep(const int *caps, size_t n);

struct nt_global;

/* For the top of cmd_*: nt_priv_keep with a mask of NT_CAP() bits, plus
 * CAP_DAC_OVERRIDE when g asks for --prom-file (root writing into a
 * textfile directory it does not own, as it could before); on failure
 * prints the reason for command cmd and returns NT_EXIT_UNKNOWN, else 0. */
int nt_priv_restrict(const char *cmd, const struct nt_global *g, uint64_t keep);

/* Cut the bounding set to keep (bit = CAP_* number); needs CAP_SETPCAP,
 * without it nothing is done (no_new_privs covers execve anyway). */
void nt_priv_bound(uint64_t keep);

/* The calling thread's effective, permitted and inheritable sets as
 * 64-bit masks (bit = CAP_* number). 0 or -errno. */
int nt_priv_get(uint64_t *eff, uint64_t *prm, uint64_t *inh);

/* The drop as the kernel sees it, not as the code meant it: this thread
 * holds no capability in any set, no uid of it is 0, and no_new_privs is
 * set. */
bool nt_priv_dropped(void);

#endif
