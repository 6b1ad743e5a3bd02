/* pcapgen: the capture fixtures of tests/cli/capture.sh and the bench's
 * big capture, written with libpcap's dump API (pcapng blocks by hand:
 * libpcap 1.10 cannot write pcapng).
 *
 *   pcapgen SCENARIO OUT
 *   pcapgen bench OUT NPACKETS NFLOWS [LOSS_PERMILLE]
 *   pcapgen list
 *
 * Writes one capture to OUT and prints its known answer on stdout as one
 * line of key=value pairs. Every count is added up from the frames as they
 * are written: each frame carries tags saying what it was built to be (a
 * retransmission, a duplicate ACK, ...), and the counts are the sums of
 * the tags of the frames that reached the file (a cut last record counts
 * nothing). The meaning of each count is Wireshark's (packet-tcp.c,
 * tcp_analyze_sequence_number, 4.0): retrans counts every retransmission
 * of any kind, fast_retrans and spurious_retrans are subsets of it.
 * Deterministic: no clock, a fixed PRNG seed. Addresses only from the
 * documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* 2026-01-01T00:00:00Z */
#define T0_NS (1767225600ull * 1000000000ull)
#define US 1000ull
#define MS 1000000ull

enum {
	TG_RETRANS = 1u << 0,  /* a timeout-like retransmission */
	TG_FAST = 1u << 1,     /* fast retransmission (also a retransmission) */
	TG_SPUR = 1u << 2,     /* spurious retransmission (also a retransmission) */
	TG_OOO = 1u << 3,
	TG_LOST = 1u << 4,     /* the segment before this one was not captured */
	TG_ACKUNSEEN = 1u << 5,
	TG_DUP = 1u << 6,
	TG_ZWP = 1u << 7,
	TG_WFULL = 1u << 8,
	TG_KA = 1u << 9,
	TG_REUSE = 1u << 10,   /* SYN on a finished 5-tuple */
	TG_NODELIVER = 1u << 11, /* captured, lost after the capture point */
	TG_NOCAPTURE = 1u << 12, /* sent, not captured: not written at all */
};

/* The known answer. */
struct ans {
	uint64_t packets, tcp_packets, bytes, payload_bytes, data_segments;
	uint64_t flows, retrans, fast_retrans, spurious_retrans, out_of_order;
	uint64_t lost_segments, acked_unseen, dup_acks, zero_windows;
	uint64_t zero_window_probes, window_full, keep_alives, rsts, rsts_server;
	uint64_t port_reuse, icmp_errors;
	double handshake_rtt_ms, irtt_ms, zero_window_ms;
	uint64_t zw_since;
	uint32_t last_cap, last_len;   /* the last frame written */
	char src[48], dst[48];         /* the first flow's client, server */
	unsigned sport, dport;
	int truncated;
};

struct out {
	const char *path;
	int dlt;
	bool vlan;             /* Ethernet with an 802.1Q tag */
	bool ng;               /* pcapng written by hand */
	uint32_t snaplen;
	pcap_t *pd;
	pcap_dumper_t *d;
	FILE *f;               /* pcapng */
	uint64_t t;            /* now, ns */
	uint64_t limit;        /* stop after this many frames (bench), 0 none */
	struct ans a;
	uint8_t buf[70000];
};

struct conv {
	bool v6;
	uint8_t addr[2][16];   /* [0] client, [1] server */
	uint16_t port[2];
	uint32_t isn[2];
	uint32_t nxt[2];       /* next new sequence number each side sends */
	uint32_t rcv[2];       /* what each side acknowledges */
	uint16_t win[2];       /* raw window field after the SYNs */
	uint8_t wscale;
	uint32_t tsoff[2];
	uint32_t tslast[2];    /* last TSval each side sent */
	uint16_t ipid[2];
	uint16_t mss;
	uint32_t ifidx;        /* pcapng interface */
	uint64_t syn_t;
	bool first;            /* this flow's handshake sets the answer's RTTs */
};

/* ---- PRNG (xorshift64*, fixed seed) ---- */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* ---- checksums ---- */
/* Add b[0..n) as big-endian 16-bit words to sum. The words are summed in
 * native order 8 bytes at a time and swapped once (a ones'-complement
 * sum commutes with byte swapping, RFC 1071): the bench checksums half a
 * gigabyte. */
static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	uint64_t acc = 0, w;
	uint32_t x;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	for (; i + 2 <= n; i += 2) {
		uint16_t h;

		memcpy(&h, b + i, 2);
		acc += h;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	x = (uint32_t)acc;
	x = htons((uint16_t)x);
	sum += x;
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- output ---- */
static void ng_block(struct out *o, uint32_t type, const uint8_t *body, size_t n)
{
	uint8_t h[8], pad[4] = { 0 };
	uint32_t len = (uint32_t)(12 + ((n + 3) & ~(size_t)3));

	memcpy(h, &type, 4);
	memcpy(h + 4, &len, 4);
	fwrite(h, 1, 8, o->f);
	fwrite(body, 1, n, o->f);
	fwrite(pad, 1, ((n + 3) & ~(size_t)3) - n, o->f);
	fwrite(&len, 1, 4, o->f);
}

/* pcapng Interface Description Block: link type, snaplen, if_tsresol 9 */
static void ng_idb(struct out *o, int linktype)
{
	uint8_t b[8 + 8 + 4];
	uint16_t lt = (uint16_t)linktype, z = 0, code = 9, olen = 1;
	uint32_t snap = o->snaplen;

	memcpy(b, &lt, 2);
	memcpy(b + 2, &z, 2);
	memcpy(b + 4, &snap, 4);
	memcpy(b + 8, &code, 2);
	memcpy(b + 10, &olen, 2);
	memset(b + 12, 0, 4);
	b[12] = 9;                 /* 10^-9 s */
	memset(b + 16, 0, 4);      /* opt_endofopt */
	ng_block(o, 1, b, sizeof(b));
}

static int out_open(struct out *o, const char *path, int dlt, uint32_t snaplen)
{
	o->path = path;
	o->dlt = dlt;
	o->snaplen = snaplen;
	o->t = T0_NS;
	if (o->ng) {
		uint8_t shb[16];
		uint32_t bom = 0x1A2B3C4D;
		uint16_t maj = 1, min = 0;
		int64_t slen = -1;

		o->f = fopen(path, "wb");
		if (!o->f) {
			fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
			return -1;
		}
		memcpy(shb, &bom, 4);
		memcpy(shb + 4, &maj, 2);
		memcpy(shb + 6, &min, 2);
		memcpy(shb + 8, &slen, 8);
		ng_block(o, 0x0A0D0D0A, shb, sizeof(shb));
		ng_idb(o, dlt);
		return 0;
	}
	o->pd = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen,
						     PCAP_TSTAMP_PRECISION_NANO);
	if (!o->pd) {
		fprintf(stderr, "pcapgen: pcap_open_dead failed\n");
		return -1;
	}
	o->d = pcap_dump_open(o->pd, path);
	if (!o->d) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, pcap_geterr(o->pd));
		return -1;
	}
	return 0;
}

