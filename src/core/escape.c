/* Escaping of user-controlled text for tables and CSV (nt_escape.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "nt_escape.h"

size_t nt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned c0 = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (c0 < 0x80) {
		*cp = c0;
		return 1;
	}
	if (c0 >= 0xc2 && c0 <= 0xdf) {
		len = 2;
		c = c0 & 0x1f;
	} else if (c0 >= 0xe0 && c0 <= 0xef) {
		len = 3;
		c = c0 & 0x0f;
	} else if (c0 >= 0xf0 && c0 <= 0xf4) {
		len = 4;
		c = c0 & 0x07;
	} else {
		*bad = 1;
		return 0;
	}
	/* the second byte's range rules out overlongs (E0, F0), surrogates
	 * (ED) and code points above U+10FFFF (F4) */
	if (c0 == 0xe0)
		lo = 0xa0;
	else if (c0 == 0xed)
		hi = 0x9f;
	else if (c0 == 0xf0)
		lo = 0x90;
	else if (c0 == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		unsigned x = i < n ? s[i] : 0; /* a NUL also stops it */

		if (x < lo || x > hi) {
			*bad = i;
			return 0;
		}
		c = c << 6 | (x & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}

static int needs_escape(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

size_t nt_escape_text(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, n, i;
	bool full = dstlen == 0;
	char tmp[17];

	while (*s) {
		uint32_t cp;
		size_t tl = 0, bad;

		/* s is NUL-terminated: the NUL ends any sequence */
		n = nt_utf8_seq(s, SIZE_MAX, &cp, &bad);
		if (n && !needs_escape(cp) && cp != '\\') {
			memcpy(tmp, s, n);
			tl = n;
		} else if (n == 1 && (cp == '\n' || cp == '\r' || cp == '\t' || cp == '\\')) {
			tmp[0] = '\\';
			tmp[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : '\\';
			tl = 2;
		} else {
			if (!n)
				n = 1; /* one invalid byte; resynchronise after it */
			for (i = 0; i < n; i++)
				tl += (size_t)snprintf(tmp + tl, sizeof(tmp) - tl, "\\x%02x", s[i]);
		}
		if (!full && out + tl < dstlen)
			memcpy(dst + out, tmp, tl);
		else if (!full) {
			dst[out] = '\0';
			full = true;
		}
		out += tl;
		s += n;
	}
	if (!full)
		dst[out] = '\0';
	return out;
}

size_t nt_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void nt_text_pad(FILE *f, const char *s, int width, bool left)
{
	static const char spaces[] = "                                ";
	int pad = width - (int)nt_text_width(s);

	/* whole runs of spaces, not a locked fputc per column */
	for (; !left && pad > 0; pad -= (int)sizeof(spaces) - 1)
		fwrite(spaces, 1, pad < (int)sizeof(spaces) - 1 ? (size_t)pad :
		       sizeof(spaces) - 1, f);
	fputs(s, f);
	for (; left && pad > 0; pad -= (int)sizeof(spaces) - 1)
		fwrite(spaces, 1, pad < (int)sizeof(spaces) - 1 ? (size_t)pad :
		       sizeof(spaces) - 1, f);
}

json_t *nt_json_text(const char *s)
{
	return json_string_nocheck(s);
}
