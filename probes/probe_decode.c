/* Reply decoder: ICMP/ICMPv6 messages and error-queue records in, struct
 * nt_probe_reply out. Pure: no sockets, no printing. Every header is
 * memcpy'd or read byte-wise only after its length has been checked. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "nt_probe.h"

#define ICMP4_ECHOREPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_ECHO 8
#define ICMP4_TIMXCEED 11
#define ICMP4_PARAMPROB 12
#define ICMP6_UNREACH 1
#define ICMP6_TOOBIG 2
#define ICMP6_TIMXCEED 3
#define ICMP6_PARAMPROB 4
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

bool nt_paddr_eq(const struct nt_paddr *x, const struct nt_paddr *y)
{
	if (x->family != y->family)
		return false;
	return !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

const char *nt_paddr_str(const struct nt_paddr *x, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (x->family == AF_INET || x->family == AF_INET6)
		if (!inet_ntop(x->family, x->a, buf, (socklen_t)len))
			buf[0] = '\0';
	return buf;
}

int nt_paddr_parse(const char *s, struct nt_paddr *x)
{
	memset(x, 0, sizeof(*x));
	if (inet_pton(AF_INET, s, x->a) == 1) {
		x->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, x->a) == 1) {
		x->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

double nt_probe_rtt_ms(const struct timespec *tx_real, const struct timespec *rx,
		       bool have_rx, double mono_delta, bool *kernel)
{
	double k;

	*kernel = false;
	if (have_rx) {
		k = (double)(rx->tv_sec - tx_real->tv_sec) +
		    (double)(rx->tv_nsec - tx_real->tv_nsec) / 1e9;
		if (k >= 0 && k <= mono_delta + 1e-4) {
			*kernel = true;
			return k * 1e3;
		}
	}
	return mono_delta * 1e3;
}

uint32_t nt_probe_sum16(uint32_t s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 1) {
		s += rd16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	return s;
}

uint16_t nt_probe_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t nt_probe_cksum(const void *buf, size_t len)
{
	return (uint16_t)~nt_probe_fold(nt_probe_sum16(0, buf, len));
}

/* Our header: magic(4) tag(4) seq(2) ttl(1) flow(1) comp(2). */
void nt_probe_payload_fill(uint8_t *payload, size_t len, uint32_t tag,
			   uint16_t seq, uint8_t ttl, uint8_t flow)
{
	uint32_t sum;
	size_t i;

	if (len < NT_PROBE_HDR)
		return;
	for (i = NT_PROBE_HDR; i < len; i++)
		payload[i] = (uint8_t)(0x40 + i % 26);
	payload[0] = (uint8_t)(NT_PROBE_MAGIC >> 24);
	payload[1] = (uint8_t)(NT_PROBE_MAGIC >> 16);
	payload[2] = (uint8_t)(NT_PROBE_MAGIC >> 8);
	payload[3] = (uint8_t)NT_PROBE_MAGIC;
	payload[4] = (uint8_t)(tag >> 24);
	payload[5] = (uint8_t)(tag >> 16);
	payload[6] = (uint8_t)(tag >> 8);
	payload[7] = (uint8_t)tag;
	payload[8] = (uint8_t)(seq >> 8);
	payload[9] = (uint8_t)seq;
	payload[10] = ttl;
	payload[11] = flow;
	/* The ICMP header carries seq too; the varying words are seq (twice)
	 * and ttl/flow. Choose comp so that their ones' complement sum with
	 * comp is 0xffff whatever they are. */
	sum = (uint32_t)seq + seq + (((uint32_t)ttl << 8) | flow);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = (~sum) & 0xffff;
	payload[12] = (uint8_t)(sum >> 8);
	payload[13] = (uint8_t)sum;
}

int nt_probe_payload_parse(const uint8_t *payload, size_t len, uint32_t tag,
			   uint16_t *seq, uint8_t *ttl, uint8_t *flow)
{
	if (!payload || len < 12)
		return -1;
	if (rd32(payload) != NT_PROBE_MAGIC || rd32(payload + 4) != tag)
		return -1;
	*seq = rd16(payload + 8);
	*ttl = payload[10];
	*flow = payload[11];
	return 0;
}

