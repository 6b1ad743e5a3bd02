/* capture decoder: one captured frame of a link type into a struct
 * nt_cap_pkt (include/nt_capture.h). Bytes in, struct out; every length is
 * checked before it is read and nothing outside b[0..caplen) is touched.
 *
 * Two lengths bound every header: what was captured (caplen: cut there =>
 * NT_CAPB_TRUNC) and what the headers say the packet holds (IP total or
 * payload length: a header that claims more than that => NT_CAPB_MALFORMED).
 * The payload length of a segment (seglen) comes from the IP length, never
 * from caplen, so a snapped frame keeps its length.
 *
 * Judgements made here (where a reader could expect otherwise):
 * - IPv4 total length 0, IPv6 payload length 0: a TSO/GSO super-frame
 *   captured on egress, or BIG TCP (IPv4 > 64 KiB, IPv6 jumbo whose
 *   hop-by-hop option the kernel does not show the tap): the length is the
 *   frame's wire length minus the link header. The jumbo option's own
 *   value is not read (the wire length says the same and is always there).
 *   That reading is taken only up to Linux's largest GSO packet with BIG
 *   TCP, GSO_MAX_SIZE = 8 * GSO_MAX_SEGS = 524280 bytes
 *   (include/linux/netdevice.h), as the IPv4 total length or the IPv6
 *   payload length; a longer one is MALFORMED: the pcap len is a 32-bit
 *   field nobody checks, and a segment of 2^31 bytes or more would break
 *   every sequence comparison modulo 2^32. No seglen of 2^31 or more ever
 *   leaves the decoder (MALFORMED).
 * - IP length smaller than the frame: Ethernet padding; the IP length wins.
 * - IP length larger than the frame's wire length (wirelen minus the link
 *   header): not refused. Linux hands the tap a GSO super-frame whole, with
 *   wirelen = the skb's length, so a legitimate frame never claims more
 *   than its wire length; one that does was cut before libpcap saw it (a
 *   writer that stores a wrong len, a driver bug). We clamp the IP length
 *   to the wire length: the segment is counted with the bytes that were
 *   really on the wire, not bytes nobody saw (which would advance the
 *   expected sequence past data that was never sent and hide a retransmit
 *   of it). Wireshark keeps the claimed length and flags the frame.
 * - IPv4 fragments: a non-first fragment (offset != 0) has no TCP header:
 *   OTHER. A first fragment (MF set, offset 0) is decoded; its seglen is
 *   the TCP payload in this fragment only. Wireshark reassembles and sees
 *   the whole segment; we do not reassemble (no per-packet state here), so
 *   the rest of such a segment is not counted and the next segment of the
 *   flow may be judged a lost segment. TCP over fragments is rare (PMTUD
 *   sets DF). The same holds for an IPv6 first fragment.
 * - ICMP errors: IPv4 types 3 (unreachable, 3/4 = fragmentation needed),
 *   4 (source quench), 11 (time exceeded), 12 (parameter problem); ICMPv6
 *   1, 2 (packet too big), 3, 4. Redirect (5) is not an error of the flow
 *   (the datagram was forwarded): OTHER. Only the quoted IP header (any IHL,
 *   IPv6 with its extension headers) and the first 8 bytes of the quoted
 *   TCP header (ports and sequence number, all RFC 792 promises) are read.
 *   A quote that is not TCP, a quoted non-first fragment, or an ICMP
 *   message that quotes too little is OTHER (not an error of the frame); a
 *   quote that the capture cut (the ICMP message holds it, caplen does
 *   not) is TRUNC, like any other header.
 * - TCP options are parsed in every segment, not only in SYNs (the
 *   analysis decides which to use). A window scale shift above 14 is
 *   taken as 14 (RFC 7323, 2.3: "MUST use 14"). An option of a known kind
 *   with the wrong length is skipped (its value unread), parsing goes on;
 *   a length byte < 2 or one running past the header ends the parsing of
 *   options, not the packet.
 * - DLT_NULL carries the address family in the writer's byte order: both
 *   orders are accepted (the family is one small number). DLT_LOOP is in
 *   network order. IPv4 = 2, IPv6 = 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 *   30 (Darwin).
 * - Raw IP: libpcap returns DLT_RAW (12 on Linux) for LINKTYPE_RAW (101);
 *   a file whose header holds 14 (OpenBSD's DLT_RAW, written by an old
 *   libpcap) comes back as 14, and 101 itself is accepted as well, so a
 *   caller passing a LINKTYPE_ value also works. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <pcap/dlt.h>
#include "nt_capture.h"

/* the raw-IP values besides DLT_RAW (see above) */
#define CAP_DLT_RAW_BSD  14
#define CAP_LINKTYPE_RAW 101
/* Linux GSO_MAX_SIZE with BIG TCP: the longest length-0 frame (see top) */
#define CAP_GSO_MAX 524280u

