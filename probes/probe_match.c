/* Reply matching: which outstanding probe a decoded reply answers. Pure
 * (table and reply in, verdict out) so canned replies can be fed to it.
 * RFC 792 guarantees only the quoted IP header and 8 bytes after it, so
 * the keys are there: the ICMP echo id and sequence, or for UDP the source
 * port (one per flow), the destination port, the length and the checksum,
 * which nt_probe_udp_fill makes equal to the sequence (Paris traceroute:
 * the 5-tuple stays constant, so ECMP routers keep one path). */
#include <netinet/in.h>
#include <string.h>
#include "nt_probe.h"

/* Ones' complement sum (not complemented) of the pseudo-header, the UDP
 * header with a zero checksum, and the payload. */
static uint16_t udp_sum(const struct nt_paddr *src, const struct nt_paddr *dst,
			uint16_t sport, uint16_t dport, const uint8_t *payload,
			size_t len)
{
	size_t alen = src->family == AF_INET ? 4 : 16;
	uint32_t ulen = (uint32_t)(8 + len), s = 0;

	s = nt_probe_sum16(s, src->a, alen);
	s = nt_probe_sum16(s, dst->a, alen);
	s += IPPROTO_UDP;
	s += (ulen >> 16) + (ulen & 0xffff); /* v4: 16 bits; v6: 32 bits */
	s += sport;
	s += dport;
	s += ulen & 0xffff;
	s = nt_probe_fold(s);
	return nt_probe_fold(nt_probe_sum16(s, payload, len));
}

uint16_t nt_probe_udp_cksum(const struct nt_paddr *src, const struct nt_paddr *dst,
			    uint16_t sport, uint16_t dport, const uint8_t *payload,
			    size_t len)
{
	uint16_t c = (uint16_t)~udp_sum(src, dst, sport, dport, payload, len);

	return c ? c : 0xffff; /* RFC 768: a computed 0 is sent as all ones */
}

void nt_probe_udp_fill(uint8_t *payload, size_t len, uint32_t tag, uint16_t seq,
		       uint8_t ttl, uint8_t flow, const struct nt_paddr *src,
		       const struct nt_paddr *dst, uint16_t sport, uint16_t dport)
{
	uint16_t s, c;

	if (len < NT_PROBE_HDR)
		return;
	nt_probe_payload_fill(payload, len, tag, seq, ttl, flow);
	/* Bytes 12-13 (an even offset in the datagram) compensate: with the
	 * rest summing to s, c = ~seq - s makes the sum ~seq and so the
	 * checksum seq (seq 0xffff: the sum is 0xffff, the checksum 0, sent
	 * as 0xffff; seq 0 is never used). */
	payload[12] = payload[13] = 0;
	s = udp_sum(src, dst, sport, dport, payload, len);
	c = nt_probe_fold((uint32_t)(uint16_t)~seq + (uint16_t)~s);
	payload[12] = (uint8_t)(c >> 8);
	payload[13] = (uint8_t)c;
}

/* What a reply to this probe is, by the probe's state. */
static enum nt_probe_match by_state(const struct nt_probe_slot *sl)
{
	switch (sl->state) {
	case NT_SLOT_PENDING: return NT_MATCH_PENDING;
	case NT_SLOT_LOST: return NT_MATCH_LATE;
	case NT_SLOT_ANSWERED:
	case NT_SLOT_DONE: return NT_MATCH_DUP;
	default: return NT_MATCH_NONE;
	}
}

static int find_flow(const struct nt_probe_table *t, uint16_t id)
{
	int i;

	for (i = 0; i < t->flows && i < NT_PROBE_MAX_FLOWS; i++)
		if (t->id[i] == id)
			return i;
	return -1;
}