static int out_close(struct out *o)
{
	int bad = 0;

	if (o->ng) {
		bad = ferror(o->f) | fclose(o->f);
	} else {
		pcap_dump_flush(o->d);
		bad = ferror(pcap_dump_file(o->d));
		pcap_dump_close(o->d);
		pcap_close(o->pd);
	}
	if (bad)
		fprintf(stderr, "pcapgen: %s: write failed\n", o->path);
	return bad ? -1 : 0;
}

/* Write one frame of len bytes at o->t (caplen: at most the snaplen). */
static void out_frame(struct out *o, const uint8_t *b, uint32_t len, uint32_t ifidx)
{
	uint32_t cap = len < o->snaplen ? len : o->snaplen;

	if (o->ng) {
		uint8_t h[20];
		uint64_t ts = o->t;
		uint32_t hi = (uint32_t)(ts >> 32), lo = (uint32_t)ts;
		size_t n = 20 + cap;
		uint8_t *body = o->buf + sizeof(o->buf) / 2;

		memcpy(h, &ifidx, 4);
		memcpy(h + 4, &hi, 4);
		memcpy(h + 8, &lo, 4);
		memcpy(h + 12, &cap, 4);
		memcpy(h + 16, &len, 4);
		memcpy(body, h, 20);
		memcpy(body + 20, b, cap);
		ng_block(o, 6, body, n);
	} else {
		struct pcap_pkthdr ph;

		ph.ts.tv_sec = (time_t)(o->t / 1000000000ull);
		/* nanosecond file: tv_usec carries nanoseconds */
		ph.ts.tv_usec = (suseconds_t)(o->t % 1000000000ull);
		ph.caplen = cap;
		ph.len = len;
		pcap_dump((u_char *)o->d, &ph, b);
	}
	o->a.packets++;
	o->a.last_cap = cap;
	o->a.last_len = len;
}

/* ---- frame building ---- */

/* Link header for an IP packet of family v6 into b; returns its length. */
static size_t link_hdr(const struct out *o, uint8_t *b, bool v6, int dir)
{
	static const uint8_t mac[2][6] = {
		{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 },
		{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 },
	};
	uint16_t et = v6 ? 0x86DD : 0x0800;

	switch (o->dlt) {
	case DLT_EN10MB:
		memcpy(b, mac[!dir], 6);
		memcpy(b + 6, mac[dir], 6);
		if (o->vlan) {
			put16(b + 12, 0x8100);
			put16(b + 14, 0x0064); /* PCP 0, VID 100 */
			put16(b + 16, et);
			return 18;
		}
		put16(b + 12, et);
		return 14;
	case DLT_LINUX_SLL:
		/* packet type: 0 to us (server's view: client sends), 4 outgoing */
		put16(b, dir == 0 ? 0 : 4);
		put16(b + 2, 1);       /* ARPHRD_ETHER */
		put16(b + 4, 6);
		memset(b + 6, 0, 8);
		memcpy(b + 6, mac[dir], 6);
		put16(b + 14, et);
		return 16;
	case DLT_LINUX_SLL2:
		put16(b, et);
		put16(b + 2, 0);
		put32(b + 4, 2);       /* ifindex */
		put16(b + 8, 1);       /* ARPHRD_ETHER */
		b[10] = dir == 0 ? 0 : 4;
		b[11] = 6;
		memset(b + 12, 0, 8);
		memcpy(b + 12, mac[dir], 6);
		return 20;
	case DLT_NULL: {
		/* host byte order address family: BSD AF_INET 2, AF_INET6 24 */
		uint32_t af = v6 ? 24 : 2;

		memcpy(b, &af, 4);
		return 4;
	}
	default: /* DLT_RAW */
		return 0;
	}
}

/* IP header (no options) for an upper-layer payload of plen bytes,
 * protocol proto, from addr[src] to addr[!src]; returns its length. */
static size_t ip_hdr(uint8_t *b, const struct conv *c, int src, uint8_t proto,
		     uint32_t plen, uint16_t id, uint8_t ttl)
{
	if (c->v6) {
		put32(b, 0x60000000u);
		put16(b + 4, plen);
		b[6] = proto;
		b[7] = ttl;
		memcpy(b + 8, c->addr[src], 16);
		memcpy(b + 24, c->addr[!src], 16);
		return 40;
	}
	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, 20 + plen);
	put16(b + 4, id);
	put16(b + 6, 0x4000);          /* DF */
	b[8] = ttl;
	b[9] = proto;
	put16(b + 10, 0);
	memcpy(b + 12, c->addr[src], 4);
	memcpy(b + 16, c->addr[!src], 4);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
	return 20;
}

/* Transport checksum with the pseudo-header, over seg[0..n). */
static uint16_t l4_csum(const struct conv *c, int src, uint8_t proto,
			const uint8_t *seg, uint32_t n)
{
	uint32_t sum = 0;
	uint8_t ph[8];

	if (c->v6) {
		sum = csum_add(sum, c->addr[src], 16);
		sum = csum_add(sum, c->addr[!src], 16);
		put32(ph, n);
		put32(ph + 4, proto);
	} else {
		sum = csum_add(sum, c->addr[src], 4);
		sum = csum_add(sum, c->addr[!src], 4);
		ph[0] = 0;
		ph[1] = proto;
		put16(ph + 2, n);
		sum = csum_add(sum, ph, 4);
		return csum_fold(csum_add(sum, seg, n));
	}
	sum = csum_add(sum, ph, 8);
	return csum_fold(csum_add(sum, seg, n));
}

static uint32_t ts_now(const struct out *o, const struct conv *c, int dir)
{
	return (uint32_t)((o->t - T0_NS) / MS) + c->tsoff[dir];
}

/* The payload of side dir at sequence s: byte k of the stream is
 * 'a' + (7k + 3 dir) mod 26, the same bytes whenever a range is sent
 * again. The pattern repeats every 26 bytes: copy it from a table. */
#define PAT_MAX 4096
static uint8_t pat[2][26 + PAT_MAX];

static void pat_init(void)
{
	uint32_t d, j;

	for (d = 0; d < 2; d++)
		for (j = 0; j < sizeof(pat[0]); j++)
			pat[d][j] = (uint8_t)('a' + (j * 7 + d * 3) % 26);
}

static void payload(const struct conv *c, int dir, uint32_t s, uint32_t len, uint8_t *to)
{
	uint32_t k = s - c->isn[dir] - 1;

	memcpy(to, pat[dir] + k % 26, len);
}

struct seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint32_t len;
	uint32_t tags;
	uint8_t nsack;
	uint32_t sack[4][2];
};

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* Build the TCP segment (header + options + payload) into t, return its
 * length. */
