/* Internal to src/stack/stack_nl*.c and stack_udp.c: the attribute walk
 * shared by the three message parsers. */
#ifndef NT_STACK_NL_PRIV_H
#define NT_STACK_NL_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* Called for each attribute: type without the NLA_F_* bits, payload
 * and its length (already within the message). 0 or -errno. */
typedef int (*nt_snl_attr_cb)(uint16_t type, const void *p, size_t len,
			      void *data);

/* The attributes after a fixed header of hdrlen bytes in one message of
 * type `type`: -EINVAL when the message is of another type or shorter
 * than its header, -EBADMSG when an attribute runs past the message. */
int nt_snl_msg_attrs(const struct nlmsghdr *nlh, uint16_t type, size_t hdrlen,
		     nt_snl_attr_cb cb, void *data);
/* The same over a nested attribute's payload. */
int nt_snl_attrs(const void *p, size_t len, nt_snl_attr_cb cb, void *data);

/* Copy up to len bytes of a struct of size size into out, zero-filling
 * the rest (short structs of older kernels). */
void nt_snl_copy(void *out, size_t size, const void *p, size_t len);

/* A NUL-terminated attribute string into out (cut to outlen - 1; a
 * string without its NUL is taken up to len). */
void nt_snl_str(char *out, size_t outlen, const void *p, size_t len);

/* A dump request of type `type` in req (>= 256 bytes): the netlink
 * header with NLM_F_REQUEST | NLM_F_DUMP, then a zeroed family header of
 * hdrlen bytes, returned. */
void *nt_snl_dump_req(char *req, uint16_t type, size_t hdrlen);

#endif
