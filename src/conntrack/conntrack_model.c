/* conntrack model: fill, rates (32-bit wrap told from a reset) and
 * verdicts. The field tables are in conntrack_fields.c. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "nt_conntrack.h"

const char *nt_ct_stat_name(int i)
{
	static const char *const n[] = {
#define NT_X(n, a, p, h) #n,
		NT_CT_STATS(NT_X)
#undef NT_X
	};
	return i >= 0 && i < NT_CTS_COUNT ? n[i] : "?";
}

static bool has(uint64_t avail, int bit)
{
	return (avail >> bit) & 1;
}

void nt_ct_fill(struct nt_ct_summary *s)
{
	bool ok = has(s->avail, NT_CTA_COUNT) && has(s->avail, NT_CTA_MAX) &&
		  s->max > 0;

	s->fill_pct = ok ? 100.0 * (double)s->count / (double)s->max : NAN;
	s->effective_fill_pct = ok && has(s->avail, NT_CTA_ASSURED) ?
		100.0 * (double)s->assured / (double)s->max : NAN;
	s->growth_per_s = NAN;   /* nt_ct_growth, once a baseline is known */
	s->time_to_full_s = NAN;
}

void nt_ct_growth(struct nt_ct_summary *cur, const struct nt_ct_summary *prev,
		  double dt)
{
	double g;

	cur->growth_per_s = NAN;
	cur->time_to_full_s = NAN;
	if (!prev || !(dt > 0) || !has(prev->avail, NT_CTA_COUNT) ||
	    !has(cur->avail, NT_CTA_COUNT) || !has(cur->avail, NT_CTA_MAX) ||
	    cur->max == 0)
		return;
	g = ((double)cur->count - (double)prev->count) / dt;
	cur->growth_per_s = g;
	if (g > 0)
		cur->time_to_full_s = cur->count >= cur->max ? 0.0 :
			(double)(cur->max - cur->count) / g;
}

