/* The path-probe engine (probes/): reply decoding, sockets and privilege
 * drop, and the scheduler. The only code in nettriage that opens raw
 * sockets. The decoder is pure (bytes in, struct out) so unit tests and the
 * fuzzer feed it canned packets. */
#ifndef NT_PROBE_H
#define NT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <pthread.h>
#include <time.h>
#include <linux/errqueue.h>

/* An IPv4 or IPv6 address; a[0..3] for IPv4. */
struct nt_paddr {
	uint8_t family; /* AF_INET, AF_INET6, 0 = none */
	uint8_t a[16];
};

bool nt_paddr_eq(const struct nt_paddr *x, const struct nt_paddr *y);
/* Text form into buf (INET6_ADDRSTRLEN is enough); "" for none. */
const char *nt_paddr_str(const struct nt_paddr *x, char *buf, size_t len);
/* Parse a numeric address of either family; 0 or -EINVAL. */
int nt_paddr_parse(const char *s, struct nt_paddr *x);

enum nt_probe_kind {
	NT_PR_NONE = 0,
	NT_PR_ECHO_REPLY,    /* ICMP/ICMPv6 echo reply */
	NT_PR_TIME_EXCEEDED, /* TTL/hop limit exceeded in transit */
	NT_PR_UNREACH,       /* destination unreachable (port, host, net...) */
	NT_PR_OTHER_ERR,     /* another ICMP error quoting a probe */
	NT_PR_TCP_SYNACK,    /* TCP SYN-ACK from the target: port open */
	NT_PR_TCP_RST,       /* TCP RST from the target: port closed */
};

#define NT_PROBE_MAX_MPLS 8

/* Probe payload: magic, session tag, sequence, TTL, flow, compensation. */
#define NT_PROBE_MAGIC 0x4e545052u /* "NTPR" */
#define NT_PROBE_HDR 14            /* bytes of our header in the payload */

/* A decoded reply. Pointers point into the caller's buffer. */
struct nt_probe_reply {
	enum nt_probe_kind kind;
	uint8_t family;          /* of the probe: AF_INET or AF_INET6 */
	uint8_t type, code;      /* ICMP(v6) type and code of the reply */
	struct nt_paddr src;     /* responder (outer header or offender) */
	int reply_ttl;           /* TTL/hop limit of the reply, -1 unknown */
	uint8_t proto;           /* protocol of the probe: ICMP(V6) or UDP */
	bool have_id;            /* id/seq (ICMP) or ports (UDP) known */
	uint16_t id, seq;        /* ICMP echo identifier and sequence */
	uint16_t sport, dport;   /* UDP ports of the quoted probe */
	bool have_udp8;          /* the quoted UDP header is complete: */
	uint16_t ulen, ucsum;    /* ... its length and checksum */
	struct nt_paddr qdst;    /* quoted destination, family 0 if none */
	int quoted_ttl;          /* TTL left in the quoted header, -1 unknown */
	const uint8_t *payload;  /* probe payload (after the ICMP/UDP header) */
	size_t payload_len;
	uint16_t ext_len;        /* RFC 4884 extension offset in bytes, 0 none */
	int nmpls;               /* RFC 4950 label stack entries */
	uint32_t mpls[NT_PROBE_MAX_MPLS]; /* label<<12 | tc<<9 | s<<8 | ttl */
	bool truncated;          /* quote shorter than the probe's header */
	/* TCP (proto IPPROTO_TCP): a quoted header (sport, dport above, and
	 * its sequence number when 8 bytes were quoted), or a segment from
	 * the target (kind NT_PR_TCP_SYNACK / NT_PR_TCP_RST: ports as sent by
	 * the target, so sport is the probed port). */
	bool have_tseq;          /* tseq is the quoted sequence number */
	uint32_t tseq, tack;     /* sequence and acknowledgment numbers */
	uint8_t tflags;          /* TCP flags (segment, or quote of >= 14 bytes) */
};