enum nt_probe_match nt_probe_match(const struct nt_probe_table *t,
				   const struct nt_probe_reply *r, int fdi,
				   uint16_t *seq)
{
	const struct nt_probe_slot *sl;
	uint16_t s, pseq;
	uint8_t pttl, pflow;
	bool have_pl;
	int flow;

	if (r->qdst.family && !nt_paddr_eq(&r->qdst, &t->dst))
		return NT_MATCH_NONE; /* quotes a packet to someone else */
	have_pl = nt_probe_payload_parse(r->payload, r->payload_len, t->tag,
					 &pseq, &pttl, &pflow) == 0;
	switch (t->kind) {
	case NT_PS_UDP:
		/* Error queue: the kernel found our socket from the quoted
		 * ports but hands over only the quoted payload. */
		if (r->proto != IPPROTO_UDP || fdi < 0 || fdi >= t->flows || !have_pl ||
		    pflow != fdi)
			return NT_MATCH_NONE;
		flow = fdi;
		s = pseq;
		break;
	case NT_PS_UDP_RAW:
		if (r->proto != IPPROTO_UDP || !r->have_udp8 || !r->qdst.family ||
		    r->dport != t->port || r->ulen != 8 + t->size)
			return NT_MATCH_NONE;
		flow = find_flow(t, r->sport);
		if (flow < 0)
			return NT_MATCH_NONE;
		s = r->ucsum;
		/* A full quote carries our payload: trust it over the
		 * checksum, which a sender's own kernel may quote before
		 * checksum offload filled it in (veth, containers). */
		if (have_pl) {
			if (pflow != flow)
				return NT_MATCH_NONE;
			s = pseq;
		} else if (r->payload_len >= 12) {
			return NT_MATCH_NONE; /* a payload, but not ours */
		}
		break;
	case NT_PS_TCP_RAW: {
		int q;

		/* Half-open SYNs: the target's SYN-ACK or RST acknowledges
		 * isn + 1; a router's error quotes the SYN's ports and isn. */
		if (r->proto != IPPROTO_TCP)
			return NT_MATCH_NONE;
		if (r->kind == NT_PR_TCP_SYNACK || r->kind == NT_PR_TCP_RST) {
			if (!nt_paddr_eq(&r->src, &t->dst) || r->sport != t->port)
				return NT_MATCH_NONE;
			flow = find_flow(t, r->dport);
			q = nt_probe_tcp_seq_of(t->tag, r->tack - 1u);
		} else {
			if (!r->have_tseq || !r->qdst.family || r->dport != t->port)
				return NT_MATCH_NONE;
			flow = find_flow(t, r->sport);
			q = nt_probe_tcp_seq_of(t->tag, r->tseq);
		}
		if (flow < 0 || q < 0)
			return NT_MATCH_NONE;
		s = (uint16_t)q;
		break;
	}
	case NT_PS_RAW:
	case NT_PS_DGRAM:
		if (!r->have_id || (r->proto != IPPROTO_ICMP && r->proto != IPPROTO_ICMPV6))
			return NT_MATCH_NONE;
		flow = find_flow(t, r->id);
		if (flow < 0 || (t->kind == NT_PS_DGRAM && fdi >= 0 && fdi != flow))
			return NT_MATCH_NONE;
		s = r->seq;
		if (r->payload_len >= 12 && (!have_pl || pseq != s || pflow != flow))
			return NT_MATCH_NONE;
		break;
	default:
		return NT_MATCH_NONE;
	}
	if (s == 0 || !t->slot)
		return NT_MATCH_NONE;
	sl = &t->slot[s];
	if (sl->seq != s || sl->flow != flow)
		return NT_MATCH_NONE;
	*seq = s;
	return by_state(sl);
}

enum nt_probe_match nt_probe_match_slot(const struct nt_probe_table *t,
					const struct nt_probe_reply *r,
					uint16_t seq)
{
	const struct nt_probe_slot *sl;
	uint16_t pseq;
	uint8_t pttl, pflow;

	if (seq == 0 || !t->slot)
		return NT_MATCH_NONE;
	sl = &t->slot[seq];
	if (sl->seq != seq || r->family != t->dst.family)
		return NT_MATCH_NONE;
	if (r->qdst.family && !nt_paddr_eq(&r->qdst, &t->dst))
		return NT_MATCH_NONE; /* quotes a packet to someone else */
	switch (t->kind) {
	case NT_PS_UDP:
		if (r->proto != IPPROTO_UDP)
			return NT_MATCH_NONE;
		/* a quoted header, where the reply has one, must be this
		 * probe's: ports and length (the socket names the probe: the
		 * checksum is not checked here) */
		if (r->have_id && (r->sport != sl->port || r->dport != t->port))
			return NT_MATCH_NONE;
		if (r->have_udp8 && r->ulen != 8 + t->size)
			return NT_MATCH_NONE;
		break;
	case NT_PS_TCP:
		/* the socket's own error queue or its connect() result: the
		 * kernel matched the 4-tuple (and the quoted sequence); the
		 * ports must still be this probe's */
		if (r->proto != IPPROTO_TCP || !r->have_id)
			return NT_MATCH_NONE;
		if (r->kind == NT_PR_TCP_SYNACK || r->kind == NT_PR_TCP_RST) {
			if (!nt_paddr_eq(&r->src, &t->dst) || r->sport != t->port ||
			    r->dport != sl->port)
				return NT_MATCH_NONE;
		} else if (r->sport != sl->port || r->dport != t->port) {
			return NT_MATCH_NONE;
		}
		break;
	default:
		return NT_MATCH_NONE;
	}
	/* a quoted payload, when there is one, must be ours and this probe's */
	if (r->payload_len >= 12 &&
	    (nt_probe_payload_parse(r->payload, r->payload_len, t->tag, &pseq,
				    &pttl, &pflow) != 0 || pseq != seq))
		return NT_MATCH_NONE;
	return by_state(sl);
}
