/* Unit tests: escaping of user-controlled text in tables and CSV. */
#include <stdlib.h>
#include "nt_escape.h"
#include "nt_output.h"
#include "nt_path.h"
#include "t.h"

static void esc(const char *in, const char *want, const char *what)
{
	char buf[256];
	size_t n = nt_escape_text(buf, sizeof(buf), in);

	T_STR(buf, want, "escape: %s", what);
	T_EQ_U(n, strlen(want), "escape: %s: returned length", what);
}

static void test_escape(void)
{
	char small[8], tiny[5];
	size_t n;

	esc("eth0", "eth0", "plain ASCII kept");
	esc("\033[31mred", "\\x1b[31mred", "ESC (ANSI colour) escaped");
	esc("a\rb\nc\td", "a\\rb\\nc\\td", "CR, LF, TAB as \\r \\n \\t");
	esc("back\\slash", "back\\\\slash", "backslash doubled (unambiguous)");
	esc("x\x7fy", "x\\x7fy", "DEL escaped");
	esc("\x01\x1f", "\\x01\\x1f", "other C0 controls");
	esc("a\xc2\x9b" "2J", "a\\xc2\\x9b2J", "C1 CSI as UTF-8 (U+009B) escaped");
	esc("a\x9b" "2J", "a\\x9b2J", "raw 0x9b (invalid UTF-8 CSI) escaped");
	esc("\xff\xfe", "\\xff\\xfe", "invalid bytes escaped one by one");
	esc("\xc0\xaf", "\\xc0\\xaf", "overlong encoding escaped");
	esc("\xed\xa0\x80", "\\xed\\xa0\\x80", "UTF-16 surrogate escaped");
	esc("\xe2\x82", "\\xe2\\x82", "cut sequence at the end escaped");
	esc("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
	    "multi-byte UTF-8 kept");
	esc("ab\xe2\x80\xae" "cd", "ab\\xe2\\x80\\xaecd", "bidi override U+202E escaped");
	esc("", "", "empty string");
	T_EQ_U(nt_text_width("caf\xc3\xa9"), 4, "width counts characters, not bytes");
	T_EQ_U(nt_text_width("\\x1b[31m"), 8, "width of escaped text");

	n = nt_escape_text(tiny, sizeof(tiny), "ab\033cd");
	T_STR(tiny, "ab", "truncation only between whole escapes");
	T_EQ_U(n, 8, "truncated: returns the full length");
	n = nt_escape_text(small, sizeof(small), "abcdefgh");
	T_STR(small, "abcdefg", "truncation of plain text");
}

struct rec {
	char name[32];
	uint64_t pkts;
};

static const struct nt_field rec_fields[] = {
	{ "name", "NAME", 0, NT_T_STR, offsetof(struct rec, name), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Name", NULL },
	{ "packets", "PKTS", 0, NT_T_U64, offsetof(struct rec, pkts), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, "Packets", NULL },
};

static const struct nt_rectype rec_type = {
	"recs", "nettriage_test", rec_fields, 2, sizeof(struct rec), -1, -1,
};

static char *render(const struct rec *r, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	nt_table_print(f, &rec_type, r, n, NT_F_ID | NT_F_TOTAL | NT_F_DEF, NULL, false);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	struct rec r[3] = {
		{ "\033[31mevil\033[0m", 1 },
		{ "caf\xc3\xa9", 22 },
		{ "a\nb", 333 },
	};
	char *out = render(r, 3);

	T_OK(out && !strchr(out, '\033'), "table: no raw ESC byte");
	T_STR(out,
	      "NAME                PKTS\n"
	      "\\x1b[31mevil\\x1b[0m    1\n"
	      "caf\xc3\xa9                  22\n"
	      "a\\nb                 333\n",
	      "table: escaped, columns aligned on the escaped text's width");
	free(out);
}

static void test_csv(void)
{
	struct nt_path_row row;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&row, 0, sizeof(row));
	row.ttl = 1;
	row.avail = ~0ull;
	snprintf(row.ip, sizeof(row.ip), "192.0.2.1");
	snprintf(row.host, sizeof(row.host), "h\033[2J,\"x\"\r\nforged,row");
	nt_path_print_csv(f, &row, 1, "t\x9b");
	fclose(f);
	T_OK(buf && !strchr(buf, '\033') && !strchr(buf, '\x9b'),
	     "csv: no raw ESC or CSI byte");
	T_OK(buf && strstr(buf, "\"h\\x1b[2J,\"\"x\"\"\\r\\nforged,row\""),
	     "csv: control escaping, then RFC 4180 quoting of , and \"");
	T_OK(buf && strstr(buf, "\r\nt\\x9b,"), "csv: target escaped");
	T_EQ_U(buf ? (unsigned long long)(strstr(buf, "\r\n") ? 1 : 0) : 0, 1, "csv: has rows");
	{
		size_t rows = 0;
		const char *p;

		for (p = buf; p && (p = strstr(p, "\r\n")); p += 2)
			rows++;
		T_EQ_U(rows, 2, "csv: header + one row; a name cannot forge a row");
	}
	free(buf);
}

static void test_json(void)
{
	json_t *j = nt_json_text("x\033y");

	T_STR(j ? json_string_value(j) : NULL, "x\033y", "json: a control character is kept for the encoder");
	json_decref(j);
	j = nt_json_text("bad\xff");
	T_STR(j ? json_string_value(j) : NULL, "bad\xff",
	      "json: invalid UTF-8 kept (the encoder writes U+FFFD), not dropped");
	json_decref(j);
}

int main(void)
{
	test_escape();
	test_table();
	test_csv();
	test_json();
	return T_DONE();
}
