/* libFuzzer target: the conntrack parsers. The first byte picks one:
 * 0 CT_GET_STATS reply, 1 CT_GET_STATS_CPU dump, 2 a dump of entries
 * counted by the breakdown key in the second byte (through a Space-Saving
 * summary of 1 to 8 counters, so it overflows, and top-N; the summary's
 * invariants are checked), 3 /proc/net/stat/nf_conntrack text, 4 a /proc/sys number. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "nt_conntrack.h"
#include "nt_nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	return nt_ct_parse_stats(nlh, data);
}

static void walk(uint16_t msg, nt_nl_cb cb, void *arg, const uint8_t *p,
		 size_t n)
{
	struct nt_nl_walk w = { .type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | msg),
				.cb = cb, .data = arg };
	void *buf = malloc(n ? n : 1); /* exact size: ASan sees overreads */

	if (!buf)
		return;
	memcpy(buf, p, n);
	(void)nt_nl_walk(buf, n, &w);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_ct_sample x = { 0 };
	struct nt_ct_summary s = { 0 };
	struct nt_ct_agg a;
	static const uint64_t seed[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
	struct nt_ct_top top[8];
	uint64_t v, sum;
	size_t i, n;
	char *text;

	if (size < 2)
		return 0;
	switch (data[0] % 5) {
	case 0:
		walk(IPCTNL_MSG_CT_GET_STATS, stats_cb, &s, data + 2, size - 2);
		break;
	case 1:
		walk(IPCTNL_MSG_CT_GET_STATS_CPU, nt_ct_cpu_cb, &x, data + 2, size - 2);
		for (i = 0; i < x.ncpu; i++)
			if (x.cpu[i].nextra > NT_CT_MAX_EXTRA)
				abort();
		nt_ct_sum(&x);
		break;
	case 2:
		if (nt_ct_agg_init(&a, (enum nt_ct_by)(data[1] % 9), NULL,
				   1 + data[1] / 9 % 8, seed))
			return 0;
		walk(IPCTNL_MSG_CT_NEW, nt_ct_entry_cb, &a, data + 2, size - 2);
		n = nt_ct_agg_top(&a, top, 8);
		for (i = 0; i < n; i++) {
			if (!memchr(top[i].value, 0, sizeof(top[i].value)))
				abort();
			if (top[i].count > a.entries || top[i].err >= top[i].count)
				abort();
			if (!nt_ct_agg_exact(&a) && top[i].err > nt_ct_topk_min(&a.tk))
				abort();
		}
		for (i = 0, sum = 0; i < a.tk.used; i++)
			sum += a.tk.c[i].n; /* Space-Saving keeps the stream length */
		if (a.by != NT_BY_NONE && (sum != a.tk.total || sum != a.entries))
			abort();
		if (a.assured + a.unreplied > a.entries)
			abort();
		nt_ct_agg_free(&a);
		break;
	default:
		text = malloc(size - 1);
		if (!text)
			return 0;
		memcpy(text, data + 2, size - 2);
		text[size - 2] = '\0';
		if (data[0] % 5 == 3)
			(void)nt_ct_parse_procstat(text, &x, &v);
		else
			(void)nt_ct_parse_sysctl(text, &v);
		free(text);
		break;
	}
	nt_ct_sample_free(&x);
	return 0;
}