/* Decode one ICMP (family AF_INET) or ICMPv6 (AF_INET6) message.
 * ip_header: buf starts with an IPv4 header (raw IPv4 sockets); otherwise it
 * starts with the ICMP header (ICMP datagram sockets, raw ICMPv6).
 * Returns 0 for an echo reply or an error quoting an ICMP echo or UDP
 * datagram; -ENOMSG for anything else (foreign: echo requests, redirects,
 * errors quoting other protocols); -EBADMSG when a length is inconsistent.
 * Every length is checked before it is read. */
int nt_probe_decode(int family, bool ip_header, const void *buf, size_t len,
		    struct nt_probe_reply *r);

/* Decode an error-queue message (IP_RECVERR/IPV6_RECVERR): ee and the
 * offender address (SO_EE_OFFENDER) as the kernel gave them, and the
 * returned payload: the ICMP echo header and data for ICMP datagram
 * sockets (proto ICMP/ICMPV6), the UDP payload for UDP sockets.
 * Returns 0, -ENOMSG (not an ICMP error), -EBADMSG. */
int nt_probe_decode_errq(int family, uint8_t proto,
			 const struct sock_extended_err *ee,
			 const struct sockaddr *offender, size_t offender_len,
			 const void *payload, size_t len,
			 struct nt_probe_reply *r);

/* Decode a TCP segment read from a raw IPPROTO_TCP socket (IPv4: with its
 * IP header; IPv6: without, the caller fills r->src from the socket
 * address). 0 for a SYN-ACK (kind NT_PR_TCP_SYNACK) or an RST
 * (NT_PR_TCP_RST) with sport/dport/tseq/tack/tflags filled; -ENOMSG for
 * any other segment; -EBADMSG for an inconsistent length. Pure. */
int nt_probe_decode_tcp(int family, bool ip_header, const void *buf, size_t len,
			struct nt_probe_reply *r);

/* TCP probes (probes/probe_tcp.c). The sequence number of a half-open SYN
 * names the probe: the session tag's upper 16 bits, then the 16-bit probe
 * sequence, so the 8 bytes every router quotes (ports, sequence) and the
 * target's acknowledgment (sequence + 1) both give it back. */
uint32_t nt_probe_tcp_isn(uint32_t tag, uint16_t seq);
/* The probe sequence in isn, or -1 when it does not carry tag. */
int nt_probe_tcp_seq_of(uint32_t tag, uint32_t isn);
/* Build a 24-byte SYN (20-byte header and an MSS 1460 option, window
 * 64240) from src:sport to dst:dport with sequence isn and its checksum
 * into buf (len >= 24). Returns the length written (24) or -EINVAL. Pure. */
int nt_probe_tcp_syn(uint8_t *buf, size_t len, const struct nt_paddr *src,
		     const struct nt_paddr *dst, uint16_t sport, uint16_t dport,
		     uint32_t isn);

/* Fill our probe header into payload (len >= NT_PROBE_HDR) and return the
 * sequence read back by nt_probe_payload_seq. The last two bytes of the
 * header compensate the ones' complement sum so that (icmp seq + payload)
 * sums to a constant: the ICMP checksum stays the same for every probe
 * (Paris traceroute). */
void nt_probe_payload_fill(uint8_t *payload, size_t len, uint32_t tag,
			   uint16_t seq, uint8_t ttl, uint8_t flow);
/* 0 and the fields if payload carries our header with this tag, else -1. */
int nt_probe_payload_parse(const uint8_t *payload, size_t len, uint32_t tag,
			   uint16_t *seq, uint8_t *ttl, uint8_t *flow);
/* RTT in ms of one probe. tx_real: CLOCK_REALTIME read just before send;
 * rx: the kernel's SO_TIMESTAMPNS stamp (same clock) when have_rx;
 * mono_delta: CLOCK_MONOTONIC seconds from send to reading the reply. The
 * kernel difference is used only inside [0, mono_delta + 0.1 ms]; outside
 * (a clock step, no stamp) the monotonic delta is. *kernel says which. */
