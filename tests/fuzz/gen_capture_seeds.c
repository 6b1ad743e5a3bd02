/* Seed corpus for fuzz_capture (make fuzz-seeds): one file per link type
 * with canned frames written out as hex (Ethernet with tags, SLL, SLL2,
 * raw IPv4/IPv6, NULL both byte orders, LOOP, IPv6 extension headers,
 * ICMP and ICMPv6 errors quoting TCP, a snapped and a cut frame), and
 * whole TCP conversations (handshake, data, a retransmission, duplicate
 * ACKs, zero window, RST, FIN) for the flow table, as raw frames and as
 * fuzz_capture's segment records. The format is fuzz_capture's: selector
 * byte, then [wmode][u16 caplen][bytes] records, or (selector bit 6)
 * 14-byte segment records. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nlgen.h"

/* selector bytes: indexes into fuzz_capture's dlts[] */
enum { S_ETH = 0, S_SLL = 1, S_SLL2 = 2, S_RAW = 3, S_IPV4 = 6, S_IPV6 = 7, S_NULL = 8,
       S_LOOP = 9, S_BAD = 13 };

struct out {
	uint8_t b[16384];
	size_t n;
};

#define ETH   "020000000002 020000000001 "
#define IP4   "4500 %04x 1234 4000 4006 0000 c0000201 c6336402 "
#define TCPH  "9c40 01bb %08x %08x %02x%02x %04x 0000 0000 "
#define IP6   "60000000 %04x %02x40 20010db8000000000000000000000001 " \
	      "20010db8000100000000000000000002 "

/* hex text (spaces ignored) into a record with wire mode wmode */
static void rec(struct out *o, uint8_t wmode, const char *hex)
{
	size_t at = o->n + 3, n = 0;
	unsigned v;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1 || at + n >= sizeof(o->b))
			exit(1);
		o->b[at + n++] = (uint8_t)v;
		hex += 2;
	}
	o->b[o->n] = wmode;
	o->b[o->n + 1] = (uint8_t)(n >> 8);
	o->b[o->n + 2] = (uint8_t)n;
	o->n = at + n;
}

/* An Ethernet/IPv4/TCP segment with len payload bytes (0xaa). */
static void seg4(struct out *o, int rev, uint32_t seq, uint32_t ack, unsigned flags,
		 unsigned win, unsigned len)
{
	char h[8192];
	int k;
	unsigned i;

	k = snprintf(h, sizeof(h), rev ? "020000000001 020000000002 0800 "
		     "4500 %04x 1234 4000 4006 0000 c6336402 c0000201 "
		     "01bb 9c40 %08x %08x 50%02x %04x 0000 0000 " :
		     ETH "0800 " IP4 "9c40 01bb %08x %08x 50%02x %04x 0000 0000 ",
		     40 + len, seq, ack, flags, win);
	for (i = 0; i < len && k + 2 < (int)sizeof(h); i++)
		k += snprintf(h + k, sizeof(h) - (size_t)k, "aa");
	rec(o, 0, h);
}

/* A segment record of fuzz_capture (see its seg_frame): opt bit 0 from
 * the server, bit 2 SYN options with window scale 7, bit 3 a SACK block;
 * len payload bytes; step time steps of 200 us. */
static void segrec(struct out *o, unsigned opt, uint32_t seq, uint32_t ack, unsigned flags,
		   unsigned win, unsigned len, unsigned step)
{
	uint8_t *r = o->b + o->n;

	r[0] = (uint8_t)flags;
	r[1] = (uint8_t)(opt | (opt & 4 ? 7 << 4 : 0));
	r[2] = (uint8_t)(seq >> 24), r[3] = (uint8_t)(seq >> 16);
	r[4] = (uint8_t)(seq >> 8), r[5] = (uint8_t)seq;
	r[6] = (uint8_t)(ack >> 24), r[7] = (uint8_t)(ack >> 16);
	r[8] = (uint8_t)(ack >> 8), r[9] = (uint8_t)ack;
	r[10] = (uint8_t)(win >> 8), r[11] = (uint8_t)win;
	r[12] = (uint8_t)(len >> 3);
	r[13] = (uint8_t)(step << 3 | (len & 7));
	o->n += 14;
}

/* handshake, data, a timeout retransmission, 3 duplicate ACKs (SACK) and
 * a fast retransmission, a zero window and its probe, a RST */