static enum nt_probe_kind kind4(uint8_t type)
{
	switch (type) {
	case ICMP4_ECHOREPLY: return NT_PR_ECHO_REPLY;
	case ICMP4_UNREACH: return NT_PR_UNREACH;
	case ICMP4_TIMXCEED: return NT_PR_TIME_EXCEEDED;
	case ICMP4_PARAMPROB: return NT_PR_OTHER_ERR;
	default: return NT_PR_NONE;
	}
}

static enum nt_probe_kind kind6(uint8_t type)
{
	switch (type) {
	case ICMP6_ECHOREPLY: return NT_PR_ECHO_REPLY;
	case ICMP6_UNREACH: return NT_PR_UNREACH;
	case ICMP6_TIMXCEED: return NT_PR_TIME_EXCEEDED;
	case ICMP6_TOOBIG:
	case ICMP6_PARAMPROB: return NT_PR_OTHER_ERR;
	default: return NT_PR_NONE;
	}
}

/* The ports of a quoted UDP or TCP header: -EBADMSG under 4 bytes, 1 with
 * truncated set under 8 (RFC 792's minimum), else 0. */
static int quoted_ports(const uint8_t *p, size_t len, struct nt_probe_reply *r)
{
	if (len < 4)
		return -EBADMSG;
	r->sport = rd16(p);
	r->dport = rd16(p + 2);
	r->have_id = true;
	if (len < 8) {
		r->truncated = true;
		return 1;
	}
	return 0;
}

/* A quoted TCP header: the ports in 4 bytes, the sequence number in 8
 * (all RFC 792 promises), the flags from 14. Nothing after it is ours. */
static int quoted_tcp(const uint8_t *p, size_t len, struct nt_probe_reply *r)
{
	int rc = quoted_ports(p, len, r);

	if (rc)
		return rc < 0 ? rc : 0;
	r->tseq = rd32(p + 4);
	r->have_tseq = true;
	if (len >= 14)
		r->tflags = p[13];
	return 0;
}

/* The quoted transport header: ICMP echo request, UDP or TCP. */
static int quoted_l4(uint8_t proto, const uint8_t *p, size_t len,
		     struct nt_probe_reply *r)
{
	r->proto = proto;
	if (proto == IPPROTO_TCP)
		return quoted_tcp(p, len, r);
	if (proto == IPPROTO_UDP) {
		int rc = quoted_ports(p, len, r);

		if (rc)
			return rc < 0 ? rc : 0;
		r->have_udp8 = true;
		r->ulen = rd16(p + 4);
		r->ucsum = rd16(p + 6);
		r->payload = p + 8;
		r->payload_len = len - 8;
		return 0;
	}
	/* ICMP or ICMPv6: must be our kind of echo request */
	if (len < 8)
		return -EBADMSG;
	if (p[0] != (proto == IPPROTO_ICMP ? ICMP4_ECHO : ICMP6_ECHO))
		return -ENOMSG;
	r->id = rd16(p + 4);
	r->seq = rd16(p + 6);
	r->have_id = true;
	r->payload = p + 8;
	r->payload_len = len - 8;
	return 0;
}

