/* path renderers: mtr-like report table, CSV (RFC 4180), Prometheus, and
 * the nested JSON hops array; CSV and JSON read the rows only through the
 * field table (JSON through the document's own record writer). */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "nt_escape.h"
#include "nt_path.h"

static bool avail(const struct nt_path_row *r, const struct nt_field *f)
{
	return f->avail_bit < 0 || ((r->avail >> f->avail_bit) & 1);
}

/* Text value of a field ("" for unavailable or NaN). */
static void fval(char *buf, size_t len, const struct nt_path_row *r,
		 const struct nt_field *f)
{
	const char *p = (const char *)r + f->offset;
	uint64_t u;
	uint32_t w;
	double d;
	bool b;

	buf[0] = '\0';
	if (!avail(r, f))
		return;
	switch (f->type) {
	case NT_T_STR:
		snprintf(buf, len, "%s", p);
		break;
	case NT_T_U64:
		memcpy(&u, p, sizeof(u));
		snprintf(buf, len, "%" PRIu64, u);
		break;
	case NT_T_U32:
		memcpy(&w, p, sizeof(w));
		snprintf(buf, len, "%" PRIu32, w);
		break;
	case NT_T_DOUBLE:
		memcpy(&d, p, sizeof(d));
		if (isfinite(d))
			snprintf(buf, len, "%.6f", d);
		break;
	case NT_T_BOOL:
		memcpy(&b, p, sizeof(b));
		snprintf(buf, len, "%s", b ? "true" : "false");
		break;
	case NT_T_I64:
		snprintf(buf, len, "%" PRId64, nt_field_i64(r, f));
		break;
	}
}

/* RFC 4180 quoting after control escaping (a name may hold ESC, CR or LF;
 * escaped, it can neither colour a terminal nor forge a row). */
static void csv_cell(FILE *f, const char *raw)
{
	char esc[4 * 256 + 1];
	const char *s = esc;

	nt_escape_text(esc, sizeof(esc), raw);
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

void nt_path_print_csv(FILE *f, const struct nt_path_row *rows, size_t n,
		       const char *target)
{
	const struct nt_rectype *rt = &nt_path_rectype;
	char buf[300];
	size_t i, j;

	fputs("target", f);
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];

		fputc(',', f);
		if (fl->group) {
			snprintf(buf, sizeof(buf), "%s_%s", fl->group, fl->key);
			csv_cell(f, buf);
		} else {
			csv_cell(f, fl->key);
		}
	}
	fputs("\r\n", f);
	for (j = 0; j < n; j++) {
		csv_cell(f, target);
		for (i = 0; i < rt->nfields; i++) {
			fputc(',', f);
			fval(buf, sizeof(buf), &rows[j], &rt->fields[i]);
			csv_cell(f, buf);
		}
		fputs("\r\n", f);
	}
}

int nt_path_doc_hops(struct nt_doc *d, const struct nt_path_row *rows, size_t n)
{
	const unsigned resp = NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE;
	const struct nt_rectype *rt = &nt_path_rectype;
	const char *netns = d->g->netns;
	size_t j;
	int r = 0;

	nt_doc_open(d, "hops", true);
	for (j = 0; j < n && !r; j++) {
		if (!j || !rows[j].extra) {
			if (j) {
				nt_doc_close(d); /* responders */
				nt_doc_close(d); /* the hop */
			}
			nt_doc_open(d, NULL, false);
			nt_doc_set(d, "netns", netns ? json_string(netns) : json_null());
			r = nt_doc_object(d, rt, &rows[j], NT_PATH_F_HOP);
			nt_doc_open(d, "responders", true);
		}
		nt_doc_open(d, NULL, false);
		if (!r)
			r = nt_doc_object(d, rt, &rows[j], resp);
		nt_doc_close(d);
	}
	if (n) {
		nt_doc_close(d);
		nt_doc_close(d);
	}
	nt_doc_close(d);
	return r;
}

void nt_path_prom_labels(FILE *f, const char *netns, const char *target)
{
	fputc('{', f);
	if (netns) {
		fputs("netns=\"", f);
		nt_prom_escape(f, netns);
		fputs("\",", f);
	}
	fputs("target=\"", f);
	nt_prom_escape(f, target);
	fputc('"', f);
}

static void labels(FILE *f, const char *netns, const char *target,
		   const struct nt_path_row *r, const char *extra)
{
	nt_path_prom_labels(f, netns, target);
	fprintf(f, ",ttl=\"%" PRIu32 "\",responder=\"", r->ttl);
	nt_prom_escape(f, r->ip);
	fputc('"', f);
	if (extra)
		fprintf(f, ",%s", extra);
	fputc('}', f);
}

/* TCP mode: the port's state as a one-hot gauge over open/closed/filtered
 * and the mean RTT to the port. */
static void port_labels(FILE *f, const struct nt_path *p, const char *netns)
{
	nt_path_prom_labels(f, netns, p->target);
	fprintf(f, ",port=\"%u\"", p->port);
}

