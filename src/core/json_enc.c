/* JSON text primitives: a growing buffer, an RFC 8259 string encoder and
 * number formatting. No global state: every call works on the caller's
 * buffer, so documents can be built in several threads or namespaces. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nt_escape.h"
#include "nt_output.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

int nt_buf_grow(struct nt_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *n;

	if (b->err)
		return b->err;
	if (more > SIZE_MAX / 2 - b->len - 1) {
		b->err = -ENOMEM;
		return b->err;
	}
	while (cap < b->len + more + 1)
		cap *= 2;
	n = realloc(b->p, cap);
	if (!n) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->p = n;
	b->cap = cap;
	return 0;
}

void nt_buf_free(struct nt_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Bytes that end a plain run: controls, '"', '\\' and every non-ASCII
 * byte (checked as UTF-8). */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* "s" as a JSON string. Escapes '"', '\\' and every control character
 * below 0x20 (short forms \b \f \n \r \t, else \u00XX), like jansson.
 * Valid UTF-8 is copied as is. Invalid UTF-8 (interface and process names
 * are arbitrary bytes to the kernel) cannot be represented in JSON text;
 * jansson refused the whole value. We replace each maximal invalid
 * subpart by U+FFFD, so the document stays valid and the rest of the name
 * readable; the table shows the raw bytes. */
