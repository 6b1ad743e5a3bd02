/* Canned packets for the path unit tests (test_path_decode.c,
 * test_path_match.c), built byte by byte. */
#ifndef TEST_PATH_PKT_H
#define TEST_PATH_PKT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "nt_probe.h"

#define TAG 0x11223344u

struct pkt {
	uint8_t b[1024];
	size_t n;
};

static inline void put(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static inline void put8(struct pkt *p, uint8_t v) { put(p, &v, 1); }

static inline void put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

/* IPv4 header with optlen bytes of options (NOPs), addresses as text. */
static inline void ip4(struct pkt *p, size_t optlen, uint8_t proto, uint8_t ttl,
		const char *src, const char *dst, size_t payload)
{
	size_t ihl = 20 + optlen, i;
	struct in_addr a;

	put8(p, (uint8_t)(0x40 | (ihl / 4)));
	put8(p, 0);
	put16(p, (uint16_t)(ihl + payload));
	put16(p, 0x1234);
	put16(p, 0);
	put8(p, ttl);
	put8(p, proto);
	put16(p, 0);
	inet_pton(AF_INET, src, &a);
	put(p, &a, 4);
	inet_pton(AF_INET, dst, &a);
	put(p, &a, 4);
	for (i = 0; i < optlen; i++)
		put8(p, 1);
}

static inline void ip6(struct pkt *p, uint8_t nh, uint8_t hlim, const char *src,
		const char *dst, size_t payload)
{
	struct in6_addr a;

	put8(p, 0x60);
	put8(p, 0);
	put16(p, 0);
	put16(p, (uint16_t)payload);
	put8(p, nh);
	put8(p, hlim);
	inet_pton(AF_INET6, src, &a);
	put(p, &a, 16);
	inet_pton(AF_INET6, dst, &a);
	put(p, &a, 16);
}

static inline void echo(struct pkt *p, uint8_t type, uint16_t id, uint16_t seq,
		 uint8_t ttl)
{
	uint8_t pl[36];

	put8(p, type);
	put8(p, 0);
	put16(p, 0);
	put16(p, id);
	put16(p, seq);
	nt_probe_payload_fill(pl, sizeof(pl), TAG, seq, ttl, 0);
	put(p, pl, sizeof(pl));
}

static inline void udp(struct pkt *p, uint16_t sport, uint16_t dport, uint16_t seq,
		uint8_t ttl)
{
	uint8_t pl[36];

	put16(p, sport);
	put16(p, dport);
	put16(p, 8 + sizeof(pl));
	put16(p, 0);
	nt_probe_payload_fill(pl, sizeof(pl), TAG, seq, ttl, 0);
	put(p, pl, sizeof(pl));
}

static inline void icmp_err(struct pkt *p, uint8_t type, uint8_t code, uint8_t len4)
{
	put8(p, type);
	put8(p, code);
	put16(p, 0);
	put8(p, 0);
	put8(p, len4); /* RFC 4884 length (v4: byte 5) */
	put16(p, 0);
}

static inline const char *s(const struct nt_paddr *a)
{
	static char buf[64];

	return nt_paddr_str(a, buf, sizeof(buf));
}

/* Decode from an exactly sized heap copy so ASan sees any overread. */
static inline int dec(int fam, bool iph, const struct pkt *p, size_t n,
	       struct nt_probe_reply *r)
{
	uint8_t *b = malloc(n ? n : 1);
	int rc;

	memcpy(b, p->b, n);
	rc = nt_probe_decode(fam, iph, b, n, r);
	/* pointers into b are dead after free: copy what tests read */
	if (r->payload) {
		static uint8_t keep[1024];

		memcpy(keep, r->payload, r->payload_len);
		r->payload = keep;
	}
	free(b);
	return rc;
}

#endif
