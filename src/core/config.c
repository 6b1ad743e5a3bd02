/* The configuration file: a pure parser and validator (text in, model out,
 * errors as "FILE:LINE: ..." text), its loader, and the argv it gives a
 * command. See nt_config.h and nettriage(8), CONFIGURATION FILE. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "nettriage.h"
#include "nt_config.h"
#include "nt_escape.h"

#define NO_SECTION ((size_t)-1)

void nt_config_init(struct nt_config *c, const struct nt_config_section *rows,
		    size_t nrows)
{
	memset(c, 0, sizeof(*c));
	c->rows = rows;
	c->nrows = nrows;
}

void nt_config_free(struct nt_config *c)
{
	size_t i;

	for (i = 0; c->v && i < c->n; i++)
		free(c->v[i].value);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* The escaped form of n bytes of user text, into buf (cut if it must). */
static const char *esc(char *buf, size_t len, const char *s, size_t n)
{
	char raw[NT_CONFIG_LINE_MAX + 1];

	if (n > NT_CONFIG_LINE_MAX)
		n = NT_CONFIG_LINE_MAX;
	memcpy(raw, s, n);
	raw[n] = '\0';
	nt_escape_text(buf, len, raw);
	return buf;
}

/* The state of one parse: where the message goes and what it names. */
struct pstate {
	const char *file;
	unsigned line;
	char *err;
	size_t errlen;
};

static int perr(const struct pstate *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(const struct pstate *p, const char *fmt, ...)
{
	char file[256];
	va_list ap;
	int n;

	if (!p->errlen)
		return -EINVAL;
	esc(file, sizeof(file), p->file, strlen(p->file));
	n = p->line ? snprintf(p->err, p->errlen, "%s:%u: ", file, p->line) :
		snprintf(p->err, p->errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Trim blanks at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static size_t find_row(const struct nt_config *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		if (word_is(s, n, c->rows[i].name))
			return i;
	return NO_SECTION;
}

static const struct option *find_opt(const struct nt_cmd_opts *o, const char *s,
				     size_t n)
{
	size_t k;

	for (k = 0; o && o->longopts[k].name; k++)
		if (word_is(s, n, o->longopts[k].name))
			return &o->longopts[k];
	return NULL;
}

/* true/false/yes/no/1/0 (any case); -1 for anything else. */
static int parse_bool(const char *s, size_t n)
{
	static const char *const yes[] = { "true", "yes", "1" }, *const no[] = {
		"false", "no", "0" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strlen(yes[i]) == n && !strncasecmp(s, yes[i], n))
			return 1;
		if (strlen(no[i]) == n && !strncasecmp(s, no[i], n))
			return 0;
	}
	return -1;
}

/* One word of an operands list: HOST, HOST:PORT, [IPV6] or [IPV6]:PORT, or
 * a bare IPv6 address (two colons or more: no port). 0 or -1. */
static int check_target(const char *s, size_t n)
{
	const char *colon = NULL, *port;
	char num[8];
	size_t k, ncolon = 0;
	long v;

	if (!n || s[0] == '-')
		return -1;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb || rb == s + 1)
			return -1;
		if (rb == s + n - 1)
			return 0;
		if (rb[1] != ':')
			return -1;
		colon = rb + 1;
	} else {
		for (k = 0; k < n; k++)
			if (s[k] == ':') {
				ncolon++;
				if (!colon)
					colon = s + k;
			}
		if (ncolon != 1)
			return 0;
		if (colon == s)
			return -1;
	}
	port = colon + 1;
	k = (size_t)(s + n - port);
	if (!k || k >= sizeof(num))
		return -1;
	memcpy(num, port, k);
	num[k] = '\0';
	if (nt_parse_long(num, &v) || v < 1 || v > 65535)
		return -1;
	return 0;
}

/* The next blank-separated word of s[0..n) from *i: true with it in *w,
 * *wn; false at the end. */
