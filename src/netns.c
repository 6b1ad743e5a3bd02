/* Network namespace switching, verified. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_netns.h"

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

uint64_t nt_netns_self(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0 &&
	    stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

int nt_netns_enter(const char *path, uint64_t *ino)
{
	struct stat st;
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
	if (nt_netns_self() != (uint64_t)st.st_ino) {
		r = -ENOTRECOVERABLE;
		goto out;
	}
	if (ino)
		*ino = (uint64_t)st.st_ino;
out:
	close(fd);
	return r;
}