static void conversation(struct out *o)
{
	uint32_t c = 1000, s = 5000, i;

	segrec(o, 4, c, 0, 0x02, 64240, 0, 0);
	segrec(o, 5, s, c + 1, 0x12, 65160, 0, 25);
	segrec(o, 0, c + 1, s + 1, 0x10, 502, 0, 25);
	for (i = 0; i < 4; i++)
		segrec(o, 0, c + 1 + 1448 * i, s + 1, 0x18, 502, 1448, 1);
	segrec(o, 1, s + 1, c + 1 + 1448, 0x10, 509, 0, 25);
	segrec(o, 0, c + 1 + 1448, s + 1, 0x18, 502, 1448, 31);
	segrec(o, 9, s + 1, c + 1 + 1448, 0x10, 509, 0, 1);
	segrec(o, 9, s + 1, c + 1 + 1448, 0x10, 509, 0, 1);
	segrec(o, 9, s + 1, c + 1 + 1448, 0x10, 509, 0, 1);
	segrec(o, 0, c + 1 + 1448, s + 1, 0x18, 502, 1448, 2);
	segrec(o, 1, s + 1, c + 1 + 4 * 1448, 0x10, 0, 0, 25);
	segrec(o, 0, c + 1 + 4 * 1448, s + 1, 0x10, 502, 1, 31);
	segrec(o, 1, s + 1, c + 1 + 4 * 1448, 0x10, 509, 0, 25);
	segrec(o, 1, s + 1, c + 1 + 4 * 1448, 0x14, 0, 0, 3);
	segrec(o, 6, 9000, 0, 0x02, 64240, 0, 3);
}

