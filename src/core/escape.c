/* Escaping of user-controlled text for tables and CSV (nt_escape.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "nt_escape.h"

/* Length of the valid UTF-8 sequence at s (1..4), its code point in *cp,
 * or 0 if it is not valid (overlong, surrogate, above U+10FFFF, cut). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
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
		size_t tl = 0;

		n = utf8_seq(s, &cp);
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