static uint32_t tcp_build(const struct out *o, struct conv *c, int dir,
			  const struct seg *s, uint8_t *t)
{
	uint8_t *op = t + 20;
	uint32_t tsv = ts_now(o, c, dir), hl, i;

	if (s->flags & F_SYN) {
		op[0] = 2; op[1] = 4; put16(op + 2, c->mss);
		op[4] = 4; op[5] = 2;                  /* SACK permitted */
		op[6] = 8; op[7] = 10; put32(op + 8, tsv);
		put32(op + 12, (s->flags & F_ACK) ? c->tslast[!dir] : 0);
		op[16] = 1; op[17] = 3; op[18] = 3; op[19] = c->wscale;
		op += 20;
	} else if (!(s->flags & F_RST)) {
		op[0] = 1; op[1] = 1; op[2] = 8; op[3] = 10;
		put32(op + 4, tsv);
		put32(op + 8, c->tslast[!dir]);
		op += 12;
		if (s->nsack) {
			op[0] = 1; op[1] = 1; op[2] = 5; op[3] = (uint8_t)(2 + 8 * s->nsack);
			op += 4;
			for (i = 0; i < s->nsack; i++) {
				put32(op, s->sack[i][0]);
				put32(op + 4, s->sack[i][1]);
				op += 8;
			}
		}
	}
	if (!(s->flags & F_RST))
		c->tslast[dir] = tsv;
	hl = (uint32_t)(op - t);
	put16(t, c->port[dir]);
	put16(t + 2, c->port[!dir]);
	put32(t + 4, s->seq);
	put32(t + 8, (s->flags & F_ACK) ? s->ack : 0);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = s->flags;
	put16(t + 14, s->win);
	put16(t + 16, 0);
	put16(t + 18, 0);
	payload(c, dir, s->seq, s->len, t + hl);
	put16(t + 16, l4_csum(c, dir, 6, t, hl + s->len));
	return hl + s->len;
}

static void count(struct out *o, const struct conv *c, int dir, const struct seg *s,
		  uint32_t wirelen)
{
	struct ans *a = &o->a;
	uint32_t g = s->tags;

	a->tcp_packets++;
	a->bytes += wirelen;
	a->payload_bytes += s->len;
	a->data_segments += s->len > 0;
	a->retrans += !!(g & (TG_RETRANS | TG_FAST | TG_SPUR));
	a->fast_retrans += !!(g & TG_FAST);
	a->spurious_retrans += !!(g & TG_SPUR);
	a->out_of_order += !!(g & TG_OOO);
	a->lost_segments += !!(g & TG_LOST);
	a->acked_unseen += !!(g & TG_ACKUNSEEN);
	a->dup_acks += !!(g & TG_DUP);
	a->zero_window_probes += !!(g & TG_ZWP);
	a->window_full += !!(g & TG_WFULL);
	a->keep_alives += !!(g & TG_KA);
	a->port_reuse += !!(g & TG_REUSE);
	/* Wireshark's zero window: a window of 0 outside SYN, FIN and RST */
	if (s->win == 0 && !(s->flags & (F_SYN | F_FIN | F_RST))) {
		a->zero_windows++;
		if (!a->zw_since)
			a->zw_since = o->t;
	} else if (a->zw_since && !(s->flags & F_RST) && (s->flags & F_ACK) && dir == 1) {
		/* the zero-window receiver is the server in every scenario */
		a->zero_window_ms += (double)(o->t - a->zw_since) / 1e6;
		a->zw_since = 0;
	}
	if (s->flags & F_RST) {
		a->rsts++;
		a->rsts_server += dir == 1;
	}
	if ((s->flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK) && c->first && !a->flows)
		a->handshake_rtt_ms = (double)(o->t - c->syn_t) / 1e6;
	(void)c;
}

/* Emit one TCP segment from side dir of c at o->t. */
static void emit(struct out *o, struct conv *c, int dir, const struct seg *s)
{
	uint8_t *b = o->buf;
	size_t lh, ih;
	uint32_t tl;

	if (o->limit && o->a.packets >= o->limit)
		return;
	lh = link_hdr(o, b, c->v6, dir);
	ih = c->v6 ? 40 : 20;
	tl = tcp_build(o, c, dir, s, b + lh + ih);
	ip_hdr(b + lh, c, dir, 6, tl, c->ipid[dir]++, 64);
	/* receiver side: in-order data that arrives moves its ack point */
	if (!(s->tags & TG_NODELIVER)) {
		uint32_t end = s->seq + s->len + !!(s->flags & (F_SYN | F_FIN));

		if (s->flags & F_SYN)
			c->rcv[!dir] = end;
		else if (s->seq == c->rcv[!dir] && end != s->seq)
			c->rcv[!dir] = end;
	}
	if (s->tags & TG_NOCAPTURE)
		return;
	out_frame(o, b, (uint32_t)(lh + ih + tl), c->ifidx);
	count(o, c, dir, s, (uint32_t)(lh + ih + tl));
}

/* ---- conversation helpers ---- */

