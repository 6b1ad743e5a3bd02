/* tcp --procs: which process holds a socket inode, from /proc/[pid]/fd.
 * Only run when asked: it reads every process's fd table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_tcp.h"

static int cmp_own(const void *a, const void *b)
{
	const struct nt_tcp_owner *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

const struct nt_tcp_owner *nt_tcp_owner_find(const struct nt_tcp_procscan *ps,
					     uint32_t inode)
{
	struct nt_tcp_owner key = { .inode = inode };

	if (!ps->n)
		return NULL;
	return bsearch(&key, ps->own, ps->n, sizeof(key), cmp_own);
}

void nt_tcp_procscan_free(struct nt_tcp_procscan *ps)
{
	free(ps->own);
	free(ps->unreadable);
	memset(ps, 0, sizeof(*ps));
}

static int add_unreadable(struct nt_tcp_procscan *ps, int32_t pid)
{
	if (nt_grow(&ps->unreadable, ps->n_unreadable, &ps->cap_unreadable,
		    sizeof(*ps->unreadable), 16))
		return -ENOMEM;
	ps->unreadable[ps->n_unreadable++] = pid;
	return 0;
}

/* "socket:[12345]" -> 12345; 0 when not a socket link. */
static uint32_t sock_inode(const char *l)
{
	unsigned long v = 0;
	const char *p;

	if (strncmp(l, "socket:[", 8))
		return 0;
	for (p = l + 8; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	return *p == ']' ? (uint32_t)v : 0;
}

static void read_comm(int procfd, const char *pid, char *out, size_t len)
{
	char path[300], buf[64];
	ssize_t n;
	int fd;

	snprintf(out, len, "?");
	snprintf(path, sizeof(path), "%s/comm", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) >= len)
		buf[len - 1] = '\0';
	memcpy(out, buf, strlen(buf) + 1);
}

int nt_tcp_procscan(const uint32_t *inodes, size_t n, struct nt_tcp_procscan *ps)
{
	char root[256];
	struct dirent *de;
	DIR *proc;
	size_t i, k;
	int procfd, r = 0;

	memset(ps, 0, sizeof(*ps));
	ps->own = calloc(n ? n : 1, sizeof(*ps->own));
	if (!ps->own)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ps->own[i].inode = inodes[i];
	qsort(ps->own, n, sizeof(*ps->own), cmp_own);
	for (i = k = 0; i < n; i++) /* unique, no zero inode */
		if (ps->own[i].inode && (k == 0 || ps->own[k - 1].inode != ps->own[i].inode))
			ps->own[k++] = ps->own[i];
	ps->n = k;

	proc = opendir(nt_proc_path("", root, sizeof(root)));
	if (!proc) {
		r = -errno;
		nt_tcp_procscan_free(ps);
		return r;
	}
	procfd = dirfd(proc);
	while ((de = readdir(proc))) {
		char fdpath[300];
		struct dirent *fe;
		int32_t pid;
		DIR *fds;
		int dfd;
		char *e;
		long v;

		v = strtol(de->d_name, &e, 10);
		if (*e || v <= 0 || v > INT32_MAX)
			continue;
		pid = (int32_t)v;
		ps->nprocs++;
		snprintf(fdpath, sizeof(fdpath), "%s/fd", de->d_name);
		dfd = openat(procfd, fdpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			if (errno == EACCES || errno == EPERM) {
				r = add_unreadable(ps, pid);
				if (r)
					break;
			}
			continue; /* ENOENT: the process exited */
		}
		fds = fdopendir(dfd);
		if (!fds) {
			close(dfd);
			continue;
		}
		while ((fe = readdir(fds))) {
			char link[64];
			struct nt_tcp_owner *o;
			ssize_t ln;
			uint32_t ino;

			if (fe->d_name[0] == '.')
				continue;
			ln = readlinkat(dirfd(fds), fe->d_name, link, sizeof(link) - 1);
			if (ln <= 0)
				continue;
			link[ln] = '\0';
			ino = sock_inode(link);
			if (!ino)
				continue;
			o = (struct nt_tcp_owner *)nt_tcp_owner_find(ps, ino);
			if (o && !o->pid) {
				o->pid = pid;
				read_comm(procfd, de->d_name, o->process,
					  sizeof(o->process));
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return r;
}
