/* Pure parsers for tcp: SOCK_DIAG_BY_FAMILY replies, tcp_info, the
 * "Prefix: names / Prefix: values" tables of /proc/net/snmp and
 * /proc/net/netstat, state lists and the --dst filter. Nothing here prints,
 * exits or touches a socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include "nettriage.h"
#include "nt_tcp.h"

const char *const nt_tcp_state_names[NT_TCP_NSTATES] = {
	"established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
	"time_wait", "close", "close_wait", "last_ack", "listen", "closing",
	"new_syn_recv",
};

/* ss(8) spellings, index state-1. */
static const char *const ss_names[NT_TCP_NSTATES] = {
	"estab", "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2",
	"time-wait", "closed", "close-wait", "last-ack", "listening",
	"closing", "new-syn-recv",
};

static int state_of(const char *s, size_t n)
{
	char norm[32];
	size_t i, k = 0;

	if (n >= sizeof(norm))
		return -1;
	for (i = 0; i < n; i++) /* "time-wait" == "time_wait"; case-blind */
		norm[k++] = s[i] == '-' ? '_' : (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] | 0x20) : s[i];
	norm[k] = '\0';
	for (i = 0; i < NT_TCP_NSTATES; i++) {
		char ss[32];
		size_t j;

		if (!strcmp(norm, nt_tcp_state_names[i]))
			return (int)i + 1;
		for (j = 0; ss_names[i][j]; j++)
			ss[j] = ss_names[i][j] == '-' ? '_' : ss_names[i][j];
		ss[j] = '\0';
		if (!strcmp(norm, ss))
			return (int)i + 1;
	}
	/* a few more that ss and netstat users type */
	if (!strcmp(norm, "fin_wait_1"))
		return 4;
	if (!strcmp(norm, "fin_wait_2"))
		return 5;
	return -1;
}

int nt_tcp_parse_states(const char *list, uint32_t *mask, char *bad, size_t badlen)
{
	const char *p = list;
	uint32_t m = 0;

	if (badlen)
		bad[0] = '\0';
	if (!list || !*list)
		return -EINVAL;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int st;

		if (n == 3 && !strncmp(p, "all", 3)) {
			m |= NT_TCP_ALL_STATES;
		} else {
			st = state_of(p, n);
			if (st < 0) {
				if (badlen)
					snprintf(bad, badlen, "%.*s",
						 (int)(n < badlen ? n : badlen - 1), p);
				return -EINVAL;
			}
			m |= 1u << st;
		}
		if (!e)
			break;
		p = e + 1;
		if (!*p)
			return -EINVAL;
	}
	*mask = m;
	return 0;
}

/* ---- counters ---- */