static void put(const char *dir, const char *name, uint8_t sel, const struct out *o)
{
	if (nlgen_write_sel(dir, name, sel, o->b, o->n))
		exit(1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	static struct out o;
	char h[1024];

	/* Ethernet: SYN with MSS, SACK-permitted, timestamps, NOP, WS 7;
	 * a double-tagged data segment; a snapped one; ARP; a cut one */
	o.n = 0;
	snprintf(h, sizeof(h), ETH "0800 " IP4 TCPH "020405b4 0402080a 00000009 00000000 01030307",
		 60, 1000u, 0u, 0xa0, 0x02, 64240);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), ETH "88a8 0064 8100 00c8 0800 " IP4 TCPH "aaaaaaaa",
		 44, 1001u, 5001u, 0x50, 0x18, 502);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), ETH "0800 " IP4 TCPH "0101050a 00000001 00000002 aaaa",
		 20 + 32 + 2, 1005u, 5001u, 0x80, 0x10, 502);
	rec(&o, 4, h);
	rec(&o, 0, ETH "0806 0001 0800 0604 0001 020000000001 c0000201 000000000000 c6336402");
	snprintf(h, sizeof(h), ETH "0800 " IP4 "9c40 01bb", 1500);
	rec(&o, 6, h);
	put(dir, "eth", S_ETH, &o);

	/* GSO: total length 0 and a long wire */
	o.n = 0;
	snprintf(h, sizeof(h), ETH "0800 " IP4 TCPH "aaaaaaaa", 0, 1u, 1u, 0x50, 0x10, 1000);
	rec(&o, 250, h);
	put(dir, "eth-gso", S_ETH, &o);

	/* raw IPv4: tot_len 0 with a pcap len past the GSO bound (wmode 0xf7:
	 * 2^32 - 1) between two normal segments of a flow (MALFORMED, and
	 * the flow judges no loss) */
	o.n = 0;
	snprintf(h, sizeof(h), IP4 TCPH "aaaaaaaa", 44, 1u, 1u, 0x50, 0x10, 1000);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), IP4 TCPH, 0, 5u, 1u, 0x50, 0x10, 1000);
	rec(&o, 0xf7, h);
	snprintf(h, sizeof(h), IP4 TCPH "aaaaaaaa", 44, 5u, 1u, 0x50, 0x10, 1000);
	rec(&o, 0, h);
	put(dir, "raw-hugelen", S_RAW, &o);

	/* Linux SLL and SLL2 */
	o.n = 0;
	snprintf(h, sizeof(h), "0000 0001 0006 0200000000010000 0800 " IP4 TCPH,
		 40, 7u, 9u, 0x50, 0x10, 100);
	rec(&o, 0, h);
	put(dir, "sll", S_SLL, &o);
	o.n = 0;
	snprintf(h, sizeof(h), "86dd 0000 00000003 0001 04 06 0200000000010000 " IP6 TCPH,
		 20, 6, 7u, 9u, 0x50, 0x12, 100);
	rec(&o, 0, h);
	put(dir, "sll2", S_SLL2, &o);

	/* raw IPv4 (IHL 6), raw IPv6 with hop-by-hop + destination options,
	 * and a non-first fragment */
	o.n = 0;
	snprintf(h, sizeof(h), "4600 %04x 1234 4000 4006 0000 c0000201 c6336402 01010101 " TCPH,
		 44, 3u, 4u, 0x50, 0x10, 10);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), IP6 "3c00 0000 0000 0000 0600 0000 0000 0000 " TCPH "aa",
		 16 + 21, 0, 3u, 4u, 0x50, 0x10, 10);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), IP6 "0600 00b9 00000007 aaaaaaaa", 12, 44);
	rec(&o, 0, h);
	put(dir, "raw", S_RAW, &o);
	o.n = 0;
	snprintf(h, sizeof(h), IP4 TCPH, 40, 3u, 4u, 0x50, 0x04, 0);
	rec(&o, 0, h);
	put(dir, "ipv4", S_IPV4, &o);

	/* NULL in both byte orders, LOOP */
	o.n = 0;
	snprintf(h, sizeof(h), "02000000 " IP4 TCPH, 40, 3u, 4u, 0x50, 0x11, 0);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), "0000001e " IP6 TCPH, 20, 6, 3u, 4u, 0x50, 0x10, 0);
	rec(&o, 0, h);
	put(dir, "null", S_NULL, &o);
	o.n = 0;
	snprintf(h, sizeof(h), "00000018 " IP6 TCPH, 20, 6, 3u, 4u, 0x50, 0x10, 0);
	rec(&o, 0, h);
	put(dir, "loop", S_LOOP, &o);

	/* ICMP fragmentation needed quoting IPv4 + 8 bytes of TCP, time
	 * exceeded quoting IHL 15; ICMPv6 packet too big */
	o.n = 0;
	snprintf(h, sizeof(h), ETH "0800 4500 0038 0001 0000 4001 0000 cb007101 c0000201 "
		 "0304 0000 0000 0578 " IP4 "9c40 01bb 00001000", 1500);
	rec(&o, 0, h);
	snprintf(h, sizeof(h), ETH "0800 4500 0060 0001 0000 4001 0000 cb007101 c0000201 "
		 "0b00 0000 0000 0000 4f00 05dc 1234 4000 0106 0000 c0000201 c6336402 "
		 "%s 9c40 01bb 00001000",
		 "0101010101010101010101010101010101010101010101010101010101010101"
		 "0101010101010101");
	rec(&o, 0, h);
	snprintf(h, sizeof(h), ETH "86dd " IP6 "0200 0000 00000500 " IP6 "9c40 01bb 00001000",
		 8 + 40 + 8, 58, 1400, 6);
	rec(&o, 0, h);
	put(dir, "icmp", S_ETH, &o);

	/* a conversation: handshake, data, a retransmission, 3 duplicate
	 * ACKs and a fast retransmission, a zero window, FIN, then port
	 * reuse and a RST from the server */
	o.n = 0;
	seg4(&o, 0, 1000, 0, 0x02, 64240, 0);
	seg4(&o, 1, 5000, 1001, 0x12, 65160, 0);
	seg4(&o, 0, 1001, 5001, 0x10, 502, 0);
	seg4(&o, 0, 1001, 5001, 0x18, 502, 100);
	seg4(&o, 0, 1101, 5001, 0x18, 502, 100);
	seg4(&o, 0, 1101, 5001, 0x18, 502, 100);
	seg4(&o, 1, 5001, 1201, 0x10, 509, 0);
	seg4(&o, 0, 1301, 5001, 0x18, 502, 100);
	seg4(&o, 1, 5001, 1201, 0x10, 509, 0);
	seg4(&o, 1, 5001, 1201, 0x10, 509, 0);
	seg4(&o, 1, 5001, 1201, 0x10, 509, 0);
	seg4(&o, 0, 1201, 5001, 0x18, 502, 100);
	seg4(&o, 1, 5001, 1401, 0x10, 0, 0);
	seg4(&o, 0, 1400, 5001, 0x10, 502, 1);
	seg4(&o, 1, 5001, 1401, 0x10, 509, 0);
	seg4(&o, 0, 1401, 5001, 0x11, 502, 0);
	seg4(&o, 1, 5001, 1402, 0x11, 509, 0);
	seg4(&o, 0, 1402, 5002, 0x10, 502, 0);
	seg4(&o, 0, 9000, 0, 0x02, 64240, 0);
	seg4(&o, 1, 0, 9001, 0x14, 0, 0);
	put(dir, "flow", S_ETH, &o);

	/* the same conversation as segment records, IPv4 and IPv6, in a
	 * table of 100 flows and of 1 (the second flow evicts the first) */
	o.n = 0;
	conversation(&o);
	put(dir, "seg4", 0x40 | 0x30, &o);
	put(dir, "seg6-evict", 0xc0, &o);

	/* an unsupported link type */
	o.n = 0;
	rec(&o, 0, "0000 0000 4500");
	put(dir, "badlink", S_BAD, &o);
	return 0;
}
