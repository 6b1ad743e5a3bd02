/* Unit tests: the capture decoder (nt_cap_decode, nt_cap_dlt_ok) on frames
 * built byte by byte here: every link type, VLAN tags, IPv4 options, IPv6
 * extension headers, fragments, each TCP option, SACK blocks, bad option
 * lengths, every prefix of a frame (copied into a buffer of exactly that
 * size, so the sanitizer build sees any read past it), Ethernet padding,
 * IP length 0 (GSO), ICMP and ICMPv6 errors quoting TCP, non-TCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include "nt_capture.h"
#include "t.h"

struct fr {
	uint8_t b[2048];
	uint32_t n;
};

static void put(struct fr *f, const void *d, uint32_t n)
{
	if (!n)
		return; /* d may be NULL then */
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

static void put8(struct fr *f, uint32_t v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct fr *f, uint32_t v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct fr *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v);
}

static void fill(struct fr *f, uint32_t n)
{
	while (n--)
		put8(f, 0xa5);
}

static void eth(struct fr *f, uint32_t type)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	put(f, mac, 12);
	put16(f, type);
}

#define A4S "192.0.2.1"
#define A4D "198.51.100.2"
#define A6S "2001:db8::1"
#define A6D "2001:db8:1::2"

static void addr(struct fr *f, int fam, const char *s)
{
	uint8_t a[16];

	inet_pton(fam, s, a);
	put(f, a, fam == AF_INET ? 4 : 16);
}

/* IPv4 header, optlen (multiple of 4) bytes of NOP options; tot is the
 * total length field as given (payload + header when tot == ~0u). */
static void ip4(struct fr *f, uint32_t optlen, uint32_t proto, uint32_t payload,
		uint32_t fragfield, uint32_t tot)
{
	uint32_t ihl = 20 + optlen;

	put8(f, 0x40 | ihl / 4);
	put8(f, 0);
	put16(f, tot == ~0u ? ihl + payload : tot);
	put16(f, 0x1234);
	put16(f, fragfield);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	addr(f, AF_INET, A4S);
	addr(f, AF_INET, A4D);
	while (optlen--)
		put8(f, 1);
}

static void ip6(struct fr *f, uint32_t nh, uint32_t plen)
{
	put32(f, 0x60000000u);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	addr(f, AF_INET6, A6S);
	addr(f, AF_INET6, A6D);
}

/* TCP header with opts (padded with NOPs to a multiple of 4), then len
 * payload bytes. */
static uint32_t tcp_len(uint32_t optlen)
{
	return 20 + ((optlen + 3) & ~3u);
}

static void tcp(struct fr *f, uint32_t flags, const uint8_t *opts, uint32_t optlen,
		uint32_t len)
{
	uint32_t hl = tcp_len(optlen), i;

	put16(f, 40000);
	put16(f, 443);
	put32(f, 0x01020304u);
	put32(f, 0xa0b0c0d0u);
	put8(f, (hl / 4) << 4);
	put8(f, flags);
	put16(f, 29200);
	put16(f, 0);
	put16(f, 0);
	if (optlen)
		put(f, opts, optlen);
	for (i = optlen; i < hl - 20; i++)
		put8(f, 1);
	fill(f, len);
}

/* Decode f->b[0..caplen) from a heap copy of exactly caplen bytes. */
static int dec(int dlt, const struct fr *f, uint32_t caplen, uint32_t wirelen,
	       struct nt_cap_pkt *p, enum nt_cap_bad *why)
{
	uint8_t *b = malloc(caplen ? caplen : 1);
	int rc;

	if (!b)
		abort();
	memcpy(b, f->b, caplen);
	rc = nt_cap_decode(dlt, b, caplen, wirelen, 777, p, why);
	free(b);
	return rc;
}

/* The whole frame f (wire length f->n) cut at caplen is refused: why. */
static bool refused(int dlt, const struct fr *f, uint32_t caplen, enum nt_cap_bad want)
{
	struct nt_cap_pkt p;
	enum nt_cap_bad why = NT_CAPB_NONE;

	return dec(dlt, f, caplen, f->n, &p, &why) == -EINVAL && why == want;
}

/* The whole frame f decodes to kind OTHER. */
static bool is_other(int dlt, const struct fr *f)
{
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	return dec(dlt, f, f->n, f->n, &p, &why) == 0 && p.kind == NT_CAPK_OTHER &&
	       why == NT_CAPB_NONE;
}

static bool is_addr(const uint8_t *a, int fam, const char *s)
{
	uint8_t w[16] = { 0 };

	inet_pton(fam, s, w);
	return !memcmp(a, w, 16);
}

/* the tuple tcp() and ip4()/ip6() write */
static bool tuple_ok(const struct nt_cap_pkt *p, int fam)
{
	return p->t.family == fam && p->t.sport == 40000 && p->t.dport == 443 &&
	       !p->t.pad[0] && !p->t.pad[1] && !p->t.pad[2] &&
	       is_addr(p->t.src, fam, fam == AF_INET ? A4S : A6S) &&
	       is_addr(p->t.dst, fam, fam == AF_INET ? A4D : A6D);
}

