/* Unit tests: nt_layer_path as triage calls it. parse_opts on an argv of
 * string literals (read-only memory: the operand must be copied, not cut
 * in place), twice in a row (getopt reset), and its usage errors; caps,
 * hist_get and the calls that have nothing to say before collect; collect
 * without open; then one real run over loopback (UDP, unprivileged when
 * not root) rendered inside triage-like sections nested as deep as
 * triage's document (layers > path[] > target > hops > responders). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "../../src/path/path_int.h"
#include "t.h"

static struct path_st *parsed(int argc, char **argv, int *r)
{
	struct path_st *x = calloc(1, nt_layer_path.size);

	if (x)
		*r = nt_layer_path.parse_opts(x, argc, argv);
	return x;
}

static void done(struct path_st *x)
{
	nt_layer_path.free(x);
	free(x);
}

int main(void)
{
	char *a1[] = { "path", "--udp", "--max-loss=20", "--", "198.51.100.7:443", NULL };
	char *a2[] = { "path", "-6", "--", "[2001:db8::7]:53", NULL };
	char *none[] = { "path", NULL };
	char *badname[] = { "path", "--", "no..such.example", NULL };
	char *famv6[] = { "path", "-4", "--", "2001:db8::1", NULL };
	struct nt_global g = { .format = NT_FMT_JSON, .count = 2, .interval = 0.05,
			       .numeric = true };
	struct nt_layer_ctx c = { .g = &g };
	const struct nt_baseline b = { .kind = "none", .since = "" };
	struct nt_verdicts vs = { 0 };
	struct path_st *x;
	int r = -9;

	x = parsed(5, a1, &r);
	T_EQ_I(r, 0, "parse_opts on read-only literals {path --udp --max-loss=20 -- 198.51.100.7:443}");
	T_OK(x && !strcmp(x->o.target, "198.51.100.7") && x->o.po.mode == NT_PM_UDP &&
	     x->o.po.port == 443 && x->o.t.max_loss == 20 && x->o.po.dst.family == AF_INET,
	     "  target 198.51.100.7, UDP to port 443, --max-loss 20, IPv4 from the literal");
	T_EQ_U(nt_layer_path.caps(x), NT_CAP(CAP_NET_RAW),
	       "caps before open: CAP_NET_RAW (the raw ICMP receive socket)");
	T_OK(!nt_layer_path.hist_get && !nt_layer_path.rotate && !nt_layer_path.hist_put,
	     "no hist_get, rotate or hist_put (path keeps no history)");
	nt_layer_path.judge(x, &b, &vs);
	T_EQ_U(vs.n, 0, "judge before collect: no verdict");
	r = nt_layer_path.collect(x, &c);
	T_OK(r == -EBADF && strstr(c.why, "198.51.100.7") != NULL,
	     "collect without open: -EBADF, the reason names the target (%s)", c.why);
	done(x);

	x = parsed(4, a2, &r);
	T_OK(r == 0 && !strcmp(x->o.target, "2001:db8::7") && x->o.port == 53 &&
	     x->o.family == AF_INET6, "a second state right after: [2001:db8::7]:53 with -6");
	done(x);
	x = parsed(1, none, &r);
	T_EQ_I(r, -1, "triage's bare defaults {path}: usage error (path needs HOST)");
	done(x);
	x = parsed(3, badname, &r);
	T_EQ_I(r, -1, "no..such.example: usage error before any lookup");
	done(x);
	x = parsed(4, famv6, &r);
	T_EQ_I(r, -1, "-4 with an IPv6 literal: usage error");
	done(x);

	/* One run to 127.0.0.1 over UDP: port unreachable at TTL 1. */
	{
		char *lo[] = { "path", "--udp", "--max-ttl", "3", "--timeout", "0.5",
			       "--", "127.0.0.1", NULL };
		struct nt_doc d;
		const char *text;
		json_t *root = NULL, *t0, *h0, *r0;
		size_t len = 0;

		x = parsed(8, lo, &r);
		T_EQ_I(r, 0, "parse_opts --udp --max-ttl 3 --timeout 0.5 -- 127.0.0.1");
		r = nt_layer_path.open(x, &c);
		T_EQ_I(r, 0, "open (UDP sockets need no privilege): %s", r ? c.why : "ok");
		r = r ? r : nt_layer_path.collect(x, &c);
		T_EQ_I(r, 0, "collect to 127.0.0.1: %s", r ? c.why : "ok");
		T_EQ_I(nt_layer_path.collect(x, &c), 0, "a second collect keeps the first run");
		nt_verdicts_reset(&vs);
		nt_layer_path.judge(x, &b, &vs);
		T_OK(vs.n >= 2 && !strcmp(vs.v[0].check, "path.reach") && vs.v[0].level == NT_OK &&
		     !strcmp(vs.v[0].subject, "127.0.0.1"),
		     "judge: path.reach ok, subject the target as given");
		if (nt_doc_init(&d, "triage", &g) == 0) {
			d.js_out = NULL; /* keep the text */
			nt_doc_open(&d, "layers", false);
			nt_doc_open(&d, "path", true);
			nt_doc_open(&d, NULL, false);
			nt_layer_path.emit(x, &d, &c, &b);
			nt_doc_close(&d);
			nt_doc_close(&d);
			nt_doc_close(&d);
			text = nt_doc_json(&d, &len);
			root = text ? json_loadb(text, len, 0, NULL) : NULL;
			nt_doc_free(&d);
		}
		t0 = json_array_get(json_object_get(json_object_get(root, "layers"), "path"), 0);
		h0 = json_array_get(json_object_get(t0, "hops"), 0);
		T_OK(t0 && json_is_true(json_object_get(t0, "reached")) &&
		     json_integer_value(json_object_get(t0, "cycles")) == 2,
		     "emit inside layers.path[0]: reached, 2 cycles (g->count)");
		T_OK(h0 && json_integer_value(json_object_get(h0, "ttl")) == 1 &&
		     json_is_null(json_object_get(h0, "netns")) &&
		     json_is_false(json_object_get(h0, "rate_limited")),
		     "  hops[0] from the field table: ttl 1, netns null, rate_limited false");
		r0 = json_array_get(json_object_get(h0, "responders"), 0);
		T_OK(json_string_value(json_object_get(r0, "ip")) &&
		     !strcmp(json_string_value(json_object_get(r0, "ip")), "127.0.0.1") &&
		     !json_object_get(r0, "ttl") && json_object_get(r0, "rtt_ms"),
		     "  responders[0]: ip 127.0.0.1, rtt_ms, no ttl key");
		json_decref(root);
		done(x);
	}
	nt_verdicts_free(&vs);
	return T_DONE();
}
