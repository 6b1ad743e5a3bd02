/* path model: engine events into per-hop, per-responder statistics; loss
 * attribution (rate_limited); rows, field table and verdicts. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nt_path.h"

#define OFF(m) offsetof(struct nt_path_row, m)
#define SOFF(m) (OFF(s) + offsetof(struct nt_stats_summary, m))

static const struct nt_field path_fields[] = {
	{ "ttl", "TTL", 0, NT_T_U32, OFF(ttl), NT_P_LABEL, NT_PATH_F_HOP, NULL, -1,
	  "TTL (hop limit) of the probes", NULL },
	{ "ip", "IP", 0, NT_T_STR, OFF(ip), NT_P_LABEL, NT_F_ID, NULL,
	  NT_PR_AV_IP, "Responder address; null for a hop that never answered",
	  "responder" },
	{ "host", "HOST", 0, NT_T_STR, OFF(host), NT_P_NONE, NT_F_ID, NULL,
	  NT_PR_AV_HOST, "Reverse DNS name of the responder; null with -n or none", NULL },
	{ "sent", "SNT", 0, NT_T_U64, OFF(sent), NT_P_NONE, NT_F_TOTAL, NULL, -1,
	  "Probes sent at this TTL whose fate is known", NULL },
	{ "received", "RCV", 0, NT_T_U64, OFF(received), NT_P_NONE, NT_F_TOTAL,
	  NULL, -1, "Replies from this responder within the timeout", NULL },
	{ "late", "LATE", 0, NT_T_U64, OFF(late), NT_P_NONE, NT_F_TOTAL, NULL, -1,
	  "Replies after the timeout (not lost, not in the RTT statistics)", NULL },
	{ "loss_pct", "LOSS%", 0, NT_T_DOUBLE, OFF(loss_pct), NT_P_NONE,
	  NT_F_RATE, NULL, -1,
	  "Probes at this TTL that no responder answered, percent", NULL },
	{ "low", "LOSS-LO", 0, NT_T_DOUBLE, OFF(loss_lo), NT_P_NONE, NT_F_RATE,
	  "loss_ci_pct", -1, "95 % Wilson interval of loss_pct, lower bound", NULL },
	{ "high", "LOSS-HI", 0, NT_T_DOUBLE, OFF(loss_hi), NT_P_NONE, NT_F_RATE,
	  "loss_ci_pct", -1, "95 % Wilson interval of loss_pct, upper bound", NULL },
	{ "rate_limited", "RL", 0, NT_T_BOOL, OFF(rate_limited), NT_P_NONE,
	  NT_F_INFO | NT_PATH_F_HOP, NULL, -1,
	  "Loss here does not carry to later hops: ICMP rate limiting", NULL },
	{ "is_destination", "DST", 0, NT_T_BOOL, OFF(is_dst), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "The responder is the target", NULL },
#define S(k, m, h) { k, NULL, 0, NT_T_DOUBLE, SOFF(m), NT_P_NONE, NT_F_RATE, \
		     "rtt_ms", -1, h, NULL }
	S("last", last, "RTT of the last reply, ms"),
	S("min", min, "Smallest RTT, ms"),
	S("mean", mean, "Mean RTT (Welford), ms"),
	S("max", max, "Largest RTT, ms"),
	S("stddev", stddev, "Sample standard deviation of the RTT (n-1), ms"),
	S("p50", p50, "Median RTT, ms"),
	S("p90", p90, "90th percentile RTT, ms"),
	S("p99", p99, "99th percentile RTT, ms"),
#undef S
#define J(k, m, h) { k, NULL, 0, NT_T_DOUBLE, SOFF(m), NT_P_NONE, NT_F_RATE, \
		     "jitter_ms", -1, h, NULL }
	J("mean", jit_mean, "Mean |RTT(n) - RTT(n-1)| over consecutive replies, ms"),
	J("max", jit_max, "Largest |RTT(n) - RTT(n-1)|, ms"),
	J("rfc3550", jit_rfc3550, "RFC 3550 interarrival jitter J += (|D| - J)/16, ms"),
#undef J
	{ "icmp_type", "TYPE", 0, NT_T_U32, OFF(icmp_type), NT_P_NONE, NT_F_INFO,
	  NULL, NT_PR_AV_ICMP, "ICMP type of the last reply", NULL },
	{ "icmp_code", "CODE", 0, NT_T_U32, OFF(icmp_code), NT_P_NONE, NT_F_INFO,
	  NULL, NT_PR_AV_ICMP, "ICMP code of the last reply", NULL },
	{ "reply_ttl", "RTTL", 0, NT_T_U32, OFF(reply_ttl), NT_P_NONE, NT_F_INFO,
	  NULL, NT_PR_AV_RTTL, "TTL (hop limit) of the last reply as received", NULL },
	{ "mpls", "MPLS", 0, NT_T_STR, OFF(mpls), NT_P_NONE, NT_F_INFO, NULL,
	  NT_PR_AV_MPLS, "RFC 4950 MPLS labels quoted in the last reply, outermost first", NULL },
	{ "paced", "PACED", 0, NT_T_U64, OFF(paced), NT_P_NONE, NT_PATH_F_HOP, NULL, -1,
	  "Probes at this TTL held back (not sent) to stay under the responder's ICMP rate limit or --rate",
	  NULL },
};

const struct nt_rectype nt_path_rectype = {
	.json_array = "rows",
	.prom_prefix = "nettriage_path",
	.fields = path_fields,
	.nfields = sizeof(path_fields) / sizeof(path_fields[0]),
	.size = sizeof(struct nt_path_row),
	.avail_off = OFF(avail),
	.subject_off = OFF(ip),
};

void nt_path_init(struct nt_path *p)
{
	memset(p, 0, sizeof(*p));
}

void nt_path_free(struct nt_path *p)
{
	int t;

	for (t = 0; t <= NT_PATH_MAX_TTL; t++) {
		struct nt_path_resp *r = p->hop[t].resp, *nx;

		for (; r; r = nx) {
			nx = r->next;
			nt_stats_free(&r->st);
			free(r);
		}
		p->hop[t].resp = NULL;
	}
}

void nt_path_reset(struct nt_path *p, long from_cycle)
{
	struct nt_path keep;

	nt_path_free(p);
	keep = *p; /* the responder lists are gone: nothing shared */
	memset(p, 0, sizeof(*p));
	p->dst = keep.dst;
	memcpy(p->target, keep.target, sizeof(p->target));
	p->mode = keep.mode;
	p->port = keep.port;
	/* the port's state stands until new answers (not "filtered" for
	 * want of any): the counts are kept, the RTT starts again */
	p->tcp_open = keep.tcp_open;
	p->tcp_closed = keep.tcp_closed;
	p->first_ttl = keep.first_ttl;
	p->max_ttl = keep.max_ttl;
	p->dst_ttl = keep.dst_ttl;
	p->term_ttl = keep.term_ttl;
	p->cycles = keep.cycles;
	p->reset_cycle = from_cycle;
}