static bool seg_ok(const struct nt_cap_pkt *p, int fam, uint32_t flags, uint32_t seglen)
{
	return p->kind == NT_CAPK_TCP && tuple_ok(p, fam) && p->seq == 0x01020304u &&
	       p->ack == 0xa0b0c0d0u && p->flags == flags && p->win == 29200 &&
	       p->seglen == seglen;
}

static void test_dlt_ok(void)
{
	static const int yes[] = { DLT_NULL, DLT_EN10MB, DLT_RAW, 14, 101, DLT_LOOP,
				   DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_IPV4, DLT_IPV6 };
	static const int no[] = { -1, 6, 9, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, 127,
				  DLT_USB_LINUX, 1000 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why = NT_CAPB_NONE;
	uint8_t b[64] = { 0x45 };
	size_t i;
	int good = 0, bad = 0;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		good += nt_cap_dlt_ok(yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		bad += nt_cap_dlt_ok(no[i]);
	T_EQ_I(good, (int)(sizeof(yes) / sizeof(yes[0])), "dlt_ok: every supported link type");
	T_EQ_I(bad, 0, "dlt_ok: 802.11, radiotap, USB, unknown refused");
	T_OK(nt_cap_decode(DLT_IEEE802_11, b, sizeof(b), sizeof(b), 0, &p, &why) == -EINVAL &&
	     why == NT_CAPB_LINK, "decode of an unsupported link type: -EINVAL, LINK");
}

static void test_eth4(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	int rc;

	eth(&f, 0x0800);
	ip4(&f, 0, 6, 20 + 100, 0x4000, ~0u);
	tcp(&f, NT_TCP_ACK | NT_TCP_PSH, NULL, 0, 100);
	rc = dec(DLT_EN10MB, &f, f.n, f.n, &p, &why);
	T_OK(rc == 0 && why == NT_CAPB_NONE, "eth/ipv4/tcp decodes");
	T_OK(seg_ok(&p, AF_INET, NT_TCP_ACK | NT_TCP_PSH, 100),
	     "  tuple, seq, ack, flags, win, seglen 100");
	T_OK(p.ts_ns == 777 && p.wirelen == f.n, "  ts and wirelen kept");
	T_OK(p.wscale == -1 && p.mss == 0 && !p.sack_perm && p.nsack == 0 && !p.ts_present,
	     "  no options: wscale -1, mss 0, no SACK, no timestamps");
	T_OK(nt_cap_decode(DLT_EN10MB, f.b, f.n, f.n, 1, &p, NULL) == 0,
	     "  why may be NULL");

	/* snapped at 54 + 10: seglen still from the IP length */
	rc = dec(DLT_EN10MB, &f, 64, f.n, &p, &why);
	T_OK(rc == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK | NT_TCP_PSH, 100),
	     "snapped frame keeps seglen from the IP length");
}

static void test_vlan(void)
{
	static const uint32_t tpid[] = { 0x8100, 0x88a8, 0x9100 };
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	size_t i;

	eth(&f, 0x88a8);
	put16(&f, 100);
	put16(&f, 0x8100);
	put16(&f, 200);
	put16(&f, 0x0800);
	ip4(&f, 0, 6, 20 + 7, 0, ~0u);
	tcp(&f, NT_TCP_ACK, NULL, 0, 7);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK, 7),
	     "802.1ad + 802.1Q double tag");
	T_OK(refused(DLT_EN10MB, &f, 20, NT_CAPB_TRUNC),
	     "  cut inside the second tag: TRUNC");
	for (i = 0; i < 3; i++) {
		f.n = 0;
		eth(&f, tpid[i]);
		put16(&f, 5);
		put16(&f, 0x86dd);
		ip6(&f, 6, 20);
		tcp(&f, NT_TCP_SYN, NULL, 0, 0);
		T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 &&
		     seg_ok(&p, AF_INET6, NT_TCP_SYN, 0), "single tag 0x%04x, IPv6", tpid[i]);
	}
	f.n = 0;
	eth(&f, 0x8100);
	put16(&f, 5);
	put16(&f, 0x0806);
	fill(&f, 28);
	T_OK(is_other(DLT_EN10MB, &f),
	     "tagged ARP: OTHER");
}

/* A link header (hlen bytes of h) in front of an IP packet, decoded as
 * dlt: the segment ip() wrote, or kind OTHER when other. */
static void link_case(int dlt, const uint8_t *h, uint32_t hlen, const struct fr *ipf,
		      int fam, uint32_t seglen, bool other, const char *what)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	int rc;

	put(&f, h, hlen);
	put(&f, ipf->b, ipf->n);
	rc = dec(dlt, &f, f.n, f.n, &p, &why);
	T_OK(rc == 0 && (other ? p.kind == NT_CAPK_OTHER : seg_ok(&p, fam, NT_TCP_ACK, seglen)),
	     "%s", what);
	if (hlen)
		T_OK(refused(dlt, &f, hlen - 1, NT_CAPB_TRUNC),
		     "  %s cut in the link header: TRUNC", what);
}

