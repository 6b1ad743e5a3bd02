/* Unit tests: the field-table renderers against golden output. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "nt_link.h"
#include "t.h"

/* A tiny record type exercising every field kind. */
struct rec {
	char name[16];
	uint64_t pkts;
	uint32_t mtu;
	double rate;
	bool up;
	uint64_t avail;
};

static const struct nt_field rec_fields[] = {
	{ "name", "NAME", 0, NT_T_STR, offsetof(struct rec, name), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Name", "iface" },
	{ "mtu", "MTU", 0, NT_T_U32, offsetof(struct rec, mtu), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "MTU" },
	{ "up", "UP", 0, NT_T_BOOL, offsetof(struct rec, up), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Up" },
	{ "packets", "PKTS", 0, NT_T_U64, offsetof(struct rec, pkts), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, 0, "Packets \"seen\"" },
	{ "packets", "PKT/s", 0, NT_T_DOUBLE, offsetof(struct rec, rate), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, "rates", 0, "per second" },
};

static const struct nt_rectype rec_type = {
	"things", "nettriage_test", rec_fields,
	sizeof(rec_fields) / sizeof(rec_fields[0]), sizeof(struct rec),
	offsetof(struct rec, avail), offsetof(struct rec, name),
};

static char *table(unsigned mask, const struct nt_verdicts *vs, const struct rec *r,
		   size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	nt_table_print(f, &rec_type, r, n, mask, vs, false);
	fclose(f);
	return buf;
}

static void test_renderers(void)
{
	struct rec r[2] = {
		{ "eth0", 1234567, 1500, 12.5, true, 1 },
		{ "we\"ird", 0, 9000, NAN, false, 0 },
	};
	struct nt_global g = { .format = NT_FMT_JSON, .netns = "blue" };
	struct nt_verdicts vs = { 0 };
	struct nt_doc d;
	char *s;

	nt_verdict_add(&vs, "test.x", "eth0", NT_WARN, 0.5, 0.1);
	snprintf(vs.v[0].reason, sizeof(vs.v[0].reason), "half a percent");
	snprintf(vs.v[0].hint, sizeof(vs.v[0].hint), "look at it");
	nt_verdict_add(&vs, "test.x", "we\"ird", NT_OK, NAN, NAN);

	s = table(NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_DEF, &vs, r, 2);
	T_STR(s,
	      "NAME    MTU    PKTS  VERDICT\n"
	      "eth0   1500 1234567  WARN\n"
	      "we\"ird 9000       -  OK\n",
	      "table: default columns, '-' for unavailable, verdict per row");
	free(s);
	{
		/* a row no check judged shows "-", not "OK" */
		struct nt_verdicts one = { 0 };

		nt_verdict_add(&one, "test.x", "eth0", NT_OK, NAN, NAN);
		s = table(NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_DEF, &one, r, 2);
		T_STR(s,
		      "NAME    MTU    PKTS  VERDICT\n"
		      "eth0   1500 1234567  OK\n"
		      "we\"ird 9000       -  -\n",
		      "table: a row without a verdict shows '-', not OK");
		free(s);
		nt_verdicts_free(&one);
	}
	s = table(NT_F_ID | NT_F_INFO | NT_F_RATE, NULL, r, 2);
	T_STR(s,
	      "NAME    MTU  UP PKT/s\n"
	      "eth0   1500 yes 12.50\n"
	      "we\"ird 9000  no     -\n",
	      "table: all columns of the rate view, no verdict column");
	free(s);

	T_EQ_I(nt_doc_init(&d, "test", &g), 0, "doc init");
	d.js_out = NULL; /* keep the text for nt_doc_json */
	nt_doc_records(&d, &rec_type, r, 2, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);
	nt_doc_verdicts(&d, &vs);
	{
		size_t len;
		const char *txt = nt_doc_json(&d, &len);
		json_t *j;

		T_OK(txt && strlen(txt) == len, "document text");
		s = txt ? strdup(txt) : NULL;
		nt_doc_free(&d);
		j = s ? json_loads(s, 0, NULL) : NULL;
		T_OK(j != NULL, "document parses back with jansson");
		T_OK(j && json_is_string(json_object_get(j, "timestamp")), "timestamp is a string");
		json_object_del(j, "timestamp");
		free(s);
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		json_decref(j);
	}
	T_STR(s,
	      "{\"schema\":1,\"command\":\"test\",\"netns\":\"blue\",\"netns_inode\":0,"
	      "\"things\":[{\"netns\":\"blue\",\"name\":\"eth0\",\"mtu\":1500,\"up\":true,"
	      "\"packets\":1234567,\"rates\":{\"packets\":12.5}},"
	      "{\"netns\":\"blue\",\"name\":\"we\\\"ird\",\"mtu\":9000,\"up\":false,"
	      "\"packets\":null,\"rates\":{\"packets\":null}}],"
	      "\"verdicts\":[{\"check\":\"test.x\",\"subject\":\"eth0\",\"level\":\"warn\","
	      "\"value\":0.5,\"threshold\":0.1,\"reason\":\"half a percent\",\"hint\":\"look at it\"},"
	      "{\"check\":\"test.x\",\"subject\":\"we\\\"ird\",\"level\":\"ok\",\"value\":null,"
	      "\"threshold\":null,\"reason\":\"\",\"hint\":null}],\"status\":\"warn\"}",
	      "JSON: envelope, records, groups, nulls, escaping, verdicts");
	free(s);

	g.format = NT_FMT_PROM;
	T_EQ_I(nt_doc_init(&d, "test", &g), 0, "prom doc init");
	nt_doc_records(&d, &rec_type, r, 2, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);
	nt_doc_verdicts(&d, &vs);
	fflush(d.prom);
	T_STR(d.prom_buf,
	      "# HELP nettriage_test_mtu MTU\n"
	      "# TYPE nettriage_test_mtu gauge\n"
	      "nettriage_test_mtu{netns=\"blue\",iface=\"eth0\"} 1500\n"
	      "nettriage_test_mtu{netns=\"blue\",iface=\"we\\\"ird\"} 9000\n"
	      "# HELP nettriage_test_up Up\n"
	      "# TYPE nettriage_test_up gauge\n"
	      "nettriage_test_up{netns=\"blue\",iface=\"eth0\"} 1\n"
	      "nettriage_test_up{netns=\"blue\",iface=\"we\\\"ird\"} 0\n"
	      "# HELP nettriage_test_packets_total Packets \"seen\"\n"
	      "# TYPE nettriage_test_packets_total counter\n"
	      "nettriage_test_packets_total{netns=\"blue\",iface=\"eth0\"} 1234567\n"
	      "# HELP nettriage_verdict_level Verdict of a check: 0 ok, 1 warn, 2 crit, 3 unknown\n"
	      "# TYPE nettriage_verdict_level gauge\n"
	      "nettriage_verdict_level{netns=\"blue\",command=\"test\",check=\"test.x\",subject=\"eth0\"} 1\n"
	      "nettriage_verdict_level{netns=\"blue\",command=\"test\",check=\"test.x\",subject=\"we\\\"ird\"} 0\n",
	      "Prometheus: HELP/TYPE once per metric, _total counters, escaped labels, no line for unavailable");
	nt_doc_free(&d);
	nt_verdicts_free(&vs);
}

/* Fields of a JSON group must be adjacent in the table. */
static const struct nt_field split_fields[] = {
	{ "a", "A", 0, NT_T_U64, offsetof(struct rec, pkts), NT_P_NONE, NT_F_TOTAL, "g", -1, "a" },
	{ "b", "B", 0, NT_T_U32, offsetof(struct rec, mtu), NT_P_NONE, NT_F_TOTAL, NULL, -1, "b" },
	{ "c", "C", 0, NT_T_DOUBLE, offsetof(struct rec, rate), NT_P_NONE, NT_F_TOTAL, "g", -1, "c" },
};

static void test_split_group(void)
{
	struct nt_rectype rt = rec_type;
	struct nt_global g = { .format = NT_FMT_JSON };
	struct rec r = { "x", 1, 2, 3.25, true, 1 };
	struct nt_doc d;

	rt.fields = split_fields;
	rt.nfields = 3;
	nt_doc_init(&d, "test", &g);
	T_EQ_I(nt_doc_records(&d, &rt, &r, 1, NT_F_TOTAL), -EINVAL,
	       "a JSON group split in the field table is refused");
	nt_doc_free(&d);
}

static void test_link_table(void)
{
	/* Every stats64 field of the link record type is a JSON key under its
	 * kernel name, and a counter in Prometheus. */
	size_t i, counters = 0, rates = 0;

	for (i = 0; i < nt_link_rectype.nfields; i++) {
		const struct nt_field *f = &nt_link_rectype.fields[i];

		if (f->prom == NT_P_COUNTER)
			counters++;
		if (f->flags & NT_F_RATE && f->group && !strcmp(f->group, "rates"))
			rates++;
	}
	T_EQ_U(counters, NT_LX_COUNT, "link: every counter exported as a Prometheus counter");
	T_EQ_U(rates, NT_LX_COUNT, "link: every counter has a rate under rates");
	T_STR(nt_link_rectype.fields[0].key, "name", "link: first key is name");
}

/* Drop the timestamp's value (the two documents are made apart). */
static void no_ts(char *s)
{
	char *p = s ? strstr(s, "\"timestamp\":\"") : NULL, *q;

	if (!p)
		return;
	p += 13;
	q = strchr(p, '"');
	if (q)
		memmove(p, q, strlen(q) + 1);
}

/* A document streamed in chunks (js_out) is the same text as one kept
 * whole, past several 64 KiB chunks. */
static void test_stream(void)
{
	struct nt_global g = { .format = NT_FMT_JSON, .netns = "n\"s" };
	struct nt_verdicts vs = { 0 };
	struct rec *r = calloc(3000, sizeof(*r));
	char *whole = NULL, *streamed = NULL;
	size_t i, slen = 0;
	struct nt_doc d;
	FILE *f;

	for (i = 0; r && i < 3000; i++) {
		snprintf(r[i].name, sizeof(r[i].name), "if\x01%zu", i);
		r[i].pkts = i * 1000003;
		r[i].rate = (double)i / 7;
		r[i].avail = i % 3 ? 1 : 0;
		nt_verdict_add(&vs, "test.x", r[i].name, NT_OK, r[i].rate, 0.1);
	}
	for (i = 0; i < 2; i++) {
		nt_doc_init(&d, "test", &g);
		f = i ? open_memstream(&streamed, &slen) : NULL;
		d.js_out = f;
		nt_doc_set(&d, "extra", json_pack("{s:f, s:[i, s]}", "x", 2.0, "y", 1, "\xc3\xa9"));
		nt_doc_records(&d, &rec_type, r, 3000, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);
		nt_doc_verdicts(&d, &vs);
		if (!i) {
			size_t len;
			const char *t = nt_doc_json(&d, &len);

			whole = t ? strndup(t, len) : NULL;
		} else {
			T_EQ_I(nt_json_finish(&d), 0, "streamed document finished");
			fclose(f);
		}
		nt_doc_free(&d);
	}
	no_ts(whole);
	no_ts(streamed);
	slen = streamed ? strlen(streamed) : 0;
	T_OK(whole && strlen(whole) > 3 * 65536, "document spans several chunks");
	T_OK(whole && streamed && slen == strlen(whole) + 1 && !strncmp(whole, streamed, slen - 1) &&
	     streamed[slen - 1] == '\n', "streamed text equals the whole text, plus a newline");
	free(whole);
	free(streamed);
	free(r);
	nt_verdicts_free(&vs);
}

/* A named set (NT_F_NAME): JSON one object {name: value}; Prometheus one
 * family per record from its metric name (NT_P_NAME), typed and scaled
 * by the availability bit it has; table rows; a signed value (NT_T_I64). */
static const struct nt_field named_fields[] = { NT_NAMED_FIELDS("Set", "/test Set") };
static const struct nt_rectype named_type = {
	"set", "nettriage_test", named_fields,
	sizeof(named_fields) / sizeof(named_fields[0]), sizeof(struct nt_named),
	NT_NM_OFF(avail), -1,
};

static void test_named(void)
{
	struct nt_named r[4] = {
		{ "InSegs", "in_segs", 1234, 34, 3.4,
		  (1u << NT_NM_COUNTER) | (1u << NT_NM_DELTA) | (1u << NT_NM_RATE) },
		{ "MaxConn", "max_conn", -1, 0, 0, 1u << NT_NM_GAUGE },
		{ "RtoMin", "rto_min", 200, 0, 0, 1u << NT_NM_GAUGE_MS },
		{ "Odd", "", 7, 0, 0, 1u << NT_NM_COUNTER }, /* not exported */
	};
	struct nt_global g = { .format = NT_FMT_JSON };
	struct nt_doc d;
	const char *txt;
	size_t len;
	char *s;
	FILE *f;

	T_EQ_I(nt_doc_init(&d, "test", &g), 0, "doc init");
	d.js_out = NULL;
	nt_doc_open(&d, "counters", false);
	nt_doc_records(&d, &named_type, r, 4, NT_F_TOTAL);
	nt_doc_close(&d);
	nt_doc_open(&d, "rates", false);
	nt_doc_records(&d, &named_type, r, 1, NT_F_RATE);
	nt_doc_close(&d);
	txt = nt_doc_json(&d, &len);
	s = txt ? strdup(strstr(txt, "\"counters\"")) : NULL;
	T_STR(s, "\"counters\":{\"set\":{\"InSegs\":1234,\"MaxConn\":-1,\"RtoMin\":200,"
	      "\"Odd\":7}},\"rates\":{\"set\":{\"InSegs\":3.4}}}",
	      "named set JSON: {name: value} with the mask's value field, signed");
	free(s);
	nt_doc_free(&d);

	g.format = NT_FMT_PROM;
	T_EQ_I(nt_doc_init(&d, "test", &g), 0, "prom doc init");
	nt_doc_records(&d, &named_type, r, 4, NT_F_TOTAL);
	nt_doc_records(&d, &named_type, r, 4, NT_F_RATE); /* nothing more */
	fflush(d.prom);
	T_STR(d.prom_buf,
	      "# HELP nettriage_test_in_segs_total /test Set InSegs\n"
	      "# TYPE nettriage_test_in_segs_total counter\n"
	      "nettriage_test_in_segs_total 1234\n"
	      "# HELP nettriage_test_max_conn /test Set MaxConn\n"
	      "# TYPE nettriage_test_max_conn gauge\n"
	      "nettriage_test_max_conn -1\n"
	      "# HELP nettriage_test_rto_min_seconds /test Set, kept in ms, exported in seconds: RtoMin\n"
	      "# TYPE nettriage_test_rto_min_seconds gauge\n"
	      "nettriage_test_rto_min_seconds 0.2\n",
	      "named set Prometheus: a family per record, type and unit by record");
	nt_doc_free(&d);

	s = NULL;
	len = 0;
	f = open_memstream(&s, &len);
	nt_table_print(f, &named_type, r, 2, NT_F_ID | NT_F_TOTAL | NT_F_INFO | NT_F_RATE | NT_F_DEF,
		       NULL, false);
	fclose(f);
	T_STR(s, "Set     TOTAL DELTA RATE/s\n"
		 "InSegs   1234    34   3.40\n"
		 "MaxConn    -1     -      -\n", "named set table");
	free(s);
}

int main(void)
{
	test_stream();
	test_renderers();
	test_split_group();
	test_link_table();
	test_named();
	return T_DONE();
}
