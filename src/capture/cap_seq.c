/* capture: the TCP sequence analysis of one segment against its flow.
 *
 * How it judges. Each segment is judged the way Wireshark 4.0's
 * tcp_analyze_sequence_number (epan/dissectors/packet-tcp.c, with the
 * default preferences) judges it, from the state of its own direction
 * (fwd) and of the other one (rev), in this order:
 *   1. zero-window probe: 1 byte at exactly the next expected sequence
 *      while the peer's window is 0 (skips 2-9: no zero window, no
 *      duplicate ACK for it);
 *   2. zero window: window field 0 on a segment without SYN/FIN/RST;
 *   3. previous segment not captured (lost): the sequence is beyond the
 *      next expected one (not for RST);
 *   4. keep-alive: 0 or 1 byte starting one before the next expected
 *      sequence, no SYN/FIN/RST;
 *   5. window update: no data, same seq/ack as this side's last segment,
 *      a new non-zero window;
 *   6. window full: data reaching exactly the peer's last ACK plus its
 *      window, scaled by the peer's shift (only once the scale is known
 *      from the SYNs; the window of a SYN is never scaled);
 *   7. keep-alive ACK and 8. zero-window-probe ACK: a repeat of the last
 *      ACK answering the peer's keep-alive or probe (these skip 9);
 *   9. duplicate ACK: no data, same seq, ack and non-zero window as this
 *      side's last segment, no SYN/FIN/RST; numbered 1, 2, ... until the
 *      ack moves;
 *  10. ACKed unseen segment: the ack is beyond anything the peer was seen
 *      to send (reported once per hole);
 *  11. a segment with data, SYN or FIN that does not advance the sequence
 *      (not a keep-alive, and not a segment of 2+ bytes starting one byte
 *      below the next expected sequence, the byte after a probe):
 *      spurious retransmission when all of its data was already ACKed by
 *      the peer (checked first, even when the sequence advances; the
 *      peer's last ack field is used as Wireshark uses it: whatever its
 *      ACK flag, and not when it is 0); else
 *      fast retransmission when the peer sent >= 2 duplicate ACKs for
 *      exactly this sequence and its last segment is < 20 ms old (an
 *      ACKed-unseen segment just judged leaves the peer's counter at
 *      Wireshark's -1, which passes this test as it does there); else
 *      out-of-order when it comes within the initial RTT (3 ms while that
 *      is unknown) of the time this side's sequence last advanced and it
 *      does not end at the next expected sequence; else retransmission.
 * retrans counts every frame of the three retransmission kinds (tshark's
 * "This frame is a (suspected) retransmission" is added for fast and
 * spurious ones too); out-of-order is not a retransmission. Retransmitted
 * SYNs and SYN/ACKs are retransmissions (a SYN counts one sequence
 * number, so does a FIN). The window is the raw field for every test but
 * 6, as in Wireshark. A SYN without ACK whose ISN differs from the one
 * that direction already has starts a new flow (port reuse, counted on
 * the new flow; the old one stays in the table); a SYN/ACK with a new ISN
 * is counted as port reuse on the same flow. The initial RTT is the time
 * from the most recent SYN to the first later segment with ACK and
 * without SYN.
 *
 * Where we differ from Wireshark, and why:
 *   - "not yet seen" is a flag of its own: Wireshark uses a next expected
 *     sequence of 0 for "none", so a connection whose sequence lands
 *     exactly on 0 after wrapping is judged as if it had just begun for a
 *     segment; here 0 is a number like any other (the peer's last ack of
 *     0, though, means "none" here too, as in Wireshark's spurious test);
 *   - a TCP segment split into IP fragments is judged on its first
 *     fragment, with that fragment's payload (Wireshark reassembles the
 *     IP datagram first);
 *   - SYN and FIN always count one sequence number (Wireshark stops adding
 *     it once 10,000 segments of a direction are unacknowledged, which
 *     only one-way captures reach);
 *   - MPTCP's tolerated duplicate ACKs are counted (MPTCP is not decoded);
 *   - a flow evicted from the bounded table starts afresh if it comes
 *     back (Wireshark keeps every conversation), and a new flow whose
 *     first segment is a SYN/ACK takes its receiver as the client;
 *   - RSTs from the server (rsts_server): the server is the receiver of
 *     the flow's first SYN (or the sender of its first SYN/ACK); without
 *     either, the side with the lower port (the first packet's receiver
 *     on equal ports). Wireshark does not split RSTs by side;
 *   - the RTT of data (rtt_ms) is not Wireshark's tcp.analysis.ack_rtt
 *     (every ACKed segment, retransmitted ones included): one segment per
 *     direction is timed at a time, as TCP does, from its sending to the
 *     first ACK that covers its end, and under Karn's rule any
 *     retransmission (or out-of-order segment) in that direction cancels
 *     the timing and no new one starts until the peer has ACKed all that
 *     was sent before it: at most one sample per round trip and
 *     direction, none that a retransmission makes ambiguous;
 *   - handshake_rtt_ms is SYN -> SYN/ACK and handshake_ack_ms SYN/ACK ->
 *     ACK (NaN when either end was not captured); irtt_ms is Wireshark's
 *     initial RTT, and their sum when the whole handshake was captured;
 *     like Wireshark, a SYN at time 0 or an initial RTT of exactly 0 ns
 *     counts as not seen;
 *   - zero_window_ms is ours: the time a direction advertised a window of
 *     0 (on segments without SYN/FIN/RST) until it advertised a non-zero
 *     one or sent a RST, or until the end of the capture (or the flow's
 *     eviction);
 *   - icmp_errors is ours: ICMP/ICMPv6 errors whose quoted header names
 *     the flow's 5-tuple (either direction) and whose quoted sequence
 *     number lies in what the quoted side has sent, from its ISN to its
 *     next expected sequence modulo 2^32 (RFC 5927, 4.1: a quote that
 *     no segment of the flow could have produced is forged or stale);
 *     with port reuse the newest flow of the 5-tuple that matches takes
 *     it (an old conversation's quote goes to the old flow); one that no
 *     flow matches is counted as unmatched.
 *
 * The RTT of a flow (rtt_ms) and its direction. Samples are kept per
 * direction: rtt[s] times segments sent by side s and ACKed by the other.
 * At one capture point only one of them crosses the network: a segment
 * captured near its sender and ACKed from the far side measures the
 * path's round trip; a segment that comes from the far side and is ACKed
 * by the host next to the capture measures only that host's ACK delay.
 * The flow shows the path's direction, judged so: with the whole
 * handshake captured, the capture is near the side whose half of it is
 * short: SYN -> SYN/ACK (handshake_rtt_ms) longer than SYN/ACK -> ACK
 * (handshake_ack_ms) means near the client, so the client's segments
 * (side 0) measure the path; otherwise (near the server, or halves
 * equal) the server's (side 1). Without a whole handshake, the direction
 * whose mean RTT is larger (the one that crosses the network; the one
 * with samples when only one has any; side 0 when neither has). The
 * totals merge each flow's chosen direction, evicted flows' too (judged
 * when they are evicted).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "nt_capture.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_LE(a, b) (!SEQ_GT(a, b))
#define SEQ_GE(a, b) (!SEQ_LT(a, b))

#define SFR (NT_TCP_SYN | NT_TCP_FIN | NT_TCP_RST)
/* Wireshark's dupacknum -1 in its unsigned counter: the next duplicate
 * ACK is #1, and like Wireshark's it passes the fast retransmission's
 * ">= 2 duplicate ACKs" */
