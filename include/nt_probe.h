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
	struct nt_paddr qdst;    /* quoted destination, family 0 if none */
	int quoted_ttl;          /* TTL left in the quoted header, -1 unknown */
	const uint8_t *payload;  /* probe payload (after the ICMP/UDP header) */
	size_t payload_len;
	uint16_t ext_len;        /* RFC 4884 extension offset in bytes, 0 none */
	int nmpls;               /* RFC 4950 label stack entries */
	uint32_t mpls[NT_PROBE_MAX_MPLS]; /* label<<12 | tc<<9 | s<<8 | ttl */
	bool truncated;          /* quote shorter than the probe's header */
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
/* Internet checksum (RFC 1071) of buf. */
uint16_t nt_probe_cksum(const void *buf, size_t len);

/* ---- engine ---- */

enum nt_probe_mode { NT_PM_ICMP, NT_PM_UDP };
enum nt_probe_sock { NT_PS_NONE, NT_PS_DGRAM, NT_PS_RAW, NT_PS_UDP };

struct nt_probe_opts {
	struct nt_paddr dst;
	enum nt_probe_mode mode;
	uint16_t port;       /* UDP destination port */
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
};

enum nt_probe_ev {
	NT_EV_SENT,    /* a probe left */
	NT_EV_REPLY,   /* a matched reply within the timeout */
	NT_EV_LATE,    /* a matched reply after the timeout */
	NT_EV_LOST,    /* timeout passed without a reply */
	NT_EV_FOREIGN, /* not ours (or a duplicate) */
	NT_EV_CANCEL,  /* stopped before its timeout: neither sent nor lost */
	NT_EV_CYCLE,   /* a cycle's probes are all out */
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
	bool from_dst;         /* the destination answered */
	bool unreach;          /* destination unreachable: nothing beyond */
	bool skipped;          /* SENT: not sent, pacing held it back */
	const struct nt_probe_reply *reply;
};

typedef void (*nt_probe_cb)(void *ctx, const struct nt_probe_event *ev);

struct nt_prober;

/* Open the sockets for mode/family; privileged sockets are opened first and
 * privileges dropped at once, before anything is parsed. Returns 0 or
 * -errno; *why names what failed. */
int nt_probe_open(struct nt_prober **pp, const struct nt_probe_opts *o,
		  const char **why);
void nt_probe_close(struct nt_prober *p);
enum nt_probe_sock nt_probe_socktype(const struct nt_prober *p);
/* True when privileges were dropped (raw socket path). */
bool nt_probe_dropped(const struct nt_prober *p);

/* Run every cycle; events go to cb. Returns 0, -EINTR when stopped by a
 * signal (results so far are valid) or -errno on a socket error. */
int nt_probe_run(struct nt_prober *p, nt_probe_cb cb, void *ctx);

/* Drop privileges: setresgid/setresuid to the real ids, clear every
 * capability, PR_SET_NO_NEW_PRIVS; verifies the drop. 0 or -errno. */
int nt_probe_drop_privs(void);

#endif