static void test_links(void)
{
	/* SLL: packet type, ARPHRD, address length, 8 address bytes,
	 * protocol; SLL2: protocol, reserved, ifindex, ARPHRD, packet type,
	 * address length, 8 address bytes */
	static const uint8_t sll4[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
	static const uint8_t sll6[16] = { 0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd };
	/* libpcap puts an offloaded VLAN tag where SLL's protocol was */
	static const uint8_t sll_q[20] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00,
					   0, 7, 0x86, 0xdd };
	static const uint8_t sll2_4[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2 };
	static const uint8_t sll2_6[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2 };
	static const uint8_t sll2_q[24] = { 0x81, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2,
					    [20] = 0, 7, 0x08, 0x00 };
	static const uint8_t sll2_arp[20] = { 0x08, 0x06 };
	static const uint8_t null4le[4] = { 2, 0, 0, 0 }, null4be[4] = { 0, 0, 0, 2 };
	static const uint8_t af6[][4] = { { 24, 0, 0, 0 }, { 0, 0, 0, 24 }, { 28, 0, 0, 0 },
					  { 0, 0, 0, 28 }, { 30, 0, 0, 0 }, { 0, 0, 0, 30 } };
	static const uint8_t null17[4] = { 0, 0, 0, 17 };
	struct fr ip = { .n = 0 }, ip6f = { .n = 0 };
	char what[64];
	size_t i;

	ip4(&ip, 0, 6, 20 + 5, 0, ~0u);
	tcp(&ip, NT_TCP_ACK, NULL, 0, 5);
	ip6(&ip6f, 6, 20 + 9);
	tcp(&ip6f, NT_TCP_ACK, NULL, 0, 9);

	link_case(DLT_LINUX_SLL, sll4, 16, &ip, AF_INET, 5, false, "Linux SLL, IPv4");
	link_case(DLT_LINUX_SLL, sll6, 16, &ip6f, AF_INET6, 9, false, "Linux SLL, IPv6");
	link_case(DLT_LINUX_SLL, sll_q, 20, &ip6f, AF_INET6, 9, false,
		  "Linux SLL with the VLAN tag libpcap inserts, IPv6");
	link_case(DLT_LINUX_SLL2, sll2_4, 20, &ip, AF_INET, 5, false, "Linux SLL2, IPv4");
	link_case(DLT_LINUX_SLL2, sll2_6, 20, &ip6f, AF_INET6, 9, false, "Linux SLL2, IPv6");
	link_case(DLT_LINUX_SLL2, sll2_q, 24, &ip, AF_INET, 5, false,
		  "Linux SLL2, 802.1Q tag after the header");
	link_case(DLT_LINUX_SLL2, sll2_arp, 20, &ip, AF_INET, 0, true, "Linux SLL2, ARP: OTHER");

	/* raw IP in each of its numbers */
	link_case(DLT_RAW, NULL, 0, &ip, AF_INET, 5, false, "DLT_RAW (12), IPv4 by the version");
	link_case(DLT_RAW, NULL, 0, &ip6f, AF_INET6, 9, false, "DLT_RAW (12), IPv6 by the version");
	link_case(14, NULL, 0, &ip, AF_INET, 5, false, "raw IP as 14 (OpenBSD's DLT_RAW)");
	link_case(101, NULL, 0, &ip6f, AF_INET6, 9, false, "raw IP as 101 (LINKTYPE_RAW)");
	link_case(DLT_IPV4, NULL, 0, &ip, AF_INET, 5, false, "DLT_IPV4");
	link_case(DLT_IPV6, NULL, 0, &ip6f, AF_INET6, 9, false, "DLT_IPV6");
	T_OK(refused(DLT_IPV4, &ip6f, ip6f.n, NT_CAPB_MALFORMED),
	     "DLT_IPV4 carrying version 6: MALFORMED");
	T_OK(refused(DLT_IPV6, &ip, ip.n, NT_CAPB_MALFORMED),
	     "DLT_IPV6 carrying version 4: MALFORMED");
	T_OK(refused(DLT_RAW, &ip, 0, NT_CAPB_TRUNC),
	     "DLT_RAW, 0 bytes captured: TRUNC");

	/* NULL: the family in either byte order; LOOP: network order */
	link_case(DLT_NULL, null4le, 4, &ip, AF_INET, 5, false, "DLT_NULL, AF_INET little-endian");
	link_case(DLT_NULL, null4be, 4, &ip, AF_INET, 5, false, "DLT_NULL, AF_INET big-endian");
	link_case(DLT_LOOP, null4be, 4, &ip, AF_INET, 5, false, "DLT_LOOP, AF_INET");
	link_case(DLT_LOOP, null4le, 4, &ip, AF_INET, 0, true,
		  "DLT_LOOP with a little-endian family: not IP, OTHER");
	for (i = 0; i < 6; i++) {
		snprintf(what, sizeof(what), "DLT_NULL, AF_INET6 = %u (%s-endian)",
			 af6[i][0] | af6[i][3], af6[i][0] ? "little" : "big");
		link_case(DLT_NULL, af6[i], 4, &ip6f, AF_INET6, 9, false, what);
		if (af6[i][3]) {
			snprintf(what, sizeof(what), "DLT_LOOP, AF_INET6 = %u", af6[i][3]);
			link_case(DLT_LOOP, af6[i], 4, &ip6f, AF_INET6, 9, false, what);
		}
	}
	link_case(DLT_NULL, null17, 4, &ip, AF_INET, 0, true, "DLT_NULL, another family: OTHER");
}