void nt_json_str(struct nt_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	char *o;

	/* worst case: every byte becomes a 6-byte \u00XX */
	if (n > (SIZE_MAX - 3) / 6 || nt_buf_reserve(b, 6 * n + 2))
		return;
	o = b->p + b->len;
	*o++ = '"';
	while (s < end) {
		size_t seq, bad;

#ifdef __SSE2__
		/* 16 bytes at a time: as signed bytes, c < 0x20 is a control
		 * or a non-ASCII byte; plus '"' and '\\' */
		while (end - s >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			__m128i m = _mm_or_si128(
				_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

			if (_mm_movemask_epi8(m))
				break;
			_mm_storeu_si128((__m128i *)(void *)o, v);
			o += 16;
			s += 16;
		}
#endif
		/* 8 bytes at a time while none is special (SWAR: a byte
		 * with its high bit set, below 0x20, '"' or '\\' stops it;
		 * borrows can only flag bytes after a real hit) */
		while (end - s >= 8) {
			uint64_t w, q, bs;

			memcpy(&w, s, 8);
			q = w ^ 0x2222222222222222u;
			bs = w ^ 0x5c5c5c5c5c5c5c5cu;
			if ((w | ((w - 0x2020202020202020u) & ~w) |
			     ((q - 0x0101010101010101u) & ~q) |
			     ((bs - 0x0101010101010101u) & ~bs)) & 0x8080808080808080u)
				break;
			memcpy(o, s, 8);
			o += 8;
			s += 8;
		}
		while (s < end && !special[*s])
			*o++ = (char)*s++;
		if (s == end)
			break;
		if (*s >= 0x80) {
			uint32_t cp;

			seq = nt_utf8_seq(s, (size_t)(end - s), &cp, &bad);
			if (seq) {
				memcpy(o, s, seq);
				o += seq;
				s += seq;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD, 3 <= 6 * bad */
				o += 3;
				s += bad;
			}
			continue;
		}
		*o++ = '\\';
		switch (*s) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = "0123456789ABCDEF"[*s >> 4];
			*o++ = "0123456789ABCDEF"[*s & 15];
			break;
		}
		s++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

size_t nt_json_u64(char *out, uint64_t v, bool neg)
{
	static const char d2[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	char num[24], *q = num + sizeof(num);
	size_t n;

	if (v < 10 && !neg) {
		*out = (char)('0' + v);
		return 1;
	}
	while (v >= 100) {
		q -= 2;
		memcpy(q, d2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, d2 + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	if (neg)
		*--q = '-';
	n = (size_t)(num + sizeof(num) - q);
	memcpy(out, q, n);
	return n;
}

/* jansson's dtostr after "%.10g": a dot or an exponent is always present
 * (so the value reads back as a real), the exponent has no '+' and no
 * leading zeros. */
static size_t tidy_g(char *out, size_t n)
{
	char *e = memchr(out, 'e', n), *p, *q;

	if (!e && !memchr(out, '.', n)) {
		memcpy(out + n, ".0", 2);
		return n + 2;
	}
	if (!e)
		return n;
	p = e + 1;
	if (*p == '+') {
		memmove(p, p + 1, (size_t)(out + n - p - 1));
		n--;
	} else if (*p == '-') {
		p++;
	}
	for (q = p; *q == '0' && q + 1 < out + n; q++)
		;
	memmove(p, q, (size_t)(out + n - q));
	return n - (size_t)(q - p);
}

static size_t real_printf(char *out, double x)
{
	/* within 5e-10 of DBL_MAX, 10 digits round up past it and read back
	 * as infinity: write those few values exactly */
	int prec = fabs(x) > 1.7976931340e308 ? 17 : NT_JSON_DIGITS;
	int n = snprintf(out, NT_JSON_NUM_MAX - 3, "%.*g", prec, x);

	if (n < 0 || n >= NT_JSON_NUM_MAX - 3) {
		memcpy(out, "null", 4);
		return 4;
	}
	return tidy_g(out, (size_t)n);
}

/* The NT_JSON_DIGITS (10) significant digits of |x| as an integer and
 * the decimal exponent of the first, correctly rounded like printf.
 * The scaling by an exact power of ten is one long double operation (64-bit
 * mantissa: error <= 2^-31 at 10^10); when the discarded fraction is
 * within 2^-20 of a tie, rounding cannot be decided here: return false
 * and let printf do it. */
static bool digits10(double ax, uint64_t *dig, int *exp10)
{
	static const long double p10[] = {
		1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L,
		1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L,
		1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
	};
	uint64_t bits;
	int e, tries;

	/* the decimal exponent from the binary one (log10(2) ~ 78913 / 2^18),
	 * off by at most one: the loop below corrects it */
	memcpy(&bits, &ax, sizeof(bits));
	if (!(bits >> 52))
		return false; /* subnormal: printf */
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	e = e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);

	for (tries = 0; tries < 3; tries++) {
		int k = NT_JSON_DIGITS - 1 - e;
		long double s, frac;
		uint64_t d;

		if (k > 27 || k < -27)
			return false;
		s = k >= 0 ? (long double)ax * p10[k] : (long double)ax / p10[-k];
		if (s < 1e9L) {
			e--;
			continue;
		}
		if (s >= 1e10L) {
			e++;
			continue;
		}
		d = (uint64_t)s;
		frac = s - (long double)d;
		if (fabsl(frac - 0.5L) < 0x1p-20L)
			return false;
		if (frac > 0.5L)
			d++;
		if (d == 10000000000u) {
			d = 1000000000u;
			e++;
		}
		*dig = d;
		*exp10 = e;
		return true;
	}
	return false;
}

/* A real as jansson wrote it with JSON_REAL_PRECISION(10): "%.10g", then
 * tidied. NaN and infinities have no JSON form: null. */
size_t nt_json_real(char *out, double x)
{
	char dg[NT_JSON_DIGITS];
	uint64_t d;
	int e, nd, i;
	size_t n = 0;

	if (!isfinite(x)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (x == 0)
		return real_printf(out, x); /* "0.0" or "-0.0" */
	if (LDBL_MANT_DIG < 64 || !digits10(fabs(x), &d, &e))
		return real_printf(out, x);
	for (i = NT_JSON_DIGITS - 1; i >= 0; i--) {
		dg[i] = (char)('0' + d % 10);
		d /= 10;
	}
	for (nd = NT_JSON_DIGITS; nd > 1 && dg[nd - 1] == '0'; nd--)
		;
	if (signbit(x))
		out[n++] = '-';
	if (e < -4 || e >= NT_JSON_DIGITS) {
		/* %g's exponent form, tidied: d[.ddd]e[-]N */
		out[n++] = dg[0];
		if (nd > 1) {
			out[n++] = '.';
			memcpy(out + n, dg + 1, (size_t)nd - 1);
			n += (size_t)nd - 1;
		}
		out[n++] = 'e';
		if (e < 0)
			out[n++] = '-';
		n += nt_json_u64(out + n, (uint64_t)(e < 0 ? -e : e), false);
		return n;
	}
	if (e < 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (i = e + 1; i < 0; i++)
			out[n++] = '0';
		memcpy(out + n, dg, (size_t)nd);
		return n + (size_t)nd;
	}
	for (i = 0; i <= e; i++)
		out[n++] = i < nd ? dg[i] : '0';
	out[n++] = '.';
	if (nd > e + 1) {
		memcpy(out + n, dg + e + 1, (size_t)(nd - e - 1));
		n += (size_t)(nd - e - 1);
	} else {
		out[n++] = '0'; /* whole at 10 digits: "2.0", as jansson */
	}
	return n;
}

/* A JSON number for a double field: whole values below 2^53 as integers
 * (most rates are 0, and this skips the real path), others as reals. */
size_t nt_json_num(char *out, double x)
{
	/* |x| < 2^53 first, so the conversion is defined and exact for
	 * whole values (and trunc(), a libm call, is not needed) */
	if (x > -9007199254740992.0 && x < 9007199254740992.0 &&
	    (double)(int64_t)x == x)
		return nt_json_u64(out, (uint64_t)fabs(x), x < 0);
	return nt_json_real(out, x);
}

/* Prometheus sample values: the shortest of %.15g/%.16g/%.17g that reads
 * back as the same double (exact, and 0.005 rather than
 * 0.0050000000000000001). */
size_t nt_prom_double(char *out, double x)
{
	int p, n = 0;

	if (isnan(x)) {
		memcpy(out, "NaN", 3);
		return 3;
	}
	if (isinf(x)) {
		memcpy(out, x > 0 ? "+Inf" : "-Inf", 4);
		return 4;
	}
	if (x == trunc(x) && fabs(x) < 9007199254740992.0)
		return nt_json_u64(out, (uint64_t)fabs(x), x < 0);
	for (p = 15; p <= 17; p++) {
		n = snprintf(out, NT_JSON_NUM_MAX, "%.*g", p, x);
		if (n < 0 || n >= NT_JSON_NUM_MAX)
			return 0;
		if (strtod(out, NULL) == x)
			break;
	}
	return (size_t)n;
}
