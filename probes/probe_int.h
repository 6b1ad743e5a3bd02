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
	int err;                   /* -errno when kind is NT_PS_NONE */
	const char *why;
};

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
	uint32_t txkey[NT_PROBE_MAX_FLOWS];  /* next OPT_ID key per socket */
	uint16_t *txmap;                     /* [fd][key & 0xffff] -> seq */
	struct nt_pace pace[NT_PROBE_BUCKETS];
	int npace;
	int tcp_resv[NT_PROBE_MAX_FLOWS];    /* TCP_RAW: each flow's reserved port */
	int ntcp_resv;
};

/* A kernel TX timestamp read from the error queue. */
struct nt_probe_txstamp {
	int fdi;              /* index into fd[] */
	uint32_t key;         /* SOF_TIMESTAMPING_OPT_ID counter */
	struct timespec ts;
};

int nt_probe_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		  struct timespec *tx_real, double *tx_mono);
/* fdi: index into fd[]; p->nfd is the raw ICMP socket of a UDP_RAW run.
 * 1: reply in *r; 2: TX stamp in *tx; 3: a TCP segment for no probe (skip);
 * 0: nothing left; <0 as below. */
int nt_probe_recv(struct nt_prober *p, int fdi, bool errq,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  struct nt_probe_txstamp *tx, uint8_t *buf, size_t buflen);

/* TCP probes (probe_tcp.c). Phase 1: the raw TCP socket into f->fd[0]
 * (0 or -errno). Phase 2: source address and reserved ports (0 or -errno
 * with *why). A half-open SYN per probe. Closing the reserved ports. */
int nt_probe_tcp_open_raw(struct nt_probe_fam *f, int family);
int nt_probe_tcp_target(struct nt_prober *p, const char **why);
int nt_probe_tcp_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		      struct timespec *tx_real, double *tx_mono);
void nt_probe_tcp_close(struct nt_prober *p);

#endif