static void port_prom(FILE *f, const struct nt_path *p, const char *netns)
{
	static const char *const st[] = { "open", "closed", "filtered" };
	const char *now = nt_path_port_state(p);
	double rtt = nt_path_port_rtt(p);
	size_t i;

	fputs("# HELP nettriage_path_port_state 1 for the state of the TCP port (open: SYN-ACK, closed: RST, filtered: neither)\n"
	      "# TYPE nettriage_path_port_state gauge\n", f);
	for (i = 0; i < 3; i++) {
		fputs("nettriage_path_port_state", f);
		port_labels(f, p, netns);
		fprintf(f, ",state=\"%s\"} %d\n", st[i], !strcmp(now, st[i]));
	}
	if (!isfinite(rtt))
		return;
	fputs("# HELP nettriage_path_port_rtt_seconds Mean RTT of the TCP port's answers (SYN to SYN-ACK or RST)\n"
	      "# TYPE nettriage_path_port_rtt_seconds gauge\nnettriage_path_port_rtt_seconds", f);
	port_labels(f, p, netns);
	fprintf(f, "} %.9g\n", rtt / 1000.0);
}

void nt_path_prom(FILE *f, const struct nt_path *p,
		  const struct nt_path_row *rows, size_t n, const char *netns)
{
	static const struct { const char *q; size_t off; } qs[] = {
		{ "0.5", offsetof(struct nt_stats_summary, p50) },
		{ "0.9", offsetof(struct nt_stats_summary, p90) },
		{ "0.99", offsetof(struct nt_stats_summary, p99) },
	};
	size_t j, k;

	fputs("# HELP nettriage_path_rtt_seconds Round-trip time per hop and responder (exact quantiles of the run)\n"
	      "# TYPE nettriage_path_rtt_seconds summary\n", f);
	for (j = 0; j < n; j++) {
		const struct nt_path_row *r = &rows[j];
		char ql[32];
		double v;

		if (!r->received)
			continue;
		for (k = 0; k < 3; k++) {
			memcpy(&v, (const char *)&r->s + qs[k].off, sizeof(v));
			snprintf(ql, sizeof(ql), "quantile=\"%s\"", qs[k].q);
			fprintf(f, "nettriage_path_rtt_seconds");
			labels(f, netns, p->target, r, ql);
			fprintf(f, " %.9g\n", v / 1000.0);
		}
		fprintf(f, "nettriage_path_rtt_seconds_sum");
		labels(f, netns, p->target, r, NULL);
		fprintf(f, " %.9g\n", r->s.mean * (double)r->received / 1000.0);
		fprintf(f, "nettriage_path_rtt_seconds_count");
		labels(f, netns, p->target, r, NULL);
		fprintf(f, " %" PRIu64 "\n", r->received);
	}
#define G(name, type, help, expr, cond) do { \
	fputs("# HELP nettriage_path_" name " " help "\n# TYPE nettriage_path_" name " " type "\n", f); \
	for (j = 0; j < n; j++) { \
		const struct nt_path_row *r = &rows[j]; \
		if (!(cond)) continue; \
		fputs("nettriage_path_" name, f); \
		labels(f, netns, p->target, r, NULL); \
		nt_prom_value(f, (double)(expr)); \
	} } while (0)
	G("loss_ratio", "gauge", "Probes at this TTL that no responder answered (0..1)",
	  r->loss_pct / 100.0, isfinite(r->loss_pct));
	G("rtt_stddev_seconds", "gauge", "Sample standard deviation of the RTT",
	  r->s.stddev / 1000.0, isfinite(r->s.stddev));
	G("jitter_seconds", "gauge", "Mean |RTT(n) - RTT(n-1)| over consecutive replies",
	  r->s.jit_mean / 1000.0, isfinite(r->s.jit_mean));
	G("sent_total", "counter", "Probes sent at this TTL", r->sent, 1);
	G("received_total", "counter", "Replies received from this responder", r->received, 1);
	G("late_total", "counter", "Replies after the timeout", r->late, 1);
	G("rate_limited", "gauge", "1 when loss at this hop does not carry to later hops",
	  r->rate_limited, 1);
#undef G
	fputs("# HELP nettriage_path_reached 1 when the destination answered\n"
	      "# TYPE nettriage_path_reached gauge\nnettriage_path_reached", f);
	nt_path_prom_labels(f, netns, p->target);
	fprintf(f, "} %d\n", p->dst_ttl ? 1 : 0);
	if (p->mode == NT_PM_TCP)
		port_prom(f, p, netns);
}

static void num(char *b, size_t len, double v, int prec)
{
	if (isfinite(v))
		snprintf(b, len, "%.*f", prec, v);
	else
		snprintf(b, len, "-");
}

/* A row's responder as shown: "host (ip)", escaped (reverse DNS and
 * /etc/hosts names are anyone's), with the rate-limit note. */
