/* libFuzzer target: the capture decoder (nt_cap_decode, nt_cap_dlt_ok) on
 * every link type, and every decoded packet into a flow table
 * (nt_cap_table_add: the flow lookup, LRU eviction and the sequence
 * analysis), so the whole decode + analysis path is fuzzed.
 * Input: byte 0 picks the link type (low 4 bits: an index into dlts[]) and
 * the table's size (bits 4-5: 1, 2, 3 or 100 flows, so eviction runs),
 * then up to MAX_FRAMES records of
 *   [u8 wmode][u16 caplen, big-endian][caplen bytes (fewer at the end)]
 * wmode sets the wire length: 0 = caplen, 255 = half of caplen (a writer's
 * error), else caplen + wmode * 256 (a snapped frame); and the time step
 * to the frame (1 + (wmode & 7)) ms, so the analysis' time windows see
 * close and far packets (wmode 0xf8..0xfe steps 5 ms back: a capture's
 * clock may). Each frame is copied into a buffer of exactly
 * caplen bytes, so ASan sees any read past it. */
#include <errno.h>
#include <math.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "nt_capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 64

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
		/* IP header + TCP header + payload fit in what the wire had */
		if (p->seglen > wl || wl - p->seglen < 40)
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
	if (!(q >= r->min_ms && q <= r->max_ms && m >= r->min_ms && m <= r->max_ms))
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
		check_rtt(&f->rtt);
	}
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
	for (n = 0; n < MAX_FRAMES && size - off >= 3; n++) {
		uint8_t wmode = data[off], *b;
		uint32_t caplen = (uint32_t)data[off + 1] << 8 | data[off + 2], wirelen;

		off += 3;
		if (caplen > size - off)
			caplen = (uint32_t)(size - off);
		wirelen = wmode == 0 ? caplen : wmode == 255 ? caplen / 2 :
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
