/* capture: per-flow TCP health on the wire (libpcap), judged the way
 * Wireshark's TCP sequence analysis judges it (epan/dissectors/packet-tcp.c,
 * tcp_analyze_sequence_number, 4.x), written our own way.
 *
 * Three pure parts, each unit-tested and fuzzed without a capture:
 *   decoder   (src/capture/cap_decode.c) one frame of a link type into a
 *             struct nt_cap_pkt: bytes in, struct out, every length checked
 *             before it is read;
 *   flows     (src/capture/cap_flow.c) the bounded flow table: hash on the
 *             5-tuple (both directions one flow), LRU eviction at
 *             max_flows, evicted flows' counts kept in the totals;
 *   analysis  (src/capture/cap_seq.c) one packet against its flow's two
 *             directions: retransmissions and their kinds, lost and
 *             ACKed-unseen segments, duplicate ACKs, zero windows, RTTs.
 * The source (libpcap offline or live), the layer and the renderers are in
 * src/capture/ too and see only this header. Nothing here is
 * process-global: two tables can run side by side. */
#ifndef NT_CAPTURE_H
#define NT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- decoder ---- */

enum nt_cap_kind {
	NT_CAPK_OTHER = 0, /* decoded, not TCP and not an ICMP error: counted only */
	NT_CAPK_TCP,       /* a TCP segment (IPv4 or IPv6, first fragment or whole) */
	NT_CAPK_ICMP_ERR,  /* ICMP/ICMPv6 error quoting a TCP segment's headers */
};

/* TCP flag bits as on the wire (byte 13 of the header) */
#define NT_TCP_FIN 0x01u
#define NT_TCP_SYN 0x02u
#define NT_TCP_RST 0x04u
#define NT_TCP_PSH 0x08u
#define NT_TCP_ACK 0x10u
#define NT_TCP_URG 0x20u
#define NT_TCP_ECE 0x40u
#define NT_TCP_CWR 0x80u

/* One direction's addresses and ports. IPv4 addresses are in the first 4
 * bytes, the other 12 zero, so a tuple compares and hashes as bytes. */
struct nt_cap_tuple {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t pad[3];          /* zero */
	uint16_t sport, dport;   /* host order */
	uint8_t src[16], dst[16];
};

struct nt_cap_pkt {
	uint64_t ts_ns;          /* capture time, ns since the epoch */
	uint32_t wirelen;        /* frame length on the wire (pcap len) */
	enum nt_cap_kind kind;
	/* TCP: the segment's own tuple. ICMP_ERR: the quoted segment's tuple
	 * as its sender sent it (src = the host whose segment failed). */
	struct nt_cap_tuple t;
	/* TCP (for ICMP_ERR the quoted seq only: 8 bytes are all RFC 792
	 * promises, so ack/flags/win are unknown there) */
	uint32_t seq, ack;
	uint32_t seglen;         /* payload bytes from the IP length and the
				  * TCP data offset, not from the capture
				  * length: a snapped frame keeps its length */
	uint16_t win;            /* raw window field, unscaled */
	uint8_t flags;           /* NT_TCP_* */
	int8_t wscale;           /* window scale option (SYN), -1 when absent */
	uint16_t mss;            /* MSS option (SYN), 0 when absent */
	bool sack_perm;          /* SACK-permitted option (SYN) */
	uint8_t nsack;           /* SACK blocks in this segment (0..4) */
	uint32_t sack_le[4], sack_re[4];
	bool ts_present;         /* timestamps option */
	uint32_t tsval, tsecr;
	/* ICMP_ERR */
	uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 numbers (t.family says) */
};

/* Why nt_cap_decode refused a frame (its negative return is -EINVAL;
 * *why is set to one of these when why is not NULL). */
enum nt_cap_bad {
	NT_CAPB_NONE = 0,
	NT_CAPB_TRUNC,    /* the capture ends inside a header we need */
	NT_CAPB_MALFORMED,/* a length or version field that cannot be right */
	NT_CAPB_LINK,     /* link type not supported */
};

/* Whether the decoder knows link type dlt (DLT_EN10MB with 802.1Q/802.1ad
 * tags, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
 * DLT_NULL, DLT_LOOP). */
bool nt_cap_dlt_ok(int dlt);
/* Decode one frame: b[0..caplen) of a frame wirelen long, link type dlt.
 * 0 with *p filled (kind OTHER for anything neither TCP nor an ICMP error
 * quoting TCP: ARP, UDP, a non-first fragment, ...); -EINVAL when a header
 * needed to get there is cut or malformed (*why says which). Reads
 * nothing outside b[0..caplen). */
