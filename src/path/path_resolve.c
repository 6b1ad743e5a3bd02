/* path: the target's name before the sockets (syntax only) and after the
 * privileges are gone (getaddrinfo), and reverse DNS of the responders in
 * parallel threads with a deadline. Nothing here is global: a state's
 * lookups are its own, so several states may resolve at once. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "nettriage.h"
#include "path_int.h"

/* A host name must be one before it goes to the resolver: labels of
 * 1..63 letters, digits, '-' or '_', 253 characters at most (RFC 1035,
 * RFC 1123). NULL, or a reason. */
static const char *bad_hostname(const char *h)
{
	size_t n = strlen(h), lab = 0, i;

	if (n > 254 || (n == 254 && h[253] != '.'))
		return "longer than 253 characters";
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)h[i];

		if (ch == '.') {
			if (!lab)
				return "empty label";
			lab = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return "a character other than letters, digits, '-', '_' and '.'";
		if (++lab > 63)
			return "a label longer than 63 characters";
	}
	return NULL;
}

int nt_path_check_target(const struct path_opts *o, struct nt_paddr *dst,
			 char *why, size_t len)
{
	const char *bad;

	memset(dst, 0, sizeof(*dst));
	if (nt_paddr_parse(o->target, dst) == 0) {
		if (o->family && dst->family != o->family) {
			snprintf(why, len, "%s is an %s address but %s was given", o->target,
				 dst->family == AF_INET ? "IPv4" : "IPv6",
				 o->family == AF_INET ? "-4" : "-6");
			return -EINVAL;
		}
		return 0;
	}
	bad = bad_hostname(o->target);
	if (bad) {
		char shown[64];
		size_t i;

		/* echo it, but never a terminal escape */
		for (i = 0; o->target[i] && i < sizeof(shown) - 1; i++)
			shown[i] = (o->target[i] >= 0x20 && o->target[i] < 0x7f) ?
				   o->target[i] : '?';
		shown[i] = '\0';
		snprintf(why, len, "not an IP address or host name: %s%s (%s)", shown,
			 o->target[i] ? "..." : "", bad);
		return -EINVAL;
	}
	dst->family = (uint8_t)o->family; /* AF_UNSPEC: sockets for both */
	return 0;
}

int nt_path_resolve(const struct path_opts *o, const struct nt_prober *pr,
		    struct nt_paddr *dst, char *why, size_t len)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *fwhy;
	int r, fam = 0;

	if (dst->family && nt_paddr_parse(o->target, dst) == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_DGRAM;
	r = getaddrinfo(o->target, NULL, &hints, &res);
	if (r) {
		int e = r == EAI_SYSTEM ? errno : 0;

		snprintf(why, len, "%s: %s", o->target, e ? strerror(e) : gai_strerror(r));
		return r == EAI_MEMORY ? -ENOMEM : e ? -e : -ENOENT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!fam)
			fam = ai->ai_family;
		if (!nt_probe_has_family(pr, ai->ai_family))
			continue;
		memset(dst, 0, sizeof(*dst));
		dst->family = (uint8_t)ai->ai_family;
		if (ai->ai_family == AF_INET)
			memcpy(dst->a, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else
			memcpy(dst->a, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		break;
	}
	freeaddrinfo(res);
	if (ai)
		return 0;
	if (!fam) {
		snprintf(why, len, "%s: no IPv4 or IPv6 address", o->target);
		return -EADDRNOTAVAIL;
	}
	r = nt_probe_family_err(pr, fam, &fwhy);
	snprintf(why, len, "%s: %s: %s", o->target, fwhy, strerror(-r));
	return r;
}

/* ---- reverse DNS after the run, in parallel, with a deadline ---- */

static void *rdns_thread(void *arg)
{
	struct nt_path_rdns_job *j = arg;
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (j->a.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, j->a.a, 4);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, j->a.a, 16);
		sl = sizeof(*s);
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, j->host, sizeof(j->host),
			NULL, 0, NI_NAMEREQD))
		j->host[0] = '\0';
	atomic_store(&j->done, 1);
	return NULL;
}

void nt_path_rdns_start(struct nt_path_rdns *d, const struct nt_paddr *a)
{
	sigset_t all, old;
	struct nt_path_rdns_job *j;
	size_t i;
	int r;

	if (!a->family || d->n == NT_PATH_RDNS_MAX)
		return;
	for (i = 0; i < d->n; i++)
		if (nt_paddr_eq(&d->jobs[i]->a, a))
			return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->a = *a;
	/* The thread inherits a full mask: SIGINT/SIGTERM reach only a
	 * prober's ppoll, never a resolver stuck in poll(). The mask is the
	 * calling thread's own: nothing else is touched. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&j->th, NULL, rdns_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		free(j);
	else
		d->jobs[d->n++] = j;
}

/* getnameinfo waits in cancellation points (poll, recvfrom), so a lookup
 * past the budget is cancelled, then joined. */
void nt_path_rdns_collect(struct nt_path_rdns *d, struct nt_path *p,
			  double budget)
{
	double end = nt_now_mono() + budget;
	size_t i, done;
	int t;

	if (!d->n)
		return;
	do {
		for (i = 0, done = 0; i < d->n; i++)
			done += atomic_load(&d->jobs[i]->done) == 1;
		if (done == d->n)
			break;
		nt_sleep_until(nt_now_mono() + 0.005);
	} while (nt_now_mono() < end && !nt_stop);
	for (i = 0; i < d->n; i++) {
		struct nt_path_rdns_job *j = d->jobs[i];

		if (!atomic_load(&j->done))
			pthread_cancel(j->th);
		pthread_join(j->th, NULL);
		for (t = 1; p && atomic_load(&j->done) && t <= NT_PATH_MAX_TTL; t++) {
			struct nt_path_resp *r;

			for (r = p->hop[t].resp; r; r = r->next)
				if (nt_paddr_eq(&r->ip, &j->a))
					memcpy(r->host, j->host, sizeof(r->host));
		}
		free(j);
	}
	d->n = 0;
}