#define DUPACK_NEUTRAL UINT32_MAX
#define FAST_RT_NS 20000000ull        /* 20 ms */
#define OOO_DEFAULT_NS 3000000ull     /* 3 ms */
#define WSCALE_MAX 14                 /* RFC 7323: a larger shift is 14 */

#define ANY_RETRANS (NT_CAPA_RETRANS | NT_CAPA_FAST_RETRANS | NT_CAPA_SPURIOUS)

static double ns_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void nt_cap_seq_init(struct nt_cap_flow *f, const struct nt_cap_pkt *p)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->key = p->t;
	if ((p->flags & (NT_TCP_SYN | NT_TCP_ACK)) == (NT_TCP_SYN | NT_TCP_ACK)) {
		f->key.sport = p->t.dport;
		f->key.dport = p->t.sport;
		memcpy(f->key.src, p->t.dst, sizeof(f->key.src));
		memcpy(f->key.dst, p->t.src, sizeof(f->key.dst));
	}
	f->saw_syn = (p->flags & NT_TCP_SYN) != 0;
	f->first_ns = f->last_ns = p->ts_ns;
	f->handshake_rtt_ms = f->handshake_ack_ms = f->irtt_ms = NAN;
	nt_cap_rtt_init(&f->rtt[0]);
	nt_cap_rtt_init(&f->rtt[1]);
	for (i = 0; i < 2; i++) {
		f->d[i].win = UINT32_MAX;
		f->d[i].wscale = -1;
	}
}