void nt_tcp_ctrs_free(struct nt_tcp_ctrs *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Next line of [p, end): sets *eol to its end (newline or end). */
static const char *line_end(const char *p, const char *end)
{
	const char *e = memchr(p, '\n', (size_t)(end - p));

	return e ? e : end;
}

/* Does the line [p, eol) start with "prefix:"? Returns the text after the
 * colon or NULL. */
static const char *match_prefix(const char *p, const char *eol, const char *prefix)
{
	size_t n = strlen(prefix);

	if ((size_t)(eol - p) < n + 1 || memcmp(p, prefix, n) || p[n] != ':')
		return NULL;
	return p + n + 1;
}

static const char *skip_sp(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *tok_end(const char *p, const char *eol)
{
	while (p < eol && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	return p;
}

static int ctr_add(struct nt_tcp_ctrs *c, const char *name, size_t n)
{
	struct nt_tcp_ctr *e;
	size_t i;

	if (n == 0 || n >= sizeof(e->name))
		return -EINVAL;
	for (i = 0; i < c->n; i++) /* a repeated name would be ambiguous */
		if (strlen(c->v[i].name) == n && !memcmp(c->v[i].name, name, n))
			return -EINVAL;
	if (nt_grow(&c->v, c->n, &c->cap, sizeof(*c->v), 64))
		return -ENOMEM;
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, n);
	return 0;
}

/* A decimal number, optionally negative, in [p, e). */
static int parse_num(const char *p, const char *e, uint64_t *v, bool *neg)
{
	uint64_t x = 0;

	*neg = false;
	if (p < e && *p == '-') {
		*neg = true;
		p++;
	}
	if (p == e)
		return -EINVAL;
	for (; p < e; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	if (*neg && x == 0)
		*neg = false;
	return 0;
}

int nt_tcp_parse_counters(const char *text, size_t len, const char *prefix,
			  struct nt_tcp_ctrs *c)
{
	const char *p = text, *end = text + len, *hdr = NULL, *hdr_eol = NULL;
	const char *val = NULL, *val_eol = NULL;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	/* A NUL inside the buffer ends the text. */
	{
		const char *z = memchr(text, '\0', len);

		if (z)
			end = z;
	}
	while (p < end) {
		const char *eol = line_end(p, end), *rest = match_prefix(p, eol, prefix);

		if (rest) {
			if (!hdr) {
				hdr = rest;
				hdr_eol = eol;
			} else {
				val = rest;
				val_eol = eol;
				break;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	if (!hdr)
		return -ENOENT;
	if (!val)
		return -EINVAL;

	for (p = skip_sp(hdr, hdr_eol); p < hdr_eol; p = skip_sp(p, hdr_eol)) {
		const char *e = tok_end(p, hdr_eol);

		r = ctr_add(c, p, (size_t)(e - p));
		if (r)
			goto bad;
		p = e;
	}
	if (c->n == 0) {
		r = -EINVAL;
		goto bad;
	}
	i = 0;
	for (p = skip_sp(val, val_eol); p < val_eol; p = skip_sp(p, val_eol)) {
		const char *e = tok_end(p, val_eol);

		if (i >= c->n) { /* more values than names */
			r = -EINVAL;
			goto bad;
		}
		r = parse_num(p, e, &c->v[i].v, &c->v[i].neg);
		if (r)
			goto bad;
		i++;
		p = e;
	}
	if (i != c->n) {
		r = -EINVAL;
		goto bad;
	}
	c->present = true;
	return 0;
bad:
	nt_tcp_ctrs_free(c);
	return r;
}

bool nt_tcp_ctr_get(const struct nt_tcp_ctrs *c, const char *name, uint64_t *v)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			if (c->v[i].neg)
				return false;
			*v = c->v[i].v;
			return true;
		}
	return false;
}

bool nt_tcp_ctr_is_gauge(const char *name)
{
	static const char *const g[] = { "RtoAlgorithm", "RtoMin", "RtoMax",
					 "MaxConn", "CurrEstab" };
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (!strcmp(name, g[i]))
			return true;
	return false;
}

static bool is_up(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lo(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

int nt_tcp_snake(const char *name, char *buf, size_t len)
{
	size_t k = 0, i;

	for (i = 0; name[i]; i++) {
		char ch = name[i];
		bool brk = i > 0 && is_up(ch) &&
			   (is_lo(name[i - 1]) ||
			    (is_up(name[i - 1]) && name[i + 1] && is_lo(name[i + 1]) &&
			     !(name[i + 1] >= '0' && name[i + 1] <= '9')));

		if (k + 3 > len)
			return -ENOSPC;
		if (brk && k && buf[k - 1] != '_')
			buf[k++] = '_';
		if (is_up(ch))
			ch = (char)(ch | 0x20);
		else if (!is_lo(ch))
			ch = '_';
		buf[k++] = ch;
	}
	if (k == 0)
		return -ENOSPC;
	buf[k] = '\0';
	return 0;
}

/* ---- inet_diag ---- */

static void get32(const uint8_t *p, size_t len, size_t off, uint32_t *dst,
		  uint64_t *avail, int bit)
{
	if (len >= off + 4) {
		memcpy(dst, p + off, 4);
		*avail |= 1ull << bit;
	} else {
		*dst = 0;
	}
}

void nt_tcp_parse_info(const void *payload, size_t len, struct nt_tcp_info *out)
{
	const uint8_t *p = payload;

	memset(out, 0, sizeof(*out));
	get32(p, len, NT_TI_OFF_TOTAL_RETRANS, &out->total_retrans, &out->avail,
	      NT_TI_TOTAL_RETRANS);
	get32(p, len, NT_TI_OFF_RETRANS, &out->retrans, &out->avail, NT_TI_RETRANS);
	get32(p, len, NT_TI_OFF_LOST, &out->lost, &out->avail, NT_TI_LOST);
	get32(p, len, NT_TI_OFF_RTT, &out->rtt_us, &out->avail, NT_TI_RTT);
	get32(p, len, NT_TI_OFF_RTTVAR, &out->rttvar_us, &out->avail, NT_TI_RTTVAR);
	get32(p, len, NT_TI_OFF_CWND, &out->cwnd, &out->avail, NT_TI_CWND);
	if (len >= NT_TI_OFF_BYTES_RETRANS + 8) {
		memcpy(&out->bytes_retrans, p + NT_TI_OFF_BYTES_RETRANS, 8);
		out->avail |= 1ull << NT_TI_BYTES_RETRANS;
	}
	if (len >= NT_TI_OFF_TOTAL_RTO + 2) {
		uint16_t v;

		memcpy(&v, p + NT_TI_OFF_TOTAL_RTO, 2);
		out->total_rto = v;
		out->avail |= 1ull << NT_TI_TOTAL_RTO;
	}
}

int nt_tcp_parse_diag(const struct nlmsghdr *nlh, bool attrs,
		      struct nt_tcp_diag *out)
{
	struct inet_diag_msg m;
	const uint8_t *a, *end;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(m) ||
	    nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EINVAL;
	memcpy(&m, (const char *)nlh + NLMSG_HDRLEN, sizeof(m));
	out->family = m.idiag_family;
	out->state = m.idiag_state;
	out->sport = ntohs(m.id.idiag_sport);
	out->dport = ntohs(m.id.idiag_dport);
	memcpy(out->src, m.id.idiag_src, 16);
	memcpy(out->dst, m.id.idiag_dst, 16);
	out->rqueue = m.idiag_rqueue;
	out->wqueue = m.idiag_wqueue;
	out->inode = m.idiag_inode;
	out->have_info = false;
	memset(&out->info, 0, sizeof(out->info));
	if (!attrs)
		return 0;

	/* Attributes: bounds-checked walk; unknown types skipped. */
	a = (const uint8_t *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));
	end = (const uint8_t *)nlh + nlh->nlmsg_len;
	if (a > end) /* header fits but its alignment padding does not */
		return -EBADMSG;
	while ((size_t)(end - a) >= sizeof(struct nlattr)) {
		struct nlattr at;
		size_t alen;

		memcpy(&at, a, sizeof(at));
		if (at.nla_len < sizeof(at) || at.nla_len > (size_t)(end - a))
			return -EBADMSG;
		alen = at.nla_len - sizeof(at);
		if ((at.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO) {
			nt_tcp_parse_info(a + sizeof(at), alen, &out->info);
			out->have_info = true;
		}
		if ((size_t)NLA_ALIGN(at.nla_len) >= (size_t)(end - a))
			break;
		a += NLA_ALIGN(at.nla_len);
	}
	if (a < end && (size_t)(end - a) < sizeof(struct nlattr))
		return -EBADMSG;
	return 0;
}

/* ---- filter ---- */

int nt_tcp_parse_dst(const char *s, struct nt_tcp_filter *f)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long pfx = -1;

	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (addr[0] == '[' && n > 2 && addr[n - 1] == ']') { /* [2001:db8::1] */
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = '\0';
	}
	memset(f->dst, 0, sizeof(f->dst));
	if (inet_pton(AF_INET, addr, f->dst) == 1)
		f->dst_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, f->dst) == 1)
		f->dst_family = AF_INET6;
	else
		return -EINVAL;
	if (slash) {
		char *e;

		errno = 0;
		pfx = strtol(slash + 1, &e, 10);
		if (!slash[1] || *e || errno)
			return -EINVAL;
	}
	if (pfx < 0)
		pfx = f->dst_family == AF_INET ? 32 : 128;
	if (pfx > (f->dst_family == AF_INET ? 32 : 128))
		return -EINVAL;
	f->dst_prefix = (uint8_t)pfx;
	f->has_dst = true;
	return 0;
}

/* Bytecode: a chain of conditions that must all hold. Each op's "yes"
 * jumps to the next condition; its "no" jumps 4 bytes past the end, which
 * the kernel reads as "reject" (the program accepts only when it lands
 * exactly on its end). Same layout as ss(8)'s filters. */
int nt_tcp_bytecode(const struct nt_tcp_filter *f, void *buf, size_t len)
{
	uint8_t tmp[128];
	size_t off = 0, starts[4], sizes[4], nops = 0, i;

#define OP(c, y, n) do { struct inet_diag_bc_op o_ = { (c), (y), (n) }; \
	memcpy(tmp + off, &o_, sizeof(o_)); off += sizeof(o_); } while (0)
	if (f->has_dst) {
		struct inet_diag_hostcond hc;
		size_t alen = f->dst_family == AF_INET ? 4 : 16;
		size_t sz = sizeof(struct inet_diag_bc_op) + sizeof(hc) + alen;

		starts[nops] = off;
		sizes[nops++] = sz;
		OP(INET_DIAG_BC_D_COND, (unsigned char)sz, 0);
		memset(&hc, 0, sizeof(hc));
		hc.family = f->dst_family;
		hc.prefix_len = f->dst_prefix;
		hc.port = -1;
		memcpy(tmp + off, &hc, sizeof(hc));
		off += sizeof(hc);
		memcpy(tmp + off, f->dst, alen);
		off += alen;
	}
	if (f->dport >= 0) {
		starts[nops] = off;
		sizes[nops++] = 8;
		OP(INET_DIAG_BC_D_EQ, 8, 0);
		OP(0, 0, (uint16_t)f->dport);
	}
	if (f->sport >= 0) {
		starts[nops] = off;
		sizes[nops++] = 8;
		OP(INET_DIAG_BC_S_EQ, 8, 0);
		OP(0, 0, (uint16_t)f->sport);
	}
#undef OP
	if (off > len)
		return -ENOSPC;
	for (i = 0; i < nops; i++) {
		struct inet_diag_bc_op o;

		memcpy(&o, tmp + starts[i], sizeof(o));
		o.yes = (unsigned char)sizes[i];
		o.no = (unsigned short)(off - starts[i] + 4);
		memcpy(tmp + starts[i], &o, sizeof(o));
	}
	memcpy(buf, tmp, off);
	return (int)off;
}

/* ---- ephemeral port range and reserved ports ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A port number 0..65535 at *p (digits only, at most 5 of them);
 * advances *p. */
static int port_num(const char **p, const char *end, uint32_t *v)
{
	const char *q = *p;
	uint32_t x = 0;

	if (q == end || *q < '0' || *q > '9')
		return -EINVAL;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (q - *p >= 5)
			return -EINVAL;
		x = x * 10 + (uint32_t)(*q - '0');
	}
	if (x > 65535)
		return -EINVAL;
	*p = q;
	*v = x;
	return 0;
}

int nt_tcp_parse_port_range(const char *text, size_t len, uint16_t *lo, uint16_t *hi)
{
	const char *p = text, *end = text + len;
	uint32_t a, b;

	while (p < end && is_ws(*p))
		p++;
	if (port_num(&p, end, &a) || p == end || (*p != ' ' && *p != '\t'))
		return -EINVAL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (port_num(&p, end, &b))
		return -EINVAL;
	while (p < end && is_ws(*p))
		p++;
	if (p != end || a == 0 || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int nt_tcp_parse_reserved(const char *text, size_t len, uint8_t map[65536 / 8])
{
	const char *p = text, *end = text + len;
	uint32_t a, b, i;

	memset(map, 0, 65536 / 8);
	while (end > p && is_ws(end[-1]))
		end--;
	while (p < end && is_ws(*p))
		p++;
	if (p == end)
		return 0; /* none reserved */
	for (;;) {
		if (port_num(&p, end, &a))
			goto bad;
		b = a;
		if (p < end && *p == '-') {
			p++;
			if (port_num(&p, end, &b) || b < a)
				goto bad;
		}
		for (i = a; i <= b; i++)
			map[i / 8] |= (uint8_t)(1u << (i % 8));
		if (p == end)
			return 0;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	memset(map, 0, 65536 / 8);
	return -EINVAL;
}

uint32_t nt_tcp_usable_ports(uint16_t lo, uint16_t hi, const uint8_t map[65536 / 8])
{
	uint32_t n = 0, p;

	for (p = lo; p <= hi; p++)
		if (!(map[p / 8] & (1u << (p % 8))))
			n++;
	return n;
}
