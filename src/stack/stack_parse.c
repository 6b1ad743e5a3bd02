/* stack: pure parsers of the /proc text the layer reads (nt_stack.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_stack.h"

/* One line [p, *next) of text; false at the end. */
static bool next_line(const char **p, const char *end, const char **eol)
{
	const char *q;

	if (*p >= end)
		return false;
	q = memchr(*p, '\n', (size_t)(end - *p));
	*eol = q ? q : end;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of [*p, end): its start and length, 0 at the end. */
static size_t word(const char **p, const char *end, const char **w)
{
	const char *q;

	while (*p < end && is_space(**p))
		(*p)++;
	*w = *p;
	for (q = *p; q < end && !is_space(*q); q++)
		;
	*p = q;
	return (size_t)(q - *w);
}

static int parse_num(const char *w, size_t n, int base, uint64_t *v)
{
	uint64_t x = 0, d;
	size_t i;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = w[i];

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			return -EINVAL;
		if (x > (UINT64_MAX - d) / (uint64_t)base)
			return -EINVAL;
		x = x * (uint64_t)base + d;
	}
	*v = x;
	return 0;
}

void nt_softnet_free(struct nt_softnet *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int nt_stack_parse_softnet(const char *text, size_t len, struct nt_softnet *s)
{
	const char *p = text, *end = text + len, *eol, *w;
	uint64_t col[16];
	unsigned ncol;
	size_t wl;
	int r;

	s->n = 0;
	s->columns = 0;
	while (next_line(&p, end, &eol)) {
		struct nt_softnet_cpu *c;

		ncol = 0;
		while ((wl = word(&p, eol, &w)) > 0) {
			if (ncol == 16 || parse_num(w, wl, 16, &col[ncol]))
				goto bad;
			ncol++;
		}
		p = eol + 1;
		if (ncol == 0)
			continue;
		if (ncol != 9 && ncol != 10 && ncol != 11 && ncol != 13 && ncol != 15)
			goto bad;
		if (s->columns && ncol != s->columns)
			goto bad;
		s->columns = ncol;
		if ((r = nt_grow(&s->v, s->n, &s->cap, sizeof(*s->v), 8))) {
			s->n = 0;
			return r;
		}
		c = &s->v[s->n];
		memset(c, 0, sizeof(*c));
		c->processed = col[0];
		c->dropped = col[1];
		c->time_squeeze = col[2];
		/* Before 5.10 (fewer than 13 columns) there is no CPU index
		 * column, and the kernel leaves out the rows of offline CPUs
		 * (softnet_get_online walks cpu_online()), so the row number is
		 * the CPU id only while no CPU is offline. NT_SN_CPUID stays
		 * unset; the layer says so in a note (nt_stack_sample.
		 * cpus_conf: when every configured CPU has a row, the row
		 * number is the id). */
		c->cpu = (uint32_t)s->n;
		if (ncol >= 10) {
			c->received_rps = col[9];
			c->avail |= 1ull << NT_SN_RPS;
		}
		if (ncol >= 11) {
			c->flow_limit_count = col[10];
			c->avail |= 1ull << NT_SN_FLOW;
		}
		if (ncol >= 13) {
			if (col[12] > UINT32_MAX)
				goto bad;
			c->backlog_len = col[11];
			c->cpu = (uint32_t)col[12];
			c->avail |= (1ull << NT_SN_BACKLOG) | (1ull << NT_SN_CPUID);
		}
		snprintf(c->subject, sizeof(c->subject), "cpu%u", c->cpu);
		snprintf(c->scope, sizeof(c->scope), "global");
		c->dropped_pct = 0.0 / 0.0;
		c->processed_rate = c->dropped_rate = c->squeeze_rate = c->dropped_pct;
		s->n++;
	}
	return 0;
bad:
	s->n = 0;
	s->columns = 0;
	return -EINVAL;
}

void nt_sockstat_free(struct nt_sockstat *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const char *nt_sockstat_scope(const char *proto, const char *field)
{
	static const char *const netns_inuse[] = {
		"TCP", "UDP", "UDPLITE", "RAW", "FRAG", "TCP6", "UDP6",
		"UDPLITE6", "RAW6", "FRAG6", "MPTCP", "SCTP", "SCTP6",
	};
	size_t i;

	if (!strcmp(proto, "sockets"))
		return !strcmp(field, "used") ? "netns" : "unknown";
	if (!strcmp(proto, "TCP")) {
		if (!strcmp(field, "orphan") || !strcmp(field, "alloc") ||
		    !strcmp(field, "mem"))
			return "global";
		if (!strcmp(field, "tw"))
			return "netns";
	}
	if (!strcmp(proto, "UDP") && !strcmp(field, "mem"))
		return "global";
	if ((!strcmp(proto, "FRAG") || !strcmp(proto, "FRAG6")) &&
	    !strcmp(field, "memory"))
		return "netns";
	if (!strcmp(field, "inuse"))
		for (i = 0; i < sizeof(netns_inuse) / sizeof(netns_inuse[0]); i++)
			if (!strcmp(proto, netns_inuse[i]))
				return "netns";
	return "unknown";
}

int nt_stack_parse_sockstat(const char *text, size_t len, struct nt_sockstat *s)
{
	const char *p = text, *end = text + len, *eol, *w, *colon;
	size_t n0 = s->n, wl;
	int r;

	while (next_line(&p, end, &eol)) {
		char proto[16];
		size_t pl;

		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon) {
			const char *q = p;

			if (word(&q, eol, &w) == 0) { /* blank line */
				p = eol + 1;
				continue;
			}
			goto bad;
		}
		while (p < colon && is_space(*p))
			p++;
		pl = (size_t)(colon - p);
		if (pl == 0 || pl >= sizeof(proto) || memchr(p, ' ', pl))
			goto bad;
		memcpy(proto, p, pl);
		proto[pl] = '\0';
		p = colon + 1;
		while ((wl = word(&p, eol, &w)) > 0) {
			struct nt_sockstat_ent *e;
			const char *vw;
			size_t vl;

			if (wl >= sizeof(e->field))
				goto bad;
			vl = word(&p, eol, &vw);
			if ((r = nt_grow(&s->v, s->n, &s->cap, sizeof(*s->v), 16))) {
				s->n = n0;
				return r;
			}
			e = &s->v[s->n];
			memset(e, 0, sizeof(*e));
			if (parse_num(vw, vl, 10, &e->value))
				goto bad;
			memcpy(e->proto, proto, pl + 1);
			memcpy(e->field, w, wl);
			snprintf(e->scope, sizeof(e->scope), "%s",
				 nt_sockstat_scope(e->proto, e->field));
			snprintf(e->subject, sizeof(e->subject), "%s %s", e->proto, e->field);
			s->n++;
		}
		p = eol + 1;
	}
	return 0;
bad:
	s->n = n0;
	return -EINVAL;
}

bool nt_sockstat_get(const struct nt_sockstat *s, const char *proto,
		     const char *field, uint64_t *v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].proto, proto) && !strcmp(s->v[i].field, field)) {
			*v = s->v[i].value;
			return true;
		}
	return false;
}

