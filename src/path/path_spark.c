/* path: the sparkline model of the live view. One ring of outcomes per
 * hop (TTL), indexed by the probe's cycle, so replies that arrive out of
 * order land in their own cell and a late reply turns its lost cell into
 * a late one. Rendering scales the RTTs of the cells shown between their
 * smallest and largest value (per hop), in eight levels. Pure: no
 * terminal, no clock. */
#include <math.h>
#include <string.h>
#include "path_int.h"

void nt_spark_reset(struct nt_spark_set *s)
{
	memset(s, 0, sizeof(*s));
	s->newest = -1;
}

void nt_spark_event(struct nt_spark_set *s, const struct nt_probe_event *ev)
{
	struct nt_spark_cell *c;

	if (ev->ev == NT_EV_CYCLE || ev->ev == NT_EV_FOREIGN)
		return;
	if (ev->ttl < 1 || ev->ttl > NT_PATH_MAX_TTL || ev->cycle < 0)
		return;
	c = &s->hop[ev->ttl].c[ev->cycle % NT_SPARK_LEN];
	switch (ev->ev) {
	case NT_EV_SENT:
		c->cycle = ev->cycle;
		c->st = ev->skipped ? NT_SPK_NONE : NT_SPK_PENDING;
		c->ms = 0;
		if (ev->cycle > s->newest)
			s->newest = ev->cycle;
		return;
	default:
		break;
	}
	if (c->cycle != ev->cycle)
		return; /* older than the ring, or never seen sent */
	switch (ev->ev) {
	case NT_EV_REPLY:
		if (c->st == NT_SPK_PENDING || c->st == NT_SPK_LOST) {
			c->st = NT_SPK_RTT;
			c->ms = ev->rtt_ms;
		}
		break;
	case NT_EV_LATE:
		if (c->st == NT_SPK_LOST || c->st == NT_SPK_PENDING)
			c->st = NT_SPK_LATE;
		break;
	case NT_EV_LOST:
		if (c->st == NT_SPK_PENDING)
			c->st = NT_SPK_LOST;
		break;
	case NT_EV_CANCEL:
		if (c->st == NT_SPK_PENDING)
			c->st = NT_SPK_NONE;
		break;
	default:
		break;
	}
}

/* The cell of cycle cy, NULL when the ring holds another one. */
static const struct nt_spark_cell *cell(const struct nt_spark_hop *h, long cy)
{
	const struct nt_spark_cell *c;

	if (cy < 0)
		return NULL;
	c = &h->c[cy % NT_SPARK_LEN];
	return c->cycle == cy && c->st != NT_SPK_NONE ? c : NULL;
}

int nt_spark_scale(const struct nt_spark_hop *h, long newest, int width,
		   double *lo, double *hi)
{
	long cy;
	int n = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	if (width < 1)
		return 0;
	if (width > NT_SPARK_LEN)
		width = NT_SPARK_LEN;
	for (cy = newest - width + 1; cy <= newest; cy++) {
		const struct nt_spark_cell *c = cell(h, cy);

		if (!c || c->st != NT_SPK_RTT)
			continue;
		*lo = fmin(*lo, c->ms);
		*hi = fmax(*hi, c->ms);
		n++;
	}
	return n;
}

int nt_spark_level(double v, double lo, double hi)
{
	int l;

	double x;

	if (!(hi - lo >= NT_SPARK_FLAT_MS))
		return 0; /* flat: every sample on the lowest bar */
	x = (v - lo) / (hi - lo) * 8.0;
	/* clamp in double: converting NaN, Inf or a huge value to int is
	 * undefined */
	if (!(x >= 0))
		return 0;
	if (x >= 7)
		return 7;
	l = (int)x;
	return l;
}

static const char *const glyph_utf8[8] = {
	"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char glyph_ascii[8] = { '_', '-', '~', '=', '+', '*', '#', '@' };

size_t nt_spark_render(const struct nt_spark_hop *h, long newest, int width,
		       bool utf8, char *buf, size_t len, double *lo, double *hi)
{
	size_t k = 0;
	long cy;

	*lo = INFINITY;
	*hi = -INFINITY;
	if (!len)
		return 0;
	if (width > NT_SPARK_LEN)
		width = NT_SPARK_LEN;
	nt_spark_scale(h, newest, width, lo, hi);
	for (cy = newest - width + 1; width > 0 && cy <= newest; cy++) {
		const struct nt_spark_cell *c = cell(h, cy);
		const char *g;
		char a[2] = { 0, 0 };

		if (!c || c->st == NT_SPK_PENDING) {
			g = " ";
		} else if (c->st == NT_SPK_LOST) {
			g = utf8 ? "\u00b7" : ".";
		} else if (c->st == NT_SPK_LATE) {
			g = "?";
		} else {
			int l = nt_spark_level(c->ms, *lo, *hi);

			if (utf8) {
				g = glyph_utf8[l];
			} else {
				a[0] = glyph_ascii[l];
				g = a;
			}
		}
		if (k + strlen(g) + 1 > len)
			break;
		memcpy(buf + k, g, strlen(g));
		k += strlen(g);
	}
	buf[k] = '\0';
	return k;
}
