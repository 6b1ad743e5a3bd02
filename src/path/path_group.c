/* The targets of one run (path A B C, triage HOST HOST): each state puts
 * its resolved address in the group, so a reply to another target's probe
 * (raw sockets read every ICMP message of the host) is told from a
 * foreign one. */
#include <pthread.h>
#include <stdlib.h>
#include "path_int.h"

struct nt_path_group *nt_path_group_new(void *const *states, int n)
{
	struct nt_path_group *g;
	int k;

	if (n < 1 || n > NT_PATH_GROUP_MAX)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	if (pthread_mutex_init(&g->mu, NULL)) {
		free(g);
		return NULL;
	}
	g->n = n;
	for (k = 0; k < n; k++) {
		struct path_st *x = states[k];

		x->group = g;
		x->group_idx = k;
	}
	return g;
}

void nt_path_group_free(struct nt_path_group *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->mu);
	free(g);
}

void nt_path_group_join(struct path_st *x)
{
	struct nt_path_group *g = x->group;

	if (!g || x->group_idx < 0 || x->group_idx >= g->n)
		return;
	pthread_mutex_lock(&g->mu);
	g->dst[x->group_idx] = x->o.po.dst;
	pthread_mutex_unlock(&g->mu);
}

bool nt_path_group_sibling(const struct path_st *x, const struct nt_probe_reply *r)
{
	struct nt_path_group *g = x->group;
	const struct nt_paddr *a;
	bool hit = false;
	int k;

	if (r->kind == NT_PR_ECHO_REPLY)
		a = &r->src;
	else if (r->qdst.family)
		a = &r->qdst;
	else
		return false;
	pthread_mutex_lock(&g->mu);
	for (k = 0; k < g->n && !hit; k++)
		hit = k != x->group_idx && g->dst[k].family && nt_paddr_eq(&g->dst[k], a);
	pthread_mutex_unlock(&g->mu);
	return hit;
}