void nt_ct_fmt_duration(char *buf, size_t len, double s)
{
	unsigned long long t;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	t = (unsigned long long)(s + 0.5);
	if (t < 60)
		snprintf(buf, len, "%llu s", t);
	else if (t < 3600)
		snprintf(buf, len, "%llu m %02llu s", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%llu h %02llu m", t / 3600, t / 60 % 60);
	else
		snprintf(buf, len, "%llu d %llu h", t / 86400, t / 3600 % 24);
}

static const struct nt_ct_cpu *find_cpu(const struct nt_ct_sample *x,
					uint32_t cpu)
{
	size_t k;

	for (k = 0; k < x->ncpu; k++)
		if (x->cpu[k].cpu == cpu)
			return &x->cpu[k];
	return NULL;
}

bool nt_ct_delta_plausible(uint64_t prev, uint64_t cur, double dt,
			   uint64_t *delta)
{
	double bound = NT_CT_MAX_RATE * dt;
	uint32_t d = (uint32_t)((uint32_t)cur - (uint32_t)prev);

	*delta = d;
	/* A wrap is at most a quarter of the range: prev was in the top
	 * quarter (>= 0xc0000000) and cur is near zero. Anything larger is as
	 * likely a reset (a module reload at, say, 0x90000000) as a wrap, and
	 * a reset taken for a wrap gives a false delta of ~1e9 and a CRIT. */
	if ((uint32_t)cur < (uint32_t)prev && bound > 1073741824.0)
		bound = 1073741824.0;
	return (double)d <= bound;
}

static void set_reset(struct nt_ct_summary *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reset(struct nt_ct_summary *s, const char *fmt, ...)
{
	va_list ap;

	s->reset = true;
	va_start(ap, fmt);
	vsnprintf(s->reset_reason, sizeof(s->reset_reason), fmt, ap);
	va_end(ap);
	s->avail |= 1ull << NT_CTA_RESET;
}

/* The baseline must have the same CPUs: /proc/net/stat/nf_conntrack rows
 * are numbered by position and netlink's by CPU id, and both list every
 * possible CPU, so a different set means the baseline is not comparable
 * (another source with sparse CPU ids, another machine's or namespace's
 * history), not a CPU coming online. */
static bool same_cpus(const struct nt_ct_sample *cur,
		      const struct nt_ct_sample *prev)
{
	size_t k;

	if (cur->ncpu != prev->ncpu)
		return false;
	for (k = 0; k < cur->ncpu; k++)
		if (!find_cpu(prev, cur->cpu[k].cpu))
			return false;
	return true;
}

void nt_ct_rates(struct nt_ct_sample *cur, const struct nt_ct_sample *prev,
		 double dt)
{
	struct nt_ct_summary *s = &cur->s;
	size_t k;
	int i;

	memset(s->delta, 0, sizeof(s->delta));
	for (i = 0; i < NT_CTS_COUNT; i++)
		s->rate[i] = NAN;
	s->avail &= ~(((1ull << NT_CTS_COUNT) - 1) << NT_CT_DELTA_BIT);
	s->avail &= ~(1ull << NT_CTA_RESET);
	s->reset = false;
	s->reset_reason[0] = '\0';
	if (!prev || !(dt > 0))
		return;
	if (!same_cpus(cur, prev)) {
		set_reset(s, "the CPU set changed (%zu CPUs now, %zu in the baseline)",
			  cur->ncpu, prev->ncpu);
		return;
	}
	for (k = 0; k < cur->ncpu; k++) {
		const struct nt_ct_cpu *c = &cur->cpu[k];
		const struct nt_ct_cpu *p = find_cpu(prev, c->cpu);

		for (i = 0; i < NT_CTS_COUNT; i++) {
			uint64_t d;

			if (!has(c->avail, i) || !has(p->avail, i))
				continue;
			/* 32-bit per-CPU counters: a smaller value is a
			 * wrap only if the distance forward is plausible. */
			if (!nt_ct_delta_plausible(p->c[i], c->c[i], dt, &d)) {
				memset(s->delta, 0, sizeof(s->delta));
				s->avail &= ~(((1ull << NT_CTS_COUNT) - 1) << NT_CT_DELTA_BIT);
				set_reset(s, "cpu %u %s %s from %llu to %llu in %.3g s",
					  c->cpu, nt_ct_stat_name(i),
					  c->c[i] < p->c[i] ? "went down" : "jumped",
					  (unsigned long long)p->c[i],
					  (unsigned long long)c->c[i], dt);
				return;
			}
			s->delta[i] += d;
			s->avail |= 1ull << (NT_CT_DELTA_BIT + i);
		}
	}
	for (i = 0; i < NT_CTS_COUNT; i++)
		if (has(s->avail, NT_CT_DELTA_BIT + i))
			s->rate[i] = (double)s->delta[i] / dt;
}

void nt_ct_thresholds_default(struct nt_ct_thresholds *t)
{
	t->warn_fill = 75.0;
	t->crit_fill = 90.0;
	t->warn_ttf = 3600.0;
	t->crit_ttf = 300.0;
}

/* conntrack.time_to_full: judged only against a baseline (a growth rate
 * needs two counts); WARN/CRIT when the projection falls below the
 * thresholds, OK when the table is not growing. */
static void ttf_verdict(const struct nt_ct_summary *s, const char *since,
			const struct nt_ct_thresholds *t, struct nt_verdicts *vs)
{
	struct nt_verdict *v;
	enum nt_level l = NT_OK;
	char dur[32];
	double ttf = s->time_to_full_s;

	if (!isfinite(s->growth_per_s))
		return;
	if (isfinite(ttf))
		l = ttf < t->crit_ttf ? NT_CRIT : ttf < t->warn_ttf ? NT_WARN : NT_OK;
	v = nt_verdict_add(vs, "conntrack.time_to_full", "", l,
			   isfinite(ttf) ? ttf : NAN,
			   l == NT_CRIT ? t->crit_ttf : t->warn_ttf);
	if (!v)
		return;
	if (isfinite(ttf)) {
		nt_ct_fmt_duration(dur, sizeof(dur), ttf);
		snprintf(v->reason, sizeof(v->reason),
			 "full in %s at %+.0f entries/s (%llu of %llu, growth %s)",
			 dur, s->growth_per_s, (unsigned long long)s->count,
			 (unsigned long long)s->max, since);
	} else {
		snprintf(v->reason, sizeof(v->reason),
			 "not growing (%+.1f entries/s %s)", s->growth_per_s, since);
	}
	if (l != NT_OK)
		snprintf(v->hint, sizeof(v->hint),
			 "find who fills it (--by src, --events SEC); raise nf_conntrack_max; lower timeouts (nf_conntrack_tcp_timeout_*, nf_conntrack_udp_timeout)");
}

static const char *check_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "conntrack.%s", nt_ct_stat_name(i));
	return buf;
}

