/* stack: the /proc collectors (the calling thread's namespace, through
 * nt_proc_path). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_netns.h"
#include "nt_stack.h"

static long rd(const char *rel, char **buf, size_t *cap)
{
	char path[512];

	return nt_read_file_grow(nt_proc_path(rel, path, sizeof(path)), buf, cap);
}

/* A sysctl of up to n numbers, exactly n expected. */
static int nums(const char *rel, uint64_t *v, int n)
{
	char path[512], text[256];
	long l = nt_read_file(nt_proc_path(rel, path, sizeof(path)), text, sizeof(text));
	int r;

	if (l < 0)
		return (int)l;
	r = nt_stack_parse_nums(text, (size_t)l, v, n);
	return r < 0 ? r : r == n ? 0 : -EINVAL;
}

void nt_stack_sample_free(struct nt_stack_sample *s)
{
	nt_softnet_free(&s->softnet);
	nt_sockstat_free(&s->sockstat);
	nt_stack_ctrs_free(&s->ctrs);
	memset(s, 0, sizeof(*s));
}

void nt_stack_read(struct nt_stack_sample *s, char **buf, size_t *cap)
{
	char *t6 = NULL, *tn = NULL;
	size_t c6 = 0, cn = 0;
	long n, l6, ln;

	n = rd("net/softnet_stat", buf, cap);
	s->err_softnet = n < 0 ? (int)n : nt_stack_parse_softnet(*buf, (size_t)n, &s->softnet);
	if (s->err_softnet)
		s->softnet.n = 0;
	s->cpus_conf = sysconf(_SC_NPROCESSORS_CONF);

	s->sockstat.n = 0;
	n = rd("net/sockstat", buf, cap);
	s->err_sockstat = n < 0 ? (int)n : nt_stack_parse_sockstat(*buf, (size_t)n, &s->sockstat);
	n = rd("net/sockstat6", buf, cap);
	if (n >= 0 && !s->err_sockstat) /* no IPv6: no sockstat6, not an error */
		s->err_sockstat = nt_stack_parse_sockstat(*buf, (size_t)n, &s->sockstat);

	n = rd("net/snmp", buf, cap);
	l6 = rd("net/snmp6", &t6, &c6);
	ln = rd("net/netstat", &tn, &cn);
	s->ctrs.err_snmp = n < 0 ? (int)n : 0;
	s->ctrs.err_snmp6 = l6 < 0 ? (int)l6 : 0;
	s->ctrs.err_netstat = ln < 0 ? (int)ln : 0;
	nt_stack_parse_ctrs(&s->ctrs, n < 0 ? NULL : *buf, n < 0 ? 0 : (size_t)n,
			    l6 < 0 ? NULL : t6, l6 < 0 ? 0 : (size_t)l6,
			    ln < 0 ? NULL : tn, ln < 0 ? 0 : (size_t)ln);
	free(t6);
	free(tn);

	s->err_tcp_mem = nums("sys/net/ipv4/tcp_mem", s->tcp_mem, 3);
	s->err_udp_mem = nums("sys/net/ipv4/udp_mem", s->udp_mem, 3);
	s->err_orphans = nums("sys/net/ipv4/tcp_max_orphans", &s->max_orphans, 1);
	s->err_tw = nums("sys/net/ipv4/tcp_max_tw_buckets", &s->max_tw, 1);
	s->err_file_nr = nums("sys/fs/file-nr", s->file_nr, 3);
	s->err_file_max = nums("sys/fs/file-max", &s->file_max, 1);
}

static void glimits_here(struct nt_stack_glimits *g)
{
	g->err_tcp_mem = nums("sys/net/ipv4/tcp_mem", g->tcp_mem, 3);
	g->err_udp_mem = nums("sys/net/ipv4/udp_mem", g->udp_mem, 3);
	g->err_orphans = nums("sys/net/ipv4/tcp_max_orphans", &g->max_orphans, 1);
}

static bool glimits_any(const struct nt_stack_glimits *g)
{
	return !g->err_tcp_mem || !g->err_udp_mem || !g->err_orphans;
}

/* In its own thread: setns changes only the calling thread's netns, and
 * the thread ends, so the process keeps the namespace it runs in. */
static void *glimits_thread(void *arg)
{
	struct nt_stack_glimits *g = arg;

	/* nt_netns_enter checks that the switch took */
	g->err_init = nt_netns_enter("/proc/1/ns/net", NULL);
	if (g->err_init)
		return NULL;
	glimits_here(g);
	g->err_init = glimits_any(g) ? 0 : g->err_tcp_mem;
	return NULL;
}

void nt_stack_read_glimits(struct nt_stack_glimits *g)
{
	struct nt_stack_glimits t;
	pthread_t th;
	int r;

	memset(g, 0, sizeof(*g));
	glimits_here(g);
	if (glimits_any(g)) {
		g->from = NT_GL_HERE;
		return;
	}
	g->from = NT_GL_NONE;
	g->err_init = g->err_tcp_mem;
	if (g->err_tcp_mem != -ENOENT)
		return; /* not a child namespace's absence: nothing to look for */
	memset(&t, 0, sizeof(t));
	r = pthread_create(&th, NULL, glimits_thread, &t);
	if (r) {
		g->err_init = -r;
		return;
	}
	pthread_join(th, NULL);
	if (t.err_init || !glimits_any(&t)) {
		g->err_init = t.err_init ? t.err_init : -ENOENT;
		return;
	}
	t.from = NT_GL_INIT;
	*g = t;
}

void nt_stack_apply_glimits(struct nt_stack_sample *s, const struct nt_stack_glimits *g)
{
	bool any = false;

	s->glim_from = s->err_tcp_mem && s->err_udp_mem && s->err_orphans ? NT_GL_NONE : NT_GL_HERE;
	s->glim_err = 0;
	if (s->err_tcp_mem == -ENOENT && !g->err_tcp_mem) {
		memcpy(s->tcp_mem, g->tcp_mem, sizeof(s->tcp_mem));
		s->err_tcp_mem = 0;
		any = true;
	}
	if (s->err_udp_mem == -ENOENT && !g->err_udp_mem) {
		memcpy(s->udp_mem, g->udp_mem, sizeof(s->udp_mem));
		s->err_udp_mem = 0;
		any = true;
	}
	if (s->err_orphans == -ENOENT && !g->err_orphans) {
		s->max_orphans = g->max_orphans;
		s->err_orphans = 0;
		any = true;
	}
	if (any)
		s->glim_from = g->from;
	else if (s->glim_from == NT_GL_NONE)
		s->glim_err = g->from == NT_GL_NONE ? g->err_init : -ENOENT;
}

unsigned nt_stack_sources_ok(const struct nt_stack_sample *s)
{
	return !s->err_softnet + !s->err_sockstat + !s->ctrs.err_snmp +
	       !s->ctrs.err_snmp6 + !s->ctrs.err_netstat + !s->err_file_nr;
}