double nt_probe_rtt_ms(const struct timespec *tx_real, const struct timespec *rx,
		       bool have_rx, double mono_delta, bool *kernel);
/* Internet checksum (RFC 1071) of buf: ~nt_probe_fold(nt_probe_sum16(0,
 * buf, len)). The two parts are for sums over several pieces (the UDP
 * pseudo-header): nt_probe_sum16 adds len bytes as big-endian 16-bit
 * words (an odd last byte as its high half) to s; nt_probe_fold folds the
 * carries into 16 bits, not complemented. */
uint16_t nt_probe_cksum(const void *buf, size_t len);
uint32_t nt_probe_sum16(uint32_t s, const void *buf, size_t len);
uint16_t nt_probe_fold(uint32_t s);

/* ---- engine ---- */

enum nt_probe_mode { NT_PM_ICMP, NT_PM_UDP, NT_PM_TCP };
#define NT_PROBE_UDP_PORT 33434 /* traceroute's first port */
/* NT_PS_UDP: UDP probes, one socket per probe (unprivileged), replies
 * from that socket's error queue;
 * NT_PS_UDP_RAW: UDP probes, replies read from a raw ICMP socket (the
 * quoted header, so an 8-byte quote is enough).
 * NT_PS_TCP: unprivileged TCP, one non-blocking connect() per probe, the
 * ICMP errors from its error queue; NT_PS_TCP_RAW: half-open SYNs from a
 * raw TCP socket (CAP_NET_RAW), each flow's source port reserved by a
 * bound TCP socket, errors read from a raw ICMP socket and matched on the
 * quoted ports and sequence number. */
enum nt_probe_sock { NT_PS_NONE, NT_PS_DGRAM, NT_PS_RAW, NT_PS_UDP, NT_PS_UDP_RAW,
		     NT_PS_TCP, NT_PS_TCP_RAW };

/* A packet-rate cap shared by several probers (path --rate): a token
 * bucket of rate tokens per second, burst deep, behind a mutex, so the
 * probers of several threads draw from one budget. */
struct nt_probe_rate {
	pthread_mutex_t mu;
	double rate, burst, tokens, t; /* t: CLOCK_MONOTONIC of the last refill */
	double share;                  /* most tokens one request gets */
	uint64_t taken, held;
};

/* rate > 0 packets per second; burst >= 1 (a full bucket to start);
 * interval > 0: seconds between one user's requests (a cycle); users:
 * how many probers share it (one request gets at most
 * max(1, min(burst, rate * interval) / users) tokens, so each user gets
 * its part of what a cycle refills). 0 or -EINVAL. */
int nt_probe_rate_init(struct nt_probe_rate *r, double rate, double burst, double interval,
		       int users);
void nt_probe_rate_destroy(struct nt_probe_rate *r);
/* Up to want tokens at CLOCK_MONOTONIC now (seconds): how many were
 * granted (the rest counted in held). Thread-safe. */
int nt_probe_rate_take_n(struct nt_probe_rate *r, int want, double now);
/* Return n granted tokens that were not used. */
void nt_probe_rate_give(struct nt_probe_rate *r, int n);
/* Whether probe i of a cycle's n (TTL order) goes out when got tokens
 * were granted: all when got >= n; else the last (the highest TTL: the
 * destination once known) first, the other got - 1 spread evenly over
 * the n - 1 others, turning with cycle so every hop gets its share. Pure. */
bool nt_probe_rate_pick(int i, int n, int got, long cycle);

struct nt_probe_opts {
	struct nt_paddr dst; /* family AF_INET/AF_INET6 or 0: open both */
	enum nt_probe_mode mode;
	uint16_t port;       /* UDP or TCP destination port */
	int first_ttl, max_ttl;
	long cycles;
	double interval;     /* seconds between cycles */
	double timeout;      /* seconds before a probe is lost */
	int size;            /* payload bytes (>= NT_PROBE_HDR) */
	int tos;             /* -1 = leave alone */
	int flows;           /* Paris flows, 1 = constant */
	bool pace;           /* stay under the ICMP error rate limit */
	double pace_rate;    /* errors per second per responder (1) */
	double pace_burst;   /* bucket depth (6) */
	struct nt_probe_rate *rate; /* global packet-rate cap, NULL none */
};

