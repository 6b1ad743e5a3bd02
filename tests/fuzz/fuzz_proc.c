/* libFuzzer target: text parsers (/proc/net/dev, history file). The first
 * byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_history.h"
#include "nt_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_link_list l = { 0 };
	struct nt_hist h = { 0 };
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		(void)nt_link_parse_procnetdev(text, &l);
		nt_link_list_free(&l);
	} else {
		if (nt_hist_parse(text, "b", 0, "cookie-1", "link", &h) == 0)
			nt_hist_free(&h);
	}
	free(text);
	return 0;
}