static bool next_word(const char *s, size_t n, size_t *i, const char **w, size_t *wn)
{
	while (*i < n && is_blank(s[*i]))
		(*i)++;
	if (*i == n)
		return false;
	*w = s + *i;
	while (*i < n && !is_blank(s[*i]))
		(*i)++;
	*wn = (size_t)(s + *i - *w);
	return true;
}

static int check_operands(const struct pstate *p, const char *sect, const char *key,
			  const char *s, size_t n)
{
	char e1[128];
	size_t i = 0, words = 0, wn;
	const char *w;

	while (next_word(s, n, &i, &w, &wn)) {
		if (++words > NT_CONFIG_OPERANDS_MAX)
			return perr(p, "%s: %s: more than %u", sect, key,
				    NT_CONFIG_OPERANDS_MAX);
		if (check_target(w, wn))
			return perr(p, "%s: %s: not HOST[:PORT]: %s", sect, key,
				    esc(e1, sizeof(e1), w, wn));
	}
	if (!words)
		return perr(p, "%s: %s: no value", sect, key);
	return 0;
}

/* Set (section, opt) to the value: a new entry, or the last value of one
 * set before. */
static int store(struct nt_config *c, const struct pstate *p, size_t sect,
		 const struct option *opt, const char *val, size_t vlen, bool on)
{
	struct nt_config_entry *e = NULL;
	char *copy = NULL;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].section == sect && c->v[i].opt == opt) {
			e = &c->v[i];
			break;
		}
	if (val) {
		copy = malloc(vlen + 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, val, vlen);
		copy[vlen] = '\0';
	}
	if (!e) {
		if (c->n >= NT_CONFIG_ENTRIES_MAX) {
			free(copy);
			return perr(p, "more than %u settings", NT_CONFIG_ENTRIES_MAX);
		}
		if (nt_grow(&c->v, c->n, &c->cap, sizeof(*c->v), 16)) {
			free(copy);
			return -ENOMEM;
		}
		e = &c->v[c->n++];
		memset(e, 0, sizeof(*e));
		e->section = sect;
		e->opt = opt;
	}
	free(e->value);
	e->value = copy;
	e->on = on;
	e->line = p->line;
	return 0;
}

/* The row's check on the value just stored for opt. */
static int check_value(const struct nt_config *c, const struct pstate *p,
		       size_t sect, const struct option *opt)
{
	const struct nt_config_section *row = &c->rows[sect];
	const struct nt_config_entry *e = NULL;
	char why[256] = "", e1[128];
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].section == sect && c->v[i].opt == opt)
			e = &c->v[i];
	if (!e || !row->check(opt, e->value, why, sizeof(why)))
		return 0;
	return perr(p, "%s: --%s: %s", row->name, opt->name,
		    why[0] ? why : esc(e1, sizeof(e1), e->value, strlen(e->value)));
}

static int section_line(struct nt_config *c, const struct pstate *p, const char *s,
			size_t n, size_t *cur)
{
	const char *rb = memchr(s, ']', n), *name = s + 1;
	char e1[128];
	size_t nlen;

	if (!rb)
		return perr(p, "no ] after the section name");
	if (rb != s + n - 1) {
		const char *rest = rb + 1;
		size_t rlen = (size_t)(s + n - rest);

		trim(&rest, &rlen);
		return perr(p, "text after ]: %s", esc(e1, sizeof(e1), rest, rlen));
	}
	nlen = (size_t)(rb - name);
	trim(&name, &nlen);
	if (!nlen)
		return perr(p, "[]: no command name");
	*cur = find_row(c, name, nlen);
	if (*cur == NO_SECTION)
		return perr(p, "[%s]: no such command", esc(e1, sizeof(e1), name, nlen));
	return 0;
}

