/* --all-netns: every named namespace (/run/netns) and every distinct
 * /proc/PID/ns/net, deduplicated by inode, each opened once (the fd pins
 * it: a namespace deleted after the listing is still measured, one gone
 * before its open is reported) and entered with setns in turn. */
#ifndef NT_SWEEP_H
#define NT_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nettriage.h"

#define NT_SWEEP_MAX 4096 /* namespaces opened at most; more are counted */

struct nt_ns_ent {
	char label[64];  /* "NAME" (named) or "pid:PID(COMM)" */
	uint64_t inode;
	int fd;          /* O_RDONLY on the nsfs file, -1 when not opened */
	bool self;       /* the namespace we started in */
};

struct nt_ns_list {
	struct nt_ns_ent *v;
	size_t n, cap;
	int home;           /* fd of the namespace we started in */
	unsigned unreadable; /* /proc/PID/ns/net we could not read (EACCES) */
	unsigned over;       /* beyond NT_SWEEP_MAX */
	unsigned gone;       /* vanished between listing and open */
	char gone_first[64]; /* the first of them, for the note */
};

/* List and open. 0 or -errno (no /proc, no memory; l is then empty and
 * needs no free). Needs, for other users' processes, CAP_SYS_PTRACE
 * (else counted in unreadable). Call nt_sweep_free only after a 0. */
int nt_sweep_list(struct nt_ns_list *l);
void nt_sweep_free(struct nt_ns_list *l);

/* Enter entry i (verified by inode) and fill g's namespace fields (netns
 * label, inode, history identity). 0, or -errno with why (one line:
 * "NAME: not a network namespace", "setns into NAME: ... (needs
 * CAP_SYS_ADMIN)"). */
int nt_sweep_enter(const struct nt_ns_list *l, size_t i, struct nt_global *g,
		   char *why, size_t whylen);
/* Back to the starting namespace. 0 or -errno. */
int nt_sweep_home(const struct nt_ns_list *l);

/* One line for stderr about what the sweep could not cover, or "" . */
void nt_sweep_note(const struct nt_ns_list *l, char *buf, size_t len);

#endif