bool nt_cap_seq_reuse(const struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p)
{
	const struct nt_cap_dir *d = &f->d[dir & 1];

	return (p->flags & (NT_TCP_SYN | NT_TCP_ACK)) == NT_TCP_SYN &&
	       d->have_base && p->seq != d->base_seq;
}

/* the side that counts as the server for rsts_server */
static int server_dir(const struct nt_cap_flow *f)
{
	if (f->saw_syn)
		return 1;
	return f->key.sport < f->key.dport ? 0 : 1;
}

/* The judgement proper, tests 1-11 of the comment above; returns the
 * NT_CAPA_* bits of the segment and updates both directions' state. */
static uint32_t judge(struct nt_cap_flow *f, struct nt_cap_dir *fw,
		      struct nt_cap_dir *rv, const struct nt_cap_pkt *p)
{
	uint32_t seq = p->seq, ack = p->ack, len = p->seglen, win = p->win;
	uint32_t a = 0, nextseq;
	uint8_t fl = p->flags;
	uint64_t now = p->ts_ns;
	bool had_seq = fw->have_seq, same_seq_ack, sfr = (fl & SFR) != 0;

	same_seq_ack = had_seq && seq == fw->nextseq && ack == fw->lastack;
	if (len == 1 && had_seq && seq == fw->nextseq && rv->win == 0) {
		a |= NT_CAPA_ZW_PROBE;
		goto fwd_done;
	}
	if (win == 0 && !sfr)
		a |= NT_CAPA_ZERO_WINDOW;
	if (had_seq && SEQ_GT(seq, fw->nextseq) && !(fl & NT_TCP_RST))
		a |= NT_CAPA_LOST;
	if (len <= 1 && had_seq && seq == fw->nextseq - 1 && !sfr)
		a |= NT_CAPA_KEEP_ALIVE;
	if (len == 0 && win && win != fw->win && same_seq_ack && !sfr)
		a |= NT_CAPA_WINDOW_UPDATE;
	if (len > 0 && rv->wscale != -1 && !sfr) {
		int sh = (rv->first_ack || rv->wscale < 0) ? 0 : rv->wscale;

		if (seq + len == rv->lastack + (uint32_t)(rv->win << sh))
			a |= NT_CAPA_WINDOW_FULL;
	}
	if (len == 0 && win == fw->win && same_seq_ack && !sfr) {
		if (win && (rv->lastsegmentflags & NT_CAPA_KEEP_ALIVE)) {
			a |= NT_CAPA_KEEP_ALIVE_ACK;
			goto fwd_done;
		}
		if (!win && (rv->lastsegmentflags & NT_CAPA_ZW_PROBE)) {
			a |= NT_CAPA_ZW_PROBE_ACK;
			goto fwd_done;
		}
		if (win) {
			fw->dupacknum = fw->dupacknum == DUPACK_NEUTRAL ? 1 : fw->dupacknum + 1;
			a |= NT_CAPA_DUP_ACK;
		}
	}
fwd_done:
	if (ack != fw->lastack)
		fw->dupacknum = 0;

