/* Internals of the probe engine shared by probe_sock.c and probe_sched.c. */
#ifndef NT_PROBE_INT_H
#define NT_PROBE_INT_H

#include <time.h>
#include "nt_probe.h"

#define NT_PROBE_BUCKETS 256

struct nt_pace {
	struct nt_paddr a;
	double tokens, t;
};

/* Sockets of one family opened in phase 1 (privileged). */
struct nt_probe_fam {
	enum nt_probe_sock kind;   /* NT_PS_NONE: none opened */
	int fd[NT_PROBE_MAX_FLOWS];
	int nfd;
	int rawfd;                 /* raw ICMP socket of a UDP run, or -1 */
	bool fallback;             /* ICMP not allowed: UDP instead (NT_PS_UDP) */
	int err;                   /* -errno when kind is NT_PS_NONE */
	const char *why;
};

/* Per-probe sockets (a slot's fd): what a probe kind implements. The run
 * loop (probe_sched.c) calls send for every probe, polls every slot fd
 * still open with POLLIN | events(), hands any revents to io, matches
 * what io reports with nt_probe_match_slot and closes the fd (close hook
 * first) once the probe is answered, or once its linger (2 x timeout)
 * has passed after it was counted lost. At most p->open_cap slot fds are
 * open at once: a probe beyond it is held back and counted
 * (NT_HELD_SOCKETS). */
struct nt_probe_slot_ops {
	/* Open a socket for probe s (ttl, flow, seq set; s->fd -1), set it
	 * up, set s->fd (and s->port) and send (or start connecting), with
	 * s->tx_real/s->tx_mono read just before. 0, or -errno: with s->fd
	 * still -1 and -EMFILE/-ENFILE the probe is held back (not sent);
	 * otherwise -ENOBUFS, -EAGAIN, -EINTR, -ECONNREFUSED, -EHOSTUNREACH,
	 * -ENETUNREACH, -EPERM count as sent and lost, anything else ends
	 * the run. */
	int (*send)(struct nt_prober *p, struct nt_probe_slot *s);
	/* poll events wanted besides POLLIN (e.g. POLLOUT while a TCP
	 * connect is in progress); NULL: none. POLLERR and POLLHUP always
	 * come. */
	short (*events)(const struct nt_prober *p, const struct nt_probe_slot *s);
	/* revents on s->fd: read one thing. 1: a reply in *r (rx, have_rx:
	 * its kernel RX stamp), the loop matches it to s; 0: nothing (more)
	 * now; -ENOMSG/-EBADMSG: a message that is not ours (counted
	 * foreign), call again; another -errno: this probe's socket is
	 * broken, the loop closes it (the probe stays pending: lost at its
	 * timeout). Called until it returns 0 (at most 64 times a wake-up).
	 * A kernel TX stamp is the kind's to attach (s->tx_kern). */
	int (*io)(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  uint8_t *buf, size_t buflen);
	/* Optional: just before the loop closes s->fd (SO_LINGER 0...). */
	void (*close)(struct nt_prober *p, struct nt_probe_slot *s);
	/* > 0: an unanswered slot fd is closed this long after its send at
	 * the latest, even inside its linger (a TCP connect socket before
	 * the kernel's first SYN retransmission); 0: the linger alone. */
	double max_life;
};

/* The cap of slot fds open at once (also kept under RLIMIT_NOFILE). */
#define NT_PROBE_MAX_OPEN 1024

struct nt_prober {
	struct nt_probe_opts o;
	struct nt_probe_table tab;           /* kind, dst, ids, tag, slots */
	struct nt_probe_fam fam[2];          /* [0] IPv4, [1] IPv6 (phase 1) */
	int fd[NT_PROBE_MAX_FLOWS + 1];      /* flow sockets, then rxfd */
	int nfd;                             /* flow sockets */
	int rxfd;                            /* raw ICMP socket (UDP_RAW) or -1 */
	struct nt_paddr src;                 /* local address (UDP checksum) */
	uint8_t *buf;
	bool tx_ts;                          /* SO_TIMESTAMPING TX is on */
	bool ts_optid;                       /* SCM_TS_OPT_ID: we name each key */
	uint32_t txkey[NT_PROBE_MAX_FLOWS];  /* next OPT_ID key per socket */
	uint16_t *txmap;                     /* [fd][key & 0xffff] -> seq */
	struct nt_pace pace[NT_PROBE_BUCKETS];
	int npace;
	int tcp_resv[NT_PROBE_MAX_FLOWS];    /* TCP_RAW: each flow's reserved port */
	int ntcp_resv;
	const struct nt_probe_slot_ops *sops; /* per-probe sockets, or NULL */
	bool fallback;                       /* ICMP asked, UDP used */
	bool targeted;                       /* nt_probe_target done */
	bool tskey_early;                    /* kernel < 6.8: sk_tskey taken before the
					      * length checks, never given back */
	uint16_t *open;                      /* seqs of slots with an fd */
	int nopen, open_cap;
};

