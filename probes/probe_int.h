/* Internals of the probe engine shared by probe_sock.c and probe_sched.c. */
#ifndef NT_PROBE_INT_H
#define NT_PROBE_INT_H

#include <time.h>
#include "nt_probe.h"

#define NT_PROBE_MAX_FLOWS 16
#define NT_PROBE_SLOTS 65536 /* indexed by the 16-bit sequence */
#define NT_PROBE_BUCKETS 256

struct nt_probe_slot {
	uint8_t state;        /* SLOT_* */
	uint8_t ttl, flow;
	uint16_t seq;
	long cycle;
	double tx_mono;
	struct timespec tx_real;  /* CLOCK_REALTIME just before sendmsg */
	struct timespec tx_kern;  /* kernel software TX stamp, if it came */
	bool have_tx_kern;
};

enum { SLOT_FREE, SLOT_PENDING, SLOT_ANSWERED, SLOT_LOST, SLOT_DONE };

struct nt_pace {
	struct nt_paddr a;
	double tokens, t;
};

struct nt_prober {
	struct nt_probe_opts o;
	enum nt_probe_sock kind;
	int fd[NT_PROBE_MAX_FLOWS];
	int nfd;
	uint16_t id[NT_PROBE_MAX_FLOWS];
	uint32_t tag;
	bool dropped;
	uint8_t *buf;
	bool tx_ts;                          /* SO_TIMESTAMPING TX is on */
	uint32_t txkey[NT_PROBE_MAX_FLOWS];  /* next OPT_ID key per socket */
	uint16_t *txmap;                     /* [fd][key & 0xffff] -> seq */
	struct nt_probe_slot *slot;
	struct nt_pace pace[NT_PROBE_BUCKETS];
	int npace;
};

/* A kernel TX timestamp read from the error queue. */
struct nt_probe_txstamp {
	int fdi;              /* index into fd[] */
	uint32_t key;         /* SOF_TIMESTAMPING_OPT_ID counter */
	struct timespec ts;
};

int nt_probe_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		  struct timespec *tx_real, double *tx_mono);
/* 1: reply in *r; 2: TX stamp in *tx; 0: nothing left; <0 as below. */
int nt_probe_recv(struct nt_prober *p, int fdi, bool errq,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  struct nt_probe_txstamp *tx, uint8_t *buf, size_t buflen);

#endif