static int key_line(struct nt_config *c, const struct pstate *p, const char *s,
		    size_t n, size_t cur)
{
	const char *eq = memchr(s, '=', n), *key = s, *val = NULL;
	const struct nt_config_section *row;
	const struct option *opt;
	char e1[128], e2[128];
	size_t klen = eq ? (size_t)(eq - s) : n, vlen = 0, k;
	int b;

	trim(&key, &klen);
	if (eq) {
		val = eq + 1;
		vlen = (size_t)(s + n - val);
		trim(&val, &vlen);
	}
	if (!klen)
		return perr(p, "no key before =");
	for (k = 0; k < klen; k++)
		if (is_blank(key[k]))
			return perr(p, "not KEY = VALUE: %s", esc(e1, sizeof(e1), s, n));
	if (cur == NO_SECTION)
		return perr(p, "key outside a section (a [COMMAND] line comes first)");
	row = &c->rows[cur];
	esc(e1, sizeof(e1), key, klen);
	if (row->operands && word_is(key, klen, row->operands)) {
		b = check_operands(p, row->name, row->operands, val ? val : "", vlen);
		return b ? b : store(c, p, cur, NULL, val, vlen, true);
	}
	opt = find_opt(row->opts, key, klen);
	if (!opt)
		return perr(p, "%s: no option --%s%s", row->name, e1,
			    row->opts ? "" : " (not built yet)");
	if (!strcmp(opt->name, "help"))
		return perr(p, "%s: --help: not a setting", row->name);
	switch (opt->has_arg) {
	case no_argument:
		/* "all", "all =": the flag given, as on the command line */
		b = vlen ? parse_bool(val, vlen) : 1;
		if (b < 0)
			return perr(p, "%s: --%s: not true or false (yes, no, 1, 0): %s",
				    row->name, e1, esc(e2, sizeof(e2), val, vlen));
		return store(c, p, cur, opt, NULL, 0, b == 1);
	case required_argument:
		if (!vlen)
			return perr(p, "%s: --%s: no value", row->name, e1);
		b = store(c, p, cur, opt, val, vlen, true);
		if (!b && row->check)
			b = check_value(c, p, cur, opt);
		return b;
	default: /* optional_argument: an empty value is the option alone */
		return store(c, p, cur, opt, val ? val : "", vlen, true);
	}
}

/* One line (its end removed): blank, comment, [section] or KEY = VALUE. */
static int one_line(struct nt_config *c, const struct pstate *p, const char *s,
		    size_t n, size_t *cur)
{
	size_t k;

	if (n > NT_CONFIG_LINE_MAX)
		return perr(p, "line longer than %u bytes", NT_CONFIG_LINE_MAX);
	for (k = 0; k < n; k++) {
		unsigned char ch = (unsigned char)s[k];

		if (!ch)
			return perr(p, "NUL byte");
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return perr(p, "control character \\x%02x", ch);
	}
	trim(&s, &n);
	if (!n || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return section_line(c, p, s, n, cur);
	return key_line(c, p, s, n, *cur);
}

int nt_config_parse(const char *text, size_t len, const char *file,
		    struct nt_config *c, char *err, size_t errlen)
{
	struct pstate p = { file ? file : "-", 0, err, errlen };
	size_t pos = 0, cur = NO_SECTION;
	int r;

	if (errlen)
		err[0] = '\0';
	if (len > NT_CONFIG_FILE_MAX)
		return perr(&p, "larger than %u bytes", NT_CONFIG_FILE_MAX);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		p.line++;
		pos += n + (nl ? 1 : 0);
		if (n && s[n - 1] == '\r')
			n--;
		r = one_line(c, &p, s, n, &cur);
		if (r)
			return r;
	}
	return 0;
}

