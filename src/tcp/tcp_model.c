/* tcp model: field tables, counter reading, the retransmit ratio and the
 * verdicts. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "nettriage.h"
#include "nt_tcp.h"

#define LOFF(m) offsetof(struct nt_tcp_listen, m)
static const struct nt_field listen_fields[] = {
	{ "addr", "LOCAL", 0, NT_T_STR, LOFF(addr), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Local address of the listener", "addr" },
	{ "port", "PORT", 0, NT_T_U32, LOFF(port), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Local port", "port" },
	{ "family", "IPV", 0, NT_T_U32, LOFF(family), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "IP version (4 or 6)" },
	{ "accept_queue", "QUEUE", 0, NT_T_U32, LOFF(queue), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "Connections waiting for accept() (idiag_rqueue)" },
	{ "backlog", "BACKLOG", 0, NT_T_U32, LOFF(backlog), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "Accept queue limit: the listen() backlog capped by somaxconn (idiag_wqueue)" },
	{ "fill_pct", "FILL%", 0, NT_T_DOUBLE, LOFF(fill_pct), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "accept_queue / backlog, 0..1 (fill_pct in JSON and tables: percent)",
	  "fill_ratio", 0.01 },
	{ "full", "FULL", 0, NT_T_BOOL, LOFF(full), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "fill_pct at or above the --queue-warn threshold" },
	{ "pid", "PID", 0, NT_T_U32, LOFF(pid), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, 0, "Process holding the socket (--procs)" },
	{ "process", "PROCESS", 0, NT_T_STR, LOFF(process), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, 0, "Its command name (--procs)" },
};

const struct nt_rectype nt_tcp_listen_rectype = {
	.json_array = "listen_queues",
	.prom_prefix = "nettriage_tcp_listen",
	.fields = listen_fields,
	.nfields = sizeof(listen_fields) / sizeof(listen_fields[0]),
	.size = sizeof(struct nt_tcp_listen),
	.avail_off = LOFF(avail),
	.subject_off = LOFF(subject),
};

#define COFF(m) offsetof(struct nt_tcp_cw_count, m)
static const struct nt_field cw_fields[] = {
	{ "side", "SIDE", 0, NT_T_STR, COFF(side), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "local: this host serves on the port; peer: a client here "
	  "talks to the service at addr:port", "side" },
	{ "addr", "PEER", 0, NT_T_STR, COFF(addr), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, 0, "The peer service's address (side peer)", "addr" },
	{ "port", "PORT", 0, NT_T_U32, COFF(port), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1,
	  "The local service port (side local) or the peer's port (side peer)", "port" },
	{ "sockets", "CLOSE-WAIT", 0, NT_T_U64, COFF(sockets), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "CLOSE-WAIT sockets of this service (the local port, or the peer a client here talks to)" },
};

const struct nt_rectype nt_tcp_cw_rectype = {
	.json_array = "close_wait_top",
	.prom_prefix = "nettriage_tcp_close_wait",
	.fields = cw_fields,
	.nfields = sizeof(cw_fields) / sizeof(cw_fields[0]),
	.size = sizeof(struct nt_tcp_cw_count),
	.avail_off = COFF(avail),
	.subject_off = COFF(subject),
};

#define POFF(m) offsetof(struct nt_tcp_proc_count, m)
static const struct nt_field cwproc_fields[] = {
	{ "pid", "PID", 0, NT_T_U32, POFF(pid), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Process id", "pid" },
	{ "process", "PROCESS", 0, NT_T_STR, POFF(process), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Command name", "process" },
	{ "sockets", "CLOSE-WAIT", 0, NT_T_U64, POFF(sockets), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "CLOSE-WAIT sockets held by this process" },
};

const struct nt_rectype nt_tcp_cwproc_rectype = {
	.json_array = "close_wait_procs",
	.prom_prefix = "nettriage_tcp_close_wait_proc",
	.fields = cwproc_fields,
	.nfields = sizeof(cwproc_fields) / sizeof(cwproc_fields[0]),
	.size = sizeof(struct nt_tcp_proc_count),
	.avail_off = -1,
	.subject_off = -1,
};

#define SOFF(m) offsetof(struct nt_tcp_sock, m)
static const struct nt_field sock_fields[] = {
	{ "src", "LOCAL", 0, NT_T_STR, SOFF(src), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "Local address", "src" },
	{ "sport", "SPORT", 0, NT_T_U32, SOFF(sport), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "Local port", "sport" },
	{ "dst", "PEER", 0, NT_T_STR, SOFF(dst), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "Peer address", "dst" },
	{ "dport", "DPORT", 0, NT_T_U32, SOFF(dport), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "Peer port", "dport" },
	{ "state", "STATE", 0, NT_T_STR, SOFF(state), NT_P_NONE, NT_F_INFO | NT_F_DEF,
	  NULL, -1, "TCP state" },
	{ "total_retrans", "RETRANS", 0, NT_T_U64, SOFF(total_retrans), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_TOTAL_RETRANS,
	  "Segments retransmitted over the socket's life (tcpi_total_retrans)" },
	{ "retrans", "UNACKED-RTX", 0, NT_T_U64, SOFF(retrans), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_RETRANS,
	  "Retransmitted segments not yet acknowledged (tcpi_retrans)" },
	{ "lost", "LOST", 0, NT_T_U64, SOFF(lost), NT_P_GAUGE, NT_F_INFO | NT_F_DEF,
	  NULL, NT_TI_LOST, "Segments presumed lost (tcpi_lost)" },
	{ "bytes_retrans", "RTX-BYTES", 0, NT_T_U64, SOFF(bytes_retrans), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_BYTES_RETRANS,
	  "Bytes retransmitted (tcpi_bytes_retrans, Linux 4.19+)", "retrans_bytes" },
	{ "total_rto", "RTO", 0, NT_T_U64, SOFF(total_rto), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_TOTAL_RTO,
	  "Retransmission timeouts (tcpi_total_rto, Linux 6.7+)" },
	/* milliseconds in JSON and tables, base units in Prometheus */
	{ "rtt_ms", "RTT-ms", 0, NT_T_DOUBLE, SOFF(rtt_ms), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_RTT,
	  "Smoothed RTT (tcpi_rtt; JSON rtt_ms is milliseconds)", "rtt_seconds", 0.001 },
	{ "rttvar_ms", "RTTVAR-ms", 0, NT_T_DOUBLE, SOFF(rttvar_ms), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_TI_RTTVAR,
	  "RTT variation (tcpi_rttvar; JSON rttvar_ms is milliseconds)", "rttvar_seconds", 0.001 },
	{ "cwnd", "CWND", 0, NT_T_U64, SOFF(cwnd), NT_P_GAUGE, NT_F_INFO | NT_F_DEF,
	  NULL, NT_TI_CWND, "Congestion window, segments" },
	{ "inode", "INODE", 0, NT_T_U32, SOFF(inode), NT_P_NONE, NT_F_INFO,
	  NULL, -1, "Socket inode" },
};

