/* triage baselines: the figures of a healthy period (every verdict's value),
 * saved with --save-baseline and compared with --baseline. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <jansson.h>
#include "nettriage.h"
#include "nt_history.h"
#include "nt_triage.h"

/* Where baselines live by default: they must outlive a reboot (unlike
 * the history in /run), so a state directory, one file per host and
 * namespace ("default", or -N's name). */
int nt_tb_default_path(const char *netns, char *buf, size_t len)
{
	const char *env = secure_getenv("NETTRIAGE_BASELINE_DIR");
	const char *xdg = secure_getenv("XDG_STATE_HOME");
	const char *home = secure_getenv("HOME");
	char dir[256], host[64], ns[64];
	size_t i;
	int n;

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (getuid() == 0)
		snprintf(dir, sizeof(dir), "/var/lib/nettriage");
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/nettriage", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.local/state/nettriage", home);
	else
		return -ENOENT;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "host");
	host[sizeof(host) - 1] = '\0';
	snprintf(ns, sizeof(ns), "%s", netns && *netns ? netns : "default");
	/* a name or a path given to -N: keep it one file name */
	for (i = 0; ns[i]; i++)
		if (ns[i] == '/' || ns[i] == '.' || (unsigned char)ns[i] < 0x20)
			ns[i] = '_';
	n = snprintf(buf, len, "%s/baseline-%s-%s.json", dir, host, ns);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p of the file's directory (0755: a baseline holds no secrets). */
static int make_dir(const char *path)
{
	char d[512], *p;

	if (snprintf(d, sizeof(d), "%s", path) >= (int)sizeof(d))
		return -ENAMETOOLONG;
	p = strrchr(d, '/');
	if (!p || p == d)
		return 0;
	*p = '\0';
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The boot id, or "" when unknown (then every baseline is "another
 * boot"). */
static void read_boot_id(char *buf, size_t len)
{
	if (nt_boot_id(buf, len))
		buf[0] = '\0';
}

int nt_tb_save(const char *path, const struct nt_tverdicts *rows, size_t *saved)
{
	json_t *doc, *figs;
	struct utsname u;
	char bid[64], ts[40], *text;
	size_t i;
	int r;

	*saved = 0;
	read_boot_id(bid, sizeof(bid));
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	nt_timestamp_iso(ts, sizeof(ts));
	figs = json_array();
	for (i = 0; figs && i < rows->n; i++) {
		const struct nt_tverdict *v = &rows->v[i];

		if (!isfinite(v->value))
			continue;
		(*saved)++;
		json_array_append_new(figs, json_pack("{s:s, s:s, s:s, s:s, s:f}",
			"layer", v->layer, "netns", v->bkey, "check", v->check,
			"subject", v->subject, "value", v->value));
	}
	doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "schema", 1,
			"kind", "nettriage-baseline", "saved", ts, "boot_id", bid,
			"kernel", u.release, "figures", figs);
	if (!doc)
		return -ENOMEM;
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	r = make_dir(path);
	if (!r)
		r = nt_write_atomic(path, text, strlen(text), 0644, NT_WA_SYNC_DIR);
	free(text);
	return r;
}

void nt_tb_free(struct nt_tb *b)
{
	free(b->fig);
	memset(b, 0, sizeof(*b));
}

static int str_field(json_t *o, const char *key, char *dst, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= len)
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int nt_tb_parse(const char *text, size_t len, struct nt_tb *b, char *err,
		size_t errlen)
{
	json_error_t je;
	json_t *doc, *figs, *f;
	size_t i;
	char bid[64];

	memset(b, 0, sizeof(*b));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		snprintf(err, errlen, "not JSON (line %d: %s)", je.line, je.text);
		return -EINVAL;
	}
	figs = json_object_get(doc, "figures");
	if (json_integer_value(json_object_get(doc, "schema")) != 1 ||
	    !json_is_string(json_object_get(doc, "kind")) ||
	    strcmp(json_string_value(json_object_get(doc, "kind")), "nettriage-baseline") ||
	    !json_is_array(figs) ||
	    str_field(doc, "saved", b->saved, sizeof(b->saved)) ||
	    str_field(doc, "boot_id", b->boot_id, sizeof(b->boot_id)) ||
	    str_field(doc, "kernel", b->kernel, sizeof(b->kernel))) {
		snprintf(err, errlen, "not a nettriage baseline (schema 1, kind nettriage-baseline, saved, boot_id, kernel, figures)");
		json_decref(doc);
		return -EINVAL;
	}
	b->fig = calloc(json_array_size(figs) ? json_array_size(figs) : 1, sizeof(*b->fig));
	if (!b->fig) {
		json_decref(doc);
		return -ENOMEM;
	}
	json_array_foreach(figs, i, f) {
		struct nt_tb_fig *x = &b->fig[b->n];
		json_t *v = json_object_get(f, "value");

		if (str_field(f, "layer", x->layer, sizeof(x->layer)) ||
		    str_field(f, "netns", x->netns, sizeof(x->netns)) ||
		    str_field(f, "check", x->check, sizeof(x->check)) ||
		    str_field(f, "subject", x->subject, sizeof(x->subject)) ||
		    !json_is_number(v) || !isfinite(json_number_value(v))) {
			snprintf(err, errlen, "figure %zu: needs layer, netns, check, subject (strings) and a finite value", i);
			json_decref(doc);
			nt_tb_free(b);
			return -EINVAL;
		}
		x->value = json_number_value(v);
		b->n++;
	}
	json_decref(doc);
	read_boot_id(bid, sizeof(bid));
	b->other_boot = strcmp(bid, b->boot_id) != 0;
	{
		struct utsname u;

		b->other_kernel = uname(&u) == 0 && strcmp(u.release, b->kernel) != 0;
	}
	return 0;
}

