/* libFuzzer target: the capture decoder (nt_cap_decode, nt_cap_dlt_ok) on
 * every link type, and every decoded packet into a flow table
 * (nt_cap_table_add: the flow lookup, LRU eviction and the sequence
 * analysis), so the whole decode + analysis path is fuzzed.
 * Byte 0: bits 4-5 the table's size (1, 2, 3 or 100 flows, so eviction
 * runs); bit 6 clear: raw frames, bits 0-3 pick the link type (an index
 * into dlts[]), then up to MAX_FRAMES records of
 *   [u8 wmode][u16 caplen, big-endian][caplen bytes (fewer at the end)]
 * wmode sets the wire length: 0 = caplen, 255 = half of caplen (a writer's
 * error), 0xf0..0xf7 a huge pcap len ((wmode & 7) + 1) << 29 (up to 2^32 -
 * 2^29: past the GSO bound, seglen near 2^31), else caplen + wmode * 256
 * (a snapped frame); and the time step
 * to the frame (1 + (wmode & 7)) ms, so the analysis' time windows see
 * close and far packets (wmode 0xf8..0xfe steps 5 ms back: a capture's
 * clock may). Each frame is copied into a buffer of exactly caplen bytes,
 * so ASan sees any read past it.
 * Bit 6 set: segments of two flows between fixed hosts (IPv6 when bit 7),
 * SEG_REC bytes each (see seg_frame), written as Ethernet frames snapped
 * after the headers, decoded (and checked against what was written) and
 * fed to the table: random frames rarely share a 5-tuple, these always
 * do, so the sequence analysis sees whole conversations. */
#include <errno.h>
#include <math.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "nt_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 64
#define SEG_REC 14

static const int dlts[16] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 14, 101, DLT_IPV4, DLT_IPV6,
	DLT_NULL, DLT_LOOP, DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL2,
	DLT_IEEE802_11, DLT_USER0, -1, /* refused */
};

static bool zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

/* What nt_capture.h promises of a decoded frame. */
static void check(int dlt, int rc, enum nt_cap_bad why, const struct nt_cap_pkt *p,
		  uint32_t caplen, uint32_t wirelen, uint64_t ts)
{
	uint32_t wl = wirelen < caplen ? caplen : wirelen;

	if (rc != 0 && rc != -EINVAL)
		abort();
	if ((rc == 0) != (why == NT_CAPB_NONE))
		abort();
	if (why != NT_CAPB_NONE && why != NT_CAPB_TRUNC && why != NT_CAPB_MALFORMED &&
	    why != NT_CAPB_LINK)
		abort();
	if (nt_cap_dlt_ok(dlt) == (why == NT_CAPB_LINK))
		abort();
	if (rc)
		return;
	if (p->ts_ns != ts || p->wirelen != wirelen)
		abort();
	if (p->nsack > 4 || p->wscale < -1 || p->wscale > 14)
		abort();
	switch (p->kind) {
	case NT_CAPK_OTHER:
		if (!zero((const uint8_t *)&p->t, sizeof(p->t)) || p->seq || p->seglen)
			abort();
		return;
	case NT_CAPK_TCP:
		/* IP header + TCP header + payload fit in what the wire had,
		 * and never more than a GSO frame (524280) */
		if (p->seglen > wl || wl - p->seglen < 40 || p->seglen > 524280)
			abort();
		break;
	case NT_CAPK_ICMP_ERR:
		if (p->ack || p->flags || p->win || p->seglen || p->nsack || p->mss)
			abort();
		break;
	default:
		abort();
	}
	if (p->t.family != AF_INET && p->t.family != AF_INET6)
		abort();
	if (p->t.pad[0] || p->t.pad[1] || p->t.pad[2])
		abort();
	if (p->t.family == AF_INET && (!zero(p->t.src + 4, 12) || !zero(p->t.dst + 4, 12)))
		abort();
}

static void w16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void w32(uint8_t *b, uint32_t v)
{
	w16(b, v >> 16);
	w16(b + 2, v);
}

/* One segment record r[0..SEG_REC) into an Ethernet frame in b (returns
 * caplen; *wirelen adds the payload, which is not written):
 *   r[0] TCP flags; r[1] bit 0 server to client, bit 1 the second flow
 *   (client port + 1), bit 2 SYN options (MSS, SACK-permitted,
 *   timestamps, window scale r[1] >> 4), bit 3 a SACK block;
 *   r[2..5] seq, r[6..9] ack, r[10..11] window; payload r[12] * 8 +
 *   (r[13] & 7) bytes; time step (r[13] >> 3) * 200 us, 31 = 1 s. */