const struct nt_rectype nt_tcp_sock_rectype = {
	.json_array = "top_sockets",
	.prom_prefix = "nettriage_tcp_top_socket",
	.fields = sock_fields,
	.nfields = sizeof(sock_fields) / sizeof(sock_fields[0]),
	.size = sizeof(struct nt_tcp_sock),
	.avail_off = SOFF(avail),
	.subject_off = -1,
};

#define TOFF(m) offsetof(struct nt_tcp_state_count, m)
static const struct nt_field state_fields[] = {
	{ "state", "STATE", 0, NT_T_STR, TOFF(name), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_NAME, NULL, -1, "TCP state", "state" },
	{ "sockets", "SOCKETS", 0, NT_T_U64, TOFF(sockets), NT_P_GAUGE,
	  NT_F_TOTAL | NT_F_DEF, NULL, 0, "TCP sockets by state (sock_diag, this namespace)" },
};

const struct nt_rectype nt_tcp_states_rectype = {
	.json_array = "states",
	.prom_prefix = "nettriage_tcp",
	.fields = state_fields,
	.nfields = sizeof(state_fields) / sizeof(state_fields[0]),
	.size = sizeof(struct nt_tcp_state_count),
	.avail_off = TOFF(avail),
	.subject_off = -1,
};

#define SAOFF(m) offsetof(struct nt_tcp_sample, m)
static const struct nt_field totals_fields[] = {
	{ "total", "SOCKETS", 0, NT_T_U64, SAOFF(total), NT_P_NONE, NT_F_TOTAL,
	  NULL, -1, "Sockets counted" },
	{ "ipv4", "IPV4", 0, NT_T_U64, SAOFF(v4), NT_P_NONE, NT_F_TOTAL,
	  "families", -1, "IPv4 sockets counted" },
	{ "ipv6", "IPV6", 0, NT_T_U64, SAOFF(v6), NT_P_NONE, NT_F_TOTAL,
	  "families", -1, "IPv6 sockets counted (v4-mapped connections included)" },
};

