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
/* Generic netlink: a CTRL_CMD_NEWFAMILY reply naming family id (and
 * name), and an ETHTOOL_MSG_LINKMODES_GET_REPLY of family fam. */
size_t nlgen_genl_family(void *buf, uint32_t seq, const char *name, uint16_t id);
struct nlgen_linkmodes {
	uint32_t ifindex;       /* 0: no DEV_INDEX */
	const char *name;       /* NULL: no DEV_NAME */
	int speed;              /* -1: no SPEED attribute, else the u32 sent */
	long long speed_raw;    /* used when speed == -2: any u32 (0xffffffff) */
	int duplex;             /* -1: no DUPLEX attribute, else the u8 sent */
	int bitsets;            /* add compact OURS/PEER bitsets, autoneg, lanes */
};
size_t nlgen_linkmodes(void *buf, uint32_t seq, uint16_t fam,
		       const struct nlgen_linkmodes *m);
size_t nlgen_done(void *buf, uint32_t seq, int32_t err);
/* Seed generators: write len bytes of buf to DIR/NAME; 0 or -1 (perror). */
int nlgen_write(const char *dir, const char *name, const void *buf, size_t len);
/* The same with a selector byte sel (0..255) first; -1: none. */
int nlgen_write_sel(const char *dir, const char *name, int sel, const void *buf,
		    size_t len);
size_t nlgen_error(void *buf, uint32_t seq, int err);

/* One SOCK_DIAG_BY_FAMILY reply (struct inet_diag_msg + attributes).
 * Addresses are given in network order (16 bytes; v4 uses the first 4). */
struct nlgen_diag {
	uint8_t family;         /* AF_INET / AF_INET6 */
	uint8_t state;          /* TCP_* 1..12 */
	uint16_t sport, dport;  /* host order */
	uint8_t src[16], dst[16];
	uint32_t rqueue, wqueue, inode;
	int info_len;           /* INET_DIAG_INFO payload bytes; 0 = none */
	uint32_t info_base;     /* tcp_info byte i = (info_base + i) & 0xff, then
				 * the fields below are written over it */
	uint32_t total_retrans, retrans, lost, rtt, rttvar, cwnd;
	uint64_t bytes_retrans;
	uint16_t total_rto;
	int unknown_attrs;      /* add an attribute of a type past INET_DIAG_MAX */
};
size_t nlgen_diag(void *buf, uint32_t seq, const struct nlgen_diag *spec);
/* The spec of an IPv4 socket src:sport -> dst:dport in state, no info. */
struct nlgen_diag nlgen_diag4(uint8_t state, const char *src, uint16_t sport,
			      const char *dst, uint16_t dport);

/* ctnetlink (conntrack) messages. */
size_t nlgen_ct_stats(void *buf, uint32_t seq, uint32_t entries, uint32_t max);
/* Per-CPU stats: attribute CTA_STATS_* t (2..15, skipping the retired
 * ones) gets base + t; unknown > 0 adds that many attributes past
 * CTA_STATS_MAX (value 1000 + i). */
size_t nlgen_ct_stats_cpu(void *buf, uint32_t seq, uint16_t cpu, uint32_t base,
			  int unknown);

struct nlgen_ct {
	uint8_t family;         /* AF_INET / AF_INET6 */
	uint8_t proto;          /* IPPROTO_* */
	const char *src, *dst;  /* textual addresses of the original tuple */
	uint16_t sport, dport;  /* tcp/udp */
	uint8_t icmp_type, icmp_code;
	int state;              /* TCP state for CTA_PROTOINFO, -1: none */
	uint32_t status;
	uint32_t mark;
	int zone;               /* -1: no CTA_ZONE */
	int unknown_attrs;      /* add attributes past CTA_MAX */
};
size_t nlgen_ct_entry(void *buf, uint32_t seq, const struct nlgen_ct *c);

#endif