	if (rv->have_seq && SEQ_GT(ack, rv->maxseqtobeacked) && (fl & NT_TCP_ACK)) {
		if (SEQ_LT(rv->maxseqtobeacked, rv->nextseq)) {
			rv->maxseqtobeacked = rv->nextseq;
			a |= NT_CAPA_ACKED_UNSEEN;
		} else {
			/* the peer stalls with pure ACKs: once per hole */
			if (rv->dupacknum == 0)
				a |= NT_CAPA_ACKED_UNSEEN;
			rv->dupacknum = DUPACK_NEUTRAL;
		}
	}

	if ((len > 0 || (fl & (NT_TCP_SYN | NT_TCP_FIN))) && !(a & NT_CAPA_KEEP_ALIVE)) {
		bool not_adv = had_seq && SEQ_LT(seq, fw->nextseq);
		uint64_t thres = f->irtt_ns ? f->irtt_ns : OOO_DEFAULT_NS;
		uint32_t end = seq + len + ((fl & (NT_TCP_SYN | NT_TCP_FIN)) ? 1 : 0);

		/* new data after a probe's byte */
		if (len > 1 && fw->nextseq - 1 == seq)
			not_adv = false;
		if (len > 0 && rv->lastack != 0 && SEQ_LE(seq + len, rv->lastack))
			a |= NT_CAPA_SPURIOUS;
		else if (not_adv && rv->dupacknum >= 2 && rv->lastack == seq &&
			 now - rv->lastack_ns < FAST_RT_NS)
			a |= NT_CAPA_FAST_RETRANS;
		else if (not_adv && now - fw->lastseg_ns < thres && fw->nextseq != end)
			a |= NT_CAPA_OUT_OF_ORDER;
		else if (not_adv)
			a |= NT_CAPA_RETRANS;
	}

	nextseq = seq + len + ((fl & (NT_TCP_SYN | NT_TCP_FIN)) ? 1 : 0);
	if ((!had_seq || SEQ_GT(nextseq, fw->nextseq)) && !(a & NT_CAPA_ZW_PROBE)) {
		fw->nextseq = nextseq;
		fw->lastseg_ns = now;
		fw->have_seq = true;
	}
	if ((!had_seq || seq == fw->maxseqtobeacked) && !(a & NT_CAPA_ZW_PROBE))
		fw->maxseqtobeacked = fw->nextseq;
	fw->win = win;
	fw->lastack = ack;
	fw->lastack_ns = now;
	fw->have_ack = (fl & NT_TCP_ACK) != 0;
	fw->lastsegmentflags = a;
	return a;
}

/* which count each NT_CAPA_* bit adds to (retrans: any of three kinds) */
static const struct { uint32_t bits; size_t off; } counted[] = {
	{ ANY_RETRANS, offsetof(struct nt_cap_counts, retrans) },
	{ NT_CAPA_FAST_RETRANS, offsetof(struct nt_cap_counts, fast_retrans) },
	{ NT_CAPA_SPURIOUS, offsetof(struct nt_cap_counts, spurious_retrans) },
	{ NT_CAPA_OUT_OF_ORDER, offsetof(struct nt_cap_counts, out_of_order) },
	{ NT_CAPA_LOST, offsetof(struct nt_cap_counts, lost_segments) },
	{ NT_CAPA_ACKED_UNSEEN, offsetof(struct nt_cap_counts, acked_unseen) },
	{ NT_CAPA_DUP_ACK, offsetof(struct nt_cap_counts, dup_acks) },
	{ NT_CAPA_ZERO_WINDOW, offsetof(struct nt_cap_counts, zero_windows) },
	{ NT_CAPA_ZW_PROBE, offsetof(struct nt_cap_counts, zero_window_probes) },
	{ NT_CAPA_WINDOW_FULL, offsetof(struct nt_cap_counts, window_full) },
	{ NT_CAPA_KEEP_ALIVE, offsetof(struct nt_cap_counts, keep_alives) },
	{ NT_CAPA_PORT_REUSE, offsetof(struct nt_cap_counts, port_reuse) },
};

