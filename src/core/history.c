/* History file: previous run's counters for rate checks without -i. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_history.h"
#include "nt_output.h"

/* 2: the netns line holds a key ("cookie-N" or "inode-N"), not a bare
 * inode; version-1 files are simply no baseline. */
#define HIST_MAGIC "nettriage-history 2"
#define HIST_MAX (4u << 20)

double nt_now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nt_hist_free(struct nt_hist *h)
{
	free(h->e);
	memset(h, 0, sizeof(*h));
}

static int nt_hist_put_n(struct nt_hist *h, const char *subject, size_t sl,
			 const char *key, size_t kl, const uint64_t *v, unsigned n)
{
	struct nt_hist_ent *e;
	size_t i;

	if (!sl || !kl || sl >= sizeof(e->subject) || kl >= sizeof(e->key) ||
	    n < 1 || n > NT_HIST_MAXV)
		return -EINVAL;
	for (i = 0; i < sl; i++)
		if (subject[i] <= ' ' || subject[i] == 0x7f)
			return -EINVAL;
	for (i = 0; i < kl; i++)
		if (key[i] <= ' ' || key[i] == 0x7f)
			return -EINVAL;
	if (nt_grow(&h->e, h->n, &h->cap, sizeof(*h->e), 64))
		return -ENOMEM;
	e = &h->e[h->n++];
	memcpy(e->subject, subject, sl);
	e->subject[sl] = '\0';
	memcpy(e->key, key, kl);
	e->key[kl] = '\0';
	memcpy(e->vec, v, n * sizeof(*v));
	e->n = n;
	e->v = v[0];
	return 0;
}

int nt_hist_put(struct nt_hist *h, const char *subject, const char *key,
		uint64_t v)
{
	return nt_hist_put_n(h, subject, strlen(subject), key, strlen(key), &v, 1);
}

int nt_hist_put_vec(struct nt_hist *h, const char *subject, const char *key,
		    const uint64_t *v, unsigned n)
{
	return nt_hist_put_n(h, subject, strlen(subject), key, strlen(key), v, n);
}

const uint64_t *nt_hist_get_vec(const struct nt_hist *h, const char *subject,
				const char *key, unsigned *n)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->e[i].subject, subject) && !strcmp(h->e[i].key, key)) {
			*n = h->e[i].n;
			return h->e[i].vec;
		}
	return NULL;
}

bool nt_hist_get(const struct nt_hist *h, const char *subject,
		 const char *key, uint64_t *v)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->e[i].subject, subject) && !strcmp(h->e[i].key, key)) {
			*v = h->e[i].v;
			return true;
		}
	return false;
}

int nt_hist_parse(const char *text, const char *boot_id, unsigned uid,
		  const char *nskey, const char *command, struct nt_hist *h)
{
	char want[256];
	const char *p = text, *nl;
	double t;
	int r, n;

	memset(h, 0, sizeof(*h));
	n = snprintf(want, sizeof(want), HIST_MAGIC "\nboot %s\nuid %u\nnetns %s"
		     "\ncommand %s\n", boot_id, uid, nskey, command);
	if (n < 0 || (size_t)n >= sizeof(want))
		return -EINVAL;
	if (strncmp(text, want, (size_t)n))
		return -ESTALE;
	p += n;
	if (sscanf(p, "time %lf\n", &t) != 1 || !isfinite(t) || t < 0)
		return -EINVAL;
	h->t = t;
	p = strchr(p, '\n');
	if (!p)
		return -EINVAL;
	p++;
	while (*p) {
		const char *sp1, *sp2, *q, *end;
		uint64_t vals[NT_HIST_MAXV];
		unsigned nv = 0;
		size_t sl, kl;

		nl = strchr(p, '\n');
		end = nl ? nl : p + strlen(p);
		sp1 = memchr(p, ' ', (size_t)(end - p));
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
		if (!sp2) {
			r = -EINVAL;
			goto bad;
		}
		sl = (size_t)(sp1 - p);
		kl = (size_t)(sp2 - sp1 - 1);
		for (q = sp2; q < end; ) {
			char *num_end;

			if (*q != ' ' || q + 1 >= end || q[1] < '0' || q[1] > '9' ||
			    nv == NT_HIST_MAXV) {
				r = -EINVAL;
				goto bad;
			}
			errno = 0;
			vals[nv++] = strtoull(q + 1, &num_end, 10);
			if (errno || num_end > end || (num_end < end && *num_end != ' ')) {
				r = -EINVAL;
				goto bad;
			}
			q = num_end;
		}
		r = nt_hist_put_n(h, p, sl, sp1 + 1, kl, vals, nv);
		if (r)
			goto bad;
		p = nl ? nl + 1 : end;
	}
	return 0;
bad:
	nt_hist_free(h);
	return r;
}

