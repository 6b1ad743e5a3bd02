/* Escaping of text that any user controls (interface names, process names
 * set with PR_SET_NAME, DNS names) before it reaches a terminal or a CSV
 * file, so that it cannot move the cursor, recolour or rewrite the screen,
 * or forge a row. */
#ifndef NT_ESCAPE_H
#define NT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* The valid UTF-8 sequence at s (n bytes left, n >= 1): its length 1..4
 * and code point in *cp; or 0 when the bytes there are not one (overlong,
 * surrogate, above U+10FFFF, cut short), with the length of the maximal
 * invalid subpart in *bad (Unicode 15, 3.9: what U+FFFD replaces). RFC
 * 3629's rules; one decoder for the escaper and the JSON encoder. */
size_t nt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad);

/* Copy src to dst (dstlen bytes, NUL-terminated when dstlen > 0) with C0
 * controls, DEL, C1 controls (U+0080..U+009F), the bidirectional overrides
 * and isolates (U+202A..U+202E, U+2066..U+2069) and every byte that is not
 * part of valid UTF-8 written as \xHH (one per byte; \n, \r, \t for those
 * three), and a backslash as \\, so the result is printable and says
 * unambiguously what the bytes were. Valid printable UTF-8 is kept.
 * Truncates only between whole escapes or characters. Returns the length
 * the whole escaped text has (like snprintf), so >= dstlen means cut. */
size_t nt_escape_text(char *dst, size_t dstlen, const char *src);

/* Terminal columns of text nt_escape_text produced: one per character
 * (East Asian wide characters are counted as one). */
size_t nt_text_width(const char *s);

/* Print s (escaped text) padded with spaces to width columns, on the right
 * (left aligned) or on the left. */
void nt_text_pad(FILE *f, const char *s, int width, bool left);

/* A JSON string holding s's bytes as they are, even when they are not
 * UTF-8 (json_string() would return NULL and drop the key). Documents are
 * written by our encoder (nt_json_str, json_enc.c), which escapes the
 * controls and writes each invalid UTF-8 sequence as U+FFFD: one policy
 * for every JSON string. Never pass the result to jansson's json_dump*. */
json_t *nt_json_text(const char *s);

#endif