enum nt_probe_ev {
	NT_EV_SENT,    /* a probe left */
	NT_EV_REPLY,   /* a matched reply within the timeout */
	NT_EV_LATE,    /* a matched reply after the timeout */
	NT_EV_LOST,    /* timeout passed without a reply */
	NT_EV_FOREIGN, /* not ours (or a duplicate) */
	NT_EV_CANCEL,  /* stopped before its timeout: neither sent nor lost */
	NT_EV_CYCLE,   /* a cycle's probes are all out */
	NT_EV_BEYOND,  /* the destination answered a probe to a TTL above its
			* own (sent before its TTL was known): neither a
			* hop's reply nor foreign */
};

/* Why a reply is foreign (NT_EV_FOREIGN, field why). */
enum nt_probe_foreign {
	NT_FOREIGN_NOMATCH, /* no probe of this run: other programs' ICMP,
			     * errors about other traffic, other sessions */
	NT_FOREIGN_DUP,     /* a second answer to a probe already answered */
	NT_FOREIGN_BAD,     /* inconsistent lengths: could not be decoded */
};

struct nt_probe_event {
	enum nt_probe_ev ev;
	int ttl;
	long cycle;
	struct nt_paddr responder;
	double rtt_ms;         /* REPLY and LATE */
	uint8_t type, code;
	int reply_ttl;
	bool kernel_ts;        /* RTT from kernel RX stamp (else CLOCK_MONOTONIC) */
	bool kernel_tx;        /* ... minus the kernel TX stamp (else the
				* CLOCK_REALTIME read before sendmsg) */
	bool tcp_info;         /* ... the kernel's handshake RTT (TCP_INFO
				* tcpi_rtt, TCP connect probes) */
	bool from_dst;         /* the destination answered */
	bool unreach;          /* destination unreachable: nothing beyond */
	uint8_t port_state;    /* REPLY/LATE of a TCP probe: NT_PORT_* */
	bool skipped;          /* SENT: not sent, held back (held says why) */
	uint8_t held;          /* SENT with skipped: NT_HELD_* */
	uint8_t why;           /* FOREIGN: NT_FOREIGN_* */
	int dst_ttl;           /* REPLY, LATE, BEYOND: the destination's TTL as
				* the engine knows it now (its cap), 0 unknown */
	const struct nt_probe_reply *reply;
};

/* What a TCP probe learnt of the destination port. */
enum { NT_PORT_NONE, NT_PORT_OPEN, NT_PORT_CLOSED };

/* Why a probe was held back (SENT with skipped): it is counted, never
 * silently dropped. */
enum nt_probe_held {
	NT_HELD_NONE,
	NT_HELD_PACE,    /* the responder's ICMP error rate limit (pacing) */
	NT_HELD_SOCKETS, /* per-probe sockets: the cap of sockets in flight */
	NT_HELD_RATE,    /* the global packet-rate cap (--rate) */
};

typedef void (*nt_probe_cb)(void *ctx, const struct nt_probe_event *ev);

/* ---- reply matching (probes/probe_match.c) ---- */

#define NT_PROBE_MAX_FLOWS 16
#define NT_PROBE_SLOTS 65536 /* indexed by the 16-bit sequence; 0 unused */