const struct nt_rectype nt_tcp_totals_rectype = {
	.json_array = "total",
	.prom_prefix = "nettriage_tcp",
	.fields = totals_fields,
	.nfields = sizeof(totals_fields) / sizeof(totals_fields[0]),
	.size = sizeof(struct nt_tcp_sample),
	.avail_off = -1,
	.subject_off = -1,
};

static const struct nt_field retrans_fields[] = {
	{ "retrans_ratio_pct", "RETRANS%", 0, NT_T_DOUBLE,
	  offsetof(struct nt_tcp_retrans, ratio_pct), NT_P_GAUGE, NT_F_RATE, NULL, -1,
	  "RetransSegs / OutSegs over the baseline, 0..1", "retrans_ratio", 0.01 },
};

const struct nt_rectype nt_tcp_retrans_rectype = {
	.json_array = "retrans",
	.prom_prefix = "nettriage_tcp",
	.fields = retrans_fields,
	.nfields = 1,
	.size = sizeof(struct nt_tcp_retrans),
	.avail_off = -1,
	.subject_off = -1,
};

static const struct nt_field snmp_fields[] = { NT_NAMED_FIELDS("Tcp", "/proc/net/snmp Tcp") };
static const struct nt_field netstat_fields[] = {
	NT_NAMED_FIELDS("TcpExt", "/proc/net/netstat TcpExt")
};

const struct nt_rectype nt_tcp_snmp_rectype = {
	.json_array = "tcp",
	.prom_prefix = "nettriage_tcp",
	.fields = snmp_fields,
	.nfields = sizeof(snmp_fields) / sizeof(snmp_fields[0]),
	.size = sizeof(struct nt_named),
	.avail_off = NT_NM_OFF(avail),
	.subject_off = -1,
};

const struct nt_rectype nt_tcp_netstat_rectype = {
	.json_array = "tcpext",
	.prom_prefix = "nettriage_tcpext",
	.fields = netstat_fields,
	.nfields = sizeof(netstat_fields) / sizeof(netstat_fields[0]),
	.size = sizeof(struct nt_named),
	.avail_off = NT_NM_OFF(avail),
	.subject_off = -1,
};

void nt_tcp_state_counts(const struct nt_tcp_sample *s,
			 struct nt_tcp_state_count out[NT_TCP_NSTATES])
{
	size_t i;

	for (i = 0; i < NT_TCP_NSTATES; i++) {
		snprintf(out[i].name, sizeof(out[i].name), "%s", nt_tcp_state_names[i]);
		out[i].sockets = s->states[i];
		out[i].avail = (s->mask >> (i + 1)) & 1;
	}
}

/* Kernel counters kept in milliseconds: exported in seconds. */
static bool ctr_in_ms(const char *name)
{
	return !strcmp(name, "RtoMin") || !strcmp(name, "RtoMax") ||
	       !strcmp(name, "TCPMemoryPressuresChrono");
}

size_t nt_tcp_named(const struct nt_tcp_ctrs *c, const struct nt_tcp_ctrs *prev,
		    double dt, bool counters_only, struct nt_named *out)
{
	size_t i, j, k = 0;

	for (i = 0; i < c->n; i++) {
		const struct nt_tcp_ctr *e = &c->v[i];
		bool gauge = nt_tcp_ctr_is_gauge(e->name), ms = ctr_in_ms(e->name);
		struct nt_named *o = &out[k];
		uint64_t d;

		if (gauge && counters_only)
			continue;
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", e->name);
		o->value = e->v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)e->v;
		if (e->neg)
			o->value = -o->value;
		o->avail = 1ull << (gauge ? (ms ? NT_NM_GAUGE_MS : NT_NM_GAUGE)
					  : (ms ? NT_NM_COUNTER_MS : NT_NM_COUNTER));
		if (!gauge && prev && dt > 0 && nt_tcp_ctr_delta(c, prev, e->name, &d)) {
			o->delta = d;
			o->rate = (double)d / dt;
			o->avail |= (1ull << NT_NM_DELTA) | (1ull << NT_NM_RATE);
		}
		if (nt_tcp_snake(e->name, o->metric, sizeof(o->metric)))
			o->metric[0] = '\0';
		/* two kernel names that fold to one metric name: keep the first */
		for (j = 0; j < k && o->metric[0]; j++)
			if (!strcmp(out[j].metric, o->metric))
				o->metric[0] = '\0';
		k++;
	}
	return k;
}