/* internal results: 0 decoded (kind in p), else a reason */
enum {
	R_OK = 0,
	R_OTHER,               /* stop decoding: kind OTHER */
	R_TRUNC,
	R_MALF,
};

static inline uint32_t be16(const uint8_t *b)
{
	return (uint32_t)b[0] << 8 | b[1];
}

static inline uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* n bytes of a header: within len (what the packet or the quote holds:
 * else short_rc) and within cap (what was captured: else TRUNC) */
static inline int need(uint32_t len, uint32_t cap, uint32_t n, int short_rc)
{
	return len < n ? short_rc : cap < n ? R_TRUNC : R_OK;
}

bool nt_cap_dlt_ok(int dlt)
{
	switch (dlt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_RAW:
	case CAP_DLT_RAW_BSD:
	case CAP_LINKTYPE_RAW:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

/* TCP options of b[20..hl) (all captured: the caller checked). */
static void tcp_options(const uint8_t *b, uint32_t hl, struct nt_cap_pkt *p)
{
	uint32_t i = 20, len, n, k;

	while (i < hl) {
		uint8_t kind = b[i];

		if (kind == 0) /* EOL */
			break;
		if (kind == 1) { /* NOP */
			i++;
			continue;
		}
		if (hl - i < 2)
			break;
		len = b[i + 1];
		if (len < 2 || len > hl - i)
			break;
		switch (kind) {
		case 2: /* MSS */
			if (len == 4)
				p->mss = (uint16_t)be16(b + i + 2);
			break;
		case 3: /* window scale: RFC 7323 2.3, a shift above 14 is 14 */
			if (len == 3)
				p->wscale = (int8_t)(b[i + 2] > 14 ? 14 : b[i + 2]);
			break;
		case 4: /* SACK permitted */
			if (len == 2)
				p->sack_perm = true;
			break;
		case 5: /* SACK: 2 + 8n, n <= 4 (the header has room for 4) */
			if (len >= 10 && ((len - 2) & 7) == 0) {
				n = (len - 2) >> 3;
				if (n > 4)
					n = 4;
				for (k = 0; k < n; k++) {
					p->sack_le[k] = be32(b + i + 2 + 8 * k);
					p->sack_re[k] = be32(b + i + 6 + 8 * k);
				}
				p->nsack = (uint8_t)n;
			}
			break;
		case 8: /* timestamps */
			if (len == 10) {
				p->ts_present = true;
				p->tsval = be32(b + i + 2);
				p->tsecr = be32(b + i + 6);
			}
			break;
		default:
			break;
		}
		i += len;
	}
}

/* A TCP header: cap bytes captured, len bytes by the IP length. */
static int dec_tcp(const uint8_t *b, uint32_t cap, uint32_t len, struct nt_cap_pkt *p)
{
	uint32_t hl;
	int rc;

	if ((rc = need(len, cap, 20, R_MALF)))
		return rc;
	hl = (uint32_t)(b[12] >> 4) * 4;
	if (hl < 20)
		return R_MALF;
	if ((rc = need(len, cap, hl, R_MALF)))
		return rc;
	p->t.sport = (uint16_t)be16(b);
	p->t.dport = (uint16_t)be16(b + 2);
	p->seq = be32(b + 4);
	p->ack = be32(b + 8);
	p->flags = b[13];
	p->win = (uint16_t)be16(b + 14);
	if (len - hl >= 0x80000000u)
		return R_MALF;          /* breaks seq arithmetic mod 2^32 */
	p->seglen = len - hl;
	if (hl > 20)
		tcp_options(b, hl, p);
	p->kind = NT_CAPK_TCP;
	return R_OK;
}

/* The quoted TCP header's first 8 bytes: ports and seq. */
static int quoted_tcp(const uint8_t *b, uint32_t cap, uint32_t len, struct nt_cap_pkt *p)
{
	int rc = need(len, cap, 8, R_OTHER);

	if (rc)
		return rc;
	p->t.sport = (uint16_t)be16(b);
	p->t.dport = (uint16_t)be16(b + 2);
	p->seq = be32(b + 4);
	p->kind = NT_CAPK_ICMP_ERR;
	return R_OK;
}

/* Walk IPv6 extension headers from *off (next header *nh) within b[0..lim)
 * (lim: the packet's IP length from b, or the quote's), cap bytes
 * captured. Stops at the first header that is not an extension header. */
static int walk6(const uint8_t *b, uint32_t cap, uint32_t lim, uint32_t *off, uint8_t *nh)
{
	uint32_t o = *off, hl;
	int rc;

	for (;;) {
		switch (*nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 44:  /* fragment */
		case 60:  /* destination options */
		case 51:  /* AH */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			break;
		default:
			*off = o;
			return R_OK;
		}
		if ((rc = need(lim - o, cap - o, 2, R_MALF)))
			return rc;
		if (*nh == 44)
			hl = 8;
		else if (*nh == 51)
			hl = ((uint32_t)b[o + 1] + 2) * 4; /* 32-bit words, minus 2 */
		else
			hl = ((uint32_t)b[o + 1] + 1) * 8;
		if ((rc = need(lim - o, cap - o, hl, R_MALF)))
			return rc;
		if (*nh == 44 && (be16(b + o + 2) & 0xfff8u))
			return R_OTHER; /* non-first fragment: no upper header */
		*nh = b[o];
		o += hl;
	}
}

static bool icmp4_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 11 || type == 12;
}

/* An ICMP error's quote: IPv4 header (any IHL) + 8 bytes of TCP. */
static int quote4(const uint8_t *b, uint32_t cap, uint32_t len, struct nt_cap_pkt *p)
{
	uint32_t ihl;
	int rc;

	if ((rc = need(len, cap, 20, R_OTHER)))
		return rc;
	ihl = (uint32_t)(b[0] & 15) * 4;
	if (b[0] >> 4 != 4 || ihl < 20 || b[9] != 6 || (be16(b + 6) & 0x1fffu))
		return R_OTHER;
	if ((rc = need(len, cap, ihl, R_OTHER)))
		return rc;
	p->t.family = AF_INET;
	memcpy(p->t.src, b + 12, 4);
	memcpy(p->t.dst, b + 16, 4);
	return quoted_tcp(b + ihl, cap - ihl, len - ihl, p);
}

/* An ICMPv6 error's quote: IPv6 header + extension headers + 8 of TCP. */
static int quote6(const uint8_t *b, uint32_t cap, uint32_t len, struct nt_cap_pkt *p)
{
	uint32_t off = 40;
	uint8_t nh;
	int rc;

	if ((rc = need(len, cap, 40, R_OTHER)))
		return rc;
	if (b[0] >> 4 != 6)
		return R_OTHER;
	nh = b[6];
	rc = walk6(b, cap, len, &off, &nh);
	if (rc == R_MALF)
		return R_OTHER; /* a bad quote is not an error of this frame */
	if (rc != R_OK)
		return rc;
	if (nh != 6)
		return R_OTHER;
	p->t.family = AF_INET6;
	memcpy(p->t.src, b + 8, 16);
	memcpy(p->t.dst, b + 24, 16);
	return quoted_tcp(b + off, cap - off, len - off, p);
}

/* ICMP or ICMPv6 header at b (v6: ICMPv6 numbers). */
static int dec_icmp(const uint8_t *b, uint32_t cap, uint32_t len, bool v6,
		    struct nt_cap_pkt *p)
{
	int rc;

	if (len < 8)
		return R_OTHER;         /* not even an ICMP header: not an error */
	if (cap < 1)
		return R_TRUNC;
	if (v6 ? (b[0] < 1 || b[0] > 4) : !icmp4_error(b[0]))
		return R_OTHER;
	if ((rc = need(len, cap, 8, R_OTHER)))
		return rc;
	rc = v6 ? quote6(b + 8, cap - 8, len - 8, p) : quote4(b + 8, cap - 8, len - 8, p);
	if (rc != R_OK) {
		/* nothing of a half-read quote stays in the struct */
		memset(&p->t, 0, sizeof(p->t));
		p->seq = 0;
		return rc;
	}
	p->icmp_type = b[0];
	p->icmp_code = b[1];
	return R_OK;
}

/* IPv4 at b: cap bytes captured, room bytes on the wire from b. */
static int dec_ip4(const uint8_t *b, uint32_t cap, uint32_t room, struct nt_cap_pkt *p)
{
	uint32_t ihl, tot;

	if (cap < 20)
		return R_TRUNC;
	ihl = (uint32_t)(b[0] & 15) * 4;
	if (b[0] >> 4 != 4 || ihl < 20)
		return R_MALF;
	tot = be16(b + 2);
	if (tot == 0) {
		if (room > CAP_GSO_MAX)
			return R_MALF;  /* no GSO frame is that long */
		tot = room;             /* TSO/GSO, BIG TCP */
	} else if (tot < ihl)
		return R_MALF;
	else if (tot > room)
		tot = room;             /* claims more than the wire had */
	if (ihl > cap)
		return R_TRUNC;
	if (be16(b + 6) & 0x1fffu)
		return R_OTHER;         /* non-first fragment */
	if (b[9] == 6) {
		p->t.family = AF_INET;
		memcpy(p->t.src, b + 12, 4);
		memcpy(p->t.dst, b + 16, 4);
		return dec_tcp(b + ihl, cap - ihl, tot - ihl, p);
	}
	if (b[9] == 1)
		return dec_icmp(b + ihl, cap - ihl, tot - ihl, false, p);
	return R_OTHER;
}

static int dec_ip6(const uint8_t *b, uint32_t cap, uint32_t room, struct nt_cap_pkt *p)
{
	uint32_t plen, off = 40;
	uint8_t nh;
	int rc;

	if (cap < 40)
		return R_TRUNC;
	if (b[0] >> 4 != 6)
		return R_MALF;
	plen = be16(b + 4);
	if (plen == 0 && room - 40 > CAP_GSO_MAX)
		return R_MALF;          /* no GSO frame is that long */
	if (plen == 0 || plen > room - 40)
		plen = room - 40;       /* GSO / jumbo; or clamp (see top) */
	nh = b[6];
	rc = walk6(b, cap, 40 + plen, &off, &nh);
	if (rc != R_OK)
		return rc;
	plen += 40;                     /* from here: the end, counted from b */
	if (nh == 6) {
		p->t.family = AF_INET6;
		memcpy(p->t.src, b + 8, 16);
		memcpy(p->t.dst, b + 24, 16);
		return dec_tcp(b + off, cap - off, plen - off, p);
	}
	if (nh == 58)
		return dec_icmp(b + off, cap - off, plen - off, true, p);
	return R_OTHER;                 /* UDP, ESP (50), no next header (59), ... */
}

/* IP by its version nibble; want 4 or 6 (what the link layer said), 0 any. */
static int dec_ip(const uint8_t *b, uint32_t cap, uint32_t room, int want,
		  struct nt_cap_pkt *p)
{
	int v;

	if (cap < 1)
		return R_TRUNC;
	v = b[0] >> 4;
	if (want && v != want)
		return R_MALF;
	if (v == 4)
		return dec_ip4(b, cap, room, p);
	if (v == 6)
		return dec_ip6(b, cap, room, p);
	return R_MALF;
}

/* After a link header whose ethertype is at b[off - 2]: VLAN tags, then IP. */
static int dec_ether_type(const uint8_t *b, uint32_t cap, uint32_t wl, uint32_t off,
			  struct nt_cap_pkt *p)
{
	uint32_t type = be16(b + off - 2);

	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (cap - off < 4)
			return R_TRUNC;
		type = be16(b + off + 2);
		off += 4;
	}
	if (type == 0x0800)
		return dec_ip(b + off, cap - off, wl - off, 4, p);
	if (type == 0x86dd)
		return dec_ip(b + off, cap - off, wl - off, 6, p);
	return R_OTHER; /* ARP, LLC, MPLS, PPPoE, ... */
}

