/* Network namespace switching, verified, and namespace identity. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/sockios.h>
#include "nt_netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int nt_netns_path(const char *spec, char *buf, size_t len)
{
	const char *p;
	int n;

	if (!spec || !*spec)
		return -EINVAL;
	if (strchr(spec, '/')) {
		n = snprintf(buf, len, "%s", spec);
	} else {
		for (p = spec; *p >= '0' && *p <= '9'; p++)
			;
		if (!*p)
			n = snprintf(buf, len, "/proc/%s/ns/net", spec);
		else if (!strcmp(spec, ".") || !strcmp(spec, ".."))
			return -EINVAL;
		else
			n = snprintf(buf, len, "/run/netns/%s", spec);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A socket made now belongs to the calling thread's current namespace:
 * the right handle after setns, where /proc/self may name another
 * thread's or the mount's view. */
static int ns_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int nt_netns_self(uint64_t *ino)
{
	struct stat st;
	int fd, nsfd, r;

	if (stat("/proc/thread-self/ns/net", &st) == 0) {
		*ino = (uint64_t)st.st_ino;
		return 0;
	}
	r = -errno;
	/* No /proc: ask a socket for its namespace (needs CAP_NET_ADMIN). */
	fd = ns_socket();
	if (fd < 0)
		return r;
	nsfd = ioctl(fd, SIOCGSKNS);
	close(fd);
	if (nsfd < 0)
		return r;
	if (fstat(nsfd, &st) < 0)
		r = -errno;
	else if (st.st_ino == 0)
		r = -ENODATA;
	else {
		*ino = (uint64_t)st.st_ino;
		r = 0;
	}
	close(nsfd);
	return r;
}

int nt_netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = ns_socket(), r = 0;

	if (fd < 0)
		return fd;
	*cookie = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		r = -errno; /* -ENOPROTOOPT before Linux 5.14 */
	else if (len != sizeof(*cookie) || *cookie == 0)
		r = -ENODATA;
	close(fd);
	return r;
}

int nt_netns_id_self(struct nt_netns_id *id)
{
	int rc, ri;

	memset(id, 0, sizeof(*id));
	rc = nt_netns_cookie(&id->cookie);
	if (rc)
		id->cookie = 0;
	ri = nt_netns_self(&id->inode);
	if (ri)
		id->inode = 0;
	return rc && ri ? ri : 0;
}

const char *nt_netns_id_kind(const struct nt_netns_id *id)
{
	if (id->cookie)
		return "netns_cookie";
	if (id->inode)
		return "netns_inode";
	return NULL;
}

int nt_netns_id_key(const struct nt_netns_id *id, char *buf, size_t len)
{
	int n;

	if (id->cookie)
		n = snprintf(buf, len, "cookie-%" PRIu64, id->cookie);
	else if (id->inode)
		n = snprintf(buf, len, "inode-%" PRIu64, id->inode);
	else
		return -ENOKEY;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nt_netns_enter(const char *path, uint64_t *ino)
{
	struct stat st;
	uint64_t now = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		goto out;
	}
	/* Never silently read the host: check that the switch took. */
	if (nt_netns_self(&now) < 0 || now != (uint64_t)st.st_ino) {
		r = -ENOTRECOVERABLE;
		goto out;
	}
	if (ino)
		*ino = (uint64_t)st.st_ino;
out:
	close(fd);
	return r;
}