void nt_tcp_thresholds_default(struct nt_tcp_thresholds *t)
{
	t->warn_retrans = 1.0;
	t->crit_retrans = 5.0;
	t->min_rate = 100.0;
	t->warn_cw = 100;
	t->crit_cw = 1000;
	t->queue_warn = 90.0;
	t->warn_eph = 50.0;
	t->crit_eph = 80.0;
}

void nt_tcp_counters_free(struct nt_tcp_counters *c)
{
	nt_tcp_ctrs_free(&c->tcp);
	nt_tcp_ctrs_free(&c->tcpext);
	c->err_snmp = c->err_netstat = 0;
}

void nt_tcp_read_counters(struct nt_tcp_counters *c, char *buf, size_t len)
{
	char path[512];
	long n;

	memset(c, 0, sizeof(*c));
	n = nt_read_file(nt_proc_path("net/snmp", path, sizeof(path)), buf, len);
	c->err_snmp = n < 0 ? (int)n : nt_tcp_parse_counters(buf, (size_t)n, "Tcp", &c->tcp);
	n = nt_read_file(nt_proc_path("net/netstat", path, sizeof(path)), buf, len);
	c->err_netstat = n < 0 ? (int)n :
		nt_tcp_parse_counters(buf, (size_t)n, "TcpExt", &c->tcpext);
}

bool nt_tcp_ctr_delta(const struct nt_tcp_ctrs *cur, const struct nt_tcp_ctrs *prev,
		      const char *name, uint64_t *d)
{
	uint64_t a, b;

	if (!nt_tcp_ctr_get(cur, name, &a) || !nt_tcp_ctr_get(prev, name, &b) || a < b)
		return false;
	*d = a - b;
	return true;
}

void nt_tcp_ratio(const struct nt_tcp_ctrs *cur, const struct nt_tcp_ctrs *prev,
		  double dt, double *ratio_pct, double *out_rate,
		  uint64_t *d_retrans, uint64_t *d_out)
{
	uint64_t r = 0, o = 0;
	bool ok;

	*ratio_pct = *out_rate = NAN;
	*d_retrans = *d_out = 0;
	if (prev)
		ok = nt_tcp_ctr_delta(cur, prev, "RetransSegs", &r) &&
		     nt_tcp_ctr_delta(cur, prev, "OutSegs", &o);
	else
		ok = nt_tcp_ctr_get(cur, "RetransSegs", &r) &&
		     nt_tcp_ctr_get(cur, "OutSegs", &o);
	if (!ok)
		return;
	*d_retrans = r;
	*d_out = o;
	if (dt > 0)
		*out_rate = (double)o / dt;
	/* OutSegs excludes retransmitted segments (RFC 1213 tcpOutSegs as
	 * Linux counts it), so this is what nstat/netstat users compute. */
	if (o > 0)
		*ratio_pct = 100.0 * (double)r / (double)o;
}

static void counter_rise_s(const struct nt_tcp_view *v, const char *name,
			   const char *check, const char *subject, const char *hint,
			   struct nt_verdicts *vs)
{
	struct nt_verdict *vd;
	uint64_t now = 0, d = 0;
	bool have = nt_tcp_ctr_get(&v->c->tcpext, name, &now);
	enum nt_level l;