static void test_ip4_opts(void)
{
	static const uint32_t opt[] = { 4, 8, 40 };
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	size_t i;

	for (i = 0; i < 3; i++) {
		f.n = 0;
		eth(&f, 0x0800);
		ip4(&f, opt[i], 6, 20 + 33, 0, ~0u);
		tcp(&f, NT_TCP_ACK, NULL, 0, 33);
		T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 &&
		     seg_ok(&p, AF_INET, NT_TCP_ACK, 33), "IPv4 with IHL %u", (20 + opt[i]) / 4);
	}
	/* IHL 15 but the capture ends in the options */
	T_OK(refused(DLT_EN10MB, &f, 14 + 50, NT_CAPB_TRUNC),
	     "IHL 15 cut in the options: TRUNC");
	f.b[14] = 0x44;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "IHL 4: MALFORMED");
	f.b[14] = 0x55;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "version 5 under ethertype IPv4: MALFORMED");
	f.b[14] = 0x4f;
	f.b[16] = 0;
	f.b[17] = 59;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "total length 59 < IHL 60: MALFORMED");
	f.b[17] = 60 + 19;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "total length leaves 19 bytes for TCP: MALFORMED");
}

static void test_ip4_lengths(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	/* a bare ACK padded to the 60-byte Ethernet minimum */
	eth(&f, 0x0800);
	ip4(&f, 0, 6, 20, 0, ~0u);
	tcp(&f, NT_TCP_ACK, NULL, 0, 0);
	fill(&f, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK, 0),
	     "Ethernet padding: seglen 0 from the IP length, not 6");

	/* GSO super-frame: tot_len 0, wire length 14 + 20 + 20 + 64000,
	 * snapped at 128 */
	f.n = 0;
	eth(&f, 0x0800);
	ip4(&f, 0, 6, 0, 0, 0);
	tcp(&f, NT_TCP_ACK, NULL, 0, 128 - 54);
	T_OK(dec(DLT_EN10MB, &f, 128, 54 + 64000, &p, &why) == 0 &&
	     seg_ok(&p, AF_INET, NT_TCP_ACK, 64000), "tot_len 0 (GSO): seglen from wirelen");
	/* BIG TCP: more than 64 KiB */
	T_OK(dec(DLT_EN10MB, &f, 128, 54 + 180000, &p, &why) == 0 &&
	     seg_ok(&p, AF_INET, NT_TCP_ACK, 180000), "tot_len 0 (BIG TCP, 180000 bytes)");
	/* the largest Linux GSO frame (GSO_MAX_SIZE 524280 as tot_len) and
	 * one byte more; then a pcap len near 2^32 (the reviewer's frame) */
	T_OK(dec(DLT_EN10MB, &f, 128, 14 + 524280, &p, &why) == 0 &&
	     seg_ok(&p, AF_INET, NT_TCP_ACK, 524280 - 40), "tot_len 0: 524280 (GSO_MAX_SIZE) taken");
	T_OK(dec(DLT_EN10MB, &f, 128, 14 + 524281, &p, &why) == -EINVAL &&
	     why == NT_CAPB_MALFORMED, "tot_len 0: 524281 is MALFORMED");
	T_OK(dec(DLT_RAW, &(struct fr){ .n = 0 }, 0, 0, &p, &why) == -EINVAL,
	     "empty raw frame refused");
	{
		struct fr r = { .n = 0 };

		ip4(&r, 0, 6, 0, 0, 0);
		tcp(&r, NT_TCP_ACK, NULL, 0, 0);
		T_OK(dec(DLT_RAW, &r, r.n, 0xF0000000u, &p, &why) == -EINVAL &&
		     why == NT_CAPB_MALFORMED, "DLT_RAW tot_len 0, len 0xF0000000: MALFORMED");
		T_OK(dec(DLT_RAW, &r, r.n, 0x80000000u + 40, &p, &why) == -EINVAL &&
		     why == NT_CAPB_MALFORMED, "tot_len 0, seglen 2^31: MALFORMED");
	}

	/* tot_len larger than the wire had: clamped to the wire */
	f.n = 0;
	eth(&f, 0x0800);
	ip4(&f, 0, 6, 0, 0, 1500);
	tcp(&f, NT_TCP_ACK, NULL, 0, 100);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK, 100),
	     "tot_len beyond the wire length: clamped, seglen 100 (what was on the wire)");
	/* wirelen smaller than caplen (a writer's error): caplen counts */
	T_OK(dec(DLT_EN10MB, &f, f.n, 10, &p, &why) == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK, 100) &&
	     p.wirelen == 10, "wirelen < caplen: the captured bytes count, wirelen kept as given");
}