static uint32_t seg_frame(const uint8_t *r, bool v6, uint8_t *b, uint32_t *wirelen,
			  uint64_t *ts)
{
	static const uint8_t a4[2][4] = { { 192, 0, 2, 1 }, { 198, 51, 100, 2 } };
	static const uint8_t a6[2][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
					   { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 } };
	uint32_t dir = r[1] & 1, cport = 40000 + ((r[1] >> 1) & 1), len, ip, hl = 20, o;
	uint8_t *t;

	len = (uint32_t)r[12] * 8 + (r[13] & 7);
	*ts += (r[13] >> 3) == 31 ? 1000000000ull : (uint64_t)(r[13] >> 3) * 200000;
	memset(b, 0, 14 + 40 + 60);
	b[0] = 2, b[5] = 1, b[6] = 2, b[11] = 2;
	ip = v6 ? 40 : 20;
	t = b + 14 + ip;
	o = 20;
	if (r[1] & 4) {
		static const uint8_t syn[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					       1, 3, 3 };

		memcpy(t + o, syn, sizeof(syn));
		t[o + sizeof(syn)] = r[1] >> 4;
		o += sizeof(syn) + 1;
	}
	if (r[1] & 8) {
		uint32_t ack = (uint32_t)r[6] << 24 | (uint32_t)r[7] << 16 | r[8] << 8 | r[9];

		t[o] = 1, t[o + 1] = 1, t[o + 2] = 5, t[o + 3] = 10;
		w32(t + o + 4, ack + ((uint32_t)r[12] << 4));
		w32(t + o + 8, ack + ((uint32_t)r[12] << 4) + 1448);
		o += 12;
	}
	hl = (o + 3) & ~3u;
	while (o < hl)
		t[o++] = 1;
	if (v6) {
		w16(b + 12, 0x86dd);
		b[14] = 0x60;
		w16(b + 18, hl + len);
		b[20] = 6;
		b[21] = 64;
		memcpy(b + 22, a6[dir], 16);
		memcpy(b + 38, a6[!dir], 16);
	} else {
		w16(b + 12, 0x0800);
		b[14] = 0x45;
		w16(b + 16, 20 + hl + len);
		b[22] = 64;
		b[23] = 6;
		memcpy(b + 26, a4[dir], 4);
		memcpy(b + 30, a4[!dir], 4);
	}
	w16(t, dir ? 443 : cport);
	w16(t + 2, dir ? cport : 443);
	memcpy(t + 4, r + 2, 8);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = r[0];
	memcpy(t + 14, r + 10, 2);
	*wirelen = 14 + ip + hl + len;
	return 14 + ip + hl;
}

/* The decoded segment is the one seg_frame wrote. */
static void check_seg(const uint8_t *r, const struct nt_cap_pkt *p, uint32_t wirelen,
		      uint32_t caplen)
{
	uint32_t dir = r[1] & 1, cport = 40000 + ((r[1] >> 1) & 1);

	if (p->kind != NT_CAPK_TCP || p->seglen != wirelen - caplen || p->flags != r[0] ||
	    p->t.sport != (dir ? 443 : cport) || p->t.dport != (dir ? cport : 443) ||
	    p->seq != ((uint32_t)r[2] << 24 | (uint32_t)r[3] << 16 | r[4] << 8 | r[5]) ||
	    p->win != (r[10] << 8 | r[11]))
		abort();
	if ((r[1] & 4) && (p->mss != 1460 || !p->sack_perm || !p->ts_present ||
			   p->wscale != ((r[1] >> 4) > 14 ? 14 : r[1] >> 4)))
		abort();
	if (p->nsack != ((r[1] & 8) ? 1 : 0))
		abort();
}

/* What was fed to the table, to hold its counts against. */
struct fed {
	uint64_t tcp, icmp, wire;
};

static void check_rtt(const struct nt_cap_rtt *r)
{
	double q = nt_cap_rtt_pct(r, 0.99), m = nt_cap_rtt_mean(r);

	if (r->n == 0) {
		if (!isnan(q) || !isnan(m))
			abort();
		return;
	}
	/* the mean is sum / n: a rounding of the sum may put it an ulp
	 * outside [min, max] (three samples of 0.4 average 0.40000000000000008) */
	if (!(q >= r->min_ms && q <= r->max_ms && m >= r->min_ms * (1 - 1e-12) &&
	      m <= r->max_ms * (1 + 1e-12)))
		abort();
}

static void check_counts(const struct nt_cap_counts *c)
{
	if (c->fast_retrans > c->retrans || c->spurious_retrans > c->retrans ||
	    c->data_segments > c->packets || c->rsts_server > c->rsts ||
	    c->zero_window_probes > c->packets || !(c->zero_window_ms >= 0) ||
	    !isfinite(c->zero_window_ms))
		abort();
}

/* The chains and the LRU list: every flow in bucket hash & (nbucket - 1),
 * as many in the chains as in the LRU list walked either way as nflows,
 * and in each chain the newest flow of a 5-tuple first (a lookup finds
 * the newest conversation). */