int nt_config_load(const char *path, bool required, struct nt_config *c,
		   char *err, size_t errlen)
{
	char *buf, name[256];
	long n;
	int r;

	if (errlen)
		err[0] = '\0';
	buf = malloc(NT_CONFIG_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = nt_read_file(path, buf, NT_CONFIG_FILE_MAX + 1);
	if (n == -ENOENT && !required) {
		r = 0;
	} else if (n < 0) {
		r = (int)n;
		esc(name, sizeof(name), path, strlen(path));
		if (r == -EFBIG)
			snprintf(err, errlen, "%s: larger than %u bytes", name,
				 NT_CONFIG_FILE_MAX);
		else
			snprintf(err, errlen, "%s: %s", name, strerror(-r));
	} else {
		r = nt_config_parse(buf, (size_t)n, path, c, err, errlen);
	}
	free(buf);
	return r;
}

const char *nt_config_default_path(void)
{
	/* secure_getenv: a set-uid or file-capability run reads /etc only */
	const char *env = secure_getenv("NETTRIAGE_CONFIG");

	if (env)
		return *env ? env : NULL;
	return NT_CONFIG_DEFAULT;
}

/* Filling the argv block: pointers at v[k], strings at buf + used. */
struct fill {
	char **v;
	int k;
	char *buf;
	size_t used;
};

static void put(struct fill *f, const char *s, size_t n)
{
	f->v[f->k++] = f->buf + f->used;
	memcpy(f->buf + f->used, s, n);
	f->buf[f->used + n] = '\0';
	f->used += n + 1;
}

static void put_opt(struct fill *f, const char *name, const char *val)
{
	size_t nn = strlen(name), vn = val && *val ? strlen(val) : 0;
	char *s = f->buf + f->used;

	f->v[f->k++] = s;
	memcpy(s, "--", 2);
	memcpy(s + 2, name, nn);
	if (vn) {
		s[2 + nn] = '=';
		memcpy(s + 3 + nn, val, vn);
		nn += vn + 1;
	}
	s[2 + nn] = '\0';
	f->used += nn + 3;
}

char **nt_config_argv(const struct nt_config *c, const char *cmd, int argc,
		      char *const *argv, bool add_operands, int *nargc)
{
	size_t sect = c ? find_row(c, cmd, strlen(cmd)) : NO_SECTION;
	size_t i, nptr = (size_t)(argc > 0 ? argc : 0) + 1, bytes = 0;
	const struct nt_config_entry *ops = NULL;
	struct fill f = { NULL, 0, NULL, 0 };
	size_t k = 0, wn;
	const char *w;
	char **block;

	for (i = 0; sect != NO_SECTION && i < c->n; i++) {
		const struct nt_config_entry *e = &c->v[i];

		if (e->section != sect)
			continue;
		if (!e->opt) {
			ops = e;
		} else if (e->on) {
			nptr++;
			bytes += strlen(e->opt->name) + 4 + (e->value ? strlen(e->value) : 0);
		}
	}
	if (ops && add_operands) {
		/* "--", then the words: their lengths and NULs are at most
		 * the value's length and one */
		nptr++;
		while (next_word(ops->value, strlen(ops->value), &k, &w, &wn))
			nptr++;
		bytes += 3 + strlen(ops->value) + 1;
	} else {
		ops = NULL;
	}
	block = malloc(nptr * sizeof(char *) + bytes);
	if (!block)
		return NULL;
	f.v = block;
	f.buf = (char *)(block + nptr);
	if (argc > 0)
		f.v[f.k++] = argv[0];
	for (i = 0; sect != NO_SECTION && i < c->n; i++) {
		const struct nt_config_entry *e = &c->v[i];

		if (e->section == sect && e->opt && e->on)
			put_opt(&f, e->opt->name, e->value);
	}
	for (i = 1; (int)i < argc; i++)
		f.v[f.k++] = argv[i];
	if (ops) {
		put(&f, "--", 2);
		for (k = 0; next_word(ops->value, strlen(ops->value), &k, &w, &wn);)
			put(&f, w, wn);
	}
	f.v[f.k] = NULL;
	*nargc = f.k;
	return block;
}