static void conv_init(struct conv *c, bool v6, int n, uint16_t cport, uint16_t sport)
{
	memset(c, 0, sizeof(*c));
	c->v6 = v6;
	if (v6) {
		static const uint8_t p[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		memcpy(c->addr[0], p, 16);
		memcpy(c->addr[1], p, 16);
		c->addr[0][3] = 0xb8;
		c->addr[0][5] = 1;
		c->addr[0][14] = (uint8_t)(n >> 8);
		c->addr[0][15] = (uint8_t)(n | 1);
		c->addr[1][5] = 2;
		c->addr[1][15] = 0x80;
		c->mss = 1428;
	} else {
		c->addr[0][0] = 192; c->addr[0][1] = 0; c->addr[0][2] = 2;
		c->addr[0][3] = (uint8_t)(10 + n % 200);
		c->addr[1][0] = 198; c->addr[1][1] = 51; c->addr[1][2] = 100;
		c->addr[1][3] = (uint8_t)(80 + n / 200 % 100);
		c->mss = 1448;
	}
	c->port[0] = cport;
	c->port[1] = sport;
	c->isn[0] = 0x1a2b3c4du * (uint32_t)(n + 1);
	c->isn[1] = 0x5e6f7081u * (uint32_t)(n + 3) + 12345;
	c->nxt[0] = c->isn[0];
	c->nxt[1] = c->isn[1];
	c->win[0] = 502;
	c->win[1] = 509;
	c->wscale = 7;
	c->tsoff[0] = 1000000u + 7919u * (uint32_t)n;
	c->tsoff[1] = 3000000u + 104729u * (uint32_t)n;
	c->ipid[0] = (uint16_t)(0x1000 + n * 17);
	c->ipid[1] = (uint16_t)(0x8000 + n * 31);
	c->first = true;
}

/* Segment of side dir: flags, at seq, len bytes, acking rcv[dir]. */
static void tx(struct out *o, struct conv *c, int dir, uint8_t flags, uint32_t seq,
	       uint32_t len, uint32_t tags)
{
	struct seg s = { 0 };

	s.flags = flags;
	s.seq = seq;
	s.ack = c->rcv[dir];
	s.win = c->win[dir];
	s.len = len;
	s.tags = tags;
	emit(o, c, dir, &s);
}

/* 3-way handshake: SYN, SYN/ACK after a ms, ACK after b ms (a capture at
 * the client sees a = the path RTT, b ~ 0; at the server the reverse). */
static void handshake(struct out *o, struct conv *c, double a_ms, double b_ms, uint32_t tags)
{
	struct seg s = { 0 };

	c->syn_t = o->t;
	s.flags = F_SYN;
	s.seq = c->isn[0];
	s.win = 64240;
	s.tags = tags;
	emit(o, c, 0, &s);
	c->nxt[0] = c->isn[0] + 1;
	o->t += (uint64_t)(a_ms * 1e6);
	s.flags = F_SYN | F_ACK;
	s.seq = c->isn[1];
	s.ack = c->rcv[1];
	s.win = 65160;
	s.tags = 0;
	emit(o, c, 1, &s);
	c->nxt[1] = c->isn[1] + 1;
	o->t += (uint64_t)(b_ms * 1e6);
	tx(o, c, 0, F_ACK, c->nxt[0], 0, 0);
	if (c->first && !o->a.flows) {
		int af = c->v6 ? AF_INET6 : AF_INET;

		o->a.irtt_ms = (double)(o->t - c->syn_t) / 1e6;
		inet_ntop(af, c->addr[0], o->a.src, sizeof(o->a.src));
		inet_ntop(af, c->addr[1], o->a.dst, sizeof(o->a.dst));
		o->a.sport = c->port[0];
		o->a.dport = c->port[1];
	}
	o->a.flows++;
}

/* New data of side dir; returns its first sequence number. */
static uint32_t data(struct out *o, struct conv *c, int dir, uint32_t len, uint32_t tags)
{
	uint32_t seq = c->nxt[dir];

	tx(o, c, dir, F_ACK | F_PSH, seq, len, tags);
	c->nxt[dir] += len;
	return seq;
}

static void ack(struct out *o, struct conv *c, int dir, uint32_t tags)
{
	tx(o, c, dir, F_ACK, c->nxt[dir], 0, tags);
}

static void fin(struct out *o, struct conv *c, int dir)
{
	tx(o, c, dir, F_FIN | F_ACK, c->nxt[dir], 0, 0);
	c->nxt[dir]++;
}

/* FIN both ways and the last ACK, client first. */
static void close_both(struct out *o, struct conv *c, double rtt_ms)
{
	fin(o, c, 0);
	o->t += (uint64_t)(rtt_ms * 1e6);
	fin(o, c, 1);
	o->t += 50 * US;
	ack(o, c, 0, 0);
}

/* Flow n of a scenario: client 40001 + n to port sport, the handshake
 * (see there for a and b), then the client's request of reqlen bytes
 * (none when 0). */
static void open_flow(struct out *o, struct conv *c, bool v6, int n, uint16_t sport,
		      double a_ms, double b_ms, uint32_t reqlen)
{
	conv_init(c, v6, n, (uint16_t)(40001 + n), sport);
	handshake(o, c, a_ms, b_ms, 0);
	if (reqlen)
		data(o, c, 0, reqlen, 0);
}

/* The client's ACK of what it has in order, with one SACK block. */
static void sack_ack(struct out *o, struct conv *c, uint32_t le, uint32_t re, uint32_t tags)
{
	struct seg d = { 0 };

	d.flags = F_ACK;
	d.seq = c->nxt[0];
	d.ack = c->rcv[0];
	d.win = c->win[0];
	d.tags = tags;
	d.nsack = 1;
	d.sack[0][0] = le;
	d.sack[0][1] = re;
	emit(o, c, 0, &d);
}

/* Client request of reqlen bytes, server response in nseg segments of
 * the MSS, the client acking every second one. */
static void transfer(struct out *o, struct conv *c, uint32_t reqlen, int nseg, double rtt_ms)
{
	int i;

	data(o, c, 0, reqlen, 0);
	o->t += (uint64_t)(rtt_ms * 1e6);
	for (i = 0; i < nseg; i++) {
		data(o, c, 1, c->mss, 0);
		o->t += 120 * US;
		if (i % 2 == 1 || i == nseg - 1) {
			ack(o, c, 0, 0);
			o->t += 30 * US;
		}
	}
}

/* n MSS-sized server segments 20 us apart into s[0..n); bit i of
 * nodeliver: segment i is lost after the capture point. */
static void server_burst(struct out *o, struct conv *c, uint32_t *s, int n, uint32_t nodeliver)
{
	int i;

	for (i = 0; i < n; i++) {
		s[i] = data(o, c, 1, c->mss, (nodeliver >> i & 1) ? TG_NODELIVER : 0);
		o->t += 20 * US;
	}
}

/* ---- scenarios ---- */

static void sc_clean(struct out *o)
{
	struct conv c;

	open_flow(o, &c, false, 0, 80, 12.5, 0.05, 0);
	transfer(o, &c, 120, 10, 12.5);
	o->t += 5 * MS;
	close_both(o, &c, 12.5);
}

/* Captured at the server: segments 4..6 of 8 are lost after the capture
 * point; after an RTO-like 210 ms the server retransmits them. */
static void sc_retrans3(struct out *o)
{
	struct conv c;
	uint32_t s[8];

	open_flow(o, &c, false, 1, 80, 0.05, 8.0, 200);
	o->t += 100 * US;
	server_burst(o, &c, s, 6, 0x38);
	o->t += 8 * MS;
	ack(o, &c, 0, 0);          /* acks 1..3 */
	o->t += 210 * MS;
	tx(o, &c, 1, F_ACK, s[3], c.mss, TG_RETRANS);
	o->t += 8 * MS;
	ack(o, &c, 0, 0);
	o->t += 100 * US;
	tx(o, &c, 1, F_ACK, s[4], c.mss, TG_RETRANS);
	o->t += 20 * US;
	tx(o, &c, 1, F_ACK | F_PSH, s[5], c.mss, TG_RETRANS);
	o->t += 8 * MS;
	ack(o, &c, 0, 0);
	server_burst(o, &c, s + 6, 2, 0);
	o->t += 8 * MS;
	ack(o, &c, 0, 0);
	o->t += 2 * MS;
	close_both(o, &c, 8.0);
}

/* Captured at the server: segment 3 of 6 is lost after the capture point,
 * the client sends three duplicate ACKs (with SACK blocks), the server
 * retransmits 5 ms after the third. */
static void sc_fastretrans(struct out *o)
{
	struct conv c;
	uint32_t s[8];
	int i;

	open_flow(o, &c, false, 2, 443, 0.05, 10.0, 300);
	o->t += 100 * US;
	server_burst(o, &c, s, 6, 0x04);
	o->t += 10 * MS;
	ack(o, &c, 0, 0);          /* 1, 2 */
	for (i = 0; i < 3; i++) {
		o->t += 40 * US;
		sack_ack(o, &c, s[3], s[3] + (uint32_t)(i + 1) * c.mss, TG_DUP);
	}
	o->t += 5 * MS;
	tx(o, &c, 1, F_ACK, s[2], c.mss, TG_FAST);
	o->t += 10 * MS;
	c.rcv[0] = c.nxt[1];       /* the hole is filled: everything acked */
	ack(o, &c, 0, 0);
	server_burst(o, &c, s + 6, 2, 0);
	o->t += 10 * MS;
	ack(o, &c, 0, 0);
	o->t += 1 * MS;
	close_both(o, &c, 10.0);
}

/* Captured at the server: the client's ACK of segments 1..2 is delayed
 * past the server's RTO; the server retransmits segment 2 after the ACK
 * covering it was captured: spurious. The client answers with a D-SACK
 * duplicate ACK. */
static void sc_spurious(struct out *o)
{
	struct conv c;
	uint32_t s2;

	open_flow(o, &c, false, 3, 8080, 0.05, 15.0, 150);
	o->t += 100 * US;
	data(o, &c, 1, c.mss, 0);
	o->t += 20 * US;
	s2 = data(o, &c, 1, c.mss, 0);
	o->t += 300 * MS;
	ack(o, &c, 0, 0);          /* acks both */
	o->t += 40 * US;
	tx(o, &c, 1, F_ACK | F_PSH, s2, c.mss, TG_SPUR);
	o->t += 15 * MS;
	sack_ack(o, &c, s2, s2 + c.mss, TG_DUP);
	o->t += 1 * MS;
	data(o, &c, 1, 500, 0);
	o->t += 15 * MS;
	ack(o, &c, 0, 0);
	close_both(o, &c, 15.0);
}

/* Captured at the client (iRTT 30 ms): segment 2 of 4 arrives 0.4 ms
 * after segment 3. Segment 3 jumps past the expected sequence (Wireshark:
 * previous segment not captured); the client's duplicate ACK follows;
 * segment 2 fills the hole within the iRTT: out-of-order. */
static void sc_ooo(struct out *o)
{
	struct conv c;
	uint32_t s2, s3;

	open_flow(o, &c, false, 4, 80, 30.0, 0.05, 100);
	o->t += 30 * MS;
	data(o, &c, 1, c.mss, 0);
	o->t += 50 * US;
	s2 = c.nxt[1];
	s3 = s2 + c.mss;
	c.nxt[1] = s3;
	/* segment 2 is sent now but captured later: build it then */
	tx(o, &c, 1, F_ACK, s3, c.mss, TG_LOST);
	c.nxt[1] = s3 + c.mss;
	o->t += 30 * US;
	sack_ack(o, &c, s3, s3 + c.mss, 0);
	o->t += 400 * US;
	tx(o, &c, 1, F_ACK, s2, c.mss, TG_OOO);
	c.rcv[0] = c.nxt[1];
	o->t += 30 * US;
	ack(o, &c, 0, 0);
	data(o, &c, 1, c.mss, 0);
	o->t += 200 * US;
	ack(o, &c, 0, 0);
	o->t += 1 * MS;
	close_both(o, &c, 30.0);
}

/* Captured at the client, the capture misses segment 4 of 6 (a kernel
 * drop): segment 5 jumps past the expected sequence (previous segment not
 * captured), the client's ACK of 3..5 covers the missing one (ACKed
 * unseen). The ACK comes after segment 5 as in a real burst: Wireshark
 * flags every ACK beyond the highest continuous sequence it saw, until a
 * segment starts there again (packet-tcp.c maxseqtobeacked), so an ACK
 * between 4 and 5 would be flagged and the one after 5 again. */
static void sc_lost(struct out *o)
{
	struct conv c;
	int i;

	open_flow(o, &c, false, 5, 80, 20.0, 0.05, 100);
	o->t += 20 * MS;
	for (i = 0; i < 5; i++) {
		data(o, &c, 1, c.mss, i == 3 ? TG_NOCAPTURE : i == 4 ? TG_LOST : 0);
		o->t += 100 * US;
		if (i == 1) {
			ack(o, &c, 0, 0);
			o->t += 20 * US;
		}
	}
	ack(o, &c, 0, TG_ACKUNSEEN);   /* 3, 4, 5 */
	o->t += 100 * US;
	data(o, &c, 1, c.mss, 0);
	o->t += 50 * US;
	ack(o, &c, 0, 0);
	o->t += 1 * MS;
	close_both(o, &c, 20.0);
}

/* The server answers a request with a little data and then a RST. */
static void sc_rst(struct out *o)
{
	struct conv c;

	open_flow(o, &c, false, 6, 5432, 5.0, 0.05, 80);
	o->t += 5 * MS;
	data(o, &c, 1, 300, 0);
	o->t += 200 * US;
	ack(o, &c, 0, 0);
	o->t += 2 * MS;
	data(o, &c, 0, 64, 0);
	o->t += 5 * MS;
	tx(o, &c, 1, F_RST | F_ACK, c.nxt[1], 0, 0);
}

/* Captured at the client: the server's receive window fills (window
 * full), it advertises zero, the client probes twice (one byte each), the
 * server ACKs the probes with window zero, then opens the window. */
static void sc_zerowin(struct out *o)
{
	struct conv c;
	int i;

	open_flow(o, &c, false, 7, 9000, 2.0, 0.05, 1024);
	o->t += 2 * MS;
	c.win[1] = 24;                 /* 24 << 7 = 3072 bytes */
	ack(o, &c, 1, 0);
	o->t += 50 * US;
	for (i = 0; i < 3; i++) {
		data(o, &c, 0, 1024, i == 2 ? TG_WFULL : 0);
		o->t += 50 * US;
	}
	o->t += 2 * MS;
	c.win[1] = 0;
	ack(o, &c, 1, 0);
	for (i = 0; i < 2; i++) {
		o->t += (uint64_t)(200 << i) * MS;
		/* one byte beyond the window, not advancing the sequence */
		tx(o, &c, 0, F_ACK, c.nxt[0], 1, TG_ZWP);
		c.rcv[1] = c.nxt[0];   /* the byte is not accepted */
		o->t += 2 * MS;
		ack(o, &c, 1, 0);
	}
	o->t += 150 * MS;
	c.win[1] = 256;
	ack(o, &c, 1, 0);              /* window update */
	o->t += 2 * MS;
	data(o, &c, 0, 1024, 0);
	o->t += 50 * US;
	data(o, &c, 0, 1024, 0);
	o->t += 2 * MS;
	ack(o, &c, 1, 0);
	close_both(o, &c, 2.0);
}

/* IPv6, captured at the client: one response segment is lost after the
 * capture point... at the server, so the timeout retransmission is seen. */
static void sc_ipv6(struct out *o)
{
	struct conv c;
	uint32_t s;
	int i;

	open_flow(o, &c, true, 8, 443, 0.05, 25.0, 517);
	o->t += 100 * US;
	for (i = 0; i < 4; i++) {
		data(o, &c, 1, c.mss, 0);
		o->t += 30 * US;
	}
	s = data(o, &c, 1, 700, TG_NODELIVER);
	o->t += 25 * MS;
	ack(o, &c, 0, 0);
	o->t += 230 * MS;
	tx(o, &c, 1, F_ACK | F_PSH, s, 700, TG_RETRANS);
	o->t += 25 * MS;
	ack(o, &c, 0, 0);
	o->t += 3 * MS;
	close_both(o, &c, 25.0);
}

/* A TCP flow and a router's ICMP "fragmentation needed" (next-hop MTU
 * 1400) quoting the client's 1448-byte segment (IP header + 8 bytes);
 * the client at once sends the data again in two smaller segments. By
 * Wireshark's rules (its out-of-order test comes before the
 * retransmission test) the first, resent within the iRTT of the original
 * and not ending at the highest sequence, is out-of-order; the second,
 * ending there, is a retransmission. */
static void sc_icmp(struct out *o)
{
	struct conv c, r;
	uint32_t s, tl, ql;
	uint8_t *b = o->buf, q[28];
	size_t lh, ih;
	struct seg sg = { 0 };

	open_flow(o, &c, false, 9, 22, 0.05, 6.0, 0);
	o->t += 200 * US;
	/* the quoted segment as sent: build it to copy its first 28 bytes */
	s = c.nxt[0];
	sg.flags = F_ACK | F_PSH;
	sg.seq = s;
	sg.ack = c.rcv[0];
	sg.win = c.win[0];
	sg.len = c.mss;
	tl = tcp_build(o, &c, 0, &sg, b + 200);
	ip_hdr(b + 180, &c, 0, 6, tl, c.ipid[0], 64);
	memcpy(q, b + 180, 28);
	data(o, &c, 0, c.mss, TG_NODELIVER);
	o->t += 3 * MS;
	/* ICMP from the router 198.51.100.1 to the client */
	memset(&r, 0, sizeof(r));
	memcpy(r.addr[0], "\xc6\x33\x64\x01", 4);
	memcpy(r.addr[1], c.addr[0], 4);
	lh = link_hdr(o, b, false, 1);
	ih = 20;
	ql = 8 + 28;
	b[lh + ih] = 3;            /* destination unreachable */
	b[lh + ih + 1] = 4;        /* fragmentation needed */
	put16(b + lh + ih + 2, 0);
	put16(b + lh + ih + 4, 0);
	put16(b + lh + ih + 6, 1400);
	memcpy(b + lh + ih + 8, q, 28);
	put16(b + lh + ih + 2, csum_fold(csum_add(0, b + lh + ih, ql)));
	ip_hdr(b + lh, &r, 0, 1, ql, 0x2222, 254);
	out_frame(o, b, (uint32_t)(lh + ih + ql), 0);
	o->a.icmp_errors++;
	o->t += 100 * US;
	c.mss = 1348;
	tx(o, &c, 0, F_ACK, s, 1348, TG_OOO);
	o->t += 20 * US;
	tx(o, &c, 0, F_ACK | F_PSH, s + 1348, 100, TG_RETRANS);
	o->t += 6 * MS;
	ack(o, &c, 1, 0);
	data(o, &c, 1, 400, 0);
	o->t += 6 * MS;
	ack(o, &c, 0, 0);
	close_both(o, &c, 6.0);
}

/* A complete flow, then 30 s later a new SYN (new ISN) on the same
 * 5-tuple: a second flow. */
static void sc_portreuse(struct out *o)
{
	struct conv c;

	open_flow(o, &c, false, 10, 80, 4.0, 0.05, 0);
	transfer(o, &c, 90, 2, 4.0);
	close_both(o, &c, 4.0);
	o->t += 30000 * MS;
	c.isn[0] += 0x01000000u;
	c.isn[1] += 0x02000000u;
	c.rcv[0] = c.rcv[1] = 0;
	c.first = false;
	handshake(o, &c, 4.0, 0.05, TG_REUSE);
	transfer(o, &c, 90, 2, 4.0);
	close_both(o, &c, 4.0);
}

/* A short exchange, then the client's keep-alives (sequence one below the
 * next, no data) every 75 s, each ACKed by the server. */
static void sc_keepalive(struct out *o)
{
	struct conv c;
	int i;

	open_flow(o, &c, false, 11, 6379, 1.0, 0.05, 40);
	o->t += 1 * MS;
	data(o, &c, 1, 60, 0);
	o->t += 40 * MS;
	ack(o, &c, 0, 0);
	for (i = 0; i < 2; i++) {
		o->t += 75000 * MS;
		tx(o, &c, 0, F_ACK, c.nxt[0] - 1, 0, TG_KA);
		o->t += 1 * MS;
		ack(o, &c, 1, 0);
	}
	o->t += 10 * MS;
	close_both(o, &c, 1.0);
}

/* The small flow every link type carries: a request, three response
 * segments, one of them retransmitted after a timeout, FINs. */
static void small_flow_n(struct out *o, int n)
{
	struct conv c;
	uint32_t s;

	open_flow(o, &c, false, n, 80, 0.05, 3.0, 100);
	o->t += 100 * US;
	data(o, &c, 1, c.mss, 0);
	o->t += 20 * US;
	s = data(o, &c, 1, c.mss, TG_NODELIVER);
	o->t += 3 * MS;
	ack(o, &c, 0, 0);
	o->t += 200 * MS;
	tx(o, &c, 1, F_ACK | F_PSH, s, c.mss, TG_RETRANS);
	o->t += 3 * MS;
	ack(o, &c, 0, 0);
	data(o, &c, 1, 333, 0);
	o->t += 3 * MS;
	ack(o, &c, 0, 0);
	close_both(o, &c, 3.0);
}

static void small_flow(struct out *o)
{
	small_flow_n(o, 12);
}

/* 40 small flows one after another (each done before the next starts),
 * 10 ms apart: a table of a few flows evicts only finished ones, so its
 * totals must equal an unbounded table's. */
static void sc_serial(struct out *o)
{
	int n;

	for (n = 0; n < 40; n++) {
		small_flow_n(o, 30 + n);
		o->t += 10 * MS;
	}
}

/* One flow of 3000 random segments after a handshake (fixed seed): either
 * side; sequence next, -1, -1000 or +1000; ACKs jittered; 0, 1, 500 or
 * 1000 bytes; windows 0, 3 or 1000..2000; PSH, FIN, RST now and then, a
 * SYN with the same or a new ISN now and then; one data segment in 25
 * not captured. The counts it was built to hold are only the stateless
 * ones (packets, bytes, data segments, RSTs, zero windows); the analysis
 * counts are judged against tshark alone (P2's random cross-check). */
static void sc_random(struct out *o)
{
	static const uint32_t lens[] = { 0, 0, 1, 500, 1000 };
	struct conv c;
	uint64_t rs = 0x243F6A8885A308D3ull;
	int i;

	open_flow(o, &c, false, 14, 80, 1.0, 0.05, 0);
	for (i = 0; i < 3000; i++) {
		uint64_t r = rng_next(&rs);
		int dir = (int)(r & 1);
		uint32_t len = lens[(r >> 1) % 5], seq = c.nxt[dir], tags = 0;
		uint32_t k = (uint32_t)(r >> 8) % 8, w = (uint32_t)(r >> 16) % 15;
		uint8_t fl = F_ACK;

		o->t += (r >> 24) % 5000 * US;
		if (k == 5)
			seq -= 1;
		else if (k == 6)
			seq -= 1000;
		else if (k == 7)
			seq += 1000;
		c.rcv[dir] = c.nxt[!dir] - ((r >> 32) % 4 == 0 ? (uint32_t)(r >> 34) % 2000 : 0);
		c.win[dir] = (uint16_t)(w == 0 ? 0 : w == 1 ? 3 : 1000 + (r >> 40) % 1000);
		if (len)
			fl |= F_PSH;
		if ((r >> 48) % 50 == 0)
			fl |= F_FIN;
		if ((r >> 48) % 100 == 1) {
			fl = F_RST | F_ACK;
			len = 0;
		}
		if (dir == 0 && (r >> 48) % 200 == 2) {
			fl = F_SYN;
			len = 0;
			if ((r >> 56) & 1)
				c.isn[0] += 0x10000000u;
			seq = c.isn[0];
		}
		if (len && (r >> 58) % 25 == 0)
			tags = TG_NOCAPTURE;
		tx(o, &c, dir, fl, seq, len, tags);
		if (fl & F_SYN)
			c.nxt[0] = c.isn[0] + 1;
		else if ((int32_t)(seq + len + !!(fl & F_FIN) - c.nxt[dir]) > 0)
			c.nxt[dir] = seq + len + !!(fl & F_FIN);
	}
}

/* Data segments of 1448 bytes captured with a 96-byte snaplen. */
static void sc_snap(struct out *o)
{
	struct conv c;

	open_flow(o, &c, false, 13, 80, 0.05, 7.0, 0);
	transfer(o, &c, 250, 6, 7.0);
	close_both(o, &c, 7.0);
}

/* ---- bench ---- */

struct bflow {
	struct conv c;
	int state;           /* 0 handshake, 1 data, 2 retransmit s_pend */
	uint32_t pend;       /* the unacked segment to retransmit */
	uint32_t nseg;
};

static void bench(struct out *o, uint64_t npackets, uint32_t nflows, uint32_t loss)
{
	struct bflow *f = calloc(nflows, sizeof(*f));
	uint64_t rs = 0x9E3779B97F4A7C15ull;
	uint32_t i, next_id = 0;
	const uint32_t seglen = 1448;

	if (!f) {
		fprintf(stderr, "pcapgen: out of memory\n");
		exit(1);
	}
	o->limit = npackets;
	for (i = 0; i < nflows; i++) {
		conv_init(&f[i].c, false, (int)next_id, (uint16_t)(20000 + next_id % 40000),
			  (uint16_t)(next_id % 3 == 0 ? 443 : 80));
		next_id++;
	}
	/* one turn per flow per round: a burst of a few frames 10 us apart,
	 * turns 2 us apart; every flow's iRTT is 20 us, a round is longer */
	while (o->a.packets < npackets) {
		for (i = 0; i < nflows && o->a.packets < npackets; i++) {
			struct bflow *b = &f[i];
			struct conv *c = &b->c;
			uint32_t r = (uint32_t)(rng_next(&rs) % 1000);

			o->t += 2 * US;
			if (b->state == 0) {
				handshake(o, c, 0.01, 0.01, 0);
				b->state = 1;
				continue;
			}
			if (b->state == 2) {
				/* the segment the client did not get, after an RTO */
				tx(o, c, 1, F_ACK, b->pend, seglen, TG_RETRANS);
				c->rcv[0] = c->nxt[1];
				o->t += 10 * US;
				ack(o, c, 0, 0);
				b->state = 1;
				continue;
			}
			if (r < loss / 2) {
				/* two segments, the second lost downstream */
				data(o, c, 1, seglen, 0);
				o->t += 10 * US;
				b->pend = data(o, c, 1, seglen, TG_NODELIVER);
				o->t += 10 * US;
				ack(o, c, 0, 0);
				b->state = 2;
			} else if (r < loss) {
				/* four segments, the first lost downstream: three
				 * duplicate ACKs and a fast retransmission */
				uint32_t s0 = data(o, c, 1, seglen, TG_NODELIVER);
				int k;

				for (k = 0; k < 3; k++) {
					o->t += 10 * US;
					data(o, c, 1, seglen, 0);
				}
				for (k = 0; k < 3; k++) {
					o->t += 10 * US;
					ack(o, c, 0, TG_DUP);
				}
				o->t += 10 * US;
				tx(o, c, 1, F_ACK, s0, seglen, TG_FAST);
				c->rcv[0] = c->nxt[1];
				o->t += 10 * US;
				ack(o, c, 0, 0);
			} else if (r < loss + loss / 4 + 1 && b->nseg > 8) {
				/* the server resets; the slot's next flow starts */
				tx(o, c, 1, F_RST | F_ACK, c->nxt[1], 0, 0);
				conv_init(c, false, (int)next_id,
					  (uint16_t)(20000 + next_id % 40000),
					  (uint16_t)(next_id % 3 == 0 ? 443 : 80));
				c->first = false;
				next_id++;
				b->state = 0;
				b->nseg = 0;
			} else {
				data(o, c, 1, seglen, 0);
				o->t += 10 * US;
				data(o, c, 1, seglen, 0);
				o->t += 10 * US;
				ack(o, c, 0, 0);
				b->nseg += 2;
			}
		}
	}
	free(f);
}

/* ---- main ---- */

static void print_answer(const char *sc, const struct ans *a)
{
	printf("scenario=%s packets=%llu tcp_packets=%llu flows=%llu bytes=%llu "
	       "payload_bytes=%llu data_segments=%llu retrans=%llu fast_retrans=%llu "
	       "spurious_retrans=%llu out_of_order=%llu lost_segments=%llu "
	       "acked_unseen=%llu dup_acks=%llu zero_windows=%llu "
	       "zero_window_probes=%llu window_full=%llu keep_alives=%llu rsts=%llu "
	       "rsts_server=%llu port_reuse=%llu icmp_errors=%llu "
	       "handshake_rtt_ms=%.3f irtt_ms=%.3f zero_window_ms=%.3f truncated=%d "
	       "src=%s sport=%u dst=%s dport=%u\n",
	       sc, (unsigned long long)a->packets, (unsigned long long)a->tcp_packets,
	       (unsigned long long)a->flows, (unsigned long long)a->bytes,
	       (unsigned long long)a->payload_bytes, (unsigned long long)a->data_segments,
	       (unsigned long long)a->retrans, (unsigned long long)a->fast_retrans,
	       (unsigned long long)a->spurious_retrans, (unsigned long long)a->out_of_order,
	       (unsigned long long)a->lost_segments, (unsigned long long)a->acked_unseen,
	       (unsigned long long)a->dup_acks, (unsigned long long)a->zero_windows,
	       (unsigned long long)a->zero_window_probes, (unsigned long long)a->window_full,
	       (unsigned long long)a->keep_alives, (unsigned long long)a->rsts,
	       (unsigned long long)a->rsts_server, (unsigned long long)a->port_reuse,
	       (unsigned long long)a->icmp_errors, a->handshake_rtt_ms, a->irtt_ms,
	       a->zero_window_ms, a->truncated, a->src, a->sport, a->dst, a->dport);
}

static const struct {
	const char *name;
	void (*fn)(struct out *);
	int dlt;
	bool vlan, ng;
	uint32_t snaplen;
} scen[] = {
	{ "clean", sc_clean, DLT_EN10MB, false, false, 262144 },
	{ "retrans3", sc_retrans3, DLT_EN10MB, false, false, 262144 },
	{ "fastretrans", sc_fastretrans, DLT_EN10MB, false, false, 262144 },
	{ "spurious", sc_spurious, DLT_EN10MB, false, false, 262144 },
	{ "ooo", sc_ooo, DLT_EN10MB, false, false, 262144 },
	{ "lost", sc_lost, DLT_EN10MB, false, false, 262144 },
	{ "rst", sc_rst, DLT_EN10MB, false, false, 262144 },
	{ "zerowin", sc_zerowin, DLT_EN10MB, false, false, 262144 },
	{ "ipv6", sc_ipv6, DLT_EN10MB, false, false, 262144 },
	{ "icmp", sc_icmp, DLT_EN10MB, false, false, 262144 },
	{ "portreuse", sc_portreuse, DLT_EN10MB, false, false, 262144 },
	{ "keepalive", sc_keepalive, DLT_EN10MB, false, false, 262144 },
	{ "random", sc_random, DLT_EN10MB, false, false, 262144 },
	{ "serial", sc_serial, DLT_EN10MB, false, false, 262144 },
	{ "snap", sc_snap, DLT_EN10MB, false, false, 96 },
	{ "link-eth", small_flow, DLT_EN10MB, false, false, 262144 },
	{ "link-vlan", small_flow, DLT_EN10MB, true, false, 262144 },
	{ "link-sll", small_flow, DLT_LINUX_SLL, false, false, 262144 },
	{ "link-sll2", small_flow, DLT_LINUX_SLL2, false, false, 262144 },
	{ "link-raw", small_flow, DLT_RAW, false, false, 262144 },
	{ "link-null", small_flow, DLT_NULL, false, false, 262144 },
	{ "pcapng", small_flow, DLT_EN10MB, false, true, 262144 },
	/* special: see main */
	{ "pcapng-mixed", small_flow, DLT_EN10MB, false, true, 262144 },
	{ "truncated", sc_clean, DLT_EN10MB, false, false, 262144 },
	{ "notpcap", NULL, 0, false, false, 0 },
};

static int usage(void)
{
	fprintf(stderr, "usage: pcapgen SCENARIO OUT | pcapgen bench OUT NPACKETS NFLOWS "
		"[LOSS_PERMILLE] | pcapgen list\n");
	return 64;
}

/* Cut the file's last record in the middle of its data. */
static int cut_last(const char *path, uint64_t last_off, uint32_t last_cap)
{
	if (truncate(path, (off_t)(last_off + 16 + last_cap / 2)) != 0) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct out o;
	size_t i;

	pat_init();
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; i < sizeof(scen) / sizeof(scen[0]); i++)
			printf("%s\n", scen[i].name);
		return 0;
	}
	if (argc >= 5 && argc <= 6 && strcmp(argv[1], "bench") == 0) {
		char *e1, *e2, *e3 = NULL;
		unsigned long long np = strtoull(argv[3], &e1, 10);
		unsigned long nf = strtoul(argv[4], &e2, 10), loss = 10;
		const char *bad = NULL;

		if (argc == 6)
			loss = strtoul(argv[5], &e3, 10);
		if (*e1 || np == 0)
			bad = "NPACKETS must be a whole number >= 1";
		else if (*e2 || nf == 0 || nf > 60000)
			bad = "NFLOWS must be a whole number from 1 to 60000";
		else if (e3 && (*e3 || loss > 500))
			bad = "LOSS_PERMILLE must be a whole number from 0 to 500";
		if (bad) {
			fprintf(stderr, "pcapgen bench: %s\n", bad);
			return 64;
		}
		if (out_open(&o, argv[2], DLT_EN10MB, 128) != 0)
			return 1;
		bench(&o, np, (uint32_t)nf, (uint32_t)loss);
		if (out_close(&o) != 0)
			return 1;
		print_answer("bench", &o.a);
		return 0;
	}
	if (argc != 3)
		return usage();
	for (i = 0; i < sizeof(scen) / sizeof(scen[0]); i++)
		if (strcmp(argv[1], scen[i].name) == 0)
			break;
	if (i == sizeof(scen) / sizeof(scen[0]))
		return usage();
	if (!scen[i].fn) {
		FILE *f = fopen(argv[2], "w");

		if (!f || fputs("This is not a capture file.\nIt is text.\n", f) < 0 ||
		    fclose(f) != 0) {
			fprintf(stderr, "pcapgen: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		printf("scenario=notpcap packets=0\n");
		return 0;
	}
	o.vlan = scen[i].vlan;
	o.ng = scen[i].ng;
	if (out_open(&o, argv[2], scen[i].dlt, scen[i].snaplen) != 0)
		return 1;
	if (strcmp(argv[1], "pcapng-mixed") == 0) {
		/* a second interface of another link type with one frame */
		struct conv c;

		ng_idb(&o, DLT_RAW);
		scen[i].fn(&o);
		conv_init(&c, false, 20, 40020, 53);
		c.ifidx = 1;
		o.dlt = DLT_RAW;
		o.t += 1 * MS;
		handshake(&o, &c, 1.0, 0.05, 0);
	} else {
		scen[i].fn(&o);
	}
	if (strcmp(argv[1], "truncated") == 0) {
		/* the last frame is the final ACK (no count of its own but a
		 * packet): take it back out of the answer, cut the file */
		long end;
		uint32_t last_cap = o.a.last_cap;

		pcap_dump_flush(o.d);
		end = ftell(pcap_dump_file(o.d));
		if (out_close(&o) != 0 || end < 0)
			return 1;
		if (cut_last(argv[2], (uint64_t)end - 16 - last_cap, last_cap) != 0)
			return 1;
		o.a.packets--;
		o.a.tcp_packets--;
		o.a.bytes -= o.a.last_len;
		o.a.truncated = 1;
		print_answer(argv[1], &o.a);
		return 0;
	}
	if (out_close(&o) != 0)
		return 1;
	print_answer(argv[1], &o.a);
	return 0;
}