static int quoted_ip4(const uint8_t *p, size_t len, struct nt_probe_reply *r)
{
	size_t ihl;
	uint8_t proto;

	if (len < 20 || (p[0] >> 4) != 4)
		return len < 20 ? -EBADMSG : -ENOMSG;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return -EBADMSG;
	proto = p[9];
	r->quoted_ttl = p[8];
	r->qdst.family = AF_INET;
	memcpy(r->qdst.a, p + 16, 4);
	if (proto != IPPROTO_ICMP && proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return -ENOMSG;
	if (rd16(p + 6) & 0x1fff) /* not the first fragment: no L4 header */
		return -ENOMSG;
	return quoted_l4(proto, p + ihl, len - ihl, r);
}

static int quoted_ip6(const uint8_t *p, size_t len, struct nt_probe_reply *r)
{
	size_t off = 40, hl;
	uint8_t nh;
	int guard;

	if (len < 40)
		return -EBADMSG;
	if ((p[0] >> 4) != 6)
		return -ENOMSG;
	nh = p[6];
	r->quoted_ttl = p[7];
	r->qdst.family = AF_INET6;
	memcpy(r->qdst.a, p + 24, 16);
	for (guard = 0; guard < 16; guard++) {
		switch (nh) {
		case IPPROTO_ICMPV6:
		case IPPROTO_UDP:
		case IPPROTO_TCP:
			return quoted_l4(nh, p + off, len - off, r);
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (len - off < 2)
				return -EBADMSG;
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case 44: /* fragment */
			if (len - off < 8)
				return -EBADMSG;
			if (rd16(p + off + 2) & 0xfff8)
				return -ENOMSG; /* not the first fragment */
			hl = 8;
			break;
		case 51: /* AH */
			if (len - off < 2)
				return -EBADMSG;
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		default:
			return -ENOMSG;
		}
		if (hl > len - off)
			return -EBADMSG;
		nh = p[off];
		off += hl;
	}
	return -ENOMSG;
}

/* RFC 4884 extension structure; collects RFC 4950 MPLS label stacks.
 * A malformed extension is ignored: the quote itself is still good. */
static void extensions(const uint8_t *p, size_t len, struct nt_probe_reply *r)
{
	size_t off = 4;

	if (len < 4 || (p[0] >> 4) != 2)
		return;
	while (len - off >= 4) {
		size_t olen = rd16(p + off), k;
		uint8_t cls = p[off + 2], ctype = p[off + 3];

		if (olen < 4 || olen > len - off)
			return;
		if (cls == 1 && ctype == 1)
			for (k = 4; k + 4 <= olen && r->nmpls < NT_PROBE_MAX_MPLS; k += 4)
				r->mpls[r->nmpls++] = rd32(p + off + k);
		off += olen;
	}
}

static int decode_icmp(int family, const uint8_t *p, size_t len,
		       struct nt_probe_reply *r)
{
	size_t qlen;
	int rc;

	if (len < 8)
		return -EBADMSG;
	r->type = p[0];
	r->code = p[1];
	r->kind = family == AF_INET ? kind4(p[0]) : kind6(p[0]);
	if (r->kind == NT_PR_NONE)
		return -ENOMSG;
	if (r->kind == NT_PR_ECHO_REPLY) {
		r->proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		r->id = rd16(p + 4);
		r->seq = rd16(p + 6);
		r->have_id = true;
		r->payload = p + 8;
		r->payload_len = len - 8;
		return 0;
	}
	qlen = len - 8;
	/* RFC 4884 length: 32-bit words (ICMPv4, byte 5) or 64-bit words
	 * (ICMPv6, byte 4) of the original datagram; 0 = no extensions. */
	if (r->kind == NT_PR_TIME_EXCEEDED || r->kind == NT_PR_UNREACH ||
	    (family == AF_INET && r->type == ICMP4_PARAMPROB)) {
		size_t words = family == AF_INET ? p[5] : p[4];
		size_t olen = words * (family == AF_INET ? 4 : 8);

		if (words && olen <= qlen) {
			r->ext_len = (uint16_t)olen;
			extensions(p + 8 + olen, qlen - olen, r);
			qlen = olen;
		}
	}
	rc = family == AF_INET ? quoted_ip4(p + 8, qlen, r) :
				 quoted_ip6(p + 8, qlen, r);
	return rc;
}

/* An empty reply: TTLs unknown until a header gives them. */
static void reply_init(struct nt_probe_reply *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->reply_ttl = -1;
	r->quoted_ttl = -1;
}

/* The IPv4 header a raw socket hands over: checked, the reply's TTL and
 * source taken, *p and *len moved past it (trailing padding cut). Only
 * proto, and only a first fragment, are ours (-ENOMSG). */
static int outer_ip4(const uint8_t **pp, size_t *lenp, uint8_t proto,
		     struct nt_probe_reply *r)
{
	const uint8_t *p = *pp;
	size_t len = *lenp, ihl, tot;

	if (len < 20 || (p[0] >> 4) != 4)
		return -EBADMSG;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (ihl < 20 || ihl > len)
		return -EBADMSG;
	if (tot >= ihl && tot < len)
		len = tot; /* trailing bytes (padding) are not ours */
	if (p[9] != proto || (proto == IPPROTO_TCP && (rd16(p + 6) & 0x1fff)))
		return -ENOMSG;
	r->reply_ttl = p[8];
	r->src.family = AF_INET;
	memcpy(r->src.a, p + 12, 4);
	*pp = p + ihl;
	*lenp = len - ihl;
	return 0;
}

/* What both raw-socket decoders do first: an empty reply of family, and
 * the IPv4 header when there is one (only IPv4 raw sockets give it). */
static int outer(int family, bool ip_header, const uint8_t **p, size_t *len,
		 uint8_t proto, struct nt_probe_reply *r)
{
	reply_init(r, family);
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (!ip_header)
		return 0;
	if (family != AF_INET)
		return -EINVAL;
	return outer_ip4(p, len, proto, r);
}

int nt_probe_decode(int family, bool ip_header, const void *buf, size_t len,
		    struct nt_probe_reply *r)
{
	const uint8_t *p = buf;

	int rc = outer(family, ip_header, &p, &len, IPPROTO_ICMP, r);

	return rc ? rc : decode_icmp(family, p, len, r);
}

int nt_probe_decode_errq(int family, uint8_t proto,
			 const struct sock_extended_err *ee,
			 const struct sockaddr *offender, size_t offender_len,
			 const void *payload, size_t len,
			 struct nt_probe_reply *r)
{
	const uint8_t *p = payload;

	reply_init(r, family);
	if (!ee)
		return -EINVAL;
	if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6)
		return -ENOMSG;
	r->type = ee->ee_type;
	r->code = ee->ee_code;
	r->kind = ee->ee_origin == SO_EE_ORIGIN_ICMP ? kind4(ee->ee_type) :
						      kind6(ee->ee_type);
	if (r->kind == NT_PR_NONE || r->kind == NT_PR_ECHO_REPLY)
		return -ENOMSG;
	r->ext_len = ee->ee_rfc4884.len;
	if (offender && offender_len >= sizeof(sa_family_t)) {
		sa_family_t af;

		memcpy(&af, offender, sizeof(af));
		if (af == AF_INET && offender_len >= sizeof(struct sockaddr_in)) {
			struct sockaddr_in s;

			memcpy(&s, offender, sizeof(s));
			r->src.family = AF_INET;
			memcpy(r->src.a, &s.sin_addr, 4);
		} else if (af == AF_INET6 && offender_len >= sizeof(struct sockaddr_in6)) {
			struct sockaddr_in6 s;

			memcpy(&s, offender, sizeof(s));
			r->src.family = AF_INET6;
			memcpy(r->src.a, &s.sin6_addr, 16);
			if (IN6_IS_ADDR_V4MAPPED(&s.sin6_addr)) {
				r->src.family = AF_INET;
				memmove(r->src.a, r->src.a + 12, 4);
			}
		}
	}
	r->proto = proto;
	if (proto == IPPROTO_UDP) {
		r->payload = p;
		r->payload_len = len;
		return 0;
	}
	if (proto == IPPROTO_TCP) /* the quoted TCP header (tcp_v4_err) */
		return quoted_tcp(p, len, r);
	if (len < 8)
		return -EBADMSG;
	r->id = rd16(p + 4);
	r->seq = rd16(p + 6);
	r->have_id = true;
	r->payload = p + 8;
	r->payload_len = len - 8;
	return 0;
}

int nt_probe_decode_tcp(int family, bool ip_header, const void *buf, size_t len,
			struct nt_probe_reply *r)
{
	const uint8_t *p = buf;
	size_t doff;
	int rc = outer(family, ip_header, &p, &len, IPPROTO_TCP, r);

	if (rc)
		return rc;
	if (len < 20)
		return -EBADMSG;
	doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return -EBADMSG;
	r->proto = IPPROTO_TCP;
	r->sport = rd16(p);
	r->dport = rd16(p + 2);
	r->tseq = rd32(p + 4);
	r->tack = rd32(p + 8);
	r->tflags = p[13];
	r->have_id = true;
	/* RST (with or without ACK: a SYN is answered RST-ACK) or SYN+ACK */
	if (r->tflags & 0x04)
		r->kind = NT_PR_TCP_RST;
	else if ((r->tflags & 0x12) == 0x12)
		r->kind = NT_PR_TCP_SYNACK;
	else
		return -ENOMSG;
	if (!(r->tflags & 0x10))
		return -ENOMSG; /* no acknowledgment: it names no probe */
	return 0;
}