int nt_cap_decode(int dlt, const uint8_t *b, uint32_t caplen, uint32_t wirelen,
		  uint64_t ts_ns, struct nt_cap_pkt *p, enum nt_cap_bad *why);

/* ---- RTT samples: bounded per flow ---- */

/* A log histogram of RTTs: NT_CAP_RTT_PER_OCT buckets per octave from
 * 1 us (bucket 0: below 1 us; the last, from 2^(93/4) us = 9.97 s:
 * everything above).
 * Bounded memory: the buckets are 16 bits. When a bucket would exceed
 * 65535, every bucket of that histogram is halved and shift goes up by
 * one; after k halvings a bucket counts units of 2^k samples, so a new
 * sample adds one with probability 2^-k, and an odd bucket halved (or a
 * merged one scaled down) keeps its half unit with probability 1/2: the
 * dice are a hash of n, so the result is deterministic, and each
 * bucket's share stays the true one within rounding (unbiased; its
 * error is a few units out of at least 32768 in the fullest bucket).
 * n, min_ms, max_ms and sum_ms stay exact (so do the mean and the
 * exact-percentile case below). A flow holds two of these. */
#define NT_CAP_RTT_BUCKETS 95
#define NT_CAP_RTT_PER_OCT 4
struct nt_cap_rtt {
	uint64_t n;
	double min_ms, max_ms, sum_ms;     /* min/max NaN while n == 0 */
	uint16_t h[NT_CAP_RTT_BUCKETS];
	uint8_t shift;                     /* halvings so far (above) */
	uint8_t pad;
};
void nt_cap_rtt_init(struct nt_cap_rtt *r);
void nt_cap_rtt_add(struct nt_cap_rtt *r, double ms);
void nt_cap_rtt_merge(struct nt_cap_rtt *into, const struct nt_cap_rtt *r);
/* Nearest-rank percentile (0 < q <= 1): exact (the max) while the rank is
 * the last sample (n < 100 for p99), else the geometric middle of the
 * rank's bucket clamped to [min, max]; NaN with no sample. */
double nt_cap_rtt_pct(const struct nt_cap_rtt *r, double q);
double nt_cap_rtt_mean(const struct nt_cap_rtt *r);

/* ---- per-flow counts ---- */

/* What a flow counts (and, summed, the totals). Every name follows
 * Wireshark's tcp.analysis.* flag it mirrors; retrans counts every
 * retransmission of any kind (tcp.analysis.retransmission), fast_retrans
 * and spurious_retrans are subsets of it; out_of_order is not a
 * retransmission. */
struct nt_cap_counts {
	uint64_t packets;          /* TCP segments of the flow */
	uint64_t bytes;            /* their frame lengths on the wire */
	uint64_t payload_bytes;    /* their TCP payload */
	uint64_t data_segments;    /* segments with payload: the ratio's base */
	uint64_t retrans;
	uint64_t fast_retrans;
	uint64_t spurious_retrans;
	uint64_t out_of_order;
	uint64_t lost_segments;    /* previous segment not captured */
	uint64_t acked_unseen;     /* ACKed segment that wasn't captured */
	uint64_t dup_acks;
	uint64_t zero_windows;     /* segments advertising a zero window */
	uint64_t zero_window_probes;
	uint64_t window_full;
	uint64_t keep_alives;
	uint64_t rsts;
	uint64_t rsts_server;      /* RSTs sent by the server side (below) */
	uint64_t port_reuse;       /* new SYN on a finished 5-tuple */
	uint64_t icmp_errors;      /* ICMP errors quoting the flow's segments */
	double zero_window_ms;     /* time a direction advertised zero window */
};

/* ---- the flow table ---- */

/* One direction's sequence state (private to cap_seq.c in meaning; here
 * so a flow is one plain struct). Sequence numbers are absolute and
 * compared modulo 2^32. */