int nt_stack_parse_nums(const char *text, size_t len, uint64_t *v, int max)
{
	const char *p = text, *end = text + len, *w;
	size_t wl;
	int n = 0;

	for (;;) {
		while (p < end && (*p == '\n' || is_space(*p)))
			p++;
		w = p;
		while (p < end && !(*p == '\n' || is_space(*p)))
			p++;
		wl = (size_t)(p - w);
		if (!wl)
			break;
		if (n == max || parse_num(w, wl, 10, &v[n]))
			return -EINVAL;
		n++;
	}
	return n ? n : -EINVAL;
}

int nt_stack_parse_snmp6(const char *text, size_t len, const char *prefix,
			 struct nt_tcp_ctrs *c)
{
	const char *p = text, *end = text + len, *eol, *w, *vw, *xw;
	size_t pl = strlen(prefix), wl, vl, i;
	int r;

	nt_tcp_ctrs_free(c);
	while (next_line(&p, end, &eol)) {
		struct nt_tcp_ctr *e;

		wl = word(&p, eol, &w);
		if (!wl) {
			p = eol + 1;
			continue;
		}
		vl = word(&p, eol, &vw);
		if (!vl || word(&p, eol, &xw) > 0)
			goto bad;
		p = eol + 1;
		if (wl <= pl || memcmp(w, prefix, pl) || w[pl] < 'A' || w[pl] > 'Z')
			continue;
		if (wl - pl >= sizeof(e->name))
			goto bad;
		if ((r = nt_grow(&c->v, c->n, &c->cap, sizeof(*c->v), 32))) {
			nt_tcp_ctrs_free(c);
			return r;
		}
		e = &c->v[c->n];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, w + pl, wl - pl);
		for (i = 0; i < c->n; i++)
			if (!strcmp(c->v[i].name, e->name))
				goto bad;
		if (parse_num(vw, vl, 10, &e->v))
			goto bad;
		c->n++;
	}
	if (!c->n) {
		nt_tcp_ctrs_free(c);
		return -ENOENT;
	}
	c->present = true;
	return 0;
bad:
	nt_tcp_ctrs_free(c);
	return -EINVAL;
}

const char *const nt_stack_ctr_set[NT_SC_COUNT] = {
	"Udp", "Udp6", "UdpLite", "UdpLite6", "Ip", "IpExt", "Ip6", "TcpExt",
};

void nt_stack_ctrs_free(struct nt_stack_ctrs *c)
{
	int i;

	for (i = 0; i < NT_SC_COUNT; i++)
		nt_tcp_ctrs_free(&c->s[i]);
}

void nt_stack_parse_ctrs(struct nt_stack_ctrs *c, const char *snmp, size_t ls,
			 const char *snmp6, size_t l6, const char *netstat,
			 size_t ln)
{
	static const int in_snmp[] = { NT_SC_UDP, NT_SC_UDPLITE, NT_SC_IP };
	static const int in_snmp6[] = { NT_SC_UDP6, NT_SC_UDPLITE6, NT_SC_IP6 };
	static const int in_netstat[] = { NT_SC_IPEXT, NT_SC_TCPEXT };
	size_t i;

	nt_stack_ctrs_free(c);
	for (i = 0; snmp && i < 3; i++)
		(void)nt_tcp_parse_counters(snmp, ls, nt_stack_ctr_set[in_snmp[i]],
					    &c->s[in_snmp[i]]);
	for (i = 0; snmp6 && i < 3; i++)
		(void)nt_stack_parse_snmp6(snmp6, l6, nt_stack_ctr_set[in_snmp6[i]],
					   &c->s[in_snmp6[i]]);
	for (i = 0; netstat && i < 2; i++)
		(void)nt_tcp_parse_counters(netstat, ln, nt_stack_ctr_set[in_netstat[i]],
					    &c->s[in_netstat[i]]);
}
