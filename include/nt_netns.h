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

/* Inode of the current thread's network namespace from
 * /proc/thread-self/ns/net, or (no /proc) from SIOCGSKNS on a new socket.
 * Returns 0 or -errno; never a made-up 0 inode. */
int nt_netns_self(uint64_t *ino);

/* SO_NETNS_COOKIE of a socket opened now in the current namespace: a
 * 64-bit number never reused while the machine is up (Linux >= 5.14).
 * Returns 0 or -errno (-ENOPROTOOPT on older kernels). */
int nt_netns_cookie(uint64_t *cookie);

/* Identity of a namespace for keys that outlive it (history files).
 * Inode numbers of deleted namespaces are handed out again, and nsfs
 * offers no creation time or generation to tell two apart (an nsfs
 * inode's times are those of its dentry, remade on each lookup), so the
 * inode alone is a weak key; the cookie (with the boot id, which the
 * history file checks) is a strong one. 0 means unknown. */
struct nt_netns_id {
	uint64_t cookie;
	uint64_t inode;
};

/* Both of the current namespace, as available. Returns 0 when at least
 * one is known, else -errno. */
int nt_netns_id_self(struct nt_netns_id *id);
/* "netns_cookie" when the cookie is known, else "netns_inode" (weak: may
 * be a recycled number), else NULL. */
const char *nt_netns_id_kind(const struct nt_netns_id *id);
/* Key text "cookie-N" (preferred) or "inode-N". Returns 0, -ENOKEY when
 * neither is known, or -ENAMETOOLONG. */
int nt_netns_id_key(const struct nt_netns_id *id, char *buf, size_t len);

#endif
