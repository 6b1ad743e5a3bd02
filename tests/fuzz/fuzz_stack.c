/* libFuzzer target: the stack layer's /proc parsers (softnet_stat,
 * sockstat, snmp6, number files, and the counter sets of snmp/netstat).
 * The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_softnet sn = { 0 };
	struct nt_sockstat ss = { 0 };
	struct nt_tcp_ctrs c = { 0 };
	struct nt_stack_ctrs sc = { 0 };
	uint64_t v[3];
	char *text;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	/* exactly n bytes, no NUL: the parsers must not read past len */
	text = malloc(n ? n : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, n);
	switch (data[0] % 5) {
	case 0:
		(void)nt_stack_parse_softnet(text, n, &sn);
		nt_softnet_free(&sn);
		break;
	case 1:
		(void)nt_stack_parse_sockstat(text, n, &ss);
		nt_sockstat_free(&ss);
		break;
	case 2:
		(void)nt_stack_parse_snmp6(text, n, "Udp6", &c);
		nt_tcp_ctrs_free(&c);
		break;
	case 3:
		(void)nt_stack_parse_nums(text, n, v, 3);
		break;
	default:
		nt_stack_parse_ctrs(&sc, text, n, text, n, text, n);
		nt_stack_ctrs_free(&sc);
		break;
	}
	free(text);
	return 0;
}