/* One outstanding (or answered) probe. */
struct nt_probe_slot {
	uint8_t state;        /* NT_SLOT_* */
	uint8_t ttl, flow;
	uint16_t seq;
	int fd;               /* the probe's own socket (per-probe kinds), -1 none */
	uint16_t port;        /* ... its local port (UDP/TCP source port) */
	uint8_t cap_sent;     /* the TTL cap in force when sent, 0 none */
	long cycle;
	double tx_mono;
	struct timespec tx_real;  /* CLOCK_REALTIME just before sendmsg */
	struct timespec tx_kern;  /* kernel software TX stamp, if it came */
	bool have_tx_kern;
	bool rtt_tcp_info;    /* the RX stamp is tx_real + TCP_INFO tcpi_rtt */
};

enum { NT_SLOT_FREE, NT_SLOT_PENDING, NT_SLOT_ANSWERED, NT_SLOT_LOST, NT_SLOT_DONE };

/* What the matcher needs to know of a run: the probes it sent. */
struct nt_probe_table {
	enum nt_probe_sock kind;
	struct nt_paddr dst;
	uint16_t port;                  /* UDP or TCP destination port */
	int flows;
	uint16_t id[NT_PROBE_MAX_FLOWS]; /* ICMP echo id, or UDP/TCP source port */
	uint32_t tag;                   /* session tag in our payload */
	int size;                       /* payload bytes */
	struct nt_probe_slot *slot;     /* NT_PROBE_SLOTS entries */
};

enum nt_probe_match {
	NT_MATCH_NONE,    /* not ours */
	NT_MATCH_PENDING, /* answers a probe still waiting: a reply */
	NT_MATCH_LATE,    /* answers a probe already counted lost */
	NT_MATCH_DUP,     /* answers a probe already answered */
};

/* Which probe a decoded reply answers. fdi: the index of the socket it was
 * read from (the flow, for datagram sockets), -1 for the raw ICMP socket.
 * Only the quoted IP header and the first 8 bytes after it are needed:
 * ICMP echo id/seq, or UDP source port (flow), destination port and
 * checksum (sequence, see nt_probe_udp_fill). A quoted payload, when
 * there is one, must agree. Error-queue records of UDP sockets carry no
 * quoted header: there the payload is the only key (NT_PS_UDP with flow
 * socket fdi), and a minimal quote cannot be matched, which is why the
 * engine gives unprivileged UDP a socket per probe and matches with
 * nt_probe_match_slot. *seq is set for every result but NONE. Pure. */
enum nt_probe_match nt_probe_match(const struct nt_probe_table *t,
				   const struct nt_probe_reply *r, int fdi,
				   uint16_t *seq);

/* Which probe a reply read from a probe's own socket answers: the socket
 * names the probe (slot seq), but the reply must still agree where it
 * can: family and quoted destination, the probe's protocol, a quoted
 * header (UDP: ports) when there is one, and our payload header when
 * 12 bytes or more of payload are quoted. Pure. */
enum nt_probe_match nt_probe_match_slot(const struct nt_probe_table *t,
					const struct nt_probe_reply *r,
					uint16_t seq);

/* Fill the UDP payload of probe seq (len >= NT_PROBE_HDR) so that the
 * UDP checksum the kernel computes for src:sport -> dst:dport is seq
 * (Paris traceroute: the 5-tuple stays constant, the checksum, inside the
 * first 8 bytes every router quotes, names the probe). seq != 0. */
void nt_probe_udp_fill(uint8_t *payload, size_t len, uint32_t tag, uint16_t seq,
		       uint8_t ttl, uint8_t flow, const struct nt_paddr *src,
		       const struct nt_paddr *dst, uint16_t sport, uint16_t dport);
/* The UDP checksum (RFC 768/8200, 0 sent as 0xffff) of a datagram. */
uint16_t nt_probe_udp_cksum(const struct nt_paddr *src, const struct nt_paddr *dst,
			    uint16_t sport, uint16_t dport, const uint8_t *payload,
			    size_t len);

/* ---- sockets and the run ---- */

struct nt_prober;

/* Phase 1, while privileged: open the probe sockets for o->dst.family, or
 * for both families when it is 0 (the name is not resolved yet). Nothing
 * is parsed and no privilege is changed: the caller drops them next,
 * before phase 2 (the path command with nt_probe_drop_privs; triage once
 * for every layer). Returns 0 when at least one family has sockets, else
 * -errno; *why names what failed. */