static void test_frag4(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	eth(&f, 0x0800);
	ip4(&f, 0, 6, 20 + 1460, 0x2000, ~0u);
	tcp(&f, NT_TCP_ACK, NULL, 0, 1460);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && seg_ok(&p, AF_INET, NT_TCP_ACK, 1460),
	     "first fragment (MF, offset 0): TCP, seglen of this fragment");
	f.b[20] = 0x20;
	f.b[21] = 0xb9; /* offset 185 * 8 = 1480, MF */
	T_OK(is_other(DLT_EN10MB, &f),
	     "non-first fragment: OTHER");
	f.b[20] = 0x00;
	T_OK(is_other(DLT_EN10MB, &f),
	     "last fragment: OTHER");
}

static void test_ip6_ext(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	uint32_t ext = 8 + 16 + 8 + 24;

	/* hop-by-hop (8), destination options (16), fragment (8, first),
	 * AH (24: payload len 4 => (4 + 2) * 4), TCP with 50 bytes */
	eth(&f, 0x86dd);
	ip6(&f, 0, ext + 20 + 50);
	put8(&f, 60), put8(&f, 0), fill(&f, 6);
	put8(&f, 44), put8(&f, 1), fill(&f, 14);
	put8(&f, 51), put8(&f, 0), put16(&f, 0x0001), put32(&f, 7);
	put8(&f, 6), put8(&f, 4), put16(&f, 0), fill(&f, 20);
	tcp(&f, NT_TCP_ACK, NULL, 0, 50);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && seg_ok(&p, AF_INET6, NT_TCP_ACK, 50),
	     "IPv6 hop-by-hop + dest options + first fragment + AH: seglen 50");
	T_OK(refused(DLT_EN10MB, &f, 14 + 40 + 8 + 10, NT_CAPB_TRUNC),
	     "IPv6 cut inside an extension header: TRUNC");
	/* the fragment's offset set: non-first */
	f.b[14 + 40 + 24 + 3] = 0xb8 | 1;
	f.b[14 + 40 + 24 + 2] = 0x05;
	T_OK(is_other(DLT_EN10MB, &f),
	     "IPv6 non-first fragment: OTHER");
	f.b[14 + 40 + 24 + 2] = 0;
	f.b[14 + 40 + 24 + 3] = 0;
	/* destination options claim more than the payload length */
	f.b[14 + 40 + 8 + 1] = 200;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "IPv6 extension header longer than the payload: MALFORMED");
	f.b[14 + 40 + 8 + 1] = 1;
	/* payload length 0 (GSO / jumbo): from the wire length */
	f.b[14 + 4] = 0;
	f.b[14 + 5] = 0;
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n + 1000, &p, &why) == 0 &&
	     seg_ok(&p, AF_INET6, NT_TCP_ACK, 1050), "IPv6 payload length 0: from wirelen");
	T_OK(dec(DLT_EN10MB, &f, f.n, 14 + 40 + 524280, &p, &why) == 0 &&
	     seg_ok(&p, AF_INET6, NT_TCP_ACK, 524280 - ext - 20),
	     "IPv6 payload length 0: 524280 (GSO_MAX_SIZE) taken");
	T_OK(dec(DLT_EN10MB, &f, f.n, 14 + 40 + 524281, &p, &why) == -EINVAL &&
	     why == NT_CAPB_MALFORMED, "IPv6 payload length 0: 524281 is MALFORMED");
	T_OK(dec(DLT_EN10MB, &f, f.n, 0xF0000000u, &p, &why) == -EINVAL &&
	     why == NT_CAPB_MALFORMED, "IPv6 payload length 0, len 0xF0000000: MALFORMED");

	f.n = 0;
	ip6(&f, 59, 0);
	T_OK(is_other(DLT_RAW, &f),
	     "IPv6 no next header (59): OTHER");
	f.n = 0;
	ip6(&f, 50, 24);
	fill(&f, 24);
	T_OK(is_other(DLT_RAW, &f),
	     "IPv6 ESP (50): OTHER");
	f.n = 0;
	ip6(&f, 43, 8 + 8);
	put8(&f, 17), put8(&f, 0), fill(&f, 6);
	fill(&f, 8);
	T_OK(is_other(DLT_RAW, &f),
	     "IPv6 routing header then UDP: OTHER");
	f.b[0] = 0x70;
	T_OK(refused(DLT_RAW, &f, f.n, NT_CAPB_MALFORMED),
	     "raw IP version 7: MALFORMED");
}

