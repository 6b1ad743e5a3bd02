/* Unit tests for the tcp model: retransmit ratio, counter deltas and the
 * verdicts (thresholds, rate floor, rises, CLOSE-WAIT, accept queues). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "nt_tcp.h"
#include "t.h"
#include "t_verdict.h"

static void ctrs(struct nt_tcp_ctrs *c, const char *text, const char *prefix)
{
	if (nt_tcp_parse_counters(text, strlen(text), prefix, c))
		abort();
}

#define TCPHDR "Tcp: MaxConn OutSegs RetransSegs CurrEstab\n"
#define EXTHDR "TcpExt: ListenOverflows ListenDrops TCPBacklogDrop\n"

static void test_ratio(void)
{
	struct nt_tcp_ctrs a, b;
	double ratio, rate;
	uint64_t dr, dout;

	ctrs(&a, TCPHDR "Tcp: -1 1000 10 5\n", "Tcp");
	ctrs(&b, TCPHDR "Tcp: -1 21000 410 5\n", "Tcp");
	nt_tcp_ratio(&b, &a, 10.0, &ratio, &rate, &dr, &dout);
	T_NEAR(ratio, 2.0, 1e-12, "ratio = 400 / 20000 = 2 %%");
	T_NEAR(rate, 2000.0, 1e-9, "20000 segs in 10 s");
	T_EQ_U(dr, 400, "delta RetransSegs");
	T_EQ_U(dout, 20000, "delta OutSegs");
	nt_tcp_ratio(&b, NULL, 100.0, &ratio, &rate, &dr, &dout);
	T_NEAR(ratio, 100.0 * 410 / 21000, 1e-12, "since boot: totals");
	nt_tcp_ratio(&a, &b, 10.0, &ratio, &rate, &dr, &dout);
	T_OK(isnan(ratio), "counters went down: NaN");
	nt_tcp_ratio(&a, &a, 10.0, &ratio, &rate, &dr, &dout);
	T_OK(isnan(ratio), "nothing sent: NaN (null in JSON)");
	T_NEAR(rate, 0.0, 0, "nothing sent: rate 0");
	nt_tcp_ctrs_free(&a);
	nt_tcp_ctrs_free(&b);
}

static void view(struct nt_tcp_view *v, struct nt_tcp_sample *s, struct nt_tcp_counters *c,
		 struct nt_tcp_counters *p, double dt)
{
	memset(v, 0, sizeof(*v));
	v->s = s;
	v->c = c;
	v->prev = p;
	v->dt = dt;
	v->since = "over the interval";
}

static void test_verdicts(void)
{
	struct nt_tcp_counters p, c;
	struct nt_tcp_sample s;
	struct nt_tcp_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_tcp_view v;
	struct nt_tcp_listen l[2];
	struct nt_tcp_cw_count top[2] = {
		{ "local port 8080", "local", "", 8080, 150, 0 },
		{ "peer 192.0.2.9:443", "peer", "192.0.2.9", 443, 40, 1 },
	};

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	memset(l, 0, sizeof(l));
	nt_tcp_thresholds_default(&t);
	s.mask = NT_TCP_ALL_STATES;

	/* 2 % over 10 s at 2000 segs/s: WARN; ListenOverflows +2: WARN */
	ctrs(&p.tcp, TCPHDR "Tcp: -1 1000 10 5\n", "Tcp");
	ctrs(&c.tcp, TCPHDR "Tcp: -1 21000 410 5\n", "Tcp");
	ctrs(&p.tcpext, EXTHDR "TcpExt: 1 1 0\n", "TcpExt");
	ctrs(&c.tcpext, EXTHDR "TcpExt: 3 1 0\n", "TcpExt");
	view(&v, &s, &c, &p, 10.0);
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_WARN, "2 %% > 1 %%: WARN");
	T_OK(t_verdict(&vs, "tcp.retrans_ratio", "")->hint[0] != 0, "WARN carries a hint");
	T_EQ_I(t_level(&vs, "tcp.listen_overflows", ""), NT_WARN, "ListenOverflows rose: WARN");
	T_OK(strstr(t_verdict(&vs, "tcp.listen_overflows", "")->hint, "somaxconn") != NULL,
	     "ListenOverflows hint names the backlog/somaxconn");
	T_EQ_I(t_level(&vs, "tcp.listen_drops", ""), NT_OK, "ListenDrops flat: OK");
	T_EQ_I(t_level(&vs, "tcp.close_wait", ""), NT_OK, "no CLOSE-WAIT: OK");
	T_EQ_I(t_level(&vs, "tcp.accept_queue", ""), NT_OK, "no listener: OK");

	/* 6 %: CRIT */
	nt_verdicts_reset(&vs);
	nt_tcp_ctrs_free(&c.tcp);
	ctrs(&c.tcp, TCPHDR "Tcp: -1 21000 1210 5\n", "Tcp");
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_CRIT, "6 %% > 5 %%: CRIT");

	/* same ratio below the rate floor: not judged */
	nt_verdicts_reset(&vs);
	v.dt = 1000.0; /* 20 segs/s */
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_OK, "6 %% at 20 segs/s: below the floor, OK");
	T_OK(strstr(t_verdict(&vs, "tcp.retrans_ratio", "")->reason, "rate floor") != NULL,
	     "reason says it was not judged");

	/* no baseline: a rise cannot be seen */
	nt_verdicts_reset(&vs);
	view(&v, &s, &c, NULL, 10.0);
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.listen_overflows", ""), NT_OK, "first run: ListenOverflows not judged");
	T_OK(strstr(t_verdict(&vs, "tcp.listen_overflows", "")->reason, "since boot") != NULL,
	     "first run says since boot");

	/* CLOSE-WAIT 150: WARN naming the port; 1000: CRIT */
	nt_verdicts_reset(&vs);
	s.states[NT_TCP_CLOSE_WAIT - 1] = 150;
	view(&v, &s, &c, &p, 10.0);
	v.cw_top = top;
	v.n_cw_top = 1;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.close_wait", ""), NT_WARN, "150 CLOSE-WAIT: WARN");
	T_OK(strstr(t_verdict(&vs, "tcp.close_wait", "")->reason, "local port 8080: 150") != NULL,
	     "reason names the top service port");
	T_OK(strstr(t_verdict(&vs, "tcp.close_wait", "")->hint, "never close()s sockets its peer") != NULL,
	     "a server-side leak: the application's hint");
	/* a client-side leak is named by the server the clients talk to */
	nt_verdicts_reset(&vs);
	v.cw_top = top + 1;
	nt_tcp_verdicts(&v, &t, &vs);
	T_OK(strstr(t_verdict(&vs, "tcp.close_wait", "")->reason, "(peer 192.0.2.9:443: 40)") != NULL,
	     "client CLOSE-WAIT: the reason names the peer service");
	T_OK(strstr(t_verdict(&vs, "tcp.close_wait", "")->hint, "its server (peer 192.0.2.9:443)") != NULL,
	     "client CLOSE-WAIT: the hint names the server");
	nt_verdicts_reset(&vs);
	v.cw_top = top;
	v.n_cw_top = 2;
	nt_tcp_verdicts(&v, &t, &vs);
	T_OK(strstr(t_verdict(&vs, "tcp.close_wait", "")->reason,
		    "(local port 8080: 150, peer 192.0.2.9:443: 40)") != NULL,
	     "both groups, most first");
	nt_verdicts_reset(&vs);
	s.states[NT_TCP_CLOSE_WAIT - 1] = 1000;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.close_wait", ""), NT_CRIT, "1000 CLOSE-WAIT: CRIT");
	nt_verdicts_reset(&vs);
	s.states[NT_TCP_CLOSE_WAIT - 1] = 99;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.close_wait", ""), NT_OK, "99 CLOSE-WAIT: OK");

	/* accept queue */
	nt_verdicts_reset(&vs);
	snprintf(l[0].subject, sizeof(l[0].subject), "192.0.2.1:80");
	l[0].queue = 5; l[0].backlog = 4; l[0].fill_pct = 125; l[0].full = true;
	snprintf(l[1].subject, sizeof(l[1].subject), "192.0.2.1:81");
	l[1].queue = 1; l[1].backlog = 4; l[1].fill_pct = 25;
	s.listen = l;
	s.n_listen = 2;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.accept_queue", "192.0.2.1:80"), NT_WARN, "full accept queue: WARN");
	T_EQ_I(t_level(&vs, "tcp.accept_queue", "192.0.2.1:81"), -1, "25 %% queue: no verdict line");
	s.listen = NULL;
	s.n_listen = 0;

	/* missing TcpExt: UNKNOWN, and no Tcp: UNKNOWN ratio */
	nt_verdicts_reset(&vs);
	nt_tcp_ctrs_free(&c.tcpext);
	c.err_netstat = -ENOENT;
	nt_tcp_ctrs_free(&c.tcp);
	c.err_snmp = -EACCES;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.listen_overflows", ""), NT_UNKNOWN, "no TcpExt: UNKNOWN");
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_UNKNOWN, "no Tcp: UNKNOWN");
	T_EQ_I(nt_level_exit(nt_verdicts_worst(&vs)), 3, "could not measure: exit 3");

	nt_verdicts_free(&vs);
	nt_tcp_counters_free(&p);
	nt_tcp_counters_free(&c);
}

int main(void)
{
	test_ratio();
	test_verdicts();
	return T_DONE();
}
