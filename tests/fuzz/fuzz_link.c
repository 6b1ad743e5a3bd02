/* libFuzzer target: the RTM_NEWLINK dump parser (nt_link_parse_buf). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_link_list l = { 0 };
	void *buf = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)nt_link_parse_buf(buf, size, 0, 0, &l);
	for (i = 0; i < l.n; i++) {
		/* invariants: a kept interface has a terminated, non-empty name */
		if (!l.v[i].name[0] || memchr(l.v[i].name, 0, sizeof(l.v[i].name)) == NULL)
			abort();
	}
	nt_link_list_free(&l);
	free(buf);
	return 0;
}