char *nt_hist_format(const struct nt_hist *h, const char *boot_id,
		     unsigned uid, const char *nskey, const char *command)
{
	struct nt_buf b = { 0 };
	char head[512];
	int hl;
	size_t i;

	hl = snprintf(head, sizeof(head), HIST_MAGIC "\nboot %s\nuid %u\nnetns %s"
		      "\ncommand %s\ntime %.6f\n", boot_id, uid, nskey, command, h->t);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return NULL;
	nt_buf_add(&b, head, (size_t)hl);
	/* thousands of lines (link: 30 numbers per interface): straight into
	 * one buffer, no stdio call per number */
	for (i = 0; i < h->n; i++) {
		const struct nt_hist_ent *e = &h->e[i];
		size_t sl = strlen(e->subject), kl = strlen(e->key);
		unsigned j;

		if (nt_buf_reserve(&b, sl + kl + 2 + (size_t)e->n * 21 + 1))
			break;
		memcpy(b.p + b.len, e->subject, sl);
		b.len += sl;
		b.p[b.len++] = ' ';
		memcpy(b.p + b.len, e->key, kl);
		b.len += kl;
		for (j = 0; j < e->n; j++) {
			char num[24], *q = num + sizeof(num);
			uint64_t v = e->vec[j];
			size_t nl;

			do {
				*--q = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			*--q = ' ';
			nl = (size_t)(num + sizeof(num) - q);
			memcpy(b.p + b.len, q, nl);
			b.len += nl;
		}
		b.p[b.len++] = '\n';
		b.p[b.len] = '\0';
	}
	if (b.err) {
		nt_buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* Without the boot id a cookie (unique per boot) is no key either: say
 * so with the same -ENOKEY as a namespace without identity. */
int nt_boot_id(char *buf, size_t len)
{
	long r = nt_read_file("/proc/sys/kernel/random/boot_id", buf, len);

	if (r < 0)
		return -ENOKEY;
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -ENOKEY;
}

/* Directory for state; created if needed and checked to be ours and not
 * group/other writable. */
static int state_dir(char *buf, size_t len)
{
	/* secure_getenv: with set-uid or file capabilities the invoking
	 * user must not choose where we write. */
	const char *env = secure_getenv("NETTRIAGE_STATE_DIR");
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	uid_t uid = getuid();
	struct stat st;

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/nettriage", xdg);
	else if (uid == 0)
		snprintf(buf, len, "/run/nettriage");
	else
		snprintf(buf, len, "/tmp/nettriage-%u", (unsigned)uid);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

static int hist_path(const char *command, const char *nskey, char *buf,
		     size_t len)
{
	char dir[200];
	int r = state_dir(dir, sizeof(dir));

	if (r)
		return r;
	r = snprintf(buf, len, "%s/%s-%u-%s.hist", dir, command,
		     (unsigned)getuid(), nskey);
	return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

const char *nt_hist_strerror(int r)
{
	if (r == -ENOKEY)
		return "no key for this namespace and boot (needs SO_NETNS_COOKIE or "
		       "/proc/thread-self/ns/net, and /proc/sys/kernel/random/boot_id; "
		       "is /proc mounted?): history is off";
	return strerror(-r);
}

/* What load and save share: the namespace key, the file, the boot id. */
struct hist_loc {
	char key[48], path[300], bid[64];
};

static int hist_where(const char *command, const struct nt_netns_id *ns,
		      struct hist_loc *w)
{
	int r = nt_netns_id_key(ns, w->key, sizeof(w->key));

	if (r)
		return r;
	r = hist_path(command, w->key, w->path, sizeof(w->path));
	if (r)
		return r;
	return nt_boot_id(w->bid, sizeof(w->bid));
}

int nt_hist_load(const char *command, const struct nt_netns_id *ns,
		 struct nt_hist *h)
{
	struct hist_loc w;
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	int fd, r;

	memset(h, 0, sizeof(*h));
	r = hist_where(command, ns, &w);
	if (r)
		return r;
	fd = open(w.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != getuid() || st.st_size > HIST_MAX) {
		close(fd);
		return -EPERM;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(text);
		return -EIO;
	}
	text[got] = '\0';
	r = nt_hist_parse(text, w.bid, (unsigned)getuid(), w.key, command, h);
	free(text);
	return r;
}

int nt_hist_save(const char *command, const struct nt_netns_id *ns,
		 struct nt_hist *h)
{
	struct hist_loc w;
	char *text;
	int r;

	r = hist_where(command, ns, &w);
	if (r)
		return r;
	h->t = nt_now_boot();
	text = nt_hist_format(h, w.bid, (unsigned)getuid(), w.key, command);
	if (!text)
		return -ENOMEM;
	/* A lost or torn baseline after a crash fails its header check and
	 * costs one since-boot run: no fsync of the file or directory. */
	r = nt_write_atomic(w.path, text, strlen(text), 0600, NT_WA_NO_SYNC);
	free(text);
	return r;
}
