/* History file: the previous run's counters, keyed by (uid, netns inode,
 * boot id), so rate checks work without -i. */
#ifndef NT_HISTORY_H
#define NT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
		  uint64_t netns, const char *command, struct nt_hist *h);
char *nt_hist_format(const struct nt_hist *h, const char *boot_id,
		     unsigned uid, uint64_t netns, const char *command);

/* Load/save under the state directory ($NETTRIAGE_STATE_DIR,
 * $XDG_RUNTIME_DIR/nettriage, /run/nettriage when root, else
 * /tmp/nettriage-UID created 0700 and checked to be ours). load returns 0,
 * -ENOENT (no previous run), -ESTALE (previous run is from another boot) or
 * -errno. save writes a temp file and renames it. */
int nt_hist_load(const char *command, uint64_t netns, struct nt_hist *h);
int nt_hist_save(const char *command, uint64_t netns, struct nt_hist *h);

double nt_now_boot(void);

#endif