static struct nt_path_resp *responder(struct nt_path_hop *h,
				      const struct nt_paddr *a)
{
	struct nt_path_resp *r, **tail = &h->resp;

	for (r = h->resp; r; r = r->next) {
		if (nt_paddr_eq(&r->ip, a))
			return r;
		tail = &r->next;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ip = *a;
	r->reply_ttl = -1;
	*tail = r;
	return r;
}

/* TCP: what the target's answers say of its port, whatever the TTL (a
 * probe beyond the destination's TTL reached the port too). */
static void port_answer(struct nt_path *p, const struct nt_probe_event *ev)
{
	if (ev->ev != NT_EV_REPLY && ev->ev != NT_EV_LATE && ev->ev != NT_EV_BEYOND)
		return;
	if (ev->port_state == NT_PORT_OPEN)
		p->tcp_open++;
	else if (ev->port_state == NT_PORT_CLOSED)
		p->tcp_closed++;
	else
		return;
	if (ev->ev == NT_EV_REPLY && isfinite(ev->rtt_ms)) {
		if (ev->port_state == NT_PORT_OPEN) {
			p->rtt_open_sum += ev->rtt_ms;
			p->rtt_open_n++;
		} else {
			p->rtt_closed_sum += ev->rtt_ms;
			p->rtt_closed_n++;
		}
	}
}

int nt_path_event(struct nt_path *p, const struct nt_probe_event *ev)
{
	struct nt_path_hop *h;
	struct nt_path_resp *r;

	if (ev->ev == NT_EV_FOREIGN) {
		p->foreign++;
		if (ev->why == NT_FOREIGN_DUP)
			p->foreign_dup++;
		else if (ev->why == NT_FOREIGN_BAD)
			p->foreign_bad++;
		else
			p->foreign_nomatch++;
		return 0;
	}
	if (ev->ev == NT_EV_CYCLE) {
		p->cycles = ev->cycle;
		return 0;
	}
	if (ev->ttl < 1 || ev->ttl > NT_PATH_MAX_TTL)
		return -EINVAL;
	if (ev->cycle < p->reset_cycle)
		return 0; /* sent before nt_path_reset: not in these statistics */
	if (ev->ev == NT_EV_BEYOND) { /* after the reset filter: sent before an
				       * `r` reset, not in these statistics */
		p->beyond_dst++;
		return 0;
	}
	port_answer(p, ev);
	h = &p->hop[ev->ttl];
	switch (ev->ev) {
	case NT_EV_SENT:
		if (!ev->skipped)
			h->sent++;
		else if (ev->held == NT_HELD_SOCKETS) {
			h->paced++; /* not sent at this TTL: a hop's Snt below
				     * the destination's is always explained */
			p->held_sockets++;
		}
		else if (ev->held == NT_HELD_RATE) {
			h->paced++; /* not sent at this TTL, as pacing */
			p->rate_held++;
		} else {
			h->paced++;
			p->paced++;
		}
		return 0;
	case NT_EV_CANCEL:
		if (h->sent)
			h->sent--;
		return 0;
	case NT_EV_LOST:
		h->lost++;
		return 0;
	case NT_EV_REPLY:
	case NT_EV_LATE:
		r = responder(h, &ev->responder);
		if (!r)
			return -ENOMEM;
		r->tcp = ev->port_state != NT_PORT_NONE;
		r->type = ev->type;
		r->code = ev->code;
		r->reply_ttl = ev->reply_ttl;
		r->mpls[0] = '\0';
		if (ev->reply) {
			int i;
			size_t len = 0;

			for (i = 0; i < ev->reply->nmpls && len + 12 < sizeof(r->mpls); i++)
				len += (size_t)snprintf(r->mpls + len, sizeof(r->mpls) - len,
							"%s%u", i ? "," : "",
							(unsigned)(ev->reply->mpls[i] >> 12));
		}
		if (ev->unreach && (!p->term_ttl || ev->ttl < p->term_ttl))
			p->term_ttl = ev->ttl;
		if (ev->from_dst) {
			r->is_dst = true;
			/* the engine's view (it follows a route that got
			 * longer), else the lowest TTL it answered at */
			if (ev->dst_ttl)
				p->dst_ttl = ev->dst_ttl;
			else if (!p->dst_ttl || ev->ttl < p->dst_ttl)
				p->dst_ttl = ev->ttl;
		}
		if (ev->ev == NT_EV_LATE) {
			/* counted lost at the timeout; it was only slow */
			if (h->lost)
				h->lost--;
			h->late++;
			r->late++;
			return 0;
		}
		h->received++;
		r->received++;
		if (ev->tcp_info)
			p->ts_tcp_info++;
		else if (ev->kernel_ts && ev->kernel_tx)
			p->ts_kernel++;
		else if (ev->kernel_ts)
			p->ts_kernel_rx++;
		else
			p->ts_mono++;
		return nt_stats_add(&r->st, ev->rtt_ms, ev->cycle);
	default:
		return 0;
	}
}

static double hop_loss(const struct nt_path_hop *h)
{
	return h->sent ? 100.0 * (double)h->lost / (double)h->sent : NAN;
}

/* Last TTL to show: the destination's, else the last that answered plus
 * one silent hop (as far as probes went). */
static int last_ttl(const struct nt_path *p)
{
	int t, last = 0, maxsent = 0;

	if (p->dst_ttl)
		return p->dst_ttl;
	if (p->term_ttl)
		return p->term_ttl; /* unreachable: later TTLs say the same */
	for (t = 1; t <= NT_PATH_MAX_TTL; t++) {
		if (p->hop[t].resp)
			last = t;
		if (p->hop[t].sent)
			maxsent = t;
	}
	return last < maxsent ? last + 1 : last;
}

void nt_path_finish(struct nt_path *p)
{
	int t, j, last = last_ttl(p);

	/* Hops past the destination are its duplicates from cycle 1. */
	for (t = last + 1; t <= NT_PATH_MAX_TTL; t++) {
		struct nt_path_resp *r = p->hop[t].resp, *nx;

		for (; r; r = nx) {
			nx = r->next;
			nt_stats_free(&r->st);
			free(r);
		}
		memset(&p->hop[t], 0, sizeof(p->hop[t]));
	}
	/* Loss that does not carry through to a later hop is the router
	 * not answering (rate limit, low priority), not loss on the path. */
	for (t = 1; t < last; t++) {
		double lt = hop_loss(&p->hop[t]);

		p->hop[t].rate_limited = false;
		if (!(lt > 0))
			continue;
		for (j = t + 1; j <= last; j++) {
			double lj = hop_loss(&p->hop[j]);

			if (isfinite(lj) && lj < lt) {
				p->hop[t].rate_limited = true;
				break;
			}
		}
	}
}

const struct nt_path_hop *nt_path_dst_hop(const struct nt_path *p)
{
	return p->dst_ttl ? &p->hop[p->dst_ttl] : NULL;
}

static int fill_row(struct nt_path_row *w, int ttl, const struct nt_path_hop *h,
		    const struct nt_path_resp *r, bool numeric, bool extra)
{
	memset(w, 0, sizeof(*w));
	w->ttl = (uint32_t)ttl;
	w->sent = h->sent;
	w->paced = h->paced;
	w->loss_pct = hop_loss(h);
	nt_wilson(h->lost, h->sent, &w->loss_lo, &w->loss_hi);
	w->rate_limited = h->rate_limited;
	w->extra = extra;
	if (!r) {
		w->late = h->late;
		return nt_stats_summary(&(struct nt_stats){ 0 }, &w->s);
	}
	nt_paddr_str(&r->ip, w->ip, sizeof(w->ip));
	w->avail |= 1u << NT_PR_AV_IP;
	if (!numeric && r->host[0]) {
		snprintf(w->host, sizeof(w->host), "%s", r->host);
		w->avail |= 1u << NT_PR_AV_HOST;
	}
	w->received = r->received;
	w->late = r->late;
	w->is_dst = r->is_dst;
	w->icmp_type = r->type;
	w->icmp_code = r->code;
	if (!r->tcp) /* a TCP answer (SYN-ACK, RST) has no ICMP type */
		w->avail |= 1u << NT_PR_AV_ICMP;
	if (r->reply_ttl >= 0) {
		w->reply_ttl = r->reply_ttl;
		w->avail |= 1u << NT_PR_AV_RTTL;
	}
	if (r->mpls[0]) {
		snprintf(w->mpls, sizeof(w->mpls), "%s", r->mpls);
		w->avail |= 1u << NT_PR_AV_MPLS;
	}
	return nt_stats_summary(&r->st, &w->s);
}

int nt_path_rows(const struct nt_path *p, bool numeric,
		 struct nt_path_row **rows, size_t *n)
{
	int t, last = last_ttl(p), first = p->first_ttl > 0 ? p->first_ttl : 1;
	size_t cap = 0, k = 0;
	struct nt_path_row *v = NULL;

	for (t = first; t <= last; t++) {
		const struct nt_path_hop *h = &p->hop[t];
		const struct nt_path_resp *r = h->resp;
		bool extra = false;

		do {
			if (k == cap) {
				size_t nc = cap ? cap * 2 : 32;
				struct nt_path_row *nv = realloc(v, nc * sizeof(*nv));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = nc;
			}
			if (fill_row(&v[k++], t, h, r, numeric, extra)) {
				free(v);
				return -ENOMEM;
			}
			extra = true;
			r = r ? r->next : NULL;
		} while (r);
	}
	*rows = v;
	*n = k;
	return 0;
}

static void port_verdict(const struct nt_path *p, const char *subj,
			 struct nt_verdicts *vs);

/* Every verdict's subject: the target, in TCP mode HOST:PORT ([V6]:PORT),
 * so that two ports of one host (triage H:80 H:443) stay apart. */
static const char *verdict_subject(const struct nt_path *p, char *buf, size_t n)
{
	if (p->mode != NT_PM_TCP)
		return p->target;
	snprintf(buf, n, strchr(p->target, ':') ? "[%s]:%u" : "%s:%u",
		 p->target, p->port);
	return buf;
}

void nt_path_verdicts(const struct nt_path *p, const struct nt_path_row *rows,
		      size_t n, const struct nt_path_thresholds *t,
		      struct nt_verdicts *vs)
{
	const struct nt_path_hop *dh = nt_path_dst_hop(p);
	const struct nt_path_row *dr = NULL;
	struct nt_verdict *v;
	char sbuf[300];
	const char *subj = verdict_subject(p, sbuf, sizeof(sbuf));
	size_t i;
	int tt;

	for (i = 0; i < n; i++)
		if (rows[i].is_dst && (!dr || rows[i].received > dr->received))
			dr = &rows[i];
	if (p->mode == NT_PM_TCP)
		port_verdict(p, subj, vs);
	if (!dh) {
		v = nt_verdict_add(vs, "path.reach", subj, NT_CRIT, NAN, NAN);
		if (v) {
			snprintf(v->reason, sizeof(v->reason),
				 "destination not reached within TTL %d", p->max_ttl);
			snprintf(v->hint, sizeof(v->hint),
				 "the last hop that answered is where to look (routing, firewall, or the host is down)");
		}
		return;
	}
	v = nt_verdict_add(vs, "path.reach", subj, NT_OK, (double)p->dst_ttl, NAN);
	if (v)
		snprintf(v->reason, sizeof(v->reason), "destination reached at hop %d",
			 p->dst_ttl);
	{
		double loss = hop_loss(dh);
		enum nt_level l = loss >= t->max_loss ? NT_CRIT : loss > 0 ? NT_WARN : NT_OK;

		v = nt_verdict_add(vs, "path.loss", subj, l, loss, t->max_loss);
		if (v) {
			snprintf(v->reason, sizeof(v->reason),
				 "destination loss %.1f %% (%llu of %llu probes)",
				 loss, (unsigned long long)dh->lost,
				 (unsigned long long)dh->sent);
			if (l != NT_OK) {
				int first_lossy = 0;

				for (tt = 1; tt < p->dst_ttl; tt++)
					if (hop_loss(&p->hop[tt]) > 0 &&
					    !p->hop[tt].rate_limited) {
						first_lossy = tt;
						break;
					}
				if (first_lossy)
					snprintf(v->hint, sizeof(v->hint),
						 "loss starts at hop %d and carries to the destination",
						 first_lossy);
				else
					snprintf(v->hint, sizeof(v->hint),
						 "loss appears only at the destination: its uplink or the host itself drops");
			}
		}
	}
	if (isfinite(t->max_p99) && dr) {
		double p99 = dr->s.p99;
		enum nt_level l = p99 > t->max_p99 ? NT_WARN : NT_OK;

		v = nt_verdict_add(vs, "path.p99", subj, l, p99, t->max_p99);
		if (v) {
			snprintf(v->reason, sizeof(v->reason),
				 "destination p99 RTT %.3f ms (limit %.3f ms)", p99,
				 t->max_p99);
			if (l != NT_OK)
				snprintf(v->hint, sizeof(v->hint),
					 "compare the p99 per hop: the first hop where it jumps is the slow link");
		}
	}
	for (tt = 1; tt < p->dst_ttl; tt++) {
		if (!p->hop[tt].rate_limited)
			continue;
		v = nt_verdict_add(vs, "path.hop_loss", subj, NT_OK,
				   hop_loss(&p->hop[tt]), NAN);
		if (v)
			snprintf(v->reason, sizeof(v->reason),
				 "hop %d: %.1f %% loss that does not carry to later hops: ICMP rate limiting, not path loss",
				 tt, hop_loss(&p->hop[tt]));
	}
}

const char *nt_path_ts_source(const struct nt_path *p)
{
	int kinds = !!p->ts_kernel + !!p->ts_kernel_rx + !!p->ts_mono +
		    !!p->ts_tcp_info;

	if (kinds > 1)
		return "mixed";
	if (p->ts_kernel)
		return "kernel";   /* kernel RX stamp minus kernel TX stamp */
	if (p->ts_kernel_rx)
		return "kernel_rx"; /* kernel RX stamp minus CLOCK_REALTIME at send */
	if (p->ts_mono)
		return "monotonic";
	if (p->ts_tcp_info)
		return "tcp_info"; /* the kernel's TCP handshake RTT */
	return "none";
}

const char *nt_path_port_state(const struct nt_path *p)
{
	if (p->tcp_open)
		return "open";
	return p->tcp_closed ? "closed" : "filtered";
}

double nt_path_port_rtt(const struct nt_path *p)
{
	if (p->tcp_open)
		return p->rtt_open_n ? p->rtt_open_sum / (double)p->rtt_open_n : NAN;
	return p->rtt_closed_n ? p->rtt_closed_sum / (double)p->rtt_closed_n : NAN;
}

/* path.port (TCP mode): open OK; closed CRIT (the host answers, nothing
 * listens); filtered CRIT (no TCP answer: a firewall drops or refuses). */
static void port_verdict(const struct nt_path *p, const char *subj,
			 struct nt_verdicts *vs)
{
	const char *st = nt_path_port_state(p);
	struct nt_verdict *v;
	enum nt_level l = p->tcp_open ? NT_OK : NT_CRIT;

	v = nt_verdict_add(vs, "path.port", subj, l, nt_path_port_rtt(p), NAN);
	if (!v)
		return;
	if (p->tcp_open)
		snprintf(v->reason, sizeof(v->reason),
			 "TCP port %u open: %llu SYN-ACKs, %llu RSTs, RTT to the port %.3f ms",
			 p->port, (unsigned long long)p->tcp_open,
			 (unsigned long long)p->tcp_closed, nt_path_port_rtt(p));
	else if (p->tcp_closed)
		snprintf(v->reason, sizeof(v->reason),
			 "TCP port %u closed: the host answers RST (%llu), nothing listens",
			 p->port, (unsigned long long)p->tcp_closed);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "TCP port %u %s: no SYN-ACK nor RST from the target", p->port, st);
	if (l != NT_OK)
		snprintf(v->hint, sizeof(v->hint), p->tcp_closed ?
			 "the service is down or listens elsewhere (ss -ltn on the target)" :
			 "a firewall drops or rejects the port: the last hop that answered is next to it");
}