static void counter_verdict(const struct nt_ct_sample *x, int i, bool rise,
			    const char *since, enum nt_level bad,
			    const char *hint, struct nt_verdicts *vs)
{
	const struct nt_ct_summary *s = &x->s;
	struct nt_verdict *v;
	char check[48];
	uint64_t d;
	enum nt_level l;

	if (!has(s->avail, i))
		return;
	if (rise && s->reset) {
		/* Not comparable with the baseline: judging the totals as a
		 * rise would be the false CRIT this guards against. */
		v = nt_verdict_add(vs, check_name(check, sizeof(check), i), "",
				   NT_OK, NAN, 0);
		if (v)
			snprintf(v->reason, sizeof(v->reason),
				 "%s %llu in total; not judged: counters reset since the baseline (%s)",
				 nt_ct_stat_name(i), (unsigned long long)s->c[i],
				 s->reset_reason);
		return;
	}
	d = rise ? (has(s->avail, NT_CT_DELTA_BIT + i) ? s->delta[i] : 0) : s->c[i];
	l = rise && d > 0 ? bad : NT_OK;
	v = nt_verdict_add(vs, check_name(check, sizeof(check), i), "", l,
			   (double)d, 0);
	if (!v)
		return;
	if (rise && isfinite(s->rate[i]))
		snprintf(v->reason, sizeof(v->reason), "%s rose by %llu (%.2f/s) %s",
			 nt_ct_stat_name(i), (unsigned long long)d, s->rate[i], since);
	else
		snprintf(v->reason, sizeof(v->reason), "%s %llu %s",
			 nt_ct_stat_name(i), (unsigned long long)d, since);
	if (l != NT_OK)
		snprintf(v->hint, sizeof(v->hint), "%s", hint);
}

void nt_ct_verdicts(const struct nt_ct_sample *x, bool rise, const char *since,
		    const struct nt_ct_thresholds *t, struct nt_verdicts *vs)
{
	const struct nt_ct_summary *s = &x->s;
	struct nt_verdict *v;
	enum nt_level l;
	size_t o;

	if (isfinite(s->fill_pct)) {
		l = nt_level_ge(s->fill_pct, t->warn_fill, t->crit_fill);
		v = nt_verdict_add(vs, "conntrack.fill", "", l, s->fill_pct,
				   l == NT_CRIT ? t->crit_fill : t->warn_fill);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason),
			 "%llu of %llu entries (%.1f%%, %s max)",
			 (unsigned long long)s->count, (unsigned long long)s->max,
			 s->fill_pct, s->max_scope[0] ? s->max_scope : "global");
		o = strlen(v->reason);
		if (isfinite(s->effective_fill_pct) && o < sizeof(v->reason))
			snprintf(v->reason + o, sizeof(v->reason) - o,
				 "; effective fill %.1f%% (%llu ASSURED, %llu unreplied evictable)",
				 s->effective_fill_pct, (unsigned long long)s->assured,
				 (unsigned long long)s->unreplied);
		if (l != NT_OK) {
			if (isfinite(s->effective_fill_pct) &&
			    s->effective_fill_pct < t->warn_fill)
				snprintf(v->hint, sizeof(v->hint),
					 "mostly unreplied entries (early drop can evict them): a SYN flood, scan or dead backend; see --by src and --by dport");
			else
				snprintf(v->hint, sizeof(v->hint),
					 "table filling: raise nf_conntrack_max (and buckets) or shorten timeouts; see what fills it with --by src / --by state");
		}
	}
	if (rise)
		ttf_verdict(s, since, t, vs);
	counter_verdict(x, NT_CTS_drop, rise, since, NT_CRIT,
			"table full, new flows dropped: raise nf_conntrack_max or shorten timeouts (nf_conntrack_tcp_timeout_*); see the top sources with --by src",
			vs);
	counter_verdict(x, NT_CTS_insert_failed, rise, since, NT_CRIT,
			"NAT/DNS clash race: parallel packets of one flow (e.g. glibc A+AAAA over one UDP socket) racing to insert; single-request-reopen or NAT --random-fully",
			vs);
	counter_verdict(x, NT_CTS_early_drop, rise, since, NT_WARN,
			"table full: unreplied entries are evicted to admit new flows; raise nf_conntrack_max or find the source (--by src)",
			vs);
	counter_verdict(x, NT_CTS_chaintoolong, rise, since, NT_WARN,
			"hash chains too long: raise nf_conntrack_buckets (hashsize) or look for a hash-flooding source",
			vs);
}