static void count(struct nt_cap_counts *c, uint32_t a)
{
	size_t i;

	for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		if (a & counted[i].bits)
			(*(uint64_t *)((char *)c + counted[i].off))++;
}

/* the handshake times and the window scale, after the judgement (the
 * order of Wireshark's dissect_tcp: options are read after the analysis,
 * the scale is checked after that) */
static void handshake(struct nt_cap_flow *f, struct nt_cap_dir *fw,
		      struct nt_cap_dir *rv, const struct nt_cap_pkt *p)
{
	uint8_t sa = p->flags & (NT_TCP_SYN | NT_TCP_ACK);
	uint64_t now = p->ts_ns;

	if (p->flags & NT_TCP_SYN) {
		if (p->wscale >= 0)
			fw->wscale = p->wscale > WSCALE_MAX ? WSCALE_MAX : p->wscale;
		if (fw->wscale == -1) {
			fw->wscale = -2;      /* this SYN had none: nobody scales */
			rv->wscale = -2;
		} else if (sa == (NT_TCP_SYN | NT_TCP_ACK) && rv->wscale == -2) {
			fw->wscale = -2;      /* offered back to a SYN without it */
		}
		fw->first_ack = true;
		if (sa == NT_TCP_SYN) {
			f->syn_ns = now;
		} else if (!f->synack_ns && f->syn_ns) {
			f->synack_ns = now;
			if (now >= f->syn_ns)
				f->handshake_rtt_ms = ns_ms(now - f->syn_ns);
		}
	}
	if (sa == NT_TCP_ACK) {
		if (f->syn_ns && !f->irtt_ns) {
			f->irtt_ns = now - f->syn_ns;
			if (now < f->syn_ns)
				f->irtt_ns = 0;       /* time went backwards */
			if (f->irtt_ns) {
				f->irtt_ms = ns_ms(f->irtt_ns);
				if (f->synack_ns && now >= f->synack_ns)
					f->handshake_ack_ms = ns_ms(now - f->synack_ns);
			}
		}
		fw->first_ack = false;
	}
}

/* data RTT under Karn's rule: fw times one segment at a time, the peer's
 * ACK of its end is the sample */
static void rtt_track(struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p,
		      uint32_t a, uint32_t oldnext, bool had_seq)
{
	struct nt_cap_dir *fw = &f->d[dir], *rv = &f->d[!dir];
	uint64_t now = p->ts_ns;

	if (p->flags & NT_TCP_ACK) {
		if (rv->rtt_valid && SEQ_GE(p->ack, rv->rtt_seq_end)) {
			/* a sample of the peer's segment: the peer's histogram */
			if (now >= rv->rtt_sent_ns)
				nt_cap_rtt_add(&f->rtt[!dir], ns_ms(now - rv->rtt_sent_ns));
			rv->rtt_valid = false;
		}
		if (rv->rtt_hold && SEQ_GE(p->ack, rv->rtt_hold_end))
			rv->rtt_hold = false;
	}
	if (!p->seglen)
		return;
	if (a & (ANY_RETRANS | NT_CAPA_OUT_OF_ORDER)) {
		fw->rtt_valid = false;
		fw->rtt_hold = true;
		fw->rtt_hold_end = fw->nextseq;
	} else if (!fw->rtt_valid && !fw->rtt_hold && (!had_seq || p->seq == oldnext) &&
		   !(a & (NT_CAPA_ZW_PROBE | NT_CAPA_KEEP_ALIVE)) && !(p->flags & NT_TCP_RST)) {
		fw->rtt_valid = true;
		fw->rtt_seq_end = p->seq + p->seglen;
		fw->rtt_sent_ns = now;
	}
}

