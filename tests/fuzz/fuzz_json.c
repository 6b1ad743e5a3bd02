/* libFuzzer target: the JSON string encoder and number formatters. The
 * bytes are encoded as a string: the result must be one JSON string that
 * jansson reads back, equal to the input when the input is valid UTF-8.
 * Their first 8 bytes as a double: the JSON real must read back within
 * its 10 significant digits, the Prometheus value exactly. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_buf b = { 0 };
	json_t *v, *ref;
	char num[NT_JSON_NUM_MAX + 1];
	double x, y;
	size_t n;

	nt_json_str(&b, (const char *)data, size);
	if (b.err)
		abort();
	if (b.len != strlen(b.p) || b.len > 6 * size + 2)
		abort(); /* no NUL in the text, bounded growth */
	v = json_loads(b.p, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!v || !json_is_string(v))
		abort();
	ref = json_stringn((const char *)data, size);
	if (ref && !json_equal(ref, v))
		abort(); /* valid UTF-8 must come back unchanged */
	json_decref(ref);
	json_decref(v);
	nt_buf_free(&b);

	if (size >= 8) {
		memcpy(&x, data, sizeof(x));
		n = nt_json_real(num, x);
		num[n] = '\0';
		if (!isfinite(x)) {
			if (strcmp(num, "null"))
				abort();
		} else {
			y = strtod(num, NULL);
			if (x != 0 && fabs(y - x) > fabs(x) * 5e-10)
				abort();
			n = nt_prom_double(num, x);
			num[n] = '\0';
			if (strtod(num, NULL) != x)
				abort();
		}
	}
	return 0;
}