static int opt_dec(const uint8_t *o, uint32_t n, struct nt_cap_pkt *p)
{
	struct fr f = { .n = 0 };
	enum nt_cap_bad why;
	int rc;

	ip4(&f, 0, 6, tcp_len(n), 0, ~0u);
	tcp(&f, NT_TCP_SYN, o, n, 0);
	rc = dec(DLT_RAW, &f, f.n, f.n, p, &why);
	if (rc == 0 && !seg_ok(p, AF_INET, NT_TCP_SYN, 0))
		return -1;
	return rc;
}

static void test_tcp_opts(void)
{
	static const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0,
				       1, 3, 3, 7 };
	static const uint8_t ws15[] = { 3, 3, 15 };
	static const uint8_t eol[] = { 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t len0[] = { 4, 2, 1, 9, 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t len1[] = { 2, 4, 0x02, 0x18, 8, 1, 2, 4, 0x05, 0xb4 };
	static const uint8_t past[] = { 2, 4, 0x02, 0x18, 8, 30, 0, 0 };
	static const uint8_t wrong[] = { 2, 3, 0, 4, 3, 0, 3, 4, 7, 0, 1 };
	static const uint8_t cut[] = { 1, 1, 1, 2 };
	uint8_t sack[40];
	struct nt_cap_pkt p;
	uint32_t n, k;

	T_OK(opt_dec(syn, sizeof(syn), &p) == 0 && p.mss == 1460 && p.sack_perm &&
	     p.ts_present && p.tsval == 9 && p.tsecr == 0 && p.wscale == 7 && p.nsack == 0,
	     "SYN options: MSS 1460, SACK-permitted, timestamps 9/0, NOP, WS 7");
	T_OK(opt_dec(ws15, sizeof(ws15), &p) == 0 && p.wscale == 14,
	     "window scale 15 taken as 14 (RFC 7323)");
	T_OK(opt_dec(eol, sizeof(eol), &p) == 0 && p.mss == 0,
	     "EOL ends the options: the MSS after it is not read");
	T_OK(opt_dec(len0, sizeof(len0), &p) == 0 && p.sack_perm && p.mss == 0,
	     "option length 0 ends option parsing, not the packet (options before it kept)");
	T_OK(opt_dec(len1, sizeof(len1), &p) == 0 && p.mss == 536 && !p.ts_present,
	     "option length 1 ends option parsing");
	T_OK(opt_dec(past, sizeof(past), &p) == 0 && p.mss == 536 && !p.ts_present,
	     "option running past the header ends option parsing");
	T_OK(opt_dec(wrong, sizeof(wrong), &p) == 0 && p.mss == 0 && !p.sack_perm &&
	     p.wscale == -1, "known kinds with wrong lengths: skipped, values unread");
	T_OK(opt_dec(wrong + 3, 8, &p) == 0 && p.wscale == -1 && !p.sack_perm,
	     "SACK-permitted length 3, WS length 4: skipped");
	T_OK(opt_dec(cut, sizeof(cut), &p) == 0 && p.mss == 0,
	     "kind byte as the header's last byte: option parsing ends");

	for (n = 1; n <= 4; n++) {
		uint32_t i = 0;
		bool ok;

		sack[i++] = 1;
		sack[i++] = 1;
		sack[i++] = 5;
		sack[i++] = (uint8_t)(2 + 8 * n);
		for (k = 0; k < n; k++) {
			uint32_t le = 1000 * (k + 1), re = le + 500;

			sack[i++] = (uint8_t)(le >> 24), sack[i++] = (uint8_t)(le >> 16);
			sack[i++] = (uint8_t)(le >> 8), sack[i++] = (uint8_t)le;
			sack[i++] = (uint8_t)(re >> 24), sack[i++] = (uint8_t)(re >> 16);
			sack[i++] = (uint8_t)(re >> 8), sack[i++] = (uint8_t)re;
		}
		ok = opt_dec(sack, i, &p) == 0 && p.nsack == n;
		for (k = 0; ok && k < n; k++)
			ok = p.sack_le[k] == 1000 * (k + 1) && p.sack_re[k] == 1000 * (k + 1) + 500;
		T_OK(ok, "SACK with %u block(s): edges read", n);
	}
	sack[3] = 2 + 8 + 3;
	T_OK(opt_dec(sack, 4 + 11, &p) == 0 && p.nsack == 0,
	     "SACK length not 2 + 8n: no blocks");
	sack[3] = 2;
	T_OK(opt_dec(sack, 4, &p) == 0 && p.nsack == 0, "SACK with no block: none");
}

static void test_tcp_bad(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	eth(&f, 0x0800);
	ip4(&f, 0, 6, 20 + 12, 0, ~0u);
	tcp(&f, NT_TCP_ACK, NULL, 0, 12);
	f.b[14 + 20 + 12] = 0x40;
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "TCP data offset 4: MALFORMED");
	f.b[14 + 20 + 12] = 0x90; /* 36 bytes > the 32 the IP length leaves */
	T_OK(refused(DLT_EN10MB, &f, f.n, NT_CAPB_MALFORMED),
	     "TCP data offset past the IP payload: MALFORMED");
	f.b[14 + 20 + 12] = 0x80; /* 32: the whole payload, but cut at 60 */
	T_OK(refused(DLT_EN10MB, &f, 60, NT_CAPB_TRUNC),
	     "TCP options cut by the capture: TRUNC");
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && p.seglen == 0,
	     "TCP data offset 8 = the whole IP payload: seglen 0");
}

