/* Network namespace switching. */
#ifndef NT_NETNS_H
#define NT_NETNS_H

#include <stddef.h>
#include <stdint.h>

/* Resolve spec (NAME under /run/netns, a path containing '/', or a PID) to
 * a path in buf. Returns 0 or -EINVAL. */
int nt_netns_path(const char *spec, char *buf, size_t len);

/* Enter the namespace at path and verify the switch by comparing the
 * inode of /proc/thread-self/ns/net with the target's. Returns 0 or -errno
 * (-EPERM without CAP_SYS_ADMIN, -ENOENT, -ENOTRECOVERABLE when the
 * switch did not take). */
int nt_netns_enter(const char *path, uint64_t *ino);

/* Inode of the current thread's network namespace, or 0. */
uint64_t nt_netns_self(void);

#endif