static void row_name(char *buf, size_t len, const struct nt_path_row *r)
{
	char host[4 * sizeof(r->host)];

	if (!r->ip[0]) {
		snprintf(buf, len, "???");
	} else if (r->host[0]) {
		nt_escape_text(host, sizeof(host), r->host);
		snprintf(buf, len, "%s (%s)", host, r->ip);
	} else {
		snprintf(buf, len, "%s", r->ip);
	}
	if (r->rate_limited && !r->extra)
		strncat(buf, " [rate-limited]", len - strlen(buf) - 1);
}

void nt_path_print_table(FILE *f, const struct nt_path *p,
			 const struct nt_path_row *rows, size_t n,
			 const char *local)
{
	size_t j, hw = 24;
	char name[4 * 256 + 80], c[10][24], lname[4 * 256 + 1];

	for (j = 0; j < n; j++) {
		size_t l;

		row_name(name, sizeof(name), &rows[j]);
		l = nt_text_width(name);
		if (l > hw)
			hw = l;
	}
	if (hw > 70)
		hw = 70;
	nt_escape_text(lname, sizeof(lname), local);
	fputs("HOST: ", f);
	nt_text_pad(f, lname, (int)hw + 3, true);
	fprintf(f, " %6s %5s %7s %7s %7s %7s %7s %7s %7s\n",
		"Loss%", "Snt", "Last", "Avg", "Best", "Wrst",
		"StDev", "p99", "Jitter");
	for (j = 0; j < n; j++) {
		const struct nt_path_row *r = &rows[j];
		char lead[16];

		row_name(name, sizeof(name), r);
		if (r->extra)
			snprintf(lead, sizeof(lead), "    ");
		else
			snprintf(lead, sizeof(lead), "%3u.", r->ttl);
		num(c[0], sizeof(c[0]), r->loss_pct, 1);
		num(c[1], sizeof(c[1]), r->s.last, 2);
		num(c[2], sizeof(c[2]), r->s.mean, 2);
		num(c[3], sizeof(c[3]), r->s.min, 2);
		num(c[4], sizeof(c[4]), r->s.max, 2);
		num(c[5], sizeof(c[5]), r->s.stddev, 2);
		num(c[6], sizeof(c[6]), r->s.p99, 2);
		num(c[7], sizeof(c[7]), r->s.jit_mean, 2);
		if (r->extra)
			snprintf(c[0], sizeof(c[0]), " ");
		fprintf(f, "%s|-- ", lead);
		nt_text_pad(f, name, (int)hw, true);
		fprintf(f, " %5s%s %5" PRIu64 " %7s %7s %7s %7s %7s %7s %7s\n",
			c[0], r->extra ? " " : "%",
			r->sent, c[1], c[2], c[3], c[4],
			c[5], c[6], c[7]);
	}
	nt_path_print_footer(f, p, rows, n);
}

/* What the table does not show, every count stated, zeros too: late,
 * foreign (and why), paced and held back, beyond the destination. */
void nt_path_print_footer(FILE *f, const struct nt_path *p,
			  const struct nt_path_row *rows, size_t n)
{
	uint64_t late = 0;
	size_t j;

	for (j = 0; j < n; j++)
		late += rows[j].late;
	fprintf(f, "Counted apart: %" PRIu64 " late (answered after --timeout: not lost, not in the RTT columns)\n",
		late);
	fprintf(f, "  %" PRIu64 " foreign, ignored (%" PRIu64 " answer no probe of this run: other programs' ICMP, errors about other traffic; %"
		PRIu64 " duplicates; %" PRIu64 " malformed)\n",
		p->foreign, p->foreign_nomatch, p->foreign_dup, p->foreign_bad);
	fprintf(f, "  %" PRIu64 " paced (held back, not sent, so that a router's ICMP rate limit drops no answer: intermediate hops show fewer Snt than the destination)\n",
		p->paced);
	if (p->rate_held)
		fprintf(f, "  %" PRIu64 " held back by --rate (the packet-rate cap of the run: not sent, not lost)\n",
			p->rate_held);
	if (p->held_sockets)
		fprintf(f, "  %" PRIu64 " held back at the cap of per-probe sockets in flight (not sent)\n",
			p->held_sockets);
	fprintf(f, "  %" PRIu64 " beyond the destination (its answers to probes at TTLs above its own, sent before that TTL was known)\n",
		p->beyond_dst);
}

void nt_path_print_port(FILE *f, const struct nt_path *p)
{
	double rtt = nt_path_port_rtt(p);

	fprintf(f, "TCP port %u: %s (%llu SYN-ACK, %llu RST)", p->port,
		nt_path_port_state(p), (unsigned long long)p->tcp_open,
		(unsigned long long)p->tcp_closed);
	if (isfinite(rtt))
		fprintf(f, ", RTT to the port %.3f ms", rtt);
	fputc('\n', f);
}
