/* --all-netns namespace listing and switching (nt_sweep.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>
#include <unistd.h>
#include "nt_sweep.h"

static struct nt_ns_ent *find(struct nt_ns_list *l, uint64_t ino)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].inode == ino)
			return &l->v[i];
	return NULL;
}

/* Open path and add it under label unless its namespace is listed. */
static int add(struct nt_ns_list *l, const char *path, const char *label,
	       uint64_t home_ino, bool named)
{
	struct stat st;
	struct nt_ns_ent *e;
	int fd;

	/* O_NONBLOCK: a FIFO or device put in /run/netns must not hang the
	 * sweep; what is not a network namespace is refused below */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM) {
			l->unreadable++;
		} else if (named && errno == ENOENT) {
			/* a process that exits is churn, not a namespace
			 * gone: its namespace may live on in others */
			if (!l->gone++)
				snprintf(l->gone_first, sizeof(l->gone_first), "%s", label);
		}
		return 0;
	}
	if (fstat(fd, &st) < 0 || find(l, (uint64_t)st.st_ino)) {
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		/* listed (named entries) so that it is reported, never entered */
		close(fd);
		fd = -1;
	}
	if (l->n >= NT_SWEEP_MAX) {
		l->over++;
		close(fd);
		return 0;
	}
	if (nt_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 16)) {
		close(fd);
		return -ENOMEM;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->label, sizeof(e->label), "%s", label);
	e->inode = (uint64_t)st.st_ino;
	e->fd = fd;
	e->self = fd >= 0 && e->inode == home_ino;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Named namespaces, sorted by name. */
static int list_named(struct nt_ns_list *l, uint64_t home_ino)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	char **names = NULL, path[300];
	size_t n = 0, cap = 0, i;
	int r = 0;

	if (!d)
		return 0; /* none: no ip-netns namespaces */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (nt_grow(&names, n, &cap, sizeof(*names), 16) ||
		    !(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!r)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		if (!r) {
			snprintf(path, sizeof(path), "/run/netns/%s", names[i]);
			r = add(l, path, names[i], home_ino, true);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* The command name of pid for a label: printable characters only. */
static void comm_of(const char *pid, char *out, size_t len)
{
	char path[64], buf[64];
	long n;
	size_t i, k = 0;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	n = nt_read_file(path, buf, sizeof(buf));
	for (i = 0; n > 0 && i < (size_t)n && k + 1 < len; i++)
		if (isprint((unsigned char)buf[i]) && buf[i] != '(' && buf[i] != ')')
			out[k++] = buf[i];
	out[k] = '\0';
}

static int cmp_pid(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Every distinct /proc/PID/ns/net, lowest PID first: the label names the
 * namespace by its oldest process. */
static int list_pids(struct nt_ns_list *l, uint64_t home_ino)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long *pids = NULL;
	size_t n = 0, cap = 0, i;
	char path[64], pid[24], comm[32], label[64];
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long p = strtol(de->d_name, &end, 10);

		if (*end || p <= 0)
			continue;
		if (nt_grow(&pids, n, &cap, sizeof(*pids), 256)) {
			r = -ENOMEM;
			break;
		}
		pids[n++] = p;
	}
	closedir(d);
	if (!r)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (i = 0; !r && i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pids[i]);
		/* a cheap stat first: most processes share a namespace */
		if (stat(path, &st) == 0 && find(l, (uint64_t)st.st_ino))
			continue;
		snprintf(pid, sizeof(pid), "%ld", pids[i]);
		comm_of(pid, comm, sizeof(comm));
		snprintf(label, sizeof(label), "pid:%ld(%s)", pids[i], comm);
		r = add(l, path, label, home_ino, false);
	}
	free(pids);
	return r;
}

int nt_sweep_list(struct nt_ns_list *l)
{
	struct stat st;
	uint64_t home_ino;
	int r;

	memset(l, 0, sizeof(*l));
	l->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (l->home < 0) {
		r = -errno;
		l->home = -1;
		return r;
	}
	if (fstat(l->home, &st) < 0) {
		r = -errno;
		goto fail;
	}
	home_ino = (uint64_t)st.st_ino;
	r = list_named(l, home_ino);
	if (!r)
		r = list_pids(l, home_ino);
	if (r)
		goto fail;
	return 0;
fail:
	nt_sweep_free(l);
	return r;
}

void nt_sweep_free(struct nt_ns_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].fd >= 0)
			close(l->v[i].fd);
	if (l->home >= 0)
		close(l->home);
	free(l->v);
	memset(l, 0, sizeof(*l));
	l->home = -1;
}

static int enter_fd(int fd, uint64_t want)
{
	uint64_t now = 0;

	if (setns(fd, CLONE_NEWNET) < 0) {
		int r = -errno;

		/* unprivileged: our own namespace needs no switch */
		if (nt_netns_self(&now) == 0 && now == want)
			return 0;
		return r;
	}
	if (nt_netns_self(&now) < 0 || now != want)
		return -ENOTRECOVERABLE;
	return 0;
}

int nt_sweep_enter(const struct nt_ns_list *l, size_t i, struct nt_global *g,
		   char *why, size_t whylen)
{
	const struct nt_ns_ent *e = &l->v[i];
	int r;

	g->netns = e->label;
	g->netns_inode = e->inode;
	memset(&g->ns, 0, sizeof(g->ns));
	if (e->fd < 0) {
		snprintf(why, whylen, "%s: not a network namespace", e->label);
		return -ENOTTY;
	}
	r = enter_fd(e->fd, e->inode);
	if (r) {
		snprintf(why, whylen, "setns into %s: %s%s", e->label, strerror(-r),
			 r == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return r;
	}
	(void)nt_netns_id_self(&g->ns);
	if (!g->ns.inode)
		g->ns.inode = e->inode;
	return 0;
}

int nt_sweep_home(const struct nt_ns_list *l)
{
	struct stat st;

	if (fstat(l->home, &st) < 0)
		return -errno;
	return enter_fd(l->home, (uint64_t)st.st_ino);
}

void nt_sweep_note(const struct nt_ns_list *l, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (l->unreadable)
		n += snprintf(buf + n, len - (size_t)n,
			      "%u process namespace(s) not readable (another user namespace, or needs CAP_SYS_PTRACE); ",
			      l->unreadable);
	if (l->gone && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
			      "%u namespace(s) gone before they could be opened (first: %s); ",
			      l->gone, l->gone_first);
	if (l->over && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
			      "%u namespace(s) beyond the first %d not measured; ",
			      l->over, NT_SWEEP_MAX);
	if (n > 2 && (size_t)n < len)
		buf[n - 2] = '\0';
}