static void check_chains(const struct nt_cap_table *t)
{
	uint32_t b, i, j, n = 0, fwd = 0, back = 0, prev = 0;

	for (b = 0; b < t->nbucket; b++)
		for (i = t->bucket[b]; i; i = t->flows[i - 1].hnext) {
			const struct nt_cap_flow *f = &t->flows[i - 1];

			if (i > t->nflows || (f->hash & (t->nbucket - 1)) != b || ++n > t->nflows)
				abort();
			/* a later flow of the same 5-tuple in the chain is older */
			for (j = f->hnext; j; j = t->flows[j - 1].hnext)
				if (nt_cap_flow_dir(&t->flows[j - 1], &f->key) >= 0 &&
				    t->flows[j - 1].id > f->id)
					abort();
		}
	for (i = t->lru_head; i; prev = i, i = t->flows[i - 1].lnext)
		if (i > t->nflows || t->flows[i - 1].lprev != prev || ++fwd > t->nflows)
			abort();
	if (prev != t->lru_tail)
		abort();
	for (i = t->lru_tail; i; i = t->flows[i - 1].lprev)
		if (++back > t->nflows)
			abort();
	if (n != t->nflows || fwd != t->nflows || back != t->nflows)
		abort();
}

/* The table after the capture: its flows, totals and bookkeeping. */
static void check_table(struct nt_cap_table *t, const struct fed *fd, uint64_t ts)
{
	const struct nt_cap_flow *f = NULL;
	struct nt_cap_counts c;
	struct nt_cap_rtt rtt;
	uint32_t n = 0;

	nt_cap_table_finish(t, ts);
	while ((f = nt_cap_table_next(t, f))) {
		n++;
		if (f->key.family != AF_INET && f->key.family != AF_INET6)
			abort();
		if (nt_cap_flow_dir(f, &f->key) != 0)
			abort();
		check_counts(&f->c);
		check_rtt(&f->rtt[0]);
		check_rtt(&f->rtt[1]);
		if (nt_cap_flow_rtt(f) != &f->rtt[nt_cap_flow_rtt_dir(f)])
			abort();
	}
	check_chains(t);
	if (n != t->nflows || n > t->max_flows || t->flows_total - t->evicted != n)
		abort();
	nt_cap_table_totals(t, &c, &rtt);
	check_counts(&c);
	check_rtt(&rtt);
	/* every TCP segment counted in exactly one flow, every ICMP error
	 * in one flow or as unmatched */
	if (t->tcp_packets != fd->tcp || c.packets != fd->tcp || c.bytes != fd->wire ||
	    t->icmp_errors != fd->icmp || c.icmp_errors + t->icmp_unmatched != fd->icmp)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t max_flows[4] = { 1, 2, 3, 100 };
	struct nt_cap_table t;
	struct nt_cap_pkt p;
	enum nt_cap_bad why;
	struct fed fd = { 0, 0, 0 };
	uint64_t ts = 1700000000000000000ull;
	size_t off = 1;
	int dlt, n, rc;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] & 15];
	if (nt_cap_table_init(&t, max_flows[(data[0] >> 4) & 3]))
		abort();
	for (n = 0; (data[0] & 0x40) && n < 4 * MAX_FRAMES && size - off >= SEG_REC; n++) {
		uint8_t b[14 + 40 + 60];
		uint32_t caplen, wirelen;

		caplen = seg_frame(data + off, data[0] & 0x80, b, &wirelen, &ts);
		rc = nt_cap_decode(DLT_EN10MB, b, caplen, wirelen, ts, &p, &why);
		check(DLT_EN10MB, rc, why, &p, caplen, wirelen, ts);
		check_seg(data + off, &p, wirelen, caplen);
		off += SEG_REC;
		fd.tcp++;
		fd.wire += wirelen;
		nt_cap_table_add(&t, &p);
	}
	for (n = 0; !(data[0] & 0x40) && n < MAX_FRAMES && size - off >= 3; n++) {
		uint8_t wmode = data[off], *b;
		uint32_t caplen = (uint32_t)data[off + 1] << 8 | data[off + 2], wirelen;

		off += 3;
		if (caplen > size - off)
			caplen = (uint32_t)(size - off);
		wirelen = wmode == 0 ? caplen : wmode == 255 ? caplen / 2 :
			(wmode & 0xf8) == 0xf0 ? (uint32_t)(((uint64_t)(wmode & 7) + 1) << 29) - 1 :
			caplen + (uint32_t)wmode * 256;
		if (wmode >= 0xf8 && wmode != 255)
			ts -= 5000000ull;
		else
			ts += 1000000ull * (1 + (wmode & 7));
		b = malloc(caplen ? caplen : 1);
		if (!b)
			abort();
		memcpy(b, data + off, caplen);
		off += caplen;
		rc = nt_cap_decode(dlt, b, caplen, wirelen, ts, &p, &why);
		free(b);
		check(dlt, rc, why, &p, caplen, wirelen, ts);
		if (rc)
			continue;
		fd.tcp += p.kind == NT_CAPK_TCP;
		fd.wire += p.kind == NT_CAPK_TCP ? wirelen : 0;
		fd.icmp += p.kind == NT_CAPK_ICMP_ERR;
		nt_cap_table_add(&t, &p);
	}
	check_table(&t, &fd, ts);
	nt_cap_table_free(&t);
	return 0;
}