struct nt_cap_dir {
	uint32_t nextseq;        /* highest seq + len seen (+1 SYN/FIN) */
	uint32_t maxseqtobeacked;
	uint32_t lastack;        /* ack field of this side's last segment */
	uint32_t win;            /* last window, raw (UINT32_MAX: none yet) */
	uint64_t lastack_ns;     /* time of this side's last segment */
	uint64_t lastseg_ns;     /* time nextseq last moved forward */
	uint64_t zw_since_ns;    /* zero window advertised since (zw_open) */
	/* Karn's rule: the oldest unacked data segment we time */
	uint64_t rtt_sent_ns;
	uint32_t rtt_seq_end;    /* seq + len of the timed segment */
	uint32_t lastsegmentflags; /* NT_CAPA_* of this side's last segment */
	uint32_t dupacknum;      /* duplicate ACKs in a row; UINT32_MAX:
				  * Wireshark's -1 (an ACKed-unseen segment
				  * neutralised, counts as 0 and then 1) */
	uint32_t base_seq;       /* the ISN (Wireshark's base_seq) */
	uint32_t rtt_hold_end;
	int8_t wscale;           /* -1 unknown, -2 known absent on one SYN */
	/* one bit each (72 bytes a direction) */
	bool have_seq : 1;       /* nextseq is valid */
	bool have_ack : 1;       /* lastack came from a segment with ACK set */
	bool fin : 1;            /* this side sent FIN */
	bool rtt_valid : 1;
	bool have_base : 1;      /* base_seq known */
	bool first_ack : 1;      /* sent a SYN, no ACK-only segment since: its
				  * last window was a SYN's (never scaled) */
	bool zw_open : 1;        /* a zero-window stall is open */
	bool rtt_hold : 1;       /* a retransmission is outstanding: no RTT
				  * sample until the peer ACKs rtt_hold_end */
};

/* What nt_cap_seq_segment found in one segment (d[dir].lastsegmentflags
 * after the call), one bit per Wireshark tcp.analysis.* flag. */
#define NT_CAPA_RETRANS        0x0001u
#define NT_CAPA_LOST           0x0002u /* previous segment not captured */
#define NT_CAPA_ACKED_UNSEEN   0x0004u
#define NT_CAPA_KEEP_ALIVE     0x0008u
#define NT_CAPA_DUP_ACK        0x0010u
#define NT_CAPA_ZERO_WINDOW    0x0020u
#define NT_CAPA_ZW_PROBE       0x0040u
#define NT_CAPA_ZW_PROBE_ACK   0x0080u
#define NT_CAPA_KEEP_ALIVE_ACK 0x0100u
#define NT_CAPA_OUT_OF_ORDER   0x0200u
#define NT_CAPA_FAST_RETRANS   0x0400u
#define NT_CAPA_WINDOW_UPDATE  0x0800u
#define NT_CAPA_WINDOW_FULL    0x1000u
#define NT_CAPA_PORT_REUSE     0x2000u
#define NT_CAPA_SPURIOUS       0x4000u

/* A flow: both directions of one 5-tuple, d[0] the client's (the SYN's
 * sender; without a SYN the first packet's sender), d[1] the server's.
 * sizeof is 888 bytes (held to that at compile time in cap_flow.c): a
 * default table of 100,000 flows is 88.8 MB of slots plus 1 MiB of
 * buckets (262144); measured with every slot in use, VmRSS grows by
 * 88,048 kB (86 MiB) over the process without the table.
 * A lookup reads bytes 0..47 (key, hash, hnext). Slots are not aligned to
 * cache lines: with an 888-byte stride those 48 bytes straddle two 64-byte
 * lines in 5 slots of every 8 (aligning them would take 896 bytes). */
struct nt_cap_flow {
	struct nt_cap_tuple key;   /* src/sport = client */
	/* table bookkeeping (cap_flow.c) */
	uint32_t hash;
	uint32_t hnext;            /* hash chain, index + 1, 0 = end */
	uint32_t lprev, lnext;     /* LRU list, index + 1, 0 = end */
	bool saw_syn;              /* client known from a SYN (or from a
				    * SYN/ACK: its receiver) */
	bool closed;               /* FIN both ways, or a RST (informational:
				    * port reuse is judged by the ISN) */
	uint64_t first_ns, last_ns;
	uint64_t syn_ns, synack_ns;
	uint64_t irtt_ns;          /* the initial RTT in ns, 0 while unknown
				    * (added after eb27c30: the out-of-order
				    * test) */
	struct nt_cap_dir d[2];
	struct nt_cap_counts c;
	double handshake_rtt_ms;   /* SYN -> SYN/ACK (NaN when not seen) */
	double handshake_ack_ms;   /* SYN/ACK -> ACK (NaN when not seen) */
	double irtt_ms;            /* their sum: Wireshark's tcp.analysis.initial_rtt */
	uint64_t id;               /* 1, 2, ... in order of creation */
	/* data RTT samples, Karn's rule: rtt[s] times segments sent by side s
	 * and ACKed by the other (changed after 983a5df from one histogram
	 * for both: at one capture point one direction is the path's RTT,
	 * the other only the near host's ACK delay). Read the path's with
	 * nt_cap_flow_rtt(). */
	struct nt_cap_rtt rtt[2];
};

