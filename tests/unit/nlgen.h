/* Canned netlink message generator for tests and the fuzz seed corpus,
 * written with libmnl's attribute writers. */
#ifndef NT_NLGEN_H
#define NT_NLGEN_H

#include <stddef.h>
#include <stdint.h>

struct nlgen_link {
	const char *name;
	int ifindex;
	uint32_t mtu;
	uint8_t operstate;      /* IF_OPER_* */
	uint8_t carrier;
	uint32_t carrier_changes;
	int nstats64;           /* u64 fields of IFLA_STATS64; 0 = none */
	int nstats32;           /* u32 fields of IFLA_STATS; 0 = none */
	uint64_t base;          /* stats field i = base + i */
	int unknown_attrs;      /* add unknown attributes (types past IFLA_MAX) */
};

/* Each returns the number of bytes written at buf (len must be >= 4096). */
size_t nlgen_newlink(void *buf, uint32_t seq, const struct nlgen_link *spec);
size_t nlgen_done(void *buf, uint32_t seq, int32_t err);
size_t nlgen_error(void *buf, uint32_t seq, int err);

#endif