/* Every prefix of f: decodes to what the whole frame gives, or -EINVAL
 * with TRUNC; the prefixes from hdr on all decode. */
static void prefixes(int dlt, const struct fr *f, uint32_t hdr, const char *what)
{
	struct nt_cap_pkt full, p;
	enum nt_cap_bad why;
	uint32_t n, good = 0, trunc = 0, wrong = 0;

	if (dec(dlt, f, f->n, f->n, &full, &why)) {
		T_OK(0, "%s: the whole frame decodes", what);
		return;
	}
	for (n = 0; n <= f->n; n++) {
		int rc = dec(dlt, f, n, f->n, &p, &why);

		if (rc == 0 && !memcmp(&p.t, &full.t, sizeof(p.t)) && p.seq == full.seq &&
		    p.kind == full.kind && p.seglen == full.seglen && p.ack == full.ack &&
		    p.mss == full.mss && p.nsack == full.nsack && p.tsval == full.tsval)
			good++;
		else if (rc == -EINVAL && why == NT_CAPB_TRUNC)
			trunc++;
		else
			wrong++;
		if (rc == 0 && n < hdr)
			wrong++;
	}
	T_OK(wrong == 0 && good == f->n - hdr + 1 && trunc == hdr,
	     "%s: each of %u prefixes decodes the same (%u) or is TRUNC (%u)", what,
	     f->n + 1, good, trunc);
}

static void test_prefixes(void)
{
	static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0,
				     1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct fr f = { .n = 0 };

	eth(&f, 0x8100);
	put16(&f, 9);
	put16(&f, 0x0800);
	ip4(&f, 8, 6, tcp_len(sizeof(o)) + 20, 0, ~0u);
	tcp(&f, NT_TCP_ACK, o, sizeof(o), 20);
	prefixes(DLT_EN10MB, &f, 18 + 28 + tcp_len(sizeof(o)), "eth/vlan/ipv4+opts/tcp+opts");

	f.n = 0;
	eth(&f, 0x86dd);
	ip6(&f, 0, 8 + 20 + 10);
	put8(&f, 6), put8(&f, 0), fill(&f, 6);
	tcp(&f, NT_TCP_SYN, o, 4, 10);
	prefixes(DLT_EN10MB, &f, 14 + 40 + 8 + 24, "eth/ipv6+hbh/tcp");
}

static bool icmp_ok(const struct nt_cap_pkt *p, int fam, uint8_t type, uint8_t code)
{
	return p->kind == NT_CAPK_ICMP_ERR && tuple_ok(p, fam) && p->seq == 0x01020304u &&
	       p->icmp_type == type && p->icmp_code == code && p->ack == 0 && p->flags == 0 &&
	       p->seglen == 0;
}

/* ICMP error (type, code) from a router quoting an IPv4 header with
 * qopt option bytes and qtcp bytes of the TCP header. */
static void icmp4(struct fr *f, uint8_t type, uint8_t code, uint32_t qopt, uint32_t qtcp,
		  uint32_t qproto)
{
	struct fr t = { .n = 0 };

	tcp(&t, NT_TCP_ACK, NULL, 0, 0);
	f->n = 0;
	eth(f, 0x0800);
	ip4(f, 0, 1, 8 + 20 + qopt + qtcp, 0, ~0u);
	put8(f, type), put8(f, code), put16(f, 0), put32(f, type == 3 && code == 4 ? 1400 : 0);
	ip4(f, qopt, qproto, 1000, 0x4000, ~0u);
	put(f, t.b, qtcp);
}