/* The direction whose RTT samples measure the path (cap_seq.c, "How it
 * judges"), 0 or 1, and its histogram: what the flow's rtt_ms shows and
 * what the totals merge. */
int nt_cap_flow_rtt_dir(const struct nt_cap_flow *f);
const struct nt_cap_rtt *nt_cap_flow_rtt(const struct nt_cap_flow *f);

struct nt_cap_table {
	struct nt_cap_flow *flows; /* max_flows slots, allocated once */
	uint32_t *bucket;          /* nbucket heads, index + 1 */
	uint32_t nbucket;          /* power of two */
	uint32_t max_flows, nflows;
	uint32_t lru_head, lru_tail; /* most / least recently used */
	uint32_t free_head;        /* unused: an evicted slot is reused at once */
	uint64_t next_id;
	uint64_t flows_total;      /* flows ever created */
	uint64_t evicted;
	struct nt_cap_counts evicted_sum; /* counts of evicted flows */
	struct nt_cap_rtt evicted_rtt;   /* their nt_cap_flow_rtt() */
	/* packets seen by nt_cap_table_add by kind */
	uint64_t tcp_packets, icmp_errors, icmp_unmatched;
};

/* 1 <= max_flows <= 2^30. 0; -EINVAL for a max_flows out of that range;
 * -ENOMEM. No allocation after this. */
int nt_cap_table_init(struct nt_cap_table *t, uint32_t max_flows);
void nt_cap_table_free(struct nt_cap_table *t);
/* Account one decoded packet (TCP or ICMP_ERR; OTHER is ignored): find or
 * create its flow (evicting the least recently used when full), run the
 * sequence analysis, count. No allocation, no output. */
void nt_cap_table_add(struct nt_cap_table *t, const struct nt_cap_pkt *p);
/* End of capture at ts_ns: close open zero-window stalls into
 * zero_window_ms. (A flow evicted before the end has its open stalls
 * closed at its own last packet, f->last_ns, not at the evicting packet's
 * time, so zero_window_ms does not depend on max_flows.) */
void nt_cap_table_finish(struct nt_cap_table *t, uint64_t ts_ns);
/* The live flows, in no order: t->flows[i] for i < t->nflows is not
 * guaranteed; iterate with this (NULL at the end; start with NULL). */
const struct nt_cap_flow *nt_cap_table_next(const struct nt_cap_table *t,
					    const struct nt_cap_flow *f);
/* Totals over every flow seen, evicted ones included; rtt (may be NULL)
 * merges each flow's nt_cap_flow_rtt(). */
void nt_cap_table_totals(const struct nt_cap_table *t, struct nt_cap_counts *c,
			 struct nt_cap_rtt *rtt);

/* The analysis of one TCP segment against flow f (dir 0: sent by the
 * client); cap_seq.c, called by nt_cap_table_add. Exposed for tests. */
void nt_cap_seq_segment(struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p);
/* Whether an ICMP error's quoted seq (p->seq, sent by side dir) lies in
 * what that side has sent, [d[dir].base_seq, d[dir].nextseq] modulo 2^32
 * (RFC 5927, 4.1); a side with no sequence seen yet matches nothing. */
bool nt_cap_seq_icmp_match(const struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p);
/* Count an ICMP error quoting a segment of f (matched as above). */
void nt_cap_seq_icmp(struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p);
/* A new flow from its first segment p (TCP): zeroes f, sets the key (the
 * client first: p's sender, or p's receiver when p is a SYN/ACK) and the
 * per-direction state; the table's bookkeeping fields are left zero. */
void nt_cap_seq_init(struct nt_cap_flow *f, const struct nt_cap_pkt *p);
/* Whether segment p (dir) on f starts a new conversation on the same
 * 5-tuple: a SYN without ACK whose sequence differs from the ISN that
 * direction already has (Wireshark 4.0's "port numbers reused"). */
bool nt_cap_seq_reuse(const struct nt_cap_flow *f, int dir, const struct nt_cap_pkt *p);
/* 0 when tuple t is f's key as is (sent by the client), 1 when it is the
 * key reversed, -1 when t is not f's. */
int nt_cap_flow_dir(const struct nt_cap_flow *f, const struct nt_cap_tuple *t);

#endif