	if (!have) {
		vd = nt_verdict_add(vs, check, subject, NT_UNKNOWN, NAN, 0);
		if (vd)
			snprintf(vd->reason, sizeof(vd->reason),
				 "TcpExt %s not available (/proc/net/netstat: %s)", name,
				 v->c->err_netstat ? strerror(-v->c->err_netstat) :
				 "field missing");
		return;
	}
	if (v->prev && nt_tcp_ctr_delta(&v->c->tcpext, &v->prev->tcpext, name, &d)) {
		l = d > 0 ? NT_WARN : NT_OK;
		vd = nt_verdict_add(vs, check, subject, l, (double)d, 0);
		if (!vd)
			return;
		snprintf(vd->reason, sizeof(vd->reason), "%s rose by %llu %s (%llu since boot)",
			 name, (unsigned long long)d, v->since, (unsigned long long)now);
		if (l != NT_OK)
			snprintf(vd->hint, sizeof(vd->hint), "%s", hint);
		return;
	}
	vd = nt_verdict_add(vs, check, subject, NT_OK, (double)now, 0);
	if (vd)
		snprintf(vd->reason, sizeof(vd->reason),
			 "%s %llu since boot (no baseline: a rise needs -i or a second run)",
			 name, (unsigned long long)now);
}

static void counter_rise(const struct nt_tcp_view *v, const char *name,
			 const char *check, const char *hint, struct nt_verdicts *vs)
{
	counter_rise_s(v, name, check, "", hint, vs);
}

void nt_tcp_verdicts(const struct nt_tcp_view *v, const struct nt_tcp_thresholds *t,
		     struct nt_verdicts *vs)
{
	const struct nt_tcp_sample *s = v->s;
	struct nt_verdict *vd;
	double ratio, rate;
	uint64_t dr, dout, cw;
	enum nt_level l;
	size_t i;

	/* retransmit ratio */
	if (!v->c->tcp.present) {
		vd = nt_verdict_add(vs, "tcp.retrans_ratio", "", NT_UNKNOWN, NAN,
				    t->warn_retrans);
		if (vd)
			snprintf(vd->reason, sizeof(vd->reason),
				 "no Tcp counters (/proc/net/snmp: %s)",
				 strerror(v->c->err_snmp ? -v->c->err_snmp : ENOENT));
	} else {
		nt_tcp_ratio(&v->c->tcp, v->prev ? &v->prev->tcp : NULL, v->dt, &ratio,
			     &rate, &dr, &dout);
		if (isnan(ratio)) {
			l = NT_OK;
		} else if (!(rate >= t->min_rate)) {
			l = NT_OK; /* too little traffic for a ratio to mean much */
		} else {
			l = nt_level_gt(ratio, t->warn_retrans, t->crit_retrans);
		}
		vd = nt_verdict_add(vs, "tcp.retrans_ratio", "", l, ratio,
				    l == NT_CRIT ? t->crit_retrans : t->warn_retrans);
		if (vd) {
			if (isnan(ratio))
				snprintf(vd->reason, sizeof(vd->reason),
					 "no segments sent %s: ratio not computable", v->since);
			else
				snprintf(vd->reason, sizeof(vd->reason),
					 "%.3f%% retransmitted (%llu of %llu segments, %.1f segs/s sent) %s%s",
					 ratio, (unsigned long long)dr, (unsigned long long)dout,
					 rate, v->since,
					 rate >= t->min_rate ? "" : "; below the rate floor, not judged");
			if (l != NT_OK)
				snprintf(vd->hint, sizeof(vd->hint),
					 "loss or congestion on the path (check path, link drops, qdisc drops); see --top");
		}
	}

	counter_rise(v, "ListenOverflows", "tcp.listen_overflows",
		     "ListenOverflows: accept backlog/somaxconn too small, or the app is slow to accept()", vs);
	counter_rise(v, "ListenDrops", "tcp.listen_drops",
		     "ListenDrops: SYNs dropped at a listener (accept queue full, SYN backlog, memory)", vs);
	counter_rise(v, "TCPBacklogDrop", "tcp.backlog_drop",
		     "TCPBacklogDrop: socket backlog full while the app held the socket lock (slow reader, rmem too small)", vs);

