/* Unit tests: the JSON string encoder and number formatters (json_enc.c),
 * against fixed cases and, differentially, against jansson (what the
 * output was written with before). */
#include <float.h>
#include <stdlib.h>
#include "nt_output.h"
#include "t.h"

static char *enc(const char *s, size_t n)
{
	struct nt_buf b = { 0 };

	nt_json_str(&b, s, n);
	return b.err ? NULL : b.p;
}

static void check(const char *in, size_t n, const char *want, const char *name)
{
	char *got = enc(in, n);

	T_STR(got, want, "escape: %s", name);
	free(got);
}

/* jansson's encoding of a valid UTF-8 string: the old output. */
static char *jansson_str(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	char *r = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	json_decref(v);
	return r;
}

static void test_strings(void)
{
	char in[40], want[200], *p;
	unsigned c;
	int bad = 0;

	check("", 0, "\"\"", "empty");
	check("eth0", 4, "\"eth0\"", "plain");
	check("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash");
	check("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"", "short forms");
	check("\x1b[31mred", 8, "\"\\u001B[31mred\"", "ANSI escape");
	check("\x7f/", 2, "\"\x7f/\"", "DEL and slash kept (as jansson)");
	for (c = 1; c < 0x20; c++) {
		char one = (char)c;

		p = enc(&one, 1);
		if (!strchr("\b\f\n\r\t", (int)c))
			snprintf(want, sizeof(want), "\"\\u%04X\"", c);
		else
			snprintf(want, sizeof(want), "\"\\%c\"", "btn.fr"[c - 8]);
		if (!p || strcmp(p, want))
			bad++;
		free(p);
	}
	T_EQ_I(bad, 0, "escape: every control character 0x01..0x1f");
	check("\0x", 2, "\"\\u0000x\"", "NUL byte inside the length");
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "UTF-8 2, 3, 4 bytes kept");
	check("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7, "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"",
	      "U+FFFF and U+10FFFF kept");
	/* invalid: each maximal subpart is one U+FFFD (Python's "replace") */
	check("a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"", "0xff");
	check("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", "overlong C0 AF: two");
	check("\xe0\x80\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "overlong E0 80 80: three");
	check("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "surrogate D800: three");
	check("\xf4\x90\x80\x80", 4,
	      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "above U+10FFFF: four");
	check("\xe2\x82", 2, "\"\xef\xbf\xbd\"", "truncated 3-byte sequence at the end: one");
	check("\xe2\x82" "x", 3, "\"\xef\xbf\xbd" "x\"", "truncated 3-byte sequence before ASCII: one");
	check("\xf0\x9f\x98", 3, "\"\xef\xbf\xbd\"", "truncated 4-byte sequence: one");
	check("\x80\x80", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", "lone continuation bytes");
	check("0123456789abcdef\"0123456789abcdef\n", 34,
	      "\"0123456789abcdef\\\"0123456789abcdef\\n\"", "word-at-a-time path");

	/* Differential against jansson on random valid UTF-8 (ASCII with
	 * controls, quotes, backslashes, 2-4 byte sequences) */
	srand(8);
	bad = 0;
	for (c = 0; c < 20000; c++) {
		size_t n = 0, len = (size_t)rand() % 32;
		char *a, *b;

		while (n < len && n + 4 < sizeof(in)) {
			int k = rand() % 10;

			if (k < 6) {
				in[n++] = (char)(1 + rand() % 127);
			} else if (k < 7) {
				in[n++] = "\"\\\n\x1b"[rand() % 4];
			} else if (k < 8) {
				in[n++] = '\xc3';
				in[n++] = (char)(0x80 + rand() % 64);
			} else if (k < 9) {
				in[n++] = '\xe2';
				in[n++] = (char)(0x80 + rand() % 64);
				in[n++] = (char)(0x80 + rand() % 64);
			} else {
				in[n++] = '\xf0';
				in[n++] = (char)(0x90 + rand() % 48);
				in[n++] = (char)(0x80 + rand() % 64);
				in[n++] = (char)(0x80 + rand() % 64);
			}
		}
		a = enc(in, n);
		b = jansson_str(in, n);
		if (!a || !b || strcmp(a, b))
			bad++;
		free(a);
		free(b);
	}
	T_EQ_I(bad, 0, "escape: same text as jansson on 20000 random UTF-8 strings");

	/* Random bytes: always valid JSON that jansson reads back */
	bad = 0;
	for (c = 0; c < 20000; c++) {
		size_t n = (size_t)rand() % sizeof(in), i;
		char *a;
		json_t *v;

		for (i = 0; i < n; i++)
			in[i] = (char)(rand() % 256);
		a = enc(in, n);
		v = a ? json_loads(a, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
		if (!v || !json_is_string(v))
			bad++;
		json_decref(v);
		free(a);
	}
	T_EQ_I(bad, 0, "escape: 20000 random byte strings give JSON strings jansson accepts");
}

/* The old output: jansson with JSON_REAL_PRECISION(10). */
static int old_real(double x, char *out, size_t len)
{
	json_t *v = json_real(x);
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10)) : NULL;
	int r = s ? snprintf(out, len, "%s", s) : -1;

	free(s);
	json_decref(v);
	return r;
}

static int cmp_real(double x)
{
	char a[NT_JSON_NUM_MAX + 1], b[64];
	size_t n = nt_json_real(a, x);

	a[n] = '\0';
	if (old_real(x, b, sizeof(b)) < 0 || strcmp(a, b)) {
		printf("#   %.17g: got %s, jansson %s\n", x, a, b);
		return 1;
	}
	return 0;
}

static void test_numbers(void)
{
	char out[NT_JSON_NUM_MAX + 1];
	static const double fixed[] = {
		0.5, 0.1, 12.5, 1e-5, 1.5e-5, 0.00012345, 1234567890.4, 12345678901.5,
		9999999999.5, 9999999999.4, 0.99999999995, 0.99999999994, 1e21, 1.5e300,
		5e-324, 2.2250738585072014e-308, 1.79e308, -0.001, -2.5, 1.0 / 3, 2.0 / 3,
		100.0 / 7, 123456.7890123, 0.0001, 0.00001, 1e-4 * 3, 0.125, 3.0000000001,
	};
	size_t i, n;
	int bad = 0;
	uint64_t s = 88172645463325252u;

	n = nt_json_real(out, NAN);
	out[n] = '\0';
	T_STR(out, "null", "NaN is null");
	n = nt_json_real(out, -INFINITY);
	out[n] = '\0';
	T_STR(out, "null", "-inf is null");
	n = nt_json_num(out, INFINITY);
	out[n] = '\0';
	T_STR(out, "null", "inf is null (num)");
	n = nt_json_num(out, 42.0);
	out[n] = '\0';
	T_STR(out, "42", "whole double as an integer");
	n = nt_json_num(out, -3.0);
	out[n] = '\0';
	T_STR(out, "-3", "negative whole double");
	n = nt_json_num(out, 1e300);
	out[n] = '\0';
	T_STR(out, "1e300", "huge whole double as a real");
	n = nt_json_real(out, 2.0);
	out[n] = '\0';
	T_STR(out, "2.0", "a real stays a real");
	n = nt_json_u64(out, UINT64_MAX, false);
	out[n] = '\0';
	T_STR(out, "18446744073709551615", "u64 max");

	n = nt_json_real(out, DBL_MAX);
	out[n] = '\0';
	T_OK(isfinite(strtod(out, NULL)), "DBL_MAX does not read back as infinity: %s", out);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		bad += cmp_real(fixed[i]) + cmp_real(-fixed[i]);
	T_EQ_I(bad, 0, "reals: fixed cases as jansson %%.10g wrote them");

	/* random doubles over the whole range, random rates (a count over a
	 * time), and exact ties at the 10th digit (which go to printf) */
	bad = 0;
	for (i = 0; i < 300000 && bad < 10; i++) {
		double x;
		uint64_t bits;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		bits = s;
		switch (i % 3) {
		case 0:
			memcpy(&x, &bits, sizeof(x));
			if (!isfinite(x) || fabs(x) > 1.79e308)
				continue;
			break;
		case 1:
			x = (double)(bits % 100000000) / (0.5 + (double)(bits >> 40) / 1e6);
			break;
		default:
			x = ((double)(bits % 20000000000u) + 0.5) / pow(10, (double)(bits >> 60));
			break;
		}
		bad += cmp_real(x);
	}
	T_EQ_I(bad, 0, "reals: 300000 random values as jansson %%.10g wrote them");

	bad = 0;
	for (i = 0; i < 100000; i++) {
		double x;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		x = (double)(s % 1000000) / 997.0 / pow(10, (double)(s >> 61));
		n = nt_prom_double(out, x);
		out[n] = '\0';
		if (!n || strtod(out, NULL) != x)
			bad++;
	}
	T_EQ_I(bad, 0, "Prometheus values read back exactly");
	n = nt_prom_double(out, 0.005);
	out[n] = '\0';
	T_STR(out, "0.005", "Prometheus: shortest form");
	n = nt_prom_double(out, INFINITY);
	out[n] = '\0';
	T_STR(out, "+Inf", "Prometheus: +Inf");
}

int main(void)
{
	test_strings();
	test_numbers();
	return t_failed ? 1 : 0;
}