/* A kernel TX timestamp read from the error queue. */
struct nt_probe_txstamp {
	int fdi;              /* index into fd[] */
	uint32_t key;         /* SOF_TIMESTAMPING_OPT_ID counter */
	struct timespec ts;
};

/* Read one message from fd (errq: its error queue) and decode it. raw: a
 * raw ICMP socket (IPv4: with the IP header); proto: the probes'
 * (IPPROTO_UDP, ICMP, ICMPV6: what the error queue's payload is).
 * 1: reply in *r; 2: TX stamp in *tx (tx->fdi left alone); 0: nothing
 * left; -ENOMSG/-EBADMSG: not ours; another -errno. */
int nt_probe_recv_fd(struct nt_prober *p, int fd, bool errq, bool raw,
		     uint8_t proto, struct nt_probe_reply *r, struct timespec *rx,
		     bool *have_rx, struct nt_probe_txstamp *tx, uint8_t *buf,
		     size_t buflen);

/* Options every probe socket gets (probe_sock.c): error queue, RX
 * timestamps, reply TTL, TOS/traffic class, non-blocking; raw: no error
 * queue. 0 or -errno. */
int nt_probe_common_opts(int fd, int family, int tos, bool raw);
/* Unprivileged UDP, one connected socket per probe (probe_slot.c). */
extern const struct nt_probe_slot_ops nt_probe_udp_slot_ops;

/* Per-probe sockets for p (probe_slot.c; in nt_probe_target, before
 * p->sops is set):
 * the list of open slot fds, its cap. 0 or -errno. */
int nt_probe_slots_init(struct nt_prober *p);
/* Close a slot's fd (the kind's close hook first) and forget it. */
void nt_probe_slot_close(struct nt_prober *p, struct nt_probe_slot *s);

int nt_probe_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		  struct timespec *tx_real, double *tx_mono);
/* fdi: index into fd[]; p->nfd is the raw ICMP socket of a UDP_RAW run.
 * 1: reply in *r; 2: TX stamp in *tx; 3: a TCP segment for no probe (skip);
 * 0: nothing left; <0 as below. */
int nt_probe_recv(struct nt_prober *p, int fdi, bool errq,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  struct nt_probe_txstamp *tx, uint8_t *buf, size_t buflen);

/* A sockaddr for a:port into ss; its length. */
socklen_t nt_probe_fill_sa(const struct nt_paddr *a, uint16_t port,
			   struct sockaddr_storage *ss);
/* The local address and port of fd (getsockname), the inverse of
 * nt_probe_fill_sa: 0, or -errno with *a and *port untouched. */
int nt_probe_sockname(int fd, struct nt_paddr *a, uint16_t *port);
/* CLOCK_REALTIME, then CLOCK_MONOTONIC in seconds: a probe's send time,
 * read just before it goes out. */
void nt_probe_tx_clock(struct timespec *real, double *mono);
/* Attach a kernel TX stamp to s if it falls inside the send: between the
 * CLOCK_REALTIME read before it and 50 ms after (a per-socket key is only
 * trusted there). Whether it was attached. */
bool nt_probe_slot_txstamp(struct nt_probe_slot *s, const struct timespec *ts);

/* TCP probes (probe_tcp.c). Phase 1: the raw TCP socket into f->fd[0]
 * (0 or -errno). Phase 2: source address, socket filter and reserved ports
 * (0 or -errno with *why). A half-open SYN per probe. Closing the ports. */
int nt_probe_tcp_open_raw(struct nt_probe_fam *f, int family);
int nt_probe_tcp_target(struct nt_prober *p, const char **why);
/* The SYN of probe seq on flow into p->buf: its length, or -errno (sent
 * by nt_probe_send like every other probe: TTL, TX stamp key). */
int nt_probe_tcp_fill(struct nt_prober *p, int flow, uint16_t seq);
void nt_probe_tcp_close(struct nt_prober *p);
/* Unprivileged TCP: a non-blocking connect() per probe (NT_PS_TCP). */
extern const struct nt_probe_slot_ops nt_probe_tcp_ops;

/* Whether the running kernel (uname release, e.g. "6.1.0-13-amd64")
 * takes the TX-stamp key (sk_tskey) at the start of __ip_append_data
 * and never gives it back on an error there: Linux before 6.8 (commit
 * 488b6d91b071), but for the 6.1 stable series from 6.1.120, where the
 * fix was backported. Unparseable: false (the current rule). Pure. */
bool nt_probe_tskey_early(const char *release);
/* Whether a sendmsg that returned err (0 or -errno) used up a key of the
 * socket's own count (sk_tskey): success; ENOBUFS (dropped on the way
 * out, after __ip_append_data); with early (nt_probe_tskey_early) also
 * every error __ip_append_data itself returns (EAGAIN, EMSGSIZE, EFAULT,
 * ENOMEM, a pending socket error from sock_alloc_send_pskb such as
 * ECONNREFUSED or EHOSTUNREACH). Not a route error (ENETUNREACH, from
 * the route lookup before it) nor a control-message one (EINVAL). Pure. */
bool nt_probe_tskey_used(int err, bool early);

#endif