	/* SYN queue and syncookies */
	counter_rise_s(v, "TCPReqQFullDrop", "tcp.synq", "TCPReqQFullDrop",
		       "SYNs dropped with the SYN queue full and syncookies off: a SYN flood, or tcp_max_syn_backlog / the listen() backlog too small; net.ipv4.tcp_syncookies=1", vs);
	counter_rise_s(v, "TCPReqQFullDoCookies", "tcp.synq", "TCPReqQFullDoCookies",
		       "SYN queue full, answered with syncookies: a SYN flood, or tcp_max_syn_backlog / the listen() backlog too small", vs);
	counter_rise_s(v, "SyncookiesSent", "tcp.synq", "SyncookiesSent",
		       "syncookies sent: a listener's SYN queue overflowed (SYN flood, or tcp_max_syn_backlog / listen() backlog too small)", vs);
	counter_rise_s(v, "SyncookiesFailed", "tcp.synq", "SyncookiesFailed",
		       "ACKs with an invalid syncookie: a SYN/ACK flood or cookies that expired; check the SYN queue (tcp_max_syn_backlog, listen() backlog)", vs);

	nt_tcp_eph_verdicts(v, t, vs);

	/* CLOSE-WAIT, named by service: the local port this host serves on,
	 * or the peer service a client here talks to */
	cw = s->states[NT_TCP_CLOSE_WAIT - 1];
	if (s->mask & (1u << NT_TCP_CLOSE_WAIT)) {
		char top[160] = "";
		size_t off = 0;
		int w;

		l = nt_level_ge((double)cw, t->warn_cw, t->crit_cw);
		for (i = 0; i < v->n_cw_top && i < 3; i++) {
			w = snprintf(top + off, sizeof(top) - off, "%s%s: %llu", i ? ", " : "",
				     v->cw_top[i].subject,
				     (unsigned long long)v->cw_top[i].sockets);
			if (w < 0 || (size_t)w >= sizeof(top) - off)
				break;
			off += (size_t)w;
		}
		for (i = 0; i < v->n_cw_procs && i < 3; i++) {
			w = snprintf(top + off, sizeof(top) - off, "%s%s[%d]: %llu",
				     off ? ", " : "", v->cw_procs[i].process,
				     v->cw_procs[i].pid,
				     (unsigned long long)v->cw_procs[i].sockets);
			if (w < 0 || (size_t)w >= sizeof(top) - off)
				break;
			off += (size_t)w;
		}
		top[off] = '\0'; /* a cut entry is dropped whole */
		vd = nt_verdict_add(vs, "tcp.close_wait", "", l, (double)cw,
				    l == NT_CRIT ? t->crit_cw : t->warn_cw);
		if (vd) {
			snprintf(vd->reason, sizeof(vd->reason), "%llu CLOSE-WAIT sockets%s%s%s",
				 (unsigned long long)cw, top[0] ? " (" : "", top,
				 top[0] ? ")" : "");
			if (l != NT_OK && v->n_cw_top && !strcmp(v->cw_top[0].side, "peer"))
				snprintf(vd->hint, sizeof(vd->hint),
					 "a client never close()s connections its server (%s) closed: a connection-pool or fd leak%s",
					 v->cw_top[0].subject,
					 v->n_cw_procs ? "" : "; --procs names the process");
			else if (l != NT_OK)
				snprintf(vd->hint, sizeof(vd->hint),
					 "the application never close()s sockets its peer closed (fd/connection leak)%s",
					 v->n_cw_procs ? "" : "; --procs names the process");
		}
	}

	/* accept queues */
	if (s->mask & (1u << NT_TCP_LISTEN)) {
		size_t full = 0;

		for (i = 0; i < s->n_listen; i++) {
			const struct nt_tcp_listen *q = &s->listen[i];

			if (!q->full)
				continue;
			full++;
			vd = nt_verdict_add(vs, "tcp.accept_queue", q->subject, NT_WARN,
					    q->fill_pct, t->queue_warn);
			if (!vd)
				return;
			snprintf(vd->reason, sizeof(vd->reason),
				 "accept queue %u of backlog %u (%.0f%%)%s%s%s", q->queue,
				 q->backlog, q->fill_pct, q->pid ? ", held by " : "",
				 q->pid ? q->process : "", "");
			snprintf(vd->hint, sizeof(vd->hint),
				 "accept backlog/somaxconn too small, or the app is slow to accept()");
		}
		if (!full) {
			vd = nt_verdict_add(vs, "tcp.accept_queue", "", NT_OK, NAN,
					    t->queue_warn);
			if (vd)
				snprintf(vd->reason, sizeof(vd->reason),
					 "%zu listeners, none at or above %.0f%% of its backlog",
					 s->n_listen, t->queue_warn);
		}
	}
}