int nt_tb_load(const char *path, struct nt_tb *b, char *err, size_t errlen)
{
	char *text = NULL;
	size_t cap = 0;
	long n = nt_read_file_grow(path, &text, &cap);
	int r;

	memset(b, 0, sizeof(*b));
	if (n < 0) {
		snprintf(err, errlen, "%s", strerror((int)-n));
		free(text);
		return (int)n;
	}
	r = nt_tb_parse(text, (size_t)n, b, err, errlen);
	free(text);
	return r;
}

double nt_tb_floor(double threshold)
{
	return threshold > 0 && isfinite(threshold) ? threshold / 10 : 1;
}

bool nt_tb_changed(double value, double base, double threshold)
{
	double floor = nt_tb_floor(threshold);

	if (!isfinite(value) || !isfinite(base))
		return false;
	return value >= NT_TB_FACTOR * base && value - base >= floor;
}

static const struct nt_tb_fig *find_fig(const struct nt_tb *b,
					const struct nt_tverdict *v)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct nt_tb_fig *f = &b->fig[i];

		if (!strcmp(f->check, v->check) && !strcmp(f->subject, v->subject) &&
		    !strcmp(f->layer, v->layer) && !strcmp(f->netns, v->bkey))
			return f;
	}
	return NULL;
}

int nt_tb_apply(const struct nt_tb *b, struct nt_tverdicts *rows, size_t *matched)
{
	size_t i, n = rows->n;

	*matched = 0;
	for (i = 0; i < n; i++) {
		struct nt_tverdict *v = &rows->v[i];
		const struct nt_tb_fig *f = find_fig(b, v);
		struct nt_verdicts vs;
		struct nt_verdict *nv;
		char check[64];

		if (!f)
			continue;
		(*matched)++;
		v->baseline = f->value;
		if (!nt_tb_changed(v->value, f->value, v->threshold))
			continue;
		/* a WARN "<check>.changed" row beside the check */
		memset(&vs, 0, sizeof(vs));
		snprintf(check, sizeof(check), "%s.changed", v->check);
		/* the threshold crossed: 5x the baseline, or the floor above it */
		nv = nt_verdict_add(&vs, check, v->subject, NT_WARN, v->value,
				    fmax(NT_TB_FACTOR * f->value, f->value + nt_tb_floor(v->threshold)));
		if (!nv)
			return -ENOMEM;
		snprintf(nv->reason, sizeof(nv->reason),
			 "%s %.4g is %s the baseline %.4g (saved %s%s)", v->check, v->value,
			 f->value > 0 ? "over 5x" : "far above", f->value, b->saved,
			 b->other_boot ? ", another boot" : "");
		snprintf(nv->hint, sizeof(nv->hint),
			 "changed since the healthy baseline: look at what changed (deploys, traffic, routes)");
		if (nt_triage_add(rows, v->layer, v->order,
				  (v->avail >> NT_TV_HAVE_NETNS) & 1 ? v->netns : NULL, &vs)) {
			nt_verdicts_free(&vs);
			return -ENOMEM;
		}
		nt_verdicts_free(&vs);
		/* rows may have moved: the new row is the last */
		rows->v[rows->n - 1].baseline = f->value;
		memcpy(rows->v[rows->n - 1].bkey, rows->v[i].bkey, sizeof(rows->v[i].bkey));
	}
	return 0;
}