/* DLT_NULL / DLT_LOOP address family */
static int dec_af(uint32_t af, const uint8_t *b, uint32_t cap, uint32_t wl,
		  struct nt_cap_pkt *p)
{
	if (af == 2)
		return dec_ip(b + 4, cap - 4, wl - 4, 4, p);
	if (af == 24 || af == 28 || af == 30)
		return dec_ip(b + 4, cap - 4, wl - 4, 6, p);
	return R_OTHER;
}

static int dec_link(int dlt, const uint8_t *b, uint32_t cap, uint32_t wl,
		    struct nt_cap_pkt *p)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (cap < 14)
			return R_TRUNC;
		return dec_ether_type(b, cap, wl, 14, p);
	case DLT_LINUX_SLL:     /* protocol at 14..15 of a 16-byte header */
		if (cap < 16)
			return R_TRUNC;
		return dec_ether_type(b, cap, wl, 16, p);
	case DLT_LINUX_SLL2:    /* protocol at 0..1 of a 20-byte header */
		if (cap < 20)
			return R_TRUNC;
		if (be16(b) == 0x0800)
			return dec_ip(b + 20, cap - 20, wl - 20, 4, p);
		if (be16(b) == 0x86dd)
			return dec_ip(b + 20, cap - 20, wl - 20, 6, p);
		if (be16(b) == 0x8100 || be16(b) == 0x88a8 || be16(b) == 0x9100) {
			/* the tag follows the header; its type after it */
			if (cap < 24)
				return R_TRUNC;
			return dec_ether_type(b, cap, wl, 24, p);
		}
		return R_OTHER;
	case DLT_RAW:
	case CAP_DLT_RAW_BSD:
	case CAP_LINKTYPE_RAW:
		return dec_ip(b, cap, wl, 0, p);
	case DLT_IPV4:
		return dec_ip(b, cap, wl, 4, p);
	case DLT_IPV6:
		return dec_ip(b, cap, wl, 6, p);
	case DLT_NULL:
		if (cap < 4)
			return R_TRUNC;
		/* the writer's byte order: the family is small, so the zero
		 * bytes say which end it is at */
		if (!b[0] && !b[1] && !b[2])
			return dec_af(b[3], b, cap, wl, p);
		if (!b[1] && !b[2] && !b[3])
			return dec_af(b[0], b, cap, wl, p);
		return R_OTHER;
	case DLT_LOOP:
		if (cap < 4)
			return R_TRUNC;
		return dec_af(be32(b), b, cap, wl, p);
	default:
		return -1;
	}
}

int nt_cap_decode(int dlt, const uint8_t *b, uint32_t caplen, uint32_t wirelen,
		  uint64_t ts_ns, struct nt_cap_pkt *p, enum nt_cap_bad *why)
{
	/* a frame longer than its wire length is a writer's error: the
	 * captured bytes are there, so the wire had at least them */
	uint32_t wl = wirelen < caplen ? caplen : wirelen;
	int rc;

	memset(p, 0, sizeof(*p));
	p->ts_ns = ts_ns;
	p->wirelen = wirelen;
	p->wscale = -1;
	if (!b)
		caplen = 0;
	rc = dec_link(dlt, b, caplen, wl, p);
	if (rc == R_OK || rc == R_OTHER) {
		if (rc == R_OTHER)
			p->kind = NT_CAPK_OTHER;
		if (why)
			*why = NT_CAPB_NONE;
		return 0;
	}
	if (why)
		*why = rc == R_TRUNC ? NT_CAPB_TRUNC : rc == R_MALF ? NT_CAPB_MALFORMED :
			NT_CAPB_LINK;
	return -EINVAL;
}