static void test_icmp4(void)
{
	struct fr f;
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	uint32_t l;

	icmp4(&f, 3, 1, 0, 8, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET, 3, 1),
	     "ICMP host unreachable quoting IHL 5 + exactly 8 bytes of TCP");
	prefixes(DLT_EN10MB, &f, f.n, "ICMP unreachable frame");
	icmp4(&f, 3, 4, 40, 8, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET, 3, 4),
	     "ICMP fragmentation needed quoting IHL 15 + 8 bytes");
	icmp4(&f, 11, 0, 0, 20, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET, 11, 0),
	     "ICMP time exceeded quoting the whole TCP header");
	icmp4(&f, 12, 0, 4, 8, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET, 12, 0),
	     "ICMP parameter problem quoting IHL 6");
	icmp4(&f, 3, 3, 0, 7, 6);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && p.kind == NT_CAPK_OTHER &&
	     p.t.family == 0 && p.seq == 0,
	     "ICMP quoting 7 bytes of TCP: OTHER, nothing of the quote kept");
	icmp4(&f, 3, 3, 0, 8, 17);
	T_OK(is_other(DLT_EN10MB, &f),
	     "ICMP quoting UDP: OTHER");
	icmp4(&f, 5, 1, 0, 8, 6);
	T_OK(is_other(DLT_EN10MB, &f),
	     "ICMP redirect: OTHER");
	icmp4(&f, 0, 0, 0, 8, 6);
	T_OK(is_other(DLT_EN10MB, &f),
	     "ICMP echo reply: OTHER");
	icmp4(&f, 11, 0, 0, 8, 6);
	f.b[14 + 28 + 6] = 0x00;
	f.b[14 + 28 + 7] = 0x10;
	T_OK(is_other(DLT_EN10MB, &f),
	     "ICMP quoting a non-first fragment: OTHER");
	icmp4(&f, 11, 0, 0, 8, 6);
	T_OK(refused(DLT_EN10MB, &f, f.n - 1, NT_CAPB_TRUNC),
	     "ICMP quote the capture cut: TRUNC");
	l = f.n;
	f.b[14 + 3] = (uint8_t)(l - 14 - 1); /* the IP length holds 7 quoted bytes */
	T_OK(is_other(DLT_EN10MB, &f),
	     "ICMP whose IP length holds 7 quoted bytes: OTHER");
}

static void test_icmp6(void)
{
	struct fr f = { .n = 0 }, t = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	tcp(&t, NT_TCP_ACK, NULL, 0, 0);
	eth(&f, 0x86dd);
	ip6(&f, 58, 8 + 40 + 8);
	put8(&f, 2), put8(&f, 0), put16(&f, 0), put32(&f, 1280);
	ip6(&f, 6, 1400);
	put(&f, t.b, 8);
	T_OK(dec(DLT_EN10MB, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET6, 2, 0),
	     "ICMPv6 packet too big quoting IPv6 + 8 bytes of TCP");
	prefixes(DLT_EN10MB, &f, f.n, "ICMPv6 packet-too-big frame");

	f.n = 0;
	ip6(&f, 58, 8 + 40 + 16 + 8);
	put8(&f, 1), put8(&f, 3), put16(&f, 0), put32(&f, 0);
	ip6(&f, 60, 1400);
	put8(&f, 6), put8(&f, 1), fill(&f, 14);
	put(&f, t.b, 8);
	T_OK(dec(DLT_IPV6, &f, f.n, f.n, &p, &why) == 0 && icmp_ok(&p, AF_INET6, 1, 3),
	     "ICMPv6 unreachable quoting IPv6 + destination options + TCP");
	f.b[40 + 8 + 40 + 1] = 9; /* the option header now runs past the quote */
	T_OK(is_other(DLT_IPV6, &f),
	     "ICMPv6 whose quoted extension header runs past the quote: OTHER");

	f.n = 0;
	ip6(&f, 58, 8 + 40 + 8);
	put8(&f, 128), put8(&f, 0), fill(&f, 54);
	T_OK(is_other(DLT_IPV6, &f),
	     "ICMPv6 echo request: OTHER");
}

static void test_other(void)
{
	struct fr f = { .n = 0 };
	struct nt_cap_pkt p;
	enum nt_cap_bad why;

	eth(&f, 0x0800);
	ip4(&f, 0, 17, 8 + 4, 0, ~0u);
	put16(&f, 53), put16(&f, 5353), put16(&f, 12), put16(&f, 0);
	fill(&f, 4);
	T_OK(is_other(DLT_EN10MB, &f) &&
	     why == NT_CAPB_NONE, "UDP: OTHER");
	f.n = 0;
	eth(&f, 0x0806);
	put16(&f, 1), put16(&f, 0x0800), put8(&f, 6), put8(&f, 4), put16(&f, 1);
	fill(&f, 20);
	T_OK(is_other(DLT_EN10MB, &f),
	     "ARP: OTHER");
	T_OK(refused(DLT_EN10MB, &f, 13, NT_CAPB_TRUNC),
	     "Ethernet cut at 13 bytes: TRUNC");
	T_OK(nt_cap_decode(DLT_EN10MB, NULL, 0, 60, 0, &p, &why) == -EINVAL &&
	     why == NT_CAPB_TRUNC, "no bytes at all: TRUNC");
}

int main(void)
{
	test_dlt_ok();
	test_eth4();
	test_vlan();
	test_links();
	test_ip4_opts();
	test_ip4_lengths();
	test_frag4();
	test_ip6_ext();
	test_tcp_opts();
	test_tcp_bad();
	test_prefixes();
	test_icmp4();
	test_icmp6();
	test_other();
	return T_DONE();
}