int nt_probe_open(struct nt_prober **pp, const struct nt_probe_opts *o,
		  const char **why);
/* Cycles and their interval for nt_probe_run (o->cycles, o->interval of
 * nt_probe_open until then). */
void nt_probe_set_run(struct nt_prober *p, long cycles, double interval);
/* Whether phase 1 opened sockets for family (AF_INET, AF_INET6). */
bool nt_probe_has_family(const struct nt_prober *p, int family);
/* The error and its description for a family phase 1 could not open. */
int nt_probe_family_err(const struct nt_prober *p, int family, const char **why);
/* Phase 2, unprivileged: fix the destination (after resolving), close the
 * other family's sockets, connect/bind and set the socket options.
 * 0 or -errno with *why. */
int nt_probe_target(struct nt_prober *p, const struct nt_paddr *dst,
		    const char **why);
void nt_probe_close(struct nt_prober *p);
enum nt_probe_sock nt_probe_socktype(const struct nt_prober *p);
/* Whether every probe has a socket of its own (unprivileged UDP: the
 * error queue gives no quoted header, so the socket names the probe; the
 * source port then changes per probe, "per-probe"), or the flow's 5-tuple
 * stays constant ("paris"). After nt_probe_target. */
bool nt_probe_per_probe(const struct nt_prober *p);
/* ICMP was asked for but neither a ping socket (net.ipv4.ping_group_range)
 * nor a raw socket (CAP_NET_RAW) is allowed: UDP probes instead, to
 * o->port or NT_PROBE_UDP_PORT (phase 1 decides; after nt_probe_target
 * the run is a UDP run). */
bool nt_probe_fallback(const struct nt_prober *p);
/* The UDP destination port of the run (after nt_probe_target). */
uint16_t nt_probe_port(const struct nt_prober *p);
/* The probe timeout in force (nt_probe_target clamps it for NT_PS_TCP to
 * NT_PROBE_TCP_MAX_TIMEOUT: below the kernel's first SYN retransmission
 * at 1 s, so no retransmitted SYN is ever timed). */
#define NT_PROBE_TCP_MAX_TIMEOUT 0.9
/* an unanswered connect() probe's socket is closed this long after its
 * send, before the kernel's first SYN retransmission (1 s) */
#define NT_PROBE_TCP_MAX_LIFE 0.95
double nt_probe_timeout(const struct nt_prober *p);
/* Whether a raw socket (CAP_NET_RAW at nt_probe_open) is among p's. */
bool nt_probe_has_raw(const struct nt_prober *p);

/* Run every cycle; events go to cb. SIGINT and SIGTERM are blocked except
 * inside ppoll, so a stop signal is never lost between the check of
 * nt_stop and the sleep. Returns 0, -EINTR when stopped by a signal
 * (results so far are valid) or -errno on a socket error. Needs no
 * privilege. Probers are independent: several may run at once, each in
 * its own thread (the signal mask is the calling thread's; nt_stop is only
 * read). */
int nt_probe_run(struct nt_prober *p, nt_probe_cb cb, void *ctx);

/* The uid/gid a process running as root drops to (nobody/nogroup). */
#define NT_PROBE_DROP_UID 65534
#define NT_PROBE_DROP_GID 65534

/* Drop privileges: supplementary groups, setresgid/setresuid to the real
 * ids (to NT_PROBE_DROP_UID/GID when the real uid is 0), clear every
 * capability (all sets, ambient, bounding where allowed),
 * PR_SET_NO_NEW_PRIVS; verifies the drop with getresuid/getresgid and
 * capget. 0 or -errno. */
int nt_probe_drop_privs(void);
/* Whether nt_probe_drop_privs changes the uid (root becomes nobody), so
 * files root could write may no longer be writable. */
bool nt_probe_drops_uid(void);

#endif