/* time a direction advertises a zero window */
static void zero_window(struct nt_cap_flow *f, struct nt_cap_dir *fw,
			const struct nt_cap_pkt *p)
{
	if (p->win == 0 && !(p->flags & SFR)) {
		if (!fw->zw_open) {
			fw->zw_open = true;
			fw->zw_since_ns = p->ts_ns;
		}
	} else if (fw->zw_open && (p->win != 0 || (p->flags & NT_TCP_RST))) {
		if (p->ts_ns > fw->zw_since_ns)
			f->c.zero_window_ms += ns_ms(p->ts_ns - fw->zw_since_ns);
		fw->zw_open = false;
	}
}

void nt_cap_seq_segment(struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p)
{
	struct nt_cap_dir *fw = &f->d[dir & 1], *rv = &f->d[!(dir & 1)];
	uint8_t sa = p->flags & (NT_TCP_SYN | NT_TCP_ACK);
	uint32_t a, oldnext;
	bool had_seq;

	f->c.packets++;
	f->c.bytes += p->wirelen;
	f->c.payload_bytes += p->seglen;
	f->c.data_segments += p->seglen != 0;
	f->last_ns = p->ts_ns;

	/* before the judgement, as dissect_tcp does: a SYN repeated with its
	 * ISN restarts from what was ACKable (a RST may have moved nextseq),
	 * a SYN/ACK with a new ISN is a reuse; then the ISNs */
	if (sa == NT_TCP_SYN && fw->have_base && p->seq == fw->base_seq)
		fw->nextseq = fw->maxseqtobeacked;
	a = 0;
	if (sa == (NT_TCP_SYN | NT_TCP_ACK) && fw->have_base && p->seq != fw->base_seq) {
		fw->base_seq = p->seq;
		a = NT_CAPA_PORT_REUSE;
	}
	if (!fw->have_base) {
		fw->base_seq = (p->flags & NT_TCP_SYN) ? p->seq : p->seq - 1;
		fw->have_base = true;
	}
	if (!rv->have_base && (p->flags & NT_TCP_ACK)) {
		rv->base_seq = p->ack - 1;
		rv->have_base = true;
	}

	had_seq = fw->have_seq;
	oldnext = fw->nextseq;
	a |= judge(f, fw, rv, p);
	fw->lastsegmentflags = a;
	if (a)
		count(&f->c, a);
	if (p->flags & NT_TCP_RST) {
		f->c.rsts++;
		f->c.rsts_server += (dir & 1) == server_dir(f);
		f->closed = true;
	}
	if (p->flags & NT_TCP_FIN) {
		fw->fin = true;
		if (rv->fin)
			f->closed = true;
	}
	handshake(f, fw, rv, p);
	zero_window(f, fw, p);
	rtt_track(f, dir & 1, p, a, oldnext, had_seq);
}

int nt_cap_flow_rtt_dir(const struct nt_cap_flow *f)
{
	const struct nt_cap_rtt *r = f->rtt;

	if (!isnan(f->handshake_rtt_ms) && !isnan(f->handshake_ack_ms))
		return f->handshake_rtt_ms > f->handshake_ack_ms ? 0 : 1;
	if (r[1].n && (!r[0].n || nt_cap_rtt_mean(&r[1]) > nt_cap_rtt_mean(&r[0])))
		return 1;
	return 0;
}

const struct nt_cap_rtt *nt_cap_flow_rtt(const struct nt_cap_flow *f)
{
	return &f->rtt[nt_cap_flow_rtt_dir(f)];
}

bool nt_cap_seq_icmp_match(const struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p)
{
	const struct nt_cap_dir *d = &f->d[dir & 1];

	if (!d->have_base || !d->have_seq)
		return false;
	/* modulo 2^32: seq - base within nextseq - base */
	return p->seq - d->base_seq <= d->nextseq - d->base_seq;
}

void nt_cap_seq_icmp(struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p)
{
	(void)dir;
	f->c.icmp_errors++;
	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
}
