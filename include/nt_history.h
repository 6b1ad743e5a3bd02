/* History file: the previous run's counters, keyed by (uid, netns
 * identity, boot id), so rate checks work without -i. The netns identity
 * is its SO_NETNS_COOKIE, or its inode where the kernel has no cookie
 * (weak: inode numbers are recycled); see nt_netns.h. */
#ifndef NT_HISTORY_H
#define NT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt_netns.h"

#define NT_HIST_MAXV 32

/* One line of the file: "subject key v0 [v1 ...]". Scalar entries have
 * n == 1; v is always vec[0]. */
struct nt_hist_ent {
	char subject[64];
	char key[48];
	uint64_t v;
	unsigned n;
	uint64_t vec[NT_HIST_MAXV];
};

struct nt_hist {
	double t;          /* CLOCK_BOOTTIME seconds when saved */
	struct nt_hist_ent *e;
	size_t n, cap;
};

void nt_hist_free(struct nt_hist *h);
/* Subjects and keys may not contain white space: -EINVAL. */
int nt_hist_put(struct nt_hist *h, const char *subject, const char *key,
		uint64_t v);
bool nt_hist_get(const struct nt_hist *h, const char *subject,
		 const char *key, uint64_t *v);
/* Vector entries: up to NT_HIST_MAXV values under one key (one line per
 * interface keeps thousands of interfaces cheap). get_vec returns the
 * entry's values (borrowed from h) and their count, or NULL. */
int nt_hist_put_vec(struct nt_hist *h, const char *subject, const char *key,
		    const uint64_t *v, unsigned n);
const uint64_t *nt_hist_get_vec(const struct nt_hist *h, const char *subject,
				const char *key, unsigned *n);

/* Pure parser/serialiser for tests. parse returns 0, -ESTALE when the
 * header does not match (other boot, uid, netns, command), -EINVAL when
 * malformed. */
int nt_hist_parse(const char *text, const char *boot_id, unsigned uid,
		  const char *nskey, const char *command, struct nt_hist *h);
char *nt_hist_format(const struct nt_hist *h, const char *boot_id,
		     unsigned uid, const char *nskey, const char *command);

/* Load/save under the state directory ($NETTRIAGE_STATE_DIR,
 * $XDG_RUNTIME_DIR/nettriage, /run/nettriage when root, else
 * /tmp/nettriage-UID created 0700 and checked to be ours). load returns 0,
 * -ENOENT (no previous run), -ESTALE (previous run is from another boot),
 * -ENOKEY (ns has neither cookie nor inode, or no boot id: no key that is
 * not shared by everyone, so no history) or -errno. save writes with nt_write_atomic.
 * The file is named COMMAND-UID-KEY.hist, KEY from nt_netns_id_key(). */
int nt_hist_load(const char *command, const struct nt_netns_id *ns,
		 struct nt_hist *h);
int nt_hist_save(const char *command, const struct nt_netns_id *ns,
		 struct nt_hist *h);
/* strerror() for load/save errors, with the reason for -ENOKEY. */
const char *nt_hist_strerror(int r);

double nt_now_boot(void);
/* /proc/sys/kernel/random/boot_id without its newline: 0, or -ENOKEY. */
int nt_boot_id(char *buf, size_t len);

#endif
